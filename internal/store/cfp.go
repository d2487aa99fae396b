package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"
	"gorm.io/gorm/clause"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/question"
)

// Calls is the cfp.Store.
type Calls struct{ *DB }

var _ cfp.Store = Calls{}

type callRow struct {
	ConferenceID int64 `gorm:"primaryKey"`
	OpensAt      time.Time
	ClosesAt     time.Time
	ContactEmail string
	IntroMD      string `gorm:"column:intro_md"`
	GuideMD      string `gorm:"column:guide_md"`
	FAQMD        string `gorm:"column:faq_md"`
	Version      int
	UpdatedAt    time.Time
}

func (callRow) TableName() string { return "calls" }

func (r callRow) domain() cfp.Call {
	return cfp.Call{ConferenceID: r.ConferenceID, OpensAt: r.OpensAt, ClosesAt: r.ClosesAt, ContactEmail: r.ContactEmail,
		IntroMD: r.IntroMD, GuideMD: r.GuideMD, FAQMD: r.FAQMD, Version: r.Version, UpdatedAt: r.UpdatedAt}
}

type trackRow struct {
	ID           int64 `gorm:"primaryKey"`
	ConferenceID int64
	Name         string
	Description  string
	Position     int
	ClientKey    *string
}

func (trackRow) TableName() string { return "tracks" }

func (r trackRow) domain() cfp.Track {
	return cfp.Track{ID: r.ID, ConferenceID: r.ConferenceID, Name: r.Name, Description: r.Description, Position: r.Position,
		ClientKey: deref(r.ClientKey)}
}

// keyOf is a client key as stored: NULL for none, so that any number of rows have none.
func keyOf(key string) *string {
	if key == "" {
		return nil
	}
	return &key
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// questionJSON is a question as stored in a jsonb column.
type questionJSON struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Help     string   `json:"help,omitempty"`
	Kind     string   `json:"kind"`
	Required bool     `json:"required,omitempty"`
	Options  []string `json:"options,omitempty"`
	MaxWords int      `json:"max_words,omitempty"`
}

func questionsJSON(qs []question.Question) []byte {
	out := make([]questionJSON, len(qs))
	for i, q := range qs {
		out[i] = questionJSON{ID: q.ID, Label: q.Label, Help: q.Help, Kind: string(q.Kind), Required: q.Required, Options: q.Options, MaxWords: q.MaxWords}
	}
	b, _ := json.Marshal(out)
	return b
}

func questionsFromJSON(b []byte) []question.Question {
	var in []questionJSON
	_ = json.Unmarshal(b, &in)
	out := make([]question.Question, len(in))
	for i, q := range in {
		out[i] = question.Question{ID: q.ID, Label: q.Label, Help: q.Help, Kind: question.Kind(q.Kind), Required: q.Required, Options: q.Options, MaxWords: q.MaxWords}
	}
	return out
}

type formatRow struct {
	ID               int64 `gorm:"primaryKey"`
	ConferenceID     int64
	Name             string
	Description      string
	DurationMinutes  int
	MaxPresenters    int
	AbstractMaxWords int
	Fields           []byte `gorm:"type:jsonb"`
	RetiredFields    []byte `gorm:"type:jsonb"`
	Position         int
	Accepting        bool
	Version          int
	ClientKey        *string
	FieldKeys        []byte `gorm:"type:jsonb"`
}

func (formatRow) TableName() string { return "formats" }

func (r formatRow) domain() cfp.Format {
	f := cfp.Format{ID: r.ID, ConferenceID: r.ConferenceID, Name: r.Name, Description: r.Description, DurationMinutes: r.DurationMinutes,
		MaxPresenters: r.MaxPresenters, AbstractMaxWords: r.AbstractMaxWords, Fields: questionsFromJSON(r.Fields),
		Retired: questionsFromJSON(r.RetiredFields), Position: r.Position, Accepting: r.Accepting, Version: r.Version, ClientKey: deref(r.ClientKey)}
	if len(r.FieldKeys) > 0 {
		_ = json.Unmarshal(r.FieldKeys, &f.FieldKeys)
	}
	return f
}

