package plan_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/cache"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/corpus"
	"github.com/clairon-dev/clairon/engine/gittest"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

// planDir loads dir (with the cache at cachePath, if any) and plans it.
func planDir(tb testing.TB, dir, cachePath string, snap *state.Snapshot, now time.Time) *plan.Plan {
	return planFS(tb, content.DirFS(dir), cachePath, snap, now)
}

// planHead plans the content committed at HEAD in the git repository dir.
func planHead(tb testing.TB, dir, cachePath string, snap *state.Snapshot, now time.Time) *plan.Plan {
	tree, _, err := content.TreeAt(dir, "HEAD")
	if err != nil {
		tb.Fatal(err)
	}
	defer tree.Close()
	return planFS(tb, tree, cachePath, snap, now)
}

// planFS loads fsys (with the cache at cachePath, if any) and plans it.
func planFS(tb testing.TB, fsys fs.FS, cachePath string, snap *state.Snapshot, now time.Time) *plan.Plan {
	var memo *cache.Cache
	opts := content.Options{}
	if cachePath != "" {
		memo = cache.Open(cachePath, "context")
		opts.Cache = memo
	}
	repo, ds, err := content.Load(context.Background(), fsys, opts)
	if err != nil {
		tb.Fatal(err)
	}
	ds.Add(rules.Check(repo)...)
	if memo != nil {
		memo.SetContext(cache.RepoContext(repo, "test"))
	}
	caps := describeAll(tb, repo)
	in := plan.Input{Repo: repo, Caps: caps, Snapshot: snap, Now: now, Renderer: render.New(repo, caps)}
	if memo != nil {
		in.Memo = memo
	}
	p, pds := plan.Make(in)
	if ds.HasErrors() || pds.HasErrors() {
		tb.Fatal(append(ds, pds...).Sort()[0])
	}
	if memo != nil {
		if err := memo.Save(); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

// publishedState records every change of p as published with its digest.
func publishedState(p *plan.Plan) *state.Snapshot {
	st := state.New()
	for _, ch := range p.Changes {
		st.Records[ch.Address] = &state.Record{Address: ch.Address, Status: state.Published, Digest: ch.Digest, Path: ch.Path}
	}
	return &state.Snapshot{State: st}
}

// committedCorpus writes a generated repository, commits it, and returns
// its folder and a function running git there (never collecting garbage
// by itself, so that a benchmark's runs find the same objects).
func committedCorpus(tb testing.TB, opts corpus.Options) (string, func(args ...string)) {
	dir := tb.TempDir()
	if err := corpus.Write(dir, opts); err != nil {
		tb.Fatal(err)
	}
	git := func(args ...string) { gittest.Run(tb, dir, append([]string{"-c", "gc.auto=0"}, args...)...) }
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "corpus")
	return dir, git
}

// BenchmarkIncrementalPlan plans a 10,000-post repository on disk whose
// posts are all published, after one file changed: "no-cache" parses and
// renders every post, as `clairon plan --no-cache` does; "one-file-changed"
// uses the cache of the previous run, and lstats every file to find the
// changed one; "one-file-committed" plans the commit that changed it, as
// `clairon plan --rev HEAD` does, where unchanged files are known by their
// blob hash without touching them (target: under 5 % of a full plan).
func BenchmarkIncrementalPlan(b *testing.B) {
	dir, git := committedCorpus(b, corpus.Options{Posts: 10000, Seed: 1})
	git("gc", "-q") // a clone is packed
	cachePath := filepath.Join(b.TempDir(), "plan.cache")
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	snap := publishedState(planDir(b, dir, cachePath, &state.Snapshot{State: state.New()}, now))
	planDir(b, dir, cachePath, snap, now) // fills the digests of the published posts
	planHead(b, dir, cachePath, snap, now)
	files := corpus.Files(corpus.Options{Posts: 10000, Seed: 1})
	rel := corpus.PostPath(files, 4242)
	target := filepath.Join(dir, rel)
	orig, _ := os.ReadFile(target)
	for _, bc := range []struct {
		name   string
		cache  string
		commit bool
	}{{"no-cache", "", false}, {"one-file-changed", cachePath, false}, {"one-file-committed", cachePath, true}} {
		b.Run(bc.name, func(b *testing.B) {
			i, cpu, faults := 0, time.Duration(0), int64(0)
			for b.Loop() {
				i++
				b.StopTimer()
				os.WriteFile(target, append(append([]byte{}, orig...), []byte(fmt.Sprintf("\nÉdition %d.\n", i))...), 0o644)
				if bc.commit {
					git("commit", "-q", "-m", "edit", "--", rel)
				}
				b.StartTimer()
				start, f0 := cpuTime(), minorFaults()
				var p *plan.Plan
				if bc.commit {
					p = planHead(b, dir, bc.cache, snap, now)
				} else {
					p = planDir(b, dir, bc.cache, snap, now)
				}
				if c := p.Count(); c.Update+c.Replace != 1 && c.NoOp == 0 {
					b.Fatalf("unexpected plan: %s", p.Summary())
				}
				cpu += cpuTime() - start
				faults += minorFaults() - f0
			}
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(i), "cpu-ms/op")
				b.ReportMetric(float64(faults)/float64(i), "faults/op")
			}
		})
	}
}
