package review_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/assign"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
	"github.com/challenging-norms/conference/web"
)

var testDB *pgtest.Database

func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }

type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) now() time.Time  { return *c.t.Load() }
func (c *clock) set(t time.Time) { c.t.Store(&t) }

var ny, _ = time.LoadLocation("America/New_York")
var seq atomic.Int64

type fixture struct {
	t       *testing.T
	db      *store.DB
	clock   *clock
	calls   *cfp.Service
	subs    *submission.Service
	reviews *review.Service
	confs   *conference.Service
	conf    conference.Conference
	org     *access.Principal
	admin   *access.Principal
	poster  cfp.Format
	tracks  []cfp.Track
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
	ck := &clock{}
	ck.set(time.Date(2027, 3, 1, 12, 0, 0, 0, ny))
	secret := "0123456789abcdef0123456789abcdef"
	outbox := mail.NewOutbox(r, store.Mail{DB: db})
	f := &fixture{t: t, db: db, clock: ck}
	f.confs = conference.NewService(store.Conferences{DB: db}, store.Audit{DB: db})
	f.calls = cfp.NewService(cfp.Options{Store: store.Calls{DB: db}, Outbox: outbox, Audit: store.Audit{DB: db}, Secret: secret, Now: ck.now})
	f.subs = submission.NewService(submission.Options{Store: store.Proposals{DB: db}, Calls: f.calls, Outbox: outbox, Audit: store.Audit{DB: db},
		Secret: secret, Now: ck.now})
	f.reviews = review.NewService(review.Options{Store: store.Reviews{DB: db}, Proposals: store.Proposals{DB: db}, Calls: f.calls,
		Team: store.Conferences{DB: db}, Outbox: outbox, Audit: store.Audit{DB: db}, Secret: secret, BaseURL: "http://conf.test", Now: ck.now})
	f.conf, err = f.confs.Seed(ctx, conference.CreateInput{Slug: fmt.Sprintf("rv-%d-%d", time.Now().UnixNano(), seq.Add(1)), Name: "Challenging Norms",
		TimeZone: "America/New_York", StartsOn: "2027-10-08", EndsOn: "2027-10-09"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.calls.Seed(ctx, f.conf, cfp.Setup{
		Call:   cfp.CallInput{Opens: "2027-01-15T09:00", Closes: "2027-06-30T23:59"},
		Tracks: []cfp.TrackInput{{Name: "Undergraduate"}, {Name: "Graduate"}, {Name: "Community"}},
		Formats: []cfp.FormatInput{{Name: "Poster abstract", DurationMinutes: 10, MaxPresenters: 3, AbstractMaxWords: 200, Accepting: true,
			Fields: []question.Question{{ID: "methods", Label: "Methods", Kind: question.LongText, Required: true, MaxWords: 100}}}},
	}); err != nil {
		t.Fatal(err)
	}
	formats, _ := f.calls.Formats(ctx, f.conf)
	f.poster = formats[0]
	f.tracks, _ = f.calls.Tracks(ctx, f.conf)
	f.admin = f.person("Admin", "admin@admin.test", "")
	f.admin.Admin = true
	f.org = f.member("Olu Organizer", "olu@org.test", "", access.Organizer)
	return f
}

// person makes an account with the address and institution.
func (f *fixture) person(name, email, institution string) *access.Principal {
	f.t.Helper()
	ctx := context.Background()
	// A counter in the local part keeps addresses unique and their domains as given.
	local, domain, _ := strings.Cut(email, "@")
	email = fmt.Sprintf("%s.%d.%d@%s", local, time.Now().UnixNano(), seq.Add(1), domain)
	u := account.User{Email: email, Name: name, PasswordHash: "x"}
	if err := (store.Accounts{DB: f.db}).CreateUser(ctx, &u); err != nil {
		f.t.Fatal(err)
	}
	if err := (store.Accounts{DB: f.db}).SetProfile(ctx, u.ID, name, account.Profile{Role: account.Faculty, Institution: institution, Bio: "Bio."}); err != nil {
		f.t.Fatal(err)
	}
	return f.principal(u.ID)
}

// member makes a person with a role in the conference.
func (f *fixture) member(name, email, institution string, role access.Role) *access.Principal {
	f.t.Helper()
	p := f.person(name, email, institution)
	if err := f.confs.Grant(context.Background(), f.admin, f.conf, p.Email, role); err != nil {
		f.t.Fatal(err)
	}
	return f.principal(p.UserID)
}

func (f *fixture) principal(id int64) *access.Principal {
	f.t.Helper()
	ctx := context.Background()
	u, roles, err := (store.Accounts{DB: f.db}).UserWithRoles(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return &access.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, Roles: roles}
}

// proposal submits a poster by p in the track.
func (f *fixture) proposal(p *access.Principal, title string, track int) submission.Proposal {
	f.t.Helper()
	ctx := context.Background()
	c := submission.Content{FormatID: f.poster.ID, TrackID: &f.tracks[track].ID, Title: title, Abstract: "An abstract about " + title + ".",
		Answers: question.Answers{"methods": {"Interviews."}}}
	prop, _, err := f.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: c})
	if err != nil {
		f.t.Fatal(err)
	}
	if prop, _, err = f.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
		f.t.Fatal(err)
	}
	return prop
}

