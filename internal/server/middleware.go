package server

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
)

// Keys of values the middleware puts on the echo context.
const (
	ctxPrincipal = "principal"
	ctxUser      = "user"
	ctxAPIToken  = "api_token"
	ctxCSRF      = "csrf"
	ctxSession   = "session"
)

// contentSecurityPolicy allows only our own scripts, styles and images: no inline script at all.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"

func (s *Server) securityHeaders() echo.MiddlewareFunc {
	cfg := middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "SAMEORIGIN",
		ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy:        "strict-origin-when-cross-origin",
	}
	if s.opts.Secure {
		cfg.HSTSMaxAge = 63072000
	}
	sec := middleware.SecureWithConfig(cfg)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := sec(next)
		return func(c echo.Context) error {
			c.Response().Header().Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			c.Response().Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			return h(c)
		}
	}
}

// requestLog logs one JSON line per request with its id, and puts the request's origin on the
// context for the audit log.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		ctx := audit.WithOrigin(req.Context(), audit.Origin{IP: c.RealIP(), UserAgent: req.UserAgent()})
		c.SetRequest(req.WithContext(ctx))
		err := next(c)
		if err != nil {
			c.Error(err) // write the answer now, so the status below is the real one
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		} else if req.URL.Path == "/healthz" || req.URL.Path == "/readyz" || req.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		s.log.Log(ctx, level, "request", "request_id", id, "method", req.Method, "route", c.Path(),
			"path", req.URL.Path, "status", status, "duration_ms", float64(time.Since(start).Microseconds())/1000,
			"bytes", c.Response().Size, "ip", c.RealIP())
		return nil
	}
}

// skipSession lists paths that never use the web session, so they cost no database round trip.
func skipSession(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" || p == "/metrics" || p == "/favicon.ico" ||
		programFile(p) || anonymousProgramRead(c)
}

// anonymousProgramRead reports whether a request reads the public program from a browser without a
// session: nobody is signed in and nothing in a session can change the page, and the program pages
// hold no form that needs a CSRF token for such a visitor (search is a GET). These are the program's
// most frequent requests; they are served without creating a session or a CSRF cookie.
func anonymousProgramRead(c echo.Context) bool {
	r := c.Request()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/c/") || !(strings.HasSuffix(p, "/program") || strings.Contains(p, "/program/sessions/")) {
		return false
	}
	_, err := r.Cookie(sessionCookie)
	return err != nil
}

// programFile reports whether a path is one of the program's feeds or exports: read by calendar
// programs and conference apps, which need neither a session nor a CSRF cookie.
func programFile(p string) bool {
	if !strings.HasPrefix(p, "/c/") || !strings.Contains(p, "/program/") {
		return false
	}
	for _, ext := range []string{".ics", ".xml", ".json", ".csv"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// session loads and saves the server-side session for web pages.
func (s *Server) session() echo.MiddlewareFunc {
	wrapped := echo.WrapMiddleware(s.sessions.LoadAndSave)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		withSession := wrapped(func(c echo.Context) error {
			c.Set(ctxSession, true)
			return next(c)
		})
		return func(c echo.Context) error {
			if skipSession(c) {
				return next(c)
			}
			return withSession(c)
		}
	}
}

const csrfMessage = "This form has expired or was sent from another site, so it was not accepted. " +
	"Go back, reload the page and send it again."

func (s *Server) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:     skipSession,
		TokenLookup: "form:_csrf,header:X-CSRF-Token",
		ContextKey:  ctxCSRF,
		CookieName:  "csrf",
		CookiePath:  "/",
		// As long as a session can last: a form left open in a tab overnight (Echo's default is a
		// day) still saves, rather than asking for a reload that would lose what was typed.
		CookieMaxAge:   int(sessionLifetime / time.Second),
		CookieHTTPOnly: true,
		CookieSecure:   s.opts.Secure,
		CookieSameSite: http.SameSiteLaxMode,
		// A browser that says the form comes from another site is refused with the same message as a
		// missing token (Echo's own answer is not meant for people); same-site forms need the token.
		AllowSecFetchSiteFunc: func(c echo.Context) (bool, error) {
			if c.Request().Header.Get(echo.HeaderSecFetchSite) == "cross-site" {
				return false, apperr.New(apperr.Forbidden, csrfMessage)
			}
			return false, nil
		},
		ErrorHandler: func(err error, c echo.Context) error {
			return apperr.Wrap(apperr.Forbidden, csrfMessage, err)
		},
	})
}

