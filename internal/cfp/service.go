package cfp

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/memo"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/question"
)

// Service is the call's use cases. Changes need access.ManageCall; reading the call is public.
//
// Reads of a call, its tracks and formats are kept for a second (they are read by every proposal
// save and change rarely): a change made here is seen at once, one made by another process within
// the second.
type Service struct {
	store   Store
	outbox  notify.Outbox
	moved   ExtensionMoved
	ended   LinkTimeEnded
	audit   audit.Recorder
	secret  []byte
	baseURL string
	now     func() time.Time
	cache   *memo.Cache[int64, snapshot]
}

// snapshot is a call as read at one moment, with its tracks and formats.
type snapshot struct {
	call    Call
	hasCall bool
	tracks  []Track
	formats []Format
}

// CacheTTL is how long another process may serve a call after it changed.
const CacheTTL = time.Second

func (s *Service) snapshot(ctx context.Context, conferenceID int64) (snapshot, error) {
	return s.cache.Get(conferenceID, func() (snapshot, error) {
		var sn snapshot
		var err error
		sn.call, err = s.store.Call(ctx, conferenceID)
		switch {
		case err == nil:
			sn.hasCall = true
		case !apperr.Is(err, apperr.NotFound):
			return sn, err
		}
		if sn.tracks, err = s.store.Tracks(ctx, conferenceID); err != nil {
			return sn, err
		}
		sn.formats, err = s.store.Formats(ctx, conferenceID)
		return sn, err
	})
}

// changed forgets what is kept of the conference's call; the writes call it once committed.
func (s *Service) changed(conferenceID int64) { s.cache.Forget(conferenceID) }

// Options configures a Service.
type Options struct {
	Store   Store
	Outbox  notify.Outbox // the mail that tells people of their extensions; required to grant or take one back
	Audit   audit.Recorder
	Secret  string // keys the hashes of access links
	BaseURL string
	Now     func() time.Time
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: o.Store, outbox: o.Outbox, audit: o.Audit, secret: []byte(o.Secret), baseURL: strings.TrimRight(o.BaseURL, "/"), now: o.Now,
		cache: memo.New[int64, snapshot](CacheTTL)}
}

// Now is the service's clock (tests set it).
func (s *Service) Now() time.Time { return s.now() }

// LocalLayout is how forms and the API write a moment in the conference's time zone, as an HTML
// datetime-local input does.
const LocalLayout = "2006-01-02T15:04"

// MaxTimeChars is the most characters a time typed in a form or sent to the API may have, spaces
// around it counted: RFC 3339 with nanoseconds and an offset takes 35. The forms and the JSON
// bodies keep the same limit (validate max=40), and ParseLocal refuses what is longer.
const MaxTimeChars = 40

// FormatTime writes a moment as people read it in the conference's time zone, e.g.
// "Wednesday 30 June 2027, 23:59 EDT": on pages, in messages and in mail.
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006, 15:04 MST")
}

// ExtensionMoved is told, in the transaction of a grant or a take-back, that a person's extension
// moved from before to after (nil: none), so that the others who present the proposals the person
// made hear of the deadline that now applies to them. Event names the change, the same for the same
// change told twice (two grants of one deadline at once), to key what it sends.
type ExtensionMoved func(ctx context.Context, conf conference.Conference, userID int64, before, after *time.Time, event string) error

// OnExtensionMoved sets what is told when an extension moves. Set it before serving.
func (s *Service) OnExtensionMoved(f ExtensionMoved) { s.moved = f }

// LinkTimeEnded is told, in the transaction of a withdrawal that ends an access link's time, the
// proposals (ids) that had the link's expiry, until, as their own deadline and have lost it, so that
// their presenters hear of the deadline that now applies to them. Event names the change, to key
// what it sends. It returns how many were told.
type LinkTimeEnded func(ctx context.Context, conf conference.Conference, ids []int64, until time.Time, event string) (int, error)

// OnLinkTimeEnded sets what is told when an access link's time is ended. Set it before serving.
func (s *Service) OnLinkTimeEnded(f LinkTimeEnded) { s.ended = f }

// AfterCallMessage is the error for a deadline of one person or proposal that is not later than the
// call's, which they have anyway.
func AfterCallMessage(call Call, conf conference.Conference) string {
	return "The call closes " + FormatTime(call.ClosesAt, conf.Location()) + ", so everyone has until then already: choose a later time."
}

// ParseLocal reads a LocalLayout time in loc. A close time names a whole minute: "23:59" lasts
// until 23:59:59.999999, so "the end of June 30" is 2027-06-30T23:59. A time the clocks skip in
// loc (the hour lost when summer time begins) names no moment and is refused (LocalError). Seconds
// may be given, and so may a UTC offset (RFC 3339, as the API writes times), which names a moment
// wherever it is. Years outside MinYear–MaxYear are refused: no call runs then, and a countdown
// could not count to them. So is text longer than MaxTimeChars, which is no time.
func ParseLocal(s string, loc *time.Location) (time.Time, bool) {
	if utf8.RuneCountInString(s) > MaxTimeChars {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t = t.In(loc)
		return t, yearOK(t)
	}
	for _, layout := range localLayouts {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		wall, _ := time.Parse(layout, s)
		return t, t.Format(layout) == wall.Format(layout) && yearOK(t)
	}
	return time.Time{}, false
}

// The years a time may name.
const (
	MinYear = 2000
	MaxYear = 2199
)

// localLayouts are the wall-clock forms ParseLocal reads: LocalLayout, and with seconds.
var localLayouts = []string{LocalLayout, "2006-01-02T15:04:05"}

func yearOK(t time.Time) bool { return t.Year() >= MinYear && t.Year() <= MaxYear }

// LocalError is the message for a time ParseLocal refused: that it is too long (and then example,
// what is expected), what is expected, that its year is out of range, or, for a well-formed time (so one the clocks skip), that it does not exist.
func LocalError(s string, loc *time.Location, example string) string {
	if n := utf8.RuneCountInString(s); n > MaxTimeChars {
		return fmt.Sprintf("This is too long for a date and time: %d characters, where at most %d fit. %s", n, MaxTimeChars, example)
	}
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339Nano, s)
	for _, layout := range localLayouts {
		if err != nil {
			t, err = time.Parse(layout, s)
		}
	}
	switch {
	case err != nil:
		return example
	case !yearOK(t.In(loc)) || !yearOK(t):
		return fmt.Sprintf("Enter a year from %d to %d.", MinYear, MaxYear)
	}
	return "There is no such time in " + loc.String() + ": the clocks go forward an hour then. Choose a time outside that hour."
}

// LocalInput writes t in loc as LocalLayout, for a form field.
func LocalInput(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(LocalLayout)
}

// endOfMinute is the last microsecond (PostgreSQL's resolution) of t's minute.
func endOfMinute(t time.Time) time.Time {
	return t.Truncate(time.Minute).Add(time.Minute - time.Microsecond)
}

func (s *Service) record(ctx context.Context, p *access.Principal, conf conference.Conference, action, subject, details string) error {
	e := audit.Entry{Action: action, Subject: subject, ConferenceID: &conf.ID, Details: details}
	if p != nil {
		e.ActorID, e.ActorEmail = &p.UserID, p.Email
	}
	return s.audit.Record(ctx, e)
}

// Overview is what the public call page shows.
type Overview struct {
	Call    Call
	Tracks  []Track
	Formats []Format // only those accepting proposals
}

// Overview returns the conference's call with its tracks and the formats it accepts. Public.
// Returns apperr NotFound when the conference has no call.
func (s *Service) Overview(ctx context.Context, conf conference.Conference) (Overview, error) {
	sn, err := s.snapshot(ctx, conf.ID)
	if err != nil {
		return Overview{}, err
	}
	if !sn.hasCall {
		return Overview{}, noCall(conf)
	}
	o := Overview{Call: sn.call, Tracks: slices.Clone(sn.tracks)}
	for _, f := range sn.formats {
		if f.Accepting {
			o.Formats = append(o.Formats, f)
		}
	}
	return o, nil
}

func noCall(conf conference.Conference) error {
	return apperr.New(apperr.NotFound, conf.Name+" has no call for proposals yet.")
}

