package network_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

func netErr(c network.Class, maybe bool, after time.Duration) error {
	return &network.Error{Class: c, Network: "scripted", Op: "publish", MaybeWritten: maybe, RetryAfter: after, Err: errors.New("boom")}
}

func TestRetryPublish(t *testing.T) {
	retryable := netErr(network.Retryable, false, 0)
	lost := netErr(network.Retryable, true, 0)
	tests := []struct {
		name         string
		idem         network.Idempotency
		lookup       bool
		writeOnError bool
		errs         []error
		wantErr      bool
		wantCalls    int
		wantWritten  int
		wantSlept    []time.Duration
	}{
		{name: "success", idem: network.IdempotencyNone, wantCalls: 1, wantWritten: 1},
		{name: "retryable twice", idem: network.IdempotencyNone, errs: []error{retryable, retryable},
			wantCalls: 3, wantWritten: 1, wantSlept: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}},
		{name: "rate limit waits RetryAfter", idem: network.IdempotencyNone, errs: []error{netErr(network.RateLimited, false, 42*time.Second)},
			wantCalls: 2, wantWritten: 1, wantSlept: []time.Duration{42 * time.Second}},
		{name: "permanent not retried", idem: network.IdempotencyKey, errs: []error{netErr(network.Permanent, false, 0)},
			wantErr: true, wantCalls: 1},
		{name: "auth not retried", idem: network.IdempotencyKey, errs: []error{netErr(network.Auth, false, 0)},
			wantErr: true, wantCalls: 1},
		{name: "maybe written without key or lookup is returned", idem: network.IdempotencyNone, writeOnError: true,
			errs: []error{lost}, wantErr: true, wantCalls: 1, wantWritten: 1},
		{name: "maybe written with lookup mechanism but no Lookup is returned", idem: network.IdempotencyLookup, writeOnError: true,
			errs: []error{lost}, wantErr: true, wantCalls: 1, wantWritten: 1},
		{name: "maybe written with a key is retried", idem: network.IdempotencyKey, writeOnError: true,
			errs: []error{lost}, wantCalls: 2, wantWritten: 1, wantSlept: []time.Duration{750 * time.Millisecond}},
		{name: "maybe written with a record key is retried", idem: network.IdempotencyRecordKey, writeOnError: true,
			errs: []error{lost}, wantCalls: 2, wantWritten: 1, wantSlept: []time.Duration{750 * time.Millisecond}},
		{name: "maybe written and found by lookup", idem: network.IdempotencyNone, lookup: true, writeOnError: true,
			errs: []error{lost}, wantCalls: 1, wantWritten: 1},
		{name: "maybe written, absent by lookup, retried", idem: network.IdempotencyNone, lookup: true,
			errs: []error{lost}, wantCalls: 2, wantWritten: 1, wantSlept: []time.Duration{750 * time.Millisecond}},
		{name: "attempts are bounded", idem: network.IdempotencyNone, errs: []error{retryable, retryable, retryable, retryable, retryable, retryable},
			wantErr: true, wantCalls: 5, wantSlept: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second, 6 * time.Second}},
		{name: "a wait past the budget is not taken", idem: network.IdempotencyNone, errs: []error{netErr(network.RateLimited, false, 20*time.Minute)},
			wantErr: true, wantCalls: 1},
		{name: "an error that is not classed is treated as lost", idem: network.IdempotencyNone, errs: []error{errors.New("eof")},
			wantErr: true, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(tt.idem, tt.errs...)
			s.writeOnError = tt.writeOnError
			var inner network.Adapter = s
			if tt.lookup {
				inner = lookingUp{s}
			}
			c := newClock()
			a := network.WithRetry(inner, network.RetryOptions{Now: c.Now, Sleep: c.Sleep, Rand: func() float64 { return 0.5 }})
			ref, err := a.Publish(context.Background(), post())
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && ref.IsZero() {
				t.Error("success with an empty ref")
			}
			if s.calls != tt.wantCalls || s.written != tt.wantWritten {
				t.Errorf("calls %d, written %d; want %d, %d", s.calls, s.written, tt.wantCalls, tt.wantWritten)
			}
			if !slices.Equal(c.slept, tt.wantSlept) {
				t.Errorf("slept %v, want %v", c.slept, tt.wantSlept)
			}
		})
	}
}

func TestRetryBackoffIsCappedAndJittered(t *testing.T) {
	errs := make([]error, 9)
	for i := range errs {
		errs[i] = netErr(network.Retryable, false, 0)
	}
	s := newScripted(network.IdempotencyNone, errs...)
	c := newClock()
	draws := []float64{0, 0.999, 0, 0.999, 0, 0.999, 0, 0.999, 0}
	a := network.WithRetry(s, network.RetryOptions{Attempts: 10, Base: time.Second, Max: 8 * time.Second, Budget: time.Hour,
		Now: c.Now, Sleep: c.Sleep, Rand: func() float64 { d := draws[0]; draws = draws[1:]; return d }})
	if _, err := a.Publish(context.Background(), post()); err != nil {
		t.Fatal(err)
	}
	caps := []time.Duration{1, 2, 4, 8, 8, 8, 8, 8, 8}
	for i, d := range c.slept {
		hi := caps[i] * time.Second
		if d < hi/2 || d >= hi {
			t.Errorf("wait %d is %v, want in [%v, %v)", i+1, d, hi/2, hi)
		}
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	s := newScripted(network.IdempotencyNone, netErr(network.Retryable, false, 0), netErr(network.Retryable, false, 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := newClock()
	a := network.WithRetry(s, network.RetryOptions{Now: c.Now, Sleep: c.Sleep})
	if _, err := a.Publish(ctx, post()); err == nil {
		t.Fatal("want the error")
	}
	if s.calls != 1 || len(c.slept) != 0 {
		t.Errorf("calls %d, slept %v after cancel; want 1 call, no wait", s.calls, c.slept)
	}
	// A wait past the context's deadline is not taken either.
	s = newScripted(network.IdempotencyNone, netErr(network.RateLimited, false, time.Hour))
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a = network.WithRetry(s, network.RetryOptions{Budget: 2 * time.Hour, Sleep: c.Sleep})
	if _, err := a.Publish(ctx, post()); network.ClassOf(err) != network.RateLimited || s.calls != 1 {
		t.Errorf("err %v after %d calls; want the rate limit at once", err, s.calls)
	}
}

func TestRetryOtherOperations(t *testing.T) {
	c := newClock()
	fails := 2
	op := &flaky{fails: &fails}
	a := network.WithRetry(op, network.RetryOptions{Now: c.Now, Sleep: c.Sleep})
	if err := a.Delete(context.Background(), network.Ref{ID: "1"}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if op.deletes != 3 {
		t.Errorf("delete called %d times, want 3", op.deletes)
	}
}

// flaky fails its first deletes with a maybe-written error.
type flaky struct {
	scripted
	fails   *int
	deletes int
}

func (f *flaky) Delete(context.Context, network.Ref) error {
	f.deletes++
	if *f.fails > 0 {
		*f.fails--
		return netErr(network.Retryable, true, 0)
	}
	return nil
}
