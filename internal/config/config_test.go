package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.Env != Development || c.BaseURL != "http://localhost:8080" || !c.AutoMigrate || c.SMTPURL != "" {
		t.Errorf("defaults: %+v", c)
	}
	if c.Secure() {
		t.Error("development cookies must not require HTTPS")
	}
	if c.ContactEmail != "no-reply@localhost" {
		t.Errorf("the contact address defaults to %q, want the sender's address", c.ContactEmail)
	}
}

// TestWrongValues checks that each wrong value stops start-up with one line naming the variable.
func TestWrongValues(t *testing.T) {
	cases := []struct{ env, wantVar string }{
		{"APP_ENV=prod", "APP_ENV"},
		{"HTTP_ADDR=8080", "HTTP_ADDR"},
		{"BASE_URL=localhost:8080", "BASE_URL"},
		{"DB_MAX_CONNS=many", "DB_MAX_CONNS"},
		{"DB_MAX_CONNS=1", "DB_MAX_CONNS"},
		{"DB_STATEMENT_TIMEOUT=10", "DB_STATEMENT_TIMEOUT"},
		{"SMTP_URL=mail.example.org", "SMTP_URL"},
		{"MAIL_FROM=not an address", "MAIL_FROM"},
		{"CONTACT_EMAIL=Help <help@example.org>", "CONTACT_EMAIL"},
		{"CONTACT_EMAIL=help", "CONTACT_EMAIL"},
		{"SECRET_KEY=short", "SECRET_KEY"},
		{"LOG_LEVEL=loud", "LOG_LEVEL"},
		{"AUTO_MIGRATE=perhaps", "AUTO_MIGRATE"},
		{"BODY_LIMIT=10", "BODY_LIMIT"},
		{"DEBUG_ADDR=0.0.0.0:6060", "DEBUG_ADDR"},
		{"DEBUG_ADDR=6060", "DEBUG_ADDR"},
	}
	for _, tc := range cases {
		_, err := Load([]string{tc.env})
		if err == nil {
			t.Errorf("%s: want an error", tc.env)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.wantVar) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q should be one line naming %s", tc.env, msg, tc.wantVar)
		}
	}
}

func TestProductionNeedsSecretAndSMTP(t *testing.T) {
	base := []string{"APP_ENV=production", "BASE_URL=https://conf.example.org"}
	if _, err := Load(base); err == nil || !strings.Contains(err.Error(), "SMTP_URL") {
		t.Errorf("want SMTP_URL required, got %v", err)
	}
	withSMTP := append(base, "SMTP_URL=smtp://mail.example.org:587")
	if _, err := Load(withSMTP); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Errorf("want SECRET_KEY required, got %v", err)
	}
	c, err := Load(append(withSMTP, "SECRET_KEY="+strings.Repeat("k", 40)))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() {
		t.Error("production cookies must be Secure")
	}
	if _, err := Load([]string{"APP_ENV=production", "BASE_URL=http://conf.example.org", "SMTP_URL=smtp://m:25", "SECRET_KEY=" + strings.Repeat("k", 40)}); err == nil {
		t.Error("production must refuse a plain-http BASE_URL")
	}
}

func TestDevelopmentSecretKeyIsGeneratedAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var")
	c, err := Load([]string{"DATA_DIR=" + dir})
	if err != nil {
		t.Fatal(err)
	}
	made, err := c.EnsureSecretKey()
	if err != nil || !made || len(c.SecretKey) < 32 {
		t.Fatalf("first run: made=%v key=%q err=%v", made, c.SecretKey, err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret_key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	c2, _ := Load([]string{"DATA_DIR=" + dir})
	made, err = c2.EnsureSecretKey()
	if err != nil || made || c2.SecretKey != c.SecretKey {
		t.Errorf("second run must reuse the key: made=%v err=%v", made, err)
	}
}

// TestRegistrationRateLimits reads the registration limits as N/period or off.
func TestRegistrationRateLimits(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.RegistrationLimitPerIP != (RateLimit{N: 60, Per: time.Minute}) || c.RegistrationLimitPerEmail != (RateLimit{N: 5, Per: time.Hour}) {
		t.Errorf("defaults: %+v %+v", c.RegistrationLimitPerIP, c.RegistrationLimitPerEmail)
	}
	c, err = Load([]string{"REGISTRATION_LIMIT_PER_IP=off", "REGISTRATION_LIMIT_PER_EMAIL=3/10m"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.RegistrationLimitPerIP.Off || c.RegistrationLimitPerEmail != (RateLimit{N: 3, Per: 10 * time.Minute}) {
		t.Errorf("set: %+v %+v", c.RegistrationLimitPerIP, c.RegistrationLimitPerEmail)
	}
	for _, v := range []string{"60", "0/1m", "ten/1m", "5/soon", "5/-1m"} {
		_, err := Load([]string{"REGISTRATION_LIMIT_PER_IP=" + v})
		if err == nil || !strings.Contains(err.Error(), "REGISTRATION_LIMIT_PER_IP must be N/period like 60/1m, or off") {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// TestDebugAddrIsLoopbackOnly checks that runtime profiles may only be served on a loopback address.
func TestDebugAddrIsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:6060", "localhost:6060", "[::1]:6060"} {
		cfg, err := Load([]string{"DEBUG_ADDR=" + addr})
		if err != nil {
			t.Errorf("%s: %v", addr, err)
			continue
		}
		if cfg.DebugAddr != addr {
			t.Errorf("DebugAddr = %q, want %q", cfg.DebugAddr, addr)
		}
	}
}
