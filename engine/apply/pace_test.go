package apply_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/mastodon"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/telegramfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/xfake"
	"github.com/clairon-dev/clairon/engine/network/telegram"
	"github.com/clairon-dev/clairon/engine/network/x"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/state"
)

const paceConfig = `timezone: Europe/Paris
accounts:
  masto:
    network: mastodon
    server: https://mastodon.test
    token: env:MASTO_TOKEN
  oiseau:
    network: x
    handle: "@clairon"
    token: env:X_TOKEN
  canal:
    network: telegram
    chat_id: "@clairon_canal"
    token: env:TELEGRAM_TOKEN
`

// paced is one rate-limited network of the pace run: its fake, on a clock
// of its own (the accounts are worked on at once, each waiting on its own
// time), and the limit it enforces.
type paced struct {
	name   string
	fake   networktest.Fake
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	build  func(network.Config) (network.Adapter, error)
	limit  int
	window time.Duration
	// fixed windows count from the fake's start; otherwise the window
	// slides (Telegram's flood control) and is measured from the first
	// message.
	origin  time.Time
	limited *counter
}

// counter notes when, on the network's clock, a 429 was answered.
type counter struct {
	mu   sync.Mutex
	next http.RoundTripper
	now  func() time.Time
	at   []time.Time
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		c.mu.Lock()
		c.at = append(c.at, c.now())
		c.mu.Unlock()
	}
	return resp, err
}

func (c *counter) times() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.at...)
}

// paceResult is one network's figures.
type paceResult struct {
	name       string
	published  int
	throughput float64 // published in whole windows over what they allow
	limited    int     // 429s
	most       int     // the most 429s in one window
	windows    int     // whole windows the run spanned
	span       time.Duration
}

