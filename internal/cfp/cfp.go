// Package cfp is a conference's call for proposals: when it opens and closes (in the conference's
// time zone), its tracks, the formats people propose in with each format's fields and limits, the
// guide and FAQ pages, and the ways organizers let someone in after the deadline (an extension for a
// person, or an access link with its own expiry and number of uses).
//
// Proposals themselves live in package submission, which asks this package for the call and for the
// deadline that applies to a person.
package cfp

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/challenging-norms/conference/internal/question"
)

// Call is a conference's call for proposals.
type Call struct {
	ConferenceID int64
	OpensAt      time.Time
	// ClosesAt is the last instant a proposal may be submitted or changed (extensions aside): the
	// end of the closing day in the conference's time zone, e.g. 23:59:59 on June 30.
	ClosesAt     time.Time
	ContactEmail string
	// IntroMD, GuideMD and FAQMD are Markdown: the call page's introduction, the submission guide
	// and the frequently asked questions.
	IntroMD, GuideMD, FAQMD string
	Version                 int
	UpdatedAt               time.Time
}

// State is where the call stands at a moment.
type State string

// The states of a call.
const (
	NotYetOpen State = "not_yet_open"
	Open       State = "open"
	Closed     State = "closed"
)

// StateAt says whether the call is open at now.
func (c Call) StateAt(now time.Time) State {
	switch {
	case now.Before(c.OpensAt):
		return NotYetOpen
	case now.After(c.ClosesAt):
		return Closed
	}
	return Open
}

// The call's pages may name its times by these placeholders, which the pages show as the call's
// times are when they are read, with the year and time zone ("Wednesday 30 June 2027, 23:59 EDT"):
// a guide that names the deadline does not go on giving the old one after the call is moved.
const (
	OpensPlaceholder  = "{{opens}}"
	ClosesPlaceholder = "{{closes}}"
)

// Fill writes the call's times, in loc, into md, one of the call's pages, where it has placeholders.
func (c Call) Fill(md string, loc *time.Location) string {
	if !strings.Contains(md, "{{") {
		return md
	}
	return strings.NewReplacer(OpensPlaceholder, FormatTime(c.OpensAt, loc), ClosesPlaceholder, FormatTime(c.ClosesAt, loc)).Replace(md)
}

// Track is a strand of the program, e.g. graduate medical education.
type Track struct {
	ID           int64
	ConferenceID int64
	Name         string
	Description  string
	Position     int
	// ClientKey is the key of the request that made it (see TrackInput), or "".
	ClientKey string
}

// Format is a kind of proposal, e.g. a workshop, with its own fields and limits.
type Format struct {
	ID              int64
	ConferenceID    int64
	Name            string
	Description     string
	DurationMinutes int
	// MaxPresenters counts everyone presenting, the person who proposes included.
	MaxPresenters    int
	AbstractMaxWords int
	// Fields are asked after the title and abstract: the format's own fields and the organizers'
	// custom questions, in order.
	Fields []question.Question
	// Retired are the questions the format asked once and no longer asks, as last asked: the
	// answers given to them are shown under them, and asking one again (the same id and kind)
	// takes it back with its answers.
	Retired  []question.Question
	Position int
	// Accepting is false for a format no longer offered; its proposals stay.
	Accepting bool
	Version   int
	// ClientKey is the key of the request that made it (see FormatInput), or "".
	ClientKey string
	// FieldKeys maps the key of each form that added a field (see Service.AddField) to the id of
	// the field it added.
	FieldKeys map[string]string
}

// Field returns the format's field with the id.
func (f Format) Field(id string) (question.Question, bool) {
	for _, q := range f.Fields {
		if q.ID == id {
			return q, true
		}
	}
	return question.Question{}, false
}

// NoLongerAsked returns the question with the id that the format asked once and no longer asks.
func (f Format) NoLongerAsked(id string) (question.Question, bool) {
	if i := slices.IndexFunc(f.Retired, func(q question.Question) bool { return q.ID == id }); i >= 0 {
		return f.Retired[i], true
	}
	return question.Question{}, false
}

