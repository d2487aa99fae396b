package store

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

type countKey struct{}

// CountQueries returns a context under which every statement sent to PostgreSQL, by GORM, by the job
// queue or by hand, adds one to the counter. Tests use it to prove that a list costs the same number
// of queries whatever its length.
func CountQueries(ctx context.Context) (context.Context, *atomic.Int64) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, countKey{}, n), n
}

// counter is the pool's query tracer: it counts a statement when its context asks for it, and costs
// one context lookup otherwise.
type counter struct{}

func (counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if n, ok := ctx.Value(countKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return ctx
}

func (counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
