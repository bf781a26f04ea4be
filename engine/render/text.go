package render

import (
	"regexp"
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

// token finds mentions (@key, not followed by @ or a domain) and bare URLs.
var token = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_@/.])(@[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)|https?://[^\s<>"'«»]+`)

// trailing punctuation that ends a sentence rather than a URL.
const urlTrail = ".,;:!?'\"»)]"

func (h *textHook) text(fl flavor, s string, offset int) string {
	var b strings.Builder
	last := 0
	for _, m := range token.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		if m[2] >= 0 { // a mention candidate
			start, end = m[2], m[3]
			if end < len(s) && (s[end] == '@' || (s[end] == '.' && end+1 < len(s) && isWordByte(s[end+1]))) {
				continue // @user@instance or @user.domain: a literal handle
			}
			key := s[start+1 : end]
			handles, known := h.mentions[key]
			if !known {
				continue
			}
			b.WriteString(fl.escape(s[last:start]))
			b.WriteString(h.mention(fl, key, handles, offset, start))
			last = end
			continue
		}
		url := s[start:end]
		url = trimURL(url)
		end = start + len(url)
		b.WriteString(fl.escape(s[last:start]))
		tagged := h.tagURL(url)
		h.urls = append(h.urls, tagged)
		b.WriteString(fl.url(tagged))
		last = end
	}
	b.WriteString(fl.escape(s[last:]))
	return b.String()
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
func hashtagsIn(s string) map[string]bool {
	out := map[string]bool{}
	prev := rune(0)
	for i, r := range s {
		if (r == '#' || r == '＃') && !isTagChar(prev) && prev != '&' && prev != '/' && prev != '#' {
			start := i + utf8.RuneLen(r)
			end, letter := start, false
			for _, c := range s[start:] {
				if !isTagChar(c) {
					break
				}
				letter = letter || unicode.IsLetter(c)
				end += utf8.RuneLen(c)
			}
			if letter {
				out[strings.ToLower(s[start:end])] = true
			}
		}
		prev = r
	}
	return out
}

func isTagChar(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }
