package registration

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/question"
)

// Service is the registration use cases. Attendees' methods take the registration they act on
// (found by the caller from a personal link, a session or an account); organizers' methods check the
// principal against the access policy. Methods return *apperr.Error values as documented.
type Service struct {
	store   Store
	confs   ConferenceLookup
	outbox  notify.Outbox
	audit   audit.Recorder
	secret  []byte
	baseURL string
	site    string
	now     func() time.Time
}

// ConferenceLookup finds a conference by id, for work that starts from a registration (the job that
// passes on expired offers). It returns apperr NotFound when there is none.
type ConferenceLookup interface {
	ConferenceByID(ctx context.Context, id int64) (conference.Conference, error)
}

// Options configures a Service.
type Options struct {
	Store       Store
	Conferences ConferenceLookup
	Outbox      notify.Outbox
	Audit       audit.Recorder
	Secret      string // keys the hashes of emailed links and of demographic keys
	BaseURL     string // for links in mail, without a trailing slash
	SiteName    string
	Now         func() time.Time
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: o.Store, confs: o.Conferences, outbox: o.Outbox, audit: o.Audit, secret: []byte(o.Secret),
		baseURL: strings.TrimRight(o.BaseURL, "/"), site: o.SiteName, now: o.Now}
}

// Input is what a person gives to register, or an organizer to add someone.
type Input struct {
	Name                string
	Email               string
	Pronouns            string
	Role                string
	RoleOther           string
	Institution         string
	Accommodations      []string
	AccommodationsOther string
	Answers             question.Answers
	// Demographics are the optional demographic answers (see CheckDemographics).
	Demographics question.Answers
	// Workshops are the ids of the workshops to sign up for.
	Workshops []int64
	// Consent to the privacy statement; required of people registering themselves.
	Consent bool
}

// Account is the signed-in person registering, if any.
type Account struct {
	UserID   int64
	Email    string
	Verified bool
}

// Result is the outcome of a registration.
type Result struct {
	Registration Registration
	// Existing is set when the address already had a live registration: nothing new was made, and
	// its owner was sent their link again.
	Existing bool
}

// Desk is what a registration form shows.
type Desk struct {
	Conference   conference.Conference
	Settings     Settings
	Phase        Phase
	Workshops    []Workshop
	Demographics []DemographicQuestion
}

// Desk returns what the conference's registration form needs. Anyone may read it.
func (s *Service) Desk(ctx context.Context, conf conference.Conference) (Desk, error) {
	set, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return Desk{}, err
	}
	ws, err := s.store.Workshops(ctx, conf.ID)
	if err != nil {
		return Desk{}, err
	}
	return Desk{Conference: conf, Settings: set, Phase: set.PhaseAt(s.now()), Workshops: ws,
		Demographics: AskedDemographics(set.Demographics)}, nil
}

// PhaseMessage says why a registration form is closed, with times in the conference's time zone.
func PhaseMessage(d Desk) string {
	loc := d.Conference.Location()
	switch d.Phase {
	case NotSetUp, NotOpen:
		return "Registration for " + d.Conference.Name + " is not open."
	case NotYetOpen:
		return "Registration for " + d.Conference.Name + " opens on " + When(*d.Settings.OpensAt, loc) + "."
	case Ended:
		return "Registration for " + d.Conference.Name + " closed on " + When(*d.Settings.ClosesAt, loc) + "."
	}
	return ""
}

