package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/report"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
	"github.com/clairon-dev/clairon/templates"
)

type reportFlags struct {
	month, campaign, post string
	sandbox, collect      bool
	out, at               string
}

type collectFlags struct {
	sandbox, manual bool
	accounts        string
	post, campaign  string
	at              string
}

func (a *app) reportCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write engagement reports per month, campaign and post",
		Long: `report computes engagement KPIs from the metric snapshots on the state
branch — interactions, engagement rate, reach, follower growth, the best post,
time and network, and for a campaign each goal against what was achieved —
prints a summary, and commits the reports under reports/ on the state branch:
a README.md per report (Markdown with SVG charts, which GitHub shows), the same
figures in report.json, and an index in reports/README.md.

Without --month, --campaign or --post, it writes the current month's report
and those of the campaigns running this month. With --out DIR it writes the
files to DIR instead, and commits nothing.

Metrics are collected by ` + "`clairon report collect`" + ` (which apply in a
GitHub Action and the scheduler run after publishing): see docs/reports.md for
the formulas and what each network gives.`,
		Example: `  clairon report
  clairon report --month 2026-12
  clairon report --campaign noel-2026 --out /tmp/rapport
  clairon report --post noel-coffrets --sandbox`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runReport(cmd.Context(), f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.month, "month", "", "report on the month YYYY-MM")
	fl.StringVar(&f.campaign, "campaign", "", "report on the campaign with this id")
	fl.StringVar(&f.post, "post", "", "report on the post with this id")
	fl.BoolVar(&f.sandbox, "sandbox", false, "report on the sandbox state (what apply --sandbox published)")
	fl.BoolVar(&f.collect, "collect", false, "collect the metrics that are due first")
	fl.StringVar(&f.out, "out", "", "write the report files under DIR instead of committing them")
	fl.StringVar(&f.at, "at", "", "as if now were TIME (for rehearsals with --sandbox)")

	var c collectFlags
	collect := &cobra.Command{
		Use:   "collect",
		Short: "Take the metric snapshots that are due",
		Long: `collect asks each network for the figures of the posts published 1 h, 24 h
and 72 h ago (reports.delays in clairon.yaml), and for each account's follower
count, and commits them to the state branch. A snapshot is taken between its
delay and twice its delay; a run that comes later skips it. Networks that give
no metrics are recorded as such, never as zeros.

With --manual, it snapshots every published post now (label "manual"),
whatever its age.`,
		Example: `  clairon report collect
  clairon report collect --manual --campaign noel-2026
  clairon report collect --sandbox`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runCollect(cmd.Context(), c) },
	}
	cf := collect.Flags()
	cf.BoolVar(&c.sandbox, "sandbox", false, "collect through the sandbox (state on branch clairon/sandbox)")
	cf.BoolVar(&c.manual, "manual", false, "snapshot every published post now, whatever its age")
	cf.StringVar(&c.accounts, "accounts", "", "collect only on these accounts (comma-separated)")
	cf.StringVar(&c.post, "post", "", "collect only for the post with this id")
	cf.StringVar(&c.campaign, "campaign", "", "collect only for the posts of this campaign")
	cf.StringVar(&c.at, "at", "", "as if now were TIME (for rehearsals with --sandbox, after apply --sandbox --at)")
	cmd.AddCommand(collect)
	return cmd
}

// reportContent loads the content for metrics and reports. Reports read the
// configuration, the posts' titles and the campaigns: content errors stop them.
func (a *app) reportContent(ctx context.Context) (*content.Repo, error) {
	repo, ds, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	if ds.HasErrors() || repo.Config == nil {
		a.printDiagnostics(a.stderr, ds, false)
		return nil, &exitCode{code: exitError, err: fmt.Errorf("the content has errors (%s); fix them first", diag.Summary(ds))}
	}
	return repo, nil
}

func (a *app) runReport(ctx context.Context, f reportFlags) error {
	repo, err := a.reportContent(ctx)
	if err != nil {
		return err
	}
	if err := a.rehearseAt(repo, f.at, f.sandbox); err != nil {
		return err
	}
	if f.collect {
		if err := a.collect(ctx, repo, f.sandbox, report.CollectOptions{}); err != nil {
			return err
		}
	}
	return a.writeReports(ctx, repo, f)
}

