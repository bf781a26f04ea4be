package localtime

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in       string
		want     string // RFC 3339, or "" when an error is expected
		gap      bool
		overlap  bool
		dateOnly bool
	}{
		{in: "2026-12-01 09:30", want: "2026-12-01T09:30:00+01:00"},
		{in: "2026-12-01T09:30", want: "2026-12-01T09:30:00+01:00"},
		{in: "2026-07-01T09:30:15", want: "2026-07-01T09:30:15+02:00"},
		{in: "2026-12-01", want: "2026-12-01T00:00:00+01:00", dateOnly: true},
		{in: "2026-12-01T09:30:00Z", want: "2026-12-01T10:30:00+01:00"},
		{in: "2026-12-01T09:30:00-05:00", want: "2026-12-01T15:30:00+01:00"},
		// Spring forward in Paris: 2026-03-29 02:00 -> 03:00.
		{in: "2026-03-29 02:30", gap: true},
		{in: "2026-03-29 03:00", want: "2026-03-29T03:00:00+02:00"},
		{in: "2026-03-29 01:59", want: "2026-03-29T01:59:00+01:00"},
		// Fall back: 2026-10-25 03:00 -> 02:00; 02:00-02:59 occurs twice.
		{in: "2026-10-25 02:30", overlap: true},
		{in: "2026-10-25 02:30 earlier", want: "2026-10-25T02:30:00+02:00"},
		{in: "2026-10-25 02:30 later", want: "2026-10-25T02:30:00+01:00"},
		{in: "2026-10-25 03:00", want: "2026-10-25T03:00:00+01:00"},
		{in: "2026-10-25 01:59", want: "2026-10-25T01:59:00+02:00"},
		{in: "2026-02-30 10:00"},
		{in: "2026-12-01 25:00"},
		{in: "demain"},
		{in: "2026-12-01T09:30:00+01:00 later"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse(tt.in, paris)
			var gap *GapError
			var ov *OverlapError
			switch {
			case tt.gap:
				if !errors.As(err, &gap) {
					t.Fatalf("got %v, %v; want a gap error", p.Time, err)
				}
			case tt.overlap:
				if !errors.As(err, &ov) {
					t.Fatalf("got %v, %v; want an overlap error", p.Time, err)
				}
				if ov.Later.Sub(ov.Earlier) != time.Hour {
					t.Errorf("readings %v and %v are not an hour apart", ov.Earlier, ov.Later)
				}
			case tt.want == "":
				if err == nil {
					t.Fatalf("got %v; want an error", p.Time)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if got := p.Time.Format(time.RFC3339); got != tt.want {
					t.Errorf("got %s, want %s", got, tt.want)
				}
				if p.DateOnly != tt.dateOnly {
					t.Errorf("DateOnly = %v", p.DateOnly)
				}
			}
		})
	}
}

func TestGapAndOverlapMessagesNameBothReadings(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	_, err := Parse("2026-10-25 02:30", paris)
	if got, want := err.Error(), "2026-10-25 02:30 occurs twice in Europe/Paris: 02:30 CEST (+02:00) or 02:30 CET (+01:00); append ' earlier' or ' later' to choose"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	_, err = Parse("2026-03-29 02:30", paris)
	if got, want := err.Error(), "2026-03-29 02:30 does not exist in Europe/Paris: clocks jump from 02:00 CET to 03:00 CEST that day"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "90m", want: 90 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "3d", want: 72 * time.Hour},
		{in: "2w", want: 14 * 24 * time.Hour},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "", bad: true},
		{in: "3 days", bad: true},
		{in: "h", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
	for _, d := range []time.Duration{time.Hour, 72 * time.Hour, 14 * 24 * time.Hour, 90 * time.Minute} {
		back, err := ParseDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Errorf("round trip of %v via %q gave %v, %v", d, FormatDuration(d), back, err)
		}
	}
}

func TestClockRange(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	r, err := ParseClockRange("22:00-07:30")
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, paris) }
	for _, tt := range []struct {
		t    time.Time
		want bool
	}{{at(23, 0), true}, {at(3, 0), true}, {at(7, 29), true}, {at(7, 30), false}, {at(12, 0), false}, {at(22, 0), true}} {
		if got := r.Contains(tt.t); got != tt.want {
			t.Errorf("Contains(%v) = %v", tt.t, got)
		}
	}
	if got := r.End(at(23, 0)); !got.Equal(time.Date(2026, 12, 2, 7, 30, 0, 0, paris)) {
		t.Errorf("End(23:00) = %v", got)
	}
	if got := r.End(at(3, 0)); !got.Equal(at(7, 30)) {
		t.Errorf("End(03:00) = %v", got)
	}
	if _, err := ParseClockRange("22h-7h"); err == nil {
		t.Error("want an error")
	}
}

// TestResolveSkipsTheSearchSafely compares Resolve with a search of every
// offset change around each wall time, every 30 minutes of two years, in
// zones with hour and half-hour changes.
func TestResolveSkipsTheSearchSafely(t *testing.T) {
	ambiguous := 0
	for _, name := range []string{"Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo", "UTC"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		for w := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); w.Year() < 2028; w = w.Add(30 * time.Minute) {
			got, gerr := Resolve("x", w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, loc, Unspecified)
			tm := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, loc)
			overlap := false
			_, off := tm.Zone()
			for d := -3 * time.Hour; d <= 3*time.Hour; d += 30 * time.Minute {
				u := tm.Add(d)
				if _, o := u.Zone(); o != off && u.Hour() == tm.Hour() && u.Minute() == tm.Minute() && u.YearDay() == tm.YearDay() {
					overlap = true
				}
			}
			gap := tm.Hour() != w.Hour() || tm.Minute() != w.Minute()
			switch {
			case gap || overlap:
				ambiguous++
				if gerr == nil {
					t.Errorf("%s %s: no error, want a gap or an overlap", name, w.Format("2006-01-02 15:04"))
				}
			case gerr != nil || !got.Equal(tm):
				t.Errorf("%s %s: %v, %v; want %v", name, w.Format("2006-01-02 15:04"), got, gerr, tm)
			}
		}
	}
	if ambiguous < 20 { // two gaps and two overlaps a year in three zones
		t.Errorf("only %d gaps and overlaps seen", ambiguous)
	}
}
