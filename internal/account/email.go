package account

import (
	"context"
	"fmt"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/notify"
)

// ChangeEmailTTL is how long a link confirming a new address stays valid.
const ChangeEmailTTL = 24 * time.Hour

// Mail template data of a change of address.
type (
	// ConfirmNewEmailMail is the data of the "confirm_new_email" template, sent to the new address.
	ConfirmNewEmailMail struct {
		Name, OldEmail, NewEmail, Link string
		ValidHours                     int
	}
	// EmailChangedMail is the data of the "email_changed" template, sent to the old address once the
	// new one is confirmed. Contact is who to write to when the change was not the owner's doing:
	// the password reset link goes to the new address from now on.
	EmailChangedMail struct{ Name, OldEmail, NewEmail, Contact string }
)

// EmailMoved is told, in the transaction of a confirmed change of address and before the account's
// row changes, that the account userID takes the address to instead of from, so that what was
// addressed to the new address elsewhere can follow the account. An error undoes the change.
type EmailMoved func(ctx context.Context, userID int64, from, to string) error

// OnEmailMoved sets what is told when an account's address changes. Set it before serving.
func (s *Service) OnEmailMoved(f EmailMoved) { s.moved = f }

// EmailChange is a change of address waiting to be confirmed from the page of its mailed link.
type EmailChange struct {
	NewEmail  string
	ExpiresAt time.Time
}

// PendingEmailChange returns the change of address the user asked for and has not yet confirmed, or
// nil when there is none (or its link has expired).
func (s *Service) PendingEmailChange(ctx context.Context, u User) (*EmailChange, error) {
	t, err := s.store.LiveOneTimeToken(ctx, u.ID, ChangeEmail, s.now())
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &EmailChange{NewEmail: t.NewEmail, ExpiresAt: t.ExpiresAt}, nil
}

// RequestEmailChange checks the user's password and mails a link to confirm newEmail to that
// address; the account keeps its address until the change is confirmed on the link's page. A new
// request replaces the one before: its link stops working. Returns apperr Invalid with field errors ("email",
// "password") for a missing, malformed or unchanged address, one another account has, or a
// missing or wrong password; the address is checked against other accounts only once the
// password is right.
func (s *Service) RequestEmailChange(ctx context.Context, u User, newEmail, password string) (string, error) {
	newEmail = NormalizeEmail(newEmail)
	var fe apperr.Fields
	switch {
	case newEmail == "":
		fe.Add("email", "Enter your new email address.")
	case EmailProblem(newEmail) != "":
		fe.Add("email", EmailProblem(newEmail))
	case newEmail == u.Email:
		fe.Add("email", "This is already your account's address. Enter the new one.")
	}
	switch {
	case password == "":
		fe.Add("password", "Enter your current password.")
	case len(password) > 4*MaxPasswordLength:
		fe.Add("password", "The password is incorrect.")
	default:
		ok, err := s.hasher.Check(ctx, password, u.PasswordHash)
		if err != nil {
			return "", apperr.Wrap(apperr.Internal, "Could not check the password.", err)
		}
		if !ok {
			fe.Add("password", "The password is incorrect. Enter the one you log in with.")
			if err := s.record(ctx, &u.ID, u.Email, "account.email_change_wrong_password", subjectUser(u.ID), ""); err != nil {
				return "", err
			}
		}
	}
	if err := fe.Err(); err != nil {
		return "", err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if other, err := s.store.UserByEmail(ctx, newEmail); err == nil && other.ID != u.ID {
			// Signing up tells the owner by mail instead; here the person has proved who they are,
			// and the address is not theirs to take, so they are told plainly.
			return apperr.Field("email", "An account already uses this email address.")
		} else if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		if err := s.sendEmailChange(ctx, u, newEmail); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "account.email_change_requested", subjectUser(u.ID), "to "+newEmail)
	})
	return newEmail, err
}

