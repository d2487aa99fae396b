package submission_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
	"github.com/challenging-norms/conference/web"
)

var testDB *pgtest.Database

func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }

// clock is a settable time for the services.
type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) now() time.Time  { return *c.t.Load() }
func (c *clock) set(t time.Time) { c.t.Store(&t) }

type fixture struct {
	t     *testing.T
	db    *store.DB
	calls *cfp.Service
	subs  *submission.Service
	confs *conference.Service
	clock *clock
	conf  conference.Conference
	org   *access.Principal
	// formats and tracks of the conference's call
	poster, workshop cfp.Format
	track            cfp.Track
}

var ny, _ = time.LoadLocation("America/New_York")

var seq atomic.Int64

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
	ck := &clock{}
	ck.set(time.Date(2027, 3, 1, 12, 0, 0, 0, ny))
	f := &fixture{t: t, db: db, clock: ck}
	f.confs = conference.NewService(store.Conferences{DB: db}, store.Audit{DB: db})
	outbox := mail.NewOutbox(r, store.Mail{DB: db})
	f.calls = cfp.NewService(cfp.Options{Store: store.Calls{DB: db}, Outbox: outbox, Audit: store.Audit{DB: db}, Secret: "0123456789abcdef0123456789abcdef",
		BaseURL: "http://conf.test", Now: ck.now})
	f.subs = submission.NewService(submission.Options{Store: store.Proposals{DB: db}, Calls: f.calls, Outbox: outbox,
		Audit: store.Audit{DB: db}, Secret: "0123456789abcdef0123456789abcdef", BaseURL: "http://conf.test", Now: ck.now})
	f.calls.OnExtensionMoved(f.subs.OwnerExtensionMoved)
	f.calls.OnLinkTimeEnded(f.subs.LinkTimeEnded)
	n := seq.Add(1)
	f.conf, err = f.confs.Seed(ctx, conference.CreateInput{Slug: fmt.Sprintf("cn-%d-%d", time.Now().UnixNano(), n), Name: "Challenging Norms",
		TimeZone: "America/New_York", StartsOn: "2027-10-08", EndsOn: "2027-10-09"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.calls.Seed(ctx, f.conf, cfp.Setup{
		Call:   cfp.CallInput{Opens: "2027-01-15T09:00", Closes: "2027-06-30T23:59", ContactEmail: "program@example.org"},
		Tracks: []cfp.TrackInput{{Name: "Graduate medical education"}, {Name: "Community"}},
		Formats: []cfp.FormatInput{
			{Name: "Poster abstract", DurationMinutes: 10, MaxPresenters: 2, AbstractMaxWords: 30, Accepting: true, Fields: []question.Question{
				{ID: "methods", Label: "Methods", Kind: question.LongText, Required: true, MaxWords: 10},
				{ID: "audience", Label: "Audience", Kind: question.MultipleChoice, Options: []string{"Students", "Faculty"}},
			}},
			{Name: "Workshop", DurationMinutes: 90, MaxPresenters: 4, AbstractMaxWords: 300, Accepting: true},
		},
	}); err != nil {
		t.Fatal(err)
	}
	formats, _ := f.calls.Formats(ctx, f.conf)
	tracks, _ := f.calls.Tracks(ctx, f.conf)
	f.poster, f.workshop, f.track = formats[0], formats[1], tracks[0]
	f.org = f.person("organizer", true)
	admin := f.person("admin", false)
	admin.Admin = true
	if err := f.confs.Grant(ctx, admin, f.conf, f.org.Email, access.Organizer); err != nil {
		t.Fatal(err)
	}
	f.org = f.principal(f.org.UserID)
	return f
}

// person makes an account with a complete profile (or none).
func (f *fixture) person(name string, profile bool) *access.Principal {
	f.t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("%s.%d.%d@example.org", strings.ReplaceAll(strings.ToLower(name), " ", "."), time.Now().UnixNano(), seq.Add(1))
	u := account.User{Email: email, Name: name, PasswordHash: "x"}
	if err := (store.Accounts{DB: f.db}).CreateUser(ctx, &u); err != nil {
		f.t.Fatal(err)
	}
	if profile {
		if err := (store.Accounts{DB: f.db}).SetProfile(ctx, u.ID, name, account.Profile{Role: account.Faculty,
			Institution: "Meharry Medical College", Bio: "Teaches."}); err != nil {
			f.t.Fatal(err)
		}
	}
	return f.principal(u.ID)
}

func (f *fixture) principal(id int64) *access.Principal {
	f.t.Helper()
	ctx := context.Background()
	u, err := (store.Accounts{DB: f.db}).UserByID(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	roles, _ := (store.Accounts{DB: f.db}).Memberships(ctx, id)
	return &access.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, Roles: roles}
}

// complete is a poster that passes the full check.
func (f *fixture) complete() submission.Content {
	return submission.Content{FormatID: f.poster.ID, TrackID: &f.track.ID, Title: "Undoing bias in clerkship grading",
		Abstract: "We audited clerkship grades for three years and changed how narrative comments are written.",
		Answers:  question.Answers{"methods": {"Mixed methods audit."}, "audience": {"Faculty"}}}
}

func (f *fixture) draft(p *access.Principal, c submission.Content) submission.Proposal {
	f.t.Helper()
	prop, _, err := f.subs.Create(context.Background(), p, f.conf, submission.CreateInput{Content: c})
	if err != nil {
		f.t.Fatalf("create: %v", err)
	}
	return prop
}

// author is a person with a complete profile and a complete draft.
type author struct {
	p    *access.Principal
	prop submission.Proposal
}

// authors makes n authors named "<name> <i>", the title of each draft title(i).
func (f *fixture) authors(n int, name string, title func(i int) string) []author {
	out := make([]author, n)
	for i := range out {
		p := f.person(fmt.Sprintf("%s %d", name, i), true)
		c := f.complete()
		c.Title = title(i)
		out[i] = author{p, f.draft(p, c)}
	}
	return out
}

// lock locks a proposal in a transaction of its own, as another request would; the caller ends it.
func (f *fixture) lock(id int64) *sql.Tx {
	f.t.Helper()
	tx, err := f.db.SQL.BeginTx(context.Background(), nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := tx.Exec(`SELECT 1 FROM proposals WHERE id = $1 FOR UPDATE`, id); err != nil {
		f.t.Fatal(err)
	}
	return tx
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.SQL.QueryRow(q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func fieldErrors(err error) map[string]string {
	out := map[string]string{}
	if ae, ok := apperr.As(err); ok {
		for _, x := range ae.Fields {
			out[x.Field] = x.Message
		}
	}
	return out
}

func TestDraftIsLenientSubmitIsComplete(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Ada Lovelace", false)

	// A draft with only a format, and an abstract over the word limit, is saved.
	long := strings.Repeat("word ", 31)
	prop := f.draft(p, submission.Content{FormatID: f.poster.ID, Abstract: long})
	if prop.Status != submission.Draft || prop.Version != 1 {
		t.Fatalf("draft: %+v", prop)
	}
	// A choice that is not offered is refused even in a draft, and nothing is saved.
	_, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, submission.Content{FormatID: f.poster.ID,
		Answers: question.Answers{"audience": {"Aliens"}}})
	if fieldErrors(err)["answers.audience"] == "" {
		t.Fatalf("bad choice in a draft: %v", err)
	}
	// Submitting checks everything, including the owner's profile.
	_, _, err = f.subs.Submit(ctx, p, f.conf, prop.ID, 0)
	got := fieldErrors(err)
	for _, field := range []string{"title", "track_id", "abstract", "answers.methods", "profile.participant_role", "profile.institution", "profile.bio"} {
		if got[field] == "" {
			t.Errorf("no error for %s; errors: %q", field, got)
		}
	}
	if !strings.Contains(got["abstract"], "has 31 words; the limit is 30") {
		t.Errorf("abstract error: %q", got["abstract"])
	}
	if n := f.count(`SELECT count(*) FROM proposals WHERE id = $1 AND status = 'draft'`, prop.ID); n != 1 {
		t.Error("a failed submit changed the status")
	}
}

func TestSubmitSendsOneReceiptAndIsIdempotent(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Kwame Mensah", true)
	prop := f.draft(p, f.complete())

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = f.subs.Submit(ctx, p, f.conf, prop.ID, 0)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent submit: %v", err)
		}
	}
	if n := f.count(`SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE 'Received:%'`, p.Email); n != 1 {
		t.Errorf("%d receipts, want 1", n)
	}
	var body string
	_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1`, p.Email).Scan(&body)
	for _, want := range []string{"Undoing bias in clerkship grading", "Mixed methods audit.", "Methods", "Poster abstract",
		"Graduate medical education", "Wednesday 30 June 2027, 23:59 EDT", "Kwame Mensah"} {
		if !strings.Contains(body, want) {
			t.Errorf("receipt lacks %q:\n%s", want, body)
		}
	}
	if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != 2 {
		t.Errorf("%d revisions, want 2 (created, submitted)", n)
	}
	// The audit log has the creation and the one submission, each once, by the submitter.
	for _, action := range []string{"proposal.created", "proposal.submitted"} {
		if n := f.count(`SELECT count(*) FROM audit_log WHERE action = $1 AND subject = $2 AND actor_id = $3 AND conference_id = $4`,
			action, fmt.Sprintf("proposal:%d", prop.ID), p.UserID, f.conf.ID); n != 1 {
			t.Errorf("%d audit entries %s, want 1", n, action)
		}
	}
	// Withdrawing is logged too, in the same statement as the change.
	if _, err := f.subs.Withdraw(ctx, p, f.conf, prop.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'proposal.withdrawn' AND subject = $1`, fmt.Sprintf("proposal:%d", prop.ID)); n != 1 {
		t.Errorf("%d audit entries of the withdrawal, want 1", n)
	}
}

func TestCreateWarnsOfTheOwnersInstitution(t *testing.T) {
	f := setup(t)
	p := f.person("Lena Ortiz", true)
	c := f.complete()
	c.Title = "Grading reform at Meharry Medical College"
	prop, warns, err := f.subs.Create(context.Background(), p, f.conf, submission.CreateInput{Content: c})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Field != "title" || !strings.Contains(warns[0].Message, "institution of a presenter (Meharry Medical College)") {
		t.Errorf("warnings of a new draft naming its owner's institution: %+v", warns)
	}
	if owner := prop.Owner(); owner.ID == 0 || owner.Profile.Institution != "Meharry Medical College" {
		t.Errorf("the new draft's owner: %+v", owner)
	}
	// A text that names both the presenter and the institution gets both warnings at once, the
	// name once (the whole name and its last part are one).
	c.Abstract = "Lena Ortiz and colleagues at Meharry Medical College; Ortiz led it."
	_, warns, err = f.subs.Save(context.Background(), p, f.conf, prop.ID, prop.Version, c)
	if err != nil {
		t.Fatal(err)
	}
	var abstract []string
	for _, w := range warns {
		if w.Field == "abstract" {
			abstract = append(abstract, w.Message)
		}
	}
	if len(abstract) != 2 || !strings.Contains(abstract[0], "the name of Lena Ortiz") || !strings.Contains(abstract[1], "institution of a presenter (Meharry Medical College)") {
		t.Errorf("warnings of an abstract naming a presenter and the institution: %q", abstract)
	}
	// A co-presenter of the same institution: the institution is still said once.
	f.coPresent(p, f.person("Amara Okafor", true), prop.ID)
	cur, err := f.subs.Get(context.Background(), p, f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.Abstract = "Lena Ortiz at Meharry Medical College."
	_, warns, err = f.subs.Save(context.Background(), p, f.conf, prop.ID, cur.Version, c)
	if err != nil {
		t.Fatal(err)
	}
	abstract = nil
	for _, w := range warns {
		if w.Field == "abstract" {
			abstract = append(abstract, w.Message)
		}
	}
	if len(abstract) != 2 {
		t.Errorf("warnings with two presenters of one institution: %q", abstract)
	}
}

func TestSubmitRacingSaveLosesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Rosalind Franklin", true)
	for round := range 10 {
		prop := f.draft(p, f.complete())
		c := f.complete()
		c.Title = fmt.Sprintf("Revised title %d", round)
		var wg sync.WaitGroup
		var saveErr, submitErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, _, saveErr = f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, c) }()
		go func() { defer wg.Done(); _, _, submitErr = f.subs.Submit(ctx, p, f.conf, prop.ID, 0) }()
		wg.Wait()
		// The submit either came first, and the save (of the version before it) is refused as stale,
		// or came second and submitted the saved text: nothing accepted is lost, nothing overwritten.
		wantTitle, wantVersion := c.Title, 3
		if apperr.Is(saveErr, apperr.Conflict) {
			wantTitle, wantVersion = f.complete().Title, 2
		} else if saveErr != nil {
			t.Fatalf("round %d: save: %v", round, saveErr)
		}
		if submitErr != nil {
			t.Fatalf("round %d: submit: %v", round, submitErr)
		}
		got, err := f.subs.Get(ctx, p, f.conf, prop.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != submission.Submitted || got.Title != wantTitle || got.Version != wantVersion {
			t.Fatalf("round %d: %s %q version %d (save: %v)", round, got.Status, got.Title, got.Version, saveErr)
		}
		if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != wantVersion {
			t.Errorf("round %d: %d revisions, want %d", round, n, wantVersion)
		}
		if n := f.count(`SELECT count(*) FROM email_messages WHERE event_key LIKE $1`, fmt.Sprintf("proposal-receipt:%d:%%", prop.ID)); n != 1 {
			t.Errorf("round %d: %d receipts, want 1", round, n)
		}
	}
}

