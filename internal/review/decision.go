package review

import (
	"context"
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/markdown"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/submission"
)

// DecisionInput is a decision as an organizer records it.
type DecisionInput struct {
	Decision submission.Decision // "" clears a decision not yet released
	// FormatID, when accepting, is the format it is accepted in, if another than proposed.
	FormatID int64
	Note     string // for the organizers
	// Reason is required when the decision departs from the calibrated ranking: accepting below the
	// format's cut, or rejecting above it.
	Reason string
}

// Departure says whether a decision departs from the ranking, and how; "" when it does not.
func Departure(d submission.Decision, row Row) string {
	switch {
	case d == submission.Accept && !row.AboveCut:
		return fmt.Sprintf("It is accepted while ranked %d in its format, below the cut.", row.Rank)
	case d == submission.Reject && row.AboveCut:
		return fmt.Sprintf("It is rejected while ranked %d in its format, above the cut.", row.Rank)
	}
	return ""
}

// Decide records a decision on a submitted proposal. Accepting below the format's cut or rejecting
// above it needs a reason, recorded for the committee; the cut needs the format's number of slots.
// A decision is told to the presenters only when its notice is sent; changing a released one takes
// it back until a new notice goes out. Returns apperr Invalid with field errors ("decision",
// "format_id", "reason"), Conflict (withdrawn proposal, no slots set), NotFound (conflict).
func (s *Service) Decide(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64, in DecisionInput) (submission.Proposal, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return submission.Proposal{}, err
	}
	var prop submission.Proposal
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.view(ctx, p, conf, proposalID)
		if err != nil {
			return err
		}
		prop = v.prop
		switch prop.Status {
		case submission.Withdrawn:
			return apperr.New(apperr.Conflict, "This proposal was withdrawn: there is nothing to decide.")
		case submission.Draft:
			return notFound
		}
		var fe apperr.Fields
		switch in.Decision {
		case "", submission.Accept, submission.Reject, submission.Waitlist:
		default:
			fe.Add("decision", "Choose accept, reject or waitlist.")
		}
		in.Note, in.Reason = strings.TrimSpace(in.Note), strings.TrimSpace(in.Reason)
		if utf8.RuneCountInString(in.Note) > 4000 {
			fe.Add("note", "Keep the note to 4,000 characters.")
		}
		if utf8.RuneCountInString(in.Reason) > 4000 {
			fe.Add("reason", "Keep the reason to 4,000 characters.")
		}
		var decided *int64
		if in.FormatID != 0 && in.FormatID != prop.FormatID {
			if in.Decision != submission.Accept {
				fe.Add("format_id", "Only an acceptance can be in another format.")
			} else if _, err := s.calls.Format(ctx, conf, in.FormatID); err != nil {
				fe.Add("format_id", "Choose one of the call's formats.")
			} else {
				decided = &in.FormatID
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if in.Decision == "" && prop.DecisionReleasedAt != nil {
			return apperr.New(apperr.Conflict, "This decision was already sent to the presenters; record another decision instead of none.")
		}
		if in.Decision == submission.Accept || in.Decision == submission.Reject {
			row, slots, err := s.rankOf(ctx, p, conf, prop)
			if err != nil {
				return err
			}
			if slots == nil {
				return apperr.New(apperr.Conflict, "Set how many "+row.Format+" proposals can be accepted (the format's slots, on the Rubrics page) first: a decision is measured against that cut of the ranking.")
			}
			if dep := Departure(in.Decision, row); dep != "" && in.Reason == "" {
				return apperr.Field("reason", dep+" Record why, for the committee.")
			}
			if Departure(in.Decision, row) == "" {
				in.Reason = ""
			}
		} else {
			in.Reason = ""
		}
		now := s.now()
		prop.Decision, prop.DecidedFormatID, prop.DecisionNote, prop.DecisionReason = in.Decision, decided, in.Note, in.Reason
		prop.DecidedAt, prop.DecidedBy, prop.DecisionReleasedAt = &now, &p.UserID, nil
		if in.Decision == "" {
			prop.DecidedAt, prop.DecidedBy = nil, nil
		}
		if err := s.props.SetDecision(ctx, prop); err != nil {
			return err
		}
		if err := s.props.SetParticipation(ctx, prop.ID, "", nil, nil); err != nil {
			return err
		}
		prop.Participation, prop.ConfirmBy, prop.ParticipationAt = "", nil, nil
		// A notice generated for the earlier decision no longer says the truth.
		if err := s.store.ReplaceNotices(ctx, prop.ID, nil); err != nil {
			return err
		}
		details := string(in.Decision)
		if in.Decision == "" {
			details = "none"
		}
		if decided != nil {
			details += fmt.Sprintf(" as format:%d", *decided)
		}
		if in.Reason != "" {
			details += "; departs from the ranking: " + in.Reason
		}
		return s.record(ctx, p, conf, "decision.recorded", proposalSubject(prop.ID), details)
	})
	return prop, err
}

