// Package review is peer review of a conference's proposals: the reviewer pool (invited by email,
// each with a profile), conflicts of interest, bidding, the assignment of reviewers (planned by
// package assign), rubric scoring with an optional calibration round, the discussion, the
// calibrated ranking, and the decisions with their notices.
//
// Review is fair only if it is blind and conflicts are enforced everywhere, so who may see what is
// decided here, beneath every handler (policy.go): a reviewer in conflict with a proposal, or not
// assigned to it, is told it does not exist, in pages, the API, lists, counts and exports alike. A
// conflict is defined once, by the database view conflict_pairs.
package review

import (
	"context"
	"time"

	"github.com/challenging-norms/conference/internal/submission"
)

// Blind is how much reviewers learn of who proposed what.
type Blind string

// The blind modes.
const (
	DoubleBlind Blind = "double" // reviewers see no presenter (the default)
	SingleBlind Blind = "single" // reviewers see the presenters' names and institutions
)

// Settings is how a conference reviews.
type Settings struct {
	ConferenceID    int64
	Blind           Blind
	BiddingOpensAt  *time.Time
	BiddingClosesAt *time.Time
	ReviewDeadline  *time.Time
	// ReminderHours is how long before the review deadline reviewers with reviews still to do are
	// reminded automatically; 0 for never.
	ReminderHours int
	// Calibration makes every reviewer score the calibration proposals before their own.
	Calibration bool
	// NotPreferredCap is the most proposals a reviewer bid "not preferred" on that the automatic
	// assignment gives them; -1 for no cap.
	NotPreferredCap int
	// RequiredCategories are reviewer categories every proposal should have a reviewer of.
	RequiredCategories []string
	// ConfirmBy is the date accepted presenters confirm their participation by.
	ConfirmBy *time.Time
	Version   int
}

// DefaultSettings are a conference's settings before organizers change them.
func DefaultSettings(conferenceID int64) Settings {
	return Settings{ConferenceID: conferenceID, Blind: DoubleBlind, ReminderHours: 72, NotPreferredCap: 3}
}

// Category is a reviewer's perspective, for the coverage of perspectives in assignments.
type Category string

// Categories lists the reviewer categories with their names for people.
var Categories = []struct {
	Value Category
	Label string
}{
	{"faculty", "Faculty"}, {"resident", "Resident or fellow"}, {"student", "Student (medical or graduate)"},
	{"community", "Community member"}, {"administrator", "Administrator (dean, director, staff)"}, {"other", "Other"},
}

// CategoryLabel names a category for people.
func CategoryLabel(c string) string {
	for _, x := range Categories {
		if string(x.Value) == c {
			return x.Label
		}
	}
	return c
}

// Criterion is one row of a rubric, scored 1 to 5.
type Criterion struct {
	ID          string
	Label       string
	Description string
	Weight      int
	// Anchors say what each score from 1 to 5 means.
	Anchors [5]string
}

// FormatConfig is how one format's proposals are reviewed.
type FormatConfig struct {
	FormatID     int64
	ConferenceID int64
	// Reviewers is how many reviewers each proposal of the format gets.
	Reviewers int
	Criteria  []Criterion
	// Slots is how many proposals of the format can be accepted: the cut of the ranking that a
	// decision departs from only with a recorded reason. nil until organizers set it.
	Slots   *int
	Version int
}

// The overall recommendation and the confidence, each on its own scale.
var (
	Recommendations = []string{"", "Strong reject", "Reject", "Borderline", "Accept", "Strong accept"}
	Confidences     = []string{"", "Low: outside my expertise", "Medium", "High: I know this area well"}
)

// DefaultCriteria is the rubric a format has until organizers write its own: relevance to
// anti-racist transformation counts double.
func DefaultCriteria() []Criterion {
	return []Criterion{
		{ID: "relevance", Label: "Relevance to anti-racist transformation", Weight: 2,
			Description: "How directly the work confronts racism in medical education or in the relation between medicine and communities.",
			Anchors: [5]string{"Not related", "Touches on it in passing", "Related, but the link is not developed",
				"Clearly about it, with a developed link", "Central, specific and transformative"}},
		{ID: "clarity", Label: "Clarity", Weight: 1, Description: "Whether the aims, methods and lessons are stated plainly.",
			Anchors: [5]string{"Unclear throughout", "Hard to follow", "Understandable with effort", "Clear", "Exceptionally clear"}},
		{ID: "feasibility", Label: "Feasibility", Weight: 1, Description: "Whether what is proposed can be done well in the format and time.",
			Anchors: [5]string{"Cannot be done as proposed", "Major doubts", "Some doubts", "Can be done", "Well planned in every part"}},
		{ID: "originality", Label: "Originality", Weight: 1, Description: "What others would learn that they do not already know.",
			Anchors: [5]string{"Nothing new", "Little new", "Some new ideas", "New and useful", "Breaks new ground"}},
	}
}

