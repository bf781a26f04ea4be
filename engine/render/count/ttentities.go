package count

import (
	"slices"
	"strings"
)

// Hashtag, mention, reply and cashtag extraction with twitter-text's rules.

// extractHashtags is extractHashtagsWithIndices. With checkURLs, hashtags
// that overlap a URL starting before them are dropped.
func extractHashtags(t *runeText, checkURLs bool) []ttEntity {
	if !strings.ContainsRune(t.s, '#') && !strings.ContainsRune(t.s, '＃') {
		return nil
	}
	r := t.r
	var out []ttEntity
	for pos := 0; pos < len(r); {
		hash, end, ok := nextHashtag(r, pos)
		if !ok {
			break
		}
		pos = end
		if end < len(r) && (isHashSign(r[end]) || strings.HasPrefix(t.s[t.off[end]:], "://")) {
			continue
		}
		out = append(out, ttEntity{kind: KindHashtag, start: hash, end: end, value: t.str(hash+1, end)})
	}
	if checkURLs && len(out) > 0 {
		if urls := extractURLs(t, xURLRules); len(urls) > 0 {
			out = removeOverlapping(append(out, urls...))
			out = slices.DeleteFunc(out, func(e ttEntity) bool { return e.kind != KindHashtag })
		}
	}
	return out
}

// nextHashtag finds the leftmost match of valid_hashtag at or after from:
// (^|\uFE0E|\uFE0F|[^&hashtag-chars]) [#＃] (?![\uFE0F\u20E3]) tag, where the
// tag is the run of hashtag characters after the sign and holds a letter.
func nextHashtag(r []rune, from int) (hash, end int, ok bool) {
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
	// A tag may start at 0 (when from is 0), then at each h after from
	// whose preceding code point allows it; tagAt needs a hash sign at h.
	if from == 0 && len(r) > 0 {
		if e := tagAt(0); e >= 0 {
			return 0, e, true
		}
	}
	for h := from + 1; h < len(r); h++ {
		if !isHashSign(r[h]) {
			continue
		}
		if c := r[h-1]; c == vs15 || c == vs16 || (c != '&' && !isHashtagChar(c)) {
			if e := tagAt(h); e >= 0 {
				return h, e, true
			}
		}
	}
	return 0, 0, false
}

// endMention is end_mention_match: a mention may not be followed by an at
// sign, a Latin accented letter or "://".
func endMention(t *runeText, end int) bool {
	if end >= len(t.r) {
		return false
	}
	c := t.r[end]
	return isAtSign(c) || isLatinAccent(c) || strings.HasPrefix(t.s[t.off[end]:], "://")
}

// extractMentionsOrLists is extractMentionsOrListsWithIndices.
func extractMentionsOrLists(t *runeText) []ttEntity {
	if !strings.ContainsRune(t.s, '@') && !strings.ContainsRune(t.s, '＠') {
		return nil
	}
	var out []ttEntity
	for pos := 0; pos < len(t.r); {
		e, end, ok := nextMention(t.r, pos)
		if !ok {
			break
		}
		pos = end
		if !endMention(t, end) {
			out = append(out, e)
		}
	}
	return out
}

// nextMention finds the leftmost match of valid_mention_or_list at or after
// from. The entity starts at the last at sign before the screen name.
func nextMention(r []rune, from int) (ttEntity, int, bool) {
	at := func(i int) rune {
		if i >= 0 && i < len(r) {
			return r[i]
		}
		return -1
	}
	isName := func(c rune) bool { return isASCIIAlnum(c) || c == '_' }
	// mentionAt matches at signs, a screen name of up to 20 characters and
	// an optional list slug at a.
	mentionAt := func(a int) (ttEntity, int, bool) {
		j := a
		for isAtSign(at(j)) {
			j++
		}
		if j == a || !isName(at(j)) {
			return ttEntity{}, 0, false
		}
		nameStart := j
		for j < len(r) && j-nameStart < 20 && isName(r[j]) {
			j++
		}
		e := ttEntity{kind: KindMention, start: nameStart - 1, value: string(r[nameStart:j])}
		if at(j) == '/' && isASCIILetter(at(j+1)) {
			k := j + 2
			for k < len(r) && k-(j+1) < 25 && (isName(r[k]) || r[k] == '-') {
				k++
			}
			e.listSlug = string(r[j:k])
			j = k
		}
		e.end = j
		return e, j, true
	}
	rt := func(i int) int { // "RT:?" at i, case-insensitive; returns the next index
		if !hasPrefixFold(r, i, len(r), "rt") {
			return -1
		}
		if at(i+2) == ':' {
			return i + 3
		}
		return i + 2
	}
	for s := from; s < len(r); s++ {
		c := r[s]
		if !isName(c) && !in(c, "!#$%&*") && !isAtSign(c) {
			if e, end, ok := mentionAt(s + 1); ok {
				return e, end, true
			}
		}
		if s == 0 {
			if e, end, ok := mentionAt(0); ok {
				return e, end, true
			}
			if a := rt(0); a >= 0 {
				if e, end, ok := mentionAt(a); ok {
					return e, end, true
				}
			}
		}
		if !isName(c) && !in(c, "+~.-") {
			if a := rt(s + 1); a >= 0 {
				if e, end, ok := mentionAt(a); ok {
					return e, end, true
				}
			}
		}
	}
	return ttEntity{}, 0, false
}

