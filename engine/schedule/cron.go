package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser reads standard five-field specs and descriptors (@daily…).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// allHours is the bit set of a cron hour field that matches every hour.
const allHours = 1<<24 - 1

// Cron is a periodic job's cron spec read in a time zone, with exact and
// declared rules for daylight-saving changes:
//
//   - a fixed time of day skipped when clocks go forward runs once that day,
//     at the first instant after the gap: "30 2 * * *" in Europe/Paris runs at
//     03:00 CEST on the last Sunday of March;
//   - a fixed time of day that occurs twice when clocks go back runs once, at
//     its first occurrence (still on summer time);
//   - a spec whose hour field is every hour ("0 * * * *", "*/15 * * * *") and
//     the @every form follow real time: they run in each real hour, the
//     repeated one included, and have nothing to run in the skipped one.
type Cron struct {
	// Spec is the spec as written.
	Spec string
	loc  *time.Location
	s    cron.Schedule
	// wall is true when the spec names times of day (its hour field is not
	// every hour), so the daylight-saving rules above apply.
	wall bool
}

// ParseCron reads a five-field cron spec or a descriptor (@daily, @hourly,
// @every 2h) in loc. The time zone comes from clairon.yaml, not from the
// spec: a TZ= or CRON_TZ= prefix is refused.
func ParseCron(spec string, loc *time.Location) (*Cron, error) {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("cron %q: the time zone is clairon.yaml's timezone, not part of the spec", spec)
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %v", spec, err)
	}
	if loc == nil {
		loc = time.UTC
	}
	c := &Cron{Spec: spec, loc: loc, s: s}
	if ss, ok := s.(*cron.SpecSchedule); ok {
		c.wall = ss.Hour&allHours != allHours
	}
	return c, nil
}

// Location returns the time zone the spec is read in.
func (c *Cron) Location() *time.Location { return c.loc }

// Next returns the first time the job runs strictly after t.
func (c *Cron) Next(t time.Time) time.Time {
	t = t.In(c.loc)
	n := c.s.Next(t)
	if !c.wall || n.IsZero() {
		return n
	}
	// A time of day repeated when clocks went back runs at its first
	// reading only.
	for !n.IsZero() && repeated(n) {
		n = c.s.Next(n)
	}
	// A time of day skipped when clocks went forward runs right after the
	// gap.
	for cur := t; ; {
		_, end := cur.ZoneBounds()
		if end.IsZero() || n.IsZero() || end.After(n) {
			break
		}
		if gap, before := shift(end); gap > 0 {
			fz := time.FixedZone("", before)
			if m := c.s.Next(end.Add(-time.Nanosecond).In(fz)); !m.IsZero() && m.Before(end.Add(gap)) {
				return end
			}
		}
		cur = end
	}
	return n
}

// shift returns how far clocks move at the zone change at instant at
// (positive forward, negative back) and the UTC offset before it.
func shift(at time.Time) (time.Duration, int) {
	_, before := at.Add(-time.Nanosecond).Zone()
	_, after := at.Zone()
	return time.Duration(after-before) * time.Second, before
}

// repeated reports whether t's wall time already occurred earlier the same
// night, before clocks went back.
func repeated(t time.Time) bool {
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return false
	}
	d, _ := shift(start)
	return d < 0 && t.Before(start.Add(-d))
}
