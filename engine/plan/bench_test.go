package plan_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/corpus"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/all"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

// BenchmarkFullPlan loads, checks, renders and plans a generated repository
// against an empty state, as `clairon plan` does. Reproduce the files with
// go run ./cmd/clairon-corpus -posts N DIR. The 100,000 case runs with
// -benchtime=1x; it reports the heap in use after planning, and the
// process's peak RSS so far (the in-memory corpus included).
func BenchmarkFullPlan(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("%d-posts", n), func(b *testing.B) {
			if n == 100000 && testing.Short() {
				b.Skip("100,000 posts in -short mode")
			}
			fsys := corpus.FS(corpus.Options{Posts: n, Seed: 1})
			snap := &state.Snapshot{State: state.New()}
			now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
			b.ReportAllocs()
			var p *plan.Plan
			for b.Loop() {
				repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
				if err != nil {
					b.Fatal(err)
				}
				ds.Add(rules.Check(repo)...)
				caps := describeAll(b, repo)
				var pds = ds[:0:0]
				p, pds = plan.Make(plan.Input{Repo: repo, Caps: caps, Snapshot: snap, Now: now, Renderer: render.New(repo, caps)})
				if ds.HasErrors() || pds.HasErrors() {
					b.Fatal(append(ds, pds...).Sort()[0])
				}
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap")
			b.ReportMetric(float64(len(p.Changes)), "changes")
			if rss := peakRSS(); rss > 0 {
				b.ReportMetric(rss, "MiB-peak-rss")
			}
		})
	}
}

func describeAll(b testing.TB, repo *content.Repo) render.Capabilities {
	described := map[string]network.Capabilities{}
	for name, acc := range repo.Config.Accounts {
		c, err := all.Describe(network.Config{Network: acc.Network, Settings: acc.Settings})
		if err != nil {
			b.Fatal(err)
		}
		described[name] = c
	}
	return func(account string) (network.Capabilities, bool) { c, ok := described[account]; return c, ok }
}