// When writes a time for people in the conference's time zone, e.g. "Tuesday 1 June 2027, 13:00 EDT".
func When(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006, 15:04 MST")
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

// trimmed returns the registration's own fields from the input, with spacing tidied.
func trimmed(in Input) Registration {
	return Registration{Name: strings.Join(strings.Fields(in.Name), " "), Pronouns: strings.TrimSpace(in.Pronouns),
		Role: account.ParticipantRole(strings.TrimSpace(in.Role)), RoleOther: strings.TrimSpace(in.RoleOther),
		Institution:         strings.Join(strings.Fields(in.Institution), " "),
		AccommodationsOther: strings.TrimSpace(strings.ReplaceAll(in.AccommodationsOther, "\r\n", "\n"))}
}

// details checks the fields a person can change about themselves and returns them, adding field
// errors to fe.
func details(set Settings, in Input, fe *apperr.Fields) Registration {
	r := trimmed(in)
	if m := nameProblem(r.Name); m != "" {
		fe.Add("name", m)
	}
	return finishDetails(set, in, r, fe)
}

func finishDetails(set Settings, in Input, r Registration, fe *apperr.Fields) Registration {
	if utf8.RuneCountInString(r.Pronouns) > account.MaxPronouns {
		fe.Add("pronouns", fmt.Sprintf("Use at most %d characters.", account.MaxPronouns))
	}
	switch {
	case r.Role == "":
		fe.Add("participant_role", "Choose the role that fits you best, or Other.")
	case !r.Role.Valid():
		fe.Add("participant_role", "Choose one of the roles listed, or Other.")
	}
	if r.Role != account.OtherRole {
		r.RoleOther = ""
	} else if utf8.RuneCountInString(r.RoleOther) > 100 {
		fe.Add("role_other", "Use at most 100 characters.")
	}
	switch n := utf8.RuneCountInString(r.Institution); {
	case n == 0:
		fe.Add("institution", "Enter your institution or organization, or “independent”.")
	case n > account.MaxInstitution:
		fe.Add("institution", fmt.Sprintf("Use at most %d characters.", account.MaxInstitution))
	}
	for _, a := range Accommodations {
		if slices.Contains(in.Accommodations, string(a.Value)) {
			r.Accommodations = append(r.Accommodations, a.Value)
		}
	}
	for _, a := range in.Accommodations {
		if !slices.ContainsFunc(Accommodations, func(x struct {
			Value Accommodation
			Label string
		}) bool {
			return string(x.Value) == a
		}) {
			fe.Add("accommodations", fmt.Sprintf("%q is not one of the accommodations listed; describe it under “something else”.", a))
		}
	}
	switch {
	case utf8.RuneCountInString(r.AccommodationsOther) > 1000:
		fe.Add("accommodations_other", "Use at most 1000 characters.")
	case r.AccommodationsOther != "" && !r.Needs(OtherAccommodation):
		r.Accommodations = append(r.Accommodations, OtherAccommodation)
	case r.AccommodationsOther == "" && r.Needs(OtherAccommodation):
		fe.Add("accommodations_other", "Tell us what you need, so we can arrange it.")
	}
	answers, qfe := question.Check(set.Questions, in.Answers, true, "answers.")
	if err := qfe.Err(); err != nil {
		ae, _ := apperr.As(err)
		for _, f := range ae.Fields {
			fe.Add(f.Field, f.Message)
		}
	}
	r.Answers = answers
	return r
}

// check validates a registration and returns it with its demographic answers and workshops.
func (s *Service) check(set Settings, ws []Workshop, in Input, needConsent bool) (Registration, question.Answers, []int64, error) {
	var fe apperr.Fields
	r := trimmed(in)
	if m := nameProblem(r.Name); m != "" {
		fe.Add("name", m)
	}
	r.Email = account.NormalizeEmail(in.Email)
	if m := account.EmailProblem(r.Email); m != "" {
		fe.Add("email", m)
	}
	r = finishDetails(set, in, r, &fe)
	var chosen []int64
	for _, id := range in.Workshops {
		if !slices.ContainsFunc(ws, func(w Workshop) bool { return w.ID == id }) {
			fe.Add("workshops", "One of the workshops chosen is not offered (any more); choose from the list.")
		} else if !slices.Contains(chosen, id) {
			chosen = append(chosen, id)
		}
	}
	slices.Sort(chosen)
	demo, err := CheckDemographics(set.Demographics, in.Demographics, "demographics.")
	if err != nil {
		ae, _ := apperr.As(err)
		for _, f := range ae.Fields {
			fe.Add(f.Field, f.Message)
		}
	}
	if needConsent && !in.Consent {
		fe.Add("consent", "Tick the box to agree to the privacy statement: we cannot register you without it.")
	}
	return r, demo, chosen, fe.Err()
}

// Register registers a person for the conference. A place is taken at once when one is free, and
// held until the address is confirmed (ConfirmWithin); otherwise the person joins the waitlist. A
// confirmation link is emailed, unless a signed-in person registers with their account's confirmed
// address, which needs none. Registering again with an address that has a live registration makes
// nothing new: the link is sent again (at most once every ten minutes), and the answer is the same,
// so the form does not tell who is registered.
//
// Returns apperr Invalid with field errors, and apperr Conflict when registration is not open.
func (s *Service) Register(ctx context.Context, conf conference.Conference, by *Account, in Input) (Result, error) {
	now := s.now()
	set, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return Result{}, err
	}
	ws, err := s.store.Workshops(ctx, conf.ID)
	if err != nil {
		return Result{}, err
	}
	r, demo, chosen, err := s.check(set, ws, in, true)
	if err != nil {
		return Result{}, err
	}
	if set.PhaseAt(now) != Open {
		return Result{}, apperr.New(apperr.Conflict, PhaseMessage(Desk{Conference: conf, Settings: set, Phase: set.PhaseAt(now)}))
	}
	r.ConferenceID, r.Source, r.ConsentedAt, r.Status = conf.ID, SelfRegistered, &now, Waitlisted
	confirmedNow := false
	if by != nil {
		r.UserID = &by.UserID
		confirmedNow = by.Verified && account.NormalizeEmail(by.Email) == r.Email
	}
	if confirmedNow {
		r.EmailConfirmedAt = &now
	} else {
		until := now.Add(ConfirmWithin)
		r.ConfirmBy = &until
	}
	if r.DemographicsKey, err = randomBytes(32); err != nil {
		return Result{}, apperr.Wrap(apperr.Internal, "Could not register you.", err)
	}
	var res Result
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		res = Result{}
		// The partial unique index decides whether the address is registered already, even when two
		// registrations for it arrive at once: the second waits for the first and then inserts nothing.
		created, err := s.store.CreateRegistration(ctx, &r)
		if err != nil {
			return err
		}
		if !created {
			existing, err := s.store.LiveByEmail(ctx, conf.ID, r.Email)
			if err != nil {
				return err
			}
			res = Result{Registration: existing, Existing: true}
			return s.again(ctx, conf, existing, "")
		}
		if len(demo) > 0 {
			if err := s.store.SaveDemographics(ctx, conf.ID, s.keyHash(r.DemographicsKey), demo); err != nil {
				return err
			}
		}
		if !confirmedNow {
			if err := s.mailConfirm(ctx, conf, r, fmt.Sprintf("registration-confirm:%d:%d", r.ID, bucket(now))); err != nil {
				return err
			}
		}
		// Everything above ran without the conference's lock; what follows decides the place under it,
		// so the lock is held only for these few statements and the commit.
		if err := s.place(ctx, &r, chosen); err != nil {
			return err
		}
		if confirmedNow {
			if err := s.mailStatus(ctx, conf, r, fmt.Sprintf("registration-status:%d:%s", r.ID, r.Status)); err != nil {
				return err
			}
		}
		res.Registration = r
		return nil
	})
	return res, err
}

