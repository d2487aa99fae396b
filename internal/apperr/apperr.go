// Package apperr is the one error type that crosses package boundaries. Domain code returns an *Error
// with a Code; the HTTP layer maps each Code to a status in exactly one place.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error by what the caller can do about it.
type Code string

// The error codes. Every domain method documents which of these it returns.
const (
	Malformed       Code = "malformed"       // the request cannot be read at all (e.g. broken JSON)
	Invalid         Code = "invalid"         // the input is wrong; Fields says where
	NotFound        Code = "not_found"       // no such thing, or not visible to the caller
	Conflict        Code = "conflict"        // the change clashes with existing state
	Forbidden       Code = "forbidden"       // the caller is known but may not do this
	Unauthenticated Code = "unauthenticated" // the caller must sign in first
	RateLimited     Code = "rate_limited"    // too many attempts; try again later
	Internal        Code = "internal"        // a fault of ours; details are logged, not shown
)

// FieldError is a message about one input field, named as the form and the JSON body name it.
type FieldError struct {
	Field   string
	Message string
}

// Error is an application error with a code, a message a person can act on, and optional field errors.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error // the cause, for logs; never shown to users
	// Title is a short heading saying what happened, for a page that shows the error alone (say
	// "The deadline has passed" rather than the usual heading of Forbidden, which reads as a
	// matter of permission). Empty for the usual heading of the code.
	Title string
}

// Titled sets the error's Title and returns it.
func (e *Error) Titled(title string) *Error {
	e.Title = title
	return e
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the code and message.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Newf returns an error with the code and a formatted message.
func Newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the code and message that keeps err as its cause.
func Wrap(code Code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// Field returns an Invalid error about a single field.
func Field(field, message string) *Error {
	return &Error{Code: Invalid, Message: "Please correct the highlighted field.", Fields: []FieldError{{field, message}}}
}

// CodeOf returns the code of err, Internal when err is not an *Error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// As returns err as an *Error, and false when it is not one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Fields collects field errors in the order they are added and turns them into one Invalid error.
type Fields struct{ list []FieldError }

// Add records a message for a field, keeping only the first message per field.
func (f *Fields) Add(field, message string) {
	for _, fe := range f.list {
		if fe.Field == field {
			return
		}
	}
	f.list = append(f.list, FieldError{Field: field, Message: message})
}

// Has reports whether the field already has a message.
func (f *Fields) Has(field string) bool {
	for _, fe := range f.list {
		if fe.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when no field error was added, else an Invalid error listing them.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	msg := "Please correct the highlighted field."
	if len(f.list) > 1 {
		msg = fmt.Sprintf("Please correct the %d highlighted fields.", len(f.list))
	}
	return &Error{Code: Invalid, Message: msg, Fields: append([]FieldError(nil), f.list...)}
}

// JoinFields joins the field errors of Invalid errors, each field once with the message of the
// first error that names it; nil errors are skipped, and the first error that is not Invalid with
// fields is returned as it is (a fault, or a refusal that names no field to correct).
func JoinFields(errs ...error) error {
	var all Fields
	for _, err := range errs {
		if err == nil {
			continue
		}
		e, ok := As(err)
		if !ok || e.Code != Invalid || len(e.Fields) == 0 {
			return err
		}
		for _, f := range e.Fields {
			all.Add(f.Field, f.Message)
		}
	}
	return all.Err()
}

// ErrKeyUsed is the cause of the Conflict of a create whose client key (one per form shown; the
// API's Idempotency-Key) made something that differs from what it asks for now: a form sent again
// after it was changed, or an API client's key used for another request. Nothing more is made.
var ErrKeyUsed = errors.New("the client key made something else")

// MaxClientKey is the longest client key (a form's hidden key, the API's Idempotency-Key) a create
// takes: the columns that keep them hold as much.
const MaxClientKey = 100

// CheckClientKey refuses, on the field "client_key", a client key longer than a create takes.
func CheckClientKey(key string) error {
	if len(key) > MaxClientKey {
		return Field("client_key", fmt.Sprintf("Use at most %d characters.", MaxClientKey))
	}
	return nil
}

// KeyUsed is the refusal of a create whose client key made what ("the track “Ethics”"), which is
// not what it asks for now: Conflict, its cause ErrKeyUsed.
func KeyUsed(what string) error {
	return &Error{Code: Conflict, Err: ErrKeyUsed,
		Message: "This form was already used to add " + what + ", so nothing more was added. " +
			"To add another as well, check the form below and save it again."}
}
