package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/notify"
)

// How long emailed links stay valid, and the longest API token lifetime.
const (
	VerifyTTL      = 48 * time.Hour
	ResetTTL       = time.Hour
	MaxAPITokenTTL = 366 * 24 * time.Hour
	APITokenPrefix = "cnp_"
)

// Service is the account use cases. Its methods return *apperr.Error values as documented.
type Service struct {
	store   Store
	outbox  notify.Outbox
	audit   audit.Recorder
	hasher  *Hasher
	secret  []byte
	baseURL string
	contact string
	now     func() time.Time
	moved   EmailMoved
}

// Options configures a Service.
type Options struct {
	Store   Store
	Outbox  notify.Outbox
	Audit   audit.Recorder
	Hasher  *Hasher
	Secret  string // keys token hashes
	BaseURL string // for links in mail, without a trailing slash
	// Contact is the address people write to about their account, e.g. when its address was
	// changed without their knowing.
	Contact string
	Now     func() time.Time
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Hasher == nil {
		o.Hasher = NewHasher()
	}
	return &Service{store: o.Store, outbox: o.Outbox, audit: o.Audit, hasher: o.Hasher,
		secret: []byte(o.Secret), baseURL: strings.TrimRight(o.BaseURL, "/"), contact: o.Contact, now: o.Now}
}

// Mail template data. Each struct is the data of the template of the same name.
type (
	// VerifyEmailMail is the data of the "verify_email" template.
	VerifyEmailMail struct {
		Name, Link string
		ValidHours int
	}
	// AccountExistsMail is the data of the "account_exists" template, sent when someone signs up
	// with an address that already has an account.
	AccountExistsMail struct{ Name, LoginLink, ResetLink string }
	// ResetPasswordMail is the data of the "reset_password" template.
	ResetPasswordMail struct {
		Name, Link   string
		ValidMinutes int
	}
	// PasswordChangedMail is the data of the "password_changed" template.
	PasswordChangedMail struct{ Name, ResetLink string }
)

// NormalizeEmail trims and lower-cases an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// EmailProblem returns what is wrong with an address, or "".
func EmailProblem(email string) string {
	if email == "" {
		return "Enter your email address."
	}
	if len(email) > 254 {
		return "Enter an email address of at most 254 characters."
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return "Enter an email address like name@example.org."
	}
	return ""
}

func nameProblem(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "Enter your name."
	case n > 200:
		return "Use at most 200 characters."
	}
	return ""
}

// checkNewAccount normalizes a new account's name and address and checks them with the password.
func checkNewAccount(name, email, password string) (string, string, error) {
	name, email = strings.TrimSpace(name), NormalizeEmail(email)
	var fe apperr.Fields
	if p := nameProblem(name); p != "" {
		fe.Add("name", p)
	}
	if p := EmailProblem(email); p != "" {
		fe.Add("email", p)
	}
	if p := passwordProblem(password, email, name); p != "" {
		fe.Add("password", p)
	}
	return name, email, fe.Err()
}

// SignUpInput is what a person gives to create an account.
type SignUpInput struct{ Name, Email, Password string }

// SignUp creates an unverified account and emails a verification link. When the address already has
// an account, nothing is created and the owner is emailed instead, so that the answer does not reveal
// which addresses have accounts. Returns apperr Invalid with field errors.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) error {
	var err error
	in.Name, in.Email, err = checkNewAccount(in.Name, in.Email, in.Password)
	if err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return apperr.Wrap(apperr.Internal, "Could not create the account.", err)
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		existing, err := s.store.UserByEmail(ctx, in.Email)
		if err == nil {
			return s.signUpExisting(ctx, existing)
		}
		if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		u := User{Email: in.Email, Name: in.Name, PasswordHash: hash}
		if err := s.store.CreateUser(ctx, &u); apperr.Is(err, apperr.Conflict) {
			// Another sign-up for the address committed a moment ago.
			if existing, err = s.store.UserByEmail(ctx, in.Email); err != nil {
				return err
			}
			return s.signUpExisting(ctx, existing)
		} else if err != nil {
			return err
		}
		if err := s.sendVerification(ctx, u); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "account.signup", subjectUser(u.ID), "")
	})
}

