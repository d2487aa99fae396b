package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

// proposalPage shows one proposal to its presenters and organizers: its status at a glance, what
// stands before submitting it, the content, the presenters and the history.
type proposalPage struct {
	confBase
	Proposal  submission.Proposal
	Format    cfp.Format
	Track     string
	Copy      []submission.FieldCopy
	Deadline  time.Time
	Editable  bool
	Presenter bool // the viewer presents it
	Owner     bool // the viewer made it
	// Restorable: withdrawn, it can be made a draft again (by its owner), before its deadline.
	Restorable bool
	Problems   []apperr.FieldError
	// SubmitRefused: a submit was just refused, and the error summary lists the problems (not the
	// list of what to do before submitting as well).
	SubmitRefused bool
	Warnings      []submission.Warning
	// Revisions is the saved versions, newest first, each with its texts.
	Revisions []revisionView
	Invite    inviteForm
	// Feedback is what the presenters may know of the review: the released decision and comments.
	Feedback review.Feedback
	// now is when the page is shown, for saying which invitations' links have expired.
	now time.Time
	// everSubmitted: a version of the proposal was submitted (submission.EverSubmitted).
	everSubmitted bool
}

// ProblemLink is where a problem is corrected: a field of the form, or the profile.
func (p *proposalPage) ProblemLink(field string) string {
	return problemLink(p.Conference, p.Proposal.ID, field, false)
}

// problemLink is where a problem that keeps a proposal from being submitted is corrected: the
// profile, the presenters on the proposal's page, or a field of its form (on this page when onForm).
func problemLink(conf conference.Conference, id int64, field string, onForm bool) string {
	switch {
	case strings.HasPrefix(field, "profile."):
		return "/account/profile?next=" + proposalURL(conf, id)
	case field == "presenters" || field == "owner":
		return proposalURL(conf, id) + "#presenters"
	case onForm:
		return "#" + field
	}
	return proposalURL(conf, id) + "/edit#" + field
}

// oneProfileProblem gives the person's own profile's missing fields ("profile.<field>", one problem
// each, as the API names them) as one problem: they are completed in one place, by one link.
func oneProfileProblem(fs []apperr.FieldError) []apperr.FieldError {
	var missing []string
	first := -1
	out := make([]apperr.FieldError, 0, len(fs))
	for _, x := range fs {
		if m, ok := strings.CutPrefix(x.Field, "profile."); ok {
			missing = append(missing, m)
			if first < 0 {
				first = len(out)
				out = append(out, x)
			}
			continue
		}
		out = append(out, x)
	}
	if len(missing) > 1 {
		out[first].Message = submission.ProfileMissing(missing)
	}
	return out
}

// withOneProfileProblem is ae with the profile's problems as one (oneProfileProblem).
func withOneProfileProblem(ae *apperr.Error) *apperr.Error {
	one := *ae
	one.Fields = oneProfileProblem(ae.Fields)
	return &one
}

// submitProblem is the summary of a refused submit whose problems the summary lists, each linked
// to where it is corrected: on the form (onForm), the fields of this page are highlighted and
// counted as such; on the proposal's page nothing is, and each problem is a link to its place.
func submitProblem(problems []apperr.FieldError, onForm bool) string {
	if !onForm {
		if len(problems) == 1 {
			return "The proposal cannot be submitted yet: one thing stands in the way. Follow its link below to where it is corrected."
		}
		return fmt.Sprintf("The proposal cannot be submitted yet: %d things stand in the way. Each links below to where it is corrected.", len(problems))
	}
	return "Your changes are saved as a draft, but the proposal cannot be submitted yet. " + formFixes(problems)
}

