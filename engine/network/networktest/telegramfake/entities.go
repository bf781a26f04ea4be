package telegramfake

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf16"
)

// Entity is a MessageEntity as the Bot API returns it: offsets and lengths
// in UTF-16 code units of the plain text.
type Entity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	Language string `json:"language,omitempty"`
	EmojiID  string `json:"custom_emoji_id,omitempty"`
}

// tagTypes maps the tags of the Bot API's HTML style to entity types.
var tagTypes = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"tg-spoiler": "spoiler", "span": "spoiler",
	"a": "text_link", "code": "code", "pre": "pre",
	"blockquote": "blockquote", "tg-emoji": "custom_emoji",
}

// parseHTML turns text in the HTML parse mode into plain text and entities,
// refusing what the Bot API refuses with its own wording.
func parseHTML(s string) (string, []Entity, error) {
	type open struct {
		name   string
		entity Entity
	}
	var (
		out   strings.Builder
		units int
		stack []open
		ents  []Entity
	)
	emit := func(text string) {
		text = html.UnescapeString(text)
		out.WriteString(text)
		units += len(utf16.Encode([]rune(text)))
	}
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			emit(s[i:])
			break
		}
		emit(s[i : i+lt])
		start := i + lt
		gt := strings.IndexByte(s[start:], '>')
		if gt < 0 {
			return "", nil, fmt.Errorf("can't parse entities: Unclosed start tag at byte offset %d", start)
		}
		tag := s[start+1 : start+gt]
		i = start + gt + 1
		if name, closing := strings.CutPrefix(tag, "/"); closing {
			name = strings.ToLower(strings.TrimSpace(name))
			if len(stack) == 0 || stack[len(stack)-1].name != name {
				return "", nil, fmt.Errorf("can't parse entities: Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"",
					start, top(stack, func(o open) string { return o.name }), name)
			}
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			o.entity.Length = units - o.entity.Offset
			// <pre><code class="language-x"> is one pre entity with a language.
			inPre := o.name == "code" && len(stack) > 0 && stack[len(stack)-1].name == "pre"
			if o.entity.Length > 0 && !inPre {
				ents = append(ents, o.entity)
			}
			continue
		}
		name, attrs, _ := strings.Cut(tag, " ")
		name = strings.ToLower(name)
		typ, ok := tagTypes[name]
		if !ok {
			return "", nil, fmt.Errorf("can't parse entities: Unsupported start tag \"%s\" at byte offset %d", name, start)
		}
		e := Entity{Type: typ, Offset: units}
		switch name {
		case "a":
			e.URL = attr(attrs, "href")
			if strings.HasPrefix(e.URL, "tg://user?id=") {
				e.Type = "text_mention"
			}
		case "span":
			if attr(attrs, "class") != "tg-spoiler" {
				return "", nil, fmt.Errorf("can't parse entities: Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", start)
			}
		case "tg-emoji":
			e.EmojiID = attr(attrs, "emoji-id")
		case "code":
			if lang, ok := strings.CutPrefix(attr(attrs, "class"), "language-"); ok && len(stack) > 0 && stack[len(stack)-1].name == "pre" {
				stack[len(stack)-1].entity.Language = lang
			}
		case "blockquote":
			if strings.Contains(" "+attrs+" ", " expandable") {
				e.Type = "expandable_blockquote"
			}
		}
		stack = append(stack, open{name: name, entity: e})
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("can't parse entities: Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	slices.SortStableFunc(ents, func(a, b Entity) int {
		if a.Offset != b.Offset {
			return a.Offset - b.Offset
		}
		return b.Length - a.Length
	})
	return out.String(), ents, nil
}

func top[T any](s []T, f func(T) string) string {
	if len(s) == 0 {
		return ""
	}
	return f(s[len(s)-1])
}

// attr reads a quoted attribute value from a tag's attribute text.
func attr(attrs, name string) string {
	for _, q := range []string{`"`, `'`} {
		key := name + "=" + q
		if i := strings.Index(attrs, key); i >= 0 {
			rest := attrs[i+len(key):]
			if j := strings.Index(rest, q); j >= 0 {
				return html.UnescapeString(rest[:j])
			}
		}
	}
	return ""
}

// units counts s in UTF-16 code units.
func units(s string) int { return len(utf16.Encode([]rune(s))) }
