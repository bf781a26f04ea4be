package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

// worker executes one account's claimed changes in order.
type worker struct {
	e       *Engine
	rec     *recorder
	account string
	emit    func(Event)
	adapter network.Adapter
	// since holds, for each claim taken over, when the run that held it
	// claimed it: no part of its work was sent before.
	since map[state.Address]time.Time
	// writing is held for every write to a network (publish, edit,
	// delete) and shared by all the run's workers: see write.
	writing *sync.Mutex
	// broken stops the account's remaining changes (bad credentials, a
	// network that cannot be reached, a rate limit that pauses the account
	// for longer than the wrapper waits): their claims are released
	// untouched, so a later run does them.
	broken error
}

// errLeaseLost stops a run from sending anything more for an address whose
// claim may have run out: its renewals failed, or it was stalled, and
// another run may be reconciling the address already.
var errLeaseLost = errors.New("the claim's lease is running out (its renewals failed, or the run was stalled): nothing more is sent for it")

// errUnconfirmed marks an outcome nobody can tell: recorded as unconfirmed.
type errUnconfirmed struct{ err error }

func (e *errUnconfirmed) Error() string { return "outcome unknown: " + e.err.Error() }
func (e *errUnconfirmed) Unwrap() error { return e.err }

func (w *worker) run(ctx context.Context, chs []*plan.Change) {
	a, err := w.e.Adapter(w.account)
	if err != nil {
		w.broken = err
	}
	w.adapter = a
	for _, ch := range chs {
		if w.rec.isLost(ch.Address) {
			w.emit(Event{Address: ch.Address, Network: ch.Network, Action: ch.Action, Outcome: Skipped, Err: "another run took the claim over"})
			continue
		}
		if w.broken != nil || ctx.Err() != nil {
			w.release(ctx, ch)
			continue
		}
		w.do(ctx, ch)
	}
}

// release gives a claim back untouched (nothing was sent for it). A claim
// taken over to reconcile is kept instead: the run that held it before may
// have published, so it must expire again and be reconciled by a later
// run, never be planned afresh.
func (w *worker) release(ctx context.Context, ch *plan.Change) {
	cause := w.broken
	if cause == nil {
		cause = ctx.Err()
	}
	if ch.Action == plan.Reconcile {
		w.emit(Event{Address: ch.Address, Network: ch.Network, Action: ch.Action, Outcome: Failed,
			Err: "not attempted: " + w.clean(cause) + "; left claimed for a later run to reconcile"})
		return
	}
	err := w.rec.record(ctx, "release claims", func(st *state.State, cs *state.Changeset) error {
		return w.rec.h.Release(st, cs, ch.Address)
	})
	msg := "not attempted: " + w.clean(cause)
	if err != nil {
		msg += "; " + w.clean(err)
	}
	w.emit(Event{Address: ch.Address, Network: ch.Network, Action: ch.Action, Outcome: Failed, Err: msg})
}

func (w *worker) clean(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if w.e.Redact != nil {
		s = w.e.Redact(s)
	}
	return s
}

func (w *worker) do(ctx context.Context, ch *plan.Change) {
	var outcome Outcome
	var err error
	before := w.rec.current(ch.Address)
	switch ch.Action {
	case plan.Create:
		// Resume after the parts the record holds, which is what the claim
		// was made on (the plan's ResumeAt says the same for a fresh plan).
		outcome, err = Published, w.publishFrom(ctx, ch, partsOf(before))
	case plan.Reconcile:
		outcome, err = w.reconcile(ctx, ch)
	case plan.Update:
		outcome, err = Updated, w.update(ctx, ch, time.Time{})
	case plan.Replace:
		outcome, err = Replaced, w.replace(ctx, ch, time.Time{})
	case plan.Delete:
		outcome, err = Deleted, w.delete(ctx, ch)
	default:
		return
	}
	ev := Event{Address: ch.Address, Network: ch.Network, Action: ch.Action, Outcome: outcome}
	if r := w.rec.current(ch.Address); r != nil {
		ev.URL = r.Ref.URL
	}
	if err == nil {
		w.emit(ev)
		return
	}
	w.settle(ctx, ch, before, ev, err)
}

