package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
)

// The organizers' API for the call: its settings, tracks, formats with their fields, extensions and
// access links. Every handler goes through the cfp service, which checks the policy again.

// apiCallRequest is the call's settings as the API changes them.
type apiCallRequest struct {
	Version      *int    `json:"version" validate:"omitnil,min=0"`
	OpensAt      string  `json:"opens_at" validate:"max=40"`
	ClosesAt     string  `json:"closes_at" validate:"max=40"`
	ContactEmail *string `json:"contact_email" validate:"omitempty,max=254"`
	IntroMD      *string `json:"intro_md"`
	GuideMD      *string `json:"guide_md"`
	FAQMD        *string `json:"faq_md"`
}

// change is the call the request makes of old. A page or the contact address left out keeps what
// the call has, as stored at the version the client read: a client that moves the deadline does not
// empty the guide. (A change since that version is refused all the same.)
func (r apiCallRequest) change(old cfp.Call) cfp.CallInput {
	in := cfp.CallInput{Opens: r.OpensAt, Closes: r.ClosesAt, ContactEmail: old.ContactEmail, IntroMD: old.IntroMD,
		GuideMD: old.GuideMD, FAQMD: old.FAQMD}
	for _, x := range []struct {
		from *string
		to   *string
	}{{r.ContactEmail, &in.ContactEmail}, {r.IntroMD, &in.IntroMD}, {r.GuideMD, &in.GuideMD}, {r.FAQMD, &in.FAQMD}} {
		if x.from != nil {
			*x.to = *x.from
		}
	}
	return in
}

// apiCallSave creates or changes the call; "version" is the version read (0 to create). A version left
// out, or 0 for a call that exists, is a mistake of the request (422 on version); a version older than
// the call's is a change made meanwhile (409). Either is the call (200) when the call is already as
// the request would make it: the same request sent again, or twice at once.
func (s *Server) apiCallSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiCallRequest
	ctx := c.Request().Context()
	check := func(req apiCallRequest) error { return s.opts.Calls.CheckCall(ctx, principal(c), conf, req.change) }
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, check)
	}
	if req.Version == nil {
		return joinFieldErrors(apperr.Field("version", "Send the version of the call you read, or 0 to create the call."), check(req))
	}
	version := *req.Version
	_, err = s.opts.Calls.Call(ctx, conf)
	existed := err == nil
	if _, err := s.opts.Calls.SaveCallFrom(ctx, principal(c), conf, version, req.change); err != nil {
		if version == 0 && existed {
			return joinFieldErrors(apperr.Field("version", "This conference already has a call: send the version of it you read to change it."), check(req))
		}
		if now, cerr := s.opts.Calls.Call(ctx, conf); apperr.Is(err, apperr.Conflict) && cerr == nil && now.Version != version {
			if version == 0 {
				return &apperr.Error{Code: apperr.Conflict, Message: "Someone created this conference's call meanwhile. Read it, and send your change with its version.",
					Fields: []apperr.FieldError{{Field: "version", Message: fmt.Sprintf("The call is at version %d now.", now.Version)}}, Err: err}
			}
			if version > now.Version {
				return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("The call has never been at version %d: it is at version %d. Read it, and send your change with its version.", version, now.Version),
					Fields: []apperr.FieldError{{Field: "version", Message: fmt.Sprintf("The call is at version %d now.", now.Version)}}, Err: err}
			}
			return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("The call changed since version %d, which you read: someone saved version %d meanwhile. "+
				"Read it again, and send your change with its version to replace theirs.", version, now.Version),
				Fields: []apperr.FieldError{{Field: "version", Message: fmt.Sprintf("The call is at version %d now.", now.Version)}}, Err: err}
		}
		return err
	}
	return s.apiCallShow(c)
}

func trackID(c echo.Context) (int64, error) {
	return pathID(c, "id", "There is no such track in this call.")
}