// webPrincipal loads the signed-in account of a web session.
func (s *Server) webPrincipal(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Get(ctxSession) != true {
			return next(c)
		}
		ctx := c.Request().Context()
		id := s.sessions.GetInt64(ctx, "user_id")
		if id == 0 {
			return next(c)
		}
		u, p, err := s.opts.Accounts.SessionUser(ctx, id)
		if apperr.Is(err, apperr.NotFound) {
			_ = s.sessions.Destroy(ctx)
			return next(c)
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		c.Set(ctxPrincipal, p)
		return next(c)
	}
}

// apiPrincipal authenticates a bearer token on API requests, when one is sent.
func (s *Server) apiPrincipal(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			return next(c)
		}
		scheme, secret, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return apperr.New(apperr.Unauthenticated, "Send the API token as 'Authorization: Bearer <token>'.")
		}
		ctx := c.Request().Context()
		t, u, p, err := s.opts.Accounts.AuthenticateAPIToken(ctx, strings.TrimSpace(secret))
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		c.Set(ctxPrincipal, p)
		c.Set(ctxAPIToken, t)
		return next(c)
	}
}

func principal(c echo.Context) *access.Principal {
	p, _ := c.Get(ctxPrincipal).(*access.Principal)
	return p
}

func currentUser(c echo.Context) (account.User, bool) {
	u, ok := c.Get(ctxUser).(account.User)
	return u, ok
}

// requireUser lets only signed-in people through.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if principal(c) == nil {
			if isAPI(c) {
				return apperr.New(apperr.Unauthenticated, "This needs an API token: send 'Authorization: Bearer <token>'. Create one on your account page or with POST /api/v1/auth/login.")
			}
			return apperr.New(apperr.Unauthenticated, "Please log in to continue.")
		}
		return next(c)
	}
}

// requireAction lets through only those the access policy allows an installation-wide action.
func requireAction(a access.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := access.Check(principal(c), a, 0); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// limiter holds the rate limits: token buckets per client address and per account.
type limiter struct {
	stores map[string]*middleware.RateLimiterMemoryStore
	limits map[string]Limit
}

func defaultLimits(l RateLimits) map[string]Limit {
	def := func(v Limit, burst int, every time.Duration) Limit {
		if v.Burst == 0 {
			return Limit{Burst: burst, Every: every}
		}
		return v
	}
	return map[string]Limit{
		"login-ip":       def(l.LoginPerIP, 20, 6*time.Second),
		"login-account":  def(l.LoginPerAccount, 6, time.Minute),
		"signup-ip":      def(l.SignupPerIP, 10, time.Minute),
		"signup-account": def(l.SignupPerAccount, 5, 12*time.Minute),
		"reset-ip":       def(l.ResetPerIP, 10, time.Minute),
		"reset-account":  def(l.ResetPerAccount, 3, 20*time.Minute),
		"token-ip":       def(l.APITokenPerIP, 20, 6*time.Second),
		"register-ip":    def(l.RegisterPerIP, 60, time.Second),
		"register-email": def(l.RegisterPerEmail, 5, 12*time.Minute),
	}
}

func newLimiter(l RateLimits) *limiter {
	lm := &limiter{stores: map[string]*middleware.RateLimiterMemoryStore{}, limits: defaultLimits(l)}
	for name, v := range lm.limits {
		if v.Burst < 0 {
			continue // off
		}
		lm.stores[name] = middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Every(v.Every), Burst: v.Burst, ExpiresIn: time.Duration(v.Burst+1) * v.Every})
	}
	return lm
}

// allow takes one attempt from the bucket of kind for key. It returns apperr RateLimited, with the
// Retry-After header set, when the bucket is empty.
func (s *Server) allow(c echo.Context, kind, key string) error {
	st, ok := s.limiter.stores[kind]
	if !ok {
		if l, known := s.limiter.limits[kind]; known && l.Burst < 0 {
			return nil // off
		}
		return fmt.Errorf("no rate limit %q", kind)
	}
	if ok, _ := st.Allow(strings.ToLower(key)); ok {
		return nil
	}
	wait := int(math.Ceil(s.limiter.limits[kind].Every.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(wait))
	return apperr.Newf(apperr.RateLimited, "Too many attempts. Please wait %s and try again.", humanSeconds(wait))
}

func humanSeconds(n int) string {
	switch {
	case n <= 1:
		return "a second"
	case n < 60:
		return fmt.Sprintf("%d seconds", n)
	case n < 120:
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", (n+59)/60)
}
