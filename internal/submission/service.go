package submission

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/batch"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/question"
)

// Limits on a proposal's fixed fields.
const (
	MaxTitle         = 200
	maxAbstractChars = question.MaxTextChars
	// InvitationTTL is how long a co-presenter's invitation link stays valid.
	InvitationTTL = 30 * 24 * time.Hour
)

// Service is the submitters' and organizers' use cases for proposals.
type Service struct {
	// submits makes the submits that arrive together in one transaction (submitMany).
	submits *batch.Batcher[submitCall, submitOutcome]
	store   Store
	calls   *cfp.Service
	outbox  notify.Outbox
	audit   audit.Recorder
	secret  []byte
	baseURL string
	now     func() time.Time
}

// Options configures a Service.
type Options struct {
	Store   Store
	Calls   *cfp.Service
	Outbox  notify.Outbox
	Audit   audit.Recorder
	Secret  string // keys the hashes of invitation links
	BaseURL string
	Now     func() time.Time
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{store: o.Store, calls: o.Calls, outbox: o.Outbox, audit: o.Audit, secret: []byte(o.Secret),
		baseURL: strings.TrimRight(o.BaseURL, "/"), now: o.Now}
	// As the store's batches of saves: two at once leave the pool's other connections to the
	// other requests.
	s.submits = &batch.Batcher[submitCall, submitOutcome]{Max: 64, Parallel: 2, Timeout: 30 * time.Second, Write: s.submitMany}
	return s
}

func (s *Service) record(ctx context.Context, p *access.Principal, conf conference.Conference, action string, proposalID int64, details string) error {
	return s.audit.Record(ctx, entry(p, conf, action, proposalID, details))
}

// entry is the audit entry of an action on a proposal; proposalID 0 leaves the subject's id for the
// store to add (to a proposal it creates).
func entry(p *access.Principal, conf conference.Conference, action string, proposalID int64, details string) audit.Entry {
	e := audit.Entry{Action: action, Subject: "proposal:", ConferenceID: &conf.ID, Details: details}
	if proposalID != 0 {
		e.Subject += strconv.FormatInt(proposalID, 10)
	}
	if p != nil {
		e.ActorID, e.ActorEmail = &p.UserID, p.Email
	}
	return e
}

var notFound = apperr.New(apperr.NotFound, "There is no such proposal, or it is not yours.")

// visible returns the proposal when p may see it: an accepted presenter, or an organizer.
func visible(p *access.Principal, conf conference.Conference, prop Proposal) bool {
	if p == nil {
		return false
	}
	if _, ok := prop.PresenterOf(p.UserID); ok {
		return true
	}
	return p.Can(access.ViewProposals, conf.ID)
}

// load returns a proposal the principal may see, else apperr NotFound (never Forbidden, so that ids
// of others' proposals do not leak).
func (s *Service) load(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, lock bool) (Proposal, error) {
	if p == nil {
		return Proposal{}, apperr.New(apperr.Unauthenticated, "Please log in to continue.")
	}
	prop, err := s.store.Get(ctx, conf.ID, id, lock)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !visible(p, conf, prop)) {
		if access.Check(p, access.ViewProposals, conf.ID) == nil {
			// Organizers see every proposal: for them there is none.
			return Proposal{}, apperr.New(apperr.NotFound, "There is no such proposal in this conference.")
		}
		return Proposal{}, notFound
	}
	return prop, err
}

// loadOwn returns a proposal the principal presents, for a change; organizers who are not presenters
// get apperr Forbidden (they may read it, not write it), anyone else apperr NotFound.
func (s *Service) loadOwn(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, lock bool) (Proposal, Presenter, error) {
	prop, err := s.load(ctx, p, conf, id, lock)
	if err != nil {
		return prop, Presenter{}, err
	}
	me, ok := prop.PresenterOf(p.UserID)
	if !ok {
		return prop, me, apperr.New(apperr.Forbidden, "Only the proposal's presenters can change it.")
	}
	return prop, me, nil
}

// Get returns a proposal to one of its presenters or an organizer. apperr NotFound otherwise.
func (s *Service) Get(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Proposal, error) {
	return s.load(ctx, p, conf, id, false)
}

// Deadline returns the deadline that applies to a proposal: the call's close, its owner's extension
// or its own, whichever is latest.
func Deadline(call cfp.Call, prop Proposal) time.Time {
	d := call.ClosesAt
	for _, t := range []*time.Time{prop.Extension, prop.Deadline} {
		if t != nil && t.After(d) {
			d = *t
		}
	}
	return d
}

// Editable reports whether the proposal can still be changed at this moment, and its deadline.
func (s *Service) Editable(ctx context.Context, conf conference.Conference, prop Proposal) (bool, time.Time, error) {
	return s.editableAt(ctx, conf, prop, s.now())
}

// editableAt is Editable at the moment at.
func (s *Service) editableAt(ctx context.Context, conf conference.Conference, prop Proposal, at time.Time) (bool, time.Time, error) {
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return false, time.Time{}, err
	}
	d := Deadline(call, prop)
	return editableUnder(call, prop, at), d, nil
}

// editableUnder reports whether the proposal can be changed at the moment at under the call: it is
// neither withdrawn nor decided, and its deadline (Deadline) has not passed.
func editableUnder(call cfp.Call, prop Proposal, at time.Time) bool {
	return prop.Status != Withdrawn && prop.Decision == "" && !at.After(Deadline(call, prop))
}

// Standing is what the deadline means for one proposal at a moment: the deadline that applies to it
// (Deadline), whether that is later than the call's close (Later: its owner's extension or its own
// deadline, from the organizers or the access link it came through), and whether it can still be
// changed then (Editable), or, withdrawn, made a draft again by its owner (Restorable).
type Standing struct {
	Deadline                    time.Time
	Later, Editable, Restorable bool
}

// Standings returns the Standing of each of props now, in their order, for a presenter's list: a
// proposal whose deadline is later than the call's is still to be changed after the call closed.
// apperr NotFound when the conference has no call.
func (s *Service) Standings(ctx context.Context, conf conference.Conference, props []Proposal) ([]Standing, error) {
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Standing, len(props))
	for i, prop := range props {
		d := Deadline(call, prop)
		out[i] = Standing{Deadline: d, Later: d.After(call.ClosesAt), Editable: editableUnder(call, prop, now),
			Restorable: prop.Status == Withdrawn && prop.Decision == "" && !now.After(d)}
	}
	return out, nil
}

// locked is the error for a change to a proposal that is no longer editable: reviewers and the
// committee judged the text as it stood, so after a decision it is frozen even within an extension.
func locked(conf conference.Conference, prop Proposal, d time.Time) error {
	if prop.Status == Withdrawn {
		return apperr.New(apperr.Forbidden, "This proposal was withdrawn, so it can no longer be changed.")
	}
	if prop.Decision != "" {
		return apperr.New(apperr.Forbidden, "A decision has been made on this proposal, so it can no longer be changed; write to the organizers if something must change.")
	}
	return deadlinePassed(conf, d)
}

// deadlinePassed is the error for a change after the deadline.
func deadlinePassed(conf conference.Conference, d time.Time) error {
	return apperr.Newf(apperr.Forbidden, "The deadline for proposals passed on %s. The proposal can no longer be changed; write to the organizers if something must change.",
		FormatTime(d, conf.Location())).Titled(DeadlineTitle)
}

// Headings of the errors a deadline causes (apperr.Error.Title): they are Forbidden, but not for
// want of permission.
const (
	DeadlineTitle   = "The deadline has passed"
	ClosedTitle     = "The call for proposals has closed"
	NotYetOpenTitle = "The call for proposals is not open yet"
)

// FormatTime writes a moment as people read it in the conference's time zone, e.g.
// "Wednesday 30 June 2027, 23:59 EDT" (cfp.FormatTime).
func FormatTime(t time.Time, loc *time.Location) string { return cfp.FormatTime(t, loc) }

// formatOf returns the conference's format for content, checking that a new proposal may use it.
func (s *Service) formatOf(ctx context.Context, conf conference.Conference, id int64, fresh bool) (cfp.Format, error) {
	if id == 0 {
		return cfp.Format{}, apperr.Field("format_id", "Choose a format.")
	}
	f, err := s.calls.Format(ctx, conf, id)
	if apperr.Is(err, apperr.NotFound) {
		return f, apperr.Field("format_id", "Choose one of the formats this call offers.")
	}
	if err == nil && fresh && !f.Accepting {
		return f, apperr.Field("format_id", f.Name+" no longer takes new proposals; choose another format.")
	}
	return f, err
}

// formatTo returns the format id for a change of the proposal prop, checking that it may move to it:
// a proposal keeps its format; it moves to one that takes new proposals or, when it was started with
// an access link, to one the link starts proposals of.
func (s *Service) formatTo(ctx context.Context, conf conference.Conference, prop Proposal, id int64) (cfp.Format, error) {
	if id == prop.FormatID || prop.AccessLinkID == nil {
		return s.formatOf(ctx, conf, id, id != prop.FormatID)
	}
	f, err := s.formatOf(ctx, conf, id, false)
	if err != nil {
		return f, err
	}
	l, err := s.calls.LinkOf(ctx, conf, *prop.AccessLinkID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return s.formatOf(ctx, conf, id, true)
	case err != nil:
		return f, err
	case !l.Allows(f):
		return f, apperr.Field("format_id", fmt.Sprintf("This proposal was started with the link “%s”, which does not start proposals of the format “%s”; choose one it offers.", l.Label, f.Name))
	}
	return f, nil
}

// check cleans content and checks it against the format: leniently for a draft (only what could not
// be saved), in full for a submitted proposal.
func (s *Service) check(ctx context.Context, conf conference.Conference, f cfp.Format, in Content, complete bool) (Content, error) {
	c := Content{FormatID: f.ID, TrackID: in.TrackID, Title: strings.Join(strings.Fields(in.Title), " "),
		Abstract: strings.TrimSpace(strings.ReplaceAll(in.Abstract, "\r\n", "\n"))}
	var fe apperr.Fields
	switch n := utf8.RuneCountInString(c.Title); {
	case n > MaxTitle:
		fe.Add("title", fmt.Sprintf("The title is %d characters long; use at most %d.", n, MaxTitle))
	case n == 0 && complete:
		fe.Add("title", "Give your proposal a title.")
	}
	tracks, err := s.calls.Tracks(ctx, conf)
	if err != nil {
		return c, err
	}
	switch {
	case c.TrackID != nil && !slices.ContainsFunc(tracks, func(t cfp.Track) bool { return t.ID == *c.TrackID }):
		fe.Add("track_id", "Choose one of the tracks this call lists.")
	case c.TrackID == nil && complete && len(tracks) > 0:
		fe.Add("track_id", "Choose the track that fits your proposal best.")
	}
	switch n, w := utf8.RuneCountInString(c.Abstract), question.Words(c.Abstract); {
	case n > maxAbstractChars:
		fe.Add("abstract", fmt.Sprintf("The abstract is %d characters long; the most that can be saved is %d.", n, maxAbstractChars))
	case n == 0 && complete:
		fe.Add("abstract", "Write an abstract.")
	case complete && w > f.AbstractMaxWords:
		fe.Add("abstract", fmt.Sprintf("The abstract has %d words; the limit is %d. Remove %d.", w, f.AbstractMaxWords, w-f.AbstractMaxWords))
	}
	answers, afe := question.Check(f.Fields, in.Answers, complete, "answers.")
	c.Answers = answers
	if ae, ok := apperr.As(afe.Err()); ok {
		for _, x := range ae.Fields {
			fe.Add(x.Field, x.Message)
		}
	}
	return c, fe.Err()
}

