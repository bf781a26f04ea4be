package count

import (
	"slices"
	"strings"
	"unicode"
)

// Bluesky limits app.bsky.feed.post text to 300 graphemes and 3000 UTF-8
// bytes, and marks links, mentions and tags with facets whose offsets are
// UTF-8 bytes. Detection follows the rich-text rules of the reference
// client library (@atproto/api detectFacets).

const (
	blueskyGraphemes = 300
	blueskyBytes     = 3000
	blueskyMaxTag    = 64 // graphemes, without the sign
)

// isJSSpace is \s of JavaScript regular expressions.
func isJSSpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x2000 && r <= 0x200A:
		return true
	}
	switch r {
	case ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return false
}

// isJSWord is \w of JavaScript regular expressions, which \b tests.
func isJSWord(r rune) bool { return isASCIIAlnum(r) || r == '_' }

func isLineTerminator(r rune) bool { return r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029 }

// isZeroWidthTagBreak lists the invisible characters that end a Bluesky tag.
func isZeroWidthTagBreak(r rune) bool {
	switch r {
	case 0xAD, 0x2060, 0x200A, 0x200B, 0x200C, 0x200D, 0x20E2:
		return true
	}
	return false
}

// blueskyDomain is isValidDomain of the reference library: the last label,
// as written, is a known top-level domain.
func blueskyDomain(s string) bool {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return false
	}
	tld := s[i+1:]
	return tld != "" && tld == strings.ToLower(tld) && isTLD(tld)
}

// blueskyFacet is a detected facet, in code points.
type blueskyFacet struct {
	kind       string
	start, end int
	value      string
}

// detectFacets finds mentions, links, tags and cashtags. Where two facets
// overlap, the one detected first (in that order) is kept.
func detectFacets(t *runeText) []blueskyFacet {
	var all []blueskyFacet
	all = append(all, blueskyMentions(t)...)
	all = append(all, blueskyLinks(t)...)
	all = append(all, blueskyTags(t)...)
	all = append(all, blueskyCashtags(t)...)
	taken := make([]bool, len(t.r))
	var kept []blueskyFacet
	for _, f := range all {
		if slices.Contains(taken[f.start:f.end], true) {
			continue
		}
		for i := f.start; i < f.end; i++ {
			taken[i] = true
		}
		kept = append(kept, f)
	}
	slices.SortStableFunc(kept, func(a, b blueskyFacet) int { return a.start - b.start })
	return kept
}

// blueskyLead reports whether a facet may start at i: at the start of the
// text, or after white space or, when paren is set, '('.
func blueskyLead(r []rune, i int, paren, lines bool) bool {
	if i == 0 {
		return true
	}
	p := r[i-1]
	return isJSSpace(p) || (paren && p == '(') || (lines && isLineTerminator(p))
}

// blueskyMentions matches (^|\s|\()@([a-zA-Z0-9.-]+)\b whose handle ends in
// a known TLD or ".test" and is a syntactically valid handle.
func blueskyMentions(t *runeText) []blueskyFacet {
	r := t.r
	isHandle := func(c rune) bool { return isASCIIAlnum(c) || c == '.' || c == '-' }
	var out []blueskyFacet
	for i := 0; i < len(r); i++ {
		if r[i] != '@' || !blueskyLead(r, i, true, false) {
			continue
		}
		e := i + 1
		for e < len(r) && isHandle(r[e]) {
			e++
		}
		end := -1
		for k := e; k > i+1; k-- { // back off until \b holds
			if isJSWord(r[k-1]) != (k < len(r) && isJSWord(r[k])) {
				end = k
				break
			}
		}
		if end < 0 {
			continue
		}
		handle := string(r[i+1 : end])
		if (blueskyDomain(handle) || strings.HasSuffix(handle, ".test")) && ValidateHandle(handle) == nil {
			out = append(out, blueskyFacet{kind: KindMention, start: i, end: end, value: handle})
		}
		i = end - 1
	}
	return out
}

// blueskyLinks matches https?:// and the non-space run after it, or a bare
// domain ([a-z][a-z0-9]*(\.[a-z0-9]+)+, any case) with a known TLD and the
// non-space run after it, then drops one trailing ".,;:!?" and a trailing
// ")" when the link holds no "(".
func blueskyLinks(t *runeText) []blueskyFacet {
	r := t.r
	nonSpaceEnd := func(i int) int {
		for i < len(r) && !isJSSpace(r[i]) {
			i++
		}
		return i
	}
	var out []blueskyFacet
	for i := 0; i < len(r); i++ {
		if !blueskyLead(r, i, true, true) {
			continue
		}
		var uri string
		end := -1
		switch {
		case hasPrefixFold(r, i, len(r), "https://") && nonSpaceEnd(i+8) > i+8:
			end = nonSpaceEnd(i + 8)
		case hasPrefixFold(r, i, len(r), "http://") && nonSpaceEnd(i+7) > i+7:
			end = nonSpaceEnd(i + 7)
		}
		if end >= 0 {
			uri = string(r[i:end])
			if !strings.HasPrefix(uri, "http") {
				i = end - 1 // an upper-case scheme is matched but not linked
				continue
			}
		} else {
			de := blueskyBareDomain(r, i)
			if de < 0 {
				continue
			}
			end = nonSpaceEnd(de)
			if !blueskyDomain(string(r[i:de])) {
				i = end - 1
				continue
			}
			uri = "https://" + string(r[i:end])
		}
		if strings.ContainsAny(uri[len(uri)-1:], ".,;:!?") {
			uri, end = uri[:len(uri)-1], end-1
		}
		if strings.HasSuffix(uri, ")") && !strings.Contains(uri, "(") {
			uri, end = uri[:len(uri)-1], end-1
		}
		out = append(out, blueskyFacet{kind: KindURL, start: i, end: end, value: uri})
		i = end - 1
	}
	return out
}

