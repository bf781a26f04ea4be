package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
)

// recorder keeps the run's working copy of the state and the results not
// yet written, and writes them in small batches as compare-and-swap commits.
// It is safe for concurrent use by the per-account workers.
type recorder struct {
	mu    sync.Mutex
	store state.Store
	snap  *state.Snapshot
	h     state.Holder
	cs    *state.Changeset
	n     int // results in cs
	batch int
	// lost are addresses whose claim another run took over: this run must
	// not touch them again.
	lost map[state.Address]bool
	// commits counts the writes made, for the report.
	commits int
	// backOff waits after the n-th write another run beat.
	backOff func(n int)
}

func newRecorder(store state.Store, snap *state.Snapshot, h state.Holder, batch int, backOff func(n int)) *recorder {
	if batch <= 0 {
		batch = 10
	}
	return &recorder{store: store, snap: snap, h: h, batch: batch, lost: map[state.Address]bool{}, backOff: backOff}
}

// record applies a result to the pending changeset and writes the batch when
// it is full. f receives the working state and the pending changeset.
func (r *recorder) record(ctx context.Context, subject string, f func(st *state.State, cs *state.Changeset) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cs == nil {
		r.cs = state.NewChangeset(state.Message{Run: r.h.Run})
	}
	if err := f(r.snap.State, r.cs); err != nil {
		return err
	}
	r.n++
	r.cs.Message.Subject = subject
	if r.n >= r.batch {
		return r.flushLocked(ctx)
	}
	return nil
}

// isLost reports whether another run took over the address.
func (r *recorder) isLost(a state.Address) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost[a]
}

// flush writes the pending results.
func (r *recorder) flush(ctx context.Context, subject string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cs != nil && subject != "" {
		r.cs.Message.Subject = subject
	}
	return r.flushLocked(ctx)
}

// maxRebases bounds the retries of one write against concurrent writers.
const maxRebases = 30

func (r *recorder) flushLocked(ctx context.Context) error {
	if r.cs == nil || r.cs.Len() == 0 {
		r.cs, r.n = nil, 0
		return nil
	}
	// Writing must not be cut short by a cancelled run: results already
	// published have to be recorded. The store's own timeouts apply.
	ctx = context.WithoutCancel(ctx)
	for n := range maxRebases {
		if n > 0 {
			r.backOff(n)
		}
		head, err := r.store.Write(ctx, r.snap.Version, r.cs)
		if err == nil {
			r.snap.Advance(r.cs, head)
			r.cs, r.n = nil, 0
			r.commits++
			return nil
		}
		if !errors.Is(err, state.ErrConflict) {
			return fmt.Errorf("record results: %w", err)
		}
		// Another run wrote meanwhile: keep our results on records we still
		// hold, on top of the new state.
		fresh, err := r.store.Read(ctx)
		if err != nil {
			return fmt.Errorf("record results: read state again: %w", err)
		}
		r.snap = fresh
		rebased, lost := r.h.Rebase(r.cs, fresh.State)
		for _, a := range lost {
			r.lost[a] = true
		}
		if rebased == nil {
			r.cs, r.n = nil, 0
			return nil
		}
		r.cs = rebased
	}
	return fmt.Errorf("record results: the state kept changing under %d attempts", maxRebases)
}

// renew extends the leases of the claims this run still holds, so that a
// long run (rate limits, big threads) is not taken over while it works.
func (r *recorder) renew(ctx context.Context, addrs []state.Address) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.flushLocked(ctx); err != nil {
		return err
	}
	var held []state.Address
	for _, a := range addrs {
		if r.snap.State.Record(a).HeldBy(r.h.Run) && !r.lost[a] {
			held = append(held, a)
		}
	}
	if len(held) == 0 {
		return nil
	}
	cs, err := r.h.Renew(r.snap.State, held)
	if err != nil || cs == nil {
		return err
	}
	cs.Message = state.Message{Subject: fmt.Sprintf("renew %d claims", len(held)), Run: r.h.Run}
	r.cs, r.n = cs, 1
	return r.flushLocked(ctx)
}

// held reports whether this run holds the claim on a, as last written (or
// about to be: a result pending on it keeps it this run's).
func (r *recorder) held(a state.Address) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lost[a] {
		return false
	}
	if r.cs != nil {
		if _, _, ok := r.cs.Lookup(a); ok {
			return true
		}
	}
	return r.snap.State.Record(a).HeldBy(r.h.Run)
}

// leaseLeft returns how long this run's claim on a lasts, as last written
// to the store: 0 when the run does not hold it there.
func (r *recorder) leaseLeft(a state.Address, now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.snap.State.Record(a)
	if r.lost[a] || !rec.HeldBy(r.h.Run) {
		return 0
	}
	return rec.Claim.Expires.Sub(now)
}

// current returns a copy of the record at a as this run sees it.
func (r *recorder) current(a state.Address) *state.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cs != nil {
		return r.cs.Current(r.snap.State, a).Clone()
	}
	return r.snap.State.Record(a).Clone()
}
