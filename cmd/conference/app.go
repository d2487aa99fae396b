package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/challenging-norms/conference/api"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/config"
	"github.com/challenging-norms/conference/internal/jobs"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/program"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/schedule"
	"github.com/challenging-norms/conference/internal/server"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
	"github.com/challenging-norms/conference/web"
)

// app is the wired service: the one place that knows every concrete type.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	db       *store.DB
	accounts *account.Service
	confs    *conference.Service
	calls    *cfp.Service
	subs     *submission.Service
	reviews  *review.Service
	regs     *registration.Service
	schedule *schedule.Service
	// program serves the published programs; its Invalidate is the publishing code's hook.
	program *program.Cache
	agenda  *program.Agenda
	// listening is closed once the program cache listens for publications.
	listening chan struct{}
	server    *server.Server
	runner    *jobs.Runner
	sessions  *postgresstore.PostgresStore
	mailDesc  string
	// devMailbox reads the development mailbox; nil when mail goes to an SMTP server.
	devMailbox mail.DevMailStore
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// loadConfig reads the configuration; for commands that serve or send mail it also makes sure a
// secret key exists (generated under DATA_DIR in development).
func loadConfig(env []string, log *slog.Logger, needSecret bool) (config.Config, error) {
	cfg, err := config.Load(env)
	if err != nil {
		return cfg, err
	}
	if needSecret {
		made, err := cfg.EnsureSecretKey()
		if err != nil {
			return cfg, err
		}
		if made && log != nil {
			log.Info("generated a development SECRET_KEY", "file", cfg.DataDir+"/secret_key")
		}
	}
	return cfg, nil
}

func openDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, error) {
	return store.Open(ctx, store.Options{URL: cfg.DatabaseURL, MaxConns: cfg.DBMaxConns, StatementTimeout: cfg.DBStatementTimeout, Logger: log})
}

// appOptions lets tests adjust what the configuration does not cover.
type appOptions struct {
	limits       server.RateLimits
	pollInterval time.Duration
	smtpOverride mail.Sender
	// registrationInterval is how often lapsed registrations and offers are passed on (tests make it short).
	registrationInterval time.Duration
}

