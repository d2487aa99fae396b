package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/server"
)

// A password that passes every rule, for accounts the tests make.
const strongPassword = "plum tractor quietly hums"

// reply is an answer to a raw request, read both as JSON and as HTML.
type reply struct {
	apiResponse
	Body string
	Doc  *goquery.Document
}

// send makes a request with any method, body and headers (given as name, value pairs).
func send(t *testing.T, ta *testApp, method, path string, body io.Reader, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, ta.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1] // the client sends req.Host, not a Host header
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{apiResponse: apiResponse{Status: resp.StatusCode, Header: resp.Header}, Body: string(b)}
	_ = json.Unmarshal(b, &r.JSON)
	r.Doc, _ = goquery.NewDocumentFromReader(bytes.NewReader(b))
	return r
}

// sendJSON posts a JSON body (Content-Type application/json) with an optional bearer token.
func sendJSON(t *testing.T, ta *testApp, method, path, token, body string) reply {
	t.Helper()
	h := []string{"Content-Type", "application/json"}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return send(t, ta, method, path, strings.NewReader(body), h...)
}

// wantProblem checks an RFC 9457 answer: its media type, every member the contract requires, the
// status and the code, and a detail a person can read.
func wantProblem(t *testing.T, what string, r apiResponse, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d (%v)", what, r.Status, status, r.JSON)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	for _, k := range []string{"type", "title", "status", "detail", "code"} {
		if _, ok := r.JSON[k]; !ok {
			t.Errorf("%s: the problem lacks %q: %v", what, k, r.JSON)
		}
	}
	if got, _ := r.JSON["status"].(float64); int(got) != r.Status {
		t.Errorf("%s: problem status %v differs from the HTTP status %d", what, r.JSON["status"], r.Status)
	}
	if r.JSON["code"] != code {
		t.Errorf("%s: code %v, want %s", what, r.JSON["code"], code)
	}
	if d, _ := r.JSON["detail"].(string); len(d) < 10 {
		t.Errorf("%s: detail %q says too little to act on", what, d)
	}
}

// fieldDetail returns the problem's message about one field, or "".
func fieldDetail(r apiResponse, field string) string {
	list, _ := r.JSON["errors"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		if m["field"] == field {
			s, _ := m["detail"].(string)
			return s
		}
	}
	return ""
}

// wantPage checks that an error answer is an HTML page with a heading that says text.
func wantPage(t *testing.T, what string, header http.Header, body, text string) {
	t.Helper()
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q, want an HTML page", what, ct)
	}
	if !strings.Contains(body, text) {
		t.Errorf("%s: the page does not say %q:\n%s", what, text, body)
	}
	if !strings.Contains(body, "<h1") {
		t.Errorf("%s: no heading on the page", what)
	}
}

