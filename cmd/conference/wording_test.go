package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// text is the text of a selection with its spaces collapsed.
func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

// TestFormatFieldKinds: a format's table of fields names each field's kind as people read it, not
// by its code.
func TestFormatFieldKinds(t *testing.T) {
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	p := b.get(fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, f.formats["Workshop"].ID))
	if p.Status != http.StatusOK {
		t.Fatalf("the format's page: %d", p.Status)
	}
	var kinds []string
	p.Doc.Find("table tbody tr").Each(func(_ int, tr *goquery.Selection) { kinds = append(kinds, text(tr.Find("td").Eq(1))) })
	got := strings.Join(kinds, ", ")
	for _, want := range []string{"Long text", "Multiple choice", "Single choice"} {
		if !strings.Contains(got, want) {
			t.Errorf("the Kind column lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "_") {
		t.Errorf("the Kind column shows a code: %q", got)
	}
}
