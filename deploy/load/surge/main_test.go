package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The bodies put together from encoded texts are the JSON of their fields.
func TestContentIsJSON(t *testing.T) {
	l := &load{format: 7, tracks: []int64{11, 12, 13}, texts: map[[2]int][]byte{}}
	type answers struct {
		Background   string `json:"background"`
		Approach     string `json:"approach"`
		Outcomes     string `json:"outcomes"`
		Implications string `json:"implications"`
		Stage        string `json:"stage"`
	}
	type body struct {
		FormatID int64   `json:"format_id"`
		TrackID  int64   `json:"track_id"`
		Title    string  `json:"title"`
		Abstract string  `json:"abstract"`
		Version  int     `json:"version"`
		Answers  answers `json:"answers"`
	}
	text := func(words, seed int) string {
		var s string
		if err := json.Unmarshal(l.text(words, seed), &s); err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Fields(s)); n < words {
			t.Fatalf("text(%d, %d) has %d words", words, seed, n)
		}
		return s
	}
	for _, c := range [][3]int{{0, 0, 0}, {1, 1, 1}, {1999, 3, 4}, {42, 2, 2}} {
		i, round, version := c[0], c[1], c[2]
		want, _ := json.Marshal(body{7, l.tracks[i%3], fmt.Sprintf("Clerkship grading and bias, study %d, draft %d", i, round), text(180, i+round),
			version, answers{text(90, i), text(90, i+1), text(90, i+2+round), text(60, i+3), "In progress"}})
		if got := l.content(i, round, version); string(got) != string(want) {
			t.Errorf("content(%d, %d, %d) =\n%s\nwant\n%s", i, round, version, got, want)
		}
	}
}

func TestAnswerOf(t *testing.T) {
	for _, c := range []struct {
		body string
		want proposalAnswer
		err  string
	}{
		{body: `{"proposal":{"id":12,"conference":"challenging-norms","status":"draft","version":1,"title":"T","presenters":[{"id":3,"status":"accepted"}]},"warnings":[]}`,
			want: proposalAnswer{ID: 12, Version: 1, Status: "draft"}},
		// Another order, other members first, and nested ids and statuses after the proposal's own.
		{body: `{"warnings":[{"field":"abstract","detail":"x"}],"proposal":{"answers":{"id":["9"]},"version":5,"status":"submitted","id":40}}`,
			want: proposalAnswer{ID: 40, Version: 5, Status: "submitted"}},
		{body: `{"proposal":{"id":12,"status":"draft"}}`, err: "no proposal"},
		{body: `{"type":"about:blank","status":409}`, err: "no proposal"},
		{body: `[1]`, err: "where"},
		{body: `{"proposal":{"id":"12","status":"draft","version":1}}`, err: "id"},
		{body: ``, err: "EOF"},
		{body: `{"proposal":null}`, err: "where"},
		{body: `{"proposal":{"id":12,"id":13,"status":"draft"}}`, err: "no proposal"},
		{body: `{"proposal":{"id":12,"status":"dra`, err: "status"},
	} {
		got, err := answerOf([]byte(c.body))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.body, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one with %q", c.body, err, c.err)
		case c.err == "" && got != c.want:
			t.Errorf("%s: %+v, want %+v", c.body, got, c.want)
		}
	}
}
