package access

import (
	"testing"

	"github.com/challenging-norms/conference/internal/apperr"
)

func TestPolicy(t *testing.T) {
	const conf, other = 1, 2
	organizer := &Principal{UserID: 10, Roles: []Membership{{ConferenceID: conf, Role: Organizer}}}
	reviewer := &Principal{UserID: 11, Roles: []Membership{{ConferenceID: conf, Role: Reviewer}}}
	admin := &Principal{UserID: 12, Admin: true}
	nobody := &Principal{UserID: 13}
	var anonymous *Principal

	cases := []struct {
		who    *Principal
		action Action
		conf   int64
		want   apperr.Code
	}{
		{organizer, ManageConference, conf, ""},
		{organizer, ManageConference, other, apperr.Forbidden},
		{organizer, ViewMailLog, conf, ""},
		{organizer, Review, conf, apperr.Forbidden},
		{organizer, CreateConference, 0, apperr.Forbidden},
		{organizer, ViewAuditLog, 0, apperr.Forbidden},
		{reviewer, Review, conf, ""},
		{reviewer, ManageConference, conf, apperr.Forbidden},
		{reviewer, ViewMailLog, conf, apperr.Forbidden},
		{admin, CreateConference, 0, ""},
		{admin, ViewAuditLog, 0, ""},
		{admin, ManageConference, other, ""},
		{nobody, ManageConference, conf, apperr.Forbidden},
		{nobody, ViewAllMail, 0, apperr.Forbidden},
		{anonymous, ManageConference, conf, apperr.Unauthenticated},
		{anonymous, CreateConference, 0, apperr.Unauthenticated},
	}
	for _, tc := range cases {
		if got := apperr.CodeOf(Check(tc.who, tc.action, tc.conf)); got != tc.want {
			id := int64(0)
			if tc.who != nil {
				id = tc.who.UserID
			}
			t.Errorf("user %d, %s in %d: got %q, want %q", id, tc.action, tc.conf, got, tc.want)
		}
	}
	// Session hosts: a chair of the session, or whoever may do the action anyway.
	chair := &Principal{UserID: 14}
	hostCases := []struct {
		who  *Principal
		want apperr.Code
	}{{chair, ""}, {organizer, ""}, {admin, ""}, {reviewer, apperr.Forbidden}, {nobody, apperr.Forbidden}, {anonymous, apperr.Unauthenticated}}
	for _, tc := range hostCases {
		if got := apperr.CodeOf(CheckHost(tc.who, ViewAccommodations, conf, []int64{14, 15})); got != tc.want {
			t.Errorf("CheckHost %+v: got %q, want %q", tc.who, got, tc.want)
		}
	}
	if apperr.CodeOf(CheckHost(organizer, ViewAccommodations, other, []int64{15})) != apperr.Forbidden {
		t.Error("an organizer of another conference hosts nothing here")
	}
	if Check(organizer, ManageSchedule, conf) != nil || Check(reviewer, ManageSchedule, conf) == nil {
		t.Error("the schedule is the organizers'")
	}
	if got := organizer.Organizes(); len(got) != 1 || got[0].ConferenceID != conf {
		t.Errorf("Organizes = %+v", got)
	}
}
