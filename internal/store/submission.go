package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/submission"
)

// Proposals is the submission.Store.
type Proposals struct{ *DB }

var _ submission.Store = Proposals{}

type proposalRow struct {
	ID           int64 `gorm:"primaryKey"`
	ConferenceID int64
	OwnerID      int64
	FormatID     int64
	TrackID      *int64
	Title        string
	Abstract     *string // NULL when the revision of the version read was not visible (LockMany)
	Answers      []byte  `gorm:"type:jsonb"`
	Status       string
	Version      int
	Deadline     *time.Time
	AccessLinkID *int64
	ClientKey    *string
	SubmittedAt  *time.Time
	WithdrawnAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time

	Decision           *string
	DecidedFormatID    *int64
	DecisionNote       string
	DecisionReason     string
	DecidedAt          *time.Time
	DecidedBy          *int64
	DecisionReleasedAt *time.Time
	Participation      *string
	ConfirmBy          *time.Time
	ParticipationAt    *time.Time
}

func (proposalRow) TableName() string { return "proposals" }

// proposalStateColumns are the columns of a proposalRow but its texts (title, abstract, answers), in
// the order of stateTargets.
const proposalStateColumns = "p.id, p.conference_id, p.owner_id, p.format_id, p.track_id, p.status, " +
	"p.version, p.deadline, p.access_link_id, p.client_key, p.submitted_at, p.withdrawn_at, p.created_at, p.updated_at, " +
	"p.decision, p.decided_format_id, p.decision_note, p.decision_reason, p.decided_at, p.decided_by, p.decision_released_at, " +
	"p.participation, p.confirm_by, p.participation_at"

// proposalColumns are the columns a proposalRow reads (not the search vector), in the order of
// targets: those of the proposal p and the texts of its current revision. They, and the presenters,
// are read in the statement's snapshot: a statement that locks p after another writer committed
// (having waited for it, or not) goes on with p as that writer left it but sees the other tables as
// they were when the statement began. So Get locks first and reads in a statement of its own; the
// batched LockMany, which does not wait, reads as it locks and leaves the checking to SaveStatuses.
const proposalColumns = proposalStateColumns + ", p.title, " +
	"(SELECT t.abstract " + currentRevision + ") AS abstract, (SELECT t.answers " + currentRevision + ") AS answers"

// currentRevision is the revision t of proposal p at its version, which holds p's current abstract
// and answers (a version's texts are kept in its revision alone), for a sub-select; currentText
// joins it. (A join is not for a read that locks: see proposalColumns.)
const (
	currentRevision = `FROM proposal_revisions t WHERE t.proposal_id = p.id AND t.version = p.version`
	currentText     = `JOIN proposal_revisions t ON t.proposal_id = p.id AND t.version = p.version`
)

// stateTargets are where the proposalStateColumns of a row are scanned to, in their order.
func (r *proposalRow) stateTargets() []any {
	return []any{&r.ID, &r.ConferenceID, &r.OwnerID, &r.FormatID, &r.TrackID, &r.Status,
		&r.Version, &r.Deadline, &r.AccessLinkID, &r.ClientKey, &r.SubmittedAt, &r.WithdrawnAt, &r.CreatedAt, &r.UpdatedAt,
		&r.Decision, &r.DecidedFormatID, &r.DecisionNote, &r.DecisionReason, &r.DecidedAt, &r.DecidedBy, &r.DecisionReleasedAt,
		&r.Participation, &r.ConfirmBy, &r.ParticipationAt}
}

// targets are where the proposalColumns of a row are scanned to, in their order.
func (r *proposalRow) targets() []any {
	return append(r.stateTargets(), &r.Title, &r.Abstract, &r.Answers)
}

func answersFromJSON(b []byte) question.Answers {
	a := question.Answers{}
	if len(b) > 0 {
		_ = json.Unmarshal(b, &a)
	}
	return a
}

func answersJSON(a question.Answers) []byte {
	if a == nil {
		a = question.Answers{}
	}
	return jsonOf(a)
}

