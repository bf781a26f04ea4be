package count

import (
	"sync"
	"unicode/utf8"

	"github.com/clipperhouse/uax29/v2/graphemes"
)

// graphemeCount returns the number of extended grapheme clusters in s.
func graphemeCount(s string) int {
	if isASCIINoCR(s) {
		return len(s)
	}
	if n, ok := singleRuneClusters(s); ok {
		return n
	}
	n := 0
	g := graphemes.FromString(s)
	for g.Next() {
		n++
	}
	return n
}

// singleRuneClusters counts the code points of s when each is a cluster of
// its own: when every one is a "simple" rune, which joins neither the one
// before it nor the one after it.
func singleRuneClusters(s string) (int, bool) {
	n := 0
	for _, r := range s {
		if !simpleRune(r) {
			return 0, false
		}
		n++
	}
	return n, true
}

// simpleRune reports whether r has none of the grapheme cluster break
// properties that join characters (Extend, ZWJ, SpacingMark, Prepend,
// Regional_Indicator, Hangul syllables), nor is CR, which joins LF: Latin,
// its accented letters and symbols below the combining diacritics, general
// punctuation (but ZWNJ and ZWJ) and currency signs. Every pair of them is
// checked against the segmentation in the tests.
func simpleRune(r rune) bool {
	return r < 0x300 && r != '\r' || r >= 0x2000 && r <= 0x20CF && r != 0x200C && r != 0x200D
}

// isASCIINoCR reports whether every byte of s is ASCII and none is CR, the
// one ASCII character that joins the next one (CR LF) into a cluster.
func isASCIINoCR(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == '\r' {
			return false
		}
	}
	return true
}

// graphemeOverflow returns the byte offset of the first grapheme cluster past
// the limit, or -1 when s has at most limit clusters.
func graphemeOverflow(s string, limit int) int {
	n := 0
	g := graphemes.FromString(s)
	for g.Next() {
		if n == limit {
			return g.Start()
		}
		n++
	}
	return -1
}

// byteOverflow returns the start of the first grapheme cluster that does not
// end within limit bytes, or -1 when s fits.
func byteOverflow(s string, limit int) int {
	if len(s) <= limit {
		return -1
	}
	g := graphemes.FromString(s)
	for g.Next() {
		if g.End() > limit {
			return g.Start()
		}
	}
	return -1
}

// utf16Len returns the number of UTF-16 code units that encode s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Units(r)
	}
	return n
}

func utf16Units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Overflow returns the byte offset of the first code point that does not
// fit within limit UTF-16 units, or -1 when s fits.
func utf16Overflow(s string, limit int) int {
	n := 0
	for i, r := range s {
		n += utf16Units(r)
		if n > limit {
			return i
		}
	}
	return -1
}

// codePointOverflow returns the byte offset of code point number limit (from
// zero), or -1 when s has at most limit code points.
func codePointOverflow(s string, limit int) int {
	n := 0
	for i := range s {
		if n == limit {
			return i
		}
		n++
	}
	return -1
}

// runeText is a text split into code points, with the byte offset of each.
// Its slices are reused between counts (see release): nothing a count
// returns may refer to them; strings cut from s or copied from r are safe.
type runeText struct {
	s   string
	r   []rune
	off []int // off[i] is the byte offset of r[i]; off[len(r)] == len(s)
	// scan is the URL scanner's scratch space, reused within one count.
	scan []int32
}

var runeTexts = sync.Pool{New: func() any { return new(runeText) }}

// maxPooledRunes bounds the buffers kept for reuse, so that one huge text
// does not pin its memory.
const maxPooledRunes = 1 << 16

func newRuneText(s string) *runeText {
	t := runeTexts.Get().(*runeText)
	t.s = s
	if cap(t.r) < len(s) {
		t.r = make([]rune, 0, len(s))
	}
	if cap(t.off) < len(s)+1 {
		t.off = make([]int, 0, len(s)+1)
	}
	n := utf8.RuneCountInString(s)
	r, off := t.r[:n], t.off[:n+1]
	k := 0
	for i, c := range s {
		r[k], off[k] = c, i
		k++
	}
	off[n] = len(s)
	t.r, t.off = r, off
	return t
}

// release returns t's buffers for reuse by a later count. t must not be
// used afterwards.
func (t *runeText) release() {
	t.s = ""
	if cap(t.r) > maxPooledRunes {
		return
	}
	runeTexts.Put(t)
}

// at returns the code point at i, or -1 outside the text.
func (t *runeText) at(i int) rune {
	if i < 0 || i >= len(t.r) {
		return -1
	}
	return t.r[i]
}

// str returns the text between code point indices i and j.
func (t *runeText) str(i, j int) string { return t.s[t.off[i]:t.off[j]] }
