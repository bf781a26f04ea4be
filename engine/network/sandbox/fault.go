package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Fault is one line of the outbox's faults file: a failure the next write
// (publish, edit or delete) meets, the way a network fails.
//
//	fail-before        the write does not happen; the error is a 5xx-like, maybe written
//	fail-after         the write happens; the error is a 5xx-like, maybe written
//	drop-after         the write happens; the connection is dropped
//	hang-after [DUR]   the write happens; the call then hangs until its context
//	                   ends or DUR (default 30s) passes, and times out
//	rate-limit [DUR]   nothing happens; rate-limited, retry after DUR (default 30s)
//	unauthorized       nothing happens; an auth error
type Fault struct {
	Kind string
	Wait time.Duration
	op   string
}

// ParseFault reads one line of the faults file.
func ParseFault(line string) (Fault, error) {
	fields := strings.Fields(line)
	if len(fields) == 0 || len(fields) > 2 {
		return Fault{}, fmt.Errorf("fault %q: want a kind and an optional duration", line)
	}
	f := Fault{Kind: fields[0], Wait: 30 * time.Second}
	switch f.Kind {
	case "fail-before", "fail-after", "drop-after", "unauthorized":
		if len(fields) == 2 {
			return Fault{}, fmt.Errorf("fault %q takes no duration", f.Kind)
		}
	case "hang-after", "rate-limit":
		if len(fields) == 2 {
			d, err := time.ParseDuration(fields[1])
			if err != nil || d <= 0 {
				return Fault{}, fmt.Errorf("fault %q: bad duration %q", f.Kind, fields[1])
			}
			f.Wait = d
		}
	default:
		return Fault{}, fmt.Errorf("unknown fault %q", f.Kind)
	}
	return f, nil
}

// takeFault pops the next queued fault for a write.
func (a *Adapter) takeFault(op string) (Fault, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	line, err := popFault(a.dir)
	if err != nil {
		return Fault{}, a.fail(network.Retryable, op, fmt.Errorf("read faults: %w", err))
	}
	if line == "" {
		return Fault{op: op}, nil
	}
	f, err := ParseFault(line)
	if err != nil {
		return Fault{}, a.fail(network.Permanent, op, err)
	}
	f.op = op
	return f, nil
}

func (f Fault) err(class network.Class, maybe bool, msg string) error {
	return &network.Error{Class: class, Network: Name, Op: f.op, MaybeWritten: maybe, Err: errors.New(msg)}
}

// before returns the error of a fault that prevents the write.
func (f Fault) before() error {
	switch f.Kind {
	case "fail-before":
		return &network.Error{Class: network.Retryable, Network: Name, Op: f.op, Status: 500, MaybeWritten: true,
			Err: errors.New("injected failure (before the write)")}
	case "rate-limit":
		return &network.Error{Class: network.RateLimited, Network: Name, Op: f.op, Status: 429, RetryAfter: f.Wait,
			Err: errors.New("injected rate limit")}
	case "unauthorized":
		return &network.Error{Class: network.Auth, Network: Name, Op: f.op, Status: 401, Err: errors.New("injected auth failure")}
	}
	return nil
}

// after returns the error of a fault that loses the outcome of a write
// that happened.
func (f Fault) after(ctx context.Context) error {
	switch f.Kind {
	case "fail-after":
		return &network.Error{Class: network.Retryable, Network: Name, Op: f.op, Status: 500, MaybeWritten: true,
			Err: errors.New("injected failure (after the write)")}
	case "drop-after":
		return f.err(network.Retryable, true, "injected dropped connection (after the write)")
	case "hang-after":
		t := time.NewTimer(f.Wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		return f.err(network.Retryable, true, "injected hang (after the write): timed out")
	}
	return nil
}
