// Package jobs runs the background work of the platform from the PostgreSQL job queue (River):
// mail delivery, clean-up, and passing on registration places whose time ran out. Jobs run at least
// once, so every worker is idempotent.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/challenging-norms/conference/internal/mail"
)

// Runner works the queue until stopped.
type Runner struct {
	client *river.Client[pgx.Tx]
}

// Maintenance removes expired sessions and links.
type Maintenance interface {
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}

// Reminders sends the reminders that fall due: reviews before their deadline, confirmations before
// theirs. Each reminder goes out at most once however often it runs.
type Reminders interface {
	SendDue(ctx context.Context) (int, error)
}

// Options configures the runner.
type Options struct {
	Pool        *pgxpool.Pool
	Delivery    mail.Delivery
	Maintenance Maintenance
	Reminders   Reminders // nil for none
	MailWorkers int
	Logger      *slog.Logger
	// PollInterval, when set, also polls for jobs (tests make it short); LISTEN/NOTIFY wakes workers
	// otherwise.
	PollInterval time.Duration
	// Registrations lapses unconfirmed registrations and passes on waitlist offers that ran out,
	// every RegistrationInterval (default a minute).
	Registrations        RegistrationExpirer
	RegistrationInterval time.Duration
}

// RegistrationExpirer lapses what is due and reports how many things changed. It is idempotent.
type RegistrationExpirer interface {
	ExpireDue(ctx context.Context) (int, error)
}

// New returns a Runner with every worker registered.
func New(o Options) (*Runner, error) {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &sendEmail{delivery: o.Delivery}); err != nil {
		return nil, fmt.Errorf("register mail worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &cleanup{m: o.Maintenance, log: o.Logger}); err != nil {
		return nil, fmt.Errorf("register cleanup worker: %w", err)
	}
	periodic := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return cleanupArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
	if o.Reminders != nil {
		if err := river.AddWorkerSafely(workers, &remind{r: o.Reminders, log: o.Logger}); err != nil {
			return nil, fmt.Errorf("register reminder worker: %w", err)
		}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return remindArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	cfg := &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(1, o.MailWorkers)}},
		Workers: workers,
		Logger:  o.Logger,
		// A message that failed every attempt stays in the mail log; the queue keeps its record a week.
		DiscardedJobRetentionPeriod: 7 * 24 * time.Hour,
		CompletedJobRetentionPeriod: 24 * time.Hour,
		JobTimeout:                  2 * time.Minute,
		FetchCooldown:               20 * time.Millisecond,
		// One instance at a time (the queue's leader) runs the periodic clean-up and reminders.
		PeriodicJobs: periodic,
	}
	if o.PollInterval > 0 {
		cfg.FetchPollInterval = o.PollInterval
	}
	// Registration: lapse unconfirmed registrations and pass on waitlist offers that ran out.
	if o.Registrations != nil {
		if err := river.AddWorkerSafely(workers, &expireRegistrations{r: o.Registrations, log: o.Logger}); err != nil {
			return nil, fmt.Errorf("register registration worker: %w", err)
		}
		every := o.RegistrationInterval
		if every <= 0 {
			every = time.Minute
		}
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) { return expireRegistrationsArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	c, err := river.NewClient(riverpgxv5.New(o.Pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Runner{client: c}, nil
}

// Start begins working jobs in the background.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop waits for running jobs to finish, up to ctx's deadline, then cancels what is left.
func (r *Runner) Stop(ctx context.Context) error {
	if err := r.client.Stop(ctx); err != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return r.client.StopAndCancel(cctx)
	}
	return nil
}

type sendEmail struct {
	river.WorkerDefaults[mail.Job]
	delivery mail.Delivery
}

func (w *sendEmail) Work(ctx context.Context, job *river.Job[mail.Job]) error {
	return w.delivery.DeliverMany(ctx, job.Args.IDs(), job.Attempt >= job.MaxAttempts)
}

type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return "cleanup_expired" }

type cleanup struct {
	river.WorkerDefaults[cleanupArgs]
	m   Maintenance
	log *slog.Logger
}

func (w *cleanup) Work(ctx context.Context, _ *river.Job[cleanupArgs]) error {
	n, err := w.m.DeleteExpired(ctx, time.Now())
	if err == nil && n > 0 && w.log != nil {
		w.log.InfoContext(ctx, "removed expired sessions and links", "rows", n)
	}
	return err
}

type remindArgs struct{}

func (remindArgs) Kind() string { return "send_reminders" }

type remind struct {
	river.WorkerDefaults[remindArgs]
	r   Reminders
	log *slog.Logger
}

func (w *remind) Work(ctx context.Context, _ *river.Job[remindArgs]) error {
	n, err := w.r.SendDue(ctx)
	if err == nil && n > 0 && w.log != nil {
		w.log.InfoContext(ctx, "queued reminders", "messages", n)
	}
	return err
}

type expireRegistrationsArgs struct{}

func (expireRegistrationsArgs) Kind() string { return "registration_expire" }

// expireRegistrations lapses unconfirmed registrations and passes on offers that ran out; the
// registration service checks everything again under the conference's lock, so a second run at once
// changes nothing twice, and each message has its own event key, so none goes out twice.
type expireRegistrations struct {
	river.WorkerDefaults[expireRegistrationsArgs]
	r   RegistrationExpirer
	log *slog.Logger
}

func (w *expireRegistrations) Work(ctx context.Context, _ *river.Job[expireRegistrationsArgs]) error {
	n, err := w.r.ExpireDue(ctx)
	if n > 0 && w.log != nil {
		w.log.InfoContext(ctx, "passed on registration places whose time ran out", "changes", n)
	}
	return err
}
