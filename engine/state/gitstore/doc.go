// Package gitstore keeps clairon's state on a git branch, and is the only
// state code that uses go-git.
//
// The state lives on its own orphan branch (clairon/state unless configured),
// which is never checked out: the user's work tree, index and HEAD are never
// touched, and a protected main branch needs no bot commits. Every write is
// one commit whose parent is the version it was based on, with a message a
// person can read and trailers a program can:
//
//	clairon: claim 3 posts for run 2026-11-23T09:00:00Z-4f2a
//
//	Clairon-Serial: 12
//	Clairon-Lineage: 0b7c5d1e-…
//	Clairon-Run: 2026-11-23T09:00:00Z-4f2a
//
// # Layout of the branch
//
//	state.json                                  {"format": 1, "lineage": "…", "serial": 12}
//	records/<h2>/<h3>/<escaped address>.json    one record per post and account
//	reports/…, contests/…                       files other features keep beside the records
//
// <h2> and <h3> are the first two and three hex digits of the SHA-256 of the
// address ("posts/launch@brand-mastodon"): 4,096 directories, about 24
// records each at 100,000 records. A write rebuilds only the trees along the
// paths it changes and shares every other tree with its parent, so a commit
// of ten records costs about the same on top of 10,000 records as on top of
// 100,000. See state.RecordPath for the file names.
//
// # Compare-and-swap
//
// Without a remote, the branch is moved under a lock file, by a rename. With
// a remote, Read fetches the branch first (into refs/remotes/<remote>/<branch>)
// and Write pushes the new commit with the exact old value of the branch: the
// server refuses the update if the branch moved since it was read, and the
// store returns state.ErrConflict. The push sends only the objects the commit
// adds; it is never forced.
//
// # Crashes
//
// No ref file is ever rewritten in place: refs move by renaming a complete
// file over them (package gitref), and fetching speaks upload-pack directly
// rather than through go-git's Fetch, which truncates ref files before
// writing them. A process killed at any moment leaves every ref at its old
// value or its new one.
package gitstore
