package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
)

type emailForm struct {
	Email    string `form:"email" validate:"max=254"`
	Password string `form:"password" validate:"max=1024"`
}

type emailPage struct {
	base
	Account account.User
	Pending *account.EmailChange
	Form    emailForm
}

func (s *Server) emailPage(c echo.Context) (emailPage, error) {
	u, _ := currentUser(c)
	p := emailPage{base: s.base(c, "Change your email address"), Account: u}
	var err error
	p.Pending, err = s.opts.Accounts.PendingEmailChange(c.Request().Context(), u)
	return p, err
}

func (s *Server) emailShow(c echo.Context) error {
	p, err := s.emailPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "account_email", &p)
}

// emailChange asks for a change of address after the person gives their password again, as at
// log-in and under the same limits: a session left open on a shared computer must not be enough to
// take the account away.
func (s *Server) emailChange(c echo.Context) error {
	p, err := s.emailPage(c)
	if err != nil {
		return err
	}
	var f emailForm
	err = s.bindForm(c, &f)
	p.Form = emailForm{Email: f.Email}
	if err == nil {
		err = s.allowEmailChange(c, p.Account, f.Email)
	}
	var to string
	if err == nil {
		to, err = s.opts.Accounts.RequestEmailChange(c.Request().Context(), p.Account, f.Email, f.Password)
	}
	if err != nil {
		return s.renderForm(c, "account_email", &p, err)
	}
	s.flash(c, "We have sent a link to "+to+". Open it to confirm the new address; until then, your account keeps using "+p.Account.Email+".")
	return c.Redirect(http.StatusSeeOther, "/account/email")
}

// allowEmailChange holds a request of u to change their address to newEmail to the limits of its
// password, those of log-in, and of the link it mails, those of other mailed links to one address.
func (s *Server) allowEmailChange(c echo.Context, u account.User, newEmail string) error {
	if err := s.allow(c, "login-ip", c.RealIP()); err != nil {
		return err
	}
	if err := s.allow(c, "login-account", u.Email); err != nil {
		return err
	}
	return s.allow(c, "reset-account", account.NormalizeEmail(newEmail))
}

// emailResend sends the link of the pending change again; the link before stops working.
func (s *Server) emailResend(c echo.Context) error {
	p, err := s.emailPage(c)
	if err != nil {
		return err
	}
	err = s.allow(c, "reset-ip", c.RealIP())
	if err == nil && p.Pending != nil {
		err = s.allow(c, "reset-account", p.Pending.NewEmail)
	}
	var to string
	if err == nil {
		to, err = s.opts.Accounts.ResendEmailChange(c.Request().Context(), p.Account)
	}
	if err != nil {
		return s.renderForm(c, "account_email", &p, err)
	}
	s.flash(c, "A new link is on its way to "+to+". The link sent before no longer works.")
	return c.Redirect(http.StatusSeeOther, "/account/email")
}

