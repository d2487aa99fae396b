package store

import (
	"context"
	"time"
)

// Maintenance removes what has outlived its use.
type Maintenance struct{ *DB }

// DeleteExpired removes web sessions past their expiry and emailed links that expired over a week ago,
// and reports how many rows went.
func (m Maintenance) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	err := m.InTx(ctx, func(ctx context.Context) error {
		res := m.conn(ctx).Exec(`DELETE FROM sessions WHERE expiry < ?`, now)
		if res.Error != nil {
			return translate("delete expired sessions", res.Error)
		}
		total += res.RowsAffected
		res = m.conn(ctx).Exec(`DELETE FROM user_tokens WHERE expires_at < ?`, now.Add(-7*24*time.Hour))
		if res.Error != nil {
			return translate("delete expired tokens", res.Error)
		}
		total += res.RowsAffected
		return nil
	})
	return total, err
}
