package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/conference"
)

// The end-to-end tests drive Debian's headless Chromium through the real service, as a person would,
// and run the axe-core accessibility audit on every page.

// TestBrowserSignupToLogout follows a newcomer in the browser: a failed sign-up, a corrected one, the
// confirmation mail in the development mailbox, log-in and log-out.
func TestBrowserSignupToLogout(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	c := startChromium(t, ta.URL)
	name, email, password := "Amara Okafor", uniqueEmail("amara.browser"), testPassword

	c.open("/signup")
	c.wantText("h1", "Create an account")

	// Only the name typed, then Enter: the form comes back with an error summary that takes the
	// focus, links to each field in error, and keeps what was typed.
	c.do(chromedp.SendKeys(chromedp.ID("name"), name))
	if status := c.follow(pressEnter); status != http.StatusUnprocessableEntity {
		t.Errorf("empty sign-up answered %d, want %d", status, http.StatusUnprocessableEntity)
	}
	c.wantText(".error-summary[role=alert] h2", "There is a problem")
	if !c.is(`document.activeElement === document.querySelector(".error-summary")`) {
		t.Errorf("the error summary does not have the focus; %s has", c.activeElement())
	}
	for _, field := range []string{"email", "password"} {
		if !c.is(fmt.Sprintf(`!!document.querySelector('.error-summary a[href="#%s"]')`, field)) {
			t.Errorf("the error summary does not link to the field %q", field)
		}
		if got := c.attr("#"+field, "aria-invalid"); got != "true" {
			t.Errorf("field %q: aria-invalid=%q, want true", field, got)
		}
	}
	if got := get(c, chromedp.Value(chromedp.ID("name"))); got != name {
		t.Errorf("the name field holds %q after the failed submit, want %q", got, name)
	}
	if title := get(c, chromedp.Title()); !strings.HasPrefix(title, "Error: ") {
		t.Errorf("the title of a page with errors is %q, want it to start with \"Error: \"", title)
	}
	c.screenshot("signup-errors")

	// From the summary, by keyboard: Tab to its first link, Enter moves to the email field.
	c.do(pressTab, pressEnter)
	if got := c.activeElement(); got != "input#email" {
		t.Fatalf("following the summary's link focused %s, want input#email", got)
	}
	c.do(chromedp.KeyEvent(email), pressTab)
	if got := c.activeElement(); got != "input#password" {
		t.Fatalf("Tab from the email field focused %s, want input#password", got)
	}
	c.do(chromedp.KeyEvent(password))
	c.follow(pressEnter)
	c.wantPath("/check-email")
	c.wantText("h1", "Check your email")
	c.wantText("main .lead strong", email)

	// The confirmation mail, read in the development mailbox through the header's link.
	m := ta.waitMail(email, "Confirm your email")
	c.follow(chromedp.Click(chromedp.CSS(`header a[href="/dev/mailbox"]`)))
	c.wantText("h1", "Development mailbox")
	c.follow(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/dev/mailbox/%d"]`, m.ID))))
	c.wantText("h1", m.Subject)
	c.follow(chromedp.Click(chromedp.CSS(`ul.links a[href*="/verify?token="]`)))
	c.wantPath("/login")
	c.wantText(".flash[role=status]", "Your email address is confirmed")

	c.logIn(email, password)
	c.wantPath("/account")
	c.wantText("h1", "Your account")
	c.wantText(".flash", "Welcome, "+name+". You are logged in.")
	c.wantText(".facts dd", name)

	c.follow(chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)))
	c.wantPath("/login")
	c.wantText(".flash", "You are logged out")
	if c.is(`!!document.querySelector('header form[action="/logout"]')`) {
		t.Error("the header still offers to log out after logging out")
	}
	if c.open("/account"); !strings.HasPrefix(c.path(), "/login?") {
		t.Errorf("after log-out /account shows %s, want the log-in page", c.path())
	}
}

