package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/cfp"
)

// TestOrganizerPagesSayWhoAndWhen: the organizers' list marks a presenter who has not answered their
// invitation, a withdrawn proposal says when it was withdrawn, and the team page and the mail log
// give their times in the conference's time zone, as its other pages do.
func TestOrganizerPagesSayWhoAndWhen(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	loc := f.conf.Location()
	_, sam := presenter(t, ta, "Sam Okoro")
	his := submitPosterAs(t, ta, f, sam, "Peer mentoring for first-generation students")
	if _, err := ta.subs.Invite(ctx, principalOf(t, ta, sam), f.conf, his.ID, "Dana Park", "dana.park@example.org"); err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage"
	p := b.get(base + "/proposals")
	if got := p.Doc.Find("table tbody tr td:nth-child(5)").First().Text(); got != "Sam Okoro, Dana Park (invited)" {
		t.Errorf("the list's presenters: %q", got)
	}

	gone, err := ta.subs.Withdraw(ctx, principalOf(t, ta, sam), f.conf, his.ID)
	if err != nil || gone.WithdrawnAt == nil {
		t.Fatalf("withdraw: %v", err)
	}
	p = b.get(base + "/proposals/" + itoa(his.ID))
	if got := p.Doc.Find("main dd").First().Text(); !strings.Contains(got, "withdrawn "+cfp.FormatTime(*gone.WithdrawnAt, loc)) {
		t.Errorf("the withdrawn proposal's status: %q", got)
	}

	zone := his.CreatedAt.In(loc).Format("MST")
	for _, path := range []string{"/team", "/mail"} {
		p = b.get(base + path)
		cells := p.Doc.Find("table tbody tr td").Text()
		if p.Status != 200 || strings.Contains(cells, "UTC") || !strings.Contains(cells, " "+zone) {
			t.Errorf("%s does not give its times in the conference's zone (%s): %d %q", path, zone, p.Status, cells)
		}
	}
}
