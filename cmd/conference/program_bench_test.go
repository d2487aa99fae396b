package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/conference"
)

// Benchmarks of the program's paths that cannot come from the version's cache: what a signed-in
// attendee reads, with their own stars and the meeting links. The anonymous paths are measured
// under load by deploy/load/program.sh.

// benchProgram publishes a program of the real size and returns an API token of an attendee who
// starred a few sessions.
func benchProgram(b *testing.B) (*testApp, programFixture, string) {
	ta := startApp(b)
	ctx := context.Background()
	slug := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	conf, err := ta.confs.Seed(ctx, conference.CreateInput{Slug: slug, Name: "Challenging Norms (bench)", TimeZone: "America/New_York",
		StartsOn: "2027-10-08", EndsOn: "2027-10-09"})
	if err != nil {
		b.Fatal(err)
	}
	f := programFixture{conf: conf, prog: demoProgram(conf, 3)}
	publish(b, ta, f.prog)
	email := uniqueEmail("bench.program")
	u, err := ta.accounts.CreateUser(ctx, account.CreateUserInput{Email: email, Name: "Bench Attendee", Password: "benchmark password"})
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range []int64{1, 4, 9, 20, 33} {
		if err := ta.agenda.Star(ctx, u.ID, f.prog, id); err != nil {
			b.Fatal(err)
		}
	}
	tok, err := ta.accounts.CreateAPIToken(ctx, u, "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	return ta, f, tok.Secret
}

// BenchmarkProgramAPISignedIn is the whole program as JSON for a signed-in attendee: token, roles,
// registration, stars, and the program from the cache.
func BenchmarkProgramAPISignedIn(b *testing.B) {
	ta, f, token := benchProgram(b)
	benchGet(b, ta.URL+"/api/v1/conferences/"+f.conf.Slug+"/program", token)
}

// BenchmarkProgramAgendaFeed is a personal calendar feed: the secret's owner, their registration,
// their stars, and the feed written for them.
func BenchmarkProgramAgendaFeed(b *testing.B) {
	ta, f, _ := benchProgram(b)
	ctx := context.Background()
	var userID int64
	if err := ta.db.SQL.QueryRow(`SELECT user_id FROM program_stars WHERE conference_id = $1 LIMIT 1`, f.conf.ID).Scan(&userID); err != nil {
		b.Fatal(err)
	}
	secret, err := ta.agenda.NewFeedToken(ctx, userID, f.conf.ID)
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, ta.URL+f.path("/feeds/"+secret+"/agenda.ics"), "")
}