func (r proposalRow) domain() submission.Proposal {
	p := submission.Proposal{ID: r.ID, ConferenceID: r.ConferenceID, OwnerID: r.OwnerID, FormatID: r.FormatID, TrackID: r.TrackID,
		Title: r.Title, Answers: answersFromJSON(r.Answers), Status: submission.Status(r.Status), Version: r.Version,
		Deadline: r.Deadline, AccessLinkID: r.AccessLinkID, SubmittedAt: r.SubmittedAt, WithdrawnAt: r.WithdrawnAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Abstract != nil {
		p.Abstract = *r.Abstract
	}
	if r.ClientKey != nil {
		p.ClientKey = *r.ClientKey
	}
	if r.Decision != nil {
		p.Decision = submission.Decision(*r.Decision)
	}
	if r.Participation != nil {
		p.Participation = submission.Participation(*r.Participation)
	}
	p.DecidedFormatID, p.DecisionNote, p.DecisionReason, p.DecidedAt, p.DecidedBy = r.DecidedFormatID, r.DecisionNote, r.DecisionReason, r.DecidedAt, r.DecidedBy
	p.DecisionReleasedAt, p.ConfirmBy, p.ParticipationAt = r.DecisionReleasedAt, r.ConfirmBy, r.ParticipationAt
	return p
}

type presenterRow struct {
	ID         int64 `gorm:"primaryKey"`
	ProposalID int64
	UserID     *int64
	// Email is the address the presenter was invited at, or had when they joined; once they accept it
	// gives way to their account's (presenterEmail).
	Email string
	// Name is the name the presenter was invited by, or had when they joined; once they accept it
	// gives way to their account's (presenterName).
	Name       string
	IsOwner    bool
	Status     string
	TokenHash  []byte
	InvitedBy  *int64
	InvitedAt  time.Time
	ExpiresAt  *time.Time
	AnsweredAt *time.Time
	Position   int
	// InvitedEmail is the address an accepted invitation was sent to, when it was not the address of
	// the account that accepted it (Email then).
	InvitedEmail *string
	// ClientKey is the key of the request that last sent the invitation, if it had one.
	ClientKey *string
}

func (presenterRow) TableName() string { return "proposal_presenters" }

// presenterWithProfile is a presenter row joined with its account's profile.
type presenterWithProfile struct {
	P               presenterRow `gorm:"embedded"`
	Pronouns        string
	ParticipantRole string
	RoleOther       string
	Institution     string
	Bio             string
}

func (r presenterWithProfile) domain() submission.Presenter {
	x := r.P
	invitedEmail := ""
	if x.InvitedEmail != nil {
		invitedEmail = *x.InvitedEmail
	}
	return submission.Presenter{ID: x.ID, ProposalID: x.ProposalID, UserID: x.UserID, Email: x.Email, Name: x.Name, IsOwner: x.IsOwner,
		Status: submission.PresenterStatus(x.Status), Hash: x.TokenHash, InvitedBy: x.InvitedBy, InvitedAt: x.InvitedAt,
		ExpiresAt: x.ExpiresAt, AnsweredAt: x.AnsweredAt, Position: x.Position, InvitedEmail: invitedEmail, ClientKey: deref(x.ClientKey),
		Profile: account.Profile{Pronouns: r.Pronouns, Role: account.ParticipantRole(r.ParticipantRole), RoleOther: r.RoleOther,
			Institution: r.Institution, Bio: r.Bio}}
}

// presenterJSON is a presenter as the proposal queries return it, in a JSON column, so that a
// proposal and its presenters come back in one round trip. The invitation's hash is not included.
type presenterJSON struct {
	ID              int64      `json:"id"`
	UserID          *int64     `json:"user_id"`
	Email           string     `json:"email"`
	Name            string     `json:"name"`
	IsOwner         bool       `json:"is_owner"`
	Status          string     `json:"status"`
	InvitedBy       *int64     `json:"invited_by"`
	InvitedAt       time.Time  `json:"invited_at"`
	ExpiresAt       *time.Time `json:"expires_at"`
	AnsweredAt      *time.Time `json:"answered_at"`
	Position        int        `json:"position"`
	InvitedEmail    string     `json:"invited_email"`
	ClientKey       string     `json:"client_key"`
	Pronouns        string     `json:"pronouns"`
	ParticipantRole string     `json:"participant_role"`
	RoleOther       string     `json:"role_other"`
	Institution     string     `json:"institution"`
	Bio             string     `json:"bio"`
}

// presentersColumn is the presenters of proposal p, with the profiles of those who accepted, as
// JSON (presenterJSON). An accepted presenter is addressed and named as their account is now (see
// presenterEmail, presenterName), and the address their invitation went to is theirs (see
// presenterInvitedEmail).
const presentersColumn = `(SELECT coalesce(json_agg(json_build_object('id', pp.id, 'user_id', pp.user_id, 'email', ` + presenterEmail + `,
		'name', ` + presenterName + `,
		'is_owner', pp.is_owner, 'status', pp.status, 'invited_by', pp.invited_by, 'invited_at', pp.invited_at,
		'expires_at', pp.expires_at, 'answered_at', pp.answered_at, 'position', pp.position,
		'invited_email', ` + presenterInvitedEmail + `, 'client_key', coalesce(pp.client_key, ''),
		'pronouns', coalesce(u.pronouns, ''), 'participant_role', coalesce(u.participant_role, ''), 'role_other', coalesce(u.role_other, ''),
		'institution', coalesce(u.institution, ''), 'bio', coalesce(u.bio, ''))
		ORDER BY pp.is_owner DESC, pp.position, pp.id), '[]')
	 FROM proposal_presenters pp LEFT JOIN users u ON u.id = pp.user_id AND pp.status = 'accepted'
	 WHERE pp.proposal_id = p.id)`

// presenterName is the name of presenter pp, with u their account, joined where pp accepted (its
// owner or a co-presenter who accepted): the account's current name, as they chose to be shown in the
// program, rather than the name pp was written with when they joined, which a change of their profile
// does not rewrite. An invitation not yet answered, or declined, keeps the name it was sent to.
const presenterName = `coalesce(u.name, pp.name)`

// presenterEmail is the address of presenter pp, with u their account, joined where pp accepted: the
// account's current address, where mail about the proposal reaches them and by which organizers know
// them, rather than the address pp was written with when they joined, which a change of the account's
// address does not rewrite. An invitation not yet answered, or declined, keeps the address it was sent
// to.
const presenterEmail = `coalesce(u.email, pp.email)`

// presenterInvitedEmail is the address the invitation presenter pp accepted was sent to (invited_email
// where it was not the address of the account that accepted it, pp.email where it was); empty for
// an owner, who was not invited, and for an invitation not yet accepted.
const presenterInvitedEmail = `coalesce(pp.invited_email, CASE WHEN pp.status = 'accepted' AND NOT pp.is_owner THEN pp.email END, '')`

// proposalSelect reads proposals p with their texts, their owner's extension and their presenters.
const proposalSelect = `SELECT ` + proposalColumns + `, e.until AS extension, ` + presentersColumn + ` AS presenters
	FROM proposals p LEFT JOIN deadline_extensions e ON e.conference_id = p.conference_id AND e.user_id = p.owner_id`

// summarySelect is proposalSelect without the content lists do not show.
var summarySelect = `SELECT ` + proposalStateColumns + `, p.title, '' AS abstract, '{}'::jsonb AS answers` +
	`, e.until AS extension, '[]'::json AS presenters
	FROM proposals p LEFT JOIN deadline_extensions e ON e.conference_id = p.conference_id AND e.user_id = p.owner_id`

// proposalResult is one row of proposalSelect.
type proposalResult struct {
	R          proposalRow `gorm:"embedded"`
	Extension  *time.Time
	Presenters []byte
}

// targets are where the columns of a proposalSelect row are scanned to, in their order.
func (r *proposalResult) targets() []any {
	return append(r.R.targets(), &r.Extension, &r.Presenters)
}

func (r proposalResult) domain() submission.Proposal {
	p := r.R.domain()
	p.Extension = r.Extension
	var list []presenterJSON
	_ = json.Unmarshal(r.Presenters, &list)
	for _, x := range list {
		p.Presenters = append(p.Presenters, submission.Presenter{ID: x.ID, ProposalID: p.ID, UserID: x.UserID, Email: x.Email, Name: x.Name,
			IsOwner: x.IsOwner, Status: submission.PresenterStatus(x.Status), InvitedBy: x.InvitedBy, InvitedAt: x.InvitedAt,
			ExpiresAt: x.ExpiresAt, AnsweredAt: x.AnsweredAt, Position: x.Position, InvitedEmail: x.InvitedEmail, ClientKey: x.ClientKey,
			Profile: x.profile()})
	}
	return p
}

func (x presenterJSON) profile() account.Profile {
	return account.Profile{Pronouns: x.Pronouns, Role: account.ParticipantRole(x.ParticipantRole), RoleOther: x.RoleOther,
		Institution: x.Institution, Bio: x.Bio}
}

// proposals runs a proposalSelect query.
func (s Proposals) proposals(ctx context.Context, op, query string, args ...any) ([]submission.Proposal, error) {
	var rows []proposalResult
	if err := s.conn(ctx).Raw(query, args...).Find(&rows).Error; err != nil {
		return nil, translate(op, err)
	}
	out := make([]submission.Proposal, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// one runs a proposalSelect query for at most one proposal; apperr NotFound when there is none.
func (s Proposals) one(ctx context.Context, op, query string, args ...any) (submission.Proposal, error) {
	list, err := s.proposals(ctx, op, query, args...)
	if err != nil {
		return submission.Proposal{}, err
	}
	if len(list) == 0 {
		return submission.Proposal{}, apperr.New(apperr.NotFound, "There is no such proposal.")
	}
	return list[0], nil
}

// Create implements submission.Store: the proposal, its presenters, its first revision and the audit
// entry are one statement, so that a new draft takes one round trip and needs no explicit transaction;
// each long text is sent once, and kept in the revision alone. Outside a transaction, creates
// that arrive together are written together; a batch that fails is written again one at a time.
func (s Proposals) Create(ctx context.Context, p *submission.Proposal, r *submission.Revision, e audit.Entry) error {
	now := time.Now()
	presenters := make([]presenterIn, len(p.Presenters))
	for i, x := range p.Presenters {
		presenters[i] = presenterIn{UserID: x.UserID, Email: x.Email, Name: x.Name, IsOwner: x.IsOwner, Status: string(x.Status),
			TokenHash: x.Hash, InvitedBy: x.InvitedBy, InvitedAt: x.InvitedAt, ExpiresAt: x.ExpiresAt, AnsweredAt: x.AnsweredAt, Position: x.Position}
		if presenters[i].InvitedAt.IsZero() {
			presenters[i].InvitedAt = now
		}
	}
	in := newProposal{p: *p, at: now, presenters: string(jsonOf(presenters)), by: r.SavedBy, note: r.Note, audit: auditRowOf(ctx, e)}
	if p.ClientKey != "" {
		in.key = &p.ClientKey
	}
	out, err := s.creates.DoOrAlone(ctx, in, s.Joined(ctx) || hasNUL(p.Content()))
	if err != nil {
		var pg *pgconn.PgError
		if errors.As(err, &pg) && pg.ConstraintName == "proposals_client_key" {
			return apperr.New(apperr.Conflict, "This proposal was already created.")
		}
		return translate("create proposal", err)
	}
	if out.keyUsed {
		return apperr.New(apperr.Conflict, "This proposal was already created.")
	}
	// The presenters as stored, with their profiles, as a read of the proposal would give them (the
	// blind-review warnings look for their institutions).
	var stored []presenterJSON
	if err := json.Unmarshal(out.Presenters, &stored); err != nil {
		return translate("create proposal", err)
	}
	p.ID, p.Version, p.CreatedAt, p.UpdatedAt, p.Extension = out.ID, 1, now, now, out.Extension
	r.ProposalID, r.Version, r.SavedAt = p.ID, 1, now
	for i := range p.Presenters {
		p.Presenters[i].ProposalID = p.ID
		for _, x := range stored {
			if x.Email == p.Presenters[i].Email {
				p.Presenters[i].ID, p.Presenters[i].Profile = x.ID, x.profile()
			}
		}
	}
	return nil
}

// presenterIn is a presenter as a create sends it, in JSON.
type presenterIn struct {
	UserID     *int64     `json:"user_id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	IsOwner    bool       `json:"is_owner"`
	Status     string     `json:"status"`
	TokenHash  []byte     `json:"token_hash"`
	InvitedBy  *int64     `json:"invited_by"`
	InvitedAt  time.Time  `json:"invited_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	AnsweredAt *time.Time `json:"answered_at"`
	Position   int        `json:"position"`
}

// newProposal is one create: the proposal, its presenters in JSON, its first revision's author and
// note, and its audit entry (whose subject gets the new id appended).
type newProposal struct {
	p          submission.Proposal
	at         time.Time
	key        *string
	presenters string
	by         *int64
	note       string
	audit      auditRow
}

// createdProposal is a created proposal's id and its presenters with their profiles, in JSON; or,
// when keyUsed is set, nothing: the owner has a proposal with the create's client key already.
type createdProposal struct {
	ID         int64
	Presenters []byte
	keyUsed    bool
	Extension  *time.Time // its owner's extended deadline in the conference, if any
}

// createProposals writes the creates in one statement: each proposal with its presenters, its first
// revision and its audit entry. Ids are drawn first, in v, so that each row's presenters, revision
// and entry find their proposal. A create whose client key its owner has used already writes
// nothing and reports keyUsed. The arrays go to the driver as they are.
func (s Proposals) createProposals(ctx context.Context, in []newProposal) ([]createdProposal, error) {
	n := len(in)
	ord, confs, owners, formats, tracks := make([]int32, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]*int64, n)
	titles, abstracts, answers, statuses := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	deadlines, links, keys, at := make([]*time.Time, n), make([]*int64, n), make([]*string, n), make([]time.Time, n)
	presenters, by, notes := make([]string, n), make([]*int64, n), make([]string, n)
	var entries auditColumns
	for i, x := range in {
		p := x.p
		ord[i], confs[i], owners[i], formats[i], tracks[i] = int32(i), p.ConferenceID, p.OwnerID, p.FormatID, p.TrackID
		titles[i], abstracts[i], answers[i], statuses[i] = p.Title, p.Abstract, string(answersJSON(p.Answers)), string(p.Status)
		deadlines[i], links[i], keys[i], at[i] = p.Deadline, p.AccessLinkID, x.key, x.at
		presenters[i], by[i], notes[i] = x.presenters, x.by, x.note
		entries.add(x.audit)
	}
	db := s.conn(ctx)
	rows, err := db.Statement.ConnPool.QueryContext(ctx, `WITH v AS MATERIALIZED (
			SELECT x.*, nextval('proposals_id_seq') AS id FROM `+createRows+`
				AS x(ord, conference_id, owner_id, format_id, track_id, title, abstract, answers, status, deadline, access_link_id, client_key, at,
					presenters, saved_by, note, occurred_at, actor_id, actor_email, action, subject, audit_conference_id, ip, user_agent, details)),
		p AS (
			INSERT INTO proposals (id, conference_id, owner_id, format_id, track_id, title, status, version, deadline,
				access_link_id, client_key, created_at, updated_at)
			SELECT id, conference_id, owner_id, format_id, track_id, title, status, 1, deadline, access_link_id, client_key, at, at
			FROM v
			-- A client key used already (a repeated create, in this batch or before) writes nothing:
			-- that create answers as a repeated one does, and the others go on.
			ON CONFLICT (owner_id, client_key) DO NOTHING
			RETURNING id),
		pp AS (
			INSERT INTO proposal_presenters (proposal_id, user_id, email, name, is_owner, status, token_hash, invited_by, invited_at,
				expires_at, answered_at, position)
			SELECT v.id, x.user_id, x.email, x.name, x.is_owner, x.status, decode(x.token_hash, 'base64'), x.invited_by, x.invited_at,
				x.expires_at, x.answered_at, x.position
			FROM v JOIN p ON p.id = v.id, jsonb_to_recordset(v.presenters) AS x(user_id bigint, email text, name text, is_owner boolean, status presenter_status,
				token_hash text, invited_by bigint, invited_at timestamptz, expires_at timestamptz, answered_at timestamptz, position int)
			RETURNING id, proposal_id, email, user_id, status),
		r AS (`+revisionInsert+`
			SELECT v.id, 1, v.status, v.format_id, v.track_id, v.title, v.abstract, v.answers, v.saved_by, v.at, v.note FROM p JOIN v ON v.id = p.id),
		a AS (
			INSERT INTO audit_log (occurred_at, actor_id, actor_email, action, subject, conference_id, ip, user_agent, details)
			SELECT v.occurred_at, v.actor_id, v.actor_email, v.action, v.subject || v.id, v.audit_conference_id, v.ip, v.user_agent, v.details
			FROM v JOIN p ON p.id = v.id)
		-- Each presenter's profile is looked up by key (LATERAL ... LIMIT 1): the planner cannot know
		-- how few presenters the JSON holds and would otherwise read every user to join them.
		SELECT v.ord AS batch_ord, v.id, p.id IS NULL AS key_used, (SELECT coalesce(json_agg(json_build_object('id', pp.id, 'email', pp.email,
				'pronouns', coalesce(u.pronouns, ''), 'participant_role', coalesce(u.participant_role, ''), 'role_other', coalesce(u.role_other, ''),
				'institution', coalesce(u.institution, ''), 'bio', coalesce(u.bio, ''))), '[]')
			FROM pp LEFT JOIN LATERAL (SELECT * FROM users WHERE id = pp.user_id AND pp.status = 'accepted' LIMIT 1) u ON true
			WHERE pp.proposal_id = v.id) AS presenters,
			(SELECT e.until FROM deadline_extensions e WHERE e.conference_id = v.conference_id AND e.user_id = v.owner_id) AS extension
		FROM v LEFT JOIN p ON p.id = v.id`,
		append([]any{ord, confs, owners, formats, tracks, textArrayOf(titles), textArrayOf(abstracts), jsonbArrayOf(answers), statuses, deadlines,
			links, keys, at, jsonbArrayOf(presenters), by, notes},
			entries.args()...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]createdProposal, n)
	seen := make([]bool, n)
	got := 0
	for rows.Next() {
		var row struct {
			BatchOrd int
			createdProposal
		}
		if err := rows.Scan(&row.BatchOrd, &row.ID, &row.keyUsed, &row.Presenters, &row.Extension); err != nil {
			return nil, err
		}
		if row.BatchOrd < 0 || row.BatchOrd >= n || seen[row.BatchOrd] {
			return nil, fmt.Errorf("create proposals: unexpected row %d", row.BatchOrd)
		}
		out[row.BatchOrd], seen[row.BatchOrd] = row.createdProposal, true
		got++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if got != n {
		return nil, fmt.Errorf("create proposals: %d rows for %d creates", got, n)
	}
	return out, nil
}

// ByClientKey implements submission.Store.
func (s Proposals) ByClientKey(ctx context.Context, ownerID int64, key string) (submission.Proposal, error) {
	return s.one(ctx, "proposal by client key", proposalSelect+` WHERE p.owner_id = ? AND p.client_key = ?`, ownerID, key)
}

// Get implements submission.Store.
func (s Proposals) Get(ctx context.Context, conferenceID, id int64, lock bool) (submission.Proposal, error) {
	if lock {
		// Locked first, then read: see proposalColumns.
		var ids []int64
		if err := s.conn(ctx).Raw(`SELECT id FROM proposals WHERE id = ? AND conference_id = ? FOR UPDATE`, id, conferenceID).
			Scan(&ids).Error; err != nil {
			return submission.Proposal{}, translate("proposal", err)
		}
		if len(ids) == 0 {
			return submission.Proposal{}, apperr.New(apperr.NotFound, "There is no such proposal.")
		}
	}
	return s.one(ctx, "proposal", proposalSelect+` WHERE p.id = ? AND p.conference_id = ?`, id, conferenceID)
}

// SaveVersion implements submission.Store: the update, the revision (which holds the texts) and the
// audit entry are one statement, so that a save takes one round trip and needs no explicit
// transaction. A change of the text empties the search vector.
func (s Proposals) SaveVersion(ctx context.Context, p *submission.Proposal, oldVersion int, r *submission.Revision, e *audit.Entry) (bool, error) {
	args := map[string]any{"id": p.ID, "old": oldVersion, "version": p.Version, "format": p.FormatID, "track": p.TrackID, "title": p.Title,
		"abstract": p.Abstract, "answers": string(answersJSON(p.Answers)), "status": string(p.Status), "submitted": p.SubmittedAt,
		"withdrawn": p.WithdrawnAt, "at": p.UpdatedAt, "by": r.SavedBy, "note": r.Note}
	logged := ""
	if e != nil {
		logged = `, a AS (` + auditInsert(auditRowOf(ctx, *e), "@subject", "u", args) + `)`
	}
	res := s.conn(ctx).Exec(`WITH c AS (
			SELECT (p.title, t.abstract, t.answers) IS DISTINCT FROM (CAST(@title AS text), CAST(@abstract AS text), CAST(@answers AS jsonb)) AS changed
			FROM proposals p `+currentText+` WHERE p.id = @id),
		u AS (
			UPDATE proposals p SET format_id = @format, track_id = @track, title = @title,
				status = @status, version = @version, submitted_at = @submitted, withdrawn_at = @withdrawn, updated_at = @at,
				search = CASE WHEN c.changed THEN NULL ELSE p.search END,
				text_changed_at = CASE WHEN c.changed THEN now() ELSE p.text_changed_at END
			FROM c WHERE p.id = @id AND p.version = @old RETURNING p.id, p.version, p.status, p.format_id, p.track_id)`+logged+revisionInsert+`
		SELECT id, version, status, format_id, track_id, CAST(@title AS text), CAST(@abstract AS text), CAST(@answers AS jsonb), @by, @at, @note FROM u`, args)
	if res.Error != nil {
		return false, translate("save proposal", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// LockMany implements submission.Store: one statement, which skips the proposals another
// transaction holds. A proposal whose last writer committed as the statement began is read with p as
// it now is and the rest as it was (see proposalColumns): a new version's texts come back NULL, and
// such a proposal is left out (its submit is made on its own); presenters changed meanwhile make
// SaveStatuses refuse the write. The ids go to the driver as an array behind a sub-select, so that
// every batch has one plan.
func (s Proposals) LockMany(ctx context.Context, ids []int64) ([]submission.Proposal, error) {
	db := s.conn(ctx)
	rows, err := db.Statement.ConnPool.QueryContext(ctx, proposalSelect+` WHERE p.id IN (SELECT unnest($1::bigint[])) FOR UPDATE OF p SKIP LOCKED`, ids)
	if err != nil {
		return nil, translate("lock proposals", err)
	}
	defer rows.Close()
	var out []submission.Proposal
	for rows.Next() {
		var r proposalResult
		if err := rows.Scan(r.targets()...); err != nil {
			return nil, translate("lock proposals", err)
		}
		if r.R.Abstract != nil {
			out = append(out, r.domain())
		}
	}
	return out, translate("lock proposals", rows.Err())
}

// presentersSeen is what SaveStatuses compares to tell that a proposal's presenters are those it was
// given: each presenter's id and status, in the order of their ids. A change that keeps both (a new
// invitation to someone already invited, under another name) goes unseen: it changes neither who
// receives the receipts nor how many present.
func presentersSeen(ps []submission.Presenter) string {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b submission.Presenter) int { return cmp.Compare(a.ID, b.ID) })
	var b strings.Builder
	for i, x := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d:%s", x.ID, x.Status)
	}
	return b.String()
}

// SaveStatuses implements submission.Store: each change is a row of v; the revision copies the
// texts of the version before, so no text is sent. A change is written only if the proposal is at
// the version it was read at, with the presenters it was read with. The arrays go to the driver as
// they are.
func (s Proposals) SaveStatuses(ctx context.Context, ss []submission.StatusSave) ([]bool, error) {
	n := len(ss)
	ord, ids, olds, versions, statuses := make([]int32, n), make([]int64, n), make([]int32, n), make([]int32, n), make([]string, n)
	submitted, withdrawn, at, by, notes := make([]*time.Time, n), make([]*time.Time, n), make([]time.Time, n), make([]*int64, n), make([]string, n)
	presenters := make([]string, n)
	var entries auditColumns
	for i, x := range ss {
		p := x.P
		ord[i], ids[i], olds[i], versions[i], statuses[i] = int32(i), p.ID, int32(x.OldVersion), int32(p.Version), string(p.Status)
		submitted[i], withdrawn[i], at[i], by[i], notes[i] = p.SubmittedAt, p.WithdrawnAt, p.UpdatedAt, x.Revision.SavedBy, x.Revision.Note
		presenters[i] = presentersSeen(p.Presenters)
		// The entry says where its own request came from; ctx may be another request's (a batch's).
		entries.add(auditRowOf(context.Background(), x.Entry))
	}
	db := s.conn(ctx)
	rows, err := db.Statement.ConnPool.QueryContext(ctx, `WITH v AS (
			SELECT * FROM `+statusRows+`
				AS v(ord, id, old, version, status, submitted_at, withdrawn_at, at, saved_by, note,
					occurred_at, actor_id, actor_email, action, subject, audit_conference_id, ip, user_agent, details, presenters)),
		u AS (
			UPDATE proposals p SET status = v.status, version = v.version, submitted_at = v.submitted_at, withdrawn_at = v.withdrawn_at,
				updated_at = v.at
			-- The presenters now, looked up for each row of v (by v.id: by p.id the planner would
			-- compute them for every proposal it reads).
			FROM v CROSS JOIN LATERAL (SELECT coalesce(string_agg(pp.id || ':' || pp.status, ',' ORDER BY pp.id), '') AS seen
				FROM proposal_presenters pp WHERE pp.proposal_id = v.id) now
			WHERE p.id = v.id AND p.version = v.old AND now.seen = v.presenters
			RETURNING v.ord, v.old, p.id, p.version, p.status, p.format_id, p.track_id, p.title, v.saved_by, v.at, v.note),
		r AS (`+revisionInsert+`
			SELECT u.id, u.version, u.status, u.format_id, u.track_id, u.title, t.abstract, t.answers, u.saved_by, u.at, u.note
			-- Outer: a version without its revision fails the insert (NOT NULL) rather than go unrecorded.
			FROM u LEFT JOIN proposal_revisions t ON t.proposal_id = u.id AND t.version = u.old),
		a AS (
			INSERT INTO audit_log (occurred_at, actor_id, actor_email, action, subject, conference_id, ip, user_agent, details)
			SELECT v.occurred_at, v.actor_id, v.actor_email, v.action, v.subject, v.audit_conference_id, v.ip, v.user_agent, v.details
			FROM v JOIN u ON u.ord = v.ord)
		SELECT ord FROM u`,
		append(append([]any{ord, ids, olds, versions, statuses, submitted, withdrawn, at, by, notes}, entries.args()...), presenters)...)
	if err != nil {
		return nil, translate("save proposals", err)
	}
	defer rows.Close()
	out := make([]bool, n)
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return nil, translate("save proposals", err)
		}
		if i < 0 || i >= n || out[i] {
			return nil, fmt.Errorf("save proposals: unexpected row %d", i)
		}
		out[i] = true
	}
	return out, translate("save proposals", rows.Err())
}

// SaveContent implements submission.Store. The conditions are those Service.Save checks after
// reading the proposal; when one fails nothing is written and the service reads and explains.
// Outside a transaction, saves that arrive together are written together (saveBatch); a batch that
// fails is written again one save at a time, so that one save's error stays its own.
func (s Proposals) SaveContent(ctx context.Context, c submission.ContentSave) (submission.Proposal, bool, error) {
	r, err := s.saves.DoOrAlone(ctx, c, s.Joined(ctx) || hasNUL(c.Content))
	if err != nil {
		return submission.Proposal{}, false, translate("save proposal", err)
	}
	return r.prop, r.saved, nil
}

// savedContent is the outcome of one ContentSave.
type savedContent struct {
	prop  submission.Proposal
	saved bool
}

// hasNUL reports whether c has a NUL character, which PostgreSQL refuses in text: such a save is
// written alone, where its error fails no other.
func hasNUL(c submission.Content) bool {
	if strings.ContainsRune(c.Title, 0) || strings.ContainsRune(c.Abstract, 0) {
		return true
	}
	for k, vs := range c.Answers {
		if strings.ContainsRune(k, 0) || slices.ContainsFunc(vs, func(v string) bool { return strings.ContainsRune(v, 0) }) {
			return true
		}
	}
	return false
}

// saveContents writes the saves cs in one statement: each new content is a row of v, so that each
// long text is sent, and parsed, once; each proposal that meets the save's conditions is updated
// and its revision written from the row the update returns and the texts of its row of v. The
// statement returns each saved proposal's state, not its texts, which are the save's. The
// statement's arrays go to the driver as they are (GORM would spread a slice into a list of values).
func (s Proposals) saveContents(ctx context.Context, cs []submission.ContentSave) ([]savedContent, error) {
	n := len(cs)
	ord, ids, confs, olds, users := make([]int32, n), make([]int64, n), make([]int64, n), make([]int32, n), make([]int64, n)
	formats, tracks, titles, abstracts, answers := make([]int64, n), make([]*int64, n), make([]string, n), make([]string, n), make([]string, n)
	complete, accepting, closes, at, now := make([]bool, n), make([]bool, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	most := make([]int32, n)
	for i, c := range cs {
		ord[i], ids[i], confs[i], olds[i], users[i] = int32(i), c.ProposalID, c.ConferenceID, int32(c.Version), c.UserID
		formats[i], tracks[i], titles[i], abstracts[i] = c.Content.FormatID, c.Content.TrackID, c.Content.Title, c.Content.Abstract
		answers[i] = string(answersJSON(c.Content.Answers))
		complete[i], accepting[i], closes[i], at[i], most[i] = c.Complete, c.Accepting, c.ClosesAt, c.At, int32(c.MaxPresenters)
		// The database keeps microseconds: the moment is compared rounded up, so that a save a
		// fraction of a microsecond after a deadline (which ends at :59.999999) is after it.
		now[i] = ceilMicro(c.At)
	}
	db := s.conn(ctx)
	rows, err := db.Statement.ConnPool.QueryContext(ctx, `WITH v AS (
			SELECT * FROM `+saveRows+`
				AS v(ord, id, conference_id, old, user_id, format_id, track_id, title, abstract, answers, complete, accepting, closes, at, now, most)),
		-- A proposal locked by another transaction is skipped, not waited for: its save reads and
		-- waits on its own, and the saves of other proposals in the batch do not wait with it.
		l AS (SELECT id FROM proposals WHERE id IN (SELECT id FROM v) FOR UPDATE SKIP LOCKED),
		-- The texts of the version saved from, and whether the save changes them (the title is that
		-- version's too: the update below requires the proposal still at it).
		t AS (SELECT v.ord, t.abstract, t.answers,
				(p.title, t.abstract, t.answers) IS DISTINCT FROM (v.title, v.abstract, v.answers) AS changed
			FROM v JOIN proposal_revisions t ON t.proposal_id = v.id AND t.version = v.old JOIN proposals p ON p.id = v.id),
		u AS (
			UPDATE proposals p SET format_id = v.format_id, track_id = v.track_id, title = v.title,
				version = p.version + 1, updated_at = v.at,
				-- The search vector of the old text is emptied (refilled by IndexSearch) when the text changed.
				search = CASE WHEN t.changed THEN NULL ELSE p.search END,
				text_changed_at = CASE WHEN t.changed THEN now() ELSE p.text_changed_at END
			FROM v JOIN t ON t.ord = v.ord
			WHERE p.id = v.id AND p.id IN (SELECT id FROM l) AND p.conference_id = v.conference_id AND p.version = v.old
				AND (p.status = 'draft' OR (p.status = 'submitted' AND v.complete)) AND p.decision IS NULL
				AND (p.format_id = v.format_id OR (v.accepting AND p.access_link_id IS NULL))
				-- A submitted proposal changes format only to one that takes all its presenters.
				AND (p.format_id = v.format_id OR p.status = 'draft' OR (SELECT count(*) FROM proposal_presenters x
					WHERE x.proposal_id = p.id AND x.status <> 'declined') <= v.most)
				AND (p.format_id, p.track_id, p.title, t.abstract, t.answers) IS DISTINCT FROM (v.format_id, v.track_id, v.title, v.abstract, v.answers)
				-- A subquery per row (LIMIT 1), looked up by key: as EXISTS the planner, which cannot
				-- know how few rows v holds, would join all accepted presenters to v.
				AND (SELECT true FROM proposal_presenters me
					WHERE me.proposal_id = p.id AND me.user_id = v.user_id AND me.status = 'accepted' LIMIT 1)
				AND v.now <= greatest(v.closes, p.deadline, (SELECT e.until FROM deadline_extensions e
					WHERE e.conference_id = p.conference_id AND e.user_id = p.owner_id))
			-- The texts are those of v: the caller has them, and they are not sent back.
			RETURNING v.ord AS batch_ord, `+proposalStateColumns+`,
				(SELECT e.until FROM deadline_extensions e WHERE e.conference_id = p.conference_id AND e.user_id = p.owner_id) AS extension,
				`+presentersColumn+` AS presenters),
		r AS (`+revisionInsert+`
			SELECT u.id, u.version, u.status, u.format_id, u.track_id, v.title, v.abstract, v.answers, v.user_id, v.at, 'saved'
			FROM u JOIN v ON v.ord = u.batch_ord)
		SELECT * FROM u`,
		ord, ids, confs, olds, users, formats, tracks, textArrayOf(titles), textArrayOf(abstracts), jsonbArrayOf(answers), complete, accepting,
		closes, at, now, most)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]savedContent, n)
	for rows.Next() {
		var ord int
		var r proposalResult
		if err := rows.Scan(append(append([]any{&ord}, r.R.stateTargets()...), &r.Extension, &r.Presenters)...); err != nil {
			return nil, err
		}
		if ord < 0 || ord >= n || out[ord].saved {
			return nil, fmt.Errorf("save proposals: unexpected row %d", ord)
		}
		prop := r.domain()
		c := cs[ord].Content
		prop.Title, prop.Abstract = c.Title, c.Abstract
		if c.Answers != nil {
			prop.Answers = c.Answers
		}
		out[ord] = savedContent{prop: prop, saved: true}
	}
	return out, rows.Err()
}

