package review_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/review"
)

// TestInviteChecksEveryAddress invites a list that did not come from ParseInvitees: an address that
// is not one is refused by its position before any mail is written, and the others are normalized.
func TestInviteChecksEveryAddress(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	good := fmt.Sprintf("Ada.%d@Example.ORG", time.Now().UnixNano())
	_, err := f.reviews.Invite(ctx, f.org, f.conf, []review.Invitee{{Name: "Ada", Email: " " + good}, {Name: "Bob", Email: "bob at home"},
		{Name: "Carol"}}, "")
	fields := map[string]bool{}
	if ae, ok := apperr.As(err); ok && ae.Code == apperr.Invalid {
		for _, x := range ae.Fields {
			fields[x.Field] = true
		}
	}
	if !fields["invitees.1.email"] || !fields["invitees.2.email"] || fields["invitees.0.email"] {
		t.Errorf("a list with bad addresses: %v", err)
	}
	var n int
	if err := f.db.SQL.QueryRow(`SELECT count(*) FROM reviewer_invitations WHERE conference_id = $1`, f.conf.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d invitations kept from a refused list (%v)", n, err)
	}
	sent, err := f.reviews.Invite(ctx, f.org, f.conf, []review.Invitee{{Name: "Ada", Email: " " + good}}, "")
	if err != nil || len(sent) != 1 || sent[0].Email != strings.ToLower(good) {
		t.Fatalf("invite: %+v %v", sent, err)
	}
}
