package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/chromedp/chromedp"
)

// dragJS drags the element matching from onto the element matching to, through the page's own drag
// and drop handlers: the events a person's drag makes (dragstart, dragover, drop, dragend), carrying
// one DataTransfer, as the browser dispatches them.
const dragJS = `(() => {
	const from = document.querySelector(%q), to = document.querySelector(%q);
	if (!from || !to) { return false; }
	const dt = new DataTransfer();
	const fire = (el, type) => el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
	fire(from, "dragstart");
	fire(to, "dragenter");
	fire(to, "dragover");
	fire(to, "drop");
	fire(from, "dragend");
	return true;
})()`

// TestBrowserSchedule builds a small program in Chromium: rooms and sessions on their forms, then
// proposals and sessions placed by drag and drop and by keyboard alone, each change announced and
// focus kept on what moved; then it publishes and checks the stored version. The accessibility audit
// runs on every page of the editor.
func TestBrowserSchedule(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newScheduleFixture(t, ta)
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	c.logIn(f.organizer, strongPassword)

	// Two rooms, typed and sent with Enter.
	c.open(f.manage + "/rooms")
	c.audit("rooms")
	for _, name := range []string{"Main stage", "Room B"} {
		c.do(chromedp.SendKeys(chromedp.ID("name"), name),
			chromedp.SendKeys(chromedp.ID("meeting_url"), "https://meet.example.org/"+strings.ReplaceAll(name, " ", "")))
		c.follow(pressEnter)
		c.wantText(".flash", "The room “"+name+"” is saved")
	}
	main, roomB := f.roomID(t, ta, "Main stage"), f.roomID(t, ta, "Room B")

	// Two sessions on the form; the first with a mistake the error summary names.
	c.open(f.sess + "/new")
	c.audit("new session")
	c.do(chromedp.SendKeys(chromedp.ID("title"), "Opening narratives"),
		chromedp.SetValue(chromedp.ID("kind"), "narrative"),
		chromedp.SetValue(chromedp.ID("start"), "2027-10-08T10:00"), chromedp.SetValue(chromedp.ID("end"), "2027-10-08T09:00"),
		chromedp.SetValue(chromedp.ID("room_id"), fmt.Sprint(main)))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".error-summary", "The session must end after it starts")
	if got := c.activeElement(); got != "div" {
		t.Errorf("focus after the failed save is on %s, want the error summary", got)
	}
	c.audit("a session with an error")
	c.do(chromedp.SetValue(chromedp.ID("end"), "2027-10-08T11:30"))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".flash", "The session “Opening narratives” is saved")
	c.open(fmt.Sprintf("%s/new?room=%d&start=2027-10-08T14:00", f.sess, roomB))
	c.do(chromedp.SendKeys(chromedp.ID("title"), "Afternoon posters"), chromedp.SetValue(chromedp.ID("kind"), "poster"))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".flash", "“Afternoon posters” is saved")
	opening, afternoon := f.sessionID(t, ta, "Opening narratives"), f.sessionID(t, ta, "Afternoon posters")

	editor := f.manage + "/schedule?day=2027-10-08"
	c.open(editor)
	c.audit("the schedule editor")

	// Drag and drop: Alice's proposal onto the opening; the afternoon session onto Main stage at 13:00.
	drag := func(from, to string) {
		t.Helper()
		c.do(chromedp.WaitVisible(chromedp.CSS(from)))
		if !c.is(fmt.Sprintf(dragJS, from, to)) {
			t.Fatalf("nothing to drag from %s to %s", from, to)
		}
	}
	drag(fmt.Sprintf("#unplaced-%d", f.pa), fmt.Sprintf("#session-%d", opening))
	c.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#session-%d #item-%d", opening, f.pa))))
	announced(c, "“Naming racism in the curriculum” is now in “Opening narratives”")
	if got := c.activeElement(); got != fmt.Sprintf("li#item-%d", f.pa) {
		t.Errorf("focus after the drop is on %s", got)
	}
	drag(fmt.Sprintf("#session-%d", afternoon), fmt.Sprintf(`td[data-drop-room="%d"][data-drop-start="2027-10-08T13:00"]`, main))
	c.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`td[data-drop-room="%d"][data-drop-start="2027-10-08T13:00"] #session-%d`, main, afternoon))))
	announced(c, "“Afternoon posters” moved to Fri 8 Oct 13:00–14:00 EDT, Main stage")
	// A placed proposal dropped on the unplaced list leaves its session.
	drag(fmt.Sprintf("#item-%d", f.pa), ".unplaced")
	c.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#unplaced-%d", f.pa))))
	announced(c, "taken out of “Opening narratives”")
	drag(fmt.Sprintf("#unplaced-%d", f.pa), fmt.Sprintf("#session-%d", opening))
	c.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#session-%d #item-%d", opening, f.pa))))

	// By keyboard: choose the session for Ben's proposal, Tab to Place, Enter.
	sel := fmt.Sprintf("#place-%d", f.pb)
	c.do(chromedp.Focus(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), fmt.Sprint(afternoon)), pressTab)
	if got := c.activeElement(); got != "button" {
		t.Fatalf("Tab from the session choice lands on %s", got)
	}
	c.do(pressEnter, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#session-%d #item-%d", afternoon, f.pb))))
	announced(c, "“Community voices in admissions” is now in “Afternoon posters”")
	if got := c.activeElement(); got != fmt.Sprintf("li#item-%d", f.pb) {
		t.Errorf("focus after placing by keyboard is on %s", got)
	}
	// And move the opening session by keyboard: open its Move control, type the new start, Enter.
	summary := fmt.Sprintf("#session-%d details.move summary", opening)
	c.do(chromedp.Focus(chromedp.CSS(summary)), pressEnter)
	start := fmt.Sprintf("#move-start-%d", opening)
	c.do(chromedp.WaitVisible(chromedp.CSS(start)), chromedp.SetValue(chromedp.CSS(start), "2027-10-08T09:00"), chromedp.Focus(chromedp.CSS(start)), pressEnter)
	c.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`td[data-drop-start="2027-10-08T09:00"] #session-%d`, opening))))
	announced(c, "“Opening narratives” moved to Fri 8 Oct 09:00–10:30 EDT, Main stage")
	if got := c.activeElement(); got != fmt.Sprintf("article#session-%d", opening) {
		t.Errorf("focus after moving by keyboard is on %s", got)
	}
	// A move onto a taken slot is allowed and shown as a conflict, in words.
	c.audit("the editor after changes")

	// Without JavaScript the same forms work: the page reloads with the flash.
	c.open(f.manage + "/schedule/conflicts")
	c.wantText("main", "No conflicts")
	c.audit("conflicts")

	c.open(f.manage + "/schedule/publish")
	c.audit("publish")
	c.wantText(".changes", "“Opening narratives” added")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/schedule/publish"] button`)))
	c.wantText(".flash", "Version 1 of the program is published")
	c.wantText("main table", "1")
	var prog string
	if err := ta.db.SQL.QueryRow(`SELECT program::text FROM program_versions WHERE conference_id = $1 AND version = 1`, f.conf.ID).Scan(&prog); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Opening narratives", "Afternoon posters", "Naming racism in the curriculum", "Community voices in admissions", `"start": "2027-10-08T13:00:00Z"`} {
		if !strings.Contains(prog, want) {
			t.Errorf("the published program lacks %s: %s", want, prog)
		}
	}
	c.follow(chromedp.Click(chromedp.CSS(`a[href$="/schedule/versions/1"]`)))
	c.wantText("h1", "Program version 1")
	c.audit("a published version")
	// What was published is what the public reads: the program page and the feeds.
	c.open("/c/" + f.slug + "/program")
	c.wantText("main", "Opening narratives")
	c.wantText("main", "Naming racism in the curriculum")
	c.audit("the public program after publishing")
	feed := ta.browser().get("/c/" + f.slug + "/program/calendar.ics")
	if feed.Status != http.StatusOK {
		t.Fatalf("the program's feed: %d", feed.Status)
	}
	var summaries []string
	for _, ev := range parseICS(t, feed.Body).Events() {
		if p := ev.GetProperty(ics.ComponentPropertySummary); p != nil {
			summaries = append(summaries, p.Value)
		}
	}
	if !slices.Contains(summaries, "Opening narratives") || !slices.Contains(summaries, "Afternoon posters") {
		t.Errorf("the feed's events: %q", summaries)
	}
	if xml := ta.browser().get("/c/" + f.slug + "/program/schedule.xml"); xml.Status != http.StatusOK || !strings.Contains(xml.Body, "Community voices in admissions") {
		t.Errorf("the frab export: %d", xml.Status)
	}
	c.open(fmt.Sprintf("%s/%d", f.sess, opening))
	c.audit("edit a session")
	c.do(chromedp.SendKeys(chromedp.ID("chairs"), f.chair))
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/sessions/` + fmt.Sprint(opening) + `"] button[type=submit]`)))
	c.wantText(".flash", "“Opening narratives” is saved")
	c.logOut()

	// The chair finds the session from the conference page and reads what attendees need.
	c.logIn(f.chair, strongPassword)
	c.open("/c/" + f.slug)
	c.follow(chromedp.Click(chromedp.CSS(`a[href$="/hosting"]`)))
	c.wantText(".hosted", "Opening narratives")
	c.wantText(".hosted", "Naming racism in the curriculum")
	c.audit("sessions a chair hosts")
}