// formFixes says, on the proposal's form, what to do about the problems that keep it from being
// submitted: correct the fields highlighted on the form, and follow the summary's links for the
// others (a profile, the presenters).
func formFixes(problems []apperr.FieldError) string {
	var here, elsewhere int
	for _, x := range problems {
		if strings.HasPrefix(problemLink(conference.Conference{}, 0, x.Field, true), "#") {
			here++
		} else {
			elsewhere++
		}
	}
	fields := "the highlighted field"
	if here > 1 {
		fields = fmt.Sprintf("the %d highlighted fields", here)
	}
	switch {
	case elsewhere == 0:
		return "Please correct " + fields + " before submitting."
	case here == 0 && elsewhere == 1:
		return "Follow the link below to where it is corrected."
	case here == 0:
		return fmt.Sprintf("Follow the %d links below to where each is corrected.", elsewhere)
	case elsewhere == 1:
		return "Please correct " + fields + ", and follow the last link below for the other problem."
	}
	return fmt.Sprintf("Please correct %s, and follow the last %d links below for the other problems.", fields, elsewhere)
}

// Full says the proposal has as many presenters as its format allows, invitations included, so that
// the invitation form gives way to what to do instead; a refused form is still shown with what was
// typed.
func (p *proposalPage) Full() bool {
	return len(p.Proposal.Presenting()) >= p.Format.MaxPresenters && p.Invite.Name == "" && p.Invite.Email == ""
}

// Over is how many presenters the proposal has beyond what its format allows (invitations
// included): organizers may have lowered the limit after they joined.
func (p *proposalPage) Over() int {
	return max(0, len(p.Proposal.Presenting())-p.Format.MaxPresenters)
}

// inviteForm invites a co-presenter. ClientKey is the form's key, one per form shown, that sends the
// invitation once however often the form is sent (the API's is its Idempotency-Key).
type inviteForm struct {
	Name      string `form:"name" validate:"max=400"`
	Email     string `form:"email" validate:"max=254"`
	ClientKey string `form:"client_key" validate:"max=100"`
}

func (s *Server) proposalPage(c echo.Context) (proposalPage, error) {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return proposalPage{}, err
	}
	ctx := c.Request().Context()
	p := proposalPage{confBase: s.confBase(c, conf, prop.TitleIn(conf.Location())+" · "+conf.Name, ""), Proposal: prop,
		Presenter: isPresenter(c, prop), Invite: inviteForm{ClientKey: newClientKey()}, now: s.opts.Calls.Now()}
	if me, ok := prop.PresenterOf(principal(c).UserID); ok {
		p.Owner = me.IsOwner
	}
	if p.Format, err = s.opts.Calls.Format(ctx, conf, prop.FormatID); err != nil {
		return p, err
	}
	tracks, err := s.opts.Calls.Tracks(ctx, conf)
	if err != nil {
		return p, err
	}
	for _, t := range tracks {
		if prop.TrackID != nil && t.ID == *prop.TrackID {
			p.Track = t.Name
		}
	}
	p.Copy = submission.CopyAll(p.Format, prop.Answers)
	if p.Editable, p.Deadline, err = s.opts.Submissions.Editable(ctx, conf, prop); err != nil {
		return p, err
	}
	if prop.Status != submission.Withdrawn {
		if p.Problems, p.Warnings, err = s.opts.Submissions.Readiness(ctx, conf, prop, principal(c).UserID); err != nil {
			return p, err
		}
		p.Problems = oneProfileProblem(p.Problems)
	} else if p.Owner {
		if p.Restorable, err = s.opts.Submissions.Restorable(ctx, conf, prop); err != nil {
			return p, err
		}
	}
	if p.Presenter {
		if p.Feedback, err = s.opts.Reviews.Feedback(ctx, principal(c), conf, prop.ID); err != nil {
			return p, err
		}
	}
	revs, err := s.opts.Submissions.Revisions(ctx, principal(c), conf, prop.ID)
	if err != nil {
		return p, err
	}
	p.everSubmitted = submission.EverSubmitted(revs)
	p.Revisions, err = s.history(c, conf, revs)
	return p, err
}

func (s *Server) proposalShow(c echo.Context) error {
	p, err := s.proposalPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "proposal", &p)
}