// sendEmailChange replaces the user's links to confirm a new address with one for newEmail, and
// mails it there, in ctx's transaction.
func (s *Service) sendEmailChange(ctx context.Context, u User, newEmail string) error {
	if err := s.store.UseOneTimeTokens(ctx, u.ID, ChangeEmail, s.now()); err != nil {
		return err
	}
	secret, err := randomToken()
	if err != nil {
		return apperr.Wrap(apperr.Internal, "Could not create a link.", err)
	}
	t := OneTimeToken{UserID: u.ID, Purpose: ChangeEmail, Hash: s.hash(secret), ExpiresAt: s.now().Add(ChangeEmailTTL), NewEmail: newEmail}
	if err := s.store.CreateOneTimeToken(ctx, &t); err != nil {
		return err
	}
	return s.outbox.Enqueue(ctx, notify.Message{
		EventKey: fmt.Sprintf("change-email:%d", t.ID), To: newEmail, ToName: u.Name, Template: "confirm_new_email",
		Data: ConfirmNewEmailMail{Name: u.Name, OldEmail: u.Email, NewEmail: newEmail, Link: s.baseURL + "/account/email/confirm?token=" + secret,
			ValidHours: int(ChangeEmailTTL.Hours())},
	})
}

// ResendEmailChange mails a new link for the user's pending change of address, replacing the one
// before, and returns the address it went to. Returns apperr NotFound when no change is pending.
func (s *Service) ResendEmailChange(ctx context.Context, u User) (string, error) {
	var to string
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.LiveOneTimeToken(ctx, u.ID, ChangeEmail, s.now())
		if apperr.Is(err, apperr.NotFound) {
			return apperr.New(apperr.NotFound, "There is no change of address waiting for confirmation. Ask for the change again.")
		}
		if err != nil {
			return err
		}
		to = t.NewEmail
		if err := s.sendEmailChange(ctx, u, to); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "account.email_change_resent", subjectUser(u.ID), "to "+to)
	})
	return to, err
}

// CancelEmailChange withdraws the user's pending change of address: its link stops working. Doing
// so when none is pending is not an error.
func (s *Service) CancelEmailChange(ctx context.Context, u User) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.LiveOneTimeToken(ctx, u.ID, ChangeEmail, s.now()); apperr.Is(err, apperr.NotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if err := s.store.UseOneTimeTokens(ctx, u.ID, ChangeEmail, s.now()); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "account.email_change_cancelled", subjectUser(u.ID), "")
	})
}

// EmailChangeLink is a change of address as its mailed link shows it, before it is confirmed or
// after.
type EmailChangeLink struct {
	UserID int64
	// OldEmail is the address the account has now; once the change is made (Done), it is NewEmail.
	OldEmail, NewEmail string
	ExpiresAt          time.Time
	// Done reports that the link was followed already: the account has NewEmail.
	Done bool
}

// EmailChangeByLink returns the change of address a mailed link would confirm, without confirming
// it: opening the link only shows what pressing its button will do, since mail scanners open links
// before their reader does, and a mistyped address may be a stranger's. Returns apperr Invalid
// (field "token") for a link unknown, incomplete, expired, replaced by a newer one or cancelled,
// and apperr Conflict when another account has the address since the change was asked for.
func (s *Service) EmailChangeByLink(ctx context.Context, secret string) (EmailChangeLink, error) {
	t, u, done, err := s.emailChangeOf(ctx, secret, false)
	if err != nil {
		return EmailChangeLink{}, err
	}
	return EmailChangeLink{UserID: u.ID, OldEmail: u.Email, NewEmail: t.NewEmail, ExpiresAt: t.ExpiresAt, Done: done}, nil
}