// rankOf returns the proposal's row in its format's ranking and the format's slots.
func (s *Service) rankOf(ctx context.Context, p *access.Principal, conf conference.Conference, prop submission.Proposal) (Row, *int, error) {
	r, err := s.Ranking(ctx, p, conf, RankFilter{FormatID: prop.FormatID})
	if err != nil {
		return Row{}, nil, err
	}
	for _, row := range r.Rows {
		if row.Proposal.ID == prop.ID {
			return row, r.Slots[prop.FormatID], nil
		}
	}
	return Row{}, nil, notFound
}

// Placeholders are what notice templates may use.
var Placeholders = []string{"name", "title", "conference", "format", "new_format", "confirm_by", "link", "deadline"}

var placeholderRE = regexp.MustCompile(`\{\{\s*([a-z_]+)\s*\}\}`)

// DefaultTemplate is a notice's text until organizers write their own.
func DefaultTemplate(conferenceID int64, kind NoticeKind) Template {
	t := Template{ConferenceID: conferenceID, Kind: kind}
	switch kind {
	case NoticeAccept:
		t.Subject = "Action required: confirm your participation in {{conference}} by {{confirm_by}}"
		t.Body = "Dear {{name}},\n\nWe are delighted to tell you that your proposal **{{title}}** ({{format}}) is accepted for {{conference}}.\n\n" +
			"**Action required:** please confirm that you will present, or let us know that you cannot, by **{{confirm_by}}**:\n\n{{link}}\n\n" +
			"Comments from the reviewers will appear on the same page when they are released.\n\nWith thanks,\nThe program committee"
	case NoticeAcceptOtherFormat:
		t.Subject = "Action required: confirm your participation in {{conference}} by {{confirm_by}}"
		t.Body = "Dear {{name}},\n\nWe are glad to tell you that your proposal **{{title}}** is accepted for {{conference}} as a **{{new_format}}** " +
			"rather than a {{format}}: the committee felt it would reach its audience best that way.\n\n" +
			"**Action required:** please confirm that you will present it in this format, or let us know that you cannot, by **{{confirm_by}}**:\n\n{{link}}\n\n" +
			"With thanks,\nThe program committee"
	case NoticeReject:
		t.Subject = "Your proposal to {{conference}}"
		t.Body = "Dear {{name}},\n\nThank you for proposing **{{title}}** to {{conference}}. We received many more strong proposals than the " +
			"program can hold, and we are sorry that we cannot include yours this year.\n\nThe reviewers' comments to you will appear on your " +
			"proposal's page when they are released:\n\n{{link}}\n\nWe hope to see you at the conference; registration is free.\n\nThe program committee"
	case NoticeWaitlist:
		t.Subject = "Your proposal to {{conference}}: on the waiting list"
		t.Body = "Dear {{name}},\n\nThank you for proposing **{{title}}** to {{conference}}. Your proposal is on our waiting list: if a place " +
			"opens in the program, we will write to you.\n\n{{link}}\n\nThe program committee"
	}
	return t
}