func TestDeadlineInConferenceTimeZone(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Grace Hopper", true)
	prop := f.draft(p, f.complete())

	// 23:59:59 on June 30 in New York is still in time; a second later is not.
	f.clock.set(time.Date(2027, 6, 30, 23, 59, 59, 0, ny))
	saved, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, func() submission.Content {
		c := f.complete()
		c.Title += " (revised)"
		return c
	}())
	if err != nil {
		t.Fatalf("save at 23:59:59: %v", err)
	}
	f.clock.set(time.Date(2027, 7, 1, 0, 0, 0, 0, ny))
	_, _, err = f.subs.Submit(ctx, p, f.conf, prop.ID, 0)
	if !apperr.Is(err, apperr.Forbidden) || !strings.Contains(err.Error(), "Wednesday 30 June 2027, 23:59 EDT") {
		t.Fatalf("submit at midnight: %v", err)
	}
	// In UTC that moment is already 04:00 on July 1: the check is not made in UTC dates.
	if _, _, err := f.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: f.complete()}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("create after the deadline: %v", err)
	}

	// An extension for the person lets them in again; it is theirs alone.
	if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, p.Email, "2027-07-07T23:59", "illness"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.subs.Submit(ctx, p, f.conf, prop.ID, saved.Version); err != nil {
		t.Fatalf("submit within the extension: %v", err)
	}
	other := f.person("Other Person", true)
	if _, _, err := f.subs.Create(ctx, other, f.conf, submission.CreateInput{Content: f.complete()}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("someone without an extension created a proposal after the deadline: %v", err)
	}
	f.clock.set(time.Date(2027, 7, 8, 0, 0, 0, 0, ny))
	if _, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, saved.Version+1, f.complete()); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("save after the extension ended: %v", err)
	}

	// An extension of one proposal alone.
	draft := func() submission.Proposal {
		f.clock.set(time.Date(2027, 6, 1, 0, 0, 0, 0, ny))
		defer f.clock.set(time.Date(2027, 7, 8, 0, 0, 0, 0, ny))
		return f.draft(other, f.complete())
	}()
	if _, _, err := f.subs.Extend(ctx, f.org, f.conf, draft.ID, "2027-07-09T12:00"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.subs.Submit(ctx, other, f.conf, draft.ID, 0); err != nil {
		t.Fatalf("submit with the proposal's own extension: %v", err)
	}
	if _, _, err := f.subs.Extend(ctx, other, f.conf, draft.ID, "2027-07-09T12:00"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a presenter extended their own deadline: %v", err)
	}
	// Withdrawal stays possible after the deadline.
	if _, err := f.subs.Withdraw(ctx, other, f.conf, draft.ID); err != nil {
		t.Errorf("withdraw after the deadline: %v", err)
	}
}

func TestNotYetOpen(t *testing.T) {
	f := setup(t)
	f.clock.set(time.Date(2027, 1, 15, 8, 59, 0, 0, ny))
	_, _, err := f.subs.Create(context.Background(), f.person("Early Bird", true), f.conf, submission.CreateInput{Content: f.complete()})
	if !apperr.Is(err, apperr.Forbidden) || !strings.Contains(err.Error(), "opens on Friday 15 January 2027, 09:00 EST") {
		t.Fatalf("create before the call opens: %v", err)
	}
}

func TestAccessLink(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.clock.set(time.Date(2027, 7, 2, 10, 0, 0, 0, ny))
	link, err := f.calls.CreateAccessLink(ctx, f.org, f.conf, cfp.AccessLinkInput{Label: "Invited panel", ExpiresAt: "2027-07-10T17:00", MaxUses: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link.URL, "http://conf.test/c/"+f.conf.Slug+"/call/access/") {
		t.Errorf("link URL %q", link.URL)
	}
	a, b, c := f.person("Panel A", true), f.person("Panel B", true), f.person("Panel C", true)
	prop, _, err := f.subs.Create(ctx, a, f.conf, submission.CreateInput{Content: f.complete(), AccessSecret: link.Secret})
	if err != nil {
		t.Fatalf("create through the link: %v", err)
	}
	if prop.Deadline == nil || !prop.Deadline.Equal(time.Date(2027, 7, 10, 17, 0, 59, 999999000, ny)) {
		t.Errorf("the proposal's deadline is %v, want the link's expiry", prop.Deadline)
	}
	if _, _, err := f.subs.Submit(ctx, a, f.conf, prop.ID, 0); err != nil {
		t.Fatalf("submit through the link: %v", err)
	}
	if _, _, err := f.subs.Create(ctx, b, f.conf, submission.CreateInput{Content: f.complete(), AccessSecret: link.Secret}); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.subs.Create(ctx, c, f.conf, submission.CreateInput{Content: f.complete(), AccessSecret: link.Secret})
	if !apperr.Is(err, apperr.Forbidden) || !strings.Contains(err.Error(), "used as many times") {
		t.Fatalf("third use of a two-use link: %v", err)
	}
	_, _, err = f.subs.Create(ctx, c, f.conf, submission.CreateInput{Content: f.complete(), AccessSecret: "not-a-link"})
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown link: %v", err)
	}
	if n := f.count(`SELECT uses FROM call_access_links WHERE id = $1`, link.ID); n != 2 {
		t.Errorf("uses = %d, want 2", n)
	}
	other, _ := f.calls.CreateAccessLink(ctx, f.org, f.conf, cfp.AccessLinkInput{Label: "Late keynote", ExpiresAt: "2027-07-03T09:00", MaxUses: 5})
	f.clock.set(time.Date(2027, 7, 3, 9, 1, 0, 0, ny))
	if _, _, err := f.subs.Create(ctx, c, f.conf, submission.CreateInput{Content: f.complete(), AccessSecret: other.Secret}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("expired link: %v", err)
	}
}

// TestAccessLinkFormats: a link that names formats starts proposals of those alone, a format that
// takes no proposals from everyone included; a link that names none, of those that take proposals.
func TestAccessLinkFormats(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ws, err := f.calls.UpdateFormatFrom(ctx, f.org, f.conf, f.workshop.ID, f.workshop.Version, func(x cfp.Format) cfp.FormatInput {
		return cfp.FormatInput{Name: "Invited panel", DurationMinutes: x.DurationMinutes, MaxPresenters: x.MaxPresenters, AbstractMaxWords: x.AbstractMaxWords}
	})
	if err != nil || ws.Accepting {
		t.Fatalf("the panel's format: %+v %v", ws, err)
	}
	_, err = f.calls.CreateAccessLink(ctx, f.org, f.conf, cfp.AccessLinkInput{Label: "Panel", ExpiresAt: "2027-07-10T17:00", MaxUses: 5, FormatIDs: []int64{ws.ID, -1}})
	if ae, ok := apperr.As(err); !ok || len(ae.Fields) != 1 || ae.Fields[0].Field != "format_ids" {
		t.Errorf("a link naming a format the call does not have: %v", err)
	}
	panel, err := f.calls.CreateAccessLink(ctx, f.org, f.conf, cfp.AccessLinkInput{Label: "Panel", ExpiresAt: "2027-07-10T17:00", MaxUses: 5, FormatIDs: []int64{ws.ID, ws.ID}})
	if err != nil || !slices.Equal(panel.FormatIDs, []int64{ws.ID}) {
		t.Fatalf("a link for the panel: %v %v", panel.FormatIDs, err)
	}
	open, err := f.calls.CreateAccessLink(ctx, f.org, f.conf, cfp.AccessLinkInput{Label: "Anyone", ExpiresAt: "2027-07-10T17:00", MaxUses: 5})
	if err != nil {
		t.Fatal(err)
	}
	a := f.person("Panel A", true)
	inPanel := submission.Content{FormatID: ws.ID, Title: "Community members on the admissions committee"}
	if _, _, err := f.subs.Create(ctx, a, f.conf, submission.CreateInput{Content: inPanel}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("the panel's format without the link: %v", err)
	}
	prop, _, err := f.subs.Create(ctx, a, f.conf, submission.CreateInput{Content: inPanel, AccessSecret: panel.Secret})
	if err != nil || prop.FormatID != ws.ID {
		t.Fatalf("the panel's format through its link: %v", err)
	}
	_, _, err = f.subs.Create(ctx, a, f.conf, submission.CreateInput{Content: f.complete(), AccessSecret: panel.Secret})
	if ae, ok := apperr.As(err); !ok || len(ae.Fields) != 1 || ae.Fields[0].Message != "The link “Panel” does not start proposals of the format “Poster abstract”; choose one it offers." {
		t.Errorf("another format through the panel's link: %v", err)
	}
	if _, _, err := f.subs.Create(ctx, a, f.conf, submission.CreateInput{Content: inPanel, AccessSecret: open.Secret}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("the panel's format through a link naming no format: %v", err)
	}
	if n := f.count(`SELECT uses FROM call_access_links WHERE id = $1`, panel.ID); n != 1 {
		t.Errorf("the panel's link was used %d times, want 1 (a refused create uses nothing)", n)
	}
	if _, _, err := f.subs.Create(ctx, a, f.conf, submission.CreateInput{Content: f.complete(), AccessSecret: open.Secret}); err != nil {
		t.Errorf("a format taking proposals through a link naming none: %v", err)
	}

	// After the call closed, the proposal started with the panel's link keeps to the link's formats
	// when it changes, by either way of saving.
	f.clock.set(time.Date(2027, 7, 2, 10, 0, 0, 0, ny))
	toPoster := f.complete()
	_, _, err = f.subs.Save(ctx, a, f.conf, prop.ID, prop.Version, toPoster)
	if ae, ok := apperr.As(err); !ok || len(ae.Fields) != 1 || ae.Fields[0].Field != "format_id" || !strings.Contains(ae.Fields[0].Message, "started with the link “Panel”") {
		t.Errorf("a proposal of the panel's link moving to another format: %v", err)
	}
	if got := f.count(`SELECT format_id FROM proposals WHERE id = $1`, prop.ID); got != int(ws.ID) {
		t.Errorf("the proposal's format is %d", got)
	}
	inPanel.Title = "Community members on the admissions committee, revised"
	if _, _, err := f.subs.Save(ctx, a, f.conf, prop.ID, prop.Version, inPanel); err != nil {
		t.Errorf("a change in the panel's format after the call closed: %v", err)
	}
}

func TestOptimisticLocking(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Two Tabs", true)
	prop := f.draft(p, f.complete())

	first := f.complete()
	first.Abstract = "Text typed in the first tab."
	if _, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, first); err != nil {
		t.Fatal(err)
	}
	// The same save again (a double click) is not a conflict.
	if _, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, first); err != nil {
		t.Fatalf("repeated identical save: %v", err)
	}
	second := f.complete()
	second.Abstract = "Text typed in the second tab."
	_, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, second)
	var st *submission.StaleError
	if !apperr.Is(err, apperr.Conflict) || !errors.As(err, &st) || st.Current.Abstract != first.Abstract {
		t.Fatalf("stale save: %v", err)
	}
	var abstract string
	_ = f.db.SQL.QueryRow(`SELECT t.abstract FROM proposals p JOIN proposal_revisions t ON t.proposal_id = p.id AND t.version = p.version
		WHERE p.id = $1`, prop.ID).Scan(&abstract)
	if abstract != first.Abstract {
		t.Errorf("the stale save overwrote the newer text: %q", abstract)
	}
	// Saving again on top of the newer version works.
	if _, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, st.Current.Version, second); err != nil {
		t.Fatal(err)
	}
}

