// Package registration is free registration for a conference's attendees: a form per conference
// with the organizers' own questions, double opt-in by email, a personal link to manage or cancel,
// an optional capacity with a waitlist whose offers hold a place for a set time, capacity-limited
// workshops with waitlists of their own, accommodation needs, attendance marks, and optional
// self-identified demographic answers that are kept apart from identities and only ever read as
// aggregates with small counts suppressed.
//
// # When a place counts
//
// A place counts against the capacity from the moment a person registers, before they confirm their
// address: the place is held for ConfirmWithin and lapses, passing to the waitlist, when the address
// is not confirmed by then. An offer to someone on the waitlist holds a place too, until it is taken
// up or runs out. Every change to the number of places taken happens under a lock on the
// conference's settings row (SELECT … FOR UPDATE, or an UPDATE of that row), and the database
// refuses a count above the capacity, so the conference is never overbooked, however many people
// register at once. A workshop's places work the same way under the workshop's row.
//
// Locks are always taken in one order — the conference's settings row, then registrations, then
// workshops by id, then workshop sign-ups — so that concurrent changes queue instead of deadlocking.
package registration

import (
	"context"
	"slices"
	"time"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/question"
)

// Status is where a registration (or a workshop sign-up) stands.
type Status string

// The statuses.
const (
	Registered Status = "registered" // holds a place
	Waitlisted Status = "waitlisted" // in line for a place
	Offered    Status = "offered"    // a place is held for the person until the offer runs out
	Cancelled  Status = "cancelled"  // by the person or an organizer
	Expired    Status = "expired"    // never confirmed, or an offer that was not taken up
)

// Statuses lists every status, in the order lists show them.
var Statuses = []Status{Registered, Offered, Waitlisted, Cancelled, Expired}

// Live reports whether the registration still counts: registered, waitlisted or offered.
func (s Status) Live() bool { return s == Registered || s == Waitlisted || s == Offered }

// HoldsPlace reports whether the registration takes one of the places.
func (s Status) HoldsPlace() bool { return s == Registered || s == Offered }

// Label is the status for people.
func (s Status) Label() string {
	switch s {
	case Registered:
		return "Registered"
	case Waitlisted:
		return "On the waitlist"
	case Offered:
		return "Place offered"
	case Cancelled:
		return "Cancelled"
	case Expired:
		return "Lapsed"
	}
	return string(s)
}

// Accommodation is an access need a person asks the organizers to provide.
type Accommodation string

// The accommodations a registration form asks about.
const (
	Captions           Accommodation = "captions"
	ASL                Accommodation = "asl"
	OtherAccommodation Accommodation = "other"
)

// Accommodations lists the accommodations with their names for people, in the order forms offer them.
var Accommodations = []struct {
	Value Accommodation
	Label string
}{
	{Captions, "Live captions"},
	{ASL, "American Sign Language (ASL) interpretation"},
	{OtherAccommodation, "Something else (describe below)"},
}

// Label is the accommodation for people.
func (a Accommodation) Label() string {
	for _, x := range Accommodations {
		if x.Value == a {
			return x.Label
		}
	}
	return string(a)
}

// Source says who made a registration.
type Source string

// The sources.
const (
	SelfRegistered Source = "self"      // the person, through the form or the API
	ByOrganizer    Source = "organizer" // added by hand by an organizer
)