// signUpExisting answers a sign-up for an address that has an account: its owner is told by email, at
// most once an hour however often the form is sent.
func (s *Service) signUpExisting(ctx context.Context, existing User) error {
	key := fmt.Sprintf("account-exists:%d:%s", existing.ID, s.now().UTC().Format("2006010215"))
	if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: key, To: existing.Email, ToName: existing.Name,
		Template: "account_exists", Data: AccountExistsMail{Name: existing.Name,
			LoginLink: s.baseURL + "/login", ResetLink: s.baseURL + "/password/forgot"}}); err != nil {
		return err
	}
	return s.record(ctx, nil, existing.Email, "account.signup_existing", subjectUser(existing.ID), "")
}

func subjectUser(id int64) string { return fmt.Sprintf("user:%d", id) }

func (s *Service) record(ctx context.Context, actor *int64, email, action, subject, details string) error {
	return s.audit.Record(ctx, audit.Entry{ActorID: actor, ActorEmail: email, Action: action, Subject: subject, Details: details})
}

// sendVerification makes a verification token for u and enqueues the mail, in ctx's transaction.
func (s *Service) sendVerification(ctx context.Context, u User) error {
	secret, t, err := s.newOneTimeToken(ctx, u.ID, VerifyEmail, VerifyTTL)
	if err != nil {
		return err
	}
	return s.outbox.Enqueue(ctx, notify.Message{
		EventKey: fmt.Sprintf("verify-email:%d", t.ID), To: u.Email, ToName: u.Name, Template: "verify_email",
		Data: VerifyEmailMail{Name: u.Name, Link: s.baseURL + "/verify?token=" + secret, ValidHours: int(VerifyTTL.Hours())},
	})
}

func (s *Service) newOneTimeToken(ctx context.Context, userID int64, p Purpose, ttl time.Duration) (string, OneTimeToken, error) {
	secret, err := randomToken()
	if err != nil {
		return "", OneTimeToken{}, apperr.Wrap(apperr.Internal, "Could not create a link.", err)
	}
	t := OneTimeToken{UserID: userID, Purpose: p, Hash: s.hash(secret), ExpiresAt: s.now().Add(ttl)}
	if err := s.store.CreateOneTimeToken(ctx, &t); err != nil {
		return "", t, err
	}
	return secret, t, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hash keys token hashes with the installation's secret, so a copy of the database alone cannot be
// used to check guesses.
func (s *Service) hash(secret string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// consume checks and uses an emailed token. Returns apperr Invalid (field "token") when the link is
// unknown, used or expired.
func (s *Service) consume(ctx context.Context, p Purpose, secret string) (OneTimeToken, error) {
	what := "verification"
	if p == ResetPassword {
		what = "password reset"
	}
	if secret == "" {
		return OneTimeToken{}, apperr.Field("token", fmt.Sprintf("This %s link is incomplete. Open the link from the email again, or ask for a new one.", what))
	}
	t, err := s.store.OneTimeTokenForUpdate(ctx, p, s.hash(secret))
	if apperr.Is(err, apperr.NotFound) {
		return t, apperr.Field("token", fmt.Sprintf("This %s link is not valid. Ask for a new one.", what))
	}
	if err != nil {
		return t, err
	}
	if t.UsedAt != nil {
		return t, apperr.Field("token", fmt.Sprintf("This %s link has already been used. Ask for a new one if you still need it.", what))
	}
	if !s.now().Before(t.ExpiresAt) {
		return t, apperr.Field("token", fmt.Sprintf("This %s link has expired. Ask for a new one.", what))
	}
	return t, s.store.UseOneTimeTokens(ctx, t.UserID, p, s.now())
}

// VerifyEmail confirms an address with the secret from a verification link and returns the account.
// Using a link uses up every verification link of the account; opening a used link again while it has
// not expired still answers with the confirmed account, since mail scanners often open links before
// their reader does. Returns apperr Invalid for an unknown or expired link, or a used one of an
// account that is not confirmed.
func (s *Service) VerifyEmail(ctx context.Context, secret string) (User, error) {
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.consume(ctx, VerifyEmail, secret)
		if err != nil {
			if again, ok := s.openedAgain(ctx, secret); ok {
				u = again
				return nil
			}
			return err
		}
		if u, err = s.store.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		if u.Verified() {
			return nil
		}
		now := s.now()
		if err := s.store.MarkVerified(ctx, u.ID, now); err != nil {
			return err
		}
		u.EmailVerifiedAt = &now
		return s.record(ctx, &u.ID, u.Email, "account.verified", subjectUser(u.ID), "")
	})
	return u, err
}

