// Package audit records who did what, when and from where: security events and role changes.
// The record is written in the transaction of the change it describes, so the log never claims a change
// that was rolled back.
package audit

import (
	"context"
	"time"
)

// Entry is one line of the audit log.
type Entry struct {
	ID           int64
	OccurredAt   time.Time
	ActorID      *int64
	ActorEmail   string
	Action       string // e.g. "login.success", "role.granted"
	Subject      string // what it was done to, e.g. "user:42"
	ConferenceID *int64
	IP           string
	UserAgent    string
	Details      string
}

// Origin is where a request came from; the HTTP layer puts it on the context.
type Origin struct {
	IP        string
	UserAgent string
}

type originKey struct{}

// WithOrigin returns a context that carries the request's origin.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the origin carried by ctx, or the zero Origin (e.g. for the command line).
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// Recorder writes entries. Record fills IP and UserAgent from the context's Origin when they are empty,
// joins the transaction carried by ctx, and returns an apperr Internal error when it cannot write.
type Recorder interface {
	Record(ctx context.Context, e Entry) error
}

// Page is a window of the log, newest first.
type Page struct {
	Entries []Entry
	// Before is the id to pass to get the next (older) page; 0 when there is none.
	Before int64
}

// Filter selects entries.
type Filter struct {
	ConferenceID *int64
	Before       int64 // entries with a smaller id only; 0 for the newest
	Limit        int
}

// Reader reads the log. List returns an apperr Internal error on failure.
type Reader interface {
	List(ctx context.Context, f Filter) (Page, error)
}