// apiTrackCreate adds a track. An Idempotency-Key header makes a repeated request answer with the
// track the first one made.
func (s *Server) apiTrackCreate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req trackForm
	if err := s.bindJSON(c, &req); err != nil {
		return s.alsoCheckedTrack(c, conf, err, req)
	}
	if req.ClientKey, err = idempotencyKey(c); err != nil {
		return err
	}
	t, err := s.opts.Calls.CreateTrack(c.Request().Context(), principal(c), conf, cfp.TrackInput(req))
	if err != nil {
		return keyUsedByAnother(err, req.ClientKey, "track", t.ID)
	}
	return c.JSON(http.StatusCreated, toAPITrack(t))
}

func (s *Server) apiTrackUpdate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := trackID(c)
	if err != nil {
		return err
	}
	var req trackForm
	if err := s.bindJSON(c, &req); err != nil {
		return s.alsoCheckedTrack(c, conf, err, req)
	}
	t, err := s.opts.Calls.UpdateTrack(c.Request().Context(), principal(c), conf, id, cfp.TrackInput(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPITrack(t))
}

// alsoCheckedTrack is alsoChecked for a track.
func (s *Server) alsoCheckedTrack(c echo.Context, conf conference.Conference, err error, req trackForm) error {
	return alsoChecked(err, req, func(req trackForm) error {
		return s.opts.Calls.CheckTrack(c.Request().Context(), principal(c), conf, cfp.TrackInput(req))
	})
}

