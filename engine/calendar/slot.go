// Package calendar computes editorial calendars: the publication slots of a
// period (cron expressions or the friendly `every:` form, in the calendar's
// time zone), blackouts and policy, coverage, conflicts, the next free slot
// for `at: next-slot`, and the calendar's views (text, Markdown, ICS, HTML).
package calendar

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser reads standard five-field specs and descriptors (@daily…).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule is the set of instants a slot recurs at.
type Schedule struct {
	specs []cron.Schedule
	// Spec is the normalised cron form, for display (one per line when the
	// friendly form needed several).
	Spec []string
}

var dayNames = map[string]string{
	"mon": "MON", "tue": "TUE", "wed": "WED", "thu": "THU", "fri": "FRI", "sat": "SAT", "sun": "SUN",
	"lun": "MON", "mar": "TUE", "mer": "WED", "jeu": "THU", "ven": "FRI", "sam": "SAT", "dim": "SUN",
}

// ParseSchedule reads a slot's cron expression, or its `every:` form when
// cron is empty: "tue,thu 10:00", "weekdays 12:30", "day 18:00",
// "mon-fri 09:00,17:30".
func ParseSchedule(cronSpec, every string) (Schedule, error) {
	if strings.TrimSpace(cronSpec) != "" {
		if strings.Contains(cronSpec, "TZ=") || strings.Contains(cronSpec, "CRON_TZ=") {
			return Schedule{}, fmt.Errorf("cron %q: set the time zone with the calendar's timezone, not in the expression", cronSpec)
		}
		s, err := cronParser.Parse(cronSpec)
		if err != nil {
			return Schedule{}, fmt.Errorf("cron %q: %v", cronSpec, err)
		}
		return Schedule{specs: []cron.Schedule{s}, Spec: []string{cronSpec}}, nil
	}
	specs, err := everyToCron(every)
	if err != nil {
		return Schedule{}, err
	}
	out := Schedule{Spec: specs}
	for _, sp := range specs {
		s, err := cronParser.Parse(sp)
		if err != nil {
			return Schedule{}, fmt.Errorf("every %q: %v", every, err)
		}
		out.specs = append(out.specs, s)
	}
	return out, nil
}

func everyToCron(every string) ([]string, error) {
	fields := strings.Fields(strings.ToLower(every))
	bad := fmt.Errorf("every %q: write days then times, such as \"tue,thu 10:00\", \"weekdays 12:30\" or \"day 18:00\"", every)
	if len(fields) != 2 {
		return nil, bad
	}
	var dow string
	switch fields[0] {
	case "day", "daily", "days", "everyday":
		dow = "*"
	case "weekdays", "weekday":
		dow = "MON-FRI"
	case "weekends", "weekend":
		dow = "SAT,SUN"
	default:
		var parts []string
		for _, p := range strings.Split(fields[0], ",") {
			lo, hi, isRange := strings.Cut(p, "-")
			a, ok := dayNames[lo]
			if !ok {
				return nil, bad
			}
			if isRange {
				b, ok := dayNames[hi]
				if !ok {
					return nil, bad
				}
				parts = append(parts, a+"-"+b)
				continue
			}
			parts = append(parts, a)
		}
		dow = strings.Join(parts, ",")
	}
	var specs []string
	for _, hm := range strings.Split(fields[1], ",") {
		var h, m int
		if n, err := fmt.Sscanf(hm, "%d:%d", &h, &m); err != nil || n != 2 || h > 23 || m > 59 || len(hm) != 5 {
			return nil, bad
		}
		specs = append(specs, fmt.Sprintf("%d %d * * %s", m, h, dow))
	}
	return specs, nil
}

// Between returns the instants of the schedule in [from, to), in from's
// location, sorted and without duplicates. Wall times that fall in a
// daylight-saving gap are skipped, as a person's calendar would.
func (s Schedule) Between(from, to time.Time) []time.Time {
	seen := map[int64]bool{}
	var out []time.Time
	for _, sp := range s.specs {
		for t := sp.Next(from.Add(-time.Nanosecond)); !t.IsZero() && t.Before(to); t = sp.Next(t) {
			if !seen[t.UnixNano()] {
				seen[t.UnixNano()] = true
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}
