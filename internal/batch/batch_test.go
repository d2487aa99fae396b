package batch

import (
	"context"
	"errors"
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

// TestBatcherStartsAnotherWriteForAQuarterOfABatch: while one write runs, a call waits for it rather
// than start a second write alone; a second starts once Max/4 calls are waiting, and takes them all.
func TestBatcherStartsAnotherWriteForAQuarterOfABatch(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	running, most := 0, 0
	started := make(chan int, 10)
	release := make(chan struct{})
	b := &Batcher[int, int]{Max: 8, Parallel: 2, Timeout: time.Minute,
		Write: func(ctx context.Context, in []int) ([]int, error) {
			mu.Lock()
			sizes = append(sizes, len(in))
			running++
			most = max(most, running)
			mu.Unlock()
			started <- len(in)
			<-release
			mu.Lock()
			running--
			mu.Unlock()
			return make([]int, len(in)), nil
		}}
	done := make(chan error, 10)
	call := func(x int) {
		_, err := b.Do(context.Background(), x)
		done <- err
	}
	go call(1)
	if n := <-started; n != 1 {
		t.Fatalf("the first write took %d calls, want 1", n)
	}
	go call(2)
	for deadline := time.Now().Add(time.Second); len(b.waiting()) < 1; {
		select {
		case n := <-started:
			close(release)
			t.Fatalf("a second write started for %d call(s), fewer than a quarter of a batch", n)
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("the second call neither waits nor is written")
		}
	}
	select {
	case n := <-started:
		close(release)
		t.Fatalf("a second write started for %d call(s), fewer than a quarter of a batch", n)
	case <-time.After(50 * time.Millisecond):
	}
	go call(3) // two waiting: a quarter of 8
	if n := <-started; n != 2 {
		t.Errorf("the second write took %d calls, want 2", n)
	}
	close(release)
	for range 3 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 2 || len(sizes) != 2 {
		t.Errorf("writes %v, at most %d at once; want [1 2], two at once", sizes, most)
	}
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
