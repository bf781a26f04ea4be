package githubactions_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/githubactions"
	"github.com/clairon-dev/clairon/engine/githubactions/githubtest"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

var paris, _ = time.LoadLocation("Europe/Paris")

func samplePlan(n int) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, CreatedAt: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	for i := range n {
		p.Changes = append(p.Changes, &plan.Change{
			Address: state.Address{Post: fmt.Sprintf("posts/2026-12/billet-%04d", i), Account: "brulerie-mastodon"},
			Network: "mastodon", Action: plan.Create, At: time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC),
		})
	}
	return p
}

func sampleReport(t *testing.T, fixture string) githubactions.Report {
	r := runnerFor(t, fixture)
	ev, err := githubactions.ParseEvent(r, githubtest.Payload(fixture))
	if err != nil {
		t.Fatal(err)
	}
	return githubactions.Report{
		Mode: githubactions.ModePlan, Event: ev, Runner: r, Root: "content", Docs: 24, Loc: paris, Version: "1.4.0",
		Diagnostics: diag.List{
			{Severity: diag.Warning, Pos: diag.Pos{File: "posts/2026-12/noel | coffrets.md", Line: 7, Col: 3}, Code: "alt-text",
				Message: "image <coffret.jpg> has a short alt text", Hint: "describe what the image shows"},
		},
		Plan: samplePlan(2),
	}
}

func TestReportMarkdownGolden(t *testing.T) {
	pr := sampleReport(t, "pull_request")
	checkGolden(t, "report_pull_request.golden", pr.Markdown(githubactions.Marker(pr.Root), githubactions.CommentLimit))

	fork := sampleReport(t, "pull_request_fork")
	fork.Diagnostics = append(fork.Diagnostics, diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: "posts/a.md", Line: 4, Col: 1}, Code: "unknown-key", Message: `unknown key "tittle"`})
	fork.Plan = nil
	fork.Notes = []string{"This pull request comes from camille-roux/contenus: GitHub gives its workflow a read-only token."}
	checkGolden(t, "report_fork.golden", fork.Markdown("", githubactions.SummaryLimit))

	push := sampleReport(t, "push")
	push.Mode = githubactions.ModeApply
	push.Diagnostics = nil
	push.Applied = &githubactions.Applied{
		Log: "Applying 2 due changes…\n  ✓ published   a@brulerie-mastodon\n",
		Published: []*state.Record{{Address: state.Address{Post: "posts/2026-12/billet-0000", Account: "brulerie-mastodon"}, Status: state.Published,
			Ref: network.Ref{ID: "1", URL: "https://piaille.fr/@brulerie/1"}}},
		Unconfirmed: []*state.Record{{Address: state.Address{Post: "posts/2026-12/billet-0001", Account: "brulerie-mastodon"}, Status: state.Unconfirmed,
			LastError: "timeout after 30s | no answer"}},
		Failed: true,
	}
	checkGolden(t, "report_push.golden", push.Markdown("", githubactions.SummaryLimit))
}

func TestReportMarkdownLimits(t *testing.T) {
	r := sampleReport(t, "pull_request")
	r.Plan = samplePlan(3000)
	for i := range 150 {
		r.Diagnostics = append(r.Diagnostics, diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: fmt.Sprintf("posts/p%d.md", i), Line: 1}, Message: "bad"})
	}
	for _, limit := range []int{githubactions.CommentLimit, 20000, 3000} {
		md := r.Markdown(githubactions.Marker("content"), limit)
		if len(md) > limit {
			t.Errorf("limit %d: %d bytes", limit, len(md))
		}
		if !strings.HasPrefix(md, githubactions.Marker("content")+"\n") {
			t.Errorf("limit %d: the marker is not first", limit)
		}
		if rows := strings.Count(md, "| ❌ |") + strings.Count(md, "| ⚠️ |"); rows != 100 && limit > 20000 {
			t.Errorf("limit %d: %d problem rows, want the first 100", limit, rows)
		}
		if limit > 20000 && !strings.Contains(md, "… and 51 more") {
			t.Errorf("limit %d: no count of the problems left out", limit)
		}
		if limit >= 20000 && !strings.Contains(md, "<sub>clairon 1.4.0") {
			t.Errorf("limit %d: the footer was cut", limit)
		}
	}
}

func TestMarker(t *testing.T) {
	for root, want := range map[string]string{
		"":           "<!-- clairon:plan dir=. -->",
		".":          "<!-- clairon:plan dir=. -->",
		"content":    "<!-- clairon:plan dir=content -->",
		"a--b/c":     "<!-- clairon:plan dir=a- -b/c -->",
		"fr/contenu": "<!-- clairon:plan dir=fr/contenu -->",
	} {
		if got := githubactions.Marker(root); got != want {
			t.Errorf("Marker(%q) = %q, want %q", root, got, want)
		}
	}
}
