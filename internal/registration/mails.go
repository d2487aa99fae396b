package registration

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/calendar"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/markdown"
	"github.com/challenging-norms/conference/internal/notify"
)

// Mail template data. Each struct is the data of the templates named in its comment.
type (
	// ConfirmMail is the data of "registration_confirm": the double opt-in link.
	ConfirmMail struct {
		Name, Conference, Dates, Link, Until string
		ValidHours                           int
	}
	// PlaceMail is the data of "registration_confirmed": the place is the person's, with how to join.
	PlaceMail struct {
		Name, Conference, Dates, ManageLink string
		JoinText                            string
		JoinHTML                            template.HTML
		Workshops                           []string
		ByOrganizer                         bool
	}
	// WaitlistMail is the data of "registration_waitlisted".
	WaitlistMail struct {
		Name, Conference, Dates, ManageLink string
		Position                            int
		ByOrganizer                         bool
	}
	// OfferMail is the data of "registration_offer": a place is held for someone on the waitlist.
	OfferMail struct {
		Name, Conference, Dates, ManageLink, Until string
	}
	// LinkMail is the data of "registration_link": the personal link, sent again.
	LinkMail struct {
		Name, Conference, ManageLink, Status string
	}
	// CancelledMail is the data of "registration_cancelled".
	CancelledMail struct {
		Name, Conference, RegisterLink string
		ByOrganizer                    bool
	}
	// OfferLapsedMail is the data of "registration_offer_lapsed".
	OfferLapsedMail struct {
		Name, Conference, RegisterLink string
	}
	// WorkshopMail is the data of "workshop_place" and "workshop_offer".
	WorkshopMail struct {
		Name, Conference, Workshop, When, ManageLink, Until string
	}
)

// Dates writes a conference's dates for people, e.g. "Tuesday 1 June 2027 to Wednesday 2 June 2027".
func Dates(c conference.Conference) string {
	const layout = "Monday 2 January 2006"
	if c.StartsOn.Equal(c.EndsOn) {
		return c.StartsOn.Format(layout)
	}
	return c.StartsOn.Format(layout) + " to " + c.EndsOn.Format(layout)
}

func (s *Service) confURL(conf conference.Conference, path string) string {
	return s.baseURL + "/c/" + url.PathEscape(conf.Slug) + path
}

func (s *Service) manageLink(ctx context.Context, conf conference.Conference, r Registration) (string, error) {
	secret, err := s.newToken(ctx, r, ManageLink, s.manageExpiry(conf))
	if err != nil {
		return "", err
	}
	return s.confURL(conf, "/registration?token="+secret), nil
}

func (s *Service) send(ctx context.Context, conf conference.Conference, r Registration, key, template string, data any, att ...notify.Attachment) error {
	return s.outbox.Enqueue(ctx, notify.Message{EventKey: key, ConferenceID: &conf.ID, To: r.Email, ToName: r.Name,
		Template: template, Data: data, Attachments: att})
}

// mailConfirm sends the double opt-in link.
func (s *Service) mailConfirm(ctx context.Context, conf conference.Conference, r Registration, key string) error {
	until := s.now().Add(ConfirmWithin)
	if r.ConfirmBy != nil {
		until = *r.ConfirmBy
	}
	secret, err := s.newToken(ctx, r, ConfirmLink, until)
	if err != nil {
		return err
	}
	return s.send(ctx, conf, r, key, "registration_confirm", ConfirmMail{Name: r.Name, Conference: conf.Name, Dates: Dates(conf),
		Link: s.confURL(conf, "/register/confirm?token="+secret), Until: When(until, conf.Location()),
		ValidHours: int(until.Sub(s.now()).Round(time.Hour).Hours())})
}

// mailLink sends the personal link again.
func (s *Service) mailLink(ctx context.Context, conf conference.Conference, r Registration, key string) error {
	link, err := s.manageLink(ctx, conf, r)
	if err != nil {
		return err
	}
	return s.send(ctx, conf, r, key, "registration_link", LinkMail{Name: r.Name, Conference: conf.Name, ManageLink: link, Status: r.Status.Label()})
}

// mailStatus tells a confirmed registrant where they stand: a place (with how to join and a calendar
// invitation), the waitlist, or an offer.
func (s *Service) mailStatus(ctx context.Context, conf conference.Conference, r Registration, key string) error {
	link, err := s.manageLink(ctx, conf, r)
	if err != nil {
		return err
	}
	switch r.Status {
	case Registered:
		set, err := s.store.Settings(ctx, conf.ID)
		if err != nil {
			return err
		}
		places, events, err := s.workshopPlaces(ctx, conf, r)
		if err != nil {
			return err
		}
		ics := s.ics(conf, r, set, events)
		return s.send(ctx, conf, r, key, "registration_confirmed", PlaceMail{Name: r.Name, Conference: conf.Name, Dates: Dates(conf),
			ManageLink: link, JoinText: markdown.Text(set.JoinInfo), JoinHTML: markdown.HTML(set.JoinInfo, 2), Workshops: places,
			ByOrganizer: r.Source == ByOrganizer},
			notify.Attachment{Name: conf.Slug + ".ics", ContentType: calendar.ContentType, Data: ics})
	case Waitlisted:
		pos, err := s.store.WaitlistPosition(ctx, r)
		if err != nil {
			return err
		}
		return s.send(ctx, conf, r, key, "registration_waitlisted", WaitlistMail{Name: r.Name, Conference: conf.Name, Dates: Dates(conf),
			ManageLink: link, Position: pos, ByOrganizer: r.Source == ByOrganizer})
	case Offered:
		return s.send(ctx, conf, r, key, "registration_offer", OfferMail{Name: r.Name, Conference: conf.Name, Dates: Dates(conf),
			ManageLink: link, Until: When(*r.OfferExpiresAt, conf.Location())})
	}
	return nil
}