// Templates returns the conference's notice templates, the defaults where none was saved.
func (s *Service) Templates(ctx context.Context, p *access.Principal, conf conference.Conference) (map[NoticeKind]Template, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	return s.templates(ctx, conf)
}

func (s *Service) templates(ctx context.Context, conf conference.Conference) (map[NoticeKind]Template, error) {
	saved, err := s.store.Templates(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	out := map[NoticeKind]Template{}
	for _, k := range NoticeKinds {
		out[k.Value] = DefaultTemplate(conf.ID, k.Value)
	}
	for _, t := range saved {
		out[t.Kind] = t
	}
	return out, nil
}

// checkTemplate checks a template: known placeholders only, and an acceptance's subject says that
// action is required.
func checkTemplate(t Template) error {
	var fe apperr.Fields
	t.Subject, t.Body = strings.TrimSpace(t.Subject), strings.TrimSpace(t.Body)
	switch n := utf8.RuneCountInString(t.Subject); {
	case n == 0:
		fe.Add("subject", "Write the subject.")
	case n > 300:
		fe.Add("subject", "Keep the subject to 300 characters.")
	}
	switch n := utf8.RuneCountInString(t.Body); {
	case n == 0:
		fe.Add("body", "Write the message.")
	case n > 20000:
		fe.Add("body", "Keep the message to 20,000 characters.")
	}
	for field, text := range map[string]string{"subject": t.Subject, "body": t.Body} {
		for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(Placeholders, m[1]) {
				fe.Add(field, fmt.Sprintf("{{%s}} is not a placeholder; use %s.", m[1], "{{"+strings.Join(Placeholders, "}}, {{")+"}}"))
			}
		}
	}
	if (t.Kind == NoticeAccept || t.Kind == NoticeAcceptOtherFormat) && !strings.Contains(strings.ToLower(t.Subject), "action required") {
		fe.Add("subject", "An acceptance asks the presenters to confirm: its subject must say “Action required”.")
	}
	return fe.Err()
}

// CheckTemplate checks a notice template as SaveTemplate would, saving nothing: for a form whose own
// checks refused some of its fields, so that it says every error at once. Returns apperr Invalid
// with every field error, NotFound for a kind of notice there is not, and the policy's errors.
func (s *Service) CheckTemplate(ctx context.Context, p *access.Principal, conf conference.Conference, t Template) error {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return err
	}
	if !slices.ContainsFunc(NoticeKinds, func(k struct {
		Value NoticeKind
		Label string
	}) bool {
		return k.Value == t.Kind
	}) {
		return apperr.New(apperr.NotFound, "There is no such kind of notice.")
	}
	return checkTemplate(t)
}

// SaveTemplate changes a notice template if nobody changed it since its version. Returns apperr
// Invalid with field errors, Conflict.
func (s *Service) SaveTemplate(ctx context.Context, p *access.Principal, conf conference.Conference, t Template) (Template, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return Template{}, err
	}
	if !slices.ContainsFunc(NoticeKinds, func(k struct {
		Value NoticeKind
		Label string
	}) bool {
		return k.Value == t.Kind
	}) {
		return t, apperr.New(apperr.NotFound, "There is no such kind of notice.")
	}
	t.ConferenceID = conf.ID
	t.Subject, t.Body = strings.TrimSpace(t.Subject), strings.TrimSpace(t.Body)
	if err := checkTemplate(t); err != nil {
		return t, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveTemplate(ctx, &t); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "notice.template_saved", "conference:"+conf.Slug, string(t.Kind))
	})
	return t, err
}

// Rendered is a notice as it will be sent.
type Rendered struct {
	Subject string
	Body    string // Markdown
}

