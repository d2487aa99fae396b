package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/question"
)

// fieldIDs are the ids of a format's fields, in order.
func fieldIDs(qs []question.Question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.ID
	}
	return out
}

// TestFieldButtonsOnAStalePage: deleting or moving a field from a page older than the format does
// nothing and comes back to the format as it is now, saying so; done on the page as it is, each
// says what it did.
func TestFieldButtonsOnAStalePage(t *testing.T) {
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	ws := f.formats["Workshop"]
	page := fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, ws.ID)
	old := strconv.Itoa(ws.Version)
	objectives, _ := ws.Field("objectives")
	plan, _ := ws.Field("plan")

	// Another organizer changes the format after this page was opened.
	if _, err := ta.calls.EditFields(context.Background(), organizerOf(t, ta, f), f.conf, ws.ID, ws.Version,
		func(qs []question.Question) ([]question.Question, error) {
			qs[0].Help = "Two or three, as verbs."
			return qs, nil
		}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ action, direction, want string }{
		{"delete", "", "delete “" + objectives.Label + "” again if you still want to."},
		{"move", "down", "move “" + objectives.Label + "” again if you still want to."},
	} {
		p := b.post(page, page+"/fields/objectives/"+tc.action, url.Values{"version": {old}, "direction": {tc.direction}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != page+"#fields" {
			t.Fatalf("%s on a stale page: %d to %q %s", tc.action, p.Status, p.Header.Get("Location"), p.problem())
		}
		flash := b.get(page).Doc.Find(".flash").Text()
		if !strings.HasPrefix(flash, "Someone changed this format since you opened the page, so nothing was done.") || !strings.HasSuffix(flash, tc.want) {
			t.Errorf("%s on a stale page says %q", tc.action, flash)
		}
	}
	now := mustFormat(t, ta, f.conf, "Workshop")
	if !slices.Equal(fieldIDs(now.Fields), fieldIDs(ws.Fields)) {
		t.Errorf("the fields changed on a stale page: %v", fieldIDs(now.Fields))
	}

	// On the page as it is now, each does what it says, and says it.
	version := func() string { v, _ := b.get(page).Doc.Find(`input[name="version"]`).Attr("value"); return v }
	p := b.post(page, page+"/fields/objectives/move", url.Values{"version": {version()}, "direction": {"down"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("move down: %d %s", p.Status, p.problem())
	}
	if flash := b.get(page).Doc.Find(".flash").Text(); flash != "The field “"+objectives.Label+"” is moved down." {
		t.Errorf("after moving down: %q", flash)
	}
	if ids := fieldIDs(mustFormat(t, ta, f.conf, "Workshop").Fields); ids[0] != "plan" || ids[1] != "objectives" {
		t.Errorf("after moving down: %v", ids)
	}
	if p = b.post(page, page+"/fields/plan/delete", url.Values{"version": {version()}}); p.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", p.Status, p.problem())
	}
	if flash := b.get(page).Doc.Find(".flash").Text(); flash != "The field “"+plan.Label+"” is deleted." {
		t.Errorf("after deleting: %q", flash)
	}
	if _, ok := mustFormat(t, ta, f.conf, "Workshop").Field("plan"); ok {
		t.Error("the field is still asked")
	}
	// A button for a field deleted meanwhile, on an older page: the format as it is now.
	p = b.post(page, page+"/fields/plan/move", url.Values{"version": {old}, "direction": {"up"}})
	if flash := b.get(page).Doc.Find(".flash").Text(); p.Status != http.StatusSeeOther || !strings.Contains(flash, "no longer asks that question") {
		t.Errorf("moving a field deleted meanwhile: %d %q", p.Status, flash)
	}
}
