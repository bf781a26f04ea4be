// Package webhook publishes posts to any HTTP endpoint as signed JSON
// events: post.published, post.updated and post.deleted.
//
// Each event is one POST of JSON to Settings["url"], signed with the shared
// secret from Secrets["secret"] the way Stripe and GitHub sign theirs:
//
//	X-Clairon-Timestamp: <unix seconds>
//	X-Clairon-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
//	Idempotency-Key: <key>
//
// Receivers verify the signature and deduplicate on Idempotency-Key (the
// contract is in docs/webhook.md), so a retried delivery never publishes
// twice: the adapter declares IdempotencyKey. A receiver may answer 2xx
// with JSON {"id", "url"}; Ref.ID is that id, or else the post's key.
package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Name is the network's name in clairon.yaml.
const Name = "webhook"

// Event names, sent in the body's "event" and in X-Clairon-Event.
const (
	EventPublished = "post.published"
	EventUpdated   = "post.updated"
	EventDeleted   = "post.deleted"
)

// Header names of a delivery.
const (
	HeaderSignature = "X-Clairon-Signature"
	HeaderTimestamp = "X-Clairon-Timestamp"
	HeaderEvent     = "X-Clairon-Event"
	HeaderKey       = "Idempotency-Key"
)

const (
	userAgent = "clairon (https://github.com/clairon-dev/clairon)"
	// defaultTextLimit is a generous cap for receivers that set none.
	defaultTextLimit = 65536
	defaultMaxMedia  = 10
)

// Adapter delivers events to one endpoint. It is safe for concurrent use.
type Adapter struct {
	url       string
	host      string // for errors and String: the URL may carry a token
	secret    []byte
	client    *http.Client // never follows redirects
	now       func() time.Time
	red       *network.Redactor
	inline    bool
	textLimit int
	maxMedia  int
}

// New builds an adapter from an account's configuration.
//
// Settings["url"] and Secrets["secret"] are required. Other settings:
//   - media: "inline" (default) sends each file's bytes base64-encoded in
//     data_base64; "reference" sends only its name, type, digest and alt;
//   - text_limit: the longest text the receiver accepts (default 65536);
//   - max_media: the most attachments per post (default 10).
func New(cfg network.Config) (*Adapter, error) {
	raw := cfg.Settings["url"]
	if raw == "" {
		return nil, errors.New("webhook: setting url is missing")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("webhook: setting url is not an http(s) URL")
	}
	secret := cfg.Secrets["secret"]
	if len(secret) < 16 {
		return nil, errors.New("webhook: secret secret is missing or shorter than 16 bytes")
	}
	a := &Adapter{
		url:       raw,
		host:      u.Host,
		secret:    []byte(secret),
		client:    noRedirects(cfg.Client()),
		now:       cfg.Clock(),
		red:       network.NewRedactor(cfg.Secrets),
		inline:    true,
		textLimit: defaultTextLimit,
		maxMedia:  defaultMaxMedia,
	}
	switch v := cfg.Settings["media"]; v {
	case "", "inline":
	case "reference":
		a.inline = false
	default:
		return nil, fmt.Errorf("webhook: setting media %q is not inline or reference", v)
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"text_limit", &a.textLimit}, {"max_media", &a.maxMedia}} {
		v := cfg.Settings[n.name]
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || (n.name == "text_limit" && i == 0) {
			return nil, fmt.Errorf("webhook: setting %s %q is not a positive number", n.name, v)
		}
		*n.dst = i
	}
	return a, nil
}

// Factory builds a webhook adapter; it is what the registry holds.
func Factory(cfg network.Config) (network.Adapter, error) {
	a, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Network returns "webhook".
func (a *Adapter) Network() string { return Name }

// Capabilities describes a receiver that follows docs/webhook.md. The post's
// Text is plain text; its Markdown source travels beside it.
func (a *Adapter) Capabilities() network.Capabilities {
	c := network.Capabilities{
		Format:         network.FormatPlain,
		TextLimit:      a.textLimit,
		MaxMedia:       a.maxMedia,
		AltText:        true,
		Threads:        true,
		Polls:          true,
		PollMaxOptions: 10,
		Edit:           true,
		Delete:         true,
		Idempotency:    network.IdempotencyKey,
	}
	if a.maxMedia > 0 {
		c.MediaTypes = []string{
			"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
			"video/mp4", "video/webm", "video/quicktime",
		}
	}
	return c
}

// String names the adapter by its host, never its secret or URL path.
func (a *Adapter) String() string { return "webhook to " + a.host }

// GoString is String, so that %#v cannot print the secret either.
func (a *Adapter) GoString() string { return a.String() }

// Publish delivers post.published and returns the receiver's reference.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	const op = "publish"
	if p.Key == "" {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: op,
			Err: errors.New("the post has no idempotency key")}
	}
	ev := a.event(EventPublished, p)
	got, err := a.deliver(ctx, op, p.Key, ev)
	if err != nil {
		return network.Ref{}, err
	}
	ref := network.Ref{ID: got.ID, URL: got.URL, Extra: map[string]string{"key": p.Key}}
	if ref.ID == "" {
		ref.ID = p.Key
	}
	return ref, nil
}

// Edit delivers post.updated for ref. A receiver that no longer knows the
// message answers 404 or 410, returned as a Permanent error wrapping
// network.ErrNotFound.
func (a *Adapter) Edit(ctx context.Context, ref network.Ref, p *network.Post) (network.Ref, error) {
	const op = "edit"
	if ref.ID == "" {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: errors.New("empty message id")}
	}
	ev := a.event(EventUpdated, p)
	ev.ID, ev.URL = ref.ID, ref.URL
	got, err := a.deliver(ctx, op, updateKey(ref.ID, p), ev)
	if err != nil {
		return network.Ref{}, err
	}
	out := network.Ref{ID: ref.ID, URL: ref.URL, Extra: map[string]string{}}
	for k, v := range ref.Extra {
		out.Extra[k] = v
	}
	if p.Key != "" {
		out.Extra["key"] = p.Key
	}
	if got.ID != "" {
		out.ID = got.ID
	}
	if got.URL != "" {
		out.URL = got.URL
	}
	return out, nil
}

// Delete delivers post.deleted for ref; a receiver answering 404 or 410
// means the message is already gone, which is not an error.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	const op = "delete"
	if ref.ID == "" {
		return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: errors.New("empty message id")}
	}
	ev := &deleteEvent{Event: EventDeleted, ID: ref.ID, URL: ref.URL, Key: ref.Extra["key"],
		DeletedAt: a.now().UTC().Format(time.RFC3339)}
	_, err := a.deliver(ctx, op, deleteKey(ref.ID), ev)
	if errors.Is(err, network.ErrNotFound) {
		return nil
	}
	return err
}

// updateKey is the Idempotency-Key of an edit. It differs from the
// publish's key, and from one edit to the next (its time is part of it), so
// that a receiver deduplicating on the key never drops an edit; a retry of
// the same edit carries the same key.
func updateKey(id string, p *network.Post) string {
	return derivedKey(EventUpdated, id, p.Key, p.CreatedAt.UTC().Format(time.RFC3339Nano))
}

// deleteKey is the Idempotency-Key of a delete: deleting twice is harmless,
// so it depends on the message alone.
func deleteKey(id string) string { return derivedKey(EventDeleted, id) }

func derivedKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

var (
	_ network.Adapter = (*Adapter)(nil)
	_ network.Editor  = (*Adapter)(nil)
)