func formatRowOf(f cfp.Format) formatRow {
	keys := f.FieldKeys
	if keys == nil {
		keys = map[string]string{}
	}
	return formatRow{ID: f.ID, ConferenceID: f.ConferenceID, Name: f.Name, Description: f.Description, DurationMinutes: f.DurationMinutes,
		MaxPresenters: f.MaxPresenters, AbstractMaxWords: f.AbstractMaxWords, Fields: questionsJSON(f.Fields),
		RetiredFields: questionsJSON(f.Retired), Position: f.Position, Accepting: f.Accepting, Version: f.Version, ClientKey: keyOf(f.ClientKey),
		FieldKeys: jsonOf(keys)}
}

// Call implements cfp.Store.
func (s Calls) Call(ctx context.Context, conferenceID int64) (cfp.Call, error) {
	var r callRow
	err := s.conn(ctx).Take(&r, "conference_id = ?", conferenceID).Error
	return r.domain(), translate("call", err)
}

// CreateCall implements cfp.Store.
func (s Calls) CreateCall(ctx context.Context, c *cfp.Call) error {
	r := callRow{ConferenceID: c.ConferenceID, OpensAt: c.OpensAt, ClosesAt: c.ClosesAt, ContactEmail: c.ContactEmail,
		IntroMD: c.IntroMD, GuideMD: c.GuideMD, FAQMD: c.FAQMD, Version: 1, UpdatedAt: time.Now()}
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return translate("create call", err)
	}
	c.Version, c.UpdatedAt = 1, r.UpdatedAt
	return nil
}

// staleMessage is said when an optimistic update finds a newer version.
const staleMessage = "Someone saved a change while you were editing. Reload the page to see it, then make your change again."

// UpdateCall implements cfp.Store.
func (s Calls) UpdateCall(ctx context.Context, c *cfp.Call) error {
	if !versionFits(c.Version) {
		return apperr.New(apperr.Conflict, staleMessage)
	}
	now := time.Now()
	res := s.conn(ctx).Model(&callRow{}).Where("conference_id = ? AND version = ?", c.ConferenceID, c.Version).Updates(map[string]any{
		"opens_at": c.OpensAt, "closes_at": c.ClosesAt, "contact_email": c.ContactEmail, "intro_md": c.IntroMD, "guide_md": c.GuideMD,
		"faq_md": c.FAQMD, "version": c.Version + 1, "updated_at": now})
	if res.Error != nil {
		return translate("update call", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, staleMessage)
	}
	c.Version, c.UpdatedAt = c.Version+1, now
	return nil
}