// render fills a template's placeholders for a proposal and one presenter.
func (s *Service) render(conf conference.Conference, t Template, prop submission.Proposal, name, format, newFormat string, st Settings) Rendered {
	confirm := "the date the organizers will tell you"
	if st.ConfirmBy != nil {
		confirm = submission.FormatTime(*st.ConfirmBy, conf.Location())
	}
	values := map[string]string{"name": name, "title": prop.TitleIn(conf.Location()), "conference": conf.Name, "format": format,
		"new_format": newFormat, "confirm_by": confirm, "link": fmt.Sprintf("%s/c/%s/proposals/%d", s.baseURL, conf.Slug, prop.ID),
		"deadline": confirm}
	fill := func(text string) string {
		return placeholderRE.ReplaceAllStringFunc(text, func(m string) string { return values[placeholderRE.FindStringSubmatch(m)[1]] })
	}
	return Rendered{Subject: strings.Join(strings.Fields(fill(t.Subject)), " "), Body: fill(t.Body)}
}

// PreviewTemplate renders a template (as being edited, not yet saved) for a real proposal and its
// first presenter, for organizers to see before saving. Returns apperr Invalid for a bad template,
// NotFound for an unknown or conflicted proposal.
func (s *Service) PreviewTemplate(ctx context.Context, p *access.Principal, conf conference.Conference, t Template, proposalID int64) (Rendered, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return Rendered{}, err
	}
	if err := checkTemplate(t); err != nil {
		return Rendered{}, err
	}
	v, err := s.view(ctx, p, conf, proposalID)
	if err != nil {
		return Rendered{}, err
	}
	st, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return Rendered{}, err
	}
	format, newFormat, err := s.formatNames(ctx, conf, v.prop)
	if err != nil {
		return Rendered{}, err
	}
	return s.render(conf, t, v.prop, v.prop.Owner().Name, format, newFormat, st), nil
}

func (s *Service) formatNames(ctx context.Context, conf conference.Conference, prop submission.Proposal) (string, string, error) {
	f, err := s.calls.Format(ctx, conf, prop.FormatID)
	if err != nil {
		return "", "", err
	}
	nf, err := s.calls.Format(ctx, conf, prop.FinalFormatID())
	if err != nil {
		return "", "", err
	}
	return strings.ToLower(f.Name), strings.ToLower(nf.Name), nil
}

// GenerateNotices writes the notices of every decision not yet told, one per presenter, for organizers
// to read before sending; notices generated earlier and not sent are replaced, so a proposal never
// holds notices of two decisions. Acceptances need the confirmation date. Returns how many notices
// were generated.
func (s *Service) GenerateNotices(ctx context.Context, p *access.Principal, conf conference.Conference) (int, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return 0, err
	}
	n := 0
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		st, err := s.store.Settings(ctx, conf.ID)
		if err != nil {
			return err
		}
		templates, err := s.templates(ctx, conf)
		if err != nil {
			return err
		}
		page, err := s.props.List(ctx, conf.ID, submission.Filter{Status: submission.Submitted, Limit: 100000})
		if err != nil {
			return err
		}
		conflicts, err := s.store.ConflictsOf(ctx, conf.ID, p.UserID)
		if err != nil {
			return err
		}
		for _, prop := range page.Proposals {
			if prop.Decision == "" || prop.DecisionReleasedAt != nil {
				continue
			}
			if conflicts[prop.ID] {
				continue
			}
			kind := KindOf(prop)
			if kind == NoticeAccept || kind == NoticeAcceptOtherFormat {
				if err := s.confirmByOpen(st, conf); err != nil {
					return err
				}
			}
			format, newFormat, err := s.formatNames(ctx, conf, prop)
			if err != nil {
				return err
			}
			var list []Notice
			for _, x := range prop.Presenters {
				if x.Status != submission.Accepted {
					continue
				}
				r := s.render(conf, templates[kind], prop, x.Name, format, newFormat, st)
				list = append(list, Notice{ConferenceID: conf.ID, ProposalID: prop.ID, Kind: kind, PresenterID: x.ID, Recipient: x.Email, RecipientName: x.Name,
					Subject: r.Subject, Body: r.Body})
			}
			if err := s.store.ReplaceNotices(ctx, prop.ID, list); err != nil {
				return err
			}
			n += len(list)
		}
		return s.record(ctx, p, conf, "notice.generated", "conference:"+conf.Slug, fmt.Sprintf("%d notices", n))
	})
	return n, err
}