// Registration is one person's registration for one conference.
type Registration struct {
	ID                  int64
	ConferenceID        int64
	UserID              *int64 // the account it belongs to, when registered while signed in
	Email               string // lower case
	Name                string
	Pronouns            string
	Role                account.ParticipantRole
	RoleOther           string
	Institution         string
	Accommodations      []Accommodation
	AccommodationsOther string
	Answers             question.Answers // to the organizers' questions
	Status              Status
	Source              Source
	ConsentedAt         *time.Time // to the privacy statement; nil for people added by organizers
	EmailConfirmedAt    *time.Time
	ConfirmBy           *time.Time // an unconfirmed registration lapses then
	OfferExpiresAt      *time.Time
	Offers              int // how many offers were made to the person
	AttendedAt          *time.Time
	DemographicsKey     []byte // random; its keyed hash names the demographic answers
	CancelledAt         *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Confirmed reports whether the person confirmed their address (or an organizer added them).
func (r Registration) Confirmed() bool { return r.EmailConfirmedAt != nil }

// Attended reports whether an organizer marked the person as attending.
func (r Registration) Attended() bool { return r.AttendedAt != nil }

// Needs reports whether the person asked for the accommodation.
func (r Registration) Needs(a Accommodation) bool { return slices.Contains(r.Accommodations, a) }

// RoleText is the role as shown: its label, or the person's own words for "other".
func (r Registration) RoleText() string {
	return account.Profile{Role: r.Role, RoleOther: r.RoleOther}.RoleText()
}

// StatusText describes the registration's state in a few words, e.g. "Registered, address not
// confirmed".
func (r Registration) StatusText() string {
	if r.Status.Live() && !r.Confirmed() {
		return r.Status.Label() + " (address not confirmed)"
	}
	return r.Status.Label()
}

// Settings is how registration works for one conference; organizers edit them.
type Settings struct {
	ConferenceID int64
	// Exists is false until organizers first save settings; registration is closed until then.
	Exists bool
	// Open is the organizers' switch; OpensAt and ClosesAt, when set, bound it in time.
	Open     bool
	OpensAt  *time.Time
	ClosesAt *time.Time
	// Capacity is the number of places; nil for no limit.
	Capacity    *int
	PlacesTaken int
	// OfferHold is how long an offer to someone on the waitlist holds the place.
	OfferHold time.Duration
	// PrivacyStatement is the Markdown statement people consent to.
	PrivacyStatement string
	// JoinInfo is Markdown on how to join, shown only to confirmed registrants with a place.
	JoinInfo string
	// Questions are the organizers' own questions.
	Questions []question.Question
	// Demographics lists the ids of the demographic questions asked (see DemographicQuestions).
	Demographics []string
	UpdatedAt    time.Time
}

// PlacesLeft returns the number of free places, and false when there is no limit.
func (s Settings) PlacesLeft() (int, bool) {
	if s.Capacity == nil {
		return 0, false
	}
	return max(0, *s.Capacity-s.PlacesTaken), true
}

// Full reports whether every place is taken, so new registrations join the waitlist.
func (s Settings) Full() bool {
	n, limited := s.PlacesLeft()
	return limited && n == 0
}

// Phase is whether a registration form takes registrations, and why not.
type Phase string

// The phases.
const (
	NotSetUp   Phase = "not_set_up" // organizers have not set up registration
	NotOpen    Phase = "closed"     // organizers closed it, or have not opened it yet
	NotYetOpen Phase = "not_yet"    // it opens at OpensAt
	Ended      Phase = "ended"      // it closed at ClosesAt
	Open       Phase = "open"
)

// PhaseAt says whether registration is open at now.
func (s Settings) PhaseAt(now time.Time) Phase {
	switch {
	case !s.Exists:
		return NotSetUp
	case !s.Open:
		return NotOpen
	case s.OpensAt != nil && now.Before(*s.OpensAt):
		return NotYetOpen
	case s.ClosesAt != nil && !now.Before(*s.ClosesAt):
		return Ended
	}
	return Open
}

// Workshop is a capacity-limited activity of a conference with its own sign-up and waitlist. A
// scheduled session can point at one.
type Workshop struct {
	ID           int64
	ConferenceID int64
	Title        string
	Description  string // Markdown
	Capacity     int
	PlacesTaken  int
	StartsAt     *time.Time
	EndsAt       *time.Time
	CreatedAt    time.Time
	// ClientKey is the key of the request that added it (see WorkshopInput), or "".
	ClientKey string
}

// PlacesLeft returns the number of free places.
func (w Workshop) PlacesLeft() int { return max(0, w.Capacity-w.PlacesTaken) }

// Full reports whether every place is taken.
func (w Workshop) Full() bool { return w.PlacesLeft() == 0 }

// Signup is one registration's sign-up for one workshop.
type Signup struct {
	ID             int64
	WorkshopID     int64
	RegistrationID int64
	Status         Status
	OfferExpiresAt *time.Time
	Offers         int
	CreatedAt      time.Time
}

// Purpose is what an emailed link is for.
type Purpose string

// The purposes of emailed links.
const (
	ConfirmLink Purpose = "confirm" // confirms the address; single use
	ManageLink  Purpose = "manage"  // the attendee's personal link, until after the conference
)

// Token is an emailed link as stored: only a keyed hash of its secret.
type Token struct {
	ID             int64
	RegistrationID int64
	Purpose        Purpose
	Hash           []byte
	ExpiresAt      time.Time
	UsedAt         *time.Time
}

// Filter selects registrations for organizers' lists.
type Filter struct {
	ConferenceID int64
	// Query matches name, email or institution, in part and ignoring case.
	Query  string
	Status Status // "" for all; "unconfirmed" is not a status: use Unconfirmed
	// Unconfirmed selects live registrations whose address is not confirmed.
	Unconfirmed bool
	Attended    *bool
	Offset      int
	Limit       int // 0 for all
}

// Counts summarizes a conference's registrations.
type Counts struct {
	Registered  int // holding a place, address confirmed
	Unconfirmed int // holding a place, address not confirmed yet
	Offered     int
	Waitlisted  int
	Cancelled   int
	Expired     int
	Attended    int
}

// Due is something whose time has come: an unconfirmed registration to lapse, or an offer to pass on.
type Due struct {
	ConferenceID int64
	Kind         DueKind
	ID           int64 // of the registration, or of the workshop sign-up
}

// DueKind names what is due.
type DueKind string

// The kinds of due work.
const (
	DueUnconfirmed   DueKind = "unconfirmed"
	DueOffer         DueKind = "offer"
	DueWorkshopOffer DueKind = "workshop_offer"
)

// NeedRow is one person who asked for accommodations, for organizers.
type NeedRow struct {
	RegistrationID      int64
	Name                string
	Email               string
	Status              Status
	Accommodations      []Accommodation
	AccommodationsOther string
}

// UserRegistration is a registration as the account page lists it.
type UserRegistration struct {
	Registration
	ConferenceSlug string
	ConferenceName string
	StartsOn       time.Time
}

// Store keeps registrations. Methods join the transaction carried by ctx. Methods that return one
// thing return apperr NotFound when there is none.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	// Settings returns the conference's settings; Exists is false when none were saved.
	Settings(ctx context.Context, conferenceID int64) (Settings, error)
	// LockSettings locks the conference's settings row (creating it, closed, when missing) and
	// returns it: the conference's lock for everything that changes places.
	LockSettings(ctx context.Context, conferenceID int64) (Settings, error)
	// SaveSettings writes everything but PlacesTaken.
	SaveSettings(ctx context.Context, s Settings) error
	// TakePlace counts one more place taken, unless every place is taken; it reports whether it did.
	TakePlace(ctx context.Context, conferenceID int64) (bool, error)
	// ReleasePlace counts one place fewer.
	ReleasePlace(ctx context.Context, conferenceID int64) error

	// CreateRegistration inserts r and sets its ID and times. It reports false, inserting nothing,
	// when the address already has a live registration for the conference.
	CreateRegistration(ctx context.Context, r *Registration) (bool, error)
	// LiveByEmail returns the live registration of the (lower-case) address.
	LiveByEmail(ctx context.Context, conferenceID int64, email string) (Registration, error)
	Registration(ctx context.Context, conferenceID, id int64) (Registration, error)
	// LockRegistration locks and returns a registration of the conference.
	LockRegistration(ctx context.Context, conferenceID, id int64) (Registration, error)
	// UpdateRegistration writes every field of r but its id, conference, email, source and key.
	UpdateRegistration(ctx context.Context, r *Registration) error
	// Registrations lists what f selects, oldest first, with the number of matches before paging.
	Registrations(ctx context.Context, f Filter) ([]Registration, int, error)
	Counts(ctx context.Context, conferenceID int64) (Counts, error)
	// NextWaitlisted locks and returns up to n confirmed registrations on the waitlist, first in line first.
	NextWaitlisted(ctx context.Context, conferenceID int64, n int) ([]Registration, error)
	// WaitlistPosition is the registration's place in line among live waitlisted ones (1 = next).
	WaitlistPosition(ctx context.Context, r Registration) (int, error)
	// ForUser lists the registrations of an account, or made with its (confirmed) address.
	ForUser(ctx context.Context, userID int64, email string) ([]UserRegistration, error)
	// Due lists up to limit things whose time came at now.
	Due(ctx context.Context, now time.Time, limit int) ([]Due, error)
	// Needs lists the live registrations that asked for accommodations; workshopID 0 for the
	// conference, else the workshop's live sign-ups.
	Needs(ctx context.Context, conferenceID, workshopID int64) ([]NeedRow, error)

	CreateToken(ctx context.Context, t *Token) error
	// DeleteTokensExpiredBefore removes links that expired before the time, and reports how many.
	DeleteTokensExpiredBefore(ctx context.Context, t time.Time) (int64, error)
	// TokenForUpdate locks and returns the token with the hash.
	TokenForUpdate(ctx context.Context, p Purpose, hash []byte) (Token, error)
	UseToken(ctx context.Context, id int64, at time.Time) error

	// SaveDemographics sets the answers stored under the key hash.
	SaveDemographics(ctx context.Context, conferenceID int64, keyHash []byte, answers question.Answers) error
	// DeleteDemographics removes them and reports whether there were any.
	DeleteDemographics(ctx context.Context, keyHash []byte) (bool, error)
	HasDemographics(ctx context.Context, keyHash []byte) (bool, error)
	// DemographicCounts counts answers: the only way demographic answers are ever read.
	DemographicCounts(ctx context.Context, conferenceID int64) (DemographicCounts, error)

	Workshops(ctx context.Context, conferenceID int64) ([]Workshop, error)
	Workshop(ctx context.Context, conferenceID, id int64) (Workshop, error)
	// LockWorkshops locks the conference's workshops, in id order, and returns them.
	LockWorkshops(ctx context.Context, conferenceID int64) ([]Workshop, error)
	// CreateWorkshop inserts w; apperr Conflict when its client key added a workshop before.
	CreateWorkshop(ctx context.Context, w *Workshop) error
	// WorkshopByKey returns the conference's workshop added with the client key; apperr NotFound
	// when none.
	WorkshopByKey(ctx context.Context, conferenceID int64, key string) (Workshop, error)
	// UpdateWorkshop writes title, description, capacity and times.
	UpdateWorkshop(ctx context.Context, w Workshop) error
	DeleteWorkshop(ctx context.Context, conferenceID, id int64) error
	// TakeWorkshopPlace counts one more place taken unless the workshop is full; it reports whether it did.
	TakeWorkshopPlace(ctx context.Context, workshopID int64) (bool, error)
	ReleaseWorkshopPlace(ctx context.Context, workshopID int64) error
	// CreateSignup inserts s; false when the registration already has a live sign-up for the workshop.
	CreateSignup(ctx context.Context, s *Signup) (bool, error)
	// Signups lists a registration's sign-ups, every status, newest last.
	Signups(ctx context.Context, registrationID int64) ([]Signup, error)
	// LockSignup locks and returns a sign-up.
	LockSignup(ctx context.Context, id int64) (Signup, error)
	UpdateSignup(ctx context.Context, s Signup) error
	// NextWorkshopWaitlisted locks and returns up to n waitlisted sign-ups whose registration holds a
	// confirmed place, first in line first.
	NextWorkshopWaitlisted(ctx context.Context, workshopID int64, n int) ([]Signup, error)
	// WorkshopWaitlistPosition is the sign-up's place in its workshop's line (1 = next).
	WorkshopWaitlistPosition(ctx context.Context, s Signup) (int, error)
	// Participants lists a workshop's live sign-ups with their registrations.
	Participants(ctx context.Context, workshopID int64) ([]Participant, error)
	// SignupCounts counts a workshop's sign-ups by status.
	SignupCounts(ctx context.Context, workshopID int64) (map[Status]int, error)
}

// Participant is a workshop sign-up with its registration, for organizers.
type Participant struct {
	Signup       Signup
	Registration Registration
}
