package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/challenging-norms/conference/internal/registration"
)

// TestRegistrationConcurrency registers many people at once against a small capacity, through the
// API: some addresses many times over at the same moment, while others cancel and the waitlist moves.
// Never one place over, never an address twice, and the counter always equals the places held.
func TestRegistrationConcurrency(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 7)
	org := newOrganizer(t, ta, conf)
	token, _ := apiToken(t, ta, org)
	r := sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+conf.Slug+"/workshops", token, `{"title":"Small group","capacity":3}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("workshop: %d %v", r.Status, r.JSON)
	}
	workshop := int64(r.JSON["id"].(float64))

	body := func(email string) string {
		return fmt.Sprintf(`{"name":"Racer","email":%q,"participant_role":"community_member","institution":"Neighbourhood Health Council",
			"consent":true,"workshops":[%d],"demographics":{"disability":"No"}}`, email, workshop)
	}
	const people, twins = 60, 12
	var wg sync.WaitGroup
	failures := make(chan string, people+3*twins)
	post := func(email string) {
		defer wg.Done()
		r := sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+conf.Slug+"/registration", "", body(email))
		if r.Status != http.StatusAccepted {
			failures <- fmt.Sprintf("%s: %d %v", email, r.Status, r.JSON)
		}
	}
	// Three addresses are sent twelve times each, at the same moment as everyone else.
	dup := []string{uniqueEmail("twin.a"), uniqueEmail("twin.b"), uniqueEmail("twin.c")}
	for i := range people {
		wg.Add(1)
		go post(fmt.Sprintf("racer.%d.%s", i, uniqueEmail("x")))
	}
	for _, d := range dup {
		for range twins {
			wg.Add(1)
			go post(strings.ToUpper(d[:1]) + d[1:])
		}
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	total := people + len(dup)
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE conference_id = $1`, conf.ID); n != total {
		t.Errorf("%d registrations, want %d", n, total)
	}
	if n := count(t, ta, `SELECT count(*) FROM (SELECT lower(email) FROM registrations WHERE conference_id = $1 GROUP BY 1 HAVING count(*) > 1) d`, conf.ID); n != 0 {
		t.Errorf("%d addresses registered more than once", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE conference_id = $1 AND status = 'registered'`, conf.ID); n != 7 || placesTaken(t, ta, conf) != 7 {
		t.Errorf("%d registered, counter %d: want exactly 7", n, placesTaken(t, ta, conf))
	}
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE conference_id = $1 AND status = 'waitlisted'`, conf.ID); n != total-7 {
		t.Errorf("%d waitlisted, want %d", n, total-7)
	}
	if n := count(t, ta, `SELECT places_taken FROM workshops WHERE id = $1`, workshop); n != 3 ||
		count(t, ta, `SELECT count(*) FROM workshop_signups WHERE workshop_id = $1 AND status = 'registered'`, workshop) != 3 {
		t.Errorf("workshop places: counter %d, want exactly 3", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM registration_demographics WHERE conference_id = $1`, conf.ID); n != total {
		t.Errorf("%d demographic answers, want one per registration (%d)", n, total)
	}
	for _, d := range dup {
		if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, d); n != 1 {
			t.Errorf("%s, sent %d times at once, got %d messages, want 1", d, twins, n)
		}
	}

	// Now everyone confirms (through the service, as the link would), and the seven with a place
	// cancel at the same moment as eight newcomers register: offers go to the waitlist in order, the
	// newcomers wait behind them, and the count never passes seven.
	ctx := context.Background()
	rows, err := ta.db.SQL.Query(`SELECT id, status::text FROM registrations WHERE conference_id = $1 ORDER BY id`, conf.ID)
	if err != nil {
		t.Fatal(err)
	}
	var placed []int64
	var ids []int64
	for rows.Next() {
		var id int64
		var st string
		if err := rows.Scan(&id, &st); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		if st == "registered" {
			placed = append(placed, id)
		}
	}
	rows.Close()
	if _, err := ta.db.SQL.Exec(`UPDATE registrations SET email_confirmed_at = now(), confirm_by = NULL WHERE conference_id = $1`, conf.ID); err != nil {
		t.Fatal(err)
	}
	failures = make(chan string, 20)
	for _, id := range placed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ta.regs.Cancel(ctx, conf, id); err != nil {
				failures <- fmt.Sprintf("cancel %d: %v", id, err)
			}
		}()
	}
	for i := range 8 {
		wg.Add(1)
		go post(fmt.Sprintf("late.%d.%s", i, uniqueEmail("x")))
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	if n := placesTaken(t, ta, conf); n != 7 || n != holding(t, ta, conf) {
		t.Errorf("after the cancellations: counter %d, holding %d, want 7", n, holding(t, ta, conf))
	}
	// The seven offers went to the first seven confirmed people in line.
	var firstInLine []int64
	for _, id := range ids {
		if len(firstInLine) < 7 && !contains(placed, id) {
			firstInLine = append(firstInLine, id)
		}
	}
	for _, id := range firstInLine {
		var st string
		if err := ta.db.SQL.QueryRow(`SELECT status::text FROM registrations WHERE id = $1`, id).Scan(&st); err != nil || st != string(registration.Offered) {
			t.Errorf("registration %d, first in line, is %q, want offered", id, st)
		}
	}
	if n := count(t, ta, `SELECT places_taken FROM workshops WHERE id = $1`, workshop); n != count(t, ta,
		`SELECT count(*) FROM workshop_signups WHERE workshop_id = $1 AND status IN ('registered', 'offered')`, workshop) || n > 3 {
		t.Errorf("workshop counter %d disagrees with its sign-ups", n)
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