// warnings looks for presenters' names and institutions in what reviewers will read: review is
// blind, so a proposal should not say who wrote it. It warns; it does not stop the save.
func warnings(prop Proposal, c Content, f cfp.Format) []Warning {
	type part struct{ field, label, text string }
	parts := []part{{"title", "The title", c.Title}, {"abstract", "The abstract", c.Abstract}}
	for _, q := range f.Fields {
		if q.Kind == question.Text || q.Kind == question.LongText {
			parts = append(parts, part{"answers." + q.ID, "“" + q.Label + "”", c.Answers.Value(q.ID)})
		}
	}
	// The texts folded (lower case, without accents), once, not for every term, into a buffer that
	// the next save uses again.
	buf := lowerBuffers.Get().(*[]byte)
	lower := (*buf)[:0]
	ends := make([]int, len(parts))
	for i, pt := range parts {
		lower = appendFolded(lower, pt.text)
		ends[i] = len(lower)
	}
	defer func() {
		if cap(lower) <= 64<<10 {
			*buf = lower
			lowerBuffers.Put(buf)
		}
	}()
	var out []Warning
	for _, x := range prop.Presenting() {
		terms := append([]string{x.Name}, surnames(x.Name)...)
		inst := strings.TrimSpace(x.Profile.Institution)
		if utf8.RuneCountInString(inst) >= 3 && !strings.EqualFold(inst, "independent") {
			terms = append(terms, inst)
		} else {
			inst = ""
		}
		lowered := make([][]byte, len(terms))
		for i, term := range terms {
			lowered[i] = appendFolded(nil, strings.TrimSpace(term))
		}
		for i, pt := range parts {
			from := 0
			if i > 0 {
				from = ends[i-1]
			}
			text := lower[from:ends[i]]
			named := false // the name, whole or its last part: said once
			for k, term := range terms {
				institution := inst != "" && term == inst
				if (!institution && named) || !mentions(text, lowered[k]) {
					continue
				}
				what := "the name of " + x.Name + ", a presenter"
				if institution {
					what = "the institution of a presenter (" + term + ")"
				} else {
					named = true
				}
				w := Warning{Field: pt.field, Message: fmt.Sprintf(
					"%s mentions %s. Review is blind: reviewers should not learn who wrote a proposal, so consider writing around it.", pt.label, what)}
				if !slices.Contains(out, w) { // presenters of one institution: said once
					out = append(out, w)
				}
			}
		}
	}
	return out
}

