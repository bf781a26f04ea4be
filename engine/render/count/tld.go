package count

import (
	"sync"
	"unicode"
)

// tldTrie matches top-level domains case-insensitively.
type tldTrie struct {
	next map[rune]*tldTrie
	term bool
}

func buildTrie(list []string) *tldTrie {
	root := &tldTrie{}
	for _, tld := range list {
		n := root
		for _, c := range tld {
			c = unicode.ToLower(c)
			if n.next == nil {
				n.next = map[rune]*tldTrie{}
			}
			child := n.next[c]
			if child == nil {
				child = &tldTrie{}
				n.next[c] = child
			}
			n = child
		}
		n.term = true
	}
	return root
}

type tldTables struct{ generic, country *tldTrie }

var tlds = sync.OnceValue(func() tldTables {
	return tldTables{generic: buildTrie(genericTLDs), country: buildTrie(countryTLDs)}
})

// tldBoundary is the lookahead after a TLD, (?=[^0-9a-z@+-]|$) without case:
// the TLD must not run on into a longer word.
func tldBoundary(r []rune, i, limit int) bool {
	if i >= limit {
		return true
	}
	c := r[i]
	return !isASCIIAlnum(c) && c != '@' && c != '+' && c != '-'
}

// longest returns the end of the longest TLD of the trie starting at p that
// is followed by a boundary, or -1. The TLD lists put a longer TLD before any
// shorter one that is its prefix, so the longest is the one an alternation
// of the list would pick.
func (t *tldTrie) longest(r []rune, p, limit int) int {
	best := -1
	n := t
	for i := p; i < limit; i++ {
		n = n.next[unicode.ToLower(r[i])]
		if n == nil {
			break
		}
		if n.term && tldBoundary(r, i+1, limit) {
			best = i + 1
		}
	}
	return best
}

// matchTLD matches a generic TLD, else a country TLD, else a punycode label
// ("xn--" and letters, digits and, when dash is set, hyphens).
func matchTLD(r []rune, p, limit int, dash bool) int {
	t := tlds()
	if e := t.generic.longest(r, p, limit); e >= 0 {
		return e
	}
	if e := t.country.longest(r, p, limit); e >= 0 {
		return e
	}
	if hasPrefixFold(r, p, limit, "xn--") {
		j := p + 4
		for j < limit && (isASCIIAlnum(r[j]) || (dash && r[j] == '-')) {
			j++
		}
		if j > p+4 {
			return j
		}
	}
	return -1
}

// hasPrefixFold reports whether r[p:limit] starts with the ASCII prefix,
// ignoring ASCII case.
func hasPrefixFold(r []rune, p, limit int, prefix string) bool {
	if limit-p < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := r[p+i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != rune(prefix[i]) {
			return false
		}
	}
	return true
}

// isTLD reports whether s, ignoring case, is on either TLD list.
func isTLD(s string) bool {
	t := tlds()
	for _, trie := range []*tldTrie{t.generic, t.country} {
		n := trie
		for _, c := range s {
			if n = n.next[unicode.ToLower(c)]; n == nil {
				break
			}
		}
		if n != nil && n.term {
			return true
		}
	}
	return false
}
