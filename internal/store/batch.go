package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// batcher writes calls together: the calls that arrive while earlier ones are being written wait
// and go in the next statement, up to max of them, with at most parallel statements at once. A
// call that finds a statement free is written at once, alone, so that a quiet server adds no
// delay; under load one round trip, one plan and one commit serve many requests. Each batch runs
// with its first call's context, cancellation removed (a client gone must not fail the others), and
// a time limit of its own.
type batcher[In, Out any] struct {
	max, parallel int
	timeout       time.Duration
	// write writes the inputs in one go and returns one output for each, in their order; an error
	// is every call's.
	write func(ctx context.Context, in []In) ([]Out, error)

	mu      sync.Mutex
	pending []*batchCall[In, Out]
	running int
}

type batchCall[In, Out any] struct {
	ctx  context.Context
	in   In
	out  Out
	err  error
	done chan struct{}
}

// do writes in with whatever other calls are waiting and returns its output. A call whose context
// ends while it waits returns the context's error; it is written only if a write had already
// taken it.
func (b *batcher[In, Out]) do(ctx context.Context, in In) (Out, error) {
	c := &batchCall[In, Out]{ctx: ctx, in: in, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	start := b.running < b.parallel
	if start {
		b.running++
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

// doOrAlone writes in with the others (do), or on its own, in the caller's transaction, when ctx
// carries one or when alone is set; a batch that fails is written again on its own, so that this
// call's error is its own.
func (b *batcher[In, Out]) doOrAlone(ctx context.Context, in In, alone bool) (Out, error) {
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); !inTx && !alone {
		if out, err := b.do(ctx, in); err == nil || ctx.Err() != nil {
			return out, err
		}
	}
	outs, err := b.write(ctx, []In{in})
	if err != nil {
		var zero Out
		return zero, err
	}
	return outs[0], nil
}

// drain writes the waiting calls, a batch at a time, until none is left.
func (b *batcher[In, Out]) drain() {
	for {
		b.mu.Lock()
		n := min(len(b.pending), b.max)
		if n == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		calls := b.pending[:n:n]
		b.pending = append([]*batchCall[In, Out](nil), b.pending[n:]...)
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
func (b *batcher[In, Out]) run(calls []*batchCall[In, Out]) {
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
	ctx, cancel := context.WithTimeout(context.WithoutCancel(calls[0].ctx), b.timeout)
	defer cancel()
	out, err = b.write(ctx, in)
}