// The rows of a batch of creates, of status changes and of saves (see the columns named after them).
var (
	createRows = unnestOf(append([]string{"int", "bigint", "bigint", "bigint", "bigint", "text", "text", "jsonb", "proposal_status", "timestamptz",
		"bigint", "text", "timestamptz", "jsonb", "bigint", "text"}, auditColumnTypes...)...)
	statusRows = unnestOf(append(append([]string{"int", "bigint", "int", "int", "proposal_status", "timestamptz", "timestamptz", "timestamptz", "bigint", "text"},
		auditColumnTypes...), "text")...)
	saveRows = unnestOf("int", "bigint", "bigint", "int", "bigint", "bigint", "bigint", "text", "text", "jsonb", "bool", "bool",
		"timestamptz", "timestamptz", "timestamptz", "int")
)

// auditColumns are the audit entries of a batched statement as its last array parameters, in the
// order of auditColumnTypes: occurred_at, actor_id, actor_email, action, subject, conference_id, ip,
// user_agent, details.
type auditColumns struct {
	occurred                                        []time.Time
	actors, confs                                   []*int64
	emails, actions, subjects, ips, agents, details []string
}

var auditColumnTypes = []string{"timestamptz", "bigint", "text", "text", "text", "bigint", "text", "text", "text"}

