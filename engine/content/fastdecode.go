package content

import "gopkg.in/yaml.v3"

// decodePost fills p from a post's front matter the way yaml.v3's
// Node.Decode does, for the common shape: string values, lists of strings
// and media without focal points. It reports false, leaving p partly
// filled, for anything else (polls, overrides, utm, thread, focus, other
// tags, duplicate keys…), and the caller then decodes with yaml.v3.
func decodePost(m *yaml.Node, p *Post) bool {
	if m.Kind != yaml.MappingNode || len(m.Content)%2 != 0 {
		return false
	}
	var seen uint32
	for i := 0; i < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !plainString(k) {
			return false
		}
		bit, ok := postKeys[k.Value]
		if !ok || seen&bit != 0 {
			return false // a key Decode ignores or decodes some other way, or twice
		}
		seen |= bit
		var good bool
		switch k.Value {
		case "kind":
			good = decodeString(v, &p.Kind)
		case "id":
			good = decodeString(v, &p.ID)
		case "title":
			good = decodeString(v, &p.Title)
		case "to":
			good = decodeStrings(v, &p.To)
		case "at":
			good = decodeString(v, &p.At)
		case "status":
			good = decodeString(v, &p.Status)
		case "campaign":
			good = decodeString(v, &p.Campaign)
		case "calendar":
			good = decodeString(v, &p.Calendar)
		case "language":
			good = decodeString(v, &p.Language)
		case "tags":
			good = decodeStrings(v, &p.Tags)
		case "content_warning":
			good = decodeString(v, &p.ContentWarning)
		case "first_comment":
			good = decodeString(v, &p.FirstComment)
		case "reply_to":
			good = decodeString(v, &p.ReplyTo)
		case "media":
			good = decodeMedia(v, &p.Media)
		}
		if !good {
			return false
		}
	}
	return true
}

// postKeys are the keys decodePost reads, each with its bit.
var postKeys = func() map[string]uint32 {
	m := map[string]uint32{}
	for i, k := range []string{"kind", "id", "title", "to", "at", "status", "campaign", "calendar", "language",
		"tags", "content_warning", "first_comment", "reply_to", "media"} {
		m[k] = 1 << i
	}
	return m
}()

// plainString reports whether n is a string scalar without an explicit tag
// or anchor: Decode sets a string field to its value.
func plainString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Style&yaml.TaggedStyle == 0 && n.Anchor == ""
}

func decodeString(n *yaml.Node, s *string) bool {
	if !plainString(n) {
		return false
	}
	*s = n.Value
	return true
}

// decodeStrings decodes a list of strings; like Decode, it makes a list of
// exactly the items' length (an empty list is not nil).
func decodeStrings(n *yaml.Node, s *[]string) bool {
	if n.Kind != yaml.SequenceNode || n.Anchor != "" || n.Style&yaml.TaggedStyle != 0 {
		return false
	}
	out := make([]string, len(n.Content))
	for i, c := range n.Content {
		if !decodeString(c, &out[i]) {
			return false
		}
	}
	*s = out
	return true
}

func decodeMedia(n *yaml.Node, media *[]MediaRef) bool {
	if n.Kind != yaml.SequenceNode || n.Anchor != "" || n.Style&yaml.TaggedStyle != 0 {
		return false
	}
	out := make([]MediaRef, len(n.Content))
	for i, c := range n.Content {
		if c.Kind != yaml.MappingNode || c.Anchor != "" || c.Style&yaml.TaggedStyle != 0 || len(c.Content)%2 != 0 {
			return false
		}
		src, alt := false, false
		for j := 0; j < len(c.Content); j += 2 {
			k, v := c.Content[j], c.Content[j+1]
			if !plainString(k) {
				return false
			}
			switch {
			case k.Value == "src" && !src:
				src = decodeString(v, &out[i].Src)
				if !src {
					return false
				}
			case k.Value == "alt" && !alt:
				alt = decodeString(v, &out[i].Alt)
				if !alt {
					return false
				}
			default:
				return false
			}
		}
	}
	*media = out
	return true
}
