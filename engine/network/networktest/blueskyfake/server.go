// Package blueskyfake is a fake AT Protocol PDS: a real HTTP server on
// 127.0.0.1 that follows the XRPC contract of the methods a Bluesky client
// publishes and reads with. It opens and refreshes sessions with app
// passwords, creates, reads and deletes app.bsky.feed.post records under
// client-chosen TID record keys (a duplicate key answers 500, as real PDSes
// do), stores blobs, resolves handles, and answers the AppView reads that a
// PDS proxies (posts, profiles, likes, reposts, quotes, threads). Errors are
// XRPC bodies {"error","message"}, and every answer carries the RateLimit-*
// headers.
//
// It implements networktest.Fake: faults are injected into write requests
// (createRecord, deleteRecord), and every write that took effect is counted.
// Every request is recorded so tests can check its exact shape.
package blueskyfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// The account the adapter under test publishes as. The password has the
// shape of an app password, and appears in no answer.
const (
	Handle   = "clairon.test"
	Password = "k7xq-4mzt-p2wn-9hbd"
)

// Limits the fake enforces, as a PDS and the post lexicon do.
const (
	maxGraphemes   = 300
	maxTextBytes   = 3000
	maxImages      = 4
	maxImageBytes  = 2_000_000
	maxBlobUpload  = 5_000_000
	maxLangs       = 3
	maxPageLimit   = 100
	defaultLimit   = 50
	rateLimit      = 3000
	rateWindow     = 5 * time.Minute
	maxGetPostURIs = 25
)

var _ networktest.Fake = (*Server)(nil)

// Server is a running fake. Create it with New and stop it with Close.
type Server struct {
	srv        *httptest.Server
	now        func() time.Time
	retryAfter time.Duration
	maxPage    int
	closing    chan struct{}
	closeOnce  sync.Once

	mu        sync.Mutex
	faults    []networktest.Fault
	writes    int
	seq       int
	main      string // the DID of Handle
	accounts  map[string]*account
	handles   map[string]string // handle → DID
	tokens    map[string]*token
	records   []*record
	byURI     map[string]*record
	blobs     map[string]blob
	likes     map[string][]interaction
	reposts   map[string][]interaction
	requests  []Request
	rateCount map[int64]int
}

type account struct {
	did, handle, password string
	followers             int64
}

type token struct {
	did     string
	refresh bool
	expired bool
	revoked bool
}

type blob struct {
	mime string
	size int
}

type interaction struct {
	did string
	at  time.Time
}

// Request is one request the fake received.
type Request struct {
	Method string
	// NSID is the XRPC method, such as "com.atproto.repo.createRecord".
	NSID   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the fake's clock (a networktest.Clock at networktest.Start
// by default). Config passes the same clock to the adapter, so that
// RateLimit-Reset and the adapter's reading of it agree.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRetryAfter sets the wait asked for by the RateLimit fault (30 s by
// default; PDS resets are whole epoch seconds).
func WithRetryAfter(d time.Duration) Option { return func(s *Server) { s.retryAfter = d } }

// WithMaxPage caps the page size of paginated reads below the client's
// limit, so that tests can follow cursors over a few items.
func WithMaxPage(n int) Option { return func(s *Server) { s.maxPage = n } }

// New starts a fake on 127.0.0.1 with the account Handle / Password.
func New(opts ...Option) *Server {
	s := &Server{
		now:        networktest.NewClock(time.Time{}).Now,
		retryAfter: 30 * time.Second,
		maxPage:    maxPageLimit,
		closing:    make(chan struct{}),
		accounts:   map[string]*account{},
		handles:    map[string]string{},
		tokens:     map[string]*token{},
		byURI:      map[string]*record{},
		blobs:      map[string]blob{},
		likes:      map[string][]interaction{},
		reposts:    map[string][]interaction{},
		rateCount:  map[int64]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.main = s.AddAccount(Handle, Password)
	s.srv = httptest.NewServer(s.routes())
	return s
}

// URL is the PDS base URL, for Settings["api"].
func (s *Server) URL() string { return s.srv.URL }

// DID is the DID of the account Handle.
func (s *Server) DID() string { return s.main }

// Config returns an adapter configuration pointing at the fake.
func (s *Server) Config() network.Config {
	return network.Config{
		Account:  "bluesky-test",
		Network:  "bluesky",
		Settings: map[string]string{"api": s.srv.URL, "handle": Handle},
		Secrets:  map[string]string{"password": Password},
		Now:      s.now,
	}
}

// Messages returns the account's posts, deleted ones excluded, in creation
// order. ID is the AT URI, Key the record key, ReplyTo the parent's AT URI,
// Media the alt texts.
func (s *Server) Messages() []networktest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []networktest.Message
	for _, r := range s.records {
		if r.deleted || r.did != s.main {
			continue
		}
		m := networktest.Message{ID: r.uri, Text: r.post.Text, Key: r.rkey, At: r.at}
		if r.post.Reply != nil {
			m.ReplyTo = r.post.Reply.Parent.URI
		}
		for _, img := range r.images() {
			m.Media = append(m.Media, *img.Alt)
		}
		out = append(out, m)
	}
	return out
}

// Writes counts the creates and deletes that took effect.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Inject makes the next write request fail with f. Faults queue in order.
func (s *Server) Inject(f networktest.Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// RetryAfter is the wait the RateLimit fault asks for.
func (s *Server) RetryAfter() time.Duration { return s.retryAfter }

// Close stops the server, releasing requests held by HangAfter.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.srv.Close()
	})
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Record returns the stored value of the record at uri, as JSON.
func (s *Server) Record(uri string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byURI[uri]
	if !ok {
		return nil, false
	}
	return append(json.RawMessage(nil), r.value...), true
}

