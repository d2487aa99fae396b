package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/server"
	"github.com/challenging-norms/conference/internal/store"
)

// Registration tests: every rule of registration, through HTTP, rows in PostgreSQL and mail that arrived.

const meetingLink = "https://meet.example.org/challenging-norms-2027"

// regConf creates an open conference with registration settings: the capacity (0 for none), the
// join information with a meeting link, every demographic question, and the questions given.
func regConf(t *testing.T, ta *testApp, capacity int, qs ...question.Question) conference.Conference {
	t.Helper()
	ctx := context.Background()
	slug := fmt.Sprintf("reg-%d", unique())
	conf, err := ta.confs.Seed(ctx, conference.CreateInput{Slug: slug, Name: "Challenging Norms " + slug[len(slug)-4:],
		TimeZone: "America/New_York", StartsOn: "2027-06-01", EndsOn: "2027-06-02"})
	if err != nil {
		t.Fatal(err)
	}
	set := registration.DefaultSettings(conf.Name)
	set.Open = true
	set.JoinInfo = "Join on Zoom: <" + meetingLink + ">, passcode 4242."
	set.Questions = qs
	if capacity > 0 {
		set.Capacity = &capacity
	}
	if _, err := ta.regs.SeedSettings(ctx, conf, set); err != nil {
		t.Fatal(err)
	}
	return conf
}

// newOrganizer makes a confirmed account that organizes the conference and returns its address.
func newOrganizer(t *testing.T, ta *testApp, conf conference.Conference) string {
	t.Helper()
	email := uniqueEmail("organizer")
	u := newUser(t, ta, email, "Olu Organizer")
	if _, err := (store.Conferences{DB: ta.db}).Grant(context.Background(), conf.ID, u.ID, access.Organizer, 0); err != nil {
		t.Fatal(err)
	}
	return email
}