// Tracks implements cfp.Store.
func (s Calls) Tracks(ctx context.Context, conferenceID int64) ([]cfp.Track, error) {
	var rows []trackRow
	if err := s.conn(ctx).Where("conference_id = ?", conferenceID).Order("position, id").Find(&rows).Error; err != nil {
		return nil, translate("tracks", err)
	}
	out := make([]cfp.Track, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreateTrack implements cfp.Store.
func (s Calls) CreateTrack(ctx context.Context, t *cfp.Track) error {
	r := trackRow{ConferenceID: t.ConferenceID, Name: t.Name, Description: t.Description, Position: t.Position, ClientKey: keyOf(t.ClientKey)}
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return translate("create track", err)
	}
	t.ID = r.ID
	return nil
}

// TrackByKey implements cfp.Store.
func (s Calls) TrackByKey(ctx context.Context, conferenceID int64, key string) (cfp.Track, error) {
	var r trackRow
	err := s.conn(ctx).Take(&r, "conference_id = ? AND client_key = ?", conferenceID, key).Error
	return r.domain(), translate("track by client key", err)
}

// UpdateTrack implements cfp.Store.
func (s Calls) UpdateTrack(ctx context.Context, t cfp.Track) error {
	res := s.conn(ctx).Model(&trackRow{}).Where("id = ? AND conference_id = ?", t.ID, t.ConferenceID).
		Updates(map[string]any{"name": t.Name, "description": t.Description, "position": t.Position})
	if res.Error != nil {
		return translate("update track", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such track in this call.")
	}
	return nil
}

// DeleteTrack implements cfp.Store.
func (s Calls) DeleteTrack(ctx context.Context, conferenceID, id int64) error {
	var n int64
	if err := s.conn(ctx).Table("proposals").Where("track_id = ?", id).Count(&n).Error; err != nil {
		return translate("count proposals of track", err)
	}
	if n > 0 {
		return apperr.Newf(apperr.Conflict, "%d proposals are in this track, so it cannot be deleted. Rename it instead.", n)
	}
	res := s.conn(ctx).Where("id = ? AND conference_id = ?", id, conferenceID).Delete(&trackRow{})
	if res.Error != nil {
		return translate("delete track", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such track in this call.")
	}
	return nil
}

// Formats implements cfp.Store.
func (s Calls) Formats(ctx context.Context, conferenceID int64) ([]cfp.Format, error) {
	var rows []formatRow
	if err := s.conn(ctx).Where("conference_id = ?", conferenceID).Order("position, id").Find(&rows).Error; err != nil {
		return nil, translate("formats", err)
	}
	out := make([]cfp.Format, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Format implements cfp.Store.
func (s Calls) Format(ctx context.Context, conferenceID, id int64) (cfp.Format, error) {
	var r formatRow
	err := s.conn(ctx).Take(&r, "id = ? AND conference_id = ?", id, conferenceID).Error
	return r.domain(), translate("format", err)
}

// CreateFormat implements cfp.Store.
func (s Calls) CreateFormat(ctx context.Context, f *cfp.Format) error {
	r := formatRowOf(*f)
	r.Version = 1
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return translate("create format", err)
	}
	f.ID, f.Version = r.ID, 1
	return nil
}

// FormatByKey implements cfp.Store.
func (s Calls) FormatByKey(ctx context.Context, conferenceID int64, key string) (cfp.Format, error) {
	var r formatRow
	err := s.conn(ctx).Take(&r, "conference_id = ? AND client_key = ?", conferenceID, key).Error
	return r.domain(), translate("format by client key", err)
}

// UpdateFormat implements cfp.Store.
func (s Calls) UpdateFormat(ctx context.Context, f *cfp.Format) error {
	if !versionFits(f.Version) {
		return apperr.New(apperr.Conflict, staleMessage)
	}
	r := formatRowOf(*f)
	res := s.conn(ctx).Model(&formatRow{}).Where("id = ? AND conference_id = ? AND version = ?", f.ID, f.ConferenceID, f.Version).
		Updates(map[string]any{"name": r.Name, "description": r.Description, "duration_minutes": r.DurationMinutes,
			"max_presenters": r.MaxPresenters, "abstract_max_words": r.AbstractMaxWords, "fields": r.Fields, "retired_fields": r.RetiredFields, "position": r.Position,
			"accepting": r.Accepting, "field_keys": r.FieldKeys, "version": f.Version + 1})
	if res.Error != nil {
		return translate("update format", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, staleMessage)
	}
	f.Version++
	return nil
}

// DeleteFormat implements cfp.Store.
func (s Calls) DeleteFormat(ctx context.Context, conferenceID, id int64) error {
	var n int64
	if err := s.conn(ctx).Table("proposals").Where("format_id = ?", id).Count(&n).Error; err != nil {
		return translate("count proposals of format", err)
	}
	if n > 0 {
		return apperr.Newf(apperr.Conflict, "%d proposals use this format, so it cannot be deleted. Stop it accepting new proposals instead.", n)
	}
	res := s.conn(ctx).Where("id = ? AND conference_id = ?", id, conferenceID).Delete(&formatRow{})
	if res.Error != nil {
		return translate("delete format", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such format in this call.")
	}
	return nil
}

// Answered implements cfp.Store.
func (s Calls) Answered(ctx context.Context, formatID int64, ids []string) (map[string]int, error) {
	var rows []struct {
		ID string
		N  int
	}
	err := s.conn(ctx).Raw(`SELECT k.id, count(DISTINCT r.proposal_id) AS n FROM proposal_revisions r,
			jsonb_object_keys(r.answers) AS k(id) WHERE r.format_id = ? AND k.id IN ? GROUP BY k.id`, formatID, ids).Scan(&rows).Error
	if err != nil {
		return nil, translate("answered questions", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.ID] = r.N
	}
	return out, nil
}

// Chosen implements cfp.Store.
func (s Calls) Chosen(ctx context.Context, formatID int64, id string, options []string) (map[string]int, error) {
	var rows []struct {
		Option string
		N      int
	}
	err := s.conn(ctx).Raw(`SELECT o.option, count(*) AS n FROM proposals p `+currentText+`, unnest(?::text[]) AS o(option)
			WHERE p.format_id = ? AND jsonb_exists(t.answers -> ?, o.option) GROUP BY o.option`, textArrayOf(options), formatID, id).Scan(&rows).Error
	if err != nil {
		return nil, translate("chosen options", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Option] = r.N
	}
	return out, nil
}

// SubmittedTexts implements cfp.Store.
func (s Calls) SubmittedTexts(ctx context.Context, formatID int64) ([]cfp.ProposalText, error) {
	var rows []struct {
		ID       int64
		Title    string
		Abstract string
		Answers  []byte
	}
	err := s.conn(ctx).Raw(`SELECT p.id, t.title, t.abstract, t.answers FROM proposals p
		JOIN proposal_revisions t ON t.proposal_id = p.id AND t.version = p.version
		WHERE p.format_id = ? AND p.status = 'submitted' ORDER BY lower(t.title), p.id`, formatID).Scan(&rows).Error
	if err != nil {
		return nil, translate("texts of submitted proposals", err)
	}
	out := make([]cfp.ProposalText, len(rows))
	for i, r := range rows {
		out[i].ID, out[i].Title, out[i].Abstract = r.ID, r.Title, r.Abstract
		if err := json.Unmarshal(r.Answers, &out[i].Answers); err != nil {
			return nil, translate("answers of a submitted proposal", err)
		}
	}
	return out, nil
}

// Crowded implements cfp.Store.
func (s Calls) Crowded(ctx context.Context, formatID int64, max int) (cfp.Crowding, error) {
	var out cfp.Crowding
	err := s.conn(ctx).Raw(`SELECT count(*) FILTER (WHERE p.status = 'draft') AS drafts,
			count(*) FILTER (WHERE p.status = 'submitted') AS submitted, coalesce(max(x.n), 0) AS most
		FROM proposals p CROSS JOIN LATERAL (SELECT count(*) AS n FROM proposal_presenters pp
			WHERE pp.proposal_id = p.id AND pp.status <> 'declined') x
		WHERE p.format_id = ? AND p.status <> 'withdrawn' AND x.n > ?`, formatID, max).Scan(&out).Error
	return out, translate("crowded proposals", err)
}

type extensionRow struct {
	ID           int64 `gorm:"primaryKey"`
	ConferenceID int64
	UserID       int64
	Until        time.Time
	Reason       string
	GrantedBy    *int64
	CreatedAt    time.Time
}

func (extensionRow) TableName() string { return "deadline_extensions" }

// Extensions implements cfp.Store.
func (s Calls) Extensions(ctx context.Context, conferenceID int64) ([]cfp.Extension, error) {
	var rows []struct {
		E         extensionRow `gorm:"embedded"`
		UserName  string
		UserEmail string
		Made      int
		Presents  int
	}
	err := s.conn(ctx).Raw(`SELECT e.*, u.name AS user_name, u.email AS user_email,
			(SELECT count(*) FROM proposals p WHERE p.conference_id = e.conference_id AND p.owner_id = e.user_id) AS made,
			(SELECT count(*) FROM proposal_presenters pp JOIN proposals p ON p.id = pp.proposal_id
				WHERE pp.user_id = e.user_id AND pp.status = 'accepted' AND NOT pp.is_owner AND p.conference_id = e.conference_id) AS presents
		FROM deadline_extensions e
		JOIN users u ON u.id = e.user_id WHERE e.conference_id = ? ORDER BY e.until DESC, e.id`, conferenceID).Find(&rows).Error
	if err != nil {
		return nil, translate("extensions", err)
	}
	out := make([]cfp.Extension, len(rows))
	for i, row := range rows {
		r := row.E
		out[i] = cfp.Extension{ID: r.ID, ConferenceID: r.ConferenceID, UserID: r.UserID, UserName: row.UserName, UserEmail: row.UserEmail,
			Until: r.Until, Reason: r.Reason, GrantedBy: r.GrantedBy, CreatedAt: r.CreatedAt, Made: row.Made, Presents: row.Presents}
	}
	return out, nil
}

// ExtensionFor implements cfp.Store.
func (s Calls) ExtensionFor(ctx context.Context, conferenceID, userID int64) (*cfp.Extension, error) {
	var rows []extensionRow
	if err := s.conn(ctx).Where("conference_id = ? AND user_id = ?", conferenceID, userID).Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("extension", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	return &cfp.Extension{ID: r.ID, ConferenceID: r.ConferenceID, UserID: r.UserID, Until: r.Until, Reason: r.Reason, GrantedBy: r.GrantedBy, CreatedAt: r.CreatedAt}, nil
}

// SaveExtension implements cfp.Store.
func (s Calls) SaveExtension(ctx context.Context, e *cfp.Extension) error {
	// created_at is when the deadline was set: a grant of the same deadline again (a double click,
	// a new reason) keeps it, so that the mail it keys is not sent twice.
	var rows []struct {
		ID        int64
		CreatedAt time.Time
	}
	err := s.conn(ctx).Raw(`INSERT INTO deadline_extensions (conference_id, user_id, until, reason, granted_by, created_at)
		VALUES (@conf, @user, CAST(@until AS timestamptz), @reason, @by, now())
		ON CONFLICT (conference_id, user_id) DO UPDATE SET until = EXCLUDED.until, reason = EXCLUDED.reason, granted_by = EXCLUDED.granted_by,
			created_at = CASE WHEN deadline_extensions.until = EXCLUDED.until THEN deadline_extensions.created_at ELSE EXCLUDED.created_at END
		RETURNING id, created_at`,
		map[string]any{"conf": e.ConferenceID, "user": e.UserID, "until": e.Until, "reason": e.Reason, "by": e.GrantedBy}).Scan(&rows).Error
	if err != nil {
		return translate("save extension", err)
	}
	if len(rows) != 1 {
		return fmt.Errorf("save extension: %d rows returned", len(rows))
	}
	e.ID, e.CreatedAt = rows[0].ID, rows[0].CreatedAt
	return nil
}

// DeleteExtension implements cfp.Store.
func (s Calls) DeleteExtension(ctx context.Context, conferenceID, id int64) (cfp.Extension, error) {
	var rows []struct {
		E         extensionRow `gorm:"embedded"`
		UserName  string
		UserEmail string
	}
	err := s.conn(ctx).Raw(`DELETE FROM deadline_extensions e USING users u
		WHERE e.id = ? AND e.conference_id = ? AND u.id = e.user_id RETURNING e.*, u.name AS user_name, u.email AS user_email`, id, conferenceID).Scan(&rows).Error
	if err != nil {
		return cfp.Extension{}, translate("delete extension", err)
	}
	if len(rows) == 0 {
		return cfp.Extension{}, apperr.New(apperr.NotFound, "There is no such extension.")
	}
	r := rows[0].E
	return cfp.Extension{ID: r.ID, ConferenceID: r.ConferenceID, UserID: r.UserID, UserName: rows[0].UserName, UserEmail: rows[0].UserEmail,
		Until: r.Until, Reason: r.Reason, GrantedBy: r.GrantedBy, CreatedAt: r.CreatedAt}, nil
}

// ExtensionTakenBack implements cfp.Store. An extension taken back leaves no row, only the audit
// entry its revocation wrote (ids are not used again).
func (s Calls) ExtensionTakenBack(ctx context.Context, conferenceID, id int64) (bool, error) {
	var n int64
	err := s.conn(ctx).Raw(`SELECT count(*) FROM audit_log WHERE conference_id = ? AND action = 'extension.revoked' AND subject = ?`,
		conferenceID, fmt.Sprintf("extension:%d", id)).Scan(&n).Error
	return n > 0, translate("extension taken back", err)
}

// UserByEmail implements cfp.Store.
func (s Calls) UserByEmail(ctx context.Context, email string) (int64, string, error) {
	var r userRow
	err := s.conn(ctx).Select("id", "name").Take(&r, "email = ?", email).Error
	return r.ID, r.Name, translate("user by email", err)
}

type accessLinkRow struct {
	ID           int64 `gorm:"primaryKey"`
	ConferenceID int64
	Label        string
	TokenHash    []byte
	ExpiresAt    time.Time
	MaxUses      int
	Uses         int
	CreatedBy    *int64
	CreatedAt    time.Time
	RevokedAt    *time.Time
	FormatIDs    pq.Int64Array `gorm:"type:bigint[]"`
	ClientKey    *string
}

func (accessLinkRow) TableName() string { return "call_access_links" }

func (r accessLinkRow) domain() cfp.AccessLink {
	return cfp.AccessLink{ID: r.ID, ConferenceID: r.ConferenceID, Label: r.Label, Hash: r.TokenHash, ExpiresAt: r.ExpiresAt,
		MaxUses: r.MaxUses, Uses: r.Uses, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt, FormatIDs: []int64(r.FormatIDs),
		ClientKey: deref(r.ClientKey)}
}

// givesTime is true of a proposal p started through the link l, in a conference whose call is c,
// when the link's deadline still gives it time at the moment $at: its deadline is the link's, it is
// neither withdrawn nor decided, the link's expiry is later than both $at and the call's close, and
// its proposer has no extension as late.
const givesTime = `p.deadline = l.expires_at AND p.status <> 'withdrawn' AND p.decision IS NULL
	AND l.expires_at > greatest(CAST(@at AS timestamptz), c.closes_at)
	AND NOT EXISTS (SELECT 1 FROM deadline_extensions e WHERE e.conference_id = p.conference_id
		AND e.user_id = p.owner_id AND e.until >= l.expires_at)`

// accessLinkSelect reads links l with the number of proposals whose time the link gives at @at.
const accessLinkSelect = `SELECT l.*, (SELECT count(*) FROM proposals p WHERE p.access_link_id = l.id AND ` + givesTime + `) AS holding
	FROM call_access_links l LEFT JOIN calls c ON c.conference_id = l.conference_id`

type accessLinkHolding struct {
	L       accessLinkRow `gorm:"embedded"`
	Holding int
}

func (r accessLinkHolding) domain() cfp.AccessLink {
	l := r.L.domain()
	l.Holding = r.Holding
	return l
}

// AccessLinks implements cfp.Store.
func (s Calls) AccessLinks(ctx context.Context, conferenceID int64, at time.Time) ([]cfp.AccessLink, error) {
	var rows []accessLinkHolding
	err := s.conn(ctx).Raw(accessLinkSelect+` WHERE l.conference_id = @conf ORDER BY l.id DESC`,
		sql.Named("conf", conferenceID), sql.Named("at", at)).Scan(&rows).Error
	if err != nil {
		return nil, translate("access links", err)
	}
	out := make([]cfp.AccessLink, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// AccessLink implements cfp.Store.
func (s Calls) AccessLink(ctx context.Context, conferenceID, id int64, at time.Time, lock bool) (cfp.AccessLink, error) {
	q := accessLinkSelect + ` WHERE l.conference_id = @conf AND l.id = @id`
	if lock {
		q += ` FOR UPDATE OF l`
	}
	var rows []accessLinkHolding
	if err := s.conn(ctx).Raw(q, sql.Named("conf", conferenceID), sql.Named("id", id), sql.Named("at", at)).Scan(&rows).Error; err != nil {
		return cfp.AccessLink{}, translate("access link", err)
	}
	if len(rows) == 0 {
		return cfp.AccessLink{}, apperr.New(apperr.NotFound, "There is no such access link.")
	}
	return rows[0].domain(), nil
}

// AccessLinkByKey implements cfp.Store.
func (s Calls) AccessLinkByKey(ctx context.Context, conferenceID int64, key string, at time.Time) (cfp.AccessLink, error) {
	var rows []accessLinkHolding
	if err := s.conn(ctx).Raw(accessLinkSelect+` WHERE l.conference_id = @conf AND l.client_key = @key`,
		sql.Named("conf", conferenceID), sql.Named("key", key), sql.Named("at", at)).Scan(&rows).Error; err != nil {
		return cfp.AccessLink{}, translate("access link by client key", err)
	}
	if len(rows) == 0 {
		return cfp.AccessLink{}, apperr.New(apperr.NotFound, "There is no such access link.")
	}
	return rows[0].domain(), nil
}

// CreateAccessLink implements cfp.Store.
func (s Calls) CreateAccessLink(ctx context.Context, l *cfp.AccessLink) error {
	r := accessLinkRow{ConferenceID: l.ConferenceID, Label: l.Label, TokenHash: l.Hash, ExpiresAt: l.ExpiresAt, MaxUses: l.MaxUses, CreatedBy: l.CreatedBy,
		CreatedAt: time.Now(), FormatIDs: pq.Int64Array(append([]int64{}, l.FormatIDs...)), ClientKey: keyOf(l.ClientKey)}
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return translate("create access link", err)
	}
	l.ID, l.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// AccessLinkForUpdate implements cfp.Store.
func (s Calls) AccessLinkForUpdate(ctx context.Context, conferenceID int64, hash []byte) (cfp.AccessLink, error) {
	var r accessLinkRow
	err := s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Take(&r, "conference_id = ? AND token_hash = ?", conferenceID, hash).Error
	return r.domain(), translate("access link", err)
}

// UseAccessLink implements cfp.Store.
func (s Calls) UseAccessLink(ctx context.Context, id int64) error {
	err := s.conn(ctx).Exec(`UPDATE call_access_links SET uses = uses + 1 WHERE id = ?`, id).Error
	return translate("use access link", err)
}

// RevokeAccessLink implements cfp.Store.
func (s Calls) RevokeAccessLink(ctx context.Context, conferenceID, id int64, at time.Time) error {
	res := s.conn(ctx).Model(&accessLinkRow{}).Where("id = ? AND conference_id = ? AND revoked_at IS NULL", id, conferenceID).Update("revoked_at", at)
	if res.Error != nil {
		return translate("revoke access link", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such link, or it is already withdrawn.")
	}
	return nil
}

// EndLinkTime implements cfp.Store.
func (s Calls) EndLinkTime(ctx context.Context, l cfp.AccessLink, at time.Time) ([]int64, int, error) {
	var rows []struct {
		ID    int64
		Given bool
	}
	// Whether the link gave time is judged on the rows as they were, before their deadline goes.
	err := s.conn(ctx).Raw(`WITH old AS (SELECT p.id, (`+givesTime+`) AS given
			FROM proposals p JOIN call_access_links l ON l.id = p.access_link_id LEFT JOIN calls c ON c.conference_id = l.conference_id
			WHERE l.id = @id AND l.conference_id = @conf AND p.deadline = l.expires_at AND p.status <> 'withdrawn' FOR UPDATE OF p)
		UPDATE proposals p SET deadline = NULL FROM old WHERE p.id = old.id RETURNING p.id, old.given`,
		sql.Named("id", l.ID), sql.Named("conf", l.ConferenceID), sql.Named("at", at)).Scan(&rows).Error
	if err != nil {
		return nil, 0, translate("end access link time", err)
	}
	ids, given := make([]int64, len(rows)), 0
	for i, r := range rows {
		ids[i] = r.ID
		if r.Given {
			given++
		}
	}
	return ids, given, nil
}

// jsonOf marshals a value for a jsonb column.
func jsonOf(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err)) // only our own plain types reach here
	}
	return b
}