func (c *auditColumns) add(a auditRow) {
	c.occurred, c.actors, c.emails = append(c.occurred, a.OccurredAt), append(c.actors, a.ActorID), append(c.emails, a.ActorEmail)
	c.actions, c.subjects, c.confs = append(c.actions, a.Action), append(c.subjects, a.Subject), append(c.confs, a.ConferenceID)
	c.ips, c.agents, c.details = append(c.ips, a.IP), append(c.agents, a.UserAgent), append(c.details, a.Details)
}

func (c *auditColumns) args() []any {
	return []any{c.occurred, c.actors, c.emails, c.actions, c.subjects, c.confs, c.ips, c.agents, c.details}
}

// unnestOf is a FROM item that turns the statement's array parameters, $1 onwards, of the element
// types given in order, into rows. Each array is behind a sub-select so that the planner estimates
// every batch alike: seeing the arrays it would plan each statement anew for their length (custom
// plans, about a millisecond for these statements), never settling on its generic plan.
func unnestOf(types ...string) string {
	var b strings.Builder
	b.WriteString("unnest(")
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(SELECT $%d::%s[])", i+1, t)
	}
	b.WriteString(")")
	return b.String()
}

// ceilMicro rounds t up to the microsecond.
func ceilMicro(t time.Time) time.Time {
	if c := t.Truncate(time.Microsecond); c.Before(t) {
		return c.Add(time.Microsecond)
	}
	return t
}

