package account_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/web"
)

var testDB *pgtest.Database

func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }

func newService(t *testing.T, secret string, now func() time.Time) (*account.Service, *store.DB) {
	t.Helper()
	db, err := testDB.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	r, err := mail.NewRenderer(web.FS, "Test")
	if err != nil {
		t.Fatal(err)
	}
	return account.NewService(account.Options{Store: store.Accounts{DB: db}, Outbox: mail.NewOutbox(r, store.Mail{DB: db}),
		Audit: store.Audit{DB: db}, Secret: secret, BaseURL: "https://conf.example.org", Now: now}), db
}

// TestConcurrentSignUpsMakeOneAccount sends the same sign-up at once from several clients: every one
// gets the same answer, one account is made, and nothing reveals which request made it.
func TestConcurrentSignUpsMakeOneAccount(t *testing.T) {
	svc, db := newService(t, "a secret key of at least thirty-two chars", nil)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			errs[i] = svc.SignUp(context.Background(), account.SignUpInput{Name: "Ife", Email: "race@example.org", Password: "a fine long password"})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("sign-up %d: %v", i, err)
		}
	}
	var users, verify int
	_ = db.SQL.QueryRow(`SELECT count(*) FROM users WHERE email = 'race@example.org'`).Scan(&users)
	_ = db.SQL.QueryRow(`SELECT count(*) FROM email_messages WHERE recipient = 'race@example.org' AND subject LIKE 'Confirm%'`).Scan(&verify)
	if users != 1 || verify != 1 {
		t.Errorf("%d accounts and %d confirmation mails, want 1 and 1", users, verify)
	}
}