// Notices lists the conference's notices, unsent first, with their delivery status once sent.
// Notices of proposals the organizer conflicts with are left out.
func (s *Service) Notices(ctx context.Context, p *access.Principal, conf conference.Conference) ([]Notice, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	list, err := s.store.Notices(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	conflicts, err := s.store.ConflictsOf(ctx, conf.ID, p.UserID)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, n := range list {
		if !conflicts[n.ProposalID] {
			out = append(out, n)
		}
	}
	return out, nil
}

// NoticeMail is the data of the "decision_notice" template: the notice's subject and Markdown body.
type NoticeMail struct {
	Subject string
	Text    string
	HTML    template.HTML
}

// SendNotices sends the unsent notices (all of them, or those listed by id) through the mail queue,
// and releases their decisions to the presenters: an acceptance then asks them to confirm by the
// settings' date. Returns how many were sent.
func (s *Service) SendNotices(ctx context.Context, p *access.Principal, conf conference.Conference, ids []int64) (int, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return 0, err
	}
	sent := 0
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		st, err := s.store.Settings(ctx, conf.ID)
		if err != nil {
			return err
		}
		list, err := s.Notices(ctx, p, conf)
		if err != nil {
			return err
		}
		now := s.now()
		released := map[int64]bool{}
		for _, n := range list {
			if n.Status != NoticeDraft || (len(ids) > 0 && !slices.Contains(ids, n.ID)) {
				continue
			}
			key := fmt.Sprintf("decision-notice:%d", n.ID)
			if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: key, ConferenceID: &conf.ID, To: n.Recipient, ToName: n.RecipientName,
				Template: "decision_notice", Data: NoticeMail{Subject: n.Subject, Text: markdown.Text(n.Body), HTML: markdown.HTML(n.Body, 1)}}); err != nil {
				return err
			}
			if err := s.store.MarkNoticeSent(ctx, n.ID, n.Recipient, key, now); err != nil {
				return err
			}
			sent++
			if released[n.ProposalID] {
				continue
			}
			released[n.ProposalID] = true
			prop, err := s.props.Get(ctx, conf.ID, n.ProposalID, true)
			if err != nil {
				return err
			}
			prop.DecisionReleasedAt = &now
			if err := s.props.SetDecision(ctx, prop); err != nil {
				return err
			}
			if prop.Decision == submission.Accept {
				if err := s.confirmByOpen(st, conf); err != nil {
					return err
				}
				if err := s.props.SetParticipation(ctx, prop.ID, submission.ParticipationPending, st.ConfirmBy, nil); err != nil {
					return err
				}
			}
			if err := s.record(ctx, p, conf, "decision.released", proposalSubject(prop.ID), string(prop.Decision)); err != nil {
				return err
			}
		}
		return nil
	})
	return sent, err
}

// ReleaseComments lets a proposal's presenters read the reviewers' comments to them, after an
// organizer read them. Returns how many reviews were released.
func (s *Service) ReleaseComments(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64) (int, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return 0, err
	}
	n := 0
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.view(ctx, p, conf, proposalID)
		if err != nil {
			return err
		}
		if v.prop.Decision == "" {
			return apperr.New(apperr.Conflict, "Record a decision first: the comments go to the presenters with, or after, the decision.")
		}
		if n, err = s.store.ReleaseReviews(ctx, proposalID, s.now()); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "review.comments_released", proposalSubject(proposalID), fmt.Sprintf("%d reviews", n))
	})
	return n, err
}

