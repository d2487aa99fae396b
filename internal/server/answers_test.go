package server

import (
	"encoding/json"
	"testing"
)

// TestPlainStringDecodesAsJSON checks the shortcut for answers against encoding/json: where it
// answers, it answers the same; escapes, broken UTF-8 and other values are left to the decoder.
func TestPlainStringDecodesAsJSON(t *testing.T) {
	for _, c := range []struct {
		raw   string
		plain bool
	}{
		{`""`, true}, {`"plain text"`, true}, {`"Zoë Ngũgĩ, <b>bold</b> & more"`, true},
		{`"line\nbreak"`, false}, {`"quote \" inside"`, false}, {`"\u00e9"`, false}, {`"a\\b"`, false},
		{"\"broken \xff utf-8\"", false}, {`["a"]`, false}, {`true`, false},
	} {
		var got, want string
		ok := plainString(json.RawMessage(c.raw), &got)
		if ok != c.plain {
			t.Errorf("plainString(%q) took it: %v, want %v", c.raw, ok, c.plain)
		}
		if err := json.Unmarshal([]byte(c.raw), &want); ok && (err != nil || got != want) {
			t.Errorf("plainString(%q) = %q; encoding/json gives %q, %v", c.raw, got, want, err)
		}
	}
}
