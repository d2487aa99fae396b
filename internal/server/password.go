package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
)

type forgotForm struct {
	Email string `form:"email" validate:"max=254"`
}

type forgotPage struct {
	base
	Form forgotForm
	Sent bool
}

func (s *Server) passwordForgotForm(c echo.Context) error {
	p := forgotPage{base: s.base(c, "Reset your password")}
	return s.render(c, http.StatusOK, "password_forgot", &p)
}

// passwordForgot sends a reset link when the address has an account; the answer never says whether it has.
func (s *Server) passwordForgot(c echo.Context) error {
	var f forgotForm
	p := forgotPage{base: s.base(c, "Reset your password")}
	err := s.bindForm(c, &f)
	p.Form = f
	if err == nil {
		err = s.allow(c, "reset-ip", c.RealIP())
	}
	if err == nil {
		err = s.allow(c, "reset-account", account.NormalizeEmail(f.Email))
	}
	if err == nil {
		err = s.opts.Accounts.RequestPasswordReset(c.Request().Context(), f.Email)
	}
	if err != nil {
		return s.renderForm(c, "password_forgot", &p, err)
	}
	p.Sent, p.Form.Email = true, account.NormalizeEmail(f.Email)
	return s.render(c, http.StatusOK, "password_forgot", &p)
}

type resetForm struct {
	Token    string `form:"token" validate:"max=200"`
	Password string `form:"password" validate:"max=1024"`
}

type resetPage struct {
	base
	Token   string
	Expired bool
}

func (s *Server) passwordResetForm(c echo.Context) error {
	p := resetPage{base: s.base(c, "Choose a new password"), Token: c.QueryParam("token")}
	if err := s.opts.Accounts.CheckResetToken(c.Request().Context(), p.Token); err != nil {
		err, p.Expired = hiddenFieldError(err, "token")
		return s.renderForm(c, "password_reset", &p, err)
	}
	return s.render(c, http.StatusOK, "password_reset", &p)
}

func (s *Server) passwordReset(c echo.Context) error {
	var f resetForm
	p := resetPage{base: s.base(c, "Choose a new password")}
	err := s.bindForm(c, &f)
	p.Token = f.Token
	if err == nil {
		err = s.allow(c, "reset-ip", c.RealIP())
	}
	if err == nil {
		_, err = s.opts.Accounts.ResetPassword(c.Request().Context(), f.Token, f.Password)
	}
	if err != nil {
		err, p.Expired = hiddenFieldError(err, "token")
		return s.renderForm(c, "password_reset", &p, err)
	}
	ctx := c.Request().Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Remove(ctx, "user_id")
	s.flash(c, "Your password is changed. Log in with the new one.")
	return c.Redirect(http.StatusSeeOther, "/login")
}