// person is the registration form filled in for a person.
func person(name, email string, extra ...string) url.Values {
	v := url.Values{"name": {name}, "email": {email}, "participant_role": {"medical_student"},
		"institution": {"Morehouse School of Medicine"}, "consent": {"yes"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Add(extra[i], extra[i+1])
	}
	return v
}

// register sends the registration form as a browser would.
func register(b *browser, conf conference.Conference, v url.Values) page {
	b.t.Helper()
	return b.post("/c/"+conf.Slug+"/register", "/c/"+conf.Slug+"/register", v)
}

// regRow is a registration as stored.
type regRow struct {
	ID        int64
	Status    string
	Confirmed bool
}

func regOf(t *testing.T, ta *testApp, conf conference.Conference, email string) regRow {
	t.Helper()
	var r regRow
	err := ta.db.SQL.QueryRow(`SELECT id, status::text, email_confirmed_at IS NOT NULL FROM registrations
		WHERE conference_id = $1 AND email = $2 ORDER BY id DESC LIMIT 1`, conf.ID, strings.ToLower(email)).Scan(&r.ID, &r.Status, &r.Confirmed)
	if err != nil {
		t.Fatalf("registration of %s: %v", email, err)
	}
	return r
}

func placesTaken(t *testing.T, ta *testApp, conf conference.Conference) int {
	t.Helper()
	return count(t, ta, `SELECT places_taken FROM registration_settings WHERE conference_id = $1`, conf.ID)
}

// confirmByMail follows the confirmation link of the newest confirmation mail to the address, and
// presses the button.
func confirmByMail(t *testing.T, ta *testApp, b *browser, conf conference.Conference, email string) page {
	t.Helper()
	link := linkIn(t, ta.waitMail(email, "Confirm your registration"), "/register/confirm?token=")
	p := b.get(link)
	if p.Status != http.StatusOK || p.Doc.Find(`form[action$="/register/confirm"] button`).Length() != 1 {
		t.Fatalf("confirmation page: %d %s", p.Status, summaryItems(p))
	}
	return b.post(link, "/c/"+conf.Slug+"/register/confirm", url.Values{"token": {mustQuery(t, link, "token")}})
}

// calendarOf parses the calendar invitation attached to a message.
func calendarOf(t *testing.T, ta *testApp, m mail.DevMail) *ics.Calendar {
	t.Helper()
	full, err := ta.devMailbox.DevMail(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range full.Attachments {
		if strings.HasPrefix(a.ContentType, "text/calendar") {
			cal, err := ics.ParseCalendar(bytes.NewReader(a.Data))
			if err != nil {
				t.Fatalf("the attached calendar does not parse: %v\n%s", err, a.Data)
			}
			return cal
		}
	}
	t.Fatalf("no calendar attached to %q (%d attachments)", m.Subject, len(full.Attachments))
	return nil
}

// TestRegistrationDoubleOptIn registers anonymously, confirms by the emailed link, and receives how
// to join with a calendar invitation; registering again resends the link and makes nothing new.
func TestRegistrationDoubleOptIn(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 0)
	email := uniqueEmail("ama.mensah")
	b := ta.browser()

	p := register(b, conf, person("Ama Mensah", email, "pronouns", "she/her", "accommodations", "captions"))
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/c/"+conf.Slug+"/register/sent" {
		t.Fatalf("register: %d to %q: %s", p.Status, p.Header.Get("Location"), summaryItems(p))
	}
	if p = b.get("/c/" + conf.Slug + "/register/sent"); !strings.Contains(p.Doc.Find("main .lead").Text(), email) {
		t.Errorf("the sent page does not name the address: %q", p.Doc.Find("main .lead").Text())
	}
	r := regOf(t, ta, conf, email)
	if r.Status != "registered" || r.Confirmed {
		t.Errorf("before confirming: %+v", r)
	}
	if n := placesTaken(t, ta, conf); n != 1 {
		t.Errorf("places taken %d, want 1: a place counts from registration", n)
	}
	// Opening the link shows a button and confirms nothing yet.
	link := linkIn(t, ta.waitMail(email, "Confirm your registration"), "/register/confirm?token=")
	if p = b.get(link); p.Status != http.StatusOK {
		t.Fatalf("confirm page: %d", p.Status)
	}
	if regOf(t, ta, conf, email).Confirmed {
		t.Error("opening the link confirmed the registration; a mail scanner would do that")
	}
	p = b.post(link, "/c/"+conf.Slug+"/register/confirm", url.Values{"token": {mustQuery(t, link, "token")}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/c/"+conf.Slug+"/registration" {
		t.Fatalf("confirm: %d to %q: %s", p.Status, p.Header.Get("Location"), summaryItems(p))
	}
	if r = regOf(t, ta, conf, email); r.Status != "registered" || !r.Confirmed {
		t.Errorf("after confirming: %+v", r)
	}
	p = b.get("/c/" + conf.Slug + "/registration")
	if !strings.Contains(p.Doc.Find(".flash").Text(), "confirmed") || p.Doc.Find(`main a[href="`+meetingLink+`"]`).Length() != 1 {
		t.Errorf("the registration page lacks the confirmation or the meeting link:\n%s", p.Doc.Find("main").Text())
	}

	m := ta.waitMail(email, "You are registered")
	if !strings.Contains(m.Text, meetingLink) || !strings.Contains(m.HTML, meetingLink) {
		t.Errorf("the confirmation lacks how to join:\n%s", m.Text)
	}
	cal := calendarOf(t, ta, m)
	ev := cal.Events()
	if len(ev) != 1 || ev[0].GetProperty(ics.ComponentPropertySummary).Value != conf.Name {
		t.Fatalf("calendar events: %d", len(ev))
	}
	if start, err := ev[0].GetAllDayStartAt(); err != nil || start.Format(time.DateOnly) != "2027-06-01" {
		t.Errorf("calendar start %v %v", start, err)
	}
	if end, err := ev[0].GetAllDayEndAt(); err != nil || end.Format(time.DateOnly) != "2027-06-03" {
		t.Errorf("calendar end %v %v", end, err)
	}
	if d := ev[0].GetProperty(ics.ComponentPropertyDescription).Value; !strings.Contains(d, meetingLink) {
		t.Errorf("calendar description %q lacks the meeting link", d)
	}

	// The development mailbox offers the invitation as a download.
	dl := b.get(fmt.Sprintf("/dev/mailbox/%d/attachments/0", m.ID))
	if dl.Status != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(dl.Header.Get("Content-Disposition"), `attachment; filename=`+conf.Slug+".ics") || !strings.HasPrefix(dl.Body, "BEGIN:VCALENDAR") {
		t.Errorf("attachment download: %d %q %q", dl.Status, dl.Header.Get("Content-Type"), dl.Header.Get("Content-Disposition"))
	}
	if p := b.get(fmt.Sprintf("/dev/mailbox/%d/attachments/1", m.ID)); p.Status != http.StatusNotFound {
		t.Errorf("an attachment that is not there: %d", p.Status)
	}

	// Registering again, in other letters: the same answer, no second registration, the link again.
	other := ta.browser()
	p = register(other, conf, person("Someone Else", strings.ToUpper(email)))
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/c/"+conf.Slug+"/register/sent" {
		t.Fatalf("register again: %d %s", p.Status, summaryItems(p))
	}
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE conference_id = $1`, conf.ID); n != 1 {
		t.Errorf("%d registrations after registering twice", n)
	}
	again := ta.waitMail(email, "Your registration for")
	manage := linkIn(t, again, "/registration?token=")
	p = other.get(manage)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/c/"+conf.Slug+"/registration" {
		t.Fatalf("the personal link: %d %q", p.Status, p.Header.Get("Location"))
	}
	if p = other.get("/c/" + conf.Slug + "/registration"); !strings.Contains(p.Doc.Find(".facts").Text(), "Ama Mensah") {
		t.Errorf("the personal link does not open the registration:\n%s", p.Doc.Find("main").Text())
	}
	if n := placesTaken(t, ta, conf); n != 1 {
		t.Errorf("places taken %d after registering twice", n)
	}
}

// waitFor polls until cond holds, or fails the test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// registerConfirmed registers someone through the form and confirms the address; it returns their
// browser, whose session now holds the registration.
func registerConfirmed(t *testing.T, ta *testApp, conf conference.Conference, name, email string) *browser {
	t.Helper()
	b := ta.browser()
	if p := register(b, conf, person(name, email)); p.Status != http.StatusSeeOther {
		t.Fatalf("register %s: %d %s", email, p.Status, summaryItems(p))
	}
	if p := confirmByMail(t, ta, b, conf, email); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm %s: %d %s", email, p.Status, summaryItems(p))
	}
	return b
}

// holding counts the registrations that hold a place, to compare with the counter.
func holding(t *testing.T, ta *testApp, conf conference.Conference) int {
	t.Helper()
	return count(t, ta, `SELECT count(*) FROM registrations WHERE conference_id = $1 AND status IN ('registered', 'offered')`, conf.ID)
}

func mailsWithKey(t *testing.T, ta *testApp, prefix string) int {
	t.Helper()
	return count(t, ta, `SELECT count(*) FROM email_messages WHERE event_key LIKE $1 || '%'`, prefix)
}

// TestRegistrationWaitlist fills a conference of two places and follows the waitlist: confirming
// keeps one's place in line, a cancellation offers the place to the first confirmed person in line,
// an offer is taken up or runs out (through the periodic job, once), and unconfirmed registrations
// lapse and give their place back.
func TestRegistrationWaitlist(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withFreshDB(t))
	conf := regConf(t, ta, 2)
	ada, ben, cleo, dev, eve := uniqueEmail("ada"), uniqueEmail("ben"), uniqueEmail("cleo"), uniqueEmail("dev"), uniqueEmail("eve")
	adaB := registerConfirmed(t, ta, conf, "Ada Obi", ada)
	registerConfirmed(t, ta, conf, "Ben Cruz", ben)

	// Full: Cleo joins the waitlist, and learns it once her address is confirmed.
	cleoB := ta.browser()
	if p := register(cleoB, conf, person("Cleo Diaz", cleo)); p.Status != http.StatusSeeOther {
		t.Fatalf("register cleo: %d", p.Status)
	}
	if r := regOf(t, ta, conf, cleo); r.Status != "waitlisted" || placesTaken(t, ta, conf) != 2 {
		t.Fatalf("cleo %+v, places %d", r, placesTaken(t, ta, conf))
	}
	confirmByMail(t, ta, cleoB, conf, cleo)
	if m := ta.waitMail(cleo, "You are on the waitlist"); !strings.Contains(m.Text, "number 1 in line") {
		t.Errorf("the waitlist mail does not give the place in line:\n%s", m.Text)
	}
	p := cleoB.get("/c/" + conf.Slug + "/registration")
	if !strings.Contains(p.Doc.Find("#standing-title").Parent().Text(), "number 1 on the waitlist") {
		t.Errorf("cleo's page: %s", p.Doc.Find("main").Text())
	}
	if p.Doc.Find(`a[href$="/registration/calendar.ics"]`).Length() != 0 || strings.Contains(p.Body, meetingLink) {
		t.Error("someone on the waitlist is shown how to join")
	}
	// Dev registers and does not confirm: behind Cleo, and not eligible for offers.
	if p := register(ta.browser(), conf, person("Dev Patel", dev)); p.Status != http.StatusSeeOther {
		t.Fatalf("register dev: %d", p.Status)
	}

	// Ada cancels on her page: the place is offered to Cleo, and still counts.
	p = adaB.post("/c/"+conf.Slug+"/registration", "/c/"+conf.Slug+"/registration/cancel", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", p.Status, summaryItems(p))
	}
	if r := regOf(t, ta, conf, ada); r.Status != "cancelled" {
		t.Errorf("ada: %+v", r)
	}
	ta.waitMail(ada, "is cancelled")
	if r := regOf(t, ta, conf, cleo); r.Status != "offered" || placesTaken(t, ta, conf) != 2 {
		t.Fatalf("after a cancellation: cleo %+v, places %d", r, placesTaken(t, ta, conf))
	}
	offer := ta.waitMail(cleo, "is yours to take")
	if !strings.Contains(offer.Text, "EDT") && !strings.Contains(offer.Text, "EST") {
		t.Errorf("the offer's deadline is not in the conference's time zone:\n%s", offer.Text)
	}
	// Cleo follows the offer's link and takes the place: how to join, with a calendar.
	p = ta.browser().get(linkIn(t, offer, "/registration?token="))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("offer link: %d", p.Status)
	}
	p = cleoB.post("/c/"+conf.Slug+"/registration", "/c/"+conf.Slug+"/registration/accept", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", p.Status, summaryItems(p))
	}
	if r := regOf(t, ta, conf, cleo); r.Status != "registered" {
		t.Errorf("cleo after accepting: %+v", r)
	}
	calendarOf(t, ta, ta.waitMail(cleo, "You are registered"))
	if p = cleoB.post("/c/"+conf.Slug+"/registration", "/c/"+conf.Slug+"/registration/accept", url.Values{}); p.Status != http.StatusConflict {
		t.Errorf("accepting twice: %d", p.Status)
	}

	// Ben cancels through the API with his personal link: Dev is next but unconfirmed, so no offer;
	// the place is free, and Eve, registering now, takes it.
	benLink := linkIn(t, ta.waitMail(ben, "You are registered"), "/registration?token=")
	r := send(t, ta, http.MethodDelete, "/api/v1/conferences/"+conf.Slug+"/registration/me", nil, "Registration-Token", mustQuery(t, benLink, "token"))
	if r.Status != http.StatusNoContent {
		t.Fatalf("API cancel: %d %v", r.Status, r.JSON)
	}
	if d := regOf(t, ta, conf, dev); d.Status != "waitlisted" || placesTaken(t, ta, conf) != 1 {
		t.Fatalf("after ben: dev %+v, places %d", d, placesTaken(t, ta, conf))
	}
	eveB := ta.browser()
	register(eveB, conf, person("Eve Kim", eve))
	if e := regOf(t, ta, conf, eve); e.Status != "registered" || placesTaken(t, ta, conf) != 2 {
		t.Fatalf("eve %+v, places %d", e, placesTaken(t, ta, conf))
	}

	// Dev confirms, then the organizers add a place: it is offered to Dev, whose offer runs out; the
	// periodic job passes the place on once, telling Dev once.
	confirmByMail(t, ta, ta.browser(), conf, dev)
	org := loggedIn(t, ta, newOrganizer(t, ta, conf))
	set := settingsValues(t, ta, conf)
	set.Set("capacity", "3")
	if p := org.post("/c/"+conf.Slug+"/manage/registration", "/c/"+conf.Slug+"/manage/registration", set); p.Status != http.StatusSeeOther {
		t.Fatalf("raise capacity: %d %s", p.Status, summaryItems(p))
	}
	devID := regOf(t, ta, conf, dev).ID
	if d := regOf(t, ta, conf, dev); d.Status != "offered" {
		t.Fatalf("dev after more places: %+v", d)
	}
	ta.waitMail(dev, "is yours to take")
	if _, err := ta.db.SQL.Exec(`UPDATE registrations SET offer_expires_at = now() - interval '1 minute' WHERE id = $1`, devID); err != nil {
		t.Fatal(err)
	}
	// The job runs on its own; running it by hand at the same time changes nothing twice.
	go func() { _, _ = ta.regs.ExpireDue(context.Background()) }()
	waitFor(t, "dev's offer lapses", func() bool { return regOf(t, ta, conf, dev).Status == "expired" })
	ta.waitMail(dev, "has passed on")
	_, _ = ta.regs.ExpireDue(context.Background())
	if n := mailsWithKey(t, ta, fmt.Sprintf("registration-offer-lapsed:%d:", devID)); n != 1 {
		t.Errorf("%d lapsed-offer mails to dev, want 1", n)
	}
	if n := mailsWithKey(t, ta, fmt.Sprintf("registration-offer:%d:", devID)); n != 1 {
		t.Errorf("%d offer mails to dev, want 1", n)
	}
	if n := placesTaken(t, ta, conf); n != 2 {
		t.Errorf("places taken %d after the offer lapsed, want 2", n)
	}

	// Fay registers and never confirms: when her time is up, the place goes back.
	fay := uniqueEmail("fay")
	register(ta.browser(), conf, person("Fay Lee", fay))
	if f := regOf(t, ta, conf, fay); f.Status != "registered" || placesTaken(t, ta, conf) != 3 {
		t.Fatalf("fay %+v, places %d", f, placesTaken(t, ta, conf))
	}
	if _, err := ta.db.SQL.Exec(`UPDATE registrations SET confirm_by = now() - interval '1 minute' WHERE email = $1`, fay); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "fay's unconfirmed registration lapses", func() bool { return regOf(t, ta, conf, fay).Status == "expired" })
	if n := placesTaken(t, ta, conf); n != 2 || n != holding(t, ta, conf) {
		t.Errorf("places taken %d, holding %d, want 2", n, holding(t, ta, conf))
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, fay); n != 1 {
		t.Errorf("fay, who never confirmed, got %d messages, want only the confirmation link", n)
	}
	// Her confirmation link now says what happened.
	link := linkIn(t, ta.waitMail(fay, "Confirm your registration"), "/register/confirm?token=")
	if p := ta.browser().get(link); p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "lapsed") {
		t.Errorf("a lapsed registration's link: %d %q", p.Status, summaryItems(p))
	}
}

// settingsValues returns the settings form as it stands, for a test to change a field.
func settingsValues(t *testing.T, ta *testApp, conf conference.Conference) url.Values {
	t.Helper()
	set, err := (store.Registrations{DB: ta.db}).Settings(context.Background(), conf.ID)
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{"offer_hold_hours": {fmt.Sprint(int(set.OfferHold.Hours()))}, "privacy_statement": {set.PrivacyStatement},
		"join_info": {set.JoinInfo}, "demographics": set.Demographics}
	if set.Open {
		v.Set("open", "yes")
	}
	if set.Capacity != nil {
		v.Set("capacity", fmt.Sprint(*set.Capacity))
	}
	return v
}

// TestRegistrationSignedIn registers while signed in: the form is prefilled from the profile, the
// account's confirmed address needs no link, and the registration is on the account page, where it
// can be cancelled. Another address still needs confirming, and stays linked to the account.
func TestRegistrationSignedIn(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 0)
	email := uniqueEmail("kwame")
	u := newUser(t, ta, email, "Kwame Mensah")
	if _, err := ta.accounts.UpdateProfile(context.Background(), u, "Kwame Mensah", accountProfile("he/him", "faculty", "Howard University")); err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ta, email)
	p := b.get("/c/" + conf.Slug + "/register")
	for id, want := range map[string]string{"name": "Kwame Mensah", "email": email, "pronouns": "he/him", "institution": "Howard University"} {
		if got := p.Doc.Find("input#"+id).AttrOr("value", ""); got != want {
			t.Errorf("%s prefilled with %q, want %q", id, got, want)
		}
	}
	if _, ok := p.Doc.Find(`input[name="participant_role"][value="faculty"]`).Attr("checked"); !ok {
		t.Error("the role is not prefilled")
	}
	v := person("Kwame Mensah", email)
	p = b.post("/c/"+conf.Slug+"/register", "/c/"+conf.Slug+"/register", v)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/c/"+conf.Slug+"/registration" {
		t.Fatalf("register signed in: %d %q %s", p.Status, p.Header.Get("Location"), summaryItems(p))
	}
	r := regOf(t, ta, conf, email)
	if r.Status != "registered" || !r.Confirmed {
		t.Errorf("the account's confirmed address still needs confirming: %+v", r)
	}
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE id = $1 AND user_id = $2`, r.ID, u.ID); n != 1 {
		t.Error("the registration is not linked to the account")
	}
	calendarOf(t, ta, ta.waitMail(email, "You are registered"))
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE 'Confirm your registration%'`, email); n != 0 {
		t.Errorf("%d confirmation links sent for a confirmed address", n)
	}
	// Registering again while signed in shows the registration.
	p = b.get("/c/" + conf.Slug + "/register")
	if !strings.Contains(p.Doc.Find(".panel").Text(), "You are registered already") || p.Doc.Find(`form[action$="/register"]`).Length() != 0 {
		t.Errorf("the form of someone registered: %s", p.Doc.Find("main").Text())
	}

	// The account page lists it, with a cancel button that works.
	p = b.get("/account")
	if !strings.Contains(p.Doc.Find("ul.registrations").Text(), conf.Name) {
		t.Fatalf("the account page does not list the registration:\n%s", p.Doc.Find("main").Text())
	}
	action := "/c/" + conf.Slug + "/registration/cancel"
	if p.Doc.Find(`ul.registrations form[action="`+action+`"] button`).Length() != 1 {
		t.Fatal("no cancel button on the account page")
	}
	if p = b.post("/account", action, url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel from the account page: %d %s", p.Status, summaryItems(p))
	}
	if r := regOf(t, ta, conf, email); r.Status != "cancelled" {
		t.Errorf("after cancelling: %+v", r)
	}
	if !strings.Contains(b.get("/account").Doc.Find("ul.registrations").Text(), "Cancelled") {
		t.Error("the account page does not show the cancellation")
	}

	// Another address, while signed in: it must be confirmed, and the registration is the account's.
	other := uniqueEmail("kwame.work")
	p = b.post("/c/"+conf.Slug+"/register", "/c/"+conf.Slug+"/register", person("Kwame Mensah", other))
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/c/"+conf.Slug+"/register/sent" {
		t.Fatalf("register with another address: %d %q", p.Status, p.Header.Get("Location"))
	}
	ta.waitMail(other, "Confirm your registration")
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE email = $1 AND user_id = $2 AND email_confirmed_at IS NULL`, other, u.ID); n != 1 {
		t.Error("the registration with another address is not the account's, or is confirmed already")
	}
	if !strings.Contains(b.get("/account").Doc.Find("ul.registrations").Text(), "address not confirmed") {
		t.Error("the account page does not say the address is unconfirmed")
	}
}

