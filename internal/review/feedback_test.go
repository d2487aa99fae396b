package review_test

import (
	"context"
	"testing"

	"github.com/challenging-norms/conference/internal/apperr"
)

// TestFeedbackDoesNotTellWhichProposalsExist asks for the feedback of someone else's proposal and of
// an id that names none: both answers are the same, for reading and for answering an acceptance.
func TestFeedbackDoesNotTellWhichProposalsExist(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	prop := f.proposal(f.person("Owner", "owner@feedback.test", "Feedback College"), "Someone's proposal", 0)
	stranger := f.person("Stranger", "stranger@elsewhere.test", "Elsewhere")
	_, theirs := f.reviews.Feedback(ctx, stranger, f.conf, prop.ID)
	_, none := f.reviews.Feedback(ctx, stranger, f.conf, prop.ID+1000000)
	if !apperr.Is(theirs, apperr.NotFound) || !apperr.Is(none, apperr.NotFound) || theirs.Error() != none.Error() {
		t.Errorf("someone else's proposal: %v; no proposal: %v", theirs, none)
	}
	theirs = f.reviews.Participate(ctx, stranger, f.conf, prop.ID, true)
	none = f.reviews.Participate(ctx, stranger, f.conf, prop.ID+1000000, true)
	if !apperr.Is(theirs, apperr.NotFound) || theirs.Error() != none.Error() {
		t.Errorf("answering for someone else's proposal: %v; for none: %v", theirs, none)
	}
}
