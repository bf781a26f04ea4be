package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

// smallRepo has a Mastodon account (metrics, no impressions), an X account
// (impressions) and a Discord webhook (no metrics), two posts in a campaign
// and one outside it.
func smallRepo(t *testing.T) *content.Repo {
	t.Helper()
	post := func(id, to, at, campaign string) *fstest.MapFile {
		s := "---\nid: " + id + "\ntitle: Post " + id + "\nto: [" + to + "]\nat: " + at + "\n"
		if campaign != "" {
			s += "campaign: " + campaign + "\n"
		}
		return &fstest.MapFile{Data: []byte(s + "---\n\nHello from " + id + ".\n")}
	}
	fsys := fstest.MapFS{
		"clairon.yaml": {Data: []byte(`timezone: Europe/Paris
accounts:
  shop-mastodon:
    network: mastodon
    server: https://mastodon.example
    token: env:MASTODON_TOKEN
  shop-x:
    network: x
    consumer_key: env:X_KEY
    consumer_secret: env:X_SECRET
    access_token: env:X_TOKEN
    access_secret: env:X_TOKEN_SECRET
  shop-discord:
    network: discord
    webhook: env:DISCORD_WEBHOOK
`)},
		"campaigns/spring.md": {Data: []byte("---\nid: spring\nname: Spring\nfrom: 2026-03-01\nto: 2026-03-31\ngoals:\n  engagement_rate: 5%\n  impressions: 2000\n  follower_growth: 50\n  posts: 3\n---\n\nBrief.\n")},
		"posts/a.md":          post("a", "shop-mastodon, shop-x, shop-discord", "2026-03-03 10:00", "spring"),
		"posts/b.md":          post("b", "shop-mastodon, shop-x", "2026-03-10 18:00", "spring"),
		"posts/c.md":          post("c", "shop-mastodon", "2026-04-02 09:00", ""),
	}
	repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.HasErrors() {
		t.Fatalf("content: %v", ds)
	}
	return repo
}

func rec(post, account string, published time.Time, snaps ...state.MetricsSnapshot) *state.Record {
	ref := network.Ref{ID: post + "-" + account, URL: "https://example.test/" + post + "/" + account}
	return &state.Record{Address: state.Address{Post: post, Account: account}, Status: state.Published, Ref: ref,
		Parts: []state.Part{{Index: 0, Ref: ref, PublishedAt: published}}, PublishedAt: published, Metrics: snaps}
}

func snapAt(t time.Time, label string, m network.Metrics) state.MetricsSnapshot {
	return state.MetricsSnapshot{At: t, Label: label, Metrics: m}
}

func smallState() *state.State {
	st := state.New()
	a := at("2026-03-03T09:00:00Z")
	b := at("2026-03-10T17:00:00Z")
	c := at("2026-04-02T07:00:00Z")
	put := func(r *state.Record) { st.Records[r.Address] = r }
	put(rec("a", "shop-mastodon", a, snapAt(a.Add(time.Hour), "1h", network.Metrics{Likes: i64(4)}),
		snapAt(a.Add(72*time.Hour), "72h", network.Metrics{Likes: i64(30), Reposts: i64(6), Replies: i64(4), Quotes: i64(0)})))
	put(rec("a", "shop-x", a, snapAt(a.Add(72*time.Hour), "72h", network.Metrics{Likes: i64(20), Reposts: i64(5), Replies: i64(5),
		Quotes: i64(0), Bookmarks: i64(0), Impressions: i64(1000), Clicks: i64(12)})))
	put(rec("a", "shop-discord", a))
	// Published, not measured yet.
	put(rec("b", "shop-mastodon", b))
	// Replaced on the 12th: the snapshot of the old post does not count.
	r := rec("b", "shop-x", b.Add(48*time.Hour), snapAt(b.Add(time.Hour), "1h", network.Metrics{Likes: i64(900), Impressions: i64(901)}),
		snapAt(b.Add(50*time.Hour), "1h", network.Metrics{Likes: i64(9), Impressions: i64(300)}))
	put(r)
	put(rec("c", "shop-mastodon", c, snapAt(c.Add(24*time.Hour), "24h", network.Metrics{Likes: i64(50)})))
	// Failed: never went out.
	put(&state.Record{Address: state.Address{Post: "c", Account: "shop-x"}, Status: state.Failed, LastError: "refused"})

	files := map[string]*AccountFile{
		"shop-mastodon": {Network: "mastodon", PostMetrics: ptr(true), FollowerCount: ptr(true), Points: []Point{
			{at("2026-02-28T08:00:00Z"), 400}, {at("2026-03-15T08:00:00Z"), 430}, {at("2026-03-31T08:00:00Z"), 460}, {at("2026-04-10T08:00:00Z"), 470}}},
		"shop-x":       {Network: "x", PostMetrics: ptr(true), FollowerCount: ptr(true), Points: []Point{{at("2026-03-20T08:00:00Z"), 900}}},
		"shop-discord": {Network: "discord", PostMetrics: ptr(false), FollowerCount: ptr(false)},
	}
	for acc, f := range files {
		f.Account = acc
		st.Files[FollowersPath(acc)] = f.Encode()
	}
	return st
}

