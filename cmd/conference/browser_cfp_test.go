package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/submission"
)

// byName selects a form field by its name (ids such as "answers.plan" are not CSS ids).
func byName(name string) string { return fmt.Sprintf(`[name=%q]`, name) }

// TestBrowserSubmitterPath follows a submitter in Chromium from sign-up to withdrawal: draft, live
// word count, a co-presenter who accepts, submission and its receipt, an edit, the deadline
// passing, and withdrawal; with the accessibility audit on every page on the way.
func TestBrowserSubmitterPath(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	base := "/c/" + f.conf.Slug

	// The call, its guide and FAQ, to a visitor.
	c.open(base)
	c.wantText(".deadline-panel", "Open for proposals until")
	if got := get(c, chromedp.Evaluate[string](`document.querySelector("[data-local-time]").textContent`)); !strings.HasPrefix(got, " (your time") {
		t.Errorf("the deadline in the viewer's time zone: %q", got)
	}
	if got := get(c, chromedp.Evaluate[string](`document.querySelector("[data-countdown]").textContent`)); !strings.HasPrefix(got, "Closes in ") || !strings.Contains(got, " days, ") {
		t.Errorf("the countdown says %q", got)
	}
	c.audit("call page")
	c.open(base + "/guide")
	c.wantText("main h2", "How your proposal is reviewed")
	c.audit("guide")
	c.open(base + "/faq")
	c.audit("FAQ")

	// Sign up, confirm by mail, complete the profile.
	email, name := uniqueEmail("imani.browser"), "Imani Washington"
	c.open("/signup")
	c.do(chromedp.SendKeys(chromedp.ID("name"), name), chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), testPassword))
	c.follow(pressEnter)
	c.open(strings.TrimPrefix(linkIn(t, ta.waitMail(email, "Confirm your email"), "/verify?token="), ta.URL))
	c.logIn(email, testPassword)
	c.open("/account/profile")
	c.do(chromedp.Click(chromedp.CSS(`input[name=participant_role][value=medical_student]`)),
		chromedp.SendKeys(chromedp.ID("institution"), "Southside Health Equity Coalition"),
		chromedp.SendKeys(chromedp.ID("bio"), "Imani is a third-year medical student and community organizer."))
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText(".flash", "Your profile is saved")

	// A workshop draft: choose the format, watch the word count, save.
	c.open(base)
	c.follow(chromedp.Click(chromedp.CSS(`main a[href="` + base + `/proposals/new"]`)))
	c.wantText("h1", "Start a proposal")
	c.audit("format choice")
	c.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=format][value="%d"]`, f.formats["Workshop"].ID))))
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText("h1", "New workshop")
	c.audit("new proposal form")
	c.do(chromedp.SendKeys(chromedp.ID("title"), "Rewriting evaluations without bias"),
		chromedp.SendKeys(chromedp.ID("abstract"), "Participants rewrite real evaluations together."))
	c.do(chromedp.Poll[chromedp.Void](`document.querySelector('[data-word-count="abstract"] [data-words]').textContent === "5"`, chromedp.WithPollingTimeout(5*time.Second)))
	// Counted as the server counts: a number written as a symbol (½, ①, Ⅳ) is not a word.
	c.do(chromedp.SendKeys(chromedp.ID("abstract"), " ½ ① Ⅳ x²"))
	c.do(chromedp.Poll[chromedp.Void](`document.querySelector('[data-word-count="abstract"] [data-words]').textContent === "`+
		fmt.Sprint(question.Words("Participants rewrite real evaluations together. ½ ① Ⅳ x²"))+`"`, chromedp.WithPollingTimeout(5*time.Second)))
	c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	c.wantText(".flash", "Your draft is saved")
	c.wantText("#todo-title", "Before you can submit")
	draftPath := c.path()
	c.audit("draft page with what is missing")

	// Invite a co-presenter, who accepts in the same browser after logging in.
	coEmail := uniqueEmail("co.browser")
	c.do(chromedp.SendKeys(chromedp.ID("name"), "Tomás Ramírez"), chromedp.SendKeys(chromedp.ID("email"), coEmail))
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/presenters"] button`)))
	c.wantText(".flash", "An invitation is on its way to Tomás Ramírez")
	c.wantText(".presenters", "invited, no answer yet")
	invite := strings.TrimPrefix(linkIn(t, ta.waitMail(coEmail, "invites you to co-present"), "/invitations/"), ta.URL)
	c.logOut()
	c.open(invite)
	c.wantText("main", "To accept, log in or create an account")
	c.audit("invitation, logged out")
	createUser(t, ta, "Tomás Ramírez", coEmail, false)
	c.logIn(coEmail, testPassword)
	c.open(invite)
	c.audit("invitation, logged in")
	c.follow(chromedp.Click(chromedp.CSS(`button[name=answer][value=accept]`)))
	c.wantText(".flash", "You now co-present")
	if !strings.HasPrefix(c.path(), "/account/profile?next=") {
		t.Fatalf("after accepting, the co-presenter sees %s, want the profile form", c.path())
	}
	c.do(chromedp.Click(chromedp.CSS(`input[name=participant_role][value=faculty]`)),
		chromedp.SendKeys(chromedp.ID("institution"), "Independent"))
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantPath(draftPath)
	c.logOut()

	// The owner completes and submits; the receipt arrives.
	c.logIn(email, testPassword)
	c.open(draftPath + "/edit")
	c.do(chromedp.SetValue(chromedp.CSS(byName("track_id")), fmt.Sprint(f.tracks[2].ID)),
		chromedp.SendKeys(chromedp.CSS(byName("answers.objectives")), "Name biased phrases. Rewrite them with specific behaviour."),
		chromedp.SendKeys(chromedp.CSS(byName("answers.plan")), "Framing, cases in pairs, a rewrite, a debrief."),
		chromedp.Click(chromedp.CSS(`[name="answers.audience"][value="Faculty"]`)),
		chromedp.Click(chromedp.CSS(`[name="answers.size"][value="Up to 25"]`)),
		chromedp.SendKeys(chromedp.CSS(byName("answers.accessibility")), "Captions and cases shared in advance."))
	c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
	c.wantText(".flash", "Your proposal is submitted")
	c.wantText(".status", "Submitted")
	c.audit("submitted proposal")
	receipt := ta.waitMail(email, "Received: Rewriting evaluations without bias")
	if !strings.Contains(receipt.Text, "Name biased phrases") || !strings.Contains(receipt.Text, "Tomás Ramírez") {
		t.Errorf("the receipt lacks the proposal's copy:\n%s", receipt.Text)
	}
	ta.waitMail(coEmail, "Received: Rewriting evaluations without bias")

	// An edit after submitting names a presenter: saved, with advice about blind review.
	c.follow(chromedp.Click(chromedp.CSS(`main a[href="` + draftPath + `/edit"]`)))
	c.do(chromedp.SendKeys(chromedp.ID("abstract"), " Led by Imani Washington."))
	c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	c.wantText(".flash", "Your changes are saved")
	c.wantText("#warnings-title", "Advice about blind review")
	c.wantText(".history", "Version 4: saved by "+name)
	// The version names what changed and shows it word by word, taken out and put in.
	c.do(chromedp.Click(chromedp.CSS(`details.revision:first-child summary`)))
	c.wantText("details.revision[open] dl.changes ins", "Led by Imani Washington.")
	c.audit("history with a version's changes")

	// Two tabs: a save on top of a newer one keeps both texts apart.
	c.open(draftPath + "/edit")
	c.do(chromedp.SetValue(chromedp.CSS(`input[name=version]`), "1"), chromedp.SendKeys(chromedp.ID("title"), " (tab two)"))
	c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	c.wantText("#newer-title", "A newer version was saved meanwhile")
	c.audit("edit form with a newer version")
	c.do(chromedp.Clear(chromedp.ID("title")))
	c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	c.wantText(".error-summary", "Give your proposal a title.")
	c.audit("edit form with errors")

	// The dashboard.
	c.open(base + "/proposals")
	c.wantText("td .status", "Submitted")
	c.audit("your proposals")
	// On a phone's width, the table's words wrap whole: the table scrolls rather than break them.
	c.do(chromedp.EmulateViewport(390, 844))
	c.open(base + "/proposals")
	if broken := get(c, chromedp.Evaluate[[]string](brokenWordsJS)); len(broken) != 0 {
		t.Errorf("at 390 pixels wide, words of the proposals' table are broken across lines: %q", broken)
	}
	c.do(chromedp.EmulateViewport(1280, 900))

	// Removing a co-presenter is asked on a page of its own; going back changes nothing.
	c.open(draftPath)
	c.follow(chromedp.Click(chromedp.CSS(`.presenters a[href$="/remove"]`)))
	c.wantText("h1", "Remove ")
	c.audit("remove a co-presenter")
	c.follow(chromedp.Click(chromedp.CSS(`main form a`)))
	c.wantText(".presenters", "Tomás Ramírez")

	// The deadline passes while the page is open: it becomes read-only.
	call, _ := ta.calls.Call(context.Background(), f.conf)
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(context.Background(), organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{
		Opens: time.Now().Add(-72 * time.Hour).In(loc).Format(cfp.LocalLayout), Closes: time.Now().Add(-time.Minute).In(loc).Format(cfp.LocalLayout)}); err != nil {
		t.Fatal(err)
	}
	c.open(draftPath)
	c.wantText(".panel.warning", "The deadline has passed: this proposal is read-only.")
	c.audit("read-only proposal")

	// Withdrawal, confirmed.
	c.follow(chromedp.Click(chromedp.CSS(`main a[href="` + draftPath + `/withdraw"]`)))
	c.wantText("h1", "Withdraw “Rewriting evaluations without bias”?")
	c.audit("withdraw confirmation")
	c.follow(chromedp.Click(chromedp.CSS(`main button.danger`)))
	c.wantText(".flash", "The proposal is withdrawn")
	c.wantText("td .status", "Withdrawn")
	ta.waitMail(coEmail, "Withdrawn: Rewriting evaluations without bias")
}

