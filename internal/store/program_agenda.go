package store

import (
	"context"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/program"
)

// Agendas keeps people's starred sessions and personal feed addresses (program.Store).
type Agendas struct{ *DB }

var _ program.Store = Agendas{}

// Stars implements program.Store.
func (s Agendas) Stars(ctx context.Context, userID, conferenceID int64) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Raw(`SELECT session_id FROM program_stars WHERE user_id = ? AND conference_id = ? ORDER BY session_id`,
		userID, conferenceID).Find(&ids).Error
	return ids, translate("stars", err)
}

// Star implements program.Store.
func (s Agendas) Star(ctx context.Context, userID, conferenceID, sessionID int64) error {
	return translate("star", s.conn(ctx).Exec(`INSERT INTO program_stars (user_id, conference_id, session_id) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, userID, conferenceID, sessionID).Error)
}

// Unstar implements program.Store.
func (s Agendas) Unstar(ctx context.Context, userID, conferenceID, sessionID int64) error {
	return translate("unstar", s.conn(ctx).Exec(`DELETE FROM program_stars WHERE user_id = ? AND conference_id = ? AND session_id = ?`,
		userID, conferenceID, sessionID).Error)
}

// ReplaceFeedToken implements program.Store.
func (s Agendas) ReplaceFeedToken(ctx context.Context, userID, conferenceID int64, hash []byte) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.RevokeFeedToken(ctx, userID, conferenceID); err != nil {
			return err
		}
		return translate("feed address", s.conn(ctx).Exec(`INSERT INTO program_feed_tokens (user_id, conference_id, token_hash) VALUES (?, ?, ?)`,
			userID, conferenceID, hash).Error)
	})
}

// RevokeFeedToken implements program.Store.
func (s Agendas) RevokeFeedToken(ctx context.Context, userID, conferenceID int64) error {
	return translate("revoke feed address", s.conn(ctx).Exec(`UPDATE program_feed_tokens SET revoked_at = now()
		WHERE user_id = ? AND conference_id = ? AND revoked_at IS NULL`, userID, conferenceID).Error)
}

// HasFeedToken implements program.Store.
func (s Agendas) HasFeedToken(ctx context.Context, userID, conferenceID int64) (bool, error) {
	var n int64
	err := s.conn(ctx).Raw(`SELECT count(*) FROM program_feed_tokens WHERE user_id = ? AND conference_id = ? AND revoked_at IS NULL`,
		userID, conferenceID).Find(&n).Error
	return n > 0, translate("feed address", err)
}

// FeedOwner implements program.Store.
func (s Agendas) FeedOwner(ctx context.Context, hash []byte) (int64, int64, error) {
	var rows []struct{ UserID, ConferenceID int64 }
	if err := s.conn(ctx).Raw(`SELECT user_id, conference_id FROM program_feed_tokens WHERE token_hash = ? AND revoked_at IS NULL`,
		hash).Find(&rows).Error; err != nil {
		return 0, 0, translate("feed address", err)
	}
	if len(rows) == 0 {
		return 0, 0, apperr.New(apperr.NotFound, "There is no such calendar.")
	}
	return rows[0].UserID, rows[0].ConferenceID, nil
}
