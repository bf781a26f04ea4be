// Package apply executes a plan: it claims every due change in one
// compare-and-swap commit on the state branch, publishes each claimed change
// part by part with idempotency keys, records every result in small batches,
// reconciles claims that expired without a result, and keeps going for the
// other accounts when one network fails. Its one promise: a post goes out
// once, or is recorded as failed or unconfirmed — never twice, never lost.
package apply

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

// ErrStale is returned when a saved plan no longer matches the state.
var ErrStale = errors.New("saved plan is stale: the state changed since it was made; run clairon plan again")

// Engine applies plans.
type Engine struct {
	Store state.Store
	// Adapter returns the (wrapped) adapter of an account; it is called once
	// per account per run.
	Adapter func(account string) (network.Adapter, error)
	// Repo is the content the plan was made from, for media bytes.
	Repo *content.Repo
	// Run is this run's id; Lease how long its claims last.
	Run   string
	Lease time.Duration
	// Now is the clock.
	Now func() time.Time
	// Batch is how many results are written per commit (default 10).
	Batch int
	// Parallel is how many accounts are worked on at once (default 4).
	Parallel int
	// Events receives progress, one event per result; may be nil.
	Events func(Event)
	// Redact cleans error texts before they are stored or shown.
	Redact func(string) string
	// Ticker fires lease renewals; nil uses time.NewTicker. Tests pass a
	// channel they control.
	Ticker func(d time.Duration) (<-chan time.Time, func())
	// Sleep waits before trying a write again when another run wrote the
	// state first; nil uses a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Input is what to apply.
type Input struct {
	Plan *plan.Plan
	// Saved is true for a plan read from a file: it is refused when the
	// state's lineage or serial moved since it was made.
	Saved bool
	// Replan makes a fresh plan against a state read again, when another run
	// wrote first (only for plans that are not Saved).
	Replan func(ctx context.Context, snap *state.Snapshot) (*plan.Plan, error)
}

// Outcome is the result of one change.
type Outcome string

// Outcomes.
const (
	Published   Outcome = "published"
	Updated     Outcome = "updated"
	Replaced    Outcome = "replaced"
	Deleted     Outcome = "deleted"
	Moved       Outcome = "moved"
	Failed      Outcome = "failed"
	Unconfirmed Outcome = "unconfirmed"
	// Skipped: another run holds the address, or took it over.
	Skipped Outcome = "skipped"
)

// Event reports one change's result.
type Event struct {
	Address state.Address
	Network string
	Action  plan.Action
	Outcome Outcome
	URL     string
	// Err says why the change failed or is unconfirmed; never a secret.
	Err string
}

// Report sums up a run.
type Report struct {
	Run     string
	Events  []Event
	Commits int
}

// Count returns how many events had an outcome.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, e := range r.Events {
		if e.Outcome == o {
			n++
		}
	}
	return n
}

// OK reports whether nothing failed and nothing is unconfirmed.
func (r *Report) OK() bool { return r.Count(Failed) == 0 && r.Count(Unconfirmed) == 0 }

// Summary is one line: "Apply: 3 published, 1 updated, 0 failed."
func (r *Report) Summary() string {
	s := fmt.Sprintf("Apply: %d published, %d updated, %d deleted, %d failed", r.Count(Published)+r.Count(Replaced), r.Count(Updated), r.Count(Deleted), r.Count(Failed))
	if n := r.Count(Unconfirmed); n > 0 {
		s += fmt.Sprintf(", %d unconfirmed", n)
	}
	if n := r.Count(Skipped); n > 0 {
		s += fmt.Sprintf(", %d skipped (another run holds them)", n)
	}
	if n := r.Count(Moved); n > 0 {
		s += fmt.Sprintf(", %d moved", n)
	}
	return s + "."
}

// maxReplans bounds the claim retries against concurrent runs.
const maxReplans = 30

// conflictWait is how long to wait after the n-th write (from 1) that
// another run beat: 25 ms doubling up to a second, spread by the run's id,
// so that runs that collided do not collide again in step and a run slower
// to read and write than the others still gets its turn.
func (e *Engine) conflictWait(n int) time.Duration {
	d := min(25*time.Millisecond<<min(n-1, 6), time.Second)
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", e.Run, n)
	return d/2 + time.Duration(h.Sum32()%1000)*(d/2)/1000
}

// backOff waits conflictWait(n), on the engine's Sleep.
func (e *Engine) backOff(ctx context.Context, n int) {
	sleep := e.Sleep
	if sleep == nil {
		sleep = network.SleepContext
	}
	_ = sleep(ctx, e.conflictWait(n))
}

