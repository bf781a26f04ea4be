package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

// largeState is a year of an agency's publications: n records spread over
// the sample's accounts, three snapshots each, and a daily follower count.
func largeState(b *testing.B, n int) *state.State {
	repo := loadSample(b)
	st := state.New()
	var accounts []string
	for acc := range repo.Config.Accounts {
		accounts = append(accounts, acc)
	}
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		acc := accounts[i%len(accounts)]
		net := repo.Config.Accounts[acc].Network
		pub := start.Add(time.Duration(i) * 365 * 24 * time.Hour / time.Duration(n))
		r := rec(fmt.Sprintf("posts/%d/post-%05d", pub.Year(), i), acc, pub)
		if given[net].metrics {
			for _, d := range defaultDelays {
				r.Metrics = append(r.Metrics, state.MetricsSnapshot{At: pub.Add(d.After), Label: d.Label,
					Metrics: figures(net, r.Address.String(), 1)})
			}
		}
		st.Records[r.Address] = r
	}
	for acc, cfg := range repo.Config.Accounts {
		f := &AccountFile{Account: acc, Network: cfg.Network, PostMetrics: ptr(given[cfg.Network].metrics), FollowerCount: ptr(given[cfg.Network].followers)}
		if given[cfg.Network].followers {
			for d := range 365 {
				f.Add(Point{At: start.AddDate(0, 0, d), Followers: int64(1000 + 3*d)})
			}
		}
		st.Files[FollowersPath(acc)] = f.Encode()
	}
	return st
}

// BenchmarkBuildMonth computes one month's report from a state of 20,000
// publications.
func BenchmarkBuildMonth(b *testing.B) {
	repo := loadSample(b)
	st := largeState(b, 20000)
	in := Input{State: st, Repo: repo, Loc: rules.Location(repo), Now: time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC)}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Build(in, Month("2026-06")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderMonth renders that report: Markdown, JSON and charts.
func BenchmarkRenderMonth(b *testing.B) {
	repo := loadSample(b)
	st := largeState(b, 20000)
	loc := rules.Location(repo)
	r, err := Build(Input{State: st, Repo: repo, Loc: loc, Now: time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC)}, Month("2026-06"))
	if err != nil {
		b.Fatal(err)
	}
	rd := renderer(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := rd.Render(r, loc); err != nil {
			b.Fatal(err)
		}
	}
}
