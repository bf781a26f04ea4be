package apply_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/bluesky"
	"github.com/clairon-dev/clairon/engine/network/mastodon"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/blueskyfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/state"
)

// The accounts of the test world: a Mastodon server that honours
// Idempotency-Key, one that ignores it (as some compatible servers do), and
// a Bluesky PDS.
const (
	masto  = "masto"
	nokeys = "nokeys"
	sky    = "sky"
)

var accounts = []string{masto, nokeys, sky}

const worldConfig = `timezone: Europe/Paris
accounts:
  masto:
    network: mastodon
    server: https://mastodon.test
    token: env:MASTO_TOKEN
  nokeys:
    network: mastodon
    server: https://nokeys.test
    token: env:NOKEYS_TOKEN
  sky:
    network: bluesky
    handle: clairon.test
    password: env:SKY_PASSWORD
    repost: true
`

// worldPosts are the default posts: a single message, a thread of three,
// and a thread of two with a first comment. Every message carries a token
// {post/part} that tells which part of which post it is.
var worldPosts = map[string]string{
	"posts/solo.md": `---
id: solo
to: [masto, nokeys, sky]
---

Torréfaction du jour : Colombie Huila, notes de panela. {solo/1}
`,
	"posts/fil.md": `---
id: fil
to: [masto, nokeys, sky]
---

Du grain vert à la tasse, en trois étapes. {fil/1}

---

Le séchage, trois semaines au soleil. {fil/2}

---

La torréfaction, douze minutes au tambour. {fil/3}
`,
	"posts/note.md": `---
id: note
to: [masto, sky]
first_comment: "Les horaires de la boutique sont sur le site. {note/3}"
---

Fermeture exceptionnelle lundi. {note/1}

---

Réouverture mardi à 8 h. {note/2}
`,
}

// world is a content repository, a state store, one fake server per
// account and a manual clock shared by all of them, with apply runs made
// the way the CLI makes them (adapters wrapped in rate limiting and
// retries, replanning on conflicts).
type world struct {
	t     testing.TB
	clock *networktest.Clock
	store state.Store
	mem   *state.MemStore
	repo  *content.Repo
	posts map[string]string
	caps  render.Capabilities
	nets  map[string]*account
	lease time.Duration
	runs  int
	// refuse makes building an account's adapter fail (bad configuration).
	refuse map[string]error
	ticker func(time.Duration) (<-chan time.Time, func())
}

// account is one account's fake server and the tap its adapter talks through.
type account struct {
	name    string
	network string
	fake    networktest.Fake
	masto   *mastodonfake.Server
	sky     *blueskyfake.Server
	tap     *tap
	timeout time.Duration
}

type worldOptions struct {
	posts map[string]string
	// timeout is the HTTP client timeout (HangAfter tests).
	timeout time.Duration
	// statusLimit limits Mastodon statuses per window.
	statusLimit  int
	statusWindow time.Duration
	// retryAfter is the wait the fakes' RateLimit fault asks for.
	retryAfter time.Duration
}

func newWorld(t testing.TB, opts worldOptions) *world {
	t.Helper()
	if opts.posts == nil {
		opts.posts = worldPosts
	}
	if opts.timeout == 0 {
		opts.timeout = 30 * time.Second
	}
	if opts.retryAfter == 0 {
		opts.retryAfter = 90 * time.Second
	}
	clock := networktest.NewClock(time.Time{})
	mem := state.NewMemStore(strings.NewReader(strings.Repeat("lineage-seed", 8)))
	w := &world{t: t, clock: clock, store: mem, mem: mem, nets: map[string]*account{}, lease: 15 * time.Minute}
	w.load(opts.posts)
	w.ticker = func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	for _, name := range accounts {
		acc := &account{name: name, timeout: opts.timeout}
		switch name {
		case masto, nokeys:
			acc.network = "mastodon"
			acc.masto = mastodonfake.New(mastodonfake.Options{Clock: clock, IgnoreIdempotency: name == nokeys,
				RetryAfter: opts.retryAfter, StatusLimit: opts.statusLimit, StatusWindow: opts.statusWindow})
			acc.fake = acc.masto
		case sky:
			acc.network = "bluesky"
			acc.sky = blueskyfake.New(blueskyfake.WithClock(clock.Now), blueskyfake.WithRetryAfter(opts.retryAfter/2))
			acc.fake = acc.sky
		}
		acc.tap = &tap{next: http.DefaultTransport.(*http.Transport).Clone(), network: acc.network}
		t.Cleanup(acc.fake.Close)
		w.nets[name] = acc
	}
	capsOf := map[string]network.Capabilities{}
	for _, name := range accounts {
		a, err := w.raw(name)
		if err != nil {
			t.Fatal(err)
		}
		capsOf[name] = a.Capabilities()
	}
	w.caps = func(account string) (network.Capabilities, bool) {
		c, ok := capsOf[account]
		return c, ok
	}
	return w
}

// load replaces the content repository with these posts.
func (w *world) load(posts map[string]string) {
	w.t.Helper()
	w.posts = posts
	w.repo = w.newRepo()
}

