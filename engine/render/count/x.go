package count

import (
	"fmt"
	"sort"

	"golang.org/x/text/unicode/norm"
)

// xConfig is twitter-text's weighting configuration v3, the one X uses.
var xConfig = struct {
	MaxWeightedTweetLength int
	Scale                  int
	DefaultWeight          int
	TransformedURLLength   int
	EmojiParsingEnabled    bool
	Ranges                 []weightRange
}{
	MaxWeightedTweetLength: 280,
	Scale:                  100,
	DefaultWeight:          200,
	TransformedURLLength:   23,
	EmojiParsingEnabled:    true,
	Ranges: []weightRange{
		{Start: 0, End: 4351, Weight: 100},
		{Start: 8192, End: 8205, Weight: 100},
		{Start: 8208, End: 8223, Weight: 100},
		{Start: 8242, End: 8247, Weight: 100},
	},
}

type weightRange struct {
	Start, End rune
	Weight     int
}

// charWeight is the weight of one code point outside URLs and emoji.
func charWeight(r rune) int {
	for _, w := range xConfig.Ranges {
		if r >= w.Start && r <= w.End {
			return w.Weight
		}
	}
	return xConfig.DefaultWeight
}

// CountX measures a post for X with twitter-text's parseTweet and the v3
// configuration: the text is NFC-normalised, every URL weighs 23, every emoji
// sequence 2, code points of the light ranges (most Latin, Greek, Cyrillic,
// Hebrew, Arabic, Indic, punctuation) 1 and all others (CJK, astral) 2.
// The limit is 280 unless opts.Limit says otherwise; empty text and text
// holding U+FFFE, U+FEFF or U+FFFF are not valid.
func CountX(text string, opts Options) Result {
	nm := newNFC(text)
	t := newRuneText(nm.norm)
	defer t.release()
	limit := limitOr(opts, xConfig.MaxWeightedTweetLength)
	scaled := limit * xConfig.Scale
	urls := extractURLs(t, xURLRules)

	weighted, validEnd, invalidAt := 0, 0, -1
	for i, u := 0, 0; i < len(t.r); {
		for u < len(urls) && urls[u].start < i {
			u++
		}
		var next int
		switch c := t.r[i]; {
		case c < 0x300 && !(u < len(urls) && urls[u].start == i) && !keycapStart(c) && c != 0xA9 && c != 0xAE:
			// Latin without a keycap or a pictograph (© ®): one light code point.
			weighted += xConfig.Ranges[0].Weight
			next = i + 1
		case u < len(urls) && urls[u].start == i:
			weighted += xConfig.TransformedURLLength * xConfig.Scale
			next = urls[u].end
		case xConfig.EmojiParsingEnabled && emojiLen(t.r, i) > 0:
			weighted += xConfig.DefaultWeight
			next = i + emojiLen(t.r, i)
		default:
			weighted += charWeight(t.r[i])
			next = i + 1
		}
		if invalidAt < 0 && isInvalidChar(t.r[next-1]) {
			invalidAt = next - 1
		}
		if invalidAt < 0 && weighted <= scaled {
			validEnd = next
		}
		i = next
	}
	length := weighted / xConfig.Scale

	r := Result{Network: X, Counts: measure(text)}
	r.Counts.Weighted = &length
	newCheck(&r, "length", UnitWeighted, length, 1, limit, nm.orig(t.off[validEnd]))
	if invalidAt >= 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("contains U+%04X at byte %d, which X refuses", t.r[invalidAt], nm.orig(t.off[invalidAt])))
	}
	for _, e := range extractEntitiesWithURLs(t, urls) {
		r.Entities = append(r.Entities, nm.entity(t, e))
	}
	finish(&r)
	return r
}

// nfcText is a text and its NFC form, with a map between their offsets.
type nfcText struct {
	src, norm string
	segs      []nfcSeg // nil when the text is already NFC
}

type nfcSeg struct{ orig, norm int } // where a normalisation segment starts

func newNFC(s string) nfcText {
	if norm.NFC.IsNormalString(s) {
		return nfcText{src: s, norm: s}
	}
	var it norm.Iter
	it.InitString(norm.NFC, s)
	b := make([]byte, 0, len(s))
	var segs []nfcSeg
	for !it.Done() {
		segs = append(segs, nfcSeg{orig: it.Pos(), norm: len(b)})
		b = append(b, it.Next()...)
	}
	segs = append(segs, nfcSeg{orig: len(s), norm: len(b)})
	return nfcText{src: s, norm: string(b), segs: segs}
}

// orig maps a byte offset of the NFC text to the original text. An offset
// inside a segment that normalisation rewrote maps to the segment's end.
func (m nfcText) orig(n int) int {
	if m.segs == nil {
		return n
	}
	i := sort.Search(len(m.segs), func(i int) bool { return m.segs[i].norm > n }) - 1
	if i < 0 {
		return 0
	}
	if m.segs[i].norm == n || i+1 >= len(m.segs) {
		return m.segs[i].orig
	}
	return m.segs[i+1].orig
}

// entity converts a twitter-text entity of the NFC text into an Entity of
// the original text.
func (m nfcText) entity(t *runeText, e ttEntity) Entity {
	start, end := m.orig(t.off[e.start]), m.orig(t.off[e.end])
	value := e.value
	if e.kind == KindMention {
		value += e.listSlug
	}
	return Entity{Kind: e.kind, Text: m.src[start:end], Start: start, End: end, Value: value}
}