// TestAccessibilityAudit runs axe-core on every page, in each state a person can meet it in: as an
// anonymous visitor, a signed-in user, an administrator and an organizer. Serious and critical
// violations fail the test; minor and moderate ones are logged.
func TestAccessibilityAudit(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	ctx := context.Background()
	suffix := unique()
	listed, err := ta.confs.Seed(ctx, conference.CreateInput{Slug: fmt.Sprintf("listed-%d", suffix),
		Name: "Open Science Days", TimeZone: "Europe/Berlin", StartsOn: "2027-05-03", EndsOn: "2027-05-05"})
	if err != nil {
		t.Fatal(err)
	}
	user := createUser(t, ta, "Mei Chen", uniqueEmail("mei.audit"), false)
	admin := createUser(t, ta, "Ada Admin", uniqueEmail("ada.audit"), true)
	organizer := createUser(t, ta, "Olu Organizer", uniqueEmail("olu.audit"), false)

	// The audit finds what it should: an image without a text alternative.
	c.open("/")
	c.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("main").append(document.createElement("img"))`))
	if !c.hasViolation("image-alt") {
		t.Fatal("axe-core did not report an image without a text alternative: the audit does not work")
	}

	// An anonymous visitor.
	for _, path := range []string{"/", "/conferences", "/c/" + listed.Slug, "/signup", "/login", "/password/forgot",
		"/check-email", "/verify?token=bad", "/password/reset?token=bad", "/no-such-page"} {
		c.open(path)
		c.audit(path)
	}
	c.open("/login")
	c.do(chromedp.SendKeys(chromedp.ID("email"), user), chromedp.SendKeys(chromedp.ID("password"), "not the password"))
	c.follow(pressEnter)
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/login with a wrong password")
	c.open("/password/forgot")
	c.do(chromedp.SendKeys(chromedp.ID("email"), user))
	c.follow(pressEnter)
	c.wantText(".panel[role=status]", "we have sent it a link")
	c.audit("/password/forgot once sent")

	newcomer := uniqueEmail("newcomer.audit")
	c.open("/signup")
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/signup with errors")
	c.do(chromedp.SendKeys(chromedp.ID("name"), "Nia Newcomer"), chromedp.SendKeys(chromedp.ID("email"), newcomer),
		chromedp.SendKeys(chromedp.ID("password"), testPassword))
	c.follow(pressEnter)
	c.wantText("main .lead strong", newcomer)
	c.audit("/check-email after signing up")
	m := ta.waitMail(newcomer, "Confirm your email")
	c.open("/dev/mailbox")
	c.audit("/dev/mailbox")
	c.open(fmt.Sprintf("/dev/mailbox/%d", m.ID))
	c.audit("/dev/mailbox/<id>")
	// The message's HTML, served sandboxed with no script allowed: audited with the policy set aside.
	c.bypassCSP(true)
	c.open(fmt.Sprintf("/dev/mailbox/%d/html", m.ID))
	c.audit("/dev/mailbox/<id>/html")
	c.bypassCSP(false)

	// A signed-in user.
	c.logIn(user, testPassword)
	c.audit("/account")
	c.open("/account/profile")
	c.audit("/account/profile")
	c.do(typeLong("#bio", strings.Repeat("word ", 159)+"word"))
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.wantText("#bio-count", "160 of 150 words")
	c.audit("/account/profile with errors")
	c.open("/account/tokens")
	c.audit("/account/tokens without tokens")
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/account/tokens with errors")
	c.do(chromedp.SendKeys(chromedp.ID("name"), "schedule export script"), chromedp.Clear(chromedp.ID("expires_in_days")),
		chromedp.SendKeys(chromedp.ID("expires_in_days"), "30"))
	c.follow(pressEnter)
	c.wantText("#new-token-title", "schedule export script")
	c.audit("/account/tokens just after creating a token")
	c.screenshot("tokens")
	c.logOut()

	// An administrator creates a conference with its first organizer.
	slug := fmt.Sprintf("audit-%d", suffix)
	c.logIn(admin, testPassword)
	for _, path := range []string{"/admin", "/admin/audit", "/admin/mail", "/admin/conferences/new"} {
		c.open(path)
		c.audit(path)
	}
	c.do(chromedp.Clear(chromedp.ID("time_zone")))
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/admin/conferences/new with errors")
	c.do(chromedp.SendKeys(chromedp.ID("name"), "Challenging Norms 2027"), chromedp.SendKeys(chromedp.ID("slug"), slug),
		chromedp.SendKeys(chromedp.ID("time_zone"), "America/New_York"),
		chromedp.SetValue(chromedp.ID("starts_on"), "2027-06-01"), chromedp.SetValue(chromedp.ID("ends_on"), "2027-06-03"),
		chromedp.SendKeys(chromedp.ID("organizer"), organizer))
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantPath("/c/" + slug + "/manage/team")
	c.wantText(".flash", organizer+" is its organizer")
	c.audit("/c/<slug>/manage/team as an administrator, with a flash message")
	c.logOut()

	// The organizer.
	c.logIn(organizer, testPassword)
	for _, path := range []string{"/account", "/c/" + slug, "/c/" + slug + "/manage/team", "/c/" + slug + "/manage/mail"} {
		c.open(path)
		c.audit(path)
	}
	c.open("/c/" + slug + "/manage/team")
	c.do(chromedp.SendKeys(chromedp.ID("email"), "nobody.here@example.org"))
	c.follow(chromedp.Click(chromedp.CSS(`main form[action$="/manage/team"] button[type=submit]`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/c/<slug>/manage/team with errors")
	c.logOut()
}

// chromium is one headless browser for a test, with one tab that the test reuses from page to page.
type chromium struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string // the axe-core script, for audit

	mu      sync.Mutex
	dialogs []string // the messages of the dialogs the pages opened, each accepted
}

// startChromium starts the browser, and stops it when the test ends. Without Chromium the test is
// skipped, or fails when CI is set.
func startChromium(t *testing.T, base string) *chromium {
	t.Helper()
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		unavailable(t, "Chromium is needed for the browser tests (install Debian's chromium or set CHROMIUM_PATH): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// No connection leaves the machine: a closed network would refuse them and slow the browser.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	// A bound on the whole browser, so that a page that never answers fails the test instead of
	// hanging it.
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 5*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
		// Kept until every parallel test has ended, the cleanup lets go of the browser's state.
		cancelTab, cancelAlloc, cancelTimeout = nil, nil, nil
	})
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	c := &chromium{t: t, ctx: tab, base: base}
	// A user confirms what a page asks them to (form[data-confirm]); the test reads what was asked.
	dialogs := chromedp.Events(tab, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.dialogs = append(c.dialogs, ev.Message)
			c.mu.Unlock()
			go chromedp.Call(tab, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true}) //nolint:errcheck // the test fails on the page that waits
		}
	}()
	return c
}

// asked returns the message of the last dialog a page opened, and forgets the dialogs.
func (c *chromium) asked() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.dialogs) == 0 {
		return ""
	}
	last := c.dialogs[len(c.dialogs)-1]
	c.dialogs = nil
	return last
}

// unavailable skips the test for want of a tool, or fails it in continuous integration, where every
// tool must be present.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// axeSource reads axe-core from AXE_JS, or from the pinned copy under .ci/tools of this repository.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_JS")
	if path == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
		path = filepath.Join(dir, ".ci", "tools", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		unavailable(t, "axe-core is needed for the accessibility audit (run make tools, or set AXE_JS): %v", err)
	}
	return string(src)
}

// step bounds one action, so that a selector that never matches fails fast with its name.
const step = 15 * time.Second

// pressEnter and pressTab press a key as a keyboard does: a key-down, which carries the text of
// Enter, then a key-up. (chromedp.KeyEvent sends Enter's text once more as a char event, which lands on
// whatever has the focus after the first one: after following a link in the error summary, that
// submits the form.)
var (
	pressEnter = press("Enter", 13, "\r")
	pressTab   = press("Tab", 9, "")
)

func press(key string, code int64, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		down := input.DispatchKeyEventTypeKeyDown
		if text == "" {
			down = input.DispatchKeyEventTypeRawKeyDown
		}
		for _, typ := range []input.DispatchKeyEventType{down, input.DispatchKeyEventTypeKeyUp} {
			ev := input.DispatchKeyEventParams{Type: typ, Key: key, Code: key, WindowsVirtualKeyCode: code, NativeVirtualKeyCode: code}
			if typ == down {
				ev.Text, ev.UnmodifiedText = text, text
			}
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, ev); err != nil {
				return fmt.Errorf("press %s: %w", key, err)
			}
		}
		return nil
	})
}

// bypassCSP sets the pages' Content-Security-Policy aside, from the next page on, or no longer.
func (c *chromium) bypassCSP(on bool) {
	c.t.Helper()
	c.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: on})
		return err
	}))
}

// get runs an action that returns a value, and fails the test on an error.
func get[T any](c *chromium, a chromedp.Action[T]) T {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		c.t.Fatalf("on %s: %v", c.path(), err)
	}
	return v
}

// do runs actions that return nothing.
func (c *chromium) do(steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	get(c, chromedp.Steps(steps...))
}

// typeLong fills a field with a long text: all but the last character set at once, the last one
// typed, so that the page's input handlers run once instead of on every one of hundreds of keys.
func typeLong(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.SetValue(chromedp.CSS(sel), text[:len(text)-1]), chromedp.SendKeys(chromedp.CSS(sel), text[len(text)-1:]))
}

// open loads a page of the service.
func (c *chromium) open(path string) {
	c.t.Helper()
	c.follow(chromedp.Navigate(c.base + path))
}

// follow runs actions that load a page (a click, Enter in a form) and waits for it; it returns the
// HTTP status of the page, after redirects.
func (c *chromium) follow(steps ...chromedp.Action[chromedp.Void]) int64 {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		c.t.Fatalf("on %s: %v", c.path(), err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// path is the path and query of the page shown.
func (c *chromium) path() string {
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.RequestURI()
}

func (c *chromium) wantPath(want string) {
	c.t.Helper()
	if got := c.path(); got != want {
		c.t.Fatalf("the browser shows %s, want %s", got, want)
	}
}

// wantText checks that an element matching sel shows text containing want.
func (c *chromium) wantText(sel, want string) {
	c.t.Helper()
	texts := get(c, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%q), e => e.innerText)`, sel)))
	for _, text := range texts {
		if strings.Contains(text, want) {
			return
		}
	}
	c.t.Fatalf("on %s, no %s shows %q; they show %q", c.path(), sel, want, texts)
}

