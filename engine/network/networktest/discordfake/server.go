// Package discordfake is a fake Discord webhook API: a real HTTP server on
// 127.0.0.1 that follows the contract of Discord's webhook endpoints (API
// v10). It executes a webhook from a JSON or multipart/form-data body
// (payload_json plus files[n], alt text in attachments[].description),
// answers wait=true with a message object, edits with v10 attachment
// semantics, deletes, opens forum threads from thread_name, refuses what
// Discord refuses with Discord's JSON error bodies and codes, and sends the
// X-RateLimit-* headers and the 429 body a client must honour.
//
// It implements networktest.Fake: faults are injected into write requests
// (execute, edit, delete), and every write that took effect is counted.
package discordfake

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// The webhook the fake serves. The token is long and opaque like Discord's,
// so that tests can prove it never leaks.
const (
	WebhookID = "1234567890123456789"
	Token     = "fakeTOKEN_s3cr3t-Xq9vJ2mZ7kLw4rT8yB1nC6hD0pF5gA3sE7uI2oK9lM4jN8bV1cX6zQ0wR5tY"
	GuildID   = "1100000000000000001"
	ChannelID = "1100000000000000002"
	// discordEpoch is the first millisecond of 2015, the origin of snowflakes.
	discordEpoch = 1420070400000
)

// Server is a running fake. Create it with New and stop it with Close.
type Server struct {
	srv        *httptest.Server
	now        func() time.Time
	retryAfter time.Duration
	forum      bool
	bucket     *bucket
	closing    chan struct{}
	closeOnce  sync.Once

	mu sync.Mutex
	networktest.FaultQueue
	writes  int
	seq     int64
	msgs    []*Stored
	threads map[string]bool
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the fake's clock (a networktest.Clock by default). Pass the
// same clock to the adapter so that rate-limit resets agree.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRetryAfter sets the wait asked for by the RateLimit fault (1.5 s by
// default: Discord's waits are fractional).
func WithRetryAfter(d time.Duration) Option { return func(s *Server) { s.retryAfter = d } }

// Forum makes the webhook's channel a forum: every message must name a new
// thread (thread_name) or an existing one (thread_id).
func Forum() Option { return func(s *Server) { s.forum = true } }

// WithBucket enforces a rate limit of limit requests per window on each
// route's bucket, by the fake's clock, answering 429 when it is empty.
// Without it the fake reports buckets that never empty.
func WithBucket(limit int, window time.Duration) Option {
	return func(s *Server) { s.bucket = &bucket{limit: limit, window: window} }
}

// New starts a fake on 127.0.0.1.
func New(opts ...Option) *Server {
	s := &Server{
		now:        networktest.NewClock(time.Time{}).Now,
		retryAfter: 1500 * time.Millisecond,
		closing:    make(chan struct{}),
		threads:    map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(s.routes())
	return s
}

// URL is the server's base URL (no path).
func (s *Server) URL() string { return s.srv.URL }

// API is the versioned API base to put in Settings["api"].
func (s *Server) API() string { return s.srv.URL + "/api/v10" }

// WebhookURL is the webhook URL as Discord shows it; the adapter takes the id
// and token from it and sends to API().
func (s *Server) WebhookURL() string {
	return "https://discord.com/api/webhooks/" + WebhookID + "/" + Token
}

// Config returns an adapter configuration pointing at the fake.
func (s *Server) Config() network.Config {
	settings := map[string]string{"api": s.API()}
	if s.forum {
		settings["forum"] = "true"
	}
	return network.Config{
		Account:  "discord-test",
		Network:  "discord",
		Settings: settings,
		Secrets:  map[string]string{"webhook": s.WebhookURL()},
		Now:      s.now,
	}
}

// Messages returns the stored messages, deleted ones excluded, in creation
// order. Webhook messages never reply to one another, so ReplyTo is empty.
func (s *Server) Messages() []networktest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []networktest.Message
	for _, m := range s.msgs {
		if m.Deleted {
			continue
		}
		msg := networktest.Message{ID: m.ID, Text: m.Content, At: m.At}
		if msg.Text == "" && len(m.Embeds) > 0 {
			msg.Text = m.Embeds[0].Description
		}
		for _, a := range m.Attachments {
			msg.Media = append(msg.Media, a.Description)
		}
		if m.Poll != nil {
			msg.Poll = append([]string(nil), m.Poll.Answers...)
		}
		out = append(out, msg)
	}
	return out
}

// Stored returns a copy of everything the fake keeps about message id,
// deleted or not.
func (s *Server) Stored(id string) (Stored, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.ID == id {
			return m.clone(), true
		}
	}
	return Stored{}, false
}

// Writes counts the writes that took effect, including those whose response
// a fault lost.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// RetryAfter is the wait the RateLimit fault asks for.
func (s *Server) RetryAfter() time.Duration { return s.retryAfter }

// Close stops the server, releasing requests held by HangAfter.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// snowflake returns a new id from the fake's clock; callers hold s.mu.
func (s *Server) snowflake() string {
	s.seq++
	ms := s.now().UnixMilli() - discordEpoch
	return fmt.Sprint(ms<<22 | (s.seq & 0xfff))
}

// bucket enforces a rate limit of limit requests per window on each
// Discord bucket (one per route group, as the X-RateLimit-Bucket header names).
type bucket struct {
	limit  int
	window time.Duration
	mu     sync.Mutex
	state  map[string]*window
}

type window struct {
	start time.Time
	used  int
}

// take spends one request from bucket id, reporting what is left and when
// the window resets, and false when the bucket was already empty.
func (b *bucket) take(id string, now time.Time) (remaining int, resetAfter time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == nil {
		b.state = map[string]*window{}
	}
	w := b.state[id]
	if w == nil {
		w = &window{}
		b.state[id] = w
	}
	if w.start.IsZero() || !now.Before(w.start.Add(b.window)) {
		w.start, w.used = now, 0
	}
	resetAfter = w.start.Add(b.window).Sub(now)
	if w.used >= b.limit {
		return 0, resetAfter, false
	}
	w.used++
	return b.limit - w.used, resetAfter, true
}

var _ networktest.Fake = (*Server)(nil)
