package review

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/submission"
)

// Team grants conference roles: accepting an invitation to review makes a reviewer.
type Team interface {
	// Grant adds the role; it reports false when the person already held it.
	Grant(ctx context.Context, conferenceID, userID int64, role access.Role, by int64) (bool, error)
}

// Service is peer review's use cases. Organizers' actions need access.ManageReview; reviewers'
// need the reviewer role and, for a proposal, an assignment and no conflict (policy.go).
type Service struct {
	store   Store
	props   submission.Store
	calls   *cfp.Service
	team    Team
	outbox  notify.Outbox
	audit   audit.Recorder
	secret  []byte
	baseURL string
	now     func() time.Time
}

// Options configures a Service.
type Options struct {
	Store     Store
	Proposals submission.Store
	Calls     *cfp.Service
	Team      Team
	Outbox    notify.Outbox
	Audit     audit.Recorder
	Secret    string
	BaseURL   string
	Now       func() time.Time
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: o.Store, props: o.Proposals, calls: o.Calls, team: o.Team, outbox: o.Outbox, audit: o.Audit,
		secret: []byte(o.Secret), baseURL: strings.TrimRight(o.BaseURL, "/"), now: o.Now}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

func (s *Service) record(ctx context.Context, p *access.Principal, conf conference.Conference, action, subject, details string) error {
	e := audit.Entry{Action: action, Subject: subject, ConferenceID: &conf.ID, Details: details}
	if p != nil {
		e.ActorID, e.ActorEmail = &p.UserID, p.Email
	}
	return s.audit.Record(ctx, e)
}

func proposalSubject(id int64) string { return fmt.Sprintf("proposal:%d", id) }

// ConflictedProposals lists the proposals of the conference the person conflicts with, for the side
// surfaces outside review (e.g. the mail log) that must leave them out.
func (s *Service) ConflictedProposals(ctx context.Context, conf conference.Conference, userID int64) ([]int64, error) {
	m, err := s.store.ConflictsOf(ctx, conf.ID, userID)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// Settings returns how the conference reviews. Organizers and reviewers may read them.
func (s *Service) Settings(ctx context.Context, conf conference.Conference) (Settings, error) {
	return s.store.Settings(ctx, conf.ID)
}

// SettingsInput is what organizers set: times are cfp.LocalLayout in the conference's time zone, ""
// for none.
type SettingsInput struct {
	Blind                                                      string
	BiddingOpensAt, BiddingClosesAt, ReviewDeadline, ConfirmBy string
	ReminderHours                                              int
	Calibration                                                bool
	NotPreferredCap                                            int
	RequiredCategories                                         []string
}

// SaveSettings changes how the conference reviews, if nobody changed the settings since version.
// Returns apperr Invalid with field errors, Conflict for a stale version, and the policy's errors.
func (s *Service) SaveSettings(ctx context.Context, p *access.Principal, conf conference.Conference, version int, in SettingsInput) (Settings, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return Settings{}, err
	}
	st, err := s.checkSettings(ctx, conf, version, in)
	if err != nil {
		return st, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveSettings(ctx, &st); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "review.settings_saved", "conference:"+conf.Slug, string(st.Blind))
	})
	return st, err
}

// CheckSettings checks settings as SaveSettings would, saving nothing: for a form whose own checks
// refused some of its fields, so that it says every error at once. Returns apperr Invalid with
// every field error, and the policy's errors.
func (s *Service) CheckSettings(ctx context.Context, p *access.Principal, conf conference.Conference, in SettingsInput) error {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return err
	}
	_, err := s.checkSettings(ctx, conf, 0, in)
	return err
}

