package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserProposalTooLongToSend: a proposal form whose text is more than its route accepts is not
// sent, so that it is not refused whole and lost: it stays as typed, and an error summary, focused,
// says by about how much it is too long, that nothing is lost, and leads to the longest text. Once
// shortened it is sent as ever. The limit the page gives is the one the server enforces, and without
// the script the server's answer still explains how to go back to the text.
func TestBrowserProposalTooLongToSend(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	_, email := presenter(t, ta, "Ngozi Adeyemi")
	prop := submitPosterAs(t, ta, f, email, "Portfolios that residents keep")
	edit := fmt.Sprintf("/c/%s/proposals/%d/edit", f.conf.Slug, prop.ID)

	c.logIn(email, strongPassword)
	c.open(edit)
	limit, err := strconv.Atoi(c.attr("form.proposal-form", "data-body-limit"))
	if err != nil || limit <= 0 {
		t.Fatalf("the form's body limit: %q", c.attr("form.proposal-form", "data-body-limit"))
	}
	// A line typed, then a paste that takes the form about 50 KB over the limit.
	paste := "Portfolios, as kept.\n" + strings.Repeat("Long enough. ", (limit+50_000)/13)
	c.do(typeLong("#abstract", paste))
	c.do(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	c.do(chromedp.Poll[chromedp.Void](`document.getElementById("too-large") !== null`, chromedp.WithPollingTimeout(5*time.Second)))
	c.wantText("#too-large h2", "Your text is too long to send")
	c.wantText("#too-large", "Nothing was sent, and nothing is lost: everything you typed is still in the form.")
	c.wantPath(edit)
	if got := c.activeElement(); got != "div#too-large" {
		t.Errorf("the focus is on %s, not on the summary", got)
	}
	if !c.is(fmt.Sprintf(`document.getElementById("abstract").value === "Portfolios, as kept.\n" + "Long enough. ".repeat(%d)`, (limit+50_000)/13)) {
		t.Errorf("the abstract no longer holds what was typed: %d characters",
			get(c, chromedp.Evaluate[int](`document.getElementById("abstract").value.length`)))
	}
	// About how much: what the browser would send, less the limit, rounded up to two figures.
	sent := get(c, chromedp.Evaluate[int](`(f => new URLSearchParams(new FormData(f, f.querySelector("button[name=action][value=save]"))).toString().length)(document.querySelector("form.proposal-form"))`))
	said := regexp.MustCompile(`about ([0-9,]+) characters longer`).FindStringSubmatch(get(c, chromedp.Evaluate[string](`document.getElementById("too-large").innerText`)))
	if said == nil {
		t.Fatalf("the summary says no number: %q", get(c, chromedp.Evaluate[string](`document.getElementById("too-large").innerText`)))
	}
	over, _ := strconv.Atoi(strings.ReplaceAll(said[1], ",", ""))
	if sent <= limit || over < sent-limit || over > (sent-limit)*11/10 {
		t.Errorf("the summary says about %d characters too many; the form is %d bytes, the limit %d", over, sent, limit)
	}
	c.audit("a proposal form too long to send")
	c.do(chromedp.Click(chromedp.CSS(`#too-large a[href="#abstract"]`)))
	if got := c.activeElement(); got != "textarea#abstract" {
		t.Errorf("the summary's link puts the focus on %s", got)
	}

	// Shortened, it is sent and saved.
	c.do(chromedp.SetValue(chromedp.ID("abstract"), "Portfolios, kept by residents, show growth over time."))
	if status := c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`))); status != http.StatusOK {
		t.Errorf("the shortened form: %d", status)
	}
	c.wantPath(fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID))
	if saved, err := ta.subs.Get(context.Background(), principalOf(t, ta, email), f.conf, prop.ID); err != nil ||
		saved.Abstract != "Portfolios, kept by residents, show growth over time." {
		t.Errorf("the shortened abstract is not saved: %q %v", saved.Abstract, err)
	}

	// The limit the page gave is the server's: a body of that size is read, one byte more is refused
	// with the page that says how to get the text back.
	b := loggedIn(t, ta, email)
	token, _ := b.get(edit).Doc.Find(`form.proposal-form input[name="_csrf"]`).Attr("value")
	form := url.Values{"_csrf": {token}, "action": {"save"}, "abstract": {""}}
	pad := limit - len(form.Encode())
	for _, extra := range []int{0, 1} {
		form.Set("abstract", strings.Repeat("a", pad+extra))
		if n := len(form.Encode()); n != limit+extra {
			t.Fatalf("the body is %d bytes, want %d", n, limit+extra)
		}
		p := b.postRaw(fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID), form)
		if got := p.Status == http.StatusRequestEntityTooLarge; got != (extra == 1) {
			t.Errorf("a body of the limit and %d bytes: %d", extra, p.Status)
		}
		if extra == 1 && !strings.Contains(text(p.Doc.Find(".lead")), "Back button") {
			t.Errorf("the page for a body over the limit: %q", text(p.Doc.Find(".lead")))
		}
	}
}
