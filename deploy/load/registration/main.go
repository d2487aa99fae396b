// Command registration prepares and checks the registration surge load test (deploy/load/run.sh):
//
//	go run ./deploy/load/registration setup   creates a conference open for registration with a
//	                                          capacity and a workshop, and prints them as shell variables
//	go run ./deploy/load/registration verify  checks in SQL that nothing was overbooked or duplicated
//
// Both read DATABASE_URL and SECRET_KEY as the server does. It works through the same services and
// store as the server, so the conference is set up exactly as organizers would set it up.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "registration load test:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: registration setup|verify [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	capacity := fs.Int("capacity", 5000, "places at the conference")
	workshopCapacity := fs.Int("workshop-capacity", 1000, "places in the workshop")
	people := fs.Int("people", 10000, "registrations the load test makes (verify)")
	slug := fs.String("slug", "", "the conference (verify)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Options{URL: os.Getenv("DATABASE_URL"), MaxConns: 4, StatementTimeout: time.Minute})
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "setup":
		return setup(ctx, db, *capacity, *workshopCapacity)
	case "verify":
		return verify(ctx, db, *slug, *people, *capacity, *workshopCapacity)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// discard is an outbox for setting up: setting up sends no mail.
type discard struct{}

// Enqueue implements notify.Outbox, sending nothing.
func (discard) Enqueue(context.Context, notify.Message) error { return nil }

func setup(ctx context.Context, db *store.DB, capacity, workshopCapacity int) error {
	if _, err := db.MigrateUp(ctx); err != nil {
		return err
	}
	rec := store.Audit{DB: db}
	confs := conference.NewService(store.Conferences{DB: db}, rec)
	regStore := store.Registrations{DB: db}
	regs := registration.NewService(registration.Options{Store: regStore, Conferences: regStore, Outbox: discard{}, Audit: rec,
		Secret: os.Getenv("SECRET_KEY"), BaseURL: "http://localhost", SiteName: "Load test"})
	accounts := account.NewService(account.Options{Store: store.Accounts{DB: db}, Outbox: discard{}, Audit: rec, Secret: os.Getenv("SECRET_KEY")})

	b := make([]byte, 4)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	conf, err := confs.Seed(ctx, conference.CreateInput{Slug: "surge-" + suffix, Name: "Challenging Norms (load test " + suffix + ")",
		TimeZone: "America/New_York", StartsOn: "2027-06-01", EndsOn: "2027-06-02"})
	if err != nil {
		return err
	}
	set := registration.DefaultSettings(conf.Name)
	set.Open, set.Capacity = true, &capacity
	set.JoinInfo = "Join at <https://meet.example.org/load-test>."
	if _, err := regs.SeedSettings(ctx, conf, set); err != nil {
		return err
	}
	// The workshop is added as an organizer would: an administrator of the installation may.
	admin, err := accounts.CreateUser(ctx, account.CreateUserInput{Email: "load-admin-" + suffix + "@example.org", Name: "Load Test",
		Password: "load test administrator " + suffix, Admin: true})
	if err != nil {
		return err
	}
	p, err := accounts.Principal(ctx, admin)
	if err != nil {
		return err
	}
	w, err := regs.CreateWorkshop(ctx, p, conf, registration.WorkshopInput{Title: "Auditing a curriculum for race-based medicine",
		Capacity: workshopCapacity, StartsAt: "2027-06-01T13:00", EndsAt: "2027-06-01T14:30"})
	if err != nil {
		return err
	}
	fmt.Printf("SLUG=%s\nWORKSHOP_ID=%d\n", conf.Slug, w.ID)
	return nil
}

// check is one line of the verification.
type check struct {
	what      string
	got, want int64
}

func verify(ctx context.Context, db *store.DB, slug string, people, capacity, workshopCapacity int) error {
	var confID, workshopID int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT id FROM conferences WHERE slug = $1`, slug).Scan(&confID); err != nil {
		return fmt.Errorf("conference %q: %w", slug, err)
	}
	if err := db.SQL.QueryRowContext(ctx, `SELECT id FROM workshops WHERE conference_id = $1`, confID).Scan(&workshopID); err != nil {
		return fmt.Errorf("workshop: %w", err)
	}
	one := func(q string, args ...any) int64 {
		var n int64
		if err := db.SQL.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", q, err)
			return -1
		}
		return n
	}
	waitlisted := people - capacity
	if waitlisted < 0 {
		waitlisted = 0
	}
	checks := []check{
		{"registrations", one(`SELECT count(*) FROM registrations WHERE conference_id = $1`, confID), int64(people)},
		{"addresses registered more than once", one(`SELECT count(*) FROM (SELECT lower(email) FROM registrations
			WHERE conference_id = $1 GROUP BY 1 HAVING count(*) > 1) d`, confID), 0},
		{"places taken (counter)", one(`SELECT places_taken FROM registration_settings WHERE conference_id = $1`, confID), int64(min(people, capacity))},
		{"registrations holding a place", one(`SELECT count(*) FROM registrations WHERE conference_id = $1 AND status IN ('registered', 'offered')`, confID), int64(min(people, capacity))},
		{"registrations on the waitlist", one(`SELECT count(*) FROM registrations WHERE conference_id = $1 AND status = 'waitlisted'`, confID), int64(waitlisted)},
		{"registrations in any other state", one(`SELECT count(*) FROM registrations WHERE conference_id = $1 AND status NOT IN ('registered', 'offered', 'waitlisted')`, confID), 0},
		{"workshop places taken (counter)", one(`SELECT places_taken FROM workshops WHERE id = $1`, workshopID), int64(min(workshopCapacity, capacity, people))},
		{"workshop sign-ups holding a place", one(`SELECT count(*) FROM workshop_signups WHERE workshop_id = $1 AND status IN ('registered', 'offered')`, workshopID), int64(min(workshopCapacity, capacity, people))},
		{"workshop places held without a conference place", one(`SELECT count(*) FROM workshop_signups s JOIN registrations r ON r.id = s.registration_id
			WHERE s.workshop_id = $1 AND s.status IN ('registered', 'offered') AND r.status NOT IN ('registered', 'offered')`, workshopID), 0},
		{"workshop sign-ups on its waitlist", one(`SELECT count(*) FROM workshop_signups WHERE workshop_id = $1 AND status = 'waitlisted'`, workshopID), int64(people - min(workshopCapacity, capacity, people))},
		{"registrations signed up for the workshop more than once", one(`SELECT count(*) FROM (SELECT registration_id FROM workshop_signups
			WHERE workshop_id = $1 GROUP BY 1 HAVING count(*) > 1) d`, workshopID), 0},
	}
	failed := false
	for _, c := range checks {
		mark := "ok"
		if c.got != c.want {
			mark, failed = "FAILED", true
		}
		fmt.Printf("%-58s %7d (want %7d)  %s\n", c.what, c.got, c.want, mark)
	}
	fmt.Printf("%-58s %7d\n", "demographic answers stored (apart from identities)", one(`SELECT count(*) FROM registration_demographics WHERE conference_id = $1`, confID))
	fmt.Printf("%-58s %7d\n", "confirmation messages queued", one(`SELECT count(*) FROM email_messages WHERE conference_id = $1`, confID))
	if failed {
		return errors.New("the database does not hold what the load test registered")
	}
	return nil
}
