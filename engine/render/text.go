package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/diag"
)

// textHook processes literal text for one (post, account): it replaces
// @key mentions from the handle table, UTM-tags bare URLs, escapes the rest
// for the flavor, and records problems at their body offsets.
type textHook struct {
	network  string
	mentions map[string]map[string]string
	utm      *utmTagger
	// pos converts a body offset to a position; nil for text that does not
	// come from the body (overrides), which reports at fallback.
	pos      func(offset int) diag.Pos
	fallback diag.Pos
	ds       *diag.List
	// urls collects every URL written, after tagging.
	urls []string
}

// trailing punctuation that ends a sentence rather than a URL.
const urlTrail = ".,;:!?'\"»)]"

// text escapes literal text for the flavor, replacing @key mentions from
// the handle table and tagging bare http(s) URLs. It scans by hand: it runs
// for every text of every post and account.
func (h *textHook) text(fl flavor, s string, offset int) string {
	var b strings.Builder
	b.Grow(len(s) + 160) // room for UTM parameters
	last := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@' && (i == 0 || !mentionBefore(s, i)):
			end := i + 1
			for end < len(s) && (isWordByte(s[end]) || s[end] == '.' || s[end] == '-') {
				end++
			}
			for end > i+1 && (s[end-1] == '.' || s[end-1] == '-') {
				end--
			}
			if end == i+1 || (end < len(s) && s[end] == '@') || (end < len(s) && s[end] == '.' && end+1 < len(s) && isWordByte(s[end+1])) {
				continue // not a key, or a literal handle (@user@instance, @user.domain)
			}
			key := s[i+1 : end]
			if strings.ContainsRune(key, '.') {
				continue
			}
			handles, known := h.mentions[key]
			if !known {
				continue
			}
			b.WriteString(fl.escape(s[last:i]))
			b.WriteString(h.mention(fl, key, handles, offset, i))
			last, i = end, end-1
		case c == 'h' && (strings.HasPrefix(s[i:], "https://") || strings.HasPrefix(s[i:], "http://")) && (i == 0 || !isWordByte(s[i-1])):
			end := i
			for end < len(s) && !urlStop(s[end]) {
				end++
			}
			url := trimURL(s[i:end])
			b.WriteString(fl.escape(s[last:i]))
			tagged := h.tagURL(url)
			h.urls = append(h.urls, tagged)
			b.WriteString(fl.url(tagged))
			last, i = i+len(url), i+len(url)-1
		}
	}
	b.WriteString(fl.escape(s[last:]))
	return b.String()
}

// mentionBefore reports whether the byte before s[i] keeps an '@' from
// starting a mention (a word character, '@', '/' or '.': an e-mail or path).
func mentionBefore(s string, i int) bool {
	c := s[i-1]
	return isWordByte(c) || c == '@' || c == '/' || c == '.' || c >= 0x80 && isLetterBefore(s, i)
}

func isLetterBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// urlStop ends a bare URL: white space, quotes, angle brackets, « ».
func urlStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '<', '>', '"', '\'':
		return true
	}
	return c == 0xc2 // the lead byte of « and » (and of non-breaking space)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// trimURL drops sentence punctuation after a URL, keeping a closing
// parenthesis that matches one inside it.
func trimURL(u string) string {
	for len(u) > 0 && strings.ContainsRune(urlTrail, rune(u[len(u)-1])) {
		if u[len(u)-1] == ')' && strings.Count(u, "(") >= strings.Count(u, ")") {
			break
		}
		u = u[:len(u)-1]
	}
	return u
}

// mention returns the handle of key on the hook's network, written raw: it
// is markup, not text, on LinkedIn (@[Name](urn:li:…)).
func (h *textHook) mention(fl flavor, key string, handles map[string]string, offset, at int) string {
	handle, ok := handles[h.network]
	isName := false
	if !ok {
		handle, ok = handles["default"]
		isName = true
	}
	if !ok {
		pos := h.fallback
		if h.pos != nil && offset >= 0 {
			pos = h.pos(offset + at)
		}
		h.ds.Errorf(pos, "mention-network", "add a "+h.network+" handle (or a default name) for "+key+" under mentions: in clairon.yaml, or override the text for "+h.network,
			"@%s has no handle on %s", key, h.network)
		return fl.escape("@" + key)
	}
	if fl.format == linkedInLittle.format && strings.HasPrefix(handle, "@[") {
		return handle
	}
	if !isName && !strings.HasPrefix(handle, "@") {
		handle = "@" + handle
	}
	return fl.escape(handle)
}

func (h *textHook) tagURL(u string) string {
	if h.utm == nil {
		return u
	}
	return h.utm.tag(u)
}

// hashtagsIn returns the lowercased hashtags of a text: # or ＃ not after a
// word character, '&', '/' or '#', then word characters with a letter.
func hashtagsIn(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		width := 0
		switch {
		case s[i] == '#':
			width = 1
		case s[i] == 0xEF && strings.HasPrefix(s[i:], "＃"):
			width = len("＃")
		default:
			continue
		}
		prev := rune(0)
		if i > 0 {
			prev, _ = utf8.DecodeLastRuneInString(s[:i])
		}
		if isTagChar(prev) || prev == '&' || prev == '/' || prev == '#' {
			continue
		}
		start := i + width
		end, letter := start, false
		for _, c := range s[start:] {
			if !isTagChar(c) {
				break
			}
			letter = letter || unicode.IsLetter(c)
			end += utf8.RuneLen(c)
		}
		if letter {
			out = append(out, strings.ToLower(s[start:end]))
		}
	}
	return out
}

func isTagChar(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}