// Call returns the conference's call. Public. apperr NotFound when it has none.
func (s *Service) Call(ctx context.Context, conf conference.Conference) (Call, error) {
	sn, err := s.snapshot(ctx, conf.ID)
	if err == nil && !sn.hasCall {
		err = noCall(conf)
	}
	return sn.call, err
}

// Tracks lists the conference's tracks in order. Public.
func (s *Service) Tracks(ctx context.Context, conf conference.Conference) ([]Track, error) {
	sn, err := s.snapshot(ctx, conf.ID)
	return slices.Clone(sn.tracks), err
}

// Formats lists the conference's formats in order, those no longer accepting proposals included.
func (s *Service) Formats(ctx context.Context, conf conference.Conference) ([]Format, error) {
	sn, err := s.snapshot(ctx, conf.ID)
	return slices.Clone(sn.formats), err
}

// Format returns one format. apperr NotFound when the conference has no such format.
func (s *Service) Format(ctx context.Context, conf conference.Conference, id int64) (Format, error) {
	sn, err := s.snapshot(ctx, conf.ID)
	if err != nil {
		return Format{}, err
	}
	for _, f := range sn.formats {
		if f.ID == id {
			return f, nil
		}
	}
	return Format{}, apperr.New(apperr.NotFound, "There is no such format in this call.")
}

// storedFormat reads a format from the store, for a change in a transaction.
func (s *Service) storedFormat(ctx context.Context, conf conference.Conference, id int64) (Format, error) {
	f, err := s.store.Format(ctx, conf.ID, id)
	if apperr.Is(err, apperr.NotFound) {
		return f, apperr.New(apperr.NotFound, "There is no such format in this call.")
	}
	return f, err
}

// CallInput is what organizers set about the call. Opens and Closes are LocalLayout times in the
// conference's time zone; Closes is inclusive of its minute.
type CallInput struct {
	Opens, Closes           string
	ContactEmail            string
	IntroMD, GuideMD, FAQMD string
}

// Limits on the call's pages and a format's words, in characters. The web server sizes the bodies
// it accepts for these forms from them.
const (
	MaxIntroChars             = 20000
	MaxPageChars              = 100000
	MaxFormatNameChars        = 200
	MaxFormatDescriptionChars = 4000
)

func checkCall(in CallInput, loc *time.Location) (Call, error) {
	var fe apperr.Fields
	c := Call{ContactEmail: strings.ToLower(strings.TrimSpace(in.ContactEmail)),
		IntroMD: strings.TrimSpace(in.IntroMD), GuideMD: strings.TrimSpace(in.GuideMD), FAQMD: strings.TrimSpace(in.FAQMD)}
	var ok bool
	if c.OpensAt, ok = ParseLocal(in.Opens, loc); !ok {
		fe.Add("opens_at", LocalError(in.Opens, loc, "Enter the opening date and time, e.g. 2027-01-15T09:00."))
	}
	closes, ok := ParseLocal(in.Closes, loc)
	if !ok {
		fe.Add("closes_at", LocalError(in.Closes, loc, "Enter the closing date and time, e.g. 2027-06-30T23:59."))
	}
	c.ClosesAt = endOfMinute(closes)
	if !fe.Has("opens_at") && !fe.Has("closes_at") && !c.ClosesAt.After(c.OpensAt) {
		fe.Add("closes_at", "The call must close after it opens.")
	}
	if c.ContactEmail != "" {
		if a, err := mail.ParseAddress(c.ContactEmail); err != nil || a.Address != c.ContactEmail || len(c.ContactEmail) > 254 {
			fe.Add("contact_email", "Enter an address like program@example.org, or leave it empty.")
		}
	}
	if utf8.RuneCountInString(c.IntroMD) > MaxIntroChars {
		fe.Add("intro_md", fmt.Sprintf("Use at most %d characters.", MaxIntroChars))
	}
	if utf8.RuneCountInString(c.GuideMD) > MaxPageChars {
		fe.Add("guide_md", fmt.Sprintf("Use at most %d characters.", MaxPageChars))
	}
	if utf8.RuneCountInString(c.FAQMD) > MaxPageChars {
		fe.Add("faq_md", fmt.Sprintf("Use at most %d characters.", MaxPageChars))
	}
	for _, x := range []struct{ field, md string }{{"intro_md", c.IntroMD}, {"guide_md", c.GuideMD}, {"faq_md", c.FAQMD}} {
		if bad := badPlaceholder(x.md); bad != "" && !fe.Has(x.field) {
			fe.Add(x.field, fmt.Sprintf("“%s” is not something the page can fill in: write %s for the call's close or %s for its opening, as they are.",
				bad, ClosesPlaceholder, OpensPlaceholder))
		}
	}
	return c, fe.Err()
}

// placeholderRE matches what is written as a placeholder: a short text between double braces.
var placeholderRE = regexp.MustCompile(`\{\{[^{}\n]{0,40}\}\}`)

// badPlaceholder returns the first text of md written as a placeholder that is none of the call's
// ("{{close}}", "{{ closes }}", "{{deadline}}"), which the page would otherwise show as typed; "" if
// there is none.
func badPlaceholder(md string) string {
	if !strings.Contains(md, "{{") {
		return ""
	}
	for _, m := range placeholderRE.FindAllString(md, -1) {
		if m != OpensPlaceholder && m != ClosesPlaceholder {
			return m
		}
	}
	return ""
}

// SaveCall creates the call or changes it. version is the version the organizer edited (0 to
// create); a change made meanwhile by someone else gives apperr Conflict rather than being
// overwritten. A save whose version is stale but that would change nothing of the call as it is now
// (the same form sent twice, a double click) is done already, and returns the call. Returns apperr
// Invalid with field errors and the policy's errors.
func (s *Service) SaveCall(ctx context.Context, p *access.Principal, conf conference.Conference, version int, in CallInput) (Call, error) {
	return s.SaveCallFrom(ctx, p, conf, version, func(Call) CallInput { return in })
}

// SaveCallFrom is SaveCall with the change made by change from the call as stored at version (the
// zero Call when version is 0), read in the same transaction: a change of some of its settings
// keeps the others as they are, never as a cached copy had them.
func (s *Service) SaveCallFrom(ctx context.Context, p *access.Principal, conf conference.Conference, version int, change func(Call) CallInput) (Call, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Call{}, err
	}
	return s.saveCall(ctx, p, conf, version, change)
}

func (s *Service) saveCall(ctx context.Context, p *access.Principal, conf conference.Conference, version int, change func(Call) CallInput) (Call, error) {
	defer s.changed(conf.ID)
	c, err := s.writeCall(ctx, p, conf, version, change)
	if apperr.Is(err, apperr.Conflict) {
		if now, ok := s.callIs(ctx, conf, version, change); ok {
			return now, nil
		}
	}
	return c, err
}

// callIs reads the call as stored after a save of it was refused as stale, and reports whether the
// save would change nothing of it. A version the call never had (later than its own) is no twin's.
func (s *Service) callIs(ctx context.Context, conf conference.Conference, version int, change func(Call) CallInput) (Call, bool) {
	now, err := s.store.Call(ctx, conf.ID)
	if err != nil || version >= now.Version {
		return now, false
	}
	var old Call
	if version > 0 {
		old = now
	}
	want, err := checkCall(change(old), conf.Location())
	return now, err == nil && sameCall(want, now)
}

func (s *Service) writeCall(ctx context.Context, p *access.Principal, conf conference.Conference, version int, change func(Call) CallInput) (Call, error) {
	var c Call
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var old Call
		if version > 0 {
			var err error
			if old, err = s.store.Call(ctx, conf.ID); err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		var err error
		if c, err = checkCall(change(old), conf.Location()); err != nil {
			return err
		}
		c.ConferenceID, c.Version = conf.ID, version
		action := "call.updated"
		if version == 0 {
			action = "call.created"
			if err := s.store.CreateCall(ctx, &c); err != nil {
				return err
			}
		} else if err := s.store.UpdateCall(ctx, &c); err != nil {
			return err
		}
		return s.record(ctx, p, conf, action, "conference:"+conf.Slug,
			fmt.Sprintf("open %s to %s", c.OpensAt.UTC().Format(time.RFC3339), c.ClosesAt.UTC().Format(time.RFC3339)))
	})
	return c, err
}

