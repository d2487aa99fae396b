package review

import (
	"context"
	"math"
	"slices"
	"sort"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/submission"
)

// Effects is the reviewer-effect model fitted to a conference's reviews: each review's weighted
// score is the mean, plus the proposal's quality, plus the reviewer's leniency, plus noise. The
// proposal's calibrated score is the mean plus its quality: what it would score from an average
// reviewer. Leniency is shrunk towards 0 for reviewers with few reviews, so that one generous review
// does not make a lenient reviewer.
type Effects struct {
	Mean     float64
	Quality  map[int64]float64 // by proposal
	Leniency map[int64]float64 // by reviewer
}

// Shrinkage of the model: as if each reviewer had this many more reviews at leniency 0, and each
// proposal this many more at quality 0.
const (
	reviewerPrior = 2.0
	proposalPrior = 0.5
)

// Observation is one review's weighted score.
type Observation struct {
	Proposal, Reviewer int64
	Score              float64
}

// Fit fits the reviewer-effect model by alternating ridge regressions (Gauss-Seidel, in a fixed
// order), which converge to the unique minimum of the penalized squared error. Proposals and
// reviewers are numbered densely so that the loops touch slices, not maps.
func Fit(obs []Observation) Effects {
	e := Effects{Quality: map[int64]float64{}, Leniency: map[int64]float64{}}
	if len(obs) == 0 {
		return e
	}
	for _, o := range obs {
		e.Mean += o.Score
	}
	e.Mean /= float64(len(obs))
	propIdx, revIdx := map[int64]int{}, map[int64]int{}
	var propIDs, revIDs []int64
	op, or := make([]int, len(obs)), make([]int, len(obs))
	for i, o := range obs {
		pi, ok := propIdx[o.Proposal]
		if !ok {
			pi = len(propIDs)
			propIdx[o.Proposal] = pi
			propIDs = append(propIDs, o.Proposal)
		}
		ri, ok := revIdx[o.Reviewer]
		if !ok {
			ri = len(revIDs)
			revIdx[o.Reviewer] = ri
			revIDs = append(revIDs, o.Reviewer)
		}
		op[i], or[i] = pi, ri
	}
	byProp, byRev := make([][]int, len(propIDs)), make([][]int, len(revIDs))
	for i := range obs {
		byProp[op[i]] = append(byProp[op[i]], i)
		byRev[or[i]] = append(byRev[or[i]], i)
	}
	quality, leniency := make([]float64, len(propIDs)), make([]float64, len(revIDs))
	for iter := 0; iter < 500; iter++ {
		change := 0.0
		for p, idx := range byProp {
			sum := 0.0
			for _, i := range idx {
				sum += obs[i].Score - e.Mean - leniency[or[i]]
			}
			q := sum / (float64(len(idx)) + proposalPrior)
			change = math.Max(change, math.Abs(q-quality[p]))
			quality[p] = q
		}
		for r, idx := range byRev {
			sum := 0.0
			for _, i := range idx {
				sum += obs[i].Score - e.Mean - quality[op[i]]
			}
			b := sum / (float64(len(idx)) + reviewerPrior)
			change = math.Max(change, math.Abs(b-leniency[r]))
			leniency[r] = b
		}
		if change < 1e-9 {
			break
		}
	}
	for i, id := range propIDs {
		e.Quality[id] = quality[i]
	}
	for i, id := range revIDs {
		e.Leniency[id] = leniency[i]
	}
	return e
}

// Row is one proposal of the ranking.
type Row struct {
	Proposal submission.Proposal
	Format   string
	Track    string
	Reviews  int
	Assigned int
	// MeanRecommendation is the mean overall recommendation (1-5); Weighted the mean of the
	// reviews' weighted rubric scores (1-5); Calibrated the weighted score corrected for the
	// reviewers' leniency; Spread the standard deviation of the weighted scores.
	MeanRecommendation float64
	Weighted           float64
	Calibrated         float64
	Spread             float64
	// Disagreement flags reviews far apart: weighted scores more than 1.5 points apart, or
	// recommendations on both sides of borderline.
	Disagreement bool
	// Rank is the position by calibrated score within the format (1 is best); AboveCut reports
	// whether it is within the format's slots.
	Rank     int
	AboveCut bool
	Scores   []float64 // the weighted scores, sorted
	Calib    bool      // a calibration proposal
}

