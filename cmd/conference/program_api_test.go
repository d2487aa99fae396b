package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// getJSON reads a JSON answer into out.
func getJSON(t *testing.T, ta *testApp, path, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ta.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, body)
		}
	}
	return resp.StatusCode
}

func TestProgramAPI(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	empty := regConf(t, ta, 0)
	wantProblem(t, "program before publication", apiCall(t, ta, http.MethodGet, "/api/v1/conferences/"+empty.Slug+"/program", "", ""), http.StatusNotFound, "not_found")

	f := newProgramFixture(t, ta)
	base := "/api/v1/conferences/" + f.conf.Slug + "/program"
	type session struct {
		ID       int64
		Title    string
		Kind     string
		Day      string
		TrackIDs []int64 `json:"track_ids"`
		Starred  *bool
		Items    []struct {
			Title      string
			Presenters []map[string]any
		}
		Room struct {
			Name       string
			MeetingURL string `json:"meeting_url"`
		}
	}
	var prog struct {
		Version  int
		TimeZone string `json:"time_zone"`
		Rooms    []struct {
			Name       string
			MeetingURL string `json:"meeting_url"`
		}
		Sessions []session
		Links    bool              `json:"meeting_links_shown"`
		Feeds    map[string]string `json:"feeds"`
	}
	if s := getJSON(t, ta, base, "", &prog); s != http.StatusOK {
		t.Fatalf("program: %d", s)
	}
	if prog.Version != 1 || prog.TimeZone != "America/New_York" || len(prog.Sessions) != len(f.prog.Sessions) || len(prog.Rooms) != 6 ||
		prog.Links || prog.Rooms[0].MeetingURL != "" || !strings.HasSuffix(prog.Feeds["ical"], "/program/calendar.ics") || prog.Sessions[0].Starred != nil {
		t.Errorf("anonymous program: version %d, %d sessions, links %v", prog.Version, len(prog.Sessions), prog.Links)
	}
	raw := apiCall(t, ta, http.MethodGet, base, "", "")
	if strings.Contains(strings.ToLower(strings.Join(keys(raw.JSON), ",")), "user") {
		t.Error("the API never shows presenters' accounts")
	}
	var list []session
	getJSON(t, ta, base+"/sessions?kind=workshop", "", &list)
	if len(list) != 10 {
		t.Errorf("%d workshops, want 10", len(list))
	}
	getJSON(t, ta, base+"/sessions?day="+f.conf.StartsOn.AddDate(0, 0, 1).Format("2006-01-02")+"&track=1", "", &list)
	for _, s := range list {
		if s.Day != f.conf.StartsOn.AddDate(0, 0, 1).Format("2006-01-02") || len(s.TrackIDs) != 1 || s.TrackIDs[0] != 1 {
			t.Errorf("filtered session %d: day %s tracks %v", s.ID, s.Day, s.TrackIDs)
		}
	}
	getJSON(t, ta, base+"/sessions?q=priya+presenter", "", &list)
	if len(list) != 1 || list[0].ID != f.workshop.ID {
		t.Errorf("search: %+v", list)
	}
	wantProblem(t, "bad track", apiCall(t, ta, http.MethodGet, base+"/sessions?track=x", "", ""), http.StatusUnprocessableEntity, "invalid")

	var one session
	wsPath := base + "/sessions/" + strconv.FormatInt(f.workshop.ID, 10)
	getJSON(t, ta, wsPath, "", &one)
	if one.Title != f.workshop.Title || one.Room.Name == "" || one.Room.MeetingURL != "" {
		t.Errorf("anonymous session: %+v", one)
	}
	presenter, _ := apiToken(t, ta, f.presenter)
	getJSON(t, ta, wsPath, presenter, &one)
	if !strings.HasPrefix(one.Room.MeetingURL, "https://meet.example.org/") || one.Starred == nil || *one.Starred {
		t.Errorf("the presenter sees the meeting link: %+v", one.Room)
	}
	wantProblem(t, "unknown session", apiCall(t, ta, http.MethodGet, base+"/sessions/999999", "", ""), http.StatusNotFound, "not_found")

	// Stars.
	wantProblem(t, "stars without a token", apiCall(t, ta, http.MethodGet, base+"/stars", "", ""), http.StatusUnauthorized, "unauthenticated")
	for _, id := range []int64{f.workshop.ID, 1, 1} {
		if r := apiCall(t, ta, http.MethodPut, base+"/stars/"+strconv.FormatInt(id, 10), presenter, ""); r.Status != http.StatusNoContent {
			t.Fatalf("star %d: %d", id, r.Status)
		}
	}
	wantProblem(t, "star an unknown session", apiCall(t, ta, http.MethodPut, base+"/stars/999999", presenter, ""), http.StatusNotFound, "not_found")
	stars := apiCall(t, ta, http.MethodGet, base+"/stars", presenter, "")
	if ids, _ := stars.JSON["session_ids"].([]any); len(ids) != 2 {
		t.Errorf("stars: %v", stars.JSON)
	}
	if r := apiCall(t, ta, http.MethodDelete, base+"/stars/1", presenter, ""); r.Status != http.StatusNoContent {
		t.Errorf("unstar: %d", r.Status)
	}
	getJSON(t, ta, wsPath, presenter, &one)
	if one.Starred == nil || !*one.Starred {
		t.Error("the session says the caller starred it")
	}

	// The calendar address.
	if r := apiCall(t, ta, http.MethodGet, base+"/feed-token", presenter, ""); r.JSON["active"] != false {
		t.Errorf("no address yet: %v", r.JSON)
	}
	made := apiCall(t, ta, http.MethodPost, base+"/feed-token", presenter, "")
	feed, _ := made.JSON["url"].(string)
	if made.Status != http.StatusCreated || !strings.HasSuffix(feed, "/agenda.ics") {
		t.Fatalf("feed token: %d %v", made.Status, made.JSON)
	}
	b := ta.browser()
	if cal := parseICS(t, b.get(feed).Body); len(cal.Events()) != 1 {
		t.Errorf("the feed has %d events, want 1", len(cal.Events()))
	}
	if r := apiCall(t, ta, http.MethodGet, base+"/feed-token", presenter, ""); r.JSON["active"] != true || r.JSON["url"] != nil {
		t.Errorf("the address is active and not shown again: %v", r.JSON)
	}
	if r := apiCall(t, ta, http.MethodDelete, base+"/feed-token", presenter, ""); r.Status != http.StatusNoContent || b.get(feed).Status != http.StatusNotFound {
		t.Error("a revoked address answers 404")
	}
}

func keys(m map[string]any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(m)
	return out
}
