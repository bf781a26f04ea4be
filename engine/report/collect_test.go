package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/bluesky"
	"github.com/clairon-dev/clairon/engine/network/mastodon"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/blueskyfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/xfake"
	"github.com/clairon-dev/clairon/engine/network/sandbox"
	"github.com/clairon-dev/clairon/engine/network/x"
	"github.com/clairon-dev/clairon/engine/state"
)

var defaultDelays, _ = ParseDelays([]string{"24h", "1h", "72h"})

func key(n int) string { return fmt.Sprintf("%032x", n) }

// published returns a state with one published record for ref.
func publishedState(a state.Address, ref network.Ref, at time.Time) *state.State {
	st := state.New()
	st.Records[a] = &state.Record{Address: a, Status: state.Published, Ref: ref,
		Parts: []state.Part{{Index: 0, Ref: ref, PublishedAt: at}}, PublishedAt: at}
	return st
}

func readState(t *testing.T, s state.Store) *state.State {
	t.Helper()
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap.State
}

func metricsGets(f *mastodonfake.Server, id string) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Method == "GET" && r.Path == "/api/v1/statuses/"+id {
			n++
		}
	}
	return n
}

// TestCollectMastodon follows one post through its three snapshots against
// the fake Mastodon server.
func TestCollectMastodon(t *testing.T) {
	ctx := context.Background()
	clock := networktest.NewClock(time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC))
	fake := mastodonfake.New(mastodonfake.Options{Clock: clock})
	defer fake.Close()
	ad, err := mastodon.New(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ad.Publish(ctx, &network.Post{Key: key(1), Text: "Les coffrets de Noël sont arrivés", CreatedAt: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"alice@example.social", "bob@example.social", "chloe@example.social"} {
		fake.Favourite(ref.ID, who)
	}
	fake.Reblog(ref.ID, "alice@example.social")
	fake.Reply(ref.ID, "bob@example.social", "Magnifique !")
	fake.Reply(ref.ID, "chloe@example.social", "Livrez-vous à Villeurbanne ?")
	fake.SetFollowers(1500)

	a := state.Address{Post: "noel-coffrets", Account: "shop-mastodon"}
	store := memStore(t, publishedState(a, ref, clock.Now()))
	c := &Collector{Store: store, Adapter: func(string) (network.Adapter, error) { return ad, nil },
		Networks: map[string]string{"shop-mastodon": "mastodon"}, Delays: defaultDelays, Now: clock.Now, Loc: time.UTC}

	// Half an hour in: no snapshot is due, but the account is visited once
	// to learn what its network gives, and its follower count is read.
	clock.Advance(30 * time.Minute)
	res, err := c.Collect(ctx, CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Snapshots) != 0 || !res.Wrote || res.Followers["shop-mastodon"] != 1500 {
		t.Fatalf("at 30m: %+v", res)
	}
	f, _ := ReadAccountFile(readState(t, store), "shop-mastodon")
	if f.PostMetrics == nil || !*f.PostMetrics || f.FollowerCount == nil || !*f.FollowerCount || len(f.Points) != 1 || f.Network != "mastodon" {
		t.Fatalf("account file after the first visit: %+v", f)
	}

	steps := []struct {
		advance   time.Duration
		label     string
		followers int64
		likes     int64
	}{
		{40 * time.Minute, "1h", 1500, 3},
		{24 * time.Hour, "24h", 1512, 4},
		{48 * time.Hour, "72h", 1530, 4},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		fake.SetFollowers(s.followers)
		if s.label == "24h" {
			fake.Favourite(ref.ID, "dan@example.social")
		}
		res, err := c.Collect(ctx, CollectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Snapshots) != 1 || res.Snapshots[0] != (Taken{a, s.label}) || len(res.Failures) > 0 {
			t.Fatalf("%s: %+v", s.label, res)
		}
		r := readState(t, store).Records[a]
		m := r.Metrics[len(r.Metrics)-1]
		if m.Label != s.label || !m.At.Equal(clock.Now()) || m.Followers == nil || *m.Followers != s.followers {
			t.Errorf("%s: snapshot %+v", s.label, m)
		}
		want := network.Metrics{Likes: i64(s.likes), Reposts: i64(1), Replies: i64(2), Quotes: i64(0)}
		if got := FiguresOf(m.Metrics); fmt.Sprint(figs(got)) != fmt.Sprint(figs(FiguresOf(want))) {
			t.Errorf("%s: figures %v, want %v", s.label, figs(got), figs(FiguresOf(want)))
		}
		if m.Metrics.Impressions != nil || m.Metrics.Bookmarks != nil {
			t.Errorf("%s: mastodon gave impressions or bookmarks: %+v", s.label, m.Metrics)
		}
		// Run again at once: nothing is due, nothing is asked, nothing written.
		before := len(fake.Requests())
		again, err := c.Collect(ctx, CollectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Wrote || len(again.Snapshots) > 0 || len(fake.Requests()) != before {
			t.Errorf("%s: a second run did something: %+v, %d requests", s.label, again, len(fake.Requests())-before)
		}
	}
	if n := metricsGets(fake, ref.ID); n != 3 {
		t.Errorf("read the status %d times, want 3", n)
	}
	f, _ = ReadAccountFile(readState(t, store), "shop-mastodon")
	if len(f.Points) != 4 || f.Points[3].Followers != 1530 {
		t.Errorf("follower history %+v", f.Points)
	}
	log := store.Log()
	if last := log[len(log)-1]; !strings.HasPrefix(last, "clairon: collect metrics of 1 post and followers of 1 account\n\nnoel-coffrets@shop-mastodon at 72h\n") {
		t.Errorf("commit message:\n%s", last)
	}

	// All snapshots taken: a week later nothing more is due.
	clock.Advance(7 * 24 * time.Hour)
	res, err = c.Collect(ctx, CollectOptions{})
	if err != nil || len(res.Snapshots) != 0 {
		t.Errorf("a week later: %+v, %v", res, err)
	}
	// On demand: a manual snapshot, replaced by the next manual one.
	for range 2 {
		clock.Advance(time.Hour)
		if res, err = c.Collect(ctx, CollectOptions{Manual: true}); err != nil || len(res.Snapshots) != 1 || res.Snapshots[0].Label != ManualLabel {
			t.Fatalf("manual: %+v, %v", res, err)
		}
	}
	r := readState(t, store).Records[a]
	if len(r.Metrics) != 4 || r.Metrics[3].Label != ManualLabel || !r.Metrics[3].At.Equal(clock.Now()) {
		t.Errorf("snapshots after two manual runs: %+v", r.Metrics)
	}
}

func figs(f Figures) []string {
	return []string{str(f.Impressions), str(f.Reach), str(f.Likes), str(f.Reposts), str(f.Replies), str(f.Quotes), str(f.Bookmarks), str(f.Clicks)}
}

// TestCollectBluesky reads likes, reposts, replies, quotes and bookmarks from
// the fake PDS's app view.
func TestCollectBluesky(t *testing.T) {
	ctx := context.Background()
	clock := networktest.NewClock(time.Date(2026, 12, 3, 8, 45, 0, 0, time.UTC))
	fake := blueskyfake.New(blueskyfake.WithClock(clock.Now))
	defer fake.Close()
	ad, err := bluesky.New(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ad.Publish(ctx, &network.Post{Key: key(2), Text: "Jeu concours : 3 coffrets à gagner", CreatedAt: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"alice.test", "bob.test"} {
		fake.AddAccount(h, "pw-"+h)
		if err := fake.Like(ref.ID, h, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fake.Repost(ref.ID, "alice.test", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Reply(ref.ID, "bob.test", "Le Guji, sans hésiter", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Quote(ref.ID, "alice.test", "Allez-y !", time.Time{}); err != nil {
		t.Fatal(err)
	}
	fake.SetFollowers(2210)

	a := state.Address{Post: "concours-noel-annonce", Account: "shop-bluesky"}
	store := memStore(t, publishedState(a, ref, clock.Now()))
	clock.Advance(24*time.Hour + 5*time.Minute)
	c := &Collector{Store: store, Adapter: func(string) (network.Adapter, error) { return ad, nil },
		Networks: map[string]string{"shop-bluesky": "bluesky"}, Delays: defaultDelays, Now: clock.Now}
	res, err := c.Collect(ctx, CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Snapshots) != 1 || res.Snapshots[0].Label != "24h" || len(res.Failures) > 0 {
		t.Fatalf("collect: %+v", res)
	}
	m := readState(t, store).Records[a].Metrics[0]
	want := Figures{Likes: i64(2), Reposts: i64(1), Replies: i64(1), Quotes: i64(1), Bookmarks: i64(0)}
	if fmt.Sprint(figs(FiguresOf(m.Metrics))) != fmt.Sprint(figs(want)) {
		t.Errorf("figures %v, want %v", figs(FiguresOf(m.Metrics)), figs(want))
	}
	if m.Followers == nil || *m.Followers != 2210 {
		t.Errorf("followers %v, want 2210", m.Followers)
	}
}

// TestCollectNoMetrics: an adapter that is not a MetricsReader (the sandbox
// emulating Discord) is recorded as giving none, and its posts are never due.
func TestCollectNoMetrics(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 8, 12, 30, 0, 0, time.UTC)
	ad, err := sandbox.New(network.Config{Account: "shop-discord", Network: "sandbox",
		Settings: map[string]string{"emulate": "discord", "outbox": t.TempDir()}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ad.Publish(ctx, &network.Post{Key: key(3), Text: "Sondage", CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	a := state.Address{Post: "sondage-origine", Account: "shop-discord"}
	store := memStore(t, publishedState(a, ref, now))
	now = now.Add(90 * time.Minute)
	built := 0
	c := &Collector{Store: store, Adapter: func(string) (network.Adapter, error) { built++; return ad, nil },
		Networks: map[string]string{"shop-discord": "discord"}, Delays: defaultDelays, Now: func() time.Time { return now }}
	res, err := c.Collect(ctx, CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Snapshots) != 0 || len(res.NoMetrics) != 1 || !res.Wrote || len(res.Failures) > 0 {
		t.Fatalf("collect: %+v", res)
	}
	if !strings.Contains(res.Summary(), "no metrics on shop-discord") {
		t.Errorf("summary %q", res.Summary())
	}
	st := readState(t, store)
	f, _ := ReadAccountFile(st, "shop-discord")
	if f.PostMetrics == nil || *f.PostMetrics || f.FollowerCount == nil || *f.FollowerCount || f.Network != "discord" || f.Via != "sandbox" {
		t.Errorf("account file %+v", f)
	}
	if len(st.Records[a].Metrics) != 0 {
		t.Error("a network without metrics got a snapshot")
	}
	now = now.Add(24 * time.Hour)
	res, err = c.Collect(ctx, CollectOptions{})
	if err != nil || res.Wrote || len(res.Snapshots) > 0 {
		t.Errorf("second run: %+v, %v", res, err)
	}
}

// interfering is a store where another run writes just before the first
// write of the collection.
type interfering struct {
	*state.MemStore
	other func(ctx context.Context, s *state.MemStore) error
	done  bool
}

func (s *interfering) Write(ctx context.Context, base state.Version, cs *state.Changeset) (state.Head, error) {
	if !s.done {
		s.done = true
		if err := s.other(ctx, s.MemStore); err != nil {
			return state.Head{}, err
		}
	}
	return s.MemStore.Write(ctx, base, cs)
}

func otherWrite(f func(st *state.State, cs *state.Changeset)) func(context.Context, *state.MemStore) error {
	return func(ctx context.Context, m *state.MemStore) error {
		snap, err := m.Read(ctx)
		if err != nil {
			return err
		}
		cs := state.NewChangeset(state.Message{Subject: "another run"})
		f(snap.State, cs)
		_, err = m.Write(ctx, snap.Version, cs)
		return err
	}
}

func TestCollectConflict(t *testing.T) {
	ctx := context.Background()
	clock := networktest.NewClock(time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC))
	fake := mastodonfake.New(mastodonfake.Options{Clock: clock})
	defer fake.Close()
	ad, err := mastodon.New(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	var refs []network.Ref
	for i := range 2 {
		ref, err := ad.Publish(ctx, &network.Post{Key: key(10 + i), Text: fmt.Sprintf("Post %d", i), CreatedAt: clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
		fake.Favourite(ref.ID, "alice@example.social")
	}
	a := state.Address{Post: "a", Account: "shop-mastodon"}
	b := state.Address{Post: "b", Account: "shop-mastodon"}
	st := publishedState(a, refs[0], clock.Now())
	st.Records[b] = publishedState(b, refs[1], clock.Now()).Records[b]
	clock.Advance(65 * time.Minute)

	t.Run("retried on the new state", func(t *testing.T) {
		store := &interfering{MemStore: memStore(t, st), other: otherWrite(func(_ *state.State, cs *state.Changeset) {
			cs.PutFile("contests/noel/entries.json", []byte("[]\n"))
		})}
		c := &Collector{Store: store, Adapter: func(string) (network.Adapter, error) { return ad, nil }, Delays: defaultDelays, Now: clock.Now}
		before := metricsGets(fake, refs[0].ID)
		res, err := c.Collect(ctx, CollectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Snapshots) != 2 || !res.Wrote {
			t.Fatalf("collect: %+v", res)
		}
		got := readState(t, store)
		if _, ok := got.Files["contests/noel/entries.json"]; !ok {
			t.Error("the other run's write was lost")
		}
		if len(got.Records[a].Metrics) != 1 || len(got.Records[b].Metrics) != 1 {
			t.Error("snapshots were lost in the retry")
		}
		if n := metricsGets(fake, refs[0].ID) - before; n != 1 {
			t.Errorf("the network was asked %d times, want once: a retry reuses the figures", n)
		}
		if n := len(store.Log()); n != 3 {
			t.Errorf("%d commits, want 3 (import, the other run, the collection)", n)
		}
	})

	t.Run("a post claimed meanwhile is left to its holder", func(t *testing.T) {
		store := &interfering{MemStore: memStore(t, st), other: otherWrite(func(st *state.State, cs *state.Changeset) {
			r := st.Records[b].Clone()
			r.Status = state.Claimed
			r.Claim = &state.Claim{Run: "run-2", At: clock.Now(), Expires: clock.Now().Add(15 * time.Minute), Op: state.OpUpdate, Prior: state.Published}
			cs.Put(r)
		})}
		c := &Collector{Store: store, Adapter: func(string) (network.Adapter, error) { return ad, nil }, Delays: defaultDelays, Now: clock.Now}
		res, err := c.Collect(ctx, CollectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Snapshots) != 1 || res.Snapshots[0].Address != a || len(res.Dropped) != 1 || res.Dropped[0] != b {
			t.Errorf("collect: %+v", res)
		}
		if got := readState(t, store).Records[b]; got.Status != state.Claimed || len(got.Metrics) != 0 {
			t.Errorf("claimed record changed: %+v", got)
		}
	})

	t.Run("gives up after the attempts", func(t *testing.T) {
		store := &alwaysConflict{MemStore: memStore(t, st)}
		c := &Collector{Store: store, Adapter: func(string) (network.Adapter, error) { return ad, nil }, Delays: defaultDelays, Now: clock.Now, Attempts: 3}
		_, err := c.Collect(ctx, CollectOptions{})
		if !errors.Is(err, state.ErrConflict) || store.writes != 3 {
			t.Errorf("error %v after %d writes, want a conflict after 3", err, store.writes)
		}
	})
}

type alwaysConflict struct {
	*state.MemStore
	writes int
}

func (s *alwaysConflict) Write(context.Context, state.Version, *state.Changeset) (state.Head, error) {
	s.writes++
	return state.Head{}, fmt.Errorf("push refused: %w", state.ErrConflict)
}

// TestCollectFailures: a post gone from the network and an account whose
// adapter cannot be built are reported; the rest is written.
func TestCollectFailures(t *testing.T) {
	ctx := context.Background()
	clock := networktest.NewClock(time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC))
	fake := mastodonfake.New(mastodonfake.Options{Clock: clock})
	defer fake.Close()
	ad, err := mastodon.New(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := ad.Publish(ctx, &network.Post{Key: key(20), Text: "Gone", CreatedAt: clock.Now()})
	kept, _ := ad.Publish(ctx, &network.Post{Key: key(21), Text: "Kept", CreatedAt: clock.Now()})
	if err := ad.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	a := state.Address{Post: "gone", Account: "shop-mastodon"}
	b := state.Address{Post: "kept", Account: "shop-mastodon"}
	x := state.Address{Post: "kept", Account: "shop-x"}
	st := publishedState(a, gone, clock.Now())
	st.Records[b] = publishedState(b, kept, clock.Now()).Records[b]
	st.Records[x] = publishedState(x, network.Ref{ID: "1861234567890123456"}, clock.Now()).Records[x]
	store := memStore(t, st)
	clock.Advance(70 * time.Minute)
	c := &Collector{Store: store, Delays: defaultDelays, Now: clock.Now,
		Redact: func(s string) string { return strings.ReplaceAll(s, "X_SECRET_VALUE", "[redacted]") },
		Adapter: func(acc string) (network.Adapter, error) {
			if acc == "shop-x" {
				return nil, errors.New("account shop-x: environment variable X_API_KEY is not set (X_SECRET_VALUE)")
			}
			return ad, nil
		}}
	res, err := c.Collect(ctx, CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Snapshots) != 1 || res.Snapshots[0].Address != b {
		t.Errorf("snapshots %+v, want kept only", res.Snapshots)
	}
	if len(res.Failures) != 2 {
		t.Fatalf("failures %+v, want 2", res.Failures)
	}
	for _, f := range res.Failures {
		if strings.Contains(f.Err, "X_SECRET_VALUE") {
			t.Errorf("a secret leaked: %s", f)
		}
	}
	if res.Failures[0].Address != a || res.Failures[1].Account != "shop-x" {
		t.Errorf("failures %v", res.Failures)
	}
	// The failed reading is tried again on the next run.
	clock.Advance(10 * time.Minute)
	res, _ = c.Collect(ctx, CollectOptions{})
	if len(res.Failures) != 2 {
		t.Errorf("second run failures %v, want the same two", res.Failures)
	}
}

func TestDueLabel(t *testing.T) {
	pub := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	with := func(labels ...string) *state.Record {
		r := &state.Record{PublishedAt: pub}
		for _, l := range labels {
			r.Metrics = append(r.Metrics, state.MetricsSnapshot{At: pub.Add(time.Minute), Label: l})
		}
		return r
	}
	old := &state.Record{PublishedAt: pub, Metrics: []state.MetricsSnapshot{{At: pub.Add(-time.Hour), Label: "1h"}}}
	for _, tt := range []struct {
		name string
		r    *state.Record
		age  time.Duration
		want string
	}{
		{"too early", with(), 59 * time.Minute, ""},
		{"1h", with(), 61 * time.Minute, "1h"},
		{"1h taken", with("1h"), 90 * time.Minute, ""},
		{"1h missed", with(), 3 * time.Hour, ""},
		{"24h", with("1h"), 25 * time.Hour, "24h"},
		{"24h without 1h", with(), 25 * time.Hour, "24h"},
		{"72h, the latest due", with(), 80 * time.Hour, "72h"},
		{"all missed", with(), 200 * time.Hour, ""},
		{"a later label taken", with("72h"), 30 * time.Hour, ""},
		{"manual does not count", with(ManualLabel), 2*time.Hour - time.Minute, "1h"},
		{"a snapshot of replaced content does not count", old, 70 * time.Minute, "1h"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := dueLabel(tt.r, defaultDelays, pub.Add(tt.age)); got != tt.want {
				t.Errorf("dueLabel at +%s = %q, want %q", tt.age, got, tt.want)
			}
		})
	}
}

func TestParseDelays(t *testing.T) {
	d, err := ParseDelays([]string{"3d", "1h", " 24h "})
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 3 || d[0].Label != "1h" || d[1].Label != "24h" || d[2].After != 72*time.Hour {
		t.Errorf("delays %+v", d)
	}
	for _, bad := range []string{"soon", "0m", ""} {
		if _, err := ParseDelays([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestCollectX reads impressions and link clicks, which X gives its author,
// so the post's rate is by impressions.
func TestCollectX(t *testing.T) {
	ctx := context.Background()
	fake := xfake.New(xfake.Options{Start: time.Date(2026, 12, 8, 11, 30, 0, 0, time.UTC)})
	defer fake.Close()
	ad, err := x.New(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ad.Publish(ctx, &network.Post{Key: key(4), Text: "Sondage : l’origine du single origin de janvier", CreatedAt: fake.Now()})
	if err != nil {
		t.Fatal(err)
	}
	fake.Like(ref.ID, "lea_cafe")
	fake.Like(ref.ID, "tom_lyon")
	fake.Repost(ref.ID, "lea_cafe")
	fake.SetImpressions(ref.ID, 800)
	fake.SetFollowers(3905)

	a := state.Address{Post: "sondage-origine", Account: "shop-x"}
	store := memStore(t, publishedState(a, ref, fake.Now()))
	fake.Advance(65 * time.Minute)
	c := &Collector{Store: store, Adapter: func(string) (network.Adapter, error) { return ad, nil },
		Networks: map[string]string{"shop-x": "x"}, Delays: defaultDelays, Now: fake.Now}
	res, err := c.Collect(ctx, CollectOptions{})
	if err != nil || len(res.Snapshots) != 1 || len(res.Failures) > 0 {
		t.Fatalf("collect: %+v, %v", res, err)
	}
	m := FiguresOf(readState(t, store).Records[a].Metrics[0].Metrics)
	want := Figures{Impressions: i64(800), Likes: i64(2), Reposts: i64(1), Replies: i64(0), Quotes: i64(0), Bookmarks: i64(0), Clicks: i64(0)}
	if fmt.Sprint(figs(m)) != fmt.Sprint(figs(want)) {
		t.Errorf("figures %v, want %v", figs(m), figs(want))
	}
	rate, basis, _ := Rate(m, i64(3905))
	if basis != ByImpressions || abs(*rate-3.0/800) > 1e-12 {
		t.Errorf("rate %v by %s, want 3/800 by impressions", *rate, basis)
	}
}