// newRepo loads the content again: a repository of its own, as each job
// on its own machine has.
func (w *world) newRepo() *content.Repo {
	w.t.Helper()
	fsys := fstest.MapFS{"clairon.yaml": {Data: []byte(worldConfig)}}
	for p, s := range w.posts {
		fsys[p] = &fstest.MapFile{Data: []byte(s)}
	}
	repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
	if err != nil {
		w.t.Fatalf("load content: %v", err)
	}
	if ds.HasErrors() {
		w.t.Fatalf("content has errors: %v", ds)
	}
	return repo
}

// config is the account's adapter configuration: the fake's, through the tap.
func (w *world) config(name string) network.Config {
	acc := w.nets[name]
	cfg := acc.fake.Config()
	cfg.Account = name
	cfg.HTTPClient = &http.Client{Transport: acc.tap, Timeout: acc.timeout}
	cfg.Now = w.clock.Now
	return cfg
}

// raw builds the account's adapter, unwrapped.
func (w *world) raw(name string) (network.Adapter, error) {
	if w.nets[name].network == "bluesky" {
		return bluesky.New(w.config(name))
	}
	return mastodon.New(w.config(name))
}

// adapter builds the account's adapter wrapped as the CLI wraps it, on the
// manual clock.
func (w *world) adapter(name string) (network.Adapter, error) {
	if err := w.refuse[name]; err != nil {
		return nil, err
	}
	a, err := w.raw(name)
	if err != nil {
		return nil, err
	}
	a = network.WithRateLimit(a, network.RateLimitOptions{Now: w.clock.Now, Sleep: w.clock.Sleep})
	return network.WithRetry(a, network.RetryOptions{Now: w.clock.Now, Sleep: w.clock.Sleep, Rand: func() float64 { return 0.5 }}), nil
}

// plan makes a plan against the state as it is now.
func (w *world) plan() *plan.Plan {
	w.t.Helper()
	snap, err := w.store.Read(context.Background())
	if err != nil {
		w.t.Fatalf("read state: %v", err)
	}
	return w.planAt(snap)
}

func (w *world) planAt(snap *state.Snapshot) *plan.Plan {
	p, ds := plan.Make(plan.Input{Repo: w.repo, Caps: w.caps, Snapshot: snap, Now: w.clock.Now()})
	if ds.HasErrors() {
		w.t.Fatalf("plan: %v", ds)
	}
	return p
}

// engine returns an engine for a new run.
func (w *world) engine() *apply.Engine {
	w.runs++
	return &apply.Engine{
		Store: w.store, Adapter: w.adapter, Repo: w.repo, Run: "run-" + strconv.Itoa(w.runs),
		Lease: w.lease, Now: w.clock.Now, Batch: 3, Ticker: w.ticker,
	}
}

// input is a fresh plan that replans on conflicts, as `clairon apply` does.
func (w *world) input() apply.Input {
	return apply.Input{Plan: w.plan(), Replan: func(_ context.Context, snap *state.Snapshot) (*plan.Plan, error) {
		return w.planAt(snap), nil
	}}
}

// apply runs apply once with a fresh plan and fails the test on a run error.
func (w *world) apply() *apply.Report {
	w.t.Helper()
	rep, err := w.engine().Apply(context.Background(), w.input())
	if err != nil {
		w.t.Fatalf("apply: %v", err)
	}
	return rep
}

