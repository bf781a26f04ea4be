package network

import (
	"context"
	"math/rand/v2"
	"time"
)

// RetryOptions tunes WithRetry. The zero value gives the defaults.
type RetryOptions struct {
	// Attempts is the most calls made for one operation, the first included
	// (default 5).
	Attempts int
	// Base is the first backoff (default 1s); each retry doubles it up to
	// Max (default 1 min). The wait is drawn in [d/2, d) (equal jitter).
	Base, Max time.Duration
	// Budget bounds one operation's total time, waits included (default
	// 10 min). A wait that would end past it is not taken: the error is
	// returned instead.
	Budget time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits d or until ctx is done (default: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for the jitter (default math/rand/v2).
	Rand func() float64
}

func (o RetryOptions) withDefaults() RetryOptions {
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.Base <= 0 {
		o.Base = time.Second
	}
	if o.Max <= 0 {
		o.Max = time.Minute
	}
	if o.Budget <= 0 {
		o.Budget = 10 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = SleepContext
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	return o
}

// SleepContext waits d, or returns ctx.Err() as soon as ctx is done.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WithRetry retries calls that failed with a Retryable or RateLimited error,
// with exponential backoff and jitter, waiting a rate limit's RetryAfter,
// within a bounded number of attempts and a time budget, and never past the
// context's deadline. Permanent and Auth errors are returned at once.
//
// A publish whose error is MaybeWritten may already exist on the network, so
// it is retried only when a retry cannot duplicate it:
//   - when the adapter is a Lookup, it is asked first: Found ends the publish
//     with the existing message's Ref; Absent makes a retry safe; Unknown (or
//     a failed lookup) falls to the next rule;
//   - when Capabilities().Idempotency is IdempotencyRecordKey, or is
//     IdempotencyKey and the adapter cannot look up, the retry carries the
//     same key, which the network deduplicates;
//   - otherwise the error is returned, so the engine reconciles the claim.
//
// Asking Lookup before trusting the key protects against servers that accept
// an idempotency key but ignore it; when the lookup cannot answer, such a
// key is not trusted either. A record key cannot be ignored: it is the
// message's identity, and a second create fails. Edits and deletes are retried even when
// they may have taken effect: applying either twice has the same result.
func WithRetry(a Adapter, opts RetryOptions) Adapter {
	return expose(&retrying{base: base{next: a}, o: opts.withDefaults()})
}

type retrying struct {
	base
	o RetryOptions
}

// wait returns how long to wait before attempt+1 after err, and false when
// no retry may follow.
func (r *retrying) wait(ctx context.Context, err error, attempt int, start time.Time) (time.Duration, bool) {
	if ctx.Err() != nil || attempt >= r.o.Attempts {
		return 0, false
	}
	var d time.Duration
	switch ClassOf(err) {
	case RateLimited:
		d = RetryAfter(err)
		if d <= 0 {
			d = r.backoff(attempt)
		}
	case Retryable:
		d = r.backoff(attempt)
	default:
		return 0, false
	}
	now := r.o.Now()
	if now.Add(d).Sub(start) > r.o.Budget {
		return 0, false
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
		return 0, false
	}
	return d, true
}

// backoff is the jittered exponential wait after the given attempt (1-based).
func (r *retrying) backoff(attempt int) time.Duration {
	d := r.o.Base
	for i := 1; i < attempt && d < r.o.Max; i++ {
		d *= 2
	}
	d = min(d, r.o.Max)
	return d/2 + time.Duration(r.o.Rand()*float64(d/2))
}

// do runs call until it succeeds or may not be retried.
func (r *retrying) do(ctx context.Context, call func(context.Context) error) error {
	start := r.o.Now()
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		d, ok := r.wait(ctx, err, attempt, start)
		if !ok {
			return err
		}
		if r.o.Sleep(ctx, d) != nil {
			return err
		}
	}
}

func (r *retrying) Publish(ctx context.Context, p *Post) (Ref, error) {
	lookup, canLookup := r.next.(Lookup)
	idem := r.next.Capabilities().Idempotency
	keyed := idem == IdempotencyRecordKey || (idem == IdempotencyKey && !canLookup)
	start := r.o.Now()
	for attempt := 1; ; attempt++ {
		ref, err := r.next.Publish(ctx, p)
		if err == nil {
			return ref, nil
		}
		if MaybeWritten(err) && isTransient(err) {
			safe := keyed
			if canLookup {
				found, res, lerr := lookup.Lookup(ctx, p)
				switch {
				case lerr == nil && res == Found:
					return found, nil
				case lerr == nil && res == Absent:
					safe = true
				}
			}
			if !safe {
				return Ref{}, err
			}
		}
		d, ok := r.wait(ctx, err, attempt, start)
		if !ok {
			return Ref{}, err
		}
		if r.o.Sleep(ctx, d) != nil {
			return Ref{}, err
		}
	}
}

func isTransient(err error) bool {
	c := ClassOf(err)
	return c == Retryable || c == RateLimited
}

func (r *retrying) Delete(ctx context.Context, ref Ref) error {
	return r.do(ctx, func(ctx context.Context) error { return r.base.Delete(ctx, ref) })
}

func (r *retrying) Edit(ctx context.Context, ref Ref, p *Post) (out Ref, err error) {
	err = r.do(ctx, func(ctx context.Context) (err error) { out, err = r.base.Edit(ctx, ref, p); return err })
	return out, err
}

func (r *retrying) Lookup(ctx context.Context, p *Post) (out Ref, res LookupResult, err error) {
	err = r.do(ctx, func(ctx context.Context) (err error) { out, res, err = r.base.Lookup(ctx, p); return err })
	return out, res, err
}

func (r *retrying) Metrics(ctx context.Context, ref Ref) (m Metrics, err error) {
	err = r.do(ctx, func(ctx context.Context) (err error) { m, err = r.base.Metrics(ctx, ref); return err })
	return m, err
}

func (r *retrying) Followers(ctx context.Context) (n int64, err error) {
	err = r.do(ctx, func(ctx context.Context) (err error) { n, err = r.base.Followers(ctx); return err })
	return n, err
}

func (r *retrying) Interactions(ctx context.Context, ref Ref, kind InteractionKind, since time.Time) (out []Interaction, err error) {
	err = r.do(ctx, func(ctx context.Context) (err error) {
		out, err = r.base.Interactions(ctx, ref, kind, since)
		return err
	})
	return out, err
}
