package count

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// randomURLText mixes URL pieces, words and separators.
func randomURLText(r *rand.Rand) string {
	pieces := []string{"https://", "http://", "HTTP://", "gemini://", "dat://", "www.", "example", "com", "co", ".", "..", "-", "_", ":", "/", "?", "=", "&",
		"#", "@", "$", "(", ")", " ", "\n", "é", "xn--bcher-kva", "t.co/", "abc", "b_c.d", "a-.com", "_x.org", "ſ", "日本", ".fr", "😀", "\u200e", "9"}
	var b strings.Builder
	for range r.IntN(24) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestURLScannerShortcuts checks the scanner's shortcuts against their
// definitions: where mayStart says no URL starts, urlAt indeed finds none,
// up to the end it gives; runEnd is the end of the run it describes.
func TestURLScannerShortcuts(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 4))
	for range 20000 {
		text := newRuneText(randomURLText(r))
		for _, rules := range []*urlRules{xURLRules, mastodonURLRules} {
			sc := newURLScanner(text, rules)
			for u := 0; u <= len(text.r); u++ {
				ok, end := sc.mayStart(u)
				if ok {
					continue
				}
				for v := u; v < end; v++ {
					if _, found := newURLScanner(text, rules).urlAt(v); found {
						t.Fatalf("%q: mayStart(%d) says none before %d, urlAt(%d) finds one", text.s, u, end, v)
					}
				}
			}
			for p := range text.r {
				for _, sub := range []bool{false, true} {
					want := p
					for want < len(text.r) {
						c := text.r[want]
						if !isDomainChar(c) && c != '-' && !(sub && c == '_') {
							break
						}
						want++
					}
					if got := sc.runEnd(p, sub); got != want {
						t.Fatalf("%q: runEnd(%d, %v) = %d, want %d", text.s, p, sub, got, want)
					}
				}
			}
		}
		text.release()
	}
}

// nextHashtagEveryPosition is nextHashtag as first written, trying every
// position: the test checks the shortcut against it.
func nextHashtagEveryPosition(r []rune, from int) (hash, end int, ok bool) {
	tagAt := func(h int) int {
		if h >= len(r) || !isHashSign(r[h]) {
			return -1
		}
		if h+1 < len(r) && (r[h+1] == vs16 || r[h+1] == 0x20E3) {
			return -1
		}
		letter := false
		j := h + 1
		for j < len(r) && isHashtagChar(r[j]) {
			letter = letter || isHashtagLetter(r[j])
			j++
		}
		if !letter {
			return -1
		}
		return j
	}
	for s := from; s < len(r); s++ {
		if s == 0 {
			if e := tagAt(0); e >= 0 {
				return 0, e, true
			}
		}
		c := r[s]
		if c == vs15 || c == vs16 || (c != '&' && !isHashtagChar(c)) {
			if e := tagAt(s + 1); e >= 0 {
				return s + 1, e, true
			}
		}
	}
	return 0, 0, false
}

func TestNextHashtag(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	pieces := []string{"#", "＃", "&", "a", "é", "1", "_", " ", "tag", "\ufe0e", "\ufe0f", "\u20e3", "#️⃣", "日本", "!", "#1"}
	for range 30000 {
		var b strings.Builder
		for range r.IntN(14) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		rs := []rune(b.String())
		for from := 0; from <= len(rs); from++ {
			h1, e1, ok1 := nextHashtag(rs, from)
			h2, e2, ok2 := nextHashtagEveryPosition(rs, from)
			if h1 != h2 || e1 != e2 || ok1 != ok2 {
				t.Fatalf("%q from %d: nextHashtag %d %d %v, want %d %d %v", b.String(), from, h1, e1, ok1, h2, e2, ok2)
			}
		}
	}
}
