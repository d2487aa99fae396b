package review_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
)

// TestListsCostConstantQueries counts the statements each list and export over all proposals sends to
// PostgreSQL, at two sizes of the same conference: they must not grow with the number of proposals,
// reviews, decisions or notices.
func TestListsCostConstantQueries(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(3, "faculty", "community")
	f.openBidding()
	cfg, _ := f.reviews.FormatConfig(ctx, f.conf, f.poster)
	slots := 1000
	cfg.Slots = &slots
	if _, err := f.reviews.SaveFormatConfig(ctx, f.org, f.conf, cfg); err != nil {
		t.Fatal(err)
	}
	added := 0
	grow := func(n int) {
		t.Helper()
		var props []submission.Proposal
		for range n {
			added++
			a := f.person(fmt.Sprintf("Author %d", added), fmt.Sprintf("q%d@q%d.test", added, added), fmt.Sprintf("Q%d", added))
			props = append(props, f.proposal(a, fmt.Sprintf("Proposal %d", added), added%len(f.tracks)))
		}
		f.assignAll(props, revs)
		for i, p := range props {
			for j, r := range revs {
				f.score(r, p, 1+(i+j)%5, 1+(i*j)%5)
			}
			if _, err := f.reviews.Decide(ctx, f.org, f.conf, p.ID, review.DecisionInput{Decision: submission.Accept}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.reviews.GenerateNotices(ctx, f.org, f.conf); err != nil {
			t.Fatal(err)
		}
	}
	lists := []struct {
		name string
		run  func(ctx context.Context) (int, error)
	}{
		{"ranking", func(ctx context.Context) (int, error) {
			r, err := f.reviews.Ranking(ctx, f.org, f.conf, review.RankFilter{})
			return len(r.Rows), err
		}},
		{"progress", func(ctx context.Context) (int, error) {
			_, byProposal, err := f.reviews.Progress(ctx, f.org, f.conf)
			return len(byProposal), err
		}},
		{"assignments", func(ctx context.Context) (int, error) {
			a, err := f.reviews.Assignments(ctx, f.org, f.conf)
			return len(a), err
		}},
		{"decisions", func(ctx context.Context) (int, error) {
			d, err := f.reviews.Decisions(ctx, f.org, f.conf)
			return len(d), err
		}},
		{"notices", func(ctx context.Context) (int, error) {
			n, err := f.reviews.Notices(ctx, f.org, f.conf)
			return len(n), err
		}},
		{"proposals", func(ctx context.Context) (int, error) {
			pg, err := f.subs.List(ctx, f.org, f.conf, submission.Filter{Limit: 10000})
			return len(pg.Proposals), err
		}},
		{"a reviewer's tasks", func(ctx context.Context) (int, error) {
			tk, err := f.reviews.Tasks(ctx, revs[0], f.conf)
			return len(tk.Assigned), err
		}},
		{"bidding", func(ctx context.Context) (int, error) {
			items, _, err := f.reviews.BiddingList(ctx, revs[1], f.conf, review.BidFilter{Limit: 10000})
			return len(items), err
		}},
		{"reviewers", func(ctx context.Context) (int, error) {
			rs, err := f.reviews.Reviewers(ctx, f.org, f.conf)
			return len(rs), err
		}},
	}
	measure := func() map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		// The fewest of three runs, after one that warms the caches: a cached read that expires
		// between two runs (a second or a few) must not count as a query of the list.
		for _, l := range lists {
			if _, err := l.run(ctx); err != nil {
				t.Fatalf("%s: %v", l.name, err)
			}
			for range 3 {
				cctx, n := store.CountQueries(ctx)
				if _, err := l.run(cctx); err != nil {
					t.Fatalf("%s: %v", l.name, err)
				}
				if got, ok := out[l.name]; !ok || n.Load() < got {
					out[l.name] = n.Load()
				}
			}
		}
		return out
	}
	grow(2)
	small := measure()
	grow(8)
	for _, l := range lists[:1] {
		if n, _ := l.run(ctx); n != added {
			t.Fatalf("%s lists %d of %d proposals", l.name, n, added)
		}
	}
	large := measure()
	for _, l := range lists {
		if small[l.name] != large[l.name] || small[l.name] == 0 {
			t.Errorf("%s: %d queries for %d proposals, %d for %d", l.name, small[l.name], 2, large[l.name], added)
		}
		t.Logf("%s: %d queries", l.name, large[l.name])
	}
}
