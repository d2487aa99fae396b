// Package conference holds conferences (events): each has a slug, a name, a time zone, its dates, and its
// own team of organizers and reviewers. Later its call, schedule and registration hang off it.
package conference

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/memo"
)

// Conference is one event.
type Conference struct {
	ID       int64
	Slug     string
	Name     string
	TimeZone string
	// StartsOn and EndsOn are calendar dates (midnight UTC stands for the date).
	StartsOn  time.Time
	EndsOn    time.Time
	CreatedAt time.Time
}

// Location returns the conference's time zone.
func (c Conference) Location() *time.Location {
	if loc, ok := locations.Load(c.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	locations.Store(c.TimeZone, loc)
	return loc
}

// locations keeps each time zone once loaded: time.LoadLocation reads and parses the zone's file
// each time, and nearly every request about a conference needs its time zone. A *time.Location is
// immutable and safe to share.
var locations sync.Map

// Member is a person holding a role in a conference.
type Member struct {
	UserID    int64
	Name      string
	Email     string
	Role      access.Role
	GrantedAt time.Time
}

// Store keeps conferences and their teams. Methods join the transaction carried by ctx.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Create inserts c and sets ID and CreatedAt; apperr Conflict (field "slug") when the slug is taken.
	Create(ctx context.Context, c *Conference) error
	// BySlug returns apperr NotFound when there is no such conference.
	BySlug(ctx context.Context, slug string) (Conference, error)
	List(ctx context.Context) ([]Conference, error)
	Members(ctx context.Context, conferenceID int64) ([]Member, error)
	// UserIDByEmail returns apperr NotFound when no account has the address.
	UserIDByEmail(ctx context.Context, email string) (int64, error)
	// Grant adds the role; it reports false when the person already held it.
	Grant(ctx context.Context, conferenceID, userID int64, role access.Role, by int64) (bool, error)
	// Revoke removes the role; apperr NotFound when the person did not hold it.
	Revoke(ctx context.Context, conferenceID, userID int64, role access.Role) error
	// CountRole counts the holders of a role, locking them.
	CountRole(ctx context.Context, conferenceID int64, role access.Role) (int64, error)
}

// Service is the conference use cases. Every method checks the principal against the access policy.
type Service struct {
	store Store
	audit audit.Recorder
	// bySlug keeps conferences read by their slug for a few seconds: every page and API call of a
	// conference starts by reading it.
	bySlug *memo.Cache[string, Conference]
}

