package memo

import (
	"errors"
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
