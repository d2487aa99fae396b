package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/server"
)

// mailsTo waits for n messages to the address whose subject contains subject, and returns them
// oldest first.
func (ta *testApp) mailsTo(to, subject string, n int) []mail.DevMail {
	ta.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var found []mail.DevMail
	for time.Now().Before(deadline) {
		msgs, err := ta.devMailbox.DevMails(context.Background(), 500)
		if err != nil {
			ta.t.Fatal(err)
		}
		found = found[:0]
		for _, m := range msgs {
			if strings.Contains(m.To, "<"+to+">") && strings.Contains(m.Subject, subject) {
				found = append(found, m)
			}
		}
		if len(found) >= n {
			slices.SortFunc(found, func(a, b mail.DevMail) int { return int(a.ID - b.ID) })
			return found
		}
		time.Sleep(50 * time.Millisecond)
	}
	ta.t.Fatalf("%d mails to %s with subject containing %q arrived, want %d", len(found), to, subject, n)
	return nil
}

func (ta *testApp) emailOf(t *testing.T, id int64) string {
	t.Helper()
	var email string
	if err := ta.db.SQL.QueryRow(`SELECT email FROM users WHERE id = $1`, id).Scan(&email); err != nil {
		t.Fatal(err)
	}
	return email
}

// TestEmailChange follows a person who moves institution: the form's errors, the link to the new
// address (nothing changes before it is followed), the change itself, the notice to the old address,
// and logging in afterwards.
func TestEmailChange(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withEnv("CONTACT_EMAIL", "help@conf.example.org"))
	old, newEmail := uniqueEmail("amani.moving"), uniqueEmail("amani.moved")
	u := newUser(t, ta, old, "Amani Moving")
	taken := newUser(t, ta, uniqueEmail("taken.moving"), "Tak En")
	b := loggedIn(t, ta, old)

	if p := b.get("/account"); p.Doc.Find(`main a[href="/account/email"]`).Length() == 0 {
		t.Fatal("the account page has no way to change the address")
	}

	// The form's errors, each next to its field, what was typed kept (not the password).
	for _, c := range []struct{ email, password, field, want string }{
		{"", "", "email", "Enter your new email address."},
		{"", "", "password", "Enter your current password."},
		{"amani at home", strongPassword, "email", "Enter an email address like name@example.org."},
		{strings.ToUpper(old), strongPassword, "email", "This is already your account's address."},
		{taken.Email, strongPassword, "email", "An account already uses this email address."},
		{newEmail, "not my password", "password", "The password is incorrect."},
	} {
		p := b.post("/account/email", "/account/email", url.Values{"email": {c.email}, "password": {c.password}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError(c.field), c.want) {
			t.Errorf("%q / %q: %d, %s error %q, want %q", c.email, c.password, p.Status, c.field, p.fieldError(c.field), c.want)
		}
		if got := p.Doc.Find("#email").AttrOr("value", ""); got != c.email {
			t.Errorf("%q: the form comes back with %q", c.email, got)
		}
		if p.Doc.Find(".error-summary").Length() == 0 {
			t.Errorf("%q: no error summary", c.email)
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'account.email_change_wrong_password' AND actor_id = $1`, u.ID); n != 1 {
		t.Errorf("%d wrong passwords recorded, want 1", n)
	}

	p := b.post("/account/email", "/account/email", url.Values{"email": {" " + strings.ToUpper(newEmail)}, "password": {strongPassword}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/account/email" {
		t.Fatalf("request: %d to %q: %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	p = b.get("/account/email")
	if flash := p.Doc.Find(".flash, [role=status]").Text(); !strings.Contains(flash, "We have sent a link to "+newEmail) ||
		!strings.Contains(flash, "keeps using "+old) {
		t.Errorf("after asking, the page says %q", flash)
	}
	if got := p.Doc.Find("#pending strong").Text(); got != newEmail {
		t.Errorf("the pending change names %q, want %q", got, newEmail)
	}
	m := ta.waitMail(newEmail, "Confirm your new email address")
	link := linkIn(t, m, "/account/email/confirm?token=")
	if !strings.Contains(m.Text, "keeps using "+old) {
		t.Errorf("the confirmation mail does not say the old address stays in use:\n%s", m.Text)
	}

	// Nothing changes before the change is confirmed; the account page says what waits.
	if got := ta.emailOf(t, u.ID); got != old {
		t.Fatalf("the address is %q before the link was followed", got)
	}
	p = b.get("/account")
	if got := p.Doc.Find("#pending-email strong").Text(); got != newEmail {
		t.Errorf("the account page names the waiting address %q", got)
	}
	if p.Doc.Find(`#pending-email form[action="/account/email/resend"] button`).Length() != 1 ||
		p.Doc.Find(`#pending-email form[action="/account/email/cancel"] button`).Length() != 1 {
		t.Error("the account page offers no way to send the link again or cancel")
	}
	if p := ta.browser().post("/login", "/login", url.Values{"email": {newEmail}, "password": {strongPassword}}); p.Status != http.StatusUnauthorized {
		t.Errorf("log-in with the new address before confirming: %d", p.Status)
	}

	// Opening the link changes nothing (a mail scanner may be opening it): it shows the change and
	// asks for a press of its button. Opened in another browser, logged out.
	other := ta.browser()
	p = other.get(link)
	if p.Status != http.StatusOK || p.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("opening the link: %d, Referrer-Policy %q: %s", p.Status, p.Header.Get("Referrer-Policy"), p.problem())
	}
	if got := text(p.Doc.Find("main h1")); got != "Confirm your new email address" {
		t.Errorf("the link's page is headed %q", got)
	}
	if got := text(p.Doc.Find("main dl.facts")); !strings.Contains(got, old) || !strings.Contains(got, newEmail) {
		t.Errorf("the link's page names %q, want the old and the new address", got)
	}
	form := p.Doc.Find(`main form[method="post"][action="/account/email/confirm"]`)
	if form.Length() != 1 || form.Find(`input[name="_csrf"]`).Length() != 1 ||
		form.Find(`input[type="hidden"][name="token"]`).AttrOr("value", "") != secretOfChange(link) ||
		form.Find("button").Length() != 1 || !strings.Contains(text(form.Find("button")), newEmail) {
		t.Fatalf("the link's page has no form to confirm with its token, or its button does not say what it does:\n%s", p.Body)
	}
	for range 2 { // a scanner, then its reader
		if p := ta.browser().get(link); p.Status != http.StatusOK {
			t.Errorf("the link opened again before confirming: %d", p.Status)
		}
	}
	if got := ta.emailOf(t, u.ID); got != old {
		t.Fatalf("opening the link changed the address to %q", got)
	}
	p = other.post(link, "/account/email/confirm", url.Values{"token": {secretOfChange(link)}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login" {
		t.Fatalf("confirming: %d to %q: %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	if got := ta.emailOf(t, u.ID); got != newEmail {
		t.Fatalf("the users row has %q, want %q", got, newEmail)
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'account.email_changed' AND actor_id = $1 AND subject = $2
		AND details = $3`, u.ID, "user:"+itoa(u.ID), "from "+old+" to "+newEmail); n != 1 {
		t.Errorf("%d audit rows for the change, want 1", n)
	}
	notice := ta.waitMail(old, "email address of your Test Conferences account was changed")
	if !strings.Contains(notice.Text, newEmail) || !strings.Contains(notice.Text, "help@conf.example.org") {
		t.Errorf("the notice to the old address:\n%s", notice.Text)
	}
	if got := other.get("/login").Doc.Find(".flash, [role=status]").Text(); !strings.Contains(got, "Your email address is now "+newEmail) {
		t.Errorf("after following the link, the log-in page says %q", got)
	}

	// Log-in is by the new address; the session already open stays.
	if p := ta.browser().post("/login", "/login", url.Values{"email": {old}, "password": {strongPassword}}); p.Status != http.StatusUnauthorized {
		t.Errorf("log-in with the old address: %d", p.Status)
	}
	if p := ta.browser().post("/login", "/login", url.Values{"email": {strings.ToUpper(newEmail)}, "password": {strongPassword}}); p.Status != http.StatusSeeOther {
		t.Errorf("log-in with the new address: %d %s", p.Status, p.problem())
	}
	p = b.get("/account")
	if p.Status != http.StatusOK || !strings.Contains(p.Doc.Find("main dl").Text(), newEmail) || p.Doc.Find("#pending-email").Length() != 0 {
		t.Errorf("the open session's account page: %d, %q", p.Status, p.Doc.Find("main dl").Text())
	}
	// The link opened again, or its button pressed again, lands well.
	if p := b.get(link); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/account" {
		t.Errorf("the link opened again: %d to %q", p.Status, p.Header.Get("Location"))
	}
	if p := b.post("/account", "/account/email/confirm", url.Values{"token": {secretOfChange(link)}}); p.Status != http.StatusSeeOther ||
		p.Header.Get("Location") != "/account" {
		t.Errorf("confirmed again: %d to %q: %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'account.email_changed' AND actor_id = $1`, u.ID); n != 1 {
		t.Errorf("%d changes recorded after confirming twice, want 1", n)
	}
}

// secretOfChange is the secret of a link confirming a new address.
func secretOfChange(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return u.Query().Get("token")
}

// TestEmailChangeRefusedLinks: a replaced, cancelled or expired link, and one for an address taken
// since, each says why on a page of its own, and the address stays.
func TestEmailChangeRefusedLinks(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	old := uniqueEmail("ngozi.staying")
	u := newUser(t, ta, old, "Ngozi Staying")
	b := loggedIn(t, ta, old)
	ask := func(to string) {
		t.Helper()
		p := b.post("/account/email", "/account/email", url.Values{"email": {to}, "password": {strongPassword}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("request: %d %s", p.Status, p.problem())
		}
	}
	refused := func(link string, status int, want string) {
		t.Helper()
		p := ta.browser().get(link)
		if p.Status != status || !strings.Contains(p.problem(), want) || p.Doc.Find(`main a[href="/account/email"]`).Length() == 0 {
			t.Errorf("%s: %d %q, want %d %q with a way to ask again", link, p.Status, p.problem(), status, want)
		}
		wantPage(t, link, p.Header, p.Body, "Confirm your new email address")
		if p.Doc.Find(`main form[action="/account/email/confirm"]`).Length() != 0 {
			t.Errorf("%s: a refused link's page offers to confirm", link)
		}
		// The button pressed on a page opened before the link stopped working says the same.
		b := ta.browser()
		if p := b.post("/login", "/account/email/confirm", url.Values{"token": {secretOfChange(link)}}); p.Status != status ||
			!strings.Contains(p.problem(), want) {
			t.Errorf("%s confirmed: %d %q, want %d %q", link, p.Status, p.problem(), status, want)
		}
		if got := ta.emailOf(t, u.ID); got != old {
			t.Fatalf("the address changed to %q", got)
		}
	}

	// Sent again: the first link stops working.
	first := uniqueEmail("ngozi.first")
	ask(first)
	p := b.post("/account/email", "/account/email/resend", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("send again: %d %s", p.Status, p.problem())
	}
	links := ta.mailsTo(first, "Confirm your new email address", 2)
	refused(linkIn(t, links[0], "/account/email/confirm"), http.StatusUnprocessableEntity, "a newer link was sent")

	// A second request to another address replaces the first.
	second := uniqueEmail("ngozi.second")
	ask(second)
	refused(linkIn(t, links[1], "/account/email/confirm"), http.StatusUnprocessableEntity, "a newer link was sent")

	// Cancelled.
	p = b.post("/account", "/account/email/cancel", url.Values{})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/account" {
		t.Fatalf("cancel: %d %s", p.Status, p.problem())
	}
	if b.get("/account").Doc.Find("#pending-email").Length() != 0 {
		t.Error("a cancelled change still shows as waiting")
	}
	refused(linkIn(t, ta.waitMail(second, "Confirm your new email address"), "/account/email/confirm"), http.StatusUnprocessableEntity, "cancelled")

	// Expired.
	third := uniqueEmail("ngozi.third")
	ask(third)
	if _, err := ta.db.SQL.Exec(`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND purpose = 'change_email'`, u.ID); err != nil {
		t.Fatal(err)
	}
	refused(linkIn(t, ta.waitMail(third, "Confirm your new email address"), "/account/email/confirm"), http.StatusUnprocessableEntity, "expired")
	if b.get("/account").Doc.Find("#pending-email").Length() != 0 {
		t.Error("an expired change still shows as waiting")
	}

	// Taken by a new account between asking and confirming.
	fourth := uniqueEmail("ngozi.fourth")
	ask(fourth)
	newUser(t, ta, fourth, "Quick Taker")
	refused(linkIn(t, ta.waitMail(fourth, "Confirm your new email address"), "/account/email/confirm"), http.StatusConflict,
		"Another account has used "+fourth)

	refused("/account/email/confirm?token=nonsense", http.StatusUnprocessableEntity, "not valid")
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'account.email_changed' AND actor_id = $1`, u.ID); n != 0 {
		t.Errorf("%d changes recorded, want none", n)
	}
}

// TestEmailChangePasswordLimited: the password on the change form is guessed no faster than at
// log-in, and the attempts count together.
func TestEmailChangePasswordLimited(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withLimits(server.RateLimits{LoginPerIP: generous, LoginPerAccount: server.Limit{Burst: 3, Every: time.Hour}}))
	email := uniqueEmail("guessed")
	newUser(t, ta, email, "Guessed")
	b := loggedIn(t, ta, email) // the first attempt
	for i := range 2 {
		if p := b.post("/account/email", "/account/email", url.Values{"email": {uniqueEmail("elsewhere")}, "password": {"guess " + itoa(int64(i))}}); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d %s", i, p.Status, p.problem())
		}
	}
	p := b.post("/account/email", "/account/email", url.Values{"email": {uniqueEmail("elsewhere")}, "password": {strongPassword}})
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" || !strings.Contains(p.problem(), "Too many attempts") {
		t.Errorf("fourth attempt: %d %q", p.Status, p.problem())
	}
	if p := ta.browser().post("/login", "/login", url.Values{"email": {email}, "password": {strongPassword}}); p.Status != http.StatusTooManyRequests {
		t.Errorf("log-in after the guesses: %d", p.Status)
	}
}

// TestEmailChangeAccessibility audits the pages of a change of address with axe-core.
func TestEmailChangeAccessibility(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	user := createUser(t, ta, "Mei Moving", uniqueEmail("mei.moving"), false)
	c.logIn(user, testPassword)
	c.open("/account/email")
	c.audit("/account/email")
	c.follow(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/account/email with errors")
	newEmail := uniqueEmail("mei.moved")
	c.do(chromedp.SendKeys(chromedp.ID("email"), newEmail), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	c.follow(pressEnter)
	c.wantText("#pending strong", newEmail)
	c.audit("/account/email waiting for confirmation")
	c.screenshot("account_email")
	c.open("/account")
	c.wantText("#pending-email strong", newEmail)
	c.audit("/account with a change waiting")
	c.screenshot("account_email_waiting")
	c.open("/account/email/confirm?token=bad")
	c.wantText(".error-summary", "not valid")
	c.audit("/account/email/confirm with a bad link")

	// The link, opened logged out (on another device, say), shows the change; the keyboard reaches
	// its one button, which says what it does, and Enter makes the change.
	link := strings.TrimPrefix(linkIn(t, ta.waitMail(newEmail, "Confirm your new email address"), "/account/email/confirm?token="), ta.URL)
	c.open("/account")
	c.logOut()
	c.open(link)
	c.wantText("main dl", newEmail)
	c.audit("/account/email/confirm")
	c.screenshot("email_confirm")
	const inForm = `document.activeElement.matches('form[action="/account/email/confirm"] button[type=submit]')`
	for range 30 {
		if c.is(inForm) {
			break
		}
		c.do(pressTab)
	}
	if !c.is(inForm) {
		t.Fatalf("Tab does not reach the button that confirms; it stops at %s", c.activeElement())
	}
	if name := get(c, chromedp.Evaluate[string](`document.activeElement.textContent.replace(/\s+/g, " ").trim()`)); name != "Use "+newEmail+" for my account" {
		t.Errorf("the focused button says %q", name)
	}
	c.follow(pressEnter)
	c.wantPath("/login")
	c.wantText(".flash, [role=status]", "Your email address is now "+newEmail)
	c.audit("/login after confirming a new address")
}

// TestEmailChangeMeetsInvitationsToTheNewAddress: a co-presenter moves to an address that
// invitations were sent to, one of them on a proposal they present already. That one goes with the
// change (the proposal lists them once, and its audit log says why); the invitation to another
// proposal stays, is listed for them, and they accept it with their account's new address.
func TestEmailChangeMeetsInvitationsToTheNewAddress(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	_, rosa := presenter(t, ta, "Rosa Diaz")
	_, ama := presenter(t, ta, "Ama Owusu")
	kofi, kofiOld := presenter(t, ta, "Kofi Mensah")
	kofiNew := uniqueEmail("kofi.work")
	invite := func(owner, ownerName string, id int64, name, to string) string {
		t.Helper()
		if _, err := ta.subs.Invite(ctx, principalOf(t, ta, owner), f.conf, id, name, to); err != nil {
			t.Fatalf("invite %s: %v", to, err)
		}
		return linkIn(t, ta.waitMail(to, ownerName+" invites you to co-present"), "/invitations/")
	}

	// Kofi presents Rosa's poster; Rosa also invited the address Kofi is moving to. Ama invited it to
	// her own poster.
	shared := submitPosterAs(t, ta, f, rosa, "Mentors who listen")
	if _, err := ta.subs.AnswerInvitation(ctx, principalOf(t, ta, kofiOld), secretOf(invite(rosa, "Rosa Diaz", shared.ID, "Kofi Mensah", kofiOld)), true); err != nil {
		t.Fatal(err)
	}
	twice := invite(rosa, "Rosa Diaz", shared.ID, "Kofi at work", kofiNew)
	other := submitPosterAs(t, ta, f, ama, "Rounds without hierarchy")
	pending := invite(ama, "Ama Owusu", other.ID, "Kofi Mensah", kofiNew)

	// Kofi moves, confirming from the link's page.
	b := loggedIn(t, ta, kofiOld)
	if p := b.post("/account/email", "/account/email", url.Values{"email": {strings.ToUpper(kofiNew)}, "password": {strongPassword}}); p.Status != http.StatusSeeOther {
		t.Fatalf("request: %d %s", p.Status, p.problem())
	}
	link := linkIn(t, ta.waitMail(kofiNew, "Confirm your new email address"), "/account/email/confirm?token=")
	if p := b.post(link, "/account/email/confirm", url.Values{"token": {secretOfChange(link)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, p.problem())
	}

	// The poster Kofi presents lists Kofi once, by the new address; the invitation is gone, and its
	// link says so.
	got, err := ta.subs.Get(ctx, principalOf(t, ta, rosa), f.conf, shared.ID)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, x := range got.Presenters {
		listed = append(listed, x.Email+" "+string(x.Status))
	}
	if want := []string{rosa + " accepted", kofiNew + " accepted"}; !slices.Equal(listed, want) {
		t.Errorf("the shared poster lists %q, want %q", listed, want)
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'presenter.invitation_removed' AND subject = $1 AND actor_id = $2
		AND conference_id = $3 AND details LIKE $4`, "proposal:"+itoa(shared.ID), kofi.ID, f.conf.ID, kofiNew+":%"); n != 1 {
		t.Errorf("%d audit entries for the invitation taken off the shared poster, want 1", n)
	}
	if p := b.get(twice); p.Status != http.StatusNotFound {
		t.Errorf("the link of the invitation taken off: %d", p.Status)
	}

	// The invitation to the other poster stays: Kofi's proposals page lists it, and Kofi accepts it.
	if n := count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1 AND email = $2 AND status = 'invited'`, other.ID, kofiNew); n != 1 {
		t.Fatalf("%d invitations to %s on the other poster, want 1", n, kofiNew)
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'presenter.invitation_removed' AND subject = $1`, "proposal:"+itoa(other.ID)); n != 0 {
		t.Errorf("%d invitations recorded as taken off the other poster", n)
	}
	if got := text(b.get("/c/" + f.conf.Slug + "/proposals").Doc.Find("[aria-labelledby=invitations-title] li")); !strings.Contains(got, "Rounds without hierarchy") ||
		strings.Contains(got, "Mentors who listen") {
		t.Errorf("the invitations listed for Kofi: %q", got)
	}
	if p := b.post(pending, pending, url.Values{"answer": {"accept"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("accepting the other invitation: %d %s", p.Status, p.problem())
	}
	var status, email, invited string
	var user int64
	if err := ta.db.SQL.QueryRow(`SELECT status, email, coalesce(user_id, 0), coalesce(invited_email, '') FROM proposal_presenters
		WHERE proposal_id = $1 AND NOT is_owner`, other.ID).Scan(&status, &email, &user, &invited); err != nil {
		t.Fatal(err)
	}
	if status != "accepted" || email != kofiNew || user != kofi.ID || invited != "" {
		t.Errorf("the other poster's invitation: %s %s by %d (invited at %q)", status, email, user, invited)
	}
}

// TestEmailChangeAPI: the API shows the address and the change waiting, asks for a change with the
// form's checks (every error at once), and cancels it; the change is confirmed from the mailed link.
func TestEmailChangeAPI(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	old, newEmail := uniqueEmail("lin.api"), uniqueEmail("lin.moved")
	u := newUser(t, ta, old, "Lin Api")
	taken := newUser(t, ta, uniqueEmail("taken.api"), "Tak En")
	token, _ := apiToken(t, ta, old)
	const path = "/api/v1/me/email"
	show := func() reply {
		t.Helper()
		r := sendJSON(t, ta, http.MethodGet, path, token, "")
		if r.Status != http.StatusOK {
			t.Fatalf("GET: %d %s", r.Status, r.Body)
		}
		wantContract(t, http.MethodGet, path, r.Status, r.Body)
		return r
	}
	if r := show(); r.JSON["email"] != old || r.JSON["email_verified"] != true || r.JSON["pending"] != nil {
		t.Errorf("GET with nothing waiting: %s", r.Body)
	}
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		wantProblem(t, "anonymous "+method, sendJSON(t, ta, method, path, "", `{}`).apiResponse, http.StatusUnauthorized, "unauthenticated")
	}

	// Every error at once, each on its field.
	for _, c := range []struct {
		body string
		want map[string]string
	}{
		{`{}`, map[string]string{"email": "Enter your new email address.", "password": "Enter your current password."}},
		{`{"email":"lin at home","password":"not my password"}`, map[string]string{"email": "Enter an email address like name@example.org.",
			"password": "The password is incorrect."}},
		{fmt.Sprintf(`{"email":%q,"password":""}`, strings.Repeat("l", 250)+"@example.org"), map[string]string{
			"email": "at most 254 characters", "password": "Enter your current password."}},
		{fmt.Sprintf(`{"email":%q,"password":%q}`, strings.ToUpper(old), strongPassword), map[string]string{"email": "This is already your account's address."}},
		{fmt.Sprintf(`{"email":%q,"password":%q}`, taken.Email, strongPassword), map[string]string{"email": "An account already uses this email address."}},
		{fmt.Sprintf(`{"email":%q,"password":"wrong"}`, taken.Email), map[string]string{"password": "The password is incorrect."}},
		{`{"email":5,"password":true}`, map[string]string{"email": "", "password": ""}},
	} {
		r := sendJSON(t, ta, http.MethodPost, path, token, c.body)
		wantProblem(t, c.body, r.apiResponse, http.StatusUnprocessableEntity, "invalid")
		wantContract(t, http.MethodPost, path, r.Status, r.Body)
		errs, _ := r.JSON["errors"].([]any)
		if len(errs) != len(c.want) {
			t.Errorf("%s: %d field problems, want %d: %v", c.body, len(errs), len(c.want), errs)
		}
		for field, want := range c.want {
			if got := fieldDetail(r.apiResponse, field); got == "" || !strings.Contains(got, want) {
				t.Errorf("%s: %s says %q, want %q", c.body, field, got, want)
			}
		}
	}
	wantProblem(t, "an unknown member", sendJSON(t, ta, http.MethodPost, path, token, `{"email":"x@example.org","new_password":"x"}`).apiResponse,
		http.StatusBadRequest, "malformed")
	r := send(t, ta, http.MethodPost, path, strings.NewReader(`email=x`), "Authorization", "Bearer "+token, "Content-Type", "application/x-www-form-urlencoded")
	wantProblem(t, "a form body", r.apiResponse, http.StatusUnsupportedMediaType, "malformed")
	if ta.countMail(newEmail) != 0 || ta.emailOf(t, u.ID) != old {
		t.Fatal("a refused request mailed a link or changed the address")
	}

	// Asked: 202 with the change waiting; nothing changes yet.
	r = sendJSON(t, ta, http.MethodPost, path, token, fmt.Sprintf(`{"email":%q,"password":%q}`, " "+strings.ToUpper(newEmail), strongPassword))
	wantContract(t, http.MethodPost, path, r.Status, r.Body)
	pending, _ := r.JSON["pending"].(map[string]any)
	expires, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(pending["expires_at"]))
	if r.Status != http.StatusAccepted || r.JSON["email"] != old || pending["new_email"] != newEmail ||
		expires.Before(time.Now().Add(23*time.Hour)) || expires.After(time.Now().Add(25*time.Hour)) {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	first := linkIn(t, ta.waitMail(newEmail, "Confirm your new email address"), "/account/email/confirm?token=")
	if got := show(); !reflect.DeepEqual(got.JSON["pending"], r.JSON["pending"]) || ta.emailOf(t, u.ID) != old {
		t.Errorf("GET while the change waits: %s", got.Body)
	}

	// Cancelled: the link stops working; cancelling again is no error.
	for range 2 {
		r = sendJSON(t, ta, http.MethodDelete, path, token, "")
		if r.Status != http.StatusNoContent || r.Body != "" {
			t.Errorf("DELETE: %d %q", r.Status, r.Body)
		}
		wantContract(t, http.MethodDelete, path, r.Status, r.Body)
	}
	if got := show(); got.JSON["pending"] != nil {
		t.Errorf("GET after cancelling: %s", got.Body)
	}
	if p := ta.browser().get(first); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.problem(), "cancelled") {
		t.Errorf("the cancelled change's link: %d %q", p.Status, p.problem())
	}

	// Asked again and confirmed from the link's page, logged out: the API shows the new address.
	if r = sendJSON(t, ta, http.MethodPost, path, token, fmt.Sprintf(`{"email":%q,"password":%q}`, newEmail, strongPassword)); r.Status != http.StatusAccepted {
		t.Fatalf("POST again: %d %s", r.Status, r.Body)
	}
	link := ta.mailsTo(newEmail, "Confirm your new email address", 2)[1]
	confirm := linkIn(t, link, "/account/email/confirm?token=")
	if p := ta.browser().post(confirm, "/account/email/confirm", url.Values{"token": {secretOfChange(confirm)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, p.problem())
	}
	if got := show(); got.JSON["email"] != newEmail || got.JSON["pending"] != nil {
		t.Errorf("GET after the change: %s", got.Body)
	}
}

// TestEmailChangeAPILimited: the password given to the API is guessed no faster than at log-in,
// and the attempts count with the log-in's.
func TestEmailChangeAPILimited(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withLimits(server.RateLimits{LoginPerIP: generous, LoginPerAccount: server.Limit{Burst: 3, Every: time.Hour}}))
	email := uniqueEmail("api.guessed")
	newUser(t, ta, email, "Api Guessed")
	token, _ := apiToken(t, ta, email) // the first attempt
	const path = "/api/v1/me/email"
	for i := range 2 {
		r := sendJSON(t, ta, http.MethodPost, path, token, fmt.Sprintf(`{"email":%q,"password":"guess %d"}`, uniqueEmail("elsewhere"), i))
		wantProblem(t, "a guess", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	}
	r := sendJSON(t, ta, http.MethodPost, path, token, fmt.Sprintf(`{"email":%q,"password":%q}`, uniqueEmail("elsewhere"), strongPassword))
	wantProblem(t, "the fourth attempt", r.apiResponse, http.StatusTooManyRequests, "rate_limited")
	wantContract(t, http.MethodPost, path, r.Status, r.Body)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if p := ta.browser().post("/login", "/login", url.Values{"email": {email}, "password": {strongPassword}}); p.Status != http.StatusTooManyRequests {
		t.Errorf("log-in after the guesses: %d", p.Status)
	}
}

// TestEmailChangeAndAProposalsChangeDoNotDeadlock: a change of address confirmed while the same
// person's change of a proposal they present is under way (another tab) waits for it and is made,
// and the proposal's change, which refers to the person's account, is made too. The confirmation
// locks the proposals the person presents before their account's row, in the order every change of
// a proposal takes them; the other order deadlocked, and one side got a database error.
func TestEmailChangeAndAProposalsChangeDoNotDeadlock(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	u, email := presenter(t, ta, "Imani Brooks")
	prop := submitPosterAs(t, ta, f, email, "Grading that names its bias")
	newEmail := uniqueEmail("imani.new")
	if _, err := ta.accounts.RequestEmailChange(ctx, u, newEmail, strongPassword); err != nil {
		t.Fatal(err)
	}
	secret := secretOfChange(linkIn(t, ta.waitMail(newEmail, "Confirm your new email address"), "/account/email/confirm?token="))

	// The other tab's change: the proposal locked, as a save or an invitation locks it first.
	tab, err := ta.db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tab.Rollback() }()
	if _, err := tab.Exec(`SELECT 1 FROM proposals WHERE id = $1 FOR UPDATE`, prop.ID); err != nil {
		t.Fatal(err)
	}
	confirmed := make(chan error, 1)
	go func() {
		_, err := ta.accounts.ConfirmEmailChange(ctx, secret)
		confirmed <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); count(t, ta, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the confirmation never waited for the proposal")
		}
	}
	// Then it writes what refers to the person's account, as a save's revision and audit entry do.
	if _, err := tab.Exec(`INSERT INTO audit_log (actor_id, actor_email, action, subject) VALUES ($1, $2, 'proposal.saved', $3)`,
		u.ID, email, fmt.Sprintf("proposal:%d", prop.ID)); err != nil {
		t.Fatalf("the other tab's change: %v", err)
	}
	if err := tab.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-confirmed:
		if err != nil {
			t.Fatalf("the confirmation: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the confirmation did not finish")
	}
	if n := count(t, ta, `SELECT count(*) FROM users WHERE id = $1 AND email = $2`, u.ID, newEmail); n != 1 {
		t.Error("the address did not change")
	}
}
