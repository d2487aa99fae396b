package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
)

type loginForm struct {
	Email    string `form:"email" validate:"max=254"`
	Password string `form:"password" validate:"max=1024"`
	Next     string `form:"next" validate:"max=2000"`
}

type loginPage struct {
	base
	Form loginForm
}

// Purpose is what the visitor was on their way to do when sent to log in, for the page to say that
// it needs an account: "propose" (starting a proposal), "invitation" (answering an invitation to
// co-present), or "" for anything else.
func (p *loginPage) Purpose() string {
	path, _, _ := strings.Cut(safeNext(p.Form.Next), "?")
	switch parts := strings.Split(strings.Trim(path, "/"), "/"); {
	case len(parts) == 4 && parts[0] == "c" && parts[2] == "proposals" && parts[3] == "new":
		return "propose"
	case len(parts) == 2 && parts[0] == "invitations":
		return "invitation"
	}
	return ""
}

// safeNext keeps redirects after log-in on this site.
func safeNext(next string) string {
	// Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so that
	// "/\t/evil.example" would lead off the site: no control character and no backslash at all.
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/account"
	}
	return next
}

func (s *Server) loginForm(c echo.Context) error {
	if principal(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	p := loginPage{base: s.base(c, "Log in"), Form: loginForm{Next: c.QueryParam("next")}}
	return s.render(c, http.StatusOK, "login", &p)
}

// login checks the credentials, renews the session id (against session fixation) and signs in.
func (s *Server) login(c echo.Context) error {
	var f loginForm
	p := loginPage{base: s.base(c, "Log in")}
	err := s.bindForm(c, &f)
	p.Form = f
	p.Form.Password = ""
	if err == nil {
		err = s.allow(c, "login-ip", c.RealIP())
	}
	if err == nil {
		err = s.allow(c, "login-account", account.NormalizeEmail(f.Email))
	}
	var u account.User
	if err == nil {
		u, err = s.opts.Accounts.LogIn(c.Request().Context(), f.Email, f.Password)
	}
	if err != nil {
		return s.renderForm(c, "login", &p, err)
	}
	ctx := c.Request().Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, "user_id", u.ID)
	s.flash(c, "Welcome, "+u.Name+". You are logged in.")
	return c.Redirect(http.StatusSeeOther, safeNext(f.Next))
}

// logout ends the session on the server, not only in the browser.
func (s *Server) logout(c echo.Context) error {
	ctx := c.Request().Context()
	if u, ok := currentUser(c); ok {
		if err := s.opts.Accounts.RecordLogout(ctx, u); err != nil {
			return err
		}
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	// A fresh session just for the message.
	s.sessions.Put(ctx, "flash", "You are logged out.")
	return c.Redirect(http.StatusSeeOther, "/login")
}