// openedAgain returns the account of a used, unexpired verification link whose address is confirmed.
func (s *Service) openedAgain(ctx context.Context, secret string) (User, bool) {
	t, err := s.store.OneTimeTokenForUpdate(ctx, VerifyEmail, s.hash(secret))
	if err != nil || t.UsedAt == nil || !s.now().Before(t.ExpiresAt) {
		return User{}, false
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	return u, err == nil && u.Verified()
}

// ResendVerification emails a new verification link when the address has an unverified account, and
// does nothing otherwise; the answer is the same either way. Returns apperr Invalid for a malformed
// address.
func (s *Service) ResendVerification(ctx context.Context, email string) error {
	email = NormalizeEmail(email)
	if p := EmailProblem(email); p != "" {
		return apperr.Field("email", p)
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		u, err := s.store.UserByEmail(ctx, email)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil || u.Verified() {
			return err
		}
		return s.sendVerification(ctx, u)
	})
}

// LogIn checks an email and password and returns the account. Returns apperr Invalid for missing
// input, apperr Unauthenticated when the pair does not match an account (the same answer whether or
// not the address has one), and apperr Forbidden with a new link sent when the address is not verified.
func (s *Service) LogIn(ctx context.Context, email, password string) (User, error) {
	email = NormalizeEmail(email)
	var fe apperr.Fields
	if email == "" {
		fe.Add("email", "Enter your email address.")
	}
	if password == "" {
		fe.Add("password", "Enter your password.")
	} else if len(password) > 4*MaxPasswordLength {
		fe.Add("password", fmt.Sprintf("Use at most %d characters.", MaxPasswordLength))
	}
	if err := fe.Err(); err != nil {
		return User{}, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return User{}, err
	}
	ok, herr := s.hasher.Check(ctx, password, u.PasswordHash)
	if herr != nil {
		return User{}, apperr.Wrap(apperr.Internal, "Could not check the password.", herr)
	}
	if !ok {
		var actor *int64
		if u.ID != 0 {
			actor = &u.ID
		}
		if err := s.record(ctx, actor, email, "login.failure", "", ""); err != nil {
			return User{}, err
		}
		return User{}, apperr.New(apperr.Unauthenticated, "The email address or password is incorrect.")
	}
	if !u.Verified() {
		if err := s.ResendVerification(ctx, email); err != nil {
			return User{}, err
		}
		return User{}, apperr.New(apperr.Forbidden, "Please confirm your email address first. We have sent a new confirmation link to "+email+".")
	}
	if err := s.record(ctx, &u.ID, u.Email, "login.success", subjectUser(u.ID), ""); err != nil {
		return User{}, err
	}
	return u, nil
}

// RecordLogout writes the log-out to the audit log.
func (s *Service) RecordLogout(ctx context.Context, u User) error {
	return s.record(ctx, &u.ID, u.Email, "logout", subjectUser(u.ID), "")
}

// RequestPasswordReset emails a reset link when the address has an account, and does nothing
// otherwise; the answer is the same either way. Returns apperr Invalid for a malformed address.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email = NormalizeEmail(email)
	if p := EmailProblem(email); p != "" {
		return apperr.Field("email", p)
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		u, err := s.store.UserByEmail(ctx, email)
		if apperr.Is(err, apperr.NotFound) {
			return s.record(ctx, nil, email, "password.reset_requested_unknown", "", "")
		}
		if err != nil {
			return err
		}
		secret, t, err := s.newOneTimeToken(ctx, u.ID, ResetPassword, ResetTTL)
		if err != nil {
			return err
		}
		if err := s.outbox.Enqueue(ctx, notify.Message{
			EventKey: fmt.Sprintf("reset-password:%d", t.ID), To: u.Email, ToName: u.Name, Template: "reset_password",
			Data: ResetPasswordMail{Name: u.Name, Link: s.baseURL + "/password/reset?token=" + secret, ValidMinutes: int(ResetTTL.Minutes())},
		}); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "password.reset_requested", subjectUser(u.ID), "")
	})
}

