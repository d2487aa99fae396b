package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
)

// Accounts is the account.Store.
type Accounts struct{ *DB }

var _ account.Store = Accounts{}

type userRow struct {
	ID              int64 `gorm:"primaryKey"`
	Email           string
	Name            string
	PasswordHash    string
	EmailVerifiedAt *time.Time
	IsAdmin         bool
	Pronouns        string
	ParticipantRole string
	RoleOther       string
	Institution     string
	Bio             string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (userRow) TableName() string { return "users" }

func (r userRow) domain() account.User {
	return account.User{ID: r.ID, Email: r.Email, Name: r.Name, PasswordHash: r.PasswordHash,
		EmailVerifiedAt: r.EmailVerifiedAt, IsAdmin: r.IsAdmin, CreatedAt: r.CreatedAt,
		Profile: account.Profile{Pronouns: r.Pronouns, Role: account.ParticipantRole(r.ParticipantRole), RoleOther: r.RoleOther,
			Institution: r.Institution, Bio: r.Bio}}
}

type userTokenRow struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Purpose   string
	TokenHash []byte
	ExpiresAt time.Time
	UsedAt    *time.Time
	NewEmail  *string
	CreatedAt time.Time
}

func (userTokenRow) TableName() string { return "user_tokens" }

func (r userTokenRow) domain() account.OneTimeToken {
	t := account.OneTimeToken{ID: r.ID, UserID: r.UserID, Purpose: account.Purpose(r.Purpose), Hash: r.TokenHash,
		ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt}
	if r.NewEmail != nil {
		t.NewEmail = *r.NewEmail
	}
	return t
}

type apiTokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Name       string
	Prefix     string
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

func (r apiTokenRow) domain() account.APIToken {
	return account.APIToken{ID: r.ID, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix, Hash: r.TokenHash,
		CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt}
}

// CreateUser implements account.Store.
func (s Accounts) CreateUser(ctx context.Context, u *account.User) error {
	r := userRow{Email: u.Email, Name: u.Name, PasswordHash: u.PasswordHash, EmailVerifiedAt: u.EmailVerifiedAt, IsAdmin: u.IsAdmin}
	// ON CONFLICT keeps the caller's transaction usable when the address is taken (even by a sign-up
	// committed a moment ago), so the caller can answer as it would for any existing account.
	res := s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "email"}}, DoNothing: true}).Create(&r)
	if res.Error != nil {
		return translate("create user", res.Error)
	}
	if res.RowsAffected == 0 {
		fe := uniqueFields["users_email_key"]
		return &apperr.Error{Code: apperr.Conflict, Message: fe.Message, Fields: []apperr.FieldError{fe}}
	}
	u.ID, u.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// UserByID implements account.Store.
func (s Accounts) UserByID(ctx context.Context, id int64) (account.User, error) {
	var r userRow
	err := s.conn(ctx).Take(&r, "id = ?", id).Error
	return r.domain(), translate("user by id", err)
}

// UserByEmail implements account.Store.
func (s Accounts) UserByEmail(ctx context.Context, email string) (account.User, error) {
	var r userRow
	err := s.conn(ctx).Take(&r, "email = ?", email).Error
	return r.domain(), translate("user by email", err)
}

func (s Accounts) updateUser(ctx context.Context, id int64, values map[string]any) error {
	values["updated_at"] = time.Now()
	defer s.principalChanging(ctx, id)()
	res := s.conn(ctx).Model(&userRow{}).Where("id = ?", id).Updates(values)
	if res.Error != nil {
		return translate("update user", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "No such account.")
	}
	return nil
}

// MarkVerified implements account.Store.
func (s Accounts) MarkVerified(ctx context.Context, userID int64, at time.Time) error {
	return s.updateUser(ctx, userID, map[string]any{"email_verified_at": at})
}

