package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/submission"
)

// proposalForm is the proposal form as the browser sends it. Answers to the format's fields come as
// "answers.<id>" and are read by readAnswers.
type proposalForm struct {
	FormatID  string `form:"format_id" validate:"max=20"`
	TrackID   string `form:"track_id" validate:"max=20"`
	Title     string `form:"title"`
	Abstract  string `form:"abstract"`
	Version   string `form:"version" validate:"max=10"`
	Action    string `form:"action" validate:"max=20"`
	ClientKey string `form:"client_key" validate:"max=100"`
	Access    string `form:"access" validate:"max=100"`
	// ShownFormatID is, on a new proposal's form that offers another format (ChooseFormat), the
	// format whose questions it shows.
	ShownFormatID string `form:"shown_format_id" validate:"max=20"`
	Answers       question.Answers
}

const answerPrefix = "answers."

// readAnswers collects the "answers.<id>" fields of a posted form.
func readAnswers(c echo.Context) (question.Answers, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, apperr.New(apperr.Malformed, "The form could not be read. Reload the page and try again.")
	}
	var fe apperr.Fields
	a := question.Answers{}
	for k, v := range form {
		id, ok := strings.CutPrefix(k, answerPrefix)
		if !ok {
			continue
		}
		for _, x := range v {
			if !storable(x) {
				fe.Add(k, "This contains a character that cannot be saved (a NUL byte or broken text encoding). Retype it without that character.")
			}
		}
		a[id] = v
	}
	return a, fe.Err()
}

// content turns the form into what the service saves; a number that is not one is a field error,
// and is left out of the content (so that what else is wrong can still be checked).
func (f proposalForm) content() (submission.Content, error) {
	c := submission.Content{Title: f.Title, Abstract: f.Abstract, Answers: f.Answers}
	var fe apperr.Fields
	if f.FormatID != "" {
		id, err := strconv.ParseInt(f.FormatID, 10, 64)
		if err != nil || id <= 0 {
			fe.Add("format_id", "Choose one of the formats this call offers.")
			id = 0
		}
		c.FormatID = id
	}
	if f.TrackID != "" {
		id, err := strconv.ParseInt(f.TrackID, 10, 64)
		if err != nil || id <= 0 {
			fe.Add("track_id", "Choose one of the tracks this call lists.")
		} else {
			c.TrackID = &id
		}
	}
	return c, fe.Err()
}

// contentOf is the form's content for a save of prop (a new proposal when its ID is 0). When the
// form itself is wrong (a number that is not one), it says so together with everything the save
// would refuse as well, so that one round of corrections is enough.
func (s *Server) contentOf(c echo.Context, conf conference.Conference, prop submission.Proposal, f proposalForm) (submission.Content, error) {
	content, err := f.content()
	if err == nil {
		return content, nil
	}
	return content, joinFieldErrors(err, s.opts.Submissions.CheckSave(c.Request().Context(), conf, prop, content))
}

// joinFieldErrors joins the field errors of first and more, each field once, first's message kept; an
// error of more that is not about fields is returned as it is.
func joinFieldErrors(first error, more ...error) error {
	return apperr.JoinFields(append([]error{first}, more...)...)
}

func formOf(p submission.Proposal) proposalForm {
	f := proposalForm{FormatID: strconv.FormatInt(p.FormatID, 10), Title: p.Title, Abstract: p.Abstract,
		Version: strconv.Itoa(p.Version), Answers: p.Answers}
	if p.TrackID != nil {
		f.TrackID = strconv.FormatInt(*p.TrackID, 10)
	}
	return f
}

func (s *Server) bindProposal(c echo.Context) (proposalForm, error) {
	var f proposalForm
	if err := s.bindForm(c, &f); err != nil {
		return f, err
	}
	var err error
	f.Answers, err = readAnswers(c)
	return f, err
}

// proposalID reads the proposal id from the path; anything that is not one is a proposal that
// does not exist.
func proposalID(c echo.Context) (int64, error) {
	return pathID(c, "id", "There is no such proposal, or it is not yours.")
}

func newClientKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func proposalURL(conf conference.Conference, id int64) string {
	return fmt.Sprintf("/c/%s/proposals/%d", conf.Slug, id)
}

// trackOptions are a call's tracks as form options.
func trackOptions(tracks []cfp.Track) []option {
	out := make([]option, len(tracks))
	for i, t := range tracks {
		out[i] = option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name}
	}
	return out
}

// formatOptions are the formats a proposal may take: those accepting proposals, and its own.
func formatOptions(formats []cfp.Format, current int64) []option {
	return formatOptionsOf(formats, func(f cfp.Format) bool { return f.Accepting || f.ID == current })
}

// formatOptionsOf are the formats that keep keeps, as form options.
func formatOptionsOf(formats []cfp.Format, keep func(cfp.Format) bool) []option {
	var out []option
	for _, f := range formats {
		if keep(f) {
			out = append(out, option{Value: strconv.FormatInt(f.ID, 10), Label: f.Name})
		}
	}
	return out
}

// proposalEditPage is the form that starts or changes a proposal.
type proposalEditPage struct {
	confBase
	Proposal submission.Proposal // ID 0 for a new one
	Format   cfp.Format
	Formats  []option
	Tracks   []option
	Form     proposalForm
	Warnings []submission.Warning
	// Newer is the proposal as saved by someone else since this form was opened, and Meanwhile
	// what of it differs from what the form holds.
	Newer     *submission.Proposal
	Meanwhile *savedMeanwhile
	Deadline  time.Time
	// formats are all the call's formats, for naming one the form or a newer version has.
	formats []cfp.Format
	// Refused: the save was refused whole and no change of the form can make it (the deadline
	// passed, a decision was made, the proposal was withdrawn): what was typed is shown read-only,
	// to copy, with nothing to save it with. Passed: the deadline is behind.
	Refused, Passed bool
	// Kept are the answers typed to questions of the format the form showed before another was
	// chosen, which the chosen one does not ask: shown to copy, as the form no longer holds them.
	Kept []keptField
	// BodyLimit is the most bytes the route the form is sent to accepts, for the page's script to
	// keep a form over it from being sent and refused whole.
	BodyLimit int64
}

// ReadOnly reports whether the form's fields are shown read-only (Refused).
func (p *proposalEditPage) ReadOnly() bool { return p.Refused }

// ChooseFormat reports whether a new proposal's form must let the submitter choose another format:
// the one it was started with no longer takes proposals (the organizers stopped it while the form
// was open), or is not one its access link starts.
func (p *proposalEditPage) ChooseFormat() bool {
	if !p.New() || p.Refused {
		return false
	}
	id := strconv.FormatInt(p.Format.ID, 10)
	return !slices.ContainsFunc(p.Formats, func(o option) bool { return o.Value == id })
}

// FormatHint is the hint of the choice of another format (ChooseFormat).
func (p *proposalEditPage) FormatHint() string {
	if len(p.Formats) == 0 {
		return "No format takes proposals at the moment. Copy what you typed, and write to the organizers."
	}
	return "“" + p.Format.Name + "” no longer takes proposals. Choose another: its form is shown before anything is saved, with what you typed here."
}

// FieldHref is where the error summary links a field's error: nowhere ("", the error is the page's)
// when the field is not on this form, so that no link leads to nothing.
func (p *proposalEditPage) FieldHref(field string) string {
	href := p.base.FieldHref(field)
	if id, ok := strings.CutPrefix(href, "#"); ok && !p.shows(id) {
		return ""
	}
	return href
}

// shows reports whether the form has a field with the id that can take focus.
func (p *proposalEditPage) shows(id string) bool {
	switch id {
	case "title", "abstract":
		return true
	case "track_id":
		return len(p.Tracks) > 0
	case "format_id":
		return !p.New() || p.ChooseFormat()
	}
	if q, ok := strings.CutPrefix(id, answerPrefix); ok {
		_, asked := p.Format.Field(q)
		return asked
	}
	return false
}

