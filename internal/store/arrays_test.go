package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/store"
)

var testDB *pgtest.Database

func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }

// TestArraysInBinaryForm sends text[] and jsonb[] parameters built in PostgreSQL's binary form
// through the pool as the batches do (database/sql), and reads each element back: the same texts in
// the same order, empty arrays and texts included; JSON as PostgreSQL reads it from text.
func TestArraysInBinaryForm(t *testing.T) {
	ctx := context.Background()
	db, err := testDB.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	texts := []string{"", "plain", "Zoë Ngũgĩ — “quoted”", "line\nbreak\ttab", "<b>&amp;</b>", "long " + string(slices.Repeat([]byte("x"), 70_000))}
	elements := func(q string, arg any) []string {
		t.Helper()
		return pgtest.Strings(t, db.SQL, q, arg)
	}
	if got := elements(`SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS a(x, n) ORDER BY n`, store.TextArrayOf(texts)); !slices.Equal(got, texts) {
		t.Errorf("text[]: got %d elements %.60q, want %d", len(got), got, len(texts))
	}
	if got := elements(`SELECT cardinality($1::text[])::text`, store.TextArrayOf(nil)); !slices.Equal(got, []string{"0"}) {
		t.Errorf("an empty text[]: cardinality %v", got)
	}
	docs := []string{`{}`, `{"methods":["Mixed methods."],"audience":["Students","Faculty"]}`, `[1, 2.5, null, true]`, `"Zoë"`, `{"b":{"c":[]}}`}
	var want []string
	for _, d := range docs {
		want = append(want, elements(`SELECT $1::jsonb::text`, d)...)
	}
	if got := elements(`SELECT x::text FROM unnest($1::jsonb[]) WITH ORDINALITY AS a(x, n) ORDER BY n`, store.JSONBArrayOf(docs)); !slices.Equal(got, want) {
		t.Errorf("jsonb[]: got %q, want %q", got, want)
	}
	// Among other parameters, as the batches send them: each array lands where it belongs in the
	// driver's buffer, after a long one (which makes the buffer grow) and when empty.
	long := strings.Repeat("y", 10_000)
	var (
		n             int64
		first, middle string
		empty         int
		doc, last     string
	)
	if err := db.SQL.QueryRowContext(ctx, `SELECT $1::bigint, array_to_string($2::text[], '|'), $3::text, coalesce(cardinality($4::jsonb[]), 0),
			($5::jsonb[])[2]->>'k', $6::text`,
		int64(7), store.TextArrayOf([]string{"a", long}), "mid", store.JSONBArrayOf(nil), store.JSONBArrayOf([]string{`1`, `{"k": "` + long + `"}`}), "end").
		Scan(&n, &first, &middle, &empty, &doc, &last); err != nil {
		t.Fatal(err)
	}
	if n != 7 || first != "a|"+long || middle != "mid" || empty != 0 || doc != long || last != "end" {
		t.Errorf("among other parameters: %d, %.20q, %q, %d, %.20q, %q", n, first, middle, empty, doc, last)
	}
	// Sent to a parameter of the other type, or through a connection without the codec, they fail
	// rather than arrive as a list of bytes.
	var text string
	if err := db.SQL.QueryRowContext(ctx, `SELECT ($1::jsonb[])::text`, store.TextArrayOf([]string{"AB"})).Scan(&text); err == nil {
		t.Errorf("a text[] sent as jsonb[] arrived as %s", text)
	}
	if err := db.SQL.QueryRowContext(ctx, `SELECT ($1::text[])::text`, store.JSONBArrayOf([]string{"{}"})).Scan(&text); err == nil {
		t.Errorf("a jsonb[] sent as text[] arrived as %s", text)
	}
	conn, err := pgx.Connect(ctx, testDB.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT ($1::jsonb[])::text`, store.JSONBArrayOf([]string{"{}"})).Scan(&text); err == nil {
		t.Errorf("a connection without the codec sent a jsonb[] as %s", text)
	}
	// A plain []string still goes as pgx encodes it.
	if got := elements(`SELECT x FROM unnest($1::text[]) AS a(x)`, []string{"as before"}); !slices.Equal(got, []string{"as before"}) {
		t.Errorf("[]string: %q", got)
	}
}