// SetPassword implements account.Store.
func (s Accounts) SetPassword(ctx context.Context, userID int64, hash string) error {
	return s.updateUser(ctx, userID, map[string]any{"password_hash": hash})
}

// SetAdmin implements account.Store.
func (s Accounts) SetAdmin(ctx context.Context, userID int64, admin bool) error {
	return s.updateUser(ctx, userID, map[string]any{"is_admin": admin})
}

// SetProfile implements account.Store.
func (s Accounts) SetProfile(ctx context.Context, userID int64, name string, p account.Profile) error {
	return s.updateUser(ctx, userID, map[string]any{"name": name, "pronouns": p.Pronouns, "participant_role": string(p.Role),
		"role_other": p.RoleOther, "institution": p.Institution, "bio": p.Bio})
}

// SetEmail implements account.Store.
func (s Accounts) SetEmail(ctx context.Context, userID int64, email string, verifiedAt time.Time) error {
	return s.updateUser(ctx, userID, map[string]any{"email": email, "email_verified_at": verifiedAt})
}

// CountAdmins implements account.Store.
func (s Accounts) CountAdmins(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&userRow{}).Where("is_admin").Count(&n).Error
	return n, translate("count admins", err)
}

// Memberships implements account.Store.
func (s Accounts) Memberships(ctx context.Context, userID int64) ([]access.Membership, error) {
	var rows []struct {
		ConferenceID   int64
		ConferenceSlug string
		ConferenceName string
		Role           string
	}
	err := s.conn(ctx).Raw(`SELECT r.conference_id, c.slug AS conference_slug, c.name AS conference_name, r.role
		FROM conference_roles r JOIN conferences c ON c.id = r.conference_id
		WHERE r.user_id = ? ORDER BY c.starts_on DESC, c.id, r.role`, userID).Find(&rows).Error
	if err != nil {
		return nil, translate("memberships", err)
	}
	out := make([]access.Membership, len(rows))
	for i, r := range rows {
		out[i] = access.Membership{ConferenceID: r.ConferenceID, ConferenceSlug: r.ConferenceSlug, ConferenceName: r.ConferenceName, Role: access.Role(r.Role)}
	}
	return out, nil
}

// CreateOneTimeToken implements account.Store.
func (s Accounts) CreateOneTimeToken(ctx context.Context, t *account.OneTimeToken) error {
	r := userTokenRow{UserID: t.UserID, Purpose: string(t.Purpose), TokenHash: t.Hash, ExpiresAt: t.ExpiresAt}
	if t.NewEmail != "" {
		r.NewEmail = &t.NewEmail
	}
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return translate("create token", err)
	}
	t.ID = r.ID
	return nil
}

// OneTimeToken implements account.Store.
func (s Accounts) OneTimeToken(ctx context.Context, p account.Purpose, hash []byte) (account.OneTimeToken, error) {
	var r userTokenRow
	if err := s.conn(ctx).Take(&r, "purpose = ? AND token_hash = ?", string(p), hash).Error; err != nil {
		return account.OneTimeToken{}, translate("token", err)
	}
	return r.domain(), nil
}

// OneTimeTokenForUpdate implements account.Store.
func (s Accounts) OneTimeTokenForUpdate(ctx context.Context, p account.Purpose, hash []byte) (account.OneTimeToken, error) {
	var r userTokenRow
	err := s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Take(&r, "purpose = ? AND token_hash = ?", string(p), hash).Error
	if err != nil {
		return account.OneTimeToken{}, translate("token", err)
	}
	return r.domain(), nil
}

// LiveOneTimeToken implements account.Store.
func (s Accounts) LiveOneTimeToken(ctx context.Context, userID int64, p account.Purpose, now time.Time) (account.OneTimeToken, error) {
	var r userTokenRow
	err := s.conn(ctx).Where("user_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?", userID, string(p), now).
		Order("id DESC").Take(&r).Error
	if err != nil {
		return account.OneTimeToken{}, translate("live token", err)
	}
	return r.domain(), nil
}