// keepAnswers puts in Kept what the form typed to the questions of the format shown, which the
// format of the page does not ask.
func (p *proposalEditPage) keepAnswers(shown int64) {
	for _, f := range p.formats {
		if f.ID != shown || f.ID == p.Format.ID {
			continue
		}
		typed, _ := question.Check(f.Fields, p.Form.Answers, false, "")
		for _, q := range f.Fields {
			if _, asked := p.Format.Field(q.ID); !asked {
				if v := submission.AnswerText(q, typed[q.ID]); v != "" {
					p.Kept = append(p.Kept, keptField{Label: q.Label, Value: v})
				}
			}
		}
	}
}

// refuse marks the page as showing a save that cannot be made when err says so.
func (s *Server) refuse(p *proposalEditPage, err error) {
	if ae, ok := apperr.As(err); ok && ae.Code == apperr.Forbidden {
		p.Refused, p.Passed = true, s.opts.Calls.Now().After(p.Deadline)
	}
}

// New reports whether the form starts a proposal.
func (p *proposalEditPage) New() bool { return p.Proposal.ID == 0 }

// Action is where the form is sent.
func (p *proposalEditPage) Action() string {
	if p.New() {
		return "/c/" + p.Conference.Slug + "/proposals"
	}
	return proposalURL(p.Conference, p.Proposal.ID)
}

// showNewer puts next to the form, as typed, the proposal as someone else saved it since the form
// was opened: every part of it the form holds (format, title, track, abstract, answers) whose saved
// value differs from the typed one. Saving again saves the whole form, so a change of theirs left
// out here would be undone without a word. The form then carries the newer version.
func (p *proposalEditPage) showNewer(newer submission.Proposal) {
	typed := p.Form
	m := &savedMeanwhile{}
	typedFormat, _ := strconv.ParseInt(typed.FormatID, 10, 64)
	m.differ("format_id", "Format", p.formatName(typedFormat), p.formatName(newer.FormatID))
	m.differ("title", "Title", strings.Join(strings.Fields(typed.Title), " "), newer.Title)
	newerTrack := ""
	if newer.TrackID != nil {
		newerTrack = strconv.FormatInt(*newer.TrackID, 10)
	}
	m.differ("track_id", "Track", p.trackName(typed.TrackID), p.trackName(newerTrack))
	m.differ("abstract", "Abstract", typed.Abstract, newer.Abstract)
	// The questions the form asks, then those only the newer version's format asks (not in the
	// form: named, with nothing to point to).
	qs := slices.Clone(p.Format.Fields)
	asked := len(qs)
	for _, f := range p.formats {
		if f.ID == newer.FormatID && f.ID != p.Format.ID {
			for _, q := range f.Fields {
				if _, ok := p.Format.Field(q.ID); !ok {
					qs = append(qs, q)
				}
			}
		}
	}
	// Both read as a save keeps them: blanks trimmed, choices in the organizer's order.
	mine, _ := question.Check(qs, typed.Answers, false, "")
	theirs, _ := question.Check(qs, newer.Answers, false, "")
	for i, q := range qs {
		field := answerPrefix + q.ID
		if i >= asked {
			field = ""
		}
		m.differ(field, q.Label, submission.AnswerText(q, mine[q.ID]), submission.AnswerText(q, theirs[q.ID]))
	}
	p.Newer, p.Meanwhile, p.Form.Version = &newer, m, strconv.Itoa(newer.Version)
}

// formatName is the name of the call's format id, "" for none.
func (p *proposalEditPage) formatName(id int64) string {
	for _, f := range p.formats {
		if f.ID == id {
			return f.Name
		}
	}
	if id == 0 {
		return ""
	}
	return "Format " + strconv.FormatInt(id, 10)
}

// trackName is the name of the call's track id (as the form sends it), "" for none.
func (p *proposalEditPage) trackName(id string) string {
	for _, t := range p.Tracks {
		if t.Value == id {
			return t.Label
		}
	}
	if id == "" {
		return ""
	}
	return "Track " + id
}