// Extension is a later deadline for one person's proposals in a conference.
type Extension struct {
	ID           int64
	ConferenceID int64
	UserID       int64
	UserName     string
	UserEmail    string
	Until        time.Time
	Reason       string
	GrantedBy    *int64
	// CreatedAt is when Until was set: granting the same deadline again keeps it.
	CreatedAt time.Time
	// Made counts the person's proposals to the conference, which the extension covers; Presents
	// those made by others that the person presents, which keep their own deadlines. Listing only.
	Made, Presents int
}

// AccessLink lets whoever holds it start a proposal outside the call's window, until it expires or
// is used up. The proposal's own deadline is the link's expiry.
type AccessLink struct {
	ID           int64
	ConferenceID int64
	Label        string
	Hash         []byte
	ExpiresAt    time.Time
	MaxUses      int
	Uses         int
	CreatedBy    *int64
	CreatedAt    time.Time
	RevokedAt    *time.Time
	// Holding counts the proposals started through the link to which its deadline still gives
	// time: their deadline is the link's, they are neither withdrawn nor decided, and the link's
	// expiry is later than now, than the call's close and than their proposer's extension.
	Holding int
	// FormatIDs are the formats the link starts proposals of, whether or not they take proposals
	// from everyone; none: the formats that take proposals.
	FormatIDs []int64
	// ClientKey is the key of the request that made it (see AccessLinkInput), or "".
	ClientKey string
}

// Allows reports whether the link starts proposals of the format.
func (l AccessLink) Allows(f Format) bool {
	if len(l.FormatIDs) == 0 {
		return f.Accepting
	}
	return slices.Contains(l.FormatIDs, f.ID)
}

// FormatsOf returns the formats of all that the link starts proposals of, in their order.
func (l AccessLink) FormatsOf(all []Format) []Format {
	var out []Format
	for _, f := range all {
		if l.Allows(f) {
			out = append(out, f)
		}
	}
	return out
}

// AccessLinkInput is what an organizer gives to make an access link: ExpiresAt a LocalLayout time
// in the conference's time zone; FormatIDs as AccessLink's. ClientKey, when not "", makes the link
// once however often the request is sent (see CreateAccessLink).
type AccessLinkInput struct {
	Label, ExpiresAt string
	MaxUses          int
	FormatIDs        []int64
	ClientKey        string
}

// Usable reports whether the link may still start a proposal at now.
func (l AccessLink) Usable(now time.Time) bool {
	return l.RevokedAt == nil && now.Before(l.ExpiresAt) && l.Uses < l.MaxUses
}

// NewAccessLink is a link just made: its secret (and URL) is shown once.
type NewAccessLink struct {
	AccessLink
	Secret string
	URL    string
}

