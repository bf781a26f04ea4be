package calendar

import (
	"fmt"
	"slices"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/localtime"
)

// Calendar is a calendar document with its times resolved.
type Calendar struct {
	ID       string
	Doc      *content.Document
	Loc      *time.Location
	From, To time.Time // To is exclusive
	Slots    []Slot
	// Blackouts are periods without publication, [From, To).
	Blackouts  []Period
	QuietHours *localtime.ClockRange
	MinGap     time.Duration
	MaxPerDay  int
}

// Slot is one recurring slot of a calendar.
type Slot struct {
	Index    int
	Schedule Schedule
	Accounts []string
	Theme    string
	Campaign string
}

// Period is a span of time, [From, To).
type Period struct {
	From, To time.Time
	Reason   string
}

// Contains reports whether t is in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// Resolve reads a calendar document in its time zone (or def). Documents
// that do not validate return an error; validate reports the details.
func Resolve(d *content.Document, def *time.Location) (*Calendar, error) {
	k := d.Calendar
	loc := def
	if k.Timezone != "" {
		l, err := time.LoadLocation(k.Timezone)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: %w", d.ID, err)
		}
		loc = l
	}
	from, err := localtime.Parse(k.From, loc)
	if err != nil {
		return nil, fmt.Errorf("calendar %s: from: %w", d.ID, err)
	}
	to, err := localtime.Parse(k.To, loc)
	if err != nil {
		return nil, fmt.Errorf("calendar %s: to: %w", d.ID, err)
	}
	c := &Calendar{ID: d.ID, Doc: d, Loc: loc, From: from.Time, To: to.EndOfDay(loc).Add(time.Nanosecond), MaxPerDay: k.Policy.MaxPerDay}
	if !to.DateOnly {
		c.To = to.Time
	}
	for i, s := range k.Slots {
		sch, err := ParseSchedule(s.Cron, s.Every)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: slot %d: %w", d.ID, i+1, err)
		}
		c.Slots = append(c.Slots, Slot{Index: i, Schedule: sch, Accounts: s.Accounts, Theme: s.Theme, Campaign: s.Campaign})
	}
	for i, b := range k.Blackouts {
		bf, err1 := localtime.Parse(b.From, loc)
		bt, err2 := localtime.Parse(b.To, loc)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("calendar %s: blackout %d: invalid dates", d.ID, i+1)
		}
		end := bt.Time
		if bt.DateOnly {
			end = bt.EndOfDay(loc).Add(time.Nanosecond)
		}
		c.Blackouts = append(c.Blackouts, Period{From: bf.Time, To: end, Reason: b.Reason})
	}
	if q := k.Policy.QuietHours; q != "" {
		r, err := localtime.ParseClockRange(q)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: %w", d.ID, err)
		}
		c.QuietHours = &r
	}
	if g := k.Policy.MinGap; g != "" {
		if c.MinGap, err = localtime.ParseDuration(g); err != nil {
			return nil, fmt.Errorf("calendar %s: %w", d.ID, err)
		}
	}
	return c, nil
}

// Covers reports whether t falls in the calendar's period, where its
// policies (quiet hours, gaps, daily limits) apply.
func (c *Calendar) Covers(t time.Time) bool { return !t.Before(c.From) && t.Before(c.To) }

// Accounts returns the accounts any slot of the calendar is for.
func (c *Calendar) Accounts() []string {
	var out []string
	for _, s := range c.Slots {
		for _, a := range s.Accounts {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Occurrence is one slot at one instant.
type Occurrence struct {
	At   time.Time
	Slot *Slot
}

// Occurrences returns the slot instants in [from, to) within the calendar's
// period, outside blackouts, in time order then slot order.
func (c *Calendar) Occurrences(from, to time.Time) []Occurrence {
	if from.Before(c.From) {
		from = c.From
	}
	if to.After(c.To) {
		to = c.To
	}
	var out []Occurrence
	for i := range c.Slots {
		s := &c.Slots[i]
		for _, t := range s.Schedule.Between(from.In(c.Loc), to.In(c.Loc)) {
			if _, dark := c.Blackout(t); dark {
				continue
			}
			out = append(out, Occurrence{At: t, Slot: s})
		}
	}
	slices.SortStableFunc(out, func(a, b Occurrence) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return a.Slot.Index - b.Slot.Index
	})
	return out
}

// Blackout returns the blackout containing t, if any.
func (c *Calendar) Blackout(t time.Time) (Period, bool) {
	for _, b := range c.Blackouts {
		if b.Contains(t) {
			return b, true
		}
	}
	return Period{}, false
}

// Taken reports whether an account already publishes at t (a post fixed
// there, or a slot given to another post).
type Taken func(account string, t time.Time) bool

// NextFree returns the first occurrence at or after from whose slot serves
// every one of accounts and that no account already uses, for `at:
// next-slot`. The answer depends only on its inputs.
func (c *Calendar) NextFree(accounts []string, from time.Time, taken Taken) (Occurrence, bool) {
	// Look a year ahead at most: a calendar is a quarter or so.
	for _, o := range c.Occurrences(from, from.AddDate(1, 0, 0)) {
		if !covers(o.Slot.Accounts, accounts) {
			continue
		}
		free := true
		for _, a := range accounts {
			if taken(a, o.At) {
				free = false
				break
			}
		}
		if free {
			return o, true
		}
	}
	return Occurrence{}, false
}

func covers(slot, want []string) bool {
	for _, a := range want {
		if !slices.Contains(slot, a) {
			return false
		}
	}
	return true
}

// ResolveAll resolves every calendar of the repository in its time zone (or
// def), leaving out those that do not validate (validate reports them).
func ResolveAll(repo *content.Repo, def *time.Location) []*Calendar {
	var out []*Calendar
	for _, d := range repo.Calendars() {
		if c, err := Resolve(d, def); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// QuietHours returns the repository's quiet hours from clairon.yaml, or nil
// when there are none (or they do not parse: validate reports it).
func QuietHours(cfg *content.Config) *localtime.ClockRange {
	if cfg == nil || cfg.Policy.QuietHours == "" {
		return nil
	}
	r, err := localtime.ParseClockRange(cfg.Policy.QuietHours)
	if err != nil {
		return nil
	}
	return &r
}
