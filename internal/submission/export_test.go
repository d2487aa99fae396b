package submission

import (
	"strings"

	"github.com/challenging-norms/conference/internal/cfp"
)

// Mentions is mentions of a text as warnings passes it (folded), for the tests.
func Mentions(text, term string) bool {
	return mentions(appendFolded(nil, text), appendFolded(nil, strings.TrimSpace(term)))
}

// Warnings is the blind-review warnings of content c of prop in format f, for the tests.
func Warnings(prop Proposal, c Content, f cfp.Format) []Warning { return warnings(prop, c, f) }

// Surnames is surnames, for the tests.
var Surnames = surnames
