package state

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network"
)

// The result methods below record what a run did on an address it holds.
// Each reads the record as cs already changes it (so several parts recorded
// before one write all land), checks that the run holds the claim, and puts
// the new record in cs. The claim's Op decides which results make sense.

// SetPart records one published message of the post: part p.Index is added
// when it is the next one, or replaced (an edit) when it exists. Part 0's
// reference becomes the record's Ref. A zero PublishedAt is set to now for a
// new part and kept from the old part for an edit.
func (h Holder) SetPart(st *State, cs *Changeset, a Address, p Part) error {
	return h.change("record part", st, cs, a, func(r *Record) error {
		if r.Claim.Op == OpDelete {
			return fmt.Errorf("a delete claim publishes no part")
		}
		if p.Index < 0 || p.Index > len(r.Parts) {
			return fmt.Errorf("part %d out of order: %d parts recorded", p.Index, len(r.Parts))
		}
		if p.Ref.IsZero() {
			return fmt.Errorf("part %d has no reference", p.Index)
		}
		switch {
		case !p.PublishedAt.IsZero():
		case p.Index < len(r.Parts):
			p.PublishedAt = r.Parts[p.Index].PublishedAt // an edit keeps its time
		default:
			p.PublishedAt = h.Now()
		}
		p.Ref = cloneRef(p.Ref)
		if p.Index == len(r.Parts) {
			r.Parts = append(r.Parts, p)
		} else {
			r.Parts[p.Index] = p
		}
		r.Ref = cloneRef(r.Parts[0].Ref)
		return nil
	})
}

// ClearParts forgets the published parts, once a replace claim has deleted
// the old post and before it publishes the new one.
func (h Holder) ClearParts(st *State, cs *Changeset, a Address) error {
	return h.change("clear parts", st, cs, a, func(r *Record) error {
		if r.Claim.Op != OpReplace {
			return fmt.Errorf("only a replace claim clears parts, not %s", r.Claim.Op)
		}
		r.Parts, r.Ref = nil, network.Ref{}
		return nil
	})
}

// Published records that the claimed content is fully on the network: the
// record takes the claim's digest, key and path, and the claim ends.
func (h Holder) Published(st *State, cs *Changeset, a Address) error {
	return h.change("record publication", st, cs, a, func(r *Record) error {
		c := r.Claim
		if c.Op == OpDelete {
			return fmt.Errorf("a delete claim ends with Deleted, not Published")
		}
		if len(r.Parts) == 0 {
			return fmt.Errorf("no part recorded")
		}
		r.Status, r.Claim, r.LastError = Published, nil, ""
		r.Digest, r.Key = c.Digest, c.Key
		if c.Path != "" {
			r.Path = c.Path
		}
		r.Ref = cloneRef(r.Parts[0].Ref)
		r.PublishedAt = r.Parts[0].PublishedAt
		return nil
	})
}

// Deleted records that the post was deleted from the network.
func (h Holder) Deleted(st *State, cs *Changeset, a Address) error {
	return h.change("record deletion", st, cs, a, func(r *Record) error {
		if r.Claim.Op != OpDelete {
			return fmt.Errorf("only a delete claim ends with Deleted, not %s", r.Claim.Op)
		}
		r.Status, r.Claim, r.LastError = Deleted, nil, ""
		return nil
	})
}

// Failed records a failure and ends the claim. A post that is still on the
// network (a failed update or delete) stays Published with the old content's
// digest, so the next plan tries again; otherwise the record is Failed, and
// keeps the parts that did get out so a new attempt continues after them.
func (h Holder) Failed(st *State, cs *Changeset, a Address, msg string) error {
	return h.change("record failure", st, cs, a, func(r *Record) error {
		c := r.Claim
		r.Status = Failed
		if c.Prior == Published && c.Op != OpPublish && len(r.Parts) > 0 {
			r.Status = Published
		}
		r.Claim, r.LastError = nil, h.clean(msg)
		return nil
	})
}

// Unconfirmed records that the outcome is unknown and could not be
// reconciled. The record takes the claim's digest, key and path, which is
// what `clairon resolve` looks the post up by.
func (h Holder) Unconfirmed(st *State, cs *Changeset, a Address, msg string) error {
	return h.change("record unconfirmed", st, cs, a, func(r *Record) error {
		c := r.Claim
		r.Status, r.Claim, r.LastError = Unconfirmed, nil, h.clean(msg)
		r.Digest, r.Key = c.Digest, c.Key
		if c.Path != "" {
			r.Path = c.Path
		}
		return nil
	})
}