// NewService returns a Service.
func NewService(store Store, rec audit.Recorder) *Service {
	return &Service{store: store, audit: rec, bySlug: memo.New[string, Conference](5 * time.Second)}
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// CreateInput describes a new conference. Dates are YYYY-MM-DD. Organizer, when not empty, is the
// address of the account to make the conference's first organizer.
type CreateInput struct {
	Slug, Name, TimeZone, StartsOn, EndsOn string
	Organizer                              string
}

// noOrganizer is the error for a first organizer whose address no account uses.
const noOrganizer = "No account uses this address. Ask the person to sign up first, or leave this empty and add organizers later."

// Create makes a conference and, in the same transaction, gives its first organizer the role; only
// admins may. Returns apperr Invalid with field errors (an organizer's address no account uses
// among them), apperr Conflict for a taken slug, and the policy's errors.
func (s *Service) Create(ctx context.Context, p *access.Principal, in CreateInput) (Conference, error) {
	if err := access.Check(p, access.CreateConference, 0); err != nil {
		return Conference{}, err
	}
	return s.create(ctx, audit.Entry{ActorID: &p.UserID, ActorEmail: p.Email}, in)
}

// CheckCreate checks in as Create would, creating nothing: apperr Invalid with every field error
// Create would give (not a slug taken), and the policy's errors.
func (s *Service) CheckCreate(ctx context.Context, p *access.Principal, in CreateInput) error {
	if err := access.Check(p, access.CreateConference, 0); err != nil {
		return err
	}
	_, _, err := s.check(ctx, in)
	return err
}

// Seed creates a conference from the command line, where there is no principal. Same errors as Create.
func (s *Service) Seed(ctx context.Context, in CreateInput) (Conference, error) {
	return s.create(ctx, audit.Entry{}, in)
}

// check is validate, and the first organizer's address: well formed, and an account's.
func (s *Service) check(ctx context.Context, in CreateInput) (Conference, string, error) {
	c, err := validate(in)
	organizer := strings.ToLower(strings.TrimSpace(in.Organizer))
	if organizer == "" {
		return c, "", err
	}
	var fe apperr.Fields
	if ae, ok := apperr.As(err); ok {
		for _, x := range ae.Fields {
			fe.Add(x.Field, x.Message)
		}
	}
	if m := account.EmailProblem(organizer); m != "" {
		fe.Add("organizer", m)
	} else if _, err := s.store.UserIDByEmail(ctx, organizer); apperr.Is(err, apperr.NotFound) {
		fe.Add("organizer", noOrganizer)
	} else if err != nil {
		return c, organizer, err
	}
	return c, organizer, fe.Err()
}

func (s *Service) create(ctx context.Context, by audit.Entry, in CreateInput) (Conference, error) {
	c, organizer, err := s.check(ctx, in)
	if err != nil {
		return c, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Create(ctx, &c); err != nil {
			return err
		}
		created := by
		created.Action, created.Subject, created.ConferenceID = "conference.created", "conference:"+c.Slug, &c.ID
		if err := s.audit.Record(ctx, created); err != nil {
			return err
		}
		if organizer == "" {
			return nil
		}
		// Looked up again here: the account may have gone since the check.
		uid, err := s.store.UserIDByEmail(ctx, organizer)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("organizer", noOrganizer)
		}
		if err != nil {
			return err
		}
		var byID int64
		if by.ActorID != nil {
			byID = *by.ActorID
		}
		if _, err := s.store.Grant(ctx, c.ID, uid, access.Organizer, byID); err != nil {
			return err
		}
		granted := by
		granted.Action, granted.Subject, granted.ConferenceID, granted.Details = "role.granted", fmt.Sprintf("user:%d", uid), &c.ID, string(access.Organizer)
		return s.audit.Record(ctx, granted)
	})
	return c, err
}

func validate(in CreateInput) (Conference, error) {
	c := Conference{Slug: strings.TrimSpace(in.Slug), Name: strings.TrimSpace(in.Name), TimeZone: strings.TrimSpace(in.TimeZone)}
	var fe apperr.Fields
	switch {
	case c.Slug == "":
		fe.Add("slug", "Enter a short name for addresses, e.g. challenging-norms-2027.")
	case len(c.Slug) > 60 || !slugRE.MatchString(c.Slug):
		fe.Add("slug", "Use at most 60 lower-case letters, digits and single hyphens, e.g. challenging-norms-2027.")
	}
	switch n := utf8.RuneCountInString(c.Name); {
	case n == 0:
		fe.Add("name", "Enter the conference's name.")
	case n > 200:
		fe.Add("name", "Use at most 200 characters.")
	}
	if c.TimeZone == "" {
		fe.Add("time_zone", "Choose the conference's time zone, e.g. America/New_York.")
	} else if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
		fe.Add("time_zone", fmt.Sprintf("%q is not a time zone we know; use a name like America/New_York.", c.TimeZone))
	}
	var err error
	if c.StartsOn, err = time.Parse(time.DateOnly, strings.TrimSpace(in.StartsOn)); err != nil {
		fe.Add("starts_on", "Enter the first day as YYYY-MM-DD.")
	}
	if c.EndsOn, err = time.Parse(time.DateOnly, strings.TrimSpace(in.EndsOn)); err != nil {
		fe.Add("ends_on", "Enter the last day as YYYY-MM-DD.")
	}
	if !fe.Has("starts_on") && !fe.Has("ends_on") {
		if c.EndsOn.Before(c.StartsOn) {
			fe.Add("ends_on", "The last day cannot be before the first day.")
		} else if c.EndsOn.Sub(c.StartsOn) > 31*24*time.Hour {
			fe.Add("ends_on", "A conference can last at most 31 days.")
		}
	}
	return c, fe.Err()
}

