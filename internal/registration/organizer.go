package registration

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
)

func by(p *access.Principal) actor { return actor{id: &p.UserID, email: p.Email} }

// Settings returns the conference's registration settings, for organizers.
func (s *Service) Settings(ctx context.Context, p *access.Principal, conf conference.Conference) (Settings, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Settings{}, err
	}
	set, err := s.store.Settings(ctx, conf.ID)
	if err == nil && !set.Exists {
		// What a new form starts from; nothing is saved until organizers save it.
		d := DefaultSettings(conf.Name)
		d.ConferenceID = conf.ID
		d.Exists = false
		return d, nil
	}
	return set, err
}

// UpdateSettings saves the organizers' settings. Raising the capacity offers the new places to the
// waitlist at once. Returns apperr Invalid with field errors, and the policy's errors.
func (s *Service) UpdateSettings(ctx context.Context, p *access.Principal, conf conference.Conference, in SettingsInput) (Settings, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Settings{}, err
	}
	return s.saveSettings(ctx, by(p), conf, in)
}

func (s *Service) saveSettings(ctx context.Context, a actor, conf conference.Conference, in SettingsInput) (Settings, error) {
	var out Settings
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.LockSettings(ctx, conf.ID)
		if err != nil {
			return err
		}
		if out, err = checkSettings(cur, in, conf.Location()); err != nil {
			return err
		}
		out.ConferenceID = conf.ID
		if err := s.store.SaveSettings(ctx, out); err != nil {
			return err
		}
		if err := s.record(ctx, a, "registration.settings_updated", "conference:"+conf.Slug, conf.ID, settingsSummary(out)); err != nil {
			return err
		}
		return s.fill(ctx, conf)
	})
	return out, err
}

func settingsSummary(s Settings) string {
	c := "no limit"
	if s.Capacity != nil {
		c = fmt.Sprint(*s.Capacity)
	}
	return fmt.Sprintf("open=%v capacity=%s", s.Open, c)
}

// UpdateQuestions replaces the organizers' own questions. Returns apperr Invalid with field errors
// ("questions.N.label", …), and the policy's errors.
func (s *Service) UpdateQuestions(ctx context.Context, p *access.Principal, conf conference.Conference, qs []question.Question) (Settings, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Settings{}, err
	}
	clean, err := question.CheckDefinitions(qs, "questions.")
	if err != nil {
		return Settings{}, err
	}
	var out Settings
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.LockSettings(ctx, conf.ID)
		if err != nil {
			return err
		}
		if !cur.Exists {
			d := DefaultSettings(conf.Name)
			d.ConferenceID = conf.ID
			cur = d
		}
		cur.Questions = clean
		out = cur
		if err := s.store.SaveSettings(ctx, cur); err != nil {
			return err
		}
		return s.record(ctx, by(p), "registration.questions_updated", "conference:"+conf.Slug, conf.ID, fmt.Sprintf("%d questions", len(clean)))
	})
	return out, err
}

// SeedSettings saves settings from the command line, where there is no principal (e.g. a seed that
// calls it with DefaultSettings). The settings are checked as organizers' are.
func (s *Service) SeedSettings(ctx context.Context, conf conference.Conference, set Settings) (Settings, error) {
	in := SettingsInput{Open: set.Open, Capacity: set.Capacity, OfferHoldHours: int(set.OfferHold / time.Hour),
		PrivacyStatement: set.PrivacyStatement, JoinInfo: set.JoinInfo, Demographics: set.Demographics, Questions: &set.Questions}
	if set.OpensAt != nil {
		in.OpensAt = set.OpensAt.Format(time.RFC3339)
	}
	if set.ClosesAt != nil {
		in.ClosesAt = set.ClosesAt.Format(time.RFC3339)
	}
	if in.OfferHoldHours == 0 {
		in.OfferHoldHours = int(DefaultOfferHold / time.Hour)
	}
	return s.saveSettings(ctx, actor{}, conf, in)
}

// Page is a page of an organizer's list of registrations.
type Page struct {
	Registrations []Registration
	Total         int // matches before paging
	Counts        Counts
	Settings      Settings
	// Workshops maps registration ids to the titles of their live workshop sign-ups.
	Workshops map[int64][]string
}

