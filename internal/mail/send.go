package mail

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/challenging-norms/conference/internal/notify"
)

// SMTP sends mail through an SMTP server with go-mail.
type SMTP struct {
	host string
	opts []gomail.Option
	desc string
}

// NewSMTP configures a sender from a URL: smtp://user:pass@host:port uses STARTTLS when the server offers
// it (port 587 by default); smtps://… uses implicit TLS (port 465 by default). A query of
// ?tls=required refuses servers without STARTTLS, and ?tls=none never tries it. With credentials, the
// strongest mechanism the server offers is used, or the one named by ?auth=plain|login|cram-md5.
func NewSMTP(rawURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second)}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
		opts = append(opts, gomail.WithSSL())
	} else {
		policy := gomail.TLSOpportunistic
		switch u.Query().Get("tls") {
		case "required":
			policy = gomail.TLSMandatory
		case "none":
			policy = gomail.NoTLS
		}
		opts = append(opts, gomail.WithTLSPortPolicy(policy))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP_URL: port %q is not a number", p)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		mech := gomail.SMTPAuthAutoDiscover
		switch strings.ToLower(u.Query().Get("auth")) {
		case "plain":
			mech = gomail.SMTPAuthPlain
		case "login":
			mech = gomail.SMTPAuthLogin
		case "cram-md5":
			mech = gomail.SMTPAuthCramMD5
		case "", "autodiscover":
		default:
			return nil, fmt.Errorf("SMTP_URL: auth=%q is not one of plain, login, cram-md5", u.Query().Get("auth"))
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTP{host: u.Hostname(), opts: opts, desc: fmt.Sprintf("SMTP server %s:%d", u.Hostname(), port)}, nil
}

// Describe implements Sender.
func (s *SMTP) Describe() string { return s.desc }

// Send implements Sender. Each call opens its own connection, so senders can run concurrently.
func (s *SMTP) Send(ctx context.Context, e Envelope) error {
	m, err := e.message()
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}

func (e Envelope) message() (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(e.From); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if err := m.AddToFormat(e.ToName, e.To); err != nil {
		return nil, fmt.Errorf("to address: %w", err)
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(e.MessageID)
	m.SetDate()
	m.SetBodyString(gomail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	for _, a := range e.Attachments {
		if err := m.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return m, nil
}

// DevMail is a message kept in the development mailbox.
type DevMail struct {
	ID          int64
	MessageID   string
	From        string
	To          string
	Subject     string
	Text        string
	HTML        string
	Attachments []notify.Attachment
	ReceivedAt  time.Time
}

// DevMailStore keeps the development mailbox. DevMail returns apperr NotFound for an unknown id; it
// returns the message's attachments, DevMails does not.
type DevMailStore interface {
	SaveDevMail(ctx context.Context, m *DevMail) error
	DevMails(ctx context.Context, limit int) ([]DevMail, error)
	DevMail(ctx context.Context, id int64) (DevMail, error)
}

// DevMailbox is the Sender used when no SMTP server is configured: mail is kept in the database and
// read at /dev/mailbox (development mode only).
type DevMailbox struct {
	Store DevMailStore
	URL   string // where to read it
}

// Describe implements Sender.
func (d DevMailbox) Describe() string { return "the development mailbox at " + d.URL }

// Send implements Sender.
func (d DevMailbox) Send(ctx context.Context, e Envelope) error {
	to := e.To
	if e.ToName != "" {
		to = fmt.Sprintf("%s <%s>", e.ToName, e.To)
	}
	return d.Store.SaveDevMail(ctx, &DevMail{MessageID: e.MessageID, From: e.From, To: to, Subject: e.Subject, Text: e.Text, HTML: e.HTML,
		Attachments: e.Attachments})
}

// Delivery delivers queued messages with a Sender.
type Delivery struct {
	Store  DeliveryStore
	Sender Sender
	From   string
	Domain string // for Message-IDs, e.g. the host of BASE_URL
}

// Deliver makes one delivery attempt of the message. final marks the last attempt: a failure then
// marks the message failed. A message already sent is not sent again.
func (d Delivery) Deliver(ctx context.Context, emailID int64, final bool) error {
	return d.DeliverMany(ctx, []int64{emailID}, final)
}

// DeliverMany makes one delivery attempt of each of the messages not yet sent, in one transaction;
// a failure is recorded for its own message and the others are still sent. It returns an error
// when any failed.
func (d Delivery) DeliverMany(ctx context.Context, ids []int64, final bool) error {
	return d.Store.Deliver(ctx, ids, final, d.send)
}

func (d Delivery) send(ctx context.Context, e Email) error {
	return d.Sender.Send(ctx, Envelope{MessageID: fmt.Sprintf("mail-%d@%s", e.ID, d.Domain), From: d.From,
		To: e.Recipient, ToName: e.RecipientName, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Attachments: e.Attachments})
}