// extractMentions is extractMentionedScreennamesWithIndices: mentions that
// are not lists.
func extractMentions(t *runeText) []ttEntity {
	return slices.DeleteFunc(extractMentionsOrLists(t), func(e ttEntity) bool { return e.listSlug != "" })
}

// extractReply is extractReplyScreenname: the screen name a text starting
// with a mention replies to, or "".
func extractReply(t *runeText) string {
	r := t.r
	i := 0
	for i < len(r) && (isTwitterSpace(r[i]) || isDirectional(r[i])) {
		i++
	}
	if i >= len(r) || !isAtSign(r[i]) {
		return ""
	}
	i++
	j := i
	for j < len(r) && j-i < 20 && (isASCIIAlnum(r[j]) || r[j] == '_') {
		j++
	}
	if j == i || endMention(t, j) {
		return ""
	}
	return string(r[i:j])
}

// extractCashtags is extractCashtagsWithIndices: "$" and 1 to 6 letters with
// an optional "." or "_" and 1 or 2 letters, after a space or the start and
// before a space, ASCII punctuation or the end.
func extractCashtags(t *runeText) []ttEntity {
	if !strings.ContainsRune(t.s, '$') {
		return nil
	}
	r := t.r
	letters := func(i int) int {
		j := i
		for j < len(r) && isASCIILetter(r[j]) {
			j++
		}
		return j - i
	}
	after := func(i int) bool { return i >= len(r) || isASCIISpace(r[i]) || isASCIIPunct(r[i]) }
	tagAt := func(d int) int {
		if d >= len(r) || r[d] != '$' {
			return -1
		}
		n := letters(d + 1)
		if n == 0 || n > 6 {
			return -1
		}
		q := d + 1 + n
		if q < len(r) && (r[q] == '.' || r[q] == '_') {
			if m := letters(q + 1); m >= 1 && m <= 2 && after(q+1+m) {
				return q + 1 + m
			}
		}
		if after(q) {
			return q
		}
		return -1
	}
	var out []ttEntity
	for s := 0; s < len(r); {
		d, end := -1, -1
		for ; s < len(r); s++ {
			if s == 0 {
				if e := tagAt(0); e >= 0 {
					d, end = 0, e
					break
				}
			}
			if isTwitterSpace(r[s]) || isDirectional(r[s]) {
				if e := tagAt(s + 1); e >= 0 {
					d, end = s+1, e
					break
				}
			}
		}
		if d < 0 {
			break
		}
		out = append(out, ttEntity{kind: KindCashtag, start: d, end: end, value: string(r[d+1 : end])})
		s = end
	}
	return out
}

// removeOverlapping sorts entities by start and drops each one that starts
// before the previous kept one ends.
func removeOverlapping(es []ttEntity) []ttEntity {
	slices.SortStableFunc(es, func(a, b ttEntity) int { return a.start - b.start })
	out := es[:0]
	for _, e := range es {
		if len(out) > 0 && out[len(out)-1].end > e.start {
			continue
		}
		out = append(out, e)
	}
	return out
}

// extractEntities is extractEntitiesWithIndices: URLs, hashtags, mentions
// and lists, and cashtags, without overlaps.
func extractEntities(t *runeText) []ttEntity {
	return extractEntitiesWithURLs(t, extractURLs(t, xURLRules))
}

// extractEntitiesWithURLs is extractEntities for URLs already extracted.
func extractEntitiesWithURLs(t *runeText, urls []ttEntity) []ttEntity {
	all := append([]ttEntity{}, urls...)
	all = append(all, extractHashtags(t, false)...)
	all = append(all, extractMentionsOrLists(t)...)
	all = append(all, extractCashtags(t)...)
	return removeOverlapping(all)
}
