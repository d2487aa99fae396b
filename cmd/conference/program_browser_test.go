package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestProgramBrowser reads the public program in Chromium as an attendee in Berlin would: the views,
// search, a session page, the local times the script adds; then, signed in, stars a session and
// makes the agenda's calendar address. The accessibility audit runs on every public page.
func TestProgramBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newProgramFixture(t, ta)
	empty := regConf(t, ta, 0)
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	if _, err := chromedp.Call(c.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}

	c.open("/c/" + empty.Slug + "/program")
	c.wantText(".empty-program", "has not been published yet")
	c.audit("program not published yet")

	c.open("/c/" + f.conf.Slug)
	c.audit("conference page with its program")
	c.follow(chromedp.Click(chromedp.CSS(`main a.button[href$="/program"]`)))
	c.wantPath(f.path(""))
	c.audit("program by day")
	// The opening plenary at 09:00 in New York is 15:00 in Berlin.
	c.wantText("#session-1 .local-clock", "15:00")
	c.wantText("#session-1 .local-clock", "your time, Europe/Berlin")
	c.wantText("#session-1 .session-meta", "09:00")

	c.follow(chromedp.Click(chromedp.CSS(`nav[aria-label=Program] a[href$="?view=track"]`)))
	c.wantText(".program-group h2", "Community partnership and accountability")
	c.audit("program by track")
	c.follow(chromedp.Click(chromedp.CSS(`nav[aria-label=Program] a[href$="?view=format"]`)))
	c.wantText(".program-group h2", "Fireside chat")
	c.audit("program by format")

	c.do(chromedp.SendKeys(chromedp.ID("q"), "Priya Presenter"))
	c.follow(chromedp.Click(chromedp.CSS(`form[role=search] button`)))
	c.wantText("[role=status]", "1 session matches")
	c.audit("search results")
	ws := strconv.FormatInt(f.workshop.ID, 10)
	c.follow(chromedp.Click(chromedp.CSS(`#session-` + ws + ` h2 a`)))
	c.wantPath(sessionPath(f, f.workshop.ID))
	c.wantText(".presenters", "Priya Presenter")
	c.wantText(".join", "registered attendees")
	c.audit("session page")

	// Signed in: star the workshop from its page, see it in the agenda, make the calendar address.
	email := uniqueEmail("berlin")
	newUser(t, ta, email, "Bea Berlin")
	c.logIn(email, strongPassword)
	c.open(sessionPath(f, f.workshop.ID))
	c.follow(chromedp.Click(chromedp.CSS(`.actions form[action$="/star"] button`)))
	c.wantPath(sessionPath(f, f.workshop.ID))
	c.wantText(".flash", "is in your agenda")
	c.wantText(".actions form[action$='/unstar'] button", "In my agenda: remove")
	c.audit("session page, signed in")
	c.open(f.path(""))
	c.wantText("#session-"+ws, "In your agenda")
	c.audit("program, signed in")
	c.follow(chromedp.Click(chromedp.CSS(`nav[aria-label=Program] a[href$="/agenda"]`)))
	c.wantText(".session-card h2", f.workshop.Title)
	c.audit("my agenda")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/agenda/feed"] button`)))
	if u := c.attr("#feed-url", "value"); !strings.Contains(u, "/program/feeds/") {
		t.Fatalf("calendar address: %q", u)
	}
	c.audit("my agenda with its calendar address")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/agenda/feed/revoke"] button`)))
	if q := c.asked(); !strings.Contains(q, "Turn off your calendar address") {
		t.Errorf("turning the address off asks first: %q", q)
	}
	c.wantText(".flash", "calendar address is turned off")
}
