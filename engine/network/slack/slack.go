// Package slack publishes to a Slack channel through an incoming webhook.
//
// The webhook URL (https://hooks.slack.com/services/T…/B…/SECRET) is the
// whole credential: it comes from Secrets["webhook"], and its secret never
// appears in an error, a log line or a formatted Adapter. A message is one
// POST of JSON {text, blocks, mrkdwn}; Slack answers 200 with the plain text
// "ok", or a plain-text error code such as channel_not_found.
//
// Slack returns no message id (no ts) to an incoming webhook, so a published
// message can be neither edited nor deleted nor looked up, and parts cannot
// reply to one another: Capabilities says Edit, Delete and Threads are false,
// Delete returns a Permanent error wrapping network.ErrUnsupported, and a
// lost outcome is unconfirmed (IdempotencyNone).
//
// Ref.ID is synthesized from the post's idempotency key: "clairon-<key>".
// The same string is the block_id of the message's first block, so a Slack
// app that reads the channel can still tell which clairon post a message is.
// Ref.URL is empty.
package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Name is the network's name in clairon.yaml.
const Name = "slack"

const (
	userAgent = "clairon (https://github.com/clairon-dev/clairon)"
	// idPrefix starts every synthesized Ref.ID and block_id.
	idPrefix = "clairon-"
	// textLimit is where Slack truncates a message's text.
	textLimit = 40000
)

var (
	teamOrBot  = regexp.MustCompile(`^[A-Z0-9]{2,}$`)
	hookSecret = regexp.MustCompile(`^[A-Za-z0-9]{8,}$`)
)

// Adapter posts to one Slack incoming webhook. It is safe for concurrent use.
type Adapter struct {
	path   string // /services/T…/B…/SECRET
	team   string // T…, safe to show
	api    string // scheme://host, no trailing slash
	client *http.Client
	now    func() time.Time
	red    *network.Redactor
	secret string
	unfurl *bool
}

// New builds an adapter from an account's configuration.
//
// Secrets["webhook"] is required. Settings, all optional:
//   - api: the base URL the webhook's path is sent to, instead of the
//     webhook's own host (for tests and proxies);
//   - unfurl: "true" or "false" to force link and media previews on or off
//     (Slack's default when absent).
func New(cfg network.Config) (*Adapter, error) {
	raw := cfg.Secrets["webhook"]
	const want = "slack: secret webhook must be an incoming webhook URL like https://hooks.slack.com/services/T…/B…/…"
	if raw == "" {
		return nil, errors.New("slack: secret webhook is missing")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, errors.New(want)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) != 4 || segs[0] != "services" || !teamOrBot.MatchString(segs[1]) ||
		!teamOrBot.MatchString(segs[2]) || !hookSecret.MatchString(segs[3]) {
		return nil, errors.New(want)
	}
	a := &Adapter{
		path:   "/" + strings.Join(segs, "/"),
		team:   segs[1],
		api:    u.Scheme + "://" + u.Host,
		client: cfg.Client(),
		now:    cfg.Clock(),
		red:    network.NewRedactor(cfg.Secrets),
		secret: segs[3],
	}
	if v := cfg.Settings["api"]; v != "" {
		api, err := url.Parse(v)
		if err != nil || (api.Scheme != "http" && api.Scheme != "https") || api.Host == "" {
			return nil, fmt.Errorf("slack: setting api %q is not an http(s) URL", v)
		}
		a.api = strings.TrimRight(v, "/")
	}
	switch v := cfg.Settings["unfurl"]; v {
	case "":
	case "true", "false":
		b := v == "true"
		a.unfurl = &b
	default:
		return nil, fmt.Errorf("slack: setting unfurl %q is not true or false", v)
	}
	return a, nil
}

// Factory builds a Slack adapter; it is what the registry holds.
func Factory(cfg network.Config) (network.Adapter, error) {
	a, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Network returns "slack".
func (a *Adapter) Network() string { return Name }

// Capabilities describes a Slack incoming webhook.
func (a *Adapter) Capabilities() network.Capabilities {
	return network.Capabilities{
		Format:      network.FormatMrkdwn,
		TextLimit:   textLimit,
		MaxMedia:    0, // a webhook cannot upload files
		Threads:     false,
		Polls:       false,
		Edit:        false,
		Delete:      false,
		Idempotency: network.IdempotencyNone,
		// Slack allows about one message per second per webhook, with bursts.
		Rate: network.Rate{Requests: 1, Window: time.Second},
	}
}

// String names the adapter by its workspace id, never its secret.
func (a *Adapter) String() string { return "slack webhook " + a.team }

// GoString is String, so that %#v cannot print the secret either.
func (a *Adapter) GoString() string { return a.String() }

// RefID is the Ref.ID the adapter gives the message published with key.
func RefID(key string) string { return idPrefix + key }

// Publish posts one message.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	const op = "publish"
	if err := check(p); err != nil {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: err}
	}
	msg, err := a.message(p)
	if err != nil {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: err}
	}
	if err := a.post(ctx, op, msg); err != nil {
		return network.Ref{}, err
	}
	return network.Ref{ID: RefID(p.Key)}, nil
}

// Delete always fails: an incoming webhook cannot delete what it posted.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: "delete",
		Err: fmt.Errorf("an incoming webhook cannot delete its messages: %w", network.ErrUnsupported)}
}

// check refuses what a webhook cannot carry, before anything is sent.
func check(p *network.Post) error {
	switch {
	case p.Key == "":
		return errors.New("the post has no idempotency key to name the message by")
	case len(p.Media) > 0:
		return fmt.Errorf("an incoming webhook cannot upload files: %w", network.ErrUnsupported)
	case p.Poll != nil:
		return fmt.Errorf("slack has no polls: %w", network.ErrUnsupported)
	case strings.TrimSpace(p.Text) == "" && strings.TrimSpace(p.Title) == "":
		return errors.New("the message has no text")
	}
	return nil
}

var _ network.Adapter = (*Adapter)(nil)
