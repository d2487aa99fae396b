package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/schedule"
)

// Programs reads and writes published program versions (schedule.Published).
type Programs struct{ *DB }

var _ schedule.Published = Programs{}

type programRow struct {
	Version     int
	Program     string
	Changes     string
	PublishedBy *int64
	PublishedAt time.Time
}

func (r programRow) domain() (schedule.Publication, error) {
	var p schedule.Publication
	if err := json.Unmarshal([]byte(r.Program), &p.Program); err != nil {
		return p, apperr.Wrap(apperr.Internal, "Could not read the program.", fmt.Errorf("program version %d: %w", r.Version, err))
	}
	if err := json.Unmarshal([]byte(r.Changes), &p.Changes); err != nil {
		return p, apperr.Wrap(apperr.Internal, "Could not read the program.", fmt.Errorf("program changes %d: %w", r.Version, err))
	}
	p.Program.Version = r.Version
	p.Program.PublishedAt = r.PublishedAt.UTC()
	if r.PublishedBy != nil {
		p.PublishedBy = *r.PublishedBy
	}
	return p, nil
}

const programColumns = `version, program::text AS program, changes::text AS changes, published_by, published_at`

func (s Programs) one(ctx context.Context, where string, args ...any) (schedule.Publication, error) {
	var rows []programRow
	if err := s.conn(ctx).Raw(`SELECT `+programColumns+` FROM program_versions WHERE `+where, args...).Find(&rows).Error; err != nil {
		return schedule.Publication{}, translate("program version", err)
	}
	if len(rows) == 0 {
		return schedule.Publication{}, schedule.ErrNotPublished
	}
	return rows[0].domain()
}

// LatestProgram implements schedule.Published.
func (s Programs) LatestProgram(ctx context.Context, conferenceID int64) (schedule.Publication, error) {
	return s.one(ctx, `conference_id = ? ORDER BY version DESC LIMIT 1`, conferenceID)
}

// ProgramVersion implements schedule.Published.
func (s Programs) ProgramVersion(ctx context.Context, conferenceID int64, version int) (schedule.Publication, error) {
	if !versionFits(version) {
		return schedule.Publication{}, schedule.ErrNotPublished
	}
	return s.one(ctx, `conference_id = ? AND version = ?`, conferenceID, version)
}

// ProgramVersions implements schedule.Published.
func (s Programs) ProgramVersions(ctx context.Context, conferenceID int64) ([]schedule.VersionInfo, error) {
	var rows []struct {
		Version     int
		PublishedAt time.Time
		PublishedBy *int64
		Changes     int
	}
	if err := s.conn(ctx).Raw(`SELECT version, published_at, published_by, jsonb_array_length(changes) AS changes
		FROM program_versions WHERE conference_id = ? ORDER BY version DESC`, conferenceID).Find(&rows).Error; err != nil {
		return nil, translate("program versions", err)
	}
	out := make([]schedule.VersionInfo, len(rows))
	for i, r := range rows {
		out[i] = schedule.VersionInfo{Version: r.Version, PublishedAt: r.PublishedAt.UTC(), Changes: r.Changes}
		if r.PublishedBy != nil {
			out[i].PublishedBy = *r.PublishedBy
		}
	}
	return out, nil
}

// InsertProgram stores the next version of a conference's program, numbered one past the newest,
// and returns its number. Run it in the publishing transaction: the conference row is locked so two
// publications cannot take the same number.
func (s Programs) InsertProgram(ctx context.Context, p schedule.Publication) (int, error) {
	db := s.conn(ctx)
	if err := db.Exec(`SELECT 1 FROM conferences WHERE id = ? FOR UPDATE`, p.Program.ConferenceID).Error; err != nil {
		return 0, translate("lock conference", err)
	}
	var next int
	if err := db.Raw(`SELECT coalesce(max(version), 0) + 1 FROM program_versions WHERE conference_id = ?`, p.Program.ConferenceID).Find(&next).Error; err != nil {
		return 0, translate("program version", err)
	}
	p.Program.Version = next
	prog, err := json.Marshal(p.Program)
	if err != nil {
		return 0, fmt.Errorf("encode program: %w", err)
	}
	changes := p.Changes
	if changes == nil {
		changes = []schedule.Change{}
	}
	ch, err := json.Marshal(changes)
	if err != nil {
		return 0, fmt.Errorf("encode changes: %w", err)
	}
	var by *int64
	if p.PublishedBy != 0 {
		by = &p.PublishedBy
	}
	if err := db.Exec(`INSERT INTO program_versions (conference_id, version, program, changes, published_by) VALUES (?, ?, ?::jsonb, ?::jsonb, ?)`,
		p.Program.ConferenceID, next, string(prog), string(ch), by).Error; err != nil {
		return 0, translate("publish program", err)
	}
	// Delivered at commit to every listener (the public program's caches), never for a rollback.
	if err := db.Exec(`SELECT pg_notify(?, ?)`, schedule.PublishedChannel, fmt.Sprint(p.Program.ConferenceID)).Error; err != nil {
		return 0, translate("announce program", err)
	}
	return next, nil
}
