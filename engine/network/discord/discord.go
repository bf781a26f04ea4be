// Package discord publishes to a Discord channel through an incoming webhook.
//
// The webhook URL (https://discord.com/api/webhooks/ID/TOKEN) is the whole
// credential: it comes from Secrets["webhook"], and its token never appears in
// an error, a log line or a formatted Adapter. Messages are created with
// wait=true so that Discord returns the message and its id, then edited with
// PATCH and deleted with DELETE on /messages/{id}.
//
// Pings are off: every request sends allowed_mentions {"parse": []}, so an
// @everyone in a post stays text, unless Settings["allowed_mentions"] lists
// what may ping.
//
// Threads: a webhook cannot reply to a message, so Capabilities.Threads is
// false. Parts that the engine still publishes one after another (a post with
// reply_to, say) land as consecutive messages, inside the Discord thread that
// their root or parent opened when there is one: when the channel is a forum
// (Settings["forum"] = "true") each root post opens a thread named after its
// title, and with Settings["thread_id"] every message goes into that thread.
//
// Discord offers no idempotency key to webhooks and no way to list a
// webhook's messages, so a publish whose outcome was lost cannot be looked up:
// the adapter is not a network.Lookup and declares IdempotencyNone.
package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// Name is the network's name in clairon.yaml.
const Name = "discord"

const (
	defaultAPI = "https://discord.com/api/v10"
	userAgent  = "clairon (https://github.com/clairon-dev/clairon)"
	// webURL is where people open a message.
	webURL = "https://discord.com/channels/"
)

// Limits from Discord's documentation.
const (
	contentLimit     = 2000
	embedLimit       = 4096 // an embed's description
	maxFiles         = 10
	altLimit         = 1024
	pollAnswers      = 10
	pollQuestionMax  = 300
	pollAnswerMax    = 55
	threadNameMax    = 100
	maxPollHours     = 32 * 24
	defaultPollHours = 24
)

var (
	snowflake   = regexp.MustCompile(`^[0-9]{1,20}$`)
	tokenChars  = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)
	mentionKind = map[string]bool{"users": true, "roles": true, "everyone": true}
)

// webhook is the id and secret token taken from the webhook URL.
type webhook struct {
	id    string
	token string
}

// Adapter publishes to one Discord webhook. It is safe for concurrent use.
type Adapter struct {
	hook     webhook
	api      string
	client   *http.Client
	now      func() time.Time
	threadID string
	forum    bool
	embed    bool
	username string
	avatar   string
	mentions []string
	limits   limiter
	red      *network.Redactor

	mu      sync.Mutex
	guildID string
	known   bool // guildID was read from Settings or from the webhook object
}

// New builds an adapter from an account's configuration.
//
// Secrets["webhook"] is required. Settings, all optional:
//   - api: the API base URL, "https://discord.com/api/v10" by default;
//   - guild_id: the server's id, used for message URLs (read from the webhook
//     object on first use when absent);
//   - thread_id: post every message into this thread of the webhook's channel;
//   - forum: "true" when the webhook's channel is a forum or media channel;
//   - style: "content" (default) or "embed" (the text goes in an embed with
//     the post's title, up to 4096 characters);
//   - username, avatar_url: override the webhook's name and avatar;
//   - allowed_mentions: comma-separated kinds that may ping (users, roles,
//     everyone); none by default.
func New(cfg network.Config) (*Adapter, error) {
	hook, api, err := parseWebhook(cfg.Secrets["webhook"])
	if err != nil {
		return nil, err
	}
	s := cfg.Settings
	if v := s["api"]; v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("discord: setting api %q is not an http(s) URL", v)
		}
		api = strings.TrimRight(v, "/")
	}
	a := &Adapter{
		hook:     hook,
		api:      api,
		client:   cfg.Client(),
		now:      cfg.Clock(),
		threadID: s["thread_id"],
		username: s["username"],
		avatar:   s["avatar_url"],
		mentions: []string{},
		guildID:  s["guild_id"],
		known:    s["guild_id"] != "",
		red:      network.NewRedactor(cfg.Secrets),
	}
	for _, id := range []struct{ name, v string }{{"thread_id", a.threadID}, {"guild_id", a.guildID}} {
		if id.v != "" && !snowflake.MatchString(id.v) {
			return nil, fmt.Errorf("discord: setting %s %q is not a Discord id", id.name, id.v)
		}
	}
	switch v := s["forum"]; v {
	case "", "false":
	case "true":
		a.forum = true
	default:
		return nil, fmt.Errorf("discord: setting forum %q is not true or false", v)
	}
	if a.forum && a.threadID != "" {
		return nil, errors.New("discord: settings forum and thread_id exclude each other (a forum post opens its own thread)")
	}
	switch v := s["style"]; v {
	case "", "content":
	case "embed":
		a.embed = true
	default:
		return nil, fmt.Errorf("discord: setting style %q is not content or embed", v)
	}
	for m := range strings.SplitSeq(s["allowed_mentions"], ",") {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if !mentionKind[m] {
			return nil, fmt.Errorf("discord: setting allowed_mentions: %q is not users, roles or everyone", m)
		}
		a.mentions = append(a.mentions, m)
	}
	return a, nil
}

