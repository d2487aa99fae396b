package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/schedule"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/web"
)

var testDB *pgtest.Database

func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }

var seq atomic.Int64

type fixture struct {
	t        *testing.T
	db       *store.DB
	svc      *schedule.Service
	conf     conference.Conference
	org      *access.Principal
	stranger *access.Principal
	format   cfp.Format // 45 minutes
	tracks   []cfp.Track
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := testDB.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	r, err := mail.NewRenderer(web.FS, "Test")
	if err != nil {
		t.Fatal(err)
	}
	confs := conference.NewService(store.Conferences{DB: db}, store.Audit{DB: db})
	calls := cfp.NewService(cfp.Options{Store: store.Calls{DB: db}, Audit: store.Audit{DB: db}, Secret: "0123456789abcdef0123456789abcdef"})
	f := &fixture{t: t, db: db}
	f.svc = schedule.NewService(schedule.Options{Store: store.Schedule{DB: db}, Programs: store.Programs{DB: db},
		Outbox: mail.NewOutbox(r, store.Mail{DB: db}), Audit: store.Audit{DB: db}, BaseURL: "http://conf.test"})
	f.conf, err = confs.Seed(ctx, conference.CreateInput{Slug: fmt.Sprintf("sc-%d-%d", time.Now().UnixNano(), seq.Add(1)), Name: "Challenging Norms",
		TimeZone: "America/New_York", StartsOn: "2027-10-08", EndsOn: "2027-10-09"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := calls.Seed(ctx, f.conf, cfp.Setup{
		Call:    cfp.CallInput{Opens: "2027-01-15T09:00", Closes: "2027-06-30T23:59"},
		Tracks:  []cfp.TrackInput{{Name: "Undergraduate"}, {Name: "Community"}},
		Formats: []cfp.FormatInput{{Name: "Workshop", DurationMinutes: 45, MaxPresenters: 3, AbstractMaxWords: 200, Accepting: true}},
	}); err != nil {
		t.Fatal(err)
	}
	formats, _ := calls.Formats(ctx, f.conf)
	f.format = formats[0]
	f.tracks, _ = calls.Tracks(ctx, f.conf)
	admin := &access.Principal{Admin: true, UserID: f.person("Ada Admin").UserID}
	org := f.person("Olu Organizer")
	if err := confs.Grant(ctx, admin, f.conf, org.Email, access.Organizer); err != nil {
		t.Fatal(err)
	}
	f.org = &access.Principal{UserID: org.UserID, Email: org.Email, Roles: []access.Membership{{ConferenceID: f.conf.ID, Role: access.Organizer}}}
	f.stranger = f.person("Sam Stranger")
	return f
}

func (f *fixture) person(name string) *access.Principal {
	f.t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("%s.%d.%d@example.test", strings.ToLower(strings.Fields(name)[0]), time.Now().UnixNano(), seq.Add(1))
	u := account.User{Email: email, Name: name, PasswordHash: "x"}
	if err := (store.Accounts{DB: f.db}).CreateUser(ctx, &u); err != nil {
		f.t.Fatal(err)
	}
	if err := (store.Accounts{DB: f.db}).SetProfile(ctx, u.ID, name, account.Profile{Role: account.Faculty, Pronouns: "they/them",
		Institution: "Riverside University", Bio: name + " teaches."}); err != nil {
		f.t.Fatal(err)
	}
	return &access.Principal{UserID: u.ID, Email: u.Email, Name: name}
}

// proposal stores a proposal by the presenter with the decision and participation given.
func (f *fixture) proposal(by *access.Principal, title, decision, participation string) int64 {
	f.t.Helper()
	var id int64
	var dec, part any
	if decision != "" {
		dec = decision
	}
	if participation != "" {
		part = participation
	}
	err := f.db.SQL.QueryRow(`WITH p AS (
			INSERT INTO proposals (conference_id, owner_id, format_id, track_id, title, status, submitted_at, decision, participation)
			VALUES ($1, $2, $3, $4, $5, 'submitted', now(), $6::proposal_decision, $7::participation) RETURNING *),
		r AS (INSERT INTO proposal_revisions (proposal_id, version, status, format_id, track_id, title, abstract, answers, saved_by)
			SELECT id, version, status, format_id, track_id, title, 'An abstract of '||title, '{}', owner_id FROM p)
		SELECT id FROM p`,
		f.conf.ID, by.UserID, f.format.ID, f.tracks[0].ID, title, dec, part).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.SQL.Exec(`INSERT INTO proposal_presenters (proposal_id, user_id, email, name, is_owner, status) VALUES ($1, $2, $3, $4, true, 'accepted')`,
		id, by.UserID, strings.ToLower(by.Email), by.Name); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) room(name string) schedule.Room {
	f.t.Helper()
	r, err := f.svc.SaveRoom(context.Background(), f.org, f.conf, 0, schedule.RoomInput{Name: name, MeetingURL: "https://meet.example.test/" + name})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func wantField(t *testing.T, what string, err error, field, part string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Invalid {
		t.Errorf("%s: got %v, want invalid %s", what, err, field)
		return
	}
	for _, fe := range ae.Fields {
		if fe.Field == field && strings.Contains(fe.Message, part) {
			return
		}
	}
	t.Errorf("%s: fields %+v, want %s containing %q", what, ae.Fields, field, part)
}

func TestScheduleRules(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a := f.room("Room A")
	if a.Position != 1 {
		t.Errorf("the first room is at position %d", a.Position)
	}
	_, err := f.svc.SaveRoom(ctx, f.org, f.conf, 0, schedule.RoomInput{Name: "Room B", MeetingURL: "javascript:alert(1)", Capacity: -1})
	wantField(t, "a link that is not a web address", err, "meeting_url", "https://")
	wantField(t, "a negative capacity", err, "capacity", "whole number")
	if _, err := f.svc.SaveRoom(ctx, f.org, f.conf, 0, schedule.RoomInput{Name: "Room A"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a second room with the same name: %v", err)
	}
	if _, err := f.svc.SaveRoom(ctx, f.stranger, f.conf, 0, schedule.RoomInput{Name: "Mine"}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a stranger adds a room: %v", err)
	}
	if _, err := f.svc.Board(ctx, nil, f.conf); !apperr.Is(err, apperr.Unauthenticated) {
		t.Errorf("an anonymous visitor reads the board: %v", err)
	}

	// A room of another conference.
	other := setup(t)
	foreign := other.room("Foreign room")

	alice, ben := f.person("Alice Adeyemi"), f.person("Ben Okafor")
	accepted := f.proposal(alice, "Naming racism in the curriculum", "accepted", "confirmed")
	pending := f.proposal(ben, "Community voices", "accepted", "pending")
	rejected := f.proposal(ben, "Not this time", "rejected", "")

	in := schedule.SlotInput{Title: "Opening workshop", Kind: schedule.KindWorkshop, Start: "2027-10-08T11:00", End: "2027-10-08T10:00",
		RoomID: foreign.ID, Items: []int64{accepted, accepted}}
	_, err = f.svc.CreateSlot(ctx, f.org, f.conf, in)
	wantField(t, "ending before it starts", err, "end", "end after it starts")
	wantField(t, "a room of another conference", err, "room_id", "this conference's rooms")
	wantField(t, "a proposal placed twice", err, "items", "placed twice")

	in = schedule.SlotInput{Title: "Opening workshop", Kind: "keynote", Start: "2027-10-08T10:00", End: "2027-10-08T11:00", RoomID: a.ID,
		Items: []int64{rejected}, ChairEmails: []string{"nobody@nowhere.test"}}
	_, err = f.svc.CreateSlot(ctx, f.org, f.conf, in)
	wantField(t, "an unknown kind", err, "kind", "kind of session")
	wantField(t, "a proposal not accepted", err, "items", "not an accepted")
	wantField(t, "a chair without an account", err, "chairs", "No account")
	in.ChairEmails = []string{"Ben"}
	_, err = f.svc.CreateSlot(ctx, f.org, f.conf, in)
	wantField(t, "a chair given by name", err, "chairs", "“ben” is not an email address")

	in = schedule.SlotInput{Title: "Opening workshop", Kind: schedule.KindWorkshop, Start: "2027-10-08T10:00", End: "2027-10-08T10:30",
		RoomID: a.ID, TrackID: f.tracks[0].ID, Items: []int64{accepted, pending}, ChairEmails: []string{ben.Email}}
	s1, err := f.svc.CreateSlot(ctx, f.org, f.conf, in)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Version != 1 || len(s1.Items) != 2 || len(s1.Chairs) != 1 {
		t.Fatalf("created %+v", s1)
	}
	// The same proposal in a second session is refused.
	in2 := schedule.SlotInput{Title: "Late session", Kind: schedule.KindNarrative, Start: "2027-10-10T10:15", End: "2027-10-10T11:00",
		RoomID: a.ID, Items: []int64{accepted}}
	_, err = f.svc.CreateSlot(ctx, f.org, f.conf, in2)
	wantField(t, "a proposal already in another session", err, "items", "already placed")
	in2.Items = nil
	s2, err := f.svc.CreateSlot(ctx, f.org, f.conf, in2)
	if err != nil {
		t.Fatal(err)
	}

	// Two organizers edit at once: the second save names the version the first one replaced.
	in.Title = "Opening workshop: first edit"
	if s1, err = f.svc.UpdateSlot(ctx, f.org, f.conf, s1.ID, 1, in); err != nil || s1.Version != 2 {
		t.Fatalf("first edit: %v %+v", err, s1)
	}
	in.Title = "Opening workshop: second edit"
	_, err = f.svc.UpdateSlot(ctx, f.org, f.conf, s1.ID, 1, in)
	var se *schedule.StaleError
	if !apperr.Is(err, apperr.Conflict) || !errors.As(err, &se) || se.Current.Title != "Opening workshop: first edit" {
		t.Fatalf("a stale save: %v", err)
	}
	// At the same moment: of five saves based on one version exactly one wins, the others are told.
	var wins, stales atomic.Int64
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := in
			in.Title = fmt.Sprintf("Opening workshop: race %d", i)
			_, err := f.svc.UpdateSlot(ctx, f.org, f.conf, s1.ID, s1.Version, in)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.As(err, new(*schedule.StaleError)):
				stales.Add(1)
			default:
				t.Errorf("a concurrent save: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || stales.Load() != 4 {
		t.Errorf("concurrent saves: %d won, %d stale", wins.Load(), stales.Load())
	}
	if s1, err = f.svc.Slot(ctx, f.org, f.conf, s1.ID); err != nil || s1.Version != 3 {
		t.Fatalf("after the race: %v %+v", err, s1)
	}
	if _, err := f.svc.MoveSlot(ctx, f.org, f.conf, s2.ID, 7, "2027-10-08T10:00", a.ID); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a stale move: %v", err)
	}
	if err := f.svc.DeleteSlot(ctx, f.org, f.conf, s2.ID, 7); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a stale delete: %v", err)
	}

	// Conflicts: content over time, an unconfirmed proposal, outside the days; then a room clash and
	// a chair presenting at once when the late session moves onto the first.
	b, err := f.svc.Board(ctx, f.org, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(b schedule.Board) map[string]int {
		out := map[string]int{}
		for _, c := range b.Conflicts {
			out[c.Kind]++
		}
		return out
	}
	if k := kinds(b); k[schedule.ConflictOverrun] != 1 || k[schedule.ConflictProposal] != 1 || k[schedule.ConflictOutside] != 1 || k[schedule.ConflictRoom] != 0 {
		t.Errorf("conflicts %+v", b.Conflicts)
	}
	// A workshop holding more than one proposal is said too.
	shared := 0
	for _, s := range b.Slots {
		if s.Kind == schedule.KindWorkshop && len(s.Items) > 1 {
			shared++
		}
	}
	if k := kinds(b); shared == 0 || k[schedule.ConflictShared] != shared {
		t.Errorf("%d workshops shared, conflicts %+v", shared, b.Conflicts)
	}
	if _, err := f.svc.MoveSlot(ctx, f.org, f.conf, s2.ID, s2.Version, "2027-10-08T10:15", a.ID); err != nil {
		t.Fatal(err)
	}
	chaired := f.proposal(ben, "Ben's narrative", "accepted", "confirmed")
	if s2, err = f.svc.Slot(ctx, f.org, f.conf, s2.ID); err != nil {
		t.Fatal(err)
	}
	if s2, err = f.svc.PlaceItem(ctx, f.org, f.conf, s2.ID, s2.Version, chaired, 0); err != nil {
		t.Fatal(err)
	}
	b, _ = f.svc.Board(ctx, f.org, f.conf)
	if k := kinds(b); k[schedule.ConflictRoom] != 1 || k[schedule.ConflictPresenter] != 1 || k[schedule.ConflictOutside] != 0 {
		t.Errorf("conflicts after the move %+v", b.Conflicts)
	}
	if got := len(b.Unplaced()); got != 0 {
		t.Errorf("%d unplaced, want 0", got)
	}
	// Placing moves a proposal from the session it was in.
	if s2, err = f.svc.PlaceItem(ctx, f.org, f.conf, s2.ID, s2.Version, accepted, 1); err != nil || s2.Items[0] != accepted {
		t.Fatalf("place from another session: %v %+v", err, s2)
	}
	if s1, _ = f.svc.Slot(ctx, f.org, f.conf, s1.ID); len(s1.Items) != 1 || s1.Version != 4 {
		t.Errorf("the session it left: %+v", s1)
	}
	if _, err := f.svc.PlaceItem(ctx, f.org, f.conf, s2.ID, s2.Version, rejected, 0); err == nil {
		t.Error("a rejected proposal was placed")
	}
	if err := f.svc.DeleteRoom(ctx, f.org, f.conf, a.ID); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("deleting a room in use: %v", err)
	}
	// A withdrawn proposal is not placed; once placed, its withdrawal is a conflict instead.
	gone := f.proposal(alice, "Withdrawn before placing", "accepted", "confirmed")
	if _, err := f.db.SQL.Exec(`UPDATE proposals SET status = 'withdrawn', withdrawn_at = now() WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.PlaceItem(ctx, f.org, f.conf, s2.ID, 0, gone, 0)
	wantField(t, "placing a withdrawn proposal", err, "proposal_id", "was withdrawn")
	if _, err := f.db.SQL.Exec(`UPDATE proposals SET status = 'withdrawn', withdrawn_at = now() WHERE id = $1`, chaired); err != nil {
		t.Fatal(err)
	}
	b, _ = f.svc.Board(ctx, f.org, f.conf)
	if !slices.ContainsFunc(b.Conflicts, func(c schedule.Conflict) bool {
		return c.ProposalID == chaired && strings.Contains(c.Text, "was withdrawn")
	}) {
		t.Errorf("a placed proposal withdrawn: %+v", b.Conflicts)
	}
	// Every change is in the audit log.
	var audited int
	if err := f.db.SQL.QueryRow(`SELECT count(*) FROM audit_log WHERE conference_id = $1 AND action = 'schedule.session_changed'`, f.conf.ID).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited < 5 {
		t.Errorf("%d session changes audited", audited)
	}
}

func TestSchedulePublish(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, b := f.room("Room A"), f.room("Room B")
	alice, ben, cleo := f.person("Alice Adeyemi"), f.person("Ben Okafor"), f.person("Cleo Diaz")
	pa := f.proposal(alice, "Naming racism in the curriculum", "accepted", "confirmed")
	pb := f.proposal(ben, "Community voices", "accepted", "confirmed")
	pc := f.proposal(cleo, "Still pending", "accepted", "pending")
	dana := f.person("Dana Moderator")
	s1, err := f.svc.CreateSlot(ctx, f.org, f.conf, schedule.SlotInput{Title: "Morning", Kind: schedule.KindNarrative,
		Start: "2027-10-08T09:00", End: "2027-10-08T11:00", RoomID: a.ID, Items: []int64{pa, pc}})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := f.svc.CreateSlot(ctx, f.org, f.conf, schedule.SlotInput{Title: "Afternoon", Kind: schedule.KindWorkshop,
		Start: "2027-10-08T14:00", End: "2027-10-08T15:00", RoomID: b.ID, Items: []int64{pb}, ChairEmails: []string{dana.Email}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Publish(ctx, f.stranger, f.conf); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a stranger publishes: %v", err)
	}
	v1, err := f.svc.Publish(ctx, f.org, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Program.Version != 1 || len(v1.Program.Sessions) != 2 || len(v1.Program.Days) != 2 {
		t.Fatalf("version 1: %+v", v1.Program)
	}
	morning := v1.Program.Sessions[0]
	if len(morning.Items) != 1 || morning.Items[0].ProposalID != pa || morning.Items[0].Presenters[0].Institution != "Riverside University" ||
		morning.Items[0].Format != "Workshop" || morning.Items[0].Minutes != 45 {
		t.Errorf("the unconfirmed proposal must stay out, the confirmed one with its presenter: %+v", morning.Items)
	}
	mails := func() map[string]int {
		rows, err := f.db.SQL.Query(`SELECT recipient FROM email_messages WHERE conference_id = $1 AND event_key LIKE 'program:%'`, f.conf.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var to string
			_ = rows.Scan(&to)
			out[to]++
		}
		return out
	}
	if m := mails(); len(m) != 0 {
		t.Errorf("the first publication mailed %v", m)
	}

	// The afternoon moves to the other room and a day later; the morning only changes its title.
	s2, err = f.svc.MoveSlot(ctx, f.org, f.conf, s2.ID, s2.Version, "2027-10-09T10:00", a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateSlot(ctx, f.org, f.conf, s1.ID, s1.Version, schedule.SlotInput{Title: "Morning narratives", Kind: schedule.KindNarrative,
		Start: "2027-10-08T09:00", End: "2027-10-08T11:00", RoomID: a.ID}); err != nil {
		t.Fatal(err)
	}
	pv, err := f.svc.Preview(ctx, f.org, f.conf)
	if err != nil || pv.Previous == nil || len(pv.Versions) != 1 {
		t.Fatalf("preview: %v %+v", err, pv.Versions)
	}
	v2, err := f.svc.Publish(ctx, f.org, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, c := range v2.Changes {
		texts = append(texts, c.Kind+": "+c.Text)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"moved: “Afternoon” moved from Fri 8 Oct 14:00–15:00 EDT, Room B to Sat 9 Oct 10:00–11:00 EDT, Room A.",
		"changed: “Morning narratives”: renamed from “Morning”.", "moved: “Community voices” moved from “Afternoon”"} {
		if !strings.Contains(all, want) {
			t.Errorf("version 2's changes lack %q:\n%s", want, all)
		}
	}
	if v2.Program.Version != 2 {
		t.Errorf("version %d", v2.Program.Version)
	}
	// Ben presents in the session that moved, Dana chairs it; Alice's session only changed its title.
	if m := mails(); len(m) != 2 || m[strings.ToLower(ben.Email)] != 1 || m[strings.ToLower(dana.Email)] != 1 {
		t.Errorf("mail after version 2: %v, want one to Ben and one to Dana", m)
	}
	var chairMail string
	if err := f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE conference_id = $1 AND event_key LIKE 'program:%' AND recipient = $2`,
		f.conf.ID, strings.ToLower(dana.Email)).Scan(&chairMail); err != nil || !strings.Contains(chairMail, "“Afternoon”, which you chair, moved from Fri 8 Oct 14:00–15:00 EDT, Room B to Sat 9 Oct 10:00–11:00 EDT, Room A.") {
		t.Errorf("the chair's mail: %v\n%s", err, chairMail)
	}
	// Publishing again without changes makes version 3 and mails nobody.
	v3, err := f.svc.Publish(ctx, f.org, f.conf)
	if err != nil || v3.Program.Version != 3 || len(v3.Changes) != 0 {
		t.Errorf("version 3: %v %d %+v", err, v3.Program.Version, v3.Changes)
	}
	if m := mails(); len(m) != 2 {
		t.Errorf("mail after version 3: %v", m)
	}
	vs, err := f.svc.Versions(ctx, f.org, f.conf)
	if err != nil || len(vs) != 3 || vs[0].Version != 3 || vs[1].Changes != len(v2.Changes) {
		t.Errorf("versions: %v %+v", err, vs)
	}

	// At the same moment: moves of two proposals in opposite directions between two sessions both
	// succeed, and two publications take two numbers, the later one's log against the earlier.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, m := range [][2]int64{{s1.ID, pb}, {s2.ID, pa}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.PlaceItem(ctx, f.org, f.conf, m[0], 0, m[1], 0)
			errs <- err
		}()
	}
	wg.Wait()
	var versions []int
	var mu sync.Mutex
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pub, err := f.svc.Publish(ctx, f.org, f.conf)
			errs <- err
			mu.Lock()
			versions = append(versions, pub.Program.Version, len(pub.Changes))
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent changes: %v", err)
		}
	}
	if len(versions) != 4 || versions[0]+versions[2] != 9 || versions[1]+versions[3] == 0 || versions[1]*versions[3] != 0 {
		t.Errorf("two publications at once (version, changes): %v, want versions 4 and 5, one with the swap and one with none", versions)
	}
}
