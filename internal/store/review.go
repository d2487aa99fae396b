package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
	"gorm.io/gorm/clause"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/review"
)

// Reviews is the review.Store.
type Reviews struct{ *DB }

var _ review.Store = Reviews{}

type reviewSettingsRow struct {
	ConferenceID       int64 `gorm:"primaryKey"`
	Blind              string
	BiddingOpensAt     *time.Time
	BiddingClosesAt    *time.Time
	ReviewDeadline     *time.Time
	ReminderHours      int
	Calibration        bool
	NotPreferredCap    int
	RequiredCategories pq.StringArray `gorm:"type:text[]"`
	ConfirmBy          *time.Time
	Version            int
	UpdatedAt          time.Time
}

func (reviewSettingsRow) TableName() string { return "review_settings" }

// Settings implements review.Store.
func (s Reviews) Settings(ctx context.Context, conferenceID int64) (review.Settings, error) {
	var rows []reviewSettingsRow
	if err := s.conn(ctx).Where("conference_id = ?", conferenceID).Limit(1).Find(&rows).Error; err != nil {
		return review.Settings{}, translate("review settings", err)
	}
	if len(rows) == 0 {
		st := review.DefaultSettings(conferenceID)
		return st, nil
	}
	r := rows[0]
	return review.Settings{ConferenceID: r.ConferenceID, Blind: review.Blind(r.Blind), BiddingOpensAt: r.BiddingOpensAt,
		BiddingClosesAt: r.BiddingClosesAt, ReviewDeadline: r.ReviewDeadline, ReminderHours: r.ReminderHours, Calibration: r.Calibration,
		NotPreferredCap: r.NotPreferredCap, RequiredCategories: []string(r.RequiredCategories), ConfirmBy: r.ConfirmBy, Version: r.Version}, nil
}

const staleVersion = "Someone saved a change here while you were editing. Reload the page to see it, then make your change again."

// SaveSettings implements review.Store.
func (s Reviews) SaveSettings(ctx context.Context, st *review.Settings) error {
	cats := pq.StringArray(st.RequiredCategories)
	if cats == nil {
		cats = pq.StringArray{}
	}
	r := reviewSettingsRow{ConferenceID: st.ConferenceID, Blind: string(st.Blind), BiddingOpensAt: st.BiddingOpensAt, BiddingClosesAt: st.BiddingClosesAt,
		ReviewDeadline: st.ReviewDeadline, ReminderHours: st.ReminderHours, Calibration: st.Calibration, NotPreferredCap: st.NotPreferredCap,
		RequiredCategories: cats, ConfirmBy: st.ConfirmBy, Version: st.Version + 1, UpdatedAt: time.Now()}
	if st.Version == 0 {
		tx := s.conn(ctx).Exec(`INSERT INTO review_settings (conference_id, blind, bidding_opens_at, bidding_closes_at, review_deadline,
			reminder_hours, calibration, not_preferred_cap, required_categories, confirm_by, version, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, now()) ON CONFLICT (conference_id) DO NOTHING`,
			r.ConferenceID, r.Blind, r.BiddingOpensAt, r.BiddingClosesAt, r.ReviewDeadline, r.ReminderHours, r.Calibration,
			r.NotPreferredCap, r.RequiredCategories, r.ConfirmBy)
		if tx.Error != nil {
			return translate("save review settings", tx.Error)
		}
		if tx.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, staleVersion)
		}
		st.Version = 1
		return nil
	}
	if !versionFits(st.Version) {
		return apperr.New(apperr.Conflict, staleVersion)
	}
	tx := s.conn(ctx).Model(&reviewSettingsRow{}).Where("conference_id = ? AND version = ?", st.ConferenceID, st.Version).Updates(map[string]any{
		"blind": r.Blind, "bidding_opens_at": r.BiddingOpensAt, "bidding_closes_at": r.BiddingClosesAt, "review_deadline": r.ReviewDeadline,
		"reminder_hours": r.ReminderHours, "calibration": r.Calibration, "not_preferred_cap": r.NotPreferredCap,
		"required_categories": r.RequiredCategories, "confirm_by": r.ConfirmBy, "version": r.Version, "updated_at": r.UpdatedAt})
	if tx.Error != nil {
		return translate("save review settings", tx.Error)
	}
	if tx.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, staleVersion)
	}
	st.Version++
	return nil
}

type criterionJSON struct {
	ID          string    `json:"id"`
	Label       string    `json:"label"`
	Description string    `json:"description,omitempty"`
	Weight      int       `json:"weight"`
	Anchors     [5]string `json:"anchors"`
}

type reviewFormatRow struct {
	FormatID     int64 `gorm:"primaryKey"`
	ConferenceID int64
	Reviewers    int
	Criteria     []byte `gorm:"type:jsonb"`
	Slots        *int
	Version      int
}

func (reviewFormatRow) TableName() string { return "review_formats" }

// FormatConfigs implements review.Store.
func (s Reviews) FormatConfigs(ctx context.Context, conferenceID int64) ([]review.FormatConfig, error) {
	var rows []reviewFormatRow
	if err := s.conn(ctx).Where("conference_id = ?", conferenceID).Find(&rows).Error; err != nil {
		return nil, translate("review formats", err)
	}
	out := make([]review.FormatConfig, len(rows))
	for i, r := range rows {
		var cs []criterionJSON
		_ = json.Unmarshal(r.Criteria, &cs)
		c := review.FormatConfig{FormatID: r.FormatID, ConferenceID: r.ConferenceID, Reviewers: r.Reviewers, Slots: r.Slots, Version: r.Version}
		for _, x := range cs {
			c.Criteria = append(c.Criteria, review.Criterion{ID: x.ID, Label: x.Label, Description: x.Description, Weight: x.Weight, Anchors: x.Anchors})
		}
		out[i] = c
	}
	return out, nil
}