// TrackInput is a track as organizers write it. ClientKey, when not "", makes the track once
// however often the request that creates it is sent (see CreateTrack); a change ignores it.
type TrackInput struct{ Name, Description, ClientKey string }

func checkTrack(in TrackInput) (Track, error) {
	t := Track{Name: strings.Join(strings.Fields(in.Name), " "), Description: strings.TrimSpace(in.Description)}
	var fe apperr.Fields
	switch n := utf8.RuneCountInString(t.Name); {
	case n == 0:
		fe.Add("name", "Enter the track's name.")
	case n > 200:
		fe.Add("name", "Use at most 200 characters.")
	}
	if utf8.RuneCountInString(t.Description) > 2000 {
		fe.Add("description", "Use at most 2000 characters.")
	}
	return t, fe.Err()
}

// CreateTrack adds a track at the end. A create with the client key of one that made a track (a
// double click, a retried request) makes no other: it returns that track as it is now when it is the
// track this one would make, and apperr Conflict (ErrKeyUsed) when it is not. apperr Invalid, apperr
// Conflict for a taken name.
func (s *Service) CreateTrack(ctx context.Context, p *access.Principal, conf conference.Conference, in TrackInput) (Track, error) {
	defer s.changed(conf.ID)
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Track{}, err
	}
	if err := apperr.CheckClientKey(in.ClientKey); err != nil {
		return Track{}, err
	}
	t, err := checkTrack(in)
	if err != nil {
		return t, err
	}
	t.ConferenceID, t.ClientKey = conf.ID, in.ClientKey
	err = s.createTrack(ctx, p, conf, &t)
	if err != nil && in.ClientKey != "" {
		// Looked up only when the create fails: the key's unique index lets no second track
		// through, and waits for the first to commit.
		if first, kerr := s.store.TrackByKey(ctx, conf.ID, in.ClientKey); kerr == nil {
			if first.Name != t.Name || first.Description != t.Description {
				return first, apperr.KeyUsed("the track “" + first.Name + "”")
			}
			return first, nil
		}
	}
	return t, err
}

func (s *Service) createTrack(ctx context.Context, p *access.Principal, conf conference.Conference, t *Track) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		list, err := s.store.Tracks(ctx, conf.ID)
		if err != nil {
			return err
		}
		t.Position = len(list)
		if err := s.store.CreateTrack(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "track.created", fmt.Sprintf("track:%d", t.ID), t.Name)
	})
}

// UpdateTrack renames or redescribes a track. apperr Invalid, NotFound, Conflict.
func (s *Service) UpdateTrack(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, in TrackInput) (Track, error) {
	defer s.changed(conf.ID)
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Track{}, err
	}
	t, err := checkTrack(in)
	if err != nil {
		return t, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.track(ctx, conf, id)
		if err != nil {
			return err
		}
		t.ID, t.ConferenceID, t.Position = id, conf.ID, old.Position
		if err := s.store.UpdateTrack(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "track.updated", fmt.Sprintf("track:%d", id), t.Name)
	})
	return t, err
}

func (s *Service) track(ctx context.Context, conf conference.Conference, id int64) (Track, error) {
	list, err := s.store.Tracks(ctx, conf.ID)
	if err != nil {
		return Track{}, err
	}
	for _, t := range list {
		if t.ID == id {
			return t, nil
		}
	}
	return Track{}, apperr.New(apperr.NotFound, "There is no such track in this call.")
}

// MoveTrack moves a track up (delta -1) or down (+1) the list.
func (s *Service) MoveTrack(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, delta int) error {
	defer s.changed(conf.ID)
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		list, err := s.store.Tracks(ctx, conf.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(list, func(t Track) bool { return t.ID == id })
		if i < 0 {
			return apperr.New(apperr.NotFound, "There is no such track in this call.")
		}
		j := i + delta
		if j < 0 || j >= len(list) {
			return nil
		}
		list[i], list[j] = list[j], list[i]
		for k := range list {
			if list[k].Position != k {
				list[k].Position = k
				if err := s.store.UpdateTrack(ctx, list[k]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// DeleteTrack removes a track no proposal uses. apperr NotFound, apperr Conflict when proposals use it.
func (s *Service) DeleteTrack(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) error {
	defer s.changed(conf.ID)
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.track(ctx, conf, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteTrack(ctx, conf.ID, id); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "track.deleted", fmt.Sprintf("track:%d", id), t.Name)
	})
}

// The bounds of a format's numbers.
const (
	MinDurationMinutes = 5
	MaxDurationMinutes = 480
	MostPresenters     = 20
	MinAbstractWords   = 20
	MaxAbstractWords   = 3000
)

// FormatInput is a format as organizers write it. Fields nil keeps the format's fields as they are.
// ClientKey, when not "", makes the format once however often the request that creates it is sent
// (see CreateFormat); a change ignores it.
type FormatInput struct {
	Name, Description string
	DurationMinutes   int
	MaxPresenters     int
	AbstractMaxWords  int
	Accepting         bool
	Fields            []question.Question
	ClientKey         string
}

// reservedIDs are names the proposal form uses for its fixed fields; a question may not take one.
var reservedIDs = []string{"title", "abstract", "track_id", "format_id", "version", "action", "client_key"}

func checkFields(qs []question.Question) ([]question.Question, error) {
	out, err := question.CheckDefinitions(qs, "fields.")
	var fe apperr.Fields
	if ae, ok := apperr.As(err); ok {
		for _, f := range ae.Fields {
			fe.Add(f.Field, f.Message)
		}
	}
	for i, q := range qs {
		if slices.Contains(reservedIDs, strings.TrimSpace(q.ID)) {
			fe.Add(fmt.Sprintf("fields.%d.id", i), fmt.Sprintf("%q is used by the proposal form itself; choose another id.", q.ID))
		}
	}
	return out, fe.Err()
}

func checkFormat(in FormatInput) (Format, error) {
	f := Format{Name: strings.Join(strings.Fields(in.Name), " "), Description: strings.TrimSpace(in.Description),
		DurationMinutes: in.DurationMinutes, MaxPresenters: in.MaxPresenters, AbstractMaxWords: in.AbstractMaxWords, Accepting: in.Accepting}
	var fe apperr.Fields
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		fe.Add("name", "Enter the format's name, e.g. Workshop.")
	case n > MaxFormatNameChars:
		fe.Add("name", fmt.Sprintf("Use at most %d characters.", MaxFormatNameChars))
	}
	if utf8.RuneCountInString(f.Description) > MaxFormatDescriptionChars {
		fe.Add("description", fmt.Sprintf("Use at most %d characters.", MaxFormatDescriptionChars))
	}
	if f.DurationMinutes < MinDurationMinutes || f.DurationMinutes > MaxDurationMinutes {
		fe.Add("duration_minutes", fmt.Sprintf("Enter a length between %d and %d minutes.", MinDurationMinutes, MaxDurationMinutes))
	}
	if f.MaxPresenters < 1 || f.MaxPresenters > MostPresenters {
		fe.Add("max_presenters", fmt.Sprintf("Allow between 1 and %d presenters.", MostPresenters))
	}
	if f.AbstractMaxWords < MinAbstractWords || f.AbstractMaxWords > MaxAbstractWords {
		fe.Add("abstract_max_words", fmt.Sprintf("Set a word limit between %d and %d.", MinAbstractWords, MaxAbstractWords))
	}
	if in.Fields != nil {
		qs, err := checkFields(in.Fields)
		if ae, ok := apperr.As(err); ok {
			for _, x := range ae.Fields {
				fe.Add(x.Field, x.Message)
			}
		}
		f.Fields = qs
	}
	return f, fe.Err()
}

// CreateFormat adds a format at the end of the list. A create with the client key of one that made a
// format (a double click, a retried request) makes no other: it returns that format as it is now when
// it is the format this one would make, and apperr Conflict (ErrKeyUsed) when it is not. apperr
// Invalid, apperr Conflict for a taken name.
func (s *Service) CreateFormat(ctx context.Context, p *access.Principal, conf conference.Conference, in FormatInput) (Format, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Format{}, err
	}
	if err := apperr.CheckClientKey(in.ClientKey); err != nil {
		return Format{}, err
	}
	f, err := s.createFormat(ctx, p, conf, in)
	if err != nil && in.ClientKey != "" && !apperr.Is(err, apperr.Invalid) {
		// Looked up only when the create fails: the key's unique index lets no second format
		// through, and waits for the first to commit.
		if first, kerr := s.store.FormatByKey(ctx, conf.ID, in.ClientKey); kerr == nil {
			if !sameFormat(f, first) {
				return first, apperr.KeyUsed("the format “" + first.Name + "”")
			}
			return first, nil
		}
	}
	return f, err
}

func (s *Service) createFormat(ctx context.Context, p *access.Principal, conf conference.Conference, in FormatInput) (Format, error) {
	defer s.changed(conf.ID)
	if in.Fields == nil {
		in.Fields = []question.Question{}
	}
	f, err := checkFormat(in)
	if err != nil {
		return f, err
	}
	f.ConferenceID, f.ClientKey = conf.ID, in.ClientKey
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		list, err := s.store.Formats(ctx, conf.ID)
		if err != nil {
			return err
		}
		f.Position = len(list)
		if err := s.store.CreateFormat(ctx, &f); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "format.created", fmt.Sprintf("format:%d", f.ID), f.Name)
	})
	return f, err
}

