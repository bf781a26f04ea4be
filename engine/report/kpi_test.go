package report

import (
	"math"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/state"
)

func i64(v int64) *int64 { return &v }

func str(p *int64) string {
	if p == nil {
		return "nil"
	}
	return formatInt(*p)
}

func TestInteractions(t *testing.T) {
	tests := []struct {
		name string
		f    Figures
		want *int64
	}{
		{"nothing given", Figures{}, nil},
		{"clicks and impressions are not interactions", Figures{Clicks: i64(40), Impressions: i64(900)}, nil},
		{"zero is a figure", Figures{Likes: i64(0)}, i64(0)},
		{"mastodon: no bookmarks", Figures{Likes: i64(10), Reposts: i64(3), Replies: i64(2), Quotes: i64(1)}, i64(16)},
		{"all five", Figures{Likes: i64(10), Reposts: i64(3), Replies: i64(2), Quotes: i64(1), Bookmarks: i64(4), Clicks: i64(99)}, i64(20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Interactions(tt.f); str(got) != str(tt.want) {
				t.Errorf("Interactions = %s, want %s", str(got), str(tt.want))
			}
		})
	}
}

func TestReach(t *testing.T) {
	tests := []struct {
		name string
		f    Figures
		want *int64
	}{
		{"reach wins", Figures{Reach: i64(700), Impressions: i64(1000)}, i64(700)},
		{"impressions otherwise", Figures{Impressions: i64(1000)}, i64(1000)},
		{"neither", Figures{Likes: i64(3)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reach(tt.f); str(got) != str(tt.want) {
				t.Errorf("Reach = %s, want %s", str(got), str(tt.want))
			}
		})
	}
}

func TestRate(t *testing.T) {
	tests := []struct {
		name      string
		f         Figures
		followers *int64
		want      float64 // -1: no rate
		basis     Basis
	}{
		{"by impressions", Figures{Likes: i64(40), Replies: i64(10), Impressions: i64(1000)}, i64(200), 0.05, ByImpressions},
		{"by followers without impressions", Figures{Likes: i64(40), Replies: i64(10)}, i64(500), 0.1, ByFollowers},
		{"zero impressions fall back to followers", Figures{Likes: i64(5), Impressions: i64(0)}, i64(100), 0.05, ByFollowers},
		{"no interaction figure", Figures{Impressions: i64(1000), Clicks: i64(30)}, i64(100), -1, ""},
		{"no divisor", Figures{Likes: i64(5)}, nil, -1, ""},
		{"zero followers", Figures{Likes: i64(5)}, i64(0), -1, ""},
		{"zero interactions is a rate", Figures{Likes: i64(0), Impressions: i64(50)}, nil, 0, ByImpressions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, basis, denom := Rate(tt.f, tt.followers)
			if tt.want < 0 {
				if got != nil || basis != "" || denom != nil {
					t.Errorf("Rate = %v %q %v, want none", *got, basis, denom)
				}
				return
			}
			if got == nil || math.Abs(*got-tt.want) > 1e-12 || basis != tt.basis || denom == nil {
				t.Errorf("Rate = %v %q, want %v %q", got, basis, tt.want, tt.basis)
			}
		})
	}
}

