package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
)

// acceptConfirms makes the page's "are you sure?" questions answer yes, as a person clicking OK would.
func (c *chromium) acceptConfirms() {
	c.t.Helper()
	c.do(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
}

// TestBrowserRegistration follows a person in the browser from registering to confirming to
// cancelling, and the person on the waitlist who is offered the freed place and takes it; the
// accessibility audit runs on each page on the way.
func TestBrowserRegistration(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 1)
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	email := uniqueEmail("zola.browser")

	c.open("/c/" + conf.Slug)
	c.follow(chromedp.Click(chromedp.CSS(`main a.button[href$="/register"]`)))
	c.wantText("h1", "Register for "+conf.Name)
	// Only some fields, then Enter: the summary takes the focus and what was typed stays.
	c.do(chromedp.SendKeys(chromedp.ID("name"), "Zola Nkosi"), chromedp.SendKeys(chromedp.ID("email"), email))
	if status := c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`))); status != http.StatusUnprocessableEntity {
		t.Errorf("incomplete registration answered %d", status)
	}
	c.wantText(".error-summary h2", "There is a problem")
	if !c.is(`document.activeElement === document.querySelector(".error-summary")`) {
		t.Errorf("the summary does not have the focus; %s has", c.activeElement())
	}
	if got := get(c, chromedp.Value(chromedp.ID("email"))); got != email {
		t.Errorf("the address typed is gone: %q", got)
	}
	c.audit("/c/<slug>/register with errors")
	// Following the summary's link to the role lands in the group.
	c.do(chromedp.Click(chromedp.CSS(`.error-summary a[href="#participant_role"]`)))
	if got := c.activeElement(); !strings.HasPrefix(got, "input#participant_role-") {
		t.Errorf("the summary's link focused %s, want a role", got)
	}
	c.do(chromedp.Click(chromedp.CSS(`label[for="participant_role-2"]`)),
		chromedp.SendKeys(chromedp.ID("institution"), "University of Cape Town"),
		chromedp.Click(chromedp.CSS(`input[name="accommodations"][value="captions"] + label`)),
		chromedp.Click(chromedp.CSS(`input[name="demographics.race_ethnicity"][value="Black or African American"] + label`)),
		chromedp.Click(chromedp.CSS(`label[for="consent"]`)))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantPath("/c/" + conf.Slug + "/register/sent")
	c.wantText("main .lead strong", email)
	c.audit("/c/<slug>/register/sent")

	// The confirmation mail, read in the development mailbox: a button confirms.
	m := ta.waitMail(email, "Confirm your registration")
	c.open(fmt.Sprintf("/dev/mailbox/%d", m.ID))
	c.follow(chromedp.Click(chromedp.CSS(`ul.links a[href*="/register/confirm?token="]`)))
	c.wantText("h1", "Confirm your registration")
	c.audit("/c/<slug>/register/confirm")
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantPath("/c/" + conf.Slug + "/registration")
	c.wantText(".flash", "Your registration is confirmed")
	c.wantText("#join-title", "How to join")
	if !c.is(fmt.Sprintf(`!!document.querySelector('main a[href=%q]')`, meetingLink)) {
		t.Error("the meeting link is not on the page")
	}
	c.audit("/c/<slug>/registration, registered")
	confirmed := ta.waitMail(email, "You are registered")
	c.open(fmt.Sprintf("/dev/mailbox/%d", confirmed.ID))
	c.wantText("main", conf.Slug+".ics")
	c.audit("/dev/mailbox/<id> with an attachment")

	// Someone else registers meanwhile and waits.
	waiting := uniqueEmail("wren.waiting")
	registerConfirmed(t, ta, conf, "Wren Waiting", waiting)
	if r := regOf(t, ta, conf, waiting); r.Status != "waitlisted" {
		t.Fatalf("the second person: %+v", r)
	}

	// Zola cancels: the place passes to Wren by an offer.
	c.open("/c/" + conf.Slug + "/registration")
	c.acceptConfirms()
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/registration/cancel"] button`)))
	c.wantText(".flash", "Your registration is cancelled")
	c.wantText("#standing-title + p", "cancelled")
	c.audit("/c/<slug>/registration, cancelled")
	if r := regOf(t, ta, conf, email); r.Status != "cancelled" {
		t.Errorf("after cancelling in the browser: %+v", r)
	}

	// Wren follows the offer's link, in this browser, and takes the place.
	offer := ta.waitMail(waiting, "is yours to take")
	c.open(fmt.Sprintf("/dev/mailbox/%d", offer.ID))
	c.follow(chromedp.Click(chromedp.CSS(`ul.links a[href*="/registration?token="]`)))
	c.wantPath("/c/" + conf.Slug + "/registration")
	c.wantText("#standing-title + p", "A place is yours to take until")
	c.audit("/c/<slug>/registration, offered")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/registration/accept"] button`)))
	c.wantText(".flash", "The place is yours")
	c.wantText("#join-title", "How to join")
	if r := regOf(t, ta, conf, waiting); r.Status != "registered" {
		t.Errorf("wren after taking the place: %+v", r)
	}
	if n := placesTaken(t, ta, conf); n != 1 {
		t.Errorf("places taken %d, want 1", n)
	}
	c.screenshot("registration-offer-taken")
}