// record returns the record at post@account.
func (w *world) record(post, acc string) *state.Record {
	w.t.Helper()
	snap, err := w.store.Read(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return snap.State.Record(state.Address{Post: post, Account: acc})
}

var token = regexp.MustCompile(`\{([a-z0-9-]+)/([0-9]+)\}`)

// sent is one message found on a fake, with what its token says.
type sent struct {
	networktest.Message
	post string
	part int // from 0
}

// messages returns the messages stored on an account's fake, by token.
func (w *world) messages(name string) []sent {
	var out []sent
	for _, m := range w.nets[name].fake.Messages() {
		s := sent{Message: m, part: -1}
		if g := token.FindStringSubmatch(m.Text); g != nil {
			n, _ := strconv.Atoi(g[2])
			s.post, s.part = g[1], n-1
		}
		out = append(out, s)
	}
	return out
}

// expected returns, for every (post, account) of the content, its parts
// as rendered, and whether each is a first comment.
func (w *world) expected() map[state.Address]*render.Output {
	out := map[state.Address]*render.Output{}
	p, _ := plan.Make(plan.Input{Repo: w.repo, Caps: w.caps, Snapshot: &state.Snapshot{State: state.New()}, Now: w.clock.Now()})
	for _, ch := range p.Changes {
		if ch.Output != nil {
			out[ch.Address] = ch.Output
		}
	}
	return out
}

// problems lists every duplicate, every message no post asked for, every
// part missing or replying to the wrong message, and every record that does
// not say what the network holds. complete false allows missing posts (a
// run that is not finished), but not partial threads reported published.
func (w *world) problems(complete bool) []string {
	var out []string
	want := w.expected()
	snap, err := w.store.Read(context.Background())
	if err != nil {
		return []string{err.Error()}
	}
	for _, name := range accounts {
		byPart := map[string][]sent{}
		for _, m := range w.messages(name) {
			if m.post == "" {
				out = append(out, fmt.Sprintf("%s: message %s without a token: %q", name, m.ID, m.Text))
				continue
			}
			k := fmt.Sprintf("%s/%d", m.post, m.part)
			byPart[k] = append(byPart[k], m)
		}
		for k, ms := range byPart {
			if len(ms) > 1 {
				out = append(out, fmt.Sprintf("%s: %s published %d times", name, k, len(ms)))
			}
			post, _, _ := strings.Cut(k, "/")
			if want[state.Address{Post: post, Account: name}] == nil {
				out = append(out, fmt.Sprintf("%s: %s was never asked for", name, k))
			}
		}
		for a, o := range want {
			if a.Account != name {
				continue
			}
			rec := snap.State.Record(a)
			published := rec != nil && rec.Status == state.Published
			for i, part := range o.Parts {
				ms := byPart[fmt.Sprintf("%s/%d", a.Post, i)]
				if len(ms) == 0 {
					if complete || published {
						out = append(out, fmt.Sprintf("%s: part %d is missing", a, i+1))
					}
					continue
				}
				if i > 0 {
					parent := i - 1
					if part.FirstComment {
						parent = 0
					}
					if ps := byPart[fmt.Sprintf("%s/%d", a.Post, parent)]; len(ps) == 0 || ms[0].ReplyTo != ps[0].ID {
						out = append(out, fmt.Sprintf("%s: part %d does not reply to part %d", a, i+1, parent+1))
					}
				} else if ms[0].ReplyTo != "" {
					out = append(out, fmt.Sprintf("%s: part 1 replies to %s", a, ms[0].ReplyTo))
				}
				if published && (len(rec.Parts) != len(o.Parts) || rec.Parts[i].Ref.ID != ms[0].ID) {
					out = append(out, fmt.Sprintf("%s: the record's part %d does not name message %s", a, i+1, ms[0].ID))
				}
			}
			if complete && !published {
				status := "no record"
				if rec != nil {
					status = string(rec.Status) + " (" + rec.LastError + ")"
				}
				out = append(out, fmt.Sprintf("%s: %s, want published", a, status))
			}
		}
	}
	slices.Sort(out)
	return out
}

// mustBeDone fails the test unless every part of every post is on its
// network exactly once, correctly threaded, and recorded.
func (w *world) mustBeDone() {
	w.t.Helper()
	for _, p := range w.problems(true) {
		w.t.Error(p)
	}
}

// mustHaveNoDuplicates fails the test on any duplicate or stray message.
func (w *world) mustHaveNoDuplicates() {
	w.t.Helper()
	for _, p := range w.problems(false) {
		w.t.Error(p)
	}
}

// count returns how many messages an account's fake holds.
func (w *world) count(name string) int { return len(w.nets[name].fake.Messages()) }

// tap is the HTTP transport of an account's adapter: it counts write
// requests and lets a test act before one is sent (inject a fault, kill a
// run, run another applier) or answer reads with a failure.
type tap struct {
	next    http.RoundTripper
	network string

	mu     sync.Mutex
	writes int
	// before runs before the n-th write (from 1) is sent.
	before func(n int)
	// failReads answers every lookup read with a 503 while set.
	failReads bool
}

func (t *tap) isWrite(r *http.Request) bool {
	if t.network == "bluesky" {
		return strings.HasSuffix(r.URL.Path, "repo.createRecord") || strings.HasSuffix(r.URL.Path, "repo.deleteRecord")
	}
	return strings.HasPrefix(r.URL.Path, "/api/v1/statuses") && r.Method != http.MethodGet
}

// isLookupRead reports the reads an adapter's Lookup makes.
func (t *tap) isLookupRead(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	if t.network == "bluesky" {
		return strings.HasSuffix(r.URL.Path, "repo.getRecord")
	}
	return strings.HasSuffix(r.URL.Path, "/statuses") || strings.HasSuffix(r.URL.Path, "/source")
}

func (t *tap) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	fail := t.failReads && t.isLookupRead(r)
	var before func(int)
	n := 0
	if t.isWrite(r) {
		t.writes++
		n, before = t.writes, t.before
	}
	t.mu.Unlock()
	if fail {
		body := `{"error":"Service Unavailable"}`
		if t.network == "bluesky" {
			body = `{"error":"InternalServerError","message":"Service Unavailable"}`
		}
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1",
			ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	}
	if before != nil {
		before(n)
	}
	return t.next.RoundTrip(r)
}

// onWrite sets what runs before each write.
func (t *tap) onWrite(f func(n int)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.before = f
}

func (t *tap) setFailReads(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failReads = on
}

// outcomes returns the report's events as "post@account outcome" lines.
func outcomes(r *apply.Report) []string {
	var out []string
	for _, e := range r.Events {
		o := e.Address.String() + " " + string(e.Outcome)
		if e.Err != "" {
			o += " (" + e.Err + ")"
		}
		out = append(out, o)
	}
	slices.Sort(out)
	return out
}