// Factory builds a Discord adapter; it is what the registry holds.
func Factory(cfg network.Config) (network.Adapter, error) {
	a, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// parseWebhook splits a webhook URL into its id and token, and derives the
// versioned API base from its host. Errors never quote the URL.
func parseWebhook(raw string) (webhook, string, error) {
	const want = "discord: secret webhook must be a webhook URL like https://discord.com/api/webhooks/ID/TOKEN"
	if raw == "" {
		return webhook{}, "", errors.New("discord: secret webhook is missing")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return webhook{}, "", errors.New(want)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+2 < len(segs); i++ {
		if segs[i] != "webhooks" {
			continue
		}
		id, token := segs[i+1], segs[i+2]
		if !snowflake.MatchString(id) || !tokenChars.MatchString(token) {
			return webhook{}, "", errors.New(want)
		}
		return webhook{id: id, token: token}, u.Scheme + "://" + u.Host + "/api/v10", nil
	}
	return webhook{}, "", errors.New(want)
}

// Network returns "discord".
func (a *Adapter) Network() string { return Name }

// Capabilities describes a Discord webhook.
func (a *Adapter) Capabilities() network.Capabilities {
	limit := contentLimit
	if a.embed {
		limit = embedLimit
	}
	return network.Capabilities{
		Format:    network.FormatMarkdown,
		TextLimit: limit,
		MaxMedia:  maxFiles,
		MediaTypes: []string{
			"image/jpeg", "image/png", "image/gif", "image/webp",
			"video/mp4", "video/webm", "video/quicktime",
		},
		// The upload cap of a server without boosts; boosted servers allow more.
		MaxImageBytes:  10 << 20,
		AltText:        true,
		AltTextLimit:   altLimit,
		Threads:        false,
		Polls:          true,
		PollMaxOptions: pollAnswers,
		Edit:           true,
		Delete:         true,
		Idempotency:    network.IdempotencyNone,
		// A webhook's bucket typically allows 5 requests per 2 seconds; the
		// X-RateLimit headers of each reply are what the adapter trusts.
		Rate: network.Rate{Requests: 5, Window: 2 * time.Second},
	}
}

// String names the adapter by its webhook id, never its token.
func (a *Adapter) String() string { return "discord webhook " + a.hook.id }

// GoString is String, so that %#v cannot print the token either.
func (a *Adapter) GoString() string { return a.String() }

// endpoint is the webhook's URL on the configured API, token included.
func (a *Adapter) endpoint(parts ...string) string {
	s := a.api + "/webhooks/" + a.hook.id + "/" + url.PathEscape(a.hook.token)
	for _, p := range parts {
		s += "/" + url.PathEscape(p)
	}
	return s
}

// Publish executes the webhook with wait=true and returns the new message.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	const op = "publish"
	guild, err := a.guild(ctx)
	if err != nil {
		return network.Ref{}, err
	}
	threadID, threadName := a.threadFor(p)
	pl := a.payload(p)
	pl.Username, pl.AvatarURL, pl.ThreadName = a.username, a.avatar, threadName
	if p.Poll != nil {
		pl.Poll = newPoll(p)
	}
	q := url.Values{"wait": {"true"}}
	if threadID != "" {
		q.Set("thread_id", threadID)
	}
	msg, err := a.call(ctx, op, routeWebhook, http.MethodPost, a.endpoint(), q, pl, p.Media)
	if err != nil {
		return network.Ref{}, err
	}
	ref := network.Ref{ID: msg.ID, Extra: map[string]string{"channel_id": msg.ChannelID}}
	if threadID != "" || threadName != "" {
		// A message posted in a thread carries the thread's id as its channel.
		ref.Extra["thread_id"] = msg.ChannelID
	}
	if p.Poll != nil {
		ref.Extra["poll"] = pollDigest(p.Poll)
	}
	ref.URL = messageURL(guild, msg.ChannelID, msg.ID)
	return ref, nil
}

// Edit replaces a message's text and attachments. Discord cannot edit a poll:
// an edit that would change one fails with a Permanent error wrapping
// network.ErrUnsupported: such a change needs a new message.
func (a *Adapter) Edit(ctx context.Context, ref network.Ref, p *network.Post) (network.Ref, error) {
	const op = "edit"
	if ref.ID == "" || !snowflake.MatchString(ref.ID) {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: op,
			Err: fmt.Errorf("message id %q is not a Discord id", ref.ID)}
	}
	digest := ""
	if p.Poll != nil {
		digest = pollDigest(p.Poll)
	}
	if digest != ref.Extra["poll"] {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: op,
			Err: fmt.Errorf("a poll cannot be added, changed or removed after publication: %w", network.ErrUnsupported)}
	}
	pl := a.payload(p)
	// An edit always sends the content, so that text can also be removed.
	content := ""
	if !a.embed {
		content = p.Text
	}
	pl.Content = &content
	// From API v10 the list names every attachment the message keeps: listing
	// only the new files drops the old ones.
	if pl.Attachments == nil {
		pl.Attachments = []attachment{}
	}
	if a.embed && pl.Embeds == nil {
		pl.Embeds = []embed{}
	}
	msg, err := a.call(ctx, op, routeMessage, http.MethodPatch, a.endpoint("messages", ref.ID), threadQuery(ref), pl, p.Media)
	if err != nil {
		return network.Ref{}, err
	}
	out := network.Ref{ID: msg.ID, URL: ref.URL, Extra: map[string]string{}}
	for k, v := range ref.Extra {
		out.Extra[k] = v
	}
	if msg.ChannelID != "" {
		out.Extra["channel_id"] = msg.ChannelID
	}
	return out, nil
}