// TestStaleBeforeInvalid: a save on an older version is a conflict with the newer proposal even
// when its content is refused as well, the field errors coming with it; nothing is saved. A refusal
// met before Save is answered the same way by Refused.
func TestStaleBeforeInvalid(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Stale Tab", true)
	prop := f.draft(p, f.complete())
	prop, _, err := f.subs.Submit(ctx, p, f.conf, prop.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	newer := f.complete()
	newer.Abstract = "Text saved in the other tab."
	saved, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, newer)
	if err != nil {
		t.Fatal(err)
	}
	revisions := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID)

	incomplete := f.complete()
	incomplete.Answers = question.Answers{"audience": {"Faculty"}}
	_, _, err = f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, incomplete)
	var st *submission.StaleError
	if !apperr.Is(err, apperr.Conflict) || !errors.As(err, &st) || st.Current.Version != saved.Version || fieldErrors(err)["answers.methods"] == "" {
		t.Fatalf("stale and incomplete save: %v %v", err, fieldErrors(err))
	}
	// On the version saved, the same content is refused for its fields alone.
	if _, _, err = f.subs.Save(ctx, p, f.conf, prop.ID, saved.Version, incomplete); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("incomplete save: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != revisions {
		t.Errorf("%d revisions after the refused saves, want %d", n, revisions)
	}

	invalid := apperr.Field("answers.methods", "Unreadable.")
	if err := f.subs.Refused(ctx, p, f.conf, prop.ID, prop.Version, invalid); !errors.As(err, &st) || fieldErrors(err)["answers.methods"] != "Unreadable." {
		t.Errorf("refused on an older version: %v", err)
	}
	if err := f.subs.Refused(ctx, p, f.conf, prop.ID, saved.Version, invalid); err != error(invalid) {
		t.Errorf("refused on the version saved: %v", err)
	}
	if err := f.subs.Refused(ctx, f.person("Stranger", true), f.conf, prop.ID, prop.Version, invalid); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("refused, someone else's proposal: %v", err)
	}
}

// TestStaleSubmitSaysWhatElseStandsInTheWay: a submit of a version older than the one saved, and a
// save over an older version that was to be submitted, are told of the newer version first, with
// everything the submit would refuse as well: the fields checked in full and the submitter's
// missing profile. Nothing is saved, submitted or sent.
func TestStaleSubmitSaysWhatElseStandsInTheWay(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Stale Submitter", false)
	opened := f.draft(p, f.complete())
	incomplete := f.complete()
	incomplete.Answers = question.Answers{"audience": {"Faculty"}}
	newer, _, err := f.subs.Save(ctx, p, f.conf, opened.ID, opened.Version, incomplete)
	if err != nil {
		t.Fatal(err)
	}
	revisions := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, opened.ID)

	// The submit of the version opened: the newer version's problems, and the profile's.
	_, _, err = f.subs.Submit(ctx, p, f.conf, opened.ID, opened.Version)
	var st *submission.StaleError
	fe := fieldErrors(err)
	if !apperr.Is(err, apperr.Conflict) || !errors.As(err, &st) || st.Current.Version != newer.Version {
		t.Fatalf("a stale submit: %v", err)
	}
	if fe["answers.methods"] == "" || fe["profile.bio"] == "" || fe["profile.institution"] == "" || fe["title"] != "" {
		t.Errorf("a stale submit's field errors: %v", fe)
	}
	if ae, _ := apperr.As(err); !strings.HasPrefix(ae.Message, "Someone saved this proposal after you opened it") ||
		!strings.Contains(ae.Message, "Please correct the highlighted field before submitting.") {
		t.Errorf("a stale submit's message: %q", ae.Message)
	}

	// A save over the version opened, to be submitted: the save's own errors first, then what the
	// submit of the content typed would refuse, its presenters' profiles included.
	typed := f.complete()
	typed.Title = ""
	typed.Abstract = strings.Repeat("word ", 31)
	_, _, err = f.subs.Save(ctx, p, f.conf, opened.ID, opened.Version, typed)
	err = f.subs.StaleSubmit(ctx, f.conf, err, typed, p.UserID)
	fe = fieldErrors(err)
	if !apperr.Is(err, apperr.Conflict) || !errors.As(err, &st) || st.Current.Version != newer.Version {
		t.Fatalf("a stale save to be submitted: %v", err)
	}
	if !strings.Contains(fe["abstract"], "the limit is 30") || fe["title"] != "Give your proposal a title." || fe["profile.bio"] == "" || fe["answers.methods"] != "" {
		t.Errorf("a stale save to be submitted: field errors %v", fe)
	}
	// Any other refusal is left as it is.
	invalid := apperr.Field("title", "Too long.")
	if got := f.subs.StaleSubmit(ctx, f.conf, invalid, typed, p.UserID); got != error(invalid) {
		t.Errorf("StaleSubmit changed a refusal that is not stale: %v", got)
	}

	if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, opened.ID); n != revisions {
		t.Errorf("%d revisions after the stale requests, want %d", n, revisions)
	}
	if n := f.count(`SELECT count(*) FROM proposals WHERE id = $1 AND status = 'draft' AND version = $2`, opened.ID, newer.Version); n != 1 {
		t.Error("a stale request changed the proposal")
	}
	if n := f.count(`SELECT count(*) FROM email_messages WHERE recipient = $1`, p.Email); n != 0 {
		t.Errorf("%d messages sent after stale requests", n)
	}
}

func TestCreateWithClientKeyMakesOne(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Double Click", true)
	var wg sync.WaitGroup
	ids := make([]int64, 6)
	var made atomic.Int32
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prop, _, first, err := f.subs.CreateOnce(ctx, p, f.conf, submission.CreateInput{Content: f.complete(), ClientKey: "form-123"})
			if err != nil {
				t.Errorf("create: %v", err)
			}
			if first {
				made.Add(1)
			}
			ids[i] = prop.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || id == 0 {
			t.Fatalf("creates with one client key made different proposals: %v", ids)
		}
	}
	if made.Load() != 1 {
		t.Errorf("%d creates say they made the proposal, want 1", made.Load())
	}
	if n := f.count(`SELECT count(*) FROM proposals WHERE owner_id = $1`, p.UserID); n != 1 {
		t.Errorf("%d proposals, want 1", n)
	}

	// A retry that arrives after the call closed, or after its access link was used up, still gets
	// the proposal the first request made; another key is refused.
	f.clock.set(time.Date(2027, 7, 2, 10, 0, 0, 0, ny))
	again, _, err := f.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: f.complete(), ClientKey: "form-123"})
	if err != nil || again.ID != ids[0] {
		t.Errorf("a retry after the deadline: %d, %v; want proposal %d", again.ID, err, ids[0])
	}
	if _, _, err := f.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: f.complete(), ClientKey: "form-124"}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a new create after the deadline: %v", err)
	}
	link, err := f.calls.CreateAccessLink(ctx, f.org, f.conf, cfp.AccessLinkInput{Label: "Invited panel", ExpiresAt: "2027-07-10T17:00", MaxUses: 1})
	if err != nil {
		t.Fatal(err)
	}
	q := f.person("Panel Guest", true)
	in := submission.CreateInput{Content: f.complete(), ClientKey: "panel-1", AccessSecret: link.Secret}
	first, _, err := f.subs.Create(ctx, q, f.conf, in)
	if err != nil {
		t.Fatal(err)
	}
	if again, _, err := f.subs.Create(ctx, q, f.conf, in); err != nil || again.ID != first.ID {
		t.Errorf("a retry through a used-up link: %d, %v; want proposal %d", again.ID, err, first.ID)
	}
	if n := f.count(`SELECT uses FROM call_access_links WHERE id = $1`, link.ID); n != 1 {
		t.Errorf("the retry used the link again: %d uses", n)
	}
}

func TestWhoMaySee(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner, stranger := f.person("Owner", true), f.person("Stranger", true)
	prop := f.draft(owner, f.complete())
	for name, call := range map[string]func() error{
		"get":      func() error { _, err := f.subs.Get(ctx, stranger, f.conf, prop.ID); return err },
		"save":     func() error { _, _, err := f.subs.Save(ctx, stranger, f.conf, prop.ID, 1, f.complete()); return err },
		"submit":   func() error { _, _, err := f.subs.Submit(ctx, stranger, f.conf, prop.ID, 0); return err },
		"withdraw": func() error { _, err := f.subs.Withdraw(ctx, stranger, f.conf, prop.ID); return err },
		"invite": func() error {
			_, err := f.subs.Invite(ctx, stranger, f.conf, prop.ID, "X", "x@example.org")
			return err
		},
		"history": func() error { _, err := f.subs.Revisions(ctx, stranger, f.conf, prop.ID); return err },
	} {
		if err := call(); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("%s by a stranger: %v, want not found", name, err)
		}
	}
	// Organizers read every proposal but do not write them.
	if _, err := f.subs.Get(ctx, f.org, f.conf, prop.ID); err != nil {
		t.Errorf("organizer get: %v", err)
	}
	if _, _, err := f.subs.Save(ctx, f.org, f.conf, prop.ID, 1, f.complete()); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("organizer save: %v", err)
	}
	if _, err := f.subs.List(ctx, owner, f.conf, submission.Filter{}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a submitter listed all proposals: %v", err)
	}
}

// TestReinvite: a pending invitation is sent again with a fresh link, even when the proposal is full
// (a poster has at most two presenters): the link sent before stops working and the new one expires
// later. An answered invitation, the owner's own place, and someone other than the owner are refused.
func TestReinvite(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := f.person("Ife Owner", true)
	prop := f.draft(owner, f.complete())
	before := f.invitationSecret(owner, prop.ID, "Lee Pending", "lee.pending@example.org")
	prop, _ = f.subs.Get(ctx, owner, f.conf, prop.ID)
	var pending, own submission.Presenter
	for _, x := range prop.Presenters {
		if x.IsOwner {
			own = x
		} else {
			pending = x
		}
	}
	f.clock.set(f.clock.now().Add(40 * 24 * time.Hour)) // past the link's expiry, before the deadline
	x, err := f.subs.Reinvite(ctx, owner, f.conf, prop.ID, pending.ID, "")
	if err != nil {
		t.Fatalf("sending a pending invitation again to a full proposal: %v", err)
	}
	if x.ExpiresAt == nil || !x.ExpiresAt.After(*pending.ExpiresAt) || x.Status != submission.Invited {
		t.Errorf("sent again: %+v", x)
	}
	if n := f.count(`SELECT count(*) FROM email_messages WHERE recipient = 'lee.pending@example.org'`); n != 2 {
		t.Errorf("%d invitations queued, want 2", n)
	}
	if _, err := f.subs.Invitation(ctx, before); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("the link sent before still works: %v", err)
	}
	var body string
	_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = 'lee.pending@example.org' ORDER BY id DESC LIMIT 1`).Scan(&body)
	i := strings.Index(body, "/invitations/")
	if i < 0 {
		t.Fatalf("no invitation link in:\n%s", body)
	}
	lee := f.person("Lee Pending", true)
	if _, err := f.subs.AnswerInvitation(ctx, lee, strings.Fields(body[i+len("/invitations/"):])[0], true); err != nil {
		t.Fatalf("accepting the link sent again: %v", err)
	}
	if _, err := f.subs.Reinvite(ctx, owner, f.conf, prop.ID, pending.ID, ""); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("an accepted invitation sent again: %v", err)
	}
	if _, err := f.subs.Reinvite(ctx, owner, f.conf, prop.ID, own.ID, ""); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("the owner's own place sent an invitation: %v", err)
	}
	if _, err := f.subs.Reinvite(ctx, lee, f.conf, prop.ID, pending.ID, ""); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a co-presenter sent an invitation again: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM email_messages WHERE recipient = 'lee.pending@example.org' AND subject LIKE '%invites you%'`); n != 2 {
		t.Errorf("%d invitations queued after the refusals, want 2", n)
	}
}

