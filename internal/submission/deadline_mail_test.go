package submission_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
)

// queued is one message of the outbox, as stored.
type queued struct{ EventKey, Recipient, Subject, Text, HTML string }

// mails lists the conference's queued messages whose event key starts with prefix, oldest first.
func (f *fixture) mails(prefix string) []queued {
	f.t.Helper()
	rows, err := f.db.SQL.Query(`SELECT event_key, recipient, subject, body_text, body_html FROM email_messages
		WHERE conference_id = $1 AND event_key LIKE $2 || '%' ORDER BY id`, f.conf.ID, prefix)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []queued
	for rows.Next() {
		var m queued
		if err := rows.Scan(&m.EventKey, &m.Recipient, &m.Subject, &m.Text, &m.HTML); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// TestExtensionForAPersonIsEmailed: granting an extension queues one email to the person with the
// new deadline in the conference's time zone, what it covers and where their proposals are, and
// not the organizers' reason; the same grant again sends nothing, a new date (even one granted
// before) sends again; taking it back tells them the call's deadline, once.
func TestExtensionForAPersonIsEmailed(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Ama Boateng", true)
	email := strings.ToLower(p.Email)

	e, err := f.calls.GrantExtension(ctx, f.org, f.conf, p.Email, "2027-07-07T23:59", "Bereavement in the family")
	if err != nil {
		t.Fatal(err)
	}
	got := f.mails("extension-granted:")
	if len(got) != 1 {
		t.Fatalf("%d messages after a grant, want 1", len(got))
	}
	m := got[0]
	if m.Recipient != email || m.Subject != "Your deadline for Challenging Norms is now Wednesday 7 July 2027, 23:59 EDT" {
		t.Errorf("the grant's message: to %q, subject %q", m.Recipient, m.Subject)
	}
	for _, want := range []string{"Hello Ama Boateng", "a later deadline for your proposals: Wednesday 7 July 2027, 23:59 EDT",
		"The call itself closes on Wednesday 30 June 2027, 23:59 EDT", "covers the proposals you make yourself",
		"that you present with them keeps its own deadline", "http://conf.test/c/" + f.conf.Slug + "/proposals"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the grant's text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "<strong>Wednesday 7 July 2027, 23:59 EDT</strong>") || !strings.Contains(m.HTML, `href="http://conf.test/c/`+f.conf.Slug+`/proposals"`) {
		t.Errorf("the grant's HTML:\n%s", m.HTML)
	}
	if strings.Contains(m.Text+m.HTML, "Bereavement") {
		t.Error("the organizers' reason, kept for their records, is in the email")
	}

	// The same grant again (a double click, or a new reason): no second message.
	if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, p.Email, "2027-07-07T23:59", "Bereavement"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mails("extension-granted:")); n != 1 {
		t.Errorf("%d messages after the same grant twice, want 1", n)
	}
	// A new date is told; so is going back to the first one.
	for i, until := range []string{"2027-07-10T12:00", "2027-07-07T23:59"} {
		if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, p.Email, until, ""); err != nil {
			t.Fatal(err)
		}
		got = f.mails("extension-granted:")
		if len(got) != i+2 {
			t.Fatalf("%d messages after grant %s, want %d", len(got), until, i+2)
		}
	}
	if !strings.Contains(got[1].Subject, "Saturday 10 July 2027, 12:00 EDT") || !strings.Contains(got[2].Subject, "Wednesday 7 July 2027, 23:59 EDT") {
		t.Errorf("the changed dates' subjects: %q, %q", got[1].Subject, got[2].Subject)
	}
	// A changed date says what it was; an earlier one says so.
	if !strings.Contains(got[1].Text, "changed your deadline for your proposals from Wednesday 7 July 2027, 23:59 EDT to Saturday 10 July 2027, 12:00 EDT.") {
		t.Errorf("a later date:\n%s", got[1].Text)
	}
	if !strings.Contains(got[2].Text, "changed your deadline for your proposals from Saturday 10 July 2027, 12:00 EDT to Wednesday 7 July 2027, 23:59 EDT, earlier than before.") ||
		!strings.Contains(got[2].HTML, "to <strong>Wednesday 7 July 2027, 23:59 EDT</strong>, earlier than before.") || strings.Contains(got[2].Text, "a later deadline") {
		t.Errorf("an earlier date:\n%s\n%s", got[2].Text, got[2].HTML)
	}

	// Taken back before the call closes: the call's deadline, still to come.
	if _, err := f.calls.RevokeExtension(ctx, f.org, f.conf, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.calls.RevokeExtension(ctx, f.org, f.conf, e.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("taking it back twice: %v", err)
	}
	got = f.mails("extension-revoked:")
	if len(got) != 1 {
		t.Fatalf("%d messages after taking it back (twice), want 1", len(got))
	}
	m = got[0]
	if m.Recipient != email || m.Subject != "Your deadline for Challenging Norms is the call's again" ||
		!strings.Contains(m.Text, "taken back the later deadline they had given you (Wednesday 7 July 2027, 23:59 EDT)") ||
		!strings.Contains(m.Text, "the call's deadline again: Wednesday 30 June 2027, 23:59 EDT.") ||
		!strings.Contains(m.Text, "Until then, you can start new proposals") || strings.Contains(m.Text, "has passed") {
		t.Errorf("the message taking it back: to %q, %q\n%s", m.Recipient, m.Subject, m.Text)
	}

	// Granted again after it was taken back: a new extension, told again though its date was told
	// before. Taken back after the call closed: the call's deadline has passed.
	e, err = f.calls.GrantExtension(ctx, f.org, f.conf, p.Email, "2027-07-07T23:59", "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.mails("extension-granted:")); n != 4 {
		t.Errorf("%d messages after a grant following its taking back, want 4", n)
	}
	f.clock.set(time.Date(2027, 7, 2, 9, 0, 0, 0, ny))
	if _, err := f.calls.RevokeExtension(ctx, f.org, f.conf, e.ID); err != nil {
		t.Fatal(err)
	}
	got = f.mails("extension-revoked:")
	if len(got) != 2 || !strings.Contains(got[1].Text, "That deadline has passed, so you can no longer start a proposal") ||
		!strings.Contains(got[1].Text, "write to the organizers") {
		t.Errorf("%d messages taking it back; after the call closed:\n%s", len(got), got[len(got)-1].Text)
	}

	// A grant refused sends nothing.
	if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, "nobody@example.org", "2027-07-20T23:59", ""); fieldErrors(err)["email"] == "" {
		t.Errorf("a grant for no account: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM email_messages WHERE conference_id = $1 AND recipient = 'nobody@example.org'`, f.conf.ID); n != 0 {
		t.Errorf("%d messages for a refused grant", n)
	}
}

// TestExtensionTellsWhoPresentsWithThePerson: a person's extension moves the deadline of the
// proposals they made, so those who present them with the person are told too (the person by the
// extension's own message): when it is granted, moved and taken back. Not those invited who have
// not answered, not the presenters of a decided proposal, not those of a proposal the person
// presents but someone else made, nor anyone when an extension that has run out is taken back.
func TestExtensionTellsWhoPresentsWithThePerson(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner, co, other := f.person("Kofi Asante", true), f.person("Lena Vogel", true), f.person("Rosa Díaz", true)
	c := f.complete()
	c.FormatID, c.Answers = f.workshop.ID, nil // room for three presenters
	mine := f.draft(owner, c)
	f.coPresent(owner, co, mine.ID)
	f.invitationSecret(owner, mine.ID, "Ivy Invited", "ivy."+strings.ToLower(owner.Email))
	decided := f.draft(owner, f.complete())
	f.coPresent(owner, co, decided.ID)
	if _, _, err := f.subs.Submit(ctx, owner, f.conf, decided.ID, 0); err != nil {
		t.Fatal(err)
	}
	d, _ := f.subs.Get(ctx, f.org, f.conf, decided.ID)
	now := time.Now().UTC().Truncate(time.Microsecond)
	d.Decision, d.DecidedAt, d.DecidedBy = submission.Reject, &now, &f.org.UserID
	if err := (store.Proposals{DB: f.db}).SetDecision(ctx, d); err != nil {
		t.Fatal(err)
	}
	theirs := f.draft(other, f.complete())
	f.coPresent(other, owner, theirs.ID)

	told := func() []queued {
		var out []queued
		for _, m := range f.mails("proposal-deadline:") {
			if strings.Contains(m.EventKey, ":extension-") {
				out = append(out, m)
			}
		}
		return out
	}
	e, err := f.calls.GrantExtension(ctx, f.org, f.conf, owner.Email, "2027-07-07T23:59", "")
	if err != nil {
		t.Fatal(err)
	}
	got := told()
	if len(got) != 1 || got[0].Recipient != strings.ToLower(co.Email) || !strings.HasPrefix(got[0].EventKey, fmt.Sprintf("proposal-deadline:%d:", mine.ID)) ||
		!strings.Contains(got[0].Text, "more time: its deadline is now Wednesday 7 July 2027, 23:59 EDT.") {
		t.Fatalf("the grant told %d: %+v", len(got), got)
	}
	// The same grant again: nothing; an earlier date: told as a change.
	if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, owner.Email, "2027-07-07T23:59", "again"); err != nil || len(told()) != 1 {
		t.Errorf("the same grant again: %d told, %v", len(told()), err)
	}
	if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, owner.Email, "2027-07-03T12:00", ""); err != nil {
		t.Fatal(err)
	}
	if got = told(); len(got) != 2 || !strings.Contains(got[1].Text, "have changed the deadline of the proposal") ||
		!strings.Contains(got[1].Text, "it is now Saturday 3 July 2027, 12:00 EDT.") {
		t.Errorf("an earlier date: %d told; the last:\n%s", len(got), got[len(got)-1].Text)
	}
	// Taken back: the call's deadline again.
	if _, err := f.calls.RevokeExtension(ctx, f.org, f.conf, e.ID); err != nil {
		t.Fatal(err)
	}
	if got = told(); len(got) != 3 || !strings.Contains(got[2].Text, "it is now Wednesday 30 June 2027, 23:59 EDT.") {
		t.Errorf("taken back: %d told; the last:\n%s", len(got), got[len(got)-1].Text)
	}

	// An extension that has run out, taken back when the lists are tidied: no one is told.
	e, err = f.calls.GrantExtension(ctx, f.org, f.conf, owner.Email, "2027-07-07T23:59", "")
	if err != nil {
		t.Fatal(err)
	}
	before, revoked := len(told()), len(f.mails("extension-revoked:"))
	f.clock.set(time.Date(2027, 9, 1, 9, 0, 0, 0, ny))
	if _, err := f.calls.RevokeExtension(ctx, f.org, f.conf, e.ID); err != nil {
		t.Fatal(err)
	}
	if n, m := len(told()), len(f.mails("extension-revoked:")); n != before || m != revoked {
		t.Errorf("an extension run out, taken back: %d told, %d take-back messages (before: %d, %d)", n, m, before, revoked)
	}
}