// paceRun publishes n posts spread over three networks that enforce their
// real rate limits (Mastodon: 30 statuses per 18 minutes, a tenth of its
// 300 per 3 hours, so the declared rate overstates the burst and the pacer
// must learn it from the first 429; X: 100 posts per 15 minutes; Telegram:
// 20 messages per minute), through apply with the adapters wrapped as the
// CLI wraps them, on manual clocks. It returns each network's figures.
func paceRun(tb testing.TB, n int) []paceResult {
	tb.Helper()
	start := networktest.Start
	mclock, tclock := networktest.NewClock(start), networktest.NewClock(start)
	xf := xfake.New(xfake.Options{Start: start})
	nets := []*paced{
		{name: "masto", fake: mastodonfake.New(mastodonfake.Options{Clock: mclock, StatusLimit: 30, StatusWindow: 18 * time.Minute}),
			now: mclock.Now, sleep: mclock.Sleep, build: mastodon.New, limit: 30, window: 18 * time.Minute, origin: start},
		{name: "oiseau", fake: xf, now: xf.Now, build: x.New, limit: 100, window: 15 * time.Minute, origin: start,
			sleep: func(ctx context.Context, d time.Duration) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				xf.Advance(d)
				return nil
			}},
		{name: "canal", fake: telegramfake.New(telegramfake.WithClock(tclock.Now), telegramfake.WithFloodLimit(20)),
			now: tclock.Now, sleep: tclock.Sleep, build: telegram.New, limit: 20, window: time.Minute},
	}
	byName := map[string]*paced{}
	for _, p := range nets {
		tb.Cleanup(p.fake.Close)
		p.limited = &counter{next: http.DefaultTransport.(*http.Transport).Clone(), now: p.now}
		byName[p.name] = p
	}
	adapter := func(name string) (network.Adapter, error) {
		p := byName[name]
		cfg := p.fake.Config()
		cfg.Account, cfg.Now = name, p.now
		cfg.HTTPClient = &http.Client{Transport: p.limited, Timeout: 30 * time.Second}
		a, err := p.build(cfg)
		if err != nil {
			return nil, err
		}
		// Long enough waits for a run to go through many windows.
		a = network.WithRateLimit(a, network.RateLimitOptions{Now: p.now, Sleep: p.sleep, MaxWait: 24 * time.Hour})
		return network.WithRetry(a, network.RetryOptions{Now: p.now, Sleep: p.sleep, Budget: 24 * time.Hour, Rand: func() float64 { return 0.5 }}), nil
	}

	fsys := fstest.MapFS{"clairon.yaml": {Data: []byte(paceConfig)}}
	for i := range n {
		acc := nets[i%len(nets)].name
		fsys[fmt.Sprintf("posts/b%04d.md", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("---\nid: b%04d\nto: [%s]\n---\n\nArrivage numéro %d de la semaine.\n", i, acc, i))}
	}
	repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
	if err != nil || ds.HasErrors() {
		tb.Fatalf("load: %v %v", err, ds)
	}
	caps := map[string]network.Capabilities{}
	for _, p := range nets {
		a, err := adapter(p.name)
		if err != nil {
			tb.Fatal(err)
		}
		caps[p.name] = a.Capabilities()
	}
	capsOf := render.Capabilities(func(acc string) (network.Capabilities, bool) { c, ok := caps[acc]; return c, ok })
	engineClock := networktest.NewClock(start)
	store := state.NewMemStore(strings.NewReader(strings.Repeat("pace", 16)))
	snap, _ := store.Read(context.Background())
	p, ds := plan.Make(plan.Input{Repo: repo, Caps: capsOf, Snapshot: snap, Now: engineClock.Now()})
	if ds.HasErrors() {
		tb.Fatalf("plan: %v", ds)
	}
	eng := &apply.Engine{Store: store, Adapter: adapter, Repo: repo, Run: "pace", Lease: 48 * time.Hour, Now: engineClock.Now,
		Ticker: func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }}
	rep, err := eng.Apply(context.Background(), apply.Input{Plan: p})
	if err != nil {
		tb.Fatal(err)
	}
	if !rep.OK() || rep.Count(apply.Published) != n {
		tb.Fatalf("pace run: %s", rep.Summary())
	}

	var out []paceResult
	for _, p := range nets {
		msgs := p.fake.Messages()
		limited := p.limited.times()
		r := paceResult{name: p.name, published: len(msgs), limited: len(limited)}
		origin := p.origin
		if origin.IsZero() {
			origin = msgs[0].At
		}
		per := map[int64]int{}
		for _, at := range limited {
			i := int64(at.Sub(origin) / p.window)
			per[i]++
			r.most = max(r.most, per[i])
		}
		last := msgs[len(msgs)-1].At
		r.span = last.Sub(origin)
		r.windows = int(r.span / p.window)
		if r.windows > 0 {
			end := origin.Add(time.Duration(r.windows) * p.window)
			in := 0
			for _, m := range msgs {
				if m.At.Before(end) {
					in++
				}
			}
			r.throughput = float64(in) / float64(r.windows*p.limit)
		}
		out = append(out, r)
	}
	return out
}

// TestApplyPacesRateLimitedNetworks: publishing far more than a window
// allows, apply goes at no less than 90% of each network's allowed rate and
// provokes no 429 beyond the first of a window.
func TestApplyPacesRateLimitedNetworks(t *testing.T) {
	for _, r := range paceRun(t, 1000) {
		if r.windows < 2 {
			t.Errorf("%s: the run spanned %d whole windows, too few to measure", r.name, r.windows)
		}
		if r.throughput < 0.90 {
			t.Errorf("%s: throughput %.1f%% of the allowed rate, want at least 90%%", r.name, 100*r.throughput)
		}
		if r.most > 1 {
			t.Errorf("%s: %d 429s in one window, want at most the first", r.name, r.most)
		}
		t.Logf("%s: %d published over %s (%d windows), %.1f%% of the allowed rate, %d 429s", r.name, r.published, r.span, r.windows, 100*r.throughput, r.limited)
	}
}

// BenchmarkApplyRateLimited publishes 1,000 posts over three rate-limited
// networks and reports, per network, the share of the allowed rate reached
// (on the networks' clocks) and the 429s provoked.
func BenchmarkApplyRateLimited(b *testing.B) {
	var rs []paceResult
	for b.Loop() {
		rs = paceRun(b, 1000)
	}
	for _, r := range rs {
		b.ReportMetric(100*r.throughput, "%rate-"+r.name)
		b.ReportMetric(float64(r.limited), "429s-"+r.name)
	}
}