// checkSettings makes the settings of in at version, with every field error it has.
func (s *Service) checkSettings(ctx context.Context, conf conference.Conference, version int, in SettingsInput) (Settings, error) {
	loc := conf.Location()
	st := Settings{ConferenceID: conf.ID, Blind: Blind(in.Blind), ReminderHours: in.ReminderHours, Calibration: in.Calibration,
		NotPreferredCap: in.NotPreferredCap, Version: version}
	var fe apperr.Fields
	if st.Blind != DoubleBlind && st.Blind != SingleBlind {
		fe.Add("blind", "Choose double-blind or single-blind review.")
	}
	at := func(field, v string, endOfMinute bool) *time.Time {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		t, ok := cfp.ParseLocal(v, loc)
		if !ok {
			fe.Add(field, cfp.LocalError(v, loc, "Enter a date and time like 2027-08-01T23:59, or leave it empty."))
			return nil
		}
		if endOfMinute {
			t = t.Truncate(time.Minute).Add(time.Minute - time.Microsecond)
		}
		return &t
	}
	st.BiddingOpensAt = at("bidding_opens_at", in.BiddingOpensAt, false)
	st.BiddingClosesAt = at("bidding_closes_at", in.BiddingClosesAt, true)
	st.ReviewDeadline = at("review_deadline", in.ReviewDeadline, true)
	st.ConfirmBy = at("confirm_by", in.ConfirmBy, true)
	if st.BiddingOpensAt != nil && st.BiddingClosesAt != nil && !st.BiddingClosesAt.After(*st.BiddingOpensAt) {
		fe.Add("bidding_closes_at", "Bidding must close after it opens.")
	}
	if st.ReviewDeadline != nil && st.BiddingClosesAt != nil && !st.ReviewDeadline.After(*st.BiddingClosesAt) {
		fe.Add("review_deadline", "The review deadline must come after bidding closes.")
	}
	if st.ConfirmBy != nil && st.ReviewDeadline != nil && !st.ConfirmBy.After(*st.ReviewDeadline) {
		fe.Add("confirm_by", "Presenters confirm after the decisions: choose a time after the review deadline.")
	}
	// A deadline moved into the past would close review, or the presenters' answers, at once: only a
	// time already saved may be in the past.
	prev, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return st, err
	}
	now := s.now()
	for _, d := range []struct {
		field    string
		new, old *time.Time
	}{{"review_deadline", st.ReviewDeadline, prev.ReviewDeadline}, {"confirm_by", st.ConfirmBy, prev.ConfirmBy}} {
		if d.new != nil && d.new.Before(now) && (d.old == nil || !d.old.Equal(*d.new)) && !fe.Has(d.field) {
			fe.Add(d.field, "This time has passed ("+submission.FormatTime(now, loc)+" now): choose a later one.")
		}
	}
	if st.ReminderHours < 0 || st.ReminderHours > 720 {
		fe.Add("reminder_hours", "Remind between 1 and 720 hours before the deadline, or not at all.")
	}
	if st.NotPreferredCap < -1 || st.NotPreferredCap > 1000 {
		fe.Add("not_preferred_cap", "Give a number from 0 to 1000, or none for no cap.")
	}
	for _, c := range in.RequiredCategories {
		if c == "" {
			continue
		}
		if CategoryLabel(c) == c {
			fe.Add("required_categories", "Choose categories from the list.")
			break
		}
		if !slices.Contains(st.RequiredCategories, c) {
			st.RequiredCategories = append(st.RequiredCategories, c)
		}
	}
	return st, fe.Err()
}

// FormatConfig returns how a format's proposals are reviewed: its stored configuration, or three
// reviewers and the default rubric (workshops add engagement).
func (s *Service) FormatConfig(ctx context.Context, conf conference.Conference, f cfp.Format) (FormatConfig, error) {
	list, err := s.store.FormatConfigs(ctx, conf.ID)
	if err != nil {
		return FormatConfig{}, err
	}
	return configOf(list, conf, f), nil
}

func configOf(list []FormatConfig, conf conference.Conference, f cfp.Format) FormatConfig {
	for _, c := range list {
		if c.FormatID == f.ID {
			return c
		}
	}
	c := FormatConfig{FormatID: f.ID, ConferenceID: conf.ID, Reviewers: 3, Criteria: DefaultCriteria()}
	if strings.Contains(strings.ToLower(f.Name), "workshop") {
		c.Criteria = append(c.Criteria, EngagementCriterion())
	}
	return c
}

// FormatConfigs returns the configuration of every format of the conference, in the formats' order.
func (s *Service) FormatConfigs(ctx context.Context, conf conference.Conference) (map[int64]FormatConfig, error) {
	formats, err := s.calls.Formats(ctx, conf)
	if err != nil {
		return nil, err
	}
	list, err := s.store.FormatConfigs(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]FormatConfig, len(formats))
	for _, f := range formats {
		out[f.ID] = configOf(list, conf, f)
	}
	return out, nil
}

var criterionIDRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// SaveFormatConfig changes how a format's proposals are reviewed, if nobody changed it since version.
// Criteria keep their ids, so that scores already given keep their criterion. Returns apperr Invalid
// with field errors ("reviewers", "slots", "criteria.N.label", …), Conflict, NotFound.
func (s *Service) SaveFormatConfig(ctx context.Context, p *access.Principal, conf conference.Conference, c FormatConfig) (FormatConfig, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return FormatConfig{}, err
	}
	f, err := s.calls.Format(ctx, conf, c.FormatID)
	if err != nil {
		return FormatConfig{}, err
	}
	c.ConferenceID = conf.ID
	var fe apperr.Fields
	if c.Reviewers < 1 || c.Reviewers > 20 {
		fe.Add("reviewers", "Give each proposal between 1 and 20 reviewers.")
	}
	if c.Slots != nil && (*c.Slots < 0 || *c.Slots > 100000) {
		fe.Add("slots", "Give the number of proposals that can be accepted, or leave it empty.")
	}
	if len(c.Criteria) == 0 {
		fe.Add("criteria", "A rubric needs at least one criterion.")
	}
	if len(c.Criteria) > 12 {
		fe.Add("criteria", "A rubric has at most 12 criteria.")
	}
	seen := map[string]bool{}
	for i, cr := range c.Criteria {
		field := func(a string) string { return fmt.Sprintf("criteria.%d.%s", i, a) }
		cr.ID, cr.Label, cr.Description = strings.TrimSpace(cr.ID), strings.TrimSpace(cr.Label), strings.TrimSpace(cr.Description)
		switch {
		case !criterionIDRE.MatchString(cr.ID):
			fe.Add(field("id"), "Use lower-case letters, digits and _, starting with a letter.")
		case seen[cr.ID]:
			fe.Add(field("id"), "Another criterion already has this id.")
		}
		seen[cr.ID] = true
		if n := utf8.RuneCountInString(cr.Label); n == 0 || n > 200 {
			fe.Add(field("label"), "Name the criterion in at most 200 characters.")
		}
		if utf8.RuneCountInString(cr.Description) > 1000 {
			fe.Add(field("description"), "Use at most 1000 characters.")
		}
		if cr.Weight < 1 || cr.Weight > 10 {
			fe.Add(field("weight"), "Give a weight from 1 to 10.")
		}
		for j := range cr.Anchors {
			cr.Anchors[j] = strings.TrimSpace(cr.Anchors[j])
			if utf8.RuneCountInString(cr.Anchors[j]) > 300 {
				fe.Add(field("anchors"), "Keep each anchor to 300 characters.")
			}
		}
		c.Criteria[i] = cr
	}
	if err := fe.Err(); err != nil {
		return c, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveFormatConfig(ctx, &c); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "review.rubric_saved", fmt.Sprintf("format:%d", f.ID), f.Name)
	})
	return c, err
}

// InvitationTTL is how long an invitation to review stays valid.
const InvitationTTL = 30 * 24 * time.Hour

// InviteMail is the data of the "reviewer_invitation" template.
type InviteMail struct {
	Name, Conference, InvitedBy, Link, Expires, Message string
	SingleBlind                                         bool // reviewers see who presents
}

// Invitee is one person to invite.
type Invitee struct{ Name, Email string }

// ParseInvitees reads a pasted list: one person a line, as "Name <address>", "address, Name",
// "Name, address" or just an address. Lines that hold no address are returned as errors by line.
func ParseInvitees(text string) ([]Invitee, []string) {
	var out []Invitee
	var bad []string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var in Invitee
		if lt, gt := strings.Index(line, "<"), strings.LastIndex(line, ">"); lt >= 0 && gt > lt {
			in = Invitee{Name: strings.Trim(strings.TrimSpace(line[:lt]), `",`), Email: strings.TrimSpace(line[lt+1 : gt])}
		} else {
			for _, part := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' || r == '\t' }) {
				part = strings.TrimSpace(part)
				if strings.Contains(part, "@") && in.Email == "" {
					in.Email = part
				} else if in.Name == "" {
					in.Name = part
				}
			}
		}
		in.Email = account.NormalizeEmail(in.Email)
		if account.EmailProblem(in.Email) != "" {
			bad = append(bad, fmt.Sprintf("line %d (%s)", i+1, line))
			continue
		}
		out = append(out, in)
	}
	return out, bad
}

// CheckInvite checks an invitation as Invite would, sending nothing: for a form whose own checks
// refused some of its fields, so that it says every error at once. Returns apperr Invalid with
// every field error, and the policy's errors.
func (s *Service) CheckInvite(ctx context.Context, p *access.Principal, conf conference.Conference, people []Invitee, message string) error {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return err
	}
	_, _, err := checkInvite(people, message)
	return err
}

