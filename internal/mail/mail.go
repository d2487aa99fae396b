// Package mail renders email from the templates in web/templates/mail and delivers it: through SMTP
// with go-mail, or, when no SMTP server is configured, into the development mailbox in the database.
//
// Every message goes through the outbox: Outbox.Enqueue renders it and stores it with a queue job in
// the transaction of the change that causes it; a worker (internal/jobs) calls Delivery.Deliver, which
// locks the message, skips it if already sent, sends it and records the outcome.
package mail

import (
	"context"
	"time"

	"github.com/challenging-norms/conference/internal/notify"
)

// Status is where a message is in its delivery.
type Status string

// The delivery statuses.
const (
	Queued Status = "queued"
	Sent   Status = "sent"
	Failed Status = "failed" // gave up after the last attempt
)

// Email is a rendered message and its delivery state.
type Email struct {
	ID            int64
	EventKey      string
	ConferenceID  *int64
	Recipient     string
	RecipientName string
	Subject       string
	Text          string
	HTML          string
	Attachments   []notify.Attachment
	// ReplyTo is where a reply goes: the conference's contact address, when its call has one
	// (the store fills it in when the message is delivered).
	ReplyTo   string
	Status    Status
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
}

// Job is the queue job that delivers one Email (EmailID), or several queued together (EmailIDs).
type Job struct {
	EmailID  int64   `json:"email_id,omitempty"`
	EmailIDs []int64 `json:"email_ids,omitempty"`
}

// IDs are the messages the job delivers.
func (j Job) IDs() []int64 {
	if len(j.EmailIDs) > 0 {
		return j.EmailIDs
	}
	return []int64{j.EmailID}
}

// Kind names the job for the queue.
func (Job) Kind() string { return "send_email" }

// Queue stores rendered messages. Enqueue inserts the message and its Job in the transaction on ctx;
// when a message with the same EventKey exists it does nothing and reports false.
type Queue interface {
	Enqueue(ctx context.Context, e *Email) (bool, error)
	// EnqueueMany queues the messages as Enqueue does each, together.
	EnqueueMany(ctx context.Context, es []*Email) error
}

// LogFilter selects messages for the mail log.
type LogFilter struct {
	ConferenceID *int64
	// HideProposals leaves out the mail about these proposals (receipts, decision notices, reminders
	// to confirm): a conflicted organizer must not learn a decision from a subject line.
	HideProposals []int64
	Before        int64
	Limit         int
}

// Log reads the mail log, newest first.
type Log interface {
	List(ctx context.Context, f LogFilter) ([]Email, error)
}

// DeliveryStore runs one delivery attempt of some messages in one transaction: it locks them, and
// calls send with those not already sent, recording each outcome for its own message (sent; or the
// error, and failed when final). send returns the outcomes of the messages it attempted, in order:
// fewer than it was given when ctx ended first, as when the job's time runs out. What went out is
// recorded even then; the rest wait, unattempted, for the next attempt. Deliver returns an error
// when any message was not sent: send's own for a single message, apperr NotFound when none of the
// messages exists. toDevMailbox marks the messages sent as delivered into the development mailbox,
// which shows them from here.
type DeliveryStore interface {
	Deliver(ctx context.Context, ids []int64, final, toDevMailbox bool, send func(ctx context.Context, es []Email) []error) error
}

// Envelope is one message ready for a transport.
type Envelope struct {
	MessageID string // stable per message, so a resend after a crash is recognisable as the same mail
	From      string
	ReplyTo   string // empty: replies go to From
	To        string
	ToName    string
	Subject   string
	Text      string
	HTML      string
	// Attachments are sent after the text and HTML bodies (multipart/mixed).
	Attachments []notify.Attachment
}

// Sender is a mail transport.
type Sender interface {
	Send(ctx context.Context, e Envelope) error
	// Describe says where mail goes, for the start-up log.
	Describe() string
}

// BatchSender is a Sender that sends many messages at once: over one SMTP connection, or into the
// development mailbox with the record of their delivery. SendAll returns the outcomes of the messages it attempted,
// in order (nil for one sent); once ctx has ended it starts no further message, but one started is
// finished.
type BatchSender interface {
	Sender
	SendAll(ctx context.Context, es []Envelope) []error
}
