package registration

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/question"
)

// Limits of the settings.
const (
	MaxCapacity      = 1_000_000
	MaxOfferHold     = 14 * 24 * time.Hour
	MaxMarkdownChars = 20000
	// ConfirmWithin is how long an unconfirmed registration holds its place.
	ConfirmWithin = 48 * time.Hour
	// DefaultOfferHold is how long a waitlist offer holds a place unless organizers say otherwise.
	DefaultOfferHold = 48 * time.Hour
)

// SettingsInput is what organizers set. Times are RFC 3339 or "YYYY-MM-DDTHH:MM" in the
// conference's time zone; empty for none.
type SettingsInput struct {
	Open             bool
	OpensAt          string
	ClosesAt         string
	Capacity         *int // nil for no limit
	OfferHoldHours   int
	PrivacyStatement string
	JoinInfo         string
	Demographics     []string
	// Questions replaces the organizers' questions; nil keeps them.
	Questions *[]question.Question
}

// ParseTime reads a time as settings and workshops accept it: RFC 3339, or "YYYY-MM-DDTHH:MM"
// (what a datetime-local field sends) in loc. Empty is nil. The error is a message for the field.
func ParseTime(s string, loc *time.Location) (*time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ""
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		t = t.UTC()
		return &t, ""
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			t = t.UTC()
			return &t, ""
		}
	}
	return nil, "Enter a date and time like 2027-05-01T09:00 (in the conference's time zone)."
}

// checkSettings checks organizers' settings against the current ones (for the places taken) and
// returns the settings to save, or apperr Invalid naming the fields.
func checkSettings(cur Settings, in SettingsInput, loc *time.Location) (Settings, error) {
	s := cur
	s.Exists = true
	var fe apperr.Fields
	s.Open = in.Open
	var msg string
	if s.OpensAt, msg = ParseTime(in.OpensAt, loc); msg != "" {
		fe.Add("opens_at", msg)
	}
	if s.ClosesAt, msg = ParseTime(in.ClosesAt, loc); msg != "" {
		fe.Add("closes_at", msg)
	}
	if s.OpensAt != nil && s.ClosesAt != nil && !s.ClosesAt.After(*s.OpensAt) {
		fe.Add("closes_at", "Registration must close after it opens.")
	}
	s.Capacity = nil
	if in.Capacity != nil {
		c := *in.Capacity
		switch {
		case c < 1 || c > MaxCapacity:
			fe.Add("capacity", fmt.Sprintf("Enter a number of places from 1 to %d, or leave it empty for no limit.", MaxCapacity))
		case c < cur.PlacesTaken:
			fe.Add("capacity", fmt.Sprintf("%d places are already taken, so the capacity cannot be lower. Cancel registrations first, or set at least %d.", cur.PlacesTaken, cur.PlacesTaken))
		default:
			s.Capacity = &c
		}
	}
	if in.OfferHoldHours < 1 || time.Duration(in.OfferHoldHours)*time.Hour > MaxOfferHold {
		fe.Add("offer_hold_hours", "Enter a number of hours from 1 to 336 (two weeks).")
	} else {
		s.OfferHold = time.Duration(in.OfferHoldHours) * time.Hour
	}
	s.PrivacyStatement = strings.TrimSpace(strings.ReplaceAll(in.PrivacyStatement, "\r\n", "\n"))
	s.JoinInfo = strings.TrimSpace(strings.ReplaceAll(in.JoinInfo, "\r\n", "\n"))
	if utf8.RuneCountInString(s.PrivacyStatement) > MaxMarkdownChars {
		fe.Add("privacy_statement", fmt.Sprintf("Use at most %d characters.", MaxMarkdownChars))
	} else if s.PrivacyStatement == "" && s.Open {
		fe.Add("privacy_statement", "Write the privacy statement people consent to before you open registration.")
	}
	if utf8.RuneCountInString(s.JoinInfo) > MaxMarkdownChars {
		fe.Add("join_info", fmt.Sprintf("Use at most %d characters.", MaxMarkdownChars))
	}
	s.Demographics = nil
	for _, id := range in.Demographics {
		if _, ok := demographicQuestion(id); !ok {
			fe.Add("demographics", fmt.Sprintf("%q is not one of the demographic questions offered.", id))
		} else if !slices.Contains(s.Demographics, id) {
			s.Demographics = append(s.Demographics, id)
		}
	}
	if in.Questions != nil {
		qs, err := question.CheckDefinitions(*in.Questions, "questions.")
		if err != nil {
			ae, _ := apperr.As(err)
			for _, f := range ae.Fields {
				fe.Add(f.Field, f.Message)
			}
		} else {
			s.Questions = qs
		}
	}
	return s, fe.Err()
}

// DefaultSettings are sensible settings for a free virtual conference that has just been set up:
// closed until organizers open it, no capacity limit, offers held for two days, a privacy statement
// that says what this platform does with the data, every demographic question asked, and no
// custom questions. The join information is left for the organizers to write.
func DefaultSettings(conferenceName string) Settings {
	ids := make([]string, len(DemographicQuestions))
	for i, q := range DemographicQuestions {
		ids[i] = q.ID
	}
	return Settings{Exists: true, OfferHold: DefaultOfferHold, Demographics: ids,
		PrivacyStatement: DefaultPrivacyStatement(conferenceName)}
}

// DefaultPrivacyStatement describes, in plain words, what the platform keeps about a registrant and
// who sees it.
func DefaultPrivacyStatement(conferenceName string) string {
	return "## What we keep and why\n\n" +
		"To register you for " + conferenceName + " we keep your name, email address, role, institution, " +
		"pronouns (if you give them), the accommodations you ask for and your answers to our questions. " +
		"The organizers use them to run the conference: to send you how to join, to arrange captions, " +
		"interpretation and other accommodations, and to plan sessions.\n\n" +
		"## Who sees it\n\n" +
		"The conference's organizers. Hosts of a session see the accommodations requested for it. " +
		"We do not sell or share your data, and we use no third-party tracking.\n\n" +
		"## Demographic questions\n\n" +
		"They are optional. Your answers are stored apart from your name and email address, and only ever " +
		"shown as totals in which any number below 10 is withheld. You can delete them at any time.\n\n" +
		"## Your choices\n\n" +
		"You can change your details or cancel your registration at any time with the link in your " +
		"confirmation email or from your account. Write to the organizers to have your registration deleted."
}