// List lists and searches a conference's registrations, for organizers.
func (s *Service) List(ctx context.Context, p *access.Principal, conf conference.Conference, f Filter) (Page, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Page{}, err
	}
	f.ConferenceID = conf.ID
	f.Query = strings.TrimSpace(f.Query)
	if f.Limit < 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var out Page
	var err error
	if out.Registrations, out.Total, err = s.store.Registrations(ctx, f); err != nil {
		return out, err
	}
	if out.Counts, err = s.store.Counts(ctx, conf.ID); err != nil {
		return out, err
	}
	if out.Settings, err = s.store.Settings(ctx, conf.ID); err != nil {
		return out, err
	}
	out.Workshops, err = s.workshopTitles(ctx, conf, out.Registrations)
	return out, err
}

func (s *Service) workshopTitles(ctx context.Context, conf conference.Conference, rs []Registration) (map[int64][]string, error) {
	ws, err := s.store.Workshops(ctx, conf.ID)
	if err != nil || len(ws) == 0 {
		return map[int64][]string{}, err
	}
	out := map[int64][]string{}
	for _, w := range ws {
		ps, err := s.store.Participants(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		for _, pt := range ps {
			t := w.Title
			if pt.Signup.Status != Registered {
				t += " (" + strings.ToLower(pt.Signup.Status.Label()) + ")"
			}
			out[pt.Registration.ID] = append(out[pt.Registration.ID], t)
		}
	}
	return out, nil
}

// Export returns every registration of the conference for a spreadsheet, with the organizers'
// questions. Demographic answers are never part of it. The export is recorded in the audit log.
func (s *Service) Export(ctx context.Context, p *access.Principal, conf conference.Conference) (Page, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Page{}, err
	}
	out, err := s.List(ctx, p, conf, Filter{})
	if err != nil {
		return out, err
	}
	return out, s.record(ctx, by(p), "registration.exported", "conference:"+conf.Slug, conf.ID, fmt.Sprintf("%d registrations", len(out.Registrations)))
}

// Detail is one registration as organizers see it: never with demographic answers.
type Detail struct {
	Registration Registration
	Settings     Settings
	Position     int
	Workshops    []WorkshopChoice
}

// Registration returns one registration for organizers. apperr NotFound when there is none.
func (s *Service) Registration(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Detail, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Detail{}, err
	}
	v, err := s.View(ctx, conf, id)
	if err != nil {
		return Detail{}, err
	}
	return Detail{Registration: v.Registration, Settings: v.Settings, Position: v.Position, Workshops: v.Workshops}, nil
}

// Add registers someone by hand: their address counts as confirmed, they take a free place or join
// the waitlist (never beyond the capacity), and they are sent where they stand. Organizers may add
// people while registration is closed. Returns apperr Invalid with field errors ("email" when the
// address is registered already), and the policy's errors.
func (s *Service) Add(ctx context.Context, p *access.Principal, conf conference.Conference, in Input) (Registration, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Registration{}, err
	}
	set, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return Registration{}, err
	}
	ws, err := s.store.Workshops(ctx, conf.ID)
	if err != nil {
		return Registration{}, err
	}
	in.Demographics = nil
	r, _, chosen, err := s.check(set, ws, in, false)
	if err != nil {
		return r, err
	}
	now := s.now()
	r.ConferenceID, r.Source, r.Status, r.EmailConfirmedAt = conf.ID, ByOrganizer, Waitlisted, &now
	if r.DemographicsKey, err = randomBytes(32); err != nil {
		return r, apperr.Wrap(apperr.Internal, "Could not add the registration.", err)
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.LockSettings(ctx, conf.ID); err != nil {
			return err
		}
		created, err := s.store.CreateRegistration(ctx, &r)
		if err != nil {
			return err
		}
		if !created {
			return apperr.Field("email", "This address is registered already: find it in the list.")
		}
		if err := s.place(ctx, &r, chosen); err != nil {
			return err
		}
		if err := s.mailStatus(ctx, conf, r, fmt.Sprintf("registration-status:%d:%s", r.ID, r.Status)); err != nil {
			return err
		}
		return s.record(ctx, by(p), "registration.added", subjectRegistration(r.ID), conf.ID, string(r.Status))
	})
	return r, err
}

// Resend sends a registrant the message for where they stand again: the confirmation link while the
// address is unconfirmed; else how to join with the calendar invitation, the waitlist, or the offer.
// Returns apperr NotFound, Conflict for a registration that is no longer live, and the policy's errors.
func (s *Service) Resend(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) error {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		r, err := s.Get(ctx, conf, id)
		if err != nil {
			return err
		}
		if !r.Status.Live() {
			return apperr.New(apperr.Conflict, "This registration is "+strings.ToLower(r.Status.Label())+": there is nothing to resend.")
		}
		key := fmt.Sprintf("registration-resend:%d:%d", r.ID, s.now().UnixNano())
		if !r.Confirmed() {
			err = s.mailConfirm(ctx, conf, r, key)
		} else {
			err = s.mailStatus(ctx, conf, r, key)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, by(p), "registration.resent", subjectRegistration(r.ID), conf.ID, "")
	})
}