// EngagementCriterion is the rubric row workshops add: how participants take part.
func EngagementCriterion() Criterion {
	return Criterion{ID: "engagement", Label: "Engagement", Weight: 1, Description: "How actively participants take part and practise.",
		Anchors: [5]string{"A lecture", "Mostly a lecture", "Some activities", "Interactive most of the time", "Participants practise throughout"}}
}

// WeightedScore is the weighted mean of a review's criterion scores, on the 1-5 scale; 0 when it has
// none of the rubric's criteria.
func WeightedScore(criteria []Criterion, scores map[string]int) float64 {
	var sum, weights float64
	for _, c := range criteria {
		if v, ok := scores[c.ID]; ok && v >= 1 && v <= 5 && c.Weight > 0 {
			sum += float64(v * c.Weight)
			weights += float64(c.Weight)
		}
	}
	if weights == 0 {
		return 0
	}
	return sum / weights
}

// InvitationStatus is where an invitation to review stands.
type InvitationStatus string

// The invitation statuses.
const (
	Invited  InvitationStatus = "invited"
	Accepted InvitationStatus = "accepted"
	Declined InvitationStatus = "declined"
)

// Invitation is an invitation to review, sent by email.
type Invitation struct {
	ID             int64
	ConferenceID   int64
	ConferenceSlug string
	ConferenceName string
	Email          string
	Name           string
	Status         InvitationStatus
	Hash           []byte
	UserID         *int64
	InvitedBy      *int64
	InvitedByName  string
	InvitedAt      time.Time
	ExpiresAt      time.Time
	AnsweredAt     *time.Time
	// ClientKey is the key of the request that last sent it (see InviteOnce), or "".
	ClientKey string
}

// Profile is a reviewer's profile in one conference.
type Profile struct {
	ConferenceID int64
	UserID       int64
	Tracks       []int64
	Formats      []int64
	MaxReviews   int
	Category     string
	// Institutions the reviewer belongs to (beyond their account's), institutions and people (by
	// address) they declare a conflict with.
	Institutions         []string
	ConflictInstitutions []string
	ConflictPeople       []string
	Version              int
}

// Reviewer is a member of a conference's review pool, with their load.
type Reviewer struct {
	UserID      int64
	Name        string
	Email       string
	Institution string // the account's
	HasProfile  bool
	Profile     Profile
	Assigned    int // reviews assigned, calibration included
	Submitted   int
	Drafts      int
}

// DefaultMaxReviews is the maximum load of a reviewer who has not filled their profile.
const DefaultMaxReviews = 30

// MaxLoad is how many reviews the reviewer takes at most.
func (r Reviewer) MaxLoad() int {
	if !r.HasProfile {
		return DefaultMaxReviews
	}
	return r.Profile.MaxReviews
}

// BidLevel is a reviewer's wish about reviewing one proposal.
type BidLevel string

// The bid levels.
const (
	Eager        BidLevel = "eager"
	Willing      BidLevel = "willing"
	NotPreferred BidLevel = "not_preferred"
	ConflictBid  BidLevel = "conflict"
)

// BidLevels lists the levels with their names for people, in the order forms offer them.
var BidLevels = []struct {
	Value BidLevel
	Label string
}{{Eager, "Eager"}, {Willing, "Willing"}, {NotPreferred, "Not preferred"}, {ConflictBid, "Conflict of interest"}}

// Valid reports whether b is a bid level.
func (b BidLevel) Valid() bool {
	return b == Eager || b == Willing || b == NotPreferred || b == ConflictBid
}

// Source says how an assignment was made.
type Source string

// The sources of assignments.
const (
	Automatic   Source = "automatic"
	Manual      Source = "manual"
	Calibration Source = "calibration"
)

// Assignment is one reviewer assigned to one proposal.
type Assignment struct {
	ProposalID   int64
	UserID       int64
	ConferenceID int64
	Round        int
	Source       Source
	Why          string
	AssignedBy   *int64
	AssignedAt   time.Time
}