// checkInvite returns the people to invite, each address once, and the message, with every field
// error of them.
func checkInvite(people []Invitee, message string) ([]Invitee, string, error) {
	var fe apperr.Fields
	if len(people) == 0 {
		fe.Add("invitees", "Enter at least one email address.")
	}
	if len(people) > 500 {
		fe.Add("invitees", "Invite at most 500 people at once.")
	}
	// A list may come from elsewhere than ParseInvitees: every address is checked before any mail.
	people = slices.Clone(people)
	for i := range people {
		people[i].Email = account.NormalizeEmail(people[i].Email)
		switch msg := account.EmailProblem(people[i].Email); {
		case people[i].Email == "":
			fe.Add(fmt.Sprintf("invitees.%d.email", i), "Enter the person's email address.")
		case msg != "":
			fe.Add(fmt.Sprintf("invitees.%d.email", i), msg)
		}
	}
	message = strings.TrimSpace(message)
	if utf8.RuneCountInString(message) > 2000 {
		fe.Add("message", "Keep the message to 2000 characters.")
	}
	// An address given twice is invited once, under the first name given for it.
	var unique []Invitee
	for _, in := range people {
		if i := slices.IndexFunc(unique, func(u Invitee) bool { return u.Email == in.Email }); i >= 0 {
			if unique[i].Name == "" {
				unique[i].Name = in.Name
			}
			continue
		}
		unique = append(unique, in)
	}
	return unique, message, fe.Err()
}

// Invite invites people to review, by email; inviting an address again sends a fresh link, and an
// address that already reviews is skipped. Returns the invitations sent; apperr Invalid (field
// "invitees") for a list with lines without an address or with more than 500 people, and
// ("invitees.N.email") for a person whose address is not one.
func (s *Service) Invite(ctx context.Context, p *access.Principal, conf conference.Conference, people []Invitee, message string) ([]Invitation, error) {
	return s.InviteOnce(ctx, p, conf, people, message, "")
}

// InviteOnce is Invite with the client key of the request (one per form shown; the API's
// Idempotency-Key), when not "": the same request sent again (a double click, a retry) sends nothing
// more to the people it invited, whose invitations it returns again with any it sends now, so that
// the first mail's link stays the one that works. apperr Invalid (field "client_key") for a key too
// long, and Invite's errors.
func (s *Service) InviteOnce(ctx context.Context, p *access.Principal, conf conference.Conference, people []Invitee, message, key string) ([]Invitation, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	if err := apperr.CheckClientKey(key); err != nil {
		return nil, err
	}
	people, message, err := checkInvite(people, message)
	if err != nil {
		return nil, err
	}
	st, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	var sent []Invitation
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if key != "" {
			// A twin sent at once finds the invitations its first sent.
			if err := s.store.LockInvitations(ctx, conf.ID); err != nil {
				return err
			}
		}
		reviewers, err := s.store.Reviewers(ctx, conf.ID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, in := range people {
			if slices.ContainsFunc(reviewers, func(r Reviewer) bool { return r.Email == in.Email }) {
				continue
			}
			inv, err := s.store.InvitationByEmail(ctx, conf.ID, in.Email)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			if err == nil && inv.Status == Accepted {
				continue
			}
			if err == nil && key != "" && inv.ClientKey == key && inv.Status == Invited {
				sent = append(sent, inv) // sent by this very request already
				continue
			}
			secret, err := randomSecret()
			if err != nil {
				return err
			}
			inv.ConferenceID, inv.Email, inv.Status, inv.Hash, inv.InvitedBy = conf.ID, in.Email, Invited, s.hash("reviewer-invitation", secret), &p.UserID
			if in.Name != "" {
				inv.Name = strings.TrimSpace(in.Name)
			}
			if utf8.RuneCountInString(inv.Name) > 200 {
				inv.Name = string([]rune(inv.Name)[:200])
			}
			inv.InvitedAt, inv.ExpiresAt, inv.AnsweredAt, inv.ClientKey = now, now.Add(InvitationTTL), nil, key
			if err := s.store.SaveInvitation(ctx, &inv); err != nil {
				return err
			}
			if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: fmt.Sprintf("reviewer-invitation:%d:%d", inv.ID, now.UnixNano()),
				ConferenceID: &conf.ID, To: inv.Email, ToName: inv.Name, Template: "reviewer_invitation",
				Data: InviteMail{Name: inv.Name, SingleBlind: st.Blind == SingleBlind, Conference: conf.Name, InvitedBy: p.Name, Link: s.baseURL + "/review-invitations/" + secret,
					Expires: submission.FormatTime(inv.ExpiresAt, conf.Location()), Message: message}}); err != nil {
				return err
			}
			if err := s.record(ctx, p, conf, "reviewer.invited", "email:"+inv.Email, ""); err != nil {
				return err
			}
			sent = append(sent, inv)
		}
		return nil
	})
	return sent, err
}

