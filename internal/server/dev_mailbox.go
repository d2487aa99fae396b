package server

import (
	"mime"
	"net/http"
	"regexp"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/mail"
)

// The development mailbox: every message the service sent while no SMTP server was configured.
// Routed only in development without SMTP_URL.

type devMailboxPage struct {
	base
	Messages []mail.DevMail
	Message  *mail.DevMail
	Links    []string // the links in the message's text, to follow them from here
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

func (s *Server) devMailbox(c echo.Context) error {
	msgs, err := s.opts.DevMailbox.DevMails(c.Request().Context(), 200)
	if err != nil {
		return err
	}
	p := devMailboxPage{base: s.base(c, "Development mailbox"), Messages: msgs}
	return s.render(c, http.StatusOK, "dev_mailbox", &p)
}

func (s *Server) devMessage(c echo.Context) (mail.DevMail, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return mail.DevMail{}, apperr.New(apperr.NotFound, "There is no such message in the mailbox.")
	}
	return s.opts.DevMailbox.DevMail(c.Request().Context(), id)
}

func (s *Server) devMailboxMessage(c echo.Context) error {
	m, err := s.devMessage(c)
	if err != nil {
		return err
	}
	p := devMailboxPage{base: s.base(c, m.Subject), Message: &m, Links: linkRE.FindAllString(m.Text, 20)}
	return s.render(c, http.StatusOK, "dev_mailbox", &p)
}

// devMailboxHTML serves a message's HTML part for the sandboxed frame on the message page.
func (s *Server) devMailboxHTML(c echo.Context) error {
	m, err := s.devMessage(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
	return c.HTMLBlob(http.StatusOK, []byte(m.HTML))
}

// devMailboxAttachment downloads one of a message's attachments (numbered from 0 in the order sent).
// It is always a download, never shown in the page's origin.
func (s *Server) devMailboxAttachment(c echo.Context) error {
	m, err := s.devMessage(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 0 || n >= len(m.Attachments) {
		return apperr.New(apperr.NotFound, "The message has no such attachment.")
	}
	a := m.Attachments[n]
	h := c.Response().Header()
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Blob(http.StatusOK, a.ContentType, a.Data)
}