// Get returns a conference by slug; anyone may read the public facts. apperr NotFound when none.
func (s *Service) Get(ctx context.Context, slug string) (Conference, error) {
	return s.bySlug.Get(slug, func() (Conference, error) { return s.store.BySlug(ctx, slug) })
}

// List returns all conferences.
func (s *Service) List(ctx context.Context) ([]Conference, error) { return s.store.List(ctx) }

// Members lists a conference's team; organizers and admins may.
func (s *Service) Members(ctx context.Context, p *access.Principal, c Conference) ([]Member, error) {
	if err := access.Check(p, access.ManageConference, c.ID); err != nil {
		return nil, err
	}
	return s.store.Members(ctx, c.ID)
}

// Grant gives the account with the address a role in the conference; organizers and admins may.
// Returns apperr Invalid (fields "email", "role") for an address that is not one or no account's,
// or an unknown role.
func (s *Service) Grant(ctx context.Context, p *access.Principal, c Conference, email string, role access.Role) error {
	if err := access.Check(p, access.ManageConference, c.ID); err != nil {
		return err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if err := checkGrant(email, role); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		uid, err := s.store.UserIDByEmail(ctx, email)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("email", noMember)
		}
		if err != nil {
			return err
		}
		added, err := s.store.Grant(ctx, c.ID, uid, role, p.UserID)
		if err != nil || !added {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{ActorID: &p.UserID, ActorEmail: p.Email, Action: "role.granted",
			Subject: fmt.Sprintf("user:%d", uid), ConferenceID: &c.ID, Details: string(role)})
	})
}

// noMember is the error for a role given to an address no account uses.
const noMember = "No account uses this address. Ask the person to sign up first, then add them."

func checkGrant(email string, role access.Role) error {
	var fe apperr.Fields
	if email == "" {
		fe.Add("email", "Enter the email address of the person's account.")
	} else if m := account.EmailProblem(email); m != "" {
		fe.Add("email", m)
	}
	if !role.Valid() {
		fe.Add("role", "Choose organizer or reviewer.")
	}
	return fe.Err()
}

// CheckGrant checks a role given as Grant would, giving none: apperr Invalid with every field error
// (an address no account uses among them), and the policy's errors.
func (s *Service) CheckGrant(ctx context.Context, p *access.Principal, c Conference, email string, role access.Role) error {
	if err := access.Check(p, access.ManageConference, c.ID); err != nil {
		return err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	err := checkGrant(email, role)
	if email == "" || account.EmailProblem(email) != "" {
		return err
	}
	if _, lerr := s.store.UserIDByEmail(ctx, email); apperr.Is(lerr, apperr.NotFound) {
		return apperr.JoinFields(err, apperr.Field("email", noMember))
	} else if lerr != nil {
		return lerr
	}
	return err
}

// Revoke takes a role away; organizers and admins may. Returns apperr NotFound when the person did not
// hold it and apperr Conflict when it would leave the conference without an organizer.
func (s *Service) Revoke(ctx context.Context, p *access.Principal, c Conference, userID int64, role access.Role) error {
	if err := access.Check(p, access.ManageConference, c.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if role == access.Organizer && !p.Admin {
			n, err := s.store.CountRole(ctx, c.ID, access.Organizer)
			if err != nil {
				return err
			}
			if n <= 1 {
				return apperr.New(apperr.Conflict, "A conference needs at least one organizer. Add another organizer first.")
			}
		}
		if err := s.store.Revoke(ctx, c.ID, userID, role); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{ActorID: &p.UserID, ActorEmail: p.Email, Action: "role.revoked",
			Subject: fmt.Sprintf("user:%d", userID), ConferenceID: &c.ID, Details: string(role)})
	})
}
