// Package batch runs calls that arrive together as one: one statement, or one transaction, for many
// requests.
package batch

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Batcher writes calls together: the calls that arrive while earlier ones are being written wait
// and go in the next write, up to Max of them, with at most Parallel writes at once. A call that
// finds no write running goes at once, alone, so that a quiet server adds no delay. While fewer than
// Parallel run, another write starts alongside once a quarter of a batch (Max/4 calls, at least
// one) is waiting, or once the oldest waiting call has waited Wait: a write is not spent on a call
// or two whose round trips and commit would serve many a moment later, and no call waits long on a
// slow write. Under load one round trip, one plan and one commit serve many requests. Each write
// runs with its first call's context, cancellation removed (a client gone must not fail the
// others), and a time limit of its own (Timeout).
type Batcher[In, Out any] struct {
	Max, Parallel int
	Timeout       time.Duration
	// Wait is the longest a call waits for a running write to take it before another write starts
	// alongside, however few calls wait; 100 ms when zero.
	Wait time.Duration
	// Write writes the inputs in one go and returns one output for each, in their order; an error
	// is every call's.
	Write func(ctx context.Context, in []In) ([]Out, error)

	mu      sync.Mutex
	pending []*call[In, Out]
	running int
	checkAt bool // a look at the oldest waiting call is due (wake)
}

type call[In, Out any] struct {
	ctx  context.Context
	in   In
	out  Out
	err  error
	done chan struct{}
	at   time.Time // when it began to wait
}

// Do writes in with whatever other calls are waiting and returns its output. A call whose context
// ends while it waits returns the context's error; it is written only if a write had already
// taken it.
func (b *Batcher[In, Out]) Do(ctx context.Context, in In) (Out, error) {
	c := &call[In, Out]{ctx: ctx, in: in, done: make(chan struct{}), at: time.Now()}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	start := b.running == 0 || (b.running < b.Parallel && len(b.pending) >= max(1, b.Max/4))
	if start {
		b.running++
	} else if b.running < b.Parallel && !b.checkAt {
		b.checkAt = true
		time.AfterFunc(b.wait(), b.wake)
	}
	b.mu.Unlock()
	if start {
		go b.drain()
	}
	select {
	case <-c.done:
		return c.out, c.err
	case <-ctx.Done():
		var zero Out
		return zero, ctx.Err()
	}
}

// wait is Wait, or its default.
func (b *Batcher[In, Out]) wait() time.Duration {
	if b.Wait > 0 {
		return b.Wait
	}
	return 100 * time.Millisecond
}

// wake starts another write when the oldest waiting call has waited Wait and fewer than Parallel
// run; when that call has not waited so long yet, it looks again when it will have.
func (b *Batcher[In, Out]) wake() {
	b.mu.Lock()
	b.checkAt = false
	start := false
	if len(b.pending) > 0 && b.running < b.Parallel {
		if d := b.wait() - time.Since(b.pending[0].at); d > 0 {
			b.checkAt = true
			time.AfterFunc(d, b.wake)
		} else {
			b.running++
			start = true
		}
	}
	b.mu.Unlock()
	if start {
		go b.drain()
	}
}

// DoOrAlone writes in with the others (Do), or on its own, with ctx as it is, when alone is set
// (e.g. ctx carries a transaction the write must join); a batch that fails is written again on its
// own, so that this call's error is its own.
func (b *Batcher[In, Out]) DoOrAlone(ctx context.Context, in In, alone bool) (Out, error) {
	if !alone {
		if out, err := b.Do(ctx, in); err == nil || ctx.Err() != nil {
			return out, err
		}
	}
	outs, err := b.Write(ctx, []In{in})
	if err != nil {
		var zero Out
		return zero, err
	}
	return outs[0], nil
}

// drain writes the waiting calls, a batch at a time, until none is left.
func (b *Batcher[In, Out]) drain() {
	for {
		b.mu.Lock()
		n := min(len(b.pending), b.Max)
		if n == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		calls := b.pending[:n:n]
		b.pending = append([]*call[In, Out](nil), b.pending[n:]...)
		b.mu.Unlock()
		// A call whose caller has gone is not written: nobody would learn whether it was.
		live := calls[:0:0]
		for _, c := range calls {
			if err := c.ctx.Err(); err != nil {
				c.err = err
				close(c.done)
				continue
			}
			live = append(live, c)
		}
		if len(live) > 0 {
			b.run(live)
		}
	}
}

// run writes one batch and answers its calls, even when write panics.
func (b *Batcher[In, Out]) run(calls []*call[In, Out]) {
	var out []Out
	err := fmt.Errorf("batch write failed")
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("batch write panicked: %v", r)
		}
		for i, c := range calls {
			if err == nil && i < len(out) {
				c.out = out[i]
			} else if err != nil {
				c.err = err
			} else {
				c.err = fmt.Errorf("batch write returned %d outputs for %d inputs", len(out), len(calls))
			}
			close(c.done)
		}
	}()
	in := make([]In, len(calls))
	for i, c := range calls {
		in[i] = c.in
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(calls[0].ctx), b.Timeout)
	defer cancel()
	out, err = b.Write(ctx, in)
}
