package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/challenging-norms/conference/api"
	"github.com/challenging-norms/conference/internal/conference"
)

// TestAPIFlow uses the API as a script would: log in for a token, read the account, manage tokens,
// log out, and read the conferences.
func TestAPIFlow(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	u := newUser(t, ta, "api.flow@example.org", "Ada Flow")
	login := func(email, password, extra string) reply {
		return sendJSON(t, ta, http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q%s}`, email, password, extra))
	}

	// Wrong password: 401 with a challenge. Unconfirmed address: 403, and a new link is sent.
	r := login(u.Email, "not the password", "")
	wantProblem(t, "wrong password", r.apiResponse, http.StatusUnauthorized, "unauthenticated")
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	b := ta.browser()
	b.post("/signup", "/signup", url.Values{"name": {"Una Confirmed"}, "email": {"api.unconfirmed@example.org"}, "password": {strongPassword}})
	r = login("api.unconfirmed@example.org", strongPassword, "")
	wantProblem(t, "unconfirmed address", r.apiResponse, http.StatusForbidden, "forbidden")
	if d, _ := r.JSON["detail"].(string); !strings.Contains(d, "confirm your email") {
		t.Errorf("unconfirmed detail: %q", d)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = 'api.unconfirmed@example.org' AND subject LIKE '%Confirm%'`); n != 2 {
		t.Errorf("%d confirmation mails, want the sign-up's and a new one", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'api.unconfirmed@example.org'`); n != 0 {
		t.Errorf("an unconfirmed account got %d tokens", n)
	}

	// Log in: 201 with the secret once, the account, and a row that holds only a hash.
	before := time.Now()
	r = login("API.Flow@example.org", strongPassword, `,"token_name":"ci script","expires_in_days":7`)
	if r.Status != http.StatusCreated || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("log-in: %d %s %v", r.Status, r.Header.Get("Content-Type"), r.JSON)
	}
	secret, _ := r.JSON["token"].(string)
	firstID := int64(r.JSON["id"].(float64))
	user, _ := r.JSON["user"].(map[string]any)
	if !strings.HasPrefix(secret, "cnp_") || r.JSON["name"] != "ci script" || !strings.HasPrefix(secret, r.JSON["prefix"].(string)) {
		t.Errorf("log-in answer: %v", r.JSON)
	}
	if user["email"] != u.Email || user["name"] != "Ada Flow" || user["email_verified"] != true || user["is_admin"] != false {
		t.Errorf("log-in user: %v", user)
	}
	exp, err := time.Parse(time.RFC3339, r.JSON["expires_at"].(string))
	if err != nil || exp.Before(before.Add(7*24*time.Hour-time.Minute)) || exp.After(time.Now().Add(7*24*time.Hour+time.Minute)) {
		t.Errorf("expires_at %v, want in 7 days (%v)", r.JSON["expires_at"], err)
	}
	var name, prefix string
	var hash []byte
	if err := ta.db.SQL.QueryRow(`SELECT name, prefix, token_hash FROM api_tokens WHERE id = $1 AND user_id = $2`, firstID, u.ID).Scan(&name, &prefix, &hash); err != nil {
		t.Fatal(err)
	}
	if name != "ci script" || !strings.HasPrefix(secret, prefix) || len(hash) != 32 || strings.Contains(string(hash), secret) {
		t.Errorf("token row: %q %q, %d-byte hash", name, prefix, len(hash))
	}
	// Without a name or lifetime: named for the log-in, valid 30 days.
	r = login(u.Email, strongPassword, "")
	second, _ := r.JSON["token"].(string)
	exp, _ = time.Parse(time.RFC3339, fmt.Sprint(r.JSON["expires_at"]))
	if r.Status != http.StatusCreated || !strings.HasPrefix(r.JSON["name"].(string), "API log-in ") || exp.Sub(time.Now()).Round(time.Hour) != 30*24*time.Hour {
		t.Errorf("default log-in token: %d %v", r.Status, r.JSON)
	}

	// The account.
	me := sendJSON(t, ta, http.MethodGet, "/api/v1/me", secret, "")
	if me.Status != http.StatusOK || me.JSON["id"] != float64(u.ID) || me.JSON["email"] != u.Email {
		t.Fatalf("GET /me: %d %v", me.Status, me.JSON)
	}
	if roles, ok := me.JSON["roles"].([]any); !ok || len(roles) != 0 {
		t.Errorf("roles: %#v, want an empty list", me.JSON["roles"])
	}
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(me.JSON["created_at"])); err != nil {
		t.Errorf("created_at: %v", me.JSON["created_at"])
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE id = $1 AND last_used_at IS NOT NULL`, firstID); n != 1 {
		t.Error("last_used_at is not set after use")
	}

	// Tokens: create, list (no secrets), revoke.
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/tokens", secret, `{"name":"deploy"}`)
	deploy, _ := r.JSON["token"].(string)
	if r.Status != http.StatusCreated || !strings.HasPrefix(deploy, "cnp_") || r.JSON["expires_at"] != nil {
		t.Fatalf("create token: %d %v", r.Status, r.JSON)
	}
	deployID := int64(r.JSON["id"].(float64))
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/tokens", secret, `{"name":"one day","expires_in_days":1}`)
	if r.Status != http.StatusCreated || r.JSON["expires_at"] == nil {
		t.Errorf("create a token for one day: %d %v", r.Status, r.JSON)
	}
	list := send(t, ta, http.MethodGet, "/api/v1/tokens", nil, "Authorization", "Bearer "+deploy)
	tokens, _ := list.JSON["tokens"].([]any)
	if list.Status != http.StatusOK || len(tokens) != 4 {
		t.Fatalf("list tokens: %d, %d tokens", list.Status, len(tokens))
	}
	for _, s := range []string{secret, second, deploy} {
		if strings.Contains(list.Body, s) {
			t.Error("the list shows a secret")
		}
	}
	for _, x := range tokens {
		tok := x.(map[string]any)
		for _, k := range []string{"id", "name", "prefix", "created_at", "last_used_at", "expires_at"} {
			if _, ok := tok[k]; !ok {
				t.Errorf("a listed token lacks %q: %v", k, tok)
			}
		}
		if _, ok := tok["token"]; ok {
			t.Errorf("a listed token has its secret: %v", tok)
		}
	}
	if first := tokens[0].(map[string]any); first["name"] != "one day" {
		t.Errorf("the list is not newest first: %v", first["name"])
	}
	r = sendJSON(t, ta, http.MethodDelete, "/api/v1/tokens/"+strconv.FormatInt(deployID, 10), secret, "")
	if r.Status != http.StatusNoContent || r.Body != "" {
		t.Errorf("revoke: %d %q", r.Status, r.Body)
	}
	wantProblem(t, "revoked token", sendJSON(t, ta, http.MethodGet, "/api/v1/me", deploy, "").apiResponse, http.StatusUnauthorized, "unauthenticated")
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE id = $1 AND revoked_at IS NOT NULL`, deployID); n != 1 {
		t.Error("the revoked token's row has no revoked_at")
	}
	r = sendJSON(t, ta, http.MethodDelete, "/api/v1/tokens/"+strconv.FormatInt(deployID, 10), secret, "")
	wantProblem(t, "revoke twice", r.apiResponse, http.StatusNotFound, "not_found")

	// Log out revokes the token in use, and only that one.
	if r = sendJSON(t, ta, http.MethodPost, "/api/v1/auth/logout", secret, ""); r.Status != http.StatusNoContent {
		t.Fatalf("log out: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "after log-out", sendJSON(t, ta, http.MethodGet, "/api/v1/me", secret, "").apiResponse, http.StatusUnauthorized, "unauthenticated")
	if r = sendJSON(t, ta, http.MethodGet, "/api/v1/me", second, ""); r.Status != http.StatusOK {
		t.Errorf("another token after log-out: %d", r.Status)
	}
	if n := count(t, ta, `SELECT count(*) FROM api_tokens WHERE id = $1 AND revoked_at IS NOT NULL`, firstID); n != 1 {
		t.Error("the logged-out token's row has no revoked_at")
	}
	var actions []string
	rows, err := ta.db.SQL.Query(`SELECT action FROM audit_log WHERE actor_id = $1 ORDER BY id`, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		actions = append(actions, a)
	}
	rows.Close()
	if got := strings.Join(actions, ","); !strings.Contains(got, "login.failure,login.success,api_token.created") || !strings.HasSuffix(got, "api_token.revoked,api_token.revoked") {
		t.Errorf("audit: %s", got)
	}

	// Conferences are public.
	if _, err := ta.confs.Seed(ctx, conference.CreateInput{Slug: "api-flow-2031", Name: "API Flow Conference", TimeZone: "Europe/Lisbon", StartsOn: "2031-05-06", EndsOn: "2031-05-08"}); err != nil {
		t.Fatal(err)
	}
	r = send(t, ta, http.MethodGet, "/api/v1/conferences", nil)
	confs, _ := r.JSON["conferences"].([]any)
	found := false
	for _, c := range confs {
		if c.(map[string]any)["slug"] == "api-flow-2031" {
			found = true
		}
	}
	if r.Status != http.StatusOK || !found {
		t.Errorf("list conferences: %d %v", r.Status, r.JSON)
	}
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/api-flow-2031", nil)
	want := map[string]any{"slug": "api-flow-2031", "name": "API Flow Conference", "time_zone": "Europe/Lisbon", "starts_on": "2031-05-06", "ends_on": "2031-05-08"}
	if r.Status != http.StatusOK || fmt.Sprint(r.JSON) != fmt.Sprint(want) {
		t.Errorf("GET the conference: %d %v", r.Status, r.JSON)
	}
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/no-such-conference", nil)
	wantProblem(t, "unknown conference", r.apiResponse, http.StatusNotFound, "not_found")

	// The contract is served as it is in the repository.
	r = send(t, ta, http.MethodGet, "/api/v1/openapi.yaml", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/yaml") || r.Body != string(api.OpenAPI) {
		t.Errorf("openapi.yaml: %d %q, %d bytes", r.Status, r.Header.Get("Content-Type"), len(r.Body))
	}
	var doc struct {
		OpenAPI string `yaml:"openapi"`
	}
	if err := yaml.Unmarshal([]byte(r.Body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi.yaml does not parse as OpenAPI 3: %q %v", doc.OpenAPI, err)
	}
}

// TestOperations checks what operators and browsers rely on: security headers, health and
// readiness, and the metrics.
func TestOperations(t *testing.T) {
	t.Parallel()
	ta := startApp(t)

	for _, path := range []string{"/", "/login", "/no-such-page", "/api/v1/me"} {
		r := send(t, ta, http.MethodGet, path, nil)
		h := r.Header
		csp := map[string][]string{}
		for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
			f := strings.Fields(d)
			if len(f) > 0 {
				csp[f[0]] = f[1:]
			}
		}
		script := strings.Join(csp["script-src"], " ")
		if script == "" {
			script = strings.Join(csp["default-src"], " ")
		}
		if !strings.Contains(script, "'self'") || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") {
			t.Errorf("%s: script-src %q", path, script)
		}
		if obj := strings.Join(csp["object-src"], " "); obj != "'none'" {
			t.Errorf("%s: object-src %q", path, obj)
		}
		if fa := strings.Join(csp["frame-ancestors"], " "); fa != "'self'" && fa != "'none'" {
			t.Errorf("%s: frame-ancestors %q", path, fa)
		}
		for k, ok := range map[string]func(string) bool{
			"X-Content-Type-Options": func(v string) bool { return v == "nosniff" },
			"X-Frame-Options":        func(v string) bool { return v == "SAMEORIGIN" || v == "DENY" },
			"Referrer-Policy": func(v string) bool {
				return v == "strict-origin-when-cross-origin" || v == "no-referrer" || v == "same-origin"
			},
			"X-Request-Id": func(v string) bool { return len(v) >= 16 },
		} {
			if !ok(h.Get(k)) {
				t.Errorf("%s: %s is %q", path, k, h.Get(k))
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS is sent over plain HTTP in development", path)
		}
	}
	if r := send(t, ta, http.MethodGet, "/login", nil); r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a page with a form may be cached: %q", r.Header.Get("Cache-Control"))
	}

	r := send(t, ta, http.MethodGet, "/healthz", nil)
	if r.Status != http.StatusOK || r.JSON["status"] != "ok" {
		t.Errorf("/healthz: %d %v", r.Status, r.JSON)
	}
	r = send(t, ta, http.MethodGet, "/readyz", nil)
	checks, _ := r.JSON["checks"].(map[string]any)
	if r.Status != http.StatusOK || r.JSON["status"] != "ready" || checks["database"] != "ok" || checks["migrations"] != "ok" {
		t.Errorf("/readyz: %d %v", r.Status, r.JSON)
	}

	// A few requests for the metrics to count, including a 404 whose path must not become a label.
	send(t, ta, http.MethodGet, "/api/v1/conferences", nil)
	send(t, ta, http.MethodGet, "/random-path-7f3a9", nil)
	r = send(t, ta, http.MethodGet, "/metrics", nil, "Host", "attacker-chosen.example")
	if r.Status != http.StatusOK {
		t.Fatalf("/metrics: %d", r.Status)
	}
	for _, want := range []string{
		`http_requests_total{`,
		`url="/api/v1/conferences"`,
		`http_request_duration_seconds_bucket{`,
		`http_request_duration_seconds_count{`,
		"\nmail_queue_depth ",
		"\ngo_goroutines ",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, bad := range []string{"random-path-7f3a9", "attacker-chosen", `url="/metrics"`} {
		if strings.Contains(r.Body, bad) {
			t.Errorf("/metrics shows %q", bad)
		}
	}
	for _, line := range strings.Split(r.Body, "\n") {
		if strings.HasPrefix(line, "mail_queue_depth ") {
			if v, err := strconv.ParseFloat(strings.TrimPrefix(line, "mail_queue_depth "), 64); err != nil || v < 0 {
				t.Errorf("mail_queue_depth: %q", line)
			}
		}
	}
}