func TestMeanAndSums(t *testing.T) {
	if Mean(nil) != nil {
		t.Error("Mean of nothing is not nil")
	}
	if got := *Mean([]float64{0.02, 0.04, 0.09}); math.Abs(got-0.05) > 1e-12 {
		t.Errorf("Mean = %v, want 0.05", got)
	}
	var f Figures
	addFigures(&f, Figures{Likes: i64(3)})
	addFigures(&f, Figures{Likes: i64(4), Impressions: i64(10)})
	if *f.Likes != 7 || *f.Impressions != 10 || f.Clicks != nil {
		t.Errorf("sums: likes %s impressions %s clicks %s", str(f.Likes), str(f.Impressions), str(f.Clicks))
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFollowers(t *testing.T) {
	pts := []Point{
		{at("2026-11-30T08:00:00Z"), 100},
		{at("2026-12-05T08:00:00Z"), 120},
		{at("2026-12-20T08:00:00Z"), 150},
		{at("2027-01-02T08:00:00Z"), 170},
	}
	from, to := at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")
	start, end := growthOver(pts, from, to)
	if start == nil || start.Followers != 100 || end.Followers != 150 {
		t.Fatalf("growth over December: %v %v, want 100 → 150", start, end)
	}
	// Without a reading before the period, the first one in it starts it.
	start, end = growthOver(pts[1:], from, to)
	if start.Followers != 120 || end.Followers != 150 {
		t.Errorf("growth from the first reading: %v → %v, want 120 → 150", start, end)
	}
	// One reading is no growth.
	if s, e := growthOver(pts[1:2], from, to); s != nil || e != nil {
		t.Error("one reading gave a growth")
	}
	if s, _ := growthOver(nil, from, to); s != nil {
		t.Error("no reading gave a growth")
	}
	for _, tt := range []struct {
		t    time.Time
		want *int64
	}{
		{at("2026-12-05T08:00:00Z"), i64(120)}, // at a reading
		{at("2026-12-10T12:00:00Z"), i64(120)}, // the last before
		{at("2026-11-01T12:00:00Z"), i64(100)}, // before any: the first after
	} {
		if got := followersAt(pts, tt.t); str(got) != str(tt.want) {
			t.Errorf("followersAt(%s) = %s, want %s", tt.t, str(got), str(tt.want))
		}
	}
	if followersAt(nil, from) != nil {
		t.Error("followersAt without readings is not nil")
	}
}

func TestFollowerPointsMergesSnapshots(t *testing.T) {
	f := &AccountFile{Points: []Point{{at("2026-12-01T08:00:00Z"), 10}, {at("2026-12-03T08:00:00Z"), 12}}}
	r := &state.Record{Metrics: []state.MetricsSnapshot{
		{At: at("2026-12-02T08:00:00Z"), Followers: i64(11)},
		{At: at("2026-12-03T08:00:00Z"), Followers: i64(99)}, // same instant as a file point: the file's stays
		{At: at("2026-12-04T08:00:00Z")},                     // no count
	}}
	got := followerPoints(f, []*state.Record{r})
	want := []int64{10, 11, 12}
	if len(got) != len(want) {
		t.Fatalf("points %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Followers != want[i] {
			t.Errorf("point %d = %d, want %d", i, got[i].Followers, want[i])
		}
	}
}

func TestCompareGoals(t *testing.T) {
	rate := content.Percent(0.045)
	g := &content.Goals{EngagementRate: &rate, Reach: i64(1000), Impressions: i64(5000), Clicks: i64(100), Posts: i64(2)}
	r := &Report{Totals: Totals{Posts: 3, Rate: ptr(0.03), Reach: i64(1200), Figures: Figures{Clicks: i64(50)}}}
	got := compareGoals(g, r)
	want := []struct {
		goal     string
		met      string
		progress float64
	}{
		{"engagement_rate", "false", 0.03 / 0.045},
		{"reach", "true", 1.2},
		{"impressions", "nil", -1}, // no network gave impressions: not judged
		{"clicks", "false", 0.5},
		{"posts", "true", 1.5},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d goals, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		met := "nil"
		if g.Met != nil {
			met = map[bool]string{true: "true", false: "false"}[*g.Met]
		}
		if g.Goal != w.goal || met != w.met {
			t.Errorf("goal %d: %s met=%s, want %s met=%s", i, g.Goal, met, w.goal, w.met)
		}
		if w.progress < 0 {
			if g.Progress != nil || g.Actual != nil {
				t.Errorf("%s: progress %v actual %v, want none", g.Goal, g.Progress, g.Actual)
			}
		} else if g.Progress == nil || math.Abs(*g.Progress-w.progress) > 1e-12 {
			t.Errorf("%s: progress %v, want %v", g.Goal, g.Progress, w.progress)
		}
	}
	if compareGoals(nil, r) != nil {
		t.Error("a campaign without goals has goal results")
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{formatInt(0), "0"},
		{formatInt(999), "999"},
		{formatInt(1000), "1,000"},
		{formatInt(1234567), "1,234,567"},
		{formatInt(-4200), "−4,200"},
		{formatSigned(310), "+310"},
		{formatSigned(-12), "−12"},
		{formatRate(0.045), "4.5%"},
		{formatRate(0.04449), "4.4%"},
		{formatRate(1.21), "121.0%"},
		{formatRate(-0.00001), "0.0%"},
		{optInt(nil), "—"},
		{optRate(nil), "—"},
		{FormatGoal("engagement_rate", 0.05), "5.0%"},
		{FormatGoal("follower_growth", 400), "+400"},
		{FormatGoal("reach", 60000), "60,000"},
		{cell("a | b\nc"), `a \| b c`},
		{mdLink("Noël [1]", "https://x.example/a b"), `[Noël \[1\]](https://x.example/a%20b)`},
		{mdLink("plain", ""), "plain"},
		{hourRange(23), "23:00–00:00"},
		{num(12.345), "12.3"},
		{num(-0.04), "0"},
		{num(7), "7"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
