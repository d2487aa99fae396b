package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/challenging-norms/conference/internal/access"
)

// routes declares every route of the service in one place.
func (s *Server) routes() error {
	e := s.echo
	reg := s.opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	metrics, err := echoprometheus.MiddlewareConfig{
		Registerer:                reg,
		Subsystem:                 "http",
		DoNotUseRequestPathFor404: true,
		// The Host header is the client's to choose: as a label it would let anyone grow the metrics.
		LabelFuncs: map[string]echoprometheus.LabelValueFunc{"host": func(echo.Context, error) string { return "" }},
		Skipper:    func(c echo.Context) bool { return c.Path() == "/metrics" },
	}.ToMiddleware()
	if err != nil {
		return err
	}
	e.Use(
		middleware.RequestID(),
		s.requestLog,
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.ErrorContext(c.Request().Context(), "panic", "error", err, "stack", string(stack))
			return err
		}}),
		s.securityHeaders(),
		metrics,
		storablePath,
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: humanBytes(s.opts.BodyLimit)}),
		s.session(),
		s.csrf(),
		s.webPrincipal,
	)

	// Operations.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echoprometheus.NewHandlerWithConfig(echoprometheus.HandlerConfig{Gatherer: reg}))
	e.GET("/static/*", s.assets.serve)
	e.GET("/favicon.ico", func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, s.assets.byName["img/favicon.svg"])
	})

	// Public pages and accounts.
	e.GET("/", s.home)
	e.GET("/signup", s.signupForm)
	e.POST("/signup", s.signup)
	e.GET("/check-email", s.checkEmail)
	e.POST("/verify/resend", s.verifyResend)
	e.GET("/verify", s.verify)
	e.GET("/login", s.loginForm)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout)
	e.GET("/password/forgot", s.passwordForgotForm)
	e.POST("/password/forgot", s.passwordForgot)
	e.GET("/password/reset", s.passwordResetForm)
	e.POST("/password/reset", s.passwordReset)

	acct := e.Group("/account", requireUser)
	acct.GET("", s.accountShow)
	acct.GET("/tokens", s.tokensShow)
	acct.POST("/tokens", s.tokenCreate)
	acct.POST("/tokens/:id/revoke", s.tokenRevoke)

	// Conferences.
	e.GET("/conferences", s.conferenceList)
	e.GET("/c/:slug", s.conferenceShow)
	manage := e.Group("/c/:slug/manage", requireUser, s.conferenceAccess(access.ManageConference))
	manage.GET("", s.manageHome)
	manage.GET("/team", s.teamShow)
	manage.POST("/team", s.teamAdd)
	manage.POST("/team/remove", s.teamRemove)
	manage.GET("/mail", s.conferenceMailLog, s.conferenceAccess(access.ViewMailLog))

	// Installation administration.
	admin := e.Group("/admin", requireUser)
	admin.GET("", s.adminHome, requireAction(access.CreateConference))
	admin.GET("/conferences/new", s.conferenceNewForm, requireAction(access.CreateConference))
	admin.POST("/conferences", s.conferenceCreate, requireAction(access.CreateConference))
	admin.GET("/audit", s.auditLog, requireAction(access.ViewAuditLog))
	admin.GET("/mail", s.mailLog, requireAction(access.ViewAllMail))

	// The development mailbox exists only when mail is kept in it.
	if s.opts.DevMailbox != nil {
		e.GET("/dev/mailbox", s.devMailbox)
		e.GET("/dev/mailbox/:id", s.devMailboxMessage)
		e.GET("/dev/mailbox/:id/html", s.devMailboxHTML)
	}

	// The JSON API.
	api := e.Group("/api/v1", s.apiPrincipal)
	api.GET("/openapi.yaml", s.openAPI)
	api.POST("/auth/login", s.apiLogin)
	api.POST("/auth/logout", s.apiLogout, requireUser)
	api.GET("/me", s.apiMe, requireUser)
	api.GET("/tokens", s.apiTokens, requireUser)
	api.POST("/tokens", s.apiTokenCreate, requireUser)
	api.DELETE("/tokens/:id", s.apiTokenRevoke, requireUser)
	api.GET("/conferences", s.apiConferences)
	api.GET("/conferences/:slug", s.apiConference)
	api.RouteNotFound("/*", s.apiNotFound)
	return nil
}

// humanBytes writes a byte count as the body limit middleware reads it.
func humanBytes(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}