func (s *Server) emailCancel(c echo.Context) error {
	u, _ := currentUser(c)
	if err := s.opts.Accounts.CancelEmailChange(c.Request().Context(), u); err != nil {
		return err
	}
	s.flash(c, "The change of address is cancelled. Your account keeps using "+u.Email+", and the link we sent no longer works.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

type emailConfirmPage struct {
	base
	// Change is what the link confirms; nil when the link cannot be used (the error says why).
	Change *account.EmailChangeLink
	Token  string
}

type emailConfirmForm struct {
	Token string `form:"token" validate:"max=200"`
}

// emailConfirmShow is where the link mailed to the new address leads, in whichever browser it is
// opened, logged in or not: it says what the change is and asks for a press of its button. Opening
// the link changes nothing, since mail gateways that scan links open them before their reader does,
// and a mistyped address may be a stranger's, whose scanner would otherwise confirm it.
func (s *Server) emailConfirmShow(c echo.Context) error {
	// The link's secret must not travel on in a Referer header.
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	token := c.QueryParam("token")
	p := emailConfirmPage{base: s.base(c, "Confirm your new email address")}
	change, err := s.opts.Accounts.EmailChangeByLink(c.Request().Context(), token)
	if err != nil {
		err, _ = hiddenFieldError(err, "token")
		return s.renderForm(c, "email_confirm", &p, err)
	}
	if change.Done {
		// Confirmed already, here or in another browser: the link still lands well.
		return s.emailChanged(c, change.UserID, change.NewEmail)
	}
	p.Change, p.Token = &change, token
	return s.render(c, http.StatusOK, "email_confirm", &p)
}

// emailConfirm changes the address when the button of the link's page is pressed: the link alone
// proves the mailbox is the person's, logged in or not.
func (s *Server) emailConfirm(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	p := emailConfirmPage{base: s.base(c, "Confirm your new email address")}
	var f emailConfirmForm
	err := s.bindForm(c, &f)
	var u account.User
	if err == nil {
		u, err = s.opts.Accounts.ConfirmEmailChange(c.Request().Context(), f.Token)
	}
	if err != nil {
		err, _ = hiddenFieldError(err, "token")
		return s.renderForm(c, "email_confirm", &p, err)
	}
	return s.emailChanged(c, u.ID, u.Email)
}

// emailChanged leads on from a confirmed change of the account id's address to email: to the
// account page when this browser is logged in, to log-in otherwise.
func (s *Server) emailChanged(c echo.Context, id int64, email string) error {
	if me, ok := currentUser(c); ok {
		if me.ID == id {
			s.flash(c, "Your email address is now "+email+".")
		} else {
			s.flash(c, "That account's email address is now "+email+": log in with it. This browser is still logged in as "+me.Email+".")
		}
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	s.flash(c, "Your email address is now "+email+". Log in with it from now on.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// apiAccountEmail is the caller's address and the change of it waiting for confirmation, if any.
type apiAccountEmail struct {
	Email         string          `json:"email"`
	EmailVerified bool            `json:"email_verified"`
	Pending       *apiEmailChange `json:"pending"`
}

type apiEmailChange struct {
	NewEmail  string    `json:"new_email"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiEmailChangeRequest asks for a change of address. Its fields carry no rules of their own: the
// service checks both, lengths included, so that every error comes in one answer.
type apiEmailChangeRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) apiAccountEmailOf(c echo.Context, u account.User) (apiAccountEmail, error) {
	out := apiAccountEmail{Email: u.Email, EmailVerified: u.Verified()}
	pending, err := s.opts.Accounts.PendingEmailChange(c.Request().Context(), u)
	if pending != nil {
		out.Pending = &apiEmailChange{NewEmail: pending.NewEmail, ExpiresAt: pending.ExpiresAt}
	}
	return out, err
}

// apiEmailShow answers the caller's address and the change waiting for confirmation, if any.
func (s *Server) apiEmailShow(c echo.Context) error {
	u, _ := currentUser(c)
	out, err := s.apiAccountEmailOf(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiEmailChange asks for a change of address as the web form does (emailChange), with the password
// under the log-in limits; the change is confirmed from the link mailed to the new address, so the
// answer is 202 with the change waiting.
func (s *Server) apiEmailChange(c echo.Context) error {
	var req apiEmailChangeRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if err := s.allowEmailChange(c, u, req.Email); err != nil {
		return err
	}
	if _, err := s.opts.Accounts.RequestEmailChange(c.Request().Context(), u, req.Email, req.Password); err != nil {
		return err
	}
	out, err := s.apiAccountEmailOf(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, out)
}

// apiEmailCancel withdraws the caller's change of address waiting for confirmation; with none
// waiting there is nothing to do, and the answer is the same.
func (s *Server) apiEmailCancel(c echo.Context) error {
	u, _ := currentUser(c)
	if err := s.opts.Accounts.CancelEmailChange(c.Request().Context(), u); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
