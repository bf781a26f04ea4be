package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/report"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// reportWorld is a content repository whose Mastodon and Bluesky accounts
// point at fake servers, plus an account without metrics (the sandbox
// emulating Discord), with one clock for all.
type reportWorld struct{ *netWorld }

func newReportWorld(t *testing.T) *reportWorld {
	t.Helper()
	w := &reportWorld{newNetWorld(t, time.Date(2026, 12, 1, 8, 20, 0, 0, time.UTC))}
	cfg := w.config(fmt.Sprintf(`  abonnes-discord:
    network: sandbox
    emulate: discord
    outbox: %s
reports:
  delays: [1h, 24h, 72h]
`, filepath.ToSlash(t.TempDir())))
	files := map[string]string{
		"clairon.yaml": cfg,
		"campaigns/noel.md": `---
id: noel
name: Noël
from: 2026-12-01
to: 2026-12-24
goals:
  engagement_rate: 0.5%
  follower_growth: 100
  likes: 4
  impressions: 1000
  posts: 2
---

Brief.
`,
		"posts/noel-coffrets.md": `---
id: noel-coffrets
title: Les coffrets de Noël sont arrivés
to: [brulerie-mastodon, brulerie-bluesky, abonnes-discord]
at: 2026-12-01 09:30
campaign: noel
---

Les coffrets de Noël sont arrivés ☕🎁
`,
		"posts/noel-rappel.md": `---
id: noel-rappel
to: [brulerie-mastodon]
at: 2026-12-18 09:30
campaign: noel
---

Derniers jours pour commander.
`,
	}
	w.dir = repoWith(t, files)
	return w
}

func (w *reportWorld) file(t *testing.T, path string) string {
	t.Helper()
	s, err := gitstore.OpenPath(w.dir, gitstore.Options{Now: w.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return string(snap.State.Files[path])
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, got)
		}
	}
}

func TestReportAgainstFakes(t *testing.T) {
	w := newReportWorld(t)
	w.clk.Advance(11 * time.Minute) // 09:31 in Paris
	w.must(t, "apply")
	w.mast.SetFollowers(1300)
	w.sky.SetFollowers(2000)

	// A first collection right away: nothing is due; the accounts are visited.
	out := w.must(t, "report", "collect")
	contains(t, "first collection", out, "Metrics: 0 snapshots, follower counts of 2 accounts; no metrics on abonnes-discord.")

	masto := w.mast.Messages()[0].ID
	for _, who := range []string{"alice@example.social", "bob@example.social", "chloe@example.social"} {
		w.mast.Favourite(masto, who)
	}
	w.mast.Reblog(masto, "alice@example.social")
	sky := w.sky.Messages()[0].ID
	w.sky.AddAccount("lea.test", "pw")
	if err := w.sky.Like(sky, "lea.test", time.Time{}); err != nil {
		t.Fatal(err)
	}

	w.clk.Advance(65 * time.Minute)
	out = w.must(t, "report", "collect")
	contains(t, "1h collection", out, "Metrics: 2 snapshots (2 at 1h), follower counts of 2 accounts",
		"✓ noel-coffrets@brulerie-mastodon at 1h", "✓ noel-coffrets@brulerie-bluesky at 1h")

	w.mast.SetFollowers(1340)
	w.sky.SetFollowers(2050)
	w.clk.Advance(23 * time.Hour)
	out = w.must(t, "report", "collect")
	contains(t, "24h collection", out, "2 snapshots (2 at 24h)")

	out = w.must(t, "report", "--campaign", "noel")
	contains(t, "report output", out, "campaign noel: 3 publications, 2 measured; interactions 5, engagement rate 0.2%, reach —, follower growth +90; 1 of 4 goals reached.",
		"No metrics on: abonnes-discord (sandbox).", "Committed ", "to the branch clairon/state.")
	md := w.file(t, "reports/campaigns/noel/README.md")
	contains(t, "campaign README", md,
		"# Campaign report: Noël",
		"| Likes | 4 | 4 | 100.0% | ✅ |",
		"| Impressions | 1,000 | — | — | not available |",
		"| Posts published | 2 | 1 | 50.0% | ❌ |",
		"| Follower growth | +100 | +90 | 90.0% | ❌ |",
		"**abonnes-discord** (sandbox)",
		"![Progress towards each goal](goals.svg)")
	for _, f := range []string{"report.json", "goals.svg", "engagement.svg", "networks.svg", "followers.svg"} {
		if w.file(t, "reports/campaigns/noel/"+f) == "" {
			t.Errorf("reports/campaigns/noel/%s not committed", f)
		}
	}
	contains(t, "index", w.file(t, "reports/README.md"), "- [Noël](campaigns/noel/)")
	var r report.Report
	if err := json.Unmarshal([]byte(w.file(t, "reports/campaigns/noel/report.json")), &r); err != nil {
		t.Fatal(err)
	}
	if r.Totals.Figures.Impressions != nil || *r.Totals.Figures.Likes != 4 || *r.Totals.Figures.Reposts != 1 {
		t.Errorf("totals %+v", r.Totals.Figures)
	}

	// Nothing new: nothing to commit.
	out = w.must(t, "report", "--campaign", "noel")
	contains(t, "second report", out, "up to date: nothing to commit")

	// --out writes the files and commits nothing.
	dir := t.TempDir()
	out = w.must(t, "report", "--month", "2026-12", "--out", dir)
	contains(t, "--out", out, "(nothing committed)")
	if b, err := os.ReadFile(filepath.Join(dir, "2026-12", "README.md")); err != nil || !strings.Contains(string(b), "# Social media report: December 2026") {
		t.Errorf("--out README: %v\n%s", err, b)
	}
	if w.file(t, "reports/2026-12/README.md") != "" {
		t.Error("--out committed the month's report")
	}

	out = w.must(t, "campaign", "show", "noel")
	contains(t, "campaign show", out,
		"Noël (noel)",
		"1 December 2026 – 24 December 2026, Europe/Paris: running, ends in 23 days",
		"Posts (2; publications: 3 published, 1 scheduled):",
		"2026-12-01 09:30  noel-coffrets  Les coffrets de Noël sont arrivés",
		"✓ published   brulerie-mastodon    https://",
		"2026-12-18 09:30  noel-rappel",
		"◷ scheduled   brulerie-mastodon",
		"Likes                      4 of 4           100.0%  ✅",
		"No metrics on: abonnes-discord (sandbox).")

	out = w.must(t, "campaign", "show", "noel", "--format", "json")
	var v struct {
		Posts []struct {
			Post string
			To   []struct{ Account, Status, URL string }
		}
		Report report.Report
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("campaign show --format json: %v\n%s", err, out)
	}
	if len(v.Posts) != 2 || v.Posts[0].To[0].Status != "published" || v.Posts[0].To[0].URL == "" || len(v.Report.Goals) != 5 {
		t.Errorf("campaign show json: %+v", v)
	}

	if _, errOut, code := w.run(t, "campaign", "show", "autumn"); code != 1 || !strings.Contains(errOut, `no campaign "autumn" (campaigns: noel)`) {
		t.Errorf("unknown campaign: exit %d, %s", code, errOut)
	}
	if _, errOut, code := w.run(t, "report", "--month", "2026-13"); code != 1 || !strings.Contains(errOut, "no month 13") {
		t.Errorf("bad month: exit %d, %s", code, errOut)
	}
	if _, errOut, code := w.run(t, "report", "collect", "--at", "2026-12-05 10:00"); code != 1 || !strings.Contains(errOut, "--at is only for rehearsals") {
		t.Errorf("--at without --sandbox: exit %d, %s", code, errOut)
	}
}

