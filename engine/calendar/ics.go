package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/clairon-dev/clairon/engine/localtime"
)

// icsLocal is the local date-time form used with a TZID parameter.
const icsLocal = "20060102T150405"

// WriteICS writes the view as an RFC 5545 calendar that people subscribe
// to: one event per post and account, one per empty slot, times in the
// view's zone with its VTIMEZONE, and UIDs that depend only on what the
// event is (post and account, or calendar, slot time and accounts), so
// calendar apps update events rather than duplicate them. stamp is DTSTAMP.
func (v *View) WriteICS(w io.Writer, name string, stamp time.Time) error {
	cal := ics.NewCalendarFor("clairon")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetXWRTimezone(v.Loc.String())
	v.addTimezone(cal)
	for _, d := range v.Days {
		for _, it := range d.Items {
			e := cal.AddEvent(uid("post", it.Post, it.Account))
			v.times(e, it.At, 15*time.Minute)
			e.SetDtStampTime(stamp)
			title := it.Title
			if title == "" {
				title = it.Post
			}
			e.SetSummary(fmt.Sprintf("%s %s → %s", statusMark(it.Status), title, it.Account))
			desc := fmt.Sprintf("Post %s on %s (%s), %s.", it.Post, it.Account, it.Network, it.Status)
			if it.Campaign != "" {
				desc += " Campaign: " + it.Campaign + "."
			}
			if it.Path != "" {
				desc += " File: " + it.Path + "."
			}
			e.SetDescription(desc)
			if it.URL != "" && strings.HasPrefix(it.URL, "http") {
				e.SetURL(it.URL)
			}
			if it.Campaign != "" {
				e.SetProperty(ics.ComponentPropertyCategories, it.Campaign)
			}
			status := ics.ObjectStatusConfirmed
			if it.Status == "held" || it.Status == "draft" {
				status = ics.ObjectStatusTentative
			}
			e.SetStatus(status)
		}
		for _, s := range d.Slots {
			if !s.Empty() {
				continue
			}
			e := cal.AddEvent(uid("slot", s.Calendar, s.At.UTC().Format(time.RFC3339), strings.Join(s.Accounts, ",")))
			v.times(e, s.At, 15*time.Minute)
			e.SetDtStampTime(stamp)
			theme := s.Theme
			if theme == "" {
				theme = "publication slot"
			}
			e.SetSummary("○ Empty: " + theme)
			e.SetDescription(fmt.Sprintf("Empty slot of calendar %s for %s.", s.Calendar, strings.Join(s.Accounts, ", ")))
			e.SetTimeTransparency(ics.TransparencyTransparent)
			e.SetStatus(ics.ObjectStatusTentative)
		}
	}
	return cal.SerializeTo(w)
}

func uid(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16]) + "@clairon"
}

func (v *View) times(e *ics.VEvent, at time.Time, d time.Duration) {
	tz := ics.WithTZID(v.Loc.String())
	e.SetProperty(ics.ComponentPropertyDtStart, at.In(v.Loc).Format(icsLocal), tz)
	e.SetProperty(ics.ComponentPropertyDtEnd, at.Add(d).In(v.Loc).Format(icsLocal), tz)
}

// addTimezone writes the view's zone as a VTIMEZONE with every offset
// change from a year before the view to its end, taken from Go's zone data.
func (v *View) addTimezone(cal *ics.Calendar) {
	tz := cal.AddTimezone(v.Loc.String())
	start := v.From.AddDate(-1, 0, 0)
	name, off := start.In(v.Loc).Zone()
	// The offset in force at the start, as a STANDARD observance.
	first := tz.AddStandard()
	setObservance(&first.ComponentBase, start.In(v.Loc), off, off, name)
	for t := start; t.Before(v.To); {
		next := nextTransition(t, v.To, v.Loc)
		if next.IsZero() {
			break
		}
		newName, newOff := next.In(v.Loc).Zone()
		var cb *ics.ComponentBase
		if newOff > off {
			d := &ics.Daylight{}
			tz.Components = append(tz.Components, d)
			cb = &d.ComponentBase
		} else {
			cb = &tz.AddStandard().ComponentBase
		}
		// DTSTART of an observance is the local time in the offset before it.
		setObservance(cb, next.In(time.FixedZone("", off)), off, newOff, newName)
		off, t = newOff, next
	}
}

func setObservance(cb *ics.ComponentBase, localStart time.Time, from, to int, name string) {
	cb.SetProperty(ics.ComponentPropertyDtStart, localStart.Format(icsLocal))
	cb.SetProperty(ics.ComponentProperty("TZOFFSETFROM"), offset(from))
	cb.SetProperty(ics.ComponentProperty("TZOFFSETTO"), offset(to))
	cb.SetProperty(ics.ComponentProperty("TZNAME"), name)
}

func offset(secs int) string {
	sign := "+"
	if secs < 0 {
		sign, secs = "-", -secs
	}
	return fmt.Sprintf("%s%02d%02d", sign, secs/3600, secs%3600/60)
}

// nextTransition returns the first instant after t and before end at which
// loc's offset changes, or the zero time.
func nextTransition(t, end time.Time, loc *time.Location) time.Time {
	_, off := t.In(loc).Zone()
	for probe := t.Add(6 * time.Hour); probe.Before(end.Add(6 * time.Hour)); probe = probe.Add(6 * time.Hour) {
		if _, o := probe.In(loc).Zone(); o != off {
			return localtime.Transition(probe.Add(-6*time.Hour).In(loc), probe.In(loc))
		}
	}
	return time.Time{}
}
