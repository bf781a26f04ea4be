package network

import (
	"context"
	"log/slog"
)

// DryRunScheme starts the URL of every Ref a dry run returns.
const DryRunScheme = "dry-run://"

// WithDryRun publishes, edits and deletes nothing: each write is logged with
// what would be sent and answered with a synthetic Ref whose ID starts with
// "dry-run-" and whose URL is dry-run://<network>/<key>. Reads (Lookup,
// Metrics, Followers, Interactions) reach the network, as they change
// nothing. A nil logger discards.
func WithDryRun(a Adapter, log *slog.Logger) Adapter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return expose(&dryRun{base: base{next: a}, log: log})
}

// IsDryRun reports whether ref was made up by a dry run.
func IsDryRun(ref Ref) bool { return ref.Extra["dry_run"] == "true" }

type dryRun struct {
	base
	log *slog.Logger
}

func (d *dryRun) ref(p *Post) Ref {
	key := p.Key
	short := key
	if len(short) > 16 {
		short = short[:16]
	}
	return Ref{
		ID:    "dry-run-" + short,
		URL:   DryRunScheme + d.next.Network() + "/" + key,
		Extra: map[string]string{"dry_run": "true"},
	}
}

func (d *dryRun) Publish(ctx context.Context, p *Post) (Ref, error) {
	d.log.LogAttrs(ctx, slog.LevelInfo, "dry run: would publish", postAttrs(d.next.Network(), p)...)
	return d.ref(p), nil
}

func (d *dryRun) Edit(ctx context.Context, ref Ref, p *Post) (Ref, error) {
	attrs := append(postAttrs(d.next.Network(), p), slog.String("id", ref.ID))
	d.log.LogAttrs(ctx, slog.LevelInfo, "dry run: would edit", attrs...)
	return ref, nil
}

func (d *dryRun) Delete(ctx context.Context, ref Ref) error {
	d.log.LogAttrs(ctx, slog.LevelInfo, "dry run: would delete",
		slog.String("network", d.next.Network()), slog.String("id", ref.ID), slog.String("url", ref.URL))
	return nil
}

// postAttrs describes everything a publish would send, except media bytes.
func postAttrs(network string, p *Post) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("network", network),
		slog.String("address", p.Address),
		slog.String("key", p.Key),
		slog.String("text", p.Text),
	}
	if p.Title != "" {
		attrs = append(attrs, slog.String("title", p.Title))
	}
	if p.Language != "" {
		attrs = append(attrs, slog.String("language", p.Language))
	}
	if p.ContentWarning != "" {
		attrs = append(attrs, slog.String("content_warning", p.ContentWarning))
	}
	for i, m := range p.Media {
		attrs = append(attrs, slog.Group("media", slog.Int("index", i), slog.String("name", m.Name),
			slog.String("mime", m.MIME), slog.Int("bytes", len(m.Data)), slog.String("alt", m.Alt)))
	}
	if p.Poll != nil {
		attrs = append(attrs, slog.Any("poll", p.Poll.Options), slog.Duration("poll_duration", p.Poll.Duration))
	}
	if p.ReplyTo != nil {
		attrs = append(attrs, slog.String("reply_to", p.ReplyTo.ID))
	}
	if p.Root != nil {
		attrs = append(attrs, slog.String("root", p.Root.ID))
	}
	return attrs
}
