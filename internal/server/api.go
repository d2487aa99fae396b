package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
)

// JSON shapes of the API, as api/openapi.yaml describes them.

type apiUser struct {
	ID            int64      `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	EmailVerified bool       `json:"email_verified"`
	IsAdmin       bool       `json:"is_admin"`
	Profile       apiProfile `json:"profile"`
	Roles         []apiRole  `json:"roles"`
	CreatedAt     time.Time  `json:"created_at"`
}

type apiRole struct {
	Conference string `json:"conference"`
	Role       string `json:"role"`
}

type apiToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

type apiNewToken struct {
	apiToken
	Token string `json:"token"`
}

type apiConference struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

func toAPIToken(t account.APIToken) apiToken {
	return apiToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt}
}

func toAPIConference(c conference.Conference) apiConference {
	return apiConference{Slug: c.Slug, Name: c.Name, TimeZone: c.TimeZone,
		StartsOn: c.StartsOn.Format(time.DateOnly), EndsOn: c.EndsOn.Format(time.DateOnly)}
}

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", s.opts.OpenAPI)
}

type apiLoginRequest struct {
	Email         string `json:"email" validate:"required,max=254"`
	Password      string `json:"password" validate:"required,max=1024"`
	TokenName     string `json:"token_name" validate:"max=100"`
	ExpiresInDays *int   `json:"expires_in_days" validate:"omitnil,min=1,max=366"`
}

type apiLoginResponse struct {
	apiNewToken
	User apiUser `json:"user"`
}

// apiLogin trades an email and password for a new API token (30 days unless asked otherwise).
func (s *Server) apiLogin(c echo.Context) error {
	var req apiLoginRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if err := s.allow(c, "login-ip", c.RealIP()); err != nil {
		return err
	}
	if err := s.allow(c, "login-account", account.NormalizeEmail(req.Email)); err != nil {
		return err
	}
	ttl := 30 * 24 * time.Hour
	if req.ExpiresInDays != nil {
		ttl = time.Duration(*req.ExpiresInDays) * 24 * time.Hour
	}
	ctx := c.Request().Context()
	t, u, err := s.opts.Accounts.LogInForToken(ctx, req.Email, req.Password, req.TokenName, ttl)
	if err != nil {
		return err
	}
	me, err := s.apiUser(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiLoginResponse{apiNewToken: apiNewToken{apiToken: toAPIToken(t.APIToken), Token: t.Secret}, User: me})
}

// apiLogout revokes the token the request was made with.
func (s *Server) apiLogout(c echo.Context) error {
	u, _ := currentUser(c)
	t, _ := c.Get(ctxAPIToken).(account.APIToken)
	if err := s.opts.Accounts.RevokeAPIToken(c.Request().Context(), u, t.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiUser(c echo.Context, u account.User) (apiUser, error) {
	p := principal(c)
	if p == nil || p.UserID != u.ID {
		var err error
		if p, err = s.opts.Accounts.Principal(c.Request().Context(), u); err != nil {
			return apiUser{}, err
		}
	}
	out := apiUser{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.Verified(), IsAdmin: u.IsAdmin, CreatedAt: u.CreatedAt,
		Profile: toAPIProfile(u.Profile), Roles: []apiRole{}}
	for _, m := range p.Roles {
		out.Roles = append(out.Roles, apiRole{Conference: m.ConferenceSlug, Role: string(m.Role)})
	}
	return out, nil
}

func (s *Server) apiMe(c echo.Context) error {
	u, _ := currentUser(c)
	me, err := s.apiUser(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me)
}

type apiTokenList struct {
	Tokens []apiToken `json:"tokens"`
}

func (s *Server) apiTokens(c echo.Context) error {
	u, _ := currentUser(c)
	list, err := s.opts.Accounts.APITokens(c.Request().Context(), u)
	if err != nil {
		return err
	}
	out := apiTokenList{Tokens: make([]apiToken, len(list))}
	for i, t := range list {
		out.Tokens[i] = toAPIToken(t)
	}
	return c.JSON(http.StatusOK, out)
}

type apiTokenRequest struct {
	Name          string `json:"name" validate:"required,max=100"`
	ExpiresInDays *int   `json:"expires_in_days" validate:"omitnil,min=1,max=366"`
}

func (s *Server) apiTokenCreate(c echo.Context) error {
	var req apiTokenRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if err := s.allow(c, "token-ip", c.RealIP()); err != nil {
		return err
	}
	var ttl time.Duration
	if req.ExpiresInDays != nil {
		ttl = time.Duration(*req.ExpiresInDays) * 24 * time.Hour
	}
	u, _ := currentUser(c)
	t, err := s.opts.Accounts.CreateAPIToken(c.Request().Context(), u, req.Name, ttl)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiNewToken{apiToken: toAPIToken(t.APIToken), Token: t.Secret})
}

func (s *Server) apiTokenRevoke(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "You have no such API token.")
	}
	u, _ := currentUser(c)
	if err := s.opts.Accounts.RevokeAPIToken(c.Request().Context(), u, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type apiConferenceList struct {
	Conferences []apiConference `json:"conferences"`
}

func (s *Server) apiConferences(c echo.Context) error {
	list, err := s.opts.Conferences.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := apiConferenceList{Conferences: make([]apiConference, len(list))}
	for i, conf := range list {
		out.Conferences[i] = toAPIConference(conf)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiConference(c echo.Context) error {
	conf, err := s.opts.Conferences.Get(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIConference(conf))
}