// ReviewerStats is how one reviewer scores, for organizers to see calibration.
type ReviewerStats struct {
	UserID   int64
	Name     string
	Reviews  int
	Mean     float64
	StdDev   float64
	Leniency float64
	// Recommendations counts the reviewer's recommendations from 1 to 5 (index 1 to 5).
	Recommendations [6]int
}

// Ranking is the ranking of a conference's submitted proposals.
type Ranking struct {
	Rows      []Row
	Reviewers []ReviewerStats
	Slots     map[int64]*int // by format
	Effects   Effects
}

// RankFilter selects and orders the ranking.
type RankFilter struct {
	FormatID int64
	TrackID  int64
	// Sort is "calibrated" (default), "weighted", "recommendation", "spread" or "reviews".
	Sort string
}

// Ranking ranks the conference's submitted proposals, for organizers, in a constant number of
// queries whatever the number of proposals. A proposal the viewer conflicts with is left out, and the
// reviewers' statistics count only the reviews of proposals the viewer may see; the model itself is
// fitted on every review, so that scores do not depend on who looks.
func (s *Service) Ranking(ctx context.Context, p *access.Principal, conf conference.Conference, f RankFilter) (Ranking, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return Ranking{}, err
	}
	switch f.Sort {
	case "", "calibrated", "weighted", "recommendation", "spread", "reviews":
	default:
		return Ranking{}, apperr.Field("sort", "Sort by calibrated score, weighted score, recommendation, spread or number of reviews.")
	}
	formats, err := s.calls.Formats(ctx, conf)
	if err != nil {
		return Ranking{}, err
	}
	tracks, err := s.calls.Tracks(ctx, conf)
	if err != nil {
		return Ranking{}, err
	}
	configs, err := s.FormatConfigs(ctx, conf)
	if err != nil {
		return Ranking{}, err
	}
	page, err := s.props.List(ctx, conf.ID, submission.Filter{Status: submission.Submitted, Limit: 100000, Summary: true})
	if err != nil {
		return Ranking{}, err
	}
	reviews, err := s.store.SubmittedReviews(ctx, conf.ID)
	if err != nil {
		return Ranking{}, err
	}
	conflicts, err := s.store.ConflictsOf(ctx, conf.ID, p.UserID)
	if err != nil {
		return Ranking{}, err
	}
	progress, err := s.store.Progress(ctx, conf.ID)
	if err != nil {
		return Ranking{}, err
	}
	calib, err := s.store.CalibrationProposals(ctx, conf.ID)
	if err != nil {
		return Ranking{}, err
	}
	reviewers, err := s.store.Reviewers(ctx, conf.ID)
	if err != nil {
		return Ranking{}, err
	}
	return rank(formats, tracks, configs, page.Proposals, reviews, conflicts, progress, calib, reviewers, f), nil
}