// SaveFormatConfig implements review.Store.
func (s Reviews) SaveFormatConfig(ctx context.Context, c *review.FormatConfig) error {
	cs := make([]criterionJSON, len(c.Criteria))
	for i, x := range c.Criteria {
		cs[i] = criterionJSON{ID: x.ID, Label: x.Label, Description: x.Description, Weight: x.Weight, Anchors: x.Anchors}
	}
	crit := jsonOf(cs)
	if c.Version == 0 {
		tx := s.conn(ctx).Exec(`INSERT INTO review_formats (format_id, conference_id, reviewers, criteria, slots, version)
			VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (format_id) DO NOTHING`, c.FormatID, c.ConferenceID, c.Reviewers, crit, c.Slots)
		if tx.Error != nil {
			return translate("save review format", tx.Error)
		}
		if tx.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, staleVersion)
		}
		c.Version = 1
		return nil
	}
	if !versionFits(c.Version) {
		return apperr.New(apperr.Conflict, staleVersion)
	}
	tx := s.conn(ctx).Model(&reviewFormatRow{}).Where("format_id = ? AND version = ?", c.FormatID, c.Version).
		Updates(map[string]any{"reviewers": c.Reviewers, "criteria": crit, "slots": c.Slots, "version": c.Version + 1})
	if tx.Error != nil {
		return translate("save review format", tx.Error)
	}
	if tx.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, staleVersion)
	}
	c.Version++
	return nil
}

type reviewerInvitationRow struct {
	ID           int64 `gorm:"primaryKey"`
	ConferenceID int64
	Email        string
	Name         string
	Status       string
	TokenHash    []byte
	UserID       *int64
	InvitedBy    *int64
	InvitedAt    time.Time
	ExpiresAt    time.Time
	AnsweredAt   *time.Time
	ClientKey    *string
}

func (reviewerInvitationRow) TableName() string { return "reviewer_invitations" }

// LockInvitations implements review.Store with a transaction-level advisory lock.
func (s Reviews) LockInvitations(ctx context.Context, conferenceID int64) error {
	err := s.conn(ctx).Exec(`SELECT pg_advisory_xact_lock(hashtextextended('reviewer-invitations', ?))`, conferenceID).Error
	return translate("lock reviewer invitations", err)
}

type invitationResult struct {
	R              reviewerInvitationRow `gorm:"embedded"`
	ConferenceSlug string
	ConferenceName string
	InvitedByName  string
}

func (r invitationResult) domain() review.Invitation {
	x := r.R
	return review.Invitation{ID: x.ID, ConferenceID: x.ConferenceID, ConferenceSlug: r.ConferenceSlug, ConferenceName: r.ConferenceName,
		Email: x.Email, Name: x.Name, Status: review.InvitationStatus(x.Status), Hash: x.TokenHash, UserID: x.UserID, InvitedBy: x.InvitedBy,
		InvitedByName: r.InvitedByName, InvitedAt: x.InvitedAt, ExpiresAt: x.ExpiresAt, AnsweredAt: x.AnsweredAt, ClientKey: deref(x.ClientKey)}
}

const reviewerInvitationSelect = `SELECT i.*, c.slug AS conference_slug, c.name AS conference_name, coalesce(u.name, '') AS invited_by_name
	FROM reviewer_invitations i JOIN conferences c ON c.id = i.conference_id LEFT JOIN users u ON u.id = i.invited_by`

