// Package program is the public side of a conference's published program: the cache that serves
// the latest published version, its views (by day, track and format, search), the calendar feeds
// and the exports for conference apps, who may see the rooms' meeting links, and each person's
// agenda of starred sessions with its secret calendar address.
//
// It reads only published versions (schedule.Published), never the organizers' working copy.
package program

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/schedule"
)

// Viewer is who reads the program: a principal (nil for an anonymous visitor) and whether they are a
// registered attendee with a confirmed address.
type Viewer struct {
	Principal  *access.Principal
	Registered bool
}

// MeetingLinks reports whether the viewer may see the meeting links of the program's rooms: the
// conference's organizers (access.ViewMeetingLinks), registered and confirmed attendees, and the
// presenters and chairs of the program.
func MeetingLinks(p schedule.Program, v Viewer) bool {
	if v.Registered {
		return true
	}
	if v.Principal == nil {
		return false
	}
	return v.Principal.Can(access.ViewMeetingLinks, p.ConferenceID) || p.Involves(v.Principal.UserID)
}

// Store keeps stars and feed addresses. internal/store implements it.
type Store interface {
	// Stars lists the session ids a person starred in a conference.
	Stars(ctx context.Context, userID, conferenceID int64) ([]int64, error)
	// Star adds a star; starring twice is not an error.
	Star(ctx context.Context, userID, conferenceID, sessionID int64) error
	// Unstar removes a star; removing one that is not there is not an error.
	Unstar(ctx context.Context, userID, conferenceID, sessionID int64) error
	// ReplaceFeedToken revokes the person's live feed address and stores the hash of a new one.
	ReplaceFeedToken(ctx context.Context, userID, conferenceID int64, hash []byte) error
	// RevokeFeedToken revokes the person's live feed address, if any.
	RevokeFeedToken(ctx context.Context, userID, conferenceID int64) error
	// HasFeedToken reports whether the person has a live feed address.
	HasFeedToken(ctx context.Context, userID, conferenceID int64) (bool, error)
	// FeedOwner returns the person and conference of a live feed address by its hash, or apperr
	// NotFound.
	FeedOwner(ctx context.Context, hash []byte) (userID, conferenceID int64, err error)
}

// Agenda is the personal agenda: stars and the personal calendar feed.
type Agenda struct {
	store  Store
	secret []byte
}

// NewAgenda returns the agenda service; secret keys the stored hashes of feed addresses.
func NewAgenda(store Store, secret string) *Agenda {
	return &Agenda{store: store, secret: []byte(secret)}
}

// Stars returns the set of sessions the person starred.
func (a *Agenda) Stars(ctx context.Context, userID, conferenceID int64) (map[int64]bool, error) {
	ids, err := a.store.Stars(ctx, userID, conferenceID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Star adds a session of the published program to the person's agenda. apperr NotFound when the
// latest version has no such session.
func (a *Agenda) Star(ctx context.Context, userID int64, p schedule.Program, sessionID int64) error {
	if _, ok := p.Session(sessionID); !ok {
		return apperr.New(apperr.NotFound, "The program has no such session.")
	}
	return a.store.Star(ctx, userID, p.ConferenceID, sessionID)
}

// Unstar removes a session from the person's agenda; a session no longer in the program may be
// removed too.
func (a *Agenda) Unstar(ctx context.Context, userID, conferenceID, sessionID int64) error {
	return a.store.Unstar(ctx, userID, conferenceID, sessionID)
}

// NewFeedToken makes a new secret address for the person's calendar feed, revoking the previous
// one, and returns the secret (shown once: only its hash is kept).
func (a *Agenda) NewFeedToken(ctx context.Context, userID, conferenceID int64) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if err := a.store.ReplaceFeedToken(ctx, userID, conferenceID, a.hash(token)); err != nil {
		return "", err
	}
	return token, nil
}

// RevokeFeedToken turns the person's feed address off: calendars subscribed to it get 404.
func (a *Agenda) RevokeFeedToken(ctx context.Context, userID, conferenceID int64) error {
	return a.store.RevokeFeedToken(ctx, userID, conferenceID)
}

// HasFeedToken reports whether the person has a live feed address.
func (a *Agenda) HasFeedToken(ctx context.Context, userID, conferenceID int64) (bool, error) {
	return a.store.HasFeedToken(ctx, userID, conferenceID)
}

// FeedOwner returns whose feed a secret address is. apperr NotFound for an unknown or revoked one,
// or one of another conference.
func (a *Agenda) FeedOwner(ctx context.Context, conferenceID int64, token string) (int64, error) {
	if len(token) < 20 || len(token) > 100 {
		return 0, apperr.New(apperr.NotFound, "There is no such calendar.")
	}
	user, conf, err := a.store.FeedOwner(ctx, a.hash(token))
	if err != nil {
		return 0, err
	}
	if conf != conferenceID {
		return 0, apperr.New(apperr.NotFound, "There is no such calendar.")
	}
	return user, nil
}

// hash keys the stored hash with the installation's secret, so that a copy of the database alone
// cannot be used to check guesses.
func (a *Agenda) hash(token string) []byte {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte("program-feed:" + token))
	return m.Sum(nil)
}

// ErrNotPublished is schedule.ErrNotPublished, for callers that import only this package.
var ErrNotPublished = schedule.ErrNotPublished

// IsNotPublished reports whether err says that nothing is published yet.
func IsNotPublished(err error) bool { return errors.Is(err, schedule.ErrNotPublished) }