// blueskyBareDomain matches [a-z][a-z0-9]*(\.[a-z0-9]+)+ without case at i
// and returns its end, or -1.
func blueskyBareDomain(r []rune, i int) int {
	if i >= len(r) || !isASCIILetter(r[i]) {
		return -1
	}
	j := i + 1
	for j < len(r) && isASCIIAlnum(r[j]) {
		j++
	}
	end := -1
	for j+1 < len(r) && r[j] == '.' && isASCIIAlnum(r[j+1]) {
		j += 2
		for j < len(r) && isASCIIAlnum(r[j]) {
			j++
		}
		end = j
	}
	return end
}

// blueskyTags matches (^|\s)[#＃] and the run of characters up to white space
// or a zero-width break, when the run does not start with U+FE0F and holds a
// character that is neither an ASCII digit nor punctuation. Trailing
// punctuation is dropped, and tags over 64 graphemes are refused.
func blueskyTags(t *runeText) []blueskyFacet {
	r := t.r
	var out []blueskyFacet
	for i := 0; i < len(r); i++ {
		if !isHashSign(r[i]) || !blueskyLead(r, i, false, false) {
			continue
		}
		j := i + 1
		for j < len(r) && !isJSSpace(r[j]) && !isZeroWidthTagBreak(r[j]) {
			j++
		}
		body := r[i+1 : j]
		if len(body) == 0 || body[0] == vs16 || !slices.ContainsFunc(body, func(c rune) bool {
			return !isASCIIDigit(c) && !unicode.Is(unicode.P, c)
		}) {
			continue
		}
		tagEnd := j
		for tagEnd > i+1 && unicode.Is(unicode.P, r[tagEnd-1]) {
			tagEnd--
		}
		tag, sign := string(r[i+1:tagEnd]), i
		i = j - 1
		if tag == "" || (utf16Len(tag) > blueskyMaxTag && graphemeCount(tag) > blueskyMaxTag) {
			continue
		}
		out = append(out, blueskyFacet{kind: KindHashtag, start: sign, end: tagEnd, value: tag})
	}
	return out
}

// blueskyCashtags matches (^|\s|\()\$([A-Za-z][A-Za-z0-9]{0,4}) before white
// space, the end or one of . , ; : ! ? ) " ' ’; the tag is upper-cased.
func blueskyCashtags(t *runeText) []blueskyFacet {
	r := t.r
	var out []blueskyFacet
	for i := 0; i < len(r); i++ {
		if r[i] != '$' || !blueskyLead(r, i, true, false) || i+1 >= len(r) || !isASCIILetter(r[i+1]) {
			continue
		}
		j := i + 2
		for j < len(r) && isASCIIAlnum(r[j]) {
			j++
		}
		if j-(i+1) > 5 || (j < len(r) && !isJSSpace(r[j]) && !in(r[j], ".,;:!?)\"'\u2019")) {
			continue
		}
		out = append(out, blueskyFacet{kind: KindCashtag, start: i, end: j, value: strings.ToUpper(string(r[i+1 : j]))})
		i = j - 1
	}
	return out
}

// CountBluesky measures a post for Bluesky: at most 300 grapheme clusters
// (or opts.Limit) and 3000 UTF-8 bytes. Entities carry their facet index.
func CountBluesky(text string, opts Options) Result {
	t := newRuneText(text)
	defer t.release()
	limit := limitOr(opts, blueskyGraphemes)
	r := Result{Network: Bluesky, Counts: measure(text)}
	overflow := -1 // graphemeOverflow finds none in a text that fits
	if r.Counts.Graphemes > limit {
		overflow = graphemeOverflow(text, limit)
	}
	newCheck(&r, "length", UnitGraphemes, r.Counts.Graphemes, 0, limit, overflow)
	newCheck(&r, "bytes", UnitBytes, r.Counts.Bytes, 0, blueskyBytes, byteOverflow(text, blueskyBytes))
	for _, f := range detectFacets(t) {
		start, end := t.off[f.start], t.off[f.end]
		r.Entities = append(r.Entities, Entity{
			Kind: f.kind, Text: text[start:end], Start: start, End: end, Value: f.value,
			Facet: &FacetIndex{ByteStart: start, ByteEnd: end},
		})
	}
	finish(&r)
	return r
}