// UpdateFormat changes a format that is still at version. A change whose version is stale but that
// would change nothing of the format as it is now (the same form sent twice, a double click) is done
// already, and returns the format. apperr Invalid, NotFound, and Conflict when someone changed it
// meanwhile or the name is taken.
func (s *Service) UpdateFormat(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, in FormatInput) (Format, error) {
	return s.UpdateFormatFrom(ctx, p, conf, id, version, func(Format) FormatInput { return in })
}

// UpdateFormatFrom is UpdateFormat with the change made by change from the format as stored, read
// in the same transaction: a change of some of its attributes keeps the others as they are, never
// as a cached copy had them.
func (s *Service) UpdateFormatFrom(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, change func(Format) FormatInput) (Format, error) {
	defer s.changed(conf.ID)
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Format{}, err
	}
	f, err := s.updateFormat(ctx, p, conf, id, version, change)
	if apperr.Is(err, apperr.Conflict) {
		if now, ok := s.formatIs(ctx, conf, id, version, change); ok {
			return now, nil
		}
	}
	return f, err
}

// formatIs reads the format as stored after a change of it at version was refused, and reports
// whether the change would change nothing of it. A version the format never had (later than its own)
// is no twin's.
func (s *Service) formatIs(ctx context.Context, conf conference.Conference, id int64, version int, change func(Format) FormatInput) (Format, bool) {
	now, err := s.storedFormat(ctx, conf, id)
	if err != nil || version >= now.Version {
		return now, false
	}
	in := change(now)
	want, err := checkFormat(in)
	if err != nil {
		return now, false
	}
	if in.Fields == nil {
		want.Fields = now.Fields
	}
	return now, sameFormat(want, now)
}

func (s *Service) updateFormat(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, change func(Format) FormatInput) (Format, error) {
	var f Format
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.storedFormat(ctx, conf, id)
		if err != nil {
			return err
		}
		in := change(old)
		if f, err = s.checkFormatChange(ctx, old, in); err != nil {
			return err
		}
		if in.Fields == nil {
			f.Fields = old.Fields
		}
		f.Retired = retire(old, f.Fields)
		f.ID, f.ConferenceID, f.Position, f.Version = id, conf.ID, old.Position, version
		f.ClientKey, f.FieldKeys = old.ClientKey, old.FieldKeys
		if err := s.store.UpdateFormat(ctx, &f); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "format.updated", fmt.Sprintf("format:%d", id), f.Name)
	})
	return f, err
}

// EditFields changes a format's fields with edit, applied to the fields as stored at version.
// edit returns apperr Invalid (with the question form's field names) for a bad change. A change
// whose version is stale but that, applied to the fields as they are now, changes nothing of them
// (the same form sent twice, a double click) is done already, and returns the format. apperr
// NotFound, and Conflict when someone changed the format meanwhile.
func (s *Service) EditFields(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int,
	edit func([]question.Question) ([]question.Question, error)) (Format, error) {
	f, err := s.editFields(ctx, p, conf, id, version, func(f *Format) ([]question.Question, error) { return edit(slices.Clone(f.Fields)) })
	if !apperr.Is(err, apperr.Conflict) {
		return f, err
	}
	now, nerr := s.storedFormat(ctx, conf, id)
	if nerr != nil || version >= now.Version {
		return f, err
	}
	fields, eerr := edit(slices.Clone(now.Fields))
	if eerr != nil {
		return f, err
	}
	if fields, eerr = checkFields(fields); eerr != nil || !slices.EqualFunc(fields, now.Fields, sameQuestion) {
		return f, err
	}
	return now, nil
}

// AddField asks q last in the format, if it is still at version; a question without an id gets one
// made from its label, other than those of the questions the format asks or asked. It returns the
// format and the question as added. key, when not "", is the client key of the form (one per form
// shown): an add refused because the format changed since version, whose key added a field (a double
// click, the form sent again), adds no other; it returns that field as it is now when it is the field
// this one would add, and apperr Conflict (ErrKeyUsed) when it is not. apperr Invalid (the question
// form's field names), NotFound, and Conflict when someone changed the format meanwhile.
func (s *Service) AddField(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, key string,
	q question.Question) (Format, question.Question, error) {
	if err := apperr.CheckClientKey(key); err != nil {
		return Format{}, question.Question{}, err
	}
	typedID := strings.TrimSpace(q.ID)
	f, err := s.editFields(ctx, p, conf, id, version, func(f *Format) ([]question.Question, error) {
		q.ID = typedID
		if q.ID == "" {
			// Not the id of a question no longer asked either, whose answers it would take.
			q.ID = question.NewID(q.Label, append(questionIDs(f.Fields), questionIDs(f.Retired)...))
		}
		if key != "" {
			keys := make(map[string]string, len(f.FieldKeys)+1)
			maps.Copy(keys, f.FieldKeys)
			keys[key] = q.ID
			f.FieldKeys = keys
		}
		return append(slices.Clone(f.Fields), q), nil
	})
	if err == nil {
		added, _ := f.Field(q.ID)
		return f, added, nil
	}
	if key == "" || !apperr.Is(err, apperr.Conflict) {
		return f, question.Question{}, err
	}
	now, nerr := s.storedFormat(ctx, conf, id)
	qid, made := now.FieldKeys[key]
	if nerr != nil || !made {
		return f, question.Question{}, err
	}
	first, asked := now.Field(qid)
	if !asked {
		first, _ = now.NoLongerAsked(qid)
	}
	q.ID = typedID
	if q.ID == "" {
		q.ID = qid
	}
	if want, cerr := checkFields([]question.Question{q}); !asked || cerr != nil || !sameQuestion(want[0], first) {
		return now, first, apperr.KeyUsed("the field “" + first.Label + "”")
	}
	return now, first, nil
}

func questionIDs(qs []question.Question) []string {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return ids
}

// AskAgain asks again, last, the question qid that the format no longer asks, as it was last asked
// (as stored, read in the transaction), with the answers given to it; it returns the question.
// apperr NotFound when the format has no such question it no longer asks, Conflict when the format
// changed since version, and Invalid as EditFields.
func (s *Service) AskAgain(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, qid string) (question.Question, error) {
	var q question.Question
	_, err := s.editFields(ctx, p, conf, id, version, func(f *Format) ([]question.Question, error) {
		r, ok := f.NoLongerAsked(qid)
		if !ok {
			return nil, apperr.New(apperr.NotFound, "This format has no such question it no longer asks.")
		}
		q = r
		return append(slices.Clone(f.Fields), q), nil
	})
	return q, err
}

// editFields changes the fields of the format, if it is still at version, to those edit makes of it;
// edit may also change its FieldKeys.
func (s *Service) editFields(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int,
	edit func(*Format) ([]question.Question, error)) (Format, error) {
	defer s.changed(conf.ID)
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Format{}, err
	}
	var f Format
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if f, err = s.storedFormat(ctx, conf, id); err != nil {
			return err
		}
		if f.Version != version {
			return apperr.New(apperr.Conflict, "Someone changed this format while you were editing it. Reload the page and make your change again.")
		}
		fields, err := edit(&f)
		if err != nil {
			return err
		}
		if fields, err = s.checkFieldsChange(ctx, f, fields); err != nil {
			return err
		}
		f.Retired = retire(f, fields)
		f.Fields = fields
		if err := s.store.UpdateFormat(ctx, &f); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "format.fields_updated", fmt.Sprintf("format:%d", id), f.Name)
	})
	return f, err
}

