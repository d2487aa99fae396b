package batch

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBatcher: calls that arrive while a write runs go together in the next one, at most max of
// them; each gets its own output; a failed or panicking write fails its own calls only; a caller
// that gives up returns at once.
func TestBatcher(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	started, release := make(chan struct{}), make(chan struct{})
	b := &Batcher[int, int]{Max: 3, Parallel: 1, Timeout: time.Minute,
		Write: func(ctx context.Context, in []int) ([]int, error) {
			mu.Lock()
			sizes = append(sizes, len(in))
			first := len(sizes) == 1
			mu.Unlock()
			if first {
				close(started)
				<-release // the calls below arrive meanwhile
			}
			out := make([]int, len(in))
			for i, x := range in {
				switch x {
				case -1:
					return nil, errors.New("refused")
				case -2:
					panic("broken")
				}
				out[i] = 10 * x
			}
			return out, nil
		}}
	type answer struct {
		in, out int
		err     error
	}
	answers := make(chan answer, 10)
	call := func(x int) {
		out, err := b.Do(context.Background(), x)
		answers <- answer{x, out, err}
	}
	go call(1)
	<-started
	for x := 2; x <= 5; x++ {
		go call(x)
	}
	for len(b.waiting()) < 4 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	for range 5 {
		a := <-answers
		if a.err != nil || a.out != 10*a.in {
			t.Errorf("call %d: %d, %v", a.in, a.out, a.err)
		}
	}
	mu.Lock()
	if len(sizes) != 3 || sizes[0] != 1 || sizes[1] != 3 || sizes[2] != 1 {
		t.Errorf("batch sizes %v, want [1 3 1]", sizes)
	}
	mu.Unlock()

	// Failures are the calls' of that write.
	if _, err := b.Do(context.Background(), -1); err == nil || err.Error() != "refused" {
		t.Errorf("failed write: %v", err)
	}
	if _, err := b.Do(context.Background(), -2); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("panicking write: %v", err)
	}
	if out, err := b.Do(context.Background(), 7); err != nil || out != 70 {
		t.Errorf("after the failures: %d, %v", out, err)
	}

	// A caller whose context ends stops waiting.
	block := make(chan struct{})
	b.Write = func(ctx context.Context, in []int) ([]int, error) { <-block; return make([]int, len(in)), nil }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Do(ctx, 8); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("caller gone: %v", err)
	}
	close(block)
}

// TestBatcherStartsAnotherWriteForAQuarterOfABatch: while a write runs, a call waits to go in its
// next batch rather than start a second write alone; a second starts once Max/4 calls are waiting,
// and takes them all.
func TestBatcherStartsAnotherWriteForAQuarterOfABatch(t *testing.T) {
	w := newWrites()
	b := &Batcher[int, int]{Max: 8, Parallel: 2, Timeout: time.Minute, Wait: time.Minute, Write: w.write}
	done := make(chan error, 10)
	call := func(x int) {
		_, err := b.Do(context.Background(), x)
		done <- err
	}
	go call(1)
	if n := recv(t, w.started, "first write"); n != 1 {
		t.Fatalf("the first write took %d calls, want 1", n)
	}
	go call(2)
	w.noStart(t, b, 1)
	w.release <- struct{}{} // the first write ends, and its next batch is the waiting call
	if n := recv(t, w.started, "next batch"); n != 1 {
		t.Errorf("the next batch took %d calls, want 1", n)
	}
	w.release <- struct{}{}
	for range 2 {
		if err := recv(t, done, "answer"); err != nil {
			t.Error(err)
		}
	}
	if sizes, most := w.result(); !slices.Equal(sizes, []int{1, 1}) || most != 1 {
		t.Errorf("writes %v, at most %d at once; want [1 1], one at a time", sizes, most)
	}

	go call(3)
	recv(t, w.started, "a write for the third call")
	go call(4)
	w.noStart(t, b, 1)
	go call(5) // two waiting: a quarter of 8
	if n := recv(t, w.started, "second write"); n != 2 {
		t.Errorf("the second write took %d calls, want 2", n)
	}
	close(w.release)
	for range 3 {
		if err := recv(t, done, "answer"); err != nil {
			t.Error(err)
		}
	}
	if sizes, most := w.result(); !slices.Equal(sizes, []int{1, 1, 1, 2}) || most != 2 {
		t.Errorf("writes %v, at most %d at once; want [1 1 1 2], two at once", sizes, most)
	}
}

// TestBatcherStartsAnotherWriteForACallThatWaitedLong: a call that has waited Wait for a running
// write goes in a second write, however few wait.
func TestBatcherStartsAnotherWriteForACallThatWaitedLong(t *testing.T) {
	w := newWrites()
	const wait = 30 * time.Millisecond
	b := &Batcher[int, int]{Max: 64, Parallel: 2, Timeout: time.Minute, Wait: wait, Write: w.write}
	done := make(chan error, 10)
	call := func(x int) {
		_, err := b.Do(context.Background(), x)
		done <- err
	}
	go call(1)
	recv(t, w.started, "first write")
	began := time.Now()
	go call(2)
	if n := recv(t, w.started, "second write"); n != 1 {
		t.Errorf("the second write took %d calls, want 1", n)
	}
	if waited := time.Since(began); waited < wait {
		t.Errorf("the second write started after %v, before the call had waited %v", waited, wait)
	}
	close(w.release)
	for range 2 {
		if err := recv(t, done, "answer"); err != nil {
			t.Error(err)
		}
	}
	if _, most := w.result(); most != 2 {
		t.Errorf("at most %d writes at once, want 2", most)
	}
}

// writes is a Write that reports each write's size as it starts and ends it when released.
type writes struct {
	mu            sync.Mutex
	sizes         []int
	running, most int
	started       chan int
	release       chan struct{}
}

func newWrites() *writes {
	return &writes{started: make(chan int, 10), release: make(chan struct{})}
}

func (w *writes) write(_ context.Context, in []int) ([]int, error) {
	w.mu.Lock()
	w.sizes = append(w.sizes, len(in))
	w.running++
	w.most = max(w.most, w.running)
	w.mu.Unlock()
	w.started <- len(in)
	<-w.release
	w.mu.Lock()
	w.running--
	w.mu.Unlock()
	return make([]int, len(in)), nil
}

func (w *writes) result() ([]int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.sizes), w.most
}

// noStart fails when a write starts before n calls are waiting, or within 50 ms after.
func (w *writes) noStart(t *testing.T, b *Batcher[int, int], n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); len(b.waiting()) < n; time.Sleep(time.Millisecond) {
		select {
		case k := <-w.started:
			t.Fatalf("a write started for %d call(s) while another ran", k)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls never waited", n)
		}
	}
	select {
	case k := <-w.started:
		t.Fatalf("a write started for %d call(s) while another ran", k)
	case <-time.After(50 * time.Millisecond):
	}
}

// recv receives from ch, or fails when nothing comes within five seconds.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s within five seconds", what)
	}
	var zero T
	return zero
}

// waiting returns the inputs of the calls not yet taken by a write.
func (b *Batcher[In, Out]) waiting() []In {
	b.mu.Lock()
	defer b.mu.Unlock()
	var in []In
	for _, c := range b.pending {
		in = append(in, c.in)
	}
	return in
}
