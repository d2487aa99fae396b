package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

type accountPage struct {
	base
	Account account.User
	// PendingEmail is a change of address waiting to be confirmed from its mailed link, or nil.
	PendingEmail *account.EmailChange
	// Registrations are the account's conference registrations.
	Registrations []registration.UserRegistration
	// Invitations are invitations to review sent to the account's address, not yet answered.
	Invitations []review.Invitation
	// Presenting is the account's proposals, by conference.
	Presenting []submission.Presenting
}

func (s *Server) accountShow(c echo.Context) error {
	u, _ := currentUser(c)
	p := accountPage{base: s.base(c, "Your account"), Account: u}
	var err error
	if p.PendingEmail, err = s.opts.Accounts.PendingEmailChange(c.Request().Context(), u); err != nil {
		return err
	}
	if p.Registrations, err = s.opts.Registrations.ForAccount(c.Request().Context(), *regAccount(c)); err != nil {
		return err
	}
	if p.Invitations, err = s.opts.Reviews.OpenInvitations(c.Request().Context(), principal(c)); err != nil {
		return err
	}
	if p.Presenting, err = s.opts.Submissions.Presenting(c.Request().Context(), principal(c)); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "account", &p)
}

type tokenForm struct {
	Name          string `form:"name" validate:"max=100"`
	ExpiresInDays string `form:"expires_in_days" validate:"max=4"`
}

type tokensPage struct {
	base
	Tokens   []account.APIToken
	Form     tokenForm
	NewToken *account.NewAPIToken
}

func (s *Server) tokensPage(c echo.Context) (tokensPage, error) {
	u, _ := currentUser(c)
	p := tokensPage{base: s.base(c, "API tokens"), Form: tokenForm{ExpiresInDays: "90"}}
	var err error
	p.Tokens, err = s.opts.Accounts.APITokens(c.Request().Context(), u)
	return p, err
}

func (s *Server) tokensShow(c echo.Context) error {
	p, err := s.tokensPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "tokens", &p)
}

// parseDays reads an optional lifetime in days; empty means no expiry.
func parseDays(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 366 {
		return 0, apperr.Field("expires_in_days", "Enter a number of days from 1 to 366, or leave it empty for a token that does not expire.")
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

// tokenCreate makes a token and shows its secret once, on this answer only.
func (s *Server) tokenCreate(c echo.Context) error {
	p, err := s.tokensPage(c)
	if err != nil {
		return err
	}
	var f tokenForm
	err = s.bindForm(c, &f)
	p.Form = f
	var ttl time.Duration
	if err == nil {
		ttl, err = parseDays(f.ExpiresInDays)
	}
	if err == nil {
		err = s.allow(c, "token-ip", c.RealIP())
	}
	var t account.NewAPIToken
	if err == nil {
		u, _ := currentUser(c)
		t, err = s.opts.Accounts.CreateAPIToken(c.Request().Context(), u, f.Name, ttl)
	}
	if err != nil {
		return s.renderForm(c, "tokens", &p, err)
	}
	p.NewToken = &t
	p.Tokens = append([]account.APIToken{t.APIToken}, p.Tokens...)
	p.Form = tokenForm{ExpiresInDays: "90"}
	return s.render(c, http.StatusCreated, "tokens", &p)
}

func (s *Server) tokenRevoke(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return apperr.New(apperr.NotFound, "You have no such API token.")
	}
	u, _ := currentUser(c)
	if err := s.opts.Accounts.RevokeAPIToken(c.Request().Context(), u, id); err != nil {
		return err
	}
	s.flash(c, "The token is revoked. Programs that used it can no longer reach the API.")
	return c.Redirect(http.StatusSeeOther, "/account/tokens")
}
