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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/markdown"
	"github.com/challenging-norms/conference/internal/program"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/schedule"
	"github.com/challenging-norms/conference/internal/submission"
)

// inzone writes a moment in a conference's time zone, e.g. "Wednesday 30 June 2027, 23:59 EDT".
func inzone(t time.Time, loc *time.Location) string { return submission.FormatTime(t, loc) }

// markdownHTML renders Markdown as a message shows it, its top heading an h1.
func markdownHTML(src string) template.HTML { return markdown.HTML(src, 1) }

// humanUntil says how long it is from now until t, in the largest units that matter: "in 3 days and
// 4 hours", "in 25 minutes", or "" once t has passed.
func humanUntil(t time.Time) string {
	d := time.Until(t)
	if d <= 0 {
		return ""
	}
	days, hours, minutes := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	unit := func(n int, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return strconv.Itoa(n) + " " + name + "s"
	}
	switch {
	case days >= 2:
		return "in " + unit(days, "day")
	case days == 1:
		return "in 1 day and " + unit(hours, "hour")
	case hours > 0:
		return "in " + unit(hours, "hour") + " and " + unit(minutes, "minute")
	}
	return "in " + unit(max(minutes, 1), "minute")
}

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
	// fieldHref, when set, is where the error summary sends a field's error (FieldHref).
	fieldHref func(field string) string
	// ProgramPath links the current conference's published program in the navigation, if any.
	ProgramPath string
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

// FieldHref is where the error summary links a field's error: the field on this page, unless the
// page says otherwise (a problem corrected elsewhere, such as the profile).
func (b *base) FieldHref(field string) string {
	if b.fieldHref != nil {
		return b.fieldHref(field)
	}
	return "#" + field
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

// numberLimits are the bounds of the numbers organizers' forms take, as the services check them.
type numberLimits struct {
	MinDuration, MaxDuration, MostPresenters, MinAbstractWords, MaxAbstractWords, MaxWordLimit int
}

var theLimits = numberLimits{MinDuration: cfp.MinDurationMinutes, MaxDuration: cfp.MaxDurationMinutes, MostPresenters: cfp.MostPresenters,
	MinAbstractWords: cfp.MinAbstractWords, MaxAbstractWords: cfp.MaxAbstractWords, MaxWordLimit: question.MaxWordLimit}

// pages holds one template set per page, parsed once at start.
type pages struct{ sets map[string]*template.Template }

func parsePages(fsys fs.FS, a *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset":    a.url,
		"input":    newField,
		"textarea": newTextarea,
		"choice":   newChoice,
		"question": questionField,
		"date":     func(t time.Time) string { return t.Format("Monday 2 January 2006") },
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
		// inzone writes a moment in a conference's time zone, e.g. "Wednesday 30 June 2027, 23:59 EDT".
		"inzone": inzone,
		// md renders organizers' Markdown, its top heading an h2 below the page's h1; mdAt with
		// the level of its top heading, for Markdown inside a section of the page.
		"md":    func(src string) template.HTML { return markdown.HTML(src, 2) },
		"mdAt":  func(top int, src string) template.HTML { return markdown.HTML(src, top) },
		"words": question.Words,
		"until": humanUntil,
		"add":   func(a, b int) int { return a + b },
		"done":  review.Done,
		"tasks": func(p *reviewHomePage, list []review.Task, id string) taskTable {
			return taskTable{ID: id, Tasks: list, Slug: p.Conference.Slug, Locked: id != "calibration" && p.Tasks.Locked}
		},
		"yesno": func(b bool) string {
			if b {
				return "yes"
			}
			return ""
		},
		"yesopt":     func(label string) []option { return []option{{Value: "yes", Label: label}} },
		"reviewview": func(p *sheetPage, r review.Review) reviewView { return reviewView{Page: p, Review: r} },
		"reviewerOptions": func(list []review.ReviewerProgress) []option {
			out := make([]option, len(list))
			for i, r := range list {
				out[i] = option{Value: strconv.FormatInt(r.UserID, 10), Label: r.Name + " (" + r.Email + ")"}
			}
			return out
		},
		"managenav": navOf,
		// card is one session of the program for the session_card template, its title at heading level h.
		"card": func(p *programPage, ses schedule.Session, h int) sessionCard {
			return sessionCard{P: p, S: ses, Heading: h}
		},
		"hit": func(p *programPage, h program.Hit) sessionCard {
			return sessionCard{P: p, S: h.Session, Matches: h.Items, Heading: 2}
		},
		"presenters": program.Presenters,
		// byline is the names of an item's presenters, e.g. "Ada Obi (she/her), Jo Lee".
		"byline": func(it schedule.Item) string {
			names := make([]string, len(it.Presenters))
			for i, p := range it.Presenters {
				names[i] = p.Name
				if p.Pronouns != "" {
					names[i] += " (" + p.Pronouns + ")"
				}
			}
			return strings.Join(names, ", ")
		},
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		// limits are the bounds the services hold numbers to, for number inputs' min and max.
		"limits": func() numberLimits { return theLimits },
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return "1 " + one
			}
			return strconv.Itoa(n) + " " + many
		},
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