// CancelFor cancels a registration on an organizer's decision; a confirmed address is told by email.
// Returns apperr NotFound, Conflict when it is no longer live, and the policy's errors.
func (s *Service) CancelFor(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) error {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		_, r, err := s.lockLive(ctx, conf, id)
		if err != nil {
			if apperr.Is(err, apperr.Conflict) {
				return apperr.New(apperr.Conflict, "This registration is "+strings.ToLower(r.Status.Label())+" already.")
			}
			return err
		}
		if r.Confirmed() {
			if err := s.mailCancelled(ctx, conf, r, true); err != nil {
				return err
			}
		}
		if err := s.end(ctx, conf, &r, Cancelled); err != nil {
			return err
		}
		return s.record(ctx, by(p), "registration.cancelled", subjectRegistration(r.ID), conf.ID, "by organizer")
	})
}

// MarkAttendance records whether a registrant attended. Returns apperr NotFound, Conflict for someone
// without a place, and the policy's errors.
func (s *Service) MarkAttendance(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, attended bool) (Registration, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Registration{}, err
	}
	var r Registration
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.store.LockRegistration(ctx, conf.ID, id); err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.New(apperr.NotFound, "There is no such registration.")
			}
			return err
		}
		if attended && r.Status != Registered {
			return apperr.New(apperr.Conflict, "Only people with a place can be marked as attending; this registration is "+strings.ToLower(r.Status.Label())+".")
		}
		switch {
		case attended && r.AttendedAt == nil:
			now := s.now()
			r.AttendedAt = &now
		case !attended:
			r.AttendedAt = nil
		}
		return s.store.UpdateRegistration(ctx, &r)
	})
	return r, err
}

// NeedsGroup counts what the people of a conference or a workshop asked for.
type NeedsGroup struct {
	// Counts are over people with a place (or an offer); Waiting over those on the waitlist.
	Counts  map[Accommodation]int
	Waiting map[Accommodation]int
	// People is the list, for organizers only (nil otherwise).
	People []NeedRow
	// Others are the needs people with a place described in their own words, without their names.
	Others []string
}

// WorkshopNeeds is a workshop's needs.
type WorkshopNeeds struct {
	Workshop Workshop
	Needs    NeedsGroup
}

// NeedsReport is the accommodations report.
type NeedsReport struct {
	Conference NeedsGroup
	Workshops  []WorkshopNeeds
}

// Accommodations reports what registrants need, for the conference and for each workshop: counts for
// whoever may view accommodations (session hosts, later), with the list of people for organizers.
func (s *Service) Accommodations(ctx context.Context, p *access.Principal, conf conference.Conference) (NeedsReport, error) {
	if err := access.Check(p, access.ViewAccommodations, conf.ID); err != nil {
		return NeedsReport{}, err
	}
	return s.needsReport(ctx, conf, p.Can(access.ManageRegistrations, conf.ID))
}

// HostAccommodations is the accommodations report for a session's hosts: the chairs of a session of
// the program (hosts, their user ids) see the counts and the needs described in words, never who
// asked; organizers see it as Accommodations does. It returns apperr Unauthenticated or Forbidden
// for anyone else.
func (s *Service) HostAccommodations(ctx context.Context, p *access.Principal, conf conference.Conference, hosts []int64) (NeedsReport, error) {
	if err := access.CheckHost(p, access.ViewAccommodations, conf.ID, hosts); err != nil {
		return NeedsReport{}, err
	}
	return s.needsReport(ctx, conf, p.Can(access.ManageRegistrations, conf.ID))
}