// newUser makes a confirmed account with strongPassword.
func newUser(t testing.TB, ta *testApp, email, name string) account.User {
	t.Helper()
	u, err := ta.accounts.CreateUser(context.Background(), account.CreateUserInput{Email: email, Name: name, Password: strongPassword})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// loggedIn returns a browser signed in as the account.
func loggedIn(t testing.TB, ta *testApp, email string) *browser {
	t.Helper()
	b := ta.browser()
	p := b.post("/login", "/login", url.Values{"email": {email}, "password": {strongPassword}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("log in %s: %d %s", email, p.Status, p.problem())
	}
	return b
}

// apiToken logs in through the API and returns the new token's secret and id.
func apiToken(t *testing.T, ta *testApp, email string) (string, int64) {
	t.Helper()
	r := sendJSON(t, ta, http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, strongPassword))
	secret, _ := r.JSON["token"].(string)
	id, _ := r.JSON["id"].(float64)
	if r.Status != http.StatusCreated || secret == "" || id == 0 {
		t.Fatalf("API log-in of %s: %d %v", email, r.Status, r.JSON)
	}
	return secret, int64(id)
}

// count runs a SELECT count(*) query.
func count(t testing.TB, ta *testApp, query string, args ...any) int {
	t.Helper()
	var n int
	if err := ta.db.SQL.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestAPIRejectsBadJSON sends every kind of unreadable or wrong body to the API: each gets a 4xx
// problem that says what to fix, and nothing is saved.
func TestAPIRejectsBadJSON(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	u := newUser(t, ta, "json.sender@example.org", "Jo Sender")
	token, _ := apiToken(t, ta, u.Email)
	tokensBefore := count(t, ta, `SELECT count(*) FROM api_tokens WHERE user_id = $1`, u.ID)

	tests := []struct {
		name, path, contentType, body string
		status                        int
		code, field, detail           string
	}{
		{"broken JSON", "/api/v1/auth/login", "application/json", `{"email": "a@example.org", "password": }`, 400, "malformed", "", "not valid JSON"},
		{"cut short", "/api/v1/auth/login", "application/json", `{"email": "a@example.org"`, 400, "malformed", "", "ends too early"},
		{"empty body", "/api/v1/auth/login", "application/json", ``, 400, "malformed", "", "empty"},
		{"two objects", "/api/v1/auth/login", "application/json", `{"email":"a@example.org","password":"x"} {}`, 400, "malformed", "", "single JSON object"},
		{"a list, not an object", "/api/v1/tokens", "application/json", `[{"name":"x"}]`, 400, "malformed", "", "JSON object"},
		{"unknown field", "/api/v1/auth/login", "application/json", `{"email":"a@example.org","password":"x","remember_me":true}`, 400, "malformed", "remember_me", "Unknown field; remove it."},
		{"unknown field on tokens", "/api/v1/tokens", "application/json", `{"name":"ci","scope":"all"}`, 400, "malformed", "scope", "Unknown field; remove it."},
		{"text/plain", "/api/v1/auth/login", "text/plain", `{"email":"a@example.org","password":"x"}`, 415, "malformed", "", "application/json"},
		{"a form", "/api/v1/tokens", "application/x-www-form-urlencoded", `name=ci`, 415, "malformed", "", "application/json"},
		{"no content type", "/api/v1/tokens", "", `{"name":"ci"}`, 415, "malformed", "", "application/json"},
		{"number for a string", "/api/v1/auth/login", "application/json", `{"email":42,"password":"x"}`, 422, "invalid", "email", "Expected a string here, not a number."},
		{"string for a number", "/api/v1/tokens", "application/json", `{"name":"ci","expires_in_days":"30"}`, 422, "invalid", "expires_in_days", "Expected a whole number here, not a string."},
		{"fraction for a whole number", "/api/v1/tokens", "application/json", `{"name":"ci","expires_in_days":1.5}`, 422, "invalid", "expires_in_days", "Expected a whole number here, not 1.5."},
		{"object for a string", "/api/v1/tokens", "application/json", `{"name":{"first":"ci"}}`, 422, "invalid", "name", "Expected a string here, not an object."},
		{"true for a string", "/api/v1/tokens", "application/json", `{"name":true}`, 422, "invalid", "name", "Expected a string here, not true or false."},
		{"missing name", "/api/v1/tokens", "application/json", `{}`, 422, "invalid", "name", "This field is required."},
		{"lifetime too long", "/api/v1/tokens", "application/json", `{"name":"ci","expires_in_days":400}`, 422, "invalid", "expires_in_days", "no larger than 366"},
		{"lifetime zero", "/api/v1/tokens", "application/json", `{"name":"ci","expires_in_days":0}`, 422, "invalid", "expires_in_days", "no smaller than 1"},
		{"blank name", "/api/v1/tokens", "application/json", `{"name":"   "}`, 422, "invalid", "name", "Give the token a name"},
		{"missing password", "/api/v1/auth/login", "application/json", `{"email":"a@example.org"}`, 422, "invalid", "password", "This field is required."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := []string{"Authorization", "Bearer " + token}
			if tt.contentType != "" {
				h = append(h, "Content-Type", tt.contentType)
			}
			r := send(t, ta, http.MethodPost, tt.path, strings.NewReader(tt.body), h...)
			wantProblem(t, tt.name, r.apiResponse, tt.status, tt.code)
			d, _ := r.JSON["detail"].(string)
			if tt.field != "" {
				// The detail says to look at the fields, and the field's message what is wrong with it.
				d = fieldDetail(r.apiResponse, tt.field)
			}
			if d == "" || !strings.Contains(d, tt.detail) {
				t.Errorf("field %q: message %q does not say %q (%v)", tt.field, d, tt.detail, r.JSON)
			}
			if d, _ := r.JSON["detail"].(string); tt.status == http.StatusBadRequest && tt.field != "" && !strings.Contains(d, `"`+tt.field+`"`) {
				t.Errorf("the detail %q does not name the unknown field", d)
			}
		})
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE user_id = $1`, u.ID); n != tokensBefore {
		t.Errorf("bad requests changed the tokens: %d, want %d", n, tokensBefore)
	}
	// The token used for all of this still works.
	if r := apiCall(t, ta, http.MethodGet, "/api/v1/me", token, ""); r.Status != http.StatusOK {
		t.Errorf("GET /me after bad requests: %d", r.Status)
	}
}

// chunked hides the length of a body, so that it is sent without Content-Length.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestBodyLimit sends bodies over BODY_LIMIT, to the API and to an HTML form: 413, and nothing saved.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withEnv("BODY_LIMIT", "2048"))
	u := newUser(t, ta, "big.body@example.org", "Bea Body")
	token, _ := apiToken(t, ta, u.Email)
	big := strings.Repeat("x", 4000)

	body := fmt.Sprintf(`{"name":%q}`, big)
	r := sendJSON(t, ta, http.MethodPost, "/api/v1/tokens", token, body)
	wantProblem(t, "API body over the limit", r.apiResponse, http.StatusRequestEntityTooLarge, "malformed")
	r = send(t, ta, http.MethodPost, "/api/v1/tokens", chunked{strings.NewReader(body)},
		"Content-Type", "application/json", "Authorization", "Bearer "+token)
	wantProblem(t, "API body over the limit without Content-Length", r.apiResponse, http.StatusRequestEntityTooLarge, "malformed")
	if d := r.JSON["detail"].(string); d != "What you sent is too large, so nothing was saved. Shorten the longest text and send it again." {
		t.Errorf("413 detail: %v", d)
	}
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, u.Email, big))
	wantProblem(t, "API log-in over the limit", r.apiResponse, http.StatusRequestEntityTooLarge, "malformed")
	// A body just under the limit is read as usual.
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/tokens", token, fmt.Sprintf(`{"name":"ci","pad":%q}`, strings.Repeat("x", 1500)))
	wantProblem(t, "API body under the limit", r.apiResponse, http.StatusBadRequest, "malformed")
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE user_id = $1`, u.ID); n != 1 {
		t.Errorf("%d tokens after oversized requests, want the log-in token only", n)
	}

	// An HTML form over the limit: a page saying so, no account made.
	b := ta.browser()
	p := b.post("/signup", "/signup", url.Values{"name": {big}, "email": {"too.big@example.org"}, "password": {strongPassword}})
	if p.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("sign-up form over the limit: %d", p.Status)
	}
	wantPage(t, "sign-up form over the limit", p.Header, p.Body, "too large")
	if lead := text(p.Doc.Find(".lead")); !strings.Contains(lead, "nothing was saved") || !strings.Contains(lead, "Back button") {
		t.Errorf("the page over the limit does not say how to get the text back: %q", lead)
	}
	if n := count(t, ta, `SELECT count(*) FROM users WHERE email = 'too.big@example.org'`); n != 0 {
		t.Errorf("an oversized sign-up created %d accounts", n)
	}
	// A signed-in person's token form: the tokens they had are still there.
	b = loggedIn(t, ta, u.Email)
	p = b.post("/account/tokens", "/account/tokens", url.Values{"name": {big}, "expires_in_days": {"30"}})
	if p.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("token form over the limit: %d", p.Status)
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL`, u.ID); n != 1 {
		t.Errorf("%d live tokens after an oversized form, want 1", n)
	}
	if p = b.get("/account/tokens"); p.Status != http.StatusOK || p.Doc.Find("main table tbody tr").Length() != 1 {
		t.Errorf("tokens page after an oversized form: %d, %d rows", p.Status, p.Doc.Find("main table tbody tr").Length())
	}
}

// TestSignUpWithTakenAddress signs up with an address that has an account: the same answer as for a
// new address, no second account, and the owner is told by mail. The command line says it plainly.
func TestSignUpWithTakenAddress(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withFreshDB(t))
	owner := newUser(t, ta, "taken.owner@example.org", "Tamar Owner")

	fresh := ta.browser()
	pNew := fresh.post("/signup", "/signup", url.Values{"name": {"Nia New"}, "email": {"brand.new@example.org"}, "password": {strongPassword}})
	again := ta.browser()
	pDup := again.post("/signup", "/signup", url.Values{"name": {"Mallory"}, "email": {" Taken.Owner@Example.org "}, "password": {"another good passphrase"}})
	for _, p := range []page{pNew, pDup} {
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/check-email" {
			t.Fatalf("sign-up: %d to %q: %s", p.Status, p.Header.Get("Location"), p.problem())
		}
	}
	textNew := strings.ReplaceAll(fresh.get("/check-email").Doc.Find("main").Text(), "brand.new@example.org", "ADDRESS")
	textDup := strings.ReplaceAll(again.get("/check-email").Doc.Find("main").Text(), owner.Email, "ADDRESS")
	if textNew != textDup || !strings.Contains(textDup, "ADDRESS") {
		t.Errorf("the check-email page differs for a taken address:\n%s\n---\n%s", textNew, textDup)
	}

	var n int
	var name, hash string
	err := ta.db.SQL.QueryRow(`SELECT count(*) OVER (), name, password_hash FROM users WHERE email = $1`, owner.Email).Scan(&n, &name, &hash)
	if err != nil || n != 1 || name != "Tamar Owner" || hash != owner.PasswordHash {
		t.Errorf("the owner's account after a second sign-up: %d rows, %q, hash kept %v, %v", n, name, hash == owner.PasswordHash, err)
	}
	m := ta.waitMail(owner.Email, "Someone tried to create")
	if !strings.Contains(m.Text, "/password/forgot") || !strings.Contains(m.Text, "/login") {
		t.Errorf("the notice lacks its links:\n%s", m.Text)
	}
	ta.waitMail("brand.new@example.org", "Confirm your email")
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE '%Confirm%'`, owner.Email); n != 0 {
		t.Errorf("the owner was sent %d confirmation links", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'account.signup_existing' AND actor_email = $1`, owner.Email); n != 1 {
		t.Errorf("%d audit entries for the second sign-up, want 1", n)
	}

	// The command line is for administrators: it says what is wrong.
	env := []string{"DATABASE_URL=" + testDB.URL, "DATA_DIR=" + t.TempDir(), "LOG_LEVEL=error"}
	_, _, err = runCLI(t, env, "", "user", "create", "--email", "taken.cli@example.org", "--name", "First")
	if err != nil {
		t.Fatalf("user create: %v", err)
	}
	_, _, err = runCLI(t, env, "", "user", "create", "--email", "Taken.CLI@example.org", "--name", "Second")
	if err == nil || !strings.Contains(err.Error(), "--email: An account already uses this email address.") {
		t.Errorf("user create with a taken address: %v", err)
	}
	if exitCode(err) != 1 {
		t.Errorf("exit status %d, want 1", exitCode(err))
	}
}

// TestWeakPasswords refuses weak passwords at sign-up and at reset with a message on the password
// field, keeping what was typed, and saving nothing.
func TestWeakPasswords(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	tests := []struct{ name, email, password, message string }{
		{"too short", "weak.short@example.org", "plum tree", "Use at least 10 characters"},
		{"too common", "weak.common@example.org", "password123", "too common"},
		{"the email address", "weak.same@example.org", "Weak.Same@example.org", "must not be your email address"},
		{"the local part", "weak.localpart@example.org", "weak.localpart", "must not be your email address"},
		{"the name", "weak.name@example.org", "winniewalker", "must not be your name"},
		{"one character", "weak.repeat@example.org", "zzzzzzzzzzzz", "too easy to guess"},
		{"empty", "weak.empty@example.org", "", "Enter a password"},
	}
	for _, tt := range tests {
		t.Run("sign-up "+tt.name, func(t *testing.T) {
			b := ta.browser()
			p := b.post("/signup", "/signup", url.Values{"name": {"Winnie Walker"}, "email": {tt.email}, "password": {tt.password}})
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", p.Status)
			}
			if got := p.fieldError("password"); !strings.Contains(got, tt.message) {
				t.Errorf("password message %q, want %q", got, tt.message)
			}
			if v, _ := p.Doc.Find("input#name").Attr("value"); v != "Winnie Walker" {
				t.Errorf("the name typed is gone: %q", v)
			}
			if v, _ := p.Doc.Find("input#email").Attr("value"); v != tt.email {
				t.Errorf("the email typed is gone: %q", v)
			}
			if _, has := p.Doc.Find("input#password").Attr("value"); has && tt.password != "" {
				t.Error("the password is sent back in the page")
			}
			if inv, _ := p.Doc.Find("input#password").Attr("aria-invalid"); inv != "true" {
				t.Error("the password field is not marked invalid")
			}
			if p.Doc.Find(`.error-summary a[href="#password"]`).Length() != 1 {
				t.Error("the error summary does not link to the password field")
			}
			if n := count(t, ta, `SELECT count(*) FROM users WHERE email = $1`, strings.ToLower(tt.email)); n != 0 {
				t.Errorf("an account was made with a weak password")
			}
		})
	}

	// A weak new password at reset leaves the link usable and the old password in place.
	u := newUser(t, ta, "weak.reset@example.org", "Rey Reset")
	b := ta.browser()
	b.post("/password/forgot", "/password/forgot", url.Values{"email": {u.Email}})
	link := linkIn(t, ta.waitMail(u.Email, "Choose a new password"), "/password/reset?token=")
	token := mustQuery(t, link, "token")
	for _, weak := range []string{"short", "password123", u.Email} {
		p := b.post(link, "/password/reset", url.Values{"token": {token}, "password": {weak}})
		if p.Status != http.StatusUnprocessableEntity || p.fieldError("password") == "" {
			t.Errorf("reset to %q: %d %q", weak, p.Status, p.fieldError("password"))
		}
		if p.Doc.Find(`input[name="token"]`).AttrOr("value", "") != token {
			t.Errorf("reset to %q: the form lost its link", weak)
		}
	}
	if hash := passwordHash(t, ta, u.Email); hash != u.PasswordHash {
		t.Error("a refused reset changed the password")
	}
	if p := b.post(link, "/password/reset", url.Values{"token": {token}, "password": {"a fresh and long passphrase"}}); p.Status != http.StatusSeeOther {
		t.Errorf("the link no longer works after weak attempts: %d %s", p.Status, p.problem())
	}
}

// waitNewLink waits for a message to the address whose subject contains subject and whose link
// containing part is not old, and returns that link.
func waitNewLink(t *testing.T, ta *testApp, to, subject, part, old string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := ta.devMailbox.DevMails(context.Background(), 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if !strings.Contains(m.To, "<"+to+">") || !strings.Contains(m.Subject, subject) {
				continue
			}
			for _, l := range linkRE.FindAllString(m.Text, -1) {
				if strings.Contains(l, part) && l != old {
					return l
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no new mail to %s with subject containing %q", to, subject)
	return ""
}

func mustQuery(t *testing.T, link, key string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get(key) == "" {
		t.Fatalf("no %s in %q", key, link)
	}
	return u.Query().Get(key)
}

func passwordHash(t *testing.T, ta *testApp, email string) string {
	t.Helper()
	var h string
	if err := ta.db.SQL.QueryRow(`SELECT password_hash FROM users WHERE email = $1`, email).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// summaryItems returns the messages listed in a page's error summary.
func summaryItems(p page) string {
	return strings.Join(p.Doc.Find(".error-summary p, .error-summary li").Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) }), " | ")
}

// TestEmailedLinks opens reset and verification links that are expired, used, unknown or cut short:
// 422 with a message saying what happened and what to do, and no change.
func TestEmailedLinks(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	u := newUser(t, ta, "links.reset@example.org", "Lin Links")
	b := ta.browser()

	// Used: after a reset, the same link is refused, in the form and when sent again.
	b.post("/password/forgot", "/password/forgot", url.Values{"email": {u.Email}})
	link := linkIn(t, ta.waitMail(u.Email, "Choose a new password"), "/password/reset?token=")
	token := mustQuery(t, link, "token")
	if p := b.get(link); p.Status != http.StatusOK || p.Doc.Find(`input[name="password"]`).Length() != 1 {
		t.Fatalf("a fresh reset link: %d", p.Status)
	}
	if p := b.post(link, "/password/reset", url.Values{"token": {token}, "password": {"the first new passphrase"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", p.Status, p.problem())
	}
	ta.waitMail(u.Email, "password was changed")
	hash := passwordHash(t, ta, u.Email)
	p := b.get(link)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "already been used") {
		t.Errorf("a used reset link: %d %q", p.Status, summaryItems(p))
	}
	if p.Doc.Find(`a[href="/password/forgot"]`).Length() == 0 {
		t.Error("a used reset link offers no way to ask for a new one")
	}
	// The reset page no longer shows its form, so the form is sent with a token from another page.
	csrfPage := "/password/forgot"
	p = b.post(csrfPage, "/password/reset", url.Values{"token": {token}, "password": {"a second new passphrase"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "already been used") {
		t.Errorf("a used reset link sent again: %d %q", p.Status, summaryItems(p))
	}
	if passwordHash(t, ta, u.Email) != hash {
		t.Error("a used reset link changed the password")
	}

	// Expired: the link is refused once its time is up, and the password stays.
	b.post("/password/forgot", "/password/forgot", url.Values{"email": {u.Email}})
	expiring := waitNewLink(t, ta, u.Email, "Choose a new password", "/password/reset?token=", link)
	res, err := ta.db.SQL.Exec(`UPDATE user_tokens SET expires_at = now() - interval '1 minute'
		WHERE user_id = $1 AND purpose = 'reset_password' AND used_at IS NULL`, u.ID)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("expire the link: %d rows, %v", n, err)
	}
	p = b.get(expiring)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "has expired") {
		t.Errorf("an expired reset link: %d %q", p.Status, summaryItems(p))
	}
	p = b.post(csrfPage, "/password/reset", url.Values{"token": {mustQuery(t, expiring, "token")}, "password": {"a third new passphrase"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "has expired") {
		t.Errorf("an expired reset link sent: %d %q", p.Status, summaryItems(p))
	}
	if passwordHash(t, ta, u.Email) != hash {
		t.Error("an expired reset link changed the password")
	}

	// A reset uses up every earlier link too: an older link left in the mailbox no longer works.
	v := ta.browser()
	w := newUser(t, ta, "links.older@example.org", "Olga Older")
	v.post("/password/forgot", "/password/forgot", url.Values{"email": {w.Email}})
	older := waitNewLink(t, ta, w.Email, "Choose a new password", "/password/reset?token=", "")
	v.post("/password/forgot", "/password/forgot", url.Values{"email": {w.Email}})
	newer := waitNewLink(t, ta, w.Email, "Choose a new password", "/password/reset?token=", older)
	if p := v.post(newer, "/password/reset", url.Values{"token": {mustQuery(t, newer, "token")}, "password": {"the newest passphrase"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reset with the newer link: %d %s", p.Status, p.problem())
	}
	if p := v.get(older); p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "already been used") {
		t.Errorf("the older link after a reset: %d %q", p.Status, summaryItems(p))
	}

	// Unknown and cut short.
	for _, tt := range []struct{ path, message string }{
		{"/password/reset?token=not-a-real-token", "not valid"},
		{"/password/reset", "incomplete"},
		{"/verify?token=not-a-real-token", "not valid"},
		{"/verify", "incomplete"},
	} {
		p := b.get(tt.path)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), tt.message) {
			t.Errorf("%s: %d %q, want 422 saying %q", tt.path, p.Status, summaryItems(p), tt.message)
		}
	}

	// Verification: opened again (mail scanners open links first), the link still lands on log-in, since
	// the address is confirmed.
	nb := ta.browser()
	nb.post("/signup", "/signup", url.Values{"name": {"Vera Verify"}, "email": {"links.verify@example.org"}, "password": {strongPassword}})
	vlink := linkIn(t, ta.waitMail("links.verify@example.org", "Confirm your email"), "/verify?token=")
	for i := range 2 {
		if p := nb.get(vlink); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login" {
			t.Fatalf("verify, opening %d: %d %s", i+1, p.Status, p.problem())
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM users WHERE email = 'links.verify@example.org' AND email_verified_at IS NOT NULL`); n != 1 {
		t.Error("the account is not confirmed after its link was opened twice")
	}

	// An expired verification link.
	nb2 := ta.browser()
	nb2.post("/signup", "/signup", url.Values{"name": {"Evan Expired"}, "email": {"links.expired@example.org"}, "password": {strongPassword}})
	elink := linkIn(t, ta.waitMail("links.expired@example.org", "Confirm your email"), "/verify?token=")
	if _, err := ta.db.SQL.Exec(`UPDATE user_tokens SET expires_at = now() - interval '1 second'
		WHERE purpose = 'verify_email' AND user_id = (SELECT id FROM users WHERE email = 'links.expired@example.org')`); err != nil {
		t.Fatal(err)
	}
	p = nb2.get(elink)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "has expired") {
		t.Errorf("an expired verification link: %d %q", p.Status, summaryItems(p))
	}
	if n := count(t, ta, `SELECT count(*) FROM users WHERE email = 'links.expired@example.org' AND email_verified_at IS NULL`); n != 1 {
		t.Error("an expired link confirmed the account")
	}
}