// surnames are the words of a name a text could name its person by, besides the whole name: every
// word after the first (a family name, or both of a Spanish or Portuguese one, and each part of a
// hyphenated one), of three letters or more, leaving out the particles that join them ("de la").
// The first word alone, a given name shared by many, is not looked for.
func surnames(name string) []string {
	var out []string
	fs := strings.Fields(name)
	for _, w := range fs[min(1, len(fs)):] {
		if strings.HasPrefix(w, "(") {
			break // what follows in brackets is not the name: pronouns, a title
		}
		for _, part := range append([]string{w}, strings.Split(w, "-")...) {
			part = strings.Trim(part, ".,'’()")
			if utf8.RuneCountInString(part) >= 3 && !particles[strings.ToLower(part)] && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// particles join the words of a family name and name no one on their own.
var particles = map[string]bool{"del": true, "los": true, "las": true, "van": true, "von": true, "der": true, "den": true,
	"dos": true, "das": true, "ter": true, "ten": true, "bin": true, "ibn": true, "bint": true, "binti": true, "mac": true}

// lowerBuffers are buffers for the texts warnings reads folded.
var lowerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// appendFolded appends s to b in lower case and without accents, so that "Núñez", "NUNEZ" and
// "Nun\u0303ez" are one word: byte by byte while s is ASCII; otherwise decomposed (NFD) with its
// combining marks left out.
func appendFolded(b []byte, s string) []byte {
	start := len(b)
	b = slices.Grow(b, len(s))[:start+len(s)]
	out := b[start:]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			b = b[:start]
			for _, r := range norm.NFD.String(s) {
				if !unicode.Is(unicode.Mn, r) {
					b = utf8.AppendRune(b, unicode.ToLower(r))
				}
			}
			return b
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return b
}

// mentions reports whether text, in lower case, contains term, trimmed and in lower case, as whole
// words: "lee" is in "dr lee's clinic" but not in "fleet".
func mentions(text, term []byte) bool {
	if len(term) == 0 || len(text) == 0 {
		return false
	}
	for from := 0; ; {
		i := bytes.Index(text[from:], term)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(term)
		before, _ := utf8.DecodeLastRune(text[:start])
		after, _ := utf8.DecodeRune(text[end:])
		if (start == 0 || !wordRune(before)) && (end == len(text) || !wordRune(after)) {
			return true
		}
		from = start + 1
	}
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// CreateInput is a new proposal.
type CreateInput struct {
	Content
	// ClientKey makes a repeated create (a double click, a retried request) return the proposal the
	// first one made instead of a second one.
	ClientKey string
	// AccessSecret is the secret of an access link, for a proposal outside the call's window.
	AccessSecret string
}

// Create starts a draft. The person must be signed in, and the call open for them (or an access
// link given). Returns the draft with blind-review warnings; apperr Invalid with field errors,
// apperr Forbidden when the call is not open, and the access link's errors.
func (s *Service) Create(ctx context.Context, p *access.Principal, conf conference.Conference, in CreateInput) (Proposal, []Warning, error) {
	prop, warns, _, err := s.CreateOnce(ctx, p, conf, in)
	return prop, warns, err
}

// CreateOnce is Create that also reports whether this call made the proposal: false when an earlier
// create with the same client key had, whose proposal it returns as it is now, with no warnings.
func (s *Service) CreateOnce(ctx context.Context, p *access.Principal, conf conference.Conference, in CreateInput) (Proposal, []Warning, bool, error) {
	if p == nil {
		return Proposal{}, nil, false, apperr.New(apperr.Unauthenticated, "Please log in to start a proposal.")
	}
	if err := apperr.CheckClientKey(in.ClientKey); err != nil {
		return Proposal{}, nil, false, err
	}
	prop, warns, err := s.create(ctx, p, conf, in)
	if err != nil && in.ClientKey != "" {
		// A repeated create (a double click, a retried request) returns the proposal the first one
		// made, even when the call has closed or the link been used up since. The key is looked up
		// only when the create fails: the unique key lets no second proposal through, and the usual
		// first create costs no extra query.
		if first, kerr := s.store.ByClientKey(ctx, p.UserID, in.ClientKey); kerr == nil && first.ConferenceID == conf.ID {
			return first, nil, false, nil
		}
	}
	return prop, warns, err == nil, err
}

// CheckDraft checks content as the save of a draft would, saving nothing: apperr Invalid with
// everything that could not be saved, a format the call does not have included.
func (s *Service) CheckDraft(ctx context.Context, conf conference.Conference, in Content) error {
	f, err := s.formatOf(ctx, conf, in.FormatID, false)
	if err != nil {
		return s.alsoChecked(ctx, conf, err, cfp.Format{}, in, false)
	}
	_, err = s.check(ctx, conf, f, in, false)
	return err
}

// CheckSave checks content as Save would for the proposal prop, saving nothing (CheckDraft for a
// proposal not made yet): apperr Invalid with every field error the save would give, so that a form
// with a mistake the caller found first (a number that is not one) still learns of the others.
func (s *Service) CheckSave(ctx context.Context, conf conference.Conference, prop Proposal, in Content) error {
	if prop.ID == 0 {
		return s.CheckDraft(ctx, conf, in)
	}
	complete := prop.Status == Submitted
	f, err := s.formatTo(ctx, conf, prop, in.FormatID)
	if err != nil {
		own, _ := s.formatOf(ctx, conf, prop.FormatID, false)
		return s.alsoChecked(ctx, conf, err, own, in, complete)
	}
	_, err = s.check(ctx, conf, f, in, complete)
	return err
}

// alsoChecked adds to a refusal of the format chosen (ferr) what else a save of in would refuse,
// so that one round of corrections is enough: its title, track and abstract, checked against the
// limits of base (the proposal's own format; none for a new proposal, which is then checked as a
// draft). The answers are left until a format that asks them is chosen.
func (s *Service) alsoChecked(ctx context.Context, conf conference.Conference, ferr error, base cfp.Format, in Content, complete bool) error {
	ae, ok := apperr.As(ferr)
	if !ok || ae.Code != apperr.Invalid {
		return ferr
	}
	base.Fields = nil
	if base.ID == 0 {
		complete = false // no format to say what complete means
	}
	_, err := s.check(ctx, conf, base, Content{TrackID: in.TrackID, Title: in.Title, Abstract: in.Abstract}, complete)
	more, ok := apperr.As(err)
	switch {
	case err == nil:
		return ferr
	case !ok || more.Code != apperr.Invalid:
		return err
	}
	var all apperr.Fields
	for _, x := range append(append([]apperr.FieldError(nil), ae.Fields...), more.Fields...) {
		if !all.Has(x.Field) {
			all.Add(x.Field, x.Message)
		}
	}
	return all.Err()
}

// MadeWith reports whether the proposal prop, made by an earlier create with the same client key,
// was made with the content in (as the create keeps it: tidied): a retry of that create, not
// another proposal sent under a key already used. Later saves of it do not matter.
func (s *Service) MadeWith(ctx context.Context, p *access.Principal, conf conference.Conference, prop Proposal, in Content) (bool, error) {
	revs, err := s.Revisions(ctx, p, conf, prop.ID)
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(revs, func(r Revision) bool { return r.Version == 1 })
	if i < 0 {
		return false, nil
	}
	first := revs[i]
	f, err := s.formatOf(ctx, conf, in.FormatID, false)
	if err != nil {
		return false, nil // no such format: not what made it
	}
	c, _ := s.check(ctx, conf, f, in, false)
	return c.Equal(Content{FormatID: first.FormatID, TrackID: first.TrackID, Title: first.Title, Abstract: first.Abstract, Answers: first.Answers}), nil
}

func (s *Service) create(ctx context.Context, p *access.Principal, conf conference.Conference, in CreateInput) (Proposal, []Warning, error) {
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return Proposal{}, nil, err
	}
	// Through an access link the link's formats decide, once it is claimed; otherwise those that
	// take proposals.
	f, err := s.formatOf(ctx, conf, in.FormatID, in.AccessSecret == "")
	if err != nil {
		return Proposal{}, nil, s.alsoChecked(ctx, conf, err, cfp.Format{}, in.Content, false)
	}
	c, err := s.check(ctx, conf, f, in.Content, false)
	if err != nil {
		return Proposal{}, nil, err
	}
	now := s.now()
	prop := Proposal{ConferenceID: conf.ID, OwnerID: p.UserID, FormatID: f.ID, TrackID: c.TrackID, Title: c.Title, Abstract: c.Abstract,
		Answers: c.Answers, Status: Draft, ClientKey: in.ClientKey,
		Presenters: []Presenter{{Email: p.Email, Name: p.Name, IsOwner: true, Status: Accepted, UserID: &p.UserID, InvitedAt: now, AnsweredAt: &now}}}
	write := func(ctx context.Context) error {
		if in.AccessSecret != "" {
			l, err := s.calls.ClaimAccessLink(ctx, conf, in.AccessSecret)
			if err != nil {
				return err
			}
			if !l.Allows(f) {
				return apperr.Field("format_id", fmt.Sprintf("The link “%s” does not start proposals of the format “%s”; choose one it offers.", l.Label, f.Name))
			}
			prop.Deadline, prop.AccessLinkID = &l.ExpiresAt, &l.ID
		} else {
			switch call.StateAt(now) {
			case cfp.NotYetOpen:
				return apperr.Newf(apperr.Forbidden, "The call for proposals opens on %s.", FormatTime(call.OpensAt, conf.Location())).Titled(NotYetOpenTitle)
			case cfp.Closed:
				d, err := s.calls.DeadlineFor(ctx, call, p.UserID, nil)
				if err != nil {
					return err
				}
				if now.After(d) {
					return apperr.Newf(apperr.Forbidden, "The call for proposals closed on %s, so the proposal was not made. Write to the organizers if you were asked to propose after it.",
						FormatTime(d, conf.Location())).Titled(ClosedTitle)
				}
			}
		}
		return s.store.Create(ctx, &prop, revisionOf(prop, p.UserID, "created"), entry(p, conf, "proposal.created", 0, f.Name))
	}
	if in.AccessSecret == "" && call.StateAt(now) == cfp.Open {
		err = write(ctx) // one statement: no transaction needed
	} else {
		err = s.store.InTx(ctx, write)
	}
	if err != nil {
		return Proposal{}, nil, err
	}
	return prop, warnings(prop, c, f), nil
}

func revisionOf(p Proposal, by int64, note string) *Revision {
	r := &Revision{ProposalID: p.ID, Version: p.Version, Status: p.Status, FormatID: p.FormatID, TrackID: p.TrackID, Title: p.Title,
		Abstract: p.Abstract, Answers: p.Answers, Note: note}
	if by != 0 {
		r.SavedBy = &by
	}
	return r
}

// stale is the error for a save based on an older version.
func stale(current Proposal) error {
	return staleWith(current, nil)
}

// SavedMeanwhile is what a save based on an older version is told first: the newer version is to
// be read before anything else.
const SavedMeanwhile = "Someone saved this proposal after you opened it, perhaps in another tab. " +
	"Nothing of yours was saved and nothing of theirs was overwritten: compare the newer text with yours, then save again."

// staleWith is the error for a save based on an older version whose content was refused too
// (invalid, apperr Invalid, or nil): the newer version comes first, since the content is to be
// corrected against it, and the field errors come with it, so that one round is enough.
func staleWith(current Proposal, invalid error) error {
	e := apperr.Wrap(apperr.Conflict, SavedMeanwhile, &StaleError{Current: current})
	if ae, ok := apperr.As(invalid); ok && ae.Code == apperr.Invalid && len(ae.Fields) > 0 {
		e.Message += " " + ae.Message
		e.Fields = ae.Fields
	}
	return e
}

// StaleSubmit adds to err, the conflict of a save based on an older version (a StaleError) that
// was to be submitted once saved, everything the submit would refuse as well, so that the person
// sees at once all that must change: the content in (as the form sent it) checked in full, and the
// presenters and profiles of the proposal as saved now, after err's own field errors. The newer
// version still comes first. Any other err is returned as it is. by is the person submitting.
// Returns apperr Conflict (with a StaleError), or the error of reading the call.
func (s *Service) StaleSubmit(ctx context.Context, conf conference.Conference, err error, in Content, by int64) error {
	var st *StaleError
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Conflict || !errors.As(err, &st) {
		return err
	}
	prop := st.Current
	if in.FormatID != 0 {
		prop.FormatID = in.FormatID
	}
	prop.TrackID, prop.Title, prop.Abstract, prop.Answers = in.TrackID, in.Title, in.Abstract, in.Answers
	problems, _, rerr := s.Readiness(ctx, conf, prop, by)
	switch {
	case apperr.Is(rerr, apperr.NotFound):
		return err // a format the call does not have: the save's own errors say so
	case rerr != nil:
		return rerr
	}
	var all apperr.Fields
	for _, x := range append(append([]apperr.FieldError(nil), ae.Fields...), problems...) {
		all.Add(x.Field, x.Message)
	}
	return staleWith(st.Current, all.Err())
}

// staleSubmit is the error for a submit of a version older than current, the proposal as saved now:
// nothing is submitted, and what would keep current from being submitted comes with the newer
// version, so that the person sees at once all that must change before they submit it.
func (s *Service) staleSubmit(ctx context.Context, conf conference.Conference, current Proposal, by int64) error {
	problems, _, err := s.Readiness(ctx, conf, current, by)
	if err != nil {
		return err
	}
	e := apperr.Wrap(apperr.Conflict, "Someone saved this proposal after you opened it, perhaps in another tab, so it was not submitted: "+
		"read the newer version before you submit it.", &StaleError{Current: current})
	if len(problems) > 0 {
		e.Message += " As it is saved now, it cannot be submitted yet. " + notReady(problems).Message
		e.Fields = problems
	}
	return e
}

// Refused answers a save that was refused before it reached Save, for what its content could not
// be read as (err, apperr Invalid with field errors), as Save would answer it: a proposal that can
// no longer change is Forbidden, and a version older than the one saved is the Conflict Save gives,
// with err's field errors, so that the person sees the newer version before correcting against an
// old one. Otherwise it returns err. Returns apperr Conflict, Forbidden, NotFound and Invalid.
func (s *Service) Refused(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, err error) error {
	if !apperr.Is(err, apperr.Invalid) {
		return err
	}
	prop, _, lerr := s.loadOwn(ctx, p, conf, id, false)
	if lerr != nil {
		return lerr
	}
	if prop.Status == Withdrawn {
		return apperr.New(apperr.Forbidden, "This proposal was withdrawn, so it can no longer be changed.")
	}
	editable, d, lerr := s.Editable(ctx, conf, prop)
	switch {
	case lerr != nil:
		return lerr
	case !editable:
		return locked(conf, prop, d)
	case version != prop.Version:
		return staleWith(prop, err)
	}
	return err
}

// Save changes a proposal's content. version is the version the person edited: when another save
// came in between, nothing is saved and the answer is apperr Conflict with a StaleError holding the
// newer proposal, even when the content is refused as well (its field errors then come with the
// conflict). A submitted proposal must stay complete. Returns the saved proposal with
// warnings; apperr Invalid, NotFound, Forbidden (deadline passed, withdrawn, not a presenter).
func (s *Service) Save(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, in Content) (Proposal, []Warning, error) {
	if prop, warns, ok, err := s.saveAtOnce(ctx, p, conf, id, version, in); ok || err != nil {
		return prop, warns, err
	}
	// Optimistic: read, check, then one statement that writes the new version only if the stored
	// one is still the one read. When another save slipped in between, read again: the person's
	// version is then the stale one.
	for attempt := 0; ; attempt++ {
		prop, _, err := s.loadOwn(ctx, p, conf, id, false)
		if err != nil {
			return prop, nil, err
		}
		if prop.Status == Withdrawn {
			return prop, nil, apperr.New(apperr.Forbidden, "This proposal was withdrawn, so it can no longer be changed.")
		}
		editable, d, err := s.Editable(ctx, conf, prop)
		if err != nil {
			return prop, nil, err
		}
		if !editable {
			return prop, nil, locked(conf, prop, d)
		}
		f, err := s.formatTo(ctx, conf, prop, in.FormatID)
		var c Content
		if err == nil {
			c, err = s.check(ctx, conf, f, in, prop.Status == Submitted)
		} else {
			own, _ := s.formatOf(ctx, conf, prop.FormatID, false)
			err = s.alsoChecked(ctx, conf, err, own, in, prop.Status == Submitted)
		}
		if err == nil && prop.Status == Submitted && f.ID != prop.FormatID {
			err = fitsFormat(prop, f)
		}
		if err != nil {
			if version != prop.Version && apperr.Is(err, apperr.Invalid) {
				// Refused on a version that is not the latest: the newer one is to be seen first,
				// the content then corrected against it.
				return prop, nil, staleWith(prop, err)
			}
			return prop, nil, err
		}
		keepRetired(&c, prop, f)
		if prop.Status == Draft && f.ID != prop.FormatID && version == prop.Version {
			// A draft changing format: what was typed in answer to the questions of the format it
			// leaves is kept first, as a version of its own, for the history to show; both
			// versions are written together, or neither (another save came first: read again).
			var saved Proposal
			err := s.store.InTx(ctx, func(ctx context.Context) error {
				cur := prop
				if kept, err := s.keepTyped(ctx, p, conf, &cur, in); err != nil || !kept {
					return err
				}
				next, ok, err := s.saveNext(ctx, p, cur, c)
				if err != nil {
					return err
				}
				if !ok {
					return errAnotherSave
				}
				saved = next
				return nil
			})
			switch {
			case errors.Is(err, errAnotherSave) || err == nil && saved.ID == 0:
				if attempt > 0 {
					return prop, nil, stale(prop)
				}
				continue
			case err != nil:
				return prop, nil, err
			}
			return saved, warnings(saved, c, f), nil
		}
		if version != prop.Version {
			if c.Equal(prop.Content()) {
				return prop, nil, nil // the same save again (a double click): it is already saved
			}
			return prop, nil, stale(prop)
		}
		warns := warnings(prop, c, f)
		if c.Equal(prop.Content()) {
			return prop, warns, nil
		}
		next, saved, err := s.saveNext(ctx, p, prop, c)
		if err != nil {
			return prop, nil, err
		}
		if saved {
			return next, warns, nil
		}
		if attempt > 0 {
			return prop, nil, stale(prop)
		}
	}
}

// keepTyped saves, as a version of the draft prop in its own format, the answers that in gives to
// that format's questions, when they differ from those saved: a save that also changes the format
// would drop them (the new format does not ask them). It leaves prop as saved, and reports false
// when another save came first (prop is then not saved).
func (s *Service) keepTyped(ctx context.Context, p *access.Principal, conf conference.Conference, prop *Proposal, in Content) (bool, error) {
	old, err := s.formatOf(ctx, conf, prop.FormatID, false)
	if err != nil {
		return true, nil // a format gone: nothing of it to keep
	}
	c, err := s.check(ctx, conf, old, Content{FormatID: old.ID, TrackID: in.TrackID, Title: in.Title, Abstract: in.Abstract, Answers: in.Answers}, false)
	if err != nil {
		return true, nil // not a draft this format would keep either: the save itself says what is wrong
	}
	keepRetired(&c, *prop, old)
	if (Content{Answers: c.Answers}).Equal(Content{Answers: prop.Answers}) {
		return true, nil
	}
	next, saved, err := s.saveNext(ctx, p, *prop, c)
	if err != nil || !saved {
		return false, err
	}
	*prop = next
	return true, nil
}

// saveNext writes c as the next version of prop, if prop is still at its version; it reports false,
// having written nothing, when another save came first.
func (s *Service) saveNext(ctx context.Context, p *access.Principal, prop Proposal, c Content) (Proposal, bool, error) {
	next := prop
	next.FormatID, next.TrackID, next.Title, next.Abstract, next.Answers = c.FormatID, c.TrackID, c.Title, c.Abstract, c.Answers
	next.Version++
	next.UpdatedAt = s.now()
	saved, err := s.store.SaveVersion(ctx, &next, prop.Version, revisionOf(next, p.UserID, "saved"), nil)
	return next, saved, err
}

// saveAtOnce is the usual save, the one of a presenter editing their proposal before the deadline,
// in one statement that reads nothing first: what Save would check after reading is checked in the
// statement, except the content, which is checked here against the format it names, in full and,
// if that fails, as for a draft. It reports false, having written nothing, whenever anything is out
// of the ordinary (an error in the content, a stale version, an unchanged text, a deadline passed,

// someone else's proposal), and Save then reads the proposal and answers as it always has.
func (s *Service) saveAtOnce(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, in Content) (Proposal, []Warning, bool, error) {
	// A version no proposal can have (the database counts them in 32 bits) is stale: Save finds the
	// proposal and answers with it.
	if p == nil || version <= 0 || version > math.MaxInt32 {
		return Proposal{}, nil, false, nil
	}
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return Proposal{}, nil, false, nil
	}
	f, err := s.calls.Format(ctx, conf, in.FormatID)
	if err != nil || len(f.Retired) > 0 {
		// A format that stopped asking questions: the answers given to them are kept from the
		// proposal as read (keepRetired).
		return Proposal{}, nil, false, nil
	}
	for id := range in.Answers {
		if _, ok := f.Field(id); !ok {
			// Answers to another format's questions (a draft changing format): Save keeps them.
			return Proposal{}, nil, false, nil
		}
	}
	complete := true
	c, err := s.check(ctx, conf, f, in, true)
	if err != nil {
		complete = false
		if c, err = s.check(ctx, conf, f, in, false); err != nil {
			return Proposal{}, nil, false, nil
		}
	}
	prop, saved, err := s.store.SaveContent(ctx, ContentSave{ConferenceID: conf.ID, ProposalID: id, UserID: p.UserID, Version: version,
		Content: c, Complete: complete, Accepting: f.Accepting, MaxPresenters: f.MaxPresenters, ClosesAt: call.ClosesAt, At: s.now()})
	if err != nil || !saved {
		// Even an error (text the database refuses, say) is for Save to meet again after reading:
		// someone else's proposal stays not found, a stale version a conflict.
		return Proposal{}, nil, false, nil
	}
	return prop, warnings(prop, c, f), true, nil
}

// Submit submits a draft after checking it in full, at this moment against its deadline, and sends
// each presenter a receipt with a copy of it. Submitting a proposal already submitted changes
// nothing and sends nothing (a double click is harmless). version 0 submits whatever is saved.
// Returns apperr Invalid with field errors (the profile's missing fields named "profile.<field>"),
// Conflict (stale version: a StaleError with the newer proposal, and the field errors that would
// keep it from being submitted), Forbidden (deadline passed, withdrawn) and NotFound.
//
// The moment of submission, against which the deadline is judged and which the proposal records,
// is when the request arrived: waiting for others' submits to be made does not make it late.
//
// Outside a transaction, submits that arrive together are made together, in one transaction
// (submitMany); a submit that batch leaves to itself, or whose batch fails, is made on its own. Once
// a batch has taken a submit, it is made even if the caller goes away meanwhile (the caller then
// gets the context's error; submitting again finds it submitted).
func (s *Service) Submit(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int) (Proposal, []Warning, error) {
	at := s.now()
	if p != nil && !s.store.Joined(ctx) {
		// The audit entry says where the request came from, which the batch's context does not.
		e := entry(p, conf, "proposal.submitted", id, "")
		o := audit.OriginFrom(ctx)
		e.IP, e.UserAgent = o.IP, o.UserAgent
		out, err := s.submits.Do(ctx, submitCall{p: p, conf: conf, id: id, version: version, at: at, entry: e})
		if err == nil && !out.alone {
			return out.prop, out.warns, nil
		}
		if ctx.Err() != nil {
			return Proposal{}, nil, ctx.Err()
		}
	}
	// The proposal stays locked from the read to the commit: a co-presenter answering an invitation
	// or leaving meanwhile (which changes no version) waits, so the receipts go to the presenters
	// as they are, and a second submit waits and then finds it submitted.
	var prop Proposal
	var warns []Warning
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if prop, _, err = s.loadOwn(ctx, p, conf, id, true); err != nil {
			return err
		}
		ready, err := s.readyToSubmit(ctx, conf, prop, version, at, userOf(p))
		if err != nil || ready.done {
			return err
		}
		warns = ready.warns
		if err := s.saveStatus(ctx, p, conf, &prop, "submitted", submitted(&prop), at); err != nil {
			return err
		}
		msgs, err := s.receipts(ctx, conf, prop, ready.format, ready.deadline, ready.warns, p)
		if err != nil {
			return err
		}
		return notify.EnqueueAll(ctx, s.outbox, msgs)
	})
	if st := (*StaleError)(nil); errors.As(err, &st) {
		// What would keep the newer version (as read under the lock) from being submitted comes
		// with it, checked once the transaction, which wrote nothing, is over.
		return prop, nil, s.staleSubmit(ctx, conf, st.Current, userOf(p))
	}
	return prop, warns, err
}