// proposalSubmit submits a draft from its page. A second click changes nothing.
func (s *Server) proposalSubmit(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	var f struct {
		Version string `form:"version" validate:"max=10"`
	}
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	version, _ := strconv.Atoi(f.Version)
	wasSubmitted := prop.Status == submission.Submitted
	_, _, err = s.opts.Submissions.Submit(c.Request().Context(), principal(c), conf, prop.ID, version)
	if err != nil {
		ae, ok := apperr.As(err)
		stale := ok && ae.Code == apperr.Conflict && errors.As(err, new(*submission.StaleError))
		if !ok || ae.Code != apperr.Invalid && !stale {
			return err
		}
		p, perr := s.proposalPage(c)
		if perr != nil {
			return perr
		}
		ae = withOneProfileProblem(ae)
		p.setError(ae)
		p.Problem = submitProblem(ae.Fields, false)
		if stale {
			// Saved meanwhile (in another tab, by a co-presenter): the page shows the newer
			// version, and what would keep it from being submitted, before anyone submits it.
			p.Problem = "Someone saved this proposal after you opened this page, so it was not submitted. It is shown below as saved now: read it first."
			if len(ae.Fields) > 0 {
				p.Problem += " " + submitProblem(ae.Fields, false)
			} else {
				p.Problem += " Then submit it again."
			}
		}
		p.fieldHref = func(field string) string { return problemLink(conf, prop.ID, field, false) }
		p.SubmitRefused = len(ae.Fields) > 0
		return s.render(c, statusOf(ae.Code), "proposal", &p)
	}
	if !wasSubmitted {
		s.flash(c, "Your proposal is submitted. A receipt with a copy of it is on its way to you by email.")
	}
	return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID))
}

type withdrawPage struct {
	confBase
	Proposal submission.Proposal
}

// proposalWithdrawConfirm asks before withdrawing: it cannot be undone.
func (s *Server) proposalWithdrawConfirm(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	if prop.Status == submission.Withdrawn {
		return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID))
	}
	if me, ok := prop.PresenterOf(principal(c).UserID); ok && !me.IsOwner {
		// Not theirs to withdraw: say so before they confirm, and where they can leave instead.
		s.flash(c, "Only "+prop.Owner().Name+", who made the proposal, can withdraw it. You can leave it instead, from the list of presenters.")
		return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID)+"#presenters")
	}
	p := withdrawPage{confBase: s.confBase(c, conf, "Withdraw "+prop.TitleIn(conf.Location()), ""), Proposal: prop}
	return s.render(c, http.StatusOK, "proposal_withdraw", &p)
}

func (s *Server) proposalWithdraw(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	if _, err := s.opts.Submissions.Withdraw(c.Request().Context(), principal(c), conf, prop.ID); err != nil {
		return err
	}
	s.flash(c, "The proposal is withdrawn. It will not be reviewed.")
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/proposals")
}

// proposalDeleteConfirm asks before deleting a draft: it cannot be undone.
func (s *Server) proposalDeleteConfirm(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	p := withdrawPage{confBase: s.confBase(c, conf, "Delete "+prop.TitleIn(conf.Location()), ""), Proposal: prop}
	return s.render(c, http.StatusOK, "proposal_delete", &p)
}

func (s *Server) proposalDelete(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	if _, err := s.opts.Submissions.Delete(c.Request().Context(), principal(c), conf, prop.ID); err != nil {
		return err
	}
	s.flash(c, "The draft “"+prop.TitleIn(conf.Location())+"” is deleted.")
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/proposals")
}

// Deletable says the viewer may delete the proposal (submission.CanDelete), judged by the history
// the page shows.
func (p *proposalPage) Deletable() bool {
	return p.User != nil && submission.CanDelete(p.User.UserID, p.Proposal, p.everSubmitted)
}

// proposalRestore makes a withdrawn proposal a draft again.
func (s *Server) proposalRestore(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	if _, err := s.opts.Submissions.Restore(c.Request().Context(), principal(c), conf, prop.ID); err != nil {
		return err
	}
	s.flash(c, "The proposal is a draft again. It is not submitted: submit it before the deadline to have it reviewed.")
	return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID))
}

