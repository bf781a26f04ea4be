package networktest

import (
	"bytes"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// testLogging drives the adapter through LogHTTP and WithLogging, in text
// and JSON at Debug level (headers included), across successes and
// failures, and checks that no secret reaches the log in any form.
func testLogging(t *testing.T, s *rig) {
	var buf syncBuffer
	log := slog.New(slog.NewMultiHandler(
		slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
	))
	cfg := network.LogHTTP(s.cfg, log)
	inner, err := s.h.Factory(cfg)
	if err != nil {
		t.Fatalf("factory: %v", err)
	}
	a := s.retried(network.WithLogging(inner, log, network.NewRedactor(cfg.Secrets)))

	p := s.post("logged")
	ref, err := a.Publish(s.ctx, p)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	for _, f := range []Fault{Unauthorized, FailAfter, RateLimit} {
		s.fake.Inject(f)
		_, _ = a.Publish(s.ctx, s.post("logged-"+f.String()))
	}
	if l, ok := a.(network.Lookup); ok {
		_, _, _ = l.Lookup(s.ctx, p)
	}
	if m, ok := a.(network.MetricsReader); ok {
		_, _ = m.Metrics(s.ctx, ref)
	}
	if s.caps.Delete {
		_ = a.Delete(s.ctx, ref)
	}
	out := buf.String()
	NoSecrets(t, "log", out, cfg.Secrets)
	if !strings.Contains(out, "adapter call") {
		t.Error("WithLogging logged no adapter call")
	}
	if !s.h.Offline && !strings.Contains(out, "status=") {
		t.Errorf("LogHTTP logged no HTTP request: does the adapter use Config.HTTPClient?\n%s", out)
	}
}

func testDryRun(t *testing.T, s *rig) {
	a := network.WithDryRun(s.adapter, nil)
	ref, err := a.Publish(s.ctx, s.post("dry"))
	if err != nil || !network.IsDryRun(ref) || ref.IsZero() {
		t.Fatalf("dry-run publish = %+v, %v; want a synthetic ref", ref, err)
	}
	if err := a.Delete(s.ctx, ref); err != nil {
		t.Errorf("dry-run delete: %v", err)
	}
	if n := s.fake.Writes(); n != 0 {
		t.Errorf("a dry run made %d writes", n)
	}
}

// optionalSet lists the optional interfaces a implements.
func optionalSet(a network.Adapter) []string {
	var out []string
	for name, ok := range map[string]bool{
		"Editor":            isA[network.Editor](a),
		"Lookup":            isA[network.Lookup](a),
		"MetricsReader":     isA[network.MetricsReader](a),
		"FollowerCounter":   isA[network.FollowerCounter](a),
		"InteractionLister": isA[network.InteractionLister](a),
	} {
		if ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func testWrappers(t *testing.T, s *rig) {
	want := optionalSet(s.adapter)
	stacked := s.adapter
	wraps := []struct {
		name string
		wrap func(network.Adapter) network.Adapter
	}{
		{"WithRateLimit", func(a network.Adapter) network.Adapter {
			return network.WithRateLimit(a, network.RateLimitOptions{Now: s.clock.Now, Sleep: s.clock.Sleep})
		}},
		{"WithRetry", s.retried},
		{"WithLogging", func(a network.Adapter) network.Adapter { return network.WithLogging(a, nil, nil) }},
		{"WithDryRun", func(a network.Adapter) network.Adapter { return network.WithDryRun(a, nil) }},
	}
	for _, w := range wraps {
		if got := optionalSet(w.wrap(s.adapter)); !slices.Equal(got, want) {
			t.Errorf("%s exposes %v, the adapter %v", w.name, got, want)
		}
		if w.name != "WithDryRun" {
			stacked = w.wrap(stacked)
		}
	}
	if got := optionalSet(stacked); !slices.Equal(got, want) {
		t.Errorf("stacked wrappers expose %v, the adapter %v", got, want)
	}
	if network.Unwrap(stacked) != s.adapter {
		t.Error("network.Unwrap of the stacked wrappers is not the adapter")
	}
	p := s.post("wrapped")
	ref, err := stacked.Publish(s.ctx, p)
	if err != nil {
		t.Fatalf("publish through every wrapper: %v", err)
	}
	s.one(ref.ID)
}

// metricFields maps Metrics' JSON names to its fields.
func metricFields(m network.Metrics) map[string]*int64 {
	out := map[string]*int64{}
	v := reflect.ValueOf(m)
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		out[name] = v.Field(i).Interface().(*int64)
	}
	return out
}

func testMetrics(t *testing.T, s *rig) {
	ref := s.publish(s.post("metrics"))
	m, err := s.adapter.(network.MetricsReader).Metrics(s.ctx, ref)
	s.noSecrets("metrics error", err)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	var got []string
	for name, v := range metricFields(m) {
		if v != nil {
			got = append(got, name)
			if *v < 0 {
				t.Errorf("metric %s is %d", name, *v)
			}
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(s.h.Metrics))
	if !slices.Equal(got, want) {
		t.Errorf("non-nil metrics %v, the network gives %v (Harness.Metrics)", got, want)
	}
}

func testFollowers(t *testing.T, s *rig) {
	n, err := s.adapter.(network.FollowerCounter).Followers(s.ctx)
	s.noSecrets("followers error", err)
	if err != nil || n < 0 {
		t.Fatalf("followers = %d, %v", n, err)
	}
}

func testInteractions(t *testing.T, s *rig) {
	ref := s.publish(s.post("interactions"))
	l := s.adapter.(network.InteractionLister)
	for _, kind := range []network.InteractionKind{network.Reply, network.Repost, network.Like, network.Quote} {
		got, err := l.Interactions(s.ctx, ref, kind, time.Time{})
		s.noSecrets("interactions error", err)
		switch {
		case errors.Is(err, network.ErrUnsupported):
		case err != nil:
			t.Errorf("interactions %s: %v", kind, err)
		case len(got) != 0:
			t.Errorf("interactions %s on a new message: %+v, want none", kind, got)
		}
	}
}
