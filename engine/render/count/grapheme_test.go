package count

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/clipperhouse/uax29/v2/graphemes"
)

func clusters(s string) []string {
	var out []string
	g := graphemes.FromString(s)
	for g.Next() {
		out = append(out, g.Value())
	}
	return out
}

// TestGraphemesFollowUnicode15_1 pins the segmenter to Unicode 15.1 or later:
// rule GB9c keeps Indic conjuncts (consonant, virama, consonant) together,
// which older segmenters split.
func TestGraphemesFollowUnicode15_1(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"KSSA with vowel sign is one cluster", "क्षि", []string{"क्षि"}},
		{"namaste is three clusters", "नमस्ते", []string{"न", "म", "स्ते"}},
		// Cases of GraphemeBreakTest.txt 15.1 (rule 9.3).
		{"KA VIRAMA TA", "\u0915\u094d\u0924", []string{"\u0915\u094d\u0924"}},
		{"KA NUKTA VIRAMA TA", "\u0915\u093c\u094d\u0924", []string{"\u0915\u093c\u094d\u0924"}},
		{"KA VIRAMA NUKTA TA", "\u0915\u094d\u093c\u0924", []string{"\u0915\u094d\u093c\u0924"}},
		{"KA VIRAMA ZWJ TA", "\u0915\u094d\u200d\u0924", []string{"\u0915\u094d\u200d\u0924"}},
		{"KA VIRAMA VIRAMA TA", "\u0915\u094d\u094d\u0924", []string{"\u0915\u094d\u094d\u0924"}},
		{"KA TA without linker", "\u0915\u0924", []string{"\u0915", "\u0924"}},
		{"KA VIRAMA then a Latin letter", "\u0915\u094da", []string{"\u0915\u094d", "a"}},
		{"Bengali conjunct", "\u0995\u09cd\u09b7", []string{"\u0995\u09cd\u09b7"}},
		// Rules that did not change.
		{"family ZWJ sequence", "👨\u200d👩\u200d👧\u200d👧", []string{"👨\u200d👩\u200d👧\u200d👧"}},
		{"flags pair up", "🇫🇷🇩🇪", []string{"🇫🇷", "🇩🇪"}},
		{"skin tone", "👍🏽", []string{"👍🏽"}},
		{"CR LF", "a\r\nb", []string{"a", "\r\n", "b"}},
		{"combining marks", "e\u0301\u0302x", []string{"e\u0301\u0302", "x"}},
		{"Hangul syllable from jamo", "\u1100\u1161\u11a8", []string{"\u1100\u1161\u11a8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clusters(tt.text)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("clusters(%q) = %q, want %q", tt.text, got, tt.want)
			}
			if n := graphemeCount(tt.text); n != len(tt.want) {
				t.Errorf("graphemeCount = %d, want %d", n, len(tt.want))
			}
		})
	}
}

func TestUnitHelpers(t *testing.T) {
	text := "a😀é"
	if got := utf16Len(text); got != 4 {
		t.Errorf("utf16Len = %d", got)
	}
	if got := utf16Overflow(text, 2); got != 1 {
		t.Errorf("utf16Overflow cuts a surrogate pair: %d", got)
	}
	if got := graphemeOverflow(text, 2); got != 5 {
		t.Errorf("graphemeOverflow = %d", got)
	}
	if got := byteOverflow("👨\u200d👩\u200d👧\u200d👧x", 10); got != 0 {
		t.Errorf("byteOverflow keeps clusters whole: %d", got)
	}
	if got := codePointOverflow(text, 3); got != -1 {
		t.Errorf("codePointOverflow = %d", got)
	}
}

func TestEmojiSequences(t *testing.T) {
	tests := []struct {
		text string
		want int // code points of the first emoji, 0 for none
	}{
		{"😀", 1},
		{"☺", 1},
		{"☺\ufe0e", 0},
		{"☺\ufe0f", 2},
		{"©", 0},
		{"©\ufe0f", 2},
		{"a", 0},
		{"1", 0},
		{"1\u20e3", 2},
		{"*\ufe0f\u20e3", 3},
		{"🇫🇷", 2},
		{"🇫", 1},
		{"👍🏽", 2},
		{"🏳\ufe0f\u200d🌈", 4},
		{"👩\u200d❤\ufe0f\u200d💋\u200d👨", 8},
		{"🐈\u200d⬛", 3},
		{"😀\u200d", 1},
		{"🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 7},
		{"\ufe0f", 1},
	}
	for _, tt := range tests {
		if got := emojiLen([]rune(tt.text), 0); got != tt.want {
			t.Errorf("emojiLen(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

// TestExtendedPictographicTable checks the generated table against the
// segmenter it was derived from, on a sample of code points: a stale
// extpict_gen.go fails here (regenerate with go generate).
func TestExtendedPictographicTable(t *testing.T) {
	probe := func(r rune) bool {
		c := string(r)
		g := graphemes.FromString("\U0001F600\u200d" + c)
		one := g.Next() && g.End() == len("\U0001F600\u200d"+c)
		h := graphemes.FromString("a" + c)
		joinsLetter := h.Next() && h.End() == len("a"+c)
		return one && !joinsLetter
	}
	for r := rune(0); r < 0x20000; r += 7 {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if got, want := isPictographicTable(r), probe(r); got != want {
			t.Fatalf("U+%04X: table %v, segmenter %v", r, got, want)
		}
	}
	for _, r := range []rune{0xA9, 0xAE, 0x203C, 0x2764, 0x1F600, 0x1F9D1, 0x1FAE0} {
		if !isPictographicTable(r) {
			t.Errorf("U+%04X should be Extended_Pictographic", r)
		}
	}
	for _, r := range []rune{'a', '#', 0x1F1E6, 0x1F3FB, 0x200D} {
		if isPictographicTable(r) {
			t.Errorf("U+%04X should not be Extended_Pictographic", r)
		}
	}
}

func isPictographicTable(r rune) bool { return unicode.Is(extendedPictographic, r) }

// TestSimpleRunesAreClusters checks simpleRune against the segmentation:
// every pair of simple runes makes two clusters, and so does a random run
// of them make one cluster per rune.
func TestSimpleRunesAreClusters(t *testing.T) {
	var simple []rune
	for r := rune(0); r < 0x2100; r++ {
		if simpleRune(r) {
			simple = append(simple, r)
		}
	}
	segments := func(s string) int {
		n := 0
		g := graphemes.FromString(s)
		for g.Next() {
			n++
		}
		return n
	}
	for _, a := range simple {
		for _, b := range simple {
			if n := segments(string([]rune{a, b})); n != 2 {
				t.Fatalf("U+%04X U+%04X make %d clusters", a, b, n)
			}
		}
	}
	rng := rand.New(rand.NewPCG(2, 3))
	for range 2000 {
		rs := make([]rune, rng.IntN(40))
		for i := range rs {
			rs[i] = simple[rng.IntN(len(simple))]
		}
		if n := segments(string(rs)); n != len(rs) || graphemeCount(string(rs)) != n {
			t.Fatalf("%q: %d clusters, graphemeCount %d", string(rs), n, graphemeCount(string(rs)))
		}
	}
}
