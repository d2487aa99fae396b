package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
)

// formatForm is a format as organizers edit it. Numbers stay text so that what was typed comes back.
// Its name, description and numbers are checked by the service alone, all at once and each against
// the one limit that applies (a number too long to read is refused as out of range).
type formatForm struct {
	Version          string `form:"version" validate:"max=10"`
	Name             string `form:"name"`
	Description      string `form:"description"`
	DurationMinutes  string `form:"duration_minutes"`
	MaxPresenters    string `form:"max_presenters"`
	AbstractMaxWords string `form:"abstract_max_words"`
	Accepting        string `form:"accepting" validate:"max=10"`
	// ClientKey is the new format form's key, one per form shown, that makes the format once
	// however often the form is sent.
	ClientKey string `form:"client_key" validate:"max=100"`
}

// atoi reads a whole number typed in a form field; a non-number gives -1, which the service refuses
// with the field's own message.
func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

func (f formatForm) input() cfp.FormatInput {
	return cfp.FormatInput{Name: f.Name, Description: f.Description, DurationMinutes: atoi(f.DurationMinutes),
		MaxPresenters: atoi(f.MaxPresenters), AbstractMaxWords: atoi(f.AbstractMaxWords), Accepting: f.Accepting == "yes", ClientKey: f.ClientKey}
}

func formatFormOf(f cfp.Format) formatForm {
	acc := ""
	if f.Accepting {
		acc = "yes"
	}
	return formatForm{Version: strconv.Itoa(f.Version), Name: f.Name, Description: f.Description, DurationMinutes: strconv.Itoa(f.DurationMinutes),
		MaxPresenters: strconv.Itoa(f.MaxPresenters), AbstractMaxWords: strconv.Itoa(f.AbstractMaxWords), Accepting: acc}
}

type manageFormatsPage struct {
	confBase
	Formats []cfp.Format
}

func (s *Server) manageFormats(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	p := manageFormatsPage{confBase: s.confBase(c, conf, "Formats · "+conf.Name, "formats")}
	if p.Formats, err = s.opts.Calls.Formats(c.Request().Context(), conf); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_formats", &p)
}

type manageFormatPage struct {
	confBase
	Format cfp.Format // ID 0 for a new one
	Form   formatForm
	// Crowded says which proposals have more presenters than the format allows, if any.
	Crowded string
	// Overruns says which submitted proposals no longer meet the format's rules, if any: how many
	// of each rule, then Overrunning, listed when there are at most OverrunsListed, and a link to
	// them in the list of proposals (OverrunsURL).
	Overruns       string
	Overrunning    []cfp.Overrunning
	OverrunsListed int
	OverrunsURL    string
	// Meanwhile is what someone else saved since the form was opened, when that refused it.
	Meanwhile *savedMeanwhile
}

// crowdedMessage says what a format's limit of presenters means for the proposals over it, after
// a change of the format was saved: a failure to count them is logged, not the answer to a change
// that was made.
func (s *Server) crowdedMessage(c echo.Context, conf conference.Conference, f cfp.Format) string {
	crowd, err := s.opts.Calls.Crowded(c.Request().Context(), principal(c), conf, f)
	if err != nil {
		s.log.ErrorContext(c.Request().Context(), "count the proposals over a format's presenters", "format", f.ID, "error", err)
		return ""
	}
	return crowd.Message(f)
}

// overrunMessage says which of the format's submitted proposals no longer meet its rules, among
// those overruns that keep keeps (nil: all); a failure to check them is logged, not the answer to a
// change that was made.
func (s *Server) overrunMessage(c echo.Context, conf conference.Conference, f cfp.Format, keep func(cfp.Overrun) bool) string {
	return overrunsMessage(f, s.overruns(c, conf, f), keep)
}