// TestBrowserOrganizerPages audits the organizers' pages of the call in each state.
func TestBrowserOrganizerPages(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	if _, err := seedDemo(context.Background(), ta.app, f.conf.Slug, 8, 3, strongPassword); err != nil {
		t.Fatal(err)
	}
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	base := "/c/" + f.conf.Slug + "/manage"
	c.logIn(f.organizer, strongPassword)
	ws := f.formats["Workshop"]
	for _, path := range []string{"/proposals", "/call", "/tracks", "/formats", fmt.Sprintf("/formats/%d", ws.ID),
		fmt.Sprintf("/formats/%d/fields/plan", ws.ID), fmt.Sprintf("/formats/%d/fields/new", ws.ID), "/formats/new", "/extensions"} {
		c.open(base + path)
		c.audit(path)
	}
	c.open(base + "/proposals")
	c.follow(chromedp.Click(chromedp.CSS(`tbody a`)))
	c.wantText("h2", "History")
	c.audit("a proposal, for organizers")

	// Keyboard: the filters are a form; Enter in the search field applies them.
	c.open(base + "/proposals")
	c.do(chromedp.SendKeys(chromedp.ID("q"), "clerkship"))
	c.follow(pressEnter)
	if !strings.Contains(c.path(), "q=clerkship") {
		t.Errorf("searching by keyboard went to %s", c.path())
	}
	c.audit("a search")

	c.open(base + "/call")
	c.do(chromedp.SetValue(chromedp.ID("closes_at"), "2001-01-01T00:00"))
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText(".error-summary", "The call must close after it opens.")
	c.audit("call settings with errors")

	// The call changed meanwhile: the form comes back with what was typed and what is saved now.
	c.open(base + "/call")
	call, err := ta.calls.Call(context.Background(), f.conf)
	if err != nil {
		t.Fatal(err)
	}
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(context.Background(), organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{
		Opens: call.OpensAt.In(loc).Format(cfp.LocalLayout), Closes: call.ClosesAt.Add(24 * time.Hour).In(loc).Format(cfp.LocalLayout),
		ContactEmail: call.ContactEmail, IntroMD: call.IntroMD, GuideMD: call.GuideMD, FAQMD: call.FAQMD}); err != nil {
		t.Fatal(err)
	}
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText("#meanwhile-title", "Saved by someone else meanwhile")
	c.audit("call settings saved by someone else meanwhile")

	// A format whose rules changed after proposals were submitted says so.
	_, author := presenter(t, ta, "Amina Yusuf")
	long, _, err := ta.subs.Create(context.Background(), principalOf(t, ta, author), f.conf, submission.CreateInput{
		Content: posterOf(f, "Naming racism in the curriculum", strings.Repeat("We read the curriculum again. ", 6))})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ta.subs.Submit(context.Background(), principalOf(t, ta, author), f.conf, long.ID, 0); err != nil {
		t.Fatal(err)
	}
	poster := f.formats["Poster abstract"]
	if _, err := ta.calls.UpdateFormatFrom(context.Background(), organizerOf(t, ta, f), f.conf, poster.ID, poster.Version, func(x cfp.Format) cfp.FormatInput {
		return cfp.FormatInput{Name: x.Name, Description: x.Description, DurationMinutes: x.DurationMinutes, MaxPresenters: x.MaxPresenters,
			AbstractMaxWords: 20, Accepting: x.Accepting}
	}); err != nil {
		t.Fatal(err)
	}
	c.open(fmt.Sprintf("%s/formats/%d", base, poster.ID))
	c.wantText("#overruns-title", "Proposals submitted under other rules")
	c.audit("a format whose rules changed after submissions")

	c.open(base + "/extensions")
	c.do(chromedp.SendKeys(chromedp.ID("label"), "Invited panel"), chromedp.SetValue(chromedp.ID("expires_at"), "2031-01-01T12:00"))
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/links"] button`)))
	c.wantText("#new-link-title", "Invited panel")
	c.audit("a new access link")
	link := get(c, chromedp.Value(chromedp.ID("new-link")))
	c.logOut()
	c.open(strings.TrimPrefix(link, ta.URL))
	c.wantText("h1", "You are invited to propose")
	c.audit("an access link, logged out")

	// With a proposal started through it, the link's row offers to end the time it gave.
	_, email := presenter(t, ta, "Guest Panelist")
	if _, _, err := ta.subs.Create(context.Background(), principalOf(t, ta, email), f.conf, submission.CreateInput{
		Content: submission.Content{FormatID: ws.ID, Title: "An invited panel"}, AccessSecret: link[strings.LastIndex(link, "/")+1:]}); err != nil {
		t.Fatal(err)
	}
	c.logIn(f.organizer, strongPassword)
	c.open(base + "/extensions")
	c.wantText("tbody form:last-child button", "Withdraw and end its time")
	c.audit("an access link with a proposal started through it")
}

