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
	out := string(HTML("# Formats\n\nA **poster** and [the FAQ](/c/x/faq).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", 2))
	for _, want := range []string{`<h2 id="formats">Formats</h2>`, "<strong>poster</strong>", `<a href="/c/x/faq" rel="nofollow">the FAQ</a>`, "<table>", "<td>1</td>"} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML output lacks %q:\n%s", want, out)
		}
	}
	if HTML("   ", 0) != "" {
		t.Error("blank source should render to nothing")
	}
}

// TestHeadingsFitted: the author's top heading takes the level asked, and the levels below it follow
// without a gap, however the author numbered them.
func TestHeadingsFitted(t *testing.T) {
	for _, c := range []struct {
		src  string
		top  int
		want []string
	}{
		{"### Only questions\n\ntext\n\n### Another\n", 2, []string{"<h2 id=\"only-questions\">", "<h2 id=\"another\">"}},
		{"# Part\n\n### Detail\n\n## Middle\n", 3, []string{"<h3 id=\"part\">", "<h5 id=\"detail\">", "<h4 id=\"middle\">"}},
		{"## A\n\n###### B\n", 6, []string{"<h6 id=\"a\">", "<h6 id=\"b\">"}},
		{"# A\n", 0, []string{"<h1 id=\"a\">"}},
	} {
		out := string(HTML(c.src, c.top))
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("HTML(%q, %d) lacks %s:\n%s", c.src, c.top, w, out)
			}
		}
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

// TestHiddenContentDropped: the text inside elements a browser does not show as text is left out
// with their tags, not shown as prose; a tag never closed hides nothing.
func TestHiddenContentDropped(t *testing.T) {
	for _, tt := range []struct{ src, gone, kept string }{
		{"Read <script>alert(2)</script> this.", "alert(2)", "this."},
		{"Before\n\n<style>body{display:none}</style>\n\nAfter", "display:none", "After"},
		{"A <style>\n\nbody{display:none}\n\n</style> gap\n\nAfter", "display:none", "After"},
		{"<noscript>Enable scripts</noscript>\n\nAfter", "Enable scripts", "After"},
		{"An <iframe src=\"https://example.org\">framed</iframe> page", "framed", "page"},
		{"A <template>hidden **bold**</template> template", "hidden", "template"},
		{"A <textarea>typed</textarea> box", "typed", "box"},
		{"- one <STYLE>x{}</STYLE> two\n- three", "x{}", "three"},
	} {
		html, text := string(HTML(tt.src, 0)), Text(tt.src)
		for what, out := range map[string]string{"HTML": html, "Text": text} {
			if strings.Contains(out, tt.gone) || !strings.Contains(out, tt.kept) {
				t.Errorf("%s(%q) = %q: want %q out and %q in", what, tt.src, out, tt.gone, tt.kept)
			}
		}
		if strings.Contains(html, "<p></p>") {
			t.Errorf("HTML(%q) = %q: an empty paragraph", tt.src, html)
		}
	}
	// A stray opening tag is dropped alone; code keeps its tags as text.
	if out := string(HTML("A stray <script> and **the rest** stays.", 0)); !strings.Contains(out, "<strong>the rest</strong> stays.") {
		t.Errorf("an unclosed tag hides what follows: %q", out)
	}
	if out := string(HTML("Write `<style>p{}</style>` in the head.", 0)); !strings.Contains(out, "&lt;style&gt;p{}&lt;/style&gt;") {
		t.Errorf("code lost its text: %q", out)
	}
}
