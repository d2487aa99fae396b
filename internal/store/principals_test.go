package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/account"
)

func TestPrincipalCache(t *testing.T) {
	now := time.Date(2027, 6, 30, 23, 0, 0, 0, time.UTC)
	entry := func(user int64) principalEntry {
		return principalEntry{token: account.APIToken{UserID: user}, user: account.User{ID: user}}
	}
	c := newPrincipalCache()
	hash := []byte("hash-of-a-token")

	// Not listening: nothing is kept.
	gen := c.begin()
	if c.live {
		t.Fatal("a new cache is live")
	}
	c.put(gen, hash, entry(1), now)
	if _, ok := c.get(hash, now); ok {
		t.Fatal("kept an entry while not listening")
	}

	c.setLive(true)
	gen = c.begin()
	c.put(gen, hash, entry(1), now)
	if _, ok := c.get(hash, now.Add(principalTTL-time.Second)); !ok {
		t.Fatal("lost an entry within its time to live")
	}
	if _, ok := c.get(hash, now.Add(principalTTL)); ok {
		t.Fatal("kept an entry past its time to live")
	}

	// A token that expires sooner is kept until its expiry only.
	soon := now.Add(10 * time.Second)
	e := entry(1)
	e.token.ExpiresAt = &soon
	gen = c.begin()
	c.put(gen, hash, e, now)
	if _, ok := c.get(hash, soon); ok {
		t.Fatal("kept a token past its expiry")
	}

	// A lookup that began before a change is not kept.
	c.notified("0")
	gen = c.begin()
	c.notified("2")
	c.put(gen, hash, entry(1), now)
	if _, ok := c.get(hash, now); ok {
		t.Fatal("kept a lookup that began before a change")
	}

	// A change drops its account's entries only; 0 or anything unreadable drops all.
	other := []byte("hash-of-another-token")
	fill := func() {
		gen := c.begin()
		c.put(gen, hash, entry(1), now)
		c.put(gen, other, entry(2), now)
	}
	fill()
	c.notified("2")
	if _, ok := c.get(hash, now); !ok {
		t.Error("a change of account 2 dropped account 1")
	}
	if _, ok := c.get(other, now); ok {
		t.Error("a change of account 2 kept account 2")
	}
	for _, payload := range []string{"0", "garbage"} {
		fill()
		c.notified(payload)
		if _, ok := c.get(hash, now); ok {
			t.Errorf("payload %q kept an entry", payload)
		}
	}

	// Losing the connection drops everything and keeps nothing more.
	fill()
	c.setLive(false)
	if _, ok := c.get(hash, now); ok {
		t.Error("kept an entry after the connection was lost")
	}

	// Expired entries are swept as the map grows.
	c.setLive(true)
	gen = c.begin()
	for i := range 3000 {
		c.put(gen, fmt.Appendf(nil, "h%d", i), entry(int64(i)), now.Add(time.Duration(i/1000)*principalTTL))
	}
	if len(c.m) > 2100 {
		t.Errorf("%d entries kept, expired ones not swept", len(c.m))
	}
}