// checkFormatChange checks in as a save of the format old (ID 0 for a new one) would: its
// attributes and fields, and for fields of a stored format, what the answers given to them allow.
// Every error at once.
func (s *Service) checkFormatChange(ctx context.Context, old Format, in FormatInput) (Format, error) {
	f, err := checkFormat(in)
	if in.Fields == nil || old.ID == 0 || f.Fields == nil {
		return f, err
	}
	return f, apperr.JoinFields(err, s.checkKinds(ctx, old.ID, old, f.Fields, fieldPath))
}

// checkFieldsChange checks fields as the new fields of the stored format old: their definitions,
// and what the answers given to them allow. Every error at once.
func (s *Service) checkFieldsChange(ctx context.Context, old Format, fields []question.Question) ([]question.Question, error) {
	out, err := checkFields(fields)
	if out == nil {
		return out, err
	}
	return out, apperr.JoinFields(err, s.checkKinds(ctx, old.ID, old, out, fieldPath))
}

// fieldPath names a part ("kind", "id") of the question at index i of a format's fields.
func fieldPath(i int, what string) string { return fmt.Sprintf("fields.%d.%s", i, what) }

// checkKinds refuses to change the kind of a question that proposals have answered, and to give a
// new question the id of a removed one that they answered, unless it is asked again as it was (the
// same kind): their answers would read as something else (a choice as a ticked box, a text as no
// option at all). old is the format as stored; field names a part ("kind", "id") of the question at
// an index of fields, for the error.
func (s *Service) checkKinds(ctx context.Context, formatID int64, old Format, fields []question.Question, field func(i int, what string) string) error {
	var ids []string
	var at []int
	var fresh []bool // a question the format did not have
	var fe apperr.Fields
	for i, q := range fields {
		k := slices.IndexFunc(old.Fields, func(o question.Question) bool { return o.ID == q.ID })
		if k >= 0 && old.Fields[k].Kind == q.Kind {
			if err := s.checkOptions(ctx, formatID, old.Fields[k], q, field(i, "options"), &fe); err != nil {
				return err
			}
			continue
		}
		if r, ok := old.NoLongerAsked(q.ID); k < 0 && ok && r.Kind == q.Kind {
			// Asked again: its answers are its own, and must still be among its options.
			if err := s.checkOptions(ctx, formatID, r, q, field(i, "options"), &fe); err != nil {
				return err
			}
			continue
		}
		ids, at, fresh = append(ids, q.ID), append(at, i), append(fresh, k < 0)
	}
	if len(ids) == 0 {
		return fe.Err()
	}
	n, err := s.store.Answered(ctx, formatID, ids)
	if err != nil {
		return err
	}
	for k, id := range ids {
		switch r, retired := old.NoLongerAsked(id); {
		case n[id] == 0:
		case fresh[k] && retired:
			fe.Add(field(at[k], "id"), fmt.Sprintf("%s answered the question “%s”, which had this id and was a %s question. Ask it again as a %s question, or give this one another id, so that those answers are not read as answers to it.",
				plural(n[id], "A proposal has", "proposals have"), r.Label, r.Kind.Name(), r.Kind.Name()))
		case fresh[k]:
			fe.Add(field(at[k], "id"), fmt.Sprintf("%s answered an earlier question with the id “%s”; give this one another id, so that those answers are not read as answers to it.",
				plural(n[id], "A proposal has", "proposals have"), id))
		default:
			fe.Add(field(at[k], "kind"), fmt.Sprintf("%s answered this question, so its kind cannot change: their answers would read as something else. Add a new question instead, and stop asking this one.",
				plural(n[id], "A proposal has", "proposals have")))
		}
	}
	return fe.Err()
}