func (s *Service) mailCancelled(ctx context.Context, conf conference.Conference, r Registration, byOrganizer bool) error {
	return s.send(ctx, conf, r, fmt.Sprintf("registration-cancelled:%d", r.ID), "registration_cancelled",
		CancelledMail{Name: r.Name, Conference: conf.Name, RegisterLink: s.confURL(conf, "/register"), ByOrganizer: byOrganizer})
}

func (s *Service) mailOfferLapsed(ctx context.Context, conf conference.Conference, r Registration) error {
	return s.send(ctx, conf, r, fmt.Sprintf("registration-offer-lapsed:%d:%d", r.ID, r.Offers), "registration_offer_lapsed",
		OfferLapsedMail{Name: r.Name, Conference: conf.Name, RegisterLink: s.confURL(conf, "/register")})
}

func (s *Service) mailWorkshopPlace(ctx context.Context, conf conference.Conference, r Registration, w Workshop, su Signup) error {
	link, err := s.manageLink(ctx, conf, r)
	if err != nil {
		return err
	}
	var att []notify.Attachment
	if w.StartsAt != nil && w.EndsAt != nil {
		att = append(att, notify.Attachment{Name: fmt.Sprintf("%s-workshop-%d.ics", conf.Slug, w.ID), ContentType: calendar.ContentType,
			Data: calendar.ICS(s.site, s.workshopEvent(conf, w))})
	}
	return s.send(ctx, conf, r, fmt.Sprintf("workshop-place:%d", su.ID), "workshop_place",
		WorkshopMail{Name: r.Name, Conference: conf.Name, Workshop: w.Title, When: workshopWhen(w, conf), ManageLink: link}, att...)
}

func (s *Service) mailWorkshopOffer(ctx context.Context, conf conference.Conference, r Registration, w Workshop, su Signup) error {
	link, err := s.manageLink(ctx, conf, r)
	if err != nil {
		return err
	}
	return s.send(ctx, conf, r, fmt.Sprintf("workshop-offer:%d:%d", su.ID, su.Offers), "workshop_offer",
		WorkshopMail{Name: r.Name, Conference: conf.Name, Workshop: w.Title, When: workshopWhen(w, conf), ManageLink: link,
			Until: When(*su.OfferExpiresAt, conf.Location())})
}

// workshopWhen writes a workshop's time for people, or "" when it has none.
func workshopWhen(w Workshop, conf conference.Conference) string {
	if w.StartsAt == nil {
		return ""
	}
	s := When(*w.StartsAt, conf.Location())
	if w.EndsAt != nil {
		s += " to " + w.EndsAt.In(conf.Location()).Format("15:04 MST")
	}
	return s
}

// workshopPlaces lists the registrant's workshop places for a mail, and their calendar events.
func (s *Service) workshopPlaces(ctx context.Context, conf conference.Conference, r Registration) ([]string, []calendar.Event, error) {
	sus, err := s.store.Signups(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	var titles []string
	var events []calendar.Event
	for _, su := range sus {
		if su.Status != Registered {
			continue
		}
		w, err := s.store.Workshop(ctx, conf.ID, su.WorkshopID)
		if err != nil {
			return nil, nil, err
		}
		t := w.Title
		if when := workshopWhen(w, conf); when != "" {
			t += " (" + when + ")"
			events = append(events, s.workshopEvent(conf, w))
		}
		titles = append(titles, t)
	}
	return titles, events, nil
}

func (s *Service) host() string {
	if u, err := url.Parse(s.baseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

func (s *Service) workshopEvent(conf conference.Conference, w Workshop) calendar.Event {
	return calendar.Event{UID: fmt.Sprintf("workshop-%d@%s", w.ID, s.host()), Summary: w.Title + " (" + conf.Name + ")",
		Description: markdown.Text(w.Description), URL: s.confURL(conf, ""), Start: *w.StartsAt, End: *w.EndsAt, Stamp: s.now()}
}

// ics is the calendar invitation of a registrant with a place: the conference's days, with how to
// join, and their timed workshops.
func (s *Service) ics(conf conference.Conference, r Registration, set Settings, workshops []calendar.Event) []byte {
	desc := markdown.Text(set.JoinInfo)
	if desc != "" {
		desc = "How to join:\n" + desc + "\n\n"
	}
	desc += "Your registration: " + s.confURL(conf, "/registration")
	ev := calendar.Event{UID: fmt.Sprintf("registration-%d@%s", r.ID, s.host()), Summary: conf.Name, Description: strings.TrimSpace(desc),
		URL: s.confURL(conf, ""), AllDay: true, Start: conf.StartsOn, End: conf.EndsOn, Stamp: s.now()}
	return calendar.ICS(s.site, append([]calendar.Event{ev}, workshops...)...)
}

// Calendar returns the calendar invitation of a confirmed registrant with a place. Returns apperr
// NotFound, and Conflict when the registrant has no confirmed place.
func (s *Service) Calendar(ctx context.Context, conf conference.Conference, id int64) ([]byte, error) {
	r, err := s.Get(ctx, conf, id)
	if err != nil {
		return nil, err
	}
	if r.Status != Registered || !r.Confirmed() {
		return nil, apperr.New(apperr.Conflict, "The calendar invitation is for people with a confirmed place.")
	}
	set, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	_, events, err := s.workshopPlaces(ctx, conf, r)
	if err != nil {
		return nil, err
	}
	return s.ics(conf, r, set, events), nil
}