// submitted sets a proposal submitted at a moment (for saveStatus).
func submitted(prop *Proposal) func(now time.Time) {
	return func(now time.Time) { prop.Status, prop.SubmittedAt = Submitted, &now }
}

// readiness is what a submit found when it checked a proposal: done when it was submitted already,
// else its format, its deadline and the blind-review warnings.
type readiness struct {
	done     bool
	format   cfp.Format
	deadline time.Time
	warns    []Warning
}

// readyToSubmit checks a locked proposal for a submit of version made at the moment at: its status,
// its deadline, the version, and everything the call asks of it and its presenters, all said at once.
func (s *Service) readyToSubmit(ctx context.Context, conf conference.Conference, prop Proposal, version int, at time.Time, by int64) (readiness, error) {
	switch prop.Status {
	case Submitted:
		return readiness{done: true}, nil
	case Withdrawn:
		return readiness{}, apperr.New(apperr.Forbidden, "This proposal was withdrawn, so it cannot be submitted.")
	}
	editable, d, err := s.editableAt(ctx, conf, prop, at)
	if err != nil {
		return readiness{}, err
	}
	if !editable {
		return readiness{}, locked(conf, prop, d)
	}
	if version != 0 && version != prop.Version {
		return readiness{}, stale(prop)
	}
	f, err := s.formatOf(ctx, conf, prop.FormatID, false)
	if err != nil {
		return readiness{}, err
	}
	problems, w, err := s.Readiness(ctx, conf, prop, by)
	if err != nil {
		return readiness{}, err
	}
	if len(problems) > 0 {
		return readiness{}, notReady(problems)
	}
	return readiness{format: f, deadline: d, warns: w}, nil
}

// CorrectedElsewhere reports whether a problem that keeps a proposal from being submitted, named by
// field, is corrected outside the proposal's form: in a presenter's profile ("profile.<field>") or
// among the presenters on the proposal's page ("owner", "presenters").
func CorrectedElsewhere(field string) bool {
	return strings.HasPrefix(field, "profile.") || field == "owner" || field == "presenters"
}

// notReady is the refusal of a submit for its problems (field errors of Readiness): fields of the
// form are highlighted there; what is corrected elsewhere (a profile, the presenters) is said.
func notReady(problems []apperr.FieldError) *apperr.Error {
	var onForm int
	var elsewhere []string
	for _, x := range problems {
		if CorrectedElsewhere(x.Field) {
			elsewhere = append(elsewhere, x.Message)
		} else {
			onForm++
		}
	}
	var msg []string
	switch onForm {
	case 0:
	case 1:
		msg = append(msg, "Please correct the highlighted field before submitting.")
	default:
		msg = append(msg, fmt.Sprintf("Please correct the %d highlighted fields before submitting.", onForm))
	}
	return &apperr.Error{Code: apperr.Invalid, Message: strings.Join(append(msg, elsewhere...), " "), Fields: problems}
}

// answer reports whether err is a check's answer to a request (the input is wrong, or the state does
// not allow it), not a fault.
func answer(err error) bool {
	ae, ok := apperr.As(err)
	return ok && slices.Contains([]apperr.Code{apperr.Invalid, apperr.Forbidden, apperr.Conflict, apperr.NotFound}, ae.Code)
}

// submitCall is one submit waiting to be made with others: at is when it arrived, entry its audit
// entry, with where the request came from.
type submitCall struct {
	p       *access.Principal
	conf    conference.Conference
	id      int64
	version int
	at      time.Time
	entry   audit.Entry
}

// submitOutcome is what a batch of submits made of one: the proposal and the warnings the submit
// answers with; or alone, when it is to be made on its own after the batch (a refusal included).
type submitOutcome struct {
	prop  Proposal
	warns []Warning
	alone bool
}