// reviewView is one review shown on a sheet.
type reviewView struct {
	Page   *sheetPage
	Review review.Review
}

// taskTable is a reviewer's list of proposals to review.
type taskTable struct {
	ID     string
	Tasks  []review.Task
	Slug   string
	Locked bool
}

// manageNav is the management menu of a conference, in groups; Section is the current page's path.
type manageNav struct {
	Slug, Section string
	Groups        []navGroup
}

type navGroup struct {
	Label string
	Items []navItem
}

type navItem struct{ Path, Label string }

// manageGroups are the parts of a conference's management, in menu order.
var manageGroups = []navGroup{
	{"Call for proposals", []navItem{{"proposals", "Proposals"}, {"call", "Call"}, {"formats", "Formats"}, {"tracks", "Tracks"},
		{"extensions", "Extensions and links"}}},
	{"Review", []navItem{{"review", "Settings"}, {"reviewers", "Reviewers"}, {"assignments", "Assignments"}, {"ranking", "Ranking"},
		{"decisions", "Decisions"}}},
	{"Registration", []navItem{{"registration", "Settings"}, {"registration/questions", "Questions"}, {"registrations", "Registrations"},
		{"workshops", "Workshops"}, {"accommodations", "Accommodations"}, {"demographics", "Demographics"}}},
	{"Conference", []navItem{{"rooms", "Rooms"}, {"schedule", "Schedule"}, {"schedule/conflicts", "Conflicts"},
		{"schedule/publish", "Publish"}, {"team", "Team"}, {"mail", "Mail log"}}},
}

// navOf is the management menu with the page at path current.
func navOf(slug, current string) manageNav {
	return manageNav{Slug: slug, Section: current, Groups: manageGroups}
}

// option is one choice of a select, radio group or checkbox group.
type option struct{ Value, Label string }

// field is what a form field template ("input", "textarea", "select", "radios", "checkboxes",
// "checkbox") needs.
type field struct {
	Name, Label, Type, Value, Hint, Error, Autocomplete string
	Empty                                               string // a select's choice of none
	Required                                            bool
	Plain                                               bool // no "(optional)" mark, e.g. a search filter
	Rows, MaxWords, Words, MaxLength                    int
	Min, Max                                            string // a number input's bounds, as the server checks them
	DescribedBy                                         string // the id of a hint outside the field, e.g. its group's
	Options                                             []option
	Values                                              []string // chosen options of a group
	ReadOnly                                            bool     // shown to read and copy, not to change
}

// Checked reports whether a group's option is chosen.
func (f field) Checked(v string) bool {
	return slices.Contains(f.Values, v) || (f.Values == nil && f.Value == v)
}

// Chosen is the label of a select's chosen option, "" when none is chosen: what a read-only select
// shows.
func (f field) Chosen() string {
	for _, o := range f.Options {
		if f.Checked(o.Value) {
			return o.Label
		}
	}
	return ""
}

// ChosenAll is what a read-only group or checkbox shows: the labels of its chosen options, in their
// order, or for a checkbox on its own "Yes" or "No"; "" when a group has none chosen.
func (f field) ChosenAll() string {
	if f.Type == "checkbox" {
		if f.Checked("yes") {
			return "Yes"
		}
		return "No"
	}
	var labels []string
	for _, o := range f.Options {
		if f.Checked(o.Value) {
			labels = append(labels, o.Label)
		}
	}
	return strings.Join(labels, "; ")
}

// AsRadios and AsCheckboxes return the field as the "group" template's radio buttons or checkboxes,
// for the "radios" and "checkboxes" templates.
func (f field) AsRadios() field { f.Type = "radios"; return f }

// AsCheckboxes returns the field as a group of checkboxes.
func (f field) AsCheckboxes() field { f.Type = "checkboxes"; return f }

// Over is how many words the value has beyond the limit.
func (f field) Over() int { return f.Words - f.MaxWords }

