// Package mastodonfake is a fake Mastodon server for tests: a real HTTP
// server on 127.0.0.1 that follows Mastodon's client API contract for what
// clairon uses (statuses with Idempotency-Key, media with asynchronous
// processing, polls, threads, edits, deletes, account statuses with Link
// pagination, status source, context, favourited_by and reblogged_by),
// with Mastodon's error bodies ({"error": "…"}), its X-RateLimit-* headers
// (reset as an ISO 8601 timestamp), an optional fixed-window limit on status
// creation, a switch that ignores idempotency keys as some compatible
// servers do, and networktest's fault injection.
package mastodonfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// Options configures a fake server. The zero value is a well-behaved
// Mastodon 4 instance.
type Options struct {
	// Token is the valid access token (a fixed test token when empty).
	Token string
	// IgnoreIdempotency makes the server ignore Idempotency-Key headers.
	IgnoreIdempotency bool
	// Clock is the server's clock, also given to the adapter (a new
	// networktest.Clock when nil).
	Clock *networktest.Clock
	// RetryAfter is the wait a RateLimit fault asks for (default 5 min).
	RetryAfter time.Duration
	// MaxChars is the instance's status length limit (default 500).
	MaxChars int
	// StatusLimit statuses may be created per StatusWindow, in fixed
	// windows from the clock's start; more get a 429. 0 means no limit.
	StatusLimit  int
	StatusWindow time.Duration
	// MediaPolls is how many GET /api/v1/media/:id answer 206 before an
	// upload is processed; above 0, POST /api/v2/media answers 202.
	MediaPolls int
}

// DefaultToken is the access token a fake accepts unless told otherwise.
const DefaultToken = "mstdn-test-7Qv3Lk9Xp2Rz8Wd4Hs6Jf1Nc5Tb0Ye"

// idempotencyWindow is how long a key is remembered (Redis setex 3600).
const idempotencyWindow = time.Hour

// Server is a running fake. Safe for concurrent use.
type Server struct {
	opts  Options
	srv   *httptest.Server
	clock *networktest.Clock
	start time.Time
	done  chan struct{}
	once  sync.Once

	mu        sync.Mutex
	next      int64
	statuses  map[string]*status
	order     []string // status ids in creation order
	media     map[string]*attachment
	keys      map[string]keyEntry
	faults    []networktest.Fault
	writes    int
	followers int64
	favs      map[string][]account
	reblogs   map[string][]account
	requests  []Request
	window    struct {
		start time.Time
		count int
	}
}

// Request is one request the server received, for tests to check.
type Request struct {
	Method, Path, RawQuery string
	Header                 http.Header
	// Params holds the decoded form or JSON parameters of writes.
	Params map[string][]string
}

type keyEntry struct {
	id string
	at time.Time
}

// self is the account the token belongs to.
var self = account{ID: "109000000000000001", Username: "clairon", Acct: "clairon", DisplayName: "Clairon",
	URL: "https://mastodon.test/@clairon"}

// New starts a fake server; Close stops it.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Clock == nil {
		opts.Clock = networktest.NewClock(time.Time{})
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 5 * time.Minute
	}
	if opts.MaxChars <= 0 {
		opts.MaxChars = 500
	}
	s := &Server{
		opts: opts, clock: opts.Clock, start: opts.Clock.Now(), done: make(chan struct{}),
		next: 110000000000000000, statuses: map[string]*status{}, media: map[string]*attachment{},
		keys: map[string]keyEntry{}, favs: map[string][]account{}, reblogs: map[string][]account{},
		followers: 1234,
	}
	s.srv = httptest.NewServer(s.routes())
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// Clock returns the server's clock.
func (s *Server) Clock() *networktest.Clock { return s.clock }

// Config returns an adapter configuration for this server.
func (s *Server) Config() network.Config {
	return network.Config{
		Account:    "brand-mastodon",
		Network:    "mastodon",
		Settings:   map[string]string{"server": "mastodon.test", "api": s.srv.URL},
		Secrets:    map[string]string{"token": s.opts.Token},
		HTTPClient: s.srv.Client(),
		Now:        s.clock.Now,
	}
}

