package store

import (
	"context"
	"time"

	"github.com/challenging-norms/conference/internal/audit"
)

// Audit is the audit.Recorder and audit.Reader.
type Audit struct{ *DB }

var (
	_ audit.Recorder = Audit{}
	_ audit.Reader   = Audit{}
)

type auditRow struct {
	ID           int64 `gorm:"primaryKey"`
	OccurredAt   time.Time
	ActorID      *int64
	ActorEmail   string
	Action       string
	Subject      string
	ConferenceID *int64
	IP           string `gorm:"column:ip"`
	UserAgent    string
	Details      string
}

func (auditRow) TableName() string { return "audit_log" }

// Record implements audit.Recorder.
func (s Audit) Record(ctx context.Context, e audit.Entry) error {
	r := auditRowOf(ctx, e)
	return translate("audit", s.conn(ctx).Create(&r).Error)
}

// auditRowOf is the row of an entry as Record writes it: the origin taken from the context where the
// entry has none, the user agent cut to its column's length, the time now where it has none.
func auditRowOf(ctx context.Context, e audit.Entry) auditRow {
	o := audit.OriginFrom(ctx)
	if e.IP == "" {
		e.IP = o.IP
	}
	if e.UserAgent == "" {
		e.UserAgent = o.UserAgent
	}
	if len(e.UserAgent) > 300 {
		e.UserAgent = e.UserAgent[:300]
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = time.Now()
	}
	return auditRow{OccurredAt: e.OccurredAt, ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action, Subject: e.Subject,
		ConferenceID: e.ConferenceID, IP: e.IP, UserAgent: e.UserAgent, Details: e.Details}
}

// List implements audit.Reader.
func (s Audit) List(ctx context.Context, f audit.Filter) (audit.Page, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := s.conn(ctx).Model(&auditRow{}).Order("id DESC").Limit(f.Limit + 1)
	if f.ConferenceID != nil {
		q = q.Where("conference_id = ?", *f.ConferenceID)
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var rows []auditRow
	if err := q.Find(&rows).Error; err != nil {
		return audit.Page{}, translate("audit list", err)
	}
	var p audit.Page
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		p.Before = rows[len(rows)-1].ID
	}
	for _, r := range rows {
		p.Entries = append(p.Entries, audit.Entry{ID: r.ID, OccurredAt: r.OccurredAt, ActorID: r.ActorID, ActorEmail: r.ActorEmail,
			Action: r.Action, Subject: r.Subject, ConferenceID: r.ConferenceID, IP: r.IP, UserAgent: r.UserAgent, Details: r.Details})
	}
	return p, nil
}