// revisionInsert begins the insert of a revision; a SELECT of its values follows.
const revisionInsert = `
	INSERT INTO proposal_revisions (proposal_id, version, status, format_id, track_id, title, abstract, answers, saved_by, saved_at, note)`

// auditInsert is an insert of the audit entry a for each row of the table or CTE from, with subject
// as the expression of its subject, for a statement that writes a change and its entry at once; it
// adds its arguments to args.
func auditInsert(a auditRow, subject, from string, args map[string]any) string {
	args["occurred"], args["actor"], args["actor_email"], args["action"], args["subject"] = a.OccurredAt, a.ActorID, a.ActorEmail, a.Action, a.Subject
	args["audit_conference"], args["ip"], args["agent"], args["details"] = a.ConferenceID, a.IP, a.UserAgent, a.Details
	return `
	INSERT INTO audit_log (occurred_at, actor_id, actor_email, action, subject, conference_id, ip, user_agent, details)
	SELECT @occurred, @actor, @actor_email, @action, ` + subject + `, @audit_conference, @ip, @agent, @details FROM ` + from
}

// searchMatch matches the proposals p whose text matches the query @q. The stored vector is read
// where it is fresh; where a change of the text emptied it and the indexer has not yet filled it
// again, the vector is computed from the text, so that a search always sees the current text.
const searchMatch = `(p.search @@ ` + searchQuery + ` OR (p.search IS NULL AND
	` + currentVector + ` @@ ` + searchQuery + `))`

