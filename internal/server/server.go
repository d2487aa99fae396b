// Package server is the HTTP face of the platform: web pages under / and the JSON API under /api/v1.
// Echo and the validator live here only. Handlers bind input into request structs, call the domain
// services and render the result; errors are mapped to HTTP in one place (errors.go).
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/program"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/schedule"
	"github.com/challenging-norms/conference/internal/submission"
)

// Health reports on the parts the service needs.
type Health interface {
	Ping(ctx context.Context) error
	SchemaCurrent(ctx context.Context) (bool, error)
}

// RateLimits sets how many attempts each client may make. Each limit is a burst and a refill period
// per attempt; zero values take the defaults.
type RateLimits struct {
	LoginPerIP, LoginPerAccount   Limit
	SignupPerIP, SignupPerAccount Limit
	ResetPerIP, ResetPerAccount   Limit
	APITokenPerIP                 Limit
	// Conference registrations and requests for a registration link.
	RegisterPerIP, RegisterPerEmail Limit
}

// Limit is a token bucket: Burst attempts at once, then one more every Every. A negative Burst
// turns the limit off (e.g. for a load test).
type Limit struct {
	Burst int
	Every time.Duration
}

// Options is everything the server needs.
type Options struct {
	Accounts    *account.Service
	Conferences *conference.Service
	Calls       *cfp.Service
	Submissions *submission.Service
	Reviews     *review.Service
	// Registrations is attendee registration.
	Registrations *registration.Service
	// Schedule is the organizers' schedule builder.
	Schedule *schedule.Service
	// Program serves the latest published program of each conference; Agenda keeps stars and
	// personal calendar addresses.
	Program    *program.Cache
	Agenda     *program.Agenda
	AuditLog   audit.Reader
	MailLog    mail.Log
	DevMailbox mail.DevMailStore // nil outside development
	Health     Health
	Sessions   scs.Store
	Registry   *prometheus.Registry
	Logger     *slog.Logger
	Web        fs.FS // web.FS
	OpenAPI    []byte
	SiteName   string
	BaseURL    string
	Secure     bool // production: Secure cookies and HSTS
	TrustProxy bool // take the client address from X-Forwarded-For
	BodyLimit  int64
	Limits     RateLimits
	Version    string
}

// sessionCookie names the cookie of the server-side session.
const sessionCookie = "session"

// Server is the HTTP server.
type Server struct {
	opts     Options
	echo     *echo.Echo
	pages    *pages
	sessions *scs.SessionManager
	limiter  *limiter
	log      *slog.Logger
	validate *validator
	assets   *assets
	mdCache  markdownCache
}

// sessionLifetime is the longest a web session lasts, however active.
const sessionLifetime = 14 * 24 * time.Hour

// New builds the server and its routes.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.BodyLimit == 0 {
		o.BodyLimit = 1 << 20
	}
	if o.SiteName == "" {
		o.SiteName = "Conference"
	}
	s := &Server{opts: o, log: o.Logger, validate: newValidator(), limiter: newLimiter(o.Limits)}
	var err error
	if s.assets, err = newAssets(o.Web); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(o.Web, s.assets); err != nil {
		return nil, err
	}
	s.sessions = scs.New()
	s.sessions.Store = o.Sessions
	s.sessions.Lifetime = sessionLifetime
	s.sessions.IdleTimeout = 7 * 24 * time.Hour
	s.sessions.Cookie.Name = sessionCookie
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = o.Secure
	s.sessions.Cookie.Path = "/"
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.ErrorContext(r.Context(), "session", "error", err)
		http.Error(w, "The service is having trouble. Please try again in a moment.", http.StatusInternalServerError)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	if o.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	s.echo = e
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the HTTP handler (for tests and for http.Server).
func (s *Server) Handler() http.Handler { return s.echo }

// Serve serves on the listener until ctx is cancelled, then lets in-flight requests finish within
// shutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener, shutdownTimeout time.Duration) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
