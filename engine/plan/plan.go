// Package plan computes what to publish: a pure function of the content at
// a commit, the publication state at a serial, the accounts' capabilities
// and the clock. Each (post, account) address gets an action — create,
// update, replace, delete, unconfirmed, reconcile or none — or is listed as
// scheduled or held, with the reason for people to read. The plan has a
// versioned JSON form, a terminal form and a Markdown form for pull requests.
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/internal/parallel"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/state"
)

// FormatVersion is the version of the plan's JSON form.
const FormatVersion = 1

// Action is what apply will do at an address.
type Action string

// Actions.
const (
	NoOp Action = "noop"
	// Create publishes a post not yet published (or resumes a thread).
	Create Action = "create"
	// Update edits a published post in place.
	Update Action = "update"
	// Replace deletes a published post and publishes the new content.
	Replace Action = "replace"
	// Delete removes a published post whose file was removed (prune on).
	Delete Action = "delete"
	// Unconfirmed: an earlier publish's outcome is unknown; a person must
	// run `clairon resolve`. Nothing is done until then.
	Unconfirmed Action = "unconfirmed"
	// Reconcile: a run's claim expired without a result; apply asks the
	// network whether the post exists before anything else.
	Reconcile Action = "reconcile"
)

// Symbol is the action's mark in the terminal and Markdown views.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Replace:
		return "-/+"
	case Delete:
		return "-"
	case Unconfirmed, Reconcile:
		return "?"
	default:
		return " "
	}
}

// Writes reports whether the action changes something on a network.
func (a Action) Writes() bool {
	switch a {
	case Create, Update, Replace, Delete, Reconcile:
		return true
	}
	return false
}

// Change is one address in the plan.
type Change struct {
	Address state.Address `json:"address"`
	Network string        `json:"network"`
	Action  Action        `json:"action"`
	// Reason explains the action to people. It is for display only: apply
	// never reads it.
	Reason string `json:"reason,omitempty"`
	// Path is the post's file.
	Path string `json:"path,omitempty"`
	// Digest is the rendered content's digest; PriorDigest the published one.
	Digest      string `json:"digest,omitempty"`
	PriorDigest string `json:"prior_digest,omitempty"`
	// Key is the idempotency key of the publication (see Key).
	Key string `json:"key,omitempty"`
	// At is when the post is due; zero means as soon as possible.
	At time.Time `json:"at,omitzero"`
	// Scheduled is true when At is after the plan's time: apply leaves it.
	Scheduled bool `json:"scheduled,omitempty"`
	// Slot names the calendar slot a next-slot post was given.
	Slot string `json:"slot,omitempty"`
	// Held is why a due change is held back (draft, freeze, blackout, quiet
	// hours), and HeldUntil when it will be released, if known.
	Held      string    `json:"held,omitempty"`
	HeldUntil time.Time `json:"held_until,omitzero"`
	// MovedFrom is set when the post's file was renamed after publication:
	// the record moves to the new address, nothing is published again.
	MovedFrom *state.Address `json:"moved_from,omitempty"`
	// ResumeAt is the number of parts already published (a thread that
	// stopped part-way continues there).
	ResumeAt int `json:"resume_at,omitempty"`
	// Ref is the published post (update, replace, delete).
	Ref *network.Ref `json:"ref,omitempty"`
	// Output is the post as the account will receive it.
	Output *render.Output `json:"output,omitempty"`
}

// Due reports whether apply acts on the change now.
func (c *Change) Due() bool { return c.Action.Writes() && !c.Scheduled && c.Held == "" }

