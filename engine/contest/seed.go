package contest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Algorithm names the seed encoding, the byte stream and the selection
// described in the package documentation. A change to any of them gets a
// new name, and verify refuses names it does not know.
const Algorithm = "clairon-draw-v1"

// SeedInputs are the public, committed inputs of a draw's seed.
type SeedInputs struct {
	// ContestBlob is the git blob hash of the contest file (hex).
	ContestBlob string `json:"contest_blob"`
	// EntriesSHA256 is the SHA-256 of contests/<id>/entries.json (hex).
	EntriesSHA256 string `json:"entries_sha256"`
	// AnchorCommit is the hash of the anchor commit.
	AnchorCommit string `json:"anchor_commit"`
	// Round is 1 for the first draw, then one more for each redraw.
	Round int `json:"round"`
}

// Encode returns the canonical bytes the seed is the SHA-256 of.
func (in SeedInputs) Encode() []byte {
	var b strings.Builder
	b.WriteString(Algorithm + "\n")
	b.WriteString("contest-blob " + in.ContestBlob + "\n")
	b.WriteString("entries-sha256 " + in.EntriesSHA256 + "\n")
	b.WriteString("anchor-commit " + in.AnchorCommit + "\n")
	b.WriteString("round " + strconv.Itoa(in.Round) + "\n")
	return []byte(b.String())
}

// Seed returns the seed, hex: the SHA-256 of Encode.
func (in SeedInputs) Seed() string {
	sum := sha256.Sum256(in.Encode())
	return hex.EncodeToString(sum[:])
}

// Validate checks that the inputs are well formed, so that no two different
// inputs encode alike.
func (in SeedInputs) Validate() error {
	for name, v := range map[string]string{"contest blob": in.ContestBlob, "entries sha256": in.EntriesSHA256, "anchor commit": in.AnchorCommit} {
		if v == "" || strings.ContainsAny(v, " \n\r\t") {
			return fmt.Errorf("seed input %s %q is empty or contains white space", name, v)
		}
	}
	if in.Round < 1 {
		return fmt.Errorf("seed input round %d is below 1", in.Round)
	}
	return nil
}

// Stream is the byte stream drawn from a seed: block i is
// SHA-256(seed ‖ uint64be(i)), read in order.
type Stream struct {
	seed  [32]byte
	block [32]byte
	next  uint64 // index of the next block to compute
	off   int    // bytes of block already read; 32 when exhausted
}

// NewStream starts the stream of a seed given in hex.
func NewStream(seedHex string) (*Stream, error) {
	b, err := hex.DecodeString(seedHex)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("seed %q is not 64 hex digits", seedHex)
	}
	s := &Stream{off: sha256.Size}
	copy(s.seed[:], b)
	return s, nil
}

// Read fills p from the stream. It never fails.
func (s *Stream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if s.off == sha256.Size {
			var in [sha256.Size + 8]byte
			copy(in[:], s.seed[:])
			binary.BigEndian.PutUint64(in[sha256.Size:], s.next)
			s.block = sha256.Sum256(in[:])
			s.next++
			s.off = 0
		}
		c := copy(p[n:], s.block[s.off:])
		s.off += c
		n += c
	}
	return n, nil
}

// Uint64 reads the next 8 bytes as a big-endian number.
func (s *Stream) Uint64() uint64 {
	var b [8]byte
	s.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}

// Below returns a number in [0, n), every one equally likely: 8-byte
// values at or above the largest multiple of n that fits in 64 bits are
// rejected and drawn again, so there is no modulo bias. n must be at least 1.
func Below(next func() uint64, n uint64) uint64 {
	if n == 0 {
		panic("contest: Below(0)")
	}
	// rem = 2^64 mod n; values >= 2^64 - rem are rejected.
	rem := (math.MaxUint64%n + 1) % n
	for {
		x := next()
		if rem == 0 || x < -rem { // -rem is 2^64 - rem in uint64 arithmetic
			return x % n
		}
	}
}

// Select picks k of the n sorted items with a partial Fisher–Yates shuffle
// driven by the stream: for i from 0 to k-1, swap item i with item
// i + Below(n - i). It returns the first k items after the swaps, in order.
// items is not modified.
func Select[T any](items []T, k int, s *Stream) []T {
	list := append([]T(nil), items...)
	k = min(k, len(list))
	for i := range k {
		j := i + int(Below(s.Uint64, uint64(len(list)-i)))
		list[i], list[j] = list[j], list[i]
	}
	return list[:k]
}
