package memo

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	now := time.Date(2027, 6, 30, 12, 0, 0, 0, time.UTC)
	c := New[string, int](time.Second)
	c.now = func() time.Time { return now }
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }
	if v, _ := c.Get("a", load); v != 1 {
		t.Fatalf("first get: %d", v)
	}
	if v, _ := c.Get("a", load); v != 1 || loads != 1 {
		t.Fatalf("second get loaded again: %d, %d loads", v, loads)
	}
	now = now.Add(time.Second)
	if v, _ := c.Get("a", load); v != 2 {
		t.Fatalf("after expiry: %d", v)
	}
	c.Forget("a")
	if v, _ := c.Get("a", load); v != 3 {
		t.Fatalf("after forget: %d", v)
	}
	if _, err := c.Get("b", func() (int, error) { return 0, errors.New("down") }); err == nil {
		t.Fatal("error not returned")
	}
	if v, _ := c.Get("b", load); v != 4 {
		t.Fatalf("an error was kept: %d", v)
	}
	// A load that began before a Forget does not store its old result.
	v, _ := c.Get("c", func() (int, error) { c.Forget("c"); return 99, nil })
	if v != 99 {
		t.Fatal(v)
	}
	if v, _ := c.Get("c", load); v != 5 {
		t.Fatalf("a stale load was kept: %d", v)
	}
}

// TestCacheRenewsOnceUnderLoad: when an entry expires under many requests, one loads it again and the
// others are answered with the expired value meanwhile; a missing entry is loaded by each request
// without waiting for another's; after a Forget the old value is never served.
func TestCacheRenewsOnceUnderLoad(t *testing.T) {
	now := time.Date(2027, 6, 30, 12, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	c := New[string, int](time.Second)
	c.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	if v, _ := c.Get("a", func() (int, error) { return 1, nil }); v != 1 {
		t.Fatal(v)
	}
	clock.Lock()
	now = now.Add(2 * time.Second)
	clock.Unlock()

	var loads atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	renewed := make(chan int)
	go func() {
		v, _ := c.Get("a", func() (int, error) { loads.Add(1); close(started); <-release; return 2, nil })
		renewed <- v
	}()
	<-started
	for range 50 {
		if v, _ := c.Get("a", func() (int, error) { loads.Add(1); return 3, nil }); v != 1 {
			t.Fatalf("during the renewal: %d, want the expired 1", v)
		}
	}
	close(release)
	if v := <-renewed; v != 2 || loads.Load() != 1 {
		t.Fatalf("renewed to %d with %d loads, want 2 with 1", v, loads.Load())
	}
	if v, _ := c.Get("a", func() (int, error) { return 4, nil }); v != 2 {
		t.Fatalf("after the renewal: %d, want 2", v)
	}

	// A missing entry: each request loads it, none waits for another.
	block, blocked := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = c.Get("b", func() (int, error) { close(blocked); <-block; return 5, nil })
	}()
	<-blocked
	if v, _ := c.Get("b", func() (int, error) { return 6, nil }); v != 6 {
		t.Fatalf("a missing entry waited for another load: %d", v)
	}
	close(block)

	// After a Forget, even during a renewal, the old value is not served.
	clock.Lock()
	now = now.Add(2 * time.Second)
	clock.Unlock()
	started, release = make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = c.Get("a", func() (int, error) { close(started); <-release; return 7, nil })
	}()
	<-started
	c.Forget("a")
	if v, _ := c.Get("a", func() (int, error) { return 8, nil }); v != 8 {
		t.Fatalf("after a forget: %d, want 8", v)
	}
	close(release)
	time.Sleep(10 * time.Millisecond)
	if v, _ := c.Get("a", func() (int, error) { return 9, nil }); v != 8 {
		t.Fatalf("a renewal begun before the forget was kept: %d, want 8", v)
	}
}

// TestCacheRenewalThatFails: a renewal that fails or panics drops the expired value, so that it is
// not served any longer, and the next Get loads the entry itself.
func TestCacheRenewalThatFails(t *testing.T) {
	now := time.Date(2027, 6, 30, 12, 0, 0, 0, time.UTC)
	c := New[string, int](time.Second)
	c.now = func() time.Time { return now }
	_, _ = c.Get("a", func() (int, error) { return 1, nil })
	now = now.Add(2 * time.Second)
	if _, err := c.Get("a", func() (int, error) { return 0, errors.New("statement timeout") }); err == nil {
		t.Fatal("the renewal's error was not returned")
	}
	// The next renewal, too, might fail: meanwhile the expired value is not served.
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.Get("a", func() (int, error) { close(started); <-release; return 2, nil })
	}()
	<-started
	if v, _ := c.Get("a", func() (int, error) { return 2, nil }); v != 2 {
		t.Fatalf("after a failed renewal: %d, want a fresh 2", v)
	}
	close(release)
	<-done

	now = now.Add(2 * time.Second)
	func() {
		defer func() { _ = recover() }()
		_, _ = c.Get("a", func() (int, error) { panic("load panicked") })
	}()
	if v, _ := c.Get("a", func() (int, error) { return 3, nil }); v != 3 {
		t.Fatalf("after a renewal that panicked: %d, want a fresh 3", v)
	}
}