// submitMany makes the submits in one transaction: the proposals are read and locked in one
// statement, checked as Submit checks them, written in one statement with their revisions and
// audit entries, and their receipts queued together. A submit is left to itself (alone) when
// another transaction holds its proposal (it waits on its own, and the others do not wait with it),
// when its proposal is not found (its own read says why), when an earlier submit in the batch is for
// the same proposal (it then finds it submitted), or when the write finds the proposal not as it was
// read (another writer committed as the batch read it: it is read again on its own). A check's
// refusal (a field to correct, a deadline passed, not a presenter) is also left to the submit made on
// its own, which answers from what it reads under lock; any other error fails the batch, writing
// nothing.
func (s *Service) submitMany(ctx context.Context, calls []submitCall) ([]submitOutcome, error) {
	out := make([]submitOutcome, len(calls))
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		ids := make([]int64, 0, len(calls))
		for _, c := range calls {
			ids = append(ids, c.id)
		}
		props, err := s.store.LockMany(ctx, ids)
		if err != nil {
			return err
		}
		byID := make(map[int64]Proposal, len(props))
		for _, prop := range props {
			byID[prop.ID] = prop
		}
		var saves []StatusSave
		var made []int // the call of each save
		var ready []readiness
		for i, c := range calls {
			prop, ok := byID[c.id]
			if !ok || prop.ConferenceID != c.conf.ID {
				out[i].alone = true
				continue
			}
			delete(byID, c.id) // a second submit of it goes alone
			// A refusal is left to the submit made on its own: read without waiting, the presenters
			// it may rest on can be those from just before another writer committed (see LockMany).
			if _, ok := prop.PresenterOf(c.p.UserID); !ok || !visible(c.p, c.conf, prop) {
				out[i].alone = true
				continue
			}
			r, err := s.readyToSubmit(ctx, c.conf, prop, c.version, c.at, c.p.UserID)
			if err != nil && !answer(err) {
				return err
			}
			if err != nil {
				out[i].alone = true
				continue
			}
			out[i].prop, out[i].warns = prop, r.warns
			if r.done {
				continue
			}
			old := prop.Version
			bump(&prop, submitted(&prop), c.at)
			out[i].prop = prop
			saves = append(saves, StatusSave{P: prop, OldVersion: old, Revision: *revisionOf(prop, c.p.UserID, "submitted"), Entry: c.entry})
			made, ready = append(made, i), append(ready, r)
		}
		if len(saves) == 0 {
			return nil
		}
		saved, err := s.store.SaveStatuses(ctx, saves)
		if err != nil {
			return err
		}
		var msgs []notify.Message
		for k, i := range made {
			if !saved[k] {
				out[i] = submitOutcome{alone: true}
				continue
			}
			m, err := s.receipts(ctx, calls[i].conf, out[i].prop, ready[k].format, ready[k].deadline, ready[k].warns, calls[i].p)
			if err != nil {
				return err
			}
			msgs = append(msgs, m...)
		}
		return notify.EnqueueAll(ctx, s.outbox, msgs)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errChanged is a write that found a locked proposal changed since it was read: only a change from
// outside this service could do that.
var errChanged = apperr.New(apperr.Conflict, "Someone saved this proposal meanwhile. Reload it and make your change again.")

// saveStatus writes a change of a locked proposal's status, made by set at the moment now, as its next
// version with its revision (noted as what it became) and the audit entry "proposal.<what>".
func (s *Service) saveStatus(ctx context.Context, p *access.Principal, conf conference.Conference, prop *Proposal, what string, set func(now time.Time), now time.Time) error {
	old := prop.Version
	bump(prop, set, now)
	e := entry(p, conf, "proposal."+what, prop.ID, "")
	saved, err := s.store.SaveVersion(ctx, prop, old, revisionOf(*prop, p.UserID, what), &e)
	if err != nil {
		return err
	}
	if !saved {
		return errChanged
	}
	return nil
}

// bump makes the change set at a moment the proposal's next version.
func bump(prop *Proposal, set func(now time.Time), now time.Time) {
	set(now)
	prop.UpdatedAt = now
	prop.Version++
}

// ProfileMissing is the problem of a person's own profile that lacks the fields named (of
// account.Profile.Missing: participant_role, institution, bio) before they submit, said once.
func ProfileMissing(fields []string) string {
	labels := make([]string, len(fields))
	for i, m := range fields {
		labels[i] = map[string]string{"participant_role": "your role", "institution": "your institution", "bio": "a short bio"}[m]
	}
	return "Your profile needs " + andList(labels) + " before you submit: complete your profile."
}

// andList joins items as a sentence lists them: "a", "a and b", "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// fitsFormat checks that a submitted proposal changing to the format f has no more presenters than f
// allows (invitations included): a submitted proposal stays complete, and one that does not fit its
// format could not be submitted.
func fitsFormat(prop Proposal, f cfp.Format) error {
	n := len(prop.Presenting())
	if n <= f.MaxPresenters {
		return nil
	}
	return apperr.Field("format_id", fmt.Sprintf("A proposal of the format “%s” has at most %s, and this one has %d (invitations included). Remove %d, or keep its format.",
		f.Name, cfp.Presenters(f.MaxPresenters), n, n-f.MaxPresenters))
}

// checkPresenters checks who presents a proposal before it is submitted by the person by (0: as
// organizers see it): not more than the format allows, and the profiles of its owner and of the
// person submitting complete (the program shows them once the proposal is accepted). The person's
// own missing fields are "profile.<field>"; the owner's, seen by someone else, "owner".
func checkPresenters(prop Proposal, f cfp.Format, by int64) error {
	var fe apperr.Fields
	if n := len(prop.Presenting()); n > f.MaxPresenters {
		fe.Add("presenters", fmt.Sprintf("A proposal of the format “%s” has at most %s, and this one has %d (invitations included). Remove %d before submitting.",
			f.Name, cfp.Presenters(f.MaxPresenters), n, n-f.MaxPresenters))
	}
	yours := func(missing []string) {
		for _, m := range missing {
			fe.Add("profile."+m, ProfileMissing([]string{m}))
		}
	}
	owner := prop.Owner()
	if missing := owner.Profile.Missing(); owner.UserID != nil && *owner.UserID == by {
		yours(missing)
	} else if len(missing) > 0 {
		var what []string
		for _, m := range missing {
			what = append(what, map[string]string{"participant_role": "a role", "institution": "an institution", "bio": "a short bio"}[m])
		}
		fe.Add("owner", fmt.Sprintf("%s, who made this proposal, needs to add %s to their profile before it is submitted.", owner.Name, andList(what)))
	}
	if me, ok := prop.PresenterOf(by); ok && !me.IsOwner {
		yours(me.Profile.Missing())
	}
	return fe.Err()
}

// Restorable reports whether a withdrawn proposal may be restored as a draft now: no decision was
// made on it and its deadline has not passed.
func (s *Service) Restorable(ctx context.Context, conf conference.Conference, prop Proposal) (bool, error) {
	if prop.Status != Withdrawn {
		return false, nil
	}
	_, err := s.restoreRefused(ctx, conf, prop)
	if apperr.Is(err, apperr.Forbidden) {
		return false, nil
	}
	return err == nil, err
}

// restoreRefused is apperr Forbidden, saying why, when a decision was made on the proposal or its
// deadline passed; otherwise it returns the proposal's deadline.
func (s *Service) restoreRefused(ctx context.Context, conf conference.Conference, prop Proposal) (time.Time, error) {
	if prop.Decision != "" {
		return time.Time{}, apperr.New(apperr.Forbidden, "A decision has been made on this proposal, so it can no longer be restored; write to the organizers.")
	}
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return time.Time{}, err
	}
	d := Deadline(call, prop)
	if s.now().After(d) {
		return d, apperr.Newf(apperr.Forbidden, "The deadline for proposals passed on %s, so a withdrawn proposal can no longer be restored; write to the organizers.",
			FormatTime(d, conf.Location()))
	}
	return d, nil
}

// Restore makes a withdrawn proposal a draft again, before its deadline, to be submitted anew; only
// the presenter who made it may. Restoring a proposal that is not withdrawn changes nothing. The
// presenters who were told of the withdrawal (it had been submitted) are told of the restoration
// by email. Returns apperr Forbidden (not the owner, a decision made, the deadline passed) and
// NotFound.
func (s *Service) Restore(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Proposal, error) {
	var prop Proposal
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var me Presenter
		var err error
		if prop, me, err = s.loadOwn(ctx, p, conf, id, true); err != nil {
			return err
		}
		if prop.Status != Withdrawn {
			return nil
		}
		if !me.IsOwner {
			return apperr.New(apperr.Forbidden, "Only "+prop.Owner().Name+", who made the proposal, can restore it.")
		}
		deadline, err := s.restoreRefused(ctx, conf, prop)
		if err != nil {
			return err
		}
		wasSubmitted := prop.SubmittedAt != nil
		if err := s.saveStatus(ctx, p, conf, &prop, "restored", func(time.Time) { prop.Status, prop.WithdrawnAt, prop.SubmittedAt = Draft, nil, nil }, s.now()); err != nil {
			return err
		}
		if !wasSubmitted {
			return nil
		}
		return s.tellPresenters(ctx, conf, prop, "proposal-restored", "proposal_restored", func(x Presenter) any {
			return RestoredMail{Name: x.Name, Conference: conf.Name, Title: prop.TitleIn(conf.Location()), By: p.Name,
				Link: s.baseURL + proposalPath(conf, prop.ID), Deadline: FormatTime(deadline, conf.Location())}
		})
	})
	return prop, err
}

// tellPresenters queues a message of template to each presenter of prop who accepted, keyed by
// event, the proposal's version and the presenter, so that the same change is told once and a
// later one again.
func (s *Service) tellPresenters(ctx context.Context, conf conference.Conference, prop Proposal, event, template string, data func(Presenter) any) error {
	for _, x := range prop.Presenters {
		if x.Status != Accepted {
			continue
		}
		if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: fmt.Sprintf("%s:%d:%d:%d", event, prop.ID, prop.Version, x.ID),
			ConferenceID: &conf.ID, To: x.Email, ToName: x.Name, Template: template, Data: data(x)}); err != nil {
			return err
		}
	}
	return nil
}

// Withdraw withdraws a proposal, after the deadline too; only its owner may. Withdrawing again
// changes nothing. Presenters are told by email. apperr NotFound, Forbidden.
func (s *Service) Withdraw(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Proposal, error) {
	var prop Proposal
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var me Presenter
		var err error
		if prop, me, err = s.loadOwn(ctx, p, conf, id, true); err != nil {
			return err
		}
		if prop.Status == Withdrawn {
			return nil
		}
		if !me.IsOwner {
			return apperr.New(apperr.Forbidden, "Only "+prop.Owner().Name+", who made the proposal, can withdraw it. You can leave it instead.")
		}
		wasSubmitted := prop.Status == Submitted
		if err := s.saveStatus(ctx, p, conf, &prop, "withdrawn", func(now time.Time) { prop.Status, prop.WithdrawnAt = Withdrawn, &now }, s.now()); err != nil {
			return err
		}
		if !wasSubmitted {
			return nil
		}
		restorable := ""
		if deadline, err := s.restoreRefused(ctx, conf, prop); err == nil {
			restorable = FormatTime(deadline, conf.Location())
		} else if !apperr.Is(err, apperr.Forbidden) {
			return err
		}
		return s.tellPresenters(ctx, conf, prop, "proposal-withdrawn", "proposal_withdrawn", func(x Presenter) any {
			owner := prop.Owner().Name
			if x.IsOwner {
				owner = "you"
			}
			return WithdrawnMail{Name: x.Name, Conference: conf.Name, Title: prop.TitleIn(conf.Location()), By: p.Name, Owner: owner,
				Link: s.baseURL + proposalPath(conf, prop.ID), RestorableUntil: restorable}
		})
	})
	return prop, err
}

// Delete deletes a draft that was never submitted, with its history, at the request of its owner:
// a draft started by mistake or to try the form need not stay listed, withdrawn. One that was
// submitted at any time is kept (withdraw it instead): others may have read it. So is one that
// someone else co-presents, until they are removed or leave: it is theirs too. Its pending
// invitations end with it. Returns the proposal as it was; apperr Forbidden, NotFound.
func (s *Service) Delete(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Proposal, error) {
	var prop Proposal
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if prop, _, err = s.loadOwn(ctx, p, conf, id, true); err != nil {
			return err
		}
		// Whether a version of it was ever submitted is for the statement that deletes it to check,
		// from the versions it keeps (the service has not read them): until then, it was not.
		if err := deleteRefusal(p.UserID, prop, false); err != nil {
			return err
		}
		deleted, err := s.store.DeleteDraft(ctx, prop.ID)
		if err != nil {
			return err
		}
		if !deleted {
			return deleteRefusal(p.UserID, prop, true)
		}
		return s.record(ctx, p, conf, "proposal.deleted", prop.ID, prop.TitleIn(conf.Location()))
	})
	return prop, err
}

// CanDelete reports whether the person viewerID may delete prop, everSubmitted saying whether a
// version of it was ever submitted (EverSubmitted): its owner may delete a draft never submitted that
// no one else co-presents. It is the rule Delete applies, for a page to offer only what Delete does.
func CanDelete(viewerID int64, prop Proposal, everSubmitted bool) bool {
	return deleteRefusal(viewerID, prop, everSubmitted) == nil
}

// EverSubmitted reports whether any of revs, the versions of a proposal, was submitted: such a
// proposal is in the call's records, even when it is a draft again.
func EverSubmitted(revs []Revision) bool {
	return slices.ContainsFunc(revs, func(r Revision) bool { return r.Status != Draft })
}

// deleteRefusal says why the person viewerID may not delete prop (see CanDelete), as apperr
// Forbidden; nil when they may.
func deleteRefusal(viewerID int64, prop Proposal, everSubmitted bool) error {
	if me, ok := prop.PresenterOf(viewerID); !ok || !me.IsOwner {
		return apperr.New(apperr.Forbidden, "Only "+prop.Owner().Name+", who made the proposal, can delete it. You can leave it instead.")
	}
	if i := slices.IndexFunc(prop.Presenters, func(y Presenter) bool { return !y.IsOwner && y.Status == Accepted }); i >= 0 {
		return apperr.New(apperr.Forbidden, prop.Presenters[i].Name+" co-presents this draft, so it is theirs too: remove them first, or withdraw it instead.")
	}
	if prop.Status != Draft || everSubmitted {
		return apperr.New(apperr.Forbidden, "Only a draft that was never submitted can be deleted; this proposal is kept in the call's records. Withdraw it instead.")
	}
	return nil
}

func proposalPath(conf conference.Conference, id int64) string {
	return fmt.Sprintf("/c/%s/proposals/%d", conf.Slug, id)
}

