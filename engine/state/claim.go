package state

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Holder acts for one run: it claims addresses with a lease and records the
// results of the run's work on the addresses it holds. Its methods never
// change the state they are given; they return or fill a Changeset for the
// caller to write with Store.Write.
//
// The rules:
//   - an address is claimed by one run at a time; a live claim of another run
//     is never taken;
//   - an expired claim of another run is never claimed afresh: it is taken
//     over with TakeOver, which keeps what the dead run was doing (its
//     idempotency key above all) so the new holder can reconcile;
//   - only the holder of a claim may record a result on the address, and a
//     claimed record is changed by nobody else;
//   - a holder whose lease expired may still record its result, as long as no
//     other run took the claim over: the store's compare-and-swap decides.
type Holder struct {
	// Run is the run's id.
	Run string
	// Lease is how long a claim lasts before another run may take it over.
	Lease time.Duration
	// Now is the clock.
	Now func() time.Time
	// Redact, when set, cleans error texts before they are stored (LastError).
	Redact func(string) string
}

// Intent is what a run wants to do with an address.
type Intent struct {
	Address Address
	Op      Op
	// Digest, Key and Path describe the content to publish (empty for OpDelete).
	Digest string
	Key    string
	Path   string
}

// Busy is an address that a claim could not take.
type Busy struct {
	Address Address
	Run     string
	Expires time.Time
}

// ClaimReport says what a claim took and what it left.
type ClaimReport struct {
	// Claimed are the addresses the changeset claims, sorted.
	Claimed []Address
	// Held are live claims (of another run, or of this run already), left alone.
	Held []Busy
	// Stale are expired claims of other runs: reconcile them with TakeOver first.
	Stale []Busy
}

func (h Holder) check() error {
	if err := checkRun(h.Run); err != nil {
		return fmt.Errorf("holder: %w", err)
	}
	if h.Lease <= 0 {
		return fmt.Errorf("holder %s: lease must be positive, got %s", h.Run, h.Lease)
	}
	if h.Now == nil {
		return fmt.Errorf("holder %s: no clock", h.Run)
	}
	return nil
}

// Claim claims the addresses of intents that are free. Addresses held by a
// live claim (this run's included) are reported in Held and addresses with an
// expired claim of another run in Stale; neither is claimed. The changeset
// is nil when nothing could be claimed.
func (h Holder) Claim(st *State, intents []Intent) (*Changeset, ClaimReport, error) {
	var rep ClaimReport
	if err := h.check(); err != nil {
		return nil, rep, err
	}
	now := h.Now()
	seen := map[Address]bool{}
	var recs []*Record
	for _, in := range intents {
		if err := in.Address.Validate(); err != nil {
			return nil, rep, fmt.Errorf("claim %q: %w", in.Address.String(), err)
		}
		if seen[in.Address] {
			return nil, rep, fmt.Errorf("claim %s: named twice", in.Address)
		}
		seen[in.Address] = true
		if !in.Op.Valid() {
			return nil, rep, fmt.Errorf("claim %s: unknown op %q", in.Address, in.Op)
		}
		if in.Op != OpDelete && in.Key == "" {
			return nil, rep, fmt.Errorf("claim %s: %s needs an idempotency key", in.Address, in.Op)
		}
		cur := st.Records[in.Address]
		if cur != nil && cur.Claim != nil {
			b := Busy{Address: in.Address, Run: cur.Claim.Run, Expires: cur.Claim.Expires}
			if cur.Expired(now) && cur.Claim.Run != h.Run {
				rep.Stale = append(rep.Stale, b)
			} else {
				rep.Held = append(rep.Held, b)
			}
			continue
		}
		r := cur.Clone()
		switch {
		case r == nil && in.Op != OpPublish:
			return nil, rep, fmt.Errorf("claim %s: cannot %s a post that was never published", in.Address, in.Op)
		case r == nil:
			r = &Record{Address: in.Address}
		case in.Op == OpPublish && r.Status == Published:
			return nil, rep, fmt.Errorf("claim %s: already published: update or replace it instead", in.Address)
		case in.Op != OpPublish && r.Status != Published:
			return nil, rep, fmt.Errorf("claim %s: cannot %s a post whose status is %s", in.Address, in.Op, r.Status)
		}
		r.Claim = &Claim{
			Run: h.Run, At: now, Expires: now.Add(h.Lease), Op: in.Op,
			Digest: in.Digest, Key: in.Key, Path: in.Path, Prior: r.Status,
		}
		r.Status = Claimed
		r.Attempts++
		r.ClaimedAt = now
		r.UpdatedAt = now
		recs = append(recs, r)
		rep.Claimed = append(rep.Claimed, in.Address)
	}
	sortReport(&rep)
	if len(recs) == 0 {
		return nil, rep, nil
	}
	cs := NewChangeset(Message{
		Subject: fmt.Sprintf("claim %s for run %s", plural(len(recs), "post", "posts"), h.Run),
		Run:     h.Run,
	})
	for _, r := range recs {
		cs.Put(r)
	}
	return cs, rep, nil
}

