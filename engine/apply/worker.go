package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

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
	// broken stops the account's remaining changes (bad credentials): their
	// claims are released untouched.
	broken error
}

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

// release gives a claim back untouched (nothing was sent for it).
func (w *worker) release(ctx context.Context, ch *plan.Change) {
	cause := w.broken
	if cause == nil {
		cause = ctx.Err()
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
	switch ch.Action {
	case plan.Create:
		outcome, err = Published, w.publishFrom(ctx, ch, ch.ResumeAt)
	case plan.Reconcile:
		outcome, err = w.reconcile(ctx, ch)
	case plan.Update:
		outcome, err = Updated, w.update(ctx, ch)
	case plan.Replace:
		outcome, err = Replaced, w.replace(ctx, ch)
	case plan.Delete:
		outcome, err = Deleted, w.delete(ctx, ch)
	default:
		return
	}
	ev := Event{Address: ch.Address, Network: ch.Network, Action: ch.Action, Outcome: outcome}
	if r := w.rec.current(ch.Address); r != nil {
		ev.URL = r.Ref.URL
	}
	if err != nil {
		var unc *errUnconfirmed
		ev.Err = w.clean(err)
		recErr := w.rec.record(ctx, "record failure", func(st *state.State, cs *state.Changeset) error {
			if errors.As(err, &unc) {
				return w.rec.h.Unconfirmed(st, cs, ch.Address, ev.Err)
			}
			return w.rec.h.Failed(st, cs, ch.Address, ev.Err)
		})
		ev.Outcome = Failed
		if unc != nil {
			ev.Outcome = Unconfirmed
		}
		if recErr != nil {
			ev.Err += "; " + w.clean(recErr)
		}
		if network.ClassOf(err) == network.Auth {
			w.broken = fmt.Errorf("%s: credentials refused: %s", w.account, ev.Err)
		}
	}
	w.emit(ev)
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
		return nil, &network.Error{Class: network.Retryable, Network: ch.Network, Op: "publish",
			Err: fmt.Errorf("reply_to %q is not published on %s yet", target, ch.Address.Account)}
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
		if w.rec.isLost(ch.Address) {
			return &errUnconfirmed{errors.New("another run took the claim over mid-thread")}
		}
		cur := w.rec.current(ch.Address)
		if cur == nil {
			return errors.New("claim vanished")
		}
		post, err := w.message(ch, i, cur.Parts)
		if err != nil {
			return err
		}
		ref, err := w.publish(ctx, post)
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
// otherwise the record becomes unconfirmed. A network that can neither
// deduplicate nor look up is never sent the same message twice.
func (w *worker) publish(ctx context.Context, post *network.Post) (network.Ref, error) {
	ref, err := w.adapter.Publish(ctx, post)
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
		return network.Ref{}, &errUnconfirmed{fmt.Errorf("%w; lookup: %v", err, lerr)}
	case res == network.Found:
		return found, nil
	case res == network.Absent:
		return network.Ref{}, err
	}
	return network.Ref{}, &errUnconfirmed{err}
}

// reconcile finishes the work of a run whose claim expired: it looks up the
// next unrecorded part by its key; found, it is recorded and the rest of the
// thread published; proved absent, publishing resumes with the same keys;
// unknown, the record becomes unconfirmed.
func (w *worker) reconcile(ctx context.Context, ch *plan.Change) (Outcome, error) {
	cur := w.rec.current(ch.Address)
	if cur == nil || cur.Claim == nil {
		return Failed, errors.New("nothing to reconcile")
	}
	claim := cur.Claim
	if claim.Op == state.OpDelete {
		return Deleted, w.delete(ctx, ch)
	}
	if ch.Output == nil || claim.Digest != ch.Digest {
		return Unconfirmed, &errUnconfirmed{fmt.Errorf("the post changed since run %s claimed it: check the network, then run clairon resolve", claim.Run)}
	}
	ch2 := *ch
	ch2.Key = claim.Key
	next := len(cur.Parts)
	if next < len(ch.Output.Parts) {
		post, err := w.message(&ch2, next, cur.Parts)
		if err != nil {
			return Failed, err
		}
		lk, ok := w.adapter.(network.Lookup)
		if !ok {
			return Unconfirmed, &errUnconfirmed{fmt.Errorf("run %s stopped while publishing, and %s cannot look posts up: check the network, then run clairon resolve", claim.Run, ch.Network)}
		}
		ref, res, err := lk.Lookup(ctx, post)
		switch {
		case err != nil:
			return Unconfirmed, &errUnconfirmed{fmt.Errorf("lookup: %w", err)}
		case res == network.Found:
			if err := w.setPart(ctx, ch.Address, next, post.Key, ref); err != nil {
				return Failed, err
			}
			next++
		case res == network.Unknown:
			return Unconfirmed, &errUnconfirmed{fmt.Errorf("run %s stopped while publishing and %s cannot tell whether the post exists", claim.Run, ch.Network)}
		}
	}
	outcome := Published
	if claim.Op == state.OpUpdate {
		outcome = Updated
	}
	return outcome, w.publishFrom(ctx, &ch2, next)
}

func (w *worker) update(ctx context.Context, ch *plan.Change) error {
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
		ref, err := ed.Edit(ctx, cur.Parts[i].Ref, post)
		if err != nil {
			return err
		}
		if err := w.setPart(ctx, ch.Address, i, cur.Parts[i].Key, ref); err != nil {
			return err
		}
	}
	// New parts are published as replies; parts beyond the new thread's
	// length stay on the network.
	return w.publishFrom(ctx, ch, n)
}

func (w *worker) replace(ctx context.Context, ch *plan.Change) error {
	if err := w.deleteParts(ctx, ch); err != nil {
		return err
	}
	if err := w.rec.record(ctx, "clear parts", func(st *state.State, cs *state.Changeset) error {
		return w.rec.h.ClearParts(st, cs, ch.Address)
	}); err != nil {
		return err
	}
	return w.publishFrom(ctx, ch, 0)
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
		if err := w.adapter.Delete(ctx, parts[i].Ref); err != nil && !errors.Is(err, network.ErrNotFound) {
			return err
		}
	}
	return nil
}