// editPage builds the form page for a proposal (or a new one of the format) with the form's values.
func (s *Server) editPage(c echo.Context, conf conference.Conference, prop submission.Proposal, formatID int64, form proposalForm) (proposalEditPage, error) {
	ctx := c.Request().Context()
	title := "Edit proposal"
	if prop.ID == 0 {
		title = "New proposal"
	}
	p := proposalEditPage{confBase: s.confBase(c, conf, title+" · "+conf.Name, ""), Proposal: prop, Form: form,
		BodyLimit: s.bodyLimitOf("POST /c/:slug/proposals")}
	if prop.ID != 0 {
		p.BodyLimit = s.bodyLimitOf("POST /c/:slug/proposals/:id")
	}
	formats, err := s.opts.Calls.Formats(ctx, conf)
	if err != nil {
		return p, err
	}
	for _, f := range formats {
		if f.ID == formatID {
			p.Format = f
		}
	}
	if p.Format.ID == 0 {
		return p, apperr.New(apperr.NotFound, "There is no such format in this call.")
	}
	p.formats = formats
	p.Formats = formatOptions(formats, prop.FormatID)
	if prop.AccessLinkID != nil {
		// Started with an access link: its formats are those the link starts proposals of.
		if l, err := s.opts.Calls.LinkOf(ctx, conf, *prop.AccessLinkID); err == nil {
			p.Formats = formatOptionsOf(formats, func(f cfp.Format) bool { return f.ID == prop.FormatID || l.Allows(f) })
		} else if !apperr.Is(err, apperr.NotFound) {
			return p, err
		}
	}
	tracks, err := s.opts.Calls.Tracks(ctx, conf)
	if err != nil {
		return p, err
	}
	p.Tracks = trackOptions(tracks)
	call, err := s.opts.Calls.Call(ctx, conf)
	if err != nil {
		return p, err
	}
	if prop.ID == 0 {
		st, err := s.callState(c, call)
		p.Deadline = st.Deadline
		if err != nil || form.Access == "" {
			return p, err
		}
		// A proposal started with an access link has the link's time, when that is later, and the
		// link's formats.
		if l, lerr := s.accessLink(c, conf, form.Access); lerr == nil {
			if l.ExpiresAt.After(p.Deadline) {
				p.Deadline = l.ExpiresAt
			}
			p.Formats = formatOptionsOf(formats, l.Allows)
		}
		return p, nil
	}
	p.Deadline = submission.Deadline(call, prop)
	return p, nil
}

// accessLink checks the access link with the secret once a request: a new proposal's form reads it
// where the call is checked and again where the form is shown.
func (s *Server) accessLink(c echo.Context, conf conference.Conference, secret string) (cfp.AccessLink, error) {
	type checked struct {
		link cfp.AccessLink
		err  error
	}
	key := "access-link:" + secret
	if x, ok := c.Get(key).(checked); ok {
		return x.link, x.err
	}
	l, err := s.opts.Calls.CheckAccessLink(c.Request().Context(), conf, secret)
	c.Set(key, checked{l, err})
	return l, err
}

// requireOpenCall answers with a clear page when the visitor cannot start a proposal now; with an
// access link, it returns the link.
func (s *Server) requireOpenCall(c echo.Context, conf conference.Conference, access string) (*cfp.AccessLink, error) {
	if access != "" {
		l, err := s.accessLink(c, conf, access)
		return &l, err
	}
	call, err := s.opts.Calls.Call(c.Request().Context(), conf)
	if err != nil {
		return nil, err
	}
	st, err := s.callState(c, call)
	if err != nil {
		return nil, err
	}
	switch st.State {
	case cfp.NotYetOpen:
		return nil, apperr.Newf(apperr.Forbidden, "The call for proposals opens on %s.", submission.FormatTime(call.OpensAt, conf.Location())).
			Titled(submission.NotYetOpenTitle)
	case cfp.Closed:
		return nil, apperr.Newf(apperr.Forbidden, "The call for proposals closed on %s. Write to the organizers if you were asked to propose after it.",
			submission.FormatTime(call.ClosesAt, conf.Location())).Titled(submission.ClosedTitle)
	}
	return nil, nil
}

type formatChoicePage struct {
	confBase
	Formats []cfp.Format
	Access  string
}

// proposalNew asks for the format first, then shows the form of that format.
func (s *Server) proposalNew(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	acc := c.QueryParam("access")
	link, err := s.requireOpenCall(c, conf, acc)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	formatID, _ := strconv.ParseInt(c.QueryParam("format"), 10, 64)
	if formatID == 0 {
		o, err := s.opts.Calls.Overview(ctx, conf)
		if err != nil {
			return err
		}
		formats := o.Formats
		if link != nil {
			all, err := s.opts.Calls.Formats(ctx, conf)
			if err != nil {
				return err
			}
			formats = link.FormatsOf(all)
		}
		p := formatChoicePage{confBase: s.confBase(c, conf, "Choose a format · "+conf.Name, ""), Formats: formats, Access: acc}
		// The form names itself (choose): a submit with no format ticked sends no format at all.
		if c.QueryParam("format") != "" || c.QueryParam("choose") == "format" {
			p.setError(apperr.Field("format", "Choose one of the formats listed."))
			return s.render(c, http.StatusUnprocessableEntity, "proposal_format", &p)
		}
		return s.render(c, http.StatusOK, "proposal_format", &p)
	}
	p, err := s.editPage(c, conf, submission.Proposal{}, formatID, proposalForm{FormatID: strconv.FormatInt(formatID, 10),
		ClientKey: newClientKey(), Access: acc})
	if err != nil {
		return err
	}
	switch {
	case link != nil && !link.Allows(p.Format):
		return apperr.Newf(apperr.NotFound, "The link “%s” does not start proposals of the format “%s”; choose one it offers.", link.Label, p.Format.Name)
	case link == nil && !p.Format.Accepting:
		return apperr.New(apperr.NotFound, p.Format.Name+" no longer takes new proposals; choose another format.")
	}
	return s.render(c, http.StatusOK, "proposal_edit", &p)
}

// proposalCreate saves a new draft and, when asked, submits it. A failed submission leaves the draft
// saved and shows what to correct.
func (s *Server) proposalCreate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := s.bindProposal(c)
	formatID, _ := strconv.ParseInt(f.FormatID, 10, 64)
	if ae, ok := apperr.As(err); ok && ae.Code == apperr.Malformed {
		return err
	}
	shown, _ := strconv.ParseInt(f.ShownFormatID, 10, 64)
	if err == nil && shown > 0 && formatID > 0 && formatID != shown {
		// Another format chosen in place of one that no longer takes proposals: its form comes
		// back, nothing saved, with what was typed, so that its questions are seen before a save.
		if p, perr := s.editPage(c, conf, submission.Proposal{}, formatID, f); perr == nil && !p.ChooseFormat() {
			p.Form.ShownFormatID = ""
			p.keepAnswers(shown)
			p.Flash = "This is the form of the format “" + p.Format.Name + "”, with what you typed. Nothing is saved yet: check it, answer its questions, and save."
			return s.render(c, http.StatusOK, "proposal_edit", &p)
		}
	}
	// A refused save comes back in the form it was typed in: that of the format shown, when the
	// form offered another (none chosen, or one refused too).
	pageFormat := formatID
	if shown > 0 {
		pageFormat = shown
	}
	var content submission.Content
	if err == nil {
		content, err = s.contentOf(c, conf, submission.Proposal{}, f)
	}
	var prop submission.Proposal
	var warns []submission.Warning
	made := false
	if err == nil {
		prop, warns, made, err = s.opts.Submissions.CreateOnce(ctx, principal(c), conf, submission.CreateInput{Content: content, ClientKey: f.ClientKey, AccessSecret: f.Access})
	}
	if err != nil {
		if ae, ok := apperr.As(err); ok && (ae.Code == apperr.Invalid || ae.Code == apperr.Forbidden) && pageFormat > 0 {
			// Refused (a mistake, or the call closed as the form was filled in): the form comes back
			// with what was typed, so that nothing is lost.
			p, perr := s.editPage(c, conf, submission.Proposal{}, pageFormat, f)
			if perr != nil {
				return err
			}
			s.refuse(&p, err)
			// A refused access link is the page's problem: the form has no field for the link.
			return s.renderForm(c, "proposal_edit", &p, nothingSaved(keptText(s.allProblems(c, conf, f, content, withoutField(err, "access_token")))))
		}
		return err
	}
	// Made now, or made by this form before and still as the form has it (a double click).
	if made || prop.Version == 1 && prop.Content().Equal(content) {
		if f.Action != "submit" {
			msg := "Your draft is saved. It is not submitted yet: submit it before the deadline."
			if len(warns) > 0 {
				msg += " Please read the advice about blind review below."
			}
			s.flash(c, msg)
			return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID))
		}
		return s.submitAfterSave(c, conf, prop, f)
	}
	// The form had made this draft before (sent again after going back in the browser, say) and
	// differs from it, perhaps only as the text was tidied as it was kept: the form is a save of the
	// version it made, so that a change in it is kept, or comes back next to a newer one, never dropped.
	f.Version = "1"
	return s.saveForm(c, conf, prop, f, 1, nil)
}

