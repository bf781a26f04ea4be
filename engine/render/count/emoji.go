package count

import "unicode"

const (
	zwj  = 0x200D
	vs15 = 0xFE0E // text presentation selector
	vs16 = 0xFE0F // emoji presentation selector
)

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
func isEmojiModifier(r rune) bool     { return r >= 0x1F3FB && r <= 0x1F3FF }
func isTagSpec(r rune) bool           { return r >= 0xE0020 && r <= 0xE007E }

const cancelTag = 0xE007F

// needsVS16 lists the pictographs twitter-text counts as emoji only when an
// emoji presentation selector follows them.
func needsVS16(r rune) bool {
	return r == 0xA9 || r == 0xAE || r == 0x2122 || r == 0x265F
}

// keycapStart reports whether c may start a keycap sequence (#️⃣, 1️⃣…).
func keycapStart(c rune) bool { return c == '#' || c == '*' || (c >= '0' && c <= '9') }

// emojiLen returns how many code points of r, from i, form one emoji
// sequence in the sense of UTS #51 (keycap, flag, tag, modifier,
// presentation and ZWJ sequences, or a lone pictograph), or 0 when none
// starts at i.
//
// A pictograph followed by U+FE0E asks for text presentation and is not an
// emoji. A stray U+FE0F counts as an emoji on its own, as twitter-text does.
func emojiLen(r []rune, i int) int {
	c := r[i]
	next := rune(-1)
	if i+1 < len(r) {
		next = r[i+1]
	}
	switch {
	case keycapStart(c):
		if next == 0x20E3 {
			return 2
		}
		if next == vs16 && i+2 < len(r) && r[i+2] == 0x20E3 {
			return 3
		}
		return 0
	case isRegionalIndicator(c):
		if isRegionalIndicator(next) {
			return 2
		}
		return 1
	case c == vs16 || isEmojiModifier(c):
		return 1
	}
	j := emojiElement(r, i)
	if j == 0 {
		return 0
	}
	end := i + j
	for end+1 < len(r) && r[end] == zwj {
		k := emojiElement(r, end+1)
		if k == 0 {
			break
		}
		end += 1 + k
	}
	return end - i
}

// emojiElement matches one pictograph with its optional presentation
// selector or skin-tone modifier and tag sequence.
func emojiElement(r []rune, i int) int {
	c := r[i]
	if !unicode.Is(extendedPictographic, c) {
		return 0
	}
	j := i + 1
	at := func(k int) rune {
		if k < len(r) {
			return r[k]
		}
		return -1
	}
	switch n := at(j); {
	case n == vs15:
		return 0
	case n == vs16:
		j++
	case isEmojiModifier(n):
		j++
	case needsVS16(c):
		return 0
	}
	if isTagSpec(at(j)) {
		k := j
		for isTagSpec(at(k)) {
			k++
		}
		if at(k) == cancelTag {
			j = k + 1
		}
	}
	return j - i
}
