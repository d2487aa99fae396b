package account

import (
	"context"
	_ "embed"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Password limits. The upper bound keeps hashing cost bounded for hostile input.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 128
)

// argon2id parameters from the OWASP password storage cheat sheet (m=19 MiB, t=2, p=1).
var hashParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

//go:embed common_passwords.txt
var commonPasswordList string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordList, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// Hasher hashes and checks passwords with argon2id, never more at once than there are CPUs, so that
// a log-in storm queues instead of exhausting memory.
type Hasher struct {
	sem chan struct{}
	// dummy is compared against when an account does not exist, so that timing does not reveal it.
	dummy string
}

// NewHasher returns a Hasher.
func NewHasher() *Hasher {
	h := &Hasher{sem: make(chan struct{}, max(1, runtime.NumCPU()))}
	h.dummy, _ = argon2id.CreateHash("not a real password, used for timing", hashParams)
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Hash returns the encoded argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-h.sem }()
	hash, err := argon2id.CreateHash(password, hashParams)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}

// Check reports whether password matches hash. An empty hash is checked against a dummy hash and
// never matches.
func (h *Hasher) Check(ctx context.Context, password, hash string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-h.sem }()
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, h.dummy)
		return false, nil
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	return ok, nil
}

// passwordProblem returns what is wrong with a new password, or "".
func passwordProblem(password, email, name string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n == 0:
		return "Enter a password."
	case n < MinPasswordLength:
		return fmt.Sprintf("Use at least %d characters; a few unrelated words make a strong password.", MinPasswordLength)
	case n > MaxPasswordLength:
		return fmt.Sprintf("Use at most %d characters.", MaxPasswordLength)
	}
	lower := strings.ToLower(password)
	if commonPasswords[lower] {
		return "This password is too common and easy to guess. Choose another."
	}
	if email != "" && (lower == strings.ToLower(email) || lower == strings.ToLower(strings.SplitN(email, "@", 2)[0])) {
		return "Your password must not be your email address."
	}
	if name != "" && lower == strings.ToLower(strings.ReplaceAll(name, " ", "")) {
		return "Your password must not be your name."
	}
	if allSame(password) {
		return "This password is too easy to guess. Choose another."
	}
	return ""
}

func allSame(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.Trim(s, string(r)) == ""
}
