// Package markdown turns the Markdown that organizers write (a call's guide and FAQ, a privacy
// statement, mail templates) into HTML that is safe to put in a page. Raw HTML in the source is never
// passed through, and the output is sanitized once more, so a page cannot be made to run script.
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

// HTML renders src to sanitized HTML. Headings are shifted down by shift levels (so that a guide's
// "# Formats" becomes an h2 under the page's own h1); shift is between 0 and 5.
func HTML(src string, shift int) template.HTML {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	if shift > 0 {
		_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if h, ok := n.(*ast.Heading); ok && entering {
				h.Level = min(h.Level+shift, 6)
			}
			return ast.WalkContinue, nil
		})
	}
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		// Rendering into a buffer fails only on a renderer bug; show the text escaped rather than nothing.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitized just above
}

// Text returns src with its Markdown markup reduced to plain text, for mail text bodies and previews.
func Text(src string) string {
	var b strings.Builder
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
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