// Store keeps calls. Methods join the transaction carried by ctx.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Call returns apperr NotFound when the conference has no call.
	Call(ctx context.Context, conferenceID int64) (Call, error)
	// CreateCall inserts the call (version 1); apperr Conflict when the conference has one.
	CreateCall(ctx context.Context, c *Call) error
	// UpdateCall saves c if its stored version is c.Version, and bumps the version; apperr Conflict
	// when another change came first.
	UpdateCall(ctx context.Context, c *Call) error

	Tracks(ctx context.Context, conferenceID int64) ([]Track, error)
	// CreateTrack inserts t; apperr Conflict (field "name") when the name is taken, and when its
	// client key made a track before.
	CreateTrack(ctx context.Context, t *Track) error
	// TrackByKey returns the conference's track made with the client key; apperr NotFound when none.
	TrackByKey(ctx context.Context, conferenceID int64, key string) (Track, error)
	// UpdateTrack saves t; apperr NotFound, apperr Conflict for a taken name.
	UpdateTrack(ctx context.Context, t Track) error
	// DeleteTrack removes the track; apperr Conflict when proposals use it.
	DeleteTrack(ctx context.Context, conferenceID, id int64) error

	Formats(ctx context.Context, conferenceID int64) ([]Format, error)
	// Format returns apperr NotFound when the conference has no such format.
	Format(ctx context.Context, conferenceID, id int64) (Format, error)
	// CreateFormat inserts f (version 1); apperr Conflict (field "name") when the name is taken,
	// and when its client key made a format before.
	CreateFormat(ctx context.Context, f *Format) error
	// FormatByKey returns the conference's format made with the client key; apperr NotFound when
	// none.
	FormatByKey(ctx context.Context, conferenceID int64, key string) (Format, error)
	// UpdateFormat saves f, its FieldKeys included, if its stored version is f.Version and bumps
	// it; apperr Conflict when another change came first or the name is taken.
	UpdateFormat(ctx context.Context, f *Format) error
	// DeleteFormat removes a format; apperr Conflict when proposals use it.
	DeleteFormat(ctx context.Context, conferenceID, id int64) error
	// Answered counts, for each of the format's questions named, the proposals that answered it in
	// any of their versions of this format.
	Answered(ctx context.Context, formatID int64, ids []string) (map[string]int, error)
	// Chosen counts, for each of the options named, the proposals of the format whose current
	// version chose it in answer to the question id.
	Chosen(ctx context.Context, formatID int64, id string, options []string) (map[string]int, error)

	// SubmittedTexts returns the current texts of the format's submitted proposals, by title.
	SubmittedTexts(ctx context.Context, formatID int64) ([]ProposalText, error)
	// Crowded counts the proposals of the format, not withdrawn, with more than max presenters
	// (invitations not declined included).
	Crowded(ctx context.Context, formatID int64, max int) (Crowding, error)

	Extensions(ctx context.Context, conferenceID int64) ([]Extension, error)
	// ExtensionFor returns the person's extension, or nil.
	ExtensionFor(ctx context.Context, conferenceID, userID int64) (*Extension, error)
	// SaveExtension inserts or replaces the person's extension, and sets e.ID and e.CreatedAt as
	// stored: a replacement with the same Until keeps the CreatedAt it had.
	SaveExtension(ctx context.Context, e *Extension) error
	// DeleteExtension deletes the extension and returns it, with the name and address of the person
	// it was for; apperr NotFound when there is none.
	DeleteExtension(ctx context.Context, conferenceID, id int64) (Extension, error)
	// ExtensionTakenBack reports whether the conference had the extension and it was taken back.
	ExtensionTakenBack(ctx context.Context, conferenceID, id int64) (bool, error)
	// UserByEmail returns the id and name of the account with the address; apperr NotFound when none.
	UserByEmail(ctx context.Context, email string) (int64, string, error)

	// AccessLinks lists the links, each with the number of proposals whose time it gives at the
	// moment at (Holding).
	AccessLinks(ctx context.Context, conferenceID int64, at time.Time) ([]AccessLink, error)
	// AccessLink reads one as AccessLinks does, locked for update when lock; apperr NotFound when
	// the conference has no such link.
	AccessLink(ctx context.Context, conferenceID, id int64, at time.Time, lock bool) (AccessLink, error)
	// CreateAccessLink inserts l; apperr Conflict when its client key made a link before.
	CreateAccessLink(ctx context.Context, l *AccessLink) error
	// AccessLinkByKey reads the link made with the client key as AccessLinks does; apperr NotFound
	// when none.
	AccessLinkByKey(ctx context.Context, conferenceID int64, key string, at time.Time) (AccessLink, error)
	// AccessLinkForUpdate locks the link with the hash; apperr NotFound when none.
	AccessLinkForUpdate(ctx context.Context, conferenceID int64, hash []byte) (AccessLink, error)
	// UseAccessLink counts one use.
	UseAccessLink(ctx context.Context, id int64) error
	// RevokeAccessLink returns apperr NotFound when there is no such live link.
	RevokeAccessLink(ctx context.Context, conferenceID, id int64, at time.Time) error
	// EndLinkTime takes their own deadline from the proposals, not withdrawn, that have the link's
	// expiry as their deadline; it returns their ids, and how many of them the link gave time at
	// the moment at (see AccessLink.Holding).
	EndLinkTime(ctx context.Context, l AccessLink, at time.Time) ([]int64, int, error)
}
