package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/config"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/server"
	"github.com/challenging-norms/conference/internal/store"
)

// testDB is this package's own database; every app started here uses it unless a test asks for a
// fresh one.
var testDB *pgtest.Database

func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }

// testApp is the real service, serving on a free loopback port.
type testApp struct {
	*app
	URL string
	t   testing.TB
}

type testOption func(env map[string]string, o *appOptions)

// withSender delivers mail through s instead of the development mailbox.
func withSender(s mail.Sender) testOption {
	return func(_ map[string]string, o *appOptions) { o.smtpOverride = s }
}

// withLimits sets rate limits (the default in tests is high enough never to trip).
func withLimits(l server.RateLimits) testOption {
	return func(_ map[string]string, o *appOptions) { o.limits = l }
}

// withEnv sets configuration variables.
func withEnv(kv ...string) testOption {
	return func(env map[string]string, _ *appOptions) {
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
	}
}

// withFreshDB gives the app a database of its own, so no other test's queue worker can take its
// jobs (needed when a test asserts on where mail was delivered).
func withFreshDB(t testing.TB) testOption {
	d, drop, err := pgtest.New("app")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return func(env map[string]string, _ *appOptions) { env["DATABASE_URL"] = d.URL }
}

var lastUnique atomic.Int64

// unique returns a number that no other call returns and that no earlier run of the tests on this
// database has used: the time in nanoseconds, moved past the last one given, as tests running in
// parallel may ask within the same nanosecond.
func unique() int64 {
	for {
		last, now := lastUnique.Load(), time.Now().UnixNano()
		if now <= last {
			now = last + 1
		}
		if lastUnique.CompareAndSwap(last, now) {
			return now
		}
	}
}

var generous = server.Limit{Burst: 10000, Every: time.Millisecond}

// startApp starts the whole service as `conference serve` would, and stops it when the test ends.
func startApp(t testing.TB, opts ...testOption) *testApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	// The shutdown's time is generous: with tests running side by side under the race detector, the
	// mail workers may take seconds to finish what a test queued, and a clean stop is what is checked.
	env := map[string]string{
		"APP_ENV": "development", "DATABASE_URL": testDB.URL, "BASE_URL": base, "HTTP_ADDR": ln.Addr().String(),
		"SECRET_KEY": "test-secret-key-of-at-least-32-characters", "DATA_DIR": t.TempDir(), "LOG_LEVEL": "error",
		"SHUTDOWN_TIMEOUT": "30s", "SITE_NAME": "Test Conferences",
	}
	o := appOptions{pollInterval: 50 * time.Millisecond, limits: server.RateLimits{
		LoginPerIP: generous, LoginPerAccount: generous, SignupPerIP: generous, SignupPerAccount: generous, ResetPerIP: generous,
		ResetPerAccount: generous, APITokenPerIP: generous,
		RegisterPerIP: generous, RegisterPerEmail: generous}, registrationInterval: 200 * time.Millisecond}
	for _, opt := range opts {
		opt(env, &o)
	}
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	cfg, err := config.Load(kv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// TEST_LOG=1 shows the service's log, to see why a request failed.
	var logTo io.Writer = io.Discard
	if os.Getenv("TEST_LOG") != "" {
		logTo = os.Stderr
	}
	a, err := newApp(ctx, cfg, newLogger(cfg, logTo), o)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v", err)
		}
		a.close()
		// The testing package keeps a parallel test's cleanups until every parallel test has
		// ended: let go of the app, or each finished test holds on to all its memory till then.
		a = nil
	})
	return &testApp{app: a, URL: base, t: t}
}

// mailbox returns the development mailbox's store.
func (ta *testApp) mailbox() store.Mail { return store.Mail{DB: ta.db} }