// UseOneTimeTokens implements account.Store.
func (s Accounts) UseOneTimeTokens(ctx context.Context, userID int64, p account.Purpose, at time.Time) error {
	err := s.conn(ctx).Model(&userTokenRow{}).Where("user_id = ? AND purpose = ? AND used_at IS NULL", userID, string(p)).
		Update("used_at", at).Error
	return translate("use tokens", err)
}

// CreateAPIToken implements account.Store.
func (s Accounts) CreateAPIToken(ctx context.Context, t *account.APIToken) error {
	r := apiTokenRow{UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, TokenHash: t.Hash, ExpiresAt: t.ExpiresAt}
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return translate("create api token", err)
	}
	t.ID, t.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// APITokens implements account.Store.
func (s Accounts) APITokens(ctx context.Context, userID int64) ([]account.APIToken, error) {
	var rows []apiTokenRow
	if err := s.conn(ctx).Where("user_id = ? AND revoked_at IS NULL", userID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, translate("api tokens", err)
	}
	out := make([]account.APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// RevokeAPIToken implements account.Store.
func (s Accounts) RevokeAPIToken(ctx context.Context, userID, tokenID int64, at time.Time) error {
	defer s.principalChanging(ctx, userID)()
	res := s.conn(ctx).Model(&apiTokenRow{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", tokenID, userID).Update("revoked_at", at)
	if res.Error != nil {
		return translate("revoke api token", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "You have no such API token.")
	}
	return nil
}

// rolesColumn is a user's conference roles as one JSON column, so that a user and their roles come
// back in one round trip.
const rolesColumn = `coalesce((SELECT json_agg(json_build_object('conference_id', r.conference_id, 'slug', c.slug, 'name', c.name,
	'role', r.role) ORDER BY c.starts_on DESC, c.id, r.role) FROM conference_roles r JOIN conferences c ON c.id = r.conference_id
	WHERE r.user_id = u.id), '[]') AS roles`

type rolesJSON []struct {
	ConferenceID int64  `json:"conference_id"`
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	Role         string `json:"role"`
}

func membershipsOf(b []byte) []access.Membership {
	var in rolesJSON
	_ = json.Unmarshal(b, &in)
	out := make([]access.Membership, len(in))
	for i, r := range in {
		out[i] = access.Membership{ConferenceID: r.ConferenceID, ConferenceSlug: r.Slug, ConferenceName: r.Name, Role: access.Role(r.Role)}
	}
	return out
}

// UserWithRoles implements account.Store.
func (s Accounts) UserWithRoles(ctx context.Context, id int64) (account.User, []access.Membership, error) {
	var rows []struct {
		U     userRow `gorm:"embedded"`
		Roles []byte
	}
	if err := s.conn(ctx).Raw(`SELECT u.*, `+rolesColumn+` FROM users u WHERE u.id = ?`, id).Find(&rows).Error; err != nil {
		return account.User{}, nil, translate("user with roles", err)
	}
	if len(rows) == 0 {
		return account.User{}, nil, apperr.New(apperr.NotFound, "No such account.")
	}
	return rows[0].U.domain(), membershipsOf(rows[0].Roles), nil
}

// UseAPIToken implements account.Store. last_used_at is written at most once a minute per token so
// that busy clients do not turn every read into a write; the token, its user and the user's roles
// come back in the same round trip. Outside a transaction, lookups that arrive together (many
// people's first request at once) are made in one statement.
//
// While the database's announcements are followed (Listen), what a token authenticated as is kept in
// memory for up to a minute, and its last use is recorded when it is looked up again.
func (s Accounts) UseAPIToken(ctx context.Context, hash []byte, now time.Time) (account.APIToken, account.User, []access.Membership, error) {
	if e, ok := s.principals.get(hash, now); ok {
		return e.token, e.user, e.roles, nil
	}
	gen := s.principals.begin()
	r, err := s.tokens.DoOrAlone(ctx, tokenUse{hash: hash, now: now}, s.Joined(ctx))
	if err != nil {
		return account.APIToken{}, account.User{}, nil, translate("api token", err)
	}
	if r == nil {
		return account.APIToken{}, account.User{}, nil, apperr.New(apperr.NotFound, "No such token.")
	}
	s.principals.put(gen, hash, *r, now)
	return r.token, r.user, r.roles, nil
}

// tokenUse is one lookup of an API token by its hash at a moment.
type tokenUse struct {
	hash []byte
	now  time.Time
}

// useAPITokens looks up the tokens of uses, each live at its moment, with their users and roles, and
// records their use (at most once a minute, and not for a token another transaction holds, which is
// not waited for); nil for a token not found. The arrays go to the driver as
// they are, each behind a sub-select so that every batch has one plan.
func (s Accounts) useAPITokens(ctx context.Context, uses []tokenUse) ([]*principalEntry, error) {
	n := len(uses)
	ord, hashes, now := make([]int32, n), make([][]byte, n), make([]time.Time, n)
	for i, u := range uses {
		ord[i], hashes[i], now[i] = int32(i), u.hash, u.now
	}
	db := s.conn(ctx)
	rows, err := db.Statement.ConnPool.QueryContext(ctx, `WITH h AS (
			SELECT * FROM `+tokenRows+` AS h(ord, hash, now)),
		t AS (
			SELECT h.ord, h.now, a.* FROM h JOIN api_tokens a
				ON a.token_hash = h.hash AND a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > h.now)),
		-- A token another transaction holds (a revocation, say) is not waited for: its use goes
		-- unrecorded this time. Locks are taken in id order.
		l AS (
			SELECT a.id FROM api_tokens a JOIN t ON t.id = a.id
			WHERE t.last_used_at IS NULL OR t.last_used_at < t.now - interval '1 minute'
			ORDER BY a.id FOR UPDATE OF a SKIP LOCKED),
		touched AS (
			UPDATE api_tokens a SET last_used_at = t.now FROM t
			WHERE a.id = t.id AND a.id IN (SELECT id FROM l)
			RETURNING a.id)
		SELECT t.ord AS batch_ord, t.id AS t_id, t.name AS t_name, t.prefix AS t_prefix, t.created_at AS t_created_at,
			CASE WHEN t.id IN (SELECT id FROM touched) THEN t.now ELSE t.last_used_at END AS t_last_used_at, t.expires_at AS t_expires_at,
			u.*, `+rolesColumn+`
		FROM t JOIN users u ON u.id = t.user_id`, ord, hashes, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*principalEntry, n)
	for rows.Next() {
		var r struct {
			BatchOrd    int
			TID         int64
			TName       string
			TPrefix     string
			TCreatedAt  time.Time
			TLastUsedAt *time.Time
			TExpiresAt  *time.Time
			U           userRow `gorm:"embedded"`
			Roles       []byte
		}
		if err := db.ScanRows(rows, &r); err != nil {
			return nil, err
		}
		if r.BatchOrd < 0 || r.BatchOrd >= n || out[r.BatchOrd] != nil {
			return nil, fmt.Errorf("api tokens: unexpected row %d", r.BatchOrd)
		}
		t := account.APIToken{ID: r.TID, UserID: r.U.ID, Name: r.TName, Prefix: r.TPrefix, Hash: uses[r.BatchOrd].hash, CreatedAt: r.TCreatedAt,
			LastUsedAt: r.TLastUsedAt, ExpiresAt: r.TExpiresAt}
		out[r.BatchOrd] = &principalEntry{token: t, user: r.U.domain(), roles: membershipsOf(r.Roles)}
	}
	return out, rows.Err()
}

// tokenRows is the rows of a batch of token lookups (see useAPITokens).
var tokenRows = unnestOf("int", "bytea", "timestamptz")