func accountProfile(pronouns, role, institution string) account.Profile {
	return account.Profile{Pronouns: pronouns, Role: account.ParticipantRole(role), Institution: institution}
}

// TestRegistrationBadInput sends what people get wrong: each mistake is said next to its field, with
// a summary; everything typed comes back; nothing is saved and no mail goes out.
func TestRegistrationBadInput(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 0, question.Question{ID: "dietary_needs", Label: "Will you join the shared meal?", Kind: question.SingleChoice,
		Options: []string{"Yes", "No"}, Required: true})
	b := ta.browser()
	formPage := "/c/" + conf.Slug + "/register"

	p := register(b, conf, url.Values{})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty form: %d", p.Status)
	}
	for field, want := range map[string]string{"name": "Enter your name", "email": "Enter your email address",
		"participant_role": "Choose the role", "institution": "independent", "consent": "Tick the box",
		"answers.dietary_needs": "Choose an option"} {
		if got := fieldErr(p, field); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
		if p.Doc.Find(`.error-summary a[href="#`+field+`"]`).Length() != 1 {
			t.Errorf("the summary does not link to %s", field)
		}
	}

	// Everything typed comes back, whatever is wrong.
	v := person("Grace Ho", "grace at example", "pronouns", "she/her", "role_other", "Chaplain",
		"accommodations", "asl", "accommodations", "other", "accommodations_other", "", "answers.dietary_needs", "Yes",
		"demographics.race_ethnicity", "Asian", "demographics.race_ethnicity", registration.PreferNotOption,
		"demographics.race_ethnicity_self", "Hmong American", "demographics.disability", "No")
	v.Del("consent")
	v.Set("participant_role", "other")
	p = b.post(formPage, formPage, v)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", p.Status)
	}
	for field, want := range map[string]string{"email": "name@example.org", "accommodations_other": "Tell us what you need",
		"demographics.race_ethnicity": "on its own", "consent": "Tick the box"} {
		if got := fieldErr(p, field); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	for id, want := range map[string]string{"name": "Grace Ho", "email": "grace at example", "pronouns": "she/her", "role_other": "Chaplain",
		"demographics.race_ethnicity_self": "Hmong American"} {
		if got := p.Doc.Find(`input[id="`+id+`"]`).AttrOr("value", ""); got != want {
			t.Errorf("%s came back as %q, want %q", id, got, want)
		}
	}
	for _, sel := range []string{`input[name="participant_role"][value="other"]`, `input[name="accommodations"][value="asl"]`,
		`input[name="accommodations"][value="other"]`, `input[name="answers.dietary_needs"][value="Yes"]`,
		`input[name="demographics.race_ethnicity"][value="Asian"]`, `input[name="demographics.disability"][value="No"]`} {
		if _, ok := p.Doc.Find(sel).Attr("checked"); !ok {
			t.Errorf("%s is not ticked any more", sel)
		}
	}
	if _, ok := p.Doc.Find(`input#consent`).Attr("checked"); ok {
		t.Error("consent is ticked though it was not given")
	}
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE conference_id = $1`, conf.ID); n != 0 {
		t.Errorf("%d registrations saved from bad forms", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM registration_demographics WHERE conference_id = $1`, conf.ID); n != 0 {
		t.Errorf("%d demographic answers saved from bad forms", n)
	}

	// The API says the same, field by field, as RFC 9457 problems.
	api := "/api/v1/conferences/" + conf.Slug + "/registration"
	r := sendJSON(t, ta, http.MethodPost, api, "", `{"name":"Grace Ho","email":"grace at example","participant_role":"pilot","institution":"","consent":false,"answers":{"dietary_needs":"Maybe"}}`)
	wantProblem(t, "bad registration by API", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	for field, want := range map[string]string{"email": "name@example.org", "participant_role": "roles listed", "institution": "independent",
		"consent": "Tick the box", "answers.dietary_needs": "not one of the options"} {
		if got := fieldDetail(r.apiResponse, field); !strings.Contains(got, want) {
			t.Errorf("API %s: %q, want %q", field, got, want)
		}
	}
	for _, tt := range []struct {
		body, contentType string
		status            int
		code, field       string
	}{
		{`{"name": }`, "application/json", 400, "malformed", ""},
		{`{"name":"A","website":"x"}`, "application/json", 400, "malformed", "website"},
		{`name=A`, "application/x-www-form-urlencoded", 415, "malformed", ""},
		{`{"answers":{"dietary_needs":{"a":1}}}`, "application/json", 422, "invalid", "answers.dietary_needs"},
		{`{"workshops":["one"]}`, "application/json", 422, "invalid", "workshops"},
		{`{"consent":"yes"}`, "application/json", 422, "invalid", "consent"},
	} {
		r := send(t, ta, http.MethodPost, api, strings.NewReader(tt.body), "Content-Type", tt.contentType)
		wantProblem(t, tt.body, r.apiResponse, tt.status, tt.code)
		if tt.field != "" && fieldDetail(r.apiResponse, tt.field) == "" {
			t.Errorf("%s: no message about %s: %v", tt.body, tt.field, r.JSON)
		}
	}
	// Text the database cannot hold is the sender's mistake, not a failure.
	r = sendJSON(t, ta, http.MethodPost, api, "", `{"name":"Ann\u0000","email":"ann.nul@example.org","participant_role":"faculty","institution":"X","consent":true}`)
	wantProblem(t, "NUL in a name", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE conference_id = $1`, conf.ID); n != 0 {
		t.Errorf("%d registrations saved from bad API requests", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE conference_id = $1`, conf.ID); n != 0 {
		t.Errorf("%d messages queued for bad input", n)
	}

	// The honeypot: the same answer as for a person, nothing kept, nothing sent.
	bot := person("Bot", "bot.honey@example.org", "answers.dietary_needs", "No")
	bot.Set("website", "https://spam.example")
	p = ta.browser().post(formPage, formPage, bot)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/c/"+conf.Slug+"/register/sent" {
		t.Errorf("honeypot: %d %q", p.Status, p.Header.Get("Location"))
	}
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE email = 'bot.honey@example.org'`) +
		count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = 'bot.honey@example.org'`); n != 0 {
		t.Error("the honeypot kept a registration or sent mail")
	}
}

