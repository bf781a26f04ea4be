package state

import (
	"context"
	"errors"
)

// Store keeps the state. Every implementation passes statetest.Run.
//
// A store is safe for concurrent use, and several stores (in several
// processes, on several machines) may share one backing state: Write is a
// compare-and-swap, and that is the only coordination between appliers.
type Store interface {
	// Read returns the current state and its version. The state before the
	// first write is empty, with version "", serial 0 and no lineage.
	Read(ctx context.Context) (*Snapshot, error)

	// Write applies cs on top of version base and returns the new head. It
	// succeeds only if the state is still at base; otherwise it returns an
	// error matching ErrConflict and changes nothing, and the caller reads
	// again, redoes its work on the new state and retries.
	//
	// The first write (base "") gives the state its lineage. Each write adds
	// one to the serial. Only what cs names is written.
	Write(ctx context.Context, base Version, cs *Changeset) (Head, error)
}

var (
	// ErrConflict means the state moved since the version a write was based
	// on: another run wrote first.
	ErrConflict = errors.New("state changed since it was read")

	// ErrNotHolder means a run tried to change a record it does not hold a
	// claim on.
	ErrNotHolder = errors.New("not the holder of the claim")
)
