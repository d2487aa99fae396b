// Package config reads the process configuration from environment variables into one typed value.
// There are no globals: cmd/conference loads a Config and hands the parts on.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Environment names the mode the process runs in.
type Environment string

// The two modes.
const (
	Development Environment = "development"
	Production  Environment = "production"
)

// Config is the whole configuration. Every field has a documented default (see README.md).
type Config struct {
	Env      Environment `env:"APP_ENV" envDefault:"development"`
	HTTPAddr string      `env:"HTTP_ADDR" envDefault:":8080"`
	// BaseURL is the public address used in links sent by email.
	BaseURL string `env:"BASE_URL" envDefault:"http://localhost:8080"`
	// DatabaseURL is a libpq URL or key=value string.
	DatabaseURL string `env:"DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/conference?sslmode=disable"`
	// DBMaxConns caps the connection pool.
	DBMaxConns int32 `env:"DB_MAX_CONNS" envDefault:"20"`
	// DBStatementTimeout cancels any single statement that runs longer.
	DBStatementTimeout time.Duration `env:"DB_STATEMENT_TIMEOUT" envDefault:"10s"`
	// AutoMigrate applies pending migrations when serve starts; when false, serve refuses an outdated schema.
	AutoMigrate bool `env:"AUTO_MIGRATE" envDefault:"true"`
	// SMTPURL is smtp://user:pass@host:port (STARTTLS when offered) or smtps://... (implicit TLS).
	// Empty keeps mail in the development mailbox.
	SMTPURL  string `env:"SMTP_URL"`
	MailFrom string `env:"MAIL_FROM" envDefault:"Conference <no-reply@localhost>"`
	// ContactEmail is where people write about their account (say, an address changed without their
	// knowing). Empty means the address of MAIL_FROM.
	ContactEmail string `env:"CONTACT_EMAIL"`
	// SecretKey keys the hashes of emailed and API tokens. At least 32 characters.
	SecretKey string `env:"SECRET_KEY"`
	// DataDir holds files the development setup keeps between runs (the generated secret key).
	DataDir string `env:"DATA_DIR" envDefault:"./var"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
	// MailWorkers is how many messages are sent at once.
	MailWorkers int `env:"MAIL_WORKERS" envDefault:"4"`
	// ShutdownTimeout bounds how long in-flight requests and jobs may take to finish on shutdown.
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// BodyLimit is the largest request body accepted, in bytes.
	BodyLimit int64 `env:"BODY_LIMIT" envDefault:"1048576"`
	// SiteName is the name of this installation, shown in pages and mail.
	SiteName string `env:"SITE_NAME" envDefault:"Conference Platform"`
	// TrustProxy takes the client address from X-Forwarded-For; set it only behind a reverse proxy.
	TrustProxy bool `env:"TRUST_PROXY" envDefault:"false"`
	// RegistrationLimitPerIP and RegistrationLimitPerEmail bound conference registrations and
	// requests for a registration link, per client address and per email address.
	RegistrationLimitPerIP    RateLimit `env:"REGISTRATION_LIMIT_PER_IP" envDefault:"60/1m"`
	RegistrationLimitPerEmail RateLimit `env:"REGISTRATION_LIMIT_PER_EMAIL" envDefault:"5/1h"`
	// DebugAddr, when set, serves Go's runtime profiles (net/http/pprof) on this loopback address, apart
	// from the public listener, for measuring the service under load.
	DebugAddr string `env:"DEBUG_ADDR"`
}

// RateLimit is a rate limit as written in the environment: "N/period" allows N attempts per period
// (e.g. "60/1m", a burst of up to N), and "off" none at all.
type RateLimit struct {
	N   int
	Per time.Duration
	Off bool
}

// UnmarshalText reads "N/period" or "off".
func (r *RateLimit) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "off" {
		*r = RateLimit{Off: true}
		return nil
	}
	n, per, ok := strings.Cut(s, "/")
	var err error
	if ok {
		if r.N, err = strconv.Atoi(n); err == nil {
			r.Per, err = time.ParseDuration(per)
		}
	}
	if !ok || err != nil || r.N < 1 || r.Per <= 0 {
		return rateLimitError{s}
	}
	return nil
}

type rateLimitError struct{ value string }

func (e rateLimitError) Error() string {
	return fmt.Sprintf("must be N/period like 60/1m, or off, not %q", e.value)
}

// Load reads the configuration from the environment given as KEY=VALUE pairs (os.Environ's format).
// A wrong value yields an error of one line that names the variable.
func Load(environ []string) (Config, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		var agg env.AggregateError
		if errors.As(err, &agg) && len(agg.Errors) > 0 {
			return c, fmt.Errorf("config: %s", oneLine(agg.Errors[0]))
		}
		return c, fmt.Errorf("config: %s", oneLine(err))
	}
	return c, c.validate()
}

func oneLine(err error) string {
	var pe env.ParseError
	var re rateLimitError
	if errors.As(err, &pe) && errors.As(pe.Err, &re) {
		return envName(pe.Name) + " " + re.Error()
	}
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s has a value of the wrong kind (want %s)", envName(pe.Name), pe.Type)
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

var fieldEnv = map[string]string{
	"DBMaxConns": "DB_MAX_CONNS", "DBStatementTimeout": "DB_STATEMENT_TIMEOUT", "AutoMigrate": "AUTO_MIGRATE",
	"MailWorkers": "MAIL_WORKERS", "ShutdownTimeout": "SHUTDOWN_TIMEOUT", "BodyLimit": "BODY_LIMIT", "TrustProxy": "TRUST_PROXY",
	"RegistrationLimitPerIP": "REGISTRATION_LIMIT_PER_IP", "RegistrationLimitPerEmail": "REGISTRATION_LIMIT_PER_EMAIL",
}

func envName(field string) string {
	if n, ok := fieldEnv[field]; ok {
		return n
	}
	return field
}

func (c *Config) validate() error {
	switch c.Env {
	case Development, Production:
	default:
		return fmt.Errorf("config: APP_ENV must be development or production, not %q", c.Env)
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return fmt.Errorf("config: HTTP_ADDR must be host:port or :port, not %q", c.HTTPAddr)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: BASE_URL must be an absolute http(s) URL, not %q", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Env == Production && u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("config: BASE_URL must use https in production, not %q", c.BaseURL)
	}
	if strings.TrimSpace(c.DatabaseURL) == "" {
		return errors.New("config: DATABASE_URL must not be empty")
	}
	if c.DBMaxConns < 2 || c.DBMaxConns > 1000 {
		return fmt.Errorf("config: DB_MAX_CONNS must be between 2 and 1000, not %d", c.DBMaxConns)
	}
	if c.DBStatementTimeout < 100*time.Millisecond {
		return fmt.Errorf("config: DB_STATEMENT_TIMEOUT must be at least 100ms, not %s", c.DBStatementTimeout)
	}
	if c.SMTPURL != "" {
		su, err := url.Parse(c.SMTPURL)
		if err != nil || (su.Scheme != "smtp" && su.Scheme != "smtps") || su.Hostname() == "" {
			return errors.New("config: SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
		}
	}
	if c.SMTPURL == "" && c.Env == Production {
		return errors.New("config: SMTP_URL is required in production (the development mailbox is for development only)")
	}
	from, err := mail.ParseAddress(c.MailFrom)
	if err != nil {
		return fmt.Errorf("config: MAIL_FROM must be an address like \"Conference <no-reply@example.org>\", not %q", c.MailFrom)
	}
	if c.ContactEmail == "" {
		c.ContactEmail = from.Address
	} else if a, err := mail.ParseAddress(c.ContactEmail); err != nil || a.Address != c.ContactEmail {
		return fmt.Errorf("config: CONTACT_EMAIL must be a bare address like help@example.org, not %q", c.ContactEmail)
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		return errors.New("config: SECRET_KEY must be at least 32 characters (try: openssl rand -hex 32)")
	}
	if c.SecretKey == "" && c.Env == Production {
		return errors.New("config: SECRET_KEY is required in production (try: openssl rand -hex 32)")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if c.MailWorkers < 1 || c.MailWorkers > 100 {
		return fmt.Errorf("config: MAIL_WORKERS must be between 1 and 100, not %d", c.MailWorkers)
	}
	if c.BodyLimit < 1024 {
		return fmt.Errorf("config: BODY_LIMIT must be at least 1024 bytes, not %d", c.BodyLimit)
	}
	if c.DebugAddr != "" {
		host, _, err := net.SplitHostPort(c.DebugAddr)
		if err != nil || !isLoopback(host) {
			return fmt.Errorf("config: DEBUG_ADDR must be a loopback host:port like 127.0.0.1:6060, not %q", c.DebugAddr)
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Secure reports whether cookies must carry the Secure flag.
func (c Config) Secure() bool { return c.Env == Production }

// EnsureSecretKey fills in SecretKey in development when it is unset, from DataDir/secret_key,
// generating and saving one on first use. It reports whether a new key was made.
func (c *Config) EnsureSecretKey() (bool, error) {
	if c.SecretKey != "" {
		return false, nil
	}
	if c.Env == Production {
		return false, errors.New("config: SECRET_KEY is required in production")
	}
	path := filepath.Join(c.DataDir, "secret_key")
	if b, err := os.ReadFile(path); err == nil {
		if k := strings.TrimSpace(string(b)); len(k) >= 32 {
			c.SecretKey = k
			return false, nil
		}
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return false, fmt.Errorf("config: generate SECRET_KEY: %w", err)
	}
	key := hex.EncodeToString(buf)
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return false, fmt.Errorf("config: DATA_DIR %q: %w", c.DataDir, err)
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return false, fmt.Errorf("config: save generated SECRET_KEY in %s: %w", path, err)
	}
	c.SecretKey = key
	return true, nil
}
