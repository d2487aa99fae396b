package main

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/store"
)

// TestAPITokenCache checks the memory of authenticated API tokens: a token in use is looked up once,
// not at every request; this instance's own changes (a revoked token, a new profile) show in the very
// next request; and changes made elsewhere, as by another instance or by hand in SQL (a revoked
// token, a new role, a renamed account), are announced by the database and show within moments.
func TestAPITokenCache(t *testing.T) {
	// Not parallel: it ends the listening connections of the whole database, and counts them.
	ta := startApp(t)
	<-ta.app.listening
	f := openCall(t, ta, time.Time{})
	u, email := presenter(t, ta, "Nia Okafor")
	token, tokenID := apiToken(t, ta, email)
	other, otherID := apiToken(t, ta, email)
	me := func(token string) reply {
		t.Helper()
		return sendJSON(t, ta, http.MethodGet, "/api/v1/me", token, "")
	}
	// eventually waits up to 5 s for a condition that a change made elsewhere brings about.
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen within 5 s", what)
			}
		}
	}

	// Looked up once: the second authentication asks the database nothing.
	ctx, n := store.CountQueries(context.Background())
	for range 2 {
		if _, _, _, err := ta.accounts.AuthenticateAPIToken(ctx, token); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() > 1 {
		t.Errorf("two authentications of one token made %d queries, want at most 1", n.Load())
	}

	// This instance's own changes: at once.
	if r := me(other); r.Status != http.StatusOK {
		t.Fatalf("me: %d %v", r.Status, r.JSON)
	}
	if r := sendJSON(t, ta, http.MethodDelete, "/api/v1/tokens/"+strconv.FormatInt(otherID, 10), token, ""); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %v", r.Status, r.JSON)
	}
	if r := me(other); r.Status != http.StatusUnauthorized {
		t.Errorf("a token revoked here still worked in the next request: %d", r.Status)
	}
	r := sendJSON(t, ta, http.MethodPut, "/api/v1/me/profile", token,
		`{"name":"Nia A. Okafor","participant_role":"house_staff","institution":"Riverside Family Medicine Residency","bio":"Resident."}`)
	if r.Status != http.StatusOK {
		t.Fatalf("profile: %d %v", r.Status, r.JSON)
	}
	if r := me(token); r.JSON["name"] != "Nia A. Okafor" {
		t.Errorf("the next request after a change of name sees %v", r.JSON["name"])
	}

	// A lookup made while this instance's change is being committed may read the old rows; once the
	// change has committed, the token is refused at once all the same.
	fourth, fourthID := apiToken(t, ta, email)
	if r := me(fourth); r.Status != http.StatusOK { // used once: its last use is recorded, so a lookup writes nothing
		t.Fatalf("me: %d", r.Status)
	}
	err := ta.db.InTx(context.Background(), func(ctx context.Context) error {
		if err := (store.Accounts{DB: ta.db}).RevokeAPIToken(ctx, u.ID, fourthID, time.Now()); err != nil {
			return err
		}
		_, _, _, err := ta.accounts.AuthenticateAPIToken(context.Background(), fourth) // not yet committed: still valid
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ta.accounts.AuthenticateAPIToken(context.Background(), fourth); err == nil {
		t.Error("a token revoked here was accepted after the revocation committed")
	}

	// Changes made elsewhere: announced, and seen within moments.
	if _, err := ta.db.SQL.Exec(`UPDATE users SET name = 'Nia Okafor-Bello' WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	eventually("a name changed in SQL", func() bool { return me(token).JSON["name"] == "Nia Okafor-Bello" })

	// A change made while the instance is not listening (its connection lost) is not announced to it:
	// what it kept is dropped when it listens again.
	if r := me(token); r.JSON["name"] != "Nia Okafor-Bello" {
		t.Fatalf("me: %v", r.JSON["name"])
	}
	listener := `FROM pg_stat_activity WHERE datname = current_database() AND application_name = '` + store.ListenerName + `'`
	if n := count(t, ta, `SELECT count(pg_terminate_backend(pid)) `+listener); n != 1 {
		t.Fatalf("%d listening connections, want 1", n)
	}
	if _, err := ta.db.SQL.Exec(`UPDATE users SET name = 'Nia Bello' WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	eventually("the listener to reconnect", func() bool { return count(t, ta, `SELECT count(*) `+listener) == 1 })
	eventually("a name changed while not listening", func() bool { return me(token).JSON["name"] == "Nia Bello" })

	manage := "/api/v1/conferences/" + f.conf.Slug + "/manage/proposals"
	if r := sendJSON(t, ta, http.MethodGet, manage, token, ""); r.Status == http.StatusOK {
		t.Fatalf("a presenter could list all proposals: %d", r.Status)
	}
	if _, err := ta.db.SQL.Exec(`INSERT INTO conference_roles (conference_id, user_id, role) VALUES ($1, $2, 'organizer')`, f.conf.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	eventually("a role granted in SQL", func() bool { return sendJSON(t, ta, http.MethodGet, manage, token, "").Status == http.StatusOK })
	if _, err := ta.db.SQL.Exec(`DELETE FROM conference_roles WHERE conference_id = $1 AND user_id = $2`, f.conf.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	eventually("a role revoked in SQL", func() bool { return sendJSON(t, ta, http.MethodGet, manage, token, "").Status != http.StatusOK })

	if _, err := ta.db.SQL.Exec(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, tokenID); err != nil {
		t.Fatal(err)
	}
	eventually("a token revoked in SQL", func() bool { return me(token).Status == http.StatusUnauthorized })

	// A token that expires stops working at its expiry, whatever was kept.
	third, thirdID := apiToken(t, ta, email)
	if r := me(third); r.Status != http.StatusOK {
		t.Fatalf("me: %d", r.Status)
	}
	if _, err := ta.db.SQL.Exec(`UPDATE api_tokens SET expires_at = now() + interval '1 second' WHERE id = $1`, thirdID); err != nil {
		t.Fatal(err)
	}
	eventually("a token past its expiry", func() bool { return me(third).Status == http.StatusUnauthorized })
	if r := me(third); r.Status != http.StatusUnauthorized {
		t.Errorf("an expired token worked again: %d", r.Status)
	}
}