// TestRegistrationClosedAndStaleLinks: a closed form says why and when, in the conference's time
// zone, on the page and in the API; stale, used and unknown links say what happened and offer a new
// one.
func TestRegistrationClosedAndStaleLinks(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 0)
	org := loggedIn(t, ta, newOrganizer(t, ta, conf))
	v := settingsValues(t, ta, conf)
	v.Set("opens_at", "2099-03-01T09:00")
	if p := org.post("/c/"+conf.Slug+"/manage/registration", "/c/"+conf.Slug+"/manage/registration", v); p.Status != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", p.Status, summaryItems(p))
	}
	p := ta.browser().get("/c/" + conf.Slug + "/register")
	if msg := p.Doc.Find("main .panel").Text(); !strings.Contains(msg, "opens on Sunday 1 March 2099, 09:00 EST") {
		t.Errorf("not-yet-open form says %q", msg)
	}
	if p.Doc.Find(`form[action$="/register"]`).Length() != 0 {
		t.Error("a closed form is shown")
	}
	// (The closed page has no form: the request takes its CSRF token from the registration page.)
	early := ta.browser()
	p = early.post("/c/"+conf.Slug+"/registration", "/c/"+conf.Slug+"/register", person("Early Bird", uniqueEmail("early")))
	if p.Status != http.StatusConflict || !strings.Contains(p.problem(), "opens on") {
		t.Errorf("registering before it opens: %d %q", p.Status, p.problem())
	}
	r := sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+conf.Slug+"/registration", "",
		fmt.Sprintf(`{"name":"Early Bird","email":%q,"participant_role":"faculty","institution":"X","consent":true}`, uniqueEmail("early")))
	wantProblem(t, "API registration before it opens", r.apiResponse, http.StatusConflict, "conflict")
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+conf.Slug+"/registration", nil)
	if r.JSON["open"] != false || r.JSON["phase"] != "not_yet" || !strings.Contains(r.JSON["message"].(string), "2099") {
		t.Errorf("API form when closed: %v", r.JSON)
	}
	v.Set("opens_at", "")
	org.post("/c/"+conf.Slug+"/manage/registration", "/c/"+conf.Slug+"/manage/registration", v)

	// Links.
	email := uniqueEmail("stale")
	b := ta.browser()
	register(b, conf, person("Sam Stale", email))
	link := linkIn(t, ta.waitMail(email, "Confirm your registration"), "/register/confirm?token=")
	token := mustQuery(t, link, "token")
	for _, tt := range []struct{ what, path, want string }{
		{"unknown", "/c/" + conf.Slug + "/register/confirm?token=not-a-token", "not valid"},
		{"cut short", "/c/" + conf.Slug + "/register/confirm?token=", "incomplete"},
		{"of another conference", "/c/" + regConf(t, ta, 0).Slug + "/register/confirm?token=" + token, "not valid"},
	} {
		p := b.get(tt.path)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), tt.want) {
			t.Errorf("%s link: %d %q", tt.what, p.Status, summaryItems(p))
		}
		if p.Doc.Find(`form[action$="/registration/link"] input#email`).Length() != 1 {
			t.Errorf("%s link: no way to ask for a new one", tt.what)
		}
	}
	if _, err := ta.db.SQL.Exec(`UPDATE registration_tokens SET expires_at = now() - interval '1 minute' WHERE purpose = 'confirm' AND registration_id = $1`,
		regOf(t, ta, conf, email).ID); err != nil {
		t.Fatal(err)
	}
	if p := b.get(link); p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "has expired") {
		t.Errorf("expired link: %d %q", p.Status, summaryItems(p))
	}
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+conf.Slug+"/registration/confirm", "", fmt.Sprintf(`{"token":%q}`, token))
	wantProblem(t, "API expired link", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(fieldDetail(r.apiResponse, "token"), "expired") {
		t.Errorf("API expired link: %v", r.JSON)
	}
	// A new link, asked for on the page, works; the old one still does not.
	p = b.post("/c/"+conf.Slug+"/registration", "/c/"+conf.Slug+"/registration/link", url.Values{"email": {email}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("ask for a new link: %d %s", p.Status, summaryItems(p))
	}
	fresh := waitNewLink(t, ta, email, "Confirm your registration", "/register/confirm?token=", link)
	if p := b.post(fresh, "/c/"+conf.Slug+"/register/confirm", url.Values{"token": {mustQuery(t, fresh, "token")}}); p.Status != http.StatusSeeOther {
		t.Fatalf("the new link: %d %s", p.Status, summaryItems(p))
	}
	// Used: opening it again shows the registration; after cancelling, it says so.
	if p := b.get(fresh); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/c/"+conf.Slug+"/registration" {
		t.Errorf("a used link of a confirmed registration: %d %q", p.Status, p.Header.Get("Location"))
	}
	b.post("/c/"+conf.Slug+"/registration", "/c/"+conf.Slug+"/registration/cancel", url.Values{})
	if p := b.get(fresh); p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "cancelled") {
		t.Errorf("the link of a cancelled registration: %d %q", p.Status, summaryItems(p))
	}
	// An unknown personal link, and a personal link as API token.
	if p := ta.browser().get("/c/" + conf.Slug + "/registration?token=nope"); p.Status != http.StatusUnprocessableEntity || !strings.Contains(summaryItems(p), "not valid") {
		t.Errorf("unknown personal link: %d %q", p.Status, summaryItems(p))
	}
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+conf.Slug+"/registration/me", nil, "Registration-Token", "nope")
	wantProblem(t, "API unknown personal link", r.apiResponse, http.StatusUnauthorized, "unauthenticated")
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+conf.Slug+"/registration/me", nil)
	wantProblem(t, "API without a link", r.apiResponse, http.StatusUnauthorized, "unauthenticated")
	// Lost the link, in the browser: the page offers to send it.
	if p := ta.browser().get("/c/" + conf.Slug + "/registration"); p.Status != http.StatusOK || p.Doc.Find(`form[action$="/registration/link"]`).Length() != 1 {
		t.Errorf("the registration page of a stranger: %d", p.Status)
	}
}