// searchQuery is the query @q, read as proposal_search_vector reads a text: "<" is a space, not the
// start of a tag whose words the parser would drop.
const searchQuery = `websearch_to_tsquery('english_unaccent', translate(@q, '<', ' '))`

// currentVector is the search vector of proposal p's current text, computed.
const currentVector = `(SELECT proposal_search_vector(p.title, t.abstract, t.answers) ` + currentRevision + `)`

// searchRank ranks a proposal p matched by searchMatch.
const searchRank = `ts_rank(coalesce(p.search, ` + currentVector + `), ` + searchQuery + `)`

// IndexSearch fills the search vector of up to batch proposals whose text changed and has then stayed
// unchanged for quiet, oldest change first, and reports how many it filled. The vectors are computed
// first, holding no lock, and written only to proposals whose text has not changed since it was read
// (the same change time, still empty), so that the indexer never keeps a save waiting for longer than
// it takes to write a few rows. Instances running it at once at worst compute a vector twice.
func (s Proposals) IndexSearch(ctx context.Context, quiet time.Duration, batch int) (int, error) {
	res := s.conn(ctx).Exec(`WITH fresh AS MATERIALIZED (
			SELECT p.id, p.text_changed_at, proposal_search_vector(p.title, t.abstract, t.answers) AS search FROM proposals p `+currentText+`
			WHERE p.search IS NULL AND p.text_changed_at <= now() - @quiet * interval '1 microsecond'
			ORDER BY p.text_changed_at LIMIT @batch)
		UPDATE proposals p SET search = fresh.search FROM fresh
		WHERE p.id = fresh.id AND p.search IS NULL AND p.text_changed_at = fresh.text_changed_at`,
		map[string]any{"quiet": quiet.Microseconds(), "batch": batch})
	return int(res.RowsAffected), translate("index proposals for search", res.Error)
}

// SetDeadline implements submission.Store.
func (s Proposals) SetDeadline(ctx context.Context, id int64, deadline *time.Time) error {
	// UpdateColumn: a deadline is not a save of the proposal, whose last-saved time stays.
	return translate("set proposal deadline", s.conn(ctx).Model(&proposalRow{}).Where("id = ?", id).UpdateColumn("deadline", deadline).Error)
}