// TakeOver claims expired claims for this run, keeping what the previous
// holder was doing (op, digest, key, path, prior status), so that the new
// holder can ask the network whether the post exists and record the result.
// Live claims of other runs are reported in Held. Taking over an address
// that is not claimed is an error.
func (h Holder) TakeOver(st *State, addrs []Address) (*Changeset, ClaimReport, error) {
	var rep ClaimReport
	if err := h.check(); err != nil {
		return nil, rep, err
	}
	now := h.Now()
	var recs []*Record
	for _, a := range dedupe(addrs) {
		cur := st.Records[a]
		if cur == nil || cur.Claim == nil {
			return nil, rep, fmt.Errorf("take over %s: not claimed", a)
		}
		if !cur.Expired(now) && cur.Claim.Run != h.Run {
			rep.Held = append(rep.Held, Busy{Address: a, Run: cur.Claim.Run, Expires: cur.Claim.Expires})
			continue
		}
		r := cur.Clone()
		r.Claim.Run, r.Claim.Expires = h.Run, now.Add(h.Lease) // At stays: nothing was sent before it
		r.Attempts++
		r.ClaimedAt = now
		r.UpdatedAt = now
		recs = append(recs, r)
		rep.Claimed = append(rep.Claimed, a)
	}
	sortReport(&rep)
	if len(recs) == 0 {
		return nil, rep, nil
	}
	cs := NewChangeset(Message{
		Subject: fmt.Sprintf("take over %s for run %s", plural(len(recs), "expired claim", "expired claims"), h.Run),
		Run:     h.Run,
	})
	for _, r := range recs {
		cs.Put(r)
	}
	return cs, rep, nil
}

// Renew extends the lease of claims this run holds, expired or not, to
// Now+Lease.
func (h Holder) Renew(st *State, addrs []Address) (*Changeset, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	addrs = dedupe(addrs)
	if len(addrs) == 0 {
		return nil, errors.New("renew: no address")
	}
	now := h.Now()
	cs := NewChangeset(Message{
		Subject: fmt.Sprintf("renew %s for run %s", plural(len(addrs), "claim", "claims"), h.Run),
		Run:     h.Run,
	})
	for _, a := range addrs {
		cur := st.Records[a]
		if !cur.HeldBy(h.Run) {
			return nil, h.notHolder("renew", a, cur)
		}
		r := cur.Clone()
		r.Claim.Expires = now.Add(h.Lease)
		r.UpdatedAt = now
		cs.Put(r)
	}
	return cs, nil
}

// Expired returns the records whose claim has expired at now, sorted by address.
func Expired(st *State, now time.Time) []*Record {
	var out []*Record
	for _, r := range st.Records {
		if r.Expired(now) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Record) int { return a.Address.Compare(b.Address) })
	return out
}

// notHolder builds the error for a run acting on an address it does not hold.
func (h Holder) notHolder(op string, a Address, cur *Record) error {
	switch {
	case cur == nil:
		return fmt.Errorf("%s %s: no record: %w", op, a, ErrNotHolder)
	case cur.Claim == nil:
		return fmt.Errorf("%s %s: not claimed (status %s): %w", op, a, cur.Status, ErrNotHolder)
	default:
		return fmt.Errorf("%s %s: claimed by run %s, not %s: %w", op, a, cur.Claim.Run, h.Run, ErrNotHolder)
	}
}

func dedupe(addrs []Address) []Address {
	out := slices.Clone(addrs)
	slices.SortFunc(out, Address.Compare)
	return slices.Compact(out)
}

func sortReport(rep *ClaimReport) {
	slices.SortFunc(rep.Claimed, Address.Compare)
	byAddr := func(a, b Busy) int { return a.Address.Compare(b.Address) }
	slices.SortFunc(rep.Held, byAddr)
	slices.SortFunc(rep.Stale, byAddr)
}