// overruns checks the format's submitted proposals against its rules, logging a failure.
func (s *Server) overruns(c echo.Context, conf conference.Conference, f cfp.Format) []cfp.Overrun {
	overruns, err := s.opts.Calls.Overruns(c.Request().Context(), principal(c), conf, f)
	if err != nil {
		s.log.ErrorContext(c.Request().Context(), "check submitted proposals against a format's rules", "format", f.ID, "error", err)
	}
	return overruns
}

// overrunsListed is how many proposals that no longer meet their format's rules its page lists by
// title; more are found through the list of proposals alone.
const overrunsListed = 10

// overrunsMessage is cfp.OverrunMessage of the overruns that keep keeps (nil: all).
func overrunsMessage(f cfp.Format, overruns []cfp.Overrun, keep func(cfp.Overrun) bool) string {
	if keep != nil {
		overruns = slices.DeleteFunc(slices.Clone(overruns), func(o cfp.Overrun) bool { return !keep(o) })
	}
	return cfp.OverrunMessage(f, overruns)
}

// PresentersHint is the hint of the field of the most presenters, with what the limit means for the
// proposals over it.
func (p *manageFormatPage) PresentersHint() string {
	return strings.TrimSpace("Counting the person who proposes. " + p.Crowded)
}

// YesNo is the choice of whether a format accepts proposals.
func (p *manageFormatPage) YesNo() []option {
	return []option{{Value: "yes", Label: "Accepting new proposals"}}
}

func (s *Server) manageFormatPage(c echo.Context) (manageFormatPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return manageFormatPage{}, err
	}
	p := manageFormatPage{confBase: s.confBase(c, conf, "New format · "+conf.Name, "formats"),
		Form: formatForm{DurationMinutes: "60", MaxPresenters: "3", AbstractMaxWords: "250", Accepting: "yes", ClientKey: newClientKey()}}
	if c.Param("id") != "" {
		id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
		if p.Format, err = s.opts.Calls.Format(c.Request().Context(), conf, id); err != nil {
			return p, err
		}
		p.Title = p.Format.Name + " · " + conf.Name
		p.Form = formatFormOf(p.Format)
		crowd, err := s.opts.Calls.Crowded(c.Request().Context(), principal(c), conf, p.Format)
		if err != nil {
			return p, err
		}
		p.Crowded = crowd.Message(p.Format)
		overruns, err := s.opts.Calls.Overruns(c.Request().Context(), principal(c), conf, p.Format)
		if err != nil {
			return p, err
		}
		p.Overruns, p.Overrunning = cfp.OverrunMessage(p.Format, overruns), cfp.OverrunProposals(overruns)
		p.OverrunsListed, p.OverrunsURL = overrunsListed, overrunsPath(conf, p.Format)
	}
	return p, nil
}

func (s *Server) manageFormat(c echo.Context) error {
	p, err := s.manageFormatPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_format", &p)
}