// announced waits for the editor's live region to say want.
func announced(c *chromium, want string) {
	c.t.Helper()
	js := fmt.Sprintf(`(document.getElementById("editor-status") || {}).textContent.includes(%q)`, want)
	for i := 0; i < 100; i++ {
		if c.is(js) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("the editor never announced %q; it says %q", want, get(c, chromedp.Evaluate[string](`document.getElementById("editor-status").textContent`)))
}

// TestBrowserOrganizerFormsWithEveryError sends the forms of a room, a session, the review
// settings, reviewer invitations, a notice and a workshop in Chromium with several mistakes at once:
// each page names them all in its error summary, each link of which leads to its field, and passes
// the accessibility audit.
func TestBrowserOrganizerFormsWithEveryError(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newScheduleFixture(t, ta)
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	c.logIn(f.organizer, strongPassword)
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, form := range []struct {
		path   string
		values map[string]string // by element id, each a value its input takes
		want   int               // errors in the summary
	}{
		{"/rooms", map[string]string{"name": long(801), "meeting_url": "zoom meeting", "capacity": "lots"}, 3},
		{"/schedule/sessions/new", map[string]string{"title": long(1201), "start": "2027-10-08T10:00", "end": "2027-10-08T09:00", "chairs": "nobody@example.invalid"}, 4},
		{"/review", map[string]string{"bidding_opens_at": "2027-08-01T10:00", "bidding_closes_at": "2027-07-01T10:00", "reminder_hours": "5000",
			"not_preferred_cap": "5000"}, 3},
		{"/reviewers", map[string]string{"invitees": "Rita Reviewer, no address", "message": long(8001)}, 2},
		{"/decisions/templates/accept", map[string]string{"subject": long(2001), "body": "Dear {{nmae}}"}, 2},
		{"/workshops", map[string]string{"title": long(401), "capacity": "0", "starts_at": "2027-10-08T14:00", "ends_at": "2027-10-08T13:00"}, 3},
	} {
		c.open(f.manage + form.path)
		for id, v := range form.values {
			c.do(chromedp.SetValue(chromedp.ID(id), v))
		}
		c.follow(chromedp.Click(chromedp.CSS(`main form[novalidate] button[type=submit]`)))
		c.wantText(".error-summary h2", "There is a problem")
		hrefs := get(c, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".error-summary li a")].map(a => a.getAttribute("href"))`))
		if len(hrefs) != form.want {
			t.Errorf("%s: the summary links to %v, want %d fields", form.path, hrefs, form.want)
		}
		for _, href := range hrefs {
			if !get(c, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.getElementById(%q)`, strings.TrimPrefix(href, "#")))) {
				t.Errorf("%s: the summary links to %s, which the page does not have", form.path, href)
			}
		}
		c.audit(form.path + " with every error")
	}
}
