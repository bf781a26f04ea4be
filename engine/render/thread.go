package render

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/render/count"
)

// sentenceEnd splits after sentence punctuation or between paragraphs.
var sentenceEnd = regexp.MustCompile(`(?:[.!?…]["»”)]?[ \t]+|\n\n+)`)

// autoThread splits parts that are too long for the network into several,
// at sentence boundaries, then word boundaries, and numbers them "1/3" when
// asked. Only plain and little-text formats are split: cutting HTML or
// Markdown could break its markup.
func (r *Renderer) autoThread(parts []Part, netName string, acc *content.Account, numbering bool, cw string) []Part {
	fl := flavorFor(netName)
	if fl.format != network.FormatPlain && fl.format != network.FormatLittleText {
		return parts
	}
	opts := count.Options{}
	if netName == "mastodon" {
		opts.ContentWarning = cw
	}
	if l := acc.Settings["limit"]; l != "" {
		fmt.Sscan(l, &opts.Limit)
	}
	if !count.KnownNetwork(netName) {
		return parts
	}
	reserve := ""
	if numbering {
		reserve = " 99/99"
	}
	fits := func(s string) bool {
		res, err := count.Count(netName, VisibleText(fl.format, s+reserve), opts)
		return err == nil && res.Valid
	}
	var out []Part
	for _, p := range parts {
		if fits(p.Text) {
			out = append(out, p)
			continue
		}
		for _, chunk := range pack(p.Text, fits) {
			q := p
			q.Text, q.Markdown = chunk, ""
			out = append(out, q)
		}
	}
	if numbering && len(out) > 1 {
		for i := range out {
			out[i].Text += fmt.Sprintf(" %d/%d", i+1, len(out))
		}
	}
	return out
}

// pack groups sentences (or words, for a sentence too long alone) into the
// fewest chunks that fit, in order.
func pack(s string, fits func(string) bool) []string {
	var units []string
	last := 0
	for _, m := range sentenceEnd.FindAllStringIndex(s, -1) {
		units = append(units, s[last:m[1]])
		last = m[1]
	}
	if last < len(s) {
		units = append(units, s[last:])
	}
	var chunks []string
	cur := ""
	flush := func() {
		if t := strings.TrimSpace(cur); t != "" {
			chunks = append(chunks, t)
		}
		cur = ""
	}
	for _, u := range units {
		if fits(strings.TrimSpace(cur + u)) {
			cur += u
			continue
		}
		flush()
		if fits(strings.TrimSpace(u)) {
			cur = u
			continue
		}
		for _, w := range strings.SplitAfter(u, " ") {
			if fits(strings.TrimSpace(cur + w)) {
				cur += w
				continue
			}
			flush()
			cur = w // a word too long alone stays whole; the check reports it
		}
	}
	flush()
	return chunks
}
