// Package memo keeps the answers of reads that many requests repeat and that rarely change (a
// conference by its slug, its call's window, formats and tracks) for a short time, so that a surge of
// requests does not repeat the same queries. Each process forgets an entry when it changes it itself,
// and every entry expires after its time to live, which bounds how long another process may serve an
// old value.
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
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache whose entries live for ttl.
func New[K comparable, V any](ttl time.Duration) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, now: time.Now, m: map[K]entry[V]{}, gen: map[K]uint64{}}
}

// Get returns the value for k, loading it with load when it is missing or expired. Errors are not
// kept: the next Get loads again.
func (c *Cache[K, V]) Get(k K, load func() (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	g := c.gen[k]
	c.mu.Unlock()
	if ok && c.now().Before(e.expires) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen[k] == g {
		c.m[k] = entry[V]{v: v, expires: c.now().Add(c.ttl)}
	}
	c.mu.Unlock()
	return v, nil
}

// Forget drops the entry for k, so that the next Get loads it anew.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.gen[k]++
	c.mu.Unlock()
}
