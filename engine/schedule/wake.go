package schedule

import (
	"fmt"
	"time"

	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

// Wake is the next thing the scheduler waits for.
type Wake struct {
	// At is when it is due; zero means nothing is waiting.
	At time.Time
	// What names it for people: "post noel/annonce@brand-mastodon",
	// "job reports", "claim of run … on …".
	What string
}

// IsZero reports whether nothing is waiting.
func (w Wake) IsZero() bool { return w.At.IsZero() }

// Earlier returns the earlier of w and o, ignoring zero ones; w at the same
// instant.
func (w Wake) Earlier(o Wake) Wake {
	switch {
	case o.IsZero():
		return w
	case w.IsZero(), o.At.Before(w.At):
		return o
	}
	return w
}

// NextWake returns the earliest time something in the plan or the state
// needs the scheduler: a scheduled post's time, the end of what holds a
// change back (quiet hours, a blackout, a freeze with an end, a retry
// delay), and the expiry of a claim another run holds, after which the
// address is reconciled. Changes already due are not wake-ups: the run that
// made the plan applies them.
func NextWake(p *plan.Plan, st *state.State, now time.Time) Wake {
	var w Wake
	n := 0
	add := func(at time.Time, what string) {
		if at.IsZero() || !at.After(now) {
			return
		}
		switch {
		case w.IsZero() || at.Before(w.At):
			w, n = Wake{At: at, What: what}, 1
		case at.Equal(w.At):
			n++
		}
	}
	if p != nil {
		for _, ch := range p.Changes {
			if !ch.Action.Writes() {
				continue
			}
			switch {
			case ch.Scheduled && ch.Held == "":
				add(ch.At, "post "+ch.Address.String())
			case ch.Held != "" && !ch.HeldUntil.IsZero():
				add(ch.HeldUntil, fmt.Sprintf("post %s, held: %s", ch.Address, clip(ch.Held, 60)))
			}
		}
	}
	if st != nil {
		for _, a := range st.Addresses() {
			r := st.Record(a)
			if r.Status == state.Claimed && r.Claim != nil {
				add(r.Claim.Expires, fmt.Sprintf("claim of run %s on %s expires", r.Claim.Run, a))
			}
		}
	}
	if n > 1 {
		w.What += fmt.Sprintf(" and %d more", n-1)
	}
	return w
}

// RetryDelay is how long the scheduler waits before it publishes again a
// change whose last attempt failed: 2 minutes after the first failure, then
// four times longer at each one (8 min, 32 min, 2 h). After plan.MaxAttempts
// the plan holds the change for a person.
func RetryDelay(attempts int) time.Duration {
	d := 2 * time.Minute
	for i := 1; i < attempts && d < 2*time.Hour; i++ {
		d *= 4
	}
	return min(d, 2*time.Hour)
}

// HoldRetries holds back the due changes whose last attempt failed until
// their retry time (the failure's time plus delay(attempts)), so a daemon
// that wakes every minute does not spend a post's attempts in five minutes
// of an outage. Held changes show the retry time; NextWake wakes for it.
func HoldRetries(p *plan.Plan, st *state.State, now time.Time, delay func(attempts int) time.Duration) {
	if delay == nil {
		delay = RetryDelay
	}
	for _, ch := range p.Changes {
		if !ch.Due() || ch.Action == plan.Reconcile {
			continue
		}
		r := st.Record(ch.Address)
		if r == nil || r.LastError == "" || r.Status == state.Claimed || r.UpdatedAt.IsZero() {
			continue
		}
		at := r.UpdatedAt.Add(delay(r.Attempts))
		if at.After(now) {
			ch.Held = fmt.Sprintf("attempt %d failed (%s); next attempt at %s", r.Attempts, r.LastError, at.UTC().Format(time.RFC3339))
			ch.HeldUntil = at
		}
	}
}

// clip shortens s to about n runes for a status line.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