func TestCoPresenters(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := f.person("Nia Owner", true)
	prop := f.draft(owner, f.complete())

	_, err := f.subs.Invite(ctx, owner, f.conf, prop.ID, "Co Presenter", "not-an-address")
	if fieldErrors(err)["email"] == "" {
		t.Fatalf("bad address: %v", err)
	}
	x, err := f.subs.Invite(ctx, owner, f.conf, prop.ID, "Sam Co", "Sam.Co@Example.org")
	if err != nil {
		t.Fatal(err)
	}
	// A poster has at most two presenters: the invitation counts.
	if _, err := f.subs.Invite(ctx, owner, f.conf, prop.ID, "Third", "third@example.org"); !strings.Contains(fieldErrors(err)["email"], "at most 2 presenters") {
		t.Fatalf("third presenter of a poster: %v", err)
	}
	var body string
	_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = 'sam.co@example.org'`).Scan(&body)
	i := strings.Index(body, "/invitations/")
	if i < 0 {
		t.Fatalf("no invitation link in:\n%s", body)
	}
	secret := strings.Fields(body[i+len("/invitations/"):])[0]

	// Accepted by whoever holds the link, signed in under another address.
	sam := f.person("Samuel Co", false)
	inv, err := f.subs.AnswerInvitation(ctx, sam, secret, true)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Presenter.ID != x.ID || inv.Presenter.Status != submission.Accepted {
		t.Errorf("answered invitation: %+v", inv.Presenter)
	}
	// Accepted again by them (a double click): the answer given, nothing changed; by anyone else,
	// or declined with it, the link is used.
	if again, err := f.subs.AnswerInvitation(ctx, sam, secret, true); err != nil || again.Presenter.ID != x.ID {
		t.Errorf("the same acceptance again: %+v %v", again.Presenter, err)
	}
	if _, err := f.subs.AnswerInvitation(ctx, f.person("Someone Else", false), secret, true); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a used invitation link worked for someone else: %v", err)
	}
	if _, err := f.subs.AnswerInvitation(ctx, sam, secret, false); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a used invitation link declined what it accepted: %v", err)
	}
	// The co-presenter can edit, not withdraw; and the owner is told.
	got, err := f.subs.Get(ctx, sam, f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := f.complete()
	c.Title = "Edited by the co-presenter"
	if _, _, err := f.subs.Save(ctx, sam, f.conf, prop.ID, got.Version, c); err != nil {
		t.Errorf("co-presenter save: %v", err)
	}
	if _, err := f.subs.Withdraw(ctx, sam, f.conf, prop.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("co-presenter withdrew: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE 'Samuel Co accepted%'`, owner.Email); n != 1 {
		t.Errorf("%d messages to the owner about the answer, want 1", n)
	}
	// A co-presenter's name in the abstract draws a warning, not an error.
	c.Abstract = "Samuel Co and colleagues at Meharry Medical College describe their work."
	c.Answers = question.Answers{"methods": {"An audit, as Samuel Co planned it."}, "audience": {"Faculty"}}
	got, _ = f.subs.Get(ctx, owner, f.conf, prop.ID)
	_, warns, err := f.subs.Save(ctx, owner, f.conf, prop.ID, got.Version, c)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, w := range warns {
		msgs = append(msgs, w.Field+": "+w.Message)
	}
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "abstract: The abstract mentions the name of Samuel Co") ||
		!strings.Contains(joined, "the institution of a presenter (Meharry Medical College)") ||
		!strings.Contains(joined, "answers.methods: “Methods” mentions the name of Samuel Co") || strings.Contains(joined, "title:") {
		t.Errorf("warnings:\n%s", joined)
	}
	// The co-presenter leaves.
	if err := f.subs.RemovePresenter(ctx, sam, f.conf, prop.ID, x.ID); err != nil {
		t.Errorf("leave: %v", err)
	}
	if _, err := f.subs.Get(ctx, sam, f.conf, prop.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a former co-presenter still sees the proposal: %v", err)
	}
}

func TestListAndSearch(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Lister", true)
	a := f.complete()
	a.Title = "Community health workers as faculty"
	f.draft(p, a)
	b := f.complete()
	b.FormatID, b.Title, b.Answers = f.workshop.ID, "Interrupting microaggressions on rounds", nil
	prop := f.draft(p, b)
	if _, _, err := f.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
		t.Fatal(err)
	}
	page, err := f.subs.List(ctx, f.org, f.conf, submission.Filter{Query: "microaggression"})
	if err != nil || page.Total != 1 || page.Proposals[0].ID != prop.ID || len(page.Proposals[0].Presenters) != 1 {
		t.Fatalf("search: %+v %v", page, err)
	}
	page, _ = f.subs.List(ctx, f.org, f.conf, submission.Filter{FormatID: f.poster.ID})
	if page.Total != 1 || page.Proposals[0].Title != a.Title {
		t.Errorf("format filter: %+v", page)
	}
	page, _ = f.subs.List(ctx, f.org, f.conf, submission.Filter{Status: submission.Submitted})
	if page.Total != 1 {
		t.Errorf("status filter: %d", page.Total)
	}
	if _, err := f.subs.List(ctx, f.org, f.conf, submission.Filter{Status: "accepted"}); fieldErrors(err)["status"] == "" {
		t.Errorf("bad status filter: %v", err)
	}
}

func TestMentions(t *testing.T) {
	for _, c := range []struct {
		text, term string
		want       bool
	}{
		{"Dr Lee's clinic", "Lee", true},
		{"a fleet of cars", "Lee", false},
		{"LEE", "lee", true},
		{"Zoë Ngũgĩ presented", "Ngũgĩ", true},
		{"Ngũgĩs", "Ngũgĩ", false},
		{"at Meharry Medical College.", "Meharry Medical College", true},
		{"", "x", false},
		{"x", " ", false},
		{"leeway and Lee", "lee", true},
		{"WITH ZOË NGŨGĨ", "Ngũgĩ", true},
		{"Mount Sinai", " mount SINAI ", true},
		// Accents, typed or not, composed or not, are one word.
		{"Dra. Pena y colegas", "Peña", true},
		{"Dra. Pen\u0303a y colegas", "Peña", true},
		{"DRA. NÚÑEZ", "Nunez", true},
		{"facultad de medicina de la universidad autonoma", "Facultad de Medicina de la Universidad Autónoma", true},
		{"Penarth", "Peña", false},
	} {
		if got := submission.Mentions(c.text, c.term); got != c.want {
			t.Errorf("mentions(%q, %q) = %v", c.text, c.term, got)
		}
	}
}

// TestReceiptRepeatsTheBlindReviewAdvice: a receipt of a text that names a presenter says so, in
// place of saying reviewers will not see the names; one that does not, says they will not.
func TestReceiptRepeatsTheBlindReviewAdvice(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	receipt := func(p *access.Principal, abstract string) string {
		c := f.complete()
		c.Abstract = abstract
		prop := f.draft(p, c)
		if _, _, err := f.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
			t.Fatal(err)
		}
		var text, html string
		if err := f.db.SQL.QueryRow(`SELECT body_text, body_html FROM email_messages WHERE event_key LIKE $1`,
			fmt.Sprintf("proposal-receipt:%d:%%", prop.ID)).Scan(&text, &html); err != nil {
			t.Fatal(err)
		}
		return text + html
	}
	named := receipt(f.person("Aiyana Redcloud", true), "Redcloud and colleagues at Meharry Medical College audited the grading of clerkships over three years.")
	for _, want := range []string{"but the text can tell them", "The abstract mentions the name of Aiyana Redcloud, a presenter.",
		"The abstract mentions the institution of a presenter (Meharry Medical College).", "<li>The abstract mentions the name of Aiyana Redcloud"} {
		if !strings.Contains(named, want) {
			t.Errorf("the receipt of a text naming its presenter lacks %q:\n%s", want, named)
		}
	}
	if strings.Contains(named, "without your names") {
		t.Error("the receipt of a text naming its presenter says reviewers will not see the names")
	}
	if plain := receipt(f.person("Ife Adebayo", true), "We audited the grading of clerkships over three years."); !strings.Contains(plain, "reviewers will see the proposal without your names") ||
		strings.Contains(plain, "can tell them") {
		t.Errorf("the receipt of a text naming no one:\n%s", plain)
	}
}

// TestSurnames: the words a name's person could be named by, besides the whole name.
func TestSurnames(t *testing.T) {
	for name, want := range map[string][]string{
		"María José Núñez Peña":      {"José", "Núñez", "Peña"},
		"Kwame Mensah-Boateng":       {"Mensah-Boateng", "Mensah", "Boateng"},
		"Ana de la Cruz":             {"Cruz"},
		"Johannes van der Berg":      {"Berg"},
		"Samuel Co":                  nil,
		"Prince":                     nil,
		"Mary O'Neil":                {"O'Neil"},
		"Thandiwe Dlamini (she/her)": {"Dlamini"},
	} {
		if got := submission.Surnames(name); !slices.Equal(got, want) {
			t.Errorf("surnames(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestBlindReviewWarnsOfEverySurname: a presenter named by either family name, with or without
// its accents, or by their institution without its accents, draws the warning; by the first name
// alone, not.
func TestBlindReviewWarnsOfEverySurname(t *testing.T) {
	f := setup(t)
	prop := submission.Proposal{Presenters: []submission.Presenter{{Name: "María José Núñez Peña", Status: submission.Accepted, IsOwner: true,
		Profile: account.Profile{Institution: "Facultad de Medicina de la Universidad Autónoma"}}}}
	for text, want := range map[string]string{
		"Dra. Núñez y su equipo.":                                "the name of María José Núñez Peña",
		"Dra. Nunez y su equipo.":                                "the name of María José Núñez Peña",
		"Dra. Pen\u0303a y su equipo.":                           "the name of María José Núñez Peña",
		"En la facultad de medicina de la universidad autonoma.": "the institution of a presenter",
		"María presented this.":                                  "",
		"We met in Penarth.":                                     "",
	} {
		c := f.complete()
		c.Abstract = text
		var got []string
		for _, w := range submission.Warnings(prop, c, f.poster) {
			got = append(got, w.Message)
		}
		if all := strings.Join(got, " "); (want == "") != (all == "") || !strings.Contains(all, want) {
			t.Errorf("%q: warnings %q, want one with %q", text, got, want)
		}
	}
}

// TestConcurrentSavesOfOneVersion saves eight different texts on the same version at once: one is
// saved, the others are told a newer version exists; no save is lost silently.
func TestConcurrentSavesOfOneVersion(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Many Tabs", true)
	prop := f.draft(p, f.complete())
	var wg sync.WaitGroup
	var ok, stale atomic.Int64
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := f.complete()
			c.Title = fmt.Sprintf("Tab %d", i)
			_, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, c)
			var st *submission.StaleError
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &st):
				stale.Add(1)
			default:
				t.Errorf("save: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || stale.Load() != 7 {
		t.Errorf("%d saved, %d stale; want 1 and 7", ok.Load(), stale.Load())
	}
	if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != 2 {
		t.Errorf("%d revisions, want 2", n)
	}
}

// TestDecisionFieldsRoundTrip stores a decision and the presenters' confirmation, and finds the
// proposal by them.
func TestDecisionFieldsRoundTrip(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Decided", true)
	prop := f.draft(p, f.complete())
	if _, _, err := f.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
		t.Fatal(err)
	}
	store := store.Proposals{DB: f.db}
	now := time.Now().UTC().Truncate(time.Microsecond)
	got, _ := f.subs.Get(ctx, f.org, f.conf, prop.ID)
	got.Decision, got.DecidedFormatID, got.DecisionNote, got.DecidedAt, got.DecidedBy, got.DecisionReleasedAt =
		submission.Accept, &f.workshop.ID, "As a workshop", &now, &f.org.UserID, &now
	if err := store.SetDecision(ctx, got); err != nil {
		t.Fatal(err)
	}
	due := now.Add(14 * 24 * time.Hour)
	if err := store.SetParticipation(ctx, prop.ID, submission.ParticipationConfirmed, &due, &now); err != nil {
		t.Fatal(err)
	}
	got, _ = f.subs.Get(ctx, f.org, f.conf, prop.ID)
	if got.Decision != submission.Accept || got.FinalFormatID() != f.workshop.ID || got.DecisionNote != "As a workshop" ||
		!got.InProgram() || got.ConfirmBy == nil || !got.ConfirmBy.Equal(due) {
		t.Errorf("decision read back: %+v", got)
	}
	page, err := f.subs.List(ctx, f.org, f.conf, submission.Filter{Decision: submission.Accept, Participation: submission.ParticipationConfirmed})
	if err != nil || page.Total != 1 {
		t.Errorf("filter by decision: %+v %v", page.Total, err)
	}
	page, _ = f.subs.List(ctx, f.org, f.conf, submission.Filter{Decision: "none"})
	if page.Total != 0 {
		t.Errorf("undecided: %d", page.Total)
	}
}

// TestSaveInOneStatement checks the usual save, which is one statement that reads nothing first, and
// that everything standing in the way of a save is still found and explained, with nothing written.
func TestSaveInOneStatement(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Grace Hopper", true)
	prop := f.draft(p, f.complete())
	state := func(id int64) (version, revisions int) {
		t.Helper()
		return f.count(`SELECT version FROM proposals WHERE id = $1`, id), f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, id)
	}
	// save saves c on top of version as who, and reports the statements it took.
	save := func(who *access.Principal, id int64, version int, c submission.Content) (submission.Proposal, []submission.Warning, int64, error) {
		t.Helper()
		cctx, n := store.CountQueries(ctx)
		saved, warns, err := f.subs.Save(cctx, who, f.conf, id, version, c)
		return saved, warns, n.Load(), err
	}
	// refused checks that a save failed with the code and wrote nothing.
	refused := func(what string, id int64, err error, code apperr.Code) {
		t.Helper()
		v, r := state(id)
		if !apperr.Is(err, code) {
			t.Errorf("%s: %v, want %s", what, err, code)
		}
		if v2, r2 := state(id); v2 != v || r2 != r {
			t.Errorf("%s wrote: version %d, %d revisions", what, v2, r2)
		}
	}

	// The usual save: one statement, the next version, its revision by the presenter, and the
	// blind-review warning about the presenter's institution named in the abstract.
	c := f.complete()
	c.Abstract = "At Meharry Medical College we audited grades."
	saved, warns, n, err := save(p, prop.ID, prop.Version, c)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("a save took %d statements, want 1", n)
	}
	if saved.Version != 2 || saved.Abstract != c.Abstract || saved.Status != submission.Draft || len(saved.Presenters) != 1 ||
		saved.Presenters[0].Profile.Institution != "Meharry Medical College" {
		t.Errorf("saved: %+v", saved)
	}
	if len(warns) != 1 || warns[0].Field != "abstract" {
		t.Errorf("warnings: %+v", warns)
	}
	var by int64
	var note string
	if err := f.db.SQL.QueryRow(`SELECT saved_by, note FROM proposal_revisions WHERE proposal_id = $1 AND version = 2`, prop.ID).Scan(&by, &note); err != nil ||
		by != p.UserID || note != "saved" {
		t.Errorf("revision 2: saved by %d, note %q, %v", by, note, err)
	}
	// A draft may be incomplete, and is saved at once too.
	d := c
	d.Title = ""
	if saved, _, n, err = save(p, prop.ID, 2, d); err != nil || n != 1 || saved.Version != 3 || saved.Title != "" {
		t.Errorf("incomplete draft: version %d, %d statements, %v", saved.Version, n, err)
	}
	// The same text again changes nothing.
	if saved, _, _, err = save(p, prop.ID, 3, d); err != nil || saved.Version != 3 {
		t.Errorf("unchanged save: version %d, %v", saved.Version, err)
	}
	if v, r := state(prop.ID); v != 3 || r != 3 {
		t.Errorf("after an unchanged save: version %d, %d revisions", v, r)
	}

	// Someone else's proposal, an organizer's change, a stale version, a choice not offered.
	_, _, _, err = save(f.person("Stranger", true), prop.ID, 3, c)
	refused("someone else's proposal", prop.ID, err, apperr.NotFound)
	_, _, _, err = save(f.org, prop.ID, 3, c)
	refused("an organizer", prop.ID, err, apperr.Forbidden)
	_, _, _, err = save(p, prop.ID, 2, c)
	refused("a stale version", prop.ID, err, apperr.Conflict)
	bad := c
	bad.Answers = question.Answers{"audience": {"Aliens"}}
	_, _, _, err = save(p, prop.ID, 3, bad)
	refused("a choice not offered", prop.ID, err, apperr.Invalid)
	// Text the database refuses (a NUL byte) is explained as the save would without the statement:
	// someone else's proposal is not found, a stale version a conflict.
	nul := c
	nul.Title = "Nul\x00byte"
	_, _, _, err = save(f.person("Stranger two", true), prop.ID, 3, nul)
	refused("someone else's proposal, with a NUL byte", prop.ID, err, apperr.NotFound)
	_, _, _, err = save(p, prop.ID, 2, nul)
	refused("a stale version with a NUL byte", prop.ID, err, apperr.Conflict)

	// A submitted proposal must stay complete.
	if _, _, err := f.subs.Submit(ctx, p, f.conf, prop.ID, 0); err == nil {
		t.Fatal("submitted an incomplete proposal")
	}
	if _, _, _, err = save(p, prop.ID, 3, c); err != nil {
		t.Fatal(err)
	}
	sub, _, err := f.subs.Submit(ctx, p, f.conf, prop.ID, 4)
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = save(p, prop.ID, sub.Version, d)
	refused("an incomplete change to a submitted proposal", prop.ID, err, apperr.Invalid)
	e := c
	e.Title = "A complete change"
	if saved, _, n, err = save(p, prop.ID, sub.Version, e); err != nil || n != 1 || saved.Status != submission.Submitted {
		t.Errorf("complete change to a submitted proposal: %+v, %d statements, %v", saved, n, err)
	}

	// A move to a format that no longer takes proposals.
	w := f.workshop
	if _, err := f.calls.UpdateFormat(ctx, f.org, f.conf, w.ID, w.Version, cfp.FormatInput{Name: w.Name, DurationMinutes: w.DurationMinutes,
		MaxPresenters: w.MaxPresenters, AbstractMaxWords: w.AbstractMaxWords, Accepting: false}); err != nil {
		t.Fatal(err)
	}
	other := e
	other.FormatID, other.Answers = w.ID, nil
	_, _, _, err = save(p, prop.ID, saved.Version, other)
	refused("a move to a closed format", prop.ID, err, apperr.Invalid)

	// After a decision, nothing changes.
	decided, _, err := f.subs.Submit(ctx, p, f.conf, f.draft(p, f.complete()).ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SQL.Exec(`UPDATE proposals SET decision = 'accepted' WHERE id = $1`, decided.ID); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = save(p, decided.ID, decided.Version, e)
	refused("a decided proposal", decided.ID, err, apperr.Forbidden)
	// Nor after a withdrawal.
	gone := f.draft(p, f.complete())
	if _, err := f.subs.Withdraw(ctx, p, f.conf, gone.ID); err != nil {
		t.Fatal(err)
	}
	v, _ := state(gone.ID)
	_, _, _, err = save(p, gone.ID, v, e)
	refused("a withdrawn proposal", gone.ID, err, apperr.Forbidden)

	// The deadline: passed for the call, kept by the owner's extension or the proposal's own.
	mine := f.draft(p, f.complete())
	theirs := f.person("Late Author", true)
	late := f.draft(theirs, f.complete())
	own := f.draft(theirs, f.complete())
	if _, _, err := f.subs.Extend(ctx, f.org, f.conf, own.ID, "2027-07-07T23:59"); err != nil {
		t.Fatal(err)
	}
	// Half a microsecond after the deadline (23:59:59.999999) is after it, though the database
	// keeps only microseconds.
	call, err := f.calls.Call(ctx, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.set(call.ClosesAt.Add(500 * time.Nanosecond))
	_, _, _, err = save(p, mine.ID, 1, e)
	refused("half a microsecond after the deadline", mine.ID, err, apperr.Forbidden)
	f.clock.set(time.Date(2027, 7, 1, 0, 30, 0, 0, ny))
	_, _, _, err = save(p, mine.ID, 1, e)
	refused("after the deadline", mine.ID, err, apperr.Forbidden)
	_, _, _, err = save(theirs, late.ID, 1, e)
	refused("after the deadline, before an extension", late.ID, err, apperr.Forbidden)
	if saved, _, n, err = save(theirs, own.ID, 1, e); err != nil || n != 1 || saved.Version != 2 {
		t.Errorf("within the proposal's own deadline: version %d, %d statements, %v", saved.Version, n, err)
	}
	if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, theirs.Email, "2027-07-03T23:59", "Travel"); err != nil {
		t.Fatal(err)
	}
	if saved, _, n, err = save(theirs, late.ID, 1, e); err != nil || n != 1 || saved.Version != 2 || saved.Extension == nil {
		t.Errorf("within the owner's extension: %+v, %d statements, %v", saved, n, err)
	}
}