// TestRegistrationRateLimits: registrations are limited per client address and per email address,
// with Retry-After, on the page and in the API; what was typed comes back.
func TestRegistrationRateLimits(t *testing.T) {
	t.Parallel()
	hour := server.Limit{Burst: 2, Every: time.Hour}
	t.Run("per address", func(t *testing.T) {
		ta := startApp(t, withLimits(server.RateLimits{RegisterPerIP: hour}))
		conf := regConf(t, ta, 0)
		b := ta.browser()
		for i := range 2 {
			if p := register(b, conf, person("Ida", uniqueEmail(fmt.Sprint("ip", i)))); p.Status != http.StatusSeeOther {
				t.Fatalf("registration %d: %d", i, p.Status)
			}
		}
		email := uniqueEmail("ip.third")
		p := register(b, conf, person("Ida Third", email))
		if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" || !strings.Contains(p.problem(), "Too many attempts") {
			t.Errorf("third registration: %d %q %q", p.Status, p.Header.Get("Retry-After"), p.problem())
		}
		if v := p.Doc.Find("input#name").AttrOr("value", ""); v != "Ida Third" {
			t.Errorf("the name typed is gone: %q", v)
		}
		r := sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+conf.Slug+"/registration", "",
			fmt.Sprintf(`{"name":"Ida","email":%q,"participant_role":"faculty","institution":"X","consent":true}`, email))
		wantProblem(t, "API over the limit", r.apiResponse, http.StatusTooManyRequests, "rate_limited")
		if n := count(t, ta, `SELECT count(*) FROM registrations WHERE email = $1`, email); n != 0 {
			t.Error("a refused registration was saved")
		}
	})
	t.Run("per email", func(t *testing.T) {
		ta := startApp(t, withLimits(server.RateLimits{RegisterPerEmail: hour}))
		conf := regConf(t, ta, 0)
		email := uniqueEmail("mail.limit")
		for i := range 2 {
			if p := register(ta.browser(), conf, person("Mo", email)); p.Status != http.StatusSeeOther {
				t.Fatalf("registration %d: %d", i, p.Status)
			}
		}
		p := ta.browser().post("/c/"+conf.Slug+"/registration", "/c/"+conf.Slug+"/registration/link", url.Values{"email": {strings.ToUpper(email)}})
		if p.Status != http.StatusTooManyRequests {
			t.Errorf("a third request for the address: %d", p.Status)
		}
		if p := register(ta.browser(), conf, person("Other", uniqueEmail("other"))); p.Status != http.StatusSeeOther {
			t.Errorf("another address is held up: %d", p.Status)
		}
	})
}

// fieldErr returns the error shown with a field whose name may hold dots.
func fieldErr(p page, name string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p.Doc.Find(`[id="`+name+`-error"]`).Text()), "Error:"))
}

// TestRegistrationTooMany sends lists longer than a form can hold: a message on the field, not a 500.
func TestRegistrationTooMany(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 0)
	answers := make([]string, 101)
	for i := range answers {
		answers[i] = fmt.Sprintf(`"q%d":"x"`, i)
	}
	r := sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+conf.Slug+"/registration", "",
		`{"name":"Many","email":"many@example.org","participant_role":"faculty","institution":"X","consent":true,"answers":{`+strings.Join(answers, ",")+`}}`)
	wantProblem(t, "too many answers", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(fieldDetail(r.apiResponse, "answers"), "at most 100") {
		t.Errorf("too many answers: %v", r.JSON)
	}
}