// settle records a change that did not succeed: skipped when another run
// took the claim over, released when nothing of it got out because of a
// pause, an outage or a lease running out, failed or unconfirmed otherwise.
func (w *worker) settle(ctx context.Context, ch *plan.Change, before *state.Record, ev Event, err error) {
	ev.Err = w.clean(err)
	leaseLost := errors.Is(err, errLeaseLost)
	if leaseLost {
		// Write what is pending, to learn whether another run took the
		// claim over meanwhile.
		_ = w.rec.flush(ctx, "")
	}
	skip := func() {
		// Another run took the claim over (this run's lease ran out): it
		// reconciles what this run did through the idempotency keys.
		ev.Outcome, ev.URL = Skipped, ""
		ev.Err = "another run took the claim over: " + ev.Err
		w.emit(ev)
	}
	if !w.rec.held(ch.Address) || errors.Is(err, state.ErrNotHolder) {
		skip()
		return
	}
	cause := accountStop(err)
	if cause != "" {
		w.broken = fmt.Errorf("%s: %s: %s", w.account, cause, ev.Err)
	}
	if errors.As(err, new(*errDeferred)) {
		ev.Outcome, ev.URL = Failed, ""
		w.emit(ev)
		return
	}
	// A pause, an outage or a lease running out is no fault of the post:
	// when nothing of it reached the network in this run, the claim is
	// given back, as for the account's other changes, and counts as no
	// attempt. Refused credentials are recorded on the post, for people to
	// see.
	untouched := partsOf(w.rec.current(ch.Address)) == partsOf(before) && (leaseLost || !network.MaybeWritten(err))
	if ch.Action == plan.Create && untouched && (leaseLost || cause != "" && network.ClassOf(err) != network.Auth) {
		if w.rec.record(ctx, "release claims", func(st *state.State, cs *state.Changeset) error {
			return w.rec.h.Release(st, cs, ch.Address)
		}) == nil {
			ev.Outcome, ev.URL = Failed, ""
			ev.Err = "not attempted: " + ev.Err
			if w.broken != nil {
				ev.Err = "not attempted: " + w.clean(w.broken)
			}
			w.emit(ev)
			return
		}
	}
	var unc *errUnconfirmed
	recErr := w.rec.record(ctx, "record failure", func(st *state.State, cs *state.Changeset) error {
		if errors.As(err, &unc) {
			return w.rec.h.Unconfirmed(st, cs, ch.Address, ev.Err)
		}
		return w.rec.h.Failed(st, cs, ch.Address, ev.Err)
	})
	if errors.Is(recErr, state.ErrNotHolder) {
		skip()
		return
	}
	ev.Outcome = Failed
	if unc != nil {
		ev.Outcome = Unconfirmed
	}
	if recErr != nil {
		ev.Err += "; " + w.clean(recErr)
	}
	w.emit(ev)
}

// accountStop says why an error stops the account's remaining changes, or
// "" when it concerns this change alone: credentials refused, a network
// that could not be reached at all (the retries included), or a rate limit
// that pauses the account beyond what the wrapper waits.
func accountStop(err error) string {
	switch network.ClassOf(err) {
	case network.Auth:
		return "credentials refused"
	case network.RateLimited:
		return "paused by the rate limit"
	case network.Retryable:
		var ne *network.Error
		if errors.As(err, &ne) && ne.Status == 0 && !ne.MaybeWritten {
			return "network unreachable"
		}
	}
	return ""
}

func partsOf(r *state.Record) int {
	if r == nil {
		return 0
	}
	return len(r.Parts)
}

// message builds part i of a change as the network receives it.
func (w *worker) message(ch *plan.Change, i int, parts []state.Part) (*network.Post, error) {
	out := ch.Output
	part := out.Parts[i]
	p := &network.Post{
		Key: plan.PartKey(ch.Key, i), Text: part.Text, Markdown: part.Markdown, Entities: part.Entities,
		Language: out.Language, ContentWarning: out.ContentWarning, CreatedAt: w.e.Now().UTC(),
		Address: fmt.Sprintf("%s#%d", ch.Address, i+1),
	}
	if i == 0 && part.Poll != nil {
		poll := *part.Poll
		p.Poll = &poll
	}
	for _, m := range part.Media {
		data, err := w.e.Repo.ReadFile(m.Path)
		if err != nil {
			return nil, fmt.Errorf("read media %s: %w", m.Path, err)
		}
		sum := sha256.Sum256(data)
		p.Media = append(p.Media, network.Media{Name: path.Base(m.Path), MIME: m.MIME, Data: data, Digest: hex.EncodeToString(sum[:]), Alt: m.Alt, Focus: m.Focus})
	}
	switch {
	case i > 0 && part.FirstComment:
		root := parts[0].Ref
		p.ReplyTo, p.Root = &root, &root
	case i > 0:
		prev, root := parts[i-1].Ref, parts[0].Ref
		p.ReplyTo, p.Root = &prev, &root
	case out.ReplyTo != "":
		ref, err := w.replyTarget(ch)
		if err != nil {
			return nil, err
		}
		p.ReplyTo, p.Root = ref, ref
	}
	return p, nil
}

