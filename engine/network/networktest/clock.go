package networktest

import (
	"context"
	"sync"
	"time"
)

// Start is the instant every Clock starts at unless told otherwise: a fixed
// time, so fakes and suites are deterministic.
var Start = time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)

// Clock is a manual clock shared by a fake server and the adapter under
// test: it moves only when told to. Its Sleep advances it instead of
// waiting, so retry and rate-limit waits cost no real time. Safe for
// concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
	// slept accumulates every duration passed to Sleep.
	slept []time.Duration
}

// NewClock returns a clock reading t (Start when zero).
func NewClock(t time.Time) *Clock {
	if t.IsZero() {
		t = Start
	}
	return &Clock{now: t}
}

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleep advances the clock by d at once, unless ctx is already done. It has
// the signature of network.RetryOptions.Sleep.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.slept = append(c.slept, d)
	return nil
}

// Slept returns every wait passed to Sleep, in order.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}