func (s *Server) apiTrackDelete(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := trackID(c)
	if err != nil {
		return err
	}
	if err := s.opts.Calls.DeleteTrack(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiFormatRequest is a format with its fields, as the API takes it.
type apiFormatRequest struct {
	Name             string           `json:"name" validate:"max=400"`
	Description      *string          `json:"description" validate:"omitempty,max=8000"`
	DurationMinutes  int              `json:"duration_minutes"`
	MaxPresenters    int              `json:"max_presenters"`
	AbstractMaxWords int              `json:"abstract_max_words"`
	Accepting        *bool            `json:"accepting"`
	Fields           *[]apiQuestionIn `json:"fields"`
	Version          int              `json:"version" validate:"min=0"`
}

// apiQuestionIn is one field of a format; "id" may be left out of a new field.
type apiQuestionIn struct {
	ID       string   `json:"id" validate:"max=100"`
	Label    string   `json:"label" validate:"max=1000"`
	Help     string   `json:"help" validate:"max=4000"`
	Kind     string   `json:"kind" validate:"max=40"`
	Required bool     `json:"required"`
	Options  []string `json:"options" validate:"max=100,dive,max=1000"`
	MaxWords int      `json:"max_words"`
}

// input is the format as sent; a question sent without an id gets one made from its label, other
// than reserved (the ids of questions the format no longer asks, whose answers it would take).
func (r apiFormatRequest) input(reserved ...string) cfp.FormatInput {
	in := cfp.FormatInput{Name: r.Name, DurationMinutes: r.DurationMinutes, MaxPresenters: r.MaxPresenters,
		AbstractMaxWords: r.AbstractMaxWords, Accepting: r.Accepting == nil || *r.Accepting}
	if r.Description != nil {
		in.Description = *r.Description
	}
	if r.Fields != nil {
		in.Fields = questionsIn(*r.Fields, reserved)
	}
	return in
}

// change is the format the request makes of old, as stored. What is left out keeps its value (the
// fields, in UpdateFormat): a change of the name does not reopen a closed format or empty its
// description.
func (r apiFormatRequest) change(old cfp.Format) cfp.FormatInput {
	in := r.input(questionIDs(old.Retired)...)
	if r.Description == nil {
		in.Description = old.Description
	}
	if r.Accepting == nil {
		in.Accepting = old.Accepting
	}
	return in
}

// questionsIn turns questions sent to the API into the domain's, giving those sent without an id
// one made from the label, other than those sent and reserved.
func questionsIn(qs []apiQuestionIn, reserved []string) []question.Question {
	out := make([]question.Question, 0, len(qs))
	taken := slices.Clone(reserved)
	for _, q := range qs {
		if q.ID != "" {
			taken = append(taken, q.ID)
		}
	}
	for _, q := range qs {
		id := q.ID
		if id == "" {
			id = question.NewID(q.Label, taken)
			taken = append(taken, id)
		}
		out = append(out, question.Question{ID: id, Label: q.Label, Help: q.Help, Kind: question.Kind(q.Kind),
			Required: q.Required, Options: q.Options, MaxWords: q.MaxWords})
	}
	return out
}

// questionIDs are the ids of qs.
func questionIDs(qs []question.Question) []string {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return ids
}

func formatID(c echo.Context) (int64, error) {
	return pathID(c, "id", "There is no such format in this call.")
}

func (s *Server) apiFormats(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Calls.Formats(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	out := struct {
		Formats []apiFormat `json:"formats"`
	}{Formats: make([]apiFormat, len(list))}
	for i, f := range list {
		out.Formats[i] = toAPIManagedFormat(f)
	}
	return c.JSON(http.StatusOK, out)
}

// apiFormatCreate adds a format. An Idempotency-Key header makes a repeated request answer with the
// format the first one made.
func (s *Server) apiFormatCreate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiFormatRequest
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, func(req apiFormatRequest) error {
			return s.opts.Calls.CheckFormat(c.Request().Context(), principal(c), conf, 0, func(cfp.Format) cfp.FormatInput { return req.input() })
		})
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	in := req.input()
	in.ClientKey = key
	f, err := s.opts.Calls.CreateFormat(c.Request().Context(), principal(c), conf, in)
	if err != nil {
		return keyUsedByAnother(err, key, "format", f.ID)
	}
	return c.JSON(http.StatusCreated, toAPIManagedFormat(f))
}

// apiFormatUpdate replaces a format read at "version"; without "fields" its fields stay.
func (s *Server) apiFormatUpdate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := formatID(c)
	if err != nil {
		return err
	}
	var req apiFormatRequest
	check := func(req apiFormatRequest) error {
		return s.opts.Calls.CheckFormat(c.Request().Context(), principal(c), conf, id, req.change)
	}
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, check)
	}
	if req.Version == 0 {
		return joinFieldErrors(apperr.Field("version", "Send the version of the format you edited."), check(req))
	}
	f, err := s.opts.Calls.UpdateFormatFrom(c.Request().Context(), principal(c), conf, id, req.Version, req.change)
	if err != nil {
		return err
	}
	out := apiFormatSaved{apiFormat: toAPIManagedFormat(f)}
	if m := s.crowdedMessage(c, conf, f); m != "" {
		out.Warnings = append(out.Warnings, apiWarning{Field: "max_presenters", Detail: m})
	}
	overruns := s.overruns(c, conf, f)
	for _, w := range []struct {
		field string
		keep  func(cfp.Overrun) bool
	}{
		{"abstract_max_words", func(o cfp.Overrun) bool { return o.Field == "abstract" }},
		{"fields", func(o cfp.Overrun) bool { return o.Field != "abstract" }},
	} {
		kept := slices.DeleteFunc(slices.Clone(overruns), func(o cfp.Overrun) bool { return !w.keep(o) })
		if m := cfp.OverrunMessage(f, kept); m != "" {
			ids := []int64{}
			for _, x := range cfp.OverrunProposals(kept) {
				ids = append(ids, x.ID)
			}
			out.Warnings = append(out.Warnings, apiWarning{Field: w.field, Detail: m, Proposals: ids})
		}
	}
	return c.JSON(http.StatusOK, out)
}

// apiFormatSaved is a format as a change of it answers: with warnings about what the change means
// for proposals already made (those with more presenters than it now allows).
type apiFormatSaved struct {
	apiFormat
	Warnings []apiWarning `json:"warnings,omitempty"`
}