// Status is where a review is.
type Status string

// The review statuses.
const (
	Draft     Status = "draft"
	Submitted Status = "submitted"
)

// Review is one reviewer's review of one proposal.
type Review struct {
	ID           int64
	ProposalID   int64
	UserID       int64
	ConferenceID int64
	Status       Status
	// Scores by criterion id, each 1 to 5.
	Scores map[string]int
	// Recommendation is 1 (strong reject) to 5 (strong accept); Confidence 1 (low) to 3 (high); 0
	// when not given yet.
	Recommendation int
	Confidence     int
	ToPresenters   string // comments the presenters may read once released
	ToOrganizers   string // confidential comments
	Version        int
	SubmittedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ReleasedAt     *time.Time
	// ReviewerName is known to organizers only; it is never set for reviewers.
	ReviewerName string
	// Counted reports whether the review counts: its reviewer is assigned to the proposal (or it is a
	// calibration sample). A review whose reviewer was removed is kept but does not count.
	Counted bool
}

// Comment is one message of a proposal's discussion.
type Comment struct {
	ID         int64
	ProposalID int64
	UserID     *int64
	Author     string // as the viewer may know it: a name for organizers, "Reviewer 2" for reviewers
	Body       string
	CreatedAt  time.Time
}

// NoticeKind is which notice a decision yields.
type NoticeKind string

// The notice kinds.
const (
	NoticeAccept            NoticeKind = "accept"
	NoticeAcceptOtherFormat NoticeKind = "accept_other_format"
	NoticeReject            NoticeKind = "reject"
	NoticeWaitlist          NoticeKind = "waitlist"
)

// NoticeKinds lists the kinds in order, with their names for people.
var NoticeKinds = []struct {
	Value NoticeKind
	Label string
}{{NoticeAccept, "Acceptance"}, {NoticeAcceptOtherFormat, "Acceptance in another format"}, {NoticeReject, "Rejection"}, {NoticeWaitlist, "Waiting list"}}

// KindOf is the notice a proposal's decision yields.
func KindOf(p submission.Proposal) NoticeKind {
	switch p.Decision {
	case submission.Accept:
		if p.DecidedFormatID != nil && *p.DecidedFormatID != p.FormatID {
			return NoticeAcceptOtherFormat
		}
		return NoticeAccept
	case submission.Reject:
		return NoticeReject
	case submission.Waitlist:
		return NoticeWaitlist
	}
	return ""
}

// Template is the text of one kind of notice, Markdown with {{placeholders}}.
type Template struct {
	ConferenceID int64
	Kind         NoticeKind
	Subject      string
	Body         string
	Version      int
}

// NoticeStatus is whether a notice went out.
type NoticeStatus string

// The notice statuses.
const (
	NoticeDraft NoticeStatus = "draft"
	NoticeSent  NoticeStatus = "sent"
)

// Notice is one decision notice to one presenter, generated for organizers to read before sending.
type Notice struct {
	ID            int64
	ConferenceID  int64
	ProposalID    int64
	ProposalTitle string
	Kind          NoticeKind
	// PresenterID is the presenter the notice is to. Recipient is their address: as it is now while
	// the notice is a draft (their account's, which may change after the notice was written), and the
	// address it went to once sent.
	PresenterID   int64
	Recipient     string
	RecipientName string
	Subject       string
	Body          string // Markdown
	Status        NoticeStatus
	EventKey      string
	CreatedAt     time.Time
	SentAt        *time.Time
	// Delivery is the mail queue's status of a sent notice: queued, sent or failed.
	Delivery string
}