// Describedby lists the ids of the hint and the error, for aria-describedby.
func (f field) Describedby() string {
	var ids []string
	if f.DescribedBy != "" {
		ids = append(ids, f.DescribedBy)
	}
	if f.Hint != "" {
		ids = append(ids, f.Name+"-hint")
	}
	if f.MaxWords > 0 {
		ids = append(ids, f.Name+"-count")
	}
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

// newField builds a field for the "input" template: input page name label type value [options...],
// where options are "required", "hint=…", "autocomplete=…", "rows=N", "words=N" (a word limit,
// counted live and shown with the field), "min=N" and "max=N" (a number's bounds, which the server
// checks as well) and "describedby=id" (a hint outside the field that describes it too).
func newField(p interface{ FieldError(string) string }, name, label, typ, value string, opts ...string) field {
	f := field{Name: name, Label: label, Type: typ, Value: value, Error: p.FieldError(name)}
	if r, ok := p.(interface{ ReadOnly() bool }); ok {
		f.ReadOnly = r.ReadOnly() // a page whose form can no longer be sent (proposalEditPage)
	}
	for _, o := range opts {
		switch {
		case o == "required":
			f.Required = true
		case o == "plain":
			f.Plain = true
		case strings.HasPrefix(o, "hint="):
			f.Hint = strings.TrimPrefix(o, "hint=")
		case strings.HasPrefix(o, "autocomplete="):
			f.Autocomplete = strings.TrimPrefix(o, "autocomplete=")
		case strings.HasPrefix(o, "rows="):
			f.Rows, _ = strconv.Atoi(strings.TrimPrefix(o, "rows="))
		case strings.HasPrefix(o, "empty="):
			f.Empty = strings.TrimPrefix(o, "empty=")
		case strings.HasPrefix(o, "words="):
			f.MaxWords, _ = strconv.Atoi(strings.TrimPrefix(o, "words="))
		case strings.HasPrefix(o, "maxlength="):
			f.MaxLength, _ = strconv.Atoi(strings.TrimPrefix(o, "maxlength="))
		case strings.HasPrefix(o, "min="):
			f.Min = strings.TrimPrefix(o, "min=")
		case strings.HasPrefix(o, "max="):
			f.Max = strings.TrimPrefix(o, "max=")
		case strings.HasPrefix(o, "describedby="):
			f.DescribedBy = strings.TrimPrefix(o, "describedby=")
		}
	}
	if f.MaxWords > 0 {
		f.Words = question.Words(value)
	}
	return f
}

// newTextarea builds a field for the "textarea" template; see newField for the options.
func newTextarea(p interface{ FieldError(string) string }, name, label, value string, opts ...string) field {
	f := newField(p, name, label, "textarea", value, opts...)
	if f.Rows == 0 {
		f.Rows = 6
	}
	return f
}

// newChoice builds a field for the "select", "radios", "checkboxes" and "checkbox" templates: the
// chosen values and the options offered.
func newChoice(p interface{ FieldError(string) string }, name, label string, chosen any, options []option, opts ...string) field {
	f := newField(p, name, label, "choice", "", opts...)
	f.Options = options
	switch v := chosen.(type) {
	case string:
		f.Value = v
	case []string:
		f.Values = append([]string{}, v...)
	}
	return f
}

// questionField builds the field for one of a form's questions, named prefix + id, with the answer
// given so far.
func questionField(p interface{ FieldError(string) string }, q question.Question, prefix string, a question.Answers) field {
	opts := []string{"hint=" + q.Help}
	if q.Required {
		opts = append(opts, "required")
	}
	name := prefix + q.ID
	switch q.Kind {
	case question.LongText:
		return newTextarea(p, name, q.Label, a.Value(q.ID), append(opts, "words="+strconv.Itoa(q.MaxWords))...)
	case question.SingleChoice, question.MultipleChoice:
		options := make([]option, len(q.Options))
		for i, o := range q.Options {
			options[i] = option{Value: o, Label: o}
		}
		f := newChoice(p, name, q.Label, []string(a[q.ID]), options, opts...)
		f.Type = "radios"
		if q.Kind == question.MultipleChoice {
			f.Type = "checkboxes"
		}
		if f.Values == nil {
			f.Values = []string{}
		}
		return f
	case question.Checkbox:
		f := newChoice(p, name, q.Label, []string(a[q.ID]), []option{{Value: "yes", Label: q.Label}}, opts...)
		f.Type = "checkbox"
		if f.Values == nil {
			f.Values = []string{}
		}
		return f
	}
	return newField(p, name, q.Label, "text", a.Value(q.ID), append(opts, "words="+strconv.Itoa(q.MaxWords))...)
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
