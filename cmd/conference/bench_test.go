package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/submission"
)

// Benchmarks of the request paths every page and API call takes, through the real server and
// database. `make bench` runs them; docs/benchmarks.md keeps the figures.

func benchGet(b *testing.B, url, token string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkPageLogin renders the log-in page (session middleware, CSRF, template).
func BenchmarkPageLogin(b *testing.B) {
	ta := startApp(b)
	benchGet(b, ta.URL+"/login", "")
}

// BenchmarkAPIMe authenticates a bearer token and loads the account and its roles.
func BenchmarkAPIMe(b *testing.B) {
	ta := startApp(b)
	ctx := context.Background()
	u, err := ta.accounts.CreateUser(ctx, account.CreateUserInput{Email: "bench.me@example.org", Name: "Bench", Password: "benchmark password"})
	if err != nil && u.ID == 0 {
		u, err = ta.accounts.LogIn(ctx, "bench.me@example.org", "benchmark password")
	}
	if err != nil {
		b.Fatal(err)
	}
	tok, err := ta.accounts.CreateAPIToken(ctx, u, "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, ta.URL+"/api/v1/me", tok.Secret)
}

// BenchmarkPasswordHash is one argon2id hash at the parameters in use: the cost of every log-in.
func BenchmarkPasswordHash(b *testing.B) {
	h := account.NewHasher()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProposalSave saves a poster proposal through the API, each parallel client its own
// submitter and proposal: the request the deadline surge makes most.
func BenchmarkProposalSave(b *testing.B) {
	ta := startApp(b)
	ctx := context.Background()
	conf, err := ta.confs.Seed(ctx, conference.CreateInput{Slug: fmt.Sprintf("bench-%d", time.Now().UnixNano()), Name: "Bench",
		TimeZone: "America/New_York", StartsOn: "2027-10-08", EndsOn: "2027-10-09"})
	if err != nil {
		b.Fatal(err)
	}
	loc := conf.Location()
	if _, err := ta.calls.Seed(ctx, conf, challengingNormsCall(time.Now().Add(-time.Hour).In(loc), time.Now().Add(24*time.Hour).In(loc), conf.Slug)); err != nil {
		b.Fatal(err)
	}
	res, err := seedDemo(ctx, ta.app, conf.Slug, 64, 64, strongPassword)
	if err != nil {
		b.Fatal(err)
	}
	type client struct {
		token   string
		id      int64
		content map[string]any
	}
	var clients []*client
	for _, u := range res.users {
		t, err := ta.accounts.CreateAPIToken(ctx, u, "bench", 0)
		if err != nil {
			b.Fatal(err)
		}
		p := &access.Principal{UserID: u.ID, Email: u.Email, Name: u.Name}
		mine, err := ta.subs.Mine(ctx, p, conf)
		if err != nil || len(mine) == 0 {
			b.Fatal("no proposal", err)
		}
		prop := mine[0]
		clients = append(clients, &client{token: t.Secret, id: prop.ID, content: map[string]any{"format_id": prop.FormatID, "track_id": prop.TrackID,
			"title": prop.Title, "abstract": prop.Abstract, "answers": prop.Answers, "version": prop.Version}})
	}
	var next atomic.Int64
	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		// Each goroutine edits proposals of its own, so that every save changes the text (a save of
		// unchanged text writes nothing) and no two goroutines race for one version.
		var mine []*client
		for i := int(next.Add(1) - 1); i < len(clients); i += 2 * runtime.GOMAXPROCS(0) {
			mine = append(mine, clients[i])
		}
		if len(mine) == 0 {
			b.Fatal("more goroutines than proposals")
		}
		abstract := map[*client]string{}
		for n := 0; pb.Next(); n++ {
			c := mine[n%len(mine)]
			if abstract[c] == "" {
				abstract[c] = c.content["abstract"].(string)
			}
			// The first word changes, the word count does not.
			_, rest, _ := strings.Cut(abstract[c], " ")
			c.content["abstract"] = fmt.Sprintf("Revision%d %s", n, rest)
			body, _ := json.Marshal(c.content)
			url := fmt.Sprintf("%s/api/v1/conferences/%s/proposals/%d", ta.URL, conf.Slug, c.id)
			req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+c.token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := httpc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var out struct {
				Proposal struct {
					Version int `json:"version"`
				} `json:"proposal"`
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err := json.Unmarshal(raw, &out); resp.StatusCode != http.StatusOK || err != nil {
				b.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			c.content["version"] = out.Proposal.Version
		}
	})
}

// BenchmarkProposalHistory renders an organizer's page of a proposal saved 20 times with its
// abstract and two answers of about 20,000 characters each rewritten every time: the history finds,
// word by word, what each of the 20 versions changed (60 edits of unrelated long texts, the worst
// case of the search), within the time the page allows itself.
func BenchmarkProposalHistory(b *testing.B) {
	ta := startApp(b)
	f := openCall(b, ta, time.Time{})
	ctx := context.Background()
	_, email := presenter(b, ta, "Amina Yusuf")
	p := principalOf(b, ta, email)
	r := rand.New(rand.NewPCG(5, 6))
	vocab := strings.Fields("the curriculum anti-racist residents faculty equity assessment community clinical teaching learners bias structural health reflection")
	long := func() string {
		var sb strings.Builder
		for sb.Len() < 19900 {
			sb.WriteString(vocab[r.IntN(len(vocab))])
			sb.WriteString(" ")
		}
		return strings.TrimSpace(sb.String())
	}
	c := posterOf(f, "Naming racism", long())
	c.Answers["background"], c.Answers["approach"] = []string{long()}, []string{long()}
	prop, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: c})
	if err != nil {
		b.Fatal(err)
	}
	for range 20 {
		c.Abstract, c.Answers["background"], c.Answers["approach"] = long(), []string{long()}, []string{long()}
		if prop, _, err = ta.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, c); err != nil {
			b.Fatal(err)
		}
	}
	br := loggedIn(b, ta, f.organizer)
	path := fmt.Sprintf("/c/%s/manage/proposals/%d", f.conf.Slug, prop.ID)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if page := br.get(path); page.Status != http.StatusOK || page.Doc.Find("details.revision").Length() != 21 {
			b.Fatalf("status %d", page.Status)
		}
	}
}

