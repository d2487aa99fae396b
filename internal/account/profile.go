package account

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/question"
)

// ParticipantRole is the role a person holds at the interface of medical education and the
// community: what the conference asks of presenters and attendees (not an access role).
type ParticipantRole string

// The participant roles.
const (
	MedicalStudent        ParticipantRole = "medical_student"
	HouseStaff            ParticipantRole = "house_staff"
	Dean                  ParticipantRole = "dean"
	Director              ParticipantRole = "director"
	Faculty               ParticipantRole = "faculty"
	AcademicAdministrator ParticipantRole = "academic_administrator"
	CommunityMember       ParticipantRole = "community_member"
	GraduateStudent       ParticipantRole = "graduate_student"
	PostdoctoralFellow    ParticipantRole = "postdoctoral_fellow"
	OtherRole             ParticipantRole = "other"
)

// ParticipantRoles lists the roles with their names for people, in the order forms offer them.
var ParticipantRoles = []struct {
	Value ParticipantRole
	Label string
}{
	{MedicalStudent, "Medical student"},
	{HouseStaff, "House staff (resident or fellow)"},
	{Dean, "Dean"},
	{Director, "Director"},
	{Faculty, "Faculty"},
	{AcademicAdministrator, "Academic administrator"},
	{CommunityMember, "Community member"},
	{GraduateStudent, "Graduate student"},
	{PostdoctoralFellow, "Postdoctoral fellow"},
	{OtherRole, "Other"},
}

// Label returns the role's name for people ("" for none).
func (r ParticipantRole) Label() string {
	for _, x := range ParticipantRoles {
		if x.Value == r {
			return x.Label
		}
	}
	return ""
}

// Valid reports whether r is one of ParticipantRoles.
func (r ParticipantRole) Valid() bool { return r.Label() != "" }

// Profile is what a person tells others about themselves.
type Profile struct {
	Pronouns    string
	Role        ParticipantRole
	RoleOther   string // what "other" means, when Role is OtherRole
	Institution string // or a community organization; "independent" is a fine answer
	Bio         string
}

// RoleText is the role as shown: the label, or the person's own words for "other".
func (p Profile) RoleText() string {
	if p.Role == OtherRole && p.RoleOther != "" {
		return p.RoleOther
	}
	return p.Role.Label()
}

// Limits of a profile.
const (
	MaxPronouns    = 40
	MaxInstitution = 200
	MaxBioWords    = 150
	maxBioChars    = 2000
)

// Missing lists the profile fields a presenter still has to fill in (role, institution, bio), named
// as forms name them.
func (p Profile) Missing() []string {
	var out []string
	if p.Role == "" {
		out = append(out, "participant_role")
	}
	if strings.TrimSpace(p.Institution) == "" {
		out = append(out, "institution")
	}
	if strings.TrimSpace(p.Bio) == "" {
		out = append(out, "bio")
	}
	return out
}

// checkProfile trims a profile and checks it; role and institution are required, the rest optional.
func checkProfile(name string, p Profile) (string, Profile, error) {
	name = strings.TrimSpace(name)
	p.Pronouns, p.RoleOther = strings.TrimSpace(p.Pronouns), strings.TrimSpace(p.RoleOther)
	p.Institution = strings.Join(strings.Fields(p.Institution), " ")
	p.Bio = strings.TrimSpace(strings.ReplaceAll(p.Bio, "\r\n", "\n"))
	var fe apperr.Fields
	if m := nameProblem(name); m != "" {
		fe.Add("name", m)
	}
	if utf8.RuneCountInString(p.Pronouns) > MaxPronouns {
		fe.Add("pronouns", fmt.Sprintf("Use at most %d characters.", MaxPronouns))
	}
	switch {
	case p.Role == "":
		fe.Add("participant_role", "Choose the role that fits you best, or Other.")
	case !p.Role.Valid():
		fe.Add("participant_role", "Choose one of the roles listed, or Other.")
	}
	if p.Role != OtherRole {
		p.RoleOther = ""
	} else if utf8.RuneCountInString(p.RoleOther) > 100 {
		fe.Add("role_other", "Use at most 100 characters.")
	}
	switch n := utf8.RuneCountInString(p.Institution); {
	case n == 0:
		fe.Add("institution", "Enter your institution or organization, or “independent”.")
	case n > MaxInstitution:
		fe.Add("institution", fmt.Sprintf("Use at most %d characters.", MaxInstitution))
	}
	if w := question.Words(p.Bio); w > MaxBioWords || utf8.RuneCountInString(p.Bio) > maxBioChars {
		fe.Add("bio", fmt.Sprintf("This has %d words; keep it to %d.", w, MaxBioWords))
	}
	return name, p, fe.Err()
}

// UpdateProfile changes the user's name and profile. Returns apperr Invalid with field errors.
func (s *Service) UpdateProfile(ctx context.Context, u User, name string, p Profile) (User, error) {
	name, p, err := checkProfile(name, p)
	if err != nil {
		return u, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetProfile(ctx, u.ID, name, p); err != nil {
			return err
		}
		return s.record(ctx, &u.ID, u.Email, "profile.updated", subjectUser(u.ID), "")
	})
	if err != nil {
		return u, err
	}
	u.Name, u.Profile = name, p
	return u, nil
}

// SeedPerson is one demonstration account.
type SeedPerson struct {
	Name, Email string
	Profile     Profile
}

// SeedUsers creates confirmed accounts with profiles for demonstrations and load tests, all with
// one password, hashed once. An address that already has an account is returned as it is, so
// seeding twice creates nothing new. Returns apperr Invalid for a bad name, address or profile.
func (s *Service) SeedUsers(ctx context.Context, people []SeedPerson, password string) ([]User, error) {
	if p := passwordProblem(password, "", ""); p != "" {
		return nil, apperr.Field("password", p)
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "Could not hash the password.", err)
	}
	out := make([]User, 0, len(people))
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
		for _, in := range people {
			name, prof, err := checkProfile(in.Name, in.Profile)
			if err != nil {
				return fmt.Errorf("%s: %w", in.Email, err)
			}
			email := NormalizeEmail(in.Email)
			if m := EmailProblem(email); m != "" {
				return apperr.Field("email", in.Email+": "+m)
			}
			u := User{Email: email, Name: name, PasswordHash: hash, EmailVerifiedAt: &now}
			err = s.store.CreateUser(ctx, &u)
			if apperr.Is(err, apperr.Conflict) {
				if u, err = s.store.UserByEmail(ctx, email); err != nil {
					return err
				}
				out = append(out, u)
				continue
			}
			if err != nil {
				return err
			}
			if err := s.store.SetProfile(ctx, u.ID, name, prof); err != nil {
				return err
			}
			u.Profile = prof
			out = append(out, u)
		}
		return nil
	})
	return out, err
}
