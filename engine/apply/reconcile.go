package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

// reconcile finishes the work of a run whose claim expired without a
// result. What that run did is read back from the network: every part after
// the recorded ones is looked up, and recorded when found, until one is
// proved absent; publishing resumes there with the same keys. A part the
// network cannot account for makes the record unconfirmed. Updates are
// edited again and deletions deleted again, which repeated give the same
// result.
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
	since := w.since[ch.Address]
	if since.IsZero() || claim.At.Before(since) {
		since = claim.At
	}
	switch claim.Op {
	case state.OpUpdate:
		return Updated, w.update(ctx, &ch2, since)
	case state.OpReplace:
		return Replaced, w.replace(ctx, &ch2, since)
	}
	next, err := w.find(ctx, &ch2, len(cur.Parts), since)
	if err != nil {
		return Unconfirmed, err
	}
	return Published, w.publishFrom(ctx, &ch2, next)
}

// find looks up the parts of ch from index from on, which a run that
// stopped may have published without recording them, and records those
// found. It returns the index of the first part proved absent (the number
// of parts when all were found): a part is sent only once the one before it
// exists, so none after it can exist either. since is the earliest time the
// stopped run may have sent a part (its claim's time): networks that look
// posts up by content and time read back that far.
func (w *worker) find(ctx context.Context, ch *plan.Change, from int, since time.Time) (int, error) {
	lk, ok := w.adapter.(network.Lookup)
	for i := from; i < len(ch.Output.Parts); i++ {
		if !ok {
			return i, &errUnconfirmed{fmt.Errorf("a run stopped while publishing, and %s cannot look posts up: check the network, then run clairon resolve", ch.Network)}
		}
		cur := w.rec.current(ch.Address)
		if cur == nil {
			return i, fmt.Errorf("claim vanished: %w", state.ErrNotHolder)
		}
		post, err := w.message(ch, i, cur.Parts)
		if err != nil {
			return i, &errUnconfirmed{fmt.Errorf("look up part %d: %w", i+1, err)}
		}
		probe := *post
		if !since.IsZero() {
			probe.CreatedAt = since.UTC()
		}
		ref, res, err := lk.Lookup(context.WithoutCancel(ctx), &probe)
		switch {
		case err != nil:
			return i, lookupFailed(fmt.Errorf("look up part %d: %w", i+1, err), err)
		case res == network.Absent:
			return i, nil
		case res != network.Found:
			return i, &errUnconfirmed{fmt.Errorf("a run stopped while publishing part %d, and %s cannot tell whether it exists: check the network, then run clairon resolve", i+1, ch.Network)}
		}
		if err := w.setPart(ctx, ch.Address, i, post.Key, ref); err != nil {
			return i, err
		}
	}
	return len(ch.Output.Parts), nil
}

// errDeferred marks an outcome that cannot be told yet: the lookup that
// would tell failed on a passing error (an outage, a rate limit, refused
// credentials). Nothing is recorded and the claim is left to expire, so
// that a later run reconciles it, rather than asking a person.
type errDeferred struct{ err error }

func (e *errDeferred) Error() string {
	return "outcome not known yet: " + e.err.Error() + "; left claimed for a later run to reconcile"
}
func (e *errDeferred) Unwrap() error { return e.err }

// lookupFailed classes err, a lookup that failed with cause: deferred when
// the cause may pass, unconfirmed when the network refused the question.
func lookupFailed(err, cause error) error {
	switch network.ClassOf(cause) {
	case network.Retryable, network.RateLimited, network.Auth:
		return &errDeferred{err}
	}
	return &errUnconfirmed{err}
}
