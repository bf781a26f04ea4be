package slack

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/clairon-dev/clairon/engine/network"
)

// Block Kit limits.
const (
	sectionLimit = 3000 // a section block's text
	headerLimit  = 150  // a header block's plain text
	maxBlocks    = 50
)

// message is the JSON body of an incoming webhook request.
type message struct {
	// Text is the message itself without blocks, and the notification
	// fallback with them.
	Text        string  `json:"text"`
	Blocks      []block `json:"blocks,omitempty"`
	Mrkdwn      bool    `json:"mrkdwn"`
	UnfurlLinks *bool   `json:"unfurl_links,omitempty"`
	UnfurlMedia *bool   `json:"unfurl_media,omitempty"`
}

// block is a Block Kit header or section block.
type block struct {
	Type    string     `json:"type"`
	BlockID string     `json:"block_id"`
	Text    textObject `json:"text"`
}

type textObject struct {
	Type  string `json:"type"` // "mrkdwn" or "plain_text"
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// message builds the request body: the text as mrkdwn section blocks (cut
// at paragraph, line or word boundaries to fit 3000 characters each), after
// a header block when the post has a title. The first block's id is the
// message's Ref.ID; the others follow it with "-1", "-2"….
func (a *Adapter) message(p *network.Post) (message, error) {
	m := message{Text: p.Text, Mrkdwn: true, UnfurlLinks: a.unfurl, UnfurlMedia: a.unfurl}
	if strings.TrimSpace(m.Text) == "" {
		m.Text = p.Title
	}
	id := RefID(p.Key)
	next := func() string {
		if len(m.Blocks) == 0 {
			return id
		}
		return id + "-" + strconv.Itoa(len(m.Blocks))
	}
	if t := strings.TrimSpace(p.Title); t != "" {
		m.Blocks = append(m.Blocks, block{Type: "header", BlockID: next(),
			Text: textObject{Type: "plain_text", Text: truncate(t, headerLimit), Emoji: true}})
	}
	for _, c := range chunks(p.Text, sectionLimit) {
		m.Blocks = append(m.Blocks, block{Type: "section", BlockID: next(), Text: textObject{Type: "mrkdwn", Text: c}})
	}
	if len(m.Blocks) > maxBlocks {
		return message{}, fmt.Errorf("the text needs %d blocks, more than Slack's %d", len(m.Blocks), maxBlocks)
	}
	return m, nil
}

// units counts UTF-16 code units, the stricter of the ways Slack may count.
func units(s string) int { return len(utf16.Encode([]rune(s))) }

// chunks cuts s into pieces of at most limit units, preferring to cut
// between paragraphs, then lines, then words. Pieces are trimmed of the
// blank lines around them; empty ones are dropped.
func chunks(s string, limit int) []string {
	var out []string
	for {
		s = strings.TrimLeft(strings.TrimRight(s, "\n"), " \n")
		if strings.TrimSpace(s) == "" {
			return out
		}
		if units(s) <= limit {
			return append(out, s)
		}
		end := prefix(s, limit)
		cut, skip := end, 0
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(s[:end], sep); i > 0 {
				cut, skip = i, len(sep)
				break
			}
		}
		out = append(out, strings.TrimRight(s[:cut], " \n"))
		s = s[cut+skip:]
	}
}

// prefix returns the byte length of the longest prefix of s within limit
// UTF-16 units, never splitting a code point.
func prefix(s string, limit int) int {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > limit {
			return i
		}
		n += w
	}
	return len(s)
}

// truncate cuts s to at most n code points, ending with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
