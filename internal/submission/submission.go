// Package submission holds proposals: drafts saved without full checks, submitted proposals checked
// in full against their format, edits until the deadline (each one a revision), withdrawal, and the
// co-presenters invited by email. The deadline is the call's (package cfp), enforced here at the
// moment of each change, in the conference's time zone, honouring extensions and access links.
//
// Who may see a proposal is decided here too: its accepted presenters and the conference's organizers.
// Anyone else is told it does not exist (apperr NotFound), so that ids do not leak.
package submission

import (
	"context"
	"fmt"
	"time"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/question"
)

// Status is where a proposal is in its life.
type Status string

// The statuses of a proposal.
const (
	Draft     Status = "draft"
	Submitted Status = "submitted"
	Withdrawn Status = "withdrawn"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Draft || s == Submitted || s == Withdrawn }

// Label is the status as people read it.
func (s Status) Label() string {
	switch s {
	case Draft:
		return "Draft, not submitted"
	case Submitted:
		return "Submitted"
	case Withdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// Decision is the committee's decision on a proposal; "" while none is recorded.
type Decision string

// The decisions.
const (
	Accept   Decision = "accepted"
	Reject   Decision = "rejected"
	Waitlist Decision = "waitlisted"
)

// Participation is whether the presenters of an accepted proposal confirmed that they take part; ""
// before they are asked.
type Participation string

// The answers to the request to confirm.
const (
	ParticipationPending   Participation = "pending"
	ParticipationConfirmed Participation = "confirmed"
	ParticipationDeclined  Participation = "declined"
)

// PresenterStatus is where a presenter's invitation stands.
type PresenterStatus string

// The statuses of a presenter.
const (
	Invited  PresenterStatus = "invited"
	Accepted PresenterStatus = "accepted"
	Declined PresenterStatus = "declined"
)

// Presenter is one person presenting a proposal: its owner, or a co-presenter invited by email.
type Presenter struct {
	ID         int64
	ProposalID int64
	UserID     *int64 // set once the invitation is accepted
	// Email is, for an accepted presenter, their account's address as it is now, where mail about the
	// proposal reaches them; for an invitation, the address it was sent to.
	Email string
	// Name is, for an accepted presenter, their account's name as it is now (the profile's, "as you
	// would like it shown in the program"); for an invitation, the name it was sent to.
	Name       string
	IsOwner    bool
	Status     PresenterStatus
	Hash       []byte // of the invitation's secret, while it is open
	InvitedBy  *int64
	InvitedAt  time.Time
	ExpiresAt  *time.Time
	AnsweredAt *time.Time
	Position   int
	// InvitedEmail is, for a co-presenter who accepted, the address the invitation was sent to, which
	// may not be their account's (Email): both are theirs for the proposal. The address their account
	// had when they joined is not, once the account has another.
	InvitedEmail string
	// ClientKey is the key of the request that last sent the invitation (see InviteOnce), or "".
	ClientKey string
	// Profile is the account's profile, for accepted presenters.
	Profile account.Profile
}

// Proposal is one proposal to a conference's call.
type Proposal struct {
	ID           int64
	ConferenceID int64
	OwnerID      int64
	FormatID     int64
	TrackID      *int64
	Title        string
	Abstract     string
	Answers      question.Answers
	Status       Status
	Version      int
	// Deadline is this proposal's own later deadline, if any (an extension for it alone, or the
	// expiry of the access link it came through).
	Deadline *time.Time
	// Extension is its owner's extended deadline in the conference, if any, loaded with it.
	Extension    *time.Time
	AccessLinkID *int64
	ClientKey    string
	SubmittedAt  *time.Time
	WithdrawnAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Presenters   []Presenter

	// The decision, recorded by organizers and told to the presenters once released.
	Decision           Decision
	DecidedFormatID    *int64 // accepted as another format than proposed
	DecisionNote       string // the organizers' note
	DecisionReason     string // why the decision departs from the calibrated ranking
	DecidedAt          *time.Time
	DecidedBy          *int64
	DecisionReleasedAt *time.Time
	// Participation is the presenters' answer to an acceptance, due by ConfirmBy.
	Participation   Participation
	ConfirmBy       *time.Time
	ParticipationAt *time.Time
}

// Outcome is the decision as its presenters may know it, for their list of proposals: empty until
// the organizers released it to them.
func (p Proposal) Outcome() string {
	if p.DecisionReleasedAt == nil || p.Status == Withdrawn {
		return ""
	}
	switch p.Decision {
	case Accept:
		switch p.Participation {
		case ParticipationConfirmed:
			return "Accepted; participation confirmed"
		case ParticipationDeclined:
			return "Accepted; participation declined"
		}
		return "Accepted: action required, confirm your participation"
	case Reject:
		return "Not accepted"
	case Waitlist:
		return "On the waiting list"
	}
	return ""
}

// FinalFormatID is the format the proposal is accepted in: the decided one, or the proposed one.
func (p Proposal) FinalFormatID() int64 {
	if p.DecidedFormatID != nil {
		return *p.DecidedFormatID
	}
	return p.FormatID
}

// InProgram reports whether the proposal belongs in the program: submitted, accepted, and confirmed by
// its presenters.
func (p Proposal) InProgram() bool {
	return p.Status == Submitted && p.Decision == Accept && p.Participation == ParticipationConfirmed
}

// Content is what a presenter writes: everything a save changes.
type Content struct {
	FormatID int64
	TrackID  *int64
	Title    string
	Abstract string
	Answers  question.Answers
}

// Content returns the proposal's current content.
func (p Proposal) Content() Content {
	return Content{FormatID: p.FormatID, TrackID: p.TrackID, Title: p.Title, Abstract: p.Abstract, Answers: p.Answers}
}

// Equal reports whether two contents are the same.
func (c Content) Equal(o Content) bool {
	if c.FormatID != o.FormatID || c.Title != o.Title || c.Abstract != o.Abstract || (c.TrackID == nil) != (o.TrackID == nil) ||
		(c.TrackID != nil && *c.TrackID != *o.TrackID) || len(c.Answers) != len(o.Answers) {
		return false
	}
	for k, v := range c.Answers {
		w, ok := o.Answers[k]
		if !ok || len(v) != len(w) {
			return false
		}
		for i := range v {
			if v[i] != w[i] {
				return false
			}
		}
	}
	return true
}

// Presenting returns the presenters who have not declined, owner first.
func (p Proposal) Presenting() []Presenter {
	var out []Presenter
	for _, x := range p.Presenters {
		if x.Status != Declined {
			out = append(out, x)
		}
	}
	return out
}

// Owner returns the presenter who made the proposal.
func (p Proposal) Owner() Presenter {
	for _, x := range p.Presenters {
		if x.IsOwner {
			return x
		}
	}
	return Presenter{}
}

// PresenterOf returns the accepted presenter who is the user, if any.
func (p Proposal) PresenterOf(userID int64) (Presenter, bool) {
	for _, x := range p.Presenters {
		if x.Status == Accepted && x.UserID != nil && *x.UserID == userID {
			return x, true
		}
	}
	return Presenter{}, false
}

// TitleIn is the title, or a stand-in for a draft without one that says when it was started, in loc,
// the conference's time zone, in which its pages and mail give every time: "Untitled draft (started
// 25 November 2026, 14:03)". The stand-in does not use the proposal's id: a number counted across
// everyone's proposals means nothing to its presenters.
func (p Proposal) TitleIn(loc *time.Location) string {
	if p.Title != "" {
		return p.Title
	}
	return "Untitled draft (started " + p.CreatedAt.In(loc).Format("2 January 2006, 15:04") + ")"
}

// Revision is one saved state of a proposal.
type Revision struct {
	ID          int64
	ProposalID  int64
	Version     int
	Status      Status
	FormatID    int64
	TrackID     *int64
	Title       string
	Abstract    string
	Answers     question.Answers
	SavedBy     *int64
	SavedByName string
	SavedAt     time.Time
	Note        string // "created", "saved", "submitted", "withdrawn", "restored"
}

// Presenting is how many proposals a person presents in one conference.
type Presenting struct {
	ConferenceSlug, ConferenceName string
	Proposals, Submitted           int
}

// Warning is advice about a save that does not stop it, e.g. a presenter's name in the abstract of a
// proposal that will be reviewed blind.
type Warning struct {
	Field   string
	Message string
}

// Filter selects proposals for organizers.
type Filter struct {
	FormatID int64
	TrackID  int64
	Status   Status // "" for all
	// Decision "" for all; "none" for proposals without a decision, "any" for those with one.
	Decision Decision
	// Participation "" for all.
	Participation Participation
	// Query is full-text search over title, abstract and answers (web search syntax: words,
	// "quoted phrases", -excluded).
	Query string
	// Presenter keeps the proposals with a presenter (invitations not declined included) whose name,
	// address or institution contains it, whatever the case and, where the database can, the accents.
	Presenter string
	Sort      string // "newest" (default), "oldest", "title", "relevance" (with a query)
	Limit     int
	Offset    int
	// Summary loads what lists of many proposals show, and no more: no abstract, answers or
	// presenters. The proposals are for display only, never to be saved back.
	Summary bool
	// ByID keeps only the proposals IDs names (none when it names none), such as those a change of
	// their format's rules left over them.
	ByID bool
	IDs  []int64
}

// Page is a window of a list of proposals.
type Page struct {
	Proposals []Proposal
	Total     int
}

// Invitation is what the person holding an invitation link is shown.
type Invitation struct {
	Presenter      Presenter
	ProposalID     int64
	ProposalTitle  string
	ProposalStatus Status
	ConferenceID   int64
	ConferenceSlug string
	ConferenceName string
	// ConferenceTimeZone is the conference's, in which its dates are written.
	ConferenceTimeZone string
	InvitedByName      string
	// CannotAccept says why the invitation can no longer be accepted, though it can still be
	// declined: the proposal is a draft whose deadline passed. Empty when it can be accepted.
	CannotAccept string
}

// ContentSave is a save of a proposal's content that needs no read first. It is written only when
// the proposal is in the conference and at Version; UserID is one of its accepted presenters; it is
// a draft or, when the content is Complete, submitted; no decision has been made on it; it keeps its
// format or, when it was not started with an access link (whose formats Service.Save reads), moves to
// one that is Accepting new proposals; its content differs from Content; and At
// is not after its deadline: ClosesAt, its own deadline or its owner's extension, whichever is
// latest. These are the conditions under which Service.Save, reading first, would write.
type ContentSave struct {
	ConferenceID, ProposalID, UserID int64
	Version                          int
	Content                          Content
	Complete, Accepting              bool
	// MaxPresenters is the most presenters the content's format allows: a submitted proposal
	// changing to it must not have more.
	MaxPresenters int
	ClosesAt, At  time.Time
}

// StatusSave is a change of a proposal's status made as its next version: P holds the status, its
// times and the new version; the Revision's author and note and the audit Entry go with it. The
// entry is written as it is: its IP and user agent are those of its own request, even when empty.
type StatusSave struct {
	P          Proposal
	OldVersion int
	Revision   Revision
	Entry      audit.Entry
}

// Store keeps proposals. Methods join the transaction carried by ctx.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Joined reports whether ctx carries a transaction, which the methods join.
	Joined(ctx context.Context) bool
	// Create inserts p (version 1), its presenters, its first revision r and the audit entry e, whose
	// Subject gets the new proposal's id appended, all or nothing; it sets the ids. A repeated client
	// key of the same owner is apperr Conflict.
	Create(ctx context.Context, p *Proposal, r *Revision, e audit.Entry) error
	// ByClientKey returns the owner's proposal created with the key; apperr NotFound when none.
	ByClientKey(ctx context.Context, ownerID int64, key string) (Proposal, error)
	// Get returns a proposal of the conference with its presenters; lock takes a row lock for the
	// transaction. apperr NotFound when there is none.
	Get(ctx context.Context, conferenceID, id int64, lock bool) (Proposal, error)
	// SaveVersion writes p's content, status, times and version, with the revision r and the audit
	// entry e when there is one, all or nothing, if the stored version is still oldVersion; it
	// reports false, writing nothing, when it is not.
	SaveVersion(ctx context.Context, p *Proposal, oldVersion int, r *Revision, e *audit.Entry) (bool, error)
	// LockMany reads the proposals with the ids, with their presenters, and locks them for the
	// transaction; a proposal another transaction holds is left out, not waited for, and so is one
	// whose new version was committed as it read (its texts not yet visible to it).
	LockMany(ctx context.Context, ids []int64) ([]Proposal, error)
	// SaveStatuses writes, in one statement, the status, times and version of each StatusSave's
	// proposal, with its revision (a copy of the stored content) and audit entry, if its stored
	// version is still OldVersion and its presenters (each one's id and status) are still those of
	// StatusSave.P; it reports for each whether it was written.
	SaveStatuses(ctx context.Context, ss []StatusSave) ([]bool, error)
	// SaveContent writes s.Content as the next version of the proposal, with its revision saved by
	// s.UserID, in one statement without reading it first, when every condition of ContentSave
	// holds; it returns the proposal as saved, or false, writing nothing, when one does not.
	SaveContent(ctx context.Context, s ContentSave) (Proposal, bool, error)
	// SetDeadline sets or clears a proposal's own deadline.
	SetDeadline(ctx context.Context, id int64, deadline *time.Time) error
	// Revisions lists a proposal's revisions, newest first.
	Revisions(ctx context.Context, proposalID int64) ([]Revision, error)

	// SavePresenter inserts a presenter (ID 0) or updates one; apperr Conflict (field "email") when
	// the address already presents the proposal.
	SavePresenter(ctx context.Context, x *Presenter) error
	RemovePresenter(ctx context.Context, proposalID, presenterID int64) error
	// InvitationByHash locks and returns the open invitation with the hash; apperr NotFound when none.
	InvitationByHash(ctx context.Context, hash []byte) (Invitation, error)
	// DeleteDraft deletes proposal id, with everything kept of it, when it is a draft that was never
	// submitted (no version of it was); false when it is not.
	DeleteDraft(ctx context.Context, id int64) (bool, error)
	// AnsweredByHash returns the invitation with the hash that was answered already; apperr NotFound
	// when none.
	AnsweredByHash(ctx context.Context, hash []byte) (Invitation, error)
	// InvitationsFor lists open invitations to the address.
	InvitationsFor(ctx context.Context, email string) ([]Invitation, error)
	// InvitationsToPresenting locks the proposals the user presents (accepted), in the order of their
	// ids, and returns the invitations not yet answered, expired or not, to the (lower-case) address
	// on them.
	InvitationsToPresenting(ctx context.Context, userID int64, email string) ([]Invitation, error)

	// Mine lists the conference's proposals the user presents (accepted), newest first.
	Mine(ctx context.Context, conferenceID, userID int64) ([]Proposal, error)
	// Presenting counts the proposals the user presents (accepted) in each conference, the latest
	// conference first.
	Presenting(ctx context.Context, userID int64) ([]Presenting, error)
	// List returns a page of the conference's proposals and the total that match f, with presenters,
	// in a constant number of queries.
	List(ctx context.Context, conferenceID int64, f Filter) (Page, error)
	// SetDecision records (or clears, with Decision "") a proposal's decision fields.
	SetDecision(ctx context.Context, p Proposal) error
	// SetParticipation records the presenters' answer to an acceptance and the date it is due by.
	SetParticipation(ctx context.Context, id int64, v Participation, confirmBy, at *time.Time) error
	// Counts counts the conference's proposals by status.
	Counts(ctx context.Context, conferenceID int64) (map[Status]int, error)
}

// StaleError is the cause of the apperr Conflict returned when a save names a version that is no
// longer the latest: Current is the proposal as it is now saved, so it can be shown.
type StaleError struct{ Current Proposal }

func (e *StaleError) Error() string {
	return fmt.Sprintf("proposal %d is at version %d", e.Current.ID, e.Current.Version)
}
