package count

import (
	"unicode/utf8"

	"github.com/clipperhouse/uax29/v2/graphemes"
)

// graphemeCount returns the number of extended grapheme clusters in s.
func graphemeCount(s string) int {
	if isASCIINoCR(s) {
		return len(s)
	}
	n := 0
	g := graphemes.FromString(s)
	for g.Next() {
		n++
	}
	return n
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
type runeText struct {
	s   string
	r   []rune
	off []int // off[i] is the byte offset of r[i]; off[len(r)] == len(s)
}

func newRuneText(s string) *runeText {
	t := &runeText{s: s, r: make([]rune, 0, len(s)), off: make([]int, 0, len(s)+1)}
	for i, c := range s {
		t.r = append(t.r, c)
		t.off = append(t.off, i)
	}
	t.off = append(t.off, len(s))
	return t
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