func (s *Service) needsReport(ctx context.Context, conf conference.Conference, people bool) (NeedsReport, error) {
	group := func(workshopID int64) (NeedsGroup, error) {
		rows, err := s.store.Needs(ctx, conf.ID, workshopID)
		if err != nil {
			return NeedsGroup{}, err
		}
		g := NeedsGroup{Counts: map[Accommodation]int{}, Waiting: map[Accommodation]int{}}
		for _, row := range rows {
			for _, a := range row.Accommodations {
				if row.Status.HoldsPlace() {
					g.Counts[a]++
					if a == OtherAccommodation && strings.TrimSpace(row.AccommodationsOther) != "" {
						g.Others = append(g.Others, strings.TrimSpace(row.AccommodationsOther))
					}
				} else {
					g.Waiting[a]++
				}
			}
		}
		if people {
			g.People = rows
		}
		return g, nil
	}
	var out NeedsReport
	var err error
	if out.Conference, err = group(0); err != nil {
		return out, err
	}
	ws, err := s.store.Workshops(ctx, conf.ID)
	if err != nil {
		return out, err
	}
	for _, w := range ws {
		g, err := group(w.ID)
		if err != nil {
			return out, err
		}
		out.Workshops = append(out.Workshops, WorkshopNeeds{Workshop: w, Needs: g})
	}
	return out, nil
}

// Demographics returns the conference's demographic figures: aggregates only, with small counts
// suppressed (see Aggregate). No one, organizers included, can read one person's answers.
func (s *Service) Demographics(ctx context.Context, p *access.Principal, conf conference.Conference) (Demographics, error) {
	if err := access.Check(p, access.ViewDemographics, conf.ID); err != nil {
		return Demographics{}, err
	}
	set, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return Demographics{}, err
	}
	c, err := s.store.DemographicCounts(ctx, conf.ID)
	if err != nil {
		return Demographics{}, err
	}
	return Aggregate(c, set.Demographics), nil
}

// WorkshopInput is what organizers set for a workshop. Times as for SettingsInput. ClientKey, when
// not "", adds the workshop once however often the request that adds it is sent (see
// CreateWorkshop); a change ignores it.
type WorkshopInput struct {
	ClientKey   string
	Title       string
	Description string
	Capacity    int
	StartsAt    string
	EndsAt      string
}

func checkWorkshop(in WorkshopInput, loc *time.Location, taken int) (Workshop, error) {
	var fe apperr.Fields
	w := Workshop{Title: strings.Join(strings.Fields(in.Title), " "), Description: strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n"))}
	switch n := utf8.RuneCountInString(w.Title); {
	case n == 0:
		fe.Add("title", "Give the workshop a title.")
	case n > 200:
		fe.Add("title", "Use at most 200 characters.")
	}
	if utf8.RuneCountInString(w.Description) > 10000 {
		fe.Add("description", "Use at most 10000 characters.")
	}
	switch {
	case in.Capacity < 1 || in.Capacity > MaxCapacity:
		fe.Add("capacity", "Enter the number of places, at least 1.")
	case in.Capacity < taken:
		fe.Add("capacity", fmt.Sprintf("%d places are already taken, so the capacity cannot be lower.", taken))
	}
	w.Capacity = in.Capacity
	var msg string
	if w.StartsAt, msg = ParseTime(in.StartsAt, loc); msg != "" {
		fe.Add("starts_at", msg)
	}
	if w.EndsAt, msg = ParseTime(in.EndsAt, loc); msg != "" {
		fe.Add("ends_at", msg)
	}
	switch {
	case w.EndsAt != nil && w.StartsAt == nil && !fe.Has("starts_at"):
		fe.Add("starts_at", "Give the start time too, or neither.")
	case w.EndsAt != nil && w.StartsAt != nil && !w.EndsAt.After(*w.StartsAt):
		fe.Add("ends_at", "The workshop must end after it starts.")
	}
	return w, fe.Err()
}

// CreateWorkshop adds a workshop. Returns apperr Invalid with field errors, and the policy's errors.
func (s *Service) CreateWorkshop(ctx context.Context, p *access.Principal, conf conference.Conference, in WorkshopInput) (Workshop, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Workshop{}, err
	}
	if err := apperr.CheckClientKey(in.ClientKey); err != nil {
		return Workshop{}, err
	}
	w, err := checkWorkshop(in, conf.Location(), 0)
	if err != nil {
		return w, err
	}
	w.ConferenceID, w.ClientKey = conf.ID, in.ClientKey
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateWorkshop(ctx, &w); err != nil {
			return err
		}
		return s.record(ctx, by(p), "workshop.created", fmt.Sprintf("workshop:%d", w.ID), conf.ID, w.Title)
	})
	if err != nil && in.ClientKey != "" {
		// Looked up only when the add fails: the key's unique index lets no second workshop
		// through, and waits for the first to commit.
		if first, kerr := s.store.WorkshopByKey(ctx, conf.ID, in.ClientKey); kerr == nil {
			if first.Title != w.Title || first.Description != w.Description || first.Capacity != w.Capacity ||
				!sameTime(first.StartsAt, w.StartsAt) || !sameTime(first.EndsAt, w.EndsAt) {
				return first, apperr.KeyUsed("the workshop “" + first.Title + "”")
			}
			return first, nil
		}
	}
	return w, err
}

