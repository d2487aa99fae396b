// Package memo keeps the answers of reads that many requests repeat and that rarely change (a
// conference by its slug, its call's window, formats and tracks) for a short time, so that a surge of
// requests does not repeat the same queries. Each process forgets an entry when it changes it itself,
// and every entry expires after its time to live (plus the time of the load that renews it), which
// bounds how long another process may serve an old value.
package memo

import (
	"sync"
	"time"
)

// Cache maps keys to values for a time to live. The zero value is not usable; use New.
type Cache[K comparable, V any] struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[K]entry[V]
	// gen counts invalidations, so that a load that began before one does not store its old result.
	gen map[K]uint64
	// refreshing marks the expired entries one Get is loading again. Meanwhile the other Gets are
	// answered with the expired value instead of all loading it at once, as a surge of requests
	// would the moment an entry expires.
	refreshing map[K]*struct{}
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache whose entries live for ttl.
func New[K comparable, V any](ttl time.Duration) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, now: time.Now, m: map[K]entry[V]{}, gen: map[K]uint64{}, refreshing: map[K]*struct{}{}}
}

// Get returns the value for k, loading it with load when it is missing or expired. While one Get
// loads an expired value again, the others get the expired value: an entry may thus be served for
// its time to live and the time of one load. A renewal that fails drops the expired value, so it is
// not served any longer. Nothing waits for another's load (a load may need a database connection
// that the waiting requests hold), so a missing entry is loaded by every Get that finds it missing.
// Errors are not kept: the next Get loads again.
func (c *Cache[K, V]) Get(k K, load func() (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	if ok && c.now().Before(e.expires) {
		c.mu.Unlock()
		return e.v, nil
	}
	if ok && c.refreshing[k] != nil {
		c.mu.Unlock()
		return e.v, nil
	}
	var mark *struct{}
	if ok {
		mark = new(struct{})
		c.refreshing[k] = mark
	}
	g := c.gen[k]
	c.mu.Unlock()

	loaded := false
	defer func() {
		// Also when load panics: a mark left behind would have the expired value served for ever.
		c.mu.Lock()
		defer c.mu.Unlock()
		if mark != nil && c.refreshing[k] == mark {
			delete(c.refreshing, k)
			if !loaded && c.gen[k] == g {
				delete(c.m, k)
			}
		}
	}()
	v, err := load()
	if err != nil {
		return v, err
	}
	loaded = true
	c.mu.Lock()
	if c.gen[k] == g {
		c.m[k] = entry[V]{v: v, expires: c.now().Add(c.ttl)}
	}
	c.mu.Unlock()
	return v, nil
}

// Forget drops the entry for k, so that the next Get loads it anew; no Get is answered with the
// dropped value afterwards.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	delete(c.m, k)
	delete(c.refreshing, k)
	c.gen[k]++
	c.mu.Unlock()
}
