package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

func cmdServe(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: conference serve

Serves the web pages and the API on HTTP_ADDR and sends queued mail. Applies pending database
migrations first unless AUTO_MIGRATE=false. Stops gracefully on SIGINT or SIGTERM: requests and
mail jobs in flight finish within SHUTDOWN_TIMEOUT. Where the environment does not set them, GOGC is
400 and GOMEMLIMIT a soft limit below the memory available (see README.md, Configuration).
`)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"serve takes no arguments"}
	}
	cfg, err := loadConfig(env, nil, true)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	a, err := newApp(ctx, cfg, log, appOptions{})
	if err != nil {
		return err
	}
	defer a.close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	if cfg.DebugAddr != "" {
		stop, err := serveDebug(cfg.DebugAddr)
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer stop()
		log.Info("serving runtime profiles", "addr", cfg.DebugAddr, "path", "/debug/pprof/")
	}
	// Only a server that is about to serve changes the collector's settings.
	gc := tuneGC()
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "env", string(cfg.Env), "version", version, "mail", a.mailDesc, "gc", gc)
	if cfg.SMTPURL == "" {
		fmt.Fprintf(stdout, "No SMTP_URL is set: mail is kept in the development mailbox, readable at %s/dev/mailbox\n", cfg.BaseURL)
	}
	fmt.Fprintf(stdout, "Conference platform %s is serving on %s (open %s)\n", version, ln.Addr(), cfg.BaseURL)
	err = a.serve(ctx, ln)
	log.Info("stopped")
	return err
}

// serveDebug serves Go's runtime profiles on addr (a loopback address, checked by config) on a mux of
// its own, so that nothing of it is reachable through the public listener. It returns a stop function.
func serveDebug(addr string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("DEBUG_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}