// Mail template data.
type (
	// ReceiptMail is the data of the "proposal_receipt" template: a copy of the proposal.
	ReceiptMail struct {
		Number                                           int64
		Name, Conference, Title, Format, Track, Abstract string
		Fields                                           []FieldCopy
		Presenters                                       []string
		Link, Deadline                                   string
		SubmittedAt                                      string
		SubmittedBy                                      string // another presenter who submitted it, or empty
		// Advice is the blind-review warnings of what was submitted: where it names a presenter.
		Advice []string
	}
	// FieldCopy is one answered field in a copy of a proposal.
	FieldCopy struct{ Label, Value string }
	// WithdrawnMail is the data of the "proposal_withdrawn" template. RestorableUntil is the
	// deadline until which Owner may restore the proposal, or empty when it cannot be.
	WithdrawnMail struct{ Name, Conference, Title, By, Owner, Link, RestorableUntil string }
	// RestoredMail is the data of the "proposal_restored" template: a withdrawn proposal is a draft
	// again, to be submitted before Deadline.
	RestoredMail struct{ Name, Conference, Title, By, Link, Deadline string }
	// DeadlineMail is the data of the "proposal_deadline" template: the organizers changed the
	// proposal's deadline, which is now Deadline (Later than it was; Removed: they took away the
	// deadline they had given it; Passed: it has passed). Status is the proposal's; Restorer who may
	// restore it when it is withdrawn ("you" to its owner).
	DeadlineMail struct {
		Name, Conference, Title, Link, Deadline, Status, Restorer string
		Later, Removed, Passed                                    bool
	}
	// InvitationMail is the data of the "presenter_invitation" template.
	InvitationMail struct {
		Name, Conference, Title, Format, InvitedBy, Link, Expires string
	}
	// AnsweredMail is the data of the "presenter_answered" template, sent to the owner.
	AnsweredMail struct {
		Name, Conference, Title, Presenter, Link string
		Accepted                                 bool
	}
)

// Copy lists a proposal's answered fields with their labels, in the format's order.
func Copy(f cfp.Format, a question.Answers) []FieldCopy {
	var out []FieldCopy
	for _, q := range f.Fields {
		v := a[q.ID]
		if len(v) == 0 {
			continue
		}
		out = append(out, FieldCopy{Label: q.Label, Value: AnswerText(q, v)})
	}
	return out
}

// AnswerText is an answer to q as people read it, "" for none.
func AnswerText(q question.Question, v []string) string {
	switch {
	case len(v) == 0:
		return ""
	case q.Kind == question.Checkbox:
		return "Yes"
	}
	return strings.Join(v, ", ")
}

// keepRetired carries into c, a new content of prop in the same format f, prop's answers to the
// questions f no longer asks: the form does not show them, and a save does not remove them.
func keepRetired(c *Content, prop Proposal, f cfp.Format) {
	if c.FormatID != prop.FormatID {
		return
	}
	for _, q := range f.Retired {
		if v, ok := prop.Answers[q.ID]; ok && len(v) > 0 {
			if c.Answers == nil {
				c.Answers = question.Answers{}
			}
			c.Answers[q.ID] = v
		}
	}
}

// CopyAll is Copy followed by the answers to questions the format no longer asks, each under the
// question it answered as last asked (or its id, for a question removed before formats kept them),
// said to be no longer asked: for the proposal's own pages and its history, not for review.
func CopyAll(f cfp.Format, a question.Answers) []FieldCopy {
	out := Copy(f, a)
	for _, q := range f.Retired {
		if v := a[q.ID]; len(v) > 0 {
			out = append(out, FieldCopy{Label: q.Label + " (no longer asked)", Value: AnswerText(q, v)})
		}
	}
	var unknown []string
	for id, v := range a {
		_, asked := f.Field(id)
		if _, retired := f.NoLongerAsked(id); len(v) > 0 && !asked && !retired {
			unknown = append(unknown, id)
		}
	}
	slices.Sort(unknown)
	for _, id := range unknown {
		out = append(out, FieldCopy{Label: "The question “" + id + "” (no longer asked)", Value: strings.Join(a[id], ", ")})
	}
	return out
}

// receipts are the receipts of a proposal just submitted, one to each presenter who accepted, with
// a copy of it and the blind-review warnings the submit found of it (warns).
func (s *Service) receipts(ctx context.Context, conf conference.Conference, prop Proposal, f cfp.Format, deadline time.Time, warns []Warning, by *access.Principal) ([]notify.Message, error) {
	track := ""
	if prop.TrackID != nil {
		tracks, err := s.calls.Tracks(ctx, conf)
		if err != nil {
			return nil, err
		}
		for _, t := range tracks {
			if t.ID == *prop.TrackID {
				track = t.Name
			}
		}
	}
	var names []string
	for _, x := range prop.Presenting() {
		n := x.Name
		if x.Status == Invited {
			n += " (invited)"
		}
		names = append(names, n)
	}
	data := ReceiptMail{Number: prop.ID, Conference: conf.Name, Title: prop.Title, Format: f.Name, Track: track, Abstract: prop.Abstract,
		Fields: Copy(f, prop.Answers), Presenters: names, Link: s.baseURL + proposalPath(conf, prop.ID),
		Deadline: FormatTime(deadline, conf.Location()), SubmittedAt: FormatTime(*prop.SubmittedAt, conf.Location())}
	for _, w := range warns {
		data.Advice = append(data.Advice, w.Message)
	}
	var msgs []notify.Message
	for _, x := range prop.Presenters {
		if x.Status != Accepted {
			continue
		}
		d := data
		d.Name = x.Name
		if by != nil && (x.UserID == nil || *x.UserID != by.UserID) {
			d.SubmittedBy = by.Name // a co-presenter's receipt says who submitted
		}
		msgs = append(msgs, notify.Message{EventKey: fmt.Sprintf("proposal-receipt:%d:%d:%d", prop.ID, prop.Version, x.ID),
			ConferenceID: &conf.ID, To: x.Email, ToName: x.Name, Template: "proposal_receipt", Data: d})
	}
	return msgs, nil
}

// Mine lists the proposals the person presents in the conference, newest first.
func (s *Service) Mine(ctx context.Context, p *access.Principal, conf conference.Conference) ([]Proposal, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please log in to see your proposals.")
	}
	return s.store.Mine(ctx, conf.ID, p.UserID)
}

// Presenting counts the person's proposals in each conference, for their account page.
func (s *Service) Presenting(ctx context.Context, p *access.Principal) ([]Presenting, error) {
	if p == nil {
		return nil, nil
	}
	return s.store.Presenting(ctx, p.UserID)
}

// Invitations lists open invitations to co-present, sent to the person's address.
func (s *Service) Invitations(ctx context.Context, p *access.Principal) ([]Invitation, error) {
	if p == nil {
		return nil, nil
	}
	return s.store.InvitationsFor(ctx, p.Email)
}

// Revisions lists a proposal's saved versions, newest first, to its presenters and organizers.
func (s *Service) Revisions(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) ([]Revision, error) {
	if _, err := s.load(ctx, p, conf, id, false); err != nil {
		return nil, err
	}
	return s.store.Revisions(ctx, id)
}

// List returns proposals for organizers, filtered, searched and paged. apperr Invalid for a bad filter.
func (s *Service) List(ctx context.Context, p *access.Principal, conf conference.Conference, f Filter) (Page, error) {
	if err := access.Check(p, access.ViewProposals, conf.ID); err != nil {
		return Page{}, err
	}
	f.Query = strings.TrimSpace(f.Query)
	if err := CheckFilter(f); err != nil {
		return Page{}, err
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	return s.store.List(ctx, conf.ID, f)
}

// CheckFilter checks a filter of the organizers' list of proposals as List does: apperr Invalid
// with every field error.
func CheckFilter(f Filter) error {
	var fe apperr.Fields
	if f.Status != "" && !f.Status.Valid() {
		fe.Add("status", "Choose draft, submitted or withdrawn.")
	}
	switch f.Decision {
	case "", "none", "any", Accept, Reject, Waitlist:
	default:
		fe.Add("decision", "Choose accepted, rejected, waitlisted or none.")
	}
	switch f.Participation {
	case "", ParticipationPending, ParticipationConfirmed, ParticipationDeclined:
	default:
		fe.Add("participation", "Choose pending, confirmed or declined.")
	}
	if utf8.RuneCountInString(strings.TrimSpace(f.Query)) > 200 {
		fe.Add("q", "Search for at most 200 characters.")
	}
	switch f.Sort {
	case "", "newest", "oldest", "title", "relevance":
	default:
		fe.Add("sort", "Sort by newest, oldest, title or relevance.")
	}
	if f.Limit < 0 || f.Limit > 10000 || f.Offset < 0 {
		fe.Add("limit", "Ask for between 1 and 10000 proposals at a time.")
	}
	return fe.Err()
}

// Counts counts the conference's proposals by status, for organizers.
func (s *Service) Counts(ctx context.Context, p *access.Principal, conf conference.Conference) (map[Status]int, error) {
	if err := access.Check(p, access.ViewProposals, conf.ID); err != nil {
		return nil, err
	}
	return s.store.Counts(ctx, conf.ID)
}

// CheckExtend checks a proposal's own deadline as Extend would, saving nothing: for a form whose
// own checks refused it, so that it is told what the service would say. apperr Invalid (field
// "until"), and the policy's errors.
func (s *Service) CheckExtend(ctx context.Context, p *access.Principal, conf conference.Conference, until string) error {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return err
	}
	_, err = s.checkUntil(call, conf, until)
	return err
}

// checkUntil reads a proposal's own deadline: nil to remove it. Spaces alone remove it too, but
// not more of them than a time may have (cfp.MaxTimeChars), so that what the form and the API refuse
// as too long the service refuses as well, and says so.
func (s *Service) checkUntil(call cfp.Call, conf conference.Conference, until string) (*time.Time, error) {
	if strings.TrimSpace(until) == "" && utf8.RuneCountInString(until) <= cfp.MaxTimeChars {
		return nil, nil
	}
	t, ok := cfp.ParseLocal(until, conf.Location())
	if !ok {
		return nil, apperr.Field("until", cfp.LocalError(until, conf.Location(), "Enter the new deadline, e.g. 2027-07-07T23:59."))
	}
	if !t.After(s.now()) {
		return nil, apperr.Field("until", "The new deadline must be in the future.")
	}
	t = t.Truncate(time.Minute).Add(time.Minute - time.Microsecond)
	if !t.After(call.ClosesAt) {
		return nil, apperr.Field("until", cfp.AfterCallMessage(call, conf))
	}
	return &t, nil
}

// Extend gives one proposal a later deadline (a cfp.LocalLayout time in the conference's time zone),
// or removes its own deadline when until is empty. A proposal started through an access link keeps
// the link's deadline as the least it has, until the link is withdrawn. When that changes the
// deadline that applies to the proposal, its presenters who accepted are told the new one by email,
// in the same transaction, unless a decision was made on it (it can no longer be changed); the
// number told is returned. Setting the same deadline again tells no one. Organizers only. apperr
// Invalid (field "until"), NotFound.
func (s *Service) Extend(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, until string) (Proposal, int, error) {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return Proposal{}, 0, err
	}
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return Proposal{}, 0, err
	}
	d, err := s.checkUntil(call, conf, until)
	if err != nil {
		return Proposal{}, 0, err
	}
	removed := d == nil
	var prop Proposal
	told := 0
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if prop, err = s.load(ctx, p, conf, id, true); err != nil {
			return err
		}
		// A proposal started through an access link keeps the link's deadline while the link is
		// not withdrawn: an extension can only go past it, and removing the extension leaves it.
		if prop.AccessLinkID != nil {
			l, err := s.calls.AccessLink(ctx, p, conf, *prop.AccessLinkID)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			if err == nil && l.RevokedAt == nil {
				floor := l.ExpiresAt
				switch {
				case d == nil:
					d = &floor
				case d.Before(floor):
					return apperr.Field("until", fmt.Sprintf("This proposal was started through the access link “%s”, which gives it until %s. "+
						"Choose a later time, or leave this empty to keep that deadline.", l.Label, FormatTime(floor, conf.Location())))
				}
			}
		}
		if err := s.store.SetDeadline(ctx, id, d); err != nil {
			return err
		}
		before := Deadline(call, prop)
		prop.Deadline = d
		details := "removed"
		if d != nil {
			details = d.UTC().Format(time.RFC3339)
		}
		if err := s.record(ctx, p, conf, "proposal.extended", id, details); err != nil {
			return err
		}
		after := Deadline(call, prop)
		if after.Equal(before) || prop.Decision != "" {
			return nil // nothing changes for the presenters, or nothing can
		}
		told, err = s.tellDeadline(ctx, conf, prop, before, after, removed, 0, "")
		return err
	})
	return prop, told, err
}