// checkOptions refuses to take from a choice question an option that proposals chose: their answer
// would no longer be one of the options, and the next save of a submitted one would be refused.
func (s *Service) checkOptions(ctx context.Context, formatID int64, old, q question.Question, field string, fe *apperr.Fields) error {
	if !q.Kind.Choice() {
		return nil
	}
	var gone []string
	for _, o := range old.Options {
		if !slices.Contains(q.Options, o) {
			gone = append(gone, o)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	n, err := s.store.Chosen(ctx, formatID, q.ID, gone)
	if err != nil {
		return err
	}
	for _, o := range gone {
		if n[o] > 0 {
			fe.Add(field, fmt.Sprintf("%s “%s”: keep it among the options, or their answer would no longer be one of them.",
				plural(n[o], "A proposal chose", "proposals chose"), o))
		}
	}
	return nil
}

// retire is the format's list of questions no longer asked once it asks fields: those it stops
// asking join it (replacing an earlier one of the same id), those it asks again leave it.
func retire(old Format, fields []question.Question) []question.Question {
	asked := func(id string) bool {
		return slices.ContainsFunc(fields, func(q question.Question) bool { return q.ID == id })
	}
	out := make([]question.Question, 0, len(old.Retired))
	for _, q := range old.Retired {
		if !asked(q.ID) && !slices.ContainsFunc(old.Fields, func(o question.Question) bool { return o.ID == q.ID }) {
			out = append(out, q)
		}
	}
	for _, q := range old.Fields {
		if !asked(q.ID) {
			out = append(out, q)
		}
	}
	return out
}

// Crowding is how many proposals of a format, drafts and submitted ones, have more presenters than
// it allows (invitations not declined included), and the most any of them has.
type Crowding struct {
	Drafts    int
	Submitted int
	Most      int
}

// Message says what a format's limit of presenters means for the proposals over it, or "" when
// there are none. A draft must come down to the limit before it is submitted; a submitted proposal
// keeps its presenters.
func (c Crowding) Message(f Format) string {
	n := c.Drafts + c.Submitted
	if n == 0 {
		return ""
	}
	msg := fmt.Sprintf("A proposal of the format “%s” may now have at most %s, and %s more (up to %d, invitations included).",
		f.Name, Presenters(f.MaxPresenters), map[bool]string{true: "one of them has", false: strconv.Itoa(n) + " of them have"}[n == 1], c.Most)
	switch c.Drafts {
	case 0:
	case 1:
		msg += " One is a draft: its proposer will be asked to remove some before submitting."
	default:
		msg += fmt.Sprintf(" Of them, %d are drafts: their proposers will be asked to remove some before submitting.", c.Drafts)
	}
	switch c.Submitted {
	case 0:
	case 1:
		msg += " One was submitted: it keeps its presenters."
	default:
		msg += fmt.Sprintf(" Of them, %d were submitted: they keep their presenters.", c.Submitted)
	}
	return msg
}

// ProposalText is the current text of a proposal, as a format's rules read it, with its id and title.
type ProposalText struct {
	ID       int64
	Title    string
	Abstract string
	Answers  question.Answers
}

// Overrun is what of the format's submitted proposals no longer meets its rules, as changed since
// they were submitted: for the abstract ("abstract") or a question (its id), how many proposals have
// no answer (Missing) and how many one that does not fit it (Over: over a word limit, an option no
// longer offered), and which they are (Proposals, by title).
type Overrun struct {
	Field, Label  string
	Missing, Over int
	Proposals     []Overrunning
}

// Overrunning is a submitted proposal that no longer meets its format's rules.
type Overrunning struct {
	ID    int64
	Title string
}

// OverrunProposals are the proposals of the overruns, each once, by title.
func OverrunProposals(overruns []Overrun) []Overrunning {
	var out []Overrunning
	for _, o := range overruns {
		for _, x := range o.Proposals {
			if !slices.ContainsFunc(out, func(y Overrunning) bool { return y.ID == x.ID }) {
				out = append(out, x)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Overrunning) int {
		if c := strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Overruns checks the format's submitted proposals against its rules as they are now, in the order
// of its fields, the abstract first; the proposals of each are in the order of their titles.
// Organizers only.
func (s *Service) Overruns(ctx context.Context, p *access.Principal, conf conference.Conference, f Format) ([]Overrun, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return nil, err
	}
	texts, err := s.store.SubmittedTexts(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Overrun, 1+len(f.Fields))
	out[0] = Overrun{Field: "abstract", Label: "The abstract"}
	for i, q := range f.Fields {
		out[i+1] = Overrun{Field: q.ID, Label: "“" + q.Label + "”"}
	}
	for _, t := range texts {
		this := Overrunning{ID: t.ID, Title: t.Title}
		if question.Words(t.Abstract) > f.AbstractMaxWords {
			out[0].Over++
			out[0].Proposals = append(out[0].Proposals, this)
		}
		_, fe := question.Check(f.Fields, t.Answers, true, "")
		ae, ok := apperr.As(fe.Err())
		if !ok {
			continue
		}
		for _, x := range ae.Fields {
			i := slices.IndexFunc(f.Fields, func(q question.Question) bool { return q.ID == x.Field })
			if i < 0 {
				continue
			}
			if strings.TrimSpace(strings.Join(t.Answers[x.Field], "")) == "" {
				out[i+1].Missing++
			} else {
				out[i+1].Over++
			}
			out[i+1].Proposals = append(out[i+1].Proposals, this)
		}
	}
	return slices.DeleteFunc(out, func(o Overrun) bool { return o.Missing+o.Over == 0 }), nil
}

// OverrunMessage says what the overruns of the format f mean, or "" when there are none.
func OverrunMessage(f Format, overruns []Overrun) string {
	if len(overruns) == 0 {
		return ""
	}
	count := func(n int) string {
		if n == 1 {
			return "1 proposal"
		}
		return strconv.Itoa(n) + " proposals"
	}
	var parts []string
	for _, o := range overruns {
		if o.Field == "abstract" {
			parts = append(parts, fmt.Sprintf("%s with an abstract over %d words", count(o.Over), f.AbstractMaxWords))
			continue
		}
		if o.Missing > 0 {
			parts = append(parts, fmt.Sprintf("%s with no answer to %s", count(o.Missing), o.Label))
		}
		if o.Over > 0 {
			parts = append(parts, fmt.Sprintf("%s with an answer to %s that does not fit it now", count(o.Over), o.Label))
		}
	}
	list := parts[0]
	if len(parts) > 1 {
		list = strings.Join(parts[:len(parts)-1], "; ") + "; and " + parts[len(parts)-1]
	}
	return "Submitted before the format's rules changed: " + list + ". They stay submitted as they are; " +
		"a change to one of them must meet the rules. Drafts are checked when they are submitted."
}

// Presenters is "1 presenter" or "n presenters".
func Presenters(n int) string {
	if n == 1 {
		return "1 presenter"
	}
	return strconv.Itoa(n) + " presenters"
}

// Crowded counts the proposals of the format f with more presenters than it allows. Organizers only.
func (s *Service) Crowded(ctx context.Context, p *access.Principal, conf conference.Conference, f Format) (Crowding, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Crowding{}, err
	}
	return s.store.Crowded(ctx, f.ID, f.MaxPresenters)
}

// plural is "A proposal has" for one, "3 proposals have" for more.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// MoveFormat moves a format up (delta -1) or down (+1) the list.
func (s *Service) MoveFormat(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, delta int) error {
	defer s.changed(conf.ID)
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		list, err := s.store.Formats(ctx, conf.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(list, func(f Format) bool { return f.ID == id })
		if i < 0 {
			return apperr.New(apperr.NotFound, "There is no such format in this call.")
		}
		j := i + delta
		if j < 0 || j >= len(list) {
			return nil
		}
		list[i], list[j] = list[j], list[i]
		for k := range list {
			if list[k].Position != k {
				list[k].Position = k
				if err := s.store.UpdateFormat(ctx, &list[k]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// DeleteFormat removes a format that no proposal uses; one that has proposals can stop accepting
// new ones instead. apperr NotFound, apperr Conflict.
func (s *Service) DeleteFormat(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) error {
	defer s.changed(conf.ID)
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		f, err := s.storedFormat(ctx, conf, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteFormat(ctx, conf.ID, id); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "format.deleted", fmt.Sprintf("format:%d", id), f.Name)
	})
}

// DeadlineFor returns the deadline that applies to a person's proposal: the latest of the call's
// close, the person's extension and the proposal's own deadline (from an extension of it alone or
// the access link it came through). userID 0 skips the person's extension.
func (s *Service) DeadlineFor(ctx context.Context, call Call, userID int64, own *time.Time) (time.Time, error) {
	d := call.ClosesAt
	if own != nil && own.After(d) {
		d = *own
	}
	if userID != 0 {
		ext, err := s.store.ExtensionFor(ctx, call.ConferenceID, userID)
		if err != nil {
			return d, err
		}
		if ext != nil && ext.Until.After(d) {
			d = ext.Until
		}
	}
	return d, nil
}

// Extensions lists the extensions granted to people. Organizers only.
func (s *Service) Extensions(ctx context.Context, p *access.Principal, conf conference.Conference) ([]Extension, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return nil, err
	}
	return s.store.Extensions(ctx, conf.ID)
}

// noAccount is the error for an extension for an address no account uses.
const noAccount = "No account uses this address. The person needs an account to propose; ask them to sign up first."

// GrantExtension gives the person with the address a later deadline (a LocalLayout time in the
// conference's time zone) for the proposals they make (not those others made that they present),
// replacing any earlier extension. The person is told by email, in the same transaction: once for
// each deadline, so that granting the same again (a double click, a new reason) sends nothing. The
// reason is for the organizers and is not sent. Returns apperr Invalid (fields "email", "until",
// "reason") and the policy's errors.
func (s *Service) GrantExtension(ctx context.Context, p *access.Principal, conf conference.Conference, email, until, reason string) (Extension, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Extension{}, err
	}
	email, t, reason, err := s.checkGrant(ctx, conf, email, until, reason, false)
	if err != nil {
		return Extension{}, err
	}
	closes, hasCall, err := s.callCloses(ctx, conf)
	if err != nil {
		return Extension{}, err
	}
	e := Extension{ConferenceID: conf.ID, Until: endOfMinute(t), Reason: reason, GrantedBy: &p.UserID}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		e.UserID, e.UserName, err = s.store.UserByEmail(ctx, email)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("email", noAccount)
		}
		if err != nil {
			return err
		}
		e.UserEmail = email
		was, err := s.store.ExtensionFor(ctx, conf.ID, e.UserID)
		if err != nil {
			return err
		}
		if err := s.store.SaveExtension(ctx, &e); err != nil {
			return err
		}
		if err := s.record(ctx, p, conf, "extension.granted", fmt.Sprintf("user:%d", e.UserID), e.Until.UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		if was != nil && was.Until.Equal(e.Until) {
			return nil // the same deadline again (a double click, a new reason): told already
		}
		m := ExtensionGrantedMail{Name: e.UserName, Conference: conf.Name, Until: FormatTime(e.Until, conf.Location()),
			Proposals: s.baseURL + "/c/" + conf.Slug + "/proposals", Call: s.baseURL + "/c/" + conf.Slug}
		if hasCall {
			m.CallCloses, m.CallClosed = FormatTime(closes, conf.Location()), s.now().After(closes)
		}
		var before *time.Time
		if was != nil {
			m.Was, m.Earlier, before = FormatTime(was.Until, conf.Location()), e.Until.Before(was.Until), &was.Until
		}
		// Keyed by the extension and the moment its deadline was set: the same deadline again is
		// the same event, a new one (or a new extension after one was taken back) another.
		event := fmt.Sprintf("extension-granted:%d:%d", e.ID, e.CreatedAt.UnixMicro())
		if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: event,
			ConferenceID: &conf.ID, To: e.UserEmail, ToName: e.UserName, Template: "extension_granted", Data: m}); err != nil {
			return err
		}
		return s.tellMoved(ctx, conf, e.UserID, before, &e.Until, event)
	})
	return e, err
}

// checkGrant checks a grant's input, and returns the address, the deadline and the reason as the
// grant keeps them. An address well formed that no account uses is looked up when something else
// is wrong, or always when lookUp: said with the other errors, not once they are corrected (the
// grant looks it up again).
func (s *Service) checkGrant(ctx context.Context, conf conference.Conference, email, until, reason string, lookUp bool) (string, time.Time, string, error) {
	var fe apperr.Fields
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		fe.Add("email", "Enter the email address of the person's account.")
	} else if m := account.EmailProblem(email); m != "" {
		fe.Add("email", m)
	}
	t, ok := ParseLocal(until, conf.Location())
	if !ok {
		fe.Add("until", LocalError(until, conf.Location(), "Enter the new deadline, e.g. 2027-07-07T23:59."))
	} else if !t.After(s.now()) {
		fe.Add("until", "The new deadline must be in the future.")
	} else if call, err := s.Call(ctx, conf); err == nil && !endOfMinute(t).After(call.ClosesAt) {
		fe.Add("until", AfterCallMessage(call, conf))
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		fe.Add("reason", "Use at most 500 characters.")
	}
	if !fe.Has("email") && (lookUp || fe.Err() != nil) {
		if _, _, err := s.store.UserByEmail(ctx, email); apperr.Is(err, apperr.NotFound) {
			fe.Add("email", noAccount)
		} else if err != nil {
			return email, t, reason, err
		}
	}
	return email, t, reason, fe.Err()
}

