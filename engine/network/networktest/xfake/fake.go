// Package xfake is a fake X API v2 server for tests: a real HTTP server on
// 127.0.0.1 that follows X's contract for what clairon uses — creating,
// editing and deleting posts (threads, polls, media), one-shot and chunked
// media uploads with processing and alt text, post lookup, the user
// timeline, recent search, likes, reposts and quotes — with X's problem+json
// error bodies, its duplicate-content refusal and its x-rate-limit-* headers.
// It checks the bearer token, or verifies OAuth 1.0a HMAC-SHA1 signatures by
// recomputing them, and implements networktest.Fake.
package xfake

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// The account the fake serves, and its credentials.
const (
	UserID         = "1600000000000000001"
	Username       = "clairon_fr"
	Token          = "xfake-oauth2-user-token"
	ConsumerKey    = "xfake-consumer-key"
	ConsumerSecret = "xfake-consumer-secret"
	AccessToken    = "1600000000000000001-xfakeaccesstoken"
	AccessSecret   = "xfake-access-secret"
)

// retryAfter is the wait asked for by an injected RateLimit fault.
const retryAfter = 90 * time.Second

// Options configure a Fake.
type Options struct {
	// OAuth1 makes Config hand out OAuth 1.0a secrets instead of an OAuth
	// 2.0 bearer token. The server accepts both either way.
	OAuth1 bool
	// Start is the clock's first reading (default networktest.Start).
	Start time.Time
}

// Request is one request the fake received, for tests that assert shapes.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// Fake is a running fake X server.
type Fake struct {
	srv  *httptest.Server
	mux  *http.ServeMux
	opts Options
	done chan struct{}

	mu       sync.Mutex
	clock    *networktest.Clock
	nextID   uint64
	posts    []*post          // every post, in creation order
	byID     map[string]*post // by id
	users    map[string]*account
	media    map[string]*media
	faults   []networktest.Fault
	writes   int
	nonces   map[string]bool
	windows  map[string]*window
	requests []Request
	follower int64
}

// post is a stored post.
type post struct {
	id       string
	author   string // user id
	text     string // as sent
	created  time.Time
	replyTo  string
	quoteOf  string
	conv     string // conversation id: the root's id
	media    []string
	poll     []string
	pollMins int
	deleted  bool
	next     string   // the id of the edit that replaced this version
	chain    []string // edit history, oldest first (shared by the chain)
	likes    []string // user ids
	reposts  []string
	impress  int64
	rendered rendered
}

// account is a user known to the fake.
type account struct {
	id, name, username string
}

var _ networktest.Fake = (*Fake)(nil)

// New starts a fake on 127.0.0.1. Stop it with Close.
func New(opts Options) *Fake {
	if opts.Start.IsZero() {
		opts.Start = networktest.Start
	}
	f := &Fake{
		opts:    opts,
		done:    make(chan struct{}),
		clock:   networktest.NewClock(opts.Start),
		nextID:  1880000000000000000,
		byID:    map[string]*post{},
		users:   map[string]*account{UserID: {id: UserID, name: "Clairon", username: Username}},
		media:   map[string]*media{},
		nonces:  map[string]bool{},
		windows: map[string]*window{},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("xfake: listen: %v", err))
	}
	f.mux = f.routes()
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Listener = ln
	f.srv.Start()
	return f
}

// URL is the server's base URL.
func (f *Fake) URL() string { return f.srv.URL }

// Config returns an adapter configuration for this fake.
func (f *Fake) Config() network.Config {
	secrets := map[string]string{"token": Token}
	if f.opts.OAuth1 {
		secrets = map[string]string{
			"consumer_key":    ConsumerKey,
			"consumer_secret": ConsumerSecret,
			"access_token":    AccessToken,
			"access_secret":   AccessSecret,
		}
	}
	return network.Config{
		Account:    "brand-x",
		Network:    "x",
		Settings:   map[string]string{"api": f.srv.URL, "handle": Username},
		Secrets:    secrets,
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		Now:        f.Now,
	}
}

// Now reads the fake clock.
func (f *Fake) Now() time.Time { return f.clock.Now() }

// Advance moves the fake clock forward.
func (f *Fake) Advance(d time.Duration) { f.clock.Advance(d) }

