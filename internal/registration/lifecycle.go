package registration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
)

// fill offers free places to the waitlist, first in line first, each offer holding its place for the
// settings' offer hold. Only confirmed addresses are offered a place. The caller holds the
// conference's lock.
func (s *Service) fill(ctx context.Context, conf conference.Conference) error {
	set, err := s.store.LockSettings(ctx, conf.ID)
	if err != nil {
		return err
	}
	for {
		n := 100
		if left, limited := set.PlacesLeft(); limited {
			if left == 0 {
				return nil
			}
			n = min(left, n)
		}
		next, err := s.store.NextWaitlisted(ctx, conf.ID, n)
		if err != nil || len(next) == 0 {
			return err
		}
		for _, r := range next {
			ok, err := s.store.TakePlace(ctx, conf.ID)
			if err != nil || !ok {
				return err
			}
			set.PlacesTaken++
			until := s.now().Add(set.OfferHold)
			r.Status, r.OfferExpiresAt, r.Offers = Offered, &until, r.Offers+1
			if err := s.store.UpdateRegistration(ctx, &r); err != nil {
				return err
			}
			if err := s.mailStatus(ctx, conf, r, fmt.Sprintf("registration-offer:%d:%d", r.ID, r.Offers)); err != nil {
				return err
			}
		}
	}
}

// fillWorkshop offers a workshop's free places to its waitlist, first in line first, among sign-ups
// whose registration holds a confirmed place. The caller holds the conference's lock and the
// workshop's, and w is current.
func (s *Service) fillWorkshop(ctx context.Context, conf conference.Conference, set Settings, w Workshop) error {
	for left := w.PlacesLeft(); left > 0; {
		next, err := s.store.NextWorkshopWaitlisted(ctx, w.ID, min(left, 100))
		if err != nil || len(next) == 0 {
			return err
		}
		for _, su := range next {
			ok, err := s.store.TakeWorkshopPlace(ctx, w.ID)
			if err != nil || !ok {
				return err
			}
			left--
			until := s.now().Add(set.OfferHold)
			su.Status, su.OfferExpiresAt, su.Offers = Offered, &until, su.Offers+1
			if err := s.store.UpdateSignup(ctx, su); err != nil {
				return err
			}
			r, err := s.store.Registration(ctx, conf.ID, su.RegistrationID)
			if err != nil {
				return err
			}
			if err := s.mailWorkshopOffer(ctx, conf, r, w, su); err != nil {
				return err
			}
		}
	}
	return nil
}

