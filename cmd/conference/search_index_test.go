package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/challenging-norms/conference/internal/store"
)

// TestSearchIndexFollowsTheText checks the proposals' full-text search, whose stored vector is filled
// in the background: a change of the text empties the vector and other writes keep it; a search sees
// the current text whether or not the vector has been filled again; and the running server fills it
// once the text has stayed unchanged for a moment. Accents do not matter: "resume" finds "résumé";
// nor does text that looks like HTML: the words a submitter typed between <script> and </script> are
// found as all others.
func TestSearchIndexFollowsTheText(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	_, email := presenter(t, ta, "Rosa Delgado")
	token, _ := apiToken(t, ta, email)
	orgToken, _ := apiToken(t, ta, f.organizer)
	poster := f.formats["Poster abstract"]

	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(
		`{"format_id":%d,"title":"Stethoscopes and story circles","abstract":"Residents met community elders each month. <script>lanterns()</script> <!-- kites --> <b and quilts>","answers":{"background":"Trust was missing; each visit ended with a résumé, as in Curaçao."}}`, poster.ID))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %v", r.Status, r.JSON)
	}
	id := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	found := func(q string) int {
		t.Helper()
		r := sendJSON(t, ta, http.MethodGet, base+"/manage/proposals?sort=relevance&q="+url.QueryEscape(q), orgToken, "")
		if r.Status != http.StatusOK {
			t.Fatalf("search %q: %d %v", q, r.Status, r.JSON)
		}
		return int(r.JSON["total"].(float64))
	}
	stale := func() bool {
		t.Helper()
		return count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND search IS NULL`, id) == 1
	}
	waitIndexed := func() {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); stale(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the server did not index the proposal within 15 s")
			}
		}
		if n := count(t, ta, `SELECT count(*) FROM proposals p JOIN proposal_revisions t ON t.proposal_id = p.id AND t.version = p.version
			WHERE p.id = $1 AND p.search = proposal_search_vector(p.title, t.abstract, t.answers)`, id); n != 1 {
			t.Error("the stored vector is not that of the current text")
		}
	}

	// The server indexes the new draft; title, abstract and answers are all searchable.
	waitIndexed()
	for _, q := range []string{"stethoscope", "elders", "trust", `"story circles"`, "resume", "RÉSUMÉ", "curacao",
		"lanterns", "kites", "quilts", "<script>lanterns"} {
		if n := found(q); n != 1 {
			t.Errorf("search %q after indexing: %d found, want 1", q, n)
		}
	}

	// Writes that leave the text alone keep the vector: another deadline, and a save of another track
	// with the same texts (a new version, whose revision holds the same texts).
	if _, err := ta.db.SQL.Exec(`UPDATE proposals SET deadline = now() + interval '1 day', title = title WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d", base, id), token, fmt.Sprintf(
		`{"format_id":%d,"track_id":%d,"version":1,"title":"Stethoscopes and story circles","abstract":"Residents met community elders each month. <script>lanterns()</script> <!-- kites --> <b and quilts>","answers":{"background":"Trust was missing; each visit ended with a résumé, as in Curaçao."}}`,
		poster.ID, f.tracks[0].ID))
	if r.Status != http.StatusOK {
		t.Fatalf("save of the track: %d %v", r.Status, r.JSON)
	}
	if stale() {
		t.Error("a write that left the text alone emptied the search vector")
	}

	// A save that changes the text empties it; held back from the indexer (its change dated an hour
	// ahead), the search still answers from the current text, and ranks it.
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d", base, id), token, fmt.Sprintf(
		`{"format_id":%d,"track_id":%d,"version":2,"title":"Stethoscopes and story circles","abstract":"Residents shadowed doulas in the neighbourhood clinic.","answers":{"background":"Trust was missing; each visit ended with a résumé, as in Curaçao."}}`,
		poster.ID, f.tracks[0].ID))
	if r.Status != http.StatusOK {
		t.Fatalf("save of the abstract: %d %v", r.Status, r.JSON)
	}
	if !stale() {
		t.Fatal("a save that changed the abstract did not empty the vector")
	}
	if _, err := ta.db.SQL.Exec(`UPDATE proposals SET text_changed_at = now() + interval '1 hour' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // at least one round of the indexer
	if !stale() {
		t.Fatal("the indexer filled a vector whose text changed less than its quiet time ago")
	}
	if n := found("doulas"); n != 1 {
		t.Errorf("search for a word of the new text before indexing: %d found, want 1", n)
	}
	if n := found("elders"); n != 0 {
		t.Errorf("search for a word of the old text: %d found, want 0", n)
	}
	if n := found("resume curacao"); n != 1 {
		t.Errorf("search without the accents before indexing: %d found, want 1", n)
	}
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d", base, id), token, fmt.Sprintf(
		`{"format_id":%d,"track_id":%d,"version":3,"title":"Stethoscopes and story circles","abstract":"Residents shadowed doulas in the neighbourhood clinic. <style>hammocks</style>","answers":{"background":"Trust was missing; each visit ended with a résumé, as in Curaçao."}}`,
		poster.ID, f.tracks[0].ID))
	if r.Status != http.StatusOK {
		t.Fatalf("save with a style element: %d %v", r.Status, r.JSON)
	}
	if _, err := ta.db.SQL.Exec(`UPDATE proposals SET text_changed_at = now() + interval '1 hour' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if n := found("hammocks"); !stale() || n != 1 {
		t.Errorf("search for a word inside <style> before indexing: %d found, want 1", n)
	}
	if n := found("stethoscope doulas"); n != 1 {
		t.Errorf("search across title and new abstract: %d found, want 1", n)
	}

	// A save through the API: marked as changed, indexed once quiet, and found by its new words.
	if _, err := ta.db.SQL.Exec(`UPDATE proposals p SET search = proposal_search_vector(p.title, t.abstract, t.answers),
		text_changed_at = now() - interval '1 hour' FROM proposal_revisions t
		WHERE p.id = $1 AND t.proposal_id = p.id AND t.version = p.version`, id); err != nil {
		t.Fatal(err)
	}
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d", base, id), token, fmt.Sprintf(
		`{"format_id":%d,"version":4,"title":"Stethoscopes and story circles","abstract":"Residents walked with midwives.","answers":{"background":"Trust was missing; each visit ended with a résumé, as in Curaçao."}}`, poster.ID))
	if r.Status != http.StatusOK {
		t.Fatalf("save: %d %v", r.Status, r.JSON)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND text_changed_at > now() - interval '1 minute'`, id); n != 1 {
		t.Error("a save did not mark the text as changed")
	}
	waitIndexed()
	if n, m := found("midwives"), found("doulas"); n != 1 || m != 0 {
		t.Errorf("after the save: midwives %d (want 1), doulas %d (want 0)", n, m)
	}
}

// TestSearchIndexerYieldsToRequests checks that while requests wait for database connections the
// indexer leaves changes younger than its deferral alone, and that the pool reports such waits.
func TestSearchIndexerYieldsToRequests(t *testing.T) {
	// Not parallel: its indexer, told to wait for nothing, indexes every proposal of the database, also
	// those another test holds back from indexing.
	ta := startApp(t)
	ctx := context.Background()
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Imani Brooks")
	token, _ := apiToken(t, ta, email)
	r := sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+f.conf.Slug+"/proposals", token, fmt.Sprintf(
		`{"format_id":%d,"title":"Grading and the learning environment","abstract":"Clerks wrote about feedback."}`, f.formats["Poster abstract"].ID))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %v", r.Status, r.JSON)
	}
	id := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	// Dated ahead, the change is out of reach of every running server's indexer; the indexers below
	// reach it only with a quiet time or deferral of less than minus half an hour.
	if _, err := ta.db.SQL.Exec(`UPDATE proposals SET search = NULL, text_changed_at = now() + interval '30 minutes' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	stale := func() bool {
		return count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND search IS NULL`, id) == 1
	}
	x := searchIndexer{proposals: store.Proposals{DB: ta.db}, quiet: -time.Hour, deferFor: -10 * time.Minute, busy: func() bool { return true }}
	if _, err := x.tick(ctx); err != nil {
		t.Fatal(err)
	}
	if !stale() {
		t.Fatal("a busy indexer indexed a change younger than its deferral")
	}
	x.busy = func() bool { return false }
	if _, err := x.tick(ctx); err != nil {
		t.Fatal(err)
	}
	if stale() {
		t.Fatal("an idle indexer left a quiet change unindexed")
	}

	// Waited reports a request that had to wait for a connection, once; acquires that merely opened
	// a new connection are no wait. A pool of its own, which no background work of the app shares.
	db, err := store.Open(ctx, store.Options{URL: testDB.URL, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waited := db.Waited()
	if waited() {
		t.Error("Waited reported a wait before any")
	}
	var held []*pgxpool.Conn
	for range db.Pool.Config().MaxConns {
		c, err := db.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	if waited() {
		t.Error("Waited reported taking every connection of the pool, with none waiting, as a wait")
	}
	done := make(chan error, 1)
	go func() {
		c, err := db.Pool.Acquire(ctx)
		if err == nil {
			c.Release()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	for _, c := range held {
		c.Release()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !waited() {
		t.Error("Waited did not report a request that waited for a connection")
	}
	if waited() {
		t.Error("Waited reported the same wait twice")
	}
}

// TestServerKeepsStatistics: the running server has PostgreSQL gather the statistics of a table that
// has grown, so that plans made while it was small are made again.
func TestServerKeepsStatistics(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	for _, q := range []string{`CREATE TABLE grown_probe (id bigserial PRIMARY KEY) WITH (autovacuum_enabled = off)`,
		`INSERT INTO grown_probe SELECT FROM generate_series(1, 1500)`, `SELECT pg_stat_force_next_flush()`} {
		if _, err := ta.db.SQL.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(15 * time.Second); count(t, ta, `SELECT count(*) FROM pg_stat_user_tables
		WHERE relname = 'grown_probe' AND last_analyze IS NOT NULL`) == 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the server did not analyze a table that grew by 1,500 rows within 15 s")
		}
	}
}