// replyTarget resolves reply_to: another post's id (its record on the same
// account) or a URL on the network.
func (w *worker) replyTarget(ch *plan.Change) (*network.Ref, error) {
	target := ch.Output.ReplyTo
	if strings.Contains(target, "://") {
		return &network.Ref{URL: target}, nil
	}
	r := w.rec.current(state.Address{Post: target, Account: ch.Address.Account})
	if r == nil || r.Ref.IsZero() || r.Status != state.Published {
		return nil, fmt.Errorf("reply_to %q is not published on %s yet", target, ch.Address.Account)
	}
	ref := r.Ref
	return &ref, nil
}

// publishFrom publishes parts from index start, recording each one as soon
// as it exists, so a resumed thread continues where it stopped.
func (w *worker) publishFrom(ctx context.Context, ch *plan.Change, start int) error {
	if ch.Output == nil {
		return fmt.Errorf("the plan has no content for %s", ch.Address)
	}
	for i := start; i < len(ch.Output.Parts); i++ {
		if err := w.guard(ch.Address); err != nil {
			return err
		}
		cur := w.rec.current(ch.Address)
		if cur == nil {
			return errors.New("claim vanished")
		}
		post, err := w.message(ch, i, cur.Parts)
		if err != nil {
			return err
		}
		ref, err := w.publish(ctx, ch.Address, post)
		if err != nil {
			return err
		}
		if err := w.setPart(ctx, ch.Address, i, post.Key, ref); err != nil {
			return err
		}
	}
	return w.rec.record(ctx, "record publication", func(st *state.State, cs *state.Changeset) error {
		return w.rec.h.Published(st, cs, ch.Address)
	})
}

// guard refuses to publish for an address once this run may no longer
// hold it: lost to another run, or with less than a third of the lease
// left as last written. Renewals, every third of the lease, keep at least
// two thirds left while they succeed; the third kept in reserve covers one
// failed renewal and clocks that disagree a little between machines.
//
// It is checked before a message is built, and again in publish, as the
// message is sent, while no other write of the run is in flight: that
// second check is the one that counts (see write).
func (w *worker) guard(a state.Address) error {
	if w.rec.isLost(a) {
		return fmt.Errorf("stopped: %w", state.ErrNotHolder)
	}
	if left := w.rec.leaseLeft(a, w.e.Now()); left < w.e.Lease/3 {
		return errLeaseLost
	}
	return nil
}

// write makes one write to the network, f, while no other write of the run
// is in flight. The accounts are worked on at once, but their writes go out
// one at a time, and a publish checks its lease only once it is its turn.
//
// This is what keeps a stall in one account's write from duplicating a
// post on another. A run stalled inside a write (a request that hangs, a
// process paused) for longer than its lease is taken over, and the new
// holder looks up what the run sent. Had another account's message been on
// its way meanwhile, it could land after that lookup found nothing and the
// new holder published the post again: a server that ignores idempotency
// keys would hold it twice. With one write at a time, nothing else is on
// its way while the run is stalled, and afterwards each waiting publish
// finds its lease run out and sends nothing. The only write that can land
// after the lease is the one the run stalled in; an idempotency key or a
// record key deduplicates it, and no client can fence it on a server that
// ignores keys.
//
// The cost is that writes to different accounts do not overlap; lookups,
// message building and state writes still do.
func (w *worker) write(f func() error) error {
	w.writing.Lock()
	defer w.writing.Unlock()
	return f()
}

func (w *worker) setPart(ctx context.Context, a state.Address, i int, key string, ref network.Ref) error {
	return w.rec.record(ctx, "record part", func(st *state.State, cs *state.Changeset) error {
		return w.rec.h.SetPart(st, cs, a, state.Part{Index: i, Key: key, Ref: ref})
	})
}

