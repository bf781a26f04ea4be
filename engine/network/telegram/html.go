package telegram

import (
	"html"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// plain returns the visible text of Telegram HTML: tags dropped, entities
// decoded. Telegram counts its limits on this text ("after entities parsing").
func plain(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 { // not a tag: Telegram would refuse it, count it as text
			b.WriteString(s[i:])
			break
		}
		s = s[i+j+1:]
	}
	return html.UnescapeString(b.String())
}

// length counts s in UTF-16 code units, the unit of Telegram's entity
// offsets and the conservative reading of its length limits.
func length(s string) int {
	n := 0
	for _, r := range s {
		if utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// splitLastParagraph splits Telegram HTML before its last paragraph (after
// the last blank line outside any tag), returning the head and the last
// paragraph; ok is false when there is no such break.
func splitLastParagraph(s string) (head, last string, ok bool) {
	depth, cut := 0, -1
	for i := 0; i < len(s); {
		switch {
		case s[i] == '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				i = len(s)
				continue
			}
			tag := s[i+1 : i+j]
			switch {
			case strings.HasPrefix(tag, "/"):
				depth--
			case !strings.HasSuffix(tag, "/"):
				depth++
			}
			i += j + 1
		case depth == 0 && strings.HasPrefix(s[i:], "\n\n"):
			cut = i
			i += 2
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	if cut < 0 {
		return s, "", false
	}
	head = strings.TrimRight(s[:cut], "\n")
	last = strings.TrimSpace(s[cut:])
	if strings.TrimSpace(plain(head)) == "" || last == "" {
		return s, "", false
	}
	return head, last, true
}

// truncate cuts plain text to at most n UTF-16 units, ending with "…".
func truncate(s string, n int) string {
	if length(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := utf16.RuneLen(r)
		if used+w > n-1 {
			break
		}
		b.WriteRune(r)
		used += w
	}
	return strings.TrimSpace(b.String()) + "…"
}
