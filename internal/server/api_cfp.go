package server

import (
	"bytes"
	"context"
	"encoding/json"
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

// JSON shapes of the call and proposals, as api/openapi.yaml describes them. Times are RFC 3339 in
// the conference's time zone; times sent to the API for the call are local to that zone, as
// "2027-06-30T23:59".

type apiQuestion struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Help     string   `json:"help"`
	Kind     string   `json:"kind"`
	Required bool     `json:"required"`
	Options  []string `json:"options"`
	MaxWords int      `json:"max_words"`
}

type apiFormat struct {
	ID               int64         `json:"id"`
	Name             string        `json:"name"`
	Description      string        `json:"description"`
	DurationMinutes  int           `json:"duration_minutes"`
	MaxPresenters    int           `json:"max_presenters"`
	AbstractMaxWords int           `json:"abstract_max_words"`
	Accepting        bool          `json:"accepting"`
	Version          int           `json:"version"`
	Fields           []apiQuestion `json:"fields"`
	// NoLongerAsked are the questions the format asked once and no longer asks (organizers only).
	NoLongerAsked []apiQuestion `json:"no_longer_asked,omitempty"`
}

type apiTrack struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type apiCall struct {
	Conference   string      `json:"conference"`
	TimeZone     string      `json:"time_zone"`
	State        string      `json:"state"`
	OpensAt      string      `json:"opens_at"`
	ClosesAt     string      `json:"closes_at"`
	ContactEmail string      `json:"contact_email"`
	IntroMD      string      `json:"intro_md"`
	GuideMD      string      `json:"guide_md"`
	FAQMD        string      `json:"faq_md"`
	IntroHTML    string      `json:"intro_html"`
	GuideHTML    string      `json:"guide_html"`
	FAQHTML      string      `json:"faq_html"`
	Version      int         `json:"version"`
	Tracks       []apiTrack  `json:"tracks"`
	Formats      []apiFormat `json:"formats"`
}

func stampIn(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) }

func stampPtr(t *time.Time, loc *time.Location) *string {
	if t == nil {
		return nil
	}
	s := stampIn(*t, loc)
	return &s
}

func toAPIQuestions(qs []question.Question) []apiQuestion {
	out := make([]apiQuestion, len(qs))
	for i, q := range qs {
		opts := q.Options
		if opts == nil {
			opts = []string{}
		}
		out[i] = apiQuestion{ID: q.ID, Label: q.Label, Help: q.Help, Kind: string(q.Kind), Required: q.Required, Options: opts, MaxWords: q.MaxWords}
	}
	return out
}

func toAPIFormat(f cfp.Format) apiFormat {
	return apiFormat{ID: f.ID, Name: f.Name, Description: f.Description, DurationMinutes: f.DurationMinutes, MaxPresenters: f.MaxPresenters,
		AbstractMaxWords: f.AbstractMaxWords, Accepting: f.Accepting, Version: f.Version, Fields: toAPIQuestions(f.Fields)}
}

// toAPIManagedFormat is toAPIFormat with what only organizers see.
func toAPIManagedFormat(f cfp.Format) apiFormat {
	out := toAPIFormat(f)
	if len(f.Retired) > 0 {
		out.NoLongerAsked = toAPIQuestions(f.Retired)
	}
	return out
}

func toAPITrack(t cfp.Track) apiTrack {
	return apiTrack{ID: t.ID, Name: t.Name, Description: t.Description}
}