// Feedback is what a proposal's presenters learn of its review: the decision once released, the
// reviewers' comments to them once released, and whether they must confirm.
type Feedback struct {
	Decision      submission.Decision
	FinalFormat   string
	Comments      []string
	Participation submission.Participation
	ConfirmBy     *time.Time
	CanAnswer     bool
	// Late reports that an answer is still awaited but the date to confirm passed; Contact is where
	// to write then (the call's contact address, if any).
	Late    bool
	Contact string
}

// Feedback returns what the presenter may know of their proposal's review. apperr NotFound for
// anyone but its presenters.
func (s *Service) Feedback(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64) (Feedback, error) {
	if p == nil {
		return Feedback{}, apperr.New(apperr.Unauthenticated, "Please log in to continue.")
	}
	// A proposal that does not exist and one of someone else get the same answer, so that the
	// answer does not tell which ids exist.
	notYours := apperr.New(apperr.NotFound, "There is no such proposal, or it is not yours.")
	prop, err := s.props.Get(ctx, conf.ID, proposalID, false)
	if apperr.Is(err, apperr.NotFound) {
		return Feedback{}, notYours
	}
	if err != nil {
		return Feedback{}, err
	}
	if _, ok := prop.PresenterOf(p.UserID); !ok {
		return Feedback{}, notYours
	}
	var fb Feedback
	if prop.DecisionReleasedAt != nil {
		fb.Decision, fb.Participation, fb.ConfirmBy = prop.Decision, prop.Participation, prop.ConfirmBy
		if prop.Decision == submission.Accept {
			f, err := s.calls.Format(ctx, conf, prop.FinalFormatID())
			if err != nil {
				return fb, err
			}
			fb.FinalFormat = f.Name
			open := prop.Status == submission.Submitted && prop.Participation == submission.ParticipationPending
			fb.CanAnswer = prop.Status == submission.Submitted && (prop.ConfirmBy == nil || !s.now().After(*prop.ConfirmBy))
			if fb.Late = open && !fb.CanAnswer; fb.Late {
				if call, err := s.calls.Call(ctx, conf); err == nil {
					fb.Contact = call.ContactEmail
				}
			}
		}
	}
	reviews, err := s.store.ReviewsOf(ctx, proposalID)
	if err != nil {
		return fb, err
	}
	for _, r := range reviews {
		if r.ReleasedAt != nil && r.Status == Submitted && r.Counted && r.ToPresenters != "" {
			fb.Comments = append(fb.Comments, r.ToPresenters)
		}
	}
	return fb, nil
}

// Participate records whether the presenters of an accepted proposal will take part, by the date
// asked; one presenter answers for all. Returns apperr Forbidden when no answer is asked or the date
// passed, NotFound for anyone but the presenters.
func (s *Service) Participate(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64, confirm bool) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		fb, err := s.Feedback(ctx, p, conf, proposalID)
		if err != nil {
			return err
		}
		if fb.Decision != submission.Accept {
			return apperr.New(apperr.Forbidden, "Only an accepted proposal's presenters confirm their participation.")
		}
		if !fb.CanAnswer && (!fb.Late || fb.ConfirmBy == nil) {
			return apperr.New(apperr.Forbidden, "This proposal no longer takes an answer about participation.")
		}
		if !fb.CanAnswer {
			msg := "The date to confirm passed on " + submission.FormatTime(*fb.ConfirmBy, conf.Location()) + ". Write to the organizers"
			if fb.Contact != "" {
				msg += " at " + fb.Contact
			}
			return apperr.New(apperr.Forbidden, msg+": they can still record your answer.")
		}
		v := submission.ParticipationDeclined
		if confirm {
			v = submission.ParticipationConfirmed
		}
		now := s.now()
		if err := s.props.SetParticipation(ctx, proposalID, v, fb.ConfirmBy, &now); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "participation."+string(v), proposalSubject(proposalID), "")
	})
}

