package network_test

import (
	"context"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// scripted is an in-memory adapter whose publishes fail as scripted and
// which stores what succeeds, for the wrappers' tests.
type scripted struct {
	mu    sync.Mutex
	caps  network.Capabilities
	errs  []error // returned by the next publishes, in order; nil entries succeed
	calls int
	// stored maps keys to ids; written counts messages created.
	stored  map[string]string
	written int
	// writeOnError makes a scripted error still create the message.
	writeOnError bool
	lookups      int
}

func newScripted(idem network.Idempotency, errs ...error) *scripted {
	return &scripted{caps: network.Capabilities{Format: network.FormatPlain, TextLimit: 500, Idempotency: idem}, errs: errs, stored: map[string]string{}}
}

func (s *scripted) Network() string                    { return "scripted" }
func (s *scripted) Capabilities() network.Capabilities { return s.caps }

func (s *scripted) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	var err error
	if len(s.errs) > 0 {
		err, s.errs = s.errs[0], s.errs[1:]
	}
	if err != nil && !s.writeOnError {
		return network.Ref{}, err
	}
	id, ok := s.stored[p.Key]
	if !ok || s.caps.Idempotency == network.IdempotencyNone || s.caps.Idempotency == network.IdempotencyLookup {
		s.written++
		id = p.Key[:8]
		s.stored[p.Key] = id
	}
	if err != nil {
		return network.Ref{}, err
	}
	return network.Ref{ID: id}, nil
}

func (s *scripted) Delete(context.Context, network.Ref) error { return nil }

// lookingUp adds Lookup to scripted.
type lookingUp struct{ *scripted }

func (l lookingUp) Lookup(_ context.Context, p *network.Post) (network.Ref, network.LookupResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lookups++
	if id, ok := l.stored[p.Key]; ok {
		return network.Ref{ID: id}, network.Found, nil
	}
	return network.Ref{}, network.Absent, nil
}

// clock is a manual clock whose Sleep advances it.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

func post() *network.Post {
	return &network.Post{Key: "0123456789abcdef0123456789abcdef", Text: "hello"}
}
