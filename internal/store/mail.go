package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm/clause"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/notify"
)

// Mail is the outbox's queue, the mail log, the delivery store and the development mailbox.
type Mail struct{ *DB }

var (
	_ mail.Queue         = Mail{}
	_ mail.Log           = Mail{}
	_ mail.DeliveryStore = Mail{}
	_ mail.DevMailStore  = Mail{}
)

// MailMaxAttempts is how often a message is tried before it is marked failed; the queue waits longer
// after each failure (about four hours from the first attempt to the last).
const MailMaxAttempts = 10

type emailRow struct {
	ID            int64 `gorm:"primaryKey"`
	EventKey      string
	ConferenceID  *int64
	Recipient     string
	RecipientName string
	Subject       string
	BodyText      string
	BodyHTML      string `gorm:"column:body_html"`
	Status        string
	Attempts      int
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

func (emailRow) TableName() string { return "email_messages" }

type attachmentRow struct {
	ID          int64 `gorm:"primaryKey"`
	EmailID     int64
	Name        string
	ContentType string
	Data        []byte
}

func (attachmentRow) TableName() string { return "email_attachments" }

func (r emailRow) domain() mail.Email {
	return mail.Email{ID: r.ID, EventKey: r.EventKey, ConferenceID: r.ConferenceID, Recipient: r.Recipient, RecipientName: r.RecipientName,
		Subject: r.Subject, Text: r.BodyText, HTML: r.BodyHTML, Status: mail.Status(r.Status), Attempts: r.Attempts,
		LastError: r.LastError, CreatedAt: r.CreatedAt, SentAt: r.SentAt}
}

// Enqueue implements mail.Queue: the message row and its delivery job are written in one transaction
// (the caller's, when ctx carries one).
func (s Mail) Enqueue(ctx context.Context, e *mail.Email) (bool, error) {
	inserted := false
	err := s.InTx(ctx, func(ctx context.Context) error {
		r := emailRow{EventKey: e.EventKey, ConferenceID: e.ConferenceID, Recipient: e.Recipient, RecipientName: e.RecipientName,
			Subject: e.Subject, BodyText: e.Text, BodyHTML: e.HTML, Status: string(mail.Queued)}
		res := s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_key"}}, DoNothing: true}).Create(&r)
		if res.Error != nil {
			return translate("enqueue mail", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // this event already has its message
		}
		for _, a := range e.Attachments {
			ar := attachmentRow{EmailID: r.ID, Name: a.Name, ContentType: a.ContentType, Data: a.Data}
			if err := s.conn(ctx).Create(&ar).Error; err != nil {
				return translate("enqueue mail attachment", err)
			}
		}
		tx, ok := sqlTx(ctx)
		if !ok {
			return apperr.Wrap(apperr.Internal, "Could not queue the email.", fmt.Errorf("enqueue mail: no sql transaction"))
		}
		if _, err := s.river.InsertTx(ctx, tx, mail.Job{EmailID: r.ID}, &river.InsertOpts{MaxAttempts: MailMaxAttempts}); err != nil {
			return translate("enqueue mail job", err)
		}
		e.ID, e.CreatedAt, inserted = r.ID, r.CreatedAt, true
		return nil
	})
	return inserted, err
}

// mailBatch is the most messages one delivery job sends: few enough that they go out well within
// the job's time limit even through a slow SMTP server.
const mailBatch = 20

// mailRecordTimeout bounds a delivery transaction, which outlives its job's context so that what was
// sent is recorded.
const mailRecordTimeout = 10 * time.Minute

// EnqueueMany implements mail.Queue: Enqueue for many messages, in one statement for the messages and
// one for their delivery jobs, each of which delivers up to mailBatch of them. Each message queued sets its ID; a message whose event key has one
// already is left as it is. The arrays go to the driver as they are.
func (s Mail) EnqueueMany(ctx context.Context, es []*mail.Email) error {
	n := len(es)
	keys, confs, recipients, names := make([]string, n), make([]*int64, n), make([]string, n), make([]string, n)
	subjects, texts, htmls := make([]string, n), make([]string, n), make([]string, n)
	for i, e := range es {
		keys[i], confs[i], recipients[i], names[i] = e.EventKey, e.ConferenceID, e.Recipient, e.RecipientName
		subjects[i], texts[i], htmls[i] = e.Subject, e.Text, e.HTML
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		rows, err := db.Statement.ConnPool.QueryContext(ctx, `INSERT INTO email_messages
				(event_key, conference_id, recipient, recipient_name, subject, body_text, body_html, status)
			SELECT *, 'queued' FROM `+emailRows+`
			ON CONFLICT (event_key) DO NOTHING
			RETURNING event_key, id, created_at`,
			keys, confs, recipients, names, subjects, textArrayOf(texts), textArrayOf(htmls))
		if err != nil {
			return translate("enqueue mail", err)
		}
		defer rows.Close()
		type queued struct {
			id int64
			at time.Time
		}
		made := make(map[string]queued, n)
		for rows.Next() {
			var key string
			var q queued
			if err := rows.Scan(&key, &q.id, &q.at); err != nil {
				return translate("enqueue mail", err)
			}
			made[key] = q
		}
		if err := rows.Err(); err != nil {
			return translate("enqueue mail", err)
		}
		var newIDs []int64
		for _, e := range es {
			q, ok := made[e.EventKey]
			if !ok {
				continue // this event already has its message
			}
			delete(made, e.EventKey) // a second message with the key in es is not queued
			for _, a := range e.Attachments {
				ar := attachmentRow{EmailID: q.id, Name: a.Name, ContentType: a.ContentType, Data: a.Data}
				if err := s.conn(ctx).Create(&ar).Error; err != nil {
					return translate("enqueue mail attachment", err)
				}
			}
			e.ID, e.CreatedAt = q.id, q.at
			newIDs = append(newIDs, q.id)
		}
		if len(newIDs) == 0 {
			return nil
		}
		// Messages queued together are delivered together, a job for up to mailBatch of them: one
		// transaction, one lock and one record of the outcomes for all.
		var jobs []river.InsertManyParams
		for ids := range slices.Chunk(newIDs, mailBatch) {
			jobs = append(jobs, river.InsertManyParams{Args: mail.Job{EmailIDs: ids}, InsertOpts: &river.InsertOpts{MaxAttempts: MailMaxAttempts}})
		}
		tx, ok := sqlTx(ctx)
		if !ok {
			return apperr.Wrap(apperr.Internal, "Could not queue the email.", fmt.Errorf("enqueue mail: no sql transaction"))
		}
		if _, err := s.river.InsertManyTx(ctx, tx, jobs); err != nil {
			return translate("enqueue mail job", err)
		}
		return nil
	})
}

// emailRows is the rows of a batch of messages (see EnqueueMany).
var emailRows = unnestOf("text", "bigint", "text", "text", "text", "text", "text")

// mailProposal is the proposal a message is about, read from its event key (see the Enqueue calls
// of the submission and review services), or NULL.
const mailProposal = `CASE
	WHEN email_messages.event_key LIKE 'decision-notice:%' THEN (SELECT n.proposal_id FROM notices n WHERE n.id = split_part(email_messages.event_key, ':', 2)::bigint)
	WHEN email_messages.event_key LIKE 'confirm-reminder:%' OR email_messages.event_key LIKE 'proposal-receipt:%' OR email_messages.event_key LIKE 'proposal-withdrawn:%'
		THEN split_part(email_messages.event_key, ':', 2)::bigint
	END`

// List implements mail.Log.
func (s Mail) List(ctx context.Context, f mail.LogFilter) ([]mail.Email, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := s.conn(ctx).Omit("body_text", "body_html").Order("id DESC").Limit(f.Limit)
	if f.ConferenceID != nil {
		q = q.Where("conference_id = ?", *f.ConferenceID)
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	if len(f.HideProposals) > 0 {
		q = q.Where(`NOT coalesce((`+mailProposal+`) IN ?, false)`, f.HideProposals)
	}
	var rows []emailRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate("mail log", err)
	}
	out := make([]mail.Email, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Deliver implements mail.DeliveryStore: the messages are locked in id order and read in one
// statement, their attachments in another; those not yet sent go to send together, and the outcomes
// are recorded in one statement. The rows stay locked while sending, so two workers holding the same
// job (the queue runs jobs at least once) cannot both send a message. The arrays go to the driver as
// they are.
//
// The transaction does not end with ctx (the job's time limit, a shutdown): what has gone out by then
// must be recorded, or the next attempt would send it again. The context send gets ends with ctx,
// so that no further message is started; those left wait for the next attempt, and the error says
// so.
func (s Mail) Deliver(ctx context.Context, ids []int64, final, toDevMailbox bool, send func(context.Context, []mail.Email) []error) error {
	var sendErr error
	job := ctx
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailRecordTimeout)
	defer cancel()
	err := s.InTx(tctx, func(ctx context.Context) error {
		var all []emailRow
		if err := s.conn(ctx).Raw(`SELECT * FROM email_messages WHERE id IN ? ORDER BY id FOR UPDATE`, ids).Find(&all).Error; err != nil {
			return translate("lock mail", err)
		}
		if len(all) == 0 {
			return apperr.New(apperr.NotFound, "There is no such message.")
		}
		rows := slices.DeleteFunc(all, func(r emailRow) bool { return r.Status == string(mail.Sent) })
		if len(rows) == 0 {
			return nil
		}
		locked := make([]int64, len(rows))
		for i, r := range rows {
			locked[i] = r.ID
		}
		var atts []attachmentRow
		if err := s.conn(ctx).Where("email_id IN ?", locked).Order("id").Find(&atts).Error; err != nil {
			return translate("mail attachments", err)
		}
		// The development mailbox reads the address when a message is shown.
		replyTo := map[int64]string{}
		if !toDevMailbox {
			var err error
			if replyTo, err = s.replyTo(ctx, rows); err != nil {
				return err
			}
		}
		es := make([]mail.Email, len(rows))
		for i, r := range rows {
			es[i] = r.domain()
			if r.ConferenceID != nil {
				es[i].ReplyTo = replyTo[*r.ConferenceID]
			}
			for _, a := range atts {
				if a.EmailID == r.ID {
					es[i].Attachments = append(es[i].Attachments, notify.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
				}
			}
		}
		outcomes := send(jobContext{job, ctx}, es)
		outcomes = outcomes[:min(len(outcomes), len(rows))]
		locked = locked[:len(outcomes)]
		errs := make([]*string, len(outcomes))
		failed, left := 0, len(rows)-len(outcomes)
		for i, err := range outcomes {
			if err != nil {
				msg := truncate(err.Error(), 1000)
				errs[i] = &msg
				if failed++; sendErr == nil {
					sendErr = err
				}
			}
		}
		switch {
		case failed > 0 && len(rows) == 1: // the send's own error
		case failed > 0:
			sendErr = fmt.Errorf("%d of %d messages not sent; the first: %w", failed, len(rows), sendErr)
		case left > 0:
			cause := job.Err()
			if cause == nil {
				cause = errors.New("the sender stopped early")
			}
			sendErr = fmt.Errorf("%d of %d messages left for the next attempt: %w", left, len(rows), cause)
		}
		if len(locked) == 0 {
			return nil
		}
		_, err := s.conn(ctx).Statement.ConnPool.ExecContext(ctx, `UPDATE email_messages m SET attempts = m.attempts + 1,
				status = CASE WHEN v.err IS NULL THEN 'sent'::email_status WHEN $3 THEN 'failed'::email_status ELSE m.status END,
				sent_at = CASE WHEN v.err IS NULL THEN $4 ELSE m.sent_at END,
				dev_mailbox = m.dev_mailbox OR (v.err IS NULL AND $5),
				last_error = coalesce(v.err, '')
			FROM unnest($1::bigint[], $2::text[]) AS v(id, err) WHERE m.id = v.id`, locked, errs, final, time.Now(), toDevMailbox)
		return translate("record delivery", err)
	})
	if err != nil {
		return err
	}
	return sendErr
}

// jobContext ends with its job's context and carries the values of another, the delivery's
// transaction.
type jobContext struct {
	context.Context
	values context.Context
}

func (c jobContext) Value(key any) any { return c.values.Value(key) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// QueueDepth counts the messages of delivery jobs waiting to run, running or to be retried.
func (s Mail) QueueDepth(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Raw(`SELECT coalesce(sum(coalesce(jsonb_array_length(args->'email_ids'), 1)), 0)
		FROM river_job WHERE kind = 'send_email' AND state IN ('available', 'retryable', 'scheduled', 'running')`).Find(&n).Error
	return n, translate("queue depth", err)
}

// DevMails implements mail.DevMailStore: the messages delivered into the development mailbox are
// those of the outbox marked so (see Deliver), the last delivered first.
func (s Mail) DevMails(ctx context.Context, limit int) ([]mail.DevMail, error) {
	var rows []emailRow
	if err := s.conn(ctx).Where("dev_mailbox").Order("sent_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("dev mailbox", err)
	}
	out := make([]mail.DevMail, len(rows))
	for i, r := range rows {
		out[i] = r.devMail()
	}
	return out, nil
}

// replyTo is the contact address of the call of each conference the messages are of, where a
// reply should go.
func (s Mail) replyTo(ctx context.Context, rows []emailRow) (map[int64]string, error) {
	var ids []int64
	for _, r := range rows {
		if r.ConferenceID != nil && !slices.Contains(ids, *r.ConferenceID) {
			ids = append(ids, *r.ConferenceID)
		}
	}
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var calls []struct {
		ConferenceID int64
		ContactEmail string
	}
	if err := s.conn(ctx).Raw(`SELECT conference_id, contact_email FROM calls WHERE conference_id IN ? AND contact_email <> ''`, ids).Scan(&calls).Error; err != nil {
		return nil, translate("reply-to addresses", err)
	}
	for _, c := range calls {
		out[c.ConferenceID] = c.ContactEmail
	}
	return out, nil
}

// DevMail implements mail.DevMailStore.
func (s Mail) DevMail(ctx context.Context, id int64) (mail.DevMail, error) {
	var r emailRow
	if err := s.conn(ctx).Take(&r, "id = ? AND dev_mailbox", id).Error; err != nil {
		err = translate("dev mail", err)
		if apperr.Is(err, apperr.NotFound) {
			return mail.DevMail{}, apperr.New(apperr.NotFound, "There is no such message in the mailbox.")
		}
		return mail.DevMail{}, err
	}
	m := r.devMail()
	replyTo, err := s.replyTo(ctx, []emailRow{r})
	if err != nil {
		return m, err
	}
	if r.ConferenceID != nil {
		m.ReplyTo = replyTo[*r.ConferenceID]
	}
	var atts []attachmentRow
	if err := s.conn(ctx).Where("email_id = ?", id).Order("id").Find(&atts).Error; err != nil {
		return m, translate("dev mail attachments", err)
	}
	for _, a := range atts {
		m.Attachments = append(m.Attachments, notify.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return m, nil
}

func (r emailRow) devMail() mail.DevMail {
	to := r.Recipient
	if r.RecipientName != "" {
		to = fmt.Sprintf("%s <%s>", r.RecipientName, r.Recipient)
	}
	m := mail.DevMail{ID: r.ID, To: to, Subject: r.Subject, Text: r.BodyText, HTML: r.BodyHTML}
	if r.SentAt != nil {
		m.ReceivedAt = *r.SentAt
	}
	return m
}
