package server

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
)

type signupForm struct {
	Name     string `form:"name" validate:"max=200"`
	Email    string `form:"email" validate:"max=254"`
	Password string `form:"password" validate:"max=1024"`
	// Next is the page the visitor was on their way to (a call, an invitation): after confirming
	// the address, log-in leads there.
	Next string `form:"next" validate:"max=2000"`
}

// nextOf is a page to go on to, if next is one of this site's; "" otherwise.
func nextOf(next string) string {
	if n := safeNext(next); n == next {
		return n
	}
	return ""
}

type signupPage struct {
	base
	Form signupForm
}

func (s *Server) signupForm(c echo.Context) error {
	if principal(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	p := signupPage{base: s.base(c, "Create an account"), Form: signupForm{Next: nextOf(c.QueryParam("next"))}}
	return s.render(c, http.StatusOK, "signup", &p)
}

// signup creates an account and sends the verification link. Whether or not the address already had an
// account, the answer is the same page: the mailbox's owner learns the rest by email.
func (s *Server) signup(c echo.Context) error {
	var f signupForm
	p := signupPage{base: s.base(c, "Create an account")}
	err := s.bindForm(c, &f)
	p.Form = f
	p.Form.Password = ""
	if err == nil {
		err = s.allow(c, "signup-ip", c.RealIP())
	}
	if err == nil {
		err = s.allow(c, "signup-account", account.NormalizeEmail(f.Email))
	}
	if err == nil {
		err = s.opts.Accounts.SignUp(c.Request().Context(), account.SignUpInput{Name: f.Name, Email: f.Email, Password: f.Password})
	}
	if err != nil {
		return s.renderForm(c, "signup", &p, err)
	}
	s.sessions.Put(c.Request().Context(), "check_email", account.NormalizeEmail(f.Email))
	if next := nextOf(f.Next); next != "" {
		s.sessions.Put(c.Request().Context(), "after_verify", next)
	}
	return c.Redirect(http.StatusSeeOther, "/check-email")
}

type checkEmailPage struct {
	base
	Email string
}

// checkEmail tells a new account holder to open the link we sent, and offers to send it again.
func (s *Server) checkEmail(c echo.Context) error {
	p := checkEmailPage{base: s.base(c, "Check your email")}
	p.Email = s.sessions.GetString(c.Request().Context(), "check_email")
	return s.render(c, http.StatusOK, "check_email", &p)
}

type resendForm struct {
	Email string `form:"email" validate:"max=254"`
}

func (s *Server) verifyResend(c echo.Context) error {
	var f resendForm
	p := checkEmailPage{base: s.base(c, "Check your email")}
	err := s.bindForm(c, &f)
	p.Email = f.Email
	if err == nil {
		err = s.allow(c, "reset-ip", c.RealIP())
	}
	if err == nil {
		err = s.allow(c, "reset-account", account.NormalizeEmail(f.Email))
	}
	if err == nil {
		err = s.opts.Accounts.ResendVerification(c.Request().Context(), f.Email)
	}
	if err != nil {
		return s.renderForm(c, "check_email", &p, err)
	}
	s.sessions.Put(c.Request().Context(), "check_email", account.NormalizeEmail(f.Email))
	s.flash(c, "If "+account.NormalizeEmail(f.Email)+" has an account that is not yet confirmed, a new link is on its way.")
	return c.Redirect(http.StatusSeeOther, "/check-email")
}

type verifyPage struct {
	base
}

// verify confirms an address from the emailed link.
func (s *Server) verify(c echo.Context) error {
	_, err := s.opts.Accounts.VerifyEmail(c.Request().Context(), c.QueryParam("token"))
	if err != nil {
		p := verifyPage{base: s.base(c, "Confirm your email address")}
		err, _ = hiddenFieldError(err, "token")
		return s.renderForm(c, "verify", &p, err)
	}
	// Where the visitor was going when they signed up, in this browser.
	next := nextOf(s.sessions.PopString(c.Request().Context(), "after_verify"))
	if principal(c) != nil {
		s.flash(c, "Your email address is confirmed.")
		if next == "" {
			next = "/account"
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
	s.flash(c, "Your email address is confirmed. You can log in now.")
	if next != "" {
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}
