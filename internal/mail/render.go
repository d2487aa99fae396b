package mail

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/notify"
)

// Renderer turns a template name and its data into a subject, a text body and an HTML body.
// Each message has web/templates/mail/<name>.txt (defining "subject" and the text body) and
// <name>.html (the "content" block of the HTML layout).
type Renderer struct {
	text     map[string]*texttemplate.Template
	html     map[string]*htmltemplate.Template
	siteName string
}

// NewRenderer parses every mail template in fsys (web.FS) once.
func NewRenderer(fsys fs.FS, siteName string) (*Renderer, error) {
	r := &Renderer{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}, siteName: siteName}
	funcs := map[string]any{"site": func() string { return siteName }}
	names, err := fs.Glob(fsys, "templates/mail/*.txt")
	if err != nil {
		return nil, err
	}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".txt")
		t, err := texttemplate.New(path.Base(file)).Funcs(funcs).Option("missingkey=error").ParseFS(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", file, err)
		}
		if t.Lookup("subject") == nil {
			return nil, fmt.Errorf("mail template %s: no {{define \"subject\"}}", file)
		}
		h, err := htmltemplate.New("layout.html").Funcs(funcs).Option("missingkey=error").
			ParseFS(fsys, "templates/mail/layout.html", "templates/mail/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("mail template %s.html: %w", name, err)
		}
		r.text[name], r.html[name] = t, h
	}
	return r, nil
}

// Render renders the named message.
func (r *Renderer) Render(name string, data any) (subject, text, html string, err error) {
	t, ok := r.text[name]
	if !ok {
		return "", "", "", fmt.Errorf("no mail template %q", name)
	}
	sb, tb, hb := renderBuffers.Get().(*bytes.Buffer), renderBuffers.Get().(*bytes.Buffer), renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffers(sb, tb, hb)
	if err := t.ExecuteTemplate(sb, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("mail %s subject: %w", name, err)
	}
	if err := t.Execute(tb, data); err != nil {
		return "", "", "", fmt.Errorf("mail %s text: %w", name, err)
	}
	if err := r.html[name].Execute(hb, data); err != nil {
		return "", "", "", fmt.Errorf("mail %s html: %w", name, err)
	}
	return strings.Join(strings.Fields(sb.String()), " "), strings.TrimSpace(tb.String()) + "\n", hb.String(), nil
}

// renderBuffers are the buffers messages are rendered into, used again: a message of a few
// kilobytes would otherwise grow each of its buffers several times.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putRenderBuffers(bs ...*bytes.Buffer) {
	for _, b := range bs {
		if b.Cap() <= 256<<10 {
			b.Reset()
			renderBuffers.Put(b)
		}
	}
}

// Outbox is the notify.Outbox: it renders a message and stores it for delivery in the caller's
// transaction.
type Outbox struct {
	renderer *Renderer
	queue    Queue
}

// NewOutbox returns an Outbox.
func NewOutbox(r *Renderer, q Queue) *Outbox { return &Outbox{renderer: r, queue: q} }

var (
	_ notify.Outbox        = (*Outbox)(nil)
	_ notify.Deduplicating = (*Outbox)(nil)
	_ notify.Batch         = (*Outbox)(nil)
)

// Enqueue implements notify.Outbox.
func (o *Outbox) Enqueue(ctx context.Context, m notify.Message) error {
	_, err := o.EnqueueNew(ctx, m)
	return err
}

// EnqueueMany implements notify.Batch.
func (o *Outbox) EnqueueMany(ctx context.Context, ms []notify.Message) error {
	es := make([]*Email, len(ms))
	for i, m := range ms {
		e, err := o.render(m)
		if err != nil {
			return err
		}
		es[i] = e
	}
	return o.queue.EnqueueMany(ctx, es)
}

// EnqueueNew implements notify.Deduplicating: false when a message with the event key was queued
// before.
func (o *Outbox) EnqueueNew(ctx context.Context, m notify.Message) (bool, error) {
	e, err := o.render(m)
	if err != nil {
		return false, err
	}
	return o.queue.Enqueue(ctx, e)
}

// render renders m into the message to queue.
func (o *Outbox) render(m notify.Message) (*Email, error) {
	subject, text, html, err := o.renderer.Render(m.Template, m.Data)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "Could not prepare the email.", err)
	}
	return &Email{EventKey: m.EventKey, ConferenceID: m.ConferenceID, Recipient: m.To,
		RecipientName: m.ToName, Subject: subject, Text: text, HTML: html, Attachments: m.Attachments, Status: Queued}, nil
}
