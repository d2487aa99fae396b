package markdown

import (
	"strings"
	"testing"
)

func TestHTMLIsSafe(t *testing.T) {
	for _, src := range []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`[click](javascript:alert(1))`,
		`<a href="https://example.org" onclick="x()">a</a>`,
		"![x](javascript:alert(1))",
		`<iframe src="https://example.org"></iframe>`,
		"<style>body{display:none}</style>",
	} {
		out := string(HTML(src, 0))
		for _, bad := range []string{"<script", "onerror", "javascript:", "onclick", "<iframe", "<style"} {
			if strings.Contains(strings.ToLower(out), bad) {
				t.Errorf("HTML(%q) = %q: contains %q", src, out, bad)
			}
		}
	}
}

func TestHTMLRenders(t *testing.T) {
	out := string(HTML("# Formats\n\nA **poster** and [the FAQ](/c/x/faq).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", 1))
	for _, want := range []string{`<h2 id="formats">Formats</h2>`, "<strong>poster</strong>", `<a href="/c/x/faq" rel="nofollow">the FAQ</a>`, "<table>", "<td>1</td>"} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML output lacks %q:\n%s", want, out)
		}
	}
	if HTML("   ", 0) != "" {
		t.Error("blank source should render to nothing")
	}
}

func TestText(t *testing.T) {
	got := Text("# Title\n\nSome *emphasis* and [a link](https://example.org).\n\n- one\n- two\n")
	for _, want := range []string{"Title", "Some emphasis and a link (https://example.org).", "- one", "- two"} {
		if !strings.Contains(got, want) {
			t.Errorf("Text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "*") || strings.Contains(got, "#") {
		t.Errorf("Text keeps markup:\n%s", got)
	}
}
