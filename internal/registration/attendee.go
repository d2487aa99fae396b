package registration

import (
	"context"
	"fmt"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
)

// View is what a registrant sees of their own registration.
type View struct {
	Conference   conference.Conference
	Registration Registration
	Settings     Settings
	// Position is the place in line on the waitlist (1 = next), when waitlisted.
	Position int
	// JoinInfo is the Markdown on how to join: set only for a confirmed registrant with a place.
	JoinInfo        string
	Workshops       []WorkshopChoice
	Questions       []question.Question
	Demographics    []DemographicQuestion
	HasDemographics bool
}

// WorkshopChoice is a workshop with the registrant's sign-up, if any.
type WorkshopChoice struct {
	Workshop Workshop
	Signup   *Signup // the live one, if any
	Position int     // in the workshop's waitlist, when waitlisted
}

// CanJoinWorkshops reports whether the registrant may sign up for workshops: only with a confirmed
// place.
func (v View) CanJoinWorkshops() bool {
	return v.Registration.Status == Registered && v.Registration.Confirmed()
}

// View returns a registrant's view of their registration.
func (s *Service) View(ctx context.Context, conf conference.Conference, id int64) (View, error) {
	r, err := s.Get(ctx, conf, id)
	if err != nil {
		return View{}, err
	}
	set, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return View{}, err
	}
	v := View{Conference: conf, Registration: r, Settings: set, Questions: set.Questions, Demographics: AskedDemographics(set.Demographics)}
	if r.Status == Waitlisted {
		if v.Position, err = s.store.WaitlistPosition(ctx, r); err != nil {
			return v, err
		}
	}
	if r.Status == Registered && r.Confirmed() {
		v.JoinInfo = set.JoinInfo
	}
	ws, err := s.store.Workshops(ctx, conf.ID)
	if err != nil {
		return v, err
	}
	sus, err := s.store.Signups(ctx, r.ID)
	if err != nil {
		return v, err
	}
	for _, w := range ws {
		c := WorkshopChoice{Workshop: w}
		for i := range sus {
			if sus[i].WorkshopID == w.ID && sus[i].Status.Live() {
				su := sus[i]
				c.Signup = &su
				if su.Status == Waitlisted {
					if c.Position, err = s.store.WorkshopWaitlistPosition(ctx, su); err != nil {
						return v, err
					}
				}
			}
		}
		v.Workshops = append(v.Workshops, c)
	}
	if r.Status.Live() {
		if v.HasDemographics, err = s.store.HasDemographics(ctx, s.keyHash(r.DemographicsKey)); err != nil {
			return v, err
		}
	}
	return v, nil
}

// lockLive takes the conference's lock and the registration's, and checks that it is live. Returns
// apperr NotFound and Conflict.
func (s *Service) lockLive(ctx context.Context, conf conference.Conference, id int64) (Settings, Registration, error) {
	set, err := s.store.LockSettings(ctx, conf.ID)
	if err != nil {
		return set, Registration{}, err
	}
	r, err := s.store.LockRegistration(ctx, conf.ID, id)
	if apperr.Is(err, apperr.NotFound) {
		return set, r, apperr.New(apperr.NotFound, "There is no such registration.")
	}
	if err != nil {
		return set, r, err
	}
	switch r.Status {
	case Cancelled:
		return set, r, apperr.New(apperr.Conflict, "This registration is cancelled. You are welcome to register again.")
	case Expired:
		return set, r, apperr.New(apperr.Conflict, "This registration has lapsed. You are welcome to register again.")
	}
	return set, r, nil
}

// Cancel cancels a registration at its owner's request: the place, workshop places and demographic
// answers go, the places pass to the waitlists, and a confirmed address is told by email. Returns
// apperr NotFound, and Conflict when it is no longer live.
func (s *Service) Cancel(ctx context.Context, conf conference.Conference, id int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		_, r, err := s.lockLive(ctx, conf, id)
		if err != nil {
			return err
		}
		if r.Confirmed() {
			if err := s.mailCancelled(ctx, conf, r, false); err != nil {
				return err
			}
		}
		return s.end(ctx, conf, &r, Cancelled)
	})
}

// AcceptOffer takes up the place offered to someone on the waitlist: it is theirs, and they are sent
// how to join. Returns apperr NotFound, and Conflict when there is no offer or it ran out.
func (s *Service) AcceptOffer(ctx context.Context, conf conference.Conference, id int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		_, r, err := s.lockLive(ctx, conf, id)
		if err != nil {
			return err
		}
		if r.Status != Offered {
			return apperr.New(apperr.Conflict, "There is no place on offer for this registration.")
		}
		if !s.now().Before(*r.OfferExpiresAt) {
			return apperr.Newf(apperr.Conflict, "This offer ran out on %s, and the place has passed on.", When(*r.OfferExpiresAt, conf.Location()))
		}
		r.Status, r.OfferExpiresAt = Registered, nil
		if err := s.store.UpdateRegistration(ctx, &r); err != nil {
			return err
		}
		if err := s.mailStatus(ctx, conf, r, fmt.Sprintf("registration-status:%d:%s", r.ID, r.Status)); err != nil {
			return err
		}
		return s.fillWorkshopsOf(ctx, conf, r.ID)
	})
}