// Store keeps review data. Methods join the transaction carried by ctx. Every method that returns
// proposals or review data to a reviewer leaves out the proposals the reviewer conflicts with.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	// Settings returns the conference's settings, or DefaultSettings when it has none stored.
	Settings(ctx context.Context, conferenceID int64) (Settings, error)
	// SaveSettings stores s if its version is still s.Version (0 for none stored) and bumps it;
	// apperr Conflict otherwise.
	SaveSettings(ctx context.Context, s *Settings) error
	// FormatConfigs returns the review configuration of each of the conference's formats that has one.
	FormatConfigs(ctx context.Context, conferenceID int64) ([]FormatConfig, error)
	// SaveFormatConfig stores c if its version is still c.Version (0 for none stored); apperr
	// Conflict otherwise.
	SaveFormatConfig(ctx context.Context, c *FormatConfig) error

	Invitations(ctx context.Context, conferenceID int64) ([]Invitation, error)
	// LockInvitations serializes the sending of the conference's invitations to review until the
	// transaction on ctx ends.
	LockInvitations(ctx context.Context, conferenceID int64) error
	// SaveInvitation inserts (ID 0) or updates an invitation.
	SaveInvitation(ctx context.Context, inv *Invitation) error
	// InvitationByHash locks the open invitation with the hash; apperr NotFound when none.
	InvitationByHash(ctx context.Context, hash []byte) (Invitation, error)
	// InvitationByEmail returns the conference's invitation of the address; apperr NotFound when none.
	InvitationByEmail(ctx context.Context, conferenceID int64, email string) (Invitation, error)
	// OpenInvitationsFor lists open invitations to the address, in any conference.
	OpenInvitationsFor(ctx context.Context, email string) ([]Invitation, error)

	// Reviewers lists the conference's reviewers (the reviewer role) with their profiles and loads.
	Reviewers(ctx context.Context, conferenceID int64) ([]Reviewer, error)
	// Profile returns a reviewer's profile; ok false when they have none yet.
	Profile(ctx context.Context, conferenceID, userID int64) (Profile, bool, error)
	// SaveProfile stores p if its version is still p.Version (0 for none stored); apperr Conflict
	// otherwise.
	SaveProfile(ctx context.Context, p *Profile) error

	// Conflicted reports whether the user conflicts with the proposal, with the reasons.
	Conflicted(ctx context.Context, proposalID, userID int64) ([]string, error)
	// ConflictPairs lists every conflicting pair of a reviewer of the conference and a proposal.
	ConflictPairs(ctx context.Context, conferenceID int64) (map[[2]int64][]string, error)
	// ConflictsOf returns the proposals of the conference the person conflicts with.
	ConflictsOf(ctx context.Context, conferenceID, userID int64) (map[int64]bool, error)
	// SetConflict records (on) or removes (off) a declared conflict.
	SetConflict(ctx context.Context, proposalID, userID int64, source, reason string, by *int64, on bool) error
	// DeclaredConflicts lists the conflicts declared on the conference's proposals.
	DeclaredConflicts(ctx context.Context, conferenceID int64) ([]DeclaredConflict, error)

	// BiddingList returns the submitted proposals a reviewer may bid on: in their tracks (all when
	// they have none), without those they conflict with, with their bids.
	BiddingList(ctx context.Context, conferenceID, userID int64, f BidFilter) ([]BidItem, int, error)
	// SetBids stores the reviewer's bids; a level "" removes one.
	SetBids(ctx context.Context, userID int64, bids map[int64]BidLevel) error
	// Bids returns every bid in the conference.
	Bids(ctx context.Context, conferenceID int64) ([]Bid, error)

	// Assignment returns one assignment; apperr NotFound when there is none.
	Assignment(ctx context.Context, proposalID, userID int64) (Assignment, error)
	// Unassign removes an assignment; the reviewer's review, if any, is kept but no longer counts
	// (Review.Counted). apperr NotFound when there was no assignment.
	Unassign(ctx context.Context, proposalID, userID int64) error
	// ReviewOf returns a reviewer's review of a proposal; apperr NotFound when there is none.
	ReviewOf(ctx context.Context, proposalID, userID int64) (Review, error)

	// Assignable lists the conference's submitted proposals not yet decided, with their format and
	// track.
	Assignable(ctx context.Context, conferenceID int64) ([]Assignable, error)
	// Assignments lists every assignment of the conference.
	Assignments(ctx context.Context, conferenceID int64) ([]Assignment, error)
	// AddAssignments inserts assignments; apperr Conflict (field "user_id") when one exists.
	AddAssignments(ctx context.Context, list []Assignment) error
	// Assign inserts one assignment unless the reviewer already has the proposal, and reports whether
	// it did.
	Assign(ctx context.Context, a Assignment) (bool, error)
	// LastRound returns the highest assignment round of the conference (0 for none).
	LastRound(ctx context.Context, conferenceID int64) (int, error)
	// SavePlan stores a previewed plan and sets its ID.
	SavePlan(ctx context.Context, pl *PlanRecord) error
	// Plan returns a stored plan of the conference; apperr NotFound when none.
	Plan(ctx context.Context, conferenceID, id int64) (PlanRecord, error)
	// MarkPlanCommitted records when a plan was applied; apperr Conflict when it already was.
	MarkPlanCommitted(ctx context.Context, id int64, at time.Time) error

	// CalibrationProposals lists the conference's calibration proposals.
	CalibrationProposals(ctx context.Context, conferenceID int64) ([]int64, error)
	// SetCalibration adds (on) or removes a calibration proposal.
	SetCalibration(ctx context.Context, conferenceID, proposalID int64, on bool) error

	// Tasks lists what a reviewer has to review: their assignments and, when calibration is on, the
	// calibration proposals, without those they conflict with, with their reviews' states.
	Tasks(ctx context.Context, conferenceID, userID int64, calibration bool) ([]Task, error)
	// SaveReview inserts r (ID 0, version 1) or updates it if its stored version is oldVersion;
	// apperr Conflict otherwise.
	SaveReview(ctx context.Context, r *Review, oldVersion int) error
	// ReviewsOf lists a proposal's reviews, oldest first, with their reviewers' names.
	ReviewsOf(ctx context.Context, proposalID int64) ([]Review, error)
	// SubmittedReviews lists every submitted review of the conference, with its scores and without
	// its comments.
	SubmittedReviews(ctx context.Context, conferenceID int64) ([]Review, error)
	// Progress counts, per proposal, the reviewers assigned and the reviews submitted.
	Progress(ctx context.Context, conferenceID int64) (map[int64]ProposalProgress, error)
	// Discussion lists a proposal's comments, oldest first.
	Discussion(ctx context.Context, proposalID int64) ([]Comment, error)
	// AddComment inserts c and sets its ID and time.
	AddComment(ctx context.Context, c *Comment) error
	// Pending lists, per reviewer, the reviews still to submit (assigned without a submitted review).
	Pending(ctx context.Context, conferenceID int64) (map[int64]int, error)

	// Templates returns the conference's notice templates that were saved.
	Templates(ctx context.Context, conferenceID int64) ([]Template, error)
	// SaveTemplate stores t if its version is still t.Version (0 for none stored); apperr Conflict.
	SaveTemplate(ctx context.Context, t *Template) error
	// Notices lists the conference's notices, unsent first, with their delivery status.
	Notices(ctx context.Context, conferenceID int64) ([]Notice, error)
	// ReplaceNotices replaces a proposal's unsent notices with list.
	ReplaceNotices(ctx context.Context, proposalID int64, list []Notice) error
	// MarkNoticeSent records that a notice went into the mail queue to the address to, under the
	// event key.
	MarkNoticeSent(ctx context.Context, id int64, to, eventKey string, at time.Time) error
	// ReleaseReviews lets a proposal's presenters read its submitted reviews' comments to them.
	ReleaseReviews(ctx context.Context, proposalID int64, at time.Time) (int, error)
}

