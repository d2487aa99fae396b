// Package notify is how domain code asks for an email without knowing how mail is rendered or sent.
// A Message is enqueued in the same transaction as the change that causes it (a transactional outbox),
// so a message goes out exactly when its change is committed.
package notify

import "context"

// Message is one notification to one recipient.
type Message struct {
	// EventKey names the event that causes the message. Enqueueing a second message with the same key
	// does nothing, so one event never yields two messages.
	EventKey     string
	ConferenceID *int64
	To           string // the address
	ToName       string
	// Template names the mail template (web/templates/mail/<Template>.tmpl).
	Template string
	// Data is the template's typed data.
	Data any
	// Attachments are files sent with the message, e.g. a calendar invitation.
	Attachments []Attachment
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name        string // the file name the recipient sees, e.g. "challenging-norms.ics"
	ContentType string // e.g. "text/calendar; charset=utf-8; method=PUBLISH"
	Data        []byte
}

// Outbox accepts messages for delivery. Implementations join the transaction carried by ctx.
// Enqueue returns an apperr Internal error when the message cannot be rendered or stored.
type Outbox interface {
	Enqueue(ctx context.Context, m Message) error
}

// Deduplicating is an Outbox that tells whether a message was new: false when one with the same
// event key was queued before, and nothing was queued now.
type Deduplicating interface {
	EnqueueNew(ctx context.Context, m Message) (bool, error)
}

// EnqueueNew queues m and reports whether it was new; an outbox that cannot tell counts every
// message as new.
func EnqueueNew(ctx context.Context, o Outbox, m Message) (bool, error) {
	if d, ok := o.(Deduplicating); ok {
		return d.EnqueueNew(ctx, m)
	}
	return true, o.Enqueue(ctx, m)
}

// Batch is an Outbox that queues many messages at once, in fewer round trips than one at a time.
type Batch interface {
	EnqueueMany(ctx context.Context, ms []Message) error
}

// EnqueueAll queues the messages ms, together when the outbox can.
func EnqueueAll(ctx context.Context, o Outbox, ms []Message) error {
	if len(ms) == 0 {
		return nil
	}
	if b, ok := o.(Batch); ok {
		return b.EnqueueMany(ctx, ms)
	}
	for _, m := range ms {
		if err := o.Enqueue(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
