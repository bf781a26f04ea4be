package plan

import (
	"maps"
	"slices"
	"time"

	"github.com/clairon-dev/clairon/engine/calendar"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/localtime"
)

// holds decides which changes wait: a freeze, a calendar's blackout, quiet
// hours. A held change keeps its action and shows why and until when.
type holds struct {
	cfg  *content.Config
	loc  *time.Location
	cals map[string]*calendar.Calendar
	now  time.Time
	// ids are the calendars' ids in order; quiet the repository's quiet
	// hours (nil when none): both computed once per plan.
	ids   []string
	quiet *localtime.ClockRange
}

func newHolds(cfg *content.Config, loc *time.Location, cals map[string]*calendar.Calendar, now time.Time) holds {
	return holds{cfg: cfg, loc: loc, cals: cals, now: now, ids: slices.Sorted(maps.Keys(cals)), quiet: calendar.QuietHours(cfg)}
}

// apply holds ch when it would fall in a frozen period, a blackout or quiet
// hours at the time it becomes due (now, or its scheduled time).
func (h holds) apply(ch *Change) {
	if ch.Held != "" {
		return
	}
	t := h.now
	if ch.Scheduled && ch.At.After(t) {
		t = ch.At
	}
	if f := h.cfg.Policy.Freeze; f != nil && f.On {
		until := time.Time{}
		if f.Until != "" {
			if p, err := localtime.Parse(f.Until, h.loc); err == nil {
				until = p.Time
			}
		}
		if until.IsZero() || t.Before(until) {
			reason := "publication is frozen"
			if f.Reason != "" {
				reason += ": " + f.Reason
			}
			ch.Held, ch.HeldUntil = reason, until
			return
		}
	}
	if ch.Action == Delete {
		return // quiet hours and blackouts are about what people see appear
	}
	for _, id := range h.ids {
		c := h.cals[id]
		if !slices.Contains(c.Accounts(), ch.Address.Account) {
			continue
		}
		if b, dark := c.Blackout(t); dark {
			reason := "blackout in calendar " + id
			if b.Reason != "" {
				reason += ": " + b.Reason
			}
			ch.Held, ch.HeldUntil = reason, b.To
			return
		}
		// A calendar's quiet hours hold only within its period, as its
		// other policies do; the hold then lasts until they end or the
		// period does.
		if q := c.QuietHours; q != nil && c.Covers(t) && q.Contains(t.In(c.Loc)) {
			ch.Held, ch.HeldUntil = "quiet hours "+q.String()+" (calendar "+id+")", q.End(t.In(c.Loc))
			if ch.HeldUntil.After(c.To) {
				ch.HeldUntil = c.To
			}
			return
		}
	}
	if q := h.quiet; q != nil && q.Contains(t.In(h.loc)) {
		ch.Held, ch.HeldUntil = "quiet hours "+q.String(), q.End(t.In(h.loc))
	}
}
