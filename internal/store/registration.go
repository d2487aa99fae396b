package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
)

// Registrations is the registration.Store. Its SQL is written out: the place counter, the partial
// unique index and the array and JSON columns are easier to get right by hand than through GORM's
// model mapping.
type Registrations struct{ *DB }

var _ registration.Store = Registrations{}

// liveStatuses is the SQL list of statuses that count (registration.Status.Live).
const liveStatuses = `('registered', 'waitlisted', 'offered')`

type regSettingsRow struct {
	ConferenceID     int64
	Configured       bool
	IsOpen           bool
	OpensAt          *time.Time
	ClosesAt         *time.Time
	Capacity         *int
	PlacesTaken      int
	OfferHoldHours   int
	PrivacyStatement string
	JoinInfo         string
	Questions        string
	Demographics     string
	UpdatedAt        time.Time
}

const settingsColumns = `conference_id, configured, is_open, opens_at, closes_at, capacity, places_taken, offer_hold_hours,
	privacy_statement, join_info, questions::text AS questions, array_to_json(demographics)::text AS demographics, updated_at`

func (r regSettingsRow) domain() (registration.Settings, error) {
	s := registration.Settings{ConferenceID: r.ConferenceID, Exists: r.Configured, Open: r.IsOpen, OpensAt: utc(r.OpensAt), ClosesAt: utc(r.ClosesAt),
		Capacity: r.Capacity, PlacesTaken: r.PlacesTaken, OfferHold: time.Duration(r.OfferHoldHours) * time.Hour,
		PrivacyStatement: r.PrivacyStatement, JoinInfo: r.JoinInfo, UpdatedAt: r.UpdatedAt}
	if r.Questions != "[]" {
		s.Questions = questionsFromJSON([]byte(r.Questions))
	}
	if err := json.Unmarshal([]byte(r.Demographics), &s.Demographics); err != nil {
		return s, apperr.Wrap(apperr.Internal, "Could not read the registration settings.", fmt.Errorf("demographics: %w", err))
	}
	return s, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// pgTextArray writes a text[] literal, quoting every element.
func pgTextArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// Settings implements registration.Store.
func (s Registrations) Settings(ctx context.Context, conferenceID int64) (registration.Settings, error) {
	var rows []regSettingsRow
	if err := s.conn(ctx).Raw(`SELECT `+settingsColumns+` FROM registration_settings WHERE conference_id = ?`, conferenceID).Find(&rows).Error; err != nil {
		return registration.Settings{}, translate("registration settings", err)
	}
	if len(rows) == 0 {
		return registration.Settings{ConferenceID: conferenceID, OfferHold: registration.DefaultOfferHold}, nil
	}
	return rows[0].domain()
}

// LockSettings implements registration.Store.
func (s Registrations) LockSettings(ctx context.Context, conferenceID int64) (registration.Settings, error) {
	db := s.conn(ctx)
	var rows []regSettingsRow
	if err := db.Raw(`SELECT `+settingsColumns+` FROM registration_settings WHERE conference_id = ? FOR UPDATE`, conferenceID).Find(&rows).Error; err != nil {
		return registration.Settings{}, translate("lock registration settings", err)
	}
	if len(rows) == 0 {
		if err := db.Exec(`INSERT INTO registration_settings (conference_id) VALUES (?) ON CONFLICT DO NOTHING`, conferenceID).Error; err != nil {
			return registration.Settings{}, translate("create registration settings", err)
		}
		if err := db.Raw(`SELECT `+settingsColumns+` FROM registration_settings WHERE conference_id = ? FOR UPDATE`, conferenceID).Find(&rows).Error; err != nil {
			return registration.Settings{}, translate("lock registration settings", err)
		}
		if len(rows) == 0 {
			return registration.Settings{}, apperr.New(apperr.NotFound, "There is no such conference.")
		}
	}
	return rows[0].domain()
}

// SaveSettings implements registration.Store.
func (s Registrations) SaveSettings(ctx context.Context, set registration.Settings) error {
	qs := string(questionsJSON(set.Questions))
	err := s.conn(ctx).Exec(`INSERT INTO registration_settings (conference_id, configured, is_open, opens_at, closes_at, capacity,
			offer_hold_hours, privacy_statement, join_info, questions, demographics, updated_at)
		VALUES (?, true, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::text[], now())
		ON CONFLICT (conference_id) DO UPDATE SET configured = true, is_open = EXCLUDED.is_open, opens_at = EXCLUDED.opens_at,
			closes_at = EXCLUDED.closes_at, capacity = EXCLUDED.capacity, offer_hold_hours = EXCLUDED.offer_hold_hours,
			privacy_statement = EXCLUDED.privacy_statement, join_info = EXCLUDED.join_info, questions = EXCLUDED.questions,
			demographics = EXCLUDED.demographics, updated_at = now()`,
		set.ConferenceID, set.Open, set.OpensAt, set.ClosesAt, set.Capacity, int(set.OfferHold/time.Hour),
		set.PrivacyStatement, set.JoinInfo, qs, pgTextArray(set.Demographics)).Error
	if err != nil {
		err = translate("save registration settings", err)
		if isCheck(err, "registration_settings_places_check") {
			return apperr.Field("capacity", "More places are taken than this capacity allows.")
		}
	}
	return err
}

// isCheck reports whether err is the violation of the named CHECK constraint.
func isCheck(err error, constraint string) bool {
	return err != nil && strings.Contains(err.Error(), constraint)
}

// TakePlace implements registration.Store. The UPDATE takes the settings row's lock (if the
// transaction does not hold it yet) and keeps it until the transaction ends.
func (s Registrations) TakePlace(ctx context.Context, conferenceID int64) (bool, error) {
	res := s.conn(ctx).Exec(`UPDATE registration_settings SET places_taken = places_taken + 1
		WHERE conference_id = ? AND (capacity IS NULL OR places_taken < capacity)`, conferenceID)
	if res.Error != nil {
		return false, translate("take place", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleasePlace implements registration.Store.
func (s Registrations) ReleasePlace(ctx context.Context, conferenceID int64) error {
	res := s.conn(ctx).Exec(`UPDATE registration_settings SET places_taken = places_taken - 1 WHERE conference_id = ?`, conferenceID)
	return translate("release place", res.Error)
}

type regRow struct {
	ID                  int64
	ConferenceID        int64
	UserID              *int64
	Email               string
	Name                string
	Pronouns            string
	ParticipantRole     string
	RoleOther           string
	Institution         string
	Accommodations      string
	AccommodationsOther string
	Answers             string
	Status              string
	Source              string
	ConsentedAt         *time.Time
	EmailConfirmedAt    *time.Time
	ConfirmBy           *time.Time
	OfferExpiresAt      *time.Time
	Offers              int
	AttendedAt          *time.Time
	DemographicsKey     []byte
	CancelledAt         *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

const regColumns = `r.id, r.conference_id, r.user_id, r.email, r.name, r.pronouns, r.participant_role, r.role_other, r.institution,
	array_to_json(r.accommodations)::text AS accommodations, r.accommodations_other, r.answers::text AS answers,
	r.status::text AS status, r.source, r.consented_at, r.email_confirmed_at, r.confirm_by, r.offer_expires_at, r.offers,
	r.attended_at, r.demographics_key, r.cancelled_at, r.created_at, r.updated_at`

func (r regRow) domain() registration.Registration {
	out := registration.Registration{ID: r.ID, ConferenceID: r.ConferenceID, UserID: r.UserID, Email: r.Email, Name: r.Name,
		Pronouns: r.Pronouns, Role: account.ParticipantRole(r.ParticipantRole), RoleOther: r.RoleOther, Institution: r.Institution,
		AccommodationsOther: r.AccommodationsOther, Status: registration.Status(r.Status), Source: registration.Source(r.Source),
		ConsentedAt: utc(r.ConsentedAt), EmailConfirmedAt: utc(r.EmailConfirmedAt), ConfirmBy: utc(r.ConfirmBy),
		OfferExpiresAt: utc(r.OfferExpiresAt), Offers: r.Offers, AttendedAt: utc(r.AttendedAt), DemographicsKey: r.DemographicsKey,
		CancelledAt: utc(r.CancelledAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Answers: question.Answers{}}
	var acc []string
	_ = json.Unmarshal([]byte(r.Accommodations), &acc)
	for _, a := range acc {
		out.Accommodations = append(out.Accommodations, registration.Accommodation(a))
	}
	_ = json.Unmarshal([]byte(r.Answers), &out.Answers)
	return out
}

func accommodationsArray(as []registration.Accommodation) string {
	ss := make([]string, len(as))
	for i, a := range as {
		ss[i] = string(a)
	}
	return pgTextArray(ss)
}

func (s Registrations) oneRegistration(ctx context.Context, op, where string, args ...any) (registration.Registration, error) {
	var rows []regRow
	if err := s.conn(ctx).Raw(`SELECT `+regColumns+` FROM registrations r WHERE `+where, args...).Find(&rows).Error; err != nil {
		return registration.Registration{}, translate(op, err)
	}
	if len(rows) == 0 {
		return registration.Registration{}, apperr.New(apperr.NotFound, "There is no such registration.")
	}
	return rows[0].domain(), nil
}

// CreateRegistration implements registration.Store. ON CONFLICT on the partial unique index keeps the
// transaction usable when the address registered a moment ago.
func (s Registrations) CreateRegistration(ctx context.Context, r *registration.Registration) (bool, error) {
	answers := string(answersJSON(r.Answers))
	var rows []struct {
		ID        int64
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	err := s.conn(ctx).Raw(`INSERT INTO registrations (conference_id, user_id, email, name, pronouns, participant_role, role_other,
			institution, accommodations, accommodations_other, answers, status, source, consented_at, email_confirmed_at,
			confirm_by, offer_expires_at, offers, demographics_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?, ?::jsonb, ?::registration_status, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (conference_id, lower(email)) WHERE status IN `+liveStatuses+` DO NOTHING
		RETURNING id, created_at, updated_at`,
		r.ConferenceID, r.UserID, r.Email, r.Name, r.Pronouns, string(r.Role), r.RoleOther, r.Institution,
		accommodationsArray(r.Accommodations), r.AccommodationsOther, answers, string(r.Status), string(r.Source),
		r.ConsentedAt, r.EmailConfirmedAt, r.ConfirmBy, r.OfferExpiresAt, r.Offers, r.DemographicsKey).Find(&rows).Error
	if err != nil {
		return false, translate("create registration", err)
	}
	if len(rows) == 0 {
		return false, nil
	}
	r.ID, r.CreatedAt, r.UpdatedAt = rows[0].ID, rows[0].CreatedAt.UTC(), rows[0].UpdatedAt.UTC()
	return true, nil
}

// LiveByEmail implements registration.Store.
func (s Registrations) LiveByEmail(ctx context.Context, conferenceID int64, email string) (registration.Registration, error) {
	return s.oneRegistration(ctx, "registration by email", `r.conference_id = ? AND lower(r.email) = lower(?) AND r.status IN `+liveStatuses,
		conferenceID, email)
}

// Registration implements registration.Store.
func (s Registrations) Registration(ctx context.Context, conferenceID, id int64) (registration.Registration, error) {
	return s.oneRegistration(ctx, "registration", `r.conference_id = ? AND r.id = ?`, conferenceID, id)
}

// LockRegistration implements registration.Store.
func (s Registrations) LockRegistration(ctx context.Context, conferenceID, id int64) (registration.Registration, error) {
	return s.oneRegistration(ctx, "lock registration", `r.conference_id = ? AND r.id = ? FOR UPDATE`, conferenceID, id)
}

// UpdateRegistration implements registration.Store.
func (s Registrations) UpdateRegistration(ctx context.Context, r *registration.Registration) error {
	answers := string(answersJSON(r.Answers))
	res := s.conn(ctx).Exec(`UPDATE registrations SET user_id = ?, name = ?, pronouns = ?, participant_role = ?, role_other = ?,
			institution = ?, accommodations = ?::text[], accommodations_other = ?, answers = ?::jsonb, status = ?::registration_status,
			consented_at = ?, email_confirmed_at = ?, confirm_by = ?, offer_expires_at = ?, offers = ?, attended_at = ?,
			cancelled_at = ?, updated_at = now()
		WHERE id = ?`,
		r.UserID, r.Name, r.Pronouns, string(r.Role), r.RoleOther, r.Institution, accommodationsArray(r.Accommodations),
		r.AccommodationsOther, answers, string(r.Status), r.ConsentedAt, r.EmailConfirmedAt, r.ConfirmBy, r.OfferExpiresAt,
		r.Offers, r.AttendedAt, r.CancelledAt, r.ID)
	if res.Error != nil {
		return translate("update registration", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such registration.")
	}
	return nil
}

// likePattern matches q anywhere, with LIKE's wildcards in q taken literally.
func likePattern(q string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
}

// Registrations implements registration.Store.
func (s Registrations) Registrations(ctx context.Context, f registration.Filter) ([]registration.Registration, int, error) {
	where := []string{"r.conference_id = ?"}
	args := []any{f.ConferenceID}
	if f.Status != "" {
		where = append(where, "r.status = ?::registration_status")
		args = append(args, string(f.Status))
	}
	if f.Unconfirmed {
		where = append(where, "r.email_confirmed_at IS NULL AND r.status IN "+liveStatuses)
	}
	if f.Attended != nil {
		if *f.Attended {
			where = append(where, "r.attended_at IS NOT NULL")
		} else {
			where = append(where, "r.attended_at IS NULL")
		}
	}
	if f.Query != "" {
		where = append(where, "(r.name ILIKE ? OR r.email ILIKE ? OR r.institution ILIKE ?)")
		p := likePattern(f.Query)
		args = append(args, p, p, p)
	}
	q := `SELECT ` + regColumns + `, count(*) OVER () AS total FROM registrations r WHERE ` + strings.Join(where, " AND ") + ` ORDER BY r.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(0, f.Offset))
	}
	// (GORM skips an embedded field of an unexported type; a named one marked embedded is flattened.)
	var rows []struct {
		Reg   regRow `gorm:"embedded"`
		Total int
	}
	if err := s.conn(ctx).Raw(q, args...).Find(&rows).Error; err != nil {
		return nil, 0, translate("registrations", err)
	}
	out := make([]registration.Registration, len(rows))
	total := 0
	for i, r := range rows {
		out[i], total = r.Reg.domain(), r.Total
	}
	if len(rows) == 0 && f.Offset > 0 {
		// Past the last page: the total still says how many match.
		var n int
		if err := s.conn(ctx).Raw(`SELECT count(*) FROM registrations r WHERE `+strings.Join(where, " AND "), args...).Find(&n).Error; err != nil {
			return nil, 0, translate("count registrations", err)
		}
		total = n
	}
	return out, total, nil
}

// Counts implements registration.Store.
func (s Registrations) Counts(ctx context.Context, conferenceID int64) (registration.Counts, error) {
	var c registration.Counts
	err := s.conn(ctx).Raw(`SELECT
			count(*) FILTER (WHERE status = 'registered' AND email_confirmed_at IS NOT NULL) AS registered,
			count(*) FILTER (WHERE status = 'registered' AND email_confirmed_at IS NULL) AS unconfirmed,
			count(*) FILTER (WHERE status = 'offered') AS offered,
			count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted,
			count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
			count(*) FILTER (WHERE status = 'expired') AS expired,
			count(*) FILTER (WHERE status = 'registered' AND attended_at IS NOT NULL) AS attended
		FROM registrations WHERE conference_id = ?`, conferenceID).Find(&c).Error
	return c, translate("registration counts", err)
}

// NextWaitlisted implements registration.Store.
func (s Registrations) NextWaitlisted(ctx context.Context, conferenceID int64, n int) ([]registration.Registration, error) {
	var rows []regRow
	err := s.conn(ctx).Raw(`SELECT `+regColumns+` FROM registrations r
		WHERE r.conference_id = ? AND r.status = 'waitlisted' AND r.email_confirmed_at IS NOT NULL
		ORDER BY r.id LIMIT ? FOR UPDATE`, conferenceID, n).Find(&rows).Error
	if err != nil {
		return nil, translate("next on the waitlist", err)
	}
	out := make([]registration.Registration, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// WaitlistPosition implements registration.Store.
func (s Registrations) WaitlistPosition(ctx context.Context, r registration.Registration) (int, error) {
	var n int
	err := s.conn(ctx).Raw(`SELECT count(*) FROM registrations WHERE conference_id = ? AND status = 'waitlisted' AND id <= ?`,
		r.ConferenceID, r.ID).Find(&n).Error
	return n, translate("waitlist position", err)
}

// ForUser implements registration.Store.
func (s Registrations) ForUser(ctx context.Context, userID int64, email string) ([]registration.UserRegistration, error) {
	var rows []struct {
		Reg      regRow `gorm:"embedded"`
		Slug     string
		ConfName string
		StartsOn time.Time
	}
	err := s.conn(ctx).Raw(`SELECT `+regColumns+`, c.slug, c.name AS conf_name, c.starts_on
		FROM registrations r JOIN conferences c ON c.id = r.conference_id
		WHERE r.user_id = ? OR (? <> '' AND lower(r.email) = lower(?))
		ORDER BY c.starts_on DESC, r.id DESC`, userID, email, email).Find(&rows).Error
	if err != nil {
		return nil, translate("registrations of an account", err)
	}
	out := make([]registration.UserRegistration, len(rows))
	for i, r := range rows {
		out[i] = registration.UserRegistration{Registration: r.Reg.domain(), ConferenceSlug: r.Slug, ConferenceName: r.ConfName, StartsOn: dateOnly(r.StartsOn)}
	}
	return out, nil
}

// Due implements registration.Store.
func (s Registrations) Due(ctx context.Context, now time.Time, limit int) ([]registration.Due, error) {
	var rows []struct {
		ConferenceID int64
		Kind         string
		ID           int64
	}
	err := s.conn(ctx).Raw(`
		(SELECT conference_id, 'unconfirmed' AS kind, id FROM registrations
			WHERE email_confirmed_at IS NULL AND status IN `+liveStatuses+` AND confirm_by <= ? ORDER BY confirm_by LIMIT ?)
		UNION ALL
		(SELECT conference_id, 'offer' AS kind, id FROM registrations
			WHERE status = 'offered' AND offer_expires_at <= ? ORDER BY offer_expires_at LIMIT ?)
		UNION ALL
		(SELECT w.conference_id, 'workshop_offer' AS kind, s.id FROM workshop_signups s JOIN workshops w ON w.id = s.workshop_id
			WHERE s.status = 'offered' AND s.offer_expires_at <= ? ORDER BY s.offer_expires_at LIMIT ?)`,
		now, limit, now, limit, now, limit).Find(&rows).Error
	if err != nil {
		return nil, translate("due registrations", err)
	}
	out := make([]registration.Due, len(rows))
	for i, r := range rows {
		out[i] = registration.Due{ConferenceID: r.ConferenceID, Kind: registration.DueKind(r.Kind), ID: r.ID}
	}
	return out, nil
}

// Needs implements registration.Store.
func (s Registrations) Needs(ctx context.Context, conferenceID, workshopID int64) ([]registration.NeedRow, error) {
	var rows []struct {
		ID                  int64
		Name                string
		Email               string
		Status              string
		Accommodations      string
		AccommodationsOther string
	}
	var err error
	if workshopID == 0 {
		err = s.conn(ctx).Raw(`SELECT r.id, r.name, r.email, r.status::text AS status, array_to_json(r.accommodations)::text AS accommodations,
				r.accommodations_other
			FROM registrations r WHERE r.conference_id = ? AND r.status IN `+liveStatuses+` AND cardinality(r.accommodations) > 0
			ORDER BY lower(r.name), r.id`, conferenceID).Find(&rows).Error
	} else {
		err = s.conn(ctx).Raw(`SELECT r.id, r.name, r.email, s.status::text AS status, array_to_json(r.accommodations)::text AS accommodations,
				r.accommodations_other
			FROM workshop_signups s JOIN registrations r ON r.id = s.registration_id
			WHERE r.conference_id = ? AND s.workshop_id = ? AND s.status IN `+liveStatuses+` AND r.status IN `+liveStatuses+`
				AND cardinality(r.accommodations) > 0
			ORDER BY lower(r.name), r.id`, conferenceID, workshopID).Find(&rows).Error
	}
	if err != nil {
		return nil, translate("accommodations", err)
	}
	out := make([]registration.NeedRow, len(rows))
	for i, r := range rows {
		var acc []string
		_ = json.Unmarshal([]byte(r.Accommodations), &acc)
		out[i] = registration.NeedRow{RegistrationID: r.ID, Name: r.Name, Email: r.Email, Status: registration.Status(r.Status),
			AccommodationsOther: r.AccommodationsOther}
		for _, a := range acc {
			out[i].Accommodations = append(out[i].Accommodations, registration.Accommodation(a))
		}
	}
	return out, nil
}

// CreateToken implements registration.Store.
func (s Registrations) CreateToken(ctx context.Context, t *registration.Token) error {
	var id int64
	err := s.conn(ctx).Raw(`INSERT INTO registration_tokens (registration_id, purpose, token_hash, expires_at) VALUES (?, ?, ?, ?) RETURNING id`,
		t.RegistrationID, string(t.Purpose), t.Hash, t.ExpiresAt).Find(&id).Error
	t.ID = id
	return translate("create registration link", err)
}

// DeleteTokensExpiredBefore implements registration.Store.
func (s Registrations) DeleteTokensExpiredBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.conn(ctx).Exec(`DELETE FROM registration_tokens WHERE expires_at < ?`, t)
	return res.RowsAffected, translate("delete expired registration links", res.Error)
}

// TokenForUpdate implements registration.Store.
func (s Registrations) TokenForUpdate(ctx context.Context, p registration.Purpose, hash []byte) (registration.Token, error) {
	var rows []struct {
		ID             int64
		RegistrationID int64
		Purpose        string
		TokenHash      []byte
		ExpiresAt      time.Time
		UsedAt         *time.Time
	}
	err := s.conn(ctx).Raw(`SELECT id, registration_id, purpose, token_hash, expires_at, used_at FROM registration_tokens
		WHERE purpose = ? AND token_hash = ? FOR UPDATE`, string(p), hash).Find(&rows).Error
	if err != nil {
		return registration.Token{}, translate("registration link", err)
	}
	if len(rows) == 0 {
		return registration.Token{}, apperr.New(apperr.NotFound, "No such link.")
	}
	r := rows[0]
	return registration.Token{ID: r.ID, RegistrationID: r.RegistrationID, Purpose: registration.Purpose(r.Purpose), Hash: r.TokenHash,
		ExpiresAt: r.ExpiresAt.UTC(), UsedAt: utc(r.UsedAt)}, nil
}

// UseToken implements registration.Store.
func (s Registrations) UseToken(ctx context.Context, id int64, at time.Time) error {
	return translate("use registration link", s.conn(ctx).Exec(`UPDATE registration_tokens SET used_at = ? WHERE id = ?`, at, id).Error)
}

// SaveDemographics implements registration.Store.
func (s Registrations) SaveDemographics(ctx context.Context, conferenceID int64, keyHash []byte, a question.Answers) error {
	b, err := json.Marshal(a)
	if err != nil {
		return apperr.Wrap(apperr.Internal, "Could not save the answers.", err)
	}
	// (GORM spreads a slice that follows "(" over several parameters, as for IN (?): the key, a
	// []byte, must not come first.)
	err = s.conn(ctx).Exec(`INSERT INTO registration_demographics (conference_id, key_hash, answers) VALUES (?, ?, ?::jsonb)
		ON CONFLICT (key_hash) DO UPDATE SET answers = EXCLUDED.answers`, conferenceID, keyHash, string(b)).Error
	return translate("save demographics", err)
}

// DeleteDemographics implements registration.Store.
func (s Registrations) DeleteDemographics(ctx context.Context, keyHash []byte) (bool, error) {
	res := s.conn(ctx).Exec(`DELETE FROM registration_demographics WHERE key_hash = ?`, keyHash)
	return res.RowsAffected > 0, translate("delete demographics", res.Error)
}

// HasDemographics implements registration.Store.
func (s Registrations) HasDemographics(ctx context.Context, keyHash []byte) (bool, error) {
	var n int
	err := s.conn(ctx).Raw(`SELECT count(*) FROM registration_demographics WHERE key_hash = ?`, keyHash).Find(&n).Error
	return n > 0, translate("has demographics", err)
}

// DemographicCounts implements registration.Store: counts only, never a row.
func (s Registrations) DemographicCounts(ctx context.Context, conferenceID int64) (registration.DemographicCounts, error) {
	out := registration.DemographicCounts{Questions: map[string]registration.QuestionCounts{}}
	db := s.conn(ctx)
	if err := db.Raw(`SELECT count(*) FROM registration_demographics WHERE conference_id = ?`, conferenceID).Find(&out.Respondents).Error; err != nil {
		return out, translate("demographic respondents", err)
	}
	get := func(id string) registration.QuestionCounts {
		q, ok := out.Questions[id]
		if !ok {
			q = registration.QuestionCounts{Options: map[string]int{}, SelfDescriptions: map[string]int{}}
		}
		return q
	}
	var keys []struct {
		Key string
		N   int
	}
	if err := db.Raw(`SELECT k.key, count(*) AS n FROM registration_demographics d, jsonb_object_keys(d.answers) k(key)
		WHERE d.conference_id = ? AND k.key NOT LIKE '%\_self' GROUP BY k.key`, conferenceID).Find(&keys).Error; err != nil {
		return out, translate("demographic respondents per question", err)
	}
	for _, k := range keys {
		q := get(k.Key)
		q.Respondents = k.N
		out.Questions[k.Key] = q
	}
	var vals []struct {
		Key   string
		Value string
		N     int
	}
	if err := db.Raw(`SELECT e.key, v.value, count(*) AS n
		FROM registration_demographics d, jsonb_each(d.answers) e(key, vals), jsonb_array_elements_text(e.vals) v(value)
		WHERE d.conference_id = ? AND e.key NOT LIKE '%\_self' GROUP BY e.key, v.value`, conferenceID).Find(&vals).Error; err != nil {
		return out, translate("demographic counts", err)
	}
	for _, v := range vals {
		q := get(v.Key)
		q.Options[v.Value] = v.N
		out.Questions[v.Key] = q
	}
	// Self-descriptions leave the database only when enough people gave the same words. They are
	// read into a slice of their own: none may be taken from the option counts above.
	var selfs []struct {
		Key   string
		Value string
		N     int
	}
	if err := db.Raw(`SELECT left(e.key, -5) AS key, lower(v.value) AS value, count(*) AS n
		FROM registration_demographics d, jsonb_each(d.answers) e(key, vals), jsonb_array_elements_text(e.vals) v(value)
		WHERE d.conference_id = ? AND e.key LIKE '%\_self' GROUP BY 1, 2 HAVING count(*) >= ?`,
		conferenceID, registration.SuppressBelow).Find(&selfs).Error; err != nil {
		return out, translate("demographic self-descriptions", err)
	}
	for _, v := range selfs {
		q := get(v.Key)
		q.SelfDescriptions[v.Value] = v.N
		out.Questions[v.Key] = q
	}
	return out, nil
}

type workshopRow struct {
	ID           int64
	ConferenceID int64
	Title        string
	Description  string
	Capacity     int
	PlacesTaken  int
	StartsAt     *time.Time
	EndsAt       *time.Time
	CreatedAt    time.Time
	ClientKey    *string
}

func (r workshopRow) domain() registration.Workshop {
	return registration.Workshop{ID: r.ID, ConferenceID: r.ConferenceID, Title: r.Title, Description: r.Description, Capacity: r.Capacity,
		PlacesTaken: r.PlacesTaken, StartsAt: utc(r.StartsAt), EndsAt: utc(r.EndsAt), CreatedAt: r.CreatedAt.UTC(), ClientKey: deref(r.ClientKey)}
}

const workshopColumns = `id, conference_id, title, description, capacity, places_taken, starts_at, ends_at, created_at, client_key`

func (s Registrations) workshops(ctx context.Context, op, q string, args ...any) ([]registration.Workshop, error) {
	var rows []workshopRow
	if err := s.conn(ctx).Raw(q, args...).Find(&rows).Error; err != nil {
		return nil, translate(op, err)
	}
	out := make([]registration.Workshop, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Workshops implements registration.Store.
func (s Registrations) Workshops(ctx context.Context, conferenceID int64) ([]registration.Workshop, error) {
	return s.workshops(ctx, "workshops", `SELECT `+workshopColumns+` FROM workshops WHERE conference_id = ?
		ORDER BY starts_at NULLS LAST, lower(title), id`, conferenceID)
}

// Workshop implements registration.Store.
func (s Registrations) Workshop(ctx context.Context, conferenceID, id int64) (registration.Workshop, error) {
	ws, err := s.workshops(ctx, "workshop", `SELECT `+workshopColumns+` FROM workshops WHERE conference_id = ? AND id = ?`, conferenceID, id)
	if err != nil {
		return registration.Workshop{}, err
	}
	if len(ws) == 0 {
		return registration.Workshop{}, apperr.New(apperr.NotFound, "There is no such workshop.")
	}
	return ws[0], nil
}

// LockWorkshops implements registration.Store.
func (s Registrations) LockWorkshops(ctx context.Context, conferenceID int64) ([]registration.Workshop, error) {
	return s.workshops(ctx, "lock workshops", `SELECT `+workshopColumns+` FROM workshops WHERE conference_id = ? ORDER BY id FOR UPDATE`, conferenceID)
}

// CreateWorkshop implements registration.Store.
func (s Registrations) CreateWorkshop(ctx context.Context, w *registration.Workshop) error {
	var rows []struct {
		ID        int64
		CreatedAt time.Time
	}
	err := s.conn(ctx).Raw(`INSERT INTO workshops (conference_id, title, description, capacity, starts_at, ends_at, client_key)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id, created_at`, w.ConferenceID, w.Title, w.Description, w.Capacity, w.StartsAt, w.EndsAt,
		keyOf(w.ClientKey)).Find(&rows).Error
	if err != nil {
		return translate("create workshop", err)
	}
	w.ID, w.CreatedAt = rows[0].ID, rows[0].CreatedAt.UTC()
	return nil
}

// WorkshopByKey implements registration.Store.
func (s Registrations) WorkshopByKey(ctx context.Context, conferenceID int64, key string) (registration.Workshop, error) {
	ws, err := s.workshops(ctx, "workshop by client key", `SELECT `+workshopColumns+` FROM workshops WHERE conference_id = ? AND client_key = ?`,
		conferenceID, key)
	if err != nil {
		return registration.Workshop{}, err
	}
	if len(ws) == 0 {
		return registration.Workshop{}, apperr.New(apperr.NotFound, "There is no such workshop.")
	}
	return ws[0], nil
}

// UpdateWorkshop implements registration.Store.
func (s Registrations) UpdateWorkshop(ctx context.Context, w registration.Workshop) error {
	res := s.conn(ctx).Exec(`UPDATE workshops SET title = ?, description = ?, capacity = ?, starts_at = ?, ends_at = ?, updated_at = now()
		WHERE id = ? AND conference_id = ?`, w.Title, w.Description, w.Capacity, w.StartsAt, w.EndsAt, w.ID, w.ConferenceID)
	if res.Error != nil {
		err := translate("update workshop", res.Error)
		if isCheck(err, "workshops_places_check") {
			return apperr.Field("capacity", "More places are taken than this capacity allows.")
		}
		return err
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such workshop.")
	}
	return nil
}

// DeleteWorkshop implements registration.Store.
func (s Registrations) DeleteWorkshop(ctx context.Context, conferenceID, id int64) error {
	res := s.conn(ctx).Exec(`DELETE FROM workshops WHERE id = ? AND conference_id = ?`, id, conferenceID)
	if res.Error != nil {
		return translate("delete workshop", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such workshop.")
	}
	return nil
}

// TakeWorkshopPlace implements registration.Store.
func (s Registrations) TakeWorkshopPlace(ctx context.Context, workshopID int64) (bool, error) {
	res := s.conn(ctx).Exec(`UPDATE workshops SET places_taken = places_taken + 1 WHERE id = ? AND places_taken < capacity`, workshopID)
	if res.Error != nil {
		return false, translate("take workshop place", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseWorkshopPlace implements registration.Store.
func (s Registrations) ReleaseWorkshopPlace(ctx context.Context, workshopID int64) error {
	return translate("release workshop place", s.conn(ctx).Exec(`UPDATE workshops SET places_taken = places_taken - 1 WHERE id = ?`, workshopID).Error)
}

type signupRow struct {
	ID             int64
	WorkshopID     int64
	RegistrationID int64
	Status         string
	OfferExpiresAt *time.Time
	Offers         int
	CreatedAt      time.Time
}

func (r signupRow) domain() registration.Signup {
	return registration.Signup{ID: r.ID, WorkshopID: r.WorkshopID, RegistrationID: r.RegistrationID, Status: registration.Status(r.Status),
		OfferExpiresAt: utc(r.OfferExpiresAt), Offers: r.Offers, CreatedAt: r.CreatedAt.UTC()}
}

const signupColumns = `s.id, s.workshop_id, s.registration_id, s.status::text AS status, s.offer_expires_at, s.offers, s.created_at`

func (s Registrations) signups(ctx context.Context, op, q string, args ...any) ([]registration.Signup, error) {
	var rows []signupRow
	if err := s.conn(ctx).Raw(q, args...).Find(&rows).Error; err != nil {
		return nil, translate(op, err)
	}
	out := make([]registration.Signup, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreateSignup implements registration.Store.
func (s Registrations) CreateSignup(ctx context.Context, su *registration.Signup) (bool, error) {
	var rows []struct {
		ID        int64
		CreatedAt time.Time
	}
	err := s.conn(ctx).Raw(`INSERT INTO workshop_signups (workshop_id, registration_id, status, offer_expires_at, offers)
		VALUES (?, ?, ?::registration_status, ?, ?)
		ON CONFLICT (workshop_id, registration_id) WHERE status IN `+liveStatuses+` DO NOTHING
		RETURNING id, created_at`, su.WorkshopID, su.RegistrationID, string(su.Status), su.OfferExpiresAt, su.Offers).Find(&rows).Error
	if err != nil {
		return false, translate("create workshop sign-up", err)
	}
	if len(rows) == 0 {
		return false, nil
	}
	su.ID, su.CreatedAt = rows[0].ID, rows[0].CreatedAt.UTC()
	return true, nil
}

// Signups implements registration.Store.
func (s Registrations) Signups(ctx context.Context, registrationID int64) ([]registration.Signup, error) {
	return s.signups(ctx, "workshop sign-ups", `SELECT `+signupColumns+` FROM workshop_signups s WHERE s.registration_id = ? ORDER BY s.id`, registrationID)
}

// LockSignup implements registration.Store.
func (s Registrations) LockSignup(ctx context.Context, id int64) (registration.Signup, error) {
	sus, err := s.signups(ctx, "lock workshop sign-up", `SELECT `+signupColumns+` FROM workshop_signups s WHERE s.id = ? FOR UPDATE`, id)
	if err != nil {
		return registration.Signup{}, err
	}
	if len(sus) == 0 {
		return registration.Signup{}, apperr.New(apperr.NotFound, "There is no such workshop sign-up.")
	}
	return sus[0], nil
}

// UpdateSignup implements registration.Store.
func (s Registrations) UpdateSignup(ctx context.Context, su registration.Signup) error {
	return translate("update workshop sign-up", s.conn(ctx).Exec(`UPDATE workshop_signups SET status = ?::registration_status,
		offer_expires_at = ?, offers = ?, updated_at = now() WHERE id = ?`, string(su.Status), su.OfferExpiresAt, su.Offers, su.ID).Error)
}

// NextWorkshopWaitlisted implements registration.Store.
func (s Registrations) NextWorkshopWaitlisted(ctx context.Context, workshopID int64, n int) ([]registration.Signup, error) {
	return s.signups(ctx, "next on a workshop's waitlist", `SELECT `+signupColumns+`
		FROM workshop_signups s JOIN registrations r ON r.id = s.registration_id
		WHERE s.workshop_id = ? AND s.status = 'waitlisted' AND r.status = 'registered' AND r.email_confirmed_at IS NOT NULL
		ORDER BY s.id LIMIT ? FOR UPDATE OF s`, workshopID, n)
}

// WorkshopWaitlistPosition implements registration.Store.
func (s Registrations) WorkshopWaitlistPosition(ctx context.Context, su registration.Signup) (int, error) {
	var n int
	err := s.conn(ctx).Raw(`SELECT count(*) FROM workshop_signups WHERE workshop_id = ? AND status = 'waitlisted' AND id <= ?`,
		su.WorkshopID, su.ID).Find(&n).Error
	return n, translate("workshop waitlist position", err)
}

// Participants implements registration.Store.
func (s Registrations) Participants(ctx context.Context, workshopID int64) ([]registration.Participant, error) {
	var rows []struct {
		Reg            regRow `gorm:"embedded"`
		SignupID       int64
		SignupStatus   string
		SignupOfferExp *time.Time
		SignupOffers   int
		SignupCreated  time.Time
	}
	err := s.conn(ctx).Raw(`SELECT `+regColumns+`, s.id AS signup_id, s.status::text AS signup_status,
			s.offer_expires_at AS signup_offer_exp, s.offers AS signup_offers, s.created_at AS signup_created
		FROM workshop_signups s JOIN registrations r ON r.id = s.registration_id
		WHERE s.workshop_id = ? AND s.status IN `+liveStatuses+`
		ORDER BY array_position(ARRAY['registered', 'offered', 'waitlisted'], s.status::text), s.id`, workshopID).Find(&rows).Error
	if err != nil {
		return nil, translate("workshop participants", err)
	}
	out := make([]registration.Participant, len(rows))
	for i, r := range rows {
		out[i] = registration.Participant{Registration: r.Reg.domain(), Signup: registration.Signup{ID: r.SignupID, WorkshopID: workshopID,
			RegistrationID: r.Reg.ID, Status: registration.Status(r.SignupStatus), OfferExpiresAt: utc(r.SignupOfferExp),
			Offers: r.SignupOffers, CreatedAt: r.SignupCreated.UTC()}}
	}
	return out, nil
}

// SignupCounts implements registration.Store.
func (s Registrations) SignupCounts(ctx context.Context, workshopID int64) (map[registration.Status]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.conn(ctx).Raw(`SELECT status::text AS status, count(*) AS n FROM workshop_signups WHERE workshop_id = ? GROUP BY status`,
		workshopID).Find(&rows).Error; err != nil {
		return nil, translate("workshop sign-up counts", err)
	}
	out := map[registration.Status]int{}
	for _, r := range rows {
		out[registration.Status(r.Status)] = r.N
	}
	return out, nil
}

// ConferenceByID implements registration.ConferenceLookup.
func (s Registrations) ConferenceByID(ctx context.Context, id int64) (conference.Conference, error) {
	var r conferenceRow
	if err := s.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		err = translate("conference by id", err)
		if apperr.Is(err, apperr.NotFound) {
			return conference.Conference{}, apperr.New(apperr.NotFound, "There is no such conference.")
		}
		return conference.Conference{}, err
	}
	return r.domain(), nil
}
