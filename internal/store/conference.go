package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
)

// Conferences is the conference.Store.
type Conferences struct{ *DB }

var _ conference.Store = Conferences{}

type conferenceRow struct {
	ID        int64 `gorm:"primaryKey"`
	Slug      string
	Name      string
	TimeZone  string
	StartsOn  time.Time `gorm:"type:date"`
	EndsOn    time.Time `gorm:"type:date"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (conferenceRow) TableName() string { return "conferences" }

func (r conferenceRow) domain() conference.Conference {
	return conference.Conference{ID: r.ID, Slug: r.Slug, Name: r.Name, TimeZone: r.TimeZone,
		StartsOn: dateOnly(r.StartsOn), EndsOn: dateOnly(r.EndsOn), CreatedAt: r.CreatedAt}
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

type roleRow struct {
	ConferenceID int64  `gorm:"primaryKey"`
	UserID       int64  `gorm:"primaryKey"`
	Role         string `gorm:"primaryKey"`
	GrantedBy    *int64
	GrantedAt    time.Time `gorm:"autoCreateTime"`
}

func (roleRow) TableName() string { return "conference_roles" }

// Create implements conference.Store.
func (s Conferences) Create(ctx context.Context, c *conference.Conference) error {
	r := conferenceRow{Slug: c.Slug, Name: c.Name, TimeZone: c.TimeZone, StartsOn: c.StartsOn, EndsOn: c.EndsOn}
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return translate("create conference", err)
	}
	c.ID, c.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// BySlug implements conference.Store.
func (s Conferences) BySlug(ctx context.Context, slug string) (conference.Conference, error) {
	var r conferenceRow
	err := s.conn(ctx).Take(&r, "slug = ?", slug).Error
	if err != nil {
		err = translate("conference", err)
		if apperr.Is(err, apperr.NotFound) {
			return conference.Conference{}, apperr.New(apperr.NotFound, "There is no such conference.")
		}
	}
	return r.domain(), err
}

// List implements conference.Store.
func (s Conferences) List(ctx context.Context) ([]conference.Conference, error) {
	var rows []conferenceRow
	if err := s.conn(ctx).Order("starts_on DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, translate("conferences", err)
	}
	out := make([]conference.Conference, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Members implements conference.Store.
func (s Conferences) Members(ctx context.Context, conferenceID int64) ([]conference.Member, error) {
	var rows []struct {
		UserID    int64
		Name      string
		Email     string
		Role      string
		GrantedAt time.Time
	}
	err := s.conn(ctx).Raw(`SELECT u.id AS user_id, u.name, u.email, r.role, r.granted_at
		FROM conference_roles r JOIN users u ON u.id = r.user_id
		WHERE r.conference_id = ? ORDER BY r.role, lower(u.name), u.id`, conferenceID).Find(&rows).Error
	if err != nil {
		return nil, translate("members", err)
	}
	out := make([]conference.Member, len(rows))
	for i, r := range rows {
		out[i] = conference.Member{UserID: r.UserID, Name: r.Name, Email: r.Email, Role: access.Role(r.Role), GrantedAt: r.GrantedAt}
	}
	return out, nil
}

// UserIDByEmail implements conference.Store.
func (s Conferences) UserIDByEmail(ctx context.Context, email string) (int64, error) {
	var r userRow
	err := s.conn(ctx).Select("id").Take(&r, "email = ?", email).Error
	return r.ID, translate("user by email", err)
}

// Grant implements conference.Store.
func (s Conferences) Grant(ctx context.Context, conferenceID, userID int64, role access.Role, by int64) (bool, error) {
	r := roleRow{ConferenceID: conferenceID, UserID: userID, Role: string(role)}
	if by != 0 {
		r.GrantedBy = &by
	}
	defer s.principalChanging(ctx, userID)()
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
	if res.Error != nil {
		return false, translate("grant role", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Revoke implements conference.Store.
func (s Conferences) Revoke(ctx context.Context, conferenceID, userID int64, role access.Role) error {
	defer s.principalChanging(ctx, userID)()
	res := s.conn(ctx).Where("conference_id = ? AND user_id = ? AND role = ?", conferenceID, userID, string(role)).Delete(&roleRow{})
	if res.Error != nil {
		return translate("revoke role", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "The person does not have this role.")
	}
	return nil
}

// CountRole implements conference.Store.
func (s Conferences) CountRole(ctx context.Context, conferenceID int64, role access.Role) (int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&roleRow{}).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("conference_id = ? AND role = ?", conferenceID, string(role)).Pluck("user_id", &ids).Error
	return int64(len(ids)), translate("count role", err)
}
