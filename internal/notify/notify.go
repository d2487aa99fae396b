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
}

// Outbox accepts messages for delivery. Implementations join the transaction carried by ctx.
// Enqueue returns an apperr Internal error when the message cannot be rendered or stored.
type Outbox interface {
	Enqueue(ctx context.Context, m Message) error
}