// sameTime reports whether two optional times are the same moment as stored (to the microsecond),
// or both none.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// CheckWorkshop checks a workshop as CreateWorkshop (id 0) or UpdateWorkshop would, saving nothing:
// for a form whose own checks refused some of its fields, so that it says every error at once.
// Returns apperr Invalid with every field error, NotFound when there is no workshop id, and the
// policy's errors.
func (s *Service) CheckWorkshop(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, in WorkshopInput) error {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return err
	}
	taken := 0
	if id != 0 {
		w, err := s.store.Workshop(ctx, conf.ID, id)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.New(apperr.NotFound, "There is no such workshop.")
		}
		if err != nil {
			return err
		}
		taken = w.PlacesTaken
	}
	_, err := checkWorkshop(in, conf.Location(), taken)
	return err
}

// WorkshopDetail is a workshop with its participants, for organizers.
type WorkshopDetail struct {
	Workshop     Workshop
	Participants []Participant
	Counts       map[Status]int
}

// Workshop returns a workshop with its participants, for organizers. apperr NotFound when there is none.
func (s *Service) Workshop(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (WorkshopDetail, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return WorkshopDetail{}, err
	}
	w, err := s.store.Workshop(ctx, conf.ID, id)
	if apperr.Is(err, apperr.NotFound) {
		return WorkshopDetail{}, apperr.New(apperr.NotFound, "There is no such workshop.")
	}
	if err != nil {
		return WorkshopDetail{}, err
	}
	d := WorkshopDetail{Workshop: w}
	if d.Participants, err = s.store.Participants(ctx, w.ID); err != nil {
		return d, err
	}
	d.Counts, err = s.store.SignupCounts(ctx, w.ID)
	return d, err
}

// Workshops lists a conference's workshops. Anyone may.
func (s *Service) Workshops(ctx context.Context, conf conference.Conference) ([]Workshop, error) {
	return s.store.Workshops(ctx, conf.ID)
}

// UpdateWorkshop changes a workshop; more places are offered to its waitlist at once. Returns apperr
// Invalid with field errors (the capacity cannot go below the places taken), NotFound, and the
// policy's errors.
func (s *Service) UpdateWorkshop(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, in WorkshopInput) (Workshop, error) {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return Workshop{}, err
	}
	var out Workshop
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		set, err := s.store.LockSettings(ctx, conf.ID)
		if err != nil {
			return err
		}
		ws, err := s.store.LockWorkshops(ctx, conf.ID)
		if err != nil {
			return err
		}
		for _, cur := range ws {
			if cur.ID != id {
				continue
			}
			w, err := checkWorkshop(in, conf.Location(), cur.PlacesTaken)
			if err != nil {
				return err
			}
			w.ID, w.ConferenceID, w.PlacesTaken, w.CreatedAt = cur.ID, conf.ID, cur.PlacesTaken, cur.CreatedAt
			if err := s.store.UpdateWorkshop(ctx, w); err != nil {
				return err
			}
			out = w
			if err := s.record(ctx, by(p), "workshop.updated", fmt.Sprintf("workshop:%d", w.ID), conf.ID, w.Title); err != nil {
				return err
			}
			return s.fillWorkshop(ctx, conf, set, w)
		}
		return apperr.New(apperr.NotFound, "There is no such workshop.")
	})
	return out, err
}

// DeleteWorkshop removes a workshop nobody is signed up for. Returns apperr NotFound, Conflict when
// people are signed up, and the policy's errors.
func (s *Service) DeleteWorkshop(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) error {
	if err := access.Check(p, access.ManageRegistrations, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.LockSettings(ctx, conf.ID); err != nil {
			return err
		}
		if _, err := s.store.LockWorkshops(ctx, conf.ID); err != nil {
			return err
		}
		counts, err := s.store.SignupCounts(ctx, id)
		if err != nil {
			return err
		}
		if n := counts[Registered] + counts[Offered] + counts[Waitlisted]; n > 0 {
			return apperr.Newf(apperr.Conflict, "%d people are signed up for this workshop. It can be deleted once nobody is.", n)
		}
		if err := s.store.DeleteWorkshop(ctx, conf.ID, id); err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.New(apperr.NotFound, "There is no such workshop.")
			}
			return err
		}
		return s.record(ctx, by(p), "workshop.deleted", fmt.Sprintf("workshop:%d", id), conf.ID, "")
	})
}