// Apply executes in.Plan. The error is for failures of the run itself
// (state unreadable, stale plan); per-change failures are in the report.
func (e *Engine) Apply(ctx context.Context, in Input) (*Report, error) {
	if e.Lease <= 0 {
		e.Lease = 15 * time.Minute
	}
	h := state.Holder{Run: e.Run, Lease: e.Lease, Now: e.Now, Redact: e.Redact}
	rep := &Report{Run: e.Run}
	p := in.Plan

	snap, err := e.Store.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var claimed []*plan.Change
	var since map[state.Address]time.Time
	for attempt := 0; ; attempt++ {
		if in.Saved && (snap.State.Lineage != p.StateLineage || snap.State.Serial != p.StateSerial) {
			return nil, fmt.Errorf("%w (plan made at serial %d, state now at serial %d)", ErrStale, p.StateSerial, snap.State.Serial)
		}
		if !in.Saved && snap.Version != p.StateVersion && in.Replan != nil {
			if p, err = in.Replan(ctx, snap); err != nil {
				return nil, err
			}
		}
		var cs *state.Changeset
		var report state.ClaimReport
		claimed, since, cs, report, err = e.claim(h, snap.State, p)
		if err != nil {
			return nil, err
		}
		for _, b := range append(report.Held, report.Stale...) {
			ch := p.ChangeFor(b.Address)
			rep.add(e, Event{Address: b.Address, Network: networkOf(ch), Action: actionOf(ch), Outcome: Skipped,
				Err: fmt.Sprintf("run %s holds it until %s", b.Run, b.Expires.UTC().Format(time.RFC3339))})
		}
		moved := e.moves(h, snap.State, p, &cs)
		if cs == nil || cs.Len() == 0 {
			break
		}
		cs.Message = state.Message{Subject: claimSubject(claimed, moved), Run: e.Run}
		head, err := e.Store.Write(ctx, snap.Version, cs)
		if err == nil {
			snap.Advance(cs, head)
			rep.Commits++
			for _, m := range moved {
				rep.add(e, Event{Address: m.Address, Network: m.Network, Action: m.Action, Outcome: Moved})
			}
			break
		}
		if !errors.Is(err, state.ErrConflict) {
			return nil, fmt.Errorf("claim: %w", err)
		}
		if in.Saved {
			return nil, fmt.Errorf("%w (another run wrote the state while claiming)", ErrStale)
		}
		if attempt >= maxReplans {
			return nil, fmt.Errorf("claim: the state kept changing under %d attempts", maxReplans)
		}
		e.backOff(ctx, attempt+1)
		if snap, err = e.Store.Read(ctx); err != nil {
			return nil, fmt.Errorf("read state: %w", err)
		}
	}
	if len(claimed) == 0 {
		return rep, nil
	}

	rec := newRecorder(e.Store, snap, h, e.Batch, func(n int) { e.backOff(context.WithoutCancel(ctx), n) })
	stopRenew := e.renewLeases(ctx, rec, claimed)
	e.work(ctx, rec, claimed, since, rep)
	stopRenew()
	if err := rec.flush(ctx, resultSubject(rep)); err != nil {
		return rep, err
	}
	rep.Commits += rec.commits
	return rep, nil
}

func networkOf(ch *plan.Change) string {
	if ch == nil {
		return ""
	}
	return ch.Network
}

func actionOf(ch *plan.Change) plan.Action {
	if ch == nil {
		return ""
	}
	return ch.Action
}

func (r *Report) add(e *Engine, ev Event) {
	r.Events = append(r.Events, ev)
	if e.Events != nil {
		e.Events(ev)
	}
}

// claim builds the claim commit: fresh claims for due changes, take-overs
// for expired claims to reconcile. since gives, for each take-over, when the
// previous holder claimed the address: the earliest its work can date from,
// which is how far back reconciliation looks.
func (e *Engine) claim(h state.Holder, st *state.State, p *plan.Plan) (claimed []*plan.Change, since map[state.Address]time.Time, cs *state.Changeset, report state.ClaimReport, err error) {
	var intents []state.Intent
	var reconcile []state.Address
	byAddr := map[state.Address]*plan.Change{}
	for _, ch := range p.Due() {
		byAddr[ch.Address] = ch
		if ch.Action == plan.Reconcile {
			reconcile = append(reconcile, ch.Address)
			continue
		}
		op := map[plan.Action]state.Op{plan.Create: state.OpPublish, plan.Update: state.OpUpdate, plan.Replace: state.OpReplace, plan.Delete: state.OpDelete}[ch.Action]
		in := state.Intent{Address: ch.Address, Op: op}
		if op != state.OpDelete {
			in.Digest, in.Key, in.Path = ch.Digest, ch.Key, ch.Path
		}
		intents = append(intents, in)
	}
	cs, report, err = h.Claim(st, intents)
	if err != nil {
		return nil, nil, nil, report, fmt.Errorf("claim: %w", err)
	}
	since = map[state.Address]time.Time{}
	if len(reconcile) > 0 {
		for _, a := range reconcile {
			if r := st.Record(a); r != nil && r.Claim != nil {
				since[a] = r.Claim.At
			}
		}
		tcs, treport, err := h.TakeOver(st, reconcile)
		if err != nil {
			return nil, nil, nil, report, fmt.Errorf("take over expired claims: %w", err)
		}
		report.Held = append(report.Held, treport.Held...)
		if tcs != nil {
			if cs == nil {
				cs = state.NewChangeset(state.Message{})
			}
			for _, r := range tcs.Records() {
				cs.Put(r)
			}
			report.Claimed = append(report.Claimed, treport.Claimed...)
		}
	}
	for _, a := range report.Claimed {
		if ch := byAddr[a]; ch != nil {
			claimed = append(claimed, ch)
		}
	}
	return claimed, since, cs, report, nil
}

