// Package localtime reads the dates, times and durations people write in
// clairon documents: local date-times in an IANA time zone with exact
// handling of daylight-saving gaps and overlaps, and durations with day and
// week units. Nothing is ever shifted silently: a time that does not exist
// is an error, and an ambiguous one must say which reading it means.
package localtime

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Choice picks one reading of a local time that occurs twice (the hour
// repeated when clocks go back).
type Choice int

const (
	// Unspecified: an ambiguous time is an error.
	Unspecified Choice = iota
	// Earlier picks the first occurrence (still on summer time).
	Earlier
	// Later picks the second occurrence (after clocks went back).
	Later
)

// GapError is returned for a local time skipped when clocks go forward.
type GapError struct {
	Local string
	Zone  string
	// Before and After are the instants just around the gap.
	Before, After time.Time
}

func (e *GapError) Error() string {
	return fmt.Sprintf("%s does not exist in %s: clocks jump from %s to %s that day",
		e.Local, e.Zone, e.Before.Format("15:04 MST"), e.After.Format("15:04 MST"))
}

// OverlapError is returned for a local time that occurs twice and was not
// told which reading to take.
type OverlapError struct {
	Local string
	Zone  string
	// Earlier and Later are the two readings.
	Earlier, Later time.Time
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("%s occurs twice in %s: %s or %s; append ' earlier' or ' later' to choose",
		e.Local, e.Zone, e.Earlier.Format("15:04 MST (-07:00)"), e.Later.Format("15:04 MST (-07:00)"))
}

// fields are the parts of a written date-time; numbers are -1 when absent.
type fields struct {
	y, mo, d, h, mi, sec int
	offset               string // "", "Z" or "+01:00"
	choice               string // "", "earlier" or "later"
}

// scan reads "YYYY-MM-DD[( |T)HH:MM[:SS][Z|±HH:MM]][ earlier| later]" by hand:
// it runs for every post of every plan.
func scan(s string) (fields, bool) {
	f := fields{h: 0, mi: 0, sec: 0}
	num := func(from, n int) int {
		if from+n > len(s) {
			return -1
		}
		v := 0
		for _, c := range []byte(s[from : from+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return f, false
	}
	f.y, f.mo, f.d = num(0, 4), num(5, 2), num(8, 2)
	if f.y < 0 || f.mo < 0 || f.d < 0 {
		return f, false
	}
	rest := s[10:]
	f.h, f.mi, f.sec = -1, 0, 0
	if len(rest) >= 6 && (rest[0] == ' ' || rest[0] == 'T') && rest[3] == ':' && rest[1] != ' ' {
		f.h, f.mi = num(11, 2), num(14, 2)
		if f.h < 0 || f.mi < 0 {
			return f, false
		}
		rest = rest[6:]
		if len(rest) >= 3 && rest[0] == ':' {
			if f.sec = num(len(s)-len(rest)+1, 2); f.sec < 0 {
				return f, false
			}
			rest = rest[3:]
		}
		switch {
		case strings.HasPrefix(rest, "Z"):
			f.offset, rest = "Z", rest[1:]
		case len(rest) >= 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
			at := len(s) - len(rest)
			if num(at+1, 2) < 0 || num(at+4, 2) < 0 {
				return f, false
			}
			f.offset, rest = rest[:6], rest[6:]
		}
	}
	switch rest {
	case "":
	case " earlier", " later":
		f.choice = rest[1:]
	default:
		return f, false
	}
	return f, true
}

// Parsed is a parsed date-time.
type Parsed struct {
	Time time.Time
	// DateOnly is true when no time of day was written ("2026-12-24").
	DateOnly bool
}

// Parse reads "2026-12-01", "2026-12-01 09:30", "2026-12-01T09:30:00",
// "2026-12-01T09:30:00+01:00" or "…Z", optionally followed by " earlier" or
// " later" for a time in a daylight-saving overlap. Times without an offset
// are read in loc.
func Parse(s string, loc *time.Location) (Parsed, error) {
	f, ok := scan(strings.TrimSpace(s))
	if !ok {
		return Parsed{}, fmt.Errorf("%q is not a date-time: write 2026-12-01 09:30, 2026-12-01, or 2026-12-01T09:30:00+01:00", s)
	}
	p := Parsed{DateOnly: f.h < 0}
	y, mo, d, h, mi, sec := f.y, f.mo, f.d, max(f.h, 0), f.mi, f.sec
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, time.Month(mo)) || h > 23 || mi > 59 || sec > 59 {
		return Parsed{}, fmt.Errorf("%q is not a valid date-time", s)
	}
	if off := f.offset; off != "" {
		if f.choice != "" {
			return Parsed{}, fmt.Errorf("%q: 'earlier' or 'later' only applies to times without an offset", s)
		}
		z := time.UTC
		if off != "Z" {
			oh, _ := strconv.Atoi(off[1:3])
			om, _ := strconv.Atoi(off[4:6])
			secs := oh*3600 + om*60
			if off[0] == '-' {
				secs = -secs
			}
			z = time.FixedZone(off, secs)
		}
		p.Time = time.Date(y, time.Month(mo), d, h, mi, sec, 0, z).In(loc)
		return p, nil
	}
	choice := Unspecified
	switch f.choice {
	case "earlier":
		choice = Earlier
	case "later":
		choice = Later
	}
	local := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), " earlier"), " later")
	t, err := Resolve(local, y, time.Month(mo), d, h, mi, sec, loc, choice)
	p.Time = t
	return p, err
}

