package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/mail"
)

type adminPage struct {
	base
	Conferences []conference.Conference
}

func (s *Server) adminHome(c echo.Context) error {
	list, err := s.opts.Conferences.List(c.Request().Context())
	if err != nil {
		return err
	}
	p := adminPage{base: s.base(c, "Administration"), Conferences: list}
	return s.render(c, http.StatusOK, "admin", &p)
}

type auditPage struct {
	base
	Page audit.Page
}

func beforeParam(c echo.Context) int64 {
	n, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	return max(n, 0)
}

func (s *Server) auditLog(c echo.Context) error {
	pg, err := s.opts.AuditLog.List(c.Request().Context(), audit.Filter{Before: beforeParam(c), Limit: 100})
	if err != nil {
		return err
	}
	p := auditPage{base: s.base(c, "Audit log"), Page: pg}
	return s.render(c, http.StatusOK, "audit", &p)
}

type mailLogPage struct {
	base
	Heading    string
	Messages   []mail.Email
	Conference *conference.Conference
	Before     int64
}

const mailLogPageSize = 100

// At writes a moment of the log: in the conference's time zone, as its other pages do, or in UTC
// for the whole site's log.
func (p *mailLogPage) At(t time.Time) string {
	if p.Conference != nil {
		return inzone(t, p.Conference.Location())
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

func (s *Server) mailLogPage(c echo.Context, title string, conf *conference.Conference) error {
	f := mail.LogFilter{Before: beforeParam(c), Limit: mailLogPageSize}
	if conf != nil {
		f.ConferenceID = &conf.ID
		hide, err := s.opts.Reviews.ConflictedProposals(c.Request().Context(), *conf, principal(c).UserID)
		if err != nil {
			return err
		}
		f.HideProposals = hide
	}
	msgs, err := s.opts.MailLog.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	p := mailLogPage{base: s.base(c, title), Heading: title, Messages: msgs, Conference: conf}
	if len(msgs) == mailLogPageSize {
		p.Before = msgs[len(msgs)-1].ID
	}
	return s.render(c, http.StatusOK, "mail_log", &p)
}

func (s *Server) mailLog(c echo.Context) error { return s.mailLogPage(c, "Mail log", nil) }