// place takes a place for a new registration if one is free (it joins the waitlist otherwise), and
// signs it up for the chosen workshops: a workshop place when it has a conference place and the
// workshop one free, the workshop's waitlist otherwise. The conference's lock is held from here on.
func (s *Service) place(ctx context.Context, r *Registration, workshops []int64) error {
	got, err := s.store.TakePlace(ctx, r.ConferenceID)
	if err != nil {
		return err
	}
	if got {
		r.Status = Registered
		if err := s.store.UpdateRegistration(ctx, r); err != nil {
			return err
		}
	}
	for _, id := range workshops { // in id order: the lock order
		su := Signup{WorkshopID: id, RegistrationID: r.ID, Status: Waitlisted}
		if got {
			ok, err := s.store.TakeWorkshopPlace(ctx, id)
			if err != nil {
				return err
			}
			if ok {
				su.Status = Registered
			}
		}
		if _, err := s.store.CreateSignup(ctx, &su); err != nil {
			return err
		}
	}
	return nil
}

// again answers a registration for an address that already has a live one: its owner gets the
// confirmation link again while the address is unconfirmed, and their personal link otherwise. kind
// names the occasion: within ten minutes, one message per occasion, so a double click sends the
// first confirmation link only, and asking for the link sends it once more.
func (s *Service) again(ctx context.Context, conf conference.Conference, r Registration, kind string) error {
	b := bucket(s.now())
	if !r.Confirmed() {
		key := fmt.Sprintf("registration-confirm:%d:%d", r.ID, b)
		if kind != "" {
			key = fmt.Sprintf("registration-confirm-%s:%d:%d", kind, r.ID, b)
		}
		return s.mailConfirm(ctx, conf, r, key)
	}
	return s.mailLink(ctx, conf, r, fmt.Sprintf("registration-link:%d:%d", r.ID, b))
}

// bucket numbers ten-minute windows, so that repeated requests within one yield one message.
func bucket(t time.Time) int64 { return t.Unix() / 600 }

