package network_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// windowed is a network that allows limit publishes per fixed window,
// counted from origin, and answers a 429 with the time to the window's end.
type windowed struct {
	caps    network.Capabilities
	clock   *clock
	origin  time.Time
	limit   int
	window  time.Duration
	current int
	count   int
	// ok and limited count publishes and 429s per window.
	ok, limited map[int]int
}

func (w *windowed) Network() string                           { return "windowed" }
func (w *windowed) Capabilities() network.Capabilities        { return w.caps }
func (w *windowed) Delete(context.Context, network.Ref) error { return nil }

func (w *windowed) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	now := w.clock.Now()
	idx := int(now.Sub(w.origin) / w.window)
	if idx != w.current {
		w.current, w.count = idx, 0
	}
	if w.count >= w.limit {
		w.limited[idx]++
		end := w.origin.Add(time.Duration(idx+1) * w.window)
		return network.Ref{}, &network.Error{Class: network.RateLimited, Network: "windowed", Op: "publish", Status: 429, RetryAfter: end.Sub(now)}
	}
	w.count++
	w.ok[idx]++
	return network.Ref{ID: fmt.Sprint(w.ok[idx])}, nil
}

type paceResult struct {
	throughput float64 // publishes in the first windows over what they allow
	most429    int     // the most 429s seen in one window
	total429   int
}

// pace publishes as fast as WithRateLimit lets through windows whole
// windows of a network allowing limit per window, starting offset into the
// first window, with rate as the adapter's declared Rate.
func pace(limit int, window time.Duration, rate network.Rate, offset time.Duration, windows int) paceResult {
	c := newClock()
	w := &windowed{caps: network.Capabilities{Rate: rate}, clock: c, origin: c.Now().Add(-offset), limit: limit,
		window: window, current: -1, ok: map[int]int{}, limited: map[int]int{}}
	a := network.WithRateLimit(w, network.RateLimitOptions{Now: c.Now, Sleep: c.Sleep, MaxWait: 2 * window})
	end := w.origin.Add(time.Duration(windows) * window)
	for c.Now().Before(end) {
		if _, err := a.Publish(context.Background(), post()); err != nil && network.ClassOf(err) != network.RateLimited {
			panic(err)
		}
	}
	var r paceResult
	done := 0
	for i := range windows {
		done += w.ok[i]
		r.most429 = max(r.most429, w.limited[i])
		r.total429 += w.limited[i]
	}
	// The network allows limit in every window, the first one included
	// however late into it the run starts.
	r.throughput = float64(done) / float64(windows*limit)
	return r
}

var paceCases = []struct {
	name   string
	rate   network.Rate
	offset time.Duration
}{
	{"declared rate", network.Rate{Requests: 300, Window: 3 * time.Hour}, 0},
	{"declared rate, started mid-window", network.Rate{Requests: 300, Window: 3 * time.Hour}, 67 * time.Minute},
	{"unknown rate", network.Rate{}, 0},
	{"unknown rate, started mid-window", network.Rate{}, 67 * time.Minute},
	{"overstated rate", network.Rate{Requests: 400, Window: 3 * time.Hour}, 0},
	{"overstated rate, started mid-window", network.Rate{Requests: 400, Window: 2 * time.Hour}, 100 * time.Minute},
}

// TestRateLimitThroughput checks the pacer's target against a network with
// fixed windows of 300 statuses per 3 hours, on a manual clock: at least
// 90% of the allowed throughput, and never a second 429 in one window.
func TestRateLimitThroughput(t *testing.T) {
	for _, tc := range paceCases {
		t.Run(tc.name, func(t *testing.T) {
			r := pace(300, 3*time.Hour, tc.rate, tc.offset, 20)
			if r.throughput < 0.90 {
				t.Errorf("throughput %.1f%% of the allowed rate, want at least 90%%", 100*r.throughput)
			}
			if r.most429 > 1 {
				t.Errorf("%d 429s in one window, want at most 1", r.most429)
			}
			if tc.rate.Requests == 300 && tc.offset == 0 && r.total429 != 0 {
				t.Errorf("%d 429s with the exact rate declared, want none", r.total429)
			}
			t.Logf("throughput %.1f%%, %d 429s in all", 100*r.throughput, r.total429)
		})
	}
}

func BenchmarkRateLimitThroughput(b *testing.B) {
	for _, tc := range paceCases {
		b.Run(tc.name, func(b *testing.B) {
			var r paceResult
			for b.Loop() {
				r = pace(300, 3*time.Hour, tc.rate, tc.offset, 20)
			}
			b.ReportMetric(100*r.throughput, "%throughput")
			b.ReportMetric(float64(r.total429), "429s/20windows")
		})
	}
}

func TestRateLimitPausesAfter429(t *testing.T) {
	c := newClock()
	s := newScripted(network.IdempotencyKey, netErr(network.RateLimited, false, 90*time.Second))
	a := network.WithRateLimit(s, network.RateLimitOptions{Now: c.Now, Sleep: c.Sleep, MaxWait: time.Minute})
	if _, err := a.Publish(context.Background(), post()); network.ClassOf(err) != network.RateLimited {
		t.Fatalf("first publish: %v, want the 429", err)
	}
	// The pause (90s) is over MaxWait (1 min): refused without a call.
	_, err := a.Publish(context.Background(), post())
	if network.ClassOf(err) != network.RateLimited || network.RetryAfter(err) != 90*time.Second || s.calls != 1 {
		t.Fatalf("second publish: %v after %d calls; want a refusal asking 90s", err, s.calls)
	}
	c.Sleep(context.Background(), 45*time.Second)
	// 45s remain, within MaxWait: it waits, then calls.
	if _, err := a.Publish(context.Background(), post()); err != nil {
		t.Fatalf("third publish: %v", err)
	}
	if s.calls != 2 || c.slept[len(c.slept)-1] != 45*time.Second {
		t.Errorf("calls %d, waits %v; want 2 calls, a last wait of 45s", s.calls, c.slept)
	}
	// Reads are paused too, but not paced.
	if got := network.Unwrap(a); got != s {
		t.Error("Unwrap does not return the adapter")
	}
}

func TestPacerSharedAcrossAdapters(t *testing.T) {
	c := newClock()
	p := network.NewPacer(network.Rate{Requests: 2, Window: time.Minute})
	one := network.WithRateLimit(newScripted(network.IdempotencyKey), network.RateLimitOptions{Now: c.Now, Sleep: c.Sleep, Pacer: p})
	two := network.WithRateLimit(newScripted(network.IdempotencyKey), network.RateLimitOptions{Now: c.Now, Sleep: c.Sleep, Pacer: p})
	for _, a := range []network.Adapter{one, two, one} {
		if _, err := a.Publish(context.Background(), post()); err != nil {
			t.Fatal(err)
		}
	}
	want := time.Minute + time.Minute/50
	if len(c.slept) != 1 || c.slept[0] != want {
		t.Errorf("waits %v, want one of %v: two adapters share one account's pace", c.slept, want)
	}
}