// is evaluates a condition in the page.
func (c *chromium) is(js string) bool {
	c.t.Helper()
	return get(c, chromedp.Evaluate[bool](js))
}

// attr returns an attribute of the first element matching sel, or "" without one.
func (c *chromium) attr(sel, name string) string {
	c.t.Helper()
	return get(c, chromedp.Evaluate[string](fmt.Sprintf(
		`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute(%q) || ""`, sel, name)))
}

// activeElement names the element that has the focus, as tag#id.
func (c *chromium) activeElement() string {
	c.t.Helper()
	return get(c, chromedp.Evaluate[string](
		`(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))(document.activeElement)`))
}

// logIn logs in through the log-in page, as a person would, and waits for the account page.
func (c *chromium) logIn(email, password string) {
	c.t.Helper()
	c.open("/login")
	c.do(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	c.follow(pressEnter)
	c.wantPath("/account")
}

// logOut uses the header's button.
func (c *chromium) logOut() {
	c.t.Helper()
	c.follow(chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)))
	c.wantPath("/login")
}

// screenshot saves the page as a PNG in SCREENSHOT_DIR, or in the test's temporary directory, to look
// at the layout.
func (c *chromium) screenshot(name string) {
	c.t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = c.t.TempDir()
	}
	png := get(c, chromedp.FullScreenshot(100))
	name = strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, name), "-")
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.t.Logf("screenshot of %s: %s", c.path(), file)
}