// failingOutbox refuses every message, as an outbox that cannot store one would.
type failingOutbox struct{}

func (failingOutbox) Enqueue(context.Context, notify.Message) error {
	return errors.New("the outbox is down")
}

// TestExtensionAndItsEmailCommitTogether: when the email cannot be queued, the extension is not
// granted, nor taken back: no one gets a deadline they were not told of.
func TestExtensionAndItsEmailCommitTogether(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.person("Ines Moreau", true)
	broken := cfp.NewService(cfp.Options{Store: store.Calls{DB: f.db}, Outbox: failingOutbox{}, Audit: store.Audit{DB: f.db},
		Secret: "0123456789abcdef0123456789abcdef", BaseURL: "http://conf.test", Now: f.clock.now})
	if _, err := broken.GrantExtension(ctx, f.org, f.conf, p.Email, "2027-07-07T23:59", ""); err == nil {
		t.Fatal("granted though its email could not be queued")
	}
	if n := f.count(`SELECT count(*) FROM deadline_extensions WHERE conference_id = $1`, f.conf.ID); n != 0 {
		t.Errorf("%d extensions saved without their email", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE conference_id = $1 AND action = 'extension.granted'`, f.conf.ID); n != 0 {
		t.Errorf("%d audit entries of a grant that failed", n)
	}
	e, err := f.calls.GrantExtension(ctx, f.org, f.conf, p.Email, "2027-07-07T23:59", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := broken.RevokeExtension(ctx, f.org, f.conf, e.ID); err == nil {
		t.Fatal("taken back though its email could not be queued")
	}
	if n := f.count(`SELECT count(*) FROM deadline_extensions WHERE id = $1`, e.ID); n != 1 {
		t.Error("the extension was taken back without its email")
	}
}

// invitationSecret invites who to the proposal, as its owner, and returns the invitation's secret.
func (f *fixture) invitationSecret(owner *access.Principal, id int64, name, email string) string {
	f.t.Helper()
	if _, err := f.subs.Invite(context.Background(), owner, f.conf, id, name, email); err != nil {
		f.t.Fatal(err)
	}
	var body string
	_ = f.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, strings.ToLower(email)).Scan(&body)
	i := strings.Index(body, "/invitations/")
	if i < 0 {
		f.t.Fatalf("no invitation link in:\n%s", body)
	}
	return strings.Fields(body[i+len("/invitations/"):])[0]
}

// TestProposalDeadlineIsEmailedToItsPresenters: giving a proposal its own deadline, changing it and
// removing it each email its presenters who accepted, not those invited or who declined, the
// deadline that now applies; the same deadline again, or a change that leaves the deadline that
// applies as it was, emails no one; after a decision no one is told.
func TestProposalDeadlineIsEmailedToItsPresenters(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := f.person("Kofi Asante", true)
	co := f.person("Lena Vogel", true)
	c := f.complete()
	c.FormatID, c.Title, c.Answers = f.workshop.ID, "Naming racism in case-based teaching", nil
	prop := f.draft(owner, c)
	f.coPresent(owner, co, prop.ID)
	invited := "invited." + strings.ToLower(owner.Email)
	f.invitationSecret(owner, prop.ID, "Ivy Invited", invited)
	declined := "declined." + strings.ToLower(owner.Email)
	if _, err := f.subs.AnswerInvitation(ctx, f.person("Dee Declined", true), f.invitationSecret(owner, prop.ID, "Dee Declined", declined), false); err != nil {
		t.Fatal(err)
	}
	recipients := func(ms []queued) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Recipient)
		}
		slices.Sort(out)
		return out
	}
	accepted := []string{strings.ToLower(co.Email), strings.ToLower(owner.Email)}
	slices.Sort(accepted)
	prefix := fmt.Sprintf("proposal-deadline:%d:", prop.ID)

	_, told, err := f.subs.Extend(ctx, f.org, f.conf, prop.ID, "2027-07-09T12:00")
	if err != nil {
		t.Fatal(err)
	}
	got := f.mails(prefix)
	if told != 2 || !slices.Equal(recipients(got), accepted) {
		t.Fatalf("told %d, messages to %q; want the two who accepted, %q", told, recipients(got), accepted)
	}
	for _, m := range got {
		if m.Subject != "New deadline: Naming racism in case-based teaching (Challenging Norms)" ||
			!strings.Contains(m.Text, `have given the proposal "Naming racism in case-based teaching" more time: its deadline is now Friday 9 July 2027, 12:00 EDT.`) ||
			!strings.Contains(m.Text, "It is a draft: it will be reviewed only if it is submitted by then.") ||
			!strings.Contains(m.Text, fmt.Sprintf("http://conf.test/c/%s/proposals/%d", f.conf.Slug, prop.ID)) ||
			!strings.Contains(m.HTML, "<strong>Friday 9 July 2027, 12:00 EDT</strong>") {
			t.Errorf("the message to %s: %q\n%s", m.Recipient, m.Subject, m.Text)
		}
	}

	// The same deadline again (a double click): no one is told.
	f.clock.set(time.Date(2027, 3, 1, 12, 1, 0, 0, ny))
	if _, told, err = f.subs.Extend(ctx, f.org, f.conf, prop.ID, "2027-07-09T12:00"); err != nil || told != 0 {
		t.Errorf("the same deadline again: told %d, %v", told, err)
	}
	if n := len(f.mails(prefix)); n != 2 {
		t.Errorf("%d messages after the same deadline twice, want 2", n)
	}
	// An earlier one, once submitted: told as a change.
	if _, _, err := f.subs.Submit(ctx, owner, f.conf, prop.ID, 0); err != nil {
		t.Fatal(err)
	}
	f.clock.set(time.Date(2027, 3, 1, 12, 2, 0, 0, ny))
	if _, told, err = f.subs.Extend(ctx, f.org, f.conf, prop.ID, "2027-07-05T23:59"); err != nil || told != 2 {
		t.Fatalf("an earlier deadline: told %d, %v", told, err)
	}
	got = f.mails(prefix)
	if m := got[len(got)-1]; len(got) != 4 || !strings.Contains(m.Text, "have changed the deadline of the proposal") ||
		!strings.Contains(m.Text, "it is now Monday 5 July 2027, 23:59 EDT.") || !strings.Contains(m.Text, "It is submitted, and until then you can still edit it") {
		t.Errorf("%d messages; the last:\n%s", len(got), m.Text)
	}
	// Back to the first date: told again.
	f.clock.set(time.Date(2027, 3, 1, 12, 3, 0, 0, ny))
	if _, told, err = f.subs.Extend(ctx, f.org, f.conf, prop.ID, "2027-07-09T12:00"); err != nil || told != 2 || len(f.mails(prefix)) != 6 {
		t.Errorf("back to the first date: told %d, %d messages, %v", told, len(f.mails(prefix)), err)
	}

	// The owner's extension goes past the proposal's own deadline: the co-presenter is told (the
	// owner by the extension's message); removing the proposal's own deadline then changes nothing
	// for the presenters, and tells no one.
	if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, owner.Email, "2027-07-12T23:59", ""); err != nil {
		t.Fatal(err)
	}
	got = f.mails(prefix)
	if m := got[len(got)-1]; len(got) != 7 || m.Recipient != strings.ToLower(co.Email) || !strings.Contains(m.Text, "its deadline is now Monday 12 July 2027, 23:59 EDT.") {
		t.Errorf("the owner's extension: %d messages; the last, to %s:\n%s", len(got), m.Recipient, m.Text)
	}
	f.clock.set(time.Date(2027, 3, 1, 12, 4, 0, 0, ny))
	if _, told, err = f.subs.Extend(ctx, f.org, f.conf, prop.ID, ""); err != nil || told != 0 || len(f.mails(prefix)) != 7 {
		t.Errorf("removing a deadline the owner's extension passes: told %d, %d messages, %v", told, len(f.mails(prefix)), err)
	}
	ext, err := f.calls.Extensions(ctx, f.org, f.conf)
	if err != nil || len(ext) != 1 {
		t.Fatalf("extensions: %d %v", len(ext), err)
	}
	if _, err := f.calls.RevokeExtension(ctx, f.org, f.conf, ext[0].ID); err != nil {
		t.Fatal(err)
	}
	got = f.mails(prefix)
	if m := got[len(got)-1]; len(got) != 8 || m.Recipient != strings.ToLower(co.Email) || !strings.Contains(m.Text, "it is now Wednesday 30 June 2027, 23:59 EDT.") {
		t.Errorf("the owner's extension taken back: %d messages; the last, to %s:\n%s", len(got), m.Recipient, m.Text)
	}

	// Given again and removed after the call closed: the call's deadline, passed.
	if _, told, err = f.subs.Extend(ctx, f.org, f.conf, prop.ID, "2027-07-09T12:00"); err != nil || told != 2 {
		t.Fatalf("given again: told %d, %v", told, err)
	}
	f.clock.set(time.Date(2027, 7, 2, 9, 0, 0, 0, ny))
	if _, told, err = f.subs.Extend(ctx, f.org, f.conf, prop.ID, " "); err != nil || told != 2 {
		t.Fatalf("removed after the call closed: told %d, %v", told, err)
	}
	got = f.mails(prefix)
	if m := got[len(got)-1]; len(got) != 12 || !strings.Contains(m.Text, "have removed the deadline they had given the proposal") ||
		!strings.Contains(m.Text, "The deadline that applies to it now is Wednesday 30 June 2027, 23:59 EDT.") ||
		!strings.Contains(m.Text, "That moment has passed, so the proposal can no longer be changed.") {
		t.Errorf("%d messages; the last:\n%s", len(got), m.Text)
	}
	for _, to := range []string{invited, declined} {
		if n := f.count(`SELECT count(*) FROM email_messages WHERE conference_id = $1 AND recipient = $2 AND event_key LIKE 'proposal-deadline:%'`, f.conf.ID, to); n != 0 {
			t.Errorf("%d deadline messages to %s, who did not accept", n, to)
		}
	}

	// After a decision the proposal cannot be changed: a deadline tells no one.
	decided, _ := f.subs.Get(ctx, f.org, f.conf, prop.ID)
	now := time.Now().UTC().Truncate(time.Microsecond)
	decided.Decision, decided.DecidedAt, decided.DecidedBy = submission.Reject, &now, &f.org.UserID
	if err := (store.Proposals{DB: f.db}).SetDecision(ctx, decided); err != nil {
		t.Fatal(err)
	}
	if _, told, err = f.subs.Extend(ctx, f.org, f.conf, prop.ID, "2027-07-20T12:00"); err != nil || told != 0 || len(f.mails(prefix)) != 12 {
		t.Errorf("a deadline after a decision: told %d, %d messages, %v", told, len(f.mails(prefix)), err)
	}
}

// TestProposalDeadlineAndItsEmailCommitTogether: when the email cannot be queued, the proposal keeps
// the deadline it had.
func TestProposalDeadlineAndItsEmailCommitTogether(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := f.person("Noor Haddad", true)
	prop := f.draft(owner, f.complete())
	broken := submission.NewService(submission.Options{Store: store.Proposals{DB: f.db}, Calls: f.calls, Outbox: failingOutbox{},
		Audit: store.Audit{DB: f.db}, Secret: "0123456789abcdef0123456789abcdef", BaseURL: "http://conf.test", Now: f.clock.now})
	if _, _, err := broken.Extend(ctx, f.org, f.conf, prop.ID, "2027-07-09T12:00"); err == nil {
		t.Fatal("a deadline was set though its email could not be queued")
	}
	if n := f.count(`SELECT count(*) FROM proposals WHERE id = $1 AND deadline IS NULL`, prop.ID); n != 1 {
		t.Error("the proposal has a deadline its presenters were not told of")
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE conference_id = $1 AND action = 'proposal.extended'`, f.conf.ID); n != 0 {
		t.Errorf("%d audit entries of a change that failed", n)
	}
}

// TestEndingALinksTimeIsEmailed: ending the time of an access link while the call is open gives the
// proposals started with it the call's deadline, which their presenters who accepted are told, once;
// a proposal whose owner's extension is as late as the link loses nothing and no one is told. When
// the email cannot be queued, the proposals keep the link's time.
func TestEndingALinksTimeIsEmailed(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	link, err := f.calls.CreateAccessLink(ctx, f.org, f.conf, cfp.AccessLinkInput{Label: "Guests of the dean", ExpiresAt: "2027-07-10T17:00", MaxUses: 5})
	if err != nil {
		t.Fatal(err)
	}
	owner, co, extended := f.person("Kofi Asante", true), f.person("Lena Vogel", true), f.person("Rosa Díaz", true)
	c := f.complete()
	c.FormatID, c.Answers = f.workshop.ID, nil // room for three presenters
	prop, _, err := f.subs.Create(ctx, owner, f.conf, submission.CreateInput{Content: c, AccessSecret: link.Secret})
	if err != nil {
		t.Fatal(err)
	}
	f.coPresent(owner, co, prop.ID)
	kept, _, err := f.subs.Create(ctx, extended, f.conf, submission.CreateInput{Content: f.complete(), AccessSecret: link.Secret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.calls.GrantExtension(ctx, f.org, f.conf, extended.Email, "2027-07-20T12:00", ""); err != nil {
		t.Fatal(err)
	}

	broken := cfp.NewService(cfp.Options{Store: store.Calls{DB: f.db}, Outbox: failingOutbox{}, Audit: store.Audit{DB: f.db},
		Secret: "0123456789abcdef0123456789abcdef", BaseURL: "http://conf.test", Now: f.clock.now})
	brokenSubs := submission.NewService(submission.Options{Store: store.Proposals{DB: f.db}, Calls: broken, Outbox: failingOutbox{},
		Audit: store.Audit{DB: f.db}, Secret: "0123456789abcdef0123456789abcdef", BaseURL: "http://conf.test", Now: f.clock.now})
	broken.OnLinkTimeEnded(brokenSubs.LinkTimeEnded)
	if _, err := broken.WithdrawAccessLink(ctx, f.org, f.conf, link.ID, true); err == nil {
		t.Fatal("the link's time ended though its email could not be queued")
	}
	if n := f.count(`SELECT count(*) FROM proposals WHERE access_link_id = $1 AND deadline IS NOT NULL`, link.ID); n != 2 {
		t.Errorf("%d proposals keep the link's time after a failed withdrawal, want 2", n)
	}

	prefix := "proposal-deadline:"
	for i, want := range []int{2, 0} { // the second (a double click) finds nothing left to end
		w, err := f.calls.WithdrawAccessLink(ctx, f.org, f.conf, link.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if w.Told != want {
			t.Errorf("withdrawal %d told %d, want %d", i+1, w.Told, want)
		}
	}
	got := f.mails(prefix)
	if len(got) != 2 {
		t.Fatalf("%d messages after ending the link's time twice, want 2", len(got))
	}
	to := map[string]bool{}
	for _, m := range got {
		to[m.Recipient] = true
		if !strings.HasPrefix(m.EventKey, fmt.Sprintf("proposal-deadline:%d:", prop.ID)) ||
			!strings.Contains(m.Text, "The deadline that applies to it now is Wednesday 30 June 2027, 23:59 EDT.") ||
			strings.Contains(m.Text, "That moment has passed") || strings.Contains(m.Text, "Guests of the dean") {
			t.Errorf("the message to %s (%s):\n%s", m.Recipient, m.EventKey, m.Text)
		}
	}
	if !to[strings.ToLower(owner.Email)] || !to[strings.ToLower(co.Email)] || to[strings.ToLower(extended.Email)] {
		t.Errorf("told %v; want the two presenters of proposal %d, not the owner of %d, whose extension is later", to, prop.ID, kept.ID)
	}
}