// publish sends one message through the wrapped adapter, whose retry layer
// already retries what is safe to retry. When the outcome of the last
// attempt is still unknown (a timeout or 5xx after the request went out),
// the network is asked once more: found, the message is recorded; proved
// absent, it is a plain failure that a later run retries with the same key;
// a lookup that fails leaves the claim for a later run to reconcile; a
// network that cannot tell makes the record unconfirmed. A network that can
// neither deduplicate nor look up is never sent the same message twice.
func (w *worker) publish(ctx context.Context, a state.Address, post *network.Post) (network.Ref, error) {
	var ref network.Ref
	err := w.write(func() (err error) {
		// The lease is checked here, after waiting for the run's other
		// writes: a stall in one of them may have outlasted it.
		if err := w.guard(a); err != nil {
			return err
		}
		ref, err = w.adapter.Publish(ctx, post)
		return err
	})
	if err == nil || !network.MaybeWritten(err) {
		return ref, err
	}
	lk, ok := w.adapter.(network.Lookup)
	if !ok {
		switch w.adapter.Capabilities().Idempotency {
		case network.IdempotencyKey, network.IdempotencyRecordKey:
			return network.Ref{}, err // the next attempt sends the same key
		}
		return network.Ref{}, &errUnconfirmed{err}
	}
	found, res, lerr := lk.Lookup(context.WithoutCancel(ctx), post)
	switch {
	case lerr != nil:
		return network.Ref{}, lookupFailed(fmt.Errorf("%w; lookup: %v", err, lerr), lerr)
	case res == network.Found:
		return found, nil
	case res == network.Absent:
		return network.Ref{}, err
	}
	return network.Ref{}, &errUnconfirmed{err}
}

// update edits the recorded parts in place, then publishes the new parts
// the thread gained. Reconciling (since not zero), the parts a stopped run
// may have added without recording them are looked up first.
func (w *worker) update(ctx context.Context, ch *plan.Change, since time.Time) error {
	ed, ok := w.adapter.(network.Editor)
	if !ok {
		return &network.Error{Class: network.Permanent, Network: ch.Network, Op: "update", Err: network.ErrUnsupported}
	}
	cur := w.rec.current(ch.Address)
	n := min(len(cur.Parts), len(ch.Output.Parts))
	for i := range n {
		post, err := w.message(ch, i, cur.Parts)
		if err != nil {
			return err
		}
		// An edit repeated gives the same result, so a failed one is
		// simply retried by a later run.
		var ref network.Ref
		err = w.write(func() (err error) {
			ref, err = ed.Edit(ctx, cur.Parts[i].Ref, post)
			return err
		})
		if err != nil {
			return err
		}
		if err := w.setPart(ctx, ch.Address, i, cur.Parts[i].Key, ref); err != nil {
			return err
		}
	}
	// New parts are published as replies; parts beyond the new thread's
	// length stay on the network.
	next := n
	if !since.IsZero() {
		var err error
		if next, err = w.find(ctx, ch, n, since); err != nil {
			return err
		}
	}
	return w.publishFrom(ctx, ch, next)
}

// replace deletes the published post, then publishes the new content.
// Reconciling (since not zero), parts that already are the new content's
// (their key says so) are kept, and those a stopped run may have published
// without recording them are looked up first.
func (w *worker) replace(ctx context.Context, ch *plan.Change, since time.Time) error {
	cur := w.rec.current(ch.Address)
	fresh := len(cur.Parts) > 0 && cur.Parts[0].Key == plan.PartKey(ch.Key, 0)
	if since.IsZero() || !fresh {
		if err := w.deleteParts(ctx, ch); err != nil {
			return err
		}
		if err := w.rec.record(ctx, "clear parts", func(st *state.State, cs *state.Changeset) error {
			return w.rec.h.ClearParts(st, cs, ch.Address)
		}); err != nil {
			return err
		}
	}
	next := partsOf(w.rec.current(ch.Address))
	if !since.IsZero() {
		var err error
		if next, err = w.find(ctx, ch, next, since); err != nil {
			return err
		}
	}
	return w.publishFrom(ctx, ch, next)
}

func (w *worker) delete(ctx context.Context, ch *plan.Change) error {
	if err := w.deleteParts(ctx, ch); err != nil {
		return err
	}
	return w.rec.record(ctx, "record deletion", func(st *state.State, cs *state.Changeset) error {
		return w.rec.h.Deleted(st, cs, ch.Address)
	})
}

// deleteParts deletes the published parts, last first.
func (w *worker) deleteParts(ctx context.Context, ch *plan.Change) error {
	cur := w.rec.current(ch.Address)
	parts := cur.Parts
	if len(parts) == 0 && !cur.Ref.IsZero() {
		parts = []state.Part{{Ref: cur.Ref}}
	}
	for i := len(parts) - 1; i >= 0; i-- {
		err := w.write(func() error { return w.adapter.Delete(ctx, parts[i].Ref) })
		if err != nil && !errors.Is(err, network.ErrNotFound) {
			return err
		}
	}
	return nil
}
