package state

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Status says where a publication stands. Apart from Claimed, it describes
// what is on the network as far as clairon knows.
type Status string

const (
	// Claimed: a run holds the address (see Record.Claim) and may be
	// publishing, editing or deleting it right now.
	Claimed Status = "claimed"
	// Published: the post is on the network; Ref and Parts say where.
	Published Status = "published"
	// Unconfirmed: a publish's outcome is unknown and could not be reconciled
	// automatically. Every plan shows it until a person runs `clairon resolve`.
	Unconfirmed Status = "unconfirmed"
	// Failed: the post never got out (LastError says why). A thread that
	// stopped part-way keeps the parts that did get out in Parts.
	Failed Status = "failed"
	// Deleted: the post was published, then deleted by clairon. The record is
	// kept so that history and the move detection still know it.
	Deleted Status = "deleted"
)

// Valid reports whether s is one of the five statuses.
func (s Status) Valid() bool {
	switch s {
	case Claimed, Published, Unconfirmed, Failed, Deleted:
		return true
	}
	return false
}

// Op is what a run claimed an address to do.
type Op string

const (
	// OpPublish publishes the post for the first time (or again after a failure).
	OpPublish Op = "publish"
	// OpUpdate edits the published post in place.
	OpUpdate Op = "update"
	// OpReplace deletes the published post and publishes the new content.
	OpReplace Op = "replace"
	// OpDelete deletes the published post.
	OpDelete Op = "delete"
)

// Valid reports whether o is a known operation.
func (o Op) Valid() bool {
	switch o {
	case OpPublish, OpUpdate, OpReplace, OpDelete:
		return true
	}
	return false
}

// Record is the state of one address.
//
// Digest, Key, Path, Ref and Parts describe what is on the network now. What a
// run is about to put there lives in Claim until the run records its result,
// so that a run that dies part-way leaves enough behind (the idempotency key
// above all) for another run to reconcile.
type Record struct {
	Address Address `json:"address"`
	Status  Status  `json:"status"`
	// Digest is the content digest of what was published.
	Digest string `json:"digest,omitempty"`
	// Key is the idempotency key the content was published with.
	Key string `json:"key,omitempty"`
	// Path is the content file the post came from, for move detection.
	Path string `json:"path,omitempty"`
	// Ref is the first part's reference on the network.
	Ref network.Ref `json:"ref,omitzero"`
	// Parts has one entry per published message: the thread's parts in order,
	// then the first comment. A resumed thread continues at len(Parts).
	Parts []Part `json:"parts,omitempty"`
	// Claim is set exactly when Status is Claimed.
	Claim *Claim `json:"claim,omitempty"`
	// Attempts counts the claims made on this address.
	Attempts int `json:"attempts,omitempty"`
	// LastError is the last failure, one line, never containing a secret.
	LastError string `json:"last_error,omitempty"`
	// ClaimedAt is when the address was last claimed.
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	// PublishedAt is when the first part went out.
	PublishedAt time.Time `json:"published_at,omitzero"`
	// UpdatedAt is when the record last changed.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Metrics are engagement snapshots, oldest first.
	Metrics []MetricsSnapshot `json:"metrics,omitempty"`
}

// Part is one published message of a post: a thread part or the first comment.
type Part struct {
	// Index is the part's position, from 0.
	Index int `json:"index"`
	// Key is the idempotency key the part was published with.
	Key         string      `json:"key,omitempty"`
	Ref         network.Ref `json:"ref"`
	PublishedAt time.Time   `json:"published_at,omitzero"`
}

// Claim says that a run holds an address until Expires, and what it is doing.
type Claim struct {
	// Run is the id of the run holding the claim.
	Run string `json:"run"`
	// At is when the claim was made. A take-over keeps it: no work of the
	// claim was sent before it, which is how far back reconciliation looks.
	At time.Time `json:"at"`
	// Expires is the end of the lease. After it, another run may take the
	// claim over and reconcile.
	Expires time.Time `json:"expires"`
	// Op is what the run is doing.
	Op Op `json:"op"`
	// Digest, Key and Path describe the content being published (empty for
	// OpDelete). Key is what a reconciling run looks the post up by.
	Digest string `json:"digest,omitempty"`
	Key    string `json:"key,omitempty"`
	Path   string `json:"path,omitempty"`
	// Prior is the status before the claim ("" for a new address), restored
	// when the claim is released without a result.
	Prior Status `json:"prior,omitempty"`
}