// Messages returns the account's statuses, deleted ones excluded, in
// creation order.
func (s *Server) Messages() []networktest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []networktest.Message
	for _, id := range s.order {
		st := s.statuses[id]
		if st == nil || st.deleted || st.Account.ID != self.ID {
			continue
		}
		m := networktest.Message{ID: st.ID, Text: st.text, ReplyTo: st.InReplyToID, Key: st.key, At: st.created}
		for _, a := range st.Media {
			m.Media = append(m.Media, a.Description)
		}
		if st.Poll != nil {
			for _, o := range st.Poll.Options {
				m.Poll = append(m.Poll, o.Title)
			}
		}
		out = append(out, m)
	}
	return out
}

// Writes counts status creations, edits and deletions that took effect.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Inject queues a fault for the next write request.
func (s *Server) Inject(f networktest.Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f != networktest.NoFault {
		s.faults = append(s.faults, f)
	}
}

// RetryAfter is the wait a RateLimit fault asks for.
func (s *Server) RetryAfter() time.Duration { return s.opts.RetryAfter }

// Close stops the server, ending any held request.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.srv.Close()
	})
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// SetFollowers sets the account's follower count.
func (s *Server) SetFollowers(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.followers = n
}

// Favourite records that acct favourited status id.
func (s *Server) Favourite(id, acct string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.favs[id] = append(s.favs[id], other(acct))
	if st := s.statuses[id]; st != nil {
		st.FavouritesCount++
	}
}

// Reblog records that acct boosted status id.
func (s *Server) Reblog(id, acct string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reblogs[id] = append(s.reblogs[id], other(acct))
	if st := s.statuses[id]; st != nil {
		st.ReblogsCount++
	}
}

// Reply stores a reply by acct to status id, at the clock's time, and
// returns its id.
func (s *Server) Reply(id, acct, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.newStatus(other(acct), text)
	st.InReplyToID = id
	if parent := s.statuses[id]; parent != nil {
		parent.RepliesCount++
	}
	return st.ID
}

// Status returns a copy of a stored status as the API shows it, and its
// source text.
func (s *Server) Status(id string) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statuses[id]
	if !ok || st.deleted {
		return Status{}, false
	}
	return st.Status, true
}

// other is a remote account named by its acct ("alice@example.social").
func other(acct string) account {
	h := int64(0)
	for _, c := range acct {
		h = h*31 + int64(c)
	}
	if h < 0 {
		h = -h
	}
	return account{ID: strconv.FormatInt(200000000000000000+h%100000000000000, 10), Username: acct, Acct: acct,
		URL: "https://example.social/@" + acct}
}

// writeJSON answers v as JSON with the rate-limit headers.
func (s *Server) writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers Mastodon's error body.
func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	s.writeJSON(w, code, map[string]string{"error": msg})
}

// resetFormat is how Mastodon writes X-RateLimit-Reset.
const resetFormat = "2006-01-02T15:04:05.000000Z"

// rateHeaders sets X-RateLimit-* for a window resetting at reset.
func rateHeaders(w http.ResponseWriter, limit, remaining int, reset time.Time) {
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
	w.Header().Set("X-RateLimit-Reset", reset.UTC().Format(resetFormat))
}

// rateLimited answers 429 the way Mastodon does.
func (s *Server) rateLimited(w http.ResponseWriter, limit int, reset time.Time) {
	rateHeaders(w, limit, 0, reset)
	s.fail(w, http.StatusTooManyRequests, "Too many requests")
}

func (s *Server) newID() string {
	s.next++
	return strconv.FormatInt(s.next, 10)
}

func (s *Server) String() string { return fmt.Sprintf("mastodonfake(%s)", s.srv.URL) }

type paramsKey struct{}

func withParams(ctx context.Context, p map[string][]string) context.Context {
	return context.WithValue(ctx, paramsKey{}, p)
}

func paramsOf(ctx context.Context) map[string][]string {
	p, _ := ctx.Value(paramsKey{}).(map[string][]string)
	return p
}