// OwnerExtensionMoved tells the others who present the proposals a person made (cfp.ExtensionMoved)
// the deadline that now applies to each proposal whose deadline the person's extension moved from
// before to after (nil: none); the person is told by the extension's own message. Proposals decided
// are left out: nothing of them can change. It runs in the transaction of the change.
func (s *Service) OwnerExtensionMoved(ctx context.Context, conf conference.Conference, userID int64, before, after *time.Time, event string) error {
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return err
	}
	props, err := s.store.Mine(ctx, conf.ID, userID)
	if err != nil {
		return err
	}
	for _, prop := range props {
		if o := prop.Owner(); o.UserID == nil || *o.UserID != userID || prop.Decision != "" {
			continue
		}
		prop.Extension = before
		was := Deadline(call, prop)
		prop.Extension = after
		if now := Deadline(call, prop); !now.Equal(was) {
			if _, err := s.tellDeadline(ctx, conf, prop, was, now, false, userID, event); err != nil {
				return err
			}
		}
	}
	return nil
}

// LinkTimeEnded tells the presenters who accepted each proposal of ids (cfp.LinkTimeEnded), whose
// own deadline, until, came from an access link whose time the organizers ended, the deadline that
// now applies to it: the call's, or its owner's extension, perhaps passed already. It returns how
// many messages it queued. A proposal decided is left out, as nothing of it can change; so is one
// whose deadline had passed already, or that has as much time as before. It runs in the transaction
// of the change.
func (s *Service) LinkTimeEnded(ctx context.Context, conf conference.Conference, ids []int64, until time.Time, event string) (int, error) {
	call, err := s.calls.Call(ctx, conf)
	if err != nil {
		return 0, err
	}
	now, told := s.now(), 0
	for _, id := range ids {
		prop, err := s.store.Get(ctx, conf.ID, id, false)
		if err != nil {
			return told, err
		}
		if prop.Decision != "" {
			continue
		}
		after := Deadline(call, prop)
		was := prop
		was.Deadline = &until
		before := Deadline(call, was)
		if !before.After(now) || !after.Before(before) {
			continue
		}
		n, err := s.tellDeadline(ctx, conf, prop, before, after, true, 0, event)
		if err != nil {
			return told, err
		}
		told += n
	}
	return told, nil
}

// tellDeadline queues a message to each presenter of prop who accepted, but the account except,
// that its deadline is now after (it was before; removed: the organizers took its own deadline
// away), and returns how many. The key names the event, or else the moment of the change: the
// proposal is locked and its deadline changed, so another change of it cannot share the moment.
func (s *Service) tellDeadline(ctx context.Context, conf conference.Conference, prop Proposal, before, after time.Time, removed bool, except int64, event string) (int, error) {
	now := s.now()
	if event == "" {
		event = strconv.FormatInt(now.UnixNano(), 10)
	}
	n := 0
	for _, x := range prop.Presenters {
		if x.Status != Accepted || (except != 0 && x.UserID != nil && *x.UserID == except) {
			continue
		}
		restorer := prop.Owner().Name
		if x.IsOwner {
			restorer = "you"
		}
		if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: fmt.Sprintf("proposal-deadline:%d:%d:%d:%s", prop.ID, x.ID, after.UnixMicro(), event),
			ConferenceID: &conf.ID, To: x.Email, ToName: x.Name, Template: "proposal_deadline",
			Data: DeadlineMail{Name: x.Name, Conference: conf.Name, Title: prop.TitleIn(conf.Location()), Link: s.baseURL + proposalPath(conf, prop.ID),
				Deadline: FormatTime(after, conf.Location()), Later: after.After(before), Removed: removed, Passed: now.After(after),
				Status: string(prop.Status), Restorer: restorer}}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Invite invites someone by email to co-present a proposal; only its owner may, before the deadline,
// within the format's number of presenters. Inviting an address again sends a fresh link. Returns
// apperr Invalid (fields "name", "email"), Conflict (already presenting), Forbidden, NotFound.
func (s *Service) Invite(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, name, email string) (Presenter, error) {
	return s.InviteOnce(ctx, p, conf, id, name, email, "")
}

// InviteOnce is Invite with the client key of the request (one per form shown; the API's
// Idempotency-Key), when not "", kept with the invitation it sends: the same request sent again (a
// double click, a retry) sends nothing more and returns that invitation as it is now, so that the
// first mail's link stays the one that works. The key of an invitation to another name or address
// sends nothing either: apperr Conflict (apperr.ErrKeyUsed), with that invitation. apperr Invalid
// (field "client_key") for a key too long, and Invite's errors.
func (s *Service) InviteOnce(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, name, email, key string) (Presenter, error) {
	if err := apperr.CheckClientKey(key); err != nil {
		return Presenter{}, err
	}
	name = strings.Join(strings.Fields(name), " ")
	email = account.NormalizeEmail(email)
	var fe apperr.Fields
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		fe.Add("name", "Enter the co-presenter's name.")
	case n > 200:
		fe.Add("name", "Use at most 200 characters.")
	}
	if m := account.EmailProblem(email); m != "" {
		fe.Add("email", strings.Replace(m, "your email address", "their email address", 1))
	}
	if err := fe.Err(); err != nil {
		return Presenter{}, err
	}
	var x Presenter
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		prop, f, err := s.toInvite(ctx, p, conf, id)
		if err != nil {
			return err
		}
		// The proposal is locked: a twin sent at once finds the invitation its first sent.
		if i := slices.IndexFunc(prop.Presenters, func(y Presenter) bool { return key != "" && y.ClientKey == key }); i >= 0 {
			x = prop.Presenters[i]
			if !x.sentAs(name, email) {
				return apperr.KeyUsed("an invitation to " + x.Name + " (" + x.sentTo() + ")")
			}
			return nil
		}
		// Who accepted is their account: its address now (Email) is theirs, and so is the address
		// they accepted an invitation at, if another; inviting either would give the same person a
		// second place. The address the account had when they joined is no longer theirs once the
		// account has another, and may be invited. An invitation is its address.
		if i := slices.IndexFunc(prop.Presenters, func(y Presenter) bool { return y.Status == Accepted && y.Email == email }); i >= 0 {
			if y := prop.Presenters[i]; y.UserID != nil && *y.UserID == p.UserID {
				return apperr.Field("email", "That is your own address: you present this proposal already. Enter the address of the person to invite.")
			}
			return apperr.Field("email", prop.Presenters[i].Name+" already presents this proposal.")
		}
		if i := slices.IndexFunc(prop.Presenters, func(y Presenter) bool { return y.Status == Accepted && y.InvitedEmail == email }); i >= 0 {
			return apperr.Field("email", prop.Presenters[i].Name+" already presents this proposal (invited at this address).")
		}
		idx := slices.IndexFunc(prop.Presenters, func(y Presenter) bool { return y.Status != Accepted && y.Email == email })
		if idx >= 0 {
			x = prop.Presenters[idx]
		} else {
			x = Presenter{ProposalID: prop.ID, Email: email, Position: len(prop.Presenters)}
		}
		// A pending invitation sent again already counts; anyone else (new, or who declined) is one
		// more presenter.
		if n := len(prop.Presenting()); x.Status != Invited && n >= f.MaxPresenters {
			return apperr.Field("email", fmt.Sprintf("A proposal of the format “%s” has at most %s, and this one has %d already (invitations included).",
				f.Name, cfp.Presenters(f.MaxPresenters), n))
		}
		x.Name, x.ClientKey = name, key
		return s.sendInvitation(ctx, p, conf, prop, f, &x)
	})
	return x, err
}

// sentTo is the address the invitation of x was sent to: once accepted, the account's address may
// be another.
func (x Presenter) sentTo() string {
	if x.Status == Accepted && x.InvitedEmail != "" {
		return x.InvitedEmail
	}
	return x.Email
}

// sentAs reports whether the invitation of x is the one to name at email (normalized): its address,
// and its name unless accepted (an acceptance names the presenter as their account does).
func (x Presenter) sentAs(name, email string) bool {
	return x.sentTo() == email && (x.Status == Accepted || x.Name == name)
}

// Reinvite sends again the invitation of a proposal's presenter presenterID that has no answer yet,
// its link expired or not: a fresh link, valid for InvitationTTL from now, replaces the one sent
// before. It takes no new place, so it may be sent when the proposal is full. Only the proposal's
// owner may, before the deadline. key, when not "", is the client key of the request (one per button
// shown): the same request sent again (a double click) sends nothing more and returns the
// invitation as it is, so that the link of the mail it sent keeps working. Returns the presenter;
// apperr NotFound (no such presenter), Conflict (the invitation was answered), Forbidden, Invalid
// (field "client_key", a key too long).
func (s *Service) Reinvite(ctx context.Context, p *access.Principal, conf conference.Conference, id, presenterID int64, key string) (Presenter, error) {
	if err := apperr.CheckClientKey(key); err != nil {
		return Presenter{}, err
	}
	var x Presenter
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		prop, f, err := s.toInvite(ctx, p, conf, id)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(prop.Presenters, func(y Presenter) bool { return y.ID == presenterID && !y.IsOwner })
		if i < 0 {
			return apperr.New(apperr.NotFound, "This person is not invited to present the proposal.")
		}
		x = prop.Presenters[i]
		switch x.Status {
		case Accepted:
			return apperr.New(apperr.Conflict, x.Name+" accepted the invitation already, and presents this proposal.")
		case Declined:
			return apperr.New(apperr.Conflict, x.Name+" declined the invitation. To ask them again, invite them anew.")
		}
		if key != "" && x.ClientKey == key {
			return nil // this request, sent a moment ago: the proposal is locked, so it has been
		}
		if key != "" {
			x.ClientKey = key
		}
		return s.sendInvitation(ctx, p, conf, prop, f, &x)
	})
	return x, err
}

// toInvite reads and locks a proposal its owner, p, may invite co-presenters to now, with its format.
func (s *Service) toInvite(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Proposal, cfp.Format, error) {
	prop, me, err := s.loadOwn(ctx, p, conf, id, true)
	if err != nil {
		return prop, cfp.Format{}, err
	}
	if !me.IsOwner {
		return prop, cfp.Format{}, apperr.New(apperr.Forbidden, "Only "+prop.Owner().Name+", who made the proposal, can invite co-presenters.")
	}
	if prop.Status == Withdrawn {
		return prop, cfp.Format{}, apperr.New(apperr.Forbidden, "This proposal was withdrawn.")
	}
	if editable, d, err := s.Editable(ctx, conf, prop); err != nil {
		return prop, cfp.Format{}, err
	} else if !editable {
		return prop, cfp.Format{}, locked(conf, prop, d)
	}
	f, err := s.formatOf(ctx, conf, prop.FormatID, false)
	return prop, f, err
}

