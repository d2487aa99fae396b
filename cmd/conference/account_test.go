package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/store"
)

// TestNewcomerFlow follows a newcomer through the web pages and the API: sign up, read the mail,
// verify, log in, create an API token, call the API with it, log out.
func TestNewcomerFlow(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.browser()
	email := "amara.flow@example.org"

	p := b.post("/signup", "/signup", url.Values{"name": {"Amara Okafor"}, "email": {"Amara.Flow@Example.org"}, "password": {"correct horse battery"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/check-email" {
		t.Fatalf("sign-up: got %d to %q: %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	if got := b.get("/check-email").Doc.Find("main strong").Text(); got != email {
		t.Errorf("check-email page names %q, want %q", got, email)
	}

	// Not verified yet: logging in is refused, with a clear message and a new link sent.
	p = b.post("/login", "/login", url.Values{"email": {email}, "password": {"correct horse battery"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.problem(), "confirm your email") {
		t.Fatalf("unverified log-in: got %d %q", p.Status, p.problem())
	}

	m := ta.waitMail(email, "Confirm your email")
	if !strings.Contains(m.HTML, "Confirm my email address") || !strings.HasPrefix(m.MessageID, "mail-") {
		t.Errorf("verification mail lacks its HTML part or Message-ID: %q", m.MessageID)
	}
	p = b.get(linkIn(t, m, "/verify?token="))
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login" {
		t.Fatalf("verify: got %d to %q: %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	u, err := store.Accounts{DB: ta.db}.UserByEmail(context.Background(), email)
	if err != nil || !u.Verified() || u.Name != "Amara Okafor" {
		t.Fatalf("user row after verify: %+v, %v", u, err)
	}
	if strings.Contains(u.PasswordHash, "battery") || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("password not stored as an argon2id hash: %q", u.PasswordHash)
	}

	cookieBefore := sessionCookie(b)
	p = b.post("/login", "/login", url.Values{"email": {email}, "password": {"correct horse battery"}, "next": {"/account/tokens"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/account/tokens" {
		t.Fatalf("log-in: got %d to %q: %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	if after := sessionCookie(b); after == "" || after == cookieBefore {
		t.Errorf("session id was not renewed at log-in (%q -> %q)", cookieBefore, after)
	}
	for _, c := range p.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "session=") && (!strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax")) {
			t.Errorf("session cookie lacks HttpOnly or SameSite: %s", c)
		}
	}
	// The forms' token lasts as long as a session can: a form left open overnight still saves.
	var csrfCookie *http.Cookie
	for _, c := range (&http.Response{Header: b.get("/account").Header}).Cookies() {
		if c.Name == "csrf" {
			csrfCookie = c
		}
	}
	if csrfCookie == nil || time.Until(csrfCookie.Expires) < 13*24*time.Hour || !csrfCookie.HttpOnly {
		t.Errorf("the forms' token cookie: %+v", csrfCookie)
	}
	if got := b.get("/account").Doc.Find("main dd").First().Text(); got != "Amara Okafor" {
		t.Errorf("account page shows name %q", got)
	}

	p = b.post("/account/tokens", "/account/tokens", url.Values{"name": {"my script"}, "expires_in_days": {"30"}})
	secret, _ := p.Doc.Find("#new-token").Attr("value")
	if p.Status != http.StatusCreated || !strings.HasPrefix(secret, "cnp_") {
		t.Fatalf("create token: got %d, secret %q: %s", p.Status, secret, p.problem())
	}
	if strings.Contains(b.get("/account/tokens").Body, secret) {
		t.Error("the token's secret is shown again after its creation")
	}

	me := apiCall(t, ta, http.MethodGet, "/api/v1/me", secret, "")
	if me.Status != http.StatusOK || me.JSON["email"] != email || me.JSON["email_verified"] != true {
		t.Fatalf("GET /me with the token: %d %v", me.Status, me.JSON)
	}

	p = b.post("/account", "/logout", url.Values{})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login" {
		t.Fatalf("log-out: got %d to %q", p.Status, p.Header.Get("Location"))
	}
	if p = b.get("/account"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login?next=") {
		t.Errorf("after log-out /account answers %d to %q", p.Status, p.Header.Get("Location"))
	}

	// The audit log holds the story, with the client's address.
	var actions []string
	rows, err := ta.db.SQL.Query(`SELECT action FROM audit_log WHERE actor_email = $1 AND ip = '127.0.0.1' ORDER BY id`, email)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		actions = append(actions, a)
	}
	want := "account.signup,account.verified,login.success,api_token.created,logout"
	if got := strings.Join(dedupe(actions), ","); got != want {
		t.Errorf("audit actions = %s, want %s", got, want)
	}
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if s == "login.failure" {
			continue
		}
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

func sessionCookie(b *browser) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "session" {
			return c.Value
		}
	}
	return ""
}

type apiResponse struct {
	Status int
	Header http.Header
	JSON   map[string]any
}

// apiCall calls the API with an optional bearer token and JSON body.
func apiCall(t *testing.T, ta *testApp, method, path, token, body string) apiResponse {
	t.Helper()
	req, _ := http.NewRequest(method, ta.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := apiResponse{Status: resp.StatusCode, Header: resp.Header}
	_ = json.NewDecoder(resp.Body).Decode(&out.JSON)
	return out
}