// CheckResetToken reports whether a reset link can still be used, without using it. Returns apperr
// Invalid for an unknown, used or expired link.
func (s *Service) CheckResetToken(ctx context.Context, secret string) error {
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.consume(ctx, ResetPassword, secret); err != nil {
			return err
		}
		return errRollback // only looking: leave the token unused
	})
	if err == errRollback {
		return nil
	}
	return err
}

var errRollback = apperr.New(apperr.Internal, "rollback")

// ResetPassword sets a new password with the secret from a reset link, which it uses up. Since the
// link proves the mailbox is theirs, it also verifies the address. Returns apperr Invalid for a weak
// password or an unknown, used or expired link.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) (User, error) {
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.consume(ctx, ResetPassword, secret)
		if err != nil {
			return err
		}
		if u, err = s.store.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		if p := passwordProblem(password, u.Email, u.Name); p != "" {
			return apperr.Field("password", p)
		}
		hash, err := s.hasher.Hash(ctx, password)
		if err != nil {
			return apperr.Wrap(apperr.Internal, "Could not save the password.", err)
		}
		if err := s.store.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		if !u.Verified() {
			now := s.now()
			if err := s.store.MarkVerified(ctx, u.ID, now); err != nil {
				return err
			}
			u.EmailVerifiedAt = &now
		}
		if err := s.outbox.Enqueue(ctx, notify.Message{
			EventKey: fmt.Sprintf("password-changed:%d", t.ID), To: u.Email, ToName: u.Name, Template: "password_changed",
			Data: PasswordChangedMail{Name: u.Name, ResetLink: s.baseURL + "/password/forgot"},
		}); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "password.reset", subjectUser(u.ID), "")
	})
	return u, err
}

// CreateUserInput is what the command line gives to create an account.
type CreateUserInput struct {
	Email, Name, Password string
	Admin                 bool
}

// CreateUser creates a verified account directly (the command line's "user create", e.g. the first
// admin). Returns apperr Invalid with field errors and apperr Conflict when the address is taken.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (User, error) {
	var err error
	if in.Name, in.Email, err = checkNewAccount(in.Name, in.Email, in.Password); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return User{}, apperr.Wrap(apperr.Internal, "Could not create the account.", err)
	}
	now := s.now()
	u := User{Email: in.Email, Name: in.Name, PasswordHash: hash, EmailVerifiedAt: &now, IsAdmin: in.Admin}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateUser(ctx, &u); err != nil {
			return err
		}
		details := ""
		if in.Admin {
			details = "admin"
		}
		return s.record(ctx, nil, "", "user.created", subjectUser(u.ID), details)
	})
	return u, err
}

// SetAdmin grants or withdraws the global admin flag (command line). Returns apperr NotFound for an
// unknown address and apperr Conflict when it would leave no admin.
func (s *Service) SetAdmin(ctx context.Context, email string, admin bool) (User, error) {
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.store.UserByEmail(ctx, NormalizeEmail(email)); err != nil {
			return err
		}
		if u.IsAdmin == admin {
			return nil
		}
		if !admin {
			n, err := s.store.CountAdmins(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return apperr.New(apperr.Conflict, "This is the last admin; make another admin first.")
			}
		}
		if err := s.store.SetAdmin(ctx, u.ID, admin); err != nil {
			return err
		}
		u.IsAdmin = admin
		action := "admin.granted"
		if !admin {
			action = "admin.revoked"
		}
		return s.record(ctx, nil, "", action, subjectUser(u.ID), "")
	})
	return u, err
}

// User returns an account by id; apperr NotFound when there is none.
func (s *Service) User(ctx context.Context, id int64) (User, error) { return s.store.UserByID(ctx, id) }

