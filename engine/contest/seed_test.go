package contest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestSeedEncoding(t *testing.T) {
	in := SeedInputs{ContestBlob: "3b18e512dba79e4c8300dd08aeb37f8e728b8dad", EntriesSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		AnchorCommit: "0123456789abcdef0123456789abcdef01234567", Round: 2}
	want := "clairon-draw-v1\n" +
		"contest-blob 3b18e512dba79e4c8300dd08aeb37f8e728b8dad\n" +
		"entries-sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n" +
		"anchor-commit 0123456789abcdef0123456789abcdef01234567\n" +
		"round 2\n"
	if got := string(in.Encode()); got != want {
		t.Fatalf("Encode:\n%s\nwant:\n%s", got, want)
	}
	sum := sha256.Sum256([]byte(want))
	if got := in.Seed(); got != hex.EncodeToString(sum[:]) {
		t.Errorf("Seed = %s, want the SHA-256 of the encoding %x", got, sum)
	}
	if err := in.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestSeedInputsValidate(t *testing.T) {
	ok := SeedInputs{ContestBlob: "a", EntriesSHA256: "b", AnchorCommit: "c", Round: 1}
	for name, mut := range map[string]func(*SeedInputs){
		"empty blob":        func(s *SeedInputs) { s.ContestBlob = "" },
		"newline in sha":    func(s *SeedInputs) { s.EntriesSHA256 = "b\nround 9" },
		"space in anchor":   func(s *SeedInputs) { s.AnchorCommit = "c d" },
		"round 0":           func(s *SeedInputs) { s.Round = 0 },
		"negative round -1": func(s *SeedInputs) { s.Round = -1 },
	} {
		in := ok
		mut(&in)
		if in.Validate() == nil {
			t.Errorf("%s: Validate accepted %+v", name, in)
		}
	}
}

func TestSeedChangesWithEveryInput(t *testing.T) {
	base := SeedInputs{ContestBlob: "aa", EntriesSHA256: "bb", AnchorCommit: "cc", Round: 1}
	seen := map[string]string{base.Seed(): "base"}
	for name, in := range map[string]SeedInputs{
		"blob":   {ContestBlob: "ab", EntriesSHA256: "bb", AnchorCommit: "cc", Round: 1},
		"sha":    {ContestBlob: "aa", EntriesSHA256: "bc", AnchorCommit: "cc", Round: 1},
		"anchor": {ContestBlob: "aa", EntriesSHA256: "bb", AnchorCommit: "cd", Round: 1},
		"round":  {ContestBlob: "aa", EntriesSHA256: "bb", AnchorCommit: "cc", Round: 2},
	} {
		s := in.Seed()
		if other, dup := seen[s]; dup {
			t.Errorf("changing the %s gives the same seed as %s", name, other)
		}
		seen[s] = name
	}
}

func TestStreamIsCounterModeSHA256(t *testing.T) {
	seed := SeedInputs{ContestBlob: "x", EntriesSHA256: "y", AnchorCommit: "z", Round: 1}.Seed()
	raw, _ := hex.DecodeString(seed)
	var want []byte
	for i := range uint64(3) {
		in := append(slices.Clone(raw), make([]byte, 8)...)
		binary.BigEndian.PutUint64(in[32:], i)
		sum := sha256.Sum256(in)
		want = append(want, sum[:]...)
	}
	s, err := NewStream(seed)
	if err != nil {
		t.Fatal(err)
	}
	// Read in uneven pieces: the stream is the same however it is cut.
	var got []byte
	for _, n := range []int{5, 8, 30, 1, 52} {
		b := make([]byte, n)
		s.Read(b)
		got = append(got, b...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("stream:\n%x\nwant:\n%x", got, want)
	}
	if _, err := NewStream("abc"); err == nil {
		t.Error("NewStream accepted a short seed")
	}
}

// values returns a next function that yields vs in order, counting calls.
func values(vs ...uint64) (func() uint64, *int) {
	n := 0
	return func() uint64 {
		v := vs[n]
		n++
		return v
	}, &n
}

func TestBelowRejectsTheBiasedTail(t *testing.T) {
	tests := []struct {
		name  string
		n     uint64
		vals  []uint64
		want  uint64
		calls int
	}{
		// 2^64 mod 3 = 1: only 2^64-1 is rejected.
		{"n=3 rejects the last value", 3, []uint64{math.MaxUint64, 5}, 2, 2},
		{"n=3 keeps the one before", 3, []uint64{math.MaxUint64 - 1}, (math.MaxUint64 - 1) % 3, 1},
		// 2^64 mod (2^63+1) = 2^63-1: values from 2^64-(2^63-1) = 2^63+1 up are rejected.
		{"n=2^63+1 rejects the upper half", 1<<63 + 1, []uint64{1<<63 + 1, math.MaxUint64, 1 << 63}, 1 << 63, 3},
		{"power of two rejects nothing", 8, []uint64{math.MaxUint64}, 7, 1},
		{"n=1", 1, []uint64{12345}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, calls := values(tt.vals...)
			if got := Below(next, tt.n); got != tt.want || *calls != tt.calls {
				t.Errorf("Below = %d after %d reads, want %d after %d", got, *calls, tt.want, tt.calls)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	s, _ := NewStream(strings.Repeat("ab", 32))
	got := Select(items, 3, s)
	if len(got) != 3 {
		t.Fatalf("Select picked %d, want 3", len(got))
	}
	if !slices.Equal(items, []string{"a", "b", "c", "d", "e"}) {
		t.Error("Select modified its input")
	}
	seen := map[string]bool{}
	for _, x := range got {
		if seen[x] || !slices.Contains(items, x) {
			t.Errorf("Select returned %v: repeated or foreign item", got)
		}
		seen[x] = true
	}
	s2, _ := NewStream(strings.Repeat("ab", 32))
	if again := Select(items, 3, s2); !slices.Equal(again, got) {
		t.Errorf("the same seed picked %v, then %v", got, again)
	}
	s3, _ := NewStream(strings.Repeat("ab", 32))
	if all := Select(items, 10, s3); len(all) != 5 {
		t.Errorf("Select(k > n) picked %d, want all 5", len(all))
	}
}

// chiSquare returns Pearson's statistic for counts against a uniform
// expectation.
func chiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	exp := float64(total) / float64(len(counts))
	x := 0.0
	for _, c := range counts {
		d := float64(c) - exp
		x += d * d / exp
	}
	return x
}

// trialSeed is the seed of trial i: deterministic, so the test cannot flake.
func trialSeed(i int) string {
	return SeedInputs{ContestBlob: "uniformity", EntriesSHA256: fmt.Sprint(i), AnchorCommit: "test", Round: 1}.Seed()
}

// The selection is uniform: over many seeds, every ordered choice of k of
// n entrants comes up equally often. The critical values are the chi-square
// quantiles at 0.999 (significance 0.001) for the degrees of freedom; the
// seeds are fixed, so the outcome is the same on every run.
func TestSelectionIsUniform(t *testing.T) {
	tests := []struct {
		name     string
		n, k     int
		trials   int
		critical float64 // chi-square quantile 0.999 for cells-1 degrees of freedom
	}{
		{"first of 10", 10, 1, 50_000, 27.877},                      // df 9
		{"first of 13 (not a power of two)", 13, 1, 39_000, 32.909}, // df 12
		{"ordered pairs of 5", 5, 2, 40_000, 43.820},                // df 19
		{"permutations of 4", 4, 4, 48_000, 49.728},                 // df 23
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := make([]int, tt.n)
			for i := range items {
				items[i] = i
			}
			cells := map[string]int{}
			for i := range tt.trials {
				s, err := NewStream(trialSeed(i))
				if err != nil {
					t.Fatal(err)
				}
				cells[fmt.Sprint(Select(items, tt.k, s))]++
			}
			want := 1
			for i := range tt.k {
				want *= tt.n - i
			}
			if len(cells) != want {
				t.Fatalf("%d distinct outcomes over %d trials, want all %d", len(cells), tt.trials, want)
			}
			counts := slices.Collect(maps.Values(cells))
			if x := chiSquare(counts); x > tt.critical {
				t.Errorf("chi-square %.2f > %.3f: the selection is not uniform", x, tt.critical)
			} else {
				t.Logf("chi-square %.2f (critical %.3f, %d cells, %d trials)", x, tt.critical, len(counts), tt.trials)
			}
		})
	}
}

// The uniformity test has the power to see a modulo bias: the same test on
// a selection that reduces one random byte modulo 10 fails.
func TestUniformityTestSeesModuloBias(t *testing.T) {
	counts := make([]int, 10)
	for i := range 100_000 {
		s, _ := NewStream(trialSeed(i))
		var b [1]byte
		s.Read(b[:])
		counts[int(b[0])%10]++
	}
	if x := chiSquare(counts); x <= 27.877 {
		t.Errorf("chi-square %.2f: a byte mod 10 went unnoticed", x)
	}
}
