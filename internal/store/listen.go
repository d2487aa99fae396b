package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/challenging-norms/conference/internal/schedule"
)

// Listen follows the database's announcements until ctx ends: it calls published with the conference
// id of every program publication (schedule.PublishedChannel), and keeps the cache of authenticated
// API tokens in step with changes to accounts, tokens and roles (PrincipalsChannel), which it uses
// only while it listens. It holds one connection of its own, taken out of the pool, and reconnects
// with exponential backoff (up to 30 s) when the connection is lost; connected is called each time
// it listens again, since announcements may have been missed while it did not.
func (db *DB) Listen(ctx context.Context, log *slog.Logger, connected func(), published func(conferenceID int64)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		err := db.listenOnce(ctx, connected, published)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		if log != nil {
			log.Warn("listening for database announcements", "error", err, "retry_in", backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// ListenerName is the application_name of Listen's connection.
const ListenerName = "conference listener"

// listenHeartbeat is how long the listener waits for an announcement before it checks its connection.
const listenHeartbeat = 20 * time.Second

func (db *DB) listenOnce(ctx context.Context, connected func(), published func(int64)) error {
	pc, err := db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire: %w", err)
	}
	// A listening connection must not go back to the pool: it is closed when we are done with it.
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	// Named, so that the listener can be told apart among the server's connections.
	if _, err := conn.Exec(ctx, "SET application_name = "+pgx.Identifier{ListenerName}.Sanitize()); err != nil {
		return fmt.Errorf("name the listener: %w", err)
	}
	for _, ch := range []string{schedule.PublishedChannel, PrincipalsChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	// From here on every change is announced: the cache may keep what it looks up, until the
	// connection is lost.
	db.principals.setLive(true)
	defer db.principals.setLive(false)
	if connected != nil {
		connected()
	}
	for {
		// A connection can die without a word (a network partition leaves it half open): after a
		// quiet while, the listener checks that the server still answers, and gives the
		// connection up when it does not.
		wctx, cancel := context.WithTimeout(ctx, listenHeartbeat)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			pctx, cancel := context.WithTimeout(ctx, listenHeartbeat/2)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("heartbeat: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		switch n.Channel {
		case PrincipalsChannel:
			db.principals.notified(n.Payload)
		case schedule.PublishedChannel:
			// Only InsertProgram notifies on this channel; anything else is not ours to act on.
			if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
				published(id)
			}
		}
	}
}