// confirmByOpen checks that accepted presenters can still be asked to confirm: the date is set and
// ahead. apperr Conflict otherwise, saying where to set it.
func (s *Service) confirmByOpen(st Settings, conf conference.Conference) error {
	if st.ConfirmBy == nil {
		return apperr.New(apperr.Conflict, "Set the date by which accepted presenters confirm (Review settings, “Accepted presenters confirm by”) before writing or sending acceptances.")
	}
	if s.now().After(*st.ConfirmBy) {
		return apperr.New(apperr.Conflict, "The date by which accepted presenters confirm ("+submission.FormatTime(*st.ConfirmBy, conf.Location())+
			") has passed: set a later one in the Review settings before writing or sending acceptances.")
	}
	return nil
}

// RecordParticipation records, for organizers, the answer presenters gave another way (by mail,
// after the date): confirmed or declined. Only for an accepted proposal whose decision was told.
func (s *Service) RecordParticipation(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64, confirm bool) error {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.view(ctx, p, conf, proposalID)
		if err != nil {
			return err
		}
		if v.prop.Decision != submission.Accept || v.prop.DecisionReleasedAt == nil || v.prop.Status != submission.Submitted {
			return apperr.Field("participation", "Only the presenters of an accepted proposal, once told, answer whether they will present.")
		}
		val := submission.ParticipationDeclined
		if confirm {
			val = submission.ParticipationConfirmed
		}
		now := s.now()
		if err := s.props.SetParticipation(ctx, proposalID, val, v.prop.ConfirmBy, &now); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "participation."+string(val), proposalSubject(proposalID), "recorded by an organizer")
	})
}

// ConfirmReminderMail is the data of the "confirm_reminder" template.
type ConfirmReminderMail struct{ Name, Conference, Title, ConfirmBy, Link string }

// RemindToConfirm reminds, three days and one day before the date, the presenters of accepted
// proposals who have not answered: the periodic job calls it. Returns how many were reminded.
func (s *Service) RemindToConfirm(ctx context.Context, confs []conference.Conference) (int, error) {
	total := 0
	now := s.now()
	for _, conf := range confs {
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			page, err := s.props.List(ctx, conf.ID, submission.Filter{Decision: submission.Accept, Participation: submission.ParticipationPending,
				Limit: 100000})
			if err != nil {
				return err
			}
			for _, prop := range page.Proposals {
				if prop.ConfirmBy == nil || now.After(*prop.ConfirmBy) {
					continue
				}
				left := prop.ConfirmBy.Sub(now)
				stage := ""
				switch {
				case left <= 24*time.Hour:
					stage = "1day"
				case left <= 72*time.Hour:
					stage = "3days"
				default:
					continue
				}
				for _, x := range prop.Presenters {
					if x.Status != submission.Accepted {
						continue
					}
					if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: fmt.Sprintf("confirm-reminder:%d:%d:%s", prop.ID, x.ID, stage),
						ConferenceID: &conf.ID, To: x.Email, ToName: x.Name, Template: "confirm_reminder",
						Data: ConfirmReminderMail{Name: x.Name, Conference: conf.Name, Title: prop.TitleIn(conf.Location()),
							ConfirmBy: submission.FormatTime(*prop.ConfirmBy, conf.Location()),
							Link:      fmt.Sprintf("%s/c/%s/proposals/%d", s.baseURL, conf.Slug, prop.ID)}}); err != nil {
						return err
					}
					total++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Decisions lists the conference's decided proposals with the presenters' answers, for organizers to
// see who has not confirmed. Proposals the organizer conflicts with are left out.
func (s *Service) Decisions(ctx context.Context, p *access.Principal, conf conference.Conference) ([]submission.Proposal, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	page, err := s.props.List(ctx, conf.ID, submission.Filter{Limit: 100000, Sort: "title", Decision: "any", Summary: true})
	if err != nil {
		return nil, err
	}
	conflicts, err := s.store.ConflictsOf(ctx, conf.ID, p.UserID)
	if err != nil {
		return nil, err
	}
	var out []submission.Proposal
	for _, x := range page.Proposals {
		if conflicts[x.ID] || x.Decision == "" {
			continue
		}
		out = append(out, x)
	}
	return out, nil
}