// BenchmarkRanking renders the ranking page and its CSV export for organizers at the scale of a
// large call: about 3,000 submitted proposals (of 3,530 made, some left drafts or withdrawn) with 3
// submitted reviews each by 300 reviewers, assigned by the solver. Each iteration fits the
// reviewer-effect model afresh.
func BenchmarkRanking(b *testing.B) {
	ta := startApp(b)
	ctx := context.Background()
	conf, err := ta.confs.Seed(ctx, conference.CreateInput{Slug: fmt.Sprintf("rank-%d", time.Now().UnixNano()), Name: "Bench",
		TimeZone: "America/New_York", StartsOn: "2027-10-08", EndsOn: "2027-10-09"})
	if err != nil {
		b.Fatal(err)
	}
	loc := conf.Location()
	if _, err := ta.calls.Seed(ctx, conf, challengingNormsCall(time.Now().Add(-time.Hour).In(loc), time.Now().Add(24*time.Hour).In(loc), conf.Slug)); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := seedDemo(ctx, ta.app, conf.Slug, 3530, 1500, strongPassword); err != nil {
		b.Fatal(err)
	}
	email := fmt.Sprintf("rank.organizer.%d@example.org", time.Now().UnixNano())
	u, err := ta.accounts.CreateUser(ctx, account.CreateUserInput{Email: email, Name: "Rank Organizer", Password: strongPassword})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ta.db.SQL.Exec(`INSERT INTO conference_roles (conference_id, user_id, role) VALUES ($1, $2, 'organizer')`, conf.ID, u.ID); err != nil {
		b.Fatal(err)
	}
	rr, err := seedReviews(ctx, ta.app, conf.Slug, 300, 3, strongPassword)
	if err != nil {
		b.Fatal(err)
	}
	var submitted int
	_ = ta.db.SQL.QueryRow(`SELECT count(*) FROM proposals WHERE conference_id = $1 AND status = 'submitted'`, conf.ID).Scan(&submitted)
	b.Logf("seeded %d submitted proposals and %d reviews in %s", submitted, rr.reviews, time.Since(start).Round(time.Second))
	// Statistics, as autovacuum gathers them within a minute of a bulk load.
	if _, err := ta.db.SQL.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	br := ta.browser()
	if p := br.post("/login", "/login", url.Values{"email": {email}, "password": {strongPassword}}); p.Status != http.StatusSeeOther {
		b.Fatalf("log in: %d", p.Status)
	}
	for _, path := range []string{"/manage/ranking", "/manage/ranking.csv"} {
		b.Run(strings.TrimPrefix(path, "/manage/"), func(b *testing.B) {
			var size int
			b.ReportAllocs()
			for b.Loop() {
				p := br.get("/c/" + conf.Slug + path)
				if p.Status != http.StatusOK {
					b.Fatalf("status %d", p.Status)
				}
				size = len(p.Body)
			}
			b.ReportMetric(float64(size)/1024, "KiB/page")
		})
	}
}
