package preview

import (
	"cmp"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/render/count"
	"github.com/clairon-dev/clairon/engine/state"
)

type postView struct {
	Anchor, Title, Path, Href, When, Campaign, CampaignHref string
	Cards                                                   []cardView
}

type cardView struct {
	Account, Network, NetworkLabel, Handle, Initials string
	Color                                            template.CSS
	Status, StatusClass, ContentWarning              string
	Parts                                            []partView
}

type partView struct {
	Label        string
	HTML         template.HTML
	Counter      string
	Over         bool
	Media        []mediaView
	Poll         []string
	PollDuration string
}

type mediaView struct{ Src, Alt string }

// networkStyle gives each network a label and a colour (contrast ≥ 4.5:1 on
// white for the white avatar initials).
var networkStyle = map[string][2]string{
	"mastodon": {"Mastodon", "#563acc"}, "bluesky": {"Bluesky", "#0a5fc4"}, "x": {"X", "#14171a"},
	"linkedin": {"LinkedIn", "#0a5c9e"}, "facebook": {"Facebook", "#1a56b8"}, "instagram": {"Instagram", "#b4245f"},
	"telegram": {"Telegram", "#1f6f9c"}, "discord": {"Discord", "#4752c4"}, "slack": {"Slack", "#4a154b"},
	"webhook": {"Webhook", "#4b5563"},
}

func (s *Site) post(d *content.Document) postView {
	p := d.Post
	v := postView{Anchor: "post-" + slug(d.ID), Title: cmp.Or(p.Title, d.ID), Path: d.Path, Href: PostHref(d.ID), Campaign: p.Campaign}
	if p.Campaign != "" {
		v.CampaignHref = CampaignHref(p.Campaign)
	}
	switch {
	case p.IsDraft():
		v.When = "draft"
	case p.At == content.AtNextSlot:
		v.When = "next free slot of " + p.Calendar
	case p.At != "":
		v.When = p.At
	default:
		v.When = "as soon as merged"
	}
	for _, o := range s.in.Outputs[d.ID] {
		v.Cards = append(v.Cards, s.card(o))
	}
	return v
}

func (s *Site) card(o *render.Output) cardView {
	style, ok := networkStyle[o.Network]
	if !ok {
		style = [2]string{o.Network, "#4b5563"}
	}
	c := cardView{Account: o.Account, Network: o.Network, NetworkLabel: style[0], Color: template.CSS(style[1]), ContentWarning: o.ContentWarning}
	if acc := s.in.Repo.Config.Accounts[o.Account]; acc != nil {
		c.Handle = acc.Settings["handle"]
	}
	if c.Handle == "" {
		c.Handle = o.Account
	}
	c.Initials = initials(c.Handle)
	c.Status, c.StatusClass = s.status(o)
	for i, p := range o.Parts {
		pv := partView{HTML: highlight(render.VisibleText(o.Format, p.Text), p.Count)}
		switch {
		case p.FirstComment:
			pv.Label = "First comment"
		case len(o.Parts) > 1:
			pv.Label = fmt.Sprintf("Part %d of %d", i+1, len(o.Parts))
		}
		r := p.Count
		switch {
		case r.Network == "":
		case r.Limit > 0:
			pv.Counter = fmt.Sprintf("%d / %d %s", r.Length, r.Limit, unitName(r.Unit))
		default:
			pv.Counter = fmt.Sprintf("%d %s", r.Length, unitName(r.Unit))
		}
		if r.Network != "" && !r.Valid {
			pv.Over = true
			pv.Counter += " — does not fit"
			if len(r.Problems) > 0 {
				pv.Counter += ": " + strings.Join(r.Problems, "; ")
			}
		}
		for _, m := range p.Media {
			pv.Media = append(pv.Media, mediaView{Src: m.Path, Alt: m.Alt})
		}
		if p.Poll != nil {
			pv.Poll, pv.PollDuration = p.Poll.Options, "open "+p.Poll.Duration.String()
		}
		c.Parts = append(c.Parts, pv)
	}
	return c
}

func unitName(u string) string {
	switch u {
	case count.UnitWeighted:
		return "weighted characters"
	case count.UnitUTF16, count.UnitCodePoints:
		return "characters"
	}
	return u
}

// status says where the post stands on this account, from the plan and the state.
func (s *Site) status(o *render.Output) (string, string) {
	addr := state.Address{Post: o.Post, Account: o.Account}
	if s.in.State != nil {
		if r := s.in.State.Record(addr); r != nil && r.Status == state.Published {
			return "published " + r.PublishedAt.In(s.in.Loc).Format("2 Jan 15:04"), "published"
		}
	}
	if s.in.Plan == nil {
		return "", ""
	}
	ch := s.in.Plan.ChangeFor(addr)
	switch {
	case ch == nil:
		return "", ""
	case ch.Action == plan.Unconfirmed:
		return "unconfirmed", "attention"
	case ch.Held != "":
		return "held: " + ch.Held, "held"
	case ch.Scheduled:
		return "scheduled " + ch.At.In(s.in.Loc).Format("Mon 2 Jan 15:04"), ""
	case ch.Action == plan.Create:
		return "due now", ""
	case ch.Action != plan.NoOp:
		return string(ch.Action) + " due", ""
	}
	return "", ""
}

func initials(handle string) string {
	h := strings.TrimLeft(handle, "@")
	var out []rune
	for _, w := range strings.FieldsFunc(h, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		r, _ := utf8.DecodeRuneInString(w)
		out = append(out, unicode.ToUpper(r))
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// highlight escapes text and marks its entities (links, hashtags, mentions,
// cashtags) and where it stops fitting.
func highlight(text string, r count.Result) template.HTML {
	type mark struct {
		at    int
		open  bool
		order int
		html  string
	}
	var marks []mark
	for _, e := range r.Entities {
		if e.Start < 0 || e.End > len(text) || e.Start >= e.End {
			continue
		}
		open := `<span class="ent ent-` + e.Kind + `">`
		if e.Kind == count.KindURL && (strings.HasPrefix(e.Value, "http://") || strings.HasPrefix(e.Value, "https://")) {
			open = `<a class="ent ent-url" href="` + template.HTMLEscapeString(e.Value) + `" rel="noopener noreferrer">`
			marks = append(marks, mark{e.Start, true, 1, open}, mark{e.End, false, 0, "</a>"})
			continue
		}
		marks = append(marks, mark{e.Start, true, 1, open}, mark{e.End, false, 0, "</span>"})
	}
	if !r.Valid && r.OverflowOffset >= 0 && r.OverflowOffset <= len(text) {
		at := r.OverflowOffset
		for _, e := range r.Entities {
			if e.Start < at && at < e.End {
				at = e.End // keep the markup well nested: mark from the entity's end
			}
		}
		marks = append(marks, mark{at, true, 2, `<mark class="overflow" title="beyond the limit">`}, mark{len(text), false, -1, "</mark>"})
	}
	sort.SliceStable(marks, func(i, j int) bool {
		if marks[i].at != marks[j].at {
			return marks[i].at < marks[j].at
		}
		return marks[i].order < marks[j].order
	})
	var b strings.Builder
	last := 0
	depth := 0
	for _, m := range marks {
		if m.at < last {
			continue
		}
		b.WriteString(template.HTMLEscapeString(text[last:m.at]))
		last = m.at
		if m.open {
			depth++
		} else if depth == 0 {
			continue
		} else {
			depth--
		}
		b.WriteString(m.html)
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}