// TestLinksAreKeyedBySecretAndExpire checks that a reset link made under one secret key does not work
// under another, and that a link stops working when it expires.
func TestLinksAreKeyedBySecretAndExpire(t *testing.T) {
	now := time.Date(2027, 6, 30, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc, db := newService(t, "the first secret key, thirty-two chars+", clock)
	ctx := context.Background()
	if _, err := svc.CreateUser(ctx, account.CreateUserInput{Email: "keyed@example.org", Name: "Keyed", Password: "first good password"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.RequestPasswordReset(ctx, "keyed@example.org"); err != nil {
		t.Fatal(err)
	}
	var text string
	if err := db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = 'keyed@example.org' ORDER BY id DESC LIMIT 1`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	i := len("https://conf.example.org/password/reset?token=")
	start := strings.Index(text, "https://conf.example.org/password/reset?token=")
	secret := text[start+i : start+i+43]

	other, _ := newService(t, "another secret key, thirty-two chars++", clock)
	if err := other.CheckResetToken(ctx, secret); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("a link checked under another key: %v", err)
	}
	if err := svc.CheckResetToken(ctx, secret); err != nil {
		t.Errorf("the link under its own key: %v", err)
	}
	now = now.Add(account.ResetTTL + time.Second)
	if _, err := svc.ResetPassword(ctx, secret, "second good password"); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("an expired link: %v", err)
	}
	now = now.Add(-2 * time.Second)
	if _, err := svc.ResetPassword(ctx, secret, "second good password"); err != nil {
		t.Errorf("the link just before it expires: %v", err)
	}
	if _, err := svc.LogIn(ctx, "keyed@example.org", "second good password"); err != nil {
		t.Errorf("log-in with the new password: %v", err)
	}
}

// TestAPITokensLookedUpTogether: many people's first requests at once look their tokens up in
// shared statements, and each still gets its own account, or is refused when its token is revoked,
// expired or unknown; each use is recorded.
func TestAPITokensLookedUpTogether(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2027, 6, 30, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc, db := newService(t, "a secret key of at least thirty-two chars", clock)
	ctx := context.Background()
	const n = 24
	users := make([]account.User, n)
	secrets := make([]string, n)
	for i := range users {
		u, err := svc.CreateUser(ctx, account.CreateUserInput{Email: fmt.Sprintf("token.%d@example.org", i), Name: fmt.Sprintf("Token %d", i),
			Password: "a fine long password"})
		if err != nil {
			t.Fatal(err)
		}
		ttl := time.Duration(0)
		if i == 1 {
			ttl = 24 * time.Hour // expires before the lookups
		}
		tok, err := svc.CreateAPIToken(ctx, u, "script", ttl)
		if err != nil {
			t.Fatal(err)
		}
		users[i], secrets[i] = u, tok.Secret
		if i == 2 {
			if err := svc.RevokeAPIToken(ctx, u, tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	mu.Lock()
	now = now.Add(48 * time.Hour)
	mu.Unlock()
	type result struct {
		i   int
		u   account.User
		err error
	}
	cctx, statements := store.CountQueries(ctx)
	results := make(chan result, 2*n+1)
	start := make(chan struct{})
	var wg sync.WaitGroup
	calls := 0
	lookup := func(i int, secret string) {
		calls++
		wg.Go(func() {
			<-start
			_, u, _, err := svc.AuthenticateAPIToken(cctx, secret)
			results <- result{i, u, err}
		})
	}
	for i, s := range secrets {
		lookup(i, s)
		if i%5 == 0 {
			lookup(i, s) // two requests with one token
		}
	}
	lookup(-1, secrets[3][:len(secrets[3])-4]+"zzzz")
	close(start)
	wg.Wait()
	close(results)
	for r := range results {
		switch r.i {
		case -1, 1, 2:
			if !apperr.Is(r.err, apperr.Unauthenticated) {
				t.Errorf("lookup %d (unknown, expired or revoked): %v, want unauthenticated", r.i, r.err)
			}
		default:
			if r.err != nil || r.u.ID != users[r.i].ID || r.u.Email != users[r.i].Email {
				t.Errorf("lookup %d: user %d %q, %v; want %d", r.i, r.u.ID, r.u.Email, r.err, users[r.i].ID)
			}
		}
	}
	var used int
	if err := db.SQL.QueryRow(`SELECT count(*) FROM api_tokens WHERE last_used_at = $1`, now).Scan(&used); err != nil {
		t.Fatal(err)
	}
	if used != n-2 {
		t.Errorf("%d tokens record their use, want %d", used, n-2)
	}
	if got := statements.Load(); got >= int64(calls) {
		t.Errorf("%d lookups took %d statements: none was made together", calls, got)
	}
}

// TestAPITokenLookupNotHeldByALock: a token row another transaction holds keeps no lookup waiting,
// its own or others' looked up with it; its use then goes unrecorded.
func TestAPITokenLookupNotHeldByALock(t *testing.T) {
	svc, db := newService(t, "a secret key of at least thirty-two chars", nil)
	ctx := context.Background()
	var secrets []string
	var ids []int64
	for i := range 2 {
		u, err := svc.CreateUser(ctx, account.CreateUserInput{Email: fmt.Sprintf("held.%d@example.org", i), Name: "Held", Password: "a fine long password"})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.CreateAPIToken(ctx, u, "script", 0)
		if err != nil {
			t.Fatal(err)
		}
		secrets, ids = append(secrets, tok.Secret), append(ids, tok.ID)
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec(`SELECT 1 FROM api_tokens WHERE id = $1 FOR UPDATE`, ids[0]); err != nil {
		t.Fatal(err)
	}
	release := time.AfterFunc(10*time.Second, func() { _ = tx.Rollback() }) // fail, do not hang
	defer release.Stop()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, _, _, errs[i] = svc.AuthenticateAPIToken(ctx, secrets[i%2]) })
	}
	wg.Wait()
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the lookups took %v: they waited for the lock", took)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("lookup %d: %v", i, err)
		}
	}
	var held, other *time.Time
	if err := db.SQL.QueryRow(`SELECT (SELECT last_used_at FROM api_tokens WHERE id = $1), (SELECT last_used_at FROM api_tokens WHERE id = $2)`,
		ids[0], ids[1]).Scan(&held, &other); err != nil {
		t.Fatal(err)
	}
	if held != nil || other == nil {
		t.Errorf("uses recorded: held token %v, the other %v; want none and one", held, other)
	}
}
