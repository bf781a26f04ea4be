package network

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// RateLimitOptions tunes WithRateLimit. The zero value gives the defaults.
type RateLimitOptions struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits d or until ctx is done (default SleepContext).
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxWait is the longest the wrapper waits before a call (default
	// 15 min). When the account is paused for longer, the call is not made
	// and a RateLimited error says how long remains, so the engine can move
	// on to other accounts and come back.
	MaxWait time.Duration
	// Pacer holds the account's pace. Share one Pacer between every adapter
	// built for the same account; nil means a new Pacer from the adapter's
	// Capabilities().Rate.
	Pacer *Pacer
}

// defaultPause is how long an account pauses after a 429 that did not say.
const defaultPause = time.Minute

// WithRateLimit paces one account's calls so that the network's rate limit
// is rarely met, and pauses the account after it is met:
//
//   - publishes are spaced by a sliding window of Capabilities().Rate
//     (N publishes in any window of W, plus a 2% margin for clock skew);
//   - a RateLimited error from any call pauses every call until its
//     RetryAfter has passed (a minute when it did not say);
//   - a rate-limited publish also teaches the pace: the publishes that
//     passed since the last pause, over the time from the first of them to
//     the end of the pause, become the window when they are stricter than
//     Capabilities().Rate (or when it is zero), so that later windows meet
//     no limit at all.
//
// Against a network with fixed windows this gives at least 90% of the
// allowed throughput with no 429 beyond the first per window (see the
// benchmark in ratelimit_test.go).
func WithRateLimit(a Adapter, opts RateLimitOptions) Adapter {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = SleepContext
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 15 * time.Minute
	}
	if opts.Pacer == nil {
		opts.Pacer = NewPacer(a.Capabilities().Rate)
	}
	return expose(&rateLimited{base: base{next: a}, o: opts})
}

// Pacer is one account's pace: a sliding window of recent publishes, the
// time the account is paused until, and what 429s taught. Safe for
// concurrent use.
type Pacer struct {
	mu   sync.Mutex
	rate Rate
	// recent holds the start times of the last rate.Requests publishes.
	recent []time.Time
	paused time.Time
	// burst counts the publishes since the last pause ended, the first at
	// burstStart.
	burst      int
	burstStart time.Time
}

// NewPacer returns a pacer for the given rate; a zero Rate paces nothing
// until a 429 teaches one.
func NewPacer(r Rate) *Pacer {
	if r.Requests <= 0 || r.Window <= 0 {
		r = Rate{}
	}
	return &Pacer{rate: r}
}

// Rate returns the pace in force: the configured one, or a learned one.
func (p *Pacer) Rate() Rate {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}

// window is the pacing window with its margin.
func (p *Pacer) window() time.Duration { return p.rate.Window + p.rate.Window/50 }

// reserve returns how long a call starting at now must wait. When the wait
// is at most maxWait the call is recorded at its start time; otherwise
// nothing is recorded and ok is false.
func (p *Pacer) reserve(now time.Time, publish bool, maxWait time.Duration) (wait time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := now
	if p.paused.After(at) {
		at = p.paused
	}
	if publish && p.rate.Requests > 0 && len(p.recent) >= p.rate.Requests {
		if next := p.recent[len(p.recent)-p.rate.Requests].Add(p.window()); next.After(at) {
			at = next
		}
	}
	wait = at.Sub(now)
	if wait > maxWait {
		return wait, false
	}
	if publish {
		if p.rate.Requests > 0 {
			p.recent = append(p.recent, at)
			if extra := len(p.recent) - p.rate.Requests; extra > 0 {
				p.recent = append(p.recent[:0], p.recent[extra:]...)
			}
		}
		if p.burst == 0 {
			p.burstStart = at
		}
		p.burst++
	}
	return wait, true
}