// axeViolation is one failed rule of an audit, with the elements that fail it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeRun audits the document against WCAG 2.2 A and AA. The targets of a node inside a frame are
// joined with " >>> ".
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
	.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
		targets: v.nodes.map(n => n.target.map(String).join(" >>> "))})))`

// axeViolations runs axe-core on the page shown.
func (c *chromium) axeViolations() []axeViolation {
	c.t.Helper()
	// A DevTools evaluation is not bound by the page's Content-Security-Policy.
	if !c.is(`typeof axe === "object"`) {
		c.do(chromedp.Evaluate[chromedp.Void](c.axe))
	}
	return get(c, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
}

// hasViolation tells whether axe-core finds the page shown to break the rule.
func (c *chromium) hasViolation(rule string) bool {
	c.t.Helper()
	for _, v := range c.axeViolations() {
		if v.ID == rule {
			return true
		}
	}
	return false
}

// audit runs axe-core on the page shown. Serious and critical violations fail the test, each with the
// elements that cause it; the others are logged.
func (c *chromium) audit(page string) {
	c.t.Helper()
	if os.Getenv("SCREENSHOT_DIR") != "" {
		c.screenshot("audit " + page)
	}
	violations := c.axeViolations()
	var failed []string
	for _, v := range violations {
		msg := fmt.Sprintf("%s (%s): %s\n\t\t%s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, "\n\t\t"))
		switch v.Impact {
		case "serious", "critical":
			failed = append(failed, msg)
		default:
			c.t.Logf("%s: %s", page, msg)
		}
	}
	if len(failed) > 0 {
		c.t.Errorf("%s: %d serious or critical accessibility violations:\n\t%s", page, len(failed), strings.Join(failed, "\n\t"))
	}
}

// testPassword is the password of the accounts these tests create.
const testPassword = "correct horse battery"

// uniqueEmail gives an address no earlier run of the tests on this database has used.
func uniqueEmail(local string) string {
	return fmt.Sprintf("%s.%d@example.org", local, unique())
}

// createUser creates a confirmed account through the domain service and returns its address.
func createUser(t *testing.T, ta *testApp, name, email string, admin bool) string {
	t.Helper()
	_, err := ta.accounts.CreateUser(context.Background(), account.CreateUserInput{Email: email, Name: name,
		Password: testPassword, Admin: admin})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return email
}