// TestReportCollectFailure: a network that fails is reported, the exit code
// says so, and the other accounts are collected.
func TestReportCollectFailure(t *testing.T) {
	w := newReportWorld(t)
	w.clk.Advance(11 * time.Minute)
	w.must(t, "apply")
	w.clk.Advance(65 * time.Minute)
	delete(w.env, "BLUESKY_APP_PASSWORD")
	out, errOut, code := w.run(t, "report", "collect")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	contains(t, "output", out, "✓ noel-coffrets@brulerie-mastodon at 1h")
	contains(t, "errors", errOut, "✗ brulerie-bluesky: ", "BLUESKY_APP_PASSWORD", "1 of the metric readings failed")
}

func TestReportSandboxRehearsal(t *testing.T) {
	dir := sampleCopy(t)
	at := "2026-12-05 11:30"
	if out, errOut, code := cli(t, nil, "apply", "--sandbox", "--dir", dir, "--at", "2026-12-05 10:00"); code != 0 {
		t.Fatalf("apply --sandbox: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code := cli(t, nil, "report", "collect", "--sandbox", "--dir", dir, "--at", at)
	if code != 0 {
		t.Fatalf("report collect --sandbox: exit %d\n%s\n%s", code, out, errOut)
	}
	contains(t, "collect", out, "no metrics on abonnes-discord, brulerie-bluesky")
	out, errOut, code = cli(t, nil, "report", "--sandbox", "--dir", dir, "--at", at)
	if code != 0 {
		t.Fatalf("report --sandbox: exit %d\n%s\n%s", code, out, errOut)
	}
	contains(t, "report", out, "December 2026: 23 publications, 0 measured", "campaign noel-2026: ",
		"brulerie-mastodon (mastodon, through the sandbox)", "to the branch clairon/sandbox.")
	out, errOut, code = cli(t, nil, "campaign", "show", "noel-2026", "--sandbox", "--dir", dir, "--at", at)
	if code != 0 {
		t.Fatalf("campaign show --sandbox: exit %d\n%s\n%s", code, out, errOut)
	}
	contains(t, "campaign show", out, "Noël 2026", "✓ published   brulerie-mastodon", "◷ scheduled", "✎ draft",
		"Posts published            3 of 8            37.5%  ❌")
}