func (f *fixture) conflicts(prop submission.Proposal, p *access.Principal) []string {
	f.t.Helper()
	r, err := (store.Reviews{DB: f.db}).Conflicted(context.Background(), prop.ID, p.UserID)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// TestConflictsOfInterest checks every rule of the conflict_pairs view.
func TestConflictsOfInterest(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	author := f.person("Amina Author", "amina@meharry.edu", "The Meharry Medical College")
	prop := f.proposal(author, "Grading audits", 0)

	same := f.member("Same Domain", "sam@meharry.edu", "Elsewhere University", access.Reviewer)
	webmail := f.member("Webmail Author Friend", "friend@gmail.com", "", access.Reviewer)
	coauthorWebmail := f.person("Co Webmail", "co@gmail.com", "")
	inst := f.member("Same Institution", "si@other.org", "meharry medical college", access.Reviewer)
	independent := f.member("Independent One", "ind@solo.org", "Independent", access.Reviewer)
	declaresInst := f.member("Declares Institution", "di@third.org", "Third", access.Reviewer)
	declaresPerson := f.member("Declares Person", "dp@fourth.org", "Fourth", access.Reviewer)
	clean := f.member("Clean Reviewer", "clean@fifth.org", "Fifth College", access.Reviewer)
	// A co-presenter invited with a webmail address: sharing gmail.com is no conflict.
	if _, err := f.subs.Invite(ctx, author, f.conf, prop.ID, "Co Webmail", coauthorWebmail.Email); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.SaveProfile(ctx, declaresInst, f.conf, review.Profile{MaxReviews: 10, ConflictInstitutions: []string{"MEHARRY   Medical College!"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.SaveProfile(ctx, declaresPerson, f.conf, review.Profile{MaxReviews: 10, ConflictPeople: []string{" " + strings.ToUpper(author.Email)}}); err != nil {
		t.Fatal(err)
	}
	want := map[*access.Principal]string{
		same: "email_domain", inst: "institution", declaresInst: "declared_institution", declaresPerson: "declared_person",
	}
	for p, reason := range want {
		if got := f.conflicts(prop, p); !slices.Contains(got, reason) {
			t.Errorf("%s: reasons %v, want %s", p.Name, got, reason)
		}
	}
	for _, p := range []*access.Principal{webmail, independent, clean} {
		if got := f.conflicts(prop, p); len(got) != 0 {
			t.Errorf("%s conflicts: %v", p.Name, got)
		}
	}
	// The presenter is in conflict with their own proposal, as a reviewer or an organizer.
	author2 := f.member("Reviewer Who Proposes", "rwp@sixth.org", "Sixth Org", access.Reviewer)
	own := f.proposal(author2, "My own", 1)
	if got := f.conflicts(own, author2); !slices.Contains(got, "presenter") {
		t.Errorf("presenter: %v", got)
	}
	// Declared by the reviewer, set by an organizer, or a conflict bid.
	if err := f.reviews.SetConflict(ctx, f.org, f.conf, prop.ID, clean.UserID, true, "mentor"); err != nil {
		t.Fatal(err)
	}
	if got := f.conflicts(prop, clean); !slices.Contains(got, "set_by_organizer") {
		t.Errorf("organizer-set: %v", got)
	}
	if err := f.reviews.SetConflict(ctx, f.org, f.conf, prop.ID, clean.UserID, false, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.conflicts(prop, clean); len(got) != 0 {
		t.Errorf("after removal: %v", got)
	}
	if err := f.reviews.SetConflict(ctx, clean, f.conf, prop.ID, clean.UserID, true, ""); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a reviewer set a conflict as an organizer: %v", err)
	}
}

// TestInvitationsAndProfile invites a pasted list, accepts under another address, and fills a profile.
func TestInvitationsAndProfile(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	people, bad := review.ParseInvitees("Ada Lovelace <ada@example.org>\nbob@example.org, Bob Builder\nnot an address\n\nCarol, carol@example.org")
	if len(people) != 3 || len(bad) != 1 || people[0].Name != "Ada Lovelace" || people[1].Name != "Bob Builder" || people[2].Email != "carol@example.org" {
		t.Fatalf("parsed %+v, bad %v", people, bad)
	}
	sent, err := f.reviews.Invite(ctx, f.org, f.conf, people, "We would value your view.")
	if err != nil || len(sent) != 3 {
		t.Fatalf("invite: %d %v", len(sent), err)
	}
	var body string
	if err := f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = 'ada@example.org'`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(body, "/review-invitations/")
	secret := strings.Fields(body[i+len("/review-invitations/"):])[0]
	if !strings.Contains(body, "We would value your view.") {
		t.Errorf("the message is not in the mail:\n%s", body)
	}
	someone := f.person("Ada Lovelace", "ada.work@uni.org", "")
	if _, err := f.reviews.AnswerInvitation(ctx, nil, secret, true); !apperr.Is(err, apperr.Unauthenticated) {
		t.Errorf("answer without logging in: %v", err)
	}
	inv, err := f.reviews.AnswerInvitation(ctx, someone, secret, true)
	if err != nil || inv.Status != review.Accepted {
		t.Fatalf("accept: %+v %v", inv, err)
	}
	if _, err := f.reviews.AnswerInvitation(ctx, someone, secret, true); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("the link worked twice: %v", err)
	}
	reviewer := f.principal(someone.UserID)
	if !reviewer.HasRole(f.conf.ID, access.Reviewer) {
		t.Fatal("accepting did not make a reviewer")
	}
	// Invited again: skipped, as they review already.
	if again, _ := f.reviews.Invite(ctx, f.org, f.conf, []review.Invitee{{Email: reviewer.Email}}, ""); len(again) != 0 {
		t.Errorf("a reviewer was invited again")
	}
	_, err = f.reviews.SaveProfile(ctx, reviewer, f.conf, review.Profile{Tracks: []int64{999999}, MaxReviews: -1, Category: "astronaut",
		ConflictPeople: []string{"not-an-email"}})
	ae, _ := apperr.As(err)
	fields := map[string]bool{}
	for _, x := range ae.Fields {
		fields[x.Field] = true
	}
	for _, want := range []string{"tracks", "max_reviews", "category", "conflict_people"} {
		if !fields[want] {
			t.Errorf("no error for %s: %v", want, err)
		}
	}
	pr, err := f.reviews.SaveProfile(ctx, reviewer, f.conf, review.Profile{Tracks: []int64{f.tracks[0].ID}, MaxReviews: 12, Category: "community",
		Institutions: []string{"Southside Clinic"}})
	if err != nil || pr.Version != 1 {
		t.Fatalf("save profile: %+v %v", pr, err)
	}
	if _, err := f.reviews.SaveProfile(ctx, reviewer, f.conf, review.Profile{MaxReviews: 5, Version: 0}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a stale profile save: %v", err)
	}
	list, _ := f.reviews.Reviewers(ctx, f.org, f.conf)
	if len(list) != 1 || list[0].Profile.MaxReviews != 12 || list[0].Profile.Institutions[0] != "Southside Clinic" {
		t.Errorf("reviewers: %+v", list)
	}
}

// TestBidding shows a reviewer the proposals of their tracks, not those they conflict with, and only
// during the window.
func TestBidding(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	author := f.person("Presenter", "p@alpha.edu", "Alpha University")
	a := f.proposal(author, "In track one", 0)
	b := f.proposal(author, "In track two", 1)
	other := f.person("Other", "o@beta.edu", "Beta")
	c := f.proposal(other, "Also track one", 0)
	r := f.member("Reviewer", "r@gamma.edu", "Gamma", access.Reviewer)
	colleague := f.member("Colleague", "c@alpha.edu", "", access.Reviewer)
	if _, err := f.reviews.SaveProfile(ctx, r, f.conf, review.Profile{Tracks: []int64{f.tracks[0].ID}, MaxReviews: 10}); err != nil {
		t.Fatal(err)
	}
	if err := f.reviews.SaveBids(ctx, r, f.conf, map[int64]review.BidLevel{a.ID: review.Eager}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("bid before bidding opens: %v", err)
	}
	st, _ := f.reviews.Settings(ctx, f.conf)
	if _, err := f.reviews.SaveSettings(ctx, f.org, f.conf, st.Version, review.SettingsInput{Blind: "double", BiddingOpensAt: "2027-03-01T09:00",
		BiddingClosesAt: "2027-03-15T23:59", ReminderHours: 48, NotPreferredCap: 3}); err != nil {
		t.Fatal(err)
	}
	items, total, err := f.reviews.BiddingList(ctx, r, f.conf, review.BidFilter{})
	if err != nil || total != 2 {
		t.Fatalf("bidding list: %d %v", total, err)
	}
	for _, it := range items {
		if it.ProposalID == b.ID {
			t.Error("a proposal outside the reviewer's tracks is listed")
		}
	}
	if err := f.reviews.SaveBids(ctx, r, f.conf, map[int64]review.BidLevel{a.ID: review.Eager, c.ID: review.NotPreferred}); err != nil {
		t.Fatal(err)
	}
	if err := f.reviews.SaveBids(ctx, r, f.conf, map[int64]review.BidLevel{b.ID: review.Eager}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a bid on a proposal not listed: %v", err)
	}
	if err := f.reviews.SaveBids(ctx, r, f.conf, map[int64]review.BidLevel{a.ID: "keen"}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("a bad level: %v", err)
	}
	// The colleague shares Alpha's domain: they see neither of its proposals.
	items, _, _ = f.reviews.BiddingList(ctx, colleague, f.conf, review.BidFilter{})
	for _, it := range items {
		if it.ProposalID == a.ID || it.ProposalID == b.ID {
			t.Errorf("a conflicted reviewer may bid on %d", it.ProposalID)
		}
	}
	// A conflict bid hides the proposal from then on.
	if err := f.reviews.SaveBids(ctx, r, f.conf, map[int64]review.BidLevel{c.ID: review.ConflictBid}); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := f.reviews.BiddingList(ctx, r, f.conf, review.BidFilter{}); total != 1 {
		t.Errorf("after a conflict bid, %d proposals listed", total)
	}
	// Organizers see it with the declared conflicts.
	declared, err := f.reviews.DeclaredConflicts(ctx, f.org, f.conf)
	if err != nil || len(declared) != 1 || declared[0].ProposalID != c.ID || declared[0].UserID != r.UserID || declared[0].Source != "bid" {
		t.Errorf("the conflict bid among the declared conflicts: %+v %v", declared, err)
	}
	f.clock.set(time.Date(2027, 3, 16, 0, 0, 0, 0, ny))
	if err := f.reviews.SaveBids(ctx, r, f.conf, map[int64]review.BidLevel{a.ID: review.Willing}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("bid after bidding closed: %v", err)
	}
}

// pool makes n reviewers with profiles (all tracks, category by turn) and returns them.
func (f *fixture) pool(n int, cats ...string) []*access.Principal {
	f.t.Helper()
	var out []*access.Principal
	for i := range n {
		r := f.member(fmt.Sprintf("Reviewer %c", 'A'+i), fmt.Sprintf("rev%d@org%d.test", i, i), fmt.Sprintf("Org %d", i), access.Reviewer)
		cat := ""
		if len(cats) > 0 {
			cat = cats[i%len(cats)]
		}
		if _, err := f.reviews.SaveProfile(context.Background(), r, f.conf, review.Profile{MaxReviews: 20, Category: cat,
			Tracks: []int64{f.tracks[i%len(f.tracks)].ID}}); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (f *fixture) openBidding() {
	f.t.Helper()
	ctx := context.Background()
	st, _ := f.reviews.Settings(ctx, f.conf)
	if _, err := f.reviews.SaveSettings(ctx, f.org, f.conf, st.Version, review.SettingsInput{Blind: "double", BiddingOpensAt: "2027-02-01T00:00",
		ReviewDeadline: "2027-08-01T23:59", ConfirmBy: "2027-09-01T23:59", ReminderHours: 72, NotPreferredCap: 3,
		RequiredCategories: []string{"community"}}); err != nil {
		f.t.Fatal(err)
	}
}

func TestAssignmentPreviewAndCommit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(6, "faculty", "community", "student")
	var props []submission.Proposal
	for i := range 8 {
		author := f.person(fmt.Sprintf("Author %d", i), fmt.Sprintf("a%d@school%d.test", i, i), fmt.Sprintf("School %d", i))
		props = append(props, f.proposal(author, fmt.Sprintf("Proposal %d", i), i%3))
	}
	// Reviewer A shares proposal 0's author's domain: a conflict the plan must respect.
	colleague := f.member("Colleague", "c@school0.test", "", access.Reviewer)
	f.openBidding()
	if err := f.reviews.SaveBids(ctx, revs[1], f.conf, map[int64]review.BidLevel{props[1].ID: review.Eager}); err != nil {
		t.Fatal(err)
	}
	pv, err := f.reviews.PreviewAssignment(ctx, f.org, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	if !pv.Plan.Optimal || len(pv.Plan.New) != 24 {
		t.Fatalf("plan: optimal %v, %d pairs", pv.Plan.Optimal, len(pv.Plan.New))
	}
	for _, a := range pv.Plan.New {
		if a.Reviewer == colleague.UserID && a.Proposal == props[0].ID {
			t.Error("a conflicted pair was planned")
		}
	}
	if pv.Plan.Summary.Categories[0].Covered != 8 {
		t.Errorf("community coverage: %+v", pv.Plan.Summary.Categories)
	}
	// A stale plan is refused once anything changed.
	if err := f.reviews.SaveBids(ctx, revs[2], f.conf, map[int64]review.BidLevel{props[2].ID: review.Willing}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.CommitAssignment(ctx, f.org, f.conf, pv.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a stale plan was applied: %v", err)
	}
	pv, _ = f.reviews.PreviewAssignment(ctx, f.org, f.conf)
	n, err := f.reviews.CommitAssignment(ctx, f.org, f.conf, pv.ID)
	if err != nil || n != 24 {
		t.Fatalf("commit: %d %v", n, err)
	}
	if _, err := f.reviews.CommitAssignment(ctx, f.org, f.conf, pv.ID); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a plan applied twice: %v", err)
	}
	var digests, audits int
	digestKey := fmt.Sprintf("review-digest:%d:%%", f.conf.ID)
	_ = f.db.SQL.QueryRow(`SELECT count(*) FROM email_messages WHERE event_key LIKE $1`, digestKey).Scan(&digests)
	_ = f.db.SQL.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'assignment.added' AND conference_id = $1`, f.conf.ID).Scan(&audits)
	if digests == 0 || digests > 7 || audits != 24 {
		t.Errorf("%d digests, %d audit entries", digests, audits)
	}
	var body string
	_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE event_key LIKE $1 LIMIT 1`, digestKey).Scan(&body)
	if strings.Contains(body, "Author") || !strings.Contains(body, "Proposal") {
		t.Errorf("the digest names presenters or no proposal:\n%s", body)
	}
	// A second preview plans nothing new: every proposal has its three.
	pv2, _ := f.reviews.PreviewAssignment(ctx, f.org, f.conf)
	if len(pv2.Plan.New) != 0 {
		t.Errorf("a second round planned %d pairs", len(pv2.Plan.New))
	}
	// By hand: a conflicted reviewer cannot be added; a swap keeps three.
	err = f.reviews.ChangeAssignment(ctx, f.org, f.conf, assignChange(assign.Add, props[0].ID, colleague.UserID, 0))
	if !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), "onflict") {
		t.Errorf("adding a conflicted reviewer: %v", err)
	}
	list, _ := f.reviews.Assignments(ctx, f.org, f.conf)
	var on, off int64
	for _, a := range list {
		if a.ProposalID == props[3].ID && on == 0 {
			on = a.UserID
		}
	}
	for _, r := range revs {
		assigned := slices.ContainsFunc(list, func(a review.Assignment) bool { return a.ProposalID == props[3].ID && a.UserID == r.UserID })
		if !assigned {
			off = r.UserID
		}
	}
	if err := f.reviews.ChangeAssignment(ctx, f.org, f.conf, assignChange(assign.Swap, props[3].ID, on, off)); err != nil {
		t.Fatalf("swap: %v", err)
	}
	if _, err := (store.Reviews{DB: f.db}).Assignment(ctx, props[3].ID, off); err != nil {
		t.Errorf("the replacement is not assigned: %v", err)
	}
}

func assignChange(kind assign.ChangeKind, proposal, reviewer, replacement int64) assign.Change {
	return assign.Change{Kind: kind, Proposal: proposal, Reviewer: reviewer, Replacement: replacement}
}

// assignAll makes every reviewer review every proposal they do not conflict with, by hand.
func (f *fixture) assignAll(props []submission.Proposal, revs []*access.Principal) {
	f.t.Helper()
	ctx := context.Background()
	for _, p := range props {
		for _, r := range revs {
			if len(f.conflicts(p, r)) > 0 {
				continue
			}
			if err := f.reviews.ChangeAssignment(ctx, f.org, f.conf, assignChange(assign.Add, p.ID, r.UserID, 0)); err != nil {
				f.t.Fatal(err)
			}
		}
	}
}

// score submits a review where every criterion gets s and the recommendation r.
func (f *fixture) score(rv *access.Principal, prop submission.Proposal, s, rec int) review.Review {
	f.t.Helper()
	ctx := context.Background()
	sh, err := f.reviews.Sheet(ctx, rv, f.conf, prop.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	scores := map[string]int{}
	for _, c := range sh.Config.Criteria {
		scores[c.ID] = s
	}
	r, err := f.reviews.SaveReview(ctx, rv, f.conf, prop.ID, sh.Own.Version, review.ReviewInput{Scores: scores, Recommendation: rec, Confidence: 2,
		ToPresenters: "Comments for the presenters.", ToOrganizers: "For the committee only.", Submit: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func TestReviewingIsBlindAndGated(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(3)
	author := f.person("Zoë Author", "zoe@uni.test", "Uni")
	prop := f.proposal(author, "Narrative medicine", 0)
	outsider := f.member("Not Assigned", "na@elsewhere.test", "Elsewhere", access.Reviewer)
	colleague := f.member("Colleague", "col@uni.test", "", access.Reviewer)
	f.openBidding()
	f.assignAll([]submission.Proposal{prop}, revs)

	sh, err := f.reviews.Sheet(ctx, revs[0], f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Proposal.Presenters) != 0 || sh.Proposal.Title != "Narrative medicine" || !sh.CanReview || sh.CanDiscuss {
		t.Errorf("double-blind sheet: %+v", sh)
	}
	if _, err := f.reviews.Sheet(ctx, colleague, f.conf, prop.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a conflicted reviewer reads the sheet: %v", err)
	}
	if _, err := f.reviews.SaveReview(ctx, outsider, f.conf, prop.ID, 0, review.ReviewInput{Recommendation: 4}); err == nil {
		t.Error("an unassigned reviewer reviewed")
	}
	// A draft may be partial; a submission must be whole; a score out of range is refused.
	r, err := f.reviews.SaveReview(ctx, revs[0], f.conf, prop.ID, 0, review.ReviewInput{Scores: map[string]int{"clarity": 4}})
	if err != nil || r.Status != review.Draft || r.Version != 1 {
		t.Fatalf("draft: %+v %v", r, err)
	}
	_, err = f.reviews.SaveReview(ctx, revs[0], f.conf, prop.ID, 1, review.ReviewInput{Scores: map[string]int{"clarity": 9, "nonsense": 3}, Submit: true})
	got := map[string]bool{}
	if ae, ok := apperr.As(err); ok {
		for _, x := range ae.Fields {
			got[x.Field] = true
		}
	}
	for _, want := range []string{"scores.clarity", "scores.nonsense", "scores.relevance", "recommendation", "confidence"} {
		if !got[want] {
			t.Errorf("no error for %s: %v", want, err)
		}
	}
	if _, err := f.reviews.SaveReview(ctx, revs[0], f.conf, prop.ID, 7, review.ReviewInput{}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a stale review save: %v", err)
	}
	f.score(revs[0], prop, 4, 4)
	sh, _ = f.reviews.Sheet(ctx, revs[0], f.conf, prop.ID)
	if !sh.CanDiscuss || len(sh.Others) != 0 {
		t.Errorf("after submitting: can discuss %v, sees %d others", sh.CanDiscuss, len(sh.Others))
	}
	f.score(revs[1], prop, 2, 2)
	sh, _ = f.reviews.Sheet(ctx, revs[0], f.conf, prop.ID)
	if len(sh.Others) != 1 || sh.Others[0].ReviewerName != "Reviewer 2" || sh.Others[0].ToOrganizers != "" {
		t.Errorf("the other review as a reviewer sees it: %+v", sh.Others)
	}
	if _, err := f.reviews.Discuss(ctx, revs[2], f.conf, prop.ID, "I have not reviewed yet"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("discussion before reviewing: %v", err)
	}
	if _, err := f.reviews.Discuss(ctx, revs[0], f.conf, prop.ID, "Why a 2?"); err != nil {
		t.Fatal(err)
	}
	sh, _ = f.reviews.Sheet(ctx, revs[1], f.conf, prop.ID)
	if len(sh.Discussion) != 1 || sh.Discussion[0].Author != "Reviewer 1" {
		t.Errorf("the discussion as reviewer 2 sees it: %+v", sh.Discussion)
	}
	// Single-blind shows the presenters.
	st, _ := f.reviews.Settings(ctx, f.conf)
	if _, err := f.reviews.SaveSettings(ctx, f.org, f.conf, st.Version, review.SettingsInput{Blind: "single", BiddingOpensAt: "2027-02-01T00:00",
		ReviewDeadline: "2027-03-02T23:59", NotPreferredCap: 3}); err != nil {
		t.Fatal(err)
	}
	sh, _ = f.reviews.Sheet(ctx, revs[2], f.conf, prop.ID)
	if len(sh.Proposal.Presenters) != 1 || sh.Proposal.Presenters[0] != "Zoë Author, Uni" {
		t.Errorf("single-blind presenters: %v", sh.Proposal.Presenters)
	}
	// After the deadline nothing changes.
	f.clock.set(time.Date(2027, 3, 3, 0, 0, 0, 0, ny))
	if _, err := f.reviews.SaveReview(ctx, revs[2], f.conf, prop.ID, 0, review.ReviewInput{Recommendation: 3}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a review after the deadline: %v", err)
	}
}

// TestRankingCorrectsLeniency has a lenient and a harsh reviewer each review half the proposals: the
// calibrated score puts the truly better proposal first where the raw mean would not.
func TestRankingCorrectsLeniency(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(4)
	var props []submission.Proposal
	for i := range 4 {
		author := f.person(fmt.Sprintf("Author %d", i), fmt.Sprintf("a%d@s%d.test", i, i), fmt.Sprintf("S%d", i))
		props = append(props, f.proposal(author, fmt.Sprintf("P%d", i), 0))
	}
	f.openBidding()
	// revs[0] is lenient (+1), revs[1] harsh (-1), revs[2] and revs[3] fair. True quality: P0 3, P1 4, P2 2, P3 3.
	quality := []int{3, 4, 2, 3}
	plan := map[int][]int{0: {0, 2, 3}, 1: {1, 2, 3}, 2: {0, 2, 3}, 3: {1, 2, 3}}
	bias := []int{1, -1, 0, 0}
	for pi, rs := range plan {
		for _, ri := range rs {
			if err := f.reviews.ChangeAssignment(ctx, f.org, f.conf, assignChange(assign.Add, props[pi].ID, revs[ri].UserID, 0)); err != nil {
				t.Fatal(err)
			}
			s := min(5, max(1, quality[pi]+bias[ri]))
			f.score(revs[ri], props[pi], s, s)
		}
	}
	r, err := f.reviews.Ranking(ctx, f.org, f.conf, review.RankFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 4 || r.Rows[0].Proposal.ID != props[1].ID {
		t.Fatalf("first is %v, want P1", r.Rows[0].Proposal.Title)
	}
	var lenient, harsh float64
	for _, st := range r.Reviewers {
		switch st.UserID {
		case revs[0].UserID:
			lenient = st.Leniency
		case revs[1].UserID:
			harsh = st.Leniency
		}
	}
	if lenient <= 0.2 || harsh >= -0.2 {
		t.Errorf("leniency: lenient %.2f, harsh %.2f", lenient, harsh)
	}
	// P0 (reviewed by the lenient one) and P3 (by the harsh one) are equal in truth: calibrated
	// scores are closer than raw means.
	row := map[int64]review.Row{}
	for _, x := range r.Rows {
		row[x.Proposal.ID] = x
	}
	raw := row[props[0].ID].Weighted - row[props[3].ID].Weighted
	cal := row[props[0].ID].Calibrated - row[props[3].ID].Calibrated
	if !(abs(cal) < abs(raw)) {
		t.Errorf("calibration did not narrow the gap: raw %.2f, calibrated %.2f", raw, cal)
	}
	// A conflicted organizer does not see the row.
	org2 := f.member("Conflicted Organizer", "o2@s0.test", "", access.Organizer)
	r2, _ := f.reviews.Ranking(ctx, org2, f.conf, review.RankFilter{})
	for _, x := range r2.Rows {
		if x.Proposal.ID == props[0].ID {
			t.Error("a conflicted organizer sees the proposal's scores")
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestCalibrationRound(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(3)
	author := f.person("Sample Author", "s@sample.test", "Sample")
	sample := f.proposal(author, "Sample", 0)
	live := f.proposal(author, "Live", 0)
	st, _ := f.reviews.Settings(ctx, f.conf)
	if _, err := f.reviews.SaveSettings(ctx, f.org, f.conf, st.Version, review.SettingsInput{Blind: "double", Calibration: true, NotPreferredCap: 3}); err != nil {
		t.Fatal(err)
	}
	if err := f.reviews.SetCalibration(ctx, f.org, f.conf, sample.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := f.reviews.ChangeAssignment(ctx, f.org, f.conf, assignChange(assign.Add, live.ID, revs[0].UserID, 0)); err != nil {
		t.Fatal(err)
	}
	tasks, _ := f.reviews.Tasks(ctx, revs[0], f.conf)
	if len(tasks.Calibration) != 1 || len(tasks.Assigned) != 1 || !tasks.Locked {
		t.Fatalf("tasks: %+v", tasks)
	}
	if _, err := f.reviews.SaveReview(ctx, revs[0], f.conf, live.ID, 0, review.ReviewInput{Recommendation: 3}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a live review before calibration: %v", err)
	}
	f.score(revs[1], sample, 2, 2)
	f.score(revs[2], sample, 3, 3)
	f.score(revs[0], sample, 5, 5)
	res, err := f.reviews.Calibration(ctx, revs[0], f.conf)
	if err != nil || !res.Done || len(res.Items) != 1 || res.Items[0].Others != 2 || res.Offset < 2 {
		t.Fatalf("calibration: %+v %v", res, err)
	}
	if _, err := f.reviews.SaveReview(ctx, revs[0], f.conf, live.ID, 0, review.ReviewInput{Recommendation: 3}); err != nil {
		t.Errorf("a live review after calibration: %v", err)
	}
}

func TestDecisionsAndNotices(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(3)
	var props []submission.Proposal
	var authors []*access.Principal
	for i := range 3 {
		a := f.person(fmt.Sprintf("Author %d", i), fmt.Sprintf("d%d@d%d.test", i, i), fmt.Sprintf("D%d", i))
		authors = append(authors, a)
		props = append(props, f.proposal(a, fmt.Sprintf("Decided %d", i), 0))
	}
	f.openBidding()
	f.assignAll(props, revs)
	for i, p := range props {
		for _, r := range revs {
			f.score(r, p, 5-i, 5-i) // P0 best, P2 worst
		}
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, props[0].ID, review.DecisionInput{Decision: submission.Accept}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a decision without slots: %v", err)
	}
	cfg, _ := f.reviews.FormatConfig(ctx, f.conf, f.poster)
	one := 1
	cfg.Slots = &one
	if _, err := f.reviews.SaveFormatConfig(ctx, f.org, f.conf, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, props[0].ID, review.DecisionInput{Decision: submission.Accept}); err != nil {
		t.Fatal(err)
	}
	_, err := f.reviews.Decide(ctx, f.org, f.conf, props[1].ID, review.DecisionInput{Decision: submission.Accept})
	if ae, ok := apperr.As(err); !ok || len(ae.Fields) != 1 || ae.Fields[0].Field != "reason" || !strings.Contains(ae.Fields[0].Message, "below the cut") {
		t.Fatalf("accepting below the cut without a reason: %v", err)
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, props[1].ID, review.DecisionInput{Decision: submission.Accept, Reason: "A learner's voice the program lacks.",
		FormatID: f.poster.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, props[2].ID, review.DecisionInput{Decision: submission.Reject}); err != nil {
		t.Fatal(err)
	}
	_, err = f.reviews.Decide(ctx, f.org, f.conf, props[0].ID, review.DecisionInput{Decision: submission.Reject})
	if ae, ok := apperr.As(err); !ok || len(ae.Fields) != 1 || !strings.Contains(ae.Fields[0].Message, "above the cut") {
		t.Errorf("rejecting above the cut without a reason: %v", err)
	}
	// Templates: an acceptance must say action is required; placeholders must exist.
	_, err = f.reviews.SaveTemplate(ctx, f.org, f.conf, review.Template{Kind: review.NoticeAccept, Subject: "Good news", Body: "Hi {{nmae}}"})
	if ae, ok := apperr.As(err); !ok || len(ae.Fields) != 2 {
		t.Errorf("a bad template: %v", err)
	}
	// A version no template can have (past 32 bits) is a stale one, not a failure.
	_, err = f.reviews.SaveTemplate(ctx, f.org, f.conf, review.Template{Kind: review.NoticeReject, Subject: "Hello", Body: "Body text", Version: 1 << 32})
	if !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a template at version 2^32: %v", err)
	}
	pr, err := f.reviews.PreviewTemplate(ctx, f.org, f.conf, review.DefaultTemplate(f.conf.ID, review.NoticeAccept), props[0].ID)
	if err != nil || !strings.Contains(pr.Body, "Dear Author 0") || !strings.Contains(pr.Subject, "Action required") || !strings.Contains(pr.Subject, "2027") {
		t.Errorf("preview: %+v %v", pr, err)
	}
	// Generate, change a decision, regenerate: a proposal holds one decision's notices only.
	if n, err := f.reviews.GenerateNotices(ctx, f.org, f.conf); err != nil || n != 3 {
		t.Fatalf("generate: %d %v", n, err)
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, props[2].ID, review.DecisionInput{Decision: submission.Waitlist}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.GenerateNotices(ctx, f.org, f.conf); err != nil {
		t.Fatal(err)
	}
	notices, _ := f.reviews.Notices(ctx, f.org, f.conf)
	kinds := map[int64][]review.NoticeKind{}
	for _, n := range notices {
		kinds[n.ProposalID] = append(kinds[n.ProposalID], n.Kind)
	}
	if len(notices) != 3 || len(kinds[props[2].ID]) != 1 || kinds[props[2].ID][0] != review.NoticeWaitlist {
		t.Errorf("notices after a changed decision: %v", kinds)
	}
	// Presenters learn nothing before the notices are sent.
	if fb, _ := f.reviews.Feedback(ctx, authors[0], f.conf, props[0].ID); fb.Decision != "" {
		t.Errorf("a decision shown before its release: %+v", fb)
	}
	if n, err := f.reviews.SendNotices(ctx, f.org, f.conf, nil); err != nil || n != 3 {
		t.Fatalf("send: %d %v", n, err)
	}
	var subject string
	_ = f.db.SQL.QueryRow(`SELECT subject FROM email_messages WHERE recipient = $1 AND event_key LIKE 'decision-notice:%'`, authors[0].Email).Scan(&subject)
	if !strings.HasPrefix(subject, "Action required") {
		t.Errorf("acceptance subject: %q", subject)
	}
	fb, _ := f.reviews.Feedback(ctx, authors[0], f.conf, props[0].ID)
	if fb.Decision != submission.Accept || fb.Participation != submission.ParticipationPending || !fb.CanAnswer || len(fb.Comments) != 0 {
		t.Errorf("feedback after release: %+v", fb)
	}
	if _, err := f.reviews.Feedback(ctx, authors[1], f.conf, props[0].ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("someone else's feedback: %v", err)
	}
	if n, err := f.reviews.ReleaseComments(ctx, f.org, f.conf, props[2].ID); err != nil || n != 3 {
		t.Errorf("release comments: %d %v", n, err)
	}
	fb, _ = f.reviews.Feedback(ctx, authors[2], f.conf, props[2].ID)
	if len(fb.Comments) != 3 || fb.Decision != submission.Waitlist {
		t.Errorf("released comments: %+v", fb)
	}
	if err := f.reviews.Participate(ctx, authors[0], f.conf, props[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if err := f.reviews.Participate(ctx, authors[2], f.conf, props[2].ID, true); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a waitlisted presenter confirmed: %v", err)
	}
	got, _ := f.subs.Get(ctx, authors[0], f.conf, props[0].ID)
	if !got.InProgram() {
		t.Errorf("a confirmed acceptance is not in the program: %+v", got)
	}
	// Reminders to confirm, three days before the date.
	f.clock.set(time.Date(2027, 8, 30, 12, 0, 0, 0, ny))
	n, err := f.reviews.RemindToConfirm(ctx, []conference.Conference{f.conf})
	if err != nil || n != 1 {
		t.Errorf("reminders to confirm: %d %v", n, err)
	}
	// A withdrawn proposal cannot be decided.
	if _, err := f.subs.Withdraw(ctx, authors[1], f.conf, props[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, props[1].ID, review.DecisionInput{Decision: submission.Reject}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a decision on a withdrawn proposal: %v", err)
	}
}
