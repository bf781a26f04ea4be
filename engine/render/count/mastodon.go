package count

import (
	"strings"
	"unicode"
)

// Mastodon counts like its StatusLengthValidator: the content warning plus
// the text, in grapheme clusters, after every URL is replaced by 23
// characters and every "@user@domain" mention by "@user".

const (
	mastodonDefaultLimit = 500
	mastodonURLChars     = 23
	mastodonMaxDomain    = 253
)

func isWordChar(r rune) bool { // Onigmo's [[:word:]]
	if r < 0x80 {
		return isASCIIAlnum(r) || r == '_'
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.Nd, unicode.Pc)
}

func isAlphabetic(r rune) bool { // Onigmo's [[:alpha:]]
	return unicode.In(r, unicode.L, unicode.Nl, unicode.Other_Alphabetic)
}

// isURIChar is the UCHARS set Mastodon allows in query strings.
func isURIChar(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xF8FF, r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFEF:
		return true
	case r >= 0xE0000 && r < 0xE1000:
		return false
	}
	return r >= 0x10000 && r&0xFFFF <= 0xFFFD
}

// rubyPathChar is the path character class of twitter-text's Ruby rules,
// which Mastodon still uses inside parentheses that end a path.
func rubyPathChar(r rune) bool {
	return isASCIIAlnum(r) || in(r, "!*';:=+,.$/%#[]_~&|@") || unicode.In(r, unicode.Cyrillic, unicode.Pd) || isLatinAccent(r)
}

// mastodonURLRules are Mastodon's overrides of the twitter-text URL rules:
// more schemes, any non-space path character, and a wider query.
var mastodonURLRules = &urlRules{
	schemes:       []string{"https://", "http://", "dat://", "dweb://", "ipfs://", "ipns://", "ssb://", "gopher://", "gemini://"},
	withoutScheme: false,
	punycodeDash:  false,
	pathChar: func(r rune) bool {
		return !unicode.Is(unicode.White_Space, r) && !in(r, "<>()?")
	},
	pathEnd: func(r rune) bool {
		return !unicode.Is(unicode.White_Space, r) && !in(r, "()?!*\"'「」<>;:=,.$%[]~&|@")
	},
	parenChar: func(r rune) bool {
		return !unicode.Is(unicode.White_Space, r) && !in(r, "<>()?")
	},
	endParenChar: rubyPathChar,
	queryChar:    func(r rune) bool { return ttQueryChar(r) || r == '^' || isURIChar(r) },
	queryEnd:     func(r rune) bool { return ttQueryEnd(r) || isURIChar(r) },
}

// mastodonMentions finds Account::MENTION_RE matches: "@user" or
// "@user@domain", not after '=', '/' or a word character, not followed by an
// at sign, a Latin accent or "://", with a domain of at most 253 characters.
func mastodonMentions(t *runeText) []ttEntity {
	r := t.r
	isUser := func(c rune) bool { return isASCIIAlnum(c) || c == '_' }
	// dotted matches first([.-]+first)* greedily from i and returns its end.
	dotted := func(i int, first func(rune) bool) int {
		if i >= len(r) || !first(r[i]) {
			return i
		}
		end, j := i, i
		for j < len(r) && (first(r[j]) || r[j] == '.' || r[j] == '-') {
			if first(r[j]) {
				end = j + 1
			}
			j++
		}
		return end
	}
	var out []ttEntity
	for i := 0; i < len(r); i++ {
		if r[i] != '@' || (i > 0 && (r[i-1] == '=' || r[i-1] == '/' || isWordChar(r[i-1]))) {
			continue
		}
		userEnd := dotted(i+1, isUser)
		if userEnd == i+1 {
			continue
		}
		end := userEnd
		domain := ""
		if t.at(userEnd) == '@' {
			if e := dotted(userEnd+1, isWordChar); e > userEnd+1 {
				end = e
				domain = string(r[userEnd+1 : e])
			}
		}
		if !endMention(t, end) && len([]rune(domain)) <= mastodonMaxDomain {
			out = append(out, ttEntity{kind: KindMention, start: i, end: end, value: string(r[i+1 : end])})
		}
		i = end - 1
	}
	return out
}

// mastodonHashtags finds Tag::HASHTAG_RE matches: '#' or '＃' at the start or
// after a space, then a name of word characters that holds a letter
// (separators "_", "·", "・" and ZWNJ may join words).
func mastodonHashtags(t *runeText) []ttEntity {
	r := t.r
	isSep := func(c rune) bool { return in(c, "_\u00b7\u30fb\u200c") }
	var out []ttEntity
	for h := 0; h < len(r); h++ {
		if !isHashSign(r[h]) || (h > 0 && !unicode.Is(unicode.White_Space, r[h-1])) {
			continue
		}
		p := h + 1
		end := hashtagFirstSequence(r, p, isSep)
		if end < 0 {
			end = p
			letter := false
			for end < len(r) && isWordChar(r[end]) {
				letter = letter || isAlphabetic(r[end])
				end++
			}
			if !letter {
				continue
			}
		}
		name := string(r[p:end])
		if strings.HasPrefix(t.s[t.off[end]:], "://") {
			for _, suffix := range []string{"https", "http"} {
				if strings.HasSuffix(name, suffix) && len(name) > len(suffix) {
					name = name[:len(name)-len(suffix)]
					end -= len(suffix)
					break
				}
			}
		}
		out = append(out, ttEntity{kind: KindHashtag, start: h, end: end, value: name})
		h = end - 1
	}
	return out
}