// Release ends the claim without a result, restoring the status from before
// it (a new address is removed again). A new post with parts already out
// cannot be released: record Published, Failed or Unconfirmed instead.
func (h Holder) Release(st *State, cs *Changeset, a Address) error {
	if err := h.check(); err != nil {
		return err
	}
	cur := cs.Current(st, a)
	if !cur.HeldBy(h.Run) {
		return h.notHolder("release", a, cur)
	}
	if cur.Claim.Prior == "" {
		if len(cur.Parts) > 0 {
			return fmt.Errorf("release %s: %d parts were published: record a result instead", a, len(cur.Parts))
		}
		cs.Remove(a)
		return nil
	}
	r := cur.Clone()
	r.Status, r.Claim = r.Claim.Prior, nil
	r.UpdatedAt = h.Now()
	cs.Put(r)
	return nil
}

// Rebase carries a holder's results over to a state read again after a write
// failed with ErrConflict. Changes to records this run still holds in st are
// kept; the others are dropped and returned: another run took those claims
// over, and will find what this run published through its idempotency keys.
// Files are kept. The result is nil when nothing is left to write.
//
// Rebase is for results only; claims are made afresh from the new state.
func (h Holder) Rebase(cs *Changeset, st *State) (*Changeset, []Address) {
	out := NewChangeset(cs.Message)
	var lost []Address
	for a, r := range cs.records {
		if !st.Records[a].HeldBy(h.Run) {
			lost = append(lost, a)
			continue
		}
		if r == nil {
			out.Remove(a)
		} else {
			out.Put(r)
		}
	}
	for p, f := range cs.files {
		if out.files == nil {
			out.files = map[string]fileChange{}
		}
		out.files[p] = f
	}
	slices.SortFunc(lost, Address.Compare)
	if out.Len() == 0 {
		return nil, lost
	}
	return out, lost
}

// AddMetrics adds an engagement snapshot to a published post, replacing the
// snapshot with the same non-empty label. Any run may add metrics, but not
// to a claimed record, which belongs to its holder.
func AddMetrics(st *State, cs *Changeset, a Address, m MetricsSnapshot) error {
	cur := cs.Current(st, a)
	switch {
	case cur == nil:
		return fmt.Errorf("add metrics to %s: no record", a)
	case cur.Status != Published:
		return fmt.Errorf("add metrics to %s: status is %s, not published", a, cur.Status)
	}
	r := cur.Clone()
	m = MetricsSnapshot{At: m.At, Label: m.Label, Metrics: cloneMetrics(m.Metrics), Followers: cloneInt(m.Followers)}
	i := -1
	if m.Label != "" {
		i = slices.IndexFunc(r.Metrics, func(s MetricsSnapshot) bool { return s.Label == m.Label })
	}
	if i >= 0 {
		r.Metrics[i] = m
	} else {
		r.Metrics = append(r.Metrics, m)
	}
	slices.SortStableFunc(r.Metrics, func(x, y MetricsSnapshot) int { return x.At.Compare(y.At) })
	cs.Put(r)
	return nil
}

// change applies f to a copy of the record at a, which the holder must
// hold, and puts the copy in cs.
func (h Holder) change(op string, st *State, cs *Changeset, a Address, f func(*Record) error) error {
	if err := h.check(); err != nil {
		return err
	}
	cur := cs.Current(st, a)
	if !cur.HeldBy(h.Run) {
		return h.notHolder(op, a, cur)
	}
	r := cur.Clone()
	if err := f(r); err != nil {
		return fmt.Errorf("%s %s: %w", op, a, err)
	}
	r.UpdatedAt = h.Now()
	cs.Put(r)
	return nil
}

// clean makes an error text safe to store: redacted, on one line, bounded.
func (h Holder) clean(msg string) string {
	if h.Redact != nil {
		msg = h.Redact(msg)
	}
	msg = strings.Join(strings.FieldsFunc(msg, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	msg = strings.ToValidUTF8(msg, "\uFFFD")
	if len(msg) > maxErrorLen {
		cut := maxErrorLen - len("…")
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}
