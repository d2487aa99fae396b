package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/cfp"
)

// closeCallLongAgo moves the call's close to a moment long past.
func closeCallLongAgo(t *testing.T, ta *testApp, f callFixture) {
	t.Helper()
	call, err := ta.calls.Call(t.Context(), f.conf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.calls.SaveCall(t.Context(), organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{Opens: "2020-01-01T00:00", Closes: "2020-06-30T23:59"}); err != nil {
		t.Fatal(err)
	}
}

// startWithLink starts and submits a workshop through the access link at linkURL as the browser's
// person, and returns its id.
func startWithLink(t *testing.T, ta *testApp, f callFixture, b *browser, linkURL, title string) int64 {
	t.Helper()
	p := b.get(strings.TrimPrefix(linkURL, ta.URL))
	start, _ := p.Doc.Find(`main a.button`).Attr("href")
	if p.Status != http.StatusOK || !strings.Contains(start, "access=") {
		t.Fatalf("the link's page: %d %q", p.Status, start)
	}
	form := workshopForm(f, title)
	form.Set("action", "submit")
	form.Set("access", start[strings.Index(start, "access=")+len("access="):])
	p = b.post(start, "/c/"+f.conf.Slug+"/proposals", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("a proposal through the link: %d %s", p.Status, p.problem())
	}
	return proposalIDFrom(t, p.Header.Get("Location"))
}

// TestLaterDeadlineAfterTheCallCloses: once the call has closed, a presenter whose proposal has a
// later deadline of its own (set by the organizers, or from the access link it was started with) is
// not told that everything is read-only: their dashboard and the conference's page list what can
// still be changed and until when, and the dashboard says for each proposal whether it can.
func TestLaterDeadlineAfterTheCallCloses(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	_, email := presenter(t, ta, "Priya Raman")
	later := submitPosterAs(t, ta, f, email, "Structural competency in the first year")
	closed := submitPosterAs(t, ta, f, email, "Naming racism in the curriculum")

	ob := loggedIn(t, ta, f.organizer)
	p := ob.post(base+"/manage/extensions", base+"/manage/links", url.Values{"label": {"Invited panel"}, "expires_at": {"2031-08-01T12:00"}, "max_uses": {"1"}})
	linkURL, _ := p.Doc.Find("#new-link").Attr("value")
	if p.Status != http.StatusCreated || linkURL == "" {
		t.Fatalf("make the link: %d %s", p.Status, p.problem())
	}
	closeCallLongAgo(t, ta, f)
	mp := fmt.Sprintf("%s/manage/proposals/%d", base, later.ID)
	if p = ob.post(mp, mp+"/extend", url.Values{"until": {"2031-07-15T12:00"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("the proposal's own deadline: %d %s", p.Status, p.problem())
	}

	b := loggedIn(t, ta, email)
	for _, path := range []string{base + "/proposals", base} {
		status := b.get(path).Doc.Find(".deadline-panel")
		if got := text(status); strings.Contains(got, "read-only") && !strings.Contains(got, "the other is read-only") ||
			!strings.HasPrefix(got, "The call closed on Tuesday 30 June 2020, 23:59 EDT. New proposals are no longer accepted.") ||
			!strings.Contains(got, "1 of your 2 proposals can still be changed, each until its own deadline; the other is read-only:") {
			t.Errorf("the call's status on %s: %q", path, got)
		}
		item := status.Find("li")
		if href, _ := item.Find("a").Attr("href"); item.Length() != 1 || href != fmt.Sprintf("%s/proposals/%d", base, later.ID) ||
			text(item) != "Structural competency in the first year: until Tuesday 15 July 2031, 12:00 EDT" {
			t.Errorf("the proposals that can still be changed on %s: %d %q", path, item.Length(), text(item))
		}
	}
	p = b.get(base + "/proposals")
	if got := text(p.Doc.Find(fmt.Sprintf(`tr:has(a[href="%s/proposals/%d"]) td`, base, later.ID)).Last()); got != "Until Tuesday 15 July 2031, 12:00 EDT (later than the call's deadline)" {
		t.Errorf("the dashboard's row of the proposal with a later deadline: %q", got)
	}
	if got := text(p.Doc.Find(fmt.Sprintf(`tr:has(a[href="%s/proposals/%d"]) td`, base, closed.ID)).Last()); got != "No: its deadline passed on Tuesday 30 June 2020, 23:59 EDT" {
		t.Errorf("the dashboard's row of the proposal with the call's deadline: %q", got)
	}
	if got := text(p.Doc.Find("thead th").Last()); got != "Can be changed" {
		t.Errorf("the dashboard's last column: %q", got)
	}

	// A proposal started through an access link after the call closed has the link's deadline.
	_, guest := presenter(t, ta, "Guest Panelist")
	gb := loggedIn(t, ta, guest)
	invited := startWithLink(t, ta, f, gb, linkURL, "An invited panel")
	for _, path := range []string{base + "/proposals", base} {
		status := gb.get(path).Doc.Find(".deadline-panel")
		if got := text(status); strings.Contains(got, "read-only") || !strings.Contains(got, "Your proposal can still be changed until its own deadline: An invited panel: until Friday 1 August 2031, 12:00 EDT") {
			t.Errorf("the call's status on %s for the link's proposal: %q", path, got)
		}
		if href, _ := status.Find("li a").Attr("href"); href != fmt.Sprintf("%s/proposals/%d", base, invited) {
			t.Errorf("the link of the link's proposal on %s: %q", path, href)
		}
	}

	// Whoever has nothing left to change is told, as before, that what was submitted is read-only.
	_, nobody := presenter(t, ta, "Nobody Yet")
	for _, x := range []*browser{ob, loggedIn(t, ta, nobody)} {
		if got := text(x.get(base).Doc.Find(".deadline-panel")); got != "The call closed on Tuesday 30 June 2020, 23:59 EDT. New proposals are no longer accepted; proposals already submitted are read-only." {
			t.Errorf("the call's status for someone with no proposal to change: %q", got)
		}
	}
}