// moves renames the records of renamed posts, in the claim commit: no
// network call, so no claim is needed, only the compare-and-swap.
func (e *Engine) moves(h state.Holder, st *state.State, p *plan.Plan, cs **state.Changeset) []*plan.Change {
	var out []*plan.Change
	for _, ch := range p.Changes {
		if ch.MovedFrom == nil {
			continue
		}
		old := st.Record(*ch.MovedFrom)
		if old == nil || old.Status != state.Published || st.Record(ch.Address) != nil {
			continue
		}
		if *cs == nil {
			*cs = state.NewChangeset(state.Message{})
		}
		r := old.Clone()
		r.Address, r.Path, r.UpdatedAt = ch.Address, ch.Path, e.Now()
		(*cs).Put(r)
		(*cs).Remove(old.Address)
		out = append(out, ch)
	}
	return out
}

func claimSubject(claimed, moved []*plan.Change) string {
	s := fmt.Sprintf("claim %s", plural(len(claimed), "post"))
	if len(moved) > 0 {
		s += fmt.Sprintf(", move %s", plural(len(moved), "post"))
	}
	return s
}

func resultSubject(r *Report) string {
	return fmt.Sprintf("record %d published, %d updated, %d deleted, %d failed, %d unconfirmed",
		r.Count(Published)+r.Count(Replaced), r.Count(Updated), r.Count(Deleted), r.Count(Failed), r.Count(Unconfirmed))
}

func plural(n int, w string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", w)
	}
	return fmt.Sprintf("%d %ss", n, w)
}

// work runs the claimed changes, one goroutine per account (bounded), in
// order of due time within an account; their writes to the networks go out
// one at a time.
func (e *Engine) work(ctx context.Context, rec *recorder, claimed []*plan.Change, since map[state.Address]time.Time, rep *Report) {
	byAccount := map[string][]*plan.Change{}
	for _, ch := range claimed {
		byAccount[ch.Address.Account] = append(byAccount[ch.Address.Account], ch)
	}
	accounts := make([]string, 0, len(byAccount))
	for a := range byAccount {
		accounts = append(accounts, a)
	}
	sort.Strings(accounts)
	par := e.Parallel
	if par <= 0 {
		par = 4
	}
	var mu sync.Mutex
	emit := func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		rep.add(e, ev)
	}
	// One write to a network at a time, whatever the account (see
	// worker.write).
	writing := &sync.Mutex{}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for _, acc := range accounts {
		chs := byAccount[acc]
		slices.SortStableFunc(chs, func(a, b *plan.Change) int {
			// Reconciliations first, then by due time, then by address.
			ra, rb := a.Action == plan.Reconcile, b.Action == plan.Reconcile
			if ra != rb {
				if ra {
					return -1
				}
				return 1
			}
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			return a.Address.Compare(b.Address)
		})
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w := &worker{e: e, rec: rec, account: acc, emit: emit, since: since, writing: writing}
			w.run(ctx, chs)
		}()
	}
	wg.Wait()
}

// renewLeases renews this run's claims every third of the lease.
func (e *Engine) renewLeases(ctx context.Context, rec *recorder, claimed []*plan.Change) func() {
	ticker := e.Ticker
	if ticker == nil {
		ticker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	addrs := make([]state.Address, len(claimed))
	for i, ch := range claimed {
		addrs[i] = ch.Address
	}
	c, stop := ticker(e.Lease / 3)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-c:
				// A failed renewal is retried at the next tick; results
				// recorded meanwhile still land through the batches.
				_ = rec.renew(ctx, addrs)
			}
		}
	}()
	return func() {
		stop()
		close(done)
		<-finished
	}
}