// SendLink emails the personal link of the address's live registration, or the confirmation link
// while it is unconfirmed; at most once every ten minutes. The answer is the same whether or not the
// address has a registration. Returns apperr Invalid (field "email") for a malformed address.
func (s *Service) SendLink(ctx context.Context, conf conference.Conference, email string) error {
	email = account.NormalizeEmail(email)
	if m := account.EmailProblem(email); m != "" {
		return apperr.Field("email", m)
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		r, err := s.store.LiveByEmail(ctx, conf.ID, email)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.again(ctx, conf, r, "asked")
	})
}

// CheckConfirm tells whether a confirmation link can be used, for the page that asks to confirm.
// Returns the errors Confirm would.
func (s *Service) CheckConfirm(ctx context.Context, conf conference.Conference, secret string) (Registration, error) {
	t, r, err := s.confirmToken(ctx, conf, secret)
	if err != nil {
		return r, err
	}
	if t.UsedAt != nil && !(r.Confirmed() && r.Status.Live()) {
		return r, apperr.Field("token", "This confirmation link has already been used. Use the personal link in your confirmation email, or ask for a new one.")
	}
	return r, nil
}

func (s *Service) confirmToken(ctx context.Context, conf conference.Conference, secret string) (Token, Registration, error) {
	if strings.TrimSpace(secret) == "" {
		return Token{}, Registration{}, apperr.Field("token", "This confirmation link is incomplete. Open the link from the email again, or ask for a new one.")
	}
	t, err := s.store.TokenForUpdate(ctx, ConfirmLink, s.hash(secret))
	if apperr.Is(err, apperr.NotFound) {
		return t, Registration{}, apperr.Field("token", "This confirmation link is not valid. Ask for a new one below.")
	}
	if err != nil {
		return t, Registration{}, err
	}
	r, err := s.store.Registration(ctx, conf.ID, t.RegistrationID)
	if apperr.Is(err, apperr.NotFound) {
		return t, r, apperr.Field("token", "This confirmation link is not valid. Ask for a new one below.")
	}
	if err != nil {
		return t, r, err
	}
	switch {
	case r.Status == Cancelled:
		return t, r, apperr.Field("token", "This registration was cancelled. You are welcome to register again.")
	case r.Status == Expired:
		return t, r, apperr.Field("token", "This registration lapsed because its address was not confirmed in time. You are welcome to register again.")
	case t.UsedAt == nil && !s.now().Before(t.ExpiresAt):
		return t, r, apperr.Field("token", "This confirmation link has expired. Ask for a new one below.")
	}
	return t, r, nil
}

// Confirm confirms a registration's address from the emailed link: a held place becomes the
// person's, and they are sent how to join with a calendar invitation; someone on the waitlist stays
// in line, now eligible for offers. Opening a used link of a confirmed registration confirms nothing
// more and returns it. Returns apperr Invalid (field "token") for a link that is unknown, expired,
// used, or of a registration that lapsed or was cancelled.
func (s *Service) Confirm(ctx context.Context, conf conference.Conference, secret string) (Registration, error) {
	var r Registration
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.LockSettings(ctx, conf.ID); err != nil {
			return err
		}
		t, cur, err := s.confirmToken(ctx, conf, secret)
		if err != nil {
			return err
		}
		if r, err = s.store.LockRegistration(ctx, conf.ID, cur.ID); err != nil {
			return err
		}
		if r.Confirmed() {
			if t.UsedAt == nil {
				if err := s.store.UseToken(ctx, t.ID, s.now()); err != nil {
					return err
				}
			}
			return nil
		}
		if t.UsedAt != nil {
			return apperr.Field("token", "This confirmation link has already been used. Ask for a new one below.")
		}
		now := s.now()
		if err := s.store.UseToken(ctx, t.ID, now); err != nil {
			return err
		}
		r.EmailConfirmedAt, r.ConfirmBy = &now, nil
		if err := s.store.UpdateRegistration(ctx, &r); err != nil {
			return err
		}
		if err := s.mailStatus(ctx, conf, r, fmt.Sprintf("registration-status:%d:%s", r.ID, r.Status)); err != nil {
			return err
		}
		// Someone on the waitlist may now be offered a free place; a registrant's workshop waitlists
		// may now offer them one.
		if r.Status == Waitlisted {
			return s.fill(ctx, conf)
		}
		return s.fillWorkshopsOf(ctx, conf, r.ID)
	})
	return r, err
}

