package bluesky

import (
	"fmt"
	"regexp"
	"testing"
)

// tidSyntax is the TID syntax of the AT Protocol specification: 13
// base32-sortable characters, the first of 2–j so the value fits 64 bits.
var tidSyntax = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

// TestTIDSyntaxVectors checks the syntax rule above against the interop
// vectors (CC0) it must agree with, so that the tests below rest on it.
func TestTIDSyntaxVectors(t *testing.T) {
	for _, tc := range []struct {
		tid   string
		valid bool
	}{
		{"3jzfcijpj2z2a", true}, {"7777777777777", true}, {"3zzzzzzzzzzzz", true}, {"2222222222222", true},
		{"3jzfcijpj2z21", false}, {"0000000000000", false}, {"3JZFCIJPJ2Z2A", false},
		{"3jzfcijpj2z2aa", false}, {"3jzfcijpj2z2", false}, {"222", false},
		{"3jzf-cij-pj2z-2a", false}, {"zzzzzzzzzzzzz", false}, {"kjzfcijpj2z2a", false},
	} {
		if got := tidSyntax.MatchString(tc.tid); got != tc.valid {
			t.Errorf("syntax(%q) = %v, want %v", tc.tid, got, tc.valid)
		}
	}
}

func TestRecordKey(t *testing.T) {
	// Pinned values: changing the derivation would make every post published
	// before the change publishable again under a new key.
	for _, tc := range []struct{ key, want string }{
		{"0000000000000000000000000000000000000000000000000000000000000000", "76v466peygk33"},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "3tznxht6mxms3"},
		{"posts/launch@brand-bluesky#1", "4spcnfzrz4dig"},
	} {
		if got := RecordKey(tc.key); got != tc.want {
			t.Errorf("RecordKey(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestRecordKeyValidDeterministicDistinct(t *testing.T) {
	const n = 50_000
	seen := make(map[string]string, n)
	for i := range n {
		key := fmt.Sprintf("%064x", i)
		rk := RecordKey(key)
		if !tidSyntax.MatchString(rk) {
			t.Fatalf("RecordKey(%q) = %q is not a TID", key, rk)
		}
		if rk[0] > 'b' {
			t.Fatalf("RecordKey(%q) = %q: the top bit of the 64-bit value is set", key, rk)
		}
		if again := RecordKey(key); again != rk {
			t.Fatalf("RecordKey(%q) gave %q then %q", key, rk, again)
		}
		if other, dup := seen[rk]; dup {
			t.Fatalf("keys %q and %q share record key %q", other, key, rk)
		}
		seen[rk] = key
	}
}

func TestEncodeTIDOrder(t *testing.T) {
	// Base32-sortable: the text order is the numeric order.
	values := []uint64{0, 1, 31, 32, 1 << 40, 1<<63 - 1}
	want := []string{"2222222222222", "2222222222223", "222222222222z", "2222222222232", "2222322222222", "bzzzzzzzzzzzz"}
	for i, v := range values {
		if got := encodeTID(v); got != want[i] {
			t.Errorf("encodeTID(%d) = %q, want %q", v, got, want[i])
		}
		if i > 0 && encodeTID(values[i-1]) >= encodeTID(v) {
			t.Errorf("encodeTID(%d) does not sort before encodeTID(%d)", values[i-1], v)
		}
	}
}

func BenchmarkRecordKey(b *testing.B) {
	key := fmt.Sprintf("%064x", 42)
	for b.Loop() {
		RecordKey(key)
	}
}