// hashtagFirstSequence matches word (word|sep)* (alpha|sep) (word|sep)* word
// at p and returns its end, or -1.
func hashtagFirstSequence(r []rune, p int, isSep func(rune) bool) int {
	if p >= len(r) || !isWordChar(r[p]) {
		return -1
	}
	e := p
	for e < len(r) && (isWordChar(r[e]) || isSep(r[e])) {
		e++
	}
	last := -1
	for k := e - 1; k > p; k-- {
		if isWordChar(r[k]) {
			last = k
			break
		}
	}
	if last < p+2 {
		return -1
	}
	for j := p + 1; j < last; j++ {
		if isAlphabetic(r[j]) || isSep(r[j]) {
			return last + 1
		}
	}
	return -1
}

// isBlank is Ruby's blank?: empty or only white space.
func isBlank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.Is(unicode.White_Space, r) }) == ""
}

// CountMastodon measures a status for Mastodon. The limit is 500 unless
// opts.Limit gives the instance's configuration.statuses.max_characters;
// opts.ContentWarning is counted with the text.
func CountMastodon(text string, opts Options) Result {
	t := newRuneText(text)
	defer t.release()
	limit := limitOr(opts, mastodonDefaultLimit)
	urls, mentions := extractURLs(t, mastodonURLRules), mastodonMentions(t)
	var counted []ttEntity
	if !isBlank(text) {
		counted = removeOverlapping(append(append([]ttEntity{}, urls...), mentions...))
	}
	cm := newCountable(opts.ContentWarning)
	last := 0
	for _, e := range counted {
		start, end := t.off[e.start], t.off[e.end]
		cm.copy(text[last:start], last)
		if e.kind == KindURL {
			cm.atomic(strings.Repeat("x", mastodonURLChars), start)
		} else {
			user, _, _ := strings.Cut(e.value, "@")
			cm.atomic("@"+user, start)
		}
		last = end
	}
	if !isBlank(text) {
		cm.copy(text[last:], last)
	}
	length := graphemeCount(cm.b.String())
	overflow := -1
	if length > limit {
		overflow = cm.orig(graphemeOverflow(cm.b.String(), limit))
	}

	r := Result{Network: Mastodon, Counts: measure(text)}
	newCheck(&r, "length", UnitGraphemes, length, 0, limit, overflow)
	if cw := graphemeCount(opts.ContentWarning); cw > limit {
		r.Problems = append(r.Problems, "the content warning alone is over the limit")
	}
	ents := append(append(urls, mastodonHashtags(t)...), mentions...)
	ents = removeOverlapping(ents)
	for _, e := range ents {
		r.Entities = append(r.Entities, plainEntity(t, e))
	}
	finish(&r)
	return r
}

// plainEntity converts an entity of an unnormalised text.
func plainEntity(t *runeText, e ttEntity) Entity {
	start, end := t.off[e.start], t.off[e.end]
	value := e.value
	if e.kind == KindMention {
		value += e.listSlug
	}
	return Entity{Kind: e.kind, Text: t.s[start:end], Start: start, End: end, Value: value}
}

// countable builds the text a network counts from pieces of the original,
// and maps offsets of the counted text back to the original.
type countable struct {
	b      strings.Builder
	pieces []piece
}

type piece struct {
	at, orig int  // where the piece starts in the counted and original text
	atomic   bool // a replacement: any offset inside maps to its start
}

// newCountable starts a counted text with a prefix that is not part of the
// original text (Mastodon's content warning); it maps to offset 0.
func newCountable(prefix string) *countable {
	c := &countable{}
	c.atomic(prefix, 0)
	return c
}

func (c *countable) copy(s string, orig int) {
	c.pieces = append(c.pieces, piece{at: c.b.Len(), orig: orig})
	c.b.WriteString(s)
}

func (c *countable) atomic(s string, orig int) {
	c.pieces = append(c.pieces, piece{at: c.b.Len(), orig: orig, atomic: true})
	c.b.WriteString(s)
}

// orig maps an offset of the counted text to the original text.
func (c *countable) orig(n int) int {
	for i := len(c.pieces) - 1; i >= 0; i-- {
		p := c.pieces[i]
		if p.at > n {
			continue
		}
		if p.atomic {
			return p.orig
		}
		return p.orig + (n - p.at)
	}
	return 0
}
