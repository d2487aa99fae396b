package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/mail/smtptest"
)

// TestRegistrationAPI registers and manages a registration through the API alone, as a script would:
// the form, registering, confirming with the emailed token, reading and changing one's registration
// with the personal link's token, the calendar, and cancelling.
func TestRegistrationAPI(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 1)
	base := "/api/v1/conferences/" + conf.Slug + "/registration"

	r := send(t, ta, http.MethodGet, base, nil)
	if r.Status != http.StatusOK || r.JSON["open"] != true || r.JSON["places_left"].(float64) != 1 || len(r.JSON["demographic_questions"].([]any)) != 6 ||
		!strings.Contains(r.JSON["privacy_statement"].(string), "What we keep") {
		t.Fatalf("the form: %d %v", r.Status, r.JSON)
	}
	if r := send(t, ta, http.MethodGet, "/api/v1/conferences/no-such/registration", nil); r.Status != http.StatusNotFound {
		t.Errorf("an unknown conference: %d", r.Status)
	}
	email := uniqueEmail("api.reg")
	body := fmt.Sprintf(`{"name":"Ife Adeyemi","email":%q,"participant_role":"house_staff","institution":"Grady","pronouns":"she/her",
		"accommodations":["captions"],"answers":{},"demographics":{"race_ethnicity":["Black or African American"],"disability":"No"},"consent":true}`, email)
	r = sendJSON(t, ta, http.MethodPost, base, "", body)
	if r.Status != http.StatusAccepted || r.JSON["registration"] != nil || !strings.Contains(r.JSON["message"].(string), "link to confirm") {
		t.Fatalf("register: %d %v", r.Status, r.JSON)
	}
	// Again: the same answer.
	again := sendJSON(t, ta, http.MethodPost, base, "", body)
	if again.Status != r.Status || again.JSON["message"] != r.JSON["message"] {
		t.Errorf("registering twice answers differently: %v", again.JSON)
	}
	link := linkIn(t, ta.waitMail(email, "Confirm your registration"), "/register/confirm?token=")
	r = sendJSON(t, ta, http.MethodPost, base+"/confirm", "", fmt.Sprintf(`{"token":%q}`, mustQuery(t, link, "token")))
	if r.Status != http.StatusOK || r.JSON["status"] != "registered" || r.JSON["email_confirmed"] != true || !strings.Contains(r.JSON["join_info"].(string), meetingLink) {
		t.Fatalf("confirm: %d %v", r.Status, r.JSON)
	}
	manage := mustQuery(t, linkIn(t, ta.waitMail(email, "You are registered"), "/registration?token="), "token")
	me := func(method, path, body string) reply {
		h := []string{"Registration-Token", manage}
		var rd *strings.Reader
		if body != "" {
			h = append(h, "Content-Type", "application/json")
			rd = strings.NewReader(body)
			return send(t, ta, method, base+"/me"+path, rd, h...)
		}
		return send(t, ta, method, base+"/me"+path, nil, h...)
	}
	r = me(http.MethodGet, "", "")
	if r.Status != http.StatusOK || r.JSON["pronouns"] != "she/her" || r.JSON["demographics_answered"] != true || r.JSON["answers"] == nil {
		t.Errorf("me: %d %v", r.Status, r.JSON)
	}
	if strings.Contains(r.Body, "Black or African") {
		t.Error("the registration carries demographic answers")
	}
	r = me(http.MethodPut, "", `{"name":"Ife A. Adeyemi","participant_role":"faculty","institution":"Emory","accommodations":["asl","other"],"accommodations_other":"Slides in advance"}`)
	if r.Status != http.StatusOK || r.JSON["name"] != "Ife A. Adeyemi" || len(r.JSON["accommodations"].([]any)) != 2 || r.JSON["email"] != email {
		t.Errorf("update: %d %v", r.Status, r.JSON)
	}
	r = me(http.MethodPut, "", `{"name":"","participant_role":"faculty","institution":"Emory","accommodations":["other"]}`)
	wantProblem(t, "bad update", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if fieldDetail(r.apiResponse, "name") == "" || fieldDetail(r.apiResponse, "accommodations_other") == "" {
		t.Errorf("bad update: %v", r.JSON)
	}
	r = me(http.MethodPut, "", `{"name":"X","email":"new@example.org"}`)
	wantProblem(t, "the address cannot be changed", r.apiResponse, http.StatusBadRequest, "malformed")
	r = me(http.MethodPost, "/accept", "")
	wantProblem(t, "accept without an offer", r.apiResponse, http.StatusConflict, "conflict")

	r = me(http.MethodGet, "/calendar", "")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("calendar: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	cal, err := ics.ParseCalendar(strings.NewReader(r.Body))
	if err != nil || len(cal.Events()) != 1 || !strings.Contains(cal.Events()[0].GetProperty(ics.ComponentPropertyDescription).Value, meetingLink) {
		t.Errorf("calendar: %v\n%s", err, r.Body)
	}

	// Someone else, full: waitlisted; the calendar is not theirs to have.
	other := uniqueEmail("api.waiting")
	sendJSON(t, ta, http.MethodPost, base, "", fmt.Sprintf(`{"name":"Wai Ting","email":%q,"participant_role":"dean","institution":"X","consent":true}`, other))
	otherLink := linkIn(t, ta.waitMail(other, "Confirm your registration"), "/register/confirm?token=")
	r = sendJSON(t, ta, http.MethodPost, base+"/confirm", "", fmt.Sprintf(`{"token":%q}`, mustQuery(t, otherLink, "token")))
	if r.Status != http.StatusOK || r.JSON["status"] != "waitlisted" || r.JSON["waitlist_position"].(float64) != 1 || r.JSON["join_info"] != nil {
		t.Fatalf("waitlisted confirm: %d %v", r.Status, r.JSON)
	}
	otherManage := mustQuery(t, linkIn(t, ta.waitMail(other, "You are on the waitlist"), "/registration?token="), "token")
	r = send(t, ta, http.MethodGet, base+"/me/calendar", nil, "Registration-Token", otherManage)
	wantProblem(t, "calendar without a place", r.apiResponse, http.StatusConflict, "conflict")
	// The link of one conference does not open another's.
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+regConf(t, ta, 0).Slug+"/registration/me", nil, "Registration-Token", manage)
	wantProblem(t, "a link of another conference", r.apiResponse, http.StatusUnauthorized, "unauthenticated")

	// Cancelling frees the place for the waitlist.
	if r := me(http.MethodDelete, "", ""); r.Status != http.StatusNoContent {
		t.Fatalf("cancel: %d", r.Status)
	}
	r = me(http.MethodDelete, "", "")
	wantProblem(t, "cancel twice", r.apiResponse, http.StatusConflict, "conflict")
	r = send(t, ta, http.MethodPost, base+"/me/accept", nil, "Registration-Token", otherManage)
	if r.Status != http.StatusOK || r.JSON["status"] != "registered" {
		t.Errorf("the next in line takes the place: %d %v", r.Status, r.JSON)
	}

	// Signed in with an API token, with the account's confirmed address: no link needed.
	acct := uniqueEmail("api.account")
	newUser(t, ta, acct, "Acco Unt")
	tok, _ := apiToken(t, ta, acct)
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+regConf(t, ta, 0).Slug+"/registration", tok,
		fmt.Sprintf(`{"name":"Acco Unt","email":%q,"participant_role":"dean","institution":"X","consent":true}`, acct))
	reg, _ := r.JSON["registration"].(map[string]any)
	if r.Status != http.StatusAccepted || reg == nil || reg["status"] != "registered" || reg["email_confirmed"] != true {
		t.Errorf("register with an API token: %d %v", r.Status, r.JSON)
	}
	r = send(t, ta, http.MethodPost, base+"/link", strings.NewReader(`{"email":"nobody.here@example.org"}`), "Content-Type", "application/json")
	if r.Status != http.StatusAccepted {
		t.Errorf("link for an unknown address: %d", r.Status)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = 'nobody.here@example.org'`); n != 0 {
		t.Error("mail was sent to an address that is not registered")
	}
}

// TestRegistrationMailSMTP sends the confirmation through a real SMTP server: how to join in both
// bodies and the calendar invitation as an attachment that calendar programs read.
func TestRegistrationMailSMTP(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ta := startApp(t, withFreshDB(t), withSender(sender))
	conf := regConf(t, ta, 0)
	email := uniqueEmail("smtp.reg")
	b := ta.browser()
	register(b, conf, person("Sade Ola", email))
	msgs := srv.Wait(t, 1, 15*time.Second)
	link := ""
	for _, l := range linkRE.FindAllString(msgs[0].Text, -1) {
		if strings.Contains(l, "/register/confirm?token=") {
			link = l
		}
	}
	if link == "" {
		t.Fatalf("no confirmation link:\n%s", msgs[0].Text)
	}
	if p := b.post(link, "/c/"+conf.Slug+"/register/confirm", mustQueryURL(t, link)); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, summaryItems(p))
	}
	m := srv.Wait(t, 2, 15*time.Second)[1]
	if !strings.HasPrefix(m.Header.Get("Subject"), "You are registered") || !strings.Contains(m.Text, meetingLink) || !strings.Contains(m.HTML, meetingLink) {
		t.Fatalf("confirmation: %q\n%s", m.Header.Get("Subject"), m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "text/calendar" || m.Attachments[0].Name != conf.Slug+".ics" {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(m.Attachments[0].Data))
	if err != nil || len(cal.Events()) != 1 || cal.Events()[0].GetProperty(ics.ComponentPropertySummary).Value != conf.Name {
		t.Fatalf("the attached calendar: %v\n%s", err, m.Attachments[0].Data)
	}
}

// mustQueryURL is the confirmation form's values for a link.
func mustQueryURL(t *testing.T, link string) url.Values {
	t.Helper()
	return url.Values{"token": {mustQuery(t, link, "token")}}
}
