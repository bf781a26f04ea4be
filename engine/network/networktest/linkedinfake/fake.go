// Package linkedinfake is a fake LinkedIn versioned API for tests: a real
// HTTP server on 127.0.0.1 that follows LinkedIn's Rest.li contract for
// what clairon uses — the Posts API (create, get, find by author, partial
// update, delete), the Images API's initializeUpload and upload URL, social
// actions (summaries, comments, likes) and organization share statistics.
// It requires the LinkedIn-Version and X-Restli-Protocol-Version headers and
// a bearer token, expects URNs percent-encoded in paths and queries, answers
// 201 with the new post's URN in x-restli-id, refuses duplicate content with
// 422 DUPLICATE_POST naming the existing post (deleted ones too, for 48
// hours, as LinkedIn does), and implements networktest.Fake.
package linkedinfake

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

// The accounts the fake knows, and its credential.
const (
	Token        = "linkedinfake-access-token-AQXdSP"
	Organization = "urn:li:organization:5515715"
	Person       = "urn:li:person:xv4Kq2Z9aB"
)

// DefaultStart is the clock's first reading unless told otherwise: four
// minutes before midnight UTC, when LinkedIn's daily limits reset, so that a
// rate-limited client waits minutes rather than hours.
var DefaultStart = time.Date(2026, time.March, 2, 23, 56, 0, 0, time.UTC)

// duplicateWindow is how long LinkedIn refuses content it has seen.
const duplicateWindow = 48 * time.Hour

// Options configure a Fake.
type Options struct {
	// Author is the URN the token may post as (default Organization).
	Author string
	// Start is the clock's first reading (default DefaultStart).
	Start time.Time
}

// Request is one request the fake received, for tests that assert shapes.
type Request struct {
	Method string
	Path   string // as sent, percent-encoding kept
	Query  string
	Header http.Header
	Body   []byte
}

// Fake is a running fake LinkedIn server.
type Fake struct {
	srv    *httptest.Server
	mux    *http.ServeMux
	author string
	done   chan struct{}

	mu       sync.Mutex
	clock    *networktest.Clock
	seq      int64
	posts    []*post
	byURN    map[string]*post
	images   map[string]*image // by URN
	uploads  map[string]string // upload token → image URN
	faults   []networktest.Fault
	writes   int
	requests []Request
}

// post is a stored post.
type post struct {
	urn        string
	author     string
	commentary string
	visibility string
	lifecycle  string
	images     []imageRef
	created    time.Time
	modified   time.Time
	deleted    bool
	edited     bool
	comments   []social
	likes      []social
	stats      stats
}

type imageRef struct {
	URN string
	Alt string
}

// social is a comment or a like.
type social struct {
	id    string
	actor string
	text  string
	at    time.Time
}

// stats are an organization post's share statistics.
type stats struct {
	impressions, unique, clicks, shares int64
}

// image is an image registered with initializeUpload.
type image struct {
	urn   string
	owner string
	data  []byte
}

var _ networktest.Fake = (*Fake)(nil)

// New starts a fake on 127.0.0.1. Stop it with Close.
func New(opts Options) *Fake {
	if opts.Author == "" {
		opts.Author = Organization
	}
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	f := &Fake{
		author:  opts.Author,
		done:    make(chan struct{}),
		clock:   networktest.NewClock(opts.Start),
		seq:     7141138937766391808,
		byURN:   map[string]*post{},
		images:  map[string]*image{},
		uploads: map[string]string{},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("linkedinfake: listen: %v", err))
	}
	f.mux = f.routes()
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Listener = ln
	f.srv.Start()
	return f
}

// URL is the server's base URL (the adapter's "api" setting).
func (f *Fake) URL() string { return f.srv.URL }

// Author is the URN the fake lets the token post as.
func (f *Fake) Author() string { return f.author }

// Config returns an adapter configuration for this fake.
func (f *Fake) Config() network.Config {
	return network.Config{
		Account:    "brand-linkedin",
		Network:    "linkedin",
		Settings:   map[string]string{"api": f.srv.URL, "author": f.author},
		Secrets:    map[string]string{"token": Token},
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		Now:        f.Now,
	}
}

// Now reads the fake clock.
func (f *Fake) Now() time.Time { return f.clock.Now() }

// Advance moves the fake clock forward.
func (f *Fake) Advance(d time.Duration) { f.clock.Advance(d) }

// Messages returns the author's posts, deleted ones excluded, in creation
// order.
func (f *Fake) Messages() []networktest.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []networktest.Message
	for _, p := range f.posts {
		if p.deleted || p.author != f.author {
			continue
		}
		m := networktest.Message{ID: p.urn, Text: p.commentary, At: p.created}
		for _, im := range p.images {
			m.Media = append(m.Media, im.Alt)
		}
		out = append(out, m)
	}
	return out
}

// Writes counts creates, updates and deletes that took effect.
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

// RetryAfter is the wait an injected RateLimit asks for: LinkedIn's daily
// limits reset at midnight UTC and it says nothing more.
func (f *Fake) RetryAfter() time.Duration {
	now := f.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC).Sub(now)
}

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

// Comment stores a comment by actor on post urn and returns its id.
func (f *Fake) Comment(urn, actor, text string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byURN[urn]
	if p == nil {
		return ""
	}
	f.seq++
	id := strconv.FormatInt(f.seq, 10)
	p.comments = append(p.comments, social{id: id, actor: actor, text: text, at: f.clock.Now()})
	return id
}

// Like records that actor liked post urn.
func (f *Fake) Like(urn, actor string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.byURN[urn]; p != nil {
		p.likes = append(p.likes, social{actor: actor, at: f.clock.Now()})
	}
}

// SetStatistics sets an organization post's share statistics.
func (f *Fake) SetStatistics(urn string, impressions, unique, clicks, shares int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.byURN[urn]; p != nil {
		p.stats = stats{impressions, unique, clicks, shares}
	}
}

// ImageData returns the bytes uploaded for image urn, nil if none.
func (f *Fake) ImageData(urn string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if im := f.images[urn]; im != nil {
		return slices.Clone(im.data)
	}
	return nil
}

// StorePost stores a post directly, as if published earlier (by another
// tool, or before a crash), created at the clock's time less age.
func (f *Fake) StorePost(commentary string, age time.Duration) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.storeLocked(commentary, nil)
	p.created = p.created.Add(-age)
	p.modified = p.created
	return p.urn
}

// storeLocked stores a new post by the author at the clock's time.
func (f *Fake) storeLocked(commentary string, images []imageRef) *post {
	f.seq += 1 + int64(len(f.posts)%5)
	p := &post{
		urn:        "urn:li:share:" + strconv.FormatInt(f.seq, 10),
		author:     f.author,
		commentary: commentary,
		visibility: "PUBLIC",
		lifecycle:  "PUBLISHED",
		images:     images,
		created:    f.clock.Now(),
		modified:   f.clock.Now(),
	}
	f.posts = append(f.posts, p)
	f.byURN[p.urn] = p
	return p
}