// presenterInvite invites a co-presenter from the proposal's page.
func (s *Server) presenterInvite(c echo.Context) error {
	p, err := s.proposalPage(c)
	if err != nil {
		return err
	}
	var f inviteForm
	err = s.bindForm(c, &f)
	shown := p.Invite.ClientKey
	p.Invite = f
	var x submission.Presenter
	if err == nil {
		// The same form sent twice (a double click) sends one invitation, and both answers say so.
		x, err = s.opts.Submissions.InviteOnce(c.Request().Context(), principal(c), p.Conference, p.Proposal.ID, f.Name, f.Email, f.ClientKey)
	}
	if errors.Is(err, apperr.ErrKeyUsed) || p.Invite.ClientKey == "" {
		// Sent again, changed, from a form that invited someone: sending it once more invites
		// them as well. (A form without a key, shown before forms had one, gets one now.)
		p.Invite.ClientKey = shown
	}
	if err != nil {
		return s.renderForm(c, "proposal", &p, err)
	}
	s.flash(c, "An invitation is on its way to "+x.Name+" at "+x.Email+".")
	return c.Redirect(http.StatusSeeOther, proposalURL(p.Conference, p.Proposal.ID)+"#presenters")
}

// presenterReinvite sends a pending invitation again from the proposal's page, with a fresh link:
// the first may have expired or been lost. It takes no new place, so the proposal may be full.
func (s *Server) presenterReinvite(c echo.Context) error {
	p, err := s.proposalPage(c)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(c.Param("pid"), 10, 64)
	if err != nil {
		return apperr.New(apperr.NotFound, "This person is not invited to present the proposal.")
	}
	var f reinviteForm
	var x submission.Presenter
	if err = s.bindForm(c, &f); err == nil {
		x, err = s.opts.Submissions.Reinvite(c.Request().Context(), principal(c), p.Conference, p.Proposal.ID, pid, f.ClientKey)
	}
	if err != nil {
		return s.renderForm(c, "proposal", &p, err)
	}
	msg := "The invitation is on its way to " + x.Name + " at " + x.Email + " again."
	if x.ExpiresAt != nil {
		msg += " Its new link works until " + inzone(*x.ExpiresAt, p.Conference.Location()) + "; the link sent before no longer does."
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, proposalURL(p.Conference, p.Proposal.ID)+"#presenters")
}

// reinviteForm is a "Send again" button's form. ClientKey, one per button shown (see
// proposalPage.AgainKey), sends the invitation again once however often the button is pressed.
type reinviteForm struct {
	ClientKey string `form:"client_key" validate:"max=100"`
}

// AgainKey is the client key of the "Send again" button of the presenter presenterID: the page's
// key, told apart by presenter, since each press sends one invitation.
func (p *proposalPage) AgainKey(presenterID int64) string {
	return p.Invite.ClientKey + "-" + strconv.FormatInt(presenterID, 10)
}

// Pending reports whether an invitation to co-present has no answer yet: its owner can send it
// again, even when the proposal is full.
func (p *proposalPage) Pending() bool {
	return slices.ContainsFunc(p.Proposal.Presenters, func(x submission.Presenter) bool { return x.Status == submission.Invited })
}

// Expired reports whether an invitation's link no longer works (at the time the page is shown).
func (p *proposalPage) Expired(t time.Time) bool { return p.now.After(t) }

// presenterRemovePage asks before a co-presenter is taken off, or leaves (Self).
type presenterRemovePage struct {
	confBase
	Proposal  submission.Proposal
	Presenter submission.Presenter
	Self      bool
}

// presenterRemoveConfirm asks before a co-presenter is taken off or leaves: the page works without
// the script, as the withdrawal's does. Who may not do it is sent back to the proposal.
func (s *Server) presenterRemoveConfirm(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	pid, _ := strconv.ParseInt(c.Param("pid"), 10, 64)
	var x submission.Presenter
	for _, y := range prop.Presenters {
		if y.ID == pid && !y.IsOwner {
			x = y
		}
	}
	me, presents := prop.PresenterOf(principal(c).UserID)
	self := x.ID != 0 && me.ID == x.ID
	editable, _, err := s.opts.Submissions.Editable(c.Request().Context(), conf, prop)
	if err != nil {
		return err
	}
	if x.ID == 0 || !presents || !self && !(me.IsOwner && editable) {
		return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID)+"#presenters")
	}
	title := "Remove " + x.Name
	if self {
		title = "Leave " + prop.TitleIn(conf.Location())
	}
	p := presenterRemovePage{confBase: s.confBase(c, conf, title, ""), Proposal: prop, Presenter: x, Self: self}
	return s.render(c, http.StatusOK, "presenter_remove", &p)
}

