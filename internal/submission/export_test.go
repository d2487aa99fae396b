package submission

import "strings"

// Mentions is mentions of a text as warnings passes it (in lower case), for the tests.
func Mentions(text, term string) bool {
	return mentions(appendLower(nil, text), []byte(strings.ToLower(strings.TrimSpace(term))))
}
