package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/report"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

func (a *app) campaignCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "Show campaigns: their posts, schedule and goals",
	}
	var f planFlags
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a campaign's posts, what is published, and its KPIs against its goals",
		Long: `campaign show lists a campaign's posts with, for each account, whether it is
published (with its address), scheduled, held or waiting, and compares the
campaign's KPIs so far with its goals. The figures are those of the metric
snapshots on the state branch (clairon report collect); clairon report
--campaign ID writes the full report.`,
		Example: `  clairon campaign show noel-2026
  clairon campaign show noel-2026 --sandbox --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.showCampaign(cmd.Context(), f, args[0]) },
	}
	show.Flags().BoolVar(&f.sandbox, "sandbox", false, "show the sandbox state (what apply --sandbox published)")
	show.Flags().StringVar(&f.at, "at", "", "as if now were TIME (2026-12-01 09:30, in the repository's time zone)")
	cmd.AddCommand(show)
	return cmd
}

// campaignView is what `campaign show` prints.
type campaignView struct {
	ID       string         `json:"id"`
	Name     string         `json:"name,omitempty"`
	From     time.Time      `json:"from"`
	To       time.Time      `json:"to"`
	Accounts []string       `json:"accounts,omitempty"`
	Hashtags []string       `json:"hashtags,omitempty"`
	Posts    []campaignPost `json:"posts"`
	Report   *report.Report `json:"report"`
	loc      *time.Location
}

type campaignPost struct {
	Post  string         `json:"post"`
	Title string         `json:"title,omitempty"`
	Path  string         `json:"path"`
	At    time.Time      `json:"at,omitzero"`
	Draft bool           `json:"draft,omitempty"`
	Slot  string         `json:"slot,omitempty"`
	To    []campaignDest `json:"to"`
}

type campaignDest struct {
	Account string `json:"account"`
	Network string `json:"network"`
	// Status is published, scheduled, due, held, failed, unconfirmed,
	// deleted or draft.
	Status string    `json:"status"`
	At     time.Time `json:"at,omitzero"`
	URL    string    `json:"url,omitempty"`
	// Note says why a change is held, or the last error.
	Note string `json:"note,omitempty"`
}

func (a *app) showCampaign(ctx context.Context, f planFlags, id string) error {
	p, repo, ds, snap, err := a.makePlanWithState(ctx, f)
	if err != nil {
		return err
	}
	if ds.HasErrors() || repo.Config == nil {
		a.printDiagnostics(a.stderr, ds, false)
		return &exitCode{code: exitError, err: fmt.Errorf("the content has errors (%s); fix them first", diag.Summary(ds))}
	}
	var doc *content.Document
	var ids []string
	for _, d := range repo.Campaigns() {
		ids = append(ids, d.ID)
		if d.ID == id {
			doc = d
		}
	}
	if doc == nil {
		return fmt.Errorf("no campaign %q (campaigns: %s)", id, strings.Join(ids, ", "))
	}
	loc := rules.Location(repo)
	now := a.now()
	if f.at != "" {
		if now, err = parseAt(f.at, loc); err != nil {
			return err
		}
	}
	r, err := report.Build(report.Input{State: snap.State, Repo: repo, Loc: loc, Now: now}, report.Campaign(id))
	if err != nil {
		return err
	}
	v := campaignView{ID: id, Name: doc.Campaign.Name, From: r.From, To: r.To, Accounts: doc.Campaign.Accounts,
		Hashtags: doc.Campaign.Hashtags, Report: r, loc: loc}
	for _, d := range repo.Posts() {
		if d.Post.Campaign == id {
			v.Posts = append(v.Posts, campaignPostOf(d, repo.Config, p, snap.State, loc))
		}
	}
	slices.SortStableFunc(v.Posts, func(x, y campaignPost) int {
		if x.At.IsZero() != y.At.IsZero() {
			return map[bool]int{true: 1, false: -1}[x.At.IsZero()]
		}
		return cmp.Or(x.At.Compare(y.At), cmp.Compare(x.Post, y.Post))
	})
	if v.Posts == nil {
		v.Posts = []campaignPost{}
	}
	if a.format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	return v.writeText(a.stdout, now)
}

// campaignPostOf describes a post of the campaign on each of its accounts,
// from the plan and the state.
func campaignPostOf(d *content.Document, cfg *content.Config, p *plan.Plan, st *state.State, loc *time.Location) campaignPost {
	cp := campaignPost{Post: d.ID, Title: d.Post.Title, Path: d.Path, Draft: d.Post.IsDraft()}
	if at, err := localtime.Parse(d.Post.At, loc); err == nil {
		cp.At = at.Time
	}
	for _, acc := range d.Post.To {
		addr := state.Address{Post: d.ID, Account: acc}
		dest := campaignDest{Account: acc}
		if c := cfg.Accounts[acc]; c != nil {
			dest.Network = c.Network
		}
		rec := st.Records[addr]
		ch := p.ChangeFor(addr)
		if ch != nil && !ch.At.IsZero() {
			dest.At = ch.At
			if cp.At.IsZero() || ch.Slot != "" {
				cp.At, cp.Slot = ch.At, ch.Slot
			}
		}
		switch {
		case rec != nil && (rec.Status == state.Published || (rec.Status == state.Claimed && rec.Claim.Prior == state.Published)):
			dest.Status, dest.At, dest.URL = "published", rec.PublishedAt, rec.Ref.URL
			if ch != nil && ch.Action.Writes() {
				dest.Note = string(ch.Action) + " pending"
			}
		case rec != nil && rec.Status == state.Unconfirmed:
			dest.Status, dest.Note = "unconfirmed", rec.LastError
		case rec != nil && rec.Status == state.Deleted:
			dest.Status = "deleted"
		case cp.Draft:
			dest.Status = "draft"
		case ch != nil && ch.Scheduled:
			dest.Status = "scheduled"
		case ch != nil && ch.Held != "":
			dest.Status, dest.Note = "held", ch.Held
		case rec != nil && rec.Status == state.Failed:
			dest.Status, dest.Note = "failed", rec.LastError
		case ch != nil && ch.Due():
			dest.Status = "due"
		default:
			dest.Status = "not planned"
		}
		cp.To = append(cp.To, dest)
	}
	return cp
}

var statusMarks = map[string]string{
	"published": "✓", "scheduled": "◷", "due": "→", "held": "‖", "draft": "✎",
	"failed": "✗", "unconfirmed": "?", "deleted": "−", "not planned": "·",
}

func (v campaignView) writeText(w io.Writer, now time.Time) error {
	r := v.Report
	fmt.Fprintf(w, "%s (%s)\n", cmp.Or(v.Name, v.ID), v.ID)
	span := fmt.Sprintf("%s – %s, %s", r.From.In(v.loc).Format("2 January 2006"), r.To.Add(-time.Nanosecond).In(v.loc).Format("2 January 2006"), v.loc)
	switch {
	case now.Before(r.From):
		span += ": starts in " + days(r.From.Sub(now))
	case r.Ongoing:
		span += ": running, ends in " + days(r.To.Sub(now))
	default:
		span += ": ended"
	}
	fmt.Fprintln(w, span)
	if len(v.Accounts) > 0 {
		fmt.Fprintf(w, "Accounts: %s\n", strings.Join(v.Accounts, ", "))
	}
	if len(v.Hashtags) > 0 {
		fmt.Fprintf(w, "Hashtags: %s\n", strings.Join(v.Hashtags, " "))
	}

	counts := map[string]int{}
	for _, p := range v.Posts {
		for _, d := range p.To {
			counts[d.Status]++
		}
	}
	var parts []string
	for _, s := range []string{"published", "due", "scheduled", "held", "draft", "failed", "unconfirmed", "deleted", "not planned"} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(w, "\nPosts (%d", len(v.Posts))
	if len(parts) > 0 {
		fmt.Fprintf(w, "; publications: %s", strings.Join(parts, ", "))
	}
	fmt.Fprintln(w, "):")
	if len(v.Posts) == 0 {
		fmt.Fprintln(w, "  none: give posts `campaign: "+v.ID+"` in their front matter.")
	}
	for _, p := range v.Posts {
		when := "no date"
		if !p.At.IsZero() {
			when = p.At.In(v.loc).Format("2006-01-02 15:04")
		}
		line := fmt.Sprintf("  %s  %s", when, p.Post)
		if p.Title != "" {
			line += "  " + p.Title
		}
		if p.Draft {
			line += " (draft)"
		}
		if p.Slot != "" {
			line += " [slot " + p.Slot + "]"
		}
		fmt.Fprintln(w, line)
		for _, d := range p.To {
			l := fmt.Sprintf("      %s %-11s %-20s", statusMarks[d.Status], d.Status, d.Account)
			switch {
			case d.URL != "":
				l += " " + d.URL
			case d.Status == "scheduled" && !d.At.IsZero() && !d.At.Equal(p.At):
				l += " " + d.At.In(v.loc).Format("2006-01-02 15:04")
			}
			if d.Note != "" {
				l += " (" + d.Note + ")"
			}
			fmt.Fprintln(w, strings.TrimRight(l, " "))
		}
	}

	fmt.Fprintln(w)
	if len(r.Goals) == 0 {
		fmt.Fprintln(w, "Goals: none set (`goals:` in the campaign's front matter).")
	} else {
		fmt.Fprintln(w, "Goals:")
		for _, g := range r.Goals {
			actual, progress, mark := "—", "—", "not available"
			if g.Actual != nil {
				actual = report.FormatGoal(g.Goal, *g.Actual)
			}
			if g.Progress != nil {
				progress = formatPercent(*g.Progress)
			}
			if g.Met != nil {
				mark = map[bool]string{true: "✅", false: "❌"}[*g.Met]
			}
			fmt.Fprintf(w, "  %-17s %10s of %-9s %8s  %s\n", report.GoalLabel(g.Goal), actual, report.FormatGoal(g.Goal, g.Target), progress, mark)
		}
		if r.Ongoing {
			fmt.Fprintln(w, "  (figures so far: the campaign is running)")
		}
	}
	fmt.Fprintln(w, "\n"+r.Summary())
	if len(r.WithoutMetrics) > 0 {
		fmt.Fprintf(w, "No metrics on: %s.\n", withoutMetrics(r.WithoutMetrics))
	}
	fmt.Fprintf(w, "Full report: clairon report --campaign %s\n", v.ID)
	return nil
}

func days(d time.Duration) string {
	n := int((d + 24*time.Hour - 1) / (24 * time.Hour))
	if n <= 1 {
		return "less than a day"
	}
	return fmt.Sprintf("%d days", n)
}
