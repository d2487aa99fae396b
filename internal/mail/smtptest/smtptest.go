// Package smtptest runs a real SMTP server (emersion/go-smtp) on a loopback port for tests, and keeps
// what arrives so tests can assert on it.
package smtptest

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message as the server received it.
type Message struct {
	From string
	To   []string
	Raw  string
	// Session is the number of the connection it came over, from 1.
	Session int
	// Parsed header and body of Raw.
	Header mail.Header
	Body   string
	// Text and HTML are the decoded text/plain and text/html parts.
	Text, HTML string
	// Attachments are the parts sent as attachments, decoded.
	Attachments []Attachment
}

// Attachment is a file that came with a message.
type Attachment struct {
	Name        string
	ContentType string // the media type, without parameters
	Data        []byte
}

// decodeParts fills Text, HTML and Attachments from a single-part or (nested) multipart message.
func (m *Message) decodeParts() {
	m.walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Header.Get("Content-Disposition"), strings.NewReader(m.Body))
}

func (m *Message) walk(contentType, encoding, disposition string, r io.Reader) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p)
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, _ := io.ReadAll(r)
	if d, dparams, err := mime.ParseMediaType(disposition); err == nil && d == "attachment" {
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		m.Attachments = append(m.Attachments, Attachment{Name: name, ContentType: mt, Data: b})
		return
	}
	switch mt {
	case "text/plain":
		m.Text = string(b)
	case "text/html":
		m.HTML = string(b)
	}
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	// Username and Password, when set, are required through AUTH PLAIN.
	Username, Password string

	mu        sync.Mutex
	after     func()
	dropAfter int
	messages  []Message
	sessions  int
	failNext  int
	arrived   chan struct{}
	srv       *smtp.Server
}

// Start starts a server on 127.0.0.1 and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), arrived: make(chan struct{}, 1000)}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// URL returns an SMTP_URL for the server.
func (s *Server) URL() string {
	if s.Username != "" {
		u := url.URL{Scheme: "smtp", User: url.UserPassword(s.Username, s.Password), Host: s.Addr, RawQuery: "tls=none&auth=plain"}
		return u.String()
	}
	return "smtp://" + s.Addr + "?tls=none"
}

// FailNext makes the next n messages fail with a temporary error (451).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// AfterMessage makes fn run after each message's data has arrived, kept or refused.
func (s *Server) AfterMessage(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after = fn
}

// DropAfter makes the server close each connection once n messages have come over it, after
// answering the last one, as servers that limit messages per connection do.
func (s *Server) DropAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAfter = n
}

// Sessions counts the connections made so far.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until at least n messages arrived, or fails the test after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("SMTP server: %d messages arrived, want %d", len(s.Messages()), n)
		}
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	b.s.sessions++
	return &session{s: b.s, n: b.s.sessions, conn: c}, nil
}

type session struct {
	s      *Server
	n      int // the connection's number, from 1
	conn   *smtp.Conn
	kept   int // messages kept from this connection
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string {
	if se.s.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != se.s.Username || password != se.s.Password {
			return errors.New("invalid credentials")
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.Username != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	if after := se.s.after; after != nil {
		defer after() // after the unlock below
	}
	defer se.s.mu.Unlock()
	if se.s.failNext > 0 {
		se.s.failNext--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
	}
	m := Message{From: se.from, To: se.to, Raw: string(raw), Session: se.n}
	if pm, err := mail.ReadMessage(strings.NewReader(m.Raw)); err == nil {
		m.Header = pm.Header
		b, _ := io.ReadAll(pm.Body)
		m.Body = string(b)
		m.decodeParts()
	}
	se.s.messages = append(se.s.messages, m)
	se.kept++
	se.s.arrived <- struct{}{}
	return nil
}

// Reset runs after each message has been answered, and on RSET.
func (se *session) Reset() {
	se.from, se.to = "", nil
	se.s.mu.Lock()
	drop := se.s.dropAfter > 0 && se.kept >= se.s.dropAfter
	se.s.mu.Unlock()
	if drop {
		_ = se.conn.Conn().Close()
	}
}
func (se *session) Logout() error { return nil }