// TestSavesWrittenTogether: saves that arrive together are written in shared statements, and each
// still gets its own answer: its own next version and revision, a conflict for the second of two
// saves of one version, not found for someone else's proposal, and a NUL byte refused for its save
// alone.
func TestSavesWrittenTogether(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const n = 24
	authors := f.authors(n, "Author", func(int) string { return f.complete().Title })
	// The call's settings are read once and kept; a save alone is one statement.
	warm := f.draft(f.person("Warm-up", true), f.complete())
	if _, _, err := f.subs.Save(ctx, f.principal(warm.OwnerID), f.conf, warm.ID, 1, f.complete()); err != nil {
		t.Fatal(err)
	}
	stranger := f.person("Stranger", true)
	type result struct {
		who   string
		i     int
		saved submission.Proposal
		err   error
	}
	cctx, statements := store.CountQueries(ctx)
	results := make(chan result, 4*n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	save := func(who string, i int, p *access.Principal, c submission.Content) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			saved, _, err := f.subs.Save(cctx, p, f.conf, authors[i].prop.ID, 1, c)
			results <- result{who, i, saved, err}
		}()
	}
	for i, a := range authors {
		c := f.complete()
		c.Title = fmt.Sprintf("First title %d", i)
		save("first", i, a.p, c)
		if i%4 == 0 {
			// A second tab saving the same version.
			c.Title = fmt.Sprintf("Second title %d", i)
			save("second", i, a.p, c)
		}
		if i%6 == 1 {
			save("stranger", i, stranger, c)
		}
	}
	nul := f.complete()
	nul.Abstract = "Nul\x00byte"
	save("nul", 2, authors[2].p, nul)
	calls := 0
	for i := range authors {
		calls += 1 + map[bool]int{true: 1}[i%4 == 0] + map[bool]int{true: 1}[i%6 == 1]
	}
	close(start)
	wg.Wait()
	close(results)

	wins := map[int][]string{}
	for r := range results {
		switch r.who {
		case "stranger":
			if !apperr.Is(r.err, apperr.NotFound) {
				t.Errorf("stranger's save of %d: %v, want not found", r.i, r.err)
			}
		case "nul":
			// Refused by the database: Save reads and finds the version it names is stale, or
			// writes nothing and fails.
			if r.err == nil && r.saved.Abstract == nul.Abstract {
				t.Errorf("a NUL byte was saved")
			}
		default:
			switch {
			case r.err == nil:
				if r.saved.Version != 2 || !strings.HasPrefix(r.saved.Title, map[string]string{"first": "First", "second": "Second"}[r.who]) {
					t.Errorf("%s save of %d: version %d, title %q", r.who, r.i, r.saved.Version, r.saved.Title)
				}
				wins[r.i] = append(wins[r.i], r.saved.Title)
			case apperr.Is(r.err, apperr.Conflict):
			default:
				t.Errorf("%s save of %d: %v", r.who, r.i, r.err)
			}
		}
	}
	for i, a := range authors {
		var title string
		var version, revisions int
		if err := f.db.SQL.QueryRow(`SELECT title, version, (SELECT count(*) FROM proposal_revisions WHERE proposal_id = p.id)
			FROM proposals p WHERE id = $1`, a.prop.ID).Scan(&title, &version, &revisions); err != nil {
			t.Fatal(err)
		}
		if len(wins[i]) != 1 || wins[i][0] != title || version != 2 || revisions != 2 {
			t.Errorf("proposal %d: saves that succeeded %q, stored %q at version %d with %d revisions", i, wins[i], title, version, revisions)
		}
		var by int64
		if err := f.db.SQL.QueryRow(`SELECT saved_by FROM proposal_revisions WHERE proposal_id = $1 AND version = 2`, a.prop.ID).Scan(&by); err != nil || by != a.p.UserID {
			t.Errorf("proposal %d: revision 2 saved by %d, want %d (%v)", i, by, a.p.UserID, err)
		}
	}
	// The first saves are written alone while the others wait and then go together; the ones
	// refused read again after that.
	if got := statements.Load(); got >= int64(calls) {
		t.Errorf("%d saves took %d statements: none was written together", calls, got)
	}
}

// TestCreatesWrittenTogether: new drafts that arrive together are written in shared statements,
// each with its own presenters, first revision and audit entry, and a repeated client key (a double
// click) still makes one proposal, whichever statements its two creates land in.
func TestCreatesWrittenTogether(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const n = 24
	people := make([]*access.Principal, n)
	for i := range people {
		people[i] = f.person(fmt.Sprintf("Creator %d", i), true)
	}
	// The call's settings are read once and kept; a create alone is one statement.
	f.draft(f.person("Warm-up", true), f.complete())
	ids := map[int]int64{}
	// round creates a draft for each of people[from:to] at once, twice for those double clicks
	// picks, and returns how many creates it made and how many statements they took.
	round := func(from, to int, double func(i int) bool) (creates int, statements int64) {
		type result struct {
			i    int
			prop submission.Proposal
			err  error
		}
		cctx, count := store.CountQueries(ctx)
		results := make(chan result, 2*n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		create := func(i int) {
			creates++
			c := f.complete()
			c.Title = fmt.Sprintf("Draft of creator %d", i)
			if i%5 == 3 {
				c.TrackID = nil
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				prop, _, err := f.subs.Create(cctx, people[i], f.conf, submission.CreateInput{Content: c, ClientKey: fmt.Sprintf("key-%d", i)})
				results <- result{i, prop, err}
			}()
		}
		for i := from; i < to; i++ {
			create(i)
			if double(i) {
				create(i)
			}
		}
		close(start)
		wg.Wait()
		close(results)
		for r := range results {
			if r.err != nil {
				t.Errorf("create %d: %v", r.i, r.err)
				continue
			}
			if r.prop.ID == 0 || r.prop.Title != fmt.Sprintf("Draft of creator %d", r.i) || len(r.prop.Presenters) != 1 ||
				r.prop.Presenters[0].ID == 0 || r.prop.Presenters[0].Profile.Institution == "" {
				t.Errorf("create %d: %+v", r.i, r.prop)
			}
			if id, ok := ids[r.i]; ok && id != r.prop.ID {
				t.Errorf("creator %d: two proposals for one client key (%d, %d)", r.i, id, r.prop.ID)
			}
			ids[r.i] = r.prop.ID
		}
		return creates, count.Load()
	}
	if creates, statements := round(0, n/2, func(int) bool { return false }); statements >= int64(creates) {
		t.Errorf("%d creates took %d statements: none was written together", creates, statements)
	}
	round(n/2, n, func(i int) bool { return i%3 == 0 })

	for i, p := range people {
		var count, revisions, presenters, entries int
		var track *int64
		if err := f.db.SQL.QueryRow(`SELECT count(*), max(track_id),
				(SELECT count(*) FROM proposal_revisions r WHERE r.proposal_id = $2 AND r.version = 1 AND r.saved_by = $1 AND r.note = 'created'),
				(SELECT count(*) FROM proposal_presenters pp WHERE pp.proposal_id = $2 AND pp.user_id = $1 AND pp.is_owner AND pp.status = 'accepted'),
				(SELECT count(*) FROM audit_log a WHERE a.action = 'proposal.created' AND a.actor_id = $1 AND a.subject = 'proposal:' || $2)
			FROM proposals WHERE owner_id = $1`, p.UserID, ids[i]).Scan(&count, &track, &revisions, &presenters, &entries); err != nil {
			t.Fatal(err)
		}
		if count != 1 || revisions != 1 || presenters != 1 || entries != 1 || (track == nil) != (i%5 == 3) {
			t.Errorf("creator %d: %d proposals, %d first revisions, %d owners, %d audit entries, track %v", i, count, revisions, presenters, entries, track)
		}
	}
}

// TestSaveNotHeldByAnotherLock: a proposal locked by another transaction (a submit, an organizer's
// change) holds up its own saves only, not the saves of other proposals written together.
func TestSaveNotHeldByAnotherLock(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	pa, pb := f.person("Locked Author", true), f.person("Other Author", true)
	a, b := f.draft(pa, f.complete()), f.draft(pb, f.complete())
	tx := f.lock(a.ID)
	// Two saves of the locked proposal, more than the statements that may run at once.
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := f.complete()
			c.Title = fmt.Sprintf("Locked save %d", i)
			if _, _, err := f.subs.Save(ctx, pa, f.conf, a.ID, 1, c); err != nil && !apperr.Is(err, apperr.Conflict) {
				t.Errorf("save of the locked proposal: %v", err)
			}
		}()
		time.Sleep(100 * time.Millisecond)
	}
	c := f.complete()
	c.Title = "Other save"
	start := time.Now()
	saved, _, err := f.subs.Save(ctx, pb, f.conf, b.ID, 1, c)
	if took := time.Since(start); err != nil || saved.Version != 2 || took > 2*time.Second {
		t.Errorf("the other proposal's save: version %d in %v, %v", saved.Version, took, err)
	}
	// Once the lock goes, one save of the locked proposal is written and the other is stale.
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if v := f.count(`SELECT version FROM proposals WHERE id = $1`, a.ID); v != 2 {
		t.Errorf("locked proposal at version %d after its saves, want 2", v)
	}
}