// limited records a 429 seen at now: the account pauses until now+after. A
// rate-limited publish (counted by reserve) teaches the pace.
func (p *Pacer) limited(now time.Time, after time.Duration, publish bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if after <= 0 {
		after = defaultPause
	}
	resume := now.Add(after)
	if resume.After(p.paused) {
		p.paused = resume
	}
	if !publish {
		return
	}
	if passed, span := p.burst-1, resume.Sub(p.burstStart); passed > 0 && span > 0 {
		learned := Rate{Requests: passed, Window: span}
		// A smaller window at the same long-run rate is stricter too: it
		// costs a 429 per window otherwise.
		if p.rate.Requests == 0 || stricter(learned, p.rate) || (learned.Requests < p.rate.Requests && !stricter(p.rate, learned)) {
			p.rate = learned
		}
	}
	// The network's window ends at resume: what came before no longer counts.
	p.recent = p.recent[:0]
	p.burst = 0
}

// stricter reports whether a allows fewer calls per unit of time than b.
func stricter(a, b Rate) bool {
	return float64(a.Requests)*float64(b.Window) < float64(b.Requests)*float64(a.Window)
}

type rateLimited struct {
	base
	o RateLimitOptions
}

// gate waits for the account's turn, or refuses a wait beyond MaxWait.
func (r *rateLimited) gate(ctx context.Context, op string, publish bool) error {
	wait, ok := r.o.Pacer.reserve(r.o.Now(), publish, r.o.MaxWait)
	if !ok {
		return &Error{Class: RateLimited, Network: r.next.Network(), Op: op, RetryAfter: wait,
			Err: fmt.Errorf("account paused by the rate limiter for %s", wait.Round(time.Second))}
	}
	if wait > 0 {
		if err := r.o.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: waiting for the rate limit: %w", op, err)
		}
	}
	return nil
}

// observe pauses the account when err is the network's rate limit.
func (r *rateLimited) observe(err error, publish bool) {
	var e *Error
	if errors.As(err, &e) && e.Class == RateLimited {
		r.o.Pacer.limited(r.o.Now(), e.RetryAfter, publish)
	}
}

func (r *rateLimited) Publish(ctx context.Context, p *Post) (Ref, error) {
	if err := r.gate(ctx, "publish", true); err != nil {
		return Ref{}, err
	}
	ref, err := r.next.Publish(ctx, p)
	r.observe(err, true)
	return ref, err
}

func (r *rateLimited) Delete(ctx context.Context, ref Ref) error {
	if err := r.gate(ctx, "delete", false); err != nil {
		return err
	}
	err := r.next.Delete(ctx, ref)
	r.observe(err, false)
	return err
}

func (r *rateLimited) Edit(ctx context.Context, ref Ref, p *Post) (Ref, error) {
	if err := r.gate(ctx, "edit", false); err != nil {
		return Ref{}, err
	}
	out, err := r.base.Edit(ctx, ref, p)
	r.observe(err, false)
	return out, err
}

func (r *rateLimited) Lookup(ctx context.Context, p *Post) (Ref, LookupResult, error) {
	if err := r.gate(ctx, "lookup", false); err != nil {
		return Ref{}, Unknown, err
	}
	out, res, err := r.base.Lookup(ctx, p)
	r.observe(err, false)
	return out, res, err
}

func (r *rateLimited) Metrics(ctx context.Context, ref Ref) (Metrics, error) {
	if err := r.gate(ctx, "metrics", false); err != nil {
		return Metrics{}, err
	}
	m, err := r.base.Metrics(ctx, ref)
	r.observe(err, false)
	return m, err
}

func (r *rateLimited) Followers(ctx context.Context) (int64, error) {
	if err := r.gate(ctx, "followers", false); err != nil {
		return 0, err
	}
	n, err := r.base.Followers(ctx)
	r.observe(err, false)
	return n, err
}

func (r *rateLimited) Interactions(ctx context.Context, ref Ref, kind InteractionKind, since time.Time) ([]Interaction, error) {
	if err := r.gate(ctx, "interactions", false); err != nil {
		return nil, err
	}
	out, err := r.base.Interactions(ctx, ref, kind, since)
	r.observe(err, false)
	return out, err
}