// tellMoved tells what is set to hear of an extension that moved.
func (s *Service) tellMoved(ctx context.Context, conf conference.Conference, userID int64, before, after *time.Time, event string) error {
	if s.moved == nil {
		return nil
	}
	return s.moved(ctx, conf, userID, before, after, event)
}

// ErrTakenBack is the cause of the NotFound that RevokeExtension returns for an extension of the
// conference that was taken back already (a second click), as against one it never had.
var ErrTakenBack = errors.New("extension taken back already")

// RevokeExtension takes an extension back and returns it, with the name of the person it was for,
// who is told by email, in the same transaction, the call's deadline that applies again. apperr
// NotFound, with ErrTakenBack as its cause for an extension of the conference taken back already.
func (s *Service) RevokeExtension(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Extension, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Extension{}, err
	}
	closes, hasCall, err := s.callCloses(ctx, conf)
	if err != nil {
		return Extension{}, err
	}
	var e Extension
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.store.DeleteExtension(ctx, conf.ID, id); apperr.Is(err, apperr.NotFound) {
			gone, gerr := s.store.ExtensionTakenBack(ctx, conf.ID, id)
			switch {
			case gerr != nil:
				return gerr
			case gone:
				return apperr.Wrap(apperr.NotFound, "That extension was already taken back.", ErrTakenBack)
			}
			return apperr.New(apperr.NotFound, "There is no such extension.")
		}
		if err != nil {
			return err
		}
		if err := s.record(ctx, p, conf, "extension.revoked", fmt.Sprintf("extension:%d", id), ""); err != nil {
			return err
		}
		// An extension that has run out, or that the call's close has caught up with, changes
		// nobody's deadline when it goes: no one is told (a list tidied after the call, say).
		now := s.now()
		if !e.Until.After(now) || (hasCall && !e.Until.After(closes)) {
			return nil
		}
		m := ExtensionRevokedMail{Name: e.UserName, Conference: conf.Name, Was: FormatTime(e.Until, conf.Location()),
			Proposals: s.baseURL + "/c/" + conf.Slug + "/proposals"}
		if hasCall {
			m.Deadline, m.Passed = FormatTime(closes, conf.Location()), now.After(closes)
		}
		event := fmt.Sprintf("extension-revoked:%d", e.ID)
		if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: event,
			ConferenceID: &conf.ID, To: e.UserEmail, ToName: e.UserName, Template: "extension_revoked", Data: m}); err != nil {
			return err
		}
		return s.tellMoved(ctx, conf, e.UserID, &e.Until, nil, event)
	})
	return e, err
}

// callCloses is when the call closes, and whether the conference has a call.
func (s *Service) callCloses(ctx context.Context, conf conference.Conference) (time.Time, bool, error) {
	call, err := s.Call(ctx, conf)
	if apperr.Is(err, apperr.NotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return call.ClosesAt, true, nil
}

// Mail template data.
type (
	// ExtensionGrantedMail is the data of the "extension_granted" template: the person may propose,
	// and change the proposals they make, until Until; the call closes (CallClosed: closed) at
	// CallCloses ("" when there is no call). Proposals and Call are links to their proposals and to
	// the call.
	// Was is the deadline the extension replaces ("" for a new one), Earlier says the new one is
	// earlier than it.
	ExtensionGrantedMail struct {
		Name, Conference, Until, Was, CallCloses, Proposals, Call string
		CallClosed, Earlier                                       bool
	}
	// ExtensionRevokedMail is the data of the "extension_revoked" template: the extension until Was
	// is taken back, and the call's deadline, Deadline, applies again (Passed: it has passed; ""
	// when there is no call). Proposals links to their proposals.
	ExtensionRevokedMail struct {
		Name, Conference, Was, Deadline, Proposals string
		Passed                                     bool
	}
)

// AccessLinks lists the call's access links. Organizers only.
func (s *Service) AccessLinks(ctx context.Context, p *access.Principal, conf conference.Conference) ([]AccessLink, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return nil, err
	}
	return s.store.AccessLinks(ctx, conf.ID, s.now())
}

// accessPath is where an access link leads.
func accessPath(conf conference.Conference, secret string) string {
	return "/c/" + conf.Slug + "/call/access/" + secret
}

// CreateAccessLink makes a link that lets up to in.MaxUses proposals of its formats be started until
// in.ExpiresAt. The secret is in the result only. A create with the client key of one that made a
// link (a double click, a retried request) makes no other: to the person who made it, it returns that
// link, with the same secret, when it is the link this one would make and is not withdrawn; otherwise
// apperr Conflict (ErrKeyUsed). Returns apperr Invalid (fields "label", "expires_at", "max_uses",
// "format_ids", "client_key").
func (s *Service) CreateAccessLink(ctx context.Context, p *access.Principal, conf conference.Conference, in AccessLinkInput) (NewAccessLink, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return NewAccessLink{}, err
	}
	label, t, formatIDs, err := s.checkLink(ctx, conf, in)
	if err != nil {
		return NewAccessLink{}, err
	}
	var secret string
	if in.ClientKey != "" {
		secret = s.keyedSecret(conf, in.ClientKey)
	} else {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return NewAccessLink{}, apperr.Wrap(apperr.Internal, "Could not make the link.", err)
		}
		secret = base64.RawURLEncoding.EncodeToString(b)
	}
	l := AccessLink{ConferenceID: conf.ID, Label: label, Hash: s.hash(secret), ExpiresAt: endOfMinute(t), MaxUses: in.MaxUses, CreatedBy: &p.UserID,
		FormatIDs: formatIDs, ClientKey: in.ClientKey}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateAccessLink(ctx, &l); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "access_link.created", fmt.Sprintf("access_link:%d", l.ID), label)
	})
	if err != nil && in.ClientKey != "" {
		// Looked up only when the create fails: the key's unique index lets no second link
		// through, and waits for the first to commit.
		if first, kerr := s.store.AccessLinkByKey(ctx, conf.ID, in.ClientKey, s.now()); kerr == nil {
			if !sameLink(first, l) || first.CreatedBy == nil || *first.CreatedBy != p.UserID || first.RevokedAt != nil || !hmac.Equal(first.Hash, l.Hash) {
				return NewAccessLink{AccessLink: first}, apperr.KeyUsed("the link “" + first.Label + "”")
			}
			return NewAccessLink{AccessLink: first, Secret: secret, URL: s.baseURL + accessPath(conf, secret)}, nil
		}
	}
	if err != nil {
		return NewAccessLink{}, err
	}
	return NewAccessLink{AccessLink: l, Secret: secret, URL: s.baseURL + accessPath(conf, secret)}, nil
}