// TestSubmitsMadeTogether: submits that arrive together are made in shared transactions, each
// with its own checks and answer, revision, audit entry (with where its request came from) and
// receipt; a double click still submits once, a stranger gets not found, an incomplete draft its
// field errors (both answered by the submit made on its own, under lock), and a proposal another
// transaction holds keeps only its own submit waiting.
func TestSubmitsMadeTogether(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const n = 24
	authors := f.authors(n, "Submitter", func(i int) string { return fmt.Sprintf("Proposal of submitter %d", i) })
	// The call's settings are read once and kept.
	warm := f.person("Warm-up", true)
	if _, _, err := f.subs.Submit(ctx, warm, f.conf, f.draft(warm, f.complete()).ID, 1); err != nil {
		t.Fatal(err)
	}
	incomplete := f.person("Incomplete", true)
	half := f.complete()
	half.Abstract = ""
	draft := f.draft(incomplete, half)
	stranger := f.person("Stranger", true)
	held := f.person("Held", true)
	heldProp := f.draft(held, f.complete())
	tx := f.lock(heldProp.ID)
	// Should a batch wait for the lock, the others would wait with it: the lock goes after a while
	// in any case, so that the test fails rather than hangs.
	var release sync.Once
	unlock := func() { release.Do(func() { _ = tx.Rollback() }) }
	defer time.AfterFunc(10*time.Second, unlock).Stop()
	// Two submits of it, as many as the batches that run at once.
	heldDone := make(chan error, 2)
	for range 2 {
		go func() {
			_, _, err := f.subs.Submit(ctx, held, f.conf, heldProp.ID, 1)
			heldDone <- err
		}()
		time.Sleep(100 * time.Millisecond)
	}

	type result struct {
		who  string
		i    int
		prop submission.Proposal
		err  error
	}
	cctx, statements := store.CountQueries(ctx)
	results := make(chan result, 3*n+1)
	start := make(chan struct{})
	var wg sync.WaitGroup
	calls := 0
	submit := func(who string, i int, p *access.Principal, id int64) {
		calls++
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := audit.WithOrigin(cctx, audit.Origin{IP: fmt.Sprintf("192.0.2.%d", i), UserAgent: who})
			<-start
			prop, _, err := f.subs.Submit(ctx, p, f.conf, id, 1)
			results <- result{who, i, prop, err}
		}()
	}
	for i, a := range authors {
		submit("author", i, a.p, a.prop.ID)
		if i%4 == 0 {
			submit("double", i, a.p, a.prop.ID)
		}
		if i%6 == 1 {
			submit("stranger", i, stranger, a.prop.ID)
		}
	}
	submit("incomplete", n, incomplete, draft.ID)
	began := time.Now()
	close(start)
	wg.Wait()
	close(results)
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the submits took %v: they waited for the proposal another transaction holds", took)
	}

	for r := range results {
		switch r.who {
		case "stranger":
			if !apperr.Is(r.err, apperr.NotFound) {
				t.Errorf("stranger's submit of %d: %v, want not found", r.i, r.err)
			}
		case "incomplete":
			if fe := fieldErrors(r.err); !apperr.Is(r.err, apperr.Invalid) || fe["abstract"] == "" {
				t.Errorf("submit of an incomplete draft: %v, want the abstract's field error", r.err)
			}
		default:
			if r.err != nil || r.prop.Status != submission.Submitted || r.prop.Version != 2 || r.prop.Title != fmt.Sprintf("Proposal of submitter %d", r.i) {
				t.Errorf("%s submit of %d: status %s, version %d, %q, %v", r.who, r.i, r.prop.Status, r.prop.Version, r.prop.Title, r.err)
			}
		}
	}
	for i, a := range authors {
		id := a.prop.ID
		var status string
		var version, revisions, entries, receipts, jobs int
		if err := f.db.SQL.QueryRow(`SELECT status, version,
				(SELECT count(*) FROM proposal_revisions r WHERE r.proposal_id = p.id AND r.version = 2 AND r.note = 'submitted' AND r.saved_by = $2
					AND r.status = 'submitted' AND r.title = p.title
					AND r.abstract = (SELECT d.abstract FROM proposal_revisions d WHERE d.proposal_id = p.id AND d.version = 1) AND r.abstract <> ''),
				(SELECT count(*) FROM audit_log a WHERE a.action = 'proposal.submitted' AND a.subject = 'proposal:' || p.id AND a.actor_id = $2
					AND a.ip = $3 AND a.user_agent IN ('author', 'double')),
				(SELECT count(*) FROM email_messages e WHERE e.event_key LIKE 'proposal-receipt:' || p.id || ':2:%' AND e.recipient = $4
					AND e.body_text LIKE '%' || p.title || '%'),
				(SELECT count(*) FROM river_job j JOIN email_messages e ON (j.args->'email_ids') @> to_jsonb(e.id) OR (j.args->>'email_id')::bigint = e.id
					WHERE e.event_key LIKE 'proposal-receipt:' || p.id || ':%')
			FROM proposals p WHERE id = $1`, id, a.p.UserID, fmt.Sprintf("192.0.2.%d", i), a.p.Email).Scan(
			&status, &version, &revisions, &entries, &receipts, &jobs); err != nil {
			t.Fatal(err)
		}
		if status != "submitted" || version != 2 || revisions != 1 || entries != 1 || receipts != 1 || jobs != 1 {
			t.Errorf("proposal %d: %s at version %d; %d revisions, %d audit entries, %d receipts, %d delivery jobs of version 2 (want 1 each)",
				i, status, version, revisions, entries, receipts, jobs)
		}
	}
	if v := f.count(`SELECT version FROM proposals WHERE id = $1`, draft.ID); v != 1 {
		t.Errorf("the incomplete draft is at version %d", v)
	}
	// Submits alone take at least four statements each (lock, read, write, receipt, job); together,
	// the written ones share theirs and the refused ones (the stranger's, the incomplete draft's,
	// answered on their own) take a few each.
	if got := statements.Load(); got >= 3*int64(calls) {
		t.Errorf("%d submits took %d statements: too few were made together", calls, got)
	}
	select {
	case err := <-heldDone:
		t.Fatalf("the held proposal's submit finished while another transaction held it: %v", err)
	default:
	}
	unlock()
	for range 2 {
		if err := <-heldDone; err != nil {
			t.Errorf("the held proposal's submit: %v", err)
		}
	}
	if s := f.count(`SELECT count(*) FROM proposals WHERE id = $1 AND status = 'submitted' AND version = 2`, heldProp.ID); s != 1 {
		t.Errorf("the held proposal was not submitted")
	}
}

// TestSubmitJudgedWhenItArrived: a submit that arrives before the deadline is on time even when it
// has to wait, past the deadline, for the proposal's lock, and its proposal records when it arrived.
func TestSubmitJudgedWhenItArrived(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Just In Time", true)
	prop := f.draft(p, f.complete())
	arrived := time.Date(2027, 6, 30, 23, 59, 59, 0, ny)
	f.clock.set(arrived)
	tx := f.lock(prop.ID)
	done := make(chan error, 1)
	var submitted submission.Proposal
	go func() {
		var err error
		submitted, _, err = f.subs.Submit(ctx, p, f.conf, prop.ID, 1)
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	f.clock.set(arrived.Add(2 * time.Second)) // the deadline passes while it waits
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("a submit that arrived before the deadline: %v", err)
	}
	if submitted.SubmittedAt == nil || !submitted.SubmittedAt.Equal(arrived) {
		t.Errorf("submitted at %v, want %v (when it arrived)", submitted.SubmittedAt, arrived)
	}
}

// TestStatusSaveKeepsItsOwnOrigin: the audit entry of a status change written with others says where
// its own request came from, even when that request sent no user agent, never where the request
// whose context the statement runs under came from.
func TestStatusSaveKeepsItsOwnOrigin(t *testing.T) {
	f := setup(t)
	p := f.person("Scripted", true)
	prop := f.draft(p, f.complete())
	ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "198.51.100.1", UserAgent: "someone else's browser"})
	next := prop
	now := f.clock.now()
	next.Status, next.SubmittedAt, next.UpdatedAt, next.Version = submission.Submitted, &now, now, 2
	uid, cid := p.UserID, f.conf.ID
	saved, err := store.Proposals{DB: f.db}.SaveStatuses(ctx, []submission.StatusSave{{P: next, OldVersion: 1,
		Revision: submission.Revision{SavedBy: &uid, Note: "submitted"},
		Entry: audit.Entry{ActorID: &uid, ActorEmail: p.Email, Action: "proposal.submitted", Subject: fmt.Sprintf("proposal:%d", prop.ID),
			ConferenceID: &cid, IP: "192.0.2.9"}}})
	if err != nil || len(saved) != 1 || !saved[0] {
		t.Fatalf("status save: %v %v", saved, err)
	}
	var ip, agent string
	if err := f.db.SQL.QueryRow(`SELECT ip, user_agent FROM audit_log WHERE action = 'proposal.submitted' AND subject = $1`,
		fmt.Sprintf("proposal:%d", prop.ID)).Scan(&ip, &agent); err != nil {
		t.Fatal(err)
	}
	if ip != "192.0.2.9" || agent != "" {
		t.Errorf("audit entry from %q with agent %q, want 192.0.2.9 and none", ip, agent)
	}
}