// apiAccessLinkShow tells the holder of an access link's secret what it lets them propose.
func (s *Server) apiAccessLinkShow(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	l, err := s.opts.Calls.CheckAccessLink(ctx, conf, c.Param("token"))
	if err != nil {
		return err
	}
	all, err := s.opts.Calls.Formats(ctx, conf)
	if err != nil {
		return err
	}
	out := struct {
		Label     string      `json:"label"`
		ExpiresAt string      `json:"expires_at"`
		UsesLeft  int         `json:"uses_left"`
		Formats   []apiFormat `json:"formats"`
	}{Label: l.Label, ExpiresAt: stampIn(l.ExpiresAt, conf.Location()), UsesLeft: max(0, l.MaxUses-l.Uses), Formats: []apiFormat{}}
	for _, f := range l.FormatsOf(all) {
		out.Formats = append(out.Formats, toAPIFormat(f))
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return c.JSON(http.StatusOK, out)
}

// apiCallShow is the public call: its window, pages, tracks and the formats that take proposals.
func (s *Server) apiCallShow(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	o, err := s.opts.Calls.Overview(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	loc := conf.Location()
	out := apiCall{Conference: conf.Slug, TimeZone: conf.TimeZone, State: string(o.Call.StateAt(s.opts.Calls.Now())),
		OpensAt: stampIn(o.Call.OpensAt, loc), ClosesAt: stampIn(o.Call.ClosesAt, loc), ContactEmail: o.Call.ContactEmail,
		IntroMD: o.Call.IntroMD, GuideMD: o.Call.GuideMD, FAQMD: o.Call.FAQMD, Version: o.Call.Version,
		IntroHTML: string(s.callHTML(o.Call, o.Call.IntroMD, 2, loc)), GuideHTML: string(s.callHTML(o.Call, o.Call.GuideMD, 2, loc)),
		FAQHTML: string(s.callHTML(o.Call, o.Call.FAQMD, 2, loc)),
		Tracks:  []apiTrack{}, Formats: []apiFormat{}}
	for _, t := range o.Tracks {
		out.Tracks = append(out.Tracks, toAPITrack(t))
	}
	for _, f := range o.Formats {
		out.Formats = append(out.Formats, toAPIFormat(f))
	}
	return c.JSON(http.StatusOK, out)
}

type apiPresenter struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Status      string `json:"status"`
	IsOwner     bool   `json:"is_owner"`
	Pronouns    string `json:"pronouns"`
	Role        string `json:"participant_role"`
	Institution string `json:"institution"`
}

type apiProposal struct {
	ID          int64               `json:"id"`
	Conference  string              `json:"conference"`
	Status      string              `json:"status"`
	Version     int                 `json:"version"`
	FormatID    int64               `json:"format_id"`
	TrackID     *int64              `json:"track_id"`
	Title       string              `json:"title"`
	Abstract    string              `json:"abstract"`
	Answers     map[string][]string `json:"answers"`
	Presenters  []apiPresenter      `json:"presenters"`
	Deadline    *string             `json:"deadline"`
	Editable    *bool               `json:"editable,omitempty"`
	SubmittedAt *string             `json:"submitted_at"`
	WithdrawnAt *string             `json:"withdrawn_at"`
	CreatedAt   string              `json:"created_at"`
	UpdatedAt   string              `json:"updated_at"`
}

type apiWarning struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
	// Proposals are the ids of the proposals a warning is about, where it names some (those a change
	// of their format's rules left over them).
	Proposals []int64 `json:"proposals,omitempty"`
}

type apiProposalResult struct {
	Proposal apiProposal  `json:"proposal"`
	Warnings []apiWarning `json:"warnings"`
}

// toAPIProposal writes a proposal for the API, times in loc. The own deadline is the proposal's; the
// handlers fill in the deadline that applies.
func toAPIProposal(p submission.Proposal, slug string, loc *time.Location) apiProposal {
	out := apiProposal{ID: p.ID, Conference: slug, Status: string(p.Status), Version: p.Version, FormatID: p.FormatID, TrackID: p.TrackID,
		Title: p.Title, Abstract: p.Abstract, Answers: map[string][]string(p.Answers), Presenters: []apiPresenter{},
		Deadline: stampPtr(p.Deadline, loc), SubmittedAt: stampPtr(p.SubmittedAt, loc), WithdrawnAt: stampPtr(p.WithdrawnAt, loc),
		CreatedAt: stampIn(p.CreatedAt, loc), UpdatedAt: stampIn(p.UpdatedAt, loc)}
	if out.Answers == nil {
		out.Answers = map[string][]string{}
	}
	for _, x := range p.Presenters {
		out.Presenters = append(out.Presenters, apiPresenter{ID: x.ID, Name: x.Name, Email: x.Email, Status: string(x.Status), IsOwner: x.IsOwner,
			Pronouns: x.Profile.Pronouns, Role: string(x.Profile.Role), Institution: x.Profile.Institution})
	}
	return out
}

func toAPIWarnings(ws []submission.Warning) []apiWarning {
	out := make([]apiWarning, len(ws))
	for i, w := range ws {
		out[i] = apiWarning{Field: w.Field, Detail: w.Message}
	}
	return out
}

// apiProposalOut adds the deadline that applies and whether the proposal can still change.
func (s *Server) apiProposalOut(c echo.Context, p submission.Proposal) (apiProposal, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return apiProposal{}, err
	}
	out := toAPIProposal(p, conf.Slug, conf.Location())
	editable, d, err := s.opts.Submissions.Editable(c.Request().Context(), conf, p)
	if err != nil {
		return out, err
	}
	out.Deadline, out.Editable = stampPtr(&d, conf.Location()), &editable
	return out, nil
}