// writeReports computes the reports f asks for and commits them, or writes
// them under f.out.
func (a *app) writeReports(ctx context.Context, repo *content.Repo, f reportFlags) error {
	loc := rules.Location(repo)
	var scopes []report.Scope
	if f.month != "" {
		scopes = append(scopes, report.Month(f.month))
	}
	if f.campaign != "" {
		scopes = append(scopes, report.Campaign(f.campaign))
	}
	if f.post != "" {
		scopes = append(scopes, report.Post(f.post))
	}
	if len(scopes) == 0 {
		scopes = report.Current(repo, a.now(), loc)
	}
	pub, store, err := a.publisher(repo, f.sandbox)
	if err != nil {
		return err
	}
	defer store.Close()

	if f.out != "" {
		snap, err := store.Read(ctx)
		if err != nil {
			return fmt.Errorf("read state: %w", err)
		}
		g, err := pub.Generate(snap.State, scopes)
		if err != nil {
			return err
		}
		a.printReports(g.Reports)
		n, err := writeReportFiles(f.out, g.Files)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.status(), "Wrote %d files under %s (nothing committed).\n", n, f.out)
		return nil
	}
	res, err := pub.Publish(ctx, scopes)
	if err != nil {
		return err
	}
	a.printReports(res.Reports)
	if res.Wrote {
		fmt.Fprintf(a.status(), "Committed %d files under reports/ to the branch %s.\n", len(res.Changed), strings.TrimPrefix(store.Branch(), "refs/heads/"))
	} else {
		fmt.Fprintln(a.status(), "The reports on the state branch are up to date: nothing to commit.")
	}
	return nil
}

// publisher builds the report publisher on the state store.
func (a *app) publisher(repo *content.Repo, sandbox bool) (*report.Publisher, *gitstore.Store, error) {
	rd, err := report.NewRenderer(templates.Report)
	if err != nil {
		return nil, nil, err
	}
	store, err := a.openStore(repo.Config, sandbox)
	if err != nil {
		return nil, nil, err
	}
	return &report.Publisher{Store: store, Renderer: rd, Repo: repo, Loc: rules.Location(repo), Now: a.now,
		Run: runID(a.now())}, store, nil
}

// printReports writes each report's summary, or the reports as JSON with
// --format json.
func (a *app) printReports(rs []*report.Report) {
	if a.format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rs)
		return
	}
	for _, r := range rs {
		fmt.Fprintln(a.stdout, r.Summary())
		if b := r.Best.Post; b != nil {
			fmt.Fprintf(a.stdout, "  Best post: %s on %s (%s).\n", b.Post, b.Account, formatPercent(b.Rate))
		}
		if len(r.WithoutMetrics) > 0 {
			fmt.Fprintf(a.stdout, "  No metrics on: %s.\n", withoutMetrics(r.WithoutMetrics))
		}
	}
}

// status is where lines about what was done go: standard output, or
// standard error when standard output carries JSON.
func (a *app) status() io.Writer {
	if a.format == "json" {
		return a.stderr
	}
	return a.stdout
}

// withoutMetrics lists accounts without metrics: "site (webhook), m (mastodon,
// through the sandbox)".
func withoutMetrics(ns []report.NoMetrics) string {
	var names []string
	for _, n := range ns {
		what := n.Network
		if n.Via != "" {
			what += ", through the " + n.Via
		}
		names = append(names, n.Account+" ("+what+")")
	}
	return strings.Join(names, ", ")
}

func formatPercent(r float64) string { return fmt.Sprintf("%.1f%%", r*100) }