func newApp(ctx context.Context, cfg config.Config, log *slog.Logger, o appOptions) (*app, error) {
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, db: db, listening: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			db.Close()
		}
	}()

	if cfg.AutoMigrate {
		applied, err := db.MigrateUp(ctx)
		if err != nil {
			return nil, err
		}
		if len(applied) > 0 {
			log.Info("applied migrations", "versions", applied)
		}
	} else if current, err := db.SchemaCurrent(ctx); err != nil {
		return nil, err
	} else if !current {
		return nil, errors.New("the database schema is not current and AUTO_MIGRATE is off: run 'conference migrate up' first")
	}

	renderer, err := mail.NewRenderer(web.FS, cfg.SiteName)
	if err != nil {
		return nil, err
	}
	mailStore := store.Mail{DB: db}
	outbox := mail.NewOutbox(renderer, mailStore)
	auditStore := store.Audit{DB: db}
	a.accounts = account.NewService(account.Options{Store: store.Accounts{DB: db}, Outbox: outbox, Audit: auditStore,
		Secret: cfg.SecretKey, BaseURL: cfg.BaseURL, Contact: cfg.ContactEmail})
	a.confs = conference.NewService(store.Conferences{DB: db}, auditStore)
	a.calls = cfp.NewService(cfp.Options{Store: store.Calls{DB: db}, Outbox: outbox, Audit: auditStore, Secret: cfg.SecretKey, BaseURL: cfg.BaseURL})
	a.subs = submission.NewService(submission.Options{Store: store.Proposals{DB: db}, Calls: a.calls, Outbox: outbox, Audit: auditStore,
		Secret: cfg.SecretKey, BaseURL: cfg.BaseURL})
	// A person's extension moves the deadline of the proposals they made, which others present too.
	a.calls.OnExtensionMoved(a.subs.OwnerExtensionMoved)
	// Ending an access link's time moves the deadline of the proposals started with it.
	a.calls.OnLinkTimeEnded(a.subs.LinkTimeEnded)
	// A person who presents a proposal is not also invited to it at the address their account takes.
	a.accounts.OnEmailMoved(a.subs.AccountEmailMoved)
	a.reviews = review.NewService(review.Options{Store: store.Reviews{DB: db}, Proposals: store.Proposals{DB: db}, Calls: a.calls,
		Team: store.Conferences{DB: db}, Outbox: outbox, Audit: auditStore, Secret: cfg.SecretKey, BaseURL: cfg.BaseURL})
	regStore := store.Registrations{DB: db}
	a.regs = registration.NewService(registration.Options{Store: regStore, Conferences: regStore, Outbox: outbox, Audit: auditStore,
		Secret: cfg.SecretKey, BaseURL: cfg.BaseURL, SiteName: cfg.SiteName})
	a.program = program.NewCache(store.Programs{DB: db})
	a.schedule = schedule.NewService(schedule.Options{Store: store.Schedule{DB: db}, Programs: store.Programs{DB: db}, Outbox: outbox,
		Audit: auditStore, BaseURL: cfg.BaseURL, Published: a.program.Invalidate})
	a.agenda = program.NewAgenda(store.Agendas{DB: db}, cfg.SecretKey)
	if o.limits.RegisterPerIP == (server.Limit{}) {
		o.limits.RegisterPerIP = limitOf(cfg.RegistrationLimitPerIP)
	}
	if o.limits.RegisterPerEmail == (server.Limit{}) {
		o.limits.RegisterPerEmail = limitOf(cfg.RegistrationLimitPerEmail)
	}

	base, _ := url.Parse(cfg.BaseURL)
	var sender mail.Sender
	switch {
	case o.smtpOverride != nil:
		sender = o.smtpOverride
	case cfg.SMTPURL != "":
		if sender, err = mail.NewSMTP(cfg.SMTPURL); err != nil {
			return nil, err
		}
	default:
		box := mail.DevMailbox{Store: mailStore, URL: cfg.BaseURL + "/dev/mailbox", From: cfg.MailFrom, Domain: base.Hostname()}
		sender, a.devMailbox = box, box
	}
	a.mailDesc = sender.Describe()
	a.runner, err = jobs.New(jobs.Options{Pool: db.Pool, Maintenance: store.Maintenance{DB: db}, Reminders: reminders{a},
		MailWorkers: cfg.MailWorkers, Logger: log, PollInterval: o.pollInterval,
		Delivery:      mail.Delivery{Store: mailStore, Sender: sender, From: cfg.MailFrom, Domain: base.Hostname()},
		Registrations: a.regs, RegistrationInterval: o.registrationInterval})
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mail_queue_depth",
		Help: "Messages of mail delivery jobs waiting, running or to be retried."}, func() float64 {
		qctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := mailStore.QueueDepth(qctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))

	// The store's own clean-up goroutine is left off (interval 0): the job queue's periodic clean-up
	// removes expired sessions, once across all instances.
	a.sessions = postgresstore.NewWithCleanupInterval(db.SQL, 0)
	a.server, err = server.New(server.Options{
		Accounts: a.accounts, Conferences: a.confs, Calls: a.calls, Submissions: a.subs, Reviews: a.reviews, AuditLog: auditStore, MailLog: mailStore, DevMailbox: a.devMailbox,
		Health: db, Sessions: a.sessions, Registry: reg, Logger: log, Web: web.FS, OpenAPI: api.OpenAPI,
		SiteName: cfg.SiteName, BaseURL: cfg.BaseURL, Secure: cfg.Secure(), TrustProxy: cfg.TrustProxy,
		BodyLimit: cfg.BodyLimit, Limits: o.limits, Version: version,
		Registrations: a.regs, Schedule: a.schedule, Program: a.program, Agenda: a.agenda,
	})
	if err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// serve works the job queue and serves HTTP on ln until ctx is cancelled, then finishes in-flight