// Plan is the publication plan.
type Plan struct {
	FormatVersion int       `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	// SourceCommit is the content's commit, when planned from git.
	SourceCommit string `json:"source_commit,omitempty"`
	// StateLineage, StateSerial and StateVersion identify the state the plan
	// was made against; applying a saved plan is refused when it moved.
	StateLineage string        `json:"state_lineage,omitempty"`
	StateSerial  int64         `json:"state_serial"`
	StateVersion state.Version `json:"state_version,omitempty"`
	// Changes are sorted by post, then account.
	Changes     []*Change `json:"changes"`
	Diagnostics diag.List `json:"diagnostics,omitempty"`

	// renderer and docs make the outputs the plan does not keep (those of
	// scheduled changes) when they are shown; nil in a plan read from JSON,
	// which holds them all.
	renderer *render.Renderer
	docs     func() map[string]*content.Document // posts by path, made on first use
}

// withOutputs calls fn for each change in order with its output (see
// OutputOf) when need is set, nil otherwise. Missing outputs are made a
// batch at a time on every core: memory stays bounded, and showing a plan
// costs what making it did.
func (p *Plan) withOutputs(chs []*Change, need bool, fn func(ch *Change, out *render.Output) error) error {
	if !need {
		for _, ch := range chs {
			if err := fn(ch, nil); err != nil {
				return err
			}
		}
		return nil
	}
	return inOrder(chs, p.OutputOf, fn)
}

// inOrder computes work for every change on every core, a batch at a time,
// and hands the results to emit in the changes' order.
func inOrder[T any](chs []*Change, work func(*Change) T, emit func(*Change, T) error) error {
	const batch = 256
	results := make([]T, batch)
	for start := 0; start < len(chs); start += batch {
		part := chs[start:min(len(chs), start+batch)]
		parallel.Chunks(len(part), 1, func(i, _ int) { results[i] = work(part[i]) })
		for i, ch := range part {
			if err := emit(ch, results[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// OutputOf returns what ch publishes: the output the plan kept, or, for a
// scheduled change, the post rendered again now. Nil for a deletion or a
// no-op.
func (p *Plan) OutputOf(ch *Change) *render.Output {
	if ch.Output != nil || p.renderer == nil || ch.Action == NoOp || ch.Action == Delete {
		return ch.Output
	}
	if p.docs == nil {
		return nil
	}
	d := p.docs()[ch.Path]
	if d == nil {
		return nil
	}
	out, _ := p.renderer.Render(d, ch.Address.Account)
	return out
}

// Counts summarises a plan.
type Counts struct {
	Create, Update, Replace, Delete, Scheduled, Held, Unconfirmed, Reconcile, Moved, NoOp int
}

// Count returns the plan's counts. Scheduled and held changes count only
// as such, not under their action.
func (p *Plan) Count() Counts {
	var c Counts
	for _, ch := range p.Changes {
		switch {
		case ch.MovedFrom != nil:
			c.Moved++
		case ch.Action == NoOp:
			c.NoOp++
		case ch.Action == Unconfirmed:
			c.Unconfirmed++
		case ch.Scheduled:
			c.Scheduled++
		case ch.Held != "":
			c.Held++
		case ch.Action == Create:
			c.Create++
		case ch.Action == Update:
			c.Update++
		case ch.Action == Replace:
			c.Replace++
		case ch.Action == Delete:
			c.Delete++
		case ch.Action == Reconcile:
			c.Reconcile++
		}
	}
	return c
}

// Summary is the plan's one-line summary:
// "Plan: 3 to publish, 1 to update, 0 to delete, 5 scheduled."
func (p *Plan) Summary() string {
	c := p.Count()
	s := fmt.Sprintf("Plan: %d to publish, %d to update, %d to delete, %d scheduled", c.Create, c.Update, c.Delete, c.Scheduled)
	for _, x := range []struct {
		n    int
		what string
	}{{c.Replace, "to replace"}, {c.Reconcile, "to reconcile"}, {c.Moved, "renamed"}, {c.Held, "held"}, {c.Unconfirmed, "unconfirmed"}} {
		if x.n > 0 {
			s += fmt.Sprintf(", %d %s", x.n, x.what)
		}
	}
	return s + "."
}

// HasChanges reports whether anything is due or waiting for a person: what
// `plan --detailed-exitcode` exits 2 for.
func (p *Plan) HasChanges() bool {
	for _, ch := range p.Changes {
		if ch.Due() || ch.Action == Unconfirmed || ch.MovedFrom != nil {
			return true
		}
	}
	return false
}

// Due returns the changes apply acts on now.
func (p *Plan) Due() []*Change {
	var out []*Change
	for _, ch := range p.Changes {
		if ch.Due() {
			out = append(out, ch)
		}
	}
	return out
}

// NextDue returns the earliest time a scheduled or held change becomes due,
// for the scheduler's next wake-up.
func (p *Plan) NextDue() (time.Time, bool) {
	var next time.Time
	for _, ch := range p.Changes {
		if !ch.Action.Writes() {
			continue
		}
		var t time.Time
		switch {
		case ch.Scheduled:
			t = ch.At
		case ch.Held != "" && !ch.HeldUntil.IsZero():
			t = ch.HeldUntil
		default:
			continue
		}
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next, !next.IsZero()
}

// Key derives the idempotency key of a publication from its address and
// content digest: the same content at the same address always gets the same
// key, so a retried or reconciled publish can be recognised.
func Key(a state.Address, digest string) string {
	h := sha256.Sum256([]byte("clairon/v1\x00" + a.String() + "\x00" + digest))
	return hex.EncodeToString(h[:16])
}

// PartKey derives the key of a thread part (index from 0) from the post's key.
func PartKey(key string, index int) string {
	if index == 0 {
		return key
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", key, index)))
	return hex.EncodeToString(h[:16])
}

// ChangeFor returns the change at an address, or nil.
func (p *Plan) ChangeFor(a state.Address) *Change {
	for _, ch := range p.Changes {
		if ch.Address == a {
			return ch
		}
	}
	return nil
}