// Delete removes a message; one that is already gone is not an error.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	const op = "delete"
	if ref.ID == "" || !snowflake.MatchString(ref.ID) {
		return &network.Error{Class: network.Permanent, Network: Name, Op: op,
			Err: fmt.Errorf("message id %q is not a Discord id", ref.ID)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, withQuery(a.endpoint("messages", ref.ID), threadQuery(ref)), nil)
	if err != nil {
		return a.buildError(op, err)
	}
	_, err = a.exchange(ctx, op, routeMessage, req, true)
	if errors.Is(err, network.ErrNotFound) {
		return nil
	}
	return err
}

// guild returns the id of the webhook's server, reading the webhook object
// once when the settings did not give it. It is a read: nothing is written
// before it succeeds.
func (a *Adapter) guild(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.known {
		return a.guildID, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.endpoint(), nil)
	if err != nil {
		return "", a.buildError("read webhook", err)
	}
	resp, err := a.exchange(ctx, "read webhook", routeWebhook, req, false)
	if err != nil {
		return "", err
	}
	var w struct {
		GuildID *string `json:"guild_id"`
	}
	if err := httpx.DecodeJSON(resp.Body, &w); err != nil {
		return "", &network.Error{Class: network.Retryable, Network: Name, Op: "read webhook", Status: resp.Status, Err: err}
	}
	if w.GuildID != nil {
		a.guildID = *w.GuildID
	}
	a.known = true
	return a.guildID, nil
}

// threadFor says where a message goes: into the thread its root or parent
// opened, into the configured thread, or into a new forum thread.
func (a *Adapter) threadFor(p *network.Post) (threadID, threadName string) {
	for _, r := range []*network.Ref{p.Root, p.ReplyTo} {
		if r != nil && r.Extra["thread_id"] != "" {
			return r.Extra["thread_id"], ""
		}
	}
	if a.threadID != "" {
		return a.threadID, ""
	}
	if a.forum {
		return "", truncate(headline(p), threadNameMax)
	}
	return "", ""
}

// messageURL is the address people open, when the server is known.
func messageURL(guild, channel, id string) string {
	if guild == "" || channel == "" || id == "" {
		return ""
	}
	return webURL + guild + "/" + channel + "/" + id
}

func threadQuery(ref network.Ref) url.Values {
	if t := ref.Extra["thread_id"]; t != "" {
		return url.Values{"thread_id": {t}}
	}
	return nil
}

func withQuery(u string, q url.Values) string {
	if len(q) == 0 {
		return u
	}
	return u + "?" + q.Encode()
}

var (
	_ network.Adapter = (*Adapter)(nil)
	_ network.Editor  = (*Adapter)(nil)
)
