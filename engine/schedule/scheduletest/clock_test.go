package scheduletest

import (
	"context"
	"testing"
	"time"
)

var t0 = time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC)

func TestTimersFireInOrderWithTheirDueTime(t *testing.T) {
	c := NewClock(t0)
	late, _ := c.Timer(2 * time.Hour)
	early, _ := c.Timer(time.Hour)
	stopped, stop := c.Timer(30 * time.Minute)
	stop()
	if got := c.Pending(); got != 2 {
		t.Fatalf("pending = %d, want 2", got)
	}
	if next, ok := c.Next(); !ok || !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("next = %v %v, want %v", next, ok, t0.Add(time.Hour))
	}
	c.Advance(59 * time.Minute)
	select {
	case <-early:
		t.Fatal("fired early")
	default:
	}
	c.AdvanceTo(t0.Add(3 * time.Hour))
	if got := <-early; !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("early fired with %v", got)
	}
	if got := <-late; !got.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("late fired with %v", got)
	}
	select {
	case <-stopped:
		t.Error("a stopped timer fired")
	default:
	}
	if !c.Now().Equal(t0.Add(3 * time.Hour)) {
		t.Errorf("now = %v", c.Now())
	}
	c.AdvanceTo(t0) // never backwards
	if !c.Now().Equal(t0.Add(3 * time.Hour)) {
		t.Errorf("clock went back to %v", c.Now())
	}
}

func TestZeroTimerFiresAtOnce(t *testing.T) {
	c := NewClock(t0)
	ch, _ := c.Timer(0)
	if got := <-ch; !got.Equal(t0) {
		t.Errorf("got %v", got)
	}
	if c.Pending() != 0 {
		t.Error("a zero timer stays pending")
	}
}

func TestBlockUntil(t *testing.T) {
	c := NewClock(t0)
	done := make(chan error, 1)
	go func() { done <- c.BlockUntil(context.Background(), 2) }()
	c.Timer(time.Minute)
	select {
	case <-done:
		t.Fatal("returned with one timer")
	case <-time.After(10 * time.Millisecond):
	}
	c.Timer(time.Minute)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.BlockUntil(ctx, 5); err == nil {
		t.Error("BlockUntil ignored its context")
	}
}
