package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/schedule"
	"github.com/challenging-norms/conference/internal/submission"
)

// statusOf is the one mapping from error codes to HTTP statuses.
func statusOf(code apperr.Code) int {
	switch code {
	case apperr.Malformed:
		return http.StatusBadRequest
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

func codeOfStatus(status int) apperr.Code {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusMethodNotAllowed:
		return apperr.Malformed
	case http.StatusUnprocessableEntity:
		return apperr.Invalid
	case http.StatusNotFound:
		return apperr.NotFound
	case http.StatusConflict:
		return apperr.Conflict
	case http.StatusForbidden:
		return apperr.Forbidden
	case http.StatusUnauthorized:
		return apperr.Unauthenticated
	case http.StatusTooManyRequests:
		return apperr.RateLimited
	}
	return apperr.Internal
}

// httpMessages are what a person reads for errors raised by the HTTP layer itself.
var httpMessages = map[int]string{
	http.StatusNotFound:              "We could not find that page. Check the address, or go back to the start page.",
	http.StatusMethodNotAllowed:      "This address does not accept that kind of request.",
	http.StatusRequestEntityTooLarge: "What you sent is too large, so nothing was saved. Go back to the form with your browser's Back button (it usually keeps what you typed), shorten the longest text, and send it again.",
	http.StatusUnsupportedMediaType:  "Send the request body as application/json.",
	http.StatusInternalServerError:   "Something went wrong on our side. It has been logged; please try again in a moment.",
	http.StatusServiceUnavailable:    "The service is starting or stopping. Please try again in a moment.",
}

// problem is an RFC 9457 problem details document.
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Instance  string         `json:"instance,omitempty"`
	Code      apperr.Code    `json:"code"`
	Errors    []fieldProblem `json:"errors,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	// Current is, for a save based on an older version, the proposal or session as it is now saved.
	Current any `json:"current,omitempty"`
}

type fieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// apiWording says in a problem's detail what a form's message says of the page: an API client has
// no highlighted fields, but the errors list naming them, and no page to reload, but the item to read
// again with its new version.
var apiWording = strings.NewReplacer("highlighted fields", "fields named in errors", "highlighted field", "field named in errors",
	"Reload the page to see it, then make your change again.", "Read it again (GET) to see it and its new version, then make your change again.",
	"Reload the page and make your change again.", "Read it again (GET) for its new version, and make your change again.",
	"Go back to the form with your browser's Back button (it usually keeps what you typed), shorten the longest text, and send it again.",
	"Shorten the longest text and send it again.")

// apiFieldWording says in a field's detail what a form's message says of its input: questions'
// options are a JSON list, not lines, and no word limit is 0, not an empty field.
var apiFieldWording = question.APIWording

// handleError is Echo's error handler: it turns any error into a problem+json answer under /api, and
// into an HTML page everywhere else. Internal errors are logged with the request id and never shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, ae := s.classify(err)
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", "error", err,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "path", c.Path())
	}
	if isAPI(c) {
		p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: apiWording.Replace(ae.Message),
			Instance: c.Request().URL.Path, Code: ae.Code, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
		for _, f := range ae.Fields {
			p.Errors = append(p.Errors, fieldProblem{Field: f.Field, Detail: apiFieldWording.Replace(f.Message)})
		}
		var stale *submission.StaleError
		if errors.As(err, &stale) {
			// The newer proposal as every other answer shows it, with the deadline that applies.
			cur, oerr := s.apiProposalOut(c, stale.Current)
			if oerr != nil {
				loc, slug := time.UTC, ""
				if conf, ok := c.Get(ctxConference).(conference.Conference); ok {
					loc, slug = conf.Location(), conf.Slug
				}
				cur = toAPIProposal(stale.Current, slug, loc)
			}
			p.Current = &cur
		}
		var staleSession *schedule.StaleError
		if errors.As(err, &staleSession) {
			p.Current = toAPISession(staleSession.Current)
		}
		if status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, p)
		return
	}
	if status == http.StatusUnauthorized && c.Request().Method == http.MethodGet {
		_ = c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		return
	}
	if status == http.StatusUnauthorized && c.Request().Method == http.MethodPost && principal(c) == nil && strings.HasPrefix(c.Request().URL.Path, "/c/") {
		// A form sent after the session ended (logged out in another tab, say): what was typed is
		// shown to copy, not lost, with the way back. The form passed the CSRF check, so the text
		// is the person's own.
		p := errorPage{base: s.base(c, "Your session has ended"), Status: status, Heading: "Your session has ended",
			Message: "Nothing was saved: you are no longer logged in. What you typed is below, for you to copy; then log in and make your change again.",
			Kept:    s.typedText(c), Next: backTo(c)}
		if err := s.render(c, status, "error", &p); err == nil {
			return
		}
	}
	s.renderErrorPage(c, status, ae.Title, ae.Message)
}

// backTo is where to come back after logging in again from a form: the page the form was on (the
// Referer, when it is this site's), else the address it was sent to, or for a new proposal the form
// of a new one of its format.
func backTo(c echo.Context) string {
	if ref, err := url.Parse(c.Request().Referer()); err == nil && ref.Host == c.Request().Host && strings.HasPrefix(ref.Path, "/") {
		return ref.RequestURI()
	}
	path := c.Request().URL.Path
	if id, err := strconv.ParseInt(c.FormValue("format_id"), 10, 64); err == nil && strings.HasSuffix(path, "/proposals") {
		return path + "/new?format=" + strconv.FormatInt(id, 10)
	}
	return path
}

// keptField is a value a refused form carried, shown to copy.
type keptField struct{ Label, Value string }

// typedText is what the form of the request carried that a person typed: not its token, version,
// keys or anything secret. A proposal's form is given in the order of its fields and by their
// labels, as the person saw it; anything else by its name.
func (s *Server) typedText(c echo.Context) []keptField {
	form, err := c.FormParams()
	if err != nil {
		return nil
	}
	var out []keptField
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	slices.Sort(names)
	labels := map[string]string{}
	if f, ok := s.formatOfForm(c, form.Get("format_id")); ok {
		order := []string{"title", "abstract"}
		labels["title"], labels["abstract"] = "Title", "Abstract"
		for _, q := range f.Fields {
			order = append(order, "answers."+q.ID)
			labels["answers."+q.ID] = q.Label
		}
		slices.SortStableFunc(names, func(a, b string) int {
			i, j := slices.Index(order, a), slices.Index(order, b)
			if i < 0 {
				i = len(order)
			}
			if j < 0 {
				j = len(order)
			}
			return i - j
		})
	}
	for _, name := range names {
		if name == "" {
			continue
		}
		lower := strings.ToLower(name)
		if slices.Contains([]string{"_csrf", "version", "client_key", "action", "access", "format_id", "track_id"}, lower) ||
			strings.Contains(lower, "password") || strings.Contains(lower, "token") || strings.Contains(lower, "secret") {
			continue
		}
		var vals []string
		for _, v := range form[name] {
			if strings.TrimSpace(v) != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		first, size := utf8.DecodeRuneInString(name)
		label := string(unicode.ToUpper(first)) + strings.ReplaceAll(name[size:], "_", " ")
		if q, ok := strings.CutPrefix(name, "answers."); ok {
			label = "Answer: " + strings.ReplaceAll(q, "_", " ")
		}
		if l, ok := labels[name]; ok {
			label = l
		}
		out = append(out, keptField{Label: label, Value: strings.Join(vals, "\n")})
	}
	return out
}

// formatOfForm is the format a proposal's form sent after the session ended was for (its format_id),
// in the conference of the path; false for any other form.
func (s *Server) formatOfForm(c echo.Context, formatID string) (cfp.Format, bool) {
	id, err := strconv.ParseInt(formatID, 10, 64)
	if err != nil || !strings.Contains(c.Request().URL.Path, "/proposals") {
		return cfp.Format{}, false
	}
	conf, err := s.loadConference(c)
	if err != nil {
		return cfp.Format{}, false
	}
	f, err := s.opts.Calls.Format(c.Request().Context(), conf, id)
	return f, err == nil
}

// fieldMessages is the messages of ae's fields in one text, for a page with no form to show them by
// their fields.
func fieldMessages(ae *apperr.Error) string {
	msgs := make([]string, len(ae.Fields))
	for i, x := range ae.Fields {
		msgs[i] = x.Message
	}
	return strings.Join(msgs, " ")
}

// classify returns the HTTP status and a showable error for err.
func (s *Server) classify(err error) (int, *apperr.Error) {
	if ae, ok := apperr.As(err); ok {
		status := statusOf(ae.Code)
		if status >= 500 {
			return status, apperr.New(apperr.Internal, httpMessages[http.StatusInternalServerError])
		}
		return status, ae
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		// A message of its own (not echo's status text) says more than the usual one.
		msg := httpMessages[he.Code]
		if m, ok := he.Message.(string); ok && he.Code < 500 && (msg == "" || m != http.StatusText(he.Code)) {
			msg = m
		} else if msg == "" {
			msg = http.StatusText(he.Code)
		}
		return he.Code, apperr.New(codeOfStatus(he.Code), msg)
	}
	return http.StatusInternalServerError, apperr.New(apperr.Internal, httpMessages[http.StatusInternalServerError])
}

type errorPage struct {
	base
	Status  int
	Heading string
	Message string
	// Kept is what a form sent after the session ended carried, to copy; Next is where to go back to
	// after logging in again.
	Kept []keptField
	Next string
}

// renderErrorPage shows message under heading, or under the usual heading of the status when
// heading is empty.
func (s *Server) renderErrorPage(c echo.Context, status int, heading, message string) {
	if heading != "" {
		p := errorPage{base: s.base(c, heading), Status: status, Heading: heading, Message: message}
		if err := s.render(c, status, "error", &p); err == nil {
			return
		}
	}
	heading = map[int]string{
		http.StatusNotFound:        "Page not found",
		http.StatusForbidden:       "You do not have access to this page",
		http.StatusTooManyRequests: "Too many attempts",
		http.StatusConflict:        "This clashes with something that changed",
	}[status]
	if heading == "" {
		if status >= 500 {
			heading = "Sorry, something went wrong"
		} else {
			heading = "We could not do that"
		}
	}
	p := errorPage{base: s.base(c, heading), Status: status, Heading: heading, Message: message}
	if err := s.render(c, status, "error", &p); err != nil {
		s.log.ErrorContext(c.Request().Context(), "render error page", "error", err)
		_ = c.String(status, message)
	}
}