// presenterRemove takes a co-presenter off, or lets one leave.
func (s *Server) presenterRemove(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(c.Param("pid"), 10, 64)
	if err != nil {
		return apperr.New(apperr.NotFound, "This person is not a presenter of the proposal.")
	}
	me, _ := prop.PresenterOf(principal(c).UserID)
	if err := s.opts.Submissions.RemovePresenter(c.Request().Context(), principal(c), conf, prop.ID, pid); err != nil {
		return err
	}
	if me.ID == pid {
		s.flash(c, "You no longer present “"+prop.TitleIn(conf.Location())+"”.")
		return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/proposals")
	}
	s.flash(c, "The co-presenter is removed.")
	return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID)+"#presenters")
}

type myProposalsPage struct {
	confBase
	Proposals   []myProposal
	Invitations []submission.Invitation
	Call        callState
	HasCall     bool
}

// myProposal is a row of the dashboard: a proposal, with the deadline that applies to it and whether
// it can still be changed (Can; its zero value when the conference has no call).
type myProposal struct {
	submission.Proposal
	Can   submission.Standing
	Owned bool // the viewer made it (only they can restore it once withdrawn)
}

// myProposals is a submitter's dashboard: their proposals in the conference and their statuses.
func (s *Server) myProposals(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := myProposalsPage{confBase: s.confBase(c, conf, "Your proposals · "+conf.Name, "")}
	mine, err := s.opts.Submissions.Mine(ctx, principal(c), conf)
	if err != nil {
		return err
	}
	p.Proposals = make([]myProposal, len(mine))
	for i, prop := range mine {
		p.Proposals[i].Proposal, p.Proposals[i].Owned = prop, prop.OwnerID == principal(c).UserID
	}
	invs, err := s.opts.Submissions.Invitations(ctx, principal(c))
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.ConferenceID == conf.ID {
			p.Invitations = append(p.Invitations, inv)
		}
	}
	call, err := s.opts.Calls.Call(ctx, conf)
	switch {
	case err == nil:
		p.HasCall = true
		p.Call, err = s.callState(c, call)
		if err != nil {
			return err
		}
		standings, err := s.opts.Submissions.Standings(ctx, conf, mine)
		if err != nil {
			return err
		}
		for i := range p.Proposals {
			p.Proposals[i].Can = standings[i]
		}
		p.Call.seeProposals(mine, standings, conf.Location())
	case !apperr.Is(err, apperr.NotFound):
		return err
	}
	return s.render(c, http.StatusOK, "proposals_mine", &p)
}

type participationForm struct {
	Answer string `form:"answer" validate:"max=10"`
}

// proposalParticipation records whether an accepted proposal's presenters will take part.
func (s *Server) proposalParticipation(c echo.Context) error {
	conf, prop, err := s.loadProposal(c)
	if err != nil {
		return err
	}
	var f participationForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	if f.Answer != "confirm" && f.Answer != "decline" {
		return apperr.New(apperr.Malformed, "Choose to confirm or to decline.")
	}
	if err := s.opts.Reviews.Participate(c.Request().Context(), principal(c), conf, prop.ID, f.Answer == "confirm"); err != nil {
		return err
	}
	if f.Answer == "confirm" {
		s.flash(c, "Thank you: your participation is confirmed. The program will show your session once it is published.")
	} else {
		s.flash(c, "We are sorry you cannot present. The organizers are told.")
	}
	return c.Redirect(http.StatusSeeOther, proposalURL(conf, prop.ID))
}
