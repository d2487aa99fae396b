package main

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/challenging-norms/conference/internal/account"
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