// Messages returns the account's current posts (the latest version of each
// edited post, deleted ones excluded) in creation order.
func (f *Fake) Messages() []networktest.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []networktest.Message
	for _, p := range f.posts {
		if p.author != UserID || p.deleted || (len(p.chain) > 0 && p.chain[0] != p.id) {
			continue
		}
		cur := p
		for cur.next != "" {
			cur = f.byID[cur.next]
		}
		if cur.deleted {
			continue
		}
		m := networktest.Message{ID: cur.id, Text: cur.text, ReplyTo: cur.replyTo, At: cur.created}
		for _, id := range cur.media {
			m.Media = append(m.Media, f.media[id].alt)
		}
		m.Poll = slices.Clone(cur.poll)
		out = append(out, m)
	}
	return out
}

// Writes counts creates, edits and deletes that took effect.
func (f *Fake) Writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

// Inject queues a fault for the next write request.
func (f *Fake) Inject(fault networktest.Fault) {
	f.mu.Lock()
	f.faults = append(f.faults, fault)
	f.mu.Unlock()
}

// RetryAfter is the wait an injected RateLimit fault asks for.
func (f *Fake) RetryAfter() time.Duration { return retryAfter }

// Requests returns the requests received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// Close stops the server, releasing requests held by a HangAfter fault.
func (f *Fake) Close() {
	select {
	case <-f.done:
	default:
		close(f.done)
	}
	f.srv.CloseClientConnections()
	f.srv.Close()
}

// SetFollowers sets the account's follower count.
func (f *Fake) SetFollowers(n int64) {
	f.mu.Lock()
	f.follower = n
	f.mu.Unlock()
}

// SetImpressions sets a post's impression count.
func (f *Fake) SetImpressions(id string, n int64) {
	f.mu.Lock()
	if p := f.byID[id]; p != nil {
		p.impress = n
	}
	f.mu.Unlock()
}

// Reply stores a reply by another account (created if new) to post to, and
// returns its id.
func (f *Fake) Reply(to, username, text string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.userLocked(username)
	return f.storeLocked(u.id, text, to, "", nil, nil, 0).id
}

// Quote stores a quote of post of by another account and returns its id.
func (f *Fake) Quote(of, username, text string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.userLocked(username)
	return f.storeLocked(u.id, text, "", of, nil, nil, 0).id
}

// Like records that another account liked post id.
func (f *Fake) Like(id, username string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.byID[id]; p != nil {
		p.likes = append(p.likes, f.userLocked(username).id)
	}
}

// Repost records that another account reposted post id.
func (f *Fake) Repost(id, username string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.byID[id]; p != nil {
		p.reposts = append(p.reposts, f.userLocked(username).id)
	}
}

// userLocked returns the account named username, creating it.
func (f *Fake) userLocked(username string) *account {
	for _, u := range f.users {
		if u.username == username {
			return u
		}
	}
	f.nextID++
	id := strconv.FormatUint(f.nextID%1_000_000_000_000+1_000_000, 10)
	u := &account{id: id, name: username, username: username}
	f.users[id] = u
	return u
}

// newIDLocked returns a fresh snowflake-like id.
func (f *Fake) newIDLocked() string {
	f.nextID += 1 + uint64(len(f.posts))%7
	return strconv.FormatUint(f.nextID, 10)
}

// storeLocked stores a new post at the clock's time.
func (f *Fake) storeLocked(author, text, replyTo, quoteOf string, mediaIDs, poll []string, pollMins int) *post {
	p := &post{
		id:       f.newIDLocked(),
		author:   author,
		text:     text,
		created:  f.clock.Now(),
		replyTo:  replyTo,
		quoteOf:  quoteOf,
		media:    mediaIDs,
		poll:     poll,
		pollMins: pollMins,
	}
	p.conv = p.id
	if parent := f.byID[replyTo]; parent != nil {
		p.conv = parent.conv
	}
	p.chain = []string{p.id}
	key := ""
	if len(mediaIDs) > 0 {
		if m := f.media[mediaIDs[0]]; m != nil {
			key = m.key
		}
	}
	p.rendered = render(text, key, p.id)
	f.posts = append(f.posts, p)
	f.byID[p.id] = p
	return p
}

// latestLocked follows an edit chain to its current version.
func (f *Fake) latestLocked(p *post) *post {
	for p.next != "" {
		p = f.byID[p.next]
	}
	return p
}

// visibleLocked reports whether p is a current, undeleted version.
func (f *Fake) visibleLocked(p *post) bool {
	return !p.deleted && p.next == ""
}