// Principal returns the access principal for an account: who they are, admin or not, and their roles.
// Returns apperr NotFound when the account no longer exists.
func (s *Service) Principal(ctx context.Context, u User) (*access.Principal, error) {
	roles, err := s.store.Memberships(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return principalOf(u, roles), nil
}

// NewAPIToken is a token just made: the secret is shown once and never again.
type NewAPIToken struct {
	APIToken
	Secret string
}

// CreateAPIToken makes a personal API token for the user. ttl 0 means it does not expire. Returns
// apperr Invalid for a missing or long name or a lifetime out of range.
func (s *Service) CreateAPIToken(ctx context.Context, u User, name string, ttl time.Duration) (NewAPIToken, error) {
	name = strings.TrimSpace(name)
	var fe apperr.Fields
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		fe.Add("name", "Give the token a name, e.g. the script or computer that will use it.")
	case n > 100:
		fe.Add("name", "Use at most 100 characters.")
	}
	if ttl < 0 || ttl > MaxAPITokenTTL {
		fe.Add("expires_in_days", "Choose between 1 and 366 days, or leave empty for a token that does not expire.")
	}
	if err := fe.Err(); err != nil {
		return NewAPIToken{}, err
	}
	raw, err := randomToken()
	if err != nil {
		return NewAPIToken{}, apperr.Wrap(apperr.Internal, "Could not create the token.", err)
	}
	secret := APITokenPrefix + raw
	t := APIToken{UserID: u.ID, Name: name, Prefix: secret[:len(APITokenPrefix)+6], Hash: s.hash(secret)}
	if ttl > 0 {
		exp := s.now().Add(ttl)
		t.ExpiresAt = &exp
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateAPIToken(ctx, &t); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "api_token.created", fmt.Sprintf("api_token:%d", t.ID), name)
	})
	return NewAPIToken{APIToken: t, Secret: secret}, err
}

// APITokens lists the user's live tokens.
func (s *Service) APITokens(ctx context.Context, u User) ([]APIToken, error) {
	return s.store.APITokens(ctx, u.ID)
}

// RevokeAPIToken revokes one of the user's tokens. Returns apperr NotFound when the user has no such
// live token (including someone else's).
func (s *Service) RevokeAPIToken(ctx context.Context, u User, tokenID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.RevokeAPIToken(ctx, u.ID, tokenID, s.now()); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "api_token.revoked", fmt.Sprintf("api_token:%d", tokenID), "")
	})
}

// AuthenticateAPIToken returns the token a bearer secret belongs to, with its account and the
// principal it acts as. Returns apperr Unauthenticated when the secret is unknown, revoked or expired.
func (s *Service) AuthenticateAPIToken(ctx context.Context, secret string) (APIToken, User, *access.Principal, error) {
	if !strings.HasPrefix(secret, APITokenPrefix) || len(secret) > 200 {
		return APIToken{}, User{}, nil, apperr.New(apperr.Unauthenticated, "The API token is not valid. Create a new one on your account page.")
	}
	t, u, roles, err := s.store.UseAPIToken(ctx, s.hash(secret), s.now())
	if apperr.Is(err, apperr.NotFound) {
		return t, u, nil, apperr.New(apperr.Unauthenticated, "The API token is not valid, has expired or was revoked. Create a new one on your account page.")
	}
	if err != nil {
		return t, u, nil, err
	}
	return t, u, principalOf(u, roles), nil
}

// SessionUser returns the account of a web session with the principal it acts as. Returns apperr
// NotFound when the account no longer exists.
func (s *Service) SessionUser(ctx context.Context, id int64) (User, *access.Principal, error) {
	u, roles, err := s.store.UserWithRoles(ctx, id)
	if err != nil {
		return u, nil, err
	}
	return u, principalOf(u, roles), nil
}

func principalOf(u User, roles []access.Membership) *access.Principal {
	return &access.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: u.IsAdmin, Roles: roles}
}

// LogInForToken checks an email and password (as LogIn does) and makes an API token named for the
// client, valid for ttl.
func (s *Service) LogInForToken(ctx context.Context, email, password, tokenName string, ttl time.Duration) (NewAPIToken, User, error) {
	u, err := s.LogIn(ctx, email, password)
	if err != nil {
		return NewAPIToken{}, User{}, err
	}
	if strings.TrimSpace(tokenName) == "" {
		tokenName = "API log-in " + s.now().UTC().Format("2006-01-02 15:04 UTC")
	}
	t, err := s.CreateAPIToken(ctx, u, tokenName, ttl)
	return t, u, err
}