// withoutField is err without its message for the field, which the page has no place for: the
// message is the error's own already.
func withoutField(err error, field string) error {
	ae, ok := apperr.As(err)
	if !ok || !slices.ContainsFunc(ae.Fields, func(x apperr.FieldError) bool { return x.Field == field }) {
		return err
	}
	out := *ae
	out.Fields = slices.DeleteFunc(slices.Clone(ae.Fields), func(x apperr.FieldError) bool { return x.Field == field })
	out.Err = ae
	return &out
}

// keptText adds to a refusal that no correction of the form can undo (the deadline passed, a
// decision was made, the proposal was withdrawn) that the text typed is still in the form, to copy.
func keptText(err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Forbidden {
		return err
	}
	return &apperr.Error{Code: ae.Code, Message: ae.Message + " Nothing was saved: what you typed is below, read-only, for you to copy.",
		Fields: ae.Fields, Err: ae}
}

// nothingSaved says, of a save refused for its fields, that none of it was saved, as every other
// refusal of the form says: a save is kept whole or not at all.
func nothingSaved(err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Invalid {
		return err
	}
	return &apperr.Error{Code: ae.Code, Message: "Nothing was saved. " + ae.Message, Fields: ae.Fields, Err: ae}
}

// allProblems adds to a refused save that was to be submitted what the submission would refuse as
// well (questions left empty, say), so that one round of corrections is enough. The presenters and
// the profile are left to the submission, which says so once the text is saved.
func (s *Server) allProblems(c echo.Context, conf conference.Conference, f proposalForm, content submission.Content, err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Invalid || f.Action != "submit" || content.FormatID == 0 {
		return err
	}
	problems, _, rerr := s.opts.Submissions.Readiness(c.Request().Context(), conf, submission.Proposal{FormatID: content.FormatID,
		TrackID: content.TrackID, Title: content.Title, Abstract: content.Abstract, Answers: content.Answers}, principal(c).UserID)
	if rerr != nil {
		return err
	}
	var all apperr.Fields
	for _, x := range ae.Fields {
		all.Add(x.Field, x.Message)
	}
	for _, x := range problems {
		if !submission.CorrectedElsewhere(x.Field) && !all.Has(x.Field) {
			all.Add(x.Field, x.Message)
		}
	}
	return all.Err()
}