// TestCSRF refuses forms without the token, with another visitor's token and from another site, with
// a message saying what to do, and changes nothing.
func TestCSRF(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	u := newUser(t, ta, "csrf.victim@example.org", "Cy Victim")
	b := loggedIn(t, ta, u.Email)
	other := ta.browser()
	otherToken, _ := other.get("/signup").Doc.Find(`input[name="_csrf"]`).Attr("value")
	ownToken, _ := b.get("/account/tokens").Doc.Find(`input[name="_csrf"]`).Attr("value")
	if otherToken == "" || ownToken == "" || otherToken == ownToken {
		t.Fatalf("CSRF tokens: %q and %q", ownToken, otherToken)
	}

	postWith := func(action string, v url.Values, header ...string) page {
		req, _ := http.NewRequest(http.MethodPost, b.abs(action), strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return b.do(req)
	}
	tests := []struct {
		name   string
		action string
		values url.Values
		header []string
	}{
		{"no token", "/account/tokens", url.Values{"name": {"sneaky"}}, nil},
		{"empty token", "/account/tokens", url.Values{"name": {"sneaky"}, "_csrf": {""}}, nil},
		{"another visitor's token", "/account/tokens", url.Values{"name": {"sneaky"}, "_csrf": {otherToken}}, nil},
		{"token in a header from another visitor", "/account/tokens", url.Values{"name": {"sneaky"}}, []string{"X-CSRF-Token", otherToken}},
		{"log-out without token", "/logout", url.Values{}, nil},
		{"cross-site with a valid token", "/account/tokens", url.Values{"name": {"sneaky"}, "_csrf": {ownToken}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"cross-site log-out", "/logout", url.Values{"_csrf": {ownToken}}, []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := postWith(tt.action, tt.values, tt.header...)
			if p.Status != http.StatusForbidden {
				t.Errorf("status %d, want 403", p.Status)
			}
			wantPage(t, tt.name, p.Header, p.Body, "This form has expired or was sent from another site")
		})
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE user_id = $1`, u.ID); n != 0 {
		t.Errorf("refused forms created %d tokens", n)
	}
	if p := b.get("/account"); p.Status != http.StatusOK {
		t.Errorf("the session did not survive refused log-outs: %d", p.Status)
	}
	// The same form from this site goes through, with the token or with the browser's word for it.
	if p := postWith("/account/tokens", url.Values{"name": {"mine"}, "_csrf": {ownToken}}); p.Status != http.StatusCreated {
		t.Errorf("the form with its token: %d %s", p.Status, p.problem())
	}
	if p := postWith("/account/tokens", url.Values{"name": {"mine too"}}, "Sec-Fetch-Site", "same-origin"); p.Status != http.StatusCreated {
		t.Errorf("the form from the same origin: %d %s", p.Status, p.problem())
	}
	// A cross-site log-in form (log-in CSRF) is refused too, before the password is checked.
	anon := ta.browser()
	tok, _ := anon.get("/login").Doc.Find(`input[name="_csrf"]`).Attr("value")
	req, _ := http.NewRequest(http.MethodPost, anon.abs("/login"), strings.NewReader(url.Values{"_csrf": {tok}, "email": {u.Email}, "password": {strongPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := anon.do(req); p.Status != http.StatusForbidden {
		t.Errorf("cross-site log-in: %d", p.Status)
	}
}

// TestNotFoundAndWrongMethod: unknown addresses get 404 and wrong methods 405, as a page or as a problem.
func TestNotFoundAndWrongMethod(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	for _, path := range []string{"/no-such-page", "/c/no-such-conference", "/static/css/nothing.css", "/account/tokens/7/nothing"} {
		p := ta.browser().get(path)
		if path == "/account/tokens/7/nothing" {
			// Behind the log-in: asks to log in first, whatever is behind it.
			if p.Status != http.StatusSeeOther {
				t.Errorf("%s: %d", path, p.Status)
			}
			continue
		}
		if p.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, p.Status)
		}
		wantPage(t, path, p.Header, p.Body, "Page not found")
	}
	for _, path := range []string{"/api/v1/no-such-endpoint", "/api/v1/conferences/no-such-conference", "/api/v1/me/extra", "/api/v2/me", "/api/v1"} {
		r := send(t, ta, http.MethodGet, path, nil)
		wantProblem(t, path, r.apiResponse, http.StatusNotFound, "not_found")
	}

	p := ta.browser().get("/logout")
	if p.Status != http.StatusMethodNotAllowed || p.Header.Get("Allow") == "" {
		t.Errorf("GET /logout: %d, Allow %q", p.Status, p.Header.Get("Allow"))
	}
	wantPage(t, "GET /logout", p.Header, p.Body, "does not accept that kind of request")
	for _, tt := range []struct{ method, path, allow string }{
		{http.MethodGet, "/api/v1/auth/login", "POST"},
		{http.MethodDelete, "/api/v1/me", "GET"},
		{http.MethodPut, "/api/v1/tokens", "GET"},
		{http.MethodPost, "/api/v1/conferences", "GET"},
		{http.MethodGet, "/api/v1/tokens/1", "DELETE"},
	} {
		r := send(t, ta, tt.method, tt.path, nil)
		wantProblem(t, tt.method+" "+tt.path, r.apiResponse, http.StatusMethodNotAllowed, "malformed")
		if !strings.Contains(r.Header.Get("Allow"), tt.allow) {
			t.Errorf("%s %s: Allow %q, want it to list %s", tt.method, tt.path, r.Header.Get("Allow"), tt.allow)
		}
	}
	// HEAD of an unknown API endpoint: the status and media type, no body.
	if r := send(t, ta, http.MethodHead, "/api/v1/no-such-endpoint", nil); r.Status != http.StatusNotFound || r.Body != "" {
		t.Errorf("HEAD: %d %q", r.Status, r.Body)
	}
}

// TestAPIAuthentication refuses missing, malformed, unknown, revoked and expired tokens with 401 and a
// WWW-Authenticate challenge; nobody can revoke someone else's token.
func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	alice := newUser(t, ta, "auth.alice@example.org", "Alice Auth")
	bob := newUser(t, ta, "auth.bob@example.org", "Bob Auth")
	aliceToken, _ := apiToken(t, ta, alice.Email)
	bobToken, bobID := apiToken(t, ta, bob.Email)
	revoked, revokedID := apiToken(t, ta, alice.Email)
	if r := sendJSON(t, ta, http.MethodDelete, "/api/v1/tokens/"+strconv.FormatInt(revokedID, 10), aliceToken, ""); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %v", r.Status, r.JSON)
	}
	expired, expiredID := apiToken(t, ta, alice.Email)
	if _, err := ta.db.SQL.Exec(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, expiredID); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct{ name, authorization string }{
		{"no token", ""},
		{"empty bearer", "Bearer "},
		{"basic auth", "Basic " + "YWxpY2U6cGFzc3dvcmQ="},
		{"garbage", "Bearer garbage"},
		{"garbage with our prefix", "Bearer cnp_garbage"},
		{"very long", "Bearer cnp_" + strings.Repeat("a", 5000)},
		{"revoked", "Bearer " + revoked},
		{"expired", "Bearer " + expired},
		{"the secret's prefix only", "Bearer " + aliceToken[:10]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.authorization != "" {
				h = []string{"Authorization", tt.authorization}
			}
			for _, target := range []struct{ method, path string }{{"GET", "/api/v1/me"}, {"GET", "/api/v1/tokens"}, {"POST", "/api/v1/auth/logout"}} {
				r := send(t, ta, target.method, target.path, nil, h...)
				wantProblem(t, tt.name+" "+target.path, r.apiResponse, http.StatusUnauthorized, "unauthenticated")
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: WWW-Authenticate %q", target.path, r.Header.Get("WWW-Authenticate"))
				}
			}
		})
	}
	// Public endpoints do not let a bad token pass unnoticed either.
	r := send(t, ta, http.MethodGet, "/api/v1/conferences", nil, "Authorization", "Bearer "+revoked)
	wantProblem(t, "public endpoint with a revoked token", r.apiResponse, http.StatusUnauthorized, "unauthenticated")

	// Someone else's token is "not found", exactly like one that does not exist, and stays valid.
	for _, id := range []string{strconv.FormatInt(bobID, 10), "999999999", "0", "-1", "abc", strconv.FormatInt(revokedID, 10)} {
		r := sendJSON(t, ta, http.MethodDelete, "/api/v1/tokens/"+id, aliceToken, "")
		wantProblem(t, "revoke "+id, r.apiResponse, http.StatusNotFound, "not_found")
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE id = $1 AND revoked_at IS NULL`, bobID); n != 1 {
		t.Error("Alice revoked Bob's token")
	}
	if r := apiCall(t, ta, http.MethodGet, "/api/v1/me", bobToken, ""); r.Status != http.StatusOK || r.JSON["email"] != bob.Email {
		t.Errorf("Bob's token after Alice's attempt: %d %v", r.Status, r.JSON)
	}
	// Nor from the web page.
	b := loggedIn(t, ta, alice.Email)
	p := b.post("/account/tokens", "/account/tokens/"+strconv.FormatInt(bobID, 10)+"/revoke", url.Values{})
	if p.Status != http.StatusNotFound {
		t.Errorf("revoking Bob's token from Alice's page: %d", p.Status)
	}
	if r := apiCall(t, ta, http.MethodGet, "/api/v1/me", bobToken, ""); r.Status != http.StatusOK {
		t.Errorf("Bob's token after Alice's page: %d", r.Status)
	}
}

// TestLoginRateLimits: the fourth attempt in the hour gets 429 with Retry-After, on the page and in
// the API, per client address and per account.
func TestLoginRateLimits(t *testing.T) {
	t.Parallel()
	hour := server.Limit{Burst: 3, Every: time.Hour}

	t.Run("per address", func(t *testing.T) {
		ta := startApp(t, withLimits(server.RateLimits{LoginPerIP: hour}))
		u := newUser(t, ta, "limit.ip@example.org", "Ida Limit")
		b := ta.browser()
		for i := range 3 {
			p := b.post("/login", "/login", url.Values{"email": {fmt.Sprintf("limit.ip%d@example.org", i)}, "password": {"wrong password here"}})
			if p.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d %s", i+1, p.Status, p.problem())
			}
		}
		p := b.post("/login", "/login", url.Values{"email": {u.Email}, "password": {strongPassword}})
		if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") != "3600" {
			t.Errorf("fourth attempt: %d, Retry-After %q", p.Status, p.Header.Get("Retry-After"))
		}
		if !strings.Contains(p.problem(), "Too many attempts") || !strings.Contains(p.problem(), "60 minutes") {
			t.Errorf("the page says %q", p.problem())
		}
		if v, _ := p.Doc.Find("input#email").Attr("value"); v != u.Email {
			t.Errorf("the address typed is gone: %q", v)
		}
		r := sendJSON(t, ta, http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, u.Email, strongPassword))
		wantProblem(t, "API log-in over the limit", r.apiResponse, http.StatusTooManyRequests, "rate_limited")
		if r.Header.Get("Retry-After") != "3600" {
			t.Errorf("API Retry-After %q", r.Header.Get("Retry-After"))
		}
		if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE user_id = $1`, u.ID); n != 0 {
			t.Errorf("a refused log-in made %d tokens", n)
		}
		if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'login.success' AND actor_id = $1`, u.ID); n != 0 {
			t.Errorf("a refused log-in was recorded as a success")
		}
	})

	t.Run("per account", func(t *testing.T) {
		ta := startApp(t, withLimits(server.RateLimits{LoginPerAccount: hour}))
		victim := newUser(t, ta, "limit.victim@example.org", "Vic Limit")
		bystander := newUser(t, ta, "limit.bystander@example.org", "By Stander")
		b := ta.browser()
		for i, email := range []string{victim.Email, "Limit.Victim@Example.org", " limit.victim@example.org"} {
			p := b.post("/login", "/login", url.Values{"email": {email}, "password": {"a wrong guess " + strconv.Itoa(i)}})
			if p.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d %s", i+1, p.Status, p.problem())
			}
		}
		p := ta.browser().post("/login", "/login", url.Values{"email": {victim.Email}, "password": {strongPassword}})
		if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" {
			t.Errorf("fourth attempt on the account: %d, Retry-After %q", p.Status, p.Header.Get("Retry-After"))
		}
		r := sendJSON(t, ta, http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, "LIMIT.VICTIM@example.org", strongPassword))
		wantProblem(t, "API log-in to a limited account", r.apiResponse, http.StatusTooManyRequests, "rate_limited")
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After in the API")
		}
		// Another account from the same address is not held up.
		if p := b.post("/login", "/login", url.Values{"email": {bystander.Email}, "password": {strongPassword}}); p.Status != http.StatusSeeOther {
			t.Errorf("another account: %d %s", p.Status, p.problem())
		}
	})

	t.Run("password reset per account", func(t *testing.T) {
		ta := startApp(t, withLimits(server.RateLimits{ResetPerAccount: server.Limit{Burst: 2, Every: time.Hour}}))
		u := newUser(t, ta, "limit.reset@example.org", "Rita Reset")
		b := ta.browser()
		for range 2 {
			if p := b.post("/password/forgot", "/password/forgot", url.Values{"email": {u.Email}}); p.Status != http.StatusOK {
				t.Fatalf("reset request: %d %s", p.Status, p.problem())
			}
		}
		p := b.post("/password/forgot", "/password/forgot", url.Values{"email": {u.Email}})
		if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" || !strings.Contains(p.problem(), "Too many attempts") {
			t.Errorf("third reset request: %d, Retry-After %q, %q", p.Status, p.Header.Get("Retry-After"), p.problem())
		}
		if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, u.Email); n != 2 {
			t.Errorf("%d reset mails queued, want 2", n)
		}
	})
}