// UpdateDetails changes what a registrant tells about themselves: name, pronouns, role, institution,
// accommodations and answers to the organizers' questions (not the address). Returns apperr Invalid
// with field errors, NotFound, and Conflict when it is no longer live.
func (s *Service) UpdateDetails(ctx context.Context, conf conference.Conference, id int64, in Input) (Registration, error) {
	set, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return Registration{}, err
	}
	var fe apperr.Fields
	d := details(set, in, &fe)
	if err := fe.Err(); err != nil {
		return d, err
	}
	var r Registration
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, r, err = s.lockLive(ctx, conf, id); err != nil {
			return err
		}
		r.Name, r.Pronouns, r.Role, r.RoleOther, r.Institution = d.Name, d.Pronouns, d.Role, d.RoleOther, d.Institution
		r.Accommodations, r.AccommodationsOther, r.Answers = d.Accommodations, d.AccommodationsOther, d.Answers
		return s.store.UpdateRegistration(ctx, &r)
	})
	return r, err
}

// SetDemographics replaces a registrant's demographic answers (empty answers delete them). Returns
// apperr Invalid with field errors, NotFound, and Conflict when the registration is no longer live.
func (s *Service) SetDemographics(ctx context.Context, conf conference.Conference, id int64, a question.Answers) error {
	set, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return err
	}
	clean, err := CheckDemographics(set.Demographics, a, "demographics.")
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		_, r, err := s.lockLive(ctx, conf, id)
		if err != nil {
			return err
		}
		if len(clean) == 0 {
			_, err := s.store.DeleteDemographics(ctx, s.keyHash(r.DemographicsKey))
			return err
		}
		return s.store.SaveDemographics(ctx, conf.ID, s.keyHash(r.DemographicsKey), clean)
	})
}

// DeleteDemographics deletes a registrant's demographic answers, and reports whether there were any.
// Returns apperr NotFound.
func (s *Service) DeleteDemographics(ctx context.Context, conf conference.Conference, id int64) (bool, error) {
	r, err := s.Get(ctx, conf, id)
	if err != nil {
		return false, err
	}
	return s.store.DeleteDemographics(ctx, s.keyHash(r.DemographicsKey))
}

// JoinWorkshop signs a registrant up for a workshop: a place when one is free, its waitlist
// otherwise. Only registrants with a confirmed place may. Returns apperr NotFound, and Conflict when
// the registrant may not, or is signed up already.
func (s *Service) JoinWorkshop(ctx context.Context, conf conference.Conference, id, workshopID int64) (Signup, error) {
	var su Signup
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		_, r, err := s.lockLive(ctx, conf, id)
		if err != nil {
			return err
		}
		if r.Status != Registered || !r.Confirmed() {
			return apperr.New(apperr.Conflict, "Workshops are open to people with a confirmed place at the conference. Confirm your address, or wait for a place to be offered to you.")
		}
		ws, err := s.store.LockWorkshops(ctx, conf.ID)
		if err != nil {
			return err
		}
		var w *Workshop
		for i := range ws {
			if ws[i].ID == workshopID {
				w = &ws[i]
			}
		}
		if w == nil {
			return apperr.New(apperr.NotFound, "There is no such workshop.")
		}
		got, err := s.store.TakeWorkshopPlace(ctx, w.ID)
		if err != nil {
			return err
		}
		su = Signup{WorkshopID: w.ID, RegistrationID: r.ID, Status: Waitlisted}
		if got {
			su.Status = Registered
		}
		created, err := s.store.CreateSignup(ctx, &su)
		if err != nil {
			return err
		}
		if !created {
			return apperr.New(apperr.Conflict, "You are already signed up for this workshop.")
		}
		if got {
			return s.mailWorkshopPlace(ctx, conf, r, *w, su)
		}
		return nil
	})
	return su, err
}

// LeaveWorkshop ends a registrant's sign-up for a workshop (place, offer or waitlist); the place
// passes on. Returns apperr NotFound when there is none.
func (s *Service) LeaveWorkshop(ctx context.Context, conf conference.Conference, id, workshopID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		_, r, err := s.lockLive(ctx, conf, id)
		if err != nil {
			return err
		}
		sus, err := s.store.Signups(ctx, r.ID)
		if err != nil {
			return err
		}
		found := false
		for _, su := range sus {
			found = found || (su.WorkshopID == workshopID && su.Status.Live())
		}
		if !found {
			return apperr.New(apperr.NotFound, "You are not signed up for this workshop.")
		}
		return s.leaveWorkshops(ctx, conf, r.ID, &workshopID)
	})
}

// AcceptWorkshopOffer takes up a workshop place offered to the registrant. Returns apperr NotFound,
// and Conflict when there is no offer or it ran out.
func (s *Service) AcceptWorkshopOffer(ctx context.Context, conf conference.Conference, id, workshopID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		_, r, err := s.lockLive(ctx, conf, id)
		if err != nil {
			return err
		}
		ws, err := s.store.LockWorkshops(ctx, conf.ID)
		if err != nil {
			return err
		}
		sus, err := s.store.Signups(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, su := range sus {
			if su.WorkshopID != workshopID || su.Status != Offered {
				continue
			}
			if !s.now().Before(*su.OfferExpiresAt) {
				return apperr.Newf(apperr.Conflict, "This offer ran out on %s, and the place has passed on.", When(*su.OfferExpiresAt, conf.Location()))
			}
			su.Status, su.OfferExpiresAt = Registered, nil
			if err := s.store.UpdateSignup(ctx, su); err != nil {
				return err
			}
			for _, w := range ws {
				if w.ID == workshopID {
					return s.mailWorkshopPlace(ctx, conf, r, w, su)
				}
			}
			return nil
		}
		return apperr.New(apperr.Conflict, "There is no workshop place on offer for you.")
	})
}
