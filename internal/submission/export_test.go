package submission

import "strings"

// Mentions is mentions of a text as warnings passes it (in lower case), for the tests.
func Mentions(text, term string) bool { return mentions(strings.ToLower(text), term) }
