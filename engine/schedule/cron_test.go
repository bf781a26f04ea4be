package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestCronAcrossDaylightSaving(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	lordHowe := mustLoad(t, "Australia/Lord_Howe") // clocks move 30 minutes
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		spec string
		loc  *time.Location
		from string
		want []string // UTC
	}{
		{"daily report, spring forward", "45 7 * * *", paris, "2026-03-28T12:00:00Z",
			[]string{"2026-03-29T05:45:00Z", "2026-03-30T05:45:00Z"}},
		{"skipped time runs right after the gap", "30 2 * * *", paris, "2026-03-28T12:00:00Z", []string{
			"2026-03-29T01:00:00Z", // 02:30 does not exist that day: 03:00 CEST
			"2026-03-30T00:30:00Z", // 02:30 CEST
		}},
		{"repeated time runs once, at its first reading", "30 2 * * *", paris, "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"}},
		{"every quarter hour of a fixed hour, fall back", "*/15 2 * * *", paris, "2026-10-24T23:50:00Z",
			[]string{"2026-10-25T00:00:00Z", "2026-10-25T00:15:00Z", "2026-10-25T00:30:00Z", "2026-10-25T00:45:00Z", "2026-10-26T01:00:00Z"}},
		{"hourly follows real time, fall back", "0 * * * *", paris, "2026-10-24T23:30:00Z",
			[]string{"2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"}},
		{"hourly follows real time, spring forward", "0 * * * *", paris, "2026-03-28T23:30:00Z",
			[]string{"2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"}},
		{"descriptor", "@daily", paris, "2026-10-24T12:00:00Z",
			[]string{"2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"}},
		{"every", "@every 90m", paris, "2026-10-25T00:10:00Z",
			[]string{"2026-10-25T01:40:00Z", "2026-10-25T03:10:00Z"}},
		// On 4 October 2026 clocks go from 02:00 +10:30 to 02:30 +11:00.
		{"half-hour shift, skipped", "15 2 * * *", lordHowe, "2026-10-02T00:00:00Z", []string{
			"2026-10-02T15:45:00Z", // 3 Oct 02:15 +10:30
			"2026-10-03T15:30:00Z", // 4 Oct 02:15 does not exist: 02:30 +11:00
			"2026-10-04T15:15:00Z", // 5 Oct 02:15 +11:00
		}},
		// On 5 April 2026 clocks go back from 02:00 +11:00 to 01:30 +10:30.
		{"half-hour shift, repeated", "45 1 * * *", lordHowe, "2026-04-04T00:00:00Z", []string{
			"2026-04-04T14:45:00Z", // 5 Apr 01:45 +11:00, not again at +10:30
			"2026-04-05T15:15:00Z", // 6 Apr 01:45 +10:30
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCron(tc.spec, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			at := utc(tc.from)
			for i, w := range tc.want {
				at = c.Next(at)
				if !at.Equal(utc(w)) {
					t.Fatalf("occurrence %d = %s (%s), want %s", i+1, at.UTC().Format(time.RFC3339), at.Format("15:04 MST"), w)
				}
			}
		})
	}
}

func TestCronRefusesBadSpecs(t *testing.T) {
	for _, spec := range []string{"", "61 * * * *", "CRON_TZ=Europe/Paris 0 8 * * *", "TZ=UTC 0 8 * * *", "* * *"} {
		if _, err := ParseCron(spec, time.UTC); err == nil {
			t.Errorf("ParseCron(%q) accepted", spec)
		} else if strings.Contains(spec, "TZ=") && !strings.Contains(err.Error(), "timezone") {
			t.Errorf("ParseCron(%q): %v", spec, err)
		}
	}
}

// A whole year of a daily job runs exactly once a day, at 07:45 local time,
// whatever the offset.
func TestCronDailyForAYear(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	for _, spec := range []string{"45 7 * * *", "30 2 * * *"} {
		c, err := ParseCron(spec, paris)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, paris)
		days := map[string]int{}
		for at.Year() == 2026 {
			at = c.Next(at)
			if at.Year() != 2026 {
				break
			}
			days[at.In(paris).Format("2006-01-02")]++
		}
		if len(days) != 365 {
			t.Errorf("%s: ran on %d days, want 365", spec, len(days))
		}
		for d, n := range days {
			if n != 1 {
				t.Errorf("%s: ran %d times on %s", spec, n, d)
			}
		}
	}
}

func BenchmarkCronNext(b *testing.B) {
	c, err := ParseCron("30 2 * * *", mustLoad(b, "Europe/Paris"))
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		at = c.Next(at)
		if at.Year() > 2030 {
			at = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
	}
}