type revisionRow struct {
	ID         int64 `gorm:"primaryKey"`
	ProposalID int64
	Version    int
	Status     string
	FormatID   int64
	TrackID    *int64
	Title      string
	Abstract   string
	Answers    []byte `gorm:"type:jsonb"`
	SavedBy    *int64
	SavedAt    time.Time
	Note       string
}

func (revisionRow) TableName() string { return "proposal_revisions" }

// Revisions implements submission.Store.
func (s Proposals) Revisions(ctx context.Context, proposalID int64) ([]submission.Revision, error) {
	var rows []struct {
		R           revisionRow `gorm:"embedded"`
		SavedByName string
	}
	err := s.conn(ctx).Raw(`SELECT r.*, coalesce(u.name, '') AS saved_by_name FROM proposal_revisions r
		LEFT JOIN users u ON u.id = r.saved_by WHERE r.proposal_id = ? ORDER BY r.version DESC`, proposalID).Find(&rows).Error
	if err != nil {
		return nil, translate("revisions", err)
	}
	out := make([]submission.Revision, len(rows))
	for i, row := range rows {
		r := row.R
		out[i] = submission.Revision{ID: r.ID, ProposalID: r.ProposalID, Version: r.Version, Status: submission.Status(r.Status),
			FormatID: r.FormatID, TrackID: r.TrackID, Title: r.Title, Abstract: r.Abstract, Answers: answersFromJSON(r.Answers),
			SavedBy: r.SavedBy, SavedByName: row.SavedByName, SavedAt: r.SavedAt, Note: r.Note}
	}
	return out, nil
}

// SavePresenter implements submission.Store.
func (s Proposals) SavePresenter(ctx context.Context, x *submission.Presenter) error {
	r := presenterRow{ID: x.ID, ProposalID: x.ProposalID, UserID: x.UserID, Email: x.Email, Name: x.Name, IsOwner: x.IsOwner,
		Status: string(x.Status), TokenHash: x.Hash, InvitedBy: x.InvitedBy, InvitedAt: x.InvitedAt, ExpiresAt: x.ExpiresAt,
		AnsweredAt: x.AnsweredAt, Position: x.Position, ClientKey: keyOf(x.ClientKey)}
	if x.InvitedEmail != "" {
		r.InvitedEmail = &x.InvitedEmail
	}
	if r.InvitedAt.IsZero() {
		r.InvitedAt = time.Now()
	}
	var err error
	if r.ID == 0 {
		err = s.conn(ctx).Create(&r).Error
	} else {
		err = s.conn(ctx).Select("*").Save(&r).Error
	}
	if err != nil {
		err = translate("save presenter", err)
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Conflict {
			return &apperr.Error{Code: apperr.Conflict, Message: "This person already presents the proposal.",
				Fields: []apperr.FieldError{{Field: "email", Message: "This person already presents the proposal."}}, Err: err}
		}
		return err
	}
	x.ID = r.ID
	return nil
}

// RemovePresenter implements submission.Store.
func (s Proposals) RemovePresenter(ctx context.Context, proposalID, presenterID int64) error {
	res := s.conn(ctx).Where("id = ? AND proposal_id = ? AND NOT is_owner", presenterID, proposalID).Delete(&presenterRow{})
	if res.Error != nil {
		return translate("remove presenter", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "This person is not a presenter of the proposal.")
	}
	return nil
}

type invitationRow struct {
	P                  presenterRow `gorm:"embedded"`
	ProposalTitle      string
	ProposalStatus     string
	ConferenceID       int64
	ConferenceSlug     string
	ConferenceName     string
	ConferenceTimeZone string
	InvitedByName      string
}

func (r invitationRow) domain() submission.Invitation {
	return submission.Invitation{Presenter: presenterWithProfile{P: r.P}.domain(), ProposalID: r.P.ProposalID,
		ProposalTitle: r.ProposalTitle, ProposalStatus: submission.Status(r.ProposalStatus), ConferenceID: r.ConferenceID,
		ConferenceSlug: r.ConferenceSlug, ConferenceName: r.ConferenceName, ConferenceTimeZone: r.ConferenceTimeZone,
		InvitedByName: r.InvitedByName}
}

const invitationQuery = `SELECT pp.*, p.title AS proposal_title, p.status AS proposal_status, c.id AS conference_id,
	c.slug AS conference_slug, c.name AS conference_name, c.time_zone AS conference_time_zone, coalesce(u.name, '') AS invited_by_name
	FROM proposal_presenters pp JOIN proposals p ON p.id = pp.proposal_id JOIN conferences c ON c.id = p.conference_id
	LEFT JOIN users u ON u.id = pp.invited_by`

