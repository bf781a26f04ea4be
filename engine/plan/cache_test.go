package plan_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/corpus"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

// The cache never changes a result: plans with a cold cache, a warm one and
// none are the same, also after a post changes on disk.
func TestCacheNeverChangesThePlan(t *testing.T) {
	dir := t.TempDir()
	if err := corpus.Write(dir, corpus.Options{Posts: 300, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	cachePath := filepath.Join(t.TempDir(), "plan.cache")
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	empty := &state.Snapshot{State: state.New()}
	snap := publishedState(planDir(t, dir, "", empty, now))

	encode := func(p *plan.Plan) string {
		var b bytes.Buffer
		p.CreatedAt = time.Time{}
		p.Encode(&b)
		return b.String()
	}
	check := func(what string) {
		t.Helper()
		want := encode(planDir(t, dir, "", snap, now))
		if got := encode(planDir(t, dir, cachePath, snap, now)); got != want {
			t.Fatalf("%s: the plan with the cache differs from the plan without", what)
		}
	}
	check("cold cache")
	check("warm cache")

	files := corpus.Files(corpus.Options{Posts: 300, Seed: 7})
	target := filepath.Join(dir, corpus.PostPath(files, 42))
	b, _ := os.ReadFile(target)
	os.WriteFile(target, append(b, []byte("\nUne phrase de plus.\n")...), 0o644)
	check("after a post changed")
	if p := planDir(t, dir, cachePath, snap, now); p.Count().Update == 0 && p.Count().NoOp == len(p.Changes) {
		t.Fatal("the changed post is not planned")
	}

	campaign := filepath.Join(dir, "campaigns", "c0.md")
	c, _ := os.ReadFile(campaign)
	os.WriteFile(campaign, bytes.Replace(c, []byte("#Cafe"), []byte("#Torrefaction"), 1), 0o644)
	check("after the campaign changed")
}