func (s *Server) apiFormatDelete(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := formatID(c)
	if err != nil {
		return err
	}
	if err := s.opts.Calls.DeleteFormat(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type apiExtension struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Until  string `json:"until"`
	Reason string `json:"reason"`
	// Made and Presents: see cfp.Extension (listing only).
	Made     *int `json:"made,omitempty"`
	Presents *int `json:"presents,omitempty"`
}

func (s *Server) apiExtensions(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Calls.Extensions(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Extensions []apiExtension `json:"extensions"`
	}{Extensions: make([]apiExtension, len(list))}
	for i, e := range list {
		out.Extensions[i] = apiExtension{ID: e.ID, Name: e.UserName, Email: e.UserEmail, Until: stampIn(e.Until, conf.Location()), Reason: e.Reason,
			Made: &e.Made, Presents: &e.Presents}
	}
	return c.JSON(http.StatusOK, out)
}

// apiGrantRequest is an extension granted to the person with the address.
type apiGrantRequest struct {
	Email  string `json:"email" validate:"max=254"`
	Until  string `json:"until" validate:"max=40"`
	Reason string `json:"reason" validate:"max=1000"`
}

func (s *Server) apiExtensionGrant(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiGrantRequest
	ctx := c.Request().Context()
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, func(req apiGrantRequest) error {
			return s.opts.Calls.CheckGrantExtension(ctx, principal(c), conf, req.Email, req.Until, req.Reason)
		})
	}
	e, err := s.opts.Calls.GrantExtension(ctx, principal(c), conf, req.Email, req.Until, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiExtension{ID: e.ID, Name: e.UserName, Email: e.UserEmail, Until: stampIn(e.Until, conf.Location()), Reason: e.Reason})
}

func (s *Server) apiExtensionRevoke(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	if _, err := s.opts.Calls.RevokeExtension(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type apiAccessLink struct {
	ID        int64   `json:"id"`
	Label     string  `json:"label"`
	ExpiresAt string  `json:"expires_at"`
	MaxUses   int     `json:"max_uses"`
	Uses      int     `json:"uses"`
	Revoked   bool    `json:"revoked"`
	Holding   int     `json:"holding"`
	FormatIDs []int64 `json:"format_ids"`
	URL       *string `json:"url,omitempty"`
}

func toAPIAccessLink(l cfp.AccessLink, conf conference.Conference) apiAccessLink {
	ids := l.FormatIDs
	if ids == nil {
		ids = []int64{}
	}
	return apiAccessLink{ID: l.ID, Label: l.Label, ExpiresAt: stampIn(l.ExpiresAt, conf.Location()), MaxUses: l.MaxUses, Uses: l.Uses,
		Revoked: l.RevokedAt != nil, Holding: l.Holding, FormatIDs: ids}
}

func (s *Server) apiAccessLinks(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Calls.AccessLinks(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Links []apiAccessLink `json:"links"`
	}{Links: make([]apiAccessLink, len(list))}
	for i, l := range list {
		out.Links[i] = toAPIAccessLink(l, conf)
	}
	return c.JSON(http.StatusOK, out)
}

// apiLinkRequest is a new access link.
type apiLinkRequest struct {
	Label     string  `json:"label" validate:"max=400"`
	ExpiresAt string  `json:"expires_at" validate:"max=40"`
	MaxUses   int     `json:"max_uses"`
	FormatIDs []int64 `json:"format_ids" validate:"max=100"`
}

func (r apiLinkRequest) input() cfp.AccessLinkInput {
	return cfp.AccessLinkInput{Label: r.Label, ExpiresAt: r.ExpiresAt, MaxUses: r.MaxUses, FormatIDs: r.FormatIDs}
}

// apiAccessLinkCreate makes a link; its "url" is in this answer only, and in the answer to a repeated
// request with the same Idempotency-Key header, which makes no other link.
func (s *Server) apiAccessLinkCreate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiLinkRequest
	ctx := c.Request().Context()
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, func(req apiLinkRequest) error {
			return s.opts.Calls.CheckNewAccessLink(ctx, principal(c), conf, req.input())
		})
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	in := req.input()
	in.ClientKey = key
	l, err := s.opts.Calls.CreateAccessLink(ctx, principal(c), conf, in)
	if err != nil {
		return keyUsedByAnother(err, key, "link", l.ID)
	}
	out := toAPIAccessLink(l.AccessLink, conf)
	out.URL = &l.URL
	return c.JSON(http.StatusCreated, out)
}