// TestBrowserInvitationStates audits the pages that say what cannot be done before anyone tries: the
// log-in page on the way to starting a proposal, a proposal full of presenters, and an invitation to
// a draft whose deadline passed, logged out and in.
func TestBrowserInvitationStates(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	ctx := context.Background()
	base := "/c/" + f.conf.Slug

	c.open(base + "/proposals/new")
	c.wantText("#why-log-in", "You need an account to propose a session.")
	c.audit("log in on the way to a proposal")

	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner := principalOf(t, ta, ownerEmail)
	content := posterOf(f, "Learning to listen", "What a year of listening taught us.")
	content.FormatID, content.Answers = f.formats["Personal narrative"].ID, nil
	prop, _, err := ta.subs.Create(ctx, owner, f.conf, submission.CreateInput{Content: content})
	if err != nil {
		t.Fatal(err)
	}
	coEmail := uniqueEmail("jordan.browser")
	if _, err := ta.subs.Invite(ctx, owner, f.conf, prop.ID, "Jordan Lee", coEmail); err != nil {
		t.Fatal(err)
	}
	invite := strings.TrimPrefix(linkIn(t, ta.waitMail(coEmail, "invites you to co-present"), "/invitations/"), ta.URL)
	c.logIn(ownerEmail, strongPassword)
	c.open(fmt.Sprintf("%s/proposals/%d", base, prop.ID))
	c.wantText("#presenters-full", "The proposal is full")
	c.audit("a proposal full of presenters")
	c.logOut()

	call, _ := ta.calls.Call(ctx, f.conf)
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(ctx, organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{
		Opens: time.Now().Add(-72 * time.Hour).In(loc).Format(cfp.LocalLayout), Closes: time.Now().Add(-time.Minute).In(loc).Format(cfp.LocalLayout)}); err != nil {
		t.Fatal(err)
	}
	c.open(invite)
	c.wantText("#cannot-accept h2", "The deadline has passed")
	c.audit("invitation past the deadline, logged out")
	createUser(t, ta, "Jordan Lee", coEmail, false)
	c.logIn(coEmail, testPassword)
	c.open(invite)
	c.wantText("#cannot-accept h2", "The deadline has passed")
	c.audit("invitation past the deadline, logged in")
}

