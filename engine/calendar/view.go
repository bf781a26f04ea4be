package calendar

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// View is what the calendar shows for a period: each day's posts and
// slots, and the conflicts.
type View struct {
	From      time.Time      `json:"from"`
	To        time.Time      `json:"to"`
	Loc       *time.Location `json:"-"`
	Days      []Day          `json:"days"`
	Conflicts []Conflict     `json:"conflicts,omitempty"`
}

// Day is one day of a View.
type Day struct {
	Date  string       `json:"date"` // 2006-01-02 in the view's zone
	Items []Item       `json:"items,omitempty"`
	Slots []SlotStatus `json:"slots,omitempty"`
}

// EmptySlots counts the slots of the day nobody fills.
func (d Day) EmptySlots() int {
	n := 0
	for _, s := range d.Slots {
		if s.Empty() {
			n++
		}
	}
	return n
}

// Build assembles the view of [from, to) in loc.
func Build(cals []*Calendar, items []Item, conflicts []Conflict, from, to time.Time, loc *time.Location) *View {
	v := &View{From: from, To: to, Loc: loc}
	days := map[string]*Day{}
	day := func(t time.Time) *Day {
		k := t.In(loc).Format("2006-01-02")
		if days[k] == nil {
			days[k] = &Day{Date: k}
		}
		return days[k]
	}
	for _, it := range items {
		if !it.At.Before(from) && it.At.Before(to) {
			d := day(it.At)
			d.Items = append(d.Items, it)
		}
	}
	for _, c := range cals {
		for _, s := range c.Coverage(items, from, to) {
			d := day(s.At)
			d.Slots = append(d.Slots, s)
		}
	}
	for _, d := range days {
		slices.SortStableFunc(d.Items, func(a, b Item) int {
			return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Post, b.Post), cmp.Compare(a.Account, b.Account))
		})
		slices.SortStableFunc(d.Slots, func(a, b SlotStatus) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Calendar, b.Calendar)) })
		v.Days = append(v.Days, *d)
	}
	slices.SortFunc(v.Days, func(a, b Day) int { return cmp.Compare(a.Date, b.Date) })
	for _, c := range conflicts {
		if !c.At.Before(from) && c.At.Before(to) {
			v.Conflicts = append(v.Conflicts, c)
		}
	}
	return v
}

// WriteJSON writes the view as JSON.
func (v *View) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteText writes a month grid per month of the view, then the agenda:
// each day's posts (● scheduled, ✓ published, ◌ held or draft) and empty
// slots (○), then the conflicts.
func (v *View) WriteText(w io.Writer) error {
	byDate := map[string]Day{}
	for _, d := range v.Days {
		byDate[d.Date] = d
	}
	first := time.Date(v.From.In(v.Loc).Year(), v.From.In(v.Loc).Month(), 1, 0, 0, 0, 0, v.Loc)
	for m := first; m.Before(v.To); m = m.AddDate(0, 1, 0) {
		fmt.Fprintf(w, "%s\n Mon    Tue    Wed    Thu    Fri    Sat    Sun\n", m.Format("January 2006"))
		line := strings.Repeat("       ", (int(m.Weekday())+6)%7)
		for d := m; d.Month() == m.Month(); d = d.AddDate(0, 0, 1) {
			day := byDate[d.Format("2006-01-02")]
			mark := ""
			if n := len(day.Items); n > 0 {
				mark = fmt.Sprintf("•%d", min(n, 99))
			}
			if day.EmptySlots() > 0 {
				mark += "○"
			}
			line += fmt.Sprintf("%2d%-5s", d.Day(), mark)
			if d.Weekday() == time.Sunday {
				fmt.Fprintln(w, strings.TrimRight(line, " "))
				line = ""
			}
		}
		if strings.TrimSpace(line) != "" {
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "(•n: n posts that day, ○: empty slots)")
	for _, d := range v.Days {
		t, _ := time.ParseInLocation("2006-01-02", d.Date, v.Loc)
		fmt.Fprintf(w, "\n%s\n", t.Format("Monday 2 January 2006"))
		for _, it := range d.Items {
			fmt.Fprintf(w, "  %s %s %s → %s%s\n", it.At.In(v.Loc).Format("15:04"), statusMark(it.Status), it.Post, it.Account, campaignTag(it.Campaign))
		}
		for _, s := range d.Slots {
			if len(s.Missing) == 0 {
				continue
			}
			theme := s.Theme
			if theme == "" {
				theme = "slot"
			}
			fmt.Fprintf(w, "  %s ○ %s (%s) — nothing on %s\n", s.At.In(v.Loc).Format("15:04"), theme, s.Calendar, strings.Join(s.Missing, ", "))
		}
	}
	if len(v.Conflicts) > 0 {
		fmt.Fprintln(w, "\nConflicts:")
		for _, c := range v.Conflicts {
			fmt.Fprintf(w, "  ! %s\n", c.Message)
		}
	}
	return nil
}

func statusMark(s string) string {
	switch s {
	case "published":
		return "✓"
	case "held", "draft":
		return "◌"
	default:
		return "●"
	}
}

func campaignTag(c string) string {
	if c == "" {
		return ""
	}
	return " [" + c + "]"
}

// WriteMarkdown writes the view as a table for pull requests, then the
// empty slots and the conflicts.
func (v *View) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "### Editorial calendar, %s – %s\n\n", v.From.In(v.Loc).Format("2 Jan 2006"), v.To.In(v.Loc).Add(-time.Nanosecond).Format("2 Jan 2006"))
	fmt.Fprintln(w, "| Day | Time | Post | Account | Campaign | Status |\n|---|---|---|---|---|---|")
	empty := 0
	for _, d := range v.Days {
		for _, it := range d.Items {
			fmt.Fprintf(w, "| %s | %s | `%s` | %s | %s | %s %s |\n", it.At.In(v.Loc).Format("Mon 2 Jan"), it.At.In(v.Loc).Format("15:04"), it.Post, it.Account, it.Campaign, statusMark(it.Status), it.Status)
		}
		empty += d.EmptySlots()
	}
	if empty > 0 {
		fmt.Fprintf(w, "\n**%d empty slots:**\n\n", empty)
		for _, d := range v.Days {
			for _, s := range d.Slots {
				if s.Empty() {
					fmt.Fprintf(w, "- %s — %s (%s: %s)\n", s.At.In(v.Loc).Format("Mon 2 Jan 15:04"), cmp.Or(s.Theme, "slot"), s.Calendar, strings.Join(s.Accounts, ", "))
				}
			}
		}
	}
	if len(v.Conflicts) > 0 {
		fmt.Fprint(w, "\n**Conflicts:**\n\n")
		for _, c := range v.Conflicts {
			fmt.Fprintf(w, "- ⚠️ %s\n", c.Message)
		}
	}
	return nil
}