// writeReportFiles writes files under dir, without their reports/ prefix.
func writeReportFiles(dir string, files []state.File) (int, error) {
	n := 0
	for _, f := range files {
		rel, ok := strings.CutPrefix(f.Path, report.Dir+"/")
		if !ok || strings.HasPrefix(rel, "followers/") {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return n, err
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (a *app) runCollect(ctx context.Context, f collectFlags) error {
	repo, err := a.reportContent(ctx)
	if err != nil {
		return err
	}
	if err := a.rehearseAt(repo, f.at, f.sandbox); err != nil {
		return err
	}
	keep, err := collectFilter(repo, f)
	if err != nil {
		return err
	}
	return a.collect(ctx, repo, f.sandbox, report.CollectOptions{Manual: f.manual, Keep: keep})
}

// rehearseAt moves the clock to --at for the rest of the command, as
// `apply --sandbox --at` does, so that a rehearsal can collect and report on
// what it published in the future.
func (a *app) rehearseAt(repo *content.Repo, at string, sandbox bool) error {
	if at == "" {
		return nil
	}
	if !sandbox {
		return errors.New("--at is only for rehearsals: use it with --sandbox")
	}
	t, err := parseAt(at, rules.Location(repo))
	if err != nil {
		return err
	}
	clock := a.now
	offset := t.Sub(clock())
	a.now = func() time.Time { return clock().Add(offset) }
	return nil
}

// collectFilter turns --accounts, --post and --campaign into an address filter.
func collectFilter(repo *content.Repo, f collectFlags) (func(state.Address) bool, error) {
	accounts := map[string]bool{}
	for _, acc := range splitAccounts(f.accounts) {
		if repo.Config.Accounts[acc] == nil {
			return nil, fmt.Errorf("--accounts: unknown account %q", acc)
		}
		accounts[acc] = true
	}
	campaignOf := map[string]string{}
	for _, d := range repo.Posts() {
		campaignOf[d.ID] = d.Post.Campaign
	}
	if f.campaign != "" {
		found := false
		for _, d := range repo.Campaigns() {
			found = found || d.ID == f.campaign
		}
		if !found {
			return nil, fmt.Errorf("--campaign: no campaign %q", f.campaign)
		}
	}
	if len(accounts) == 0 && f.post == "" && f.campaign == "" {
		return nil, nil
	}
	return func(ad state.Address) bool {
		return (len(accounts) == 0 || accounts[ad.Account]) &&
			(f.post == "" || ad.Post == f.post) &&
			(f.campaign == "" || campaignOf[ad.Post] == f.campaign)
	}, nil
}

// collectAndReport takes the metric snapshots that are due, then writes the
// current month's report and those of the campaigns running this month,
// reading the content once: the whole metrics step of a GitHub Action run or of the
// scheduler's reports job. The reports are written even when some readings
// failed; the error then says so.
func (a *app) collectAndReport(ctx context.Context, sandbox bool) error {
	repo, err := a.reportContent(ctx)
	if err != nil {
		return err
	}
	cerr := a.collect(ctx, repo, sandbox, report.CollectOptions{})
	return errors.Join(cerr, a.writeReports(ctx, repo, reportFlags{sandbox: sandbox}))
}

func (a *app) collect(ctx context.Context, repo *content.Repo, sandbox bool, opts report.CollectOptions) error {
	cfg := repo.Config
	delays := cfg.Reports.Delays
	if len(delays) == 0 {
		delays = content.DefaultReportDelays
	}
	ds, err := report.ParseDelays(delays)
	if err != nil {
		return err
	}
	store, err := a.openStore(cfg, sandbox)
	if err != nil {
		return err
	}
	defer store.Close()
	set := a.adapters(cfg, sandbox, false, filepath.Join(a.dir, ".clairon", "outbox"))
	networks := map[string]string{}
	for name, acc := range cfg.Accounts {
		if acc != nil {
			networks[name] = acc.Network
		}
	}
	c := &report.Collector{Store: store, Adapter: set.get, Networks: networks, Delays: ds, Now: a.now,
		Loc: rules.Location(repo), Run: runID(a.now()), Redact: set.redact, Log: a.logger()}
	res, err := c.Collect(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, res.Summary())
	for _, t := range res.Snapshots {
		fmt.Fprintf(a.stdout, "  ✓ %s at %s\n", t.Address, t.Label)
	}
	for _, d := range res.Dropped {
		fmt.Fprintf(a.stdout, "  · %s: being published by another run, left for the next collection\n", d)
	}
	for _, fl := range res.Failures {
		fmt.Fprintf(a.stderr, "  ✗ %s\n", fl)
	}
	if len(res.Failures) > 0 {
		return fmt.Errorf("%d of the metric readings failed; they are tried again on the next run", len(res.Failures))
	}
	return nil
}
