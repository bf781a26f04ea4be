// Package state is clairon's memory of what it has published: the State model
// (one Record per post and account Address, plus files such as reports kept
// beside the records), the Store interface that reads it and writes it as a
// compare-and-swap, and the claims and leases that let several appliers run
// at once without ever publishing a post twice.
//
// # Versions
//
// A state has a Lineage, a random id fixed at its first write, and a Serial,
// which counts its writes. A Store reads a Snapshot at a Version (a commit
// hash for the git store) and writes a Changeset on top of a version: the
// write fails with ErrConflict when the state moved in between, and the
// caller reads again and redoes its work. Writes carry only what changed, so
// their cost follows the change, not the size of the state.
//
// # The publication protocol
//
//  1. Read the state and plan.
//  2. Claim every due change for the run (Holder.Claim) and write the claims.
//     A conflict means another run moved first: read again and plan again.
//  3. Publish each claimed change with its idempotency key, recording each
//     message as it exists (Holder.SetPart) so a resumed thread continues
//     where it stopped.
//  4. Record the results (Holder.Published, Failed, Deleted, Unconfirmed) and
//     write them in small batches; on a conflict, Holder.Rebase keeps what
//     the run still holds.
//  5. A claim whose lease expired without a result (Expired) is taken over
//     (Holder.TakeOver) with the dead run's key, and reconciled.
//
// MemStore is a complete in-memory Store; the git store is in package
// gitstore, and statetest holds the conformance suite every Store passes.
package state
