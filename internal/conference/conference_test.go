package conference_test

import (
	"context"
	"testing"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/store"
)

var testDB *pgtest.Database

func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }

type fixture struct {
	db       *store.DB
	svc      *conference.Service
	accounts store.Accounts
}

func setup(t *testing.T) fixture {
	t.Helper()
	db, err := testDB.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return fixture{db: db, svc: conference.NewService(store.Conferences{DB: db}, store.Audit{DB: db}), accounts: store.Accounts{DB: db}}
}

func (f fixture) user(t *testing.T, email string, admin bool) *access.Principal {
	t.Helper()
	u := account.User{Email: email, Name: email, PasswordHash: "x", IsAdmin: admin}
	if err := f.accounts.CreateUser(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	return f.principal(t, u.ID)
}

func (f fixture) principal(t *testing.T, id int64) *access.Principal {
	t.Helper()
	ctx := context.Background()
	u, err := f.accounts.UserByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	roles, err := f.accounts.Memberships(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return &access.Principal{UserID: u.ID, Email: u.Email, Admin: u.IsAdmin, Roles: roles}
}

func TestCreateValidatesAndOnlyAdminsMay(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	admin := f.user(t, "admin.conf@example.org", true)
	someone := f.user(t, "someone.conf@example.org", false)

	in := conference.CreateInput{Slug: "challenging-norms-2027", Name: "Challenging Norms", TimeZone: "America/New_York", StartsOn: "2027-10-15", EndsOn: "2027-10-16"}
	if _, err := f.svc.Create(ctx, someone, in); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("non-admin create: %v", err)
	}
	if _, err := f.svc.Create(ctx, nil, in); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("anonymous create: %v", err)
	}
	c, err := f.svc.Create(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if c.StartsOn.Format("2006-01-02") != "2027-10-15" || c.Location().String() != "America/New_York" {
		t.Errorf("created %+v", c)
	}
	if _, err := f.svc.Create(ctx, admin, in); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("same slug again: %v", err)
	} else if e, _ := apperr.As(err); len(e.Fields) != 1 || e.Fields[0].Field != "slug" {
		t.Errorf("conflict should name the slug field: %+v", e)
	}

	bad := conference.CreateInput{Slug: "Bad Slug!", Name: "", TimeZone: "Mars/Olympus", StartsOn: "2027-10-16", EndsOn: "2027-10-15"}
	_, err = f.svc.Create(ctx, admin, bad)
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("bad input: %v", err)
	}
	got := map[string]bool{}
	for _, fe := range e.Fields {
		got[fe.Field] = true
	}
	for _, want := range []string{"slug", "name", "time_zone", "ends_on"} {
		if !got[want] {
			t.Errorf("no field error for %s in %+v", want, e.Fields)
		}
	}
}

func TestTeamRolesAreAuditedAndKeepAnOrganizer(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	admin := f.user(t, "admin.team@example.org", true)
	org := f.user(t, "org.team@example.org", false)
	rev := f.user(t, "rev.team@example.org", false)
	c, err := f.svc.Create(ctx, admin, conference.CreateInput{Slug: "team-test", Name: "Team test", TimeZone: "UTC", StartsOn: "2027-01-01", EndsOn: "2027-01-02"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Grant(ctx, org, c, "rev.team@example.org", access.Reviewer); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a non-organizer granted a role: %v", err)
	}
	if err := f.svc.Grant(ctx, admin, c, "ORG.team@example.org", access.Organizer); err != nil {
		t.Fatal(err)
	}
	org = f.principal(t, org.UserID)
	if err := f.svc.Grant(ctx, org, c, "rev.team@example.org", access.Reviewer); err != nil {
		t.Fatalf("organizer grants reviewer: %v", err)
	}
	if err := f.svc.Grant(ctx, org, c, "rev.team@example.org", access.Reviewer); err != nil {
		t.Fatalf("granting again is harmless: %v", err)
	}
	if err := f.svc.Grant(ctx, org, c, "nobody@example.org", access.Reviewer); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("unknown address: %v", err)
	}
	if err := f.svc.Grant(ctx, org, c, "rev.team@example.org", access.Role("chair")); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("unknown role: %v", err)
	}
	rev = f.principal(t, rev.UserID)
	if _, err := f.svc.Members(ctx, rev, c); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a reviewer listed the team: %v", err)
	}
	members, err := f.svc.Members(ctx, org, c)
	if err != nil || len(members) != 2 {
		t.Fatalf("members: %+v %v", members, err)
	}
	// The last organizer cannot remove themself.
	if err := f.svc.Revoke(ctx, org, c, org.UserID, access.Organizer); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("removing the last organizer: %v", err)
	}
	if err := f.svc.Revoke(ctx, org, c, rev.UserID, access.Reviewer); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Revoke(ctx, org, c, rev.UserID, access.Reviewer); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("revoking twice: %v", err)
	}
	var actions []string
	rows, err := f.db.SQL.Query(`SELECT action || ':' || details FROM audit_log WHERE conference_id = $1 ORDER BY id`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		actions = append(actions, a)
	}
	want := []string{"conference.created:", "role.granted:organizer", "role.granted:reviewer", "role.revoked:reviewer"}
	if len(actions) != len(want) {
		t.Fatalf("audit = %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Errorf("audit[%d] = %s, want %s", i, actions[i], want[i])
		}
	}
}
