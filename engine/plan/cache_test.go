package plan_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/corpus"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

// encodePlan is the plan's JSON form without its time, to compare plans.
func encodePlan(p *plan.Plan) string {
	var b bytes.Buffer
	p.CreatedAt = time.Time{}
	p.Encode(&b)
	return b.String()
}

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

	check := func(what string) {
		t.Helper()
		want := encodePlan(planDir(t, dir, "", snap, now))
		if got := encodePlan(planDir(t, dir, cachePath, snap, now)); got != want {
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

// The cache is shared by plans of the working tree and of commits (--rev),
// and survives checkouts that touch every file: none of it changes a plan.
func TestCacheNeverChangesThePlanAcrossCheckoutsAndRevisions(t *testing.T) {
	dir, git := committedCorpus(t, corpus.Options{Posts: 200, Seed: 3})
	cachePath := filepath.Join(t.TempDir(), "plan.cache")
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	snap := publishedState(planDir(t, dir, "", &state.Snapshot{State: state.New()}, now))
	check := func(what string) {
		t.Helper()
		for _, c := range []struct {
			source string
			plan   func(testing.TB, string, string, *state.Snapshot, time.Time) *plan.Plan
		}{{"working tree", planDir}, {"HEAD", planHead}, {"working tree again", planDir}} {
			want := encodePlan(c.plan(t, dir, "", snap, now))
			if got := encodePlan(c.plan(t, dir, cachePath, snap, now)); got != want {
				t.Fatalf("%s, %s: the plan with the cache differs from the plan without", what, c.source)
			}
		}
	}
	check("cold cache")

	later := time.Now().Add(time.Hour)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(p, ".git") {
			os.Chtimes(p, later, later)
		}
		return nil
	})
	check("every file touched")

	files := corpus.Files(corpus.Options{Posts: 200, Seed: 3})
	post := corpus.PostPath(files, 17)
	b, _ := os.ReadFile(filepath.Join(dir, post))
	os.WriteFile(filepath.Join(dir, post), append(b, []byte("\nPas encore commité.\n")...), 0o644)
	check("a post edited, not committed")
	git("commit", "-q", "-am", "edit")
	check("the edit committed")

	media := filepath.Join(dir, "media", "p.png")
	m, _ := os.ReadFile(media)
	os.WriteFile(media, append(m, 0), 0o644)
	check("the media file changed")
	git("commit", "-q", "-am", "media")
	check("the media change committed")

	git("mv", post, filepath.Join(filepath.Dir(post), "renomme.md"))
	git("rm", "-q", corpus.PostPath(files, 18))
	check("a post renamed, another removed")
	git("commit", "-q", "-m", "rename")
	check("the rename committed")
}
