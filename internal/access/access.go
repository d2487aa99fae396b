// Package access is the one place that decides who may do what. Handlers ask it through middleware and
// services ask it again beneath them, so that no new route can forget a rule.
//
// Accounts are global; admin is a global flag; organizer and reviewer are roles held per conference.
package access

import (
	"slices"

	"github.com/challenging-norms/conference/internal/apperr"
)

// Role is a role a person holds in one conference.
type Role string

// The conference roles.
const (
	Organizer Role = "organizer"
	Reviewer  Role = "reviewer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Organizer || r == Reviewer }

// Membership is one role in one conference.
type Membership struct {
	ConferenceID   int64
	ConferenceSlug string
	ConferenceName string
	Role           Role
}

// Principal is the person a request acts for. A nil *Principal is an anonymous visitor.
type Principal struct {
	UserID int64
	Email  string
	Name   string
	Admin  bool
	Roles  []Membership
}

// Action is something a principal may be allowed to do.
type Action string

// The actions the platform knows. Conference-scoped actions need the conference's id.
const (
	// Installation-wide.
	CreateConference Action = "conference.create"
	ViewAuditLog     Action = "audit.view"
	ViewAllMail      Action = "mail.view_all"
	// Per conference.
	ManageConference Action = "conference.manage" // settings and team
	ViewMailLog      Action = "conference.mail.view"
	Review           Action = "conference.review"
	// ManageCall edits the call for proposals: its window, formats, tracks, pages, extensions and
	// access links.
	ManageCall Action = "conference.call.manage"
	// ViewProposals lists, searches and exports every proposal with its presenters' identities.
	ViewProposals Action = "conference.proposals.view"
	// ManageReview runs peer review: the reviewer pool, assignments, the ranking and decisions. The
	// review policy further hides a proposal's review from an organizer who conflicts with it.
	ManageReview Action = "conference.review.manage"
	// Registration, per conference.
	ManageRegistrations Action = "conference.registration.manage"         // settings, lists, export, changes, workshops
	ViewAccommodations  Action = "conference.registration.accommodations" // what registrants need (session hosts, later)
	ViewDemographics    Action = "conference.registration.demographics"   // aggregates only, never one person's answers
	// ManageSchedule builds the program: rooms, sessions, placing proposals, publishing versions.
	ManageSchedule Action = "conference.schedule.manage"
	// ViewMeetingLinks sees the meeting links of the published program's rooms without being a
	// registered attendee or in the program (registered attendees and presenters are let in by the
	// program package, which knows them).
	ViewMeetingLinks Action = "conference.program.meeting_links"
)

// rules lists which conference role grants each conference-scoped action. Admins may do everything.
var rules = map[Action][]Role{
	ManageConference: {Organizer},
	ViewMailLog:      {Organizer},
	Review:           {Reviewer},
	ManageCall:       {Organizer},
	ViewProposals:    {Organizer},
	ManageReview:     {Organizer},
	// Registration.
	ManageRegistrations: {Organizer},
	ViewAccommodations:  {Organizer},
	ViewDemographics:    {Organizer},
	// Schedule.
	ManageSchedule: {Organizer},
	// Program.
	ViewMeetingLinks: {Organizer},
}

// HasRole reports whether p holds role in the conference.
func (p *Principal) HasRole(conferenceID int64, role Role) bool {
	if p == nil {
		return false
	}
	for _, m := range p.Roles {
		if m.ConferenceID == conferenceID && m.Role == role {
			return true
		}
	}
	return false
}

// Can reports whether p may do a in the conference (conferenceID 0 for installation-wide actions).
func (p *Principal) Can(a Action, conferenceID int64) bool {
	if p == nil {
		return false
	}
	if p.Admin {
		return true
	}
	roles, ok := rules[a]
	if !ok || conferenceID == 0 {
		return false
	}
	return slices.ContainsFunc(roles, func(r Role) bool { return p.HasRole(conferenceID, r) })
}

// Check returns nil when p may do a, apperr Unauthenticated for an anonymous visitor, and apperr
// Forbidden otherwise.
func Check(p *Principal, a Action, conferenceID int64) error {
	if p == nil {
		return apperr.New(apperr.Unauthenticated, "Please log in to continue.")
	}
	if !p.Can(a, conferenceID) {
		return apperr.New(apperr.Forbidden, "You do not have permission to do that.")
	}
	return nil
}

// Organizes lists the conferences p organizes.
func (p *Principal) Organizes() []Membership {
	if p == nil {
		return nil
	}
	var out []Membership
	for _, m := range p.Roles {
		if m.Role == Organizer {
			out = append(out, m)
		}
	}
	return out
}

// Reviews lists the conferences p reviews for.
func (p *Principal) Reviews() []Membership {
	if p == nil {
		return nil
	}
	var out []Membership
	for _, m := range p.Roles {
		if m.Role == Reviewer {
			out = append(out, m)
		}
	}
	return out
}

// CheckHost is the rule for what a session's hosts see of it (such as the accommodations its
// attendees asked for): nil when p may do a in the conference anyway, or when p is one of the
// session's chairs (hosts, their user ids); apperr Unauthenticated for an anonymous visitor and
// Forbidden otherwise.
func CheckHost(p *Principal, a Action, conferenceID int64, hosts []int64) error {
	if p == nil {
		return apperr.New(apperr.Unauthenticated, "Please log in to continue.")
	}
	if p.Can(a, conferenceID) || slices.Contains(hosts, p.UserID) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "Only the session's chairs and the organizers may see this.")
}
