package networktest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Harness describes one adapter under test for Run.
//
// A network's adapter test is one function:
//
//	func TestConformance(t *testing.T) {
//		networktest.Run(t, networktest.Harness{
//			Factory: mastodon.New,
//			NewFake: func(t *testing.T) networktest.Fake { return mastodonfake.New(mastodonfake.Options{}) },
//			Metrics: []string{"likes", "reposts", "replies", "quotes"},
//		})
//	}
type Harness struct {
	// Factory builds the adapter under test from a Config (the network's
	// registered factory).
	Factory network.Factory
	// NewFake starts a fresh fake server. Run calls it once per case, builds
	// the adapter from its Config, and closes it when the case ends.
	NewFake func(t *testing.T) Fake
	// Metrics names the Metrics fields the network gives, by their JSON
	// names: "impressions", "reach", "likes", "reposts", "replies",
	// "quotes", "bookmarks", "clicks". When the adapter is a MetricsReader,
	// exactly these must be non-nil.
	Metrics []string
	// Timeout bounds each HTTP request the adapter makes (default 1s), so
	// that a HangAfter fault ends in a timeout. Run sets it on a copy of the
	// fake's Config.HTTPClient.
	Timeout time.Duration
	// Offline says the adapter makes no HTTP request (the sandbox): the
	// logging case then expects no HTTP log line.
	Offline bool
}

// Run is the conformance suite. It runs one subtest per case below, each
// against a fresh fake, and skips (with the reason) the cases the adapter's
// Capabilities or optional interfaces say do not apply:
//
//	capabilities          Network and Capabilities are consistent; Edit == the adapter is an Editor
//	publish/plain         one message; the fake stores exactly its text; Lookup finds it
//	publish/thread        three parts, each replying to the previous one (Threads)
//	publish/media         two images with alt text (MaxMedia > 0; alt checked when AltText)
//	publish/poll          a poll of up to three options (Polls)
//	delete                deleted, gone from the fake; deleting again is not an error (Delete)
//	edit                  the text is replaced in place (Editor)
//	fault/<kind>          every Fault on a publish, through WithRetry and Lookup:
//	                      never two messages, never a silent loss (see faultCase)
//	errors/secrets        no error text carries a secret of Config.Secrets, in any form;
//	                      Edit of a missing message wraps network.ErrNotFound and
//	                      Metrics of one is an error
//	logging               LogHTTP + WithLogging at Debug: no secret in the log, and
//	                      every HTTP request logged (unless Offline)
//	dry-run               WithDryRun writes nothing and returns a synthetic Ref
//	wrappers              every wrapper keeps the adapter's optional interfaces
//	metrics               exactly Harness.Metrics are non-nil (MetricsReader)
//	followers             a count >= 0 (FollowerCounter)
//	interactions          every kind lists nothing on a new message, or says
//	                      ErrUnsupported (InteractionLister)
//
// Retries go through network.WithRetry on a manual Clock, so rate-limit
// waits cost no real time.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Factory == nil || h.NewFake == nil {
		t.Fatal("networktest: Harness needs Factory and NewFake")
	}
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			s := newRig(t, h)
			if why := c.skip(s); why != "" {
				t.Skip(why)
			}
			c.run(t, s)
		})
	}
}

// testCase is one row of the suite.
type testCase struct {
	name string
	// skip returns why the case does not apply to this adapter, or "".
	skip func(s *rig) string
	run  func(t *testing.T, s *rig)
}

// always is the skip function of cases that apply to every adapter.
func always(*rig) string { return "" }

// rig is one case's fake, adapter and clocks.
type rig struct {
	t       *testing.T
	h       Harness
	fake    Fake
	cfg     network.Config
	adapter network.Adapter
	caps    network.Capabilities
	// clock drives WithRetry's waits; it never sleeps for real.
	clock *Clock
	ctx   context.Context
	n     int
}

func newRig(t *testing.T, h Harness) *rig {
	t.Helper()
	fake := h.NewFake(t)
	t.Cleanup(fake.Close)
	cfg := fake.Config()
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	client := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		client = &c
	}
	if client.Timeout == 0 || client.Timeout > timeout {
		client.Timeout = timeout
	}
	cfg.HTTPClient = client
	a, err := h.Factory(cfg)
	if err != nil {
		t.Fatalf("factory: %v", err)
	}
	return &rig{
		t: t, h: h, fake: fake, cfg: cfg, adapter: a, caps: a.Capabilities(),
		clock: NewClock(cfg.Clock()()), ctx: t.Context(),
	}
}

// retried wraps a with WithRetry on the rig's manual clock.
func (s *rig) retried(a network.Adapter) network.Adapter {
	return network.WithRetry(a, network.RetryOptions{Now: s.clock.Now, Sleep: s.clock.Sleep, Rand: func() float64 { return 0.5 }})
}

// post returns a new message with a unique key and text. Its text uses no
// character any network's format reserves.
func (s *rig) post(label string) *network.Post {
	s.n++
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d", s.t.Name(), label, s.n))
	key := hex.EncodeToString(sum[:])
	p := &network.Post{
		Key:       key,
		Text:      fmt.Sprintf("Conformance %s %s", label, key[:10]),
		CreatedAt: s.cfg.Clock()(),
		Address:   "posts/conformance/" + label + "@test",
		Language:  "en",
	}
	if s.caps.RequiresMedia {
		p.Media = []network.Media{Image(s.caps.MediaTypes, 1, "A green square")}
	}
	return p
}

// publish publishes p with the raw adapter and fails the test on error.
func (s *rig) publish(p *network.Post) network.Ref {
	s.t.Helper()
	ref, err := s.adapter.Publish(s.ctx, p)
	s.noSecrets("publish error", err)
	if err != nil {
		s.t.Fatalf("publish %q: %v", p.Text, err)
	}
	if ref.IsZero() {
		s.t.Fatalf("publish %q returned an empty Ref", p.Text)
	}
	return ref
}

// stored returns the fake's messages whose text is text.
func (s *rig) stored(text string) []Message {
	var out []Message
	for _, m := range s.fake.Messages() {
		if m.Text == text {
			out = append(out, m)
		}
	}
	return out
}

// one returns the single stored message with id, failing otherwise.
func (s *rig) one(id string) Message {
	s.t.Helper()
	var found []Message
	for _, m := range s.fake.Messages() {
		if m.ID == id {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		s.t.Fatalf("fake stores %d messages with id %q, want 1 (all: %+v)", len(found), id, s.fake.Messages())
	}
	return found[0]
}

// noSecrets fails when err's text carries a secret of the fake's Config.
func (s *rig) noSecrets(where string, err error) {
	s.t.Helper()
	if err != nil {
		NoSecrets(s.t, where, err.Error(), s.cfg.Secrets)
	}
}

// NoSecrets fails t when text contains any of secrets' values in any form
// given by network.SecretForms (raw, URL-escaped, JSON-escaped, base64).
func NoSecrets(t testing.TB, where, text string, secrets map[string]string) {
	t.Helper()
	for name, v := range secrets {
		for _, form := range network.SecretForms(v) {
			if strings.Contains(text, form) {
				t.Errorf("%s contains secret %q (as %q)", where, name, form)
				break
			}
		}
	}
}