// TestNoAccountEnumeration: log-in and password reset answer the same for an unknown address as for a
// known one, and send no mail to an unknown one.
func TestNoAccountEnumeration(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	u := newUser(t, ta, "enum.known@example.org", "Ken Known")
	const unknown = "enum.unknown@example.org"

	wrong := ta.browser().post("/login", "/login", url.Values{"email": {u.Email}, "password": {"not the password"}})
	nobody := ta.browser().post("/login", "/login", url.Values{"email": {unknown}, "password": {"not the password"}})
	if wrong.Status != http.StatusUnauthorized || nobody.Status != wrong.Status {
		t.Errorf("log-in: wrong password %d, unknown address %d", wrong.Status, nobody.Status)
	}
	if wrong.problem() != nobody.problem() || wrong.problem() == "" {
		t.Errorf("log-in messages differ: %q and %q", wrong.problem(), nobody.problem())
	}
	if wrong.fieldError("email") != "" || wrong.fieldError("password") != "" || nobody.fieldError("email") != "" {
		t.Error("a field is singled out, which tells which part was wrong")
	}
	a := sendJSON(t, ta, http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":"not the password"}`, u.Email))
	z := sendJSON(t, ta, http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":"not the password"}`, unknown))
	wantProblem(t, "API wrong password", a.apiResponse, http.StatusUnauthorized, "unauthenticated")
	wantProblem(t, "API unknown address", z.apiResponse, http.StatusUnauthorized, "unauthenticated")
	if a.JSON["detail"] != z.JSON["detail"] {
		t.Errorf("API log-in details differ: %v and %v", a.JSON["detail"], z.JSON["detail"])
	}

	known := ta.browser().post("/password/forgot", "/password/forgot", url.Values{"email": {u.Email}})
	other := ta.browser().post("/password/forgot", "/password/forgot", url.Values{"email": {unknown}})
	if known.Status != http.StatusOK || other.Status != known.Status {
		t.Fatalf("reset: known %d, unknown %d", known.Status, other.Status)
	}
	kt := strings.ReplaceAll(known.Doc.Find("main").Text(), u.Email, "ADDRESS")
	ut := strings.ReplaceAll(other.Doc.Find("main").Text(), unknown, "ADDRESS")
	if kt != ut || !strings.Contains(kt, "ADDRESS") {
		t.Errorf("reset pages differ:\n%s\n---\n%s", kt, ut)
	}
	ta.waitMail(u.Email, "Choose a new password")
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, unknown); n != 0 {
		t.Errorf("%d messages queued for an unknown address", n)
	}
	if n := ta.countMail(unknown); n != 0 {
		t.Errorf("%d messages delivered to an unknown address", n)
	}
	// A malformed address is a field error, the same for everyone.
	p := ta.browser().post("/password/forgot", "/password/forgot", url.Values{"email": {"not an address"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("email"), "name@example.org") {
		t.Errorf("malformed address: %d %q", p.Status, p.fieldError("email"))
	}
	if v, _ := p.Doc.Find("input#email").Attr("value"); v != "not an address" {
		t.Errorf("the address typed is gone: %q", v)
	}
}

// TestBadFormInput keeps what a signed-in person typed and what they had saved when a form is wrong.
func TestBadFormInput(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	u := newUser(t, ta, "form.keeper@example.org", "Kim Keeper")
	b := loggedIn(t, ta, u.Email)
	if p := b.post("/account/tokens", "/account/tokens", url.Values{"name": {"laptop"}, "expires_in_days": {"30"}}); p.Status != http.StatusCreated {
		t.Fatalf("create token: %d %s", p.Status, p.problem())
	}
	for _, tt := range []struct{ name, days, field, message string }{
		{"my script", "abc", "expires_in_days", "1 to 366"},
		{"my script", "400", "expires_in_days", "1 to 366"},
		{"my script", "0", "expires_in_days", "1 to 366"},
		{"", "30", "name", "Give the token a name"},
		{strings.Repeat("n", 101), "30", "name", "at most 100"},
	} {
		p := b.post("/account/tokens", "/account/tokens", url.Values{"name": {tt.name}, "expires_in_days": {tt.days}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError(tt.field), tt.message) {
			t.Errorf("token %q for %q days: %d, %s says %q", tt.name, tt.days, p.Status, tt.field, p.fieldError(tt.field))
		}
		if v, _ := p.Doc.Find("input#name").Attr("value"); v != tt.name {
			t.Errorf("the name typed is gone: %q", v)
		}
		if !strings.Contains(p.Doc.Find("main").Text(), "laptop") {
			t.Error("the saved token is missing from the page")
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL`, u.ID); n != 1 {
		t.Errorf("%d tokens, want the one saved", n)
	}
	// Log-in without a password, and a sign-up with nothing filled in.
	p := ta.browser().post("/login", "/login", url.Values{"email": {u.Email}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("password") != "Enter your password." {
		t.Errorf("log-in without a password: %d %q", p.Status, p.fieldError("password"))
	}
	p = ta.browser().post("/signup", "/signup", url.Values{})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("name") == "" || p.fieldError("email") == "" || p.fieldError("password") == "" {
		t.Errorf("empty sign-up: %d, %q %q %q", p.Status, p.fieldError("name"), p.fieldError("email"), p.fieldError("password"))
	}
	if !strings.Contains(p.problem(), "3 highlighted fields") {
		t.Errorf("empty sign-up summary: %q", p.problem())
	}
}

// TestTextThatCannotBeStored sends NUL bytes and broken UTF-8, which the database cannot hold: the
// client's mistake (422 on the field, 404 in a path), never a 500, and nothing saved.
func TestTextThatCannotBeStored(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	u := newUser(t, ta, "text.nul@example.org", "Nul Text")
	token, _ := apiToken(t, ta, u.Email)

	for _, tt := range []struct {
		what         string
		values       url.Values
		form, action string
		field        string
	}{
		{"NUL in a name", url.Values{"name": {"Ann\x00"}, "email": {"text.ann@example.org"}, "password": {strongPassword}}, "/signup", "/signup", "name"},
		{"broken UTF-8 in a name", url.Values{"name": {"Ann\xff"}, "email": {"text.ann@example.org"}, "password": {strongPassword}}, "/signup", "/signup", "name"},
		{"NUL in an address at sign-up", url.Values{"name": {"Ann"}, "email": {"text.ann\x00@example.org"}, "password": {strongPassword}}, "/signup", "/signup", "email"},
		{"NUL in an address at log-in", url.Values{"email": {"text.nul\x00@example.org"}, "password": {strongPassword}}, "/login", "/login", "email"},
		{"broken UTF-8 in an address at log-in", url.Values{"email": {"text.nul\xfe@example.org"}, "password": {strongPassword}}, "/login", "/login", "email"},
		{"NUL in an address for a reset", url.Values{"email": {"text.nul@example.org\x00"}}, "/password/forgot", "/password/forgot", "email"},
	} {
		p := ta.browser().post(tt.form, tt.action, tt.values)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError(tt.field), "cannot be saved") {
			t.Errorf("%s: %d, %s says %q", tt.what, p.Status, tt.field, p.fieldError(tt.field))
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM users WHERE email LIKE 'text.ann%'`); n != 0 {
		t.Errorf("%d accounts made from unstorable text", n)
	}
	b := loggedIn(t, ta, u.Email)
	if p := b.post("/account/tokens", "/account/tokens", url.Values{"name": {"lap\x00top"}}); p.Status != http.StatusUnprocessableEntity || p.fieldError("name") == "" {
		t.Errorf("NUL in a token name on the page: %d %q", p.Status, p.fieldError("name"))
	}

	for _, tt := range []struct{ what, path, body, field string }{
		{"NUL in the API log-in address", "/api/v1/auth/login", `{"email":"text.nul\u0000@example.org","password":"x"}`, "email"},
		{"NUL in an API token name", "/api/v1/tokens", `{"name":"lap\u0000top"}`, "name"},
	} {
		r := sendJSON(t, ta, http.MethodPost, tt.path, token, tt.body)
		wantProblem(t, tt.what, r.apiResponse, http.StatusUnprocessableEntity, "invalid")
		if fieldDetail(r.apiResponse, tt.field) == "" {
			t.Errorf("%s: no message about %s: %v", tt.what, tt.field, r.JSON)
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE user_id = $1`, u.ID); n != 1 {
		t.Errorf("%d tokens, want the log-in token only", n)
	}

	for _, path := range []string{"/c/%00", "/c/%FF", "/c/a%00b/manage"} {
		if p := ta.browser().get(path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.Status)
		}
	}
	for _, path := range []string{"/api/v1/conferences/%00", "/api/v1/conferences/%FF"} {
		r := send(t, ta, http.MethodGet, path, nil)
		wantProblem(t, path, r.apiResponse, http.StatusNotFound, "not_found")
	}
}

// apiDraft starts a draft of the format through the API of the conference at base, as the owner of
// token, and returns its id.
func apiDraft(t *testing.T, ta *testApp, token, base string, formatID int64, title string) int64 {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"format_id": formatID, "title": title})
	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", token, string(body))
	id, ok := r.JSON["proposal"].(map[string]any)["id"].(float64)
	if r.Status != http.StatusCreated || !ok {
		t.Fatalf("start a draft: %d %v", r.Status, r.JSON)
	}
	return int64(id)
}