// MetricsSnapshot is the engagement of a post at one time.
type MetricsSnapshot struct {
	At time.Time `json:"at"`
	// Label names the snapshot's place in the schedule, such as "24h" or "7d".
	Label     string          `json:"label,omitempty"`
	Metrics   network.Metrics `json:"metrics"`
	Followers *int64          `json:"followers,omitempty"`
}

// maxErrorLen bounds LastError.
const maxErrorLen = 1000

// Validate checks the record's invariants.
func (r *Record) Validate() error {
	if r == nil {
		return errors.New("nil record")
	}
	if err := r.Address.Validate(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if !r.Status.Valid() {
		return fmt.Errorf("record %s: unknown status %q", r.Address, r.Status)
	}
	if (r.Status == Claimed) != (r.Claim != nil) {
		return fmt.Errorf("record %s: status %s with claim %v: a claim is present exactly when claimed", r.Address, r.Status, r.Claim != nil)
	}
	if c := r.Claim; c != nil {
		if err := checkRun(c.Run); err != nil {
			return fmt.Errorf("record %s: claim: %w", r.Address, err)
		}
		if !c.Op.Valid() {
			return fmt.Errorf("record %s: claim: unknown op %q", r.Address, c.Op)
		}
		if c.Expires.Before(c.At) {
			return fmt.Errorf("record %s: claim expires before it was made", r.Address)
		}
		if c.Prior == Claimed || (c.Prior != "" && !c.Prior.Valid()) {
			return fmt.Errorf("record %s: claim: invalid prior status %q", r.Address, c.Prior)
		}
	}
	for i, p := range r.Parts {
		if p.Index != i {
			return fmt.Errorf("record %s: part %d has index %d", r.Address, i, p.Index)
		}
	}
	if len(r.LastError) > maxErrorLen {
		return fmt.Errorf("record %s: last error longer than %d bytes", r.Address, maxErrorLen)
	}
	return nil
}

// Clone returns a deep copy of r.
func (r *Record) Clone() *Record {
	if r == nil {
		return nil
	}
	c := *r
	c.Ref = cloneRef(r.Ref)
	if r.Parts != nil {
		c.Parts = make([]Part, len(r.Parts))
		for i, p := range r.Parts {
			p.Ref = cloneRef(p.Ref)
			c.Parts[i] = p
		}
	}
	if r.Claim != nil {
		cl := *r.Claim
		c.Claim = &cl
	}
	if r.Metrics != nil {
		c.Metrics = make([]MetricsSnapshot, len(r.Metrics))
		for i, m := range r.Metrics {
			c.Metrics[i] = MetricsSnapshot{
				At:        m.At,
				Label:     m.Label,
				Metrics:   cloneMetrics(m.Metrics),
				Followers: cloneInt(m.Followers),
			}
		}
	}
	return &c
}

// HeldBy reports whether run holds a claim on the record, expired or not.
func (r *Record) HeldBy(run string) bool {
	return r != nil && r.Claim != nil && r.Claim.Run == run
}

// Expired reports whether the record is claimed and its lease has ended at now.
func (r *Record) Expired(now time.Time) bool {
	return r != nil && r.Claim != nil && !now.Before(r.Claim.Expires)
}

func cloneRef(r network.Ref) network.Ref {
	r.Extra = maps.Clone(r.Extra)
	return r
}

func cloneInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneMetrics(m network.Metrics) network.Metrics {
	return network.Metrics{
		Impressions: cloneInt(m.Impressions),
		Reach:       cloneInt(m.Reach),
		Likes:       cloneInt(m.Likes),
		Reposts:     cloneInt(m.Reposts),
		Replies:     cloneInt(m.Replies),
		Quotes:      cloneInt(m.Quotes),
		Bookmarks:   cloneInt(m.Bookmarks),
		Clicks:      cloneInt(m.Clicks),
	}
}
