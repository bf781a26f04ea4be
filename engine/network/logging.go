package network

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// WithLogging logs every adapter call (operation, address, key, resulting
// id, error class) on log, scrubbing errors with r. Writes log at Info,
// reads at Debug, failures at Warn. Pair it with LogHTTP to also log every
// HTTP request the adapter makes. A nil logger discards.
func WithLogging(a Adapter, log *slog.Logger, r *Redactor) Adapter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return expose(&logging{base: base{next: a}, log: log, r: r})
}

// LogHTTP returns cfg with an HTTP client that logs the method, the
// redacted URL and the status of every request (headers at Debug, redacted)
// on log, scrubbing cfg.Secrets from everything it writes. Build the adapter
// from the returned Config.
func LogHTTP(cfg Config, log *slog.Logger) Config {
	c := *cfg.Client()
	c.Transport = LogTransport(c.Transport, log, NewRedactor(cfg.Secrets))
	cfg.HTTPClient = &c
	return cfg
}

// LogTransport wraps next (nil means http.DefaultTransport) so that every
// request is logged, redacted by r.
func LogTransport(next http.RoundTripper, log *slog.Logger, r *Redactor) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &logTransport{next: next, log: log, r: r}
}

type logTransport struct {
	next http.RoundTripper
	log  *slog.Logger
	r    *Redactor
}

func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	u := t.r.URL(req.URL)
	if t.log.Enabled(ctx, slog.LevelDebug) {
		t.log.LogAttrs(ctx, slog.LevelDebug, "http request",
			slog.String("method", req.Method), slog.String("url", u), headerAttr(req.Header, t.r))
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.log.LogAttrs(ctx, slog.LevelWarn, "http",
			slog.String("method", req.Method), slog.String("url", u), slog.String("error", redactError(err, t.r)))
		return resp, err
	}
	t.log.LogAttrs(ctx, slog.LevelInfo, "http",
		slog.String("method", req.Method), slog.String("url", u), slog.Int("status", resp.StatusCode))
	if t.log.Enabled(ctx, slog.LevelDebug) {
		t.log.LogAttrs(ctx, slog.LevelDebug, "http response",
			slog.String("url", u), slog.Int("status", resp.StatusCode), headerAttr(resp.Header, t.r))
	}
	return resp, err
}

func headerAttr(h http.Header, r *Redactor) slog.Attr {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	attrs := make([]any, 0, len(names))
	for _, n := range names {
		for _, v := range h[n] {
			attrs = append(attrs, slog.String(n, r.Header(n, v)))
		}
	}
	return slog.Group("headers", attrs...)
}

// redactError renders err for a log: a *url.Error's URL is replaced by its
// redacted form, then known secrets are scrubbed.
func redactError(err error, r *Redactor) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err.Error()
		return ue.Op + " " + r.RedactURLString(ue.URL) + ": " + r.String(inner)
	}
	return r.String(err.Error())
}

type logging struct {
	base
	log *slog.Logger
	r   *Redactor
}

// done logs the end of one call.
func (l *logging) done(ctx context.Context, op string, write bool, err error, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{slog.String("network", l.next.Network()), slog.String("op", op)}, attrs...)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			attrs = append(attrs, slog.String("class", e.Class.String()), slog.Bool("maybe_written", e.MaybeWritten))
			if e.RetryAfter > 0 {
				attrs = append(attrs, slog.Duration("retry_after", e.RetryAfter))
			}
		}
		attrs = append(attrs, slog.String("error", redactError(err, l.r)))
		l.log.LogAttrs(ctx, slog.LevelWarn, "adapter call failed", attrs...)
		return
	}
	level := slog.LevelDebug
	if write {
		level = slog.LevelInfo
	}
	l.log.LogAttrs(ctx, level, "adapter call", attrs...)
}

func postRef(p *Post) []slog.Attr {
	return []slog.Attr{slog.String("address", p.Address), slog.String("key", p.Key), slog.Int("text_bytes", len(p.Text)), slog.Int("media", len(p.Media))}
}

func (l *logging) Publish(ctx context.Context, p *Post) (Ref, error) {
	ref, err := l.next.Publish(ctx, p)
	l.done(ctx, "publish", true, err, append(postRef(p), slog.String("id", ref.ID), slog.String("url", l.r.RedactURLString(ref.URL)))...)
	return ref, err
}

func (l *logging) Edit(ctx context.Context, ref Ref, p *Post) (Ref, error) {
	out, err := l.base.Edit(ctx, ref, p)
	l.done(ctx, "edit", true, err, append(postRef(p), slog.String("id", ref.ID))...)
	return out, err
}

func (l *logging) Delete(ctx context.Context, ref Ref) error {
	err := l.next.Delete(ctx, ref)
	l.done(ctx, "delete", true, err, slog.String("id", ref.ID))
	return err
}

func (l *logging) Lookup(ctx context.Context, p *Post) (Ref, LookupResult, error) {
	ref, res, err := l.base.Lookup(ctx, p)
	l.done(ctx, "lookup", false, err, append(postRef(p), slog.String("result", res.String()), slog.String("id", ref.ID))...)
	return ref, res, err
}

func (l *logging) Metrics(ctx context.Context, ref Ref) (Metrics, error) {
	m, err := l.base.Metrics(ctx, ref)
	l.done(ctx, "metrics", false, err, slog.String("id", ref.ID))
	return m, err
}

func (l *logging) Followers(ctx context.Context) (int64, error) {
	n, err := l.base.Followers(ctx)
	l.done(ctx, "followers", false, err, slog.Int64("followers", n))
	return n, err
}

func (l *logging) Interactions(ctx context.Context, ref Ref, kind InteractionKind, since time.Time) ([]Interaction, error) {
	out, err := l.base.Interactions(ctx, ref, kind, since)
	l.done(ctx, "interactions", false, err, slog.String("id", ref.ID), slog.String("kind", string(kind)), slog.Int("count", len(out)))
	return out, err
}
