package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/submission"
)

type invitationPage struct {
	base
	Invitation submission.Invitation
	Token      string
	// Presents: the person logged in presents the proposal already (its owner opening the link,
	// say), so there is nothing to accept.
	Presents bool
}

// invitationShow is where a co-presenter's emailed link leads: who invites them to what, and the
// way to accept (after logging in or creating an account) or decline.
func (s *Server) invitationShow(c echo.Context) error {
	inv, err := s.opts.Submissions.Invitation(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	// The link's secret must not travel on to other sites in a Referer header.
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	p := invitationPage{base: s.base(c, "Invitation to co-present"), Invitation: inv, Token: c.Param("token")}
	if pr := principal(c); pr != nil {
		conf := conference.Conference{ID: inv.ConferenceID, Slug: inv.ConferenceSlug}
		if prop, err := s.opts.Submissions.Get(c.Request().Context(), pr, conf, inv.ProposalID); err == nil {
			_, p.Presents = prop.PresenterOf(pr.UserID)
		}
	}
	return s.render(c, http.StatusOK, "invitation", &p)
}

type answerForm struct {
	Answer string `form:"answer" validate:"max=10"`
}

// invitationAnswer accepts or declines. After accepting, a co-presenter without a complete profile
// is asked to complete it, then returns to the proposal.
func (s *Server) invitationAnswer(c echo.Context) error {
	var f answerForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	if f.Answer != "accept" && f.Answer != "decline" {
		return apperr.New(apperr.Malformed, "Choose to accept or decline the invitation.")
	}
	inv, err := s.opts.Submissions.AnswerInvitation(c.Request().Context(), principal(c), c.Param("token"), f.Answer == "accept")
	if err != nil {
		return err
	}
	conf := conference.Conference{Slug: inv.ConferenceSlug}
	if f.Answer == "decline" {
		s.flash(c, "You declined the invitation. "+inv.InvitedByName+" is told by email.")
		return c.Redirect(http.StatusSeeOther, "/c/"+inv.ConferenceSlug)
	}
	next := proposalURL(conf, inv.ProposalID)
	if u, ok := currentUser(c); ok && len(u.Profile.Missing()) > 0 {
		s.flash(c, "You now co-present “"+inv.ProposalTitle+"”. Please complete your profile: it is shown with the proposal if it is accepted.")
		return c.Redirect(http.StatusSeeOther, "/account/profile?next="+next)
	}
	s.flash(c, "You now co-present “"+inv.ProposalTitle+"”.")
	return c.Redirect(http.StatusSeeOther, next)
}