// Invitations lists the conference's invitations to review. Organizers only.
func (s *Service) Invitations(ctx context.Context, p *access.Principal, conf conference.Conference) ([]Invitation, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	return s.store.Invitations(ctx, conf.ID)
}

var invalidInvitation = apperr.New(apperr.NotFound, "This invitation to review is not valid: it may have been answered already or replaced by a newer one. Ask the organizers to send it again.")

// Invitation returns what an invitation link offers, to whoever holds it. apperr NotFound, Forbidden
// (expired).
func (s *Service) Invitation(ctx context.Context, secret string) (Invitation, error) {
	var inv Invitation
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		inv, err = s.invitation(ctx, secret)
		return err
	})
	return inv, err
}

func (s *Service) invitation(ctx context.Context, secret string) (Invitation, error) {
	if secret == "" || len(secret) > 100 {
		return Invitation{}, invalidInvitation
	}
	inv, err := s.store.InvitationByHash(ctx, s.hash("reviewer-invitation", secret))
	if apperr.Is(err, apperr.NotFound) {
		return inv, invalidInvitation
	}
	if err == nil && s.now().After(inv.ExpiresAt) {
		return inv, apperr.New(apperr.Forbidden, "This invitation to review has expired. Ask the organizers to send it again.")
	}
	return inv, err
}

// AnswerInvitation accepts (making the signed-in person a reviewer of the conference, whatever
// their account's address) or declines an invitation. Returns the invitation; apperr NotFound,
// Forbidden, Unauthenticated.
func (s *Service) AnswerInvitation(ctx context.Context, p *access.Principal, secret string, accept bool) (Invitation, error) {
	if p == nil {
		return Invitation{}, apperr.New(apperr.Unauthenticated, "Please log in or create an account to answer the invitation.")
	}
	var inv Invitation
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if inv, err = s.invitation(ctx, secret); err != nil {
			return err
		}
		return s.answer(ctx, p, &inv, accept)
	})
	return inv, err
}

// AnswerOpenInvitation answers, from the person's account, an invitation sent to the account's own
// address (which the account proved it holds), without the emailed link. apperr NotFound for an
// invitation that is not open for them.
func (s *Service) AnswerOpenInvitation(ctx context.Context, p *access.Principal, id int64, accept bool) (Invitation, error) {
	if p == nil {
		return Invitation{}, apperr.New(apperr.Unauthenticated, "Please log in to answer the invitation.")
	}
	var inv Invitation
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		open, err := s.store.OpenInvitationsFor(ctx, p.Email)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(open, func(x Invitation) bool { return x.ID == id })
		if i < 0 {
			return apperr.New(apperr.NotFound, "There is no such invitation waiting for your answer.")
		}
		if inv = open[i]; s.now().After(inv.ExpiresAt) {
			return apperr.New(apperr.Forbidden, "This invitation to review has expired. Ask the organizers to send it again.")
		}
		return s.answer(ctx, p, &inv, accept)
	})
	return inv, err
}

// answer records the answer to an invitation: accepting makes p a reviewer of the conference.
func (s *Service) answer(ctx context.Context, p *access.Principal, inv *Invitation, accept bool) error {
	now := s.now()
	inv.Hash, inv.AnsweredAt = nil, &now
	conf := conference.Conference{ID: inv.ConferenceID, Slug: inv.ConferenceSlug, Name: inv.ConferenceName}
	action := "reviewer.declined"
	if accept {
		inv.Status, inv.UserID = Accepted, &p.UserID
		action = "reviewer.accepted"
		by := p.UserID
		if inv.InvitedBy != nil {
			by = *inv.InvitedBy
		}
		if _, err := s.team.Grant(ctx, inv.ConferenceID, p.UserID, access.Reviewer, by); err != nil {
			return err
		}
		if err := s.record(ctx, p, conf, "role.granted", fmt.Sprintf("user:%d", p.UserID), string(access.Reviewer)); err != nil {
			return err
		}
	} else {
		inv.Status = Declined
	}
	if err := s.store.SaveInvitation(ctx, inv); err != nil {
		return err
	}
	return s.record(ctx, p, conf, action, "email:"+inv.Email, "")
}

