package report

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

// The sample: the repository's content/ (a coffee roaster in Lyon), every
// post due by sampleNow published on each of its accounts, with metric
// snapshots shaped like what each network really gives, and a daily follower
// count for the accounts whose network has one.

// sampleNow is the clock of the sample: the Christmas campaign is still
// running, its last post is two days old.
var sampleNow = time.Date(2026, 12, 21, 7, 0, 0, 0, time.UTC)

// given lists what each network gives, as its adapter reads it.
var given = map[string]struct {
	metrics, followers                            bool
	impressions, reach, quotes, bookmarks, clicks bool
}{
	"mastodon":  {metrics: true, followers: true, quotes: true},
	"bluesky":   {metrics: true, followers: true, quotes: true, bookmarks: true},
	"x":         {metrics: true, followers: true, impressions: true, quotes: true, bookmarks: true, clicks: true},
	"linkedin":  {metrics: true, impressions: true, reach: true, clicks: true},
	"facebook":  {metrics: true, followers: true, impressions: true, reach: true, clicks: true},
	"instagram": {metrics: true, followers: true, impressions: true, reach: true, bookmarks: true},
	"telegram":  {},
	"discord":   {},
	"webhook":   {},
}

// audience is each network's follower count on 15 November, and its gain a day.
var audience = map[string][2]int64{
	"mastodon": {1480, 6}, "bluesky": {2210, 11}, "x": {3905, 3}, "facebook": {5120, 4}, "instagram": {8340, 19},
}

var sampleStart = time.Date(2026, 11, 15, 6, 45, 0, 0, time.UTC)

func loadSample(t testing.TB) *content.Repo {
	t.Helper()
	repo, ds, err := content.Load(context.Background(), os.DirFS("../../content"), content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds.Add(rules.Check(repo)...)
	if ds.HasErrors() {
		t.Fatalf("sample content has errors: %v", ds)
	}
	return repo
}

// seed is a deterministic number in [lo, hi] drawn from key.
func seed(key string, lo, hi int64) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return lo + int64(h.Sum64()%uint64(hi-lo+1))
}

func followersOn(net string, at time.Time) int64 {
	a := audience[net]
	days := int64(at.Sub(sampleStart) / (24 * time.Hour))
	return a[0] + a[1]*days + seed(net+at.Format("2006-01-02"), 0, 4)
}

// figures returns a publication's figures share of the way to its final ones.
func figures(net, key string, share float64) network.Metrics {
	g := given[net]
	n := func(name string, lo, hi int64) *int64 {
		v := int64(float64(seed(key+name, lo, hi)) * share)
		return &v
	}
	m := network.Metrics{Likes: n("likes", 12, 140), Replies: n("replies", 0, 18)}
	if net != "linkedin" || g.clicks {
		m.Reposts = n("reposts", 1, 40)
	}
	if g.quotes {
		m.Quotes = n("quotes", 0, 6)
	}
	if g.bookmarks {
		m.Bookmarks = n("bookmarks", 0, 25)
	}
	if g.impressions {
		m.Impressions = n("impressions", 900, 7000)
	}
	if g.reach {
		r := int64(float64(*m.Impressions) * 0.72)
		m.Reach = &r
	}
	if g.clicks {
		m.Clicks = n("clicks", 5, 160)
	}
	return m
}

// sampleState builds the state of the sample at sampleNow.
func sampleState(t testing.TB, repo *content.Repo) *state.State {
	t.Helper()
	loc := rules.Location(repo)
	st := state.New()
	st.Lineage, st.Serial = "5f0c1d2e-0000-4000-8000-000000000001", 42
	for _, d := range repo.Posts() {
		p := d.Post
		if p.IsDraft() || p.At == "" || p.At == content.AtNextSlot {
			continue
		}
		at, err := localtime.Parse(p.At, loc)
		if err != nil {
			t.Fatalf("%s: %v", d.Path, err)
		}
		if at.Time.After(sampleNow) {
			continue
		}
		for _, acc := range p.To {
			net := repo.Config.Accounts[acc].Network
			a := state.Address{Post: d.ID, Account: acc}
			published := at.Time.Add(time.Duration(seed(a.String(), 1, 40)) * time.Second).UTC()
			id := strconv.FormatInt(seed(a.String()+"id", 1e15, 9e15), 10)
			ref := network.Ref{ID: id, URL: fmt.Sprintf("https://%s.example/%s/%s", net, acc, id)}
			r := &state.Record{Address: a, Status: state.Published, Digest: "sha256:" + id, Key: id, Path: d.Path,
				Ref: ref, Parts: []state.Part{{Index: 0, Key: id, Ref: ref, PublishedAt: published}},
				PublishedAt: published, UpdatedAt: published}
			if given[net].metrics {
				for _, s := range []struct {
					label string
					after time.Duration
					share float64
				}{{"1h", time.Hour, 0.35}, {"24h", 24 * time.Hour, 0.85}, {"72h", 72 * time.Hour, 1}} {
					taken := published.Add(s.after + 4*time.Minute)
					if taken.After(sampleNow) {
						break
					}
					snap := state.MetricsSnapshot{At: taken, Label: s.label, Metrics: figures(net, a.String(), s.share)}
					if given[net].followers {
						f := followersOn(net, taken)
						snap.Followers = &f
					}
					r.Metrics = append(r.Metrics, snap)
				}
			}
			st.Records[a] = r
		}
	}
	for acc, cfg := range repo.Config.Accounts {
		g := given[cfg.Network]
		f := &AccountFile{Account: acc, Network: cfg.Network, PostMetrics: ptr(g.metrics), FollowerCount: ptr(g.followers)}
		if g.followers {
			for day := sampleStart; !day.After(sampleNow); day = day.Add(24 * time.Hour) {
				f.Add(Point{At: day, Followers: followersOn(cfg.Network, day)})
			}
		}
		st.Files[FollowersPath(acc)] = f.Encode()
	}
	return st
}

// memStore returns a store holding st.
func memStore(t testing.TB, st *state.State) *state.MemStore {
	t.Helper()
	m := state.NewMemStore(zeroReader{})
	cs := state.NewChangeset(state.Message{Subject: "import"})
	for _, r := range st.Records {
		cs.Put(r)
	}
	for p, b := range st.Files {
		cs.PutFile(p, b)
	}
	if _, err := m.Write(context.Background(), "", cs); err != nil {
		t.Fatal(err)
	}
	return m
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}