func (s *Server) apiProposalResult(c echo.Context, status int, p submission.Proposal, ws []submission.Warning) error {
	out, err := s.apiProposalOut(c, p)
	if err != nil {
		return err
	}
	return writeProposalResult(c, status, apiProposalResult{Proposal: out, Warnings: toAPIWarnings(ws)})
}

// apiProposalRequest is a proposal's content as the API takes it. An answer is a string, a list of
// strings (multiple choice) or a boolean (a checkbox).
type apiProposalRequest struct {
	FormatID int64                      `json:"format_id" validate:"min=0"`
	TrackID  *int64                     `json:"track_id"`
	Title    string                     `json:"title"`
	Abstract string                     `json:"abstract"`
	Answers  map[string]json.RawMessage `json:"answers"`
	Version  int                        `json:"version" validate:"min=0"`
	// AccessToken is the secret of an access link, for a proposal outside the call's window.
	AccessToken string `json:"access_token" validate:"max=100"`
}

// answers reads the request's answers; one that is not a string, list of strings or boolean is a
// field error.
func (r apiProposalRequest) answers() (question.Answers, error) {
	a := question.Answers{}
	var fe apperr.Fields
	for id, raw := range r.Answers {
		field := answerPrefix + id
		var one string
		var many []string
		var yes bool
		switch {
		case plainString(raw, &one) || json.Unmarshal(raw, &one) == nil:
			a[id] = []string{one}
		case json.Unmarshal(raw, &many) == nil:
			a[id] = many
		case json.Unmarshal(raw, &yes) == nil:
			if yes {
				a[id] = []string{"yes"}
			}
		default:
			fe.Add(field, "Give a string, a list of strings (for a multiple choice) or true or false (for a checkbox).")
		}
		for _, v := range a[id] {
			if !storable(v) {
				fe.Add(field, "This contains a character that cannot be saved (a NUL byte or broken text encoding).")
			}
		}
	}
	return a, fe.Err()
}

// plainString sets s to the JSON string raw when it has no escapes and is valid UTF-8, the usual
// answer, without decoding it again (flatJSON's reading of a string).
func plainString(raw json.RawMessage, s *string) bool {
	d := flatJSON{data: raw}
	_, content, ok := d.str()
	if !ok || !d.end() {
		return false
	}
	*s = string(content)
	return true
}

// checkAnswers refuses answers that the proposal form could not have given, rather than let the
// service drop or change them: an id the format does not ask, true or false for a question that is
// not a checkbox, a list for one that takes a single answer. What the answers say (an option not
// offered, a length) is the service's to check.
// proposalInput reads a proposal sent to the API. When its answers are of the wrong shape or
// answer questions the format does not ask, it says so together with what the save of a draft would
// refuse as well (a choice not offered, say), so that one round of corrections is enough.
func (s *Server) proposalInput(ctx context.Context, conf conference.Conference, req apiProposalRequest) (submission.Content, error) {
	content, cerr := req.content()
	aerr := s.checkAnswers(ctx, conf, req)
	if cerr == nil && aerr == nil {
		return content, nil
	}
	var all apperr.Fields
	for i, err := range []error{cerr, aerr, s.opts.Submissions.CheckDraft(ctx, conf, content)} {
		ae, ok := apperr.As(err)
		switch {
		case err == nil:
		case !ok || ae.Code != apperr.Invalid:
			if i < 2 {
				return content, err
			}
		default:
			for _, x := range ae.Fields {
				if !all.Has(x.Field) {
					all.Add(x.Field, x.Message)
				}
			}
		}
	}
	return content, all.Err()
}

