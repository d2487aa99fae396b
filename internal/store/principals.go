package store

import (
	"strconv"
	"sync"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
)

// PrincipalsChannel is the notification channel on which the database announces a change to what an
// API token authenticates as: the payload is the account's id, or 0 for every account (a conference
// renamed, say). Triggers on users, api_tokens, conference_roles and conferences send it
// (migrations/00015).
const PrincipalsChannel = "principals"

// principalTTL is how long an authenticated API token is kept in memory. It is also about how often
// a token in steady use has its last use recorded, which was once a minute already.
const principalTTL = time.Minute

// principalCache keeps, per API token, what it authenticated as (the token, its account and the
// account's roles), so that a client sending request after request is not looked up in the database
// every time. It is used only while the instance listens to PrincipalsChannel: every change is then
// announced to every instance, and the entries it concerns dropped; while it does not listen (before
// the first connection, and whenever the connection is lost) nothing is kept and every request is
// looked up. This instance's own changes drop entries at once as well, before they commit, so that a
// client sees its own change in its very next request.
type principalCache struct {
	mu   sync.Mutex
	live bool
	// gen counts what drops entries, so that a lookup that began before a change is not kept.
	gen   uint64
	m     map[string]principalEntry // by token hash
	sweep int                       // the size at which expired entries are swept next
}

type principalEntry struct {
	token account.APIToken
	user  account.User
	roles []access.Membership
	until time.Time
}

func newPrincipalCache() *principalCache {
	return &principalCache{m: map[string]principalEntry{}, sweep: 1024}
}

// get returns the entry of a token hash that is still valid at now.
func (c *principalCache) get(hash []byte, now time.Time) (principalEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(hash)]
	if !ok || !c.live || !now.Before(e.until) {
		return principalEntry{}, false
	}
	return e, true
}

// begin is called before a lookup: put keeps its result only if nothing dropped entries meanwhile.
func (c *principalCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps the result of a lookup begun at gen, until principalTTL after now or the token's expiry.
func (c *principalCache) put(gen uint64, hash []byte, e principalEntry, now time.Time) {
	e.until = now.Add(principalTTL)
	if x := e.token.ExpiresAt; x != nil && x.Before(e.until) {
		e.until = *x
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.gen != gen {
		return
	}
	if len(c.m) >= c.sweep {
		for k, x := range c.m {
			if !now.Before(x.until) {
				delete(c.m, k)
			}
		}
		c.sweep = max(1024, 2*len(c.m))
	}
	c.m[string(hash)] = e
}

// forget drops the entries of an account; userID 0 drops all.
func (c *principalCache) forget(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if userID == 0 {
		clear(c.m)
		return
	}
	for k, e := range c.m {
		if e.user.ID == userID {
			delete(c.m, k)
		}
	}
}

// notified handles a payload of PrincipalsChannel; one that is not an id drops everything.
func (c *principalCache) notified(payload string) {
	id, err := strconv.ParseInt(payload, 10, 64)
	if err != nil {
		id = 0
	}
	c.forget(id)
}

// setLive starts keeping entries (the instance listens) or stops (it does not); either way what was
// kept is dropped, since changes may have gone unannounced.
func (c *principalCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = live
	clear(c.m)
}
