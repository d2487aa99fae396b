package cfp

import (
	"slices"
	"time"

	"github.com/challenging-norms/conference/internal/question"
)

// A save sent twice, at once (a double click) or again (the browser's back button, a retry), must
// not say it failed because its own twin did it first: a versioned save refused because the version
// it read is stale succeeds when its change makes no difference to what is saved now, as the twin
// saved it. A change by someone else still makes a difference, and is still a conflict.

// sameMoment reports whether two times are the same moment as stored (to the microsecond).
func sameMoment(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// sameCall reports whether two calls have the same settings and pages.
func sameCall(a, b Call) bool {
	return sameMoment(a.OpensAt, b.OpensAt) && sameMoment(a.ClosesAt, b.ClosesAt) && a.ContactEmail == b.ContactEmail &&
		a.IntroMD == b.IntroMD && a.GuideMD == b.GuideMD && a.FAQMD == b.FAQMD
}

// sameFormat reports whether two formats have the same settings and fields (their place in the list
// and their questions no longer asked aside).
func sameFormat(a, b Format) bool {
	return a.Name == b.Name && a.Description == b.Description && a.DurationMinutes == b.DurationMinutes && a.MaxPresenters == b.MaxPresenters &&
		a.AbstractMaxWords == b.AbstractMaxWords && a.Accepting == b.Accepting && slices.EqualFunc(a.Fields, b.Fields, sameQuestion)
}

// sameQuestion reports whether two questions are the same, an empty list of options as none.
func sameQuestion(a, b question.Question) bool {
	return a.ID == b.ID && a.Label == b.Label && a.Help == b.Help && a.Kind == b.Kind && a.Required == b.Required &&
		slices.Equal(a.Options, b.Options) && a.MaxWords == b.MaxWords
}
