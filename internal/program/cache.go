package program

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/challenging-norms/conference/internal/schedule"
)

// Cache holds the latest published program of each conference in memory, with everything built
// from it (pages, feeds, exports) kept beside it as it is first asked for. Readers far outnumber
// publications, so a conference's program is read from the database once per version: the entry is
// dropped when a publication announces itself (Invalidate, called by the NOTIFY listener and by the
// publishing code in the same process) and filled again on the next read.
type Cache struct {
	src     schedule.Published
	mu      sync.Mutex
	entries map[int64]*entry
	// slugs maps the slugs of conferences with a published program to their ids, so that the hot
	// paths (anonymous pages, feeds, exports) need no database read at all. A conference's slug
	// does not change.
	slugs map[string]int64
	loads atomic.Int64
}

type entry struct {
	done chan struct{}
	snap *Snapshot
	err  error
}

// NewCache reads programs from src.
func NewCache(src schedule.Published) *Cache {
	return &Cache{src: src, entries: map[int64]*entry{}, slugs: map[string]int64{}}
}

// Latest returns the conference's latest published program, read from the database only when the
// cache has none. Concurrent first reads share one database read. It returns schedule.ErrNotPublished
// (also cached until the first publication) or the store's error (not cached).
func (c *Cache) Latest(ctx context.Context, conferenceID int64) (*Snapshot, error) {
	c.mu.Lock()
	e := c.entries[conferenceID]
	if e == nil {
		e = &entry{done: make(chan struct{})}
		c.entries[conferenceID] = e
		c.mu.Unlock()
		c.fill(ctx, conferenceID, e)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return e.snap, e.err
}

func (c *Cache) fill(ctx context.Context, conferenceID int64, e *entry) {
	defer close(e.done)
	c.loads.Add(1)
	// The read serves every waiter, so one client going away must not fail it for the others.
	pub, err := c.src.LatestProgram(context.WithoutCancel(ctx), conferenceID)
	if err != nil {
		e.err = err
		if !errors.Is(err, schedule.ErrNotPublished) {
			c.mu.Lock()
			if c.entries[conferenceID] == e {
				delete(c.entries, conferenceID)
			}
			c.mu.Unlock()
		}
		return
	}
	e.snap, e.err = newSnapshot(pub.Program)
	if e.err == nil {
		c.mu.Lock()
		c.slugs[pub.Program.Slug] = conferenceID
		c.mu.Unlock()
	}
}

// Known returns the id of the conference with the slug, if it has a published program that was
// read before.
func (c *Cache) Known(slug string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.slugs[slug]
	return id, ok
}

// Loads counts the reads from the database so far (for tests and metrics).
func (c *Cache) Loads() int64 { return c.loads.Load() }

// Invalidate drops what is cached for a conference; the next read loads the newest version.
func (c *Cache) Invalidate(conferenceID int64) {
	c.mu.Lock()
	delete(c.entries, conferenceID)
	c.mu.Unlock()
}

// InvalidateAll drops everything, e.g. after the listener lost its connection and may have missed
// publications.
func (c *Cache) InvalidateAll() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// Snapshot is one published version of a conference's program, with what is built from it.
type Snapshot struct {
	Program schedule.Program
	// Loc is the conference's time zone.
	Loc *time.Location

	mu        sync.Mutex
	artifacts map[string]*artifactEntry
}

type artifactEntry struct {
	once  sync.Once
	ready atomic.Bool // set once a is built
	a     Artifact
	err   error
}

// Artifact is a representation of a version of the program: a feed, an export or a page that is
// the same for everyone.
type Artifact struct {
	Body []byte
	// Gzip is Body compressed, made once per version for clients that accept it (nil for a small body).
	Gzip []byte
	// ETag is a strong validator of Body; Modified is when the version was published.
	ETag     string
	Modified time.Time
}

func newSnapshot(p schedule.Program) (*Snapshot, error) {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return nil, errors.Join(errors.New("program: time zone of the published program"), err)
	}
	return &Snapshot{Program: p, Loc: loc, artifacts: map[string]*artifactEntry{}}, nil
}

// NewSnapshot wraps a program for the functions of this package, without the cache.
func NewSnapshot(p schedule.Program) (*Snapshot, error) { return newSnapshot(p) }

// Cached returns the representation called name if it was built already.
func (s *Snapshot) Cached(name string) (Artifact, bool) {
	s.mu.Lock()
	e := s.artifacts[name]
	s.mu.Unlock()
	if e == nil || !e.ready.Load() {
		return Artifact{}, false
	}
	return e.a, true
}

// Artifact returns the representation called name, building it with build the first time it is
// asked for in this version. A build that fails is not kept.
func (s *Snapshot) Artifact(name string, build func() ([]byte, error)) (Artifact, error) {
	s.mu.Lock()
	e := s.artifacts[name]
	if e == nil {
		e = &artifactEntry{}
		s.artifacts[name] = e
	}
	s.mu.Unlock()
	e.once.Do(func() {
		body, err := build()
		if err != nil {
			e.err = err
			return
		}
		sum := sha256.Sum256(body)
		e.a = Artifact{Body: body, Gzip: compress(body), Modified: s.Program.PublishedAt,
			ETag: `"v` + strconv.Itoa(s.Program.Version) + "-" + hex.EncodeToString(sum[:10]) + `"`}
		e.ready.Store(true)
	})
	if e.err != nil {
		s.mu.Lock()
		if s.artifacts[name] == e {
			delete(s.artifacts, name)
		}
		s.mu.Unlock()
	}
	return e.a, e.err
}

// compress gzips a body worth compressing; the program's pages and feeds shrink about tenfold.
func compress(body []byte) []byte {
	if len(body) < 1024 {
		return nil
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := w.Write(body); err != nil {
		return nil
	}
	if err := w.Close(); err != nil {
		return nil
	}
	return buf.Bytes()
}