// requests and jobs within the shutdown timeout.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	if err := a.runner.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	// Publications (from any instance) drop the cached program of their conference. Each time the
	// listener (re)connects, everything is dropped: it may have missed a publication meanwhile. The
	// same listener keeps the cache of authenticated API tokens in step with changes of accounts.
	lctx, stopListening := context.WithCancel(ctx)
	listened := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(listened)
		a.db.Listen(lctx, a.log, func() {
			a.program.InvalidateAll()
			once.Do(func() { close(a.listening) })
		}, a.program.Invalidate)
	}()
	indexed := make(chan struct{})
	go func() {
		defer close(indexed)
		searchIndexer{proposals: store.Proposals{DB: a.db}, log: a.log, every: searchIndexEvery, quiet: searchIndexQuiet,
			deferFor: searchIndexDefer, busy: a.db.Waited()}.run(lctx)
	}()
	analyzed := make(chan struct{})
	go func() {
		defer close(analyzed)
		keepStatistics(lctx, a.db, a.log)
	}()
	err := a.server.Serve(ctx, ln, a.cfg.ShutdownTimeout)
	stopListening()
	<-listened
	<-indexed
	<-analyzed
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if qerr := a.runner.Stop(sctx); qerr != nil && err == nil {
		err = fmt.Errorf("stop job queue: %w", qerr)
	}
	return err
}

func (a *app) close() { a.db.Close() }

// The search indexer looks for proposals to index every searchIndexEvery and indexes those whose text
// has stayed unchanged for searchIndexQuiet: a submitter saving a draft again and again in the last
// hours before the deadline has it indexed once, not at every save. While requests wait for database
// connections, it yields to them: it then indexes only changes older than searchIndexDefer, a batch
// at a time, so that a surge is served first and the index is never more than that behind.
const (
	searchIndexEvery = time.Second
	searchIndexQuiet = 2 * time.Second
	searchIndexDefer = 2 * time.Minute
	searchIndexBatch = 50
)

// searchIndexer fills the search vectors of proposals whose text changed. Until a proposal is
// indexed, a search computes its vector from the text; the index only makes it fast.
type searchIndexer struct {
	proposals              store.Proposals
	log                    *slog.Logger
	every, quiet, deferFor time.Duration
	// busy reports whether requests have waited for a database connection since it was last called.
	busy func() bool
}

// run indexes until ctx is done.
func (x searchIndexer) run(ctx context.Context) {
	repeat(ctx, x.every, func() {
		if _, err := x.tick(ctx); err != nil && ctx.Err() == nil {
			x.log.Warn("indexing proposals for search", "err", err)
		}
	})
}

// repeat calls fn every d until ctx is done.
func repeat(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}

// tick indexes what is due now and reports how many proposals it indexed: all those quiet for long
// enough, or, while requests wait for connections, one batch of those deferred for too long.
func (x searchIndexer) tick(ctx context.Context) (int, error) {
	if x.busy() {
		return x.proposals.IndexSearch(ctx, x.deferFor, searchIndexBatch)
	}
	total := 0
	for ctx.Err() == nil {
		n, err := x.proposals.IndexSearch(ctx, x.quiet, searchIndexBatch)
		total += n
		if err != nil || n < searchIndexBatch {
			return total, err
		}
	}
	return total, nil
}

// Every statisticsEvery the server has PostgreSQL gather the statistics of the tables that have
// grown since they were last gathered by more than they held then, and by more than statisticsLeast
// rows (store.DB.AnalyzeGrown): a deadline surge doubles the proposals tables in minutes, and plans
// made when they were small would scan them whole.
const (
	statisticsEvery = 2 * time.Second
	statisticsLeast = 1000
)

// keepStatistics analyzes grown tables until ctx is done.
func keepStatistics(ctx context.Context, db *store.DB, log *slog.Logger) {
	repeat(ctx, statisticsEvery, func() {
		tables, err := db.AnalyzeGrown(ctx, statisticsLeast)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("gathering the statistics of grown tables", "err", err)
		case len(tables) > 0:
			log.Debug("gathered the statistics of grown tables", "tables", tables)
		}
	})
}

// reminders sends the reminders of every conference that fall due, for the job queue.
type reminders struct{ a *app }

func (r reminders) SendDue(ctx context.Context) (int, error) {
	confs, err := r.a.confs.List(ctx)
	if err != nil {
		return 0, err
	}
	n, err := r.a.reviews.RemindBeforeDeadlines(ctx, confs)
	if err != nil {
		return n, err
	}
	m, err := r.a.reviews.RemindToConfirm(ctx, confs)
	return n + m, err
}

// limitOf turns a configured rate limit into the server's token bucket: N at once, refilling N per
// period; "off" is no limit.
func limitOf(r config.RateLimit) server.Limit {
	if r.Off {
		return server.Limit{Burst: -1}
	}
	return server.Limit{Burst: r.N, Every: r.Per / time.Duration(r.N)}
}