// fillWorkshopsOf offers places in the workshops whose waitlist the registration is on, now that it
// may have become eligible. The caller holds the conference's lock.
func (s *Service) fillWorkshopsOf(ctx context.Context, conf conference.Conference, registrationID int64) error {
	sus, err := s.store.Signups(ctx, registrationID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(sus, func(su Signup) bool { return su.Status == Waitlisted }) {
		return nil
	}
	set, err := s.store.LockSettings(ctx, conf.ID)
	if err != nil {
		return err
	}
	ws, err := s.store.LockWorkshops(ctx, conf.ID)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if slices.ContainsFunc(sus, func(su Signup) bool { return su.WorkshopID == w.ID && su.Status == Waitlisted }) {
			if err := s.fillWorkshop(ctx, conf, set, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// end takes a live registration out: cancelled or expired. Its place, its workshop places and its
// demographic answers go, and the places pass to the waitlists. The caller holds the conference's
// lock and the registration's.
func (s *Service) end(ctx context.Context, conf conference.Conference, r *Registration, status Status) error {
	held := r.Status.HoldsPlace()
	now := s.now()
	r.Status, r.OfferExpiresAt = status, nil
	if status == Cancelled {
		r.CancelledAt = &now
	}
	if err := s.store.UpdateRegistration(ctx, r); err != nil {
		return err
	}
	if held {
		if err := s.store.ReleasePlace(ctx, conf.ID); err != nil {
			return err
		}
	}
	if err := s.leaveWorkshops(ctx, conf, r.ID, nil); err != nil {
		return err
	}
	if _, err := s.store.DeleteDemographics(ctx, s.keyHash(r.DemographicsKey)); err != nil {
		return err
	}
	return s.fill(ctx, conf)
}

// leaveWorkshops ends the registration's live workshop sign-ups (only workshop only, when not nil),
// and passes the places on. The caller holds the conference's lock.
func (s *Service) leaveWorkshops(ctx context.Context, conf conference.Conference, registrationID int64, only *int64) error {
	sus, err := s.store.Signups(ctx, registrationID)
	if err != nil {
		return err
	}
	live := slices.ContainsFunc(sus, func(su Signup) bool { return su.Status.Live() && (only == nil || su.WorkshopID == *only) })
	if !live {
		return nil
	}
	set, err := s.store.LockSettings(ctx, conf.ID)
	if err != nil {
		return err
	}
	ws, err := s.store.LockWorkshops(ctx, conf.ID)
	if err != nil {
		return err
	}
	for _, w := range ws {
		changed := false
		for _, su := range sus {
			if su.WorkshopID != w.ID || !su.Status.Live() || (only != nil && *only != w.ID) {
				continue
			}
			locked, err := s.store.LockSignup(ctx, su.ID)
			if err != nil {
				return err
			}
			if !locked.Status.Live() {
				continue
			}
			if locked.Status.HoldsPlace() {
				if err := s.store.ReleaseWorkshopPlace(ctx, w.ID); err != nil {
					return err
				}
				w.PlacesTaken--
				changed = true
			}
			locked.Status, locked.OfferExpiresAt = Cancelled, nil
			if err := s.store.UpdateSignup(ctx, locked); err != nil {
				return err
			}
		}
		if changed {
			if err := s.fillWorkshop(ctx, conf, set, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// ExpireDue lapses registrations whose address was not confirmed in time and passes on offers that
// ran out, each in a transaction of its own under the conference's lock; everything is checked again
// under the lock, so running it twice at once, or again after a crash, changes nothing twice. It also
// removes emailed links that expired a week ago. It reports how many things changed. The job queue
// runs it every minute.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	var errs []error
	if _, err := s.store.DeleteTokensExpiredBefore(ctx, s.now().Add(-7*24*time.Hour)); err != nil {
		errs = append(errs, err)
	}
	done := 0
	for range 50 {
		due, err := s.store.Due(ctx, s.now(), 200)
		if err != nil {
			return done, err
		}
		progress := 0
		for _, d := range due {
			changed, err := s.expire(ctx, d)
			if err != nil {
				errs = append(errs, fmt.Errorf("expire %s %d: %w", d.Kind, d.ID, err))
				continue
			}
			if changed {
				done++
				progress++
			}
		}
		if len(due) < 200 || progress == 0 {
			break
		}
	}
	return done, errors.Join(errs...)
}

func (s *Service) expire(ctx context.Context, d Due) (bool, error) {
	conf, err := s.confs.ConferenceByID(ctx, d.ConferenceID)
	if err != nil {
		return false, err
	}
	changed := false
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		changed = false
		set, err := s.store.LockSettings(ctx, conf.ID)
		if err != nil {
			return err
		}
		now := s.now()
		switch d.Kind {
		case DueUnconfirmed:
			r, err := s.store.LockRegistration(ctx, conf.ID, d.ID)
			if err != nil {
				return err
			}
			if !r.Status.Live() || r.Confirmed() || r.ConfirmBy == nil || now.Before(*r.ConfirmBy) {
				return nil
			}
			changed = true
			return s.end(ctx, conf, &r, Expired)
		case DueOffer:
			r, err := s.store.LockRegistration(ctx, conf.ID, d.ID)
			if err != nil {
				return err
			}
			if r.Status != Offered || r.OfferExpiresAt == nil || now.Before(*r.OfferExpiresAt) {
				return nil
			}
			changed = true
			if err := s.mailOfferLapsed(ctx, conf, r); err != nil {
				return err
			}
			return s.end(ctx, conf, &r, Expired)
		case DueWorkshopOffer:
			ws, err := s.store.LockWorkshops(ctx, conf.ID)
			if err != nil {
				return err
			}
			su, err := s.store.LockSignup(ctx, d.ID)
			if err != nil {
				return err
			}
			if su.Status != Offered || su.OfferExpiresAt == nil || now.Before(*su.OfferExpiresAt) {
				return nil
			}
			changed = true
			su.Status, su.OfferExpiresAt = Expired, nil
			if err := s.store.UpdateSignup(ctx, su); err != nil {
				return err
			}
			if err := s.store.ReleaseWorkshopPlace(ctx, su.WorkshopID); err != nil {
				return err
			}
			for _, w := range ws {
				if w.ID == su.WorkshopID {
					w.PlacesTaken--
					return s.fillWorkshop(ctx, conf, set, w)
				}
			}
		}
		return nil
	})
	if apperr.Is(err, apperr.NotFound) {
		return false, nil // gone meanwhile (e.g. the conference was deleted)
	}
	return changed, err
}