func TestBuildCampaign(t *testing.T) {
	repo := smallRepo(t)
	loc, _ := time.LoadLocation("Europe/Paris")
	r, err := Build(Input{State: smallState(), Repo: repo, Loc: loc, Now: at("2026-04-15T00:00:00Z")}, Campaign("spring"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Ongoing {
		t.Error("a campaign that ended is ongoing")
	}
	if got, want := r.To, time.Date(2026, 4, 1, 0, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("period ends %s, want %s (the whole last day)", got, want)
	}
	tt := r.Totals
	if tt.Posts != 2 || tt.Publications != 5 || tt.Measured != 3 {
		t.Errorf("posts %d publications %d measured %d, want 2 5 3", tt.Posts, tt.Publications, tt.Measured)
	}
	// a@mastodon 40 / 400 followers; a@x 30 / 1000 impressions; b@x 9 / 300.
	if tt.RatedByFollowers != 1 || tt.RatedByImpressions != 2 {
		t.Errorf("bases: %d by followers, %d by impressions", tt.RatedByFollowers, tt.RatedByImpressions)
	}
	wantRate := (0.1 + 0.03 + 0.03) / 3
	if tt.Rate == nil || abs(*tt.Rate-wantRate) > 1e-12 {
		t.Errorf("rate %v, want %v", tt.Rate, wantRate)
	}
	if str(tt.Interactions) != "79" || str(tt.Figures.Impressions) != "1,300" || str(tt.Figures.Clicks) != "12" {
		t.Errorf("interactions %s impressions %s clicks %s", str(tt.Interactions), str(tt.Figures.Impressions), str(tt.Figures.Clicks))
	}
	if tt.Figures.Bookmarks == nil || *tt.Figures.Bookmarks != 0 || tt.Figures.Reach != nil {
		t.Errorf("bookmarks %s (x gives them, 0), reach %s (nobody gives it)", str(tt.Figures.Bookmarks), str(tt.Figures.Reach))
	}
	// Mastodon grew 400 → 460 over March; X has one reading, no growth.
	if str(tt.FollowerGrowth) != "60" {
		t.Errorf("follower growth %s, want 60", str(tt.FollowerGrowth))
	}
	if len(r.Unmeasured) != 1 || r.Unmeasured[0].Account != "shop-discord" {
		t.Errorf("unmeasured %+v, want a@shop-discord", r.Unmeasured)
	}
	if len(r.WithoutMetrics) != 1 || r.WithoutMetrics[0].Network != "discord" {
		t.Errorf("without metrics %+v", r.WithoutMetrics)
	}
	for _, n := range r.Networks {
		if n.Network == "discord" {
			t.Error("a network without metrics is in the network table")
		}
	}
	var unmeasured *PostKPI
	for i := range r.Posts {
		if r.Posts[i].Post == "b" && r.Posts[i].Account == "shop-mastodon" {
			unmeasured = &r.Posts[i]
		}
		if r.Posts[i].Post == "b" && r.Posts[i].Account == "shop-x" && len(r.Posts[i].Snapshots) != 1 {
			t.Errorf("b@shop-x keeps %d snapshots, want the one after the replace", len(r.Posts[i].Snapshots))
		}
	}
	if unmeasured == nil || unmeasured.Measured() || unmeasured.Interactions != nil || unmeasured.Rate != nil {
		t.Errorf("b@shop-mastodon: %+v, want listed without figures", unmeasured)
	}
	if r.Best.Post == nil || r.Best.Post.Account != "shop-mastodon" || r.Best.Post.Basis != ByFollowers {
		t.Errorf("best post %+v", r.Best.Post)
	}
	if r.Best.Time == nil || r.Best.Time.Weekday != "Tuesday" || r.Best.Time.Hour != 10 {
		t.Errorf("best time %+v, want Tuesday 10:00 in Paris", r.Best.Time)
	}
	if r.Best.Network == nil || r.Best.Network.Network != "mastodon" {
		t.Errorf("best network %+v", r.Best.Network)
	}
	goals := map[string]GoalResult{}
	for _, g := range r.Goals {
		goals[g.Goal] = g
	}
	for name, met := range map[string]bool{"engagement_rate": true, "impressions": false, "follower_growth": true, "posts": false} {
		if g, ok := goals[name]; !ok || g.Met == nil || *g.Met != met {
			t.Errorf("goal %s: %+v, want met=%v", name, g, met)
		}
	}
}

func TestBuildMonth(t *testing.T) {
	repo := smallRepo(t)
	loc, _ := time.LoadLocation("Europe/Paris")
	r, err := Build(Input{State: smallState(), Repo: repo, Loc: loc, Now: at("2026-04-15T00:00:00Z")}, Month("2026-04"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Ongoing || r.Title != "April 2026" || r.Totals.Publications != 1 {
		t.Errorf("April: ongoing %v title %q publications %d", r.Ongoing, r.Title, r.Totals.Publications)
	}
	// Growth over April so far: 460 on 31 March → 470 on 10 April.
	if str(r.Totals.FollowerGrowth) != "10" {
		t.Errorf("April growth %s, want 10", str(r.Totals.FollowerGrowth))
	}
	// The failed c@shop-x was never published.
	for _, p := range append(r.Posts, r.Unmeasured...) {
		if p.Account == "shop-x" {
			t.Errorf("failed publication listed: %+v", p)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	repo := smallRepo(t)
	in := Input{State: smallState(), Repo: repo, Now: at("2026-04-15T00:00:00Z")}
	for _, tt := range []struct {
		scope Scope
		want  string
	}{
		{Month("2026-13"), "no month 13"},
		{Month("March"), "write YYYY-MM"},
		{Campaign("autumn"), `no campaign "autumn" in the content (known: spring)`},
		{Post("zzz"), "not published"},
	} {
		_, err := Build(in, tt.scope)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.scope, err, tt.want)
		}
	}
	if _, err := Build(in, Post("zzz")); !errors.Is(err, ErrNotPublished) {
		t.Errorf("unpublished post: %v, want ErrNotPublished", err)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestRenderThroughSandbox(t *testing.T) {
	repo := smallRepo(t)
	st := smallState()
	f := &AccountFile{Account: "shop-discord", Network: "discord", Via: "sandbox", PostMetrics: ptr(false), FollowerCount: ptr(false)}
	st.Files[FollowersPath("shop-discord")] = f.Encode()
	r, err := Build(Input{State: st, Repo: repo, Loc: time.UTC, Now: at("2026-04-15T00:00:00Z")}, Month("2026-03"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := renderer(t).Render(r, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	md := string(files[0].Data)
	for _, want := range []string{"**shop-discord** (discord, through the sandbox)", "**shop-discord** (not available through the sandbox)"} {
		if !strings.Contains(md, want) {
			t.Errorf("README lacks %q", want)
		}
	}
}

func TestCurrent(t *testing.T) {
	repo := loadSample(t)
	loc, _ := time.LoadLocation("Europe/Paris")
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{sampleNow, "[month 2026-12 campaign noel-2026]"},
		{at("2026-12-31T23:30:00Z"), "[month 2027-01]"}, // already January in Paris; Christmas is over
		{at("2027-01-10T10:00:00Z"), "[month 2027-01 campaign ouverture-guillotiere]"},
		{at("2027-03-10T10:00:00Z"), "[month 2027-03]"},
	} {
		if got := fmt.Sprint(Current(repo, tt.now, loc)); got != tt.want {
			t.Errorf("Current(%s) = %s, want %s", tt.now, got, tt.want)
		}
	}
}