// manageFormatSave creates a format, or saves one (id in the path) if nobody changed it meanwhile.
func (s *Server) manageFormatSave(c echo.Context) error {
	p, err := s.manageFormatPage(c)
	if err != nil {
		return err
	}
	var f formatForm
	err = s.bindForm(c, &f)
	p.Form = f
	ctx := c.Request().Context()
	var saved cfp.Format
	switch {
	case err != nil:
		err = alsoChecked(err, f, func(f formatForm) error {
			return s.opts.Calls.CheckFormat(ctx, principal(c), p.Conference, p.Format.ID, func(cfp.Format) cfp.FormatInput { return f.input() })
		})
	// The same form sent twice (a double click) makes one format, or saves it once, and both
	// answers say it is saved.
	case p.Format.ID == 0:
		saved, err = s.opts.Calls.CreateFormat(ctx, principal(c), p.Conference, f.input())
	default:
		saved, err = s.opts.Calls.UpdateFormat(ctx, principal(c), p.Conference, p.Format.ID, atoi(f.Version), f.input())
	}
	if errors.Is(err, cfp.ErrKeyUsed) {
		// Sent again, changed, from a form that added a format: sending it once more adds another.
		p.Form.ClientKey = newClientKey()
	}
	if apperr.Is(err, apperr.Conflict) && p.Format.ID != 0 {
		var now cfp.Format
		if now, err = s.formatMeanwhile(c, p.Conference, p.Format.ID, f.Version, err); now.ID != 0 {
			stored := formatFormOf(now)
			m := &savedMeanwhile{}
			m.differ("name", "Name", strings.Join(strings.Fields(f.Name), " "), stored.Name)
			m.differ("description", "Description", f.Description, stored.Description)
			m.differ("duration_minutes", "Length in minutes", f.DurationMinutes, stored.DurationMinutes)
			m.differ("max_presenters", "Most presenters", f.MaxPresenters, stored.MaxPresenters)
			m.differ("abstract_max_words", "Word limit of the abstract", f.AbstractMaxWords, stored.AbstractMaxWords)
			m.differ("accepting", "Accepting new proposals", yesNo(f.Accepting == "yes"), yesNo(now.Accepting))
			if len(m.Changed) == 0 && atoi(f.Version) < now.Version {
				// What is saved now is what was typed (line endings and the blanks around the
				// texts aside): nothing to refuse.
				saved, err = now, nil
			} else {
				p.Format, p.Form.Version, p.Meanwhile = now, strconv.Itoa(now.Version), m
			}
		}
	}
	if err != nil {
		return s.renderForm(c, "manage_format", &p, err)
	}
	msg := "The format “" + saved.Name + "” is saved."
	if p.Format.ID != 0 && saved.MaxPresenters < p.Format.MaxPresenters {
		// Fewer presenters than before: say what that means for the proposals over the new limit.
		if m := s.crowdedMessage(c, p.Conference, saved); m != "" {
			msg += " " + m
		}
	}
	if p.Format.ID != 0 && saved.AbstractMaxWords < p.Format.AbstractMaxWords {
		// A lower word limit: say which submitted proposals are over it.
		if m := s.overrunMessage(c, p.Conference, saved, func(o cfp.Overrun) bool { return o.Field == "abstract" }); m != "" {
			msg += " " + m
		}
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/formats/%d", p.Conference.Slug, saved.ID))
}

// formatMeanwhile reads the format as saved now after a change of it was refused (err, a conflict):
// when it changed since the form's version, it returns it with the error that says so; otherwise
// (another conflict, such as a name taken) no format and err.
func (s *Server) formatMeanwhile(c echo.Context, conf conference.Conference, id int64, version string, err error) (cfp.Format, error) {
	now, ferr := s.opts.Calls.Format(c.Request().Context(), conf, id)
	if ferr != nil || strconv.Itoa(now.Version) == strings.TrimSpace(version) {
		return cfp.Format{}, err
	}
	return now, staleForm("this format")
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func (s *Server) manageFormatMove(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	delta, err := s.moveDelta(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	if err := s.opts.Calls.MoveFormat(c.Request().Context(), principal(c), conf, id, delta); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/formats")
}

func (s *Server) manageFormatDelete(c echo.Context) error {
	p, err := s.manageFormatPage(c)
	if err != nil {
		return err
	}
	if err := s.opts.Calls.DeleteFormat(c.Request().Context(), principal(c), p.Conference, p.Format.ID); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return s.renderForm(c, "manage_format", &p, err)
		}
		return err
	}
	s.flash(c, "The format “"+p.Format.Name+"” is deleted.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/formats")
}

// fieldForm is one of a format's fields (a question) as organizers edit it.
type fieldForm struct {
	Version  string `form:"version" validate:"max=10"`
	ID       string `form:"id" validate:"max=100"`
	Label    string `form:"label" validate:"max=1000"`
	Help     string `form:"help" validate:"max=4000"`
	Kind     string `form:"kind" validate:"max=40"`
	Required string `form:"required" validate:"max=10"`
	Options  string `form:"options" validate:"max=20000"`
	MaxWords string `form:"max_words" validate:"max=10"`
	// ClientKey is the new field form's key, one per form shown, that adds the field once however
	// often the form is sent.
	ClientKey string `form:"client_key" validate:"max=100"`
}

func (f fieldForm) question() question.Question {
	q := question.Question{ID: strings.TrimSpace(f.ID), Label: f.Label, Help: f.Help, Kind: question.Kind(f.Kind), Required: f.Required == "yes"}
	for _, line := range strings.Split(strings.ReplaceAll(f.Options, "\r\n", "\n"), "\n") {
		q.Options = append(q.Options, line)
	}
	if strings.TrimSpace(f.MaxWords) != "" {
		q.MaxWords = atoi(f.MaxWords)
	}
	return q
}

func fieldFormOf(q question.Question, version int) fieldForm {
	f := fieldForm{Version: strconv.Itoa(version), ID: q.ID, Label: q.Label, Help: q.Help, Kind: string(q.Kind), Options: strings.Join(q.Options, "\n")}
	if q.Required {
		f.Required = "yes"
	}
	if q.MaxWords > 0 {
		f.MaxWords = strconv.Itoa(q.MaxWords)
	}
	return f
}

type manageFieldPage struct {
	confBase
	Format cfp.Format
	Field  question.Question // ID "" for a new one
	Form   fieldForm
	// Meanwhile is what someone else saved since the form was opened, when that refused it.
	Meanwhile *savedMeanwhile
}

// Kinds are the kinds of question as options.
func (p *manageFieldPage) Kinds() []option {
	out := make([]option, len(question.Kinds))
	for i, k := range question.Kinds {
		out[i] = option{Value: string(k.Kind), Label: k.Label}
	}
	return out
}

// Required is the choice of whether an answer is required.
func (p *manageFieldPage) Required() []option {
	return []option{{Value: "yes", Label: "An answer is required to submit"}}
}

func (s *Server) manageFieldPage(c echo.Context) (manageFieldPage, error) {
	fp, err := s.manageFormatPage(c)
	if err != nil {
		return manageFieldPage{}, err
	}
	p := manageFieldPage{confBase: fp.confBase, Format: fp.Format,
		Form: fieldForm{Kind: string(question.LongText), Version: strconv.Itoa(fp.Format.Version), ClientKey: newClientKey()}}
	p.Title = "New field of " + fp.Format.Name
	if qid := c.Param("qid"); qid != "" {
		q, ok := fp.Format.Field(qid)
		if !ok {
			return p, apperr.New(apperr.NotFound, "This format has no such field.")
		}
		p.Field, p.Form, p.Title = q, fieldFormOf(q, fp.Format.Version), q.Label+" · "+fp.Format.Name
	}
	return p, nil
}

func (s *Server) manageField(c echo.Context) error {
	p, err := s.manageFieldPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_field", &p)
}

// fieldErrors renames the errors of a format's field list ("fields.3.label") to the question form's
// own fields ("label").
func fieldErrors(err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Invalid {
		return err
	}
	out := &apperr.Error{Code: ae.Code, Message: ae.Message, Err: ae.Err}
	for _, f := range ae.Fields {
		name := f.Field
		if i := strings.LastIndex(name, "."); strings.HasPrefix(name, "fields.") && i >= 0 {
			name = name[i+1:]
		}
		out.Fields = append(out.Fields, apperr.FieldError{Field: name, Message: f.Message})
	}
	return out
}

// manageFieldSave adds a field to a format, or changes one (qid in the path).
func (s *Server) manageFieldSave(c echo.Context) error {
	p, err := s.manageFieldPage(c)
	gone := apperr.Is(err, apperr.NotFound) && p.Format.ID != 0 && c.Param("qid") != ""
	if err != nil && !gone {
		return err
	}
	var f fieldForm
	err = s.bindForm(c, &f)
	p.Form = f
	if err == nil && gone {
		// Deleted since the form was opened: what was typed comes back as a new field, to add or leave.
		p.Title, p.Form.ID, p.Form.Version, p.Form.ClientKey = "New field of "+p.Format.Name, "", strconv.Itoa(p.Format.Version), newClientKey()
		p.Meanwhile = fieldMeanwhile(p.Format, "", f)
		return s.renderForm(c, "manage_field", &p, apperr.New(apperr.Conflict, "Someone else deleted this field since you opened this form, "+
			"so what you typed is not saved. It is in the form below: saving it adds it to the format as a new field."))
	}
	var saved cfp.Format
	q := f.question()
	ctx := c.Request().Context()
	// The same form sent twice (a double click) adds one field, or saves it once, and both answers
	// say it is saved.
	switch {
	case err != nil && !gone:
		err = alsoChecked(err, f, func(f fieldForm) error {
			q := f.question()
			return fieldErrors(s.opts.Calls.CheckFields(ctx, principal(c), p.Conference, p.Format.ID, p.edit(&q)))
		})
	case err == nil && p.Field.ID == "":
		saved, q, err = s.opts.Calls.AddField(ctx, principal(c), p.Conference, p.Format.ID, atoi(f.Version), f.ClientKey, q)
		err = fieldErrors(err)
	case err == nil:
		saved, err = s.opts.Calls.EditFields(ctx, principal(c), p.Conference, p.Format.ID, atoi(f.Version), p.edit(&q))
		err = fieldErrors(err)
	}
	if errors.Is(err, cfp.ErrKeyUsed) {
		// Sent again, changed, from a form that added a field: sending it once more adds another.
		p.Form.ClientKey = newClientKey()
	} else if apperr.Is(err, apperr.Conflict) {
		var now cfp.Format
		if now, err = s.formatMeanwhile(c, p.Conference, p.Format.ID, f.Version, err); now.ID != 0 {
			m := fieldMeanwhile(now, p.Field.ID, f)
			if len(m.Changed) == 0 && atoi(f.Version) < now.Version {
				// The field is saved as typed (line endings and the blanks around the texts
				// aside): nothing to refuse.
				saved, err = now, nil
			} else {
				p.Format, p.Form.Version, p.Meanwhile = now, strconv.Itoa(now.Version), m
			}
		}
	}
	if err != nil {
		return s.renderForm(c, "manage_field", &p, err)
	}
	msg := "The field “" + strings.TrimSpace(f.Label) + "” is saved."
	// What the field asks now may not be met by proposals submitted before.
	if m := s.overrunMessage(c, p.Conference, saved, func(o cfp.Overrun) bool { return o.Field == q.ID }); m != "" {
		msg += " " + m
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/formats/%d#fields", p.Conference.Slug, p.Format.ID))
}

// edit adds q to the format's fields, or puts it in place of the field the page edits; q's id is
// then the one it has there.
func (p *manageFieldPage) edit(q *question.Question) func([]question.Question) ([]question.Question, error) {
	return func(fields []question.Question) ([]question.Question, error) {
		if p.Field.ID == "" {
			if q.ID == "" {
				// Not the id of a question no longer asked either, whose answers it would take.
				q.ID = question.NewID(q.Label, append(questionIDs(fields), questionIDs(p.Format.Retired)...))
			}
			return append(fields, *q), nil
		}
		i := slices.IndexFunc(fields, func(x question.Question) bool { return x.ID == p.Field.ID })
		if i < 0 {
			return nil, apperr.New(apperr.NotFound, "This format has no such field.")
		}
		q.ID = p.Field.ID // the id stays, so that answers keep their question
		fields[i] = *q
		return fields, nil
	}
}

// fieldMeanwhile says what differs between the field as typed and as saved now in the format; for
// a new field, the format's fields now.
func fieldMeanwhile(now cfp.Format, id string, typed fieldForm) *savedMeanwhile {
	m := &savedMeanwhile{}
	q, ok := now.Field(id)
	if !ok {
		labels := make([]string, len(now.Fields))
		for i, x := range now.Fields {
			labels[i] = x.Label
		}
		m.Changed = append(m.Changed, savedValue{Field: "label", Label: "The format's fields", Value: strings.Join(labels, "\n")})
		return m
	}
	saved := fieldFormOf(q, now.Version)
	m.differ("label", "Question", typed.Label, saved.Label)
	m.differ("help", "Help for proposers", typed.Help, saved.Help)
	m.differ("kind", "Kind of answer", kindName(question.Kind(typed.Kind)), kindName(q.Kind))
	m.differ("required", "An answer is required to submit", yesNo(typed.Required == "yes"), yesNo(q.Required))
	m.differ("options", "Options", optionLines(typed.Options), optionLines(saved.Options))
	m.differ("max_words", "Word limit", typed.MaxWords, saved.MaxWords)
	return m
}

// optionLines are the options of a choice, one a line, as the service keeps them.
func optionLines(s string) string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// kindName is the name of a kind of question as the field form offers it.
func kindName(k question.Kind) string {
	for _, x := range question.Kinds {
		if x.Kind == k {
			return x.Label
		}
	}
	return string(k)
}

// fieldChangeForm moves or deletes a field of the format at a version. Order is the ids of the
// format's fields at that version, in order, comma-separated: what a move was made from.
type fieldChangeForm struct {
	Version   string `form:"version" validate:"max=10"`
	Direction string `form:"direction" validate:"max=10"`
	Order     string `form:"order" validate:"max=20000"`
}

// FieldOrder is the ids of the format's fields in order, comma-separated, for a move to say what it
// was made from.
func (p *manageFormatPage) FieldOrder() string {
	return strings.Join(questionIDs(p.Format.Fields), ",")
}

// movedAlready reports whether the format now is the format at the form's version with the field
// moved as the form asks, and nothing else changed: a save since then that was this very move (the
// button pressed twice, a double click).
func movedAlready(now cfp.Format, f fieldChangeForm, qid string) bool {
	if f.Order == "" || now.Version != atoi(f.Version)+1 {
		return false
	}
	order := strings.Split(f.Order, ",")
	i := slices.Index(order, qid)
	j := i - 1
	if f.Direction == "down" {
		j = i + 1
	}
	if i < 0 || j < 0 || j >= len(order) {
		return false
	}
	order[i], order[j] = order[j], order[i]
	return slices.Equal(order, questionIDs(now.Fields))
}

// changedMeanwhile is said, back on the format's page, when a button of its fields was pressed on a
// page older than the format: the page now shows the format as it is, to do it again if still wanted.
func changedMeanwhile(what string) string {
	return "Someone changed this format since you opened the page, so nothing was done. Here it is as it is now: " + what + " again if you still want to."
}

// manageFieldChange applies change to the field of the path, in the format as it was at the form's
// version, and says what was done (done, given the field's label) back on the format's page. A format
// changed meanwhile is shown as it is now instead, and so is one whose field was taken away meanwhile;
// but when the change removes the field (removes) and the format no longer asks it, what was asked
// is done (the button pressed twice, a double click), and is said as done.
func (s *Server) manageFieldChange(c echo.Context, change func(fields []question.Question, i int, direction string) []question.Question,
	done func(label, direction string) string, again string, removes bool) error {
	fp, err := s.manageFormatPage(c)
	if err != nil {
		return err
	}
	var f fieldChangeForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	back := fmt.Sprintf("/c/%s/manage/formats/%d#fields", fp.Conference.Slug, fp.Format.ID)
	q, ok := fp.Format.Field(c.Param("qid"))
	if r, gone := fp.Format.NoLongerAsked(c.Param("qid")); !ok && gone && removes {
		s.flash(c, done(r.Label, f.Direction))
		return c.Redirect(http.StatusSeeOther, back)
	}
	if !ok {
		if atoi(f.Version) == fp.Format.Version {
			return apperr.New(apperr.NotFound, "This format has no such field.")
		}
		s.flash(c, "Someone changed this format since you opened the page and it no longer asks that question, so nothing was done. Here it is as it is now.")
		return c.Redirect(http.StatusSeeOther, back)
	}
	_, err = s.opts.Calls.EditFields(c.Request().Context(), principal(c), fp.Conference, fp.Format.ID, atoi(f.Version),
		func(fields []question.Question) ([]question.Question, error) {
			i := slices.IndexFunc(fields, func(x question.Question) bool { return x.ID == q.ID })
			if i < 0 {
				return nil, apperr.New(apperr.NotFound, "This format has no such field.")
			}
			return change(fields, i, f.Direction), nil
		})
	if apperr.Is(err, apperr.Conflict) {
		msg := changedMeanwhile(again + " “" + q.Label + "”")
		if now, ferr := s.opts.Calls.Format(c.Request().Context(), fp.Conference, fp.Format.ID); ferr == nil {
			if _, asked := now.Field(q.ID); (removes && !asked) || (!removes && movedAlready(now, f, q.ID)) {
				msg = done(q.Label, f.Direction)
			}
		}
		s.flash(c, msg)
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	s.flash(c, done(q.Label, f.Direction))
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Server) manageFieldMove(c echo.Context) error {
	return s.manageFieldChange(c, func(fields []question.Question, i int, direction string) []question.Question {
		j := i - 1
		if direction == "down" {
			j = i + 1
		}
		if j >= 0 && j < len(fields) {
			fields[i], fields[j] = fields[j], fields[i]
		}
		return fields
	}, func(label, direction string) string {
		if direction != "down" {
			direction = "up"
		}
		return "The field “" + label + "” is moved " + direction + "."
	}, "move", false)
}

// manageFieldAskAgain asks a question the format no longer asks again, last, as it was last asked,
// with the answers given to it.
func (s *Server) manageFieldAskAgain(c echo.Context) error {
	fp, err := s.manageFormatPage(c)
	if err != nil {
		return err
	}
	var f fieldChangeForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	q, err := s.opts.Calls.AskAgain(c.Request().Context(), principal(c), fp.Conference, fp.Format.ID, atoi(f.Version), c.Param("qid"))
	if apperr.Is(err, apperr.Conflict) {
		what := "ask it"
		if r, ok := fp.Format.NoLongerAsked(c.Param("qid")); ok {
			what = "ask “" + r.Label + "”"
		}
		msg := changedMeanwhile(what)
		if now, ferr := s.opts.Calls.Format(c.Request().Context(), fp.Conference, fp.Format.ID); ferr == nil {
			if asked, ok := now.Field(c.Param("qid")); ok {
				// Asked again already: by the same button pressed twice (a double click), or by
				// someone else; either way, as asked.
				msg = "“" + asked.Label + "” is asked again, with the answers already given to it."
			}
		}
		s.flash(c, msg)
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/formats/%d#fields", fp.Conference.Slug, fp.Format.ID))
	}
	if ae, ok := apperr.As(err); ok && ae.Code == apperr.Invalid {
		return apperr.New(apperr.Invalid, "“"+q.Label+"” cannot be asked again as it was: "+fieldMessages(ae)+" Add it as a new field instead.")
	}
	if err != nil {
		return err
	}
	s.flash(c, "“"+q.Label+"” is asked again, with the answers already given to it.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/formats/%d#fields", fp.Conference.Slug, fp.Format.ID))
}

func (s *Server) manageFieldDelete(c echo.Context) error {
	return s.manageFieldChange(c, func(fields []question.Question, i int, _ string) []question.Question {
		return slices.Delete(fields, i, i+1)
	}, func(label, _ string) string {
		return "The field “" + label + "” is deleted."
	}, "delete", true)
}