func (s *Server) checkAnswers(ctx context.Context, conf conference.Conference, r apiProposalRequest) error {
	if len(r.Answers) == 0 || r.FormatID <= 0 {
		return nil
	}
	f, err := s.opts.Calls.Format(ctx, conf, r.FormatID)
	if err != nil {
		return nil // the service says what is wrong with the format
	}
	var fe apperr.Fields
	for id, raw := range r.Answers {
		field := answerPrefix + id
		i := slices.IndexFunc(f.Fields, func(q question.Question) bool { return q.ID == id })
		if _, retired := f.NoLongerAsked(id); i < 0 && retired {
			continue // a question no longer asked, whose answer is read back: it stays as saved
		}
		if i < 0 {
			fe.Add(field, fmt.Sprintf("The format %s asks no question %q.", f.Name, question.Truncate(id, 60)))
			continue
		}
		switch kind, v := f.Fields[i].Kind, bytes.TrimSpace(raw); {
		case len(v) > 0 && (v[0] == 't' || v[0] == 'f') && kind != question.Checkbox:
			fe.Add(field, "Give this answer as text; true or false answers a checkbox.")
		case len(v) > 0 && v[0] == '[' && kind != question.MultipleChoice && listLen(v) > 1:
			// A list of one is how answers are read back (a checkbox's is ["yes"]), so a proposal
			// read can be saved as it is.
			fe.Add(field, "Give one answer, not a list; a list answers a multiple choice.")
		}
	}
	return fe.Err()
}

// listLen is the number of elements of the JSON list v, or 0 when it is not one.
func listLen(v json.RawMessage) int {
	var l []json.RawMessage
	if json.Unmarshal(v, &l) != nil {
		return 0
	}
	return len(l)
}

func (r apiProposalRequest) content() (submission.Content, error) {
	a, err := r.answers()
	return submission.Content{FormatID: r.FormatID, TrackID: r.TrackID, Title: r.Title, Abstract: r.Abstract, Answers: a}, err
}

func (s *Server) apiMyProposals(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Submissions.Mine(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Proposals []apiProposal `json:"proposals"`
	}{Proposals: make([]apiProposal, len(list))}
	for i, p := range list {
		if out.Proposals[i], err = s.apiProposalOut(c, p); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, out)
}

// apiProposalCreate starts a draft. An Idempotency-Key header makes a repeated request return the
// proposal the first one made.
func (s *Server) apiProposalCreate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiProposalRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	content, err := s.proposalInput(c.Request().Context(), conf, req)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, ws, made, err := s.opts.Submissions.CreateOnce(ctx, principal(c), conf,
		submission.CreateInput{Content: content, ClientKey: key, AccessSecret: req.AccessToken})
	if err != nil {
		return err
	}
	if !made {
		// The key made a proposal before: a retry of that request gets it; another body under
		// the same key is a mistake of the client's, not a second proposal, and is said so.
		same, err := s.opts.Submissions.MadeWith(ctx, principal(c), conf, p, content)
		if err != nil {
			return err
		}
		if !same {
			return apperr.Newf(apperr.Invalid, "The Idempotency-Key %q was used for another request, which made the proposal %d. "+
				"Send a new key for a new proposal, or this request's first body to have that proposal again.", key, p.ID)
		}
	}
	return s.apiProposalResult(c, http.StatusCreated, p, ws)
}

func (s *Server) apiProposalShow(c echo.Context) error {
	conf, p, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	prop, err := s.apiProposalOut(c, p)
	if err != nil {
		return err
	}
	// What the proposal's page says too: what stands between a draft and its submission, and the
	// advice about blind review, so that a client need not try a submit to learn them.
	out := apiProposalShown{apiProposal: prop, Problems: []apiWarning{}, Warnings: []apiWarning{}}
	if p.Status != submission.Withdrawn {
		problems, warns, err := s.opts.Submissions.Readiness(c.Request().Context(), conf, p, principal(c).UserID)
		if err != nil {
			return err
		}
		if p.Status == submission.Draft && prop.Editable != nil && *prop.Editable {
			for _, x := range problems {
				out.Problems = append(out.Problems, apiWarning{Field: x.Field, Detail: x.Message})
			}
		}
		out.Warnings = toAPIWarnings(warns)
	}
	return c.JSON(http.StatusOK, out)
}

// apiProposalShown is one proposal as GET answers it: with what keeps a draft from being submitted
// and the advice about blind review.
type apiProposalShown struct {
	apiProposal
	Problems []apiWarning `json:"problems"`
	Warnings []apiWarning `json:"warnings"`
}

// apiProposalSave replaces a proposal's content; "version" must be the version the client read.
func (s *Server) apiProposalSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiProposalRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if req.Version == 0 {
		return apperr.Field("version", "Send the version of the proposal you edited, from its last answer.")
	}
	content, err := s.proposalInput(c.Request().Context(), conf, req)
	if err != nil {
		// On an older version the newer one comes first, as from Save: fields are corrected against it.
		return s.opts.Submissions.Refused(c.Request().Context(), principal(c), conf, id, req.Version, err)
	}
	p, ws, err := s.opts.Submissions.Save(c.Request().Context(), principal(c), conf, id, req.Version, content)
	if err != nil {
		return err
	}
	return s.apiProposalResult(c, http.StatusOK, p, ws)
}