// checkLink checks a new link, and returns its label, expiry and formats as the link keeps them.
func (s *Service) checkLink(ctx context.Context, conf conference.Conference, in AccessLinkInput) (string, time.Time, []int64, error) {
	if err := apperr.CheckClientKey(in.ClientKey); err != nil {
		return "", time.Time{}, nil, err
	}
	var fe apperr.Fields
	label := strings.Join(strings.Fields(in.Label), " ")
	switch n := utf8.RuneCountInString(label); {
	case n == 0:
		fe.Add("label", "Say who the link is for, e.g. “Invited panel on community partnerships”.")
	case n > 200:
		fe.Add("label", "Use at most 200 characters.")
	}
	t, ok := ParseLocal(in.ExpiresAt, conf.Location())
	if !ok {
		fe.Add("expires_at", LocalError(in.ExpiresAt, conf.Location(), "Enter when the link stops working, e.g. 2027-07-15T23:59."))
	} else if !t.After(s.now()) {
		fe.Add("expires_at", "The link must stay valid until a moment in the future.")
	}
	if in.MaxUses < 1 || in.MaxUses > 1000 {
		fe.Add("max_uses", "Allow between 1 and 1000 proposals through the link.")
	}
	formats, err := s.Formats(ctx, conf)
	if err != nil {
		return label, t, nil, err
	}
	var formatIDs []int64
	for _, id := range in.FormatIDs {
		if !slices.ContainsFunc(formats, func(f Format) bool { return f.ID == id }) {
			fe.Add("format_ids", "Choose from the formats listed.")
			break
		}
		if !slices.Contains(formatIDs, id) {
			formatIDs = append(formatIDs, id)
		}
	}
	if len(in.FormatIDs) == 0 && !slices.ContainsFunc(formats, func(f Format) bool { return f.Accepting }) {
		fe.Add("format_ids", "No format takes proposals now: choose the formats the link may start.")
	}
	return label, t, formatIDs, fe.Err()
}

// AccessLink returns one of the call's access links, for people who see proposals (a proposal
// names the link it came through). apperr NotFound.
func (s *Service) AccessLink(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (AccessLink, error) {
	if err := access.Check(p, access.ViewProposals, conf.ID); err != nil {
		return AccessLink{}, err
	}
	return s.store.AccessLink(ctx, conf.ID, id, s.now(), false)
}

// LinkOf returns the access link a proposal was started with, for the rules it sets that proposal
// (its formats); no policy applies, as the proposal's reader was checked. apperr NotFound.
func (s *Service) LinkOf(ctx context.Context, conf conference.Conference, id int64) (AccessLink, error) {
	return s.store.AccessLink(ctx, conf.ID, id, s.now(), false)
}

// Withdrawal is what WithdrawAccessLink did: the link as it was before (RevokedAt set when it was
// withdrawn already), the proposals whose own deadline it took (Ended), how many of them the link's
// deadline had still given time (Given), and how many messages told their presenters (Told).
type Withdrawal struct {
	Link  AccessLink
	Ended []int64
	Given int
	Told  int
}

// WithdrawAccessLink stops a link from working. The proposals already started through it keep its
// expiry as their deadline unless endTime: then those that have it lose it, and have the call's
// deadline (or their proposer's extension) again; a link already withdrawn can end that time later,
// and withdrawing it again without endTime does nothing. Each proposal whose deadline ends is
// audited, and its presenters are told by what is set with OnLinkTimeEnded, in the same
// transaction. apperr NotFound when there is no such link.
func (s *Service) WithdrawAccessLink(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, endTime bool) (Withdrawal, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Withdrawal{}, err
	}
	var w Withdrawal
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		// Locked: two withdrawals at once (a double click) find it withdrawn one after the other.
		now := s.now()
		l, err := s.store.AccessLink(ctx, conf.ID, id, now, true)
		if err != nil {
			return err
		}
		w.Link = l
		subject := fmt.Sprintf("access_link:%d", id)
		if l.RevokedAt == nil {
			if err := s.store.RevokeAccessLink(ctx, conf.ID, id, now); err != nil {
				return err
			}
			if err := s.record(ctx, p, conf, "access_link.revoked", subject, ""); err != nil {
				return err
			}
		}
		if !endTime {
			return nil
		}
		if w.Ended, w.Given, err = s.store.EndLinkTime(ctx, l, now); err != nil {
			return err
		}
		for _, pid := range w.Ended {
			if err := s.record(ctx, p, conf, "proposal.extended", fmt.Sprintf("proposal:%d", pid), "removed: the time of "+subject+" ended"); err != nil {
				return err
			}
		}
		if s.ended != nil && len(w.Ended) > 0 {
			// Keyed by the link: its time ends once, and a proposal loses it once.
			if w.Told, err = s.ended(ctx, conf, w.Ended, l.ExpiresAt, fmt.Sprintf("access-link-ended:%d", l.ID)); err != nil {
				return err
			}
		}
		return s.record(ctx, p, conf, "access_link.time_ended", subject, fmt.Sprintf("proposals: %d", len(w.Ended)))
	})
	return w, err
}

// CheckAccessLink returns the link with the secret when it may still start a proposal. Returns
// apperr NotFound for an unknown link and apperr Forbidden for one that expired, was used up or
// revoked, each with a message for the person holding it.
func (s *Service) CheckAccessLink(ctx context.Context, conf conference.Conference, secret string) (AccessLink, error) {
	var l AccessLink
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		l, err = s.lockLink(ctx, conf, secret)
		return err
	})
	return l, err
}

// ClaimAccessLink counts one use of the link, in the transaction on ctx (the one that creates the
// proposal). Same errors as CheckAccessLink.
func (s *Service) ClaimAccessLink(ctx context.Context, conf conference.Conference, secret string) (AccessLink, error) {
	l, err := s.lockLink(ctx, conf, secret)
	if err != nil {
		return l, err
	}
	return l, s.store.UseAccessLink(ctx, l.ID)
}

func (s *Service) lockLink(ctx context.Context, conf conference.Conference, secret string) (AccessLink, error) {
	if secret == "" || len(secret) > 100 {
		return AccessLink{}, linkError(apperr.NotFound, "This link to the call is not valid. Check that you copied all of it.")
	}
	l, err := s.store.AccessLinkForUpdate(ctx, conf.ID, s.hash(secret))
	if apperr.Is(err, apperr.NotFound) {
		return l, linkError(apperr.NotFound, "This link to the call is not valid. Check that you copied all of it.")
	}
	if err != nil {
		return l, err
	}
	now := s.now()
	switch {
	case l.RevokedAt != nil:
		return l, linkError(apperr.Forbidden, "This link to the call was withdrawn by the organizers. Write to them if you still want to propose.")
	case !now.Before(l.ExpiresAt):
		return l, linkError(apperr.Forbidden, "This link to the call has expired. Write to the organizers if you still want to propose.")
	case l.Uses >= l.MaxUses:
		return l, linkError(apperr.Forbidden, "This link to the call has been used as many times as it allows. Write to the organizers if you still want to propose.")
	}
	return l, nil
}

// linkError is a refusal of an access link, with its status, naming the link's field (the API's
// access_token) so that a client can show it there.
func linkError(code apperr.Code, message string) error {
	return &apperr.Error{Code: code, Message: message, Fields: []apperr.FieldError{{Field: "access_token", Message: message}}}
}

func (s *Service) hash(secret string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("call-access-link:"))
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// Setup is a whole call as the command line seeds it.
type Setup struct {
	Call    CallInput
	Tracks  []TrackInput
	Formats []FormatInput
}

// Seed creates a conference's call with its tracks and formats, from the command line (no
// principal). It does nothing and reports false when the conference already has a call, so seeding
// twice changes nothing. Returns apperr Invalid when the setup is wrong.
func (s *Service) Seed(ctx context.Context, conf conference.Conference, in Setup) (bool, error) {
	defer s.changed(conf.ID)
	created := false
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Call(ctx, conf.ID); err == nil {
			return nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		if _, err := s.saveCall(ctx, nil, conf, 0, func(Call) CallInput { return in.Call }); err != nil {
			return err
		}
		for i, t := range in.Tracks {
			tr, err := checkTrack(t)
			if err != nil {
				return err
			}
			tr.ConferenceID, tr.Position = conf.ID, i
			if err := s.store.CreateTrack(ctx, &tr); err != nil {
				return err
			}
		}
		for _, f := range in.Formats {
			if _, err := s.createFormat(ctx, nil, conf, f); err != nil {
				return fmt.Errorf("format %q: %w", f.Name, err)
			}
		}
		created = true
		return nil
	})
	return created, err
}
