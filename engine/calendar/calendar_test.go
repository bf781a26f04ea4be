package calendar_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/clairon-dev/clairon/engine/calendar"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/localtime"
)

const doc = `---
id: q1
name: Calendrier T1
timezone: Europe/Paris
from: 2027-03-01
to: 2027-04-30
slots:
  - every: "tue,thu 10:00"
    accounts: [m, b]
    theme: Portrait
  - cron: "30 12 * * SAT"
    accounts: [m]
    theme: Café de la semaine
blackouts:
  - {from: 2027-03-11, to: 2027-03-11, reason: Inventaire}
policy:
  quiet_hours: "21:00-08:00"
  min_gap: 3h
  max_per_day: 2
---
`

func load(t *testing.T) *calendar.Calendar {
	t.Helper()
	repo, ds, err := content.Load(context.Background(), fstest.MapFS{
		"clairon.yaml":   {Data: []byte("timezone: Europe/Paris\naccounts:\n  m: {network: mastodon, server: 'https://a.b', token: 'env:M'}\n  b: {network: bluesky, handle: a.b, password: 'env:B'}\n")},
		"calendars/q.md": {Data: []byte(doc)},
	}, content.Options{})
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	c, err := calendar.Resolve(repo.Calendars()[0], paris)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(s string) time.Time {
	paris, _ := time.LoadLocation("Europe/Paris")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
	if err != nil {
		panic(err)
	}
	return t
}

func TestOccurrencesAcrossDSTAndBlackouts(t *testing.T) {
	c := load(t)
	var got []string
	for _, o := range c.Occurrences(at("2027-03-08 00:00"), at("2027-04-01 00:00")) {
		got = append(got, o.At.Format("Mon 02 15:04 MST"))
	}
	want := "Tue 09 10:00 CET,Sat 13 12:30 CET,Tue 16 10:00 CET,Thu 18 10:00 CET,Sat 20 12:30 CET,Tue 23 10:00 CET,Thu 25 10:00 CET,Sat 27 12:30 CET,Tue 30 10:00 CEST"
	if strings.Join(got, ",") != want {
		t.Errorf("occurrences\n got %s\nwant %s", strings.Join(got, ","), want)
	}
}

func TestNextFreeIsDeterministic(t *testing.T) {
	c := load(t)
	taken := map[string]bool{at("2027-03-09 10:00").Format(time.RFC3339): true}
	f := func(a string, t time.Time) bool { return a == "b" && taken[t.Format(time.RFC3339)] }
	for range 3 {
		o, ok := c.NextFree([]string{"m", "b"}, at("2027-03-08 00:00"), f)
		if !ok || !o.At.Equal(at("2027-03-16 10:00")) {
			t.Fatalf("next free = %v, %v", o.At, ok)
		}
	}
	if _, ok := c.NextFree([]string{"x"}, at("2027-03-08 00:00"), f); ok {
		t.Error("a slot was found for an account no slot serves")
	}
}

func TestCoverageAndConflicts(t *testing.T) {
	c := load(t)
	items := []calendar.Item{
		{Post: "a", Account: "m", At: at("2027-03-09 10:00"), Status: "scheduled"},
		{Post: "b", Account: "m", At: at("2027-03-09 11:00"), Status: "scheduled"},
		{Post: "c", Account: "m", At: at("2027-03-09 18:00"), Status: "scheduled"},
		{Post: "d", Account: "m", At: at("2027-03-11 23:30"), Status: "scheduled"},
		{Post: "e", Account: "b", At: at("2027-03-10 09:00"), Status: "draft"},
	}
	cov := c.Coverage(items, at("2027-03-08 00:00"), at("2027-03-14 00:00"))
	if len(cov) != 2 || len(cov[0].Filled) != 1 || strings.Join(cov[0].Missing, ",") != "b" || !cov[1].Empty() {
		t.Errorf("coverage: %+v", cov)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	q, _ := localtime.ParseClockRange("22:30-07:00")
	var kinds []string
	for _, x := range calendar.Conflicts([]*calendar.Calendar{c}, &q, paris, items) {
		kinds = append(kinds, x.Kind+":"+x.Items[len(x.Items)-1].Post)
	}
	want := "quiet-hours:d,min-gap:b,blackout:d,quiet-hours:d,max-per-day:c"
	if strings.Join(kinds, ",") != want {
		t.Errorf("conflicts\n got %s\nwant %s", strings.Join(kinds, ","), want)
	}
}

// An item fills a slot in the same minute on the same account; items
// outside the window fill nothing, even in a slot's minute.
func TestCoverageMatchesByMinuteWithinTheWindow(t *testing.T) {
	c := load(t)
	items := []calendar.Item{
		{Post: "seconds", Account: "b", At: at("2027-03-09 10:00").Add(40 * time.Second)},
		{Post: "before", Account: "b", At: at("2027-03-02 10:00")},
		{Post: "after", Account: "m", At: at("2027-03-16 10:00")},
		{Post: "other-account", Account: "x", At: at("2027-03-09 10:00")},
	}
	for _, tc := range []struct {
		from, to string
		want     string
	}{
		{"2027-03-08 00:00", "2027-03-14 00:00", "09 10:00 seconds [m]|13 12:30 - [m]"},
		{"2027-03-01 00:00", "2027-03-03 00:00", "02 10:00 before [m]"},
		{"2027-03-09 10:00", "2027-03-09 10:01", "09 10:00 seconds [m]"},
		{"2027-03-09 10:01", "2027-03-17 00:00", "13 12:30 - [m]|16 10:00 after [b]"},
	} {
		var got []string
		for _, s := range c.Coverage(items, at(tc.from), at(tc.to)) {
			filled := "-"
			for _, it := range s.Filled {
				filled = it.Post
			}
			got = append(got, fmt.Sprintf("%s %s %v", s.At.In(c.Loc).Format("02 15:04"), filled, s.Missing))
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("[%s, %s)\n got %s\nwant %s", tc.from, tc.to, strings.Join(got, "|"), tc.want)
		}
	}
}

func TestICSRoundTripsWithStableUIDs(t *testing.T) {
	c := load(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	items := []calendar.Item{
		{Post: "portrait", Title: "Portrait, café; et \"Tierra Alta\"", Account: "m", Network: "mastodon", Campaign: "c", At: at("2027-03-09 10:00"), Status: "scheduled"},
		{Post: "dst", Account: "m", At: at("2027-03-30 10:00"), Status: "published", URL: "https://piaille.fr/@b/1"},
	}
	render := func(items []calendar.Item) (string, *ics.Calendar) {
		v := calendar.Build([]*calendar.Calendar{c}, items, nil, at("2027-03-08 00:00"), at("2027-04-01 00:00"), paris)
		var b bytes.Buffer
		if err := v.WriteICS(&b, "Calendrier T1", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		parsed, err := ics.ParseCalendar(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("the output does not parse: %v\n%s", err, b.String())
		}
		return b.String(), parsed
	}
	text, cal := render(items)
	events := cal.Events()
	if len(events) != 9 { // 2 posts + 7 empty slots (the blackout removes one)
		t.Fatalf("%d events:\n%s", len(events), text)
	}
	first := events[0]
	if s := first.GetProperty(ics.ComponentPropertySummary).Value; s != `● Portrait, café; et "Tierra Alta" → m` {
		t.Errorf("summary %q", s)
	}
	start := first.GetProperty(ics.ComponentPropertyDtStart)
	if start.Value != "20270309T100000" || start.ICalParameters["TZID"][0] != "Europe/Paris" {
		t.Errorf("DTSTART %v %v", start.Value, start.ICalParameters)
	}
	if len(cal.Timezones()) != 1 || !strings.Contains(text, "BEGIN:DAYLIGHT") || !strings.Contains(text, "TZOFFSETTO:+0200") {
		t.Errorf("no VTIMEZONE with the spring change:\n%s", text)
	}
	// Same events, same UIDs; a moved post keeps its UID.
	text2, _ := render(items)
	if text != text2 {
		t.Error("two renderings differ")
	}
	moved := append([]calendar.Item(nil), items...)
	moved[0].At = at("2027-03-16 10:00")
	_, cal3 := render(moved)
	found := false
	for _, e := range cal3.Events() {
		if e.Id() == first.Id() {
			found = e.GetProperty(ics.ComponentPropertyDtStart).Value == "20270316T100000"
		}
	}
	if !found {
		t.Error("moving a post changed its UID")
	}
}

func TestEveryForms(t *testing.T) {
	for _, tt := range []struct{ every, first string }{
		{"weekdays 12:30", "Mon 08 12:30"},
		{"day 18:00", "Mon 08 18:00"},
		{"mon-wed 09:00,17:30", "Mon 08 09:00"},
		{"sam,dim 10:00", "Sat 13 10:00"},
	} {
		s, err := calendar.ParseSchedule("", tt.every)
		if err != nil {
			t.Fatalf("%s: %v", tt.every, err)
		}
		got := s.Between(at("2027-03-08 00:00"), at("2027-03-15 00:00"))
		if len(got) == 0 || got[0].Format("Mon 02 15:04") != tt.first {
			t.Errorf("%s: first %v", tt.every, got)
		}
	}
	for _, bad := range []string{"tuesday 10:00", "tue 25:00", "tue", "tue 10h"} {
		if _, err := calendar.ParseSchedule("", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
