package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestSignupLeadsBack: someone sent to log in on their way to a page who has no account yet comes
// back to that page after signing up, confirming the address and logging in; a next page that is
// not this site's is dropped.
func TestSignupLeadsBack(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	call := "/c/" + f.conf.Slug
	b := ta.browser()
	href, _ := b.get("/login?next=" + call).Doc.Find(`main a[href^="/signup"]`).Attr("href")
	if u, err := url.Parse(href); err != nil || u.Query().Get("next") != call {
		t.Errorf("the log-in page's sign-up link drops where the visitor was going: %q", href)
	}
	p := b.get("/signup?next=" + call)
	if v, _ := p.Doc.Find(`input[name="next"]`).Attr("value"); v != call {
		t.Errorf("the sign-up form's next: %q", v)
	}
	for _, next := range []string{"//elsewhere.example.org", "/%09/elsewhere.example.org/x", "/%5Celsewhere.example.org"} {
		if p := b.get("/signup?next=" + next); p.Doc.Find(`input[name="next"]`).Length() != 0 {
			t.Errorf("the sign-up form keeps %s, a next page of another site", next)
		}
	}
	email := uniqueEmail("kofi")
	p = b.post("/signup?next="+call, "/signup", url.Values{"name": {"Kofi Mensah"}, "email": {email}, "password": {strongPassword}, "next": {call}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign-up: %d %s", p.Status, p.problem())
	}
	p = b.get(linkIn(t, ta.waitMail(email, "Confirm your email"), "/verify?token="))
	if want := "/login?next=" + url.QueryEscape(call); p.Status != http.StatusSeeOther || p.Header.Get("Location") != want {
		t.Fatalf("verify: %d to %q, want %q", p.Status, p.Header.Get("Location"), want)
	}
	p = b.post("/login?next="+url.QueryEscape(call), "/login", url.Values{"email": {email}, "password": {strongPassword}, "next": {call}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != call {
		t.Errorf("log-in: %d to %q, want %q", p.Status, p.Header.Get("Location"), call)
	}
}
