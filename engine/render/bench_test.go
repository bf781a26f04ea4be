package render_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/corpus"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/all"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
)

// BenchmarkRenderAll renders every post of a generated repository for all
// its accounts (about three each), counting as each network counts.
func BenchmarkRenderAll(b *testing.B) {
	repo, _, err := content.Load(context.Background(), corpus.FS(corpus.Options{Posts: 1000, Seed: 1}), content.Options{})
	if err != nil {
		b.Fatal(err)
	}
	described := map[string]network.Capabilities{}
	for name, acc := range repo.Config.Accounts {
		c, err := all.Describe(network.Config{Network: acc.Network, Settings: acc.Settings})
		if err != nil {
			b.Fatal(err)
		}
		described[name] = c
	}
	caps := func(account string) (network.Capabilities, bool) { c, ok := described[account]; return c, ok }
	posts := repo.Posts()
	outputs := 0
	b.ReportAllocs()
	for b.Loop() {
		r := render.New(repo, caps)
		outputs = 0
		for _, d := range posts {
			outs, ds := r.RenderAll(d)
			if ds.HasErrors() {
				b.Fatal(ds)
			}
			outputs += len(outs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*outputs), "ns/output")
}

// BenchmarkValidate does what `clairon validate` does on a generated
// repository: load, check the rules, then render every post for every
// account. Reproduce with: go run ./cmd/clairon-corpus -posts 10000 DIR.
func BenchmarkValidate(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		fsys := corpus.FS(corpus.Options{Posts: n, Seed: 1})
		b.Run(fmt.Sprintf("%d-posts", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
				if err != nil {
					b.Fatal(err)
				}
				ds.Add(rules.Check(repo)...)
				caps := describe(b, repo)
				_, rds := render.New(repo, caps).RenderPosts(repo.Posts())
				ds.Add(rds...)
				if ds.HasErrors() {
					b.Fatal(ds.Sort()[:1])
				}
			}
		})
	}
}