// ExpireAccessTokens makes every access token issued so far expired: the next
// request with one answers 400 ExpiredToken.
func (s *Server) ExpireAccessTokens() { s.expire(false) }

// ExpireRefreshTokens makes every refresh token issued so far expired.
func (s *Server) ExpireRefreshTokens() { s.expire(true) }

func (s *Server) expire(refresh bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.refresh == refresh {
			t.expired = true
		}
	}
}

// SetFollowers sets the account's follower count.
func (s *Server) SetFollowers(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[s.main].followers = n
}

// routes maps XRPC methods to handlers, behind the request log and the
// rate-limit headers.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for nsid, h := range map[string]http.HandlerFunc{
		"POST /xrpc/com.atproto.server.createSession":  s.createSession,
		"POST /xrpc/com.atproto.server.refreshSession": s.refreshSession,
		"GET /xrpc/com.atproto.identity.resolveHandle": s.resolveHandle,
		"POST /xrpc/com.atproto.repo.createRecord":     s.createRecord,
		"GET /xrpc/com.atproto.repo.getRecord":         s.getRecord,
		"POST /xrpc/com.atproto.repo.deleteRecord":     s.deleteRecord,
		"POST /xrpc/com.atproto.repo.uploadBlob":       s.uploadBlob,
		"GET /xrpc/app.bsky.feed.getPosts":             s.getPosts,
		"GET /xrpc/app.bsky.actor.getProfile":          s.getProfile,
		"GET /xrpc/app.bsky.feed.getLikes":             s.getLikes,
		"GET /xrpc/app.bsky.feed.getRepostedBy":        s.getRepostedBy,
		"GET /xrpc/app.bsky.feed.getQuotes":            s.getQuotes,
		"GET /xrpc/app.bsky.feed.getPostThread":        s.getPostThread,
		"GET /xrpc/_health":                            s.health,
	} {
		mux.HandleFunc(nsid, h)
	}
	mux.HandleFunc("/xrpc/", func(w http.ResponseWriter, r *http.Request) {
		xrpcError(w, http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBlobUpload+1))
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Method: r.Method,
			NSID:   strings.TrimPrefix(r.URL.Path, "/xrpc/"),
			Query:  r.URL.Query(),
			Header: r.Header.Clone(),
			Body:   body,
		})
		s.rateHeaders(w.Header(), 1)
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

// rateHeaders counts a request against the global limit of the current
// window and sets the RateLimit-* headers a PDS sends. Call with s.mu held.
func (s *Server) rateHeaders(h http.Header, cost int) {
	now := s.now()
	window := now.Unix() / int64(rateWindow/time.Second)
	s.rateCount[window] += cost
	reset := (window + 1) * int64(rateWindow/time.Second)
	h.Set("RateLimit-Limit", itoa(rateLimit))
	h.Set("RateLimit-Remaining", itoa(max(0, rateLimit-s.rateCount[window])))
	h.Set("RateLimit-Reset", itoa64(reset))
	h.Set("RateLimit-Policy", itoa(rateLimit)+";w="+itoa(int(rateWindow/time.Second)))
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"version": "0.4.0-fake"})
}
