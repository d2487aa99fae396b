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
	if errs := s.SendAll(ctx, []Envelope{e}); len(errs) > 0 {
		return errs[0]
	}
	return ctx.Err()
}

// SendAll implements BatchSender: the messages go out one after another over one connection, which
// saves a connection, and often a TLS handshake and a login, for each but the first. After a
// message that failed the connection is reset, so that the next starts clean; when that fails too
// (the server has closed the connection, or ended its allowance of messages), the next message
// goes over a new one. A message the server accepted counts as sent even if the connection failed
// after it.
func (s *SMTP) SendAll(ctx context.Context, es []Envelope) []error {
	errs := make([]error, 0, len(es))
	var c *gomail.Client
	defer func() {
		if c != nil {
			_ = c.Close()
		}
	}()
	for _, e := range es {
		if ctx.Err() != nil {
			break
		}
		if c == nil {
			var err error
			if c, err = s.dial(ctx); err != nil {
				for range es[len(errs):] { // every message left, as each would fail alike
					errs = append(errs, err)
				}
				break
			}
		}
		m, err := e.message()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err = c.Send(m); err != nil {
			if c.Reset() != nil {
				_ = c.Close()
				c = nil
			}
			if m.IsDelivered() {
				err = nil // only what followed the server's acceptance failed
			} else {
				err = fmt.Errorf("smtp send: %w", err)
			}
		}
		errs = append(errs, err)
	}
	return errs
}

// dial connects to the server. The connection serves the messages begun before ctx ended; the
// client's own time limit (WithTimeout) bounds each step.
func (s *SMTP) dial(ctx context.Context) (*gomail.Client, error) {
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialWithContext(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("smtp send: dial failed: %w", err)
	}
	return c, nil
}

func (e Envelope) message() (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(e.From); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if e.ReplyTo != "" {
		if err := m.ReplyTo(e.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to address: %w", err)
		}
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

// DevMail is a message in the development mailbox.
type DevMail struct {
	ID          int64
	MessageID   string
	From        string
	ReplyTo     string
	To          string
	Subject     string
	Text        string
	HTML        string
	Attachments []notify.Attachment
	ReceivedAt  time.Time
}

// DevMailStore reads the development mailbox: the messages delivered into it, the last delivered
// first. DevMail returns apperr NotFound for a message that is not in it; it returns the message's
// attachments, DevMails does not. The store knows neither the sender's address nor the Message-ID
// (DevMailbox adds them).
type DevMailStore interface {
	DevMails(ctx context.Context, limit int) ([]DevMail, error)
	DevMail(ctx context.Context, id int64) (DevMail, error)
}

// DevMailbox is the Sender used when no SMTP server is configured, and the reader of what it
// received, at /dev/mailbox (development mode only). Sending writes nothing of its own: the message
// already is in the outbox, and the record of its delivery marks it as the mailbox's, in the same
// statement that marks it sent. A copy would double the database's work for every message.
type DevMailbox struct {
	Store  DevMailStore
	URL    string // where to read it
	From   string // the sender's address, as a transport would have sent it
	Domain string // of the Message-IDs (see Delivery)
}

var _ DevMailStore = DevMailbox{}

// Describe implements Sender.
func (d DevMailbox) Describe() string { return "the development mailbox at " + d.URL }

// Send implements Sender: delivery into the mailbox is the record of it (see DevMailbox).
func (d DevMailbox) Send(context.Context, Envelope) error { return nil }

// SendAll implements BatchSender, as Send does for each message; once ctx has ended it attempts
// none.
func (d DevMailbox) SendAll(ctx context.Context, es []Envelope) []error {
	if ctx.Err() != nil {
		return nil
	}
	return make([]error, len(es))
}

func (d DevMailbox) keepsInOutbox() {}

// DevMails implements DevMailStore.
func (d DevMailbox) DevMails(ctx context.Context, limit int) ([]DevMail, error) {
	ms, err := d.Store.DevMails(ctx, limit)
	for i := range ms {
		d.complete(&ms[i])
	}
	return ms, err
}

// DevMail implements DevMailStore.
func (d DevMailbox) DevMail(ctx context.Context, id int64) (DevMail, error) {
	m, err := d.Store.DevMail(ctx, id)
	if err == nil {
		d.complete(&m)
	}
	return m, err
}

func (d DevMailbox) complete(m *DevMail) {
	m.From, m.MessageID = d.From, messageID(m.ID, d.Domain)
}

// messageID is the Message-ID of the message with this id: the same at every attempt, so that a
// resend after a crash is recognisable as the same mail.
func messageID(id int64, domain string) string { return fmt.Sprintf("mail-%d@%s", id, domain) }

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

// DeliverMany makes one delivery attempt of each of the messages not yet sent, in one transaction,
// and together when the sender can (BatchSender); a failure is recorded for its own message and the
// others are still sent. It returns an error when any failed.
func (d Delivery) DeliverMany(ctx context.Context, ids []int64, final bool) error {
	_, dev := d.Sender.(interface{ keepsInOutbox() })
	return d.Store.Deliver(ctx, ids, final, dev, d.send)
}

// send sends the messages in order and returns the outcomes of those attempted: once ctx has ended
// no further message is started.
func (d Delivery) send(ctx context.Context, es []Email) []error {
	envs := make([]Envelope, len(es))
	for i, e := range es {
		envs[i] = Envelope{MessageID: messageID(e.ID, d.Domain), From: d.From, ReplyTo: e.ReplyTo,
			To: e.Recipient, ToName: e.RecipientName, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Attachments: e.Attachments}
	}
	if b, ok := d.Sender.(BatchSender); ok {
		return b.SendAll(ctx, envs)
	}
	errs := make([]error, 0, len(envs))
	for _, e := range envs {
		if ctx.Err() != nil {
			break
		}
		errs = append(errs, d.Sender.Send(context.WithoutCancel(ctx), e))
	}
	return errs
}