func (s Reviews) invitations(ctx context.Context, op, where string, args ...any) ([]review.Invitation, error) {
	var rows []invitationResult
	if err := s.conn(ctx).Raw(reviewerInvitationSelect+" "+where, args...).Find(&rows).Error; err != nil {
		return nil, translate(op, err)
	}
	out := make([]review.Invitation, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Invitations implements review.Store.
func (s Reviews) Invitations(ctx context.Context, conferenceID int64) ([]review.Invitation, error) {
	return s.invitations(ctx, "reviewer invitations", `WHERE i.conference_id = ? ORDER BY i.invited_at DESC, i.id DESC`, conferenceID)
}

// SaveInvitation implements review.Store.
func (s Reviews) SaveInvitation(ctx context.Context, inv *review.Invitation) error {
	r := reviewerInvitationRow{ID: inv.ID, ConferenceID: inv.ConferenceID, Email: inv.Email, Name: inv.Name, Status: string(inv.Status),
		TokenHash: inv.Hash, UserID: inv.UserID, InvitedBy: inv.InvitedBy, InvitedAt: inv.InvitedAt, ExpiresAt: inv.ExpiresAt, AnsweredAt: inv.AnsweredAt,
		ClientKey: keyOf(inv.ClientKey)}
	var err error
	if r.ID == 0 {
		err = s.conn(ctx).Create(&r).Error
	} else {
		err = s.conn(ctx).Select("*").Save(&r).Error
	}
	if err != nil {
		return translate("save reviewer invitation", err)
	}
	inv.ID = r.ID
	return nil
}

// InvitationByHash implements review.Store.
func (s Reviews) InvitationByHash(ctx context.Context, hash []byte) (review.Invitation, error) {
	list, err := s.invitations(ctx, "reviewer invitation", `WHERE i.token_hash = ? AND i.status = 'invited' FOR UPDATE OF i`, hash)
	if err == nil && len(list) == 0 {
		err = apperr.New(apperr.NotFound, "There is no such invitation.")
	}
	if err != nil {
		return review.Invitation{}, err
	}
	return list[0], nil
}

// InvitationByEmail implements review.Store.
func (s Reviews) InvitationByEmail(ctx context.Context, conferenceID int64, email string) (review.Invitation, error) {
	list, err := s.invitations(ctx, "reviewer invitation", `WHERE i.conference_id = ? AND i.email = ?`, conferenceID, email)
	if err == nil && len(list) == 0 {
		err = apperr.New(apperr.NotFound, "There is no such invitation.")
	}
	if err != nil {
		return review.Invitation{}, err
	}
	return list[0], nil
}

// OpenInvitationsFor implements review.Store.
func (s Reviews) OpenInvitationsFor(ctx context.Context, email string) ([]review.Invitation, error) {
	return s.invitations(ctx, "open reviewer invitations", `WHERE i.email = ? AND i.status = 'invited' AND i.expires_at > now()
		ORDER BY i.invited_at DESC`, strings.ToLower(email))
}

type reviewerProfileRow struct {
	ConferenceID int64
	UserID       int64
	Tracks       pq.Int64Array `gorm:"type:bigint[]"`
	Formats      pq.Int64Array `gorm:"type:bigint[]"`
	MaxReviews   int
	Category     string
	Version      int
}

// affiliations is a profile's affiliations as one JSON column: [{kind, value}].
type affiliationJSON struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

func profileOf(r reviewerProfileRow, affs []byte) review.Profile {
	p := review.Profile{ConferenceID: r.ConferenceID, UserID: r.UserID, Tracks: []int64(r.Tracks), Formats: []int64(r.Formats),
		MaxReviews: r.MaxReviews, Category: r.Category, Version: r.Version}
	var list []affiliationJSON
	_ = json.Unmarshal(affs, &list)
	for _, a := range list {
		switch a.Kind {
		case "own":
			p.Institutions = append(p.Institutions, a.Value)
		case "conflict":
			p.ConflictInstitutions = append(p.ConflictInstitutions, a.Value)
		case "person":
			p.ConflictPeople = append(p.ConflictPeople, a.Value)
		}
	}
	return p
}

const affiliationsColumn = `coalesce((SELECT json_agg(json_build_object('kind', a.kind, 'value', a.value) ORDER BY a.kind, a.value)
	FROM reviewer_affiliations a WHERE a.conference_id = rp.conference_id AND a.user_id = rp.user_id), '[]') AS affiliations`

// Reviewers implements review.Store: the reviewers with their profiles and loads, in one query.
func (s Reviews) Reviewers(ctx context.Context, conferenceID int64) ([]review.Reviewer, error) {
	var rows []struct {
		UserID       int64
		Name         string
		Email        string
		Institution  string
		HasProfile   bool
		P            reviewerProfileRow `gorm:"embedded;embeddedPrefix:p_"`
		Affiliations []byte
		Assigned     int
		Submitted    int
		Drafts       int
	}
	err := s.conn(ctx).Raw(`SELECT u.id AS user_id, u.name, u.email, u.institution, rp.user_id IS NOT NULL AS has_profile,
			rp.conference_id AS p_conference_id, rp.user_id AS p_user_id, coalesce(rp.tracks, '{}') AS p_tracks,
			coalesce(rp.formats, '{}') AS p_formats, coalesce(rp.max_reviews, 30) AS p_max_reviews, coalesce(rp.category, '') AS p_category,
			coalesce(rp.version, 0) AS p_version, `+affiliationsColumn+`,
			coalesce(a.n, 0) AS assigned, coalesce(r.submitted, 0) AS submitted, coalesce(r.drafts, 0) AS drafts
		FROM conference_roles cr JOIN users u ON u.id = cr.user_id
		LEFT JOIN reviewer_profiles rp ON rp.conference_id = cr.conference_id AND rp.user_id = cr.user_id
		LEFT JOIN (SELECT user_id, count(*) AS n FROM review_assignments WHERE conference_id = @conf GROUP BY user_id) a ON a.user_id = u.id
		LEFT JOIN (SELECT user_id, count(*) FILTER (WHERE status = 'submitted') AS submitted, count(*) FILTER (WHERE status = 'draft') AS drafts
			FROM reviews WHERE conference_id = @conf GROUP BY user_id) r ON r.user_id = u.id
		WHERE cr.conference_id = @conf AND cr.role = 'reviewer' ORDER BY lower(u.name), u.id`, map[string]any{"conf": conferenceID}).Find(&rows).Error
	if err != nil {
		return nil, translate("reviewers", err)
	}
	out := make([]review.Reviewer, len(rows))
	for i, r := range rows {
		p := profileOf(r.P, r.Affiliations)
		p.ConferenceID, p.UserID = conferenceID, r.UserID
		out[i] = review.Reviewer{UserID: r.UserID, Name: r.Name, Email: r.Email, Institution: r.Institution, HasProfile: r.HasProfile,
			Profile: p, Assigned: r.Assigned, Submitted: r.Submitted, Drafts: r.Drafts}
	}
	return out, nil
}

// Profile implements review.Store.
func (s Reviews) Profile(ctx context.Context, conferenceID, userID int64) (review.Profile, bool, error) {
	var rows []struct {
		P            reviewerProfileRow `gorm:"embedded"`
		Affiliations []byte
	}
	err := s.conn(ctx).Raw(`SELECT rp.conference_id, rp.user_id, rp.tracks, rp.formats, rp.max_reviews, rp.category, rp.version,
		`+affiliationsColumn+` FROM reviewer_profiles rp WHERE rp.conference_id = ? AND rp.user_id = ?`, conferenceID, userID).Find(&rows).Error
	if err != nil {
		return review.Profile{}, false, translate("reviewer profile", err)
	}
	if len(rows) == 0 {
		return review.Profile{}, false, nil
	}
	return profileOf(rows[0].P, rows[0].Affiliations), true, nil
}

// SaveProfile implements review.Store: the profile and its affiliations, replaced.
func (s Reviews) SaveProfile(ctx context.Context, p *review.Profile) error {
	tracks, formats := pq.Int64Array(p.Tracks), pq.Int64Array(p.Formats)
	if tracks == nil {
		tracks = pq.Int64Array{}
	}
	if formats == nil {
		formats = pq.Int64Array{}
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		if p.Version == 0 {
			res := s.conn(ctx).Exec(`INSERT INTO reviewer_profiles (conference_id, user_id, tracks, formats, max_reviews, category, version)
				VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING`, p.ConferenceID, p.UserID, tracks, formats, p.MaxReviews, p.Category)
			if res.Error != nil {
				return translate("save reviewer profile", res.Error)
			}
			if res.RowsAffected == 0 {
				return apperr.New(apperr.Conflict, staleVersion)
			}
		} else {
			if !versionFits(p.Version) {
				return apperr.New(apperr.Conflict, staleVersion)
			}
			res := s.conn(ctx).Exec(`UPDATE reviewer_profiles SET tracks = ?, formats = ?, max_reviews = ?, category = ?, version = version + 1,
				updated_at = now() WHERE conference_id = ? AND user_id = ? AND version = ?`,
				tracks, formats, p.MaxReviews, p.Category, p.ConferenceID, p.UserID, p.Version)
			if res.Error != nil {
				return translate("save reviewer profile", res.Error)
			}
			if res.RowsAffected == 0 {
				return apperr.New(apperr.Conflict, staleVersion)
			}
		}
		if err := s.conn(ctx).Exec(`DELETE FROM reviewer_affiliations WHERE conference_id = ? AND user_id = ?`, p.ConferenceID, p.UserID).Error; err != nil {
			return translate("save affiliations", err)
		}
		add := func(kind string, values []string) error {
			for _, v := range values {
				norm := "lower(?)"
				if kind != "person" {
					norm = "institution_norm(?)"
				}
				err := s.conn(ctx).Exec(`INSERT INTO reviewer_affiliations (conference_id, user_id, kind, value, norm)
					SELECT ?, ?, ?, ?, n FROM (SELECT `+norm+` AS n) x WHERE n IS NOT NULL ON CONFLICT DO NOTHING`,
					p.ConferenceID, p.UserID, kind, v, v).Error
				if err != nil {
					return translate("save affiliation", err)
				}
			}
			return nil
		}
		if err := add("own", p.Institutions); err != nil {
			return err
		}
		if err := add("conflict", p.ConflictInstitutions); err != nil {
			return err
		}
		if err := add("person", p.ConflictPeople); err != nil {
			return err
		}
		p.Version++
		return nil
	})
}

// Conflicted implements review.Store.
func (s Reviews) Conflicted(ctx context.Context, proposalID, userID int64) ([]string, error) {
	var reasons []string
	err := s.conn(ctx).Raw(`SELECT DISTINCT reason FROM conflict_pairs WHERE proposal_id = ? AND user_id = ? ORDER BY reason`, proposalID, userID).
		Scan(&reasons).Error
	return reasons, translate("conflict", err)
}

// ConflictsOf implements review.Store.
func (s Reviews) ConflictsOf(ctx context.Context, conferenceID, userID int64) (map[int64]bool, error) {
	var ids []int64
	if err := s.conn(ctx).Raw(`SELECT DISTINCT proposal_id FROM conflict_pairs WHERE conference_id = ? AND user_id = ?`, conferenceID, userID).
		Scan(&ids).Error; err != nil {
		return nil, translate("conflicts", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// ConflictPairs implements review.Store.
func (s Reviews) ConflictPairs(ctx context.Context, conferenceID int64) (map[[2]int64][]string, error) {
	var rows []struct {
		ProposalID int64
		UserID     int64
		Reason     string
	}
	if err := s.conn(ctx).Raw(`SELECT DISTINCT proposal_id, user_id, reason FROM conflict_pairs WHERE conference_id = ?`, conferenceID).
		Scan(&rows).Error; err != nil {
		return nil, translate("conflicts", err)
	}
	out := make(map[[2]int64][]string, len(rows))
	for _, r := range rows {
		k := [2]int64{r.ProposalID, r.UserID}
		out[k] = append(out[k], r.Reason)
	}
	return out, nil
}

// SetConflict implements review.Store.
func (s Reviews) SetConflict(ctx context.Context, proposalID, userID int64, source, reason string, by *int64, on bool) error {
	if !on {
		res := s.conn(ctx).Exec(`DELETE FROM review_conflicts WHERE proposal_id = ? AND user_id = ? AND source = ?`, proposalID, userID, source)
		if res.Error != nil {
			return translate("remove conflict", res.Error)
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "There is no such declared conflict.")
		}
		return nil
	}
	err := s.conn(ctx).Exec(`INSERT INTO review_conflicts (proposal_id, user_id, source, reason, created_by) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (proposal_id, user_id) DO UPDATE SET source = excluded.source, reason = excluded.reason, created_by = excluded.created_by`,
		proposalID, userID, source, reason, by).Error
	return translate("set conflict", err)
}

// DeclaredConflicts implements review.Store.
func (s Reviews) DeclaredConflicts(ctx context.Context, conferenceID int64) ([]review.DeclaredConflict, error) {
	var rows []review.DeclaredConflict
	// A "conflict" bid is a declaration too: it is listed with the others, as made in bidding.
	err := s.conn(ctx).Raw(`SELECT c.proposal_id, p.title AS proposal_title, c.user_id, u.name, c.source, c.reason, c.created_at
		FROM review_conflicts c JOIN proposals p ON p.id = c.proposal_id JOIN users u ON u.id = c.user_id
		WHERE p.conference_id = @conf
		UNION ALL
		SELECT b.proposal_id, p.title, b.user_id, u.name, 'bid', '', b.updated_at
		FROM bids b JOIN proposals p ON p.id = b.proposal_id JOIN users u ON u.id = b.user_id
		WHERE p.conference_id = @conf AND b.level = 'conflict'
		  AND NOT EXISTS (SELECT 1 FROM review_conflicts c WHERE c.proposal_id = b.proposal_id AND c.user_id = b.user_id)
		ORDER BY created_at DESC`, map[string]any{"conf": conferenceID}).Find(&rows).Error
	return rows, translate("declared conflicts", err)
}

// BiddingList implements review.Store.
func (s Reviews) BiddingList(ctx context.Context, conferenceID, userID int64, f review.BidFilter) ([]review.BidItem, int, error) {
	where := []string{`p.conference_id = @conf`, `p.status = 'submitted'`,
		`NOT EXISTS (SELECT 1 FROM conflict_pairs x WHERE x.proposal_id = p.id AND x.user_id = @user)`,
		`NOT EXISTS (SELECT 1 FROM proposal_presenters pp WHERE pp.proposal_id = p.id AND pp.user_id = @user)`,
		`(coalesce(cardinality(rp.tracks), 0) = 0 OR p.track_id = ANY(rp.tracks))`}
	args := map[string]any{"conf": conferenceID, "user": userID, "limit": f.Limit, "offset": f.Offset, "q": f.Query, "track": f.TrackID}
	if f.TrackID != 0 {
		where = append(where, "p.track_id = @track")
	}
	if f.Query != "" {
		where = append(where, searchMatch)
	}
	if f.Unbid {
		where = append(where, "b.level IS NULL")
	}
	from := `FROM proposals p LEFT JOIN reviewer_profiles rp ON rp.conference_id = p.conference_id AND rp.user_id = @user
		LEFT JOIN bids b ON b.proposal_id = p.id AND b.user_id = @user AND b.level <> 'conflict' WHERE ` + strings.Join(where, " AND ")
	var total int64
	if err := s.conn(ctx).Raw(`SELECT count(*) `+from, args).Find(&total).Error; err != nil {
		return nil, 0, translate("bidding list", err)
	}
	var rows []struct {
		ProposalID int64
		Title      string
		Abstract   string
		FormatID   int64
		TrackID    *int64
		Level      *string
	}
	if err := s.conn(ctx).Raw(`SELECT p.id AS proposal_id, p.title, (SELECT t.abstract `+currentRevision+`) AS abstract, p.format_id, p.track_id, b.level `+from+
		` ORDER BY p.id LIMIT @limit OFFSET @offset`, args).Find(&rows).Error; err != nil {
		return nil, 0, translate("bidding list", err)
	}
	out := make([]review.BidItem, len(rows))
	for i, r := range rows {
		out[i] = review.BidItem{ProposalID: r.ProposalID, Title: r.Title, Abstract: r.Abstract, FormatID: r.FormatID, TrackID: r.TrackID}
		if r.Level != nil {
			out[i].Level = review.BidLevel(*r.Level)
		}
	}
	return out, int(total), nil
}

// SetBids implements review.Store.
func (s Reviews) SetBids(ctx context.Context, userID int64, bids map[int64]review.BidLevel) error {
	for id, level := range bids {
		var err error
		if level == "" {
			err = s.conn(ctx).Exec(`DELETE FROM bids WHERE proposal_id = ? AND user_id = ?`, id, userID).Error
		} else {
			err = s.conn(ctx).Exec(`INSERT INTO bids (proposal_id, user_id, level) VALUES (?, ?, ?)
				ON CONFLICT (proposal_id, user_id) DO UPDATE SET level = excluded.level, updated_at = now()`, id, userID, string(level)).Error
		}
		if err != nil {
			return translate("save bid", err)
		}
	}
	return nil
}

// Bids implements review.Store.
func (s Reviews) Bids(ctx context.Context, conferenceID int64) ([]review.Bid, error) {
	var rows []struct {
		ProposalID int64
		UserID     int64
		Level      string
	}
	if err := s.conn(ctx).Raw(`SELECT b.proposal_id, b.user_id, b.level FROM bids b JOIN proposals p ON p.id = b.proposal_id
		WHERE p.conference_id = ?`, conferenceID).Find(&rows).Error; err != nil {
		return nil, translate("bids", err)
	}
	out := make([]review.Bid, len(rows))
	for i, r := range rows {
		out[i] = review.Bid{ProposalID: r.ProposalID, UserID: r.UserID, Level: review.BidLevel(r.Level)}
	}
	return out, nil
}

type assignmentRow struct {
	ProposalID   int64
	UserID       int64
	ConferenceID int64
	Round        int
	Source       string
	Why          string
	AssignedBy   *int64
	AssignedAt   time.Time
}

func (assignmentRow) TableName() string { return "review_assignments" }

func (r assignmentRow) domain() review.Assignment {
	return review.Assignment{ProposalID: r.ProposalID, UserID: r.UserID, ConferenceID: r.ConferenceID, Round: r.Round,
		Source: review.Source(r.Source), Why: r.Why, AssignedBy: r.AssignedBy, AssignedAt: r.AssignedAt}
}

// Assignment implements review.Store.
func (s Reviews) Assignment(ctx context.Context, proposalID, userID int64) (review.Assignment, error) {
	var r assignmentRow
	err := s.conn(ctx).Take(&r, "proposal_id = ? AND user_id = ?", proposalID, userID).Error
	return r.domain(), translate("assignment", err)
}

// Unassign implements review.Store.
func (s Reviews) Unassign(ctx context.Context, proposalID, userID int64) error {
	res := s.conn(ctx).Exec(`DELETE FROM review_assignments WHERE proposal_id = ? AND user_id = ?`, proposalID, userID)
	if res.Error != nil {
		return translate("unassign", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "This reviewer is not assigned to the proposal.")
	}
	return nil
}

type reviewRow struct {
	ID             int64 `gorm:"primaryKey"`
	ProposalID     int64
	UserID         int64
	ConferenceID   int64
	Status         string
	Scores         []byte `gorm:"type:jsonb"`
	Recommendation *int
	Confidence     *int
	ToPresenters   string
	ToOrganizers   string
	Version        int
	SubmittedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ReleasedAt     *time.Time
}

func (reviewRow) TableName() string { return "reviews" }

func (r reviewRow) domain() review.Review {
	out := review.Review{ID: r.ID, ProposalID: r.ProposalID, UserID: r.UserID, ConferenceID: r.ConferenceID, Status: review.Status(r.Status),
		Scores: map[string]int{}, ToPresenters: r.ToPresenters, ToOrganizers: r.ToOrganizers, Version: r.Version, SubmittedAt: r.SubmittedAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ReleasedAt: r.ReleasedAt}
	_ = json.Unmarshal(r.Scores, &out.Scores)
	if r.Recommendation != nil {
		out.Recommendation = *r.Recommendation
	}
	if r.Confidence != nil {
		out.Confidence = *r.Confidence
	}
	return out
}

// ReviewOf implements review.Store.
func (s Reviews) ReviewOf(ctx context.Context, proposalID, userID int64) (review.Review, error) {
	var r reviewRow
	err := s.conn(ctx).Take(&r, "proposal_id = ? AND user_id = ?", proposalID, userID).Error
	return r.domain(), translate("review", err)
}

// Assignable implements review.Store.
func (s Reviews) Assignable(ctx context.Context, conferenceID int64) ([]review.Assignable, error) {
	var rows []struct {
		ID       int64
		FormatID int64
		TrackID  *int64
	}
	if err := s.conn(ctx).Raw(`SELECT id, format_id, track_id FROM proposals WHERE conference_id = ? AND status = 'submitted' AND decision IS NULL ORDER BY id`,
		conferenceID).Find(&rows).Error; err != nil {
		return nil, translate("assignable proposals", err)
	}
	out := make([]review.Assignable, len(rows))
	for i, r := range rows {
		out[i] = review.Assignable{ProposalID: r.ID, FormatID: r.FormatID}
		if r.TrackID != nil {
			out[i].TrackID = *r.TrackID
		}
	}
	return out, nil
}

// Assignments implements review.Store.
func (s Reviews) Assignments(ctx context.Context, conferenceID int64) ([]review.Assignment, error) {
	var rows []assignmentRow
	if err := s.conn(ctx).Where("conference_id = ?", conferenceID).Order("proposal_id, user_id").Find(&rows).Error; err != nil {
		return nil, translate("assignments", err)
	}
	out := make([]review.Assignment, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// AddAssignments implements review.Store: in batches, one statement each.
func (s Reviews) AddAssignments(ctx context.Context, list []review.Assignment) error {
	rows := make([]assignmentRow, len(list))
	for i, a := range list {
		rows[i] = assignmentRow{ProposalID: a.ProposalID, UserID: a.UserID, ConferenceID: a.ConferenceID, Round: a.Round, Source: string(a.Source),
			Why: a.Why, AssignedBy: a.AssignedBy, AssignedAt: time.Now()}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.conn(ctx).CreateInBatches(rows, 1000).Error; err != nil {
		err = translate("add assignments", err)
		if apperr.Is(err, apperr.Conflict) {
			return apperr.Field("user_id", "This reviewer is already assigned to the proposal.")
		}
		return err
	}
	return nil
}

// Assign implements review.Store. The insert does nothing on the primary key's conflict, so that the
// same assignment made twice at once (a double click) is made once and the second call hears so,
// instead of aborting its transaction on a unique violation.
func (s Reviews) Assign(ctx context.Context, a review.Assignment) (bool, error) {
	r := assignmentRow{ProposalID: a.ProposalID, UserID: a.UserID, ConferenceID: a.ConferenceID, Round: a.Round, Source: string(a.Source),
		Why: a.Why, AssignedBy: a.AssignedBy, AssignedAt: time.Now()}
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
	if res.Error != nil {
		return false, translate("assign", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// LastRound implements review.Store.
func (s Reviews) LastRound(ctx context.Context, conferenceID int64) (int, error) {
	var n int
	err := s.conn(ctx).Raw(`SELECT coalesce(max(round), 0) FROM review_assignments WHERE conference_id = ?`, conferenceID).Find(&n).Error
	return n, translate("last round", err)
}

type planRow struct {
	ID           int64 `gorm:"primaryKey"`
	ConferenceID int64
	CreatedBy    *int64
	CreatedAt    time.Time
	Basis        string
	Plan         []byte `gorm:"type:jsonb"`
	CommittedAt  *time.Time
}

func (planRow) TableName() string { return "assignment_plans" }

// SavePlan implements review.Store.
func (s Reviews) SavePlan(ctx context.Context, pl *review.PlanRecord) error {
	r := planRow{ConferenceID: pl.ConferenceID, CreatedBy: pl.CreatedBy, CreatedAt: time.Now(), Basis: pl.Basis, Plan: pl.Plan}
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return translate("save plan", err)
	}
	pl.ID, pl.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// Plan implements review.Store.
func (s Reviews) Plan(ctx context.Context, conferenceID, id int64) (review.PlanRecord, error) {
	var r planRow
	if err := s.conn(ctx).Take(&r, "id = ? AND conference_id = ?", id, conferenceID).Error; err != nil {
		err = translate("plan", err)
		if apperr.Is(err, apperr.NotFound) {
			return review.PlanRecord{}, apperr.New(apperr.NotFound, "There is no such assignment plan. Preview a new one.")
		}
		return review.PlanRecord{}, err
	}
	return review.PlanRecord{ID: r.ID, ConferenceID: r.ConferenceID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, Basis: r.Basis,
		Plan: r.Plan, CommittedAt: r.CommittedAt}, nil
}

// MarkPlanCommitted implements review.Store.
func (s Reviews) MarkPlanCommitted(ctx context.Context, id int64, at time.Time) error {
	res := s.conn(ctx).Exec(`UPDATE assignment_plans SET committed_at = ? WHERE id = ? AND committed_at IS NULL`, at, id)
	if res.Error != nil {
		return translate("commit plan", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, "This plan was already applied.")
	}
	return nil
}

// CalibrationProposals implements review.Store.
func (s Reviews) CalibrationProposals(ctx context.Context, conferenceID int64) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Raw(`SELECT proposal_id FROM calibration_proposals WHERE conference_id = ? ORDER BY proposal_id`, conferenceID).Find(&ids).Error
	return ids, translate("calibration proposals", err)
}

// SetCalibration implements review.Store.
func (s Reviews) SetCalibration(ctx context.Context, conferenceID, proposalID int64, on bool) error {
	var err error
	if on {
		err = s.conn(ctx).Exec(`INSERT INTO calibration_proposals (conference_id, proposal_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			conferenceID, proposalID).Error
	} else {
		err = s.conn(ctx).Exec(`DELETE FROM calibration_proposals WHERE conference_id = ? AND proposal_id = ?`, conferenceID, proposalID).Error
	}
	return translate("set calibration", err)
}

// Tasks implements review.Store.
func (s Reviews) Tasks(ctx context.Context, conferenceID, userID int64, calibration bool) ([]review.Task, error) {
	var rows []struct {
		ProposalID  int64
		Title       string
		FormatID    int64
		TrackID     *int64
		Calibration bool
		Status      *string
		UpdatedAt   *time.Time
	}
	err := s.conn(ctx).Raw(`WITH t AS (
			SELECT a.proposal_id, false AS calibration FROM review_assignments a WHERE a.conference_id = @conf AND a.user_id = @user
			UNION
			SELECT c.proposal_id, true FROM calibration_proposals c WHERE c.conference_id = @conf AND @calibration)
		SELECT p.id AS proposal_id, p.title, p.format_id, p.track_id, bool_or(t.calibration) AS calibration, r.status, r.updated_at
		FROM t JOIN proposals p ON p.id = t.proposal_id AND p.status = 'submitted'
		LEFT JOIN reviews r ON r.proposal_id = p.id AND r.user_id = @user
		WHERE NOT EXISTS (SELECT 1 FROM conflict_pairs x WHERE x.proposal_id = p.id AND x.user_id = @user)
		GROUP BY p.id, p.title, p.format_id, p.track_id, r.status, r.updated_at
		ORDER BY bool_or(t.calibration) DESC, p.id`,
		map[string]any{"conf": conferenceID, "user": userID, "calibration": calibration}).Find(&rows).Error
	if err != nil {
		return nil, translate("tasks", err)
	}
	out := make([]review.Task, len(rows))
	for i, r := range rows {
		out[i] = review.Task{ProposalID: r.ProposalID, Title: r.Title, FormatID: r.FormatID, TrackID: r.TrackID, Calibration: r.Calibration,
			UpdatedAt: r.UpdatedAt}
		if r.Status != nil {
			out[i].Status = review.Status(*r.Status)
		}
	}
	return out, nil
}

// SaveReview implements review.Store.
func (s Reviews) SaveReview(ctx context.Context, r *review.Review, oldVersion int) error {
	var rec, conf *int
	if r.Recommendation > 0 {
		rec = &r.Recommendation
	}
	if r.Confidence > 0 {
		conf = &r.Confidence
	}
	scores := jsonOf(r.Scores)
	now := time.Now()
	if r.ID == 0 {
		row := reviewRow{ProposalID: r.ProposalID, UserID: r.UserID, ConferenceID: r.ConferenceID, Status: string(r.Status), Scores: scores,
			Recommendation: rec, Confidence: conf, ToPresenters: r.ToPresenters, ToOrganizers: r.ToOrganizers, Version: 1,
			SubmittedAt: r.SubmittedAt, CreatedAt: now, UpdatedAt: now}
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			err = translate("save review", err)
			if apperr.Is(err, apperr.Conflict) {
				return apperr.New(apperr.Conflict, "Your review of this proposal was saved from another window meanwhile. Reload the page to see it.")
			}
			return err
		}
		r.ID, r.Version, r.CreatedAt, r.UpdatedAt = row.ID, 1, now, now
		return nil
	}
	if !versionFits(oldVersion) {
		return apperr.New(apperr.Conflict, "Your review was saved from another window after you opened this one. Reload the page to see it, then make your change again.")
	}
	res := s.conn(ctx).Model(&reviewRow{}).Where("id = ? AND version = ?", r.ID, oldVersion).Updates(map[string]any{
		"status": string(r.Status), "scores": scores, "recommendation": rec, "confidence": conf, "to_presenters": r.ToPresenters,
		"to_organizers": r.ToOrganizers, "version": oldVersion + 1, "submitted_at": r.SubmittedAt, "updated_at": now})
	if res.Error != nil {
		return translate("save review", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, "Your review was saved from another window after you opened this one. Reload the page to see it, then make your change again.")
	}
	r.Version, r.UpdatedAt = oldVersion+1, now
	return nil
}

// counted is the condition under which a review r counts: its reviewer is assigned to the proposal,
// or the proposal is a calibration sample, which every reviewer scores. A review whose reviewer was
// removed (by hand, or for a conflict found later) is kept, and counts again if they are assigned
// again.
const counted = `(EXISTS (SELECT 1 FROM review_assignments a WHERE a.proposal_id = r.proposal_id AND a.user_id = r.user_id)
	OR EXISTS (SELECT 1 FROM calibration_proposals c WHERE c.proposal_id = r.proposal_id))`

// ReviewsOf implements review.Store.
func (s Reviews) ReviewsOf(ctx context.Context, proposalID int64) ([]review.Review, error) {
	var rows []struct {
		R       reviewRow `gorm:"embedded"`
		Name    string
		Counted bool
	}
	if err := s.conn(ctx).Raw(`SELECT r.*, u.name, `+counted+` AS counted FROM reviews r JOIN users u ON u.id = r.user_id
		WHERE r.proposal_id = ? ORDER BY r.created_at, r.id`, proposalID).Find(&rows).Error; err != nil {
		return nil, translate("reviews", err)
	}
	out := make([]review.Review, len(rows))
	for i, r := range rows {
		out[i] = r.R.domain()
		out[i].ReviewerName, out[i].Counted = r.Name, r.Counted
	}
	return out, nil
}

// SubmittedReviews implements review.Store. Rows are scanned by hand: a ranking reads thousands of
// them, where reflection would cost more than the query.
func (s Reviews) SubmittedReviews(ctx context.Context, conferenceID int64) ([]review.Review, error) {
	rows, err := s.conn(ctx).Raw(`SELECT id, proposal_id, user_id, scores, coalesce(recommendation, 0), coalesce(confidence, 0), version, submitted_at
		FROM reviews r WHERE conference_id = ? AND status = 'submitted' AND `+counted+` ORDER BY proposal_id, user_id`, conferenceID).Rows()
	if err != nil {
		return nil, translate("submitted reviews", err)
	}
	defer rows.Close()
	var out []review.Review
	var scores []byte
	for rows.Next() {
		r := review.Review{ConferenceID: conferenceID, Status: review.Submitted, Scores: map[string]int{}}
		if err := rows.Scan(&r.ID, &r.ProposalID, &r.UserID, &scores, &r.Recommendation, &r.Confidence, &r.Version, &r.SubmittedAt); err != nil {
			return nil, translate("submitted reviews", err)
		}
		if err := json.Unmarshal(scores, &r.Scores); err != nil {
			return nil, fmt.Errorf("scores of review %d: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, translate("submitted reviews", rows.Err())
}

// Progress implements review.Store.
func (s Reviews) Progress(ctx context.Context, conferenceID int64) (map[int64]review.ProposalProgress, error) {
	var rows []struct {
		ProposalID int64
		Assigned   int
		Submitted  int
	}
	err := s.conn(ctx).Raw(`SELECT p.id AS proposal_id, coalesce(a.n, 0) AS assigned, coalesce(r.n, 0) AS submitted
		FROM proposals p
		LEFT JOIN (SELECT proposal_id, count(*) AS n FROM review_assignments WHERE conference_id = @conf GROUP BY proposal_id) a ON a.proposal_id = p.id
		LEFT JOIN (SELECT proposal_id, count(*) AS n FROM reviews r WHERE conference_id = @conf AND status = 'submitted' AND `+counted+`
			GROUP BY proposal_id) r
			ON r.proposal_id = p.id
		WHERE p.conference_id = @conf AND p.status = 'submitted'`, map[string]any{"conf": conferenceID}).Find(&rows).Error
	if err != nil {
		return nil, translate("progress", err)
	}
	out := make(map[int64]review.ProposalProgress, len(rows))
	for _, r := range rows {
		out[r.ProposalID] = review.ProposalProgress{Assigned: r.Assigned, Submitted: r.Submitted}
	}
	return out, nil
}

// Discussion implements review.Store.
func (s Reviews) Discussion(ctx context.Context, proposalID int64) ([]review.Comment, error) {
	var rows []struct {
		ID         int64
		ProposalID int64
		UserID     *int64
		Name       string
		Body       string
		CreatedAt  time.Time
	}
	if err := s.conn(ctx).Raw(`SELECT d.id, d.proposal_id, d.user_id, coalesce(u.name, '') AS name, d.body, d.created_at
		FROM review_discussion d LEFT JOIN users u ON u.id = d.user_id WHERE d.proposal_id = ? ORDER BY d.id`, proposalID).Find(&rows).Error; err != nil {
		return nil, translate("discussion", err)
	}
	out := make([]review.Comment, len(rows))
	for i, r := range rows {
		out[i] = review.Comment{ID: r.ID, ProposalID: r.ProposalID, UserID: r.UserID, Author: r.Name, Body: r.Body, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AddComment implements review.Store.
func (s Reviews) AddComment(ctx context.Context, c *review.Comment) error {
	var row struct {
		ID        int64
		CreatedAt time.Time
	}
	err := s.conn(ctx).Raw(`INSERT INTO review_discussion (proposal_id, user_id, body) VALUES (?, ?, ?) RETURNING id, created_at`,
		c.ProposalID, c.UserID, c.Body).Find(&row).Error
	if err != nil {
		return translate("add comment", err)
	}
	c.ID, c.CreatedAt = row.ID, row.CreatedAt
	return nil
}

// Pending implements review.Store.
func (s Reviews) Pending(ctx context.Context, conferenceID int64) (map[int64]int, error) {
	var rows []struct {
		UserID int64
		N      int
	}
	err := s.conn(ctx).Raw(`SELECT a.user_id, count(*) AS n FROM review_assignments a
		JOIN proposals p ON p.id = a.proposal_id AND p.status = 'submitted'
		LEFT JOIN reviews r ON r.proposal_id = a.proposal_id AND r.user_id = a.user_id AND r.status = 'submitted'
		WHERE a.conference_id = ? AND r.id IS NULL
		AND NOT EXISTS (SELECT 1 FROM conflict_pairs x WHERE x.proposal_id = a.proposal_id AND x.user_id = a.user_id)
		GROUP BY a.user_id`, conferenceID).Find(&rows).Error
	if err != nil {
		return nil, translate("pending reviews", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.UserID] = r.N
	}
	return out, nil
}

// Templates implements review.Store.
func (s Reviews) Templates(ctx context.Context, conferenceID int64) ([]review.Template, error) {
	var rows []review.Template
	err := s.conn(ctx).Raw(`SELECT conference_id, kind, subject, body, version FROM notice_templates WHERE conference_id = ?`, conferenceID).
		Scan(&rows).Error
	return rows, translate("notice templates", err)
}

// SaveTemplate implements review.Store.
func (s Reviews) SaveTemplate(ctx context.Context, t *review.Template) error {
	if t.Version == 0 {
		tx := s.conn(ctx).Exec(`INSERT INTO notice_templates (conference_id, kind, subject, body, version) VALUES (?, ?, ?, ?, 1)
			ON CONFLICT DO NOTHING`, t.ConferenceID, string(t.Kind), t.Subject, t.Body)
		if tx.Error != nil {
			return translate("save template", tx.Error)
		}
		if tx.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, staleVersion)
		}
		t.Version = 1
		return nil
	}
	if !versionFits(t.Version) {
		return apperr.New(apperr.Conflict, staleVersion)
	}
	tx := s.conn(ctx).Exec(`UPDATE notice_templates SET subject = ?, body = ?, version = version + 1, updated_at = now()
		WHERE conference_id = ? AND kind = ? AND version = ?`, t.Subject, t.Body, t.ConferenceID, string(t.Kind), t.Version)
	if tx.Error != nil {
		return translate("save template", tx.Error)
	}
	if tx.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, staleVersion)
	}
	t.Version++
	return nil
}

type noticeRow struct {
	ID            int64 `gorm:"primaryKey"`
	ConferenceID  int64
	ProposalID    int64
	Kind          string
	PresenterID   *int64
	Recipient     string
	RecipientName string
	Subject       string
	Body          string
	Status        string
	EventKey      *string
	CreatedAt     time.Time
	SentAt        *time.Time
}

func (noticeRow) TableName() string { return "notices" }

// Notices implements review.Store.
func (s Reviews) Notices(ctx context.Context, conferenceID int64) ([]review.Notice, error) {
	var rows []struct {
		N        noticeRow `gorm:"embedded"`
		Title    string
		Delivery *string
		Address  string
	}
	// A draft goes to its presenter's address as it is now (see presenterEmail); a sent notice names
	// the address it went to.
	err := s.conn(ctx).Raw(`SELECT n.*, p.title, m.status AS delivery,
			CASE WHEN n.status = 'draft' THEN coalesce(u.email, n.recipient) ELSE n.recipient END AS address
		FROM notices n JOIN proposals p ON p.id = n.proposal_id
		LEFT JOIN proposal_presenters pp ON pp.id = n.presenter_id
		LEFT JOIN users u ON u.id = pp.user_id AND pp.status = 'accepted'
		LEFT JOIN email_messages m ON m.event_key = n.event_key
		WHERE n.conference_id = ? ORDER BY n.status, n.proposal_id, n.id`, conferenceID).Find(&rows).Error
	if err != nil {
		return nil, translate("notices", err)
	}
	out := make([]review.Notice, len(rows))
	for i, r := range rows {
		n := r.N
		out[i] = review.Notice{ID: n.ID, ConferenceID: n.ConferenceID, ProposalID: n.ProposalID, ProposalTitle: r.Title, Kind: review.NoticeKind(n.Kind),
			Recipient: r.Address, RecipientName: n.RecipientName, Subject: n.Subject, Body: n.Body, Status: review.NoticeStatus(n.Status),
			CreatedAt: n.CreatedAt, SentAt: n.SentAt}
		if n.PresenterID != nil {
			out[i].PresenterID = *n.PresenterID
		}
		if n.EventKey != nil {
			out[i].EventKey = *n.EventKey
		}
		if r.Delivery != nil {
			out[i].Delivery = *r.Delivery
		}
	}
	return out, nil
}

// ReplaceNotices implements review.Store.
func (s Reviews) ReplaceNotices(ctx context.Context, proposalID int64, list []review.Notice) error {
	if err := s.conn(ctx).Exec(`DELETE FROM notices WHERE proposal_id = ? AND status = 'draft'`, proposalID).Error; err != nil {
		return translate("replace notices", err)
	}
	for _, n := range list {
		r := noticeRow{ConferenceID: n.ConferenceID, ProposalID: proposalID, Kind: string(n.Kind), Recipient: n.Recipient, RecipientName: n.RecipientName,
			Subject: n.Subject, Body: n.Body, Status: string(review.NoticeDraft), CreatedAt: time.Now()}
		if n.PresenterID != 0 {
			r.PresenterID = &n.PresenterID
		}
		if err := s.conn(ctx).Create(&r).Error; err != nil {
			return translate("add notice", err)
		}
	}
	return nil
}

// MarkNoticeSent implements review.Store.
func (s Reviews) MarkNoticeSent(ctx context.Context, id int64, to, eventKey string, at time.Time) error {
	res := s.conn(ctx).Exec(`UPDATE notices SET status = 'sent', recipient = ?, event_key = ?, sent_at = ? WHERE id = ? AND status = 'draft'`,
		to, eventKey, at, id)
	if res.Error != nil {
		return translate("mark notice sent", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, "This notice was already sent.")
	}
	return nil
}

// ReleaseReviews implements review.Store.
func (s Reviews) ReleaseReviews(ctx context.Context, proposalID int64, at time.Time) (int, error) {
	res := s.conn(ctx).Exec(`UPDATE reviews r SET released_at = ? WHERE proposal_id = ? AND status = 'submitted' AND released_at IS NULL
		AND to_presenters <> '' AND `+counted, at, proposalID)
	return int(res.RowsAffected), translate("release reviews", res.Error)
}
