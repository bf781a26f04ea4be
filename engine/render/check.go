package render

import (
	"fmt"
	"html"
	"strings"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
)

// visibleHTML returns the text Telegram shows for an HTML message: without
// its tags (what the pattern <[^>]*> matches), entities decoded.
func visibleHTML(s string) string { return html.UnescapeString(stripTags(s)) }

// stripTags removes each '<' and what follows up to the next '>'.
func stripTags(s string) string {
	i := strings.IndexByte(s, '<')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		s = s[i+j+1:]
		i = strings.IndexByte(s, '<')
	}
	b.WriteString(s)
	return b.String()
}

// unescapeLittle returns the text LinkedIn shows for little text: mentions
// @[Name](urn:li:…) shown as @Name, then reserved characters unescaped.
func unescapeLittle(s string) string {
	return unescapeReserved(showMentions(s))
}

// showMentions replaces each @[name](urn:li:…) with @name: what the pattern
// @\[([^\]]*)\]\(urn:li:[^)]*\) matches, left to right.
func showMentions(s string) string {
	if !strings.Contains(s, "@[") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '@' || s[i+1] != '[' {
			continue
		}
		k := strings.IndexByte(s[i+2:], ']')
		if k < 0 {
			break // no mention can close any more
		}
		k += i + 2
		const urn = "(urn:li:"
		if !strings.HasPrefix(s[k+1:], urn) {
			continue
		}
		m := strings.IndexByte(s[k+1+len(urn):], ')')
		if m < 0 {
			continue
		}
		m += k + 1 + len(urn)
		b.WriteString(s[last:i])
		b.WriteString("@")
		b.WriteString(s[i+2 : k])
		last = m + 1
		i = m
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// unescapeReserved drops the backslash before each reserved character of
// little text: what the pattern \\([\\|{}@\[\]()<>#*_~]) matches, left to
// right.
func unescapeReserved(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && strings.IndexByte(`\|{}@[]()<>#*_~`, s[i+1]) >= 0 {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// check reports the parts that do not fit the network, and media, polls and
// threads the account's network cannot take.
func (r *Renderer) check(o *Output, d *content.Document, ds *diag.List) {
	where := o.Account + " (" + o.Network + ")"
	for i, p := range o.Parts {
		c := p.Count
		if c.Valid || c.Network == "" {
			continue
		}
		label := "text"
		switch {
		case p.FirstComment:
			label = "first comment"
		case len(o.Parts) > 1:
			label = fmt.Sprintf("thread part %d/%d", i+1, len(o.Parts))
		}
		for _, chk := range c.Checks {
			if chk.Valid {
				continue
			}
			msg := fmt.Sprintf("%s is %d %s on %s, %d over the limit of %d", label, chk.Length, unitWord(chk.Unit), where, chk.Length-chk.Limit, chk.Limit)
			hint := "shorten it, split it with a '---' line between blank lines, set thread: auto, or override the text for " + o.Network
			if chk.Length < chk.Min {
				msg = fmt.Sprintf("%s is empty on %s", label, where)
				hint = "write some text"
			} else if chk.OverflowOffset >= 0 {
				visible := VisibleText(o.Format, p.Text)
				cut := visible[chk.OverflowOffset:]
				if len(cut) > 40 {
					cut = cut[:40] + "…"
				}
				msg += fmt.Sprintf("; it stops fitting at %q", firstLine(cut))
			}
			if chk.Name == "hashtags" || chk.Name == "mentions" {
				msg = fmt.Sprintf("%s has %d %s on %s, over the limit of %d", label, chk.Length, chk.Name, where, chk.Limit)
				hint = "remove some " + chk.Name
			}
			ds.Errorf(p.Pos, "too-long", hint, "%s", msg)
		}
	}
	if r.caps == nil {
		return
	}
	caps, ok := r.caps(o.Account)
	if !ok {
		return
	}
	first := o.Parts[0]
	if n := len(first.Media); n > 0 {
		mediaPos := d.PosOf("media")
		switch {
		case caps.MaxMedia == 0:
			ds.Errorf(mediaPos, "media-unsupported", "override media: [] for "+o.Network, "%s cannot attach media", where)
		case n > caps.MaxMedia:
			ds.Errorf(mediaPos, "media-count", fmt.Sprintf("keep at most %d, or override media for %s", caps.MaxMedia, o.Network), "%d media attached, %s takes at most %d", n, where, caps.MaxMedia)
		}
		for i, m := range first.Media {
			if caps.MaxImageBytes > 0 && strings.HasPrefix(m.MIME, "image/") && m.Size > caps.MaxImageBytes {
				ds.Errorf(d.PosOf("media", fmt.Sprint(i), "src"), "media-size", "resize or recompress the image", "%s is %s, over %s's limit of %s", m.Path, content.FormatSize(m.Size), where, content.FormatSize(caps.MaxImageBytes))
			}
			if len(caps.MediaTypes) > 0 && !contains(caps.MediaTypes, m.MIME) {
				ds.Errorf(d.PosOf("media", fmt.Sprint(i), "src"), "media-type", "accepted: "+strings.Join(caps.MediaTypes, ", "), "%s (%s) is not accepted by %s", m.Path, m.MIME, where)
			}
			if caps.AltTextLimit > 0 && len([]rune(m.Alt)) > caps.AltTextLimit {
				ds.Errorf(d.PosOf("media", fmt.Sprint(i), "alt"), "alt-text", "shorten the description", "alt text of %s is %d characters, over %s's limit of %d", m.Path, len([]rune(m.Alt)), where, caps.AltTextLimit)
			}
		}
	} else if caps.RequiresMedia {
		ds.Errorf(d.PosOf("to"), "media-required", "attach an image with media:, or remove the account from to:", "%s cannot publish a post without media", where)
	}
	if first.Poll != nil {
		switch {
		case !caps.Polls:
			ds.Errorf(d.PosOf("poll"), "poll-unsupported", "remove the account from to:, or publish the poll on networks that have polls", "%s has no polls", where)
		case caps.PollMaxOptions > 0 && len(first.Poll.Options) > caps.PollMaxOptions:
			ds.Errorf(d.PosOf("poll", "options"), "poll-options", "", "%s allows at most %d poll options, the post has %d", where, caps.PollMaxOptions, len(first.Poll.Options))
		}
	}
	threadParts, comments := 0, 0
	for _, p := range o.Parts {
		if p.FirstComment {
			comments++
		} else {
			threadParts++
		}
	}
	switch {
	case threadParts > 1 && !caps.Threads:
		ds.Errorf(d.Pos(), "thread-unsupported", "override the text for "+o.Network+" with a single part", "%s cannot publish threads; the post has %d parts", where, threadParts)
	case comments > 0 && !caps.Threads && !caps.Comments:
		ds.Errorf(d.PosOf("first_comment"), "comment-unsupported", "remove first_comment, or leave this account out of to:", "%s cannot publish a first comment", where)
	}
	if o.ReplyTo != "" && !caps.Threads {
		ds.Errorf(d.PosOf("reply_to"), "thread-unsupported", "", "%s cannot publish replies", where)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "…"
	}
	return s
}

func unitWord(u string) string {
	switch u {
	case "weighted":
		return "weighted characters"
	case "code_points":
		return "characters"
	case "utf16":
		return "UTF-16 units"
	default:
		return u
	}
}