// ConfirmEmailChange confirms a new address with the secret of its mailed link, when its reader
// presses the button of the page the link opens: the account takes the address, what was addressed
// to it elsewhere follows the account (OnEmailMoved), the change is written to the audit log, and the
// old address is told. Confirming again once the change is made
// answers with the changed account (a second press, or a second tab). Returns apperr Invalid (field
// "token") for a link unknown, incomplete, expired, replaced by a newer one or cancelled, and apperr
// Conflict when another account took the address meanwhile.
func (s *Service) ConfirmEmailChange(ctx context.Context, secret string) (User, error) {
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, owner, done, err := s.emailChangeOf(ctx, secret, true)
		u = owner
		if err != nil || done {
			return err
		}
		now := s.now()
		if err := s.store.UseOneTimeTokens(ctx, u.ID, ChangeEmail, now); err != nil {
			return err
		}
		// The follower first: it locks the proposals the person presents, and the new address then
		// locks their account's row until the commit. Every change of a proposal locks the proposal
		// and then refers to its author's row, so the other order could deadlock with the person's
		// own save in another tab.
		if s.moved != nil {
			if err := s.moved(ctx, u.ID, u.Email, t.NewEmail); err != nil {
				return err
			}
		}
		if err := s.store.SetEmail(ctx, u.ID, t.NewEmail, now); apperr.Is(err, apperr.Conflict) {
			// Another account took the address a moment ago.
			return s.emailTaken(t.NewEmail, u.Email)
		} else if err != nil {
			return err
		}
		old := u.Email
		u.Email, u.EmailVerifiedAt = t.NewEmail, &now
		if err := s.outbox.Enqueue(ctx, notify.Message{
			EventKey: fmt.Sprintf("email-changed:%d", t.ID), To: old, ToName: u.Name, Template: "email_changed",
			Data: EmailChangedMail{Name: u.Name, OldEmail: old, NewEmail: u.Email, Contact: s.contact},
		}); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "account.email_changed", subjectUser(u.ID), "from "+old+" to "+u.Email)
	})
	return u, err
}

// emailChangeOf reads the link with the secret, locked for the transaction when lock, and its
// account, and reports whether the change was made already (the link opened again). It returns the
// errors of ConfirmEmailChange.
func (s *Service) emailChangeOf(ctx context.Context, secret string, lock bool) (OneTimeToken, User, bool, error) {
	if secret == "" {
		return OneTimeToken{}, User{}, false, apperr.Field("token", "This link to confirm a new address is incomplete. Open the link from the email again.")
	}
	read := s.store.OneTimeToken
	if lock {
		read = s.store.OneTimeTokenForUpdate
	}
	t, err := read(ctx, ChangeEmail, s.hash(secret))
	if apperr.Is(err, apperr.NotFound) {
		return t, User{}, false, apperr.Field("token", "This link to confirm a new address is not valid. Check that you opened the whole link from the email.")
	}
	if err != nil {
		return t, User{}, false, err
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if err != nil {
		return t, u, false, err
	}
	expired := !s.now().Before(t.ExpiresAt)
	switch {
	case t.UsedAt != nil && u.Email == t.NewEmail && !expired:
		return t, u, true, nil // opened again
	case t.UsedAt != nil:
		return t, u, false, apperr.Field("token", "This link no longer works: a newer link was sent, or the change was cancelled. "+
			"Use the link in the latest email, or ask for the change again on your account page.")
	case expired:
		return t, u, false, apperr.Field("token", fmt.Sprintf("This link has expired: links to confirm a new address work for %d hours. "+
			"Ask for the change again on your account page.", int(ChangeEmailTTL.Hours())))
	}
	if other, err := s.store.UserByEmail(ctx, t.NewEmail); err == nil && other.ID != u.ID {
		return t, u, false, s.emailTaken(t.NewEmail, u.Email)
	} else if err != nil && !apperr.Is(err, apperr.NotFound) {
		return t, u, false, err
	}
	return t, u, false, nil
}

func (s *Service) emailTaken(newEmail, current string) error {
	return apperr.New(apperr.Conflict, fmt.Sprintf("Another account has used %s since you asked for the change, so your account keeps %s. "+
		"Choose another address on your account page.", newEmail, current))
}