type apiSubmitRequest struct {
	Version int `json:"version" validate:"min=0"`
}

// apiProposalSubmit submits; an empty body submits whatever is saved.
func (s *Server) apiProposalSubmit(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiSubmitRequest
	if err := s.bindOptionalJSON(c, &req); err != nil {
		return err
	}
	p, ws, err := s.opts.Submissions.Submit(c.Request().Context(), principal(c), conf, id, req.Version)
	if err != nil {
		return err
	}
	return s.apiProposalResult(c, http.StatusOK, p, ws)
}

// apiProposalStatus answers a change of a proposal's status (withdraw, restore) with the proposal.
func (s *Server) apiProposalStatus(change func(context.Context, *access.Principal, conference.Conference, int64) (submission.Proposal, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		conf, err := s.loadConference(c)
		if err != nil {
			return err
		}
		id, err := proposalID(c)
		if err != nil {
			return err
		}
		p, err := change(c.Request().Context(), principal(c), conf, id)
		if err != nil {
			return err
		}
		return s.apiProposalResult(c, http.StatusOK, p, nil)
	}
}

// apiProposalDelete deletes a draft that was never submitted (submission.Service.Delete).
func (s *Server) apiProposalDelete(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	if _, err := s.opts.Submissions.Delete(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type apiRevision struct {
	Version  int                 `json:"version"`
	Note     string              `json:"note"`
	Status   string              `json:"status"`
	FormatID int64               `json:"format_id"`
	TrackID  *int64              `json:"track_id"`
	Title    string              `json:"title"`
	Abstract string              `json:"abstract"`
	Answers  map[string][]string `json:"answers"`
	SavedBy  string              `json:"saved_by"`
	SavedAt  string              `json:"saved_at"`
}

func (s *Server) apiProposalRevisions(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Submissions.Revisions(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	out := struct {
		Revisions []apiRevision `json:"revisions"`
	}{Revisions: make([]apiRevision, len(list))}
	for i, r := range list {
		a := map[string][]string(r.Answers)
		if a == nil {
			a = map[string][]string{}
		}
		out.Revisions[i] = apiRevision{Version: r.Version, Note: r.Note, Status: string(r.Status), FormatID: r.FormatID, TrackID: r.TrackID,
			Title: r.Title, Abstract: r.Abstract, Answers: a, SavedBy: r.SavedByName, SavedAt: stampIn(r.SavedAt, conf.Location())}
	}
	return c.JSON(http.StatusOK, out)
}

// apiInviteRequest is checked by Invite, which names every wrong field at once.
type apiInviteRequest struct {
	Name  string `json:"name" validate:"max=400"`
	Email string `json:"email" validate:"max=254"`
}

// apiPresenterInvite invites a co-presenter. An Idempotency-Key header makes a repeated request
// answer with the invitation the first one sent, and send nothing more.
func (s *Server) apiPresenterInvite(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiInviteRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	x, err := s.opts.Submissions.InviteOnce(c.Request().Context(), principal(c), conf, id, req.Name, req.Email, key)
	if err != nil {
		return keyUsedByAnother(err, key, "presenter", x.ID)
	}
	return c.JSON(http.StatusCreated, apiPresenter{ID: x.ID, Name: x.Name, Email: x.Email, Status: string(x.Status)})
}

func (s *Server) apiPresenterRemove(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(c.Param("pid"), 10, 64)
	if err != nil {
		return apperr.New(apperr.NotFound, "This person is not a presenter of the proposal.")
	}
	if err := s.opts.Submissions.RemovePresenter(c.Request().Context(), principal(c), conf, id, pid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiInvitation is what an invitation to co-present offers, as its holder sees it.
type apiInvitation struct {
	Conference     string     `json:"conference"`
	ConferenceName string     `json:"conference_name"`
	ProposalID     int64      `json:"proposal_id"`
	Title          string     `json:"title"`
	Name           string     `json:"name"`
	Email          string     `json:"email"`
	InvitedBy      string     `json:"invited_by"`
	ExpiresAt      *time.Time `json:"expires_at"`
	CanAccept      bool       `json:"can_accept"`
	// CannotAcceptReason says why CanAccept is false, "" when it is true.
	CannotAcceptReason string `json:"cannot_accept_reason"`
}

// apiInvitationShow shows what an invitation link offers, and whether the caller can accept it, so
// that a client need not offer an acceptance that can only be refused.
func (s *Server) apiInvitationShow(c echo.Context) error {
	ctx := c.Request().Context()
	inv, err := s.opts.Submissions.Invitation(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	conf := conference.Conference{ID: inv.ConferenceID, Slug: inv.ConferenceSlug, TimeZone: inv.ConferenceTimeZone}
	out := apiInvitation{Conference: inv.ConferenceSlug, ConferenceName: inv.ConferenceName, ProposalID: inv.ProposalID,
		Title: inv.ProposalTitle, Name: inv.Presenter.Name, Email: inv.Presenter.Email, InvitedBy: inv.InvitedByName,
		CannotAcceptReason: inv.CannotAccept}
	if inv.Presenter.ExpiresAt != nil {
		t := inv.Presenter.ExpiresAt.In(conf.Location())
		out.ExpiresAt = &t
	}
	if pr := principal(c); pr != nil && out.CannotAcceptReason == "" {
		if prop, err := s.opts.Submissions.Get(ctx, pr, conf, inv.ProposalID); err == nil {
			if _, ok := prop.PresenterOf(pr.UserID); ok {
				out.CannotAcceptReason = "You already present this proposal: there is nothing to accept. The invitation is for the person it was sent to."
			}
		}
	}
	out.CanAccept = out.CannotAcceptReason == ""
	return c.JSON(http.StatusOK, out)
}

type apiInvitationAnswer struct {
	Conference string `json:"conference"`
	ProposalID int64  `json:"proposal_id"`
	Title      string `json:"title"`
	Status     string `json:"status"`
}

// apiInvitationAnswer accepts or declines an invitation by its secret.
func (s *Server) apiInvitationAnswer(accept bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		inv, err := s.opts.Submissions.AnswerInvitation(c.Request().Context(), principal(c), c.Param("token"), accept)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, apiInvitationAnswer{Conference: inv.ConferenceSlug, ProposalID: inv.ProposalID,
			Title: inv.ProposalTitle, Status: string(inv.Presenter.Status)})
	}
}

type apiProposalPage struct {
	Total     int           `json:"total"`
	Limit     int           `json:"limit"`
	Offset    int           `json:"offset"`
	Proposals []apiProposal `json:"proposals"`
}

// apiProposalFilter reads the filter of the API's list of proposals (and its CSV export) from the
// query string; a number out of range is a field error naming the parameter. Without paged (the
// export, which has every match) limit and offset are not read.
func apiProposalFilter(c echo.Context, paged bool) (submission.Filter, error) {
	var fe apperr.Fields
	num := func(name string, def, minv, maxv int) int {
		v := c.QueryParam(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < minv || n > maxv {
			fe.Add(name, fmt.Sprintf("Give a whole number from %d to %d.", minv, maxv))
			return def // said; the rest of the filter is checked without it
		}
		return n
	}
	f := submission.Filter{Status: submission.Status(c.QueryParam("status")), Query: c.QueryParam("q"), Sort: c.QueryParam("sort"),
		Presenter: strings.TrimSpace(c.QueryParam("presenter")),
		FormatID:  int64(num("format", 0, 0, 1<<31-1)), TrackID: int64(num("track", 0, 0, 1<<31-1))}
	if paged {
		f.Limit, f.Offset = num("limit", 100, 1, 1000), num("offset", 0, 0, 1<<31-1)
	}
	checkTextFilters(&fe, f)
	if err := fe.Err(); err != nil {
		return f, joinFieldErrors(err, submission.CheckFilter(f))
	}
	return f, nil
}

// apiManageProposals lists, filters and searches every proposal, for organizers.
func (s *Server) apiManageProposals(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	f, err := apiProposalFilter(c, true)
	if _, oerr := s.narrowToOverruns(c, conf, c.QueryParam("over"), &f); oerr != nil {
		err = joinFieldErrors(oerr, err)
	}
	if err != nil {
		return err
	}
	page, err := s.opts.Submissions.List(c.Request().Context(), principal(c), conf, f)
	if err != nil {
		return err
	}
	out := apiProposalPage{Total: page.Total, Limit: f.Limit, Offset: f.Offset, Proposals: make([]apiProposal, len(page.Proposals))}
	for i, p := range page.Proposals {
		if out.Proposals[i], err = s.apiProposalOut(c, p); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, out)
}