// rank computes the ranking from what Ranking loaded; hidden are the proposals the viewer conflicts
// with.
func rank(formats []cfp.Format, tracks []cfp.Track, configs map[int64]FormatConfig, props []submission.Proposal,
	reviews []Review, hidden map[int64]bool, progress map[int64]ProposalProgress, calib []int64, reviewers []Reviewer, f RankFilter) Ranking {
	formatName, trackName := map[int64]string{}, map[int64]string{}
	for _, x := range formats {
		formatName[x.ID] = x.Name
	}
	for _, x := range tracks {
		trackName[x.ID] = x.Name
	}
	formatOf := map[int64]int64{}
	for _, x := range props {
		formatOf[x.ID] = x.FormatID
	}
	visible := func(id int64) bool { return !hidden[id] }
	var obs []Observation
	byProp := map[int64][]Review{}
	for _, r := range reviews {
		fid, ok := formatOf[r.ProposalID]
		if !ok {
			continue
		}
		w := WeightedScore(configs[fid].Criteria, r.Scores)
		if w == 0 {
			continue
		}
		obs = append(obs, Observation{Proposal: r.ProposalID, Reviewer: r.UserID, Score: w})
		byProp[r.ProposalID] = append(byProp[r.ProposalID], r)
	}
	eff := Fit(obs)
	out := Ranking{Effects: eff, Slots: map[int64]*int{}}
	for id, c := range configs {
		out.Slots[id] = c.Slots
	}
	// Rows of every visible proposal; ranks within each format over all visible proposals.
	var rows []Row
	for _, x := range props {
		if !visible(x.ID) {
			continue
		}
		row := Row{Proposal: x, Format: formatName[x.FormatID], Assigned: progress[x.ID].Assigned, Calib: slices.Contains(calib, x.ID)}
		if x.TrackID != nil {
			row.Track = trackName[*x.TrackID]
		}
		rs := byProp[x.ID]
		var recSum, wSum float64
		recs := 0
		lo, hi := 5, 1
		for _, r := range rs {
			w := WeightedScore(configs[x.FormatID].Criteria, r.Scores)
			row.Scores = append(row.Scores, w)
			wSum += w
			if r.Recommendation > 0 {
				recSum += float64(r.Recommendation)
				recs++
				lo, hi = min(lo, r.Recommendation), max(hi, r.Recommendation)
			}
		}
		row.Reviews = len(rs)
		if row.Reviews > 0 {
			row.Weighted = wSum / float64(row.Reviews)
			row.Calibrated = eff.Mean + eff.Quality[x.ID]
			var v float64
			for _, w := range row.Scores {
				v += (w - row.Weighted) * (w - row.Weighted)
			}
			row.Spread = math.Sqrt(v / float64(row.Reviews))
			slices.Sort(row.Scores)
			row.Disagreement = row.Reviews > 1 && (row.Scores[len(row.Scores)-1]-row.Scores[0] > 1.5 || (lo <= 2 && hi >= 4))
		}
		if recs > 0 {
			row.MeanRecommendation = recSum / float64(recs)
		}
		rows = append(rows, row)
	}
	// Rank within format by calibrated score; proposals without reviews come last.
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if (a.Reviews > 0) != (b.Reviews > 0) {
			return a.Reviews > 0
		}
		if a.Calibrated != b.Calibrated {
			return a.Calibrated > b.Calibrated
		}
		return a.Proposal.ID < b.Proposal.ID
	})
	next := map[int64]int{}
	for i := range rows {
		fid := rows[i].Proposal.FormatID
		next[fid]++
		rows[i].Rank = next[fid]
		if s := configs[fid].Slots; s != nil {
			rows[i].AboveCut = rows[i].Rank <= *s && rows[i].Reviews > 0
		}
	}
	for _, r := range rows {
		if (f.FormatID == 0 || r.Proposal.FormatID == f.FormatID) && (f.TrackID == 0 || (r.Proposal.TrackID != nil && *r.Proposal.TrackID == f.TrackID)) {
			out.Rows = append(out.Rows, r)
		}
	}
	// Ranks are within a format: the formats follow one another in the call's order.
	position := map[int64]int{}
	for i, x := range formats {
		position[x.ID] = i
	}
	sort.SliceStable(out.Rows, func(i, j int) bool {
		return position[out.Rows[i].Proposal.FormatID] < position[out.Rows[j].Proposal.FormatID]
	})
	key := map[string]func(Row) float64{
		"weighted":       func(r Row) float64 { return r.Weighted },
		"recommendation": func(r Row) float64 { return r.MeanRecommendation },
		"spread":         func(r Row) float64 { return r.Spread },
		"reviews":        func(r Row) float64 { return float64(r.Reviews) },
	}[f.Sort]
	if key != nil {
		sort.SliceStable(out.Rows, func(i, j int) bool { return key(out.Rows[i]) > key(out.Rows[j]) })
	}
	// Reviewers' statistics over the reviews of proposals the viewer may see.
	names := map[int64]string{}
	for _, r := range reviewers {
		names[r.UserID] = r.Name
	}
	stats := map[int64]*ReviewerStats{}
	for _, r := range reviews {
		fid, ok := formatOf[r.ProposalID]
		if !ok || !visible(r.ProposalID) {
			continue
		}
		st := stats[r.UserID]
		if st == nil {
			st = &ReviewerStats{UserID: r.UserID, Name: names[r.UserID], Leniency: eff.Leniency[r.UserID]}
			stats[r.UserID] = st
		}
		w := WeightedScore(configs[fid].Criteria, r.Scores)
		st.Reviews++
		st.Mean += w
		st.StdDev += w * w
		if r.Recommendation >= 1 && r.Recommendation <= 5 {
			st.Recommendations[r.Recommendation]++
		}
	}
	for _, st := range stats {
		n := float64(st.Reviews)
		st.Mean /= n
		st.StdDev = math.Sqrt(math.Max(0, st.StdDev/n-st.Mean*st.Mean))
		out.Reviewers = append(out.Reviewers, *st)
	}
	sort.Slice(out.Reviewers, func(i, j int) bool { return out.Reviewers[i].Leniency > out.Reviewers[j].Leniency })
	return out
}