// submitAfterSave submits a proposal just saved from the form; when it is not ready, the form comes
// back with what to correct, the save kept.
func (s *Server) submitAfterSave(c echo.Context, conf conference.Conference, prop submission.Proposal, f proposalForm) error {
	ctx := c.Request().Context()
	prop, _, err := s.opts.Submissions.Submit(ctx, principal(c), conf, prop.ID, prop.Version)
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.Invalid {
			return err
		}
		current, gerr := s.opts.Submissions.Get(ctx, principal(c), conf, prop.ID)
		if gerr != nil {
			return gerr
		}
		form := formOf(current)
		p, perr := s.editPage(c, conf, current, current.FormatID, form)
		if perr != nil {
			return perr
		}
		if _, p.Warnings, perr = s.opts.Submissions.Readiness(ctx, conf, current, principal(c).UserID); perr != nil {
			return perr
		}
		ae = withOneProfileProblem(ae)
		p.setError(ae)
		p.Problem = submitProblem(ae.Fields, true)
		p.fieldHref = func(field string) string { return problemLink(conf, prop.ID, field, true) }
		return s.render(c, http.StatusUnprocessableEntity, "proposal_edit", &p)
	}
	s.flash(c, submittedFlash)
	return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID))
}

// submittedFlash is what a submit from the form says once the proposal is submitted.
const submittedFlash = "Your proposal is submitted. A receipt with a copy of it is on its way to you by email."

// proposalEdit shows the form of an existing proposal; after the deadline it shows the proposal.
func (s *Server) proposalEdit(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	if _, ok := prop.PresenterOf(principal(c).UserID); !ok {
		return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID))
	}
	editable, _, err := s.opts.Submissions.Editable(c.Request().Context(), conf, prop)
	if err != nil {
		return err
	}
	if !editable {
		s.flash(c, "This proposal can no longer be changed: it is shown read-only.")
		return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID))
	}
	p, err := s.editPage(c, conf, prop, prop.FormatID, formOf(prop))
	if err != nil {
		return err
	}
	_, p.Warnings, err = s.opts.Submissions.Readiness(c.Request().Context(), conf, prop, principal(c).UserID)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "proposal_edit", &p)
}

// proposalSave saves the form and, when asked, submits. A save on top of a newer one comes back with
// the newer text next to the person's own, nothing overwritten.
func (s *Server) proposalSave(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	f, err := s.bindProposal(c)
	if ae, ok := apperr.As(err); ok && ae.Code == apperr.Malformed {
		return err
	}
	if f.Action == "format" {
		// Another format chosen: its form comes back with what was typed, nothing saved, so that its
		// questions are answered before the save. With the format unchanged (the Enter key, whose
		// default is the form's first button), the form is saved as Save would.
		shown, _ := strconv.ParseInt(f.ShownFormatID, 10, 64)
		formatID, _ := strconv.ParseInt(f.FormatID, 10, 64)
		if err == nil && shown > 0 && formatID > 0 && formatID != shown {
			if p, perr := s.editPage(c, conf, prop, formatID, f); perr == nil {
				p.Form.ShownFormatID = strconv.FormatInt(formatID, 10)
				p.keepAnswers(shown)
				p.Flash = "These are the questions of the format “" + p.Format.Name + "”, with what you typed. Nothing is saved yet: answer them, and save."
				return s.render(c, http.StatusOK, "proposal_edit", &p)
			}
		}
		f.Action = "save"
	}
	version, verr := strconv.Atoi(f.Version)
	if verr != nil && err == nil {
		err = apperr.New(apperr.Malformed, "The form is missing its version. Reload the page and try again.")
	}
	return s.saveForm(c, conf, prop, f, version, err)
}