// DeleteDraft implements submission.Store. Its versions, presenters and pending invitations go with
// it (their keys cascade).
func (s Proposals) DeleteDraft(ctx context.Context, id int64) (bool, error) {
	res := s.conn(ctx).Exec(`DELETE FROM proposals p WHERE p.id = ? AND p.status = 'draft'
		AND NOT EXISTS (SELECT 1 FROM proposal_revisions r WHERE r.proposal_id = p.id AND r.status <> 'draft')`, id)
	if res.Error != nil {
		return false, translate("delete draft", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// AnsweredByHash implements submission.Store.
func (s Proposals) AnsweredByHash(ctx context.Context, hash []byte) (submission.Invitation, error) {
	var rows []invitationRow
	if err := s.conn(ctx).Raw(invitationQuery+` WHERE pp.token_hash = ? AND pp.status <> 'invited'`, hash).Scan(&rows).Error; err != nil {
		return submission.Invitation{}, translate("invitation", err)
	}
	if len(rows) == 0 {
		return submission.Invitation{}, apperr.New(apperr.NotFound, "There is no such invitation.")
	}
	return rows[0].domain(), nil
}

// InvitationByHash implements submission.Store. The proposal is locked first, in a statement of its
// own, as every change of its presenters locks it (Invite, RemovePresenter): locking the invitation
// first, an answer and a change of the same presenter could each wait for the other. The invitation
// is then read, and locked, as it is once the proposal is held (see proposalColumns).
func (s Proposals) InvitationByHash(ctx context.Context, hash []byte) (submission.Invitation, error) {
	var ids []int64
	if err := s.conn(ctx).Raw(`SELECT p.id FROM proposals p JOIN proposal_presenters pp ON pp.proposal_id = p.id
		WHERE pp.token_hash = ? AND pp.status = 'invited' FOR UPDATE OF p`, hash).Scan(&ids).Error; err != nil {
		return submission.Invitation{}, translate("invitation", err)
	}
	if len(ids) == 0 {
		return submission.Invitation{}, apperr.New(apperr.NotFound, "There is no such invitation.")
	}
	var rows []invitationRow
	if err := s.conn(ctx).Raw(invitationQuery+` WHERE pp.token_hash = ? AND pp.status = 'invited' FOR UPDATE OF pp`, hash).
		Scan(&rows).Error; err != nil {
		return submission.Invitation{}, translate("invitation", err)
	}
	if len(rows) == 0 {
		return submission.Invitation{}, apperr.New(apperr.NotFound, "There is no such invitation.")
	}
	return rows[0].domain(), nil
}

// InvitationsFor implements submission.Store.
func (s Proposals) InvitationsFor(ctx context.Context, email string) ([]submission.Invitation, error) {
	var rows []invitationRow
	if err := s.conn(ctx).Raw(invitationQuery+` WHERE pp.email = ? AND pp.status = 'invited' AND p.status <> 'withdrawn'
		AND (pp.expires_at IS NULL OR pp.expires_at > now()) ORDER BY pp.invited_at DESC`, strings.ToLower(email)).Find(&rows).Error; err != nil {
		return nil, translate("invitations", err)
	}
	out := make([]submission.Invitation, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// InvitationsToPresenting implements submission.Store. The proposals are locked first, in a
// statement of their own, as every change of their presenters locks them (see InvitationByHash): an
// invitation sent meanwhile is then either found here, or sent once the account has the address and
// refused as the address of a presenter.
func (s Proposals) InvitationsToPresenting(ctx context.Context, userID int64, email string) ([]submission.Invitation, error) {
	const presenting = `SELECT x.proposal_id FROM proposal_presenters x WHERE x.user_id = ? AND x.status = 'accepted'`
	var ids []int64
	if err := s.conn(ctx).Raw(`SELECT p.id FROM proposals p WHERE p.id IN (`+presenting+`) ORDER BY p.id FOR UPDATE`, userID).
		Scan(&ids).Error; err != nil {
		return nil, translate("proposals presented", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []invitationRow
	if err := s.conn(ctx).Raw(invitationQuery+` WHERE pp.proposal_id IN ? AND pp.status = 'invited' AND pp.email = ? ORDER BY pp.proposal_id, pp.id`,
		ids, strings.ToLower(email)).Scan(&rows).Error; err != nil {
		return nil, translate("invitations", err)
	}
	out := make([]submission.Invitation, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Mine implements submission.Store.
func (s Proposals) Mine(ctx context.Context, conferenceID, userID int64) ([]submission.Proposal, error) {
	return s.proposals(ctx, "my proposals", proposalSelect+` WHERE p.conference_id = ?
		AND EXISTS (SELECT 1 FROM proposal_presenters x WHERE x.proposal_id = p.id AND x.user_id = ? AND x.status = 'accepted')
		ORDER BY p.created_at DESC, p.id DESC`, conferenceID, userID)
}

// Presenting implements submission.Store.
func (s Proposals) Presenting(ctx context.Context, userID int64) ([]submission.Presenting, error) {
	var out []submission.Presenting
	err := s.conn(ctx).Raw(`SELECT c.slug AS conference_slug, c.name AS conference_name, count(*) AS proposals,
			count(*) FILTER (WHERE p.status = 'submitted') AS submitted
		FROM proposals p JOIN conferences c ON c.id = p.conference_id
		WHERE EXISTS (SELECT 1 FROM proposal_presenters x WHERE x.proposal_id = p.id AND x.user_id = ? AND x.status = 'accepted')
		GROUP BY c.id ORDER BY c.starts_on DESC, c.id DESC`, userID).Scan(&out).Error
	return out, translate("proposals presented", err)
}

// List implements submission.Store: two queries, the count and the page, whatever the page's size.
func (s Proposals) List(ctx context.Context, conferenceID int64, f submission.Filter) (submission.Page, error) {
	where := []string{"p.conference_id = @conf"}
	args := map[string]any{"conf": conferenceID, "limit": f.Limit, "offset": f.Offset, "q": f.Query}
	if f.FormatID != 0 {
		where, args["format"] = append(where, "p.format_id = @format"), f.FormatID
	}
	if f.TrackID != 0 {
		where, args["track"] = append(where, "p.track_id = @track"), f.TrackID
	}
	if f.Status != "" {
		where, args["status"] = append(where, "p.status = @status"), string(f.Status)
	}
	if f.Query != "" {
		where = append(where, searchMatch)
	}
	if f.Presenter != "" {
		// strpos, not LIKE: folding the text may make wildcards of it (unaccent reads "％" as "%").
		// An accepted presenter's name, address and institution are their account's now; an invitation
		// has the name and address it was sent to, and no institution yet.
		where, args["presenter"] = append(where, `EXISTS (SELECT 1 FROM proposal_presenters pp
			LEFT JOIN users u ON u.id = pp.user_id AND pp.status = 'accepted'
			WHERE pp.proposal_id = p.id AND pp.status <> 'declined'
			AND (strpos(search_fold(`+presenterName+`), search_fold(@presenter)) > 0 OR strpos(`+presenterEmail+`, lower(@presenter)) > 0
				OR strpos(search_fold(coalesce(u.institution, '')), search_fold(@presenter)) > 0))`), strings.TrimSpace(f.Presenter)
	}
	switch f.Decision {
	case "":
	case "none":
		where = append(where, "p.decision IS NULL")
	case "any":
		where = append(where, "p.decision IS NOT NULL")
	default:
		where, args["decision"] = append(where, "p.decision = @decision"), string(f.Decision)
	}
	if f.Participation != "" {
		where, args["participation"] = append(where, "p.participation = @participation"), string(f.Participation)
	}
	switch {
	case !f.ByID:
	case len(f.IDs) == 0:
		where = append(where, "false")
	default:
		where, args["ids"] = append(where, "p.id IN @ids"), f.IDs
	}
	cond := strings.Join(where, " AND ")
	order := "p.created_at DESC, p.id DESC"
	switch f.Sort {
	case "oldest":
		order = "p.created_at, p.id"
	case "title":
		order = "lower(p.title), p.id"
	case "relevance":
		if f.Query != "" {
			order = searchRank + " DESC, p.id DESC"
		}
	}
	var total int64
	if err := s.conn(ctx).Raw(`SELECT count(*) FROM proposals p WHERE `+cond, args).Find(&total).Error; err != nil {
		return submission.Page{}, translate("count proposals", err)
	}
	sel := proposalSelect
	if f.Summary {
		sel = summarySelect
	}
	list, err := s.proposals(ctx, "list proposals", sel+` WHERE `+cond+` ORDER BY `+order+` LIMIT @limit OFFSET @offset`, args)
	return submission.Page{Proposals: list, Total: int(total)}, err
}

// SetDecision implements submission.Store.
func (s Proposals) SetDecision(ctx context.Context, p submission.Proposal) error {
	var decision *string
	if p.Decision != "" {
		d := string(p.Decision)
		decision = &d
	}
	res := s.conn(ctx).Model(&proposalRow{}).Where("id = ?", p.ID).Updates(map[string]any{"decision": decision,
		"decided_format_id": p.DecidedFormatID, "decision_note": p.DecisionNote, "decision_reason": p.DecisionReason,
		"decided_at": p.DecidedAt, "decided_by": p.DecidedBy, "decision_released_at": p.DecisionReleasedAt})
	if res.Error != nil {
		return translate("set decision", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such proposal.")
	}
	return nil
}

// SetParticipation implements submission.Store.
func (s Proposals) SetParticipation(ctx context.Context, id int64, v submission.Participation, confirmBy, at *time.Time) error {
	var val *string
	if v != "" {
		x := string(v)
		val = &x
	}
	res := s.conn(ctx).Model(&proposalRow{}).Where("id = ?", id).Updates(map[string]any{"participation": val, "confirm_by": confirmBy,
		"participation_at": at})
	if res.Error != nil {
		return translate("set participation", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such proposal.")
	}
	return nil
}

// Counts implements submission.Store.
func (s Proposals) Counts(ctx context.Context, conferenceID int64) (map[submission.Status]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.conn(ctx).Raw(`SELECT status, count(*) AS n FROM proposals WHERE conference_id = ? GROUP BY status`, conferenceID).
		Scan(&rows).Error; err != nil {
		return nil, translate("count proposals", err)
	}
	out := map[submission.Status]int{}
	for _, r := range rows {
		out[submission.Status(r.Status)] = r.N
	}
	return out, nil
}
