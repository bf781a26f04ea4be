package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
)

// tidAlphabet is the base32-sortable alphabet of TIDs.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tidDomain separates record-key hashes from any other use of the same key.
const tidDomain = "clairon/bluesky/record-key/v1\x00"

// RecordKey returns the record key a post with idempotency key key is
// created under. Posts must have TID record keys, so the key is made into a
// TID deterministically:
//
//  1. h = SHA-256(tidDomain || key);
//  2. v = the first 8 bytes of h as a big-endian uint64, top bit cleared, as
//     the TID layout requires (0, then 53 bits of "timestamp", then a 10-bit
//     "clock id": here all 63 bits come from the hash);
//  3. v is written as 13 base32-sortable characters, most significant first
//     (the first character carries the top 5 bits of a 65-bit field, so it
//     is always one of 2–b, within the 2–j the syntax allows).
//
// The same key always gives the same record key, so a retried create with it
// is refused by the server instead of publishing twice; different keys give
// different record keys with overwhelming probability (63 bits). The
// timestamp field says nothing about when the post was made; createdAt does.
func RecordKey(key string) string {
	h := sha256.Sum256([]byte(tidDomain + key))
	return encodeTID(binary.BigEndian.Uint64(h[:8]) &^ (1 << 63))
}

// encodeTID writes v as 13 base32-sortable characters.
func encodeTID(v uint64) string {
	var b [13]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}