// saveForm saves the form f over version of the proposal (err: the form's own error, if any) and,
// when asked, submits.
func (s *Server) saveForm(c echo.Context, conf conference.Conference, prop submission.Proposal, f proposalForm, version int, err error) error {
	ctx := c.Request().Context()
	var content submission.Content
	if err == nil {
		content, err = s.contentOf(c, conf, prop, f)
	}
	var saved submission.Proposal
	var warns []submission.Warning
	if err == nil {
		saved, warns, err = s.opts.Submissions.Save(ctx, principal(c), conf, prop.ID, version, content)
	} else if version > 0 {
		// Refused before the save for what could not be read: on an older version, the newer one is
		// said first, as the save would.
		err = s.opts.Submissions.Refused(ctx, principal(c), conf, prop.ID, version, err)
	}
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok || (ae.Code != apperr.Invalid && ae.Code != apperr.Conflict && ae.Code != apperr.Forbidden) {
			return err
		}
		if _, presents := prop.PresenterOf(principal(c).UserID); ae.Code == apperr.Forbidden && !presents {
			return err // not theirs to change (an organizer): no form to offer again
		}
		formatID := prop.FormatID
		if content.FormatID != 0 {
			formatID = content.FormatID
		}
		p, perr := s.editPage(c, conf, prop, formatID, f)
		if perr != nil {
			p, perr = s.editPage(c, conf, prop, prop.FormatID, f)
			if perr != nil {
				return perr
			}
		}
		s.refuse(&p, err)
		var stale *submission.StaleError
		if ae.Code == apperr.Conflict && errors.As(err, &stale) {
			p.showNewer(stale.Current)
			if f.Action == "submit" && stale.Current.Status == submission.Draft {
				return s.staleSubmitForm(c, conf, &p, f, err)
			}
		}
		err = keptText(s.allProblems(c, conf, f, content, err))
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Invalid && prop.Status == submission.Submitted {
			// A submitted proposal's change is refused whole: say that none of it was kept.
			err = &apperr.Error{Code: ae.Code, Message: "Nothing was saved: a submitted proposal must stay complete. " + ae.Message, Fields: ae.Fields, Err: ae}
		} else {
			err = nothingSaved(err)
		}
		return s.renderForm(c, "proposal_edit", &p, err)
	}
	if f.Action == "submit" && saved.Status == submission.Draft {
		return s.submitAfterSave(c, conf, saved, f)
	}
	msg := "Your changes are saved."
	switch {
	case f.Action == "submit":
		// Submitted meanwhile, as this form asked: by its first press, when it was pressed twice.
		msg = submittedFlash
	case saved.Status == submission.Draft:
		msg = "Your draft is saved. It is not submitted yet: submit it before the deadline."
	}
	if len(warns) > 0 {
		msg += " Please read the advice about blind review below."
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, proposalURL(conf, saved.ID))
}

// staleSubmitForm answers a form sent to be saved and submitted over an older version of a draft
// (err, the save's conflict): nothing is saved or submitted, and the form comes back next to the
// newer version with everything the submit would refuse as well, beside the fields and in the
// summary, each problem corrected elsewhere (a profile, the presenters) linked to its place. The
// submitter then sees at once all that must change, not one round at a time.
func (s *Server) staleSubmitForm(c echo.Context, conf conference.Conference, p *proposalEditPage, f proposalForm, err error) error {
	// As typed, even when part of it could not be read (its error is err's already).
	content, _ := f.content()
	err = s.opts.Submissions.StaleSubmit(c.Request().Context(), conf, err, content, principal(c).UserID)
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Conflict {
		return err
	}
	ae = withOneProfileProblem(ae)
	p.setError(ae)
	if len(ae.Fields) > 0 {
		p.Problem = submission.SavedMeanwhile + " It was not submitted either. " + formFixes(ae.Fields)
		p.fieldHref = func(field string) string { return problemLink(conf, p.Proposal.ID, field, true) }
	}
	return s.render(c, statusOf(ae.Code), "proposal_edit", p)
}

// loadProposal loads the conference and the proposal named in the path, for a presenter or an
// organizer; anyone else gets 404.
func (s *Server) loadProposal(c echo.Context) (conference.Conference, submission.Proposal, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return conf, submission.Proposal{}, err
	}
	id, err := proposalID(c)
	if err != nil {
		return conf, submission.Proposal{}, err
	}
	prop, err := s.opts.Submissions.Get(c.Request().Context(), principal(c), conf, id)
	return conf, prop, err
}

// isPresenter reports whether the signed-in person presents the proposal.
func isPresenter(c echo.Context, prop submission.Proposal) bool {
	p := principal(c)
	if p == nil {
		return false
	}
	_, ok := prop.PresenterOf(p.UserID)
	return ok
}

// isOrganizer reports whether the signed-in person may read every proposal of the conference.
func isOrganizer(c echo.Context, conf conference.Conference) bool {
	return principal(c).Can(access.ViewProposals, conf.ID)
}
