package plan

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/render"
)

// MarkdownOptions shape the pull-request view.
type MarkdownOptions struct {
	Loc *time.Location
	// Marker is an HTML comment that lets a bot find its own comment.
	Marker string
	// MaxBytes bounds the output (GitHub comments take 65,536 characters);
	// previews are dropped first, then rows, with a note. 0 means no bound.
	MaxBytes int
}

// WriteMarkdown writes the plan for a pull-request comment: the summary, the
// schedule as a table, and a collapsible preview of each post per account.
func (p *Plan) WriteMarkdown(w io.Writer, o MarkdownOptions) error {
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	full := p.markdown(o, true)
	if o.MaxBytes > 0 && len(full) > o.MaxBytes {
		full = p.markdown(o, false)
		if len(full) > o.MaxBytes {
			cut := strings.LastIndexByte(full[:o.MaxBytes-200], '\n')
			full = full[:max(cut, 0)] + "\n\n_The plan is too long to show in full; run `clairon plan` to see all of it._\n"
		}
	}
	_, err := io.WriteString(w, full)
	return err
}

func (p *Plan) markdown(o MarkdownOptions, previews bool) string {
	var b strings.Builder
	if o.Marker != "" {
		b.WriteString(o.Marker + "\n")
	}
	b.WriteString("### clairon plan\n\n")
	b.WriteString("**" + p.Summary() + "**\n\n")
	var rows []*Change
	for _, ch := range p.Changes {
		if ch.Action != NoOp || ch.MovedFrom != nil {
			rows = append(rows, ch)
		}
	}
	if len(p.Diagnostics) > 0 {
		b.WriteString("<details><summary>Notes: " + diagSummary(p) + "</summary>\n\n")
		for _, d := range p.Diagnostics {
			mark := map[diag.Severity]string{diag.Error: "❌", diag.Warning: "⚠️", diag.Info: "ℹ️"}[d.Severity]
			fmt.Fprintf(&b, "- %s `%s` %s\n", mark, d.Pos, mdCell(d.Message))
		}
		b.WriteString("\n</details>\n\n")
	}
	if len(rows) == 0 {
		b.WriteString("No changes: everything published is in sync with the repository.\n")
		return b.String()
	}
	b.WriteString("| | Post | Account | When | Status |\n|---|---|---|---|---|\n")
	for _, ch := range rows {
		sym := ch.Action.Symbol()
		if ch.MovedFrom != nil {
			sym = "→"
		}
		when := "as soon as merged"
		if !ch.At.IsZero() {
			when = ch.At.In(o.Loc).Format("Mon 2 Jan 2006 15:04")
		}
		status := string(ch.Action)
		switch {
		case ch.Scheduled:
			status = "scheduled"
		case ch.Held != "":
			status = "held: " + ch.Held
		case ch.MovedFrom != nil:
			status = "moved from " + ch.MovedFrom.Post
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s (%s) | %s | %s |\n", strings.TrimSpace(sym), mdCell(ch.Address.Post), mdCell(ch.Address.Account), ch.Network, when, mdCell(status))
	}
	if !previews {
		b.WriteString("\n_Previews omitted to fit the comment; run `clairon preview` to see each post._\n")
		return b.String()
	}
	b.WriteString("\n")
	p.withOutputs(rows, true, func(ch *Change, out *render.Output) error {
		if out == nil || ch.Action == Delete {
			return nil
		}
		fits := true
		for _, part := range out.Parts {
			if !part.Count.Valid && part.Count.Network != "" {
				fits = false
			}
		}
		mark := "✅"
		if !fits {
			mark = "❌ too long"
		}
		fmt.Fprintf(&b, "<details><summary><code>%s</code> on <b>%s</b> (%s) %s</summary>\n\n", htmlText(ch.Address.Post), htmlText(ch.Address.Account), ch.Network, mark)
		for i, part := range out.Parts {
			label := "Text"
			switch {
			case part.FirstComment:
				label = "First comment"
			case len(out.Parts) > 1:
				label = fmt.Sprintf("Part %d/%d", i+1, len(out.Parts))
			}
			c := part.Count
			counter := fmt.Sprintf("%d %s", c.Length, c.Unit)
			if c.Limit > 0 {
				counter = fmt.Sprintf("%d / %d %s", c.Length, c.Limit, c.Unit)
			}
			fmt.Fprintf(&b, "%s · %s\n\n````text\n%s\n````\n\n", label, counter, strings.ReplaceAll(part.Text, "````", "``‍``"))
			for _, m := range part.Media {
				fmt.Fprintf(&b, "- 🖼 `%s` — alt: %s\n", m.Path, mdCell(m.Alt))
			}
			if part.Poll != nil {
				fmt.Fprintf(&b, "- 📊 poll for %s: %s\n", part.Poll.Duration, mdCell(strings.Join(part.Poll.Options, " / ")))
			}
			if len(part.Media) > 0 || part.Poll != nil {
				b.WriteString("\n")
			}
		}
		b.WriteString("</details>\n\n")
		return nil
	})
	return b.String()
}

func diagSummary(p *Plan) string {
	return fmt.Sprintf("%d warnings, %d notes", p.Diagnostics.Count(diag.Warning), p.Diagnostics.Count(diag.Info))
}

func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
