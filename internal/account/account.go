// Package account holds people's accounts: sign-up with email verification, log-in, password reset by a
// single-use emailed link, a change of address confirmed by a link mailed to the new one, and personal
// API tokens. Accounts are global to the installation.
package account

import (
	"context"
	"time"

	"github.com/challenging-norms/conference/internal/access"
)

// User is an account.
type User struct {
	ID              int64
	Email           string // lower case
	Name            string
	PasswordHash    string
	EmailVerifiedAt *time.Time
	IsAdmin         bool
	Profile         Profile
	CreatedAt       time.Time
}

// Verified reports whether the user has confirmed their email address.
func (u User) Verified() bool { return u.EmailVerifiedAt != nil }

// Purpose is what a single-use emailed token is for.
type Purpose string

// The purposes of emailed tokens.
const (
	VerifyEmail   Purpose = "verify_email"
	ResetPassword Purpose = "reset_password"
	// ChangeEmail confirms a new address for an account; the token keeps the address (NewEmail).
	ChangeEmail Purpose = "change_email"
)

// OneTimeToken is an emailed single-use token as stored (only its hash).
type OneTimeToken struct {
	ID        int64
	UserID    int64
	Purpose   Purpose
	Hash      []byte
	ExpiresAt time.Time
	UsedAt    *time.Time
	// NewEmail is the (lower-case) address a ChangeEmail token confirms; "" for other purposes.
	NewEmail string
}

// APIToken is a personal access token for /api/v1, as stored (its secret is never kept).
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string // the first characters of the secret, to tell tokens apart
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// Store keeps accounts. Methods join the transaction carried by ctx.
type Store interface {
	// InTx runs fn in one transaction; fn's ctx carries it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// CreateUser inserts u and sets its ID and CreatedAt; apperr Conflict when the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// UserByID returns apperr NotFound when there is no such user.
	UserByID(ctx context.Context, id int64) (User, error)
	// UserByEmail returns apperr NotFound when no user has the (lower-case) email.
	UserByEmail(ctx context.Context, email string) (User, error)
	MarkVerified(ctx context.Context, userID int64, at time.Time) error
	SetPassword(ctx context.Context, userID int64, hash string) error
	SetAdmin(ctx context.Context, userID int64, admin bool) error
	// SetProfile sets the user's name and profile; apperr NotFound when there is no such user.
	SetProfile(ctx context.Context, userID int64, name string, p Profile) error
	// SetEmail sets the user's (lower-case) address and marks it confirmed at verifiedAt; apperr
	// Conflict when another account has the address, apperr NotFound when there is no such user.
	SetEmail(ctx context.Context, userID int64, email string, verifiedAt time.Time) error
	CountAdmins(ctx context.Context) (int64, error)
	// Memberships lists the user's conference roles.
	Memberships(ctx context.Context, userID int64) ([]access.Membership, error)

	// CreateOneTimeToken inserts t and sets its ID.
	CreateOneTimeToken(ctx context.Context, t *OneTimeToken) error
	// OneTimeToken returns the token with the hash; apperr NotFound when none.
	OneTimeToken(ctx context.Context, p Purpose, hash []byte) (OneTimeToken, error)
	// OneTimeTokenForUpdate locks and returns the token with the hash; apperr NotFound when none.
	OneTimeTokenForUpdate(ctx context.Context, p Purpose, hash []byte) (OneTimeToken, error)
	// UseOneTimeTokens marks every unused token of the user and purpose as used.
	UseOneTimeTokens(ctx context.Context, userID int64, p Purpose, at time.Time) error
	// LiveOneTimeToken returns the user's newest token of the purpose that is neither used nor
	// expired at now; apperr NotFound when there is none.
	LiveOneTimeToken(ctx context.Context, userID int64, p Purpose, now time.Time) (OneTimeToken, error)

	// CreateAPIToken inserts t and sets its ID and CreatedAt.
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// APITokens lists the user's tokens that are not revoked, newest first.
	APITokens(ctx context.Context, userID int64) ([]APIToken, error)
	// RevokeAPIToken revokes the user's token; apperr NotFound when the user has no such live token.
	RevokeAPIToken(ctx context.Context, userID, tokenID int64, at time.Time) error
	// UseAPIToken finds a live (not revoked, not expired at now) token by hash, records its use and
	// returns it with its user and the user's roles, in one round trip; apperr NotFound when there is
	// none.
	UseAPIToken(ctx context.Context, hash []byte, now time.Time) (APIToken, User, []access.Membership, error)
	// UserWithRoles returns a user and their roles in one round trip; apperr NotFound when there is no
	// such user.
	UserWithRoles(ctx context.Context, id int64) (User, []access.Membership, error)
}
