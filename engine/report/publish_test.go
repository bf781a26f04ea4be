package report

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

func TestPublish(t *testing.T) {
	ctx := context.Background()
	repo := loadSample(t)
	st := sampleState(t, repo)
	inner := memStore(t, st)
	a := state.Address{Post: "noel-derniers-jours", Account: "brulerie-mastodon"}
	// Another run adds the 72h snapshot of a post just before the first
	// write: the report must be computed again from the new state.
	store := &interfering{MemStore: inner, other: otherWrite(func(st *state.State, cs *state.Changeset) {
		r := st.Records[a]
		snap := state.MetricsSnapshot{At: r.PublishedAt.Add(72 * time.Hour), Label: "72h",
			Metrics: network.Metrics{Likes: i64(500), Reposts: i64(40), Replies: i64(30), Quotes: i64(10)}}
		if err := state.AddMetrics(st, cs, a, snap); err != nil {
			t.Error(err)
		}
	})}
	p := &Publisher{Store: store, Renderer: renderer(t), Repo: repo, Loc: rules.Location(repo),
		Now: func() time.Time { return sampleNow.Add(4 * 24 * time.Hour) }, Run: "20261225T074500Z-0a1b2c3d"}
	res, err := p.Publish(ctx, []Scope{Month("2026-12"), Campaign("noel-2026")})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Wrote || len(res.Reports) != 2 {
		t.Fatalf("publish: wrote %v, %d reports", res.Wrote, len(res.Reports))
	}
	got := readState(t, store)
	json := string(got.Files["reports/2026-12/report.json"])
	if !strings.Contains(json, `"likes": 500`) {
		t.Error("the report was not computed again after the conflict")
	}
	for _, path := range []string{"reports/README.md", "reports/2026-12/README.md", "reports/2026-12/engagement.svg",
		"reports/campaigns/noel-2026/README.md", "reports/campaigns/noel-2026/goals.svg", "reports/campaigns/noel-2026/report.json"} {
		if _, ok := got.Files[path]; !ok {
			t.Errorf("%s not written", path)
		}
	}
	log := inner.Log()
	msg := log[len(log)-1]
	if !strings.HasPrefix(msg, "clairon: reports for December 2026 and campaign noel-2026\n\nDecember 2026: 38 publications, 32 measured;") ||
		!strings.Contains(msg, "goals reached") || !strings.Contains(msg, "Clairon-Run: 20261225T074500Z-0a1b2c3d") {
		t.Errorf("commit message:\n%s", msg)
	}

	// The same reports again: nothing changed, nothing is written.
	again, err := p.Publish(ctx, []Scope{Month("2026-12"), Campaign("noel-2026")})
	if err != nil {
		t.Fatal(err)
	}
	if again.Wrote || len(again.Changed) != 0 || len(inner.Log()) != len(log) {
		t.Errorf("second run wrote %v (changed %v)", again.Wrote, again.Changed)
	}

	// A post report adds its folder and updates the index only.
	post, err := p.Publish(ctx, []Scope{Post("noel-coffrets")})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range post.Changed {
		if !strings.HasPrefix(c, "reports/posts/noel-coffrets/") && c != "reports/README.md" {
			t.Errorf("a post report changed %s", c)
		}
	}
	index := string(readState(t, store).Files["reports/README.md"])
	for _, want := range []string{"[December 2026](2026-12/)", "(campaigns/noel-2026/)", "[Les coffrets de Noël sont arrivés](posts/noel-coffrets/)"} {
		if !strings.Contains(index, want) {
			t.Errorf("index lacks %s:\n%s", want, index)
		}
	}
}

func TestNewRendererErrors(t *testing.T) {
	if _, err := NewRenderer(emptyFS{}); err == nil {
		t.Error("a renderer without templates was built")
	}
}

type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) { return nil, fs.ErrNotExist }