// apiAccessLinkRevoke withdraws a link; with proposals=end it also ends the time it gave the
// proposals started through it (a link already withdrawn may be asked that alone).
func (s *Server) apiAccessLinkRevoke(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	var end bool
	switch c.QueryParam("proposals") {
	case "", "keep":
	case "end":
		end = true
	default:
		return apperr.Field("proposals", "Say keep (the proposals started with the link keep its deadline) or end (they have the call's again).")
	}
	w, err := s.opts.Calls.WithdrawAccessLink(c.Request().Context(), principal(c), conf, id, end)
	if err != nil {
		return err
	}
	if w.Link.RevokedAt != nil && !end {
		return apperr.New(apperr.NotFound, "There is no such link, or it is already withdrawn.")
	}
	return c.NoContent(http.StatusNoContent)
}

// apiDeadlineRequest is a proposal's own deadline, "" to remove it.
type apiDeadlineRequest struct {
	Until *string `json:"until" validate:"omitempty,max=40"`
}

// apiProposalDeadline sets or removes one proposal's own deadline.
func (s *Server) apiProposalDeadline(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiDeadlineRequest
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, func(req apiDeadlineRequest) error {
			if req.Until == nil {
				return nil
			}
			return s.opts.Submissions.CheckExtend(c.Request().Context(), principal(c), conf, *req.Until)
		})
	}
	// Required: a body without it must not read as taking the deadline away.
	if req.Until == nil {
		return apperr.Field("until", `Give the proposal's own deadline, e.g. "2027-07-07T23:59", or "" to remove it.`)
	}
	p, _, err := s.opts.Submissions.Extend(c.Request().Context(), principal(c), conf, id, *req.Until)
	if err != nil {
		return err
	}
	out, err := s.apiProposalOut(c, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiMoveRequest moves a track or a format one place up or down its list.
type apiMoveRequest struct {
	Direction string `json:"direction"`
}

// apiMoveDelta reads an apiMoveRequest: -1 up, +1 down.
func (s *Server) apiMoveDelta(c echo.Context) (int, error) {
	var req apiMoveRequest
	if err := s.bindJSON(c, &req); err != nil {
		return 0, err
	}
	switch req.Direction {
	case "up":
		return -1, nil
	case "down":
		return 1, nil
	}
	return 0, apperr.Field("direction", `Give "up" or "down".`)
}

func (s *Server) apiTracks(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Calls.Tracks(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	out := struct {
		Tracks []apiTrack `json:"tracks"`
	}{Tracks: make([]apiTrack, len(list))}
	for i, t := range list {
		out.Tracks[i] = toAPITrack(t)
	}
	return c.JSON(http.StatusOK, out)
}

// mover moves an item of the call (a track, a format) one place up (-1) or down (+1) its list.
type mover func(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, delta int) error

// apiMove moves the item whose id the path gives (read by id) one place, and answers with list:
// the items in their new order.
func (s *Server) apiMove(id func(echo.Context) (int64, error), move mover, list echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		conf, err := s.loadConference(c)
		if err != nil {
			return err
		}
		item, err := id(c)
		if err != nil {
			return err
		}
		delta, err := s.apiMoveDelta(c)
		if err != nil {
			return err
		}
		if err := move(c.Request().Context(), principal(c), conf, item, delta); err != nil {
			return err
		}
		return list(c)
	}
}

// idempotencyKey reads the Idempotency-Key header of a create: a key of the client's, one per new
// thing, that makes a repeated request (a retry, the same request sent twice at once) answer with
// what the first one made instead of making another.
func idempotencyKey(c echo.Context) (string, error) {
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > apperr.MaxClientKey || !storable(key) {
		return "", apperr.New(apperr.Malformed, fmt.Sprintf("The Idempotency-Key header must be at most %d characters of text.", apperr.MaxClientKey))
	}
	return key, nil
}

// keyUsedByAnother words for the API the refusal of a create whose Idempotency-Key made something
// else before (what, with its id): a mistake of the client's, as for proposals. Other errors are
// returned as they are.
func keyUsedByAnother(err error, key, what string, id int64) error {
	if !errors.Is(err, cfp.ErrKeyUsed) {
		return err
	}
	return apperr.Newf(apperr.Invalid, "The Idempotency-Key %q was used for another request, which made the %s %d. "+
		"Send a new key for a new %s, or this request's first body to have that %s again.", key, what, id, what, what)
}