// TestRegistrationAccessibility runs axe-core on every registration page, in each state a person can
// meet it in: empty, with errors, filled in, closed, full; for attendees, signed-in people and
// organizers.
func TestRegistrationAccessibility(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 2, question.Question{ID: "meal", Label: "Will you join the virtual shared meal?", Kind: question.SingleChoice,
		Options: []string{"Yes", "No"}},
		question.Question{ID: "hopes", Label: "What do you hope to take away?", Kind: question.LongText, MaxWords: 100})
	slug := conf.Slug
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	orgEmail := newOrganizer(t, ta, conf)
	token, _ := apiToken(t, ta, orgEmail)
	r := sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+slug+"/workshops", token,
		`{"title":"Community partnership clinic","description":"Bring *one* question.","capacity":1,"starts_at":"2027-06-01T13:00","ends_at":"2027-06-01T14:00"}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("workshop: %d %v", r.Status, r.JSON)
	}
	workshop := int64(r.JSON["id"].(float64))

	// Anonymous visitors.
	for _, path := range []string{"/c/" + slug, "/c/" + slug + "/register", "/c/" + slug + "/register/sent", "/c/" + slug + "/registration",
		"/c/" + slug + "/register/confirm?token=bad", "/c/" + slug + "/registration?token=bad"} {
		c.open(path)
		c.audit(path)
	}
	c.open("/c/" + slug + "/register")
	c.do(chromedp.SendKeys(chromedp.ID("name"), "Ana Lima"), chromedp.SendKeys(chromedp.ID("email"), "not an address"),
		chromedp.Click(chromedp.CSS(`input[name="answers.meal"][value="No"] + label`)),
		chromedp.Click(chromedp.CSS(`input[name="accommodations"][value="other"] + label`)),
		chromedp.Click(chromedp.CSS(`input[name="demographics.disability"][value="No"] + label`)),
		typeLong(`textarea[id="answers.hopes"]`, strings.Repeat("ideas ", 119)+"ideas"))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/c/<slug>/register filled in, with errors")
	c.open("/c/" + slug + "/registration")
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/c/<slug>/registration, asking for a link without an address")

	// A registrant: held place, then confirmed, with a workshop; their details with errors; on the
	// waitlist; offered.
	email := uniqueEmail("audit.reg")
	c.open("/c/" + slug + "/register")
	c.do(chromedp.SendKeys(chromedp.ID("name"), "Audit Registrant"), chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.Click(chromedp.CSS(`label[for="participant_role-4"]`)), chromedp.SendKeys(chromedp.ID("institution"), "Xavier"),
		chromedp.Click(chromedp.CSS(`input[name="answers.meal"][value="Yes"] + label`)),
		chromedp.Click(chromedp.CSS(`input[name="workshops"] + label`)), chromedp.Click(chromedp.CSS(`label[for="consent"]`)))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantPath("/c/" + slug + "/register/sent")
	link := linkIn(t, ta.waitMail(email, "Confirm your registration"), "/register/confirm?token=")
	c.follow(chromedp.Navigate(link))
	c.audit("/c/<slug>/register/confirm")
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".flash", "confirmed")
	c.audit("/c/<slug>/registration, registered with a workshop, flash")
	c.do(chromedp.Clear(chromedp.ID("name")))
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/registration/details"] button`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/c/<slug>/registration, details with errors")
	c.open("/c/" + slug + "/registration")
	c.do(chromedp.Click(chromedp.CSS(`details > summary`)), chromedp.Click(chromedp.CSS(`input[name="demographics.race_ethnicity"][value="Asian"] + label`)),
		chromedp.Click(chromedp.CSS(`input[name="demographics.race_ethnicity"][value="`+registration.PreferNotOption+`"] + label`)))
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/registration/demographics"] button`)))
	c.wantText(".error-summary h2", "There is a problem")
	c.audit("/c/<slug>/registration, demographic answers with errors")

	// Full: the waitlist, then an offer.
	registerConfirmed(t, ta, conf, "Second Place", uniqueEmail("second"))
	waiting := uniqueEmail("audit.waiting")
	registerConfirmed(t, ta, conf, "Third Waiting", waiting)
	c.open("/c/" + slug + "/register")
	c.audit("/c/<slug>/register when full")
	if err := ta.regs.Cancel(context.Background(), conf, regOf(t, ta, conf, email).ID); err != nil {
		t.Fatal(err)
	}
	offerLink := linkIn(t, ta.waitMail(waiting, "is yours to take"), "/registration?token=")
	c.follow(chromedp.Navigate(offerLink))
	c.audit("/c/<slug>/registration, offered")
	c.open("/c/" + slug + "/registration")
	c.audit("/c/<slug>/registration")

	// A signed-in person's account page with registrations.
	acct := createUser(t, ta, "Ada Account", uniqueEmail("audit.account"), false)
	c.logIn(acct, testPassword)
	c.open("/c/" + slug + "/register")
	c.audit("/c/<slug>/register, signed in and prefilled")
	c.do(chromedp.Click(chromedp.CSS(`label[for="participant_role-0"]`)), chromedp.SendKeys(chromedp.ID("institution"), "Morehouse"),
		chromedp.Click(chromedp.CSS(`input[name="answers.meal"][value="No"] + label`)), chromedp.Click(chromedp.CSS(`label[for="consent"]`)))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantPath("/c/" + slug + "/registration")
	c.audit("/c/<slug>/registration, signed in on the waitlist")
	c.open("/account")
	c.audit("/account with registrations")
	c.logOut()

	// Organizers, before and after there is anything to show.
	empty, err := ta.confs.Seed(context.Background(), conference.CreateInput{Slug: "audit-empty-" + slug[4:], Name: "Empty Conference",
		TimeZone: "Europe/London", StartsOn: "2027-09-01", EndsOn: "2027-09-01"})
	if err != nil {
		t.Fatal(err)
	}
	emptyOrg := newOrganizer(t, ta, empty)
	c.logIn(emptyOrg, strongPassword)
	for _, path := range []string{"/manage/registration", "/manage/registration/questions", "/manage/registrations", "/manage/registrations/new",
		"/manage/workshops", "/manage/accommodations", "/manage/demographics", "/register", ""} {
		c.open("/c/" + empty.Slug + path)
		c.audit("/c/<empty>" + path)
	}
	c.logOut()

	c.logIn(orgEmail, strongPassword)
	base := "/c/" + slug + "/manage"
	for _, path := range []string{"/registration", "/registration/questions", "/registrations", "/registrations?q=nobody", "/workshops",
		fmt.Sprintf("/workshops/%d", workshop), "/accommodations", "/demographics", "/team", "/mail"} {
		c.open(base + path)
		c.audit(base + path)
	}
	c.open(base + fmt.Sprintf("/registrations/%d", regOf(t, ta, conf, waiting).ID))
	c.audit(base + "/registrations/<id>")
	c.open(base + "/registrations?status=bogus")
	c.audit(base + "/registrations with an error")
	for _, form := range []struct{ path, clear, button string }{
		{"/registration", "offer_hold_hours", `main form button[type=submit]`},
		{"/registration/questions", "", `main form button[type=submit]`},
		{"/registrations/new", "", `main form button[type=submit]`},
		{"/workshops", "capacity", `main form button[type=submit]`},
		{fmt.Sprintf("/workshops/%d", workshop), "title", `main form[action$="/workshops/` + fmt.Sprint(workshop) + `"] button[type=submit]`},
	} {
		c.open(base + form.path)
		if form.clear != "" {
			c.do(chromedp.Clear(chromedp.ID(form.clear)))
		}
		if form.path == "/registration/questions" {
			c.do(chromedp.SendKeys(chromedp.CSS(`input[id="questions.2.label"]`), "A choice"),
				chromedp.SetValue(chromedp.CSS(`select[id="questions.2.kind"]`), "single_choice"))
		}
		c.follow(chromedp.Click(chromedp.CSS(form.button)))
		c.wantText(".error-summary h2", "There is a problem")
		c.audit(base + form.path + " with errors")
	}
	// Demographics with figures: enough people answer for some figures to be shown (12 and 12).
	for i := range 24 {
		v := person(fmt.Sprint("Figure ", i), uniqueEmail(fmt.Sprint("figure", i)), "answers.meal", "Yes", "demographics.gender_identity", "Woman",
			"demographics.race_ethnicity", "Asian")
		if i%2 == 0 {
			v.Set("demographics.race_ethnicity", "White")
		}
		if p := register(ta.browser(), conf, v); p.Status != http.StatusSeeOther {
			t.Fatalf("register %d: %d %s", i, p.Status, summaryItems(p))
		}
	}
	c.open(base + "/demographics")
	c.wantText("main", "people answered at least one question")
	c.audit(base + "/demographics with figures")
	c.open(base + "/registrations")
	c.audit(base + "/registrations with many")
}
