package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
)

type reviewsResult struct {
	reviewers []account.User
	assigned  int
	reviews   int
}

// reviewerCategories are the perspectives demo reviewers bring, in about the proportions of the
// conference's committee.
var reviewerCategories = []string{"faculty", "faculty", "faculty", "resident", "student", "student", "community", "administrator"}

// seedReviews gives the conference's submitted proposals m made-up reviewers with profiles, an
// assignment of k reviewers each by the assignment solver, and a submitted review of every
// assignment. Scores follow a made-up quality of each proposal, shifted by each reviewer's leniency,
// so that the ranking has something to correct. The conference's first organizer acts for the
// organizers; no mail is sent.
func seedReviews(ctx context.Context, a *app, slug string, m, k int, password string) (reviewsResult, error) {
	var res reviewsResult
	conf, err := a.confs.Get(ctx, slug)
	if err != nil {
		return res, fmt.Errorf("conference %q: %w", slug, err)
	}
	members, err := a.confs.Members(ctx, &access.Principal{Admin: true}, conf)
	if err != nil {
		return res, err
	}
	var org *access.Principal
	for _, mb := range members {
		if mb.Role == access.Organizer {
			if _, org, err = a.accounts.SessionUser(ctx, mb.UserID); err != nil {
				return res, err
			}
			break
		}
	}
	if org == nil {
		return res, errors.New("the conference has no organizer: make someone its organizer first (as an administrator, on /c/" + slug + "/manage/team)")
	}
	tracks, err := a.calls.Tracks(ctx, conf)
	if err != nil {
		return res, err
	}
	formats, err := a.calls.Formats(ctx, conf)
	if err != nil {
		return res, err
	}
	rv := review.NewService(review.Options{Store: store.Reviews{DB: a.db}, Proposals: store.Proposals{DB: a.db}, Calls: a.calls,
		Team: store.Conferences{DB: a.db}, Outbox: discardOutbox{}, Audit: store.Audit{DB: a.db}, Secret: a.cfg.SecretKey, BaseURL: a.cfg.BaseURL})
	configs, err := rv.FormatConfigs(ctx, conf)
	if err != nil {
		return res, err
	}
	r := rand.New(rand.NewPCG(uint64(len(slug)), 4))
	stamp := time.Now().UnixNano()
	people := make([]account.SeedPerson, m)
	for i := range people {
		first, last := demoFirst[r.IntN(len(demoFirst))], demoLast[r.IntN(len(demoLast))]
		people[i] = account.SeedPerson{Name: first + " " + last, Email: fmt.Sprintf("demo.reviewer.%d.%d@example.org", stamp, i+1),
			Profile: account.Profile{Role: account.Faculty, Institution: demoInstitutions[r.IntN(len(demoInstitutions))],
				Bio: first + " " + last + " reviews for the conference."}}
	}
	if res.reviewers, err = a.accounts.SeedUsers(ctx, people, password); err != nil {
		return res, err
	}
	principals := map[int64]*access.Principal{}
	leniency := map[int64]float64{}
	for _, u := range res.reviewers {
		if err := a.confs.Grant(ctx, org, conf, u.Email, access.Reviewer); err != nil {
			return res, err
		}
		p := &access.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, Roles: []access.Membership{{ConferenceID: conf.ID, Role: access.Reviewer}}}
		principals[u.ID] = p
		leniency[u.ID] = r.NormFloat64() * 0.5
		pr := review.Profile{MaxReviews: 25 + r.IntN(20), Category: reviewerCategories[r.IntN(len(reviewerCategories))]}
		for _, t := range tracks {
			if r.IntN(2) == 0 {
				pr.Tracks = append(pr.Tracks, t.ID)
			}
		}
		if _, err := rv.SaveProfile(ctx, p, conf, pr); err != nil {
			return res, err
		}
	}
	// Every format reviewed by k.
	for _, f := range formats {
		c := configs[f.ID]
		if c.Reviewers == k {
			continue
		}
		c.Reviewers = k
		if _, err := rv.SaveFormatConfig(ctx, org, conf, c); err != nil {
			return res, err
		}
	}
	plan, err := rv.PreviewAssignment(ctx, org, conf)
	if err != nil {
		return res, err
	}
	if res.assigned, err = rv.CommitAssignment(ctx, org, conf, plan.ID); err != nil {
		return res, err
	}
	assignments, err := rv.Assignments(ctx, org, conf)
	if err != nil {
		return res, err
	}
	formatOf, quality := map[int64]int64{}, map[int64]float64{}
	for offset := 0; ; offset += 10000 {
		page, err := a.subs.List(ctx, org, conf, submission.Filter{Status: submission.Submitted, Limit: 10000, Offset: offset})
		if err != nil {
			return res, err
		}
		for _, p := range page.Proposals {
			formatOf[p.ID] = p.FormatID
			quality[p.ID] = 3 + r.NormFloat64()*0.8
		}
		if len(page.Proposals) < 10000 {
			break
		}
	}
	type job struct {
		rev  *access.Principal
		prop int64
		in   review.ReviewInput
	}
	score := func(x float64) int { return int(math.Max(1, math.Min(5, math.Round(x)))) }
	var jobs []job
	for _, as := range assignments {
		p, ok := principals[as.UserID]
		if !ok {
			continue
		}
		base := quality[as.ProposalID] + leniency[as.UserID]
		in := review.ReviewInput{Scores: map[string]int{}, Recommendation: score(base + r.NormFloat64()*0.4), Confidence: 1 + r.IntN(3),
			ToPresenters: demoText(r, 40), ToOrganizers: demoText(r, 12), Submit: true}
		for _, c := range configs[formatOf[as.ProposalID]].Criteria {
			in.Scores[c.ID] = score(base + r.NormFloat64()*0.6)
		}
		jobs = append(jobs, job{p, as.ProposalID, in})
	}
	// Reviewers write in parallel, as they do.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan job)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if _, err := rv.SaveReview(ctx, j.rev, conf, j.prop, 0, j.in); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("review of proposal %d: %w", j.prop, err)
					}
					mu.Unlock()
					continue
				}
				mu.Lock()
				res.reviews++
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	return res, first
}