// TestBrowserSendAgainAndARefusedForm audits a proposal full of presenters whose pending invitation
// can be sent again, before and after it is sent again by keyboard, and the form that comes back
// read-only when it is sent after the deadline passed.
func TestBrowserSendAgainAndARefusedForm(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	ctx := context.Background()
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner := principalOf(t, ta, ownerEmail)
	content := posterOf(f, "Learning to listen", "What a year of listening taught us.")
	content.FormatID, content.Answers = f.formats["Personal narrative"].ID, nil
	prop, _, err := ta.subs.Create(ctx, owner, f.conf, submission.CreateInput{Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.subs.Invite(ctx, owner, f.conf, prop.ID, "Jordan Lee", uniqueEmail("jordan.browser")); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID)

	c.logIn(ownerEmail, strongPassword)
	c.open(page)
	c.wantText("#presenters-full", "An invitation with no answer yet can still be sent again")
	c.audit("a full proposal with an invitation to send again")
	// Reached by keyboard, the button says whom it is for; Enter sends it.
	c.do(chromedp.Focus(chromedp.CSS(`ul.presenters form[action$="/invitation"] button`)))
	if name := get(c, chromedp.Evaluate[string](`(b => b.getAttribute("aria-label") || b.textContent.replace(/\s+/g, " ").trim())(document.activeElement)`)); name != "Send again the invitation to Jordan Lee" {
		t.Errorf("the focused button is named %q", name)
	}
	c.follow(pressEnter)
	c.wantPath(page)
	c.wantText(".flash", "The invitation is on its way to Jordan Lee")
	c.audit("an invitation sent again")

	// The form, left open while the deadline passes, is sent: it comes back read-only.
	c.open(page + "/edit")
	c.do(chromedp.SetValue(chromedp.ID("title"), "Learning to listen, revised"))
	call, _ := ta.calls.Call(ctx, f.conf)
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(ctx, organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{
		Opens: time.Now().Add(-72 * time.Hour).In(loc).Format(cfp.LocalLayout), Closes: time.Now().Add(-time.Minute).In(loc).Format(cfp.LocalLayout)}); err != nil {
		t.Fatal(err)
	}
	if status := c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`))); status != 403 {
		t.Errorf("a form sent after the deadline: %d", status)
	}
	c.wantText(".panel.warning", "Nothing was saved.")
	// What was typed and chosen is read-only, and each field is reached with the keyboard, to be read
	// and copied: the format chosen too.
	for _, id := range []string{"format_id", "title", "track_id", "abstract"} {
		c.do(chromedp.Focus(chromedp.ID(id)))
		if got := c.activeElement(); !strings.HasSuffix(got, "#"+id) || !c.is(`document.activeElement.readOnly`) {
			t.Errorf("the refused form's %s: the focus is on %s, read-only %v", id, got, c.is(`document.activeElement.readOnly`))
		}
	}
	if got := get(c, chromedp.Evaluate[string](`document.querySelector("#format_id").value`)); got != "Personal narrative" {
		t.Errorf("the refused form's format reads %q", got)
	}
	c.audit("a form refused after the deadline")
}

// TestBrowserFormatStoppedAndALaterDeadline audits a new proposal's form sent after its format
// stopped taking proposals, whose error summary leads by keyboard to the choice of another format,
// and the form of the format chosen with the answers it does not ask; then, after the call closed,
// the dashboard of a presenter whose proposal has a later deadline of its own.
func TestBrowserFormatStoppedAndALaterDeadline(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	ctx := context.Background()
	_, email := presenter(t, ta, "Amina Yusuf")
	submitted := submitPosterAs(t, ta, f, email, "Naming racism in the curriculum")
	ws, fc := f.formats["Workshop"], f.formats["Fireside chat"]

	c.logIn(email, strongPassword)
	c.open(fmt.Sprintf("/c/%s/proposals/new?format=%d", f.conf.Slug, ws.ID))
	c.do(chromedp.SendKeys(chromedp.ID("title"), "Responding to bias"), chromedp.SendKeys(byName("answers.plan"), "Cases, then practice."))
	if _, err := ta.calls.UpdateFormatFrom(ctx, organizerOf(t, ta, f), f.conf, ws.ID, ws.Version, func(x cfp.Format) cfp.FormatInput {
		return cfp.FormatInput{Name: x.Name, Description: x.Description, DurationMinutes: x.DurationMinutes, MaxPresenters: x.MaxPresenters,
			AbstractMaxWords: x.AbstractMaxWords, Fields: x.Fields}
	}); err != nil {
		t.Fatal(err)
	}
	if status := c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`))); status != 422 {
		t.Errorf("a format that stopped taking proposals: %d", status)
	}
	c.wantText("#format_id-error", "Workshop no longer takes new proposals")
	c.audit("a new proposal whose format stopped taking proposals")
	c.do(chromedp.Click(chromedp.CSS(`.error-summary a[href="#format_id"]`)))
	if got := c.activeElement(); got != "select#format_id" {
		t.Errorf("the summary's link puts the focus on %s", got)
	}
	c.do(chromedp.SetValue(chromedp.ID("format_id"), fmt.Sprint(fc.ID)))
	if status := c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`))); status != 200 {
		t.Errorf("another format chosen: %d", status)
	}
	c.wantText("h1", "New fireside chat")
	c.wantText("#kept-title + p + .field label", "Interactive plan and timeline")
	if !c.is(`document.querySelector("#kept-title + p + .field textarea").value === "Cases, then practice."`) {
		t.Error("the answer the fireside chat does not ask is not there to copy")
	}
	c.audit("the form of the format chosen instead, with answers to copy")

	// The call closes; the submitted proposal keeps a later deadline of its own.
	call, _ := ta.calls.Call(ctx, f.conf)
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(ctx, organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{
		Opens: time.Now().Add(-72 * time.Hour).In(loc).Format(cfp.LocalLayout), Closes: time.Now().Add(-time.Minute).In(loc).Format(cfp.LocalLayout)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ta.subs.Extend(ctx, organizerOf(t, ta, f), f.conf, submitted.ID, "2031-07-15T12:00"); err != nil {
		t.Fatal(err)
	}
	c.open("/c/" + f.conf.Slug + "/proposals")
	c.wantText(".deadline-panel", "Your proposal can still be changed until its own deadline:")
	c.wantText("tbody td", "Until Tuesday 15 July 2031, 12:00 EDT")
	c.audit("the dashboard after the call closed, with a proposal still to change")
}

// brokenWordsJS lists the words of the page's tables that the browser broke across lines.
const brokenWordsJS = `(() => {
	const broken = [];
	for (const td of document.querySelectorAll(".table-wrap td")) {
		const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
		for (let n; (n = walk.nextNode()); ) {
			for (const m of n.data.matchAll(/\S+/g)) {
				const r = document.createRange();
				r.setStart(n, m.index);
				r.setEnd(n, m.index + m[0].length);
				if (new Set(Array.from(r.getClientRects(), x => Math.round(x.top))).size > 1) broken.push(m[0]);
			}
		}
	}
	return broken;
})()`
