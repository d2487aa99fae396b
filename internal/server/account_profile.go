package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
)

type profileForm struct {
	Name        string `form:"name" json:"name" validate:"max=200"`
	Pronouns    string `form:"pronouns" json:"pronouns" validate:"max=100"`
	Role        string `form:"participant_role" json:"participant_role" validate:"max=40"`
	RoleOther   string `form:"role_other" json:"role_other" validate:"max=200"`
	Institution string `form:"institution" json:"institution" validate:"max=400"`
	Bio         string `form:"bio" json:"bio" validate:"max=4000"`
}

func (f profileForm) profile() account.Profile {
	return account.Profile{Pronouns: f.Pronouns, Role: account.ParticipantRole(f.Role), RoleOther: f.RoleOther,
		Institution: f.Institution, Bio: f.Bio}
}

func profileFormOf(u account.User) profileForm {
	return profileForm{Name: u.Name, Pronouns: u.Profile.Pronouns, Role: string(u.Profile.Role), RoleOther: u.Profile.RoleOther,
		Institution: u.Profile.Institution, Bio: u.Profile.Bio}
}

// roleOptions are the participant roles as form options.
func roleOptions() []option {
	out := make([]option, len(account.ParticipantRoles))
	for i, r := range account.ParticipantRoles {
		out[i] = option{Value: string(r.Value), Label: r.Label}
	}
	return out
}

type profilePage struct {
	base
	Form  profileForm
	Roles []option
	Next  string
}

func (s *Server) profilePage(c echo.Context) profilePage {
	u, _ := currentUser(c)
	return profilePage{base: s.base(c, "Your profile"), Form: profileFormOf(u), Roles: roleOptions(), Next: safeNext(c.QueryParam("next"))}
}

func (s *Server) profileShow(c echo.Context) error {
	p := s.profilePage(c)
	return s.render(c, http.StatusOK, "profile", &p)
}

// profileUpdate saves the profile, then returns to where the person came from (e.g. the proposal
// that asked them to complete it).
func (s *Server) profileUpdate(c echo.Context) error {
	p := s.profilePage(c)
	var f profileForm
	err := s.bindForm(c, &f)
	p.Form, p.Next = f, safeNext(c.FormValue("next"))
	if err == nil {
		u, _ := currentUser(c)
		_, err = s.opts.Accounts.UpdateProfile(c.Request().Context(), u, f.Name, f.profile())
	}
	if err != nil {
		return s.renderForm(c, "profile", &p, err)
	}
	s.flash(c, "Your profile is saved.")
	return c.Redirect(http.StatusSeeOther, p.Next)
}

type apiProfile struct {
	Pronouns    string `json:"pronouns"`
	Role        string `json:"participant_role"`
	RoleOther   string `json:"role_other"`
	Institution string `json:"institution"`
	Bio         string `json:"bio"`
}

func toAPIProfile(p account.Profile) apiProfile {
	return apiProfile{Pronouns: p.Pronouns, Role: string(p.Role), RoleOther: p.RoleOther, Institution: p.Institution, Bio: p.Bio}
}

// apiProfileUpdate replaces the caller's name and profile.
func (s *Server) apiProfileUpdate(c echo.Context) error {
	var f profileForm
	if err := s.bindJSON(c, &f); err != nil {
		return err
	}
	u, _ := currentUser(c)
	u, err := s.opts.Accounts.UpdateProfile(c.Request().Context(), u, f.Name, f.profile())
	if err != nil {
		return err
	}
	me, err := s.apiUser(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me)
}
