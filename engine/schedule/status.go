package schedule

import (
	"fmt"
	"strings"
	"time"
)

// StatusLine is the one line a pass prints:
//
//	run 20261201T090000Z-ab12: 2 published, 0 failed; next wake-up Tue 1 Dec 10:00 CET (post noel/annonce@brand-mastodon)
//
// Counts other than published and failed appear when not zero; a failed
// pass shows its error, and a note replaces the counts.
func StatusLine(res Result, err error, next Wake, now time.Time) string {
	var b strings.Builder
	b.WriteString("run")
	if res.Run != "" {
		b.WriteString(" " + res.Run)
	}
	b.WriteString(": ")
	switch {
	case err != nil:
		b.WriteString("failed: " + oneLine(err.Error()))
	case res.Note != "":
		b.WriteString(res.Note)
	default:
		b.WriteString(counts(res))
	}
	b.WriteString("; ")
	if next.IsZero() {
		b.WriteString("nothing scheduled")
	} else {
		fmt.Fprintf(&b, "next wake-up %s (%s)", FormatTime(next.At, now, res.Location), next.What)
	}
	return b.String()
}

func counts(r Result) string {
	parts := []string{fmt.Sprintf("%d published", r.Published)}
	for _, c := range []struct {
		n    int
		what string
	}{{r.Updated, "updated"}, {r.Deleted, "deleted"}, {r.Moved, "moved"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	parts = append(parts, fmt.Sprintf("%d failed", r.Failed))
	if r.Unconfirmed > 0 {
		parts = append(parts, fmt.Sprintf("%d unconfirmed", r.Unconfirmed))
	}
	if r.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d left to another run", r.Skipped))
	}
	return strings.Join(parts, ", ")
}

// FormatTime writes t in loc for people: "Tue 1 Dec 10:00 CET", with the
// seconds when they are not zero and the year when it is not now's. The zone
// abbreviation tells the two readings of a repeated hour apart (02:30 CEST,
// then 02:30 CET).
func FormatTime(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	layout := "Mon 2 Jan 15:04"
	if t.Second() != 0 {
		layout += ":05"
	}
	if t.Year() != now.In(loc).Year() {
		layout = "Mon 2 Jan 2006 " + layout[len("Mon 2 Jan "):]
	}
	return t.Format(layout + " MST")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
