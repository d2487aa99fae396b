package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
)

// base is what every page shows: embedded in each page's typed model.
type base struct {
	Title    string
	Site     string
	User     *access.Principal
	CSRF     string
	Flash    string
	Path     string
	Dev      bool
	Problem  string // the summary of what went wrong with a form
	Fields   []apperr.FieldError
	MainOnly bool // pages such as the mailbox's message frame
}

// FieldError returns the message for a field, or "".
func (b *base) FieldError(name string) string {
	for _, f := range b.Fields {
		if f.Field == name {
			return f.Message
		}
	}
	return ""
}

// setError puts a form error on the page.
func (b *base) setError(e *apperr.Error) {
	b.Problem, b.Fields = e.Message, e.Fields
	if len(e.Fields) > 0 && b.Problem == "" {
		b.Problem = "Please correct the highlighted fields."
	}
}

// HasRole reports whether the visitor holds a role anywhere, for navigation.
func (b *base) IsOrganizer() bool { return b.User != nil && len(b.User.Organizes()) > 0 }

type pageModel interface{ page() *base }

func (b *base) page() *base { return b }

func (s *Server) base(c echo.Context, title string) base {
	b := base{Title: title, Site: s.opts.SiteName, Path: c.Request().URL.Path, Dev: s.opts.DevMailbox != nil}
	b.User, _ = c.Get(ctxPrincipal).(*access.Principal)
	b.CSRF, _ = c.Get(ctxCSRF).(string)
	if c.Get(ctxSession) == true {
		b.Flash = s.sessions.PopString(c.Request().Context(), "flash")
	}
	return b
}

func (s *Server) flash(c echo.Context, msg string) {
	if c.Get(ctxSession) == true {
		s.sessions.Put(c.Request().Context(), "flash", msg)
	}
}

// pages holds one template set per page, parsed once at start.
type pages struct{ sets map[string]*template.Template }

func parsePages(fsys fs.FS, a *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset": a.url,
		"input": newField,
		"date":  func(t time.Time) string { return t.Format("Monday 2 January 2006") },
		"when": func(t time.Time) string {
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"whenp": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"lower": strings.ToLower,
	}
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("page templates: none found (%v)", err)
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, "templates/layout/*.html", f)
		if err != nil {
			return nil, fmt.Errorf("page template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// render executes a page into a buffer first, so a template error becomes a 500 page, not half a page.
func (s *Server) render(c echo.Context, status int, name string, data pageModel) error {
	t, ok := s.pages.sets[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// renderForm re-renders a page with the error from a failed form: field errors and what went wrong
// next to the user's own input. Internal errors go to the error handler instead.
func (s *Server) renderForm(c echo.Context, name string, data pageModel, err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code == apperr.Internal {
		return err
	}
	data.page().setError(ae)
	return s.render(c, statusOf(ae.Code), name, data)
}

// field is what a form input template needs.
type field struct {
	Name, Label, Type, Value, Hint, Error, Autocomplete string
	Required                                            bool
}

// newField builds a field for the "input" template: input page name label type value [options...],
// where options are "required", "hint=…" and "autocomplete=…".
func newField(p interface{ FieldError(string) string }, name, label, typ, value string, opts ...string) field {
	f := field{Name: name, Label: label, Type: typ, Value: value, Error: p.FieldError(name)}
	for _, o := range opts {
		switch {
		case o == "required":
			f.Required = true
		case strings.HasPrefix(o, "hint="):
			f.Hint = strings.TrimPrefix(o, "hint=")
		case strings.HasPrefix(o, "autocomplete="):
			f.Autocomplete = strings.TrimPrefix(o, "autocomplete=")
		}
	}
	return f
}

// assets serves web/static under names that carry a hash of their content, so they can be cached
// for a year and still change the moment the file does.
type assets struct {
	fsys   fs.FS
	byName map[string]string // "css/app.css" -> "/static/css/app.1a2b3c4d.css"
	byURL  map[string]string // the reverse, to the file's path in fsys
}

func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{fsys: fsys, byName: map[string]string{}, byURL: map[string]string{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		u := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.byName[name], a.byURL[u] = u, p
		return nil
	})
	return a, err
}

func (a *assets) url(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return u, nil
}

func (a *assets) serve(c echo.Context) error {
	p, ok := a.byURL[c.Request().URL.Path]
	if !ok {
		return echo.ErrNotFound
	}
	b, err := fs.ReadFile(a.fsys, p)
	if err != nil {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return c.Blob(http.StatusOK, ct, b)
}

// hiddenFieldError turns an Invalid error about a field the page does not show (such as the token of
// an emailed link) into a message about the page, so the error summary links to nothing missing. It
// reports whether it did.
func hiddenFieldError(err error, field string) (error, bool) {
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Invalid || len(ae.Fields) != 1 || ae.Fields[0].Field != field {
		return err, false
	}
	return &apperr.Error{Code: ae.Code, Message: ae.Fields[0].Message, Err: ae.Err}, true
}
