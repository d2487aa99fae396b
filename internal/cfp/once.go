package cfp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
)

// A request sent twice, at once (a double click) or again (a retry, the browser's back button),
// must not do twice what it asks, nor say it failed because its own twin did it first:
//
//   - A create carries a client key (one per form shown; the API's Idempotency-Key), kept with what
//     it made under a unique index. A create refused while its key made something returns that, as
//     it is now, when it is what this one would make; otherwise apperr Conflict with ErrKeyUsed.
//   - A versioned save refused because the version it read is stale succeeds when its change makes
//     no difference to what is saved now: the twin saved it. A change by someone else still makes
//     a difference, and is still a conflict.

// ErrKeyUsed is the cause of the apperr Conflict of a create whose client key made something that
// differs from what it asks for now: a form sent again after it was changed, or an API client's key
// used for another request. Nothing more is made. It is apperr.ErrKeyUsed, which other domains'
// creates share.
var ErrKeyUsed = apperr.ErrKeyUsed

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

// sameLink reports whether two access links let the same proposals in: label, expiry, uses and formats.
func sameLink(a, b AccessLink) bool {
	return a.Label == b.Label && sameMoment(a.ExpiresAt, b.ExpiresAt) && a.MaxUses == b.MaxUses && slices.Equal(a.FormatIDs, b.FormatIDs)
}

// keyedSecret is the secret of the access link made with the client key: the same for the same key,
// so that the answer to a repeated request (a double click, whose first answer the browser drops)
// shows the link the first one made rather than one nobody sees. Without the service's secret it
// cannot be told from the key.
func (s *Service) keyedSecret(conf conference.Conference, key string) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "call-access-link-key:%d:%s", conf.ID, key)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}
