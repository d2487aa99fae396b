package account_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/store"
)

// changeLink returns the secret of the newest link mailed to confirm the address to.
func changeLink(t *testing.T, db *store.DB, to string) string {
	t.Helper()
	var text string
	if err := db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1 AND subject LIKE 'Confirm your new%' ORDER BY id DESC LIMIT 1`,
		to).Scan(&text); err != nil {
		t.Fatalf("no link mailed to %s: %v", to, err)
	}
	const prefix = "https://conf.example.org/account/email/confirm?token="
	start := strings.Index(text, prefix)
	if start < 0 {
		t.Fatalf("no confirmation link in %q", text)
	}
	return text[start+len(prefix) : start+len(prefix)+43]
}

func fieldMessage(err error, field string) string {
	ae, _ := apperr.As(err)
	if ae == nil {
		return ""
	}
	for _, f := range ae.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// TestEmailChangeLinks: a change of address waits for its link; a second request, a cancellation or
// the link's end makes a link stop working, each with its own reason; the link opened again after
// the change still answers with the account.
func TestEmailChangeLinks(t *testing.T) {
	now := time.Date(2027, 6, 30, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc, db := newService(t, "a secret key of at least thirty-two chars", clock)
	ctx := context.Background()
	u, err := svc.CreateUser(ctx, account.CreateUserInput{Email: "moving@example.org", Name: "Moving", Password: "a fine long password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, account.CreateUserInput{Email: "taken@example.org", Name: "Taken", Password: "a fine long password"}); err != nil {
		t.Fatal(err)
	}

	// What the form can get wrong, the address checked against others only with the right password.
	for _, c := range []struct{ email, password, field, want string }{
		{"", "a fine long password", "email", "Enter your new email address."},
		{"not an address", "a fine long password", "email", "like name@example.org"},
		{" Moving@Example.org ", "a fine long password", "email", "already your account's address"},
		{"Taken@example.org", "a fine long password", "email", "An account already uses this email address."},
		{"new@example.org", "", "password", "Enter your current password."},
		{"new@example.org", "not the password", "password", "The password is incorrect."},
		{"taken@example.org", "not the password", "password", "The password is incorrect."},
	} {
		_, err := svc.RequestEmailChange(ctx, u, c.email, c.password)
		if got := fieldMessage(err, c.field); !apperr.Is(err, apperr.Invalid) || !strings.Contains(got, c.want) {
			t.Errorf("%q with %q: %s error %q (%v), want %q", c.email, c.password, c.field, got, err, c.want)
		}
		if c.password == "not the password" && fieldMessage(err, "email") != "" {
			t.Errorf("%q with a wrong password tells about the address: %v", c.email, err)
		}
	}

	to, err := svc.RequestEmailChange(ctx, u, " New.Place@Example.org", "a fine long password")
	if err != nil || to != "new.place@example.org" {
		t.Fatalf("request: %q, %v", to, err)
	}
	first := changeLink(t, db, to)
	if p, err := svc.PendingEmailChange(ctx, u); err != nil || p == nil || p.NewEmail != to || !p.ExpiresAt.Equal(now.Add(account.ChangeEmailTTL)) {
		t.Fatalf("pending change: %+v, %v", p, err)
	}
	// Reading the link (its page, opened by a person or by a mail scanner) uses nothing.
	for range 2 {
		l, err := svc.EmailChangeByLink(ctx, first)
		if err != nil || l.UserID != u.ID || l.OldEmail != "moving@example.org" || l.NewEmail != to || l.Done ||
			!l.ExpiresAt.Equal(now.Add(account.ChangeEmailTTL)) {
			t.Fatalf("the link read: %+v, %v", l, err)
		}
	}
	if p, err := svc.PendingEmailChange(ctx, u); err != nil || p == nil {
		t.Fatalf("the change no longer pending once its link was read: %+v, %v", p, err)
	}
	if got, _ := svc.User(ctx, u.ID); got.Email != "moving@example.org" {
		t.Fatalf("the address changed before its link was followed: %q", got.Email)
	}

	// Sent again: the first link no longer works.
	if again, err := svc.ResendEmailChange(ctx, u); err != nil || again != to {
		t.Fatalf("resend: %q, %v", again, err)
	}
	second := changeLink(t, db, to)
	if second == first {
		t.Fatal("the link sent again is the first one")
	}
	if _, err := svc.ConfirmEmailChange(ctx, first); !strings.Contains(fieldMessage(err, "token"), "a newer link was sent") {
		t.Errorf("the replaced link: %v", err)
	}
	if _, err := svc.EmailChangeByLink(ctx, first); !strings.Contains(fieldMessage(err, "token"), "a newer link was sent") {
		t.Errorf("the replaced link read: %v", err)
	}

	// Cancelled: the link no longer works, and nothing is pending.
	if err := svc.CancelEmailChange(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConfirmEmailChange(ctx, second); !strings.Contains(fieldMessage(err, "token"), "cancelled") {
		t.Errorf("the cancelled link: %v", err)
	}
	if p, err := svc.PendingEmailChange(ctx, u); p != nil || err != nil {
		t.Errorf("pending after cancelling: %+v, %v", p, err)
	}
	if _, err := svc.ResendEmailChange(ctx, u); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("resending with nothing pending: %v", err)
	}

	// Expired: refused just after its time, taken just before.
	if _, err := svc.RequestEmailChange(ctx, u, to, "a fine long password"); err != nil {
		t.Fatal(err)
	}
	third := changeLink(t, db, to)
	now = now.Add(account.ChangeEmailTTL)
	if _, err := svc.ConfirmEmailChange(ctx, third); !strings.Contains(fieldMessage(err, "token"), "expired") {
		t.Errorf("the expired link: %v", err)
	}
	if _, err := svc.EmailChangeByLink(ctx, third); !strings.Contains(fieldMessage(err, "token"), "expired") {
		t.Errorf("the expired link read: %v", err)
	}
	if p, _ := svc.PendingEmailChange(ctx, u); p != nil {
		t.Errorf("an expired change is shown as pending: %+v", p)
	}
	now = now.Add(-time.Second)
	changed, err := svc.ConfirmEmailChange(ctx, third)
	if err != nil || changed.Email != to || changed.ID != u.ID {
		t.Fatalf("confirm: %+v, %v", changed, err)
	}
	if again, err := svc.ConfirmEmailChange(ctx, third); err != nil || again.Email != to {
		t.Errorf("the link confirmed again: %+v, %v", again, err)
	}
	if l, err := svc.EmailChangeByLink(ctx, third); err != nil || !l.Done || l.NewEmail != to || l.OldEmail != to || l.UserID != u.ID {
		t.Errorf("the link read after the change: %+v, %v", l, err)
	}
	for _, read := range []func(string) error{
		func(s string) error { _, err := svc.ConfirmEmailChange(ctx, s); return err },
		func(s string) error { _, err := svc.EmailChangeByLink(ctx, s); return err },
	} {
		if err := read("unknown"); !strings.Contains(fieldMessage(err, "token"), "not valid") {
			t.Errorf("an unknown link: %v", err)
		}
		if err := read(""); !strings.Contains(fieldMessage(err, "token"), "incomplete") {
			t.Errorf("an empty link: %v", err)
		}
	}
}

// TestEmailChangesToOneAddressAtOnce: two accounts confirm a move to the same address at the same
// moment; one gets it, the other is told that it is taken and keeps its own.
func TestEmailChangesToOneAddressAtOnce(t *testing.T) {
	svc, db := newService(t, "a secret key of at least thirty-two chars", nil)
	ctx := context.Background()
	var secrets []string
	var users []account.User
	for _, e := range []string{"one.race@example.org", "two.race@example.org"} {
		u, err := svc.CreateUser(ctx, account.CreateUserInput{Email: e, Name: "Racer", Password: "a fine long password"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RequestEmailChange(ctx, u, "shared.race@example.org", "a fine long password"); err != nil {
			t.Fatal(err)
		}
		users, secrets = append(users, u), append(secrets, changeLink(t, db, "shared.race@example.org"))
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { _, errs[i] = svc.ConfirmEmailChange(ctx, secrets[i]) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case apperr.Is(err, apperr.Conflict) && strings.Contains(err.Error(), "keeps "+users[i].Email):
		default:
			t.Errorf("confirmation %d: %v", i, err)
		}
	}
	var n int
	_ = db.SQL.QueryRow(`SELECT count(*) FROM users WHERE email = 'shared.race@example.org'`).Scan(&n)
	if won != 1 || n != 1 {
		t.Errorf("%d confirmations succeeded and %d accounts have the address; want 1 and 1", won, n)
	}
}
