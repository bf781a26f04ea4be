package plan

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/render"
)

// TextOptions shape the terminal view.
type TextOptions struct {
	Color bool
	// Loc is the time zone times are shown in.
	Loc *time.Location
	// Detail prints each change's rendered text, part by part.
	Detail bool
}

func (o TextOptions) paint(code, s string) string {
	if !o.Color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

var actionColor = map[Action]string{Create: "32", Update: "33", Replace: "35", Delete: "31", Unconfirmed: "1;31", Reconcile: "36"}

// WriteText prints the plan in the style of terraform plan: a legend, one
// block per change with its symbol, the rendered text, then the summary.
func (p *Plan) WriteText(out io.Writer, o TextOptions) error {
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	// A plan of a large repository is megabytes of short lines: one write
	// per line would spend more time in the kernel than in planning.
	w := bufio.NewWriterSize(out, 64<<10)
	if err := p.writeText(w, o); err != nil {
		return err
	}
	return w.Flush()
}

func (p *Plan) writeText(w io.Writer, o TextOptions) error {
	var due, scheduled, held, moved, other []*Change
	for _, ch := range p.Changes {
		switch {
		case ch.MovedFrom != nil:
			moved = append(moved, ch)
		case ch.Action == NoOp:
			continue
		case ch.Action == Unconfirmed:
			other = append(other, ch)
		case ch.Scheduled:
			scheduled = append(scheduled, ch)
		case ch.Held != "":
			held = append(held, ch)
		default:
			due = append(due, ch)
		}
	}
	if len(due)+len(scheduled)+len(held)+len(moved)+len(other) == 0 {
		fmt.Fprintln(w, "No changes. Everything published is in sync with the repository.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, p.Summary())
		return nil
	}
	fmt.Fprintln(w, "clairon will perform these actions (symbols: + publish, ~ update, -/+ replace, - delete, ? needs attention):")
	section := func(title string, chs []*Change) {
		if len(chs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", o.paint("1", title))
		p.withOutputs(chs, o.Detail, func(ch *Change, out *render.Output) error {
			p.writeChange(w, ch, out, o)
			return nil
		})
	}
	section("Due now:", due)
	section("Held back:", held)
	section("Scheduled:", scheduled)
	section("Renamed (the state follows; nothing is published):", moved)
	section("Needs attention:", other)
	fmt.Fprintln(w)
	_, err := fmt.Fprintln(w, o.paint("1", p.Summary()))
	return err
}

func (p *Plan) writeChange(w io.Writer, ch *Change, out *render.Output, o TextOptions) {
	sym := ch.Action.Symbol()
	if ch.MovedFrom != nil {
		sym = "→"
	}
	head := fmt.Sprintf("  %s %s", o.paint(actionColor[ch.Action], fmt.Sprintf("%-3s", sym)), ch.Address)
	if ch.Network != "" {
		head += o.paint("2", " ("+ch.Network+")")
	}
	fmt.Fprintln(w, head)
	var notes []string
	if !ch.At.IsZero() {
		notes = append(notes, "at "+ch.At.In(o.Loc).Format("Mon 2 Jan 2006 15:04 MST"))
	}
	if ch.Slot != "" {
		notes = append(notes, "slot "+ch.Slot)
	}
	if ch.Held != "" {
		h := "held: " + ch.Held
		if !ch.HeldUntil.IsZero() {
			h += " (until " + ch.HeldUntil.In(o.Loc).Format("Mon 2 Jan 15:04") + ")"
		}
		notes = append(notes, h)
	}
	if ch.Reason != "" {
		notes = append(notes, ch.Reason)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "        %s\n", o.paint("2", n))
	}
	if o.Detail && out != nil && ch.Action != Delete {
		WriteOutput(w, out, o)
	}
}

// WriteOutput prints a rendered post part by part, with its counts, media,
// poll, and a ⟦overflow⟧ marker where a text stops fitting.
func WriteOutput(w io.Writer, out *render.Output, o TextOptions) {
	for i, part := range out.Parts {
		label := "text"
		switch {
		case part.FirstComment:
			label = "first comment"
		case len(out.Parts) > 1:
			label = fmt.Sprintf("part %d/%d", i+1, len(out.Parts))
		}
		c := part.Count
		counter := fmt.Sprintf("%d/%d %s", c.Length, c.Limit, c.Unit)
		if c.Limit == 0 {
			counter = fmt.Sprintf("%d %s", c.Length, c.Unit)
		}
		if !c.Valid && c.Network != "" {
			counter = o.paint("1;31", counter+" — too long")
		}
		fmt.Fprintf(w, "        ┌ %s · %s\n", label, counter)
		text := part.Text
		if !c.Valid && c.OverflowOffset >= 0 && c.OverflowOffset <= len(text) && out.Format == network.FormatPlain {
			text = text[:c.OverflowOffset] + o.paint("1;31", "⟦overflow⟧") + text[c.OverflowOffset:]
		}
		for _, line := range strings.Split(text, "\n") {
			fmt.Fprintf(w, "        │ %s\n", line)
		}
		for _, m := range part.Media {
			fmt.Fprintf(w, "        │ [%s] alt: %s\n", m.Path, m.Alt)
		}
		if part.Poll != nil {
			fmt.Fprintf(w, "        │ poll (%s): %s\n", part.Poll.Duration, strings.Join(part.Poll.Options, " / "))
		}
		fmt.Fprintln(w, "        └")
	}
}