// waitMail waits for a message to the address whose subject contains subject, and returns it.
func (ta *testApp) waitMail(to, subject string) mail.DevMail {
	ta.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := ta.devMailbox.DevMails(context.Background(), 500)
		if err != nil {
			ta.t.Fatal(err)
		}
		for _, m := range msgs {
			if strings.Contains(m.To, "<"+to+">") && strings.Contains(m.Subject, subject) {
				return m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	ta.t.Fatalf("no mail to %s with subject containing %q arrived", to, subject)
	return mail.DevMail{}
}

// countMail counts messages to the address in the development mailbox.
func (ta *testApp) countMail(to string) int {
	ta.t.Helper()
	msgs, err := ta.devMailbox.DevMails(context.Background(), 1000)
	if err != nil {
		ta.t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.To, "<"+to+">") {
			n++
		}
	}
	return n
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// linkIn returns the first link in a message's text that contains part.
func linkIn(t *testing.T, m mail.DevMail, part string) string {
	t.Helper()
	for _, l := range linkRE.FindAllString(m.Text, -1) {
		if strings.Contains(l, part) {
			return l
		}
	}
	t.Fatalf("no link containing %q in mail %q:\n%s", part, m.Subject, m.Text)
	return ""
}

// browser is an HTTP client with cookies that does not follow redirects, like a form-posting visitor.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func (ta *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: ta.t, base: ta.URL, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status int
	Header http.Header
	Doc    *goquery.Document
	Body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	p := page{Status: resp.StatusCode, Header: resp.Header, Doc: doc, Body: string(body)}
	// Every page checked: an error summary's link that leads nowhere strands the person it is for.
	if dead := p.deadSummaryLinks(); len(dead) > 0 {
		b.t.Errorf("%s %s: the error summary links to nothing that takes focus: %s", req.Method, req.URL.Path, strings.Join(dead, ", "))
	}
	return p
}

// deadSummaryLinks returns the links of the page's error summary to a place on the page that is not
// there or cannot take focus: one that names no element, a hidden input, or a group (a fieldset)
// with nothing in it to focus.
func (p page) deadSummaryLinks() []string {
	var dead []string
	p.Doc.Find(`.error-summary a[href^="#"]`).Each(func(_ int, a *goquery.Selection) {
		href := a.AttrOr("href", "")
		// Matched by value, not by selector: ids such as "answers.plan" are not valid selectors.
		target := p.Doc.Find("[id]").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.AttrOr("id", "") == href[1:] })
		if target.Length() == 0 || !focusable(target.First()) && target.First().Find("input, select, textarea").FilterFunction(
			func(_ int, s *goquery.Selection) bool { return focusable(s) }).Length() == 0 {
			dead = append(dead, href)
		}
	})
	return dead
}

// focusable reports whether a person can move to the element with the keyboard.
func focusable(s *goquery.Selection) bool {
	if _, disabled := s.Attr("disabled"); disabled {
		return false
	}
	switch goquery.NodeName(s) {
	case "input":
		return s.AttrOr("type", "text") != "hidden"
	case "select", "textarea", "button":
		return true
	case "a":
		_, ok := s.Attr("href")
		return ok
	}
	_, ok := s.Attr("tabindex")
	return ok
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.abs(path), nil)
	return b.do(req)
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.base + path
}

// post sends a form from the page at formPage (taking its CSRF token), as a browser would.
func (b *browser) post(formPage, action string, values url.Values) page {
	b.t.Helper()
	p := b.get(formPage)
	token, ok := p.Doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok {
		b.t.Fatalf("no CSRF token on %s", formPage)
	}
	values.Set("_csrf", token)
	return b.postRaw(action, values)
}

// postRaw sends a form as it is.
func (b *browser) postRaw(action string, values url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.abs(action), strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// fieldError returns the error message shown next to a form field.
func (p page) fieldError(name string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p.Doc.Find("#"+name+"-error").Text()), "Error:"))
}

// problem returns the summary of a form error.
func (p page) problem() string {
	return strings.TrimSpace(p.Doc.Find(".error-summary p").First().Text())
}