// Resolve builds a wall-clock time in loc, refusing a time in a gap and an
// unspecified time in an overlap. local is used in error messages.
func Resolve(local string, y int, mo time.Month, d, h, mi, sec int, loc *time.Location, choice Choice) (time.Time, error) {
	t := time.Date(y, mo, d, h, mi, sec, 0, loc)
	if th, tm, _ := t.Clock(); th != h || tm != mi || t.Day() != d {
		// Go normalised a skipped wall time forward: it does not exist.
		at := Transition(t.Add(-6*time.Hour), t)
		_, before := at.Add(-time.Second).Zone()
		return time.Time{}, &GapError{Local: local, Zone: loc.String(),
			Before: at.In(time.FixedZone(at.Add(-time.Second).Format("MST"), before)), After: at}
	}
	// An overlap: the same wall time an hour (or the offset change) apart.
	// None when no offset change is within 3 hours, which is most times:
	// the search below is skipped.
	const reach = 3 * time.Hour
	if start, end := t.ZoneBounds(); (start.IsZero() || t.Sub(start) > reach) && (end.IsZero() || end.Sub(t) > reach) {
		return t, nil
	}
	_, off := t.Zone()
	for _, delta := range []time.Duration{-3 * time.Hour, -2 * time.Hour, -time.Hour, -30 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour} {
		u := t.Add(delta)
		if _, off2 := u.Zone(); off2 != off && sameWall(u, t) {
			earlier, later := t, u
			if u.Before(t) {
				earlier, later = u, t
			}
			switch choice {
			case Earlier:
				return earlier, nil
			case Later:
				return later, nil
			}
			return time.Time{}, &OverlapError{Local: local, Zone: loc.String(), Earlier: earlier, Later: later}
		}
	}
	return t, nil
}

func sameWall(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay() && a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second()
}

// Transition finds the first instant in (lo, hi] whose UTC offset differs
// from lo's, to the second.
func Transition(lo, hi time.Time) time.Time {
	_, off := lo.Zone()
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if _, o := mid.Zone(); o == off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// EndOfDay returns the last instant of p's day when p is a date alone, so
// "to: 2026-12-24" includes the whole of the 24th; otherwise p.Time.
func (p Parsed) EndOfDay(loc *time.Location) time.Time {
	if !p.DateOnly {
		return p.Time
	}
	t := p.Time.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc).Add(-time.Nanosecond)
}

var durationPart = regexp.MustCompile(`(\d+(?:\.\d+)?)(ms|s|m|h|d|w)`)

// ParseDuration reads durations such as "90m", "1h30m", "3d" or "2w".
// A day is 24 hours.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty duration")
	}
	rest := durationPart.ReplaceAllString(t, "")
	if rest != "" {
		return 0, fmt.Errorf("%q is not a duration: write 90m, 24h, 3d or 1w", s)
	}
	var total time.Duration
	for _, m := range durationPart.FindAllStringSubmatch(t, -1) {
		f, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		total += time.Duration(f * float64(unit))
	}
	return total, nil
}

// FormatDuration renders d the way clairon's documents write durations.
func FormatDuration(d time.Duration) string {
	switch {
	case d%(7*24*time.Hour) == 0 && d >= 7*24*time.Hour:
		return fmt.Sprintf("%dw", d/(7*24*time.Hour))
	case d%(24*time.Hour) == 0 && d >= 24*time.Hour:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0 && d >= time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return d.String()
	}
}

// ClockRange is a daily period "HH:MM-HH:MM", possibly crossing midnight.
type ClockRange struct {
	From, To int // minutes after midnight
}

// ParseClockRange reads "22:00-07:30".
func ParseClockRange(s string) (ClockRange, error) {
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil || h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 {
		return ClockRange{}, fmt.Errorf("%q is not a daily period: write 22:00-07:30", s)
	}
	return ClockRange{From: h1*60 + m1, To: h2*60 + m2}, nil
}

// Contains reports whether t's wall-clock time (in its own location) falls
// in the range; From is included, To excluded.
func (r ClockRange) Contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	if r.From <= r.To {
		return m >= r.From && m < r.To
	}
	return m >= r.From || m < r.To
}

// End returns the first instant at or after t that is outside the range.
func (r ClockRange) End(t time.Time) time.Time {
	if !r.Contains(t) {
		return t
	}
	end := time.Date(t.Year(), t.Month(), t.Day(), r.To/60, r.To%60, 0, 0, t.Location())
	if !end.After(t) {
		end = time.Date(t.Year(), t.Month(), t.Day()+1, r.To/60, r.To%60, 0, 0, t.Location())
	}
	return end
}

func (r ClockRange) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", r.From/60, r.From%60, r.To/60, r.To%60)
}
