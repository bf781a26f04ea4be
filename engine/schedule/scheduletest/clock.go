// Package scheduletest provides a manual clock for the scheduler's tests:
// time moves only when the test advances it, and advancing fires every timer
// that falls due, earliest first, so a week of schedule runs in milliseconds
// and always in the same order.
package scheduletest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is a manual schedule.Clock. Safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	seq     int
	timers  []*timer
	changed chan struct{} // closed and replaced whenever timers change
}

type timer struct {
	at  time.Time
	seq int
	ch  chan time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock {
	return &Clock{now: t, changed: make(chan struct{})}
}

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Timer returns a channel that receives the clock's time once the clock has
// been advanced by d or more, and a function that stops the timer. A timer
// of d <= 0 fires at once.
func (c *Clock) Timer(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch, func() {}
	}
	c.seq++
	t := &timer{at: c.now.Add(d), seq: c.seq, ch: ch}
	c.timers = append(c.timers, t)
	c.notifyLocked()
	return ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if i := slices.Index(c.timers, t); i >= 0 {
			c.timers = slices.Delete(c.timers, i, i+1)
			c.notifyLocked()
		}
	}
}

func (c *Clock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Pending returns how many timers wait to fire.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Next returns when the earliest pending timer fires.
func (c *Clock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	next := c.timers[0].at
	for _, t := range c.timers[1:] {
		if t.at.Before(next) {
			next = t.at
		}
	}
	return next, true
}

// Advance moves the clock forward by d and fires the timers that fall due.
func (c *Clock) Advance(d time.Duration) { c.AdvanceTo(c.Now().Add(d)) }

// AdvanceTo moves the clock to t (never backwards) and fires the timers due
// at or before t, earliest first (then in creation order), each receiving
// its own due time.
func (c *Clock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	var due, left []*timer
	for _, tm := range c.timers {
		if tm.at.After(c.now) {
			left = append(left, tm)
		} else {
			due = append(due, tm)
		}
	}
	if len(due) == 0 {
		return
	}
	slices.SortFunc(due, func(a, b *timer) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, tm := range due {
		tm.ch <- tm.at
	}
	c.timers = left
	c.notifyLocked()
}

// BlockUntil waits until at least n timers are pending, or ctx is done.
// Tests use it to know that every scheduler under test is asleep before they
// advance the clock.
func (c *Clock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		if len(c.timers) >= n {
			c.mu.Unlock()
			return nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