// sendInvitation makes x, a presenter of prop invited by p, pending with a fresh link valid for
// InvitationTTL (the hash of any link sent before is replaced, so that link no longer works), and
// queues the email that carries it, in the caller's transaction.
func (s *Service) sendInvitation(ctx context.Context, p *access.Principal, conf conference.Conference, prop Proposal, f cfp.Format, x *Presenter) error {
	secret, err := randomSecret()
	if err != nil {
		return err
	}
	now := s.now()
	exp := now.Add(InvitationTTL)
	x.Status, x.Hash, x.InvitedBy, x.InvitedAt, x.ExpiresAt, x.AnsweredAt = Invited, s.hash(secret), &p.UserID, now, &exp, nil
	if err := s.store.SavePresenter(ctx, x); err != nil {
		return err
	}
	if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: fmt.Sprintf("presenter-invitation:%d:%d", x.ID, now.UnixNano()),
		ConferenceID: &conf.ID, To: x.Email, ToName: x.Name, Template: "presenter_invitation",
		Data: InvitationMail{Name: x.Name, Conference: conf.Name, Title: prop.TitleIn(conf.Location()), Format: f.Name, InvitedBy: p.Name,
			Link: s.baseURL + "/invitations/" + secret, Expires: FormatTime(exp, conf.Location())}}); err != nil {
		return err
	}
	return s.record(ctx, p, conf, "presenter.invited", prop.ID, x.Email)
}

// RemovePresenter takes a co-presenter off a proposal: its owner may remove anyone but themself
// before the deadline, and a co-presenter may leave at any time. apperr NotFound, Forbidden.
func (s *Service) RemovePresenter(ctx context.Context, p *access.Principal, conf conference.Conference, id, presenterID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		prop, me, err := s.loadOwn(ctx, p, conf, id, true)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(prop.Presenters, func(y Presenter) bool { return y.ID == presenterID })
		if i < 0 {
			return apperr.New(apperr.NotFound, "This person is not a presenter of the proposal.")
		}
		x := prop.Presenters[i]
		switch {
		case x.IsOwner:
			return apperr.New(apperr.Forbidden, "The person who made the proposal cannot be removed from it; withdraw the proposal instead.")
		case x.ID == me.ID:
		case !me.IsOwner:
			return apperr.New(apperr.Forbidden, "Only "+prop.Owner().Name+", who made the proposal, can remove co-presenters.")
		default:
			if editable, d, err := s.Editable(ctx, conf, prop); err != nil {
				return err
			} else if !editable {
				return locked(conf, prop, d)
			}
		}
		if err := s.store.RemovePresenter(ctx, prop.ID, x.ID); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "presenter.removed", prop.ID, x.Email)
	})
}

// AccountEmailMoved (an account.EmailMoved) takes off the proposals the account userID presents the
// invitations not yet answered to the address it now has, to: they invite the person who presents
// already, who would be listed twice and could not accept. Each proposal's audit log says so.
// Invitations to the address on other proposals stay, for the account to accept. It runs in the
// transaction of the change.
func (s *Service) AccountEmailMoved(ctx context.Context, userID int64, _, to string) error {
	invs, err := s.store.InvitationsToPresenting(ctx, userID, to)
	if err != nil {
		return err
	}
	by := &access.Principal{UserID: userID, Email: to}
	for _, inv := range invs {
		if err := s.store.RemovePresenter(ctx, inv.ProposalID, inv.Presenter.ID); err != nil {
			return err
		}
		conf := conference.Conference{ID: inv.ConferenceID}
		if err := s.record(ctx, by, conf, "presenter.invitation_removed", inv.ProposalID,
			inv.Presenter.Email+": now the address of a presenter's account"); err != nil {
			return err
		}
	}
	return nil
}

func randomSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", apperr.Wrap(apperr.Internal, "Could not make the invitation.", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Service) hash(secret string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("presenter-invitation:"))
	m.Write([]byte(secret))
	return m.Sum(nil)
}

var invalidInvitation = apperr.New(apperr.NotFound, "This invitation link is not valid: it may have been answered already, or replaced by a newer one. Ask the person who invited you to send it again.")

// Invitation returns what an invitation link offers, to anyone holding it, and why it can no longer
// be accepted if it cannot (CannotAccept). apperr NotFound for an unknown or answered link, Forbidden
// for an expired one or a withdrawn proposal.
func (s *Service) Invitation(ctx context.Context, secret string) (Invitation, error) {
	var inv Invitation
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if inv, err = s.invitation(ctx, secret); err != nil {
			return err
		}
		prop, err := s.store.Get(ctx, inv.ConferenceID, inv.ProposalID, false)
		if err != nil {
			return err
		}
		inv.CannotAccept, err = s.cannotJoin(ctx, inv, prop)
		return err
	})
	return inv, err
}

// cannotJoin says why the invitation inv to prop can no longer be accepted, "" when it can: a draft
// whose deadline passed will never be reviewed, and a withdrawn proposal is over.
func (s *Service) cannotJoin(ctx context.Context, inv Invitation, prop Proposal) (string, error) {
	if prop.Status == Submitted {
		return "", nil
	}
	conf := conference.Conference{ID: inv.ConferenceID, Slug: inv.ConferenceSlug, Name: inv.ConferenceName, TimeZone: inv.ConferenceTimeZone}
	editable, d, err := s.editableAt(ctx, conf, prop, s.now())
	switch {
	case err != nil:
		return "", err
	case prop.Status == Withdrawn:
		return fmt.Sprintf("“%s” was withdrawn, so there is nothing to join. There is nothing you need to do; you can decline the invitation to let %s know you saw it.",
			prop.TitleIn(conf.Location()), inv.InvitedByName), nil
	case !editable:
		return fmt.Sprintf("“%s” was not submitted before its deadline, %s, so it will not be reviewed and there is nothing to join. "+
			"Thank you for being willing to co-present. There is nothing you need to do; you can decline the invitation to let %s know you saw it.",
			prop.TitleIn(conf.Location()), FormatTime(d, conf.Location()), inv.InvitedByName), nil
	}
	return "", nil
}

func (s *Service) invitation(ctx context.Context, secret string) (Invitation, error) {
	if secret == "" || len(secret) > 100 {
		return Invitation{}, invalidInvitation
	}
	inv, err := s.store.InvitationByHash(ctx, s.hash(secret))
	if apperr.Is(err, apperr.NotFound) {
		return inv, invalidInvitation
	}
	if err != nil {
		return inv, err
	}
	if inv.Presenter.ExpiresAt != nil && s.now().After(*inv.Presenter.ExpiresAt) {
		return inv, apperr.New(apperr.Forbidden, "This invitation has expired. Ask "+inv.InvitedByName+" to invite you again.").Titled("This invitation has expired")
	}
	if inv.ProposalStatus == Withdrawn {
		return inv, apperr.New(apperr.Forbidden, "This proposal was withdrawn, so the invitation no longer stands.").Titled("This proposal was withdrawn")
	}
	return inv, nil
}

// AnswerInvitation accepts or declines an invitation as the signed-in person (whatever address their
// account has: holding the link is what counts); declining needs no account. The owner is told by
// email. The same answer again (a double click) is the answer given: it changes and sends nothing,
// and returns the invitation as answered. Returns the invitation; apperr NotFound, Forbidden,
// Conflict (already presenting), Unauthenticated (an acceptance without an account).
func (s *Service) AnswerInvitation(ctx context.Context, p *access.Principal, secret string, accept bool) (Invitation, error) {
	if p == nil && accept {
		return Invitation{}, apperr.New(apperr.Unauthenticated, "Please log in or create an account to accept the invitation.")
	}
	var inv Invitation
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if inv, err = s.invitation(ctx, secret); err != nil {
			if answered, ok := s.answeredAlike(ctx, p, secret, accept); ok {
				inv = answered
				return nil
			}
			return err
		}
		conf := conference.Conference{ID: inv.ConferenceID, Slug: inv.ConferenceSlug, Name: inv.ConferenceName, TimeZone: inv.ConferenceTimeZone}
		prop, err := s.store.Get(ctx, inv.ConferenceID, inv.ProposalID, true)
		if err != nil {
			return err
		}
		if _, ok := prop.PresenterOf(principalID(p)); ok && accept {
			return apperr.New(apperr.Conflict, "You already present this proposal.")
		}
		if accept {
			if why, err := s.cannotJoin(ctx, inv, prop); err != nil {
				return err
			} else if why != "" {
				return apperr.New(apperr.Forbidden, why).Titled(DeadlineTitle)
			}
		}
		x := inv.Presenter
		now := s.now()
		// The link keeps its hash: the same answer sent again is then known (answeredAlike), where
		// an unknown link would say the invitation is not valid to someone who just answered it.
		x.AnsweredAt = &now
		action := "presenter.declined"
		if accept {
			// The account's address is its own place on the list, whichever invitation was sent to
			// it: an invitation to it answered by someone else, or a second place for the same
			// person.
			if slices.ContainsFunc(prop.Presenters, func(y Presenter) bool { return y.ID != x.ID && y.Email == p.Email }) {
				return apperr.New(apperr.Conflict, accountOnList)
			}
			if x.Email != p.Email {
				x.InvitedEmail = x.Email
			}
			x.Status, x.UserID, x.Name, x.Email = Accepted, &p.UserID, p.Name, p.Email
			action = "presenter.accepted"
		} else {
			x.Status = Declined
		}
		if err := s.store.SavePresenter(ctx, &x); err != nil {
			if apperr.Is(err, apperr.Conflict) {
				return apperr.New(apperr.Conflict, accountOnList)
			}
			return err
		}
		inv.Presenter = x
		owner := prop.Owner()
		if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: fmt.Sprintf("presenter-answered:%d:%d", x.ID, now.UnixNano()),
			ConferenceID: &conf.ID, To: owner.Email, ToName: owner.Name, Template: "presenter_answered",
			Data: AnsweredMail{Name: owner.Name, Conference: conf.Name, Title: prop.TitleIn(conf.Location()), Presenter: x.Name, Accepted: accept,
				Link: s.baseURL + proposalPath(conf, prop.ID)}}); err != nil {
			return err
		}
		return s.record(ctx, p, conf, action, prop.ID, "")
	})
	return inv, err
}

// accountOnList refuses to accept an invitation from an account whose address another place on the
// proposal's list of presenters has.
const accountOnList = "Your account's address is already on this proposal's list of presenters."

// answeredAlike returns the invitation with the link secret when it was already answered as this
// answer would: accepted by p, or declined.
func (s *Service) answeredAlike(ctx context.Context, p *access.Principal, secret string, accept bool) (Invitation, bool) {
	if secret == "" || len(secret) > 100 {
		return Invitation{}, false
	}
	inv, err := s.store.AnsweredByHash(ctx, s.hash(secret))
	if err != nil {
		return Invitation{}, false
	}
	x := inv.Presenter
	if accept {
		return inv, x.Status == Accepted && x.UserID != nil && *x.UserID == principalID(p)
	}
	return inv, x.Status == Declined
}

// principalID is p's user id, 0 without one.
func principalID(p *access.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

func second[T any](_ T, err error) error { return err }

// errAnotherSave rolls back a save of two versions when another save came first.
var errAnotherSave = errors.New("another save came first")

// userOf is the principal's account, 0 for none.
func userOf(p *access.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

// Readiness says what still stands between a proposal and its submission (the same field errors
// Submit would give), and the blind-review warnings about it. For a proposal already submitted it
// lists what its edits must keep.
func (s *Service) Readiness(ctx context.Context, conf conference.Conference, prop Proposal, by int64) ([]apperr.FieldError, []Warning, error) {
	f, err := s.formatOf(ctx, conf, prop.FormatID, false)
	if err != nil {
		return nil, nil, err
	}
	var fe apperr.Fields
	for _, err := range []error{second(s.check(ctx, conf, f, prop.Content(), true)), checkPresenters(prop, f, by)} {
		ae, ok := apperr.As(err)
		if err != nil && (!ok || ae.Code != apperr.Invalid) {
			return nil, nil, err
		}
		if ok {
			for _, x := range ae.Fields {
				fe.Add(x.Field, x.Message)
			}
		}
	}
	var problems []apperr.FieldError
	if ae, ok := apperr.As(fe.Err()); ok {
		problems = ae.Fields
	}
	return problems, warnings(prop, prop.Content(), f), nil
}
