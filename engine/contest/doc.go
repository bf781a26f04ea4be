// Package contest runs contests (jeux concours) from their contest file:
// it collects the entries made under the announcement post into a snapshot
// kept on the state branch, decides who is eligible and why, draws winners
// and alternates reproducibly from a seed derived from committed inputs,
// verifies a committed draw, and drafts the winners' announcement post.
//
// # Files on the state branch
//
//	contests/<id>/entries.json   every entry ever seen, merged run after run
//	contests/<id>/draw.json      the draw: seed inputs, seed, entrants, winners
//
// Both are written with state.Changeset.PutFile, one commit per collection or
// draw, in a compare-and-swap loop: a conflict means another run wrote
// first, so the run reads again and merges again.
//
// # The draw, version 1 (clairon-draw-v1)
//
// The seed is the SHA-256 of these lines, each ending with a line feed:
//
//	clairon-draw-v1
//	contest-blob <git blob hash of the contest file, hex>
//	entries-sha256 <SHA-256 of contests/<id>/entries.json, hex>
//	anchor-commit <hash of the anchor commit of the state branch>
//	round <1 for the first draw, 2 for the first redraw, …>
//
// The anchor is the commit named by draw.after, or else the commit that
// recorded the entries last; either way it was made after the contest
// closed. A stream of bytes is drawn from the seed: block i is
// SHA-256(seed ‖ i as 8 bytes big-endian), for i = 0, 1, 2…, and blocks are
// read in order. A number below n is read as 8 bytes, big-endian; a value at
// or above 2^64 − (2^64 mod n) is rejected and the next 8 bytes are read,
// so every number below n is equally likely; the answer is the value mod n.
// The eligible entrants are sorted by id (byte order) and a partial
// Fisher–Yates shuffle picks winners+alternates of them: for i = 0, 1, …,
// k−1, swap position i with position i + (a number below n − i). The first
// `winners` positions are the winners, in order; the next ones are the
// alternates, in order.
package contest