// TestReadsKeepEveryColumn checks the proposals the batched statements return against a read by
// column name: a save (whose texts come from the save, not the row) returns what is stored, its
// revision holds the same texts, and a batch of submits reads every column, each into its own
// field, when all of them are set.
func TestReadsKeepEveryColumn(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Reader Column", true)
	prop := f.draft(p, f.complete())
	c := f.complete()
	// Text the check tidies: the save returns it as stored.
	c.Title, c.Abstract = "  Undoing   bias\tin grading ", "First line.\r\nSecond line.\r\n"
	c.Answers = question.Answers{"methods": {" Mixed methods. "}, "audience": {"Students", "Faculty"}}
	saved, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.subs.Get(ctx, p, f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Title != got.Title || saved.Abstract != got.Abstract || !reflect.DeepEqual(saved.Answers, got.Answers) ||
		saved.Version != got.Version || !saved.UpdatedAt.Equal(got.UpdatedAt) || len(saved.Presenters) != 1 ||
		saved.Presenters[0].Profile != got.Presenters[0].Profile || got.Title != "Undoing bias in grading" {
		t.Errorf("the save returned\n%+v\nand the proposal is\n%+v", saved, got)
	}
	revs, err := f.subs.Revisions(ctx, p, f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := revs[0]
	if last.Version != got.Version {
		last = revs[len(revs)-1]
	}
	if last.Version != got.Version || last.Title != got.Title || last.Abstract != got.Abstract || !reflect.DeepEqual(last.Answers, got.Answers) {
		t.Errorf("revision %d holds %q, %q, %v; the proposal %q, %q, %v", last.Version, last.Title, last.Abstract, last.Answers,
			got.Title, got.Abstract, got.Answers)
	}

	// Every nullable column set, each to a value no other column of its type has.
	if _, _, err := f.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2027, 4, d, 10, 0, 0, 0, time.UTC) }
	if _, err := f.db.SQL.Exec(`UPDATE proposals SET deadline = $2, client_key = 'key', withdrawn_at = $3, decision = 'accepted',
		decided_format_id = $4, decision_note = 'note', decision_reason = 'reason', decided_at = $5, decided_by = $6,
		decision_released_at = $7, participation = 'confirmed', confirm_by = $8, participation_at = $9 WHERE id = $1`,
		prop.ID, day(1), day(2), f.workshop.ID, day(3), f.org.UserID, day(4), day(5), day(6)); err != nil {
		t.Fatal(err)
	}
	proposals := store.Proposals{DB: f.db}
	byName, err := proposals.Get(ctx, f.conf.ID, prop.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	var locked []submission.Proposal
	if err := f.db.InTx(ctx, func(ctx context.Context) error {
		locked, err = proposals.LockMany(ctx, []int64{prop.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(locked) != 1 || !reflect.DeepEqual(locked[0], byName) {
		t.Errorf("locked together:\n%+v\nread by column name:\n%+v", locked, byName)
	}
}

// TestFormatChangeKeepsWhatWasTyped: a draft saved with another format and, in the same save, new
// answers to the questions of the format it leaves keeps those answers as a version of its own
// before the change, so the history shows them; a change with nothing new typed is one version.
func TestFormatChangeKeepsWhatWasTyped(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Rosa Parks", false)
	prop := f.draft(p, submission.Content{FormatID: f.poster.ID, Title: "Listening first", Answers: question.Answers{"methods": {"Interviews."}}})

	in := submission.Content{FormatID: f.workshop.ID, Title: "Listening first", Abstract: "Typed now.",
		Answers: question.Answers{"methods": {"Interviews with twelve residents."}, "audience": {"Faculty"}}}
	saved, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 3 || saved.FormatID != f.workshop.ID || len(saved.Answers) != 0 || saved.Abstract != "Typed now." {
		t.Fatalf("after the change: version %d, format %d, answers %v", saved.Version, saved.FormatID, saved.Answers)
	}
	revs, err := f.subs.Revisions(ctx, p, f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kept *submission.Revision
	for i := range revs {
		if revs[i].Version == 2 {
			kept = &revs[i]
		}
	}
	if kept == nil || kept.FormatID != f.poster.ID || kept.Answers.Value("methods") != "Interviews with twelve residents." ||
		kept.Answers.Value("audience") != "Faculty" || kept.Abstract != "Typed now." {
		t.Fatalf("the version kept before the change: %+v", kept)
	}
	if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != 3 {
		t.Errorf("%d revisions, want 3", n)
	}

	// Back to the poster, with its answers as they were saved: one version, nothing to keep.
	back, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, saved.Version, submission.Content{FormatID: f.poster.ID, Title: "Listening first"})
	if err != nil || back.Version != 4 || back.FormatID != f.poster.ID {
		t.Fatalf("back to the poster: %+v %v", back, err)
	}
	// A stale version is refused as ever, nothing kept.
	if _, _, err := f.subs.Save(ctx, p, f.conf, prop.ID, 2, in); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a format change over a stale version: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != 4 {
		t.Errorf("%d revisions after a stale save, want 4", n)
	}
}

// coPresent invites who to the proposal, as its owner, and accepts the invitation as who.
func (f *fixture) coPresent(owner, who *access.Principal, id int64) {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.subs.Invite(ctx, owner, f.conf, id, who.Name, who.Email); err != nil {
		f.t.Fatal(err)
	}
	var body string
	_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, strings.ToLower(who.Email)).Scan(&body)
	i := strings.Index(body, "/invitations/")
	if i < 0 {
		f.t.Fatalf("no invitation link in:\n%s", body)
	}
	if _, err := f.subs.AnswerInvitation(ctx, who, strings.Fields(body[i+len("/invitations/"):])[0], true); err != nil {
		f.t.Fatal(err)
	}
}

// TestSubmitChecksTheProfilesOfWhoSubmits: the owner's missing profile is named as theirs to a
// co-presenter, not as the co-presenter's own; a co-presenter who submits needs a complete profile
// of their own; what is missing outside the form is said, not called highlighted fields.
func TestSubmitChecksTheProfilesOfWhoSubmits(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	jordan := f.person("Jordan Lee", false)
	amara := f.person("Amara Okafor", true)
	prop := f.draft(jordan, f.complete())
	f.coPresent(jordan, amara, prop.ID)

	_, _, err := f.subs.Submit(ctx, amara, f.conf, prop.ID, 0)
	want := "Jordan Lee, who made this proposal, needs to add a role, an institution and a short bio to their profile before it is submitted."
	if got := fieldErrors(err); got["owner"] != want || len(got) != 1 {
		t.Errorf("a co-presenter submits, the owner's profile empty: %q", got)
	}
	if ae, ok := apperr.As(err); !ok || ae.Message != want {
		t.Errorf("the refusal's message: %v", err)
	}
	_, _, err = f.subs.Submit(ctx, jordan, f.conf, prop.ID, 0)
	if got := fieldErrors(err); got["profile.bio"] != "Your profile needs a short bio before you submit: complete your profile." || got["owner"] != "" {
		t.Errorf("the owner submits with an empty profile: %q", got)
	}

	// A co-presenter without a profile may not submit; the owner, whose profile is complete, may.
	kwame := f.person("Kwame Mensah", true)
	second := f.draft(kwame, f.complete())
	f.coPresent(kwame, jordan, second.ID)
	_, _, err = f.subs.Submit(ctx, jordan, f.conf, second.ID, 0)
	if got := fieldErrors(err); got["profile.participant_role"] == "" || got["profile.institution"] == "" || got["profile.bio"] == "" || got["owner"] != "" {
		t.Errorf("a co-presenter with an empty profile submits: %q", got)
	}
	if got, _, err := f.subs.Submit(ctx, kwame, f.conf, second.ID, 0); err != nil || got.Status != submission.Submitted {
		t.Errorf("the owner submits: %v", err)
	}
	// The co-presenter's receipt says who submitted; the submitter's own does not; both give the
	// proposal's number.
	receipt := func(to string) string {
		var body string
		_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1 AND subject LIKE 'Received:%'`, strings.ToLower(to)).Scan(&body)
		return body
	}
	number := fmt.Sprintf("Proposal number: %d\n", second.ID)
	if r := receipt(jordan.Email); !strings.Contains(r, ", submitted by Kwame Mensah. Here is a copy of what was submitted.") || !strings.Contains(r, number) {
		t.Errorf("the co-presenter's receipt:\n%s", r)
	}
	if r := receipt(kwame.Email); strings.Contains(r, "submitted by") || !strings.Contains(r, "Here is a copy of what you submitted.") || !strings.Contains(r, number) {
		t.Errorf("the submitter's receipt:\n%s", r)
	}
}

// TestFormatChangeTwiceAtOnce: a save changing a draft's format sent twice at once (a double
// click) is made once, both answered without a conflict, the answers typed kept once.
func TestFormatChangeTwiceAtOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Rosa Parks", false)
	for round := range 10 {
		prop := f.draft(p, submission.Content{FormatID: f.poster.ID, Title: "Listening first", Answers: question.Answers{"methods": {"Interviews."}}})
		in := submission.Content{FormatID: f.workshop.ID, Title: "Listening first", Answers: question.Answers{"methods": {fmt.Sprintf("Interviews, round %d.", round)}}}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		got := make([]submission.Proposal, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], _, errs[i] = f.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, in)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil || got[i].FormatID != f.workshop.ID || got[i].Version != 3 {
				t.Fatalf("round %d, save %d: version %d, format %d, %v", round, i, got[i].Version, got[i].FormatID, err)
			}
		}
		if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != 3 {
			t.Fatalf("round %d: %d revisions, want 3", round, n)
		}
	}
}

// TestNoJoiningADraftPastItsDeadline: an invitation to a draft whose deadline passed cannot be
// accepted (the draft will never be reviewed), and can still be declined; one to a submitted
// proposal can be accepted after the deadline.
func TestNoJoiningADraftPastItsDeadline(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.clock.set(time.Date(2027, 6, 29, 12, 0, 0, 0, ny)) // the call closes on 30 June
	owner := f.person("Kwame Mensah", true)
	draft := f.draft(owner, f.complete())
	done := f.draft(owner, f.complete())
	if _, _, err := f.subs.Submit(ctx, owner, f.conf, done.ID, 0); err != nil {
		t.Fatal(err)
	}
	secret := func(id int64, who *access.Principal) string {
		if _, err := f.subs.Invite(ctx, owner, f.conf, id, who.Name, who.Email); err != nil {
			t.Fatal(err)
		}
		var body string
		_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, strings.ToLower(who.Email)).Scan(&body)
		i := strings.Index(body, "/invitations/")
		if i < 0 {
			t.Fatalf("no invitation link in:\n%s", body)
		}
		return strings.Fields(body[i+len("/invitations/"):])[0]
	}
	late, later := f.person("Ada Late", true), f.person("Bo Later", true)
	toDraft, toDone := secret(draft.ID, late), secret(done.ID, later)
	if inv, err := f.subs.Invitation(ctx, toDraft); err != nil || inv.CannotAccept != "" {
		t.Errorf("before the deadline, the invitation to the draft says it cannot be accepted: %q %v", inv.CannotAccept, err)
	}
	f.clock.set(time.Date(2027, 7, 1, 9, 0, 0, 0, ny))
	// The invitation says so before anyone tries, in the words the refusal uses.
	inv, err := f.subs.Invitation(ctx, toDraft)
	const why = "was not submitted before its deadline, Wednesday 30 June 2027, 23:59 EDT, so it will not be reviewed"
	if err != nil || !strings.Contains(inv.CannotAccept, why) || !strings.Contains(inv.CannotAccept, "to let Kwame Mensah know") {
		t.Errorf("the invitation to a draft past its deadline: %q %v", inv.CannotAccept, err)
	}
	if inv, err := f.subs.Invitation(ctx, toDone); err != nil || inv.CannotAccept != "" {
		t.Errorf("the invitation to a submitted proposal after the deadline: %q %v", inv.CannotAccept, err)
	}
	_, err = f.subs.AnswerInvitation(ctx, late, toDraft, true)
	if ae, ok := apperr.As(err); !ok || ae.Code != apperr.Forbidden || ae.Message != inv.CannotAccept || ae.Title != submission.DeadlineTitle {
		t.Errorf("accepting an invitation to a draft past its deadline: %v", err)
	}
	if _, err := f.subs.AnswerInvitation(ctx, late, toDraft, false); err != nil {
		t.Errorf("declining it: %v", err)
	}
	if _, err := f.subs.AnswerInvitation(ctx, later, toDone, true); err != nil {
		t.Errorf("accepting an invitation to a submitted proposal after the deadline: %v", err)
	}
}

// TestRestoreAWithdrawnProposal: the owner makes a withdrawn proposal a draft again before its
// deadline, a version of its own; a co-presenter may not; after the deadline no one may.
func TestRestoreAWithdrawnProposal(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := f.person("Kwame Mensah", true)
	co := f.person("Amara Okafor", true)
	prop := f.draft(owner, f.complete())
	f.coPresent(owner, co, prop.ID)
	if _, _, err := f.subs.Submit(ctx, owner, f.conf, prop.ID, 0); err != nil {
		t.Fatal(err)
	}
	withdrawn, err := f.subs.Withdraw(ctx, owner, f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := f.subs.Restorable(ctx, f.conf, withdrawn); !ok || err != nil {
		t.Errorf("restorable before the deadline: %v %v", ok, err)
	}
	if _, err := f.subs.Restore(ctx, co, f.conf, prop.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a co-presenter restores: %v", err)
	}
	got, err := f.subs.Restore(ctx, owner, f.conf, prop.ID)
	if err != nil || got.Status != submission.Draft || got.WithdrawnAt != nil || got.SubmittedAt != nil || got.Version != withdrawn.Version+1 {
		t.Fatalf("restored: %+v %v", got, err)
	}
	if n := f.count(`SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1 AND note = 'restored' AND status = 'draft'`, prop.ID); n != 1 {
		t.Errorf("%d revisions of the restoration", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'proposal.restored' AND subject = $1`, fmt.Sprintf("proposal:%d", prop.ID)); n != 1 {
		t.Errorf("%d audit entries of the restoration", n)
	}
	if again, err := f.subs.Restore(ctx, owner, f.conf, prop.ID); err != nil || again.Version != got.Version {
		t.Errorf("restoring a draft: version %d, %v", again.Version, err)
	}
	// Each presenter was told of the withdrawal, how it can be undone, and of the restoration.
	for _, who := range []*access.Principal{owner, co} {
		var subject, body string
		_ = f.db.SQL.QueryRow(`SELECT subject, body_text FROM email_messages WHERE recipient = $1 AND event_key LIKE $2`,
			strings.ToLower(who.Email), fmt.Sprintf("proposal-withdrawn:%d:%%", prop.ID)).Scan(&subject, &body)
		can := "Kwame Mensah can restore it"
		if who == owner {
			can = "you can restore it"
		}
		if !strings.HasPrefix(subject, "Withdrawn: ") || !strings.Contains(body, "until Wednesday 30 June 2027, 23:59") || !strings.Contains(body, can) {
			t.Errorf("%s's withdrawal notice: %q\n%s", who.Name, subject, body)
		}
		_ = f.db.SQL.QueryRow(`SELECT subject, body_text FROM email_messages WHERE recipient = $1 AND event_key LIKE $2`,
			strings.ToLower(who.Email), fmt.Sprintf("proposal-restored:%d:%%", prop.ID)).Scan(&subject, &body)
		if !strings.HasPrefix(subject, "Restored as a draft: ") || !strings.Contains(body, "Kwame Mensah restored the proposal") ||
			!strings.Contains(body, "submitted again before the deadline, Wednesday 30 June 2027, 23:59") {
			t.Errorf("%s's restoration notice: %q\n%s", who.Name, subject, body)
		}
	}
	if _, _, err := f.subs.Submit(ctx, owner, f.conf, prop.ID, 0); err != nil {
		t.Errorf("submitting it anew: %v", err)
	}

	// After the deadline a withdrawn proposal stays withdrawn, and a second withdrawal is told
	// again, without an offer to restore it.
	f.clock.set(time.Date(2027, 7, 1, 9, 0, 0, 0, ny))
	if _, err := f.subs.Withdraw(ctx, owner, f.conf, prop.ID); err != nil {
		t.Fatal(err)
	}
	var body string
	_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1 AND event_key LIKE $2 ORDER BY id DESC LIMIT 1`,
		strings.ToLower(co.Email), fmt.Sprintf("proposal-withdrawn:%d:%%", prop.ID)).Scan(&body)
	if n := f.count(`SELECT count(*) FROM email_messages WHERE recipient = $1 AND event_key LIKE $2`, strings.ToLower(co.Email),
		fmt.Sprintf("proposal-withdrawn:%d:%%", prop.ID)); n != 2 || !strings.Contains(body, "write to the organizers") || strings.Contains(body, "restore") {
		t.Errorf("%d withdrawal notices; the last:\n%s", n, body)
	}
	if _, err := f.subs.Restore(ctx, owner, f.conf, prop.ID); !apperr.Is(err, apperr.Forbidden) || !strings.Contains(err.Error(), "can no longer be restored") {
		t.Errorf("restoring after the deadline: %v", err)
	}
}

// TestAnAddressAcceptedAtStaysThePresenters: a co-presenter who accepted an invitation from an
// account with another address keeps both addresses on the proposal: inviting either again is
// refused on the email field, and takes no place; after they leave, the address can be invited.
func TestAnAddressAcceptedAtStaysThePresenters(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := f.person("Amara Okafor", true)
	jordan := f.person("Jordan Lee", true)
	prop := f.draft(owner, f.complete())
	const invitedAt = "jordan@community.example.org"
	secret := f.invitationSecret(owner, prop.ID, "Jordan Lee", invitedAt)
	if _, err := f.subs.AnswerInvitation(ctx, jordan, secret, true); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1 AND email = $2 AND invited_email = $3 AND status = 'accepted'`,
		prop.ID, strings.ToLower(jordan.Email), invitedAt); n != 1 {
		t.Fatalf("the accepted invitation does not keep the address it was sent to (%d rows)", n)
	}
	for email, want := range map[string]string{
		invitedAt:                     "Jordan Lee already presents this proposal (invited at this address).",
		strings.ToUpper(invitedAt):    "Jordan Lee already presents this proposal (invited at this address).",
		strings.ToLower(jordan.Email): "Jordan Lee already presents this proposal.",
	} {
		_, err := f.subs.Invite(ctx, owner, f.conf, prop.ID, "Jordan again", email)
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.Invalid || len(ae.Fields) != 1 || ae.Fields[0].Field != "email" || ae.Fields[0].Message != want {
			t.Errorf("inviting %s again: %v", email, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1`, prop.ID); n != 2 {
		t.Errorf("%d presenters after the refused invitations, want 2", n)
	}

	// Once Jordan leaves, the address is free again.
	got, _ := f.subs.Get(ctx, owner, f.conf, prop.ID)
	for _, x := range got.Presenters {
		if !x.IsOwner {
			if x.InvitedEmail != invitedAt {
				t.Errorf("the presenter's invited address: %q", x.InvitedEmail)
			}
			if err := f.subs.RemovePresenter(ctx, jordan, f.conf, prop.ID, x.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := f.subs.Invite(ctx, owner, f.conf, prop.ID, "Jordan Lee", invitedAt); err != nil {
		t.Errorf("inviting the address after Jordan left: %v", err)
	}
}

// TestAnAccountsAddressHasOnePlace: an invitation cannot be accepted from an account whose address
// another invitation on the proposal was sent to (that place is the address's); once the account's
// address is another, the one it had is no one's on the proposal and may be invited.
func TestAnAccountsAddressHasOnePlace(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := f.person("Amara Okafor", true)
	jordan := f.person("Jordan Lee", true)
	c := f.complete()
	c.FormatID, c.Answers = f.workshop.ID, nil // room for four
	prop := f.draft(owner, c)
	secret := f.invitationSecret(owner, prop.ID, "Jordan Lee", "jordan@community.example.org")
	if _, err := f.subs.Invite(ctx, owner, f.conf, prop.ID, "Jordan Lee", jordan.Email); err != nil {
		t.Fatal(err)
	}
	if _, err := f.subs.AnswerInvitation(ctx, jordan, secret, true); !apperr.Is(err, apperr.Conflict) ||
		!strings.Contains(err.Error(), "Your account's address is already on this proposal's list of presenters.") {
		t.Errorf("accepting from an address another invitation went to: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1 AND status = 'accepted'`, prop.ID); n != 1 {
		t.Errorf("%d accepted presenters, want the owner alone", n)
	}

	// The owner's account moves to another address: the one it had may be invited, the new one not.
	old := strings.ToLower(owner.Email)
	moved := "amara.moved." + old
	if _, err := f.db.SQL.Exec(`UPDATE users SET email = $2 WHERE id = $1`, owner.UserID, moved); err != nil {
		t.Fatal(err)
	}
	owner.Email = moved
	_, err := f.subs.Invite(ctx, owner, f.conf, prop.ID, "Amara again", moved)
	if ae, ok := apperr.As(err); !ok || ae.Code != apperr.Invalid || len(ae.Fields) != 1 || !strings.HasPrefix(ae.Fields[0].Message, "That is your own address") {
		t.Errorf("inviting the owner's address now: %v", err)
	}
	if _, err := f.subs.Invite(ctx, owner, f.conf, prop.ID, "Sam Successor", old); err != nil {
		t.Errorf("inviting the address the owner's account had: %v", err)
	}
	got, err := f.subs.Get(ctx, owner, f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, x := range got.Presenters {
		emails = append(emails, x.Email+" "+string(x.Status))
	}
	if want := []string{moved + " accepted", "jordan@community.example.org invited", strings.ToLower(jordan.Email) + " invited", old + " invited"}; !slices.Equal(emails, want) {
		t.Errorf("the presenters: %q, want %q", emails, want)
	}
}

// TestInviteOnce: an invitation sent again with its client key (a double click, a retry) sends no
// other mail and returns the invitation as it is now, also once it is accepted, where the same
// address without the key is refused as presenting already; the key with another address or name
// invites no one (ErrKeyUsed, with the invitation it sent); a key too long is refused.
func TestInviteOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := f.person("Amara Okafor", true)
	c := f.complete()
	c.FormatID, c.Answers = f.workshop.ID, nil // room for four
	prop := f.draft(owner, c)
	email := fmt.Sprintf("jordan.%d@community.example.org", prop.ID)
	mails := func() int {
		return f.count(`SELECT count(*) FROM email_messages WHERE recipient = $1 AND event_key LIKE 'presenter-invitation:%'`, email)
	}

	x, err := f.subs.InviteOnce(ctx, owner, f.conf, prop.ID, "Jordan Lee", strings.ToUpper(email), "form-1")
	if err != nil || x.ClientKey != "form-1" {
		t.Fatalf("invite: %+v %v", x, err)
	}
	again, err := f.subs.InviteOnce(ctx, owner, f.conf, prop.ID, " Jordan  Lee ", email, "form-1")
	if err != nil || again.ID != x.ID || again.Status != submission.Invited || mails() != 1 {
		t.Errorf("the same invitation again: %+v %v, %d mails", again, err, mails())
	}
	for what, in := range map[string][2]string{"another address": {"Jordan Lee", "other." + email}, "another name": {"Jo Lee", email}} {
		got, err := f.subs.InviteOnce(ctx, owner, f.conf, prop.ID, in[0], in[1], "form-1")
		if !errors.Is(err, apperr.ErrKeyUsed) || !apperr.Is(err, apperr.Conflict) || got.ID != x.ID {
			t.Errorf("the key with %s: %+v %v", what, got, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1`, prop.ID); n != 2 || mails() != 1 {
		t.Errorf("%d presenters, %d mails after the key was sent again, want 2 and 1", n, mails())
	}

	// Accepted from an account with another address: the same request again is the invitation as
	// it is now; a new one is refused.
	var body string
	_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, email).Scan(&body)
	i := strings.Index(body, "/invitations/")
	if i < 0 {
		t.Fatalf("no invitation link in:\n%s", body)
	}
	jordan := f.person("Jordan Lee", true)
	if _, err := f.subs.AnswerInvitation(ctx, jordan, strings.Fields(body[i+len("/invitations/"):])[0], true); err != nil {
		t.Fatal(err)
	}
	again, err = f.subs.InviteOnce(ctx, owner, f.conf, prop.ID, "Jordan Lee", email, "form-1")
	if err != nil || again.ID != x.ID || again.Status != submission.Accepted || mails() != 1 {
		t.Errorf("the same invitation again once accepted: %+v %v, %d mails", again, err, mails())
	}
	if _, err := f.subs.InviteOnce(ctx, owner, f.conf, prop.ID, "Jordan Lee", email, "form-2"); !strings.Contains(fieldErrors(err)["email"], "already presents this proposal") {
		t.Errorf("the accepted address with another key: %v", err)
	}

	if _, err := f.subs.InviteOnce(ctx, owner, f.conf, prop.ID, "Sam Rivera", "sam@example.org", strings.Repeat("k", 101)); fieldErrors(err)["client_key"] == "" {
		t.Errorf("a key too long: %v", err)
	}
}

// TestCanDelete: the owner may delete a draft never submitted that no one else co-presents; an
// invitation with no answer, or declined, is no one's share of it.
func TestCanDelete(t *testing.T) {
	const owner, co, stranger = 1, 2, 3
	uid := func(id int64) *int64 { return &id }
	draft := func(others ...submission.Presenter) submission.Proposal {
		return submission.Proposal{Status: submission.Draft, Presenters: append([]submission.Presenter{
			{UserID: uid(owner), Name: "Amara Okafor", IsOwner: true, Status: submission.Accepted}}, others...)}
	}
	joined := submission.Presenter{UserID: uid(co), Name: "Jordan Lee", Status: submission.Accepted}
	submitted := draft()
	submitted.Status = submission.Submitted
	for _, tt := range []struct {
		what          string
		viewer        int64
		prop          submission.Proposal
		everSubmitted bool
		want          bool
	}{
		{"the owner's draft", owner, draft(), false, true},
		{"with an invitation pending and one declined", owner, draft(submission.Presenter{Name: "Sam", Status: submission.Invited},
			submission.Presenter{Name: "Li", Status: submission.Declined}), false, true},
		{"a draft submitted once", owner, draft(), true, false},
		{"a submitted proposal", owner, submitted, false, false},
		{"a draft someone else co-presents", owner, draft(joined), false, false},
		{"by the co-presenter", co, draft(joined), false, false},
		{"by someone else", stranger, draft(), false, false},
	} {
		if got := submission.CanDelete(tt.viewer, tt.prop, tt.everSubmitted); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.what, got, tt.want)
		}
	}
	if submission.EverSubmitted([]submission.Revision{{Status: submission.Draft}}) ||
		!submission.EverSubmitted([]submission.Revision{{Status: submission.Draft}, {Status: submission.Withdrawn}, {Status: submission.Submitted}}) {
		t.Error("EverSubmitted")
	}
}