// OpenInvitations lists invitations to review waiting for the person's answer, by their address.
func (s *Service) OpenInvitations(ctx context.Context, p *access.Principal) ([]Invitation, error) {
	if p == nil {
		return nil, nil
	}
	return s.store.OpenInvitationsFor(ctx, p.Email)
}

// Reviewers lists the conference's reviewers with their profiles and loads. Organizers only.
func (s *Service) Reviewers(ctx context.Context, p *access.Principal, conf conference.Conference) ([]Reviewer, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	return s.store.Reviewers(ctx, conf.ID)
}

// Profile returns the reviewer's own profile in the conference (an empty one, version 0, before
// they save it). Reviewers only.
func (s *Service) Profile(ctx context.Context, p *access.Principal, conf conference.Conference) (Profile, error) {
	if err := access.Check(p, access.Review, conf.ID); err != nil {
		return Profile{}, err
	}
	pr, ok, err := s.store.Profile(ctx, conf.ID, p.UserID)
	if err == nil && !ok {
		pr = Profile{ConferenceID: conf.ID, UserID: p.UserID, MaxReviews: DefaultMaxReviews}
	}
	return pr, err
}

// SaveProfile saves the reviewer's own profile, if not changed since its version. Returns apperr
// Invalid with field errors, Conflict, and the policy's errors.
func (s *Service) SaveProfile(ctx context.Context, p *access.Principal, conf conference.Conference, pr Profile) (Profile, error) {
	if err := access.Check(p, access.Review, conf.ID); err != nil {
		return Profile{}, err
	}
	pr.ConferenceID, pr.UserID = conf.ID, p.UserID
	var fe apperr.Fields
	tracks, err := s.calls.Tracks(ctx, conf)
	if err != nil {
		return pr, err
	}
	for _, id := range pr.Tracks {
		if !slices.ContainsFunc(tracks, func(t cfp.Track) bool { return t.ID == id }) {
			fe.Add("tracks", "Choose tracks from the list.")
		}
	}
	formats, err := s.calls.Formats(ctx, conf)
	if err != nil {
		return pr, err
	}
	for _, id := range pr.Formats {
		if !slices.ContainsFunc(formats, func(f cfp.Format) bool { return f.ID == id }) {
			fe.Add("formats", "Choose formats from the list.")
		}
	}
	if pr.MaxReviews < 0 || pr.MaxReviews > 1000 {
		fe.Add("max_reviews", "Give a number of reviews from 0 to 1000.")
	}
	if pr.Category != "" && CategoryLabel(pr.Category) == pr.Category {
		fe.Add("category", "Choose a category from the list.")
	}
	clean := func(field string, list []string, email bool) []string {
		var out []string
		for _, v := range list {
			v = strings.Join(strings.Fields(v), " ")
			if v == "" {
				continue
			}
			if email {
				v = account.NormalizeEmail(v)
				if account.EmailProblem(v) != "" {
					fe.Add(field, fmt.Sprintf("%q is not an email address; give one address a line.", v))
					continue
				}
			}
			if utf8.RuneCountInString(v) > 200 {
				fe.Add(field, "Keep each line to 200 characters.")
				continue
			}
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		if len(out) > 100 {
			fe.Add(field, "Give at most 100 lines.")
		}
		return out
	}
	pr.Institutions = clean("institutions", pr.Institutions, false)
	pr.ConflictInstitutions = clean("conflict_institutions", pr.ConflictInstitutions, false)
	pr.ConflictPeople = clean("conflict_people", pr.ConflictPeople, true)
	if err := fe.Err(); err != nil {
		return pr, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveProfile(ctx, &pr); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "reviewer.profile_saved", fmt.Sprintf("user:%d", p.UserID), "")
	})
	return pr, err
}

func randomSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", apperr.Wrap(apperr.Internal, "Could not make the link.", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Service) hash(purpose, secret string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(purpose + ":"))
	m.Write([]byte(secret))
	return m.Sum(nil)
}
