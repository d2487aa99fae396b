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

// EmailChange is a change of address waiting for its link to be followed.
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
// address; the account keeps its address until the link is followed. A new request replaces the
// one before: its link stops working. Returns apperr Invalid with field errors ("email",
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

// ConfirmEmailChange follows a link confirming a new address: the account takes the address, the
// change is written to the audit log, and the old address is told. Opening the link again once the
// change is made answers with the changed account, since mail scanners often open links before
// their reader does. Returns apperr Invalid (field "token") for a link unknown, expired, replaced by
// a newer one or cancelled, and apperr Conflict when another account took the address meanwhile.
func (s *Service) ConfirmEmailChange(ctx context.Context, secret string) (User, error) {
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if secret == "" {
			return apperr.Field("token", "This link to confirm a new address is incomplete. Open the link from the email again.")
		}
		t, err := s.store.OneTimeTokenForUpdate(ctx, ChangeEmail, s.hash(secret))
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("token", "This link to confirm a new address is not valid. Check that you opened the whole link from the email.")
		}
		if err != nil {
			return err
		}
		if u, err = s.store.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		expired := !s.now().Before(t.ExpiresAt)
		switch {
		case t.UsedAt != nil && u.Email == t.NewEmail && !expired:
			return nil // opened again
		case t.UsedAt != nil:
			return apperr.Field("token", "This link no longer works: a newer link was sent, or the change was cancelled. "+
				"Use the link in the latest email, or ask for the change again on your account page.")
		case expired:
			return apperr.Field("token", fmt.Sprintf("This link has expired: links to confirm a new address work for %d hours. "+
				"Ask for the change again on your account page.", int(ChangeEmailTTL.Hours())))
		}
		if other, err := s.store.UserByEmail(ctx, t.NewEmail); err == nil && other.ID != u.ID {
			return s.emailTaken(t.NewEmail, u.Email)
		} else if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		now := s.now()
		if err := s.store.UseOneTimeTokens(ctx, u.ID, ChangeEmail, now); err != nil {
			return err
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

func (s *Service) emailTaken(newEmail, current string) error {
	return apperr.New(apperr.Conflict, fmt.Sprintf("Another account has used %s since you asked for the change, so your account keeps %s. "+
		"Choose another address on your account page.", newEmail, current))
}