// Assignable is a submitted proposal as the assignment needs it.
type Assignable struct {
	ProposalID int64
	FormatID   int64
	TrackID    int64
}

// PlanRecord is a previewed assignment plan, stored so that what is committed is what was shown.
type PlanRecord struct {
	ID           int64
	ConferenceID int64
	CreatedBy    *int64
	CreatedAt    time.Time
	// Basis fingerprints the state the plan was computed from.
	Basis       string
	Plan        []byte // the plan, as JSON
	CommittedAt *time.Time
}

// Task is one proposal a reviewer is to review.
type Task struct {
	ProposalID  int64
	Title       string
	FormatID    int64
	TrackID     *int64
	Calibration bool
	// Status is the review's: "" before it is started.
	Status    Status
	UpdatedAt *time.Time
}

// ProposalProgress is how far a proposal's review is.
type ProposalProgress struct {
	Assigned, Submitted int
}

// DeclaredConflict is a conflict declared on one proposal.
type DeclaredConflict struct {
	ProposalID    int64
	ProposalTitle string
	UserID        int64
	Name          string
	Source        string
	Reason        string
	CreatedAt     time.Time
}

// Bid is one reviewer's bid on one proposal.
type Bid struct {
	ProposalID int64
	UserID     int64
	Level      BidLevel
}

// BidFilter selects the proposals of the bidding page.
type BidFilter struct {
	TrackID int64
	Query   string
	Unbid   bool
	Limit   int
	Offset  int
}

// BidItem is a proposal as a bidding reviewer sees it: anonymous, with their bid.
type BidItem struct {
	ProposalID int64
	Title      string
	Abstract   string
	FormatID   int64
	TrackID    *int64
	Level      BidLevel
}