// OpenLink returns the registration of a personal link, whatever its status. Returns apperr Invalid
// (field "token") for a link that is unknown or expired.
func (s *Service) OpenLink(ctx context.Context, conf conference.Conference, secret string) (Registration, error) {
	if strings.TrimSpace(secret) == "" {
		return Registration{}, apperr.Field("token", "This link is incomplete. Open the link from the email again, or ask for a new one.")
	}
	var r Registration
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.TokenForUpdate(ctx, ManageLink, s.hash(secret))
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("token", "This link is not valid. Ask for a new one below.")
		}
		if err != nil {
			return err
		}
		if !s.now().Before(t.ExpiresAt) {
			return apperr.Field("token", "This link has expired. Ask for a new one below.")
		}
		r, err = s.store.Registration(ctx, conf.ID, t.RegistrationID)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("token", "This link is not valid. Ask for a new one below.")
		}
		if err != nil {
			return err
		}
		if t.UsedAt == nil {
			return s.store.UseToken(ctx, t.ID, s.now())
		}
		return nil
	})
	return r, err
}

// Get returns a registration of the conference. apperr NotFound when there is none.
func (s *Service) Get(ctx context.Context, conf conference.Conference, id int64) (Registration, error) {
	r, err := s.store.Registration(ctx, conf.ID, id)
	if apperr.Is(err, apperr.NotFound) {
		return r, apperr.New(apperr.NotFound, "There is no such registration.")
	}
	return r, err
}

// Mine returns the account's registration for the conference: the live one made while signed in or
// with the account's confirmed address, else the latest. apperr NotFound when there is none.
func (s *Service) Mine(ctx context.Context, conf conference.Conference, a Account) (Registration, error) {
	list, err := s.ForAccount(ctx, a)
	if err != nil {
		return Registration{}, err
	}
	var found *Registration
	for i := range list {
		r := list[i].Registration
		if r.ConferenceID != conf.ID {
			continue
		}
		if found == nil || (r.Status.Live() && !found.Status.Live()) || (r.Status.Live() == found.Status.Live() && r.ID > found.ID) {
			found = &r
		}
	}
	if found == nil {
		return Registration{}, apperr.New(apperr.NotFound, "You have not registered for this conference.")
	}
	return *found, nil
}

// ForAccount lists the registrations of an account: those made while signed in, and those made with
// its address once that address is confirmed.
func (s *Service) ForAccount(ctx context.Context, a Account) ([]UserRegistration, error) {
	email := ""
	if a.Verified {
		email = account.NormalizeEmail(a.Email)
	}
	return s.store.ForUser(ctx, a.UserID, email)
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := rand.Read(b)
	return b, err
}

func randomToken() (string, error) {
	b, err := randomBytes(32)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hash keys a link's hash with the installation's secret, so that a copy of the database alone cannot
// be used to check guesses.
func (s *Service) hash(secret string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("registration-link:" + secret))
	return m.Sum(nil)
}

// keyHash names a registration's demographic answers: a keyed hash of its random key, so that only
// the service can find them from the registration (to delete them) and not the other way round.
func (s *Service) keyHash(key []byte) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("registration-demographics:"))
	m.Write(key)
	return m.Sum(nil)
}

// newToken makes an emailed link for the registration and returns its secret.
func (s *Service) newToken(ctx context.Context, r Registration, p Purpose, expires time.Time) (string, error) {
	secret, err := randomToken()
	if err != nil {
		return "", apperr.Wrap(apperr.Internal, "Could not create a link.", err)
	}
	t := Token{RegistrationID: r.ID, Purpose: p, Hash: s.hash(secret), ExpiresAt: expires}
	if err := s.store.CreateToken(ctx, &t); err != nil {
		return "", err
	}
	return secret, nil
}

// manageExpiry is when personal links stop working: a month after the conference, and never in
// less than a month.
func (s *Service) manageExpiry(conf conference.Conference) time.Time {
	after := conf.EndsOn.AddDate(0, 0, 31)
	if min := s.now().AddDate(0, 0, 30); after.Before(min) {
		return min
	}
	return after
}

func (s *Service) record(ctx context.Context, p actor, action, subject string, confID int64, details string) error {
	return s.audit.Record(ctx, audit.Entry{ActorID: p.id, ActorEmail: p.email, Action: action, Subject: subject,
		ConferenceID: &confID, Details: details})
}

// actor is who the audit log names.
type actor struct {
	id    *int64
	email string
}

func subjectRegistration(id int64) string { return fmt.Sprintf("registration:%d", id) }
