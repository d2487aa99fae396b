package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
)

// TestCallPagesFitThePage: the organizers' Markdown takes the heading levels of the place it is shown
// (the introduction inside the conference page's "Call for proposals", the FAQ under the page's
// title, without a level left out); the call's times are written in where the pages have
// placeholders, a heading that names the close keeps its anchor when the close moves, and a
// placeholder that is not one is refused with nothing saved.
func TestCallPagesFitThePage(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	base := "/c/" + f.conf.Slug
	loc := f.conf.Location()
	organizer := principalOf(t, ta, f.organizer)
	call, err := ta.calls.Call(ctx, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	in := func(closes time.Time, intro, faq string) cfp.CallInput {
		return cfp.CallInput{Opens: call.OpensAt.In(loc).Format("2006-01-02T15:04"), Closes: closes.In(loc).Format("2006-01-02T15:04"),
			ContactEmail: call.ContactEmail, IntroMD: intro, GuideMD: call.GuideMD, FAQMD: faq}
	}

	// A misspelt placeholder is refused on the page it is in, with the others' mistakes.
	_, err = ta.calls.SaveCall(ctx, organizer, f.conf, call.Version, in(call.ClosesAt, "Until {{ closes }}.", "Until {{deadline}}."))
	e, ok := apperr.As(err)
	field := func(name string) string {
		for _, x := range e.Fields {
			if x.Field == name {
				return x.Message
			}
		}
		return ""
	}
	if !ok || e.Code != apperr.Invalid || !strings.Contains(field("intro_md"), "“{{ closes }}”") ||
		!strings.Contains(field("faq_md"), "“{{deadline}}”") || !strings.Contains(field("faq_md"), "{{closes}}") {
		t.Fatalf("misspelt placeholders: %v", err)
	}
	if now, _ := ta.calls.Call(ctx, f.conf); now.Version != call.Version {
		t.Fatal("a refused call was saved")
	}

	intro := "# Who should propose\n\nAnyone, until {{closes}}."
	faq := "### When does the call close, {{closes}}?\n\nThen.\n\n##### And after?\n\nAsk us."
	first := call.ClosesAt
	later := time.Date(2031, 6, 30, 23, 59, 0, 0, loc)
	var anchor string
	for i, closes := range []time.Time{first, later} {
		if call, err = ta.calls.SaveCall(ctx, organizer, f.conf, call.Version, in(closes, intro, faq)); err != nil {
			t.Fatal(err)
		}
		when := cfp.FormatTime(closes, loc)
		b := ta.browser()
		p := b.get(base)
		if h := p.Doc.Find(`section.call h3`).First(); strings.TrimSpace(h.Text()) != "Who should propose" {
			t.Errorf("the introduction's heading is not a level below “Call for proposals”: %q", h.Text())
		}
		if !strings.Contains(p.Doc.Find("section.call").Text(), "Anyone, until "+when+".") {
			t.Errorf("the introduction does not give the close, %s", when)
		}
		p = b.get(base + "/faq")
		h2, h3 := p.Doc.Find("main h2").First(), p.Doc.Find("main h3").First()
		if h2.Text() != "When does the call close, "+when+"?" || h3.Text() != "And after?" || p.Doc.Find("main h4, main h5").Length() != 0 {
			t.Errorf("the FAQ's headings: h2 %q, h3 %q", h2.Text(), h3.Text())
		}
		// The API gives the pages as written, placeholders and all, and as shown, times written in.
		r := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/call", "", "")
		if r.Status != http.StatusOK || r.JSON["faq_md"] != faq || !strings.Contains(fmt.Sprint(r.JSON["faq_html"]), ">When does the call close, "+when+"?</h2>") ||
			!strings.Contains(fmt.Sprint(r.JSON["intro_html"]), "Anyone, until "+when+".") || strings.Contains(fmt.Sprint(r.JSON["intro_html"]), "{{") {
			t.Errorf("the API's call pages: %d %q %q", r.Status, r.JSON["faq_html"], r.JSON["intro_html"])
		}
		id, _ := h2.Attr("id")
		if i == 0 {
			anchor = id
		} else if id != anchor || id == "" {
			t.Errorf("the question's anchor moved with the close: %q, then %q", anchor, id)
		}
	}
}
