// Package markdown turns the Markdown that organizers write (a call's guide and FAQ, a privacy
// statement, mail templates) into HTML that is safe to put in a page. Raw HTML in the source is never
// passed through, nor the content of elements a browser would not show as text (a script's code, a
// style sheet), and the output is sanitized once more, so a page cannot be made to run script.
package markdown

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

var (
	md = goldmark.New(
		// Tables, strikethrough, autolinks and task lists; headings get ids so a guide's sections can
		// be linked to. goldmark's renderer leaves raw HTML out unless told otherwise.
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.AllowAttrs("id").Matching(regexp.MustCompile(`^[a-z0-9-]{1,80}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		return p
	}()
)

// hidden are the elements whose content a browser does not show as text (scripts, styles, frames,
// a template's contents) or shows in a control (a textarea). Raw HTML is left out of the output,
// but the text between such an element's tags would otherwise be left in, as if it were prose:
// "<script>alert(1)</script>" would read "alert(1)".
var hidden = map[string]bool{"script": true, "style": true, "noscript": true, "iframe": true, "template": true,
	"textarea": true, "title": true, "object": true, "noembed": true, "noframes": true, "xmp": true, "svg": true, "math": true}

// tagRE matches an HTML tag: its closing slash, its name, and a self-closing slash.
var tagRE = regexp.MustCompile(`<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^>]*?)?(/?)>`)

// dropHidden removes from doc what lies between the raw HTML tag that opens a hidden element and
// the one that closes it, across paragraphs as a browser would. An element never closed hides
// nothing: its tag alone is left out, as other raw HTML is, so that a stray "<script>" does not
// swallow the rest of a guide.
func dropHidden(doc ast.Node, source []byte) {
	var open string              // the hidden element whose content is being dropped
	var pending, drop []ast.Node // inside open, until its closing tag confirms them
	tags := func(raw string) {
		for _, m := range tagRE.FindAllStringSubmatch(raw, -1) {
			closing, name, selfClosing := m[1] == "/", strings.ToLower(m[2]), m[3] == "/"
			switch {
			case open == "" && !closing && !selfClosing && hidden[name]:
				open, pending = name, nil
			case open != "" && closing && name == open:
				open, drop = "", append(drop, pending...)
			}
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML:
			var raw strings.Builder
			for i := range n.Segments.Len() {
				seg := n.Segments.At(i)
				raw.Write(seg.Value(source))
			}
			tags(raw.String())
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock:
			var raw strings.Builder
			for i := range n.Lines().Len() {
				seg := n.Lines().At(i)
				raw.Write(seg.Value(source))
			}
			if n.HasClosure() {
				raw.Write(n.ClosureLine.Value(source))
			}
			tags(raw.String())
			return ast.WalkSkipChildren, nil
		}
		if open == "" || hasRaw(n) {
			return ast.WalkContinue, nil // a closing tag may lie within: look inside
		}
		pending = append(pending, n)
		return ast.WalkSkipChildren, nil
	})
	if len(drop) == 0 {
		return
	}
	for _, n := range drop {
		n.Parent().RemoveChild(n.Parent(), n)
	}
	// A paragraph left with nothing but raw HTML, which is not shown, would still be an empty block.
	var empty []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || (n.Kind() != ast.KindParagraph && n.Kind() != ast.KindTextBlock) {
			return ast.WalkContinue, nil
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if c.Kind() != ast.KindRawHTML {
				return ast.WalkSkipChildren, nil
			}
		}
		empty = append(empty, n)
		return ast.WalkSkipChildren, nil
	})
	for _, n := range empty {
		n.Parent().RemoveChild(n.Parent(), n)
	}
}

// hasRaw reports whether raw HTML lies within n.
func hasRaw(n ast.Node) bool {
	found := false
	_ = ast.Walk(n, func(x ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && (x.Kind() == ast.KindRawHTML || x.Kind() == ast.KindHTMLBlock) {
			found = true
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return found
}

// HTML renders src to sanitized HTML, its headings fitted to the place it is shown: the highest
// level the author used becomes top (between 1 and 6; a guide's "# Formats" an h2 under the page's
// own h1 with top 2), and the levels below it follow one by one, a level the author skipped closed
// up, so that "#" then "###" read as a section and its subsection rather than leaving a level out.
// Levels past 6 stay at 6.
func HTML(src string, top int) template.HTML {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	dropHidden(doc, source)
	fitHeadings(doc, min(max(top, 1), 6))
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		// Rendering into a buffer fails only on a renderer bug; show the text escaped rather than nothing.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitized just above
}

// fitHeadings renumbers the headings of doc: the levels used, in order, become top, top+1 and so on.
func fitHeadings(doc ast.Node, top int) {
	var used [7]bool
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			used[h.Level] = true
		}
		return ast.WalkContinue, nil
	})
	var to [7]int
	next := top
	for level := 1; level <= 6; level++ {
		if used[level] {
			to[level] = min(next, 6)
			next++
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = to[h.Level]
		}
		return ast.WalkContinue, nil
	})
}

// Text returns src with its Markdown markup reduced to plain text, for mail text bodies and previews.
func Text(src string) string {
	var b strings.Builder
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	dropHidden(doc, source)
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.Text:
			if entering {
				b.Write(n.Segment.Value(source))
				if n.SoftLineBreak() || n.HardLineBreak() {
					b.WriteByte('\n')
				}
			}
		case *ast.String:
			if entering {
				b.Write(n.Value)
			}
		case *ast.CodeSpan, *ast.FencedCodeBlock, *ast.CodeBlock:
			if entering {
				if cb, ok := n.(interface{ Lines() *text.Segments }); ok && n.Kind() != ast.KindCodeSpan {
					lines := cb.Lines()
					for i := range lines.Len() {
						seg := lines.At(i)
						b.Write(seg.Value(source))
					}
					return ast.WalkSkipChildren, nil
				}
			}
		case *ast.AutoLink:
			if entering {
				b.Write(n.URL(source))
			}
		case *ast.Link:
			if !entering && len(n.Destination) > 0 {
				b.WriteString(" (" + string(n.Destination) + ")")
			}
		case *ast.ListItem:
			if entering {
				b.WriteString("- ")
			}
		}
		if !entering && n.Type() == ast.TypeBlock {
			if !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
			if _, li := n.(*ast.ListItem); !li && n.Kind() != ast.KindList {
				if _, inItem := n.Parent().(*ast.ListItem); !inItem {
					b.WriteByte('\n')
				}
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}
