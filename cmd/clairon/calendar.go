package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/calendar"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

func (a *app) calendarCommand() *cobra.Command {
	var f planFlags
	var from, to, out, format string
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "Show the editorial calendar: posts, empty slots and conflicts",
		Long: `calendar shows, for a period, every post on every account (scheduled,
published, held), the slots of the editorial calendars with nothing in them,
and the conflicts with the calendars' policies (minimum gap, posts per day,
quiet hours, blackouts).

Formats: text (a month grid and an agenda), markdown (for pull requests),
json, ics (RFC 5545, to subscribe to in a calendar app: event UIDs are stable,
so apps update events rather than duplicate them) and html (a static page).`,
		Example: `  clairon calendar --dir content --from 2027-01-01 --to 2027-03-31
  clairon calendar --format ics --out calendrier.ics
  clairon calendar --format html --out calendrier.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format == "" {
				format = "text"
				if a.format == "json" {
					format = "json"
				}
			}
			v, repo, err := a.calendarView(cmd.Context(), f, from, to)
			if err != nil {
				return err
			}
			var w io.Writer = a.stdout
			if out != "" {
				fh, err := os.Create(out)
				if err != nil {
					return err
				}
				defer fh.Close()
				w = fh
			}
			switch format {
			case "text":
				return v.WriteText(w)
			case "markdown":
				return v.WriteMarkdown(w)
			case "json":
				return v.WriteJSON(w)
			case "ics":
				return v.WriteICS(w, calendarTitle(repo), a.now())
			case "html":
				return v.WriteHTML(w, calendarTitle(repo))
			}
			return fmt.Errorf("--format %q: use text, markdown, json, ics or html", format)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "first day (default: today)")
	fl.StringVar(&to, "to", "", "last day (default: four weeks after --from)")
	fl.StringVar(&format, "format", "", "text, markdown, json, ics or html")
	fl.StringVar(&out, "out", "", "write to FILE instead of standard output")
	fl.BoolVar(&f.sandbox, "sandbox", false, "show the sandbox state (what apply --sandbox published)")
	fl.StringVar(&f.at, "at", "", "compute as if now were TIME")
	return cmd
}

func calendarTitle(repo *content.Repo) string {
	for _, d := range repo.Calendars() {
		if d.Calendar.Name != "" {
			return d.Calendar.Name
		}
	}
	return "Editorial calendar"
}

// calendarView plans, then lays the plan and the published posts on the
// calendar for [from, to].
func (a *app) calendarView(ctx context.Context, f planFlags, fromS, toS string) (*calendar.View, *content.Repo, error) {
	p, repo, ds, snap, err := a.makePlanWithState(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	if ds.HasErrors() {
		a.printDiagnostics(a.stderr, ds, false)
		return nil, nil, &exitCode{code: exitError, err: fmt.Errorf("the content has errors (%s)", diag.Summary(ds))}
	}
	loc := rules.Location(repo)
	now := p.CreatedAt.In(loc)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if fromS != "" {
		t, err := localtime.Parse(fromS, loc)
		if err != nil {
			return nil, nil, fmt.Errorf("--from: %w", err)
		}
		from = t.Time
	}
	to := from.AddDate(0, 0, 28)
	if toS != "" {
		t, err := localtime.Parse(toS, loc)
		if err != nil {
			return nil, nil, fmt.Errorf("--to: %w", err)
		}
		to = t.EndOfDay(loc).Add(time.Nanosecond)
	}
	cals, items, conflicts := calendarItems(repo, p, snap.State)
	return calendar.Build(cals, items, conflicts, from, to, loc), repo, nil
}

// calendarItems lays out every post of the plan and every published record
// as calendar items, and finds the conflicts with the calendars' policies.
func calendarItems(repo *content.Repo, p *plan.Plan, st *state.State) ([]*calendar.Calendar, []calendar.Item, []calendar.Conflict) {
	loc := rules.Location(repo)
	cals := calendar.ResolveAll(repo, loc)
	posts := map[string]*content.Document{}
	for _, d := range repo.Posts() {
		posts[d.ID] = d
	}
	items := make([]calendar.Item, 0, len(p.Changes))
	for _, ch := range p.Changes {
		it := calendar.Item{Post: ch.Address.Post, Account: ch.Address.Account, Network: ch.Network, Path: ch.Path, At: ch.At}
		if d := posts[ch.Address.Post]; d != nil && d.Post != nil {
			it.Title, it.Campaign = d.Post.Title, d.Post.Campaign
		}
		rec := st.Record(ch.Address)
		switch {
		case rec != nil && rec.Status == state.Published && ch.Action == plan.NoOp:
			it.Status, it.At, it.URL = "published", rec.PublishedAt, rec.Ref.URL
		case ch.Action == plan.NoOp || ch.Action == plan.Delete:
			continue
		case ch.Held == "draft":
			it.Status = "draft"
		case ch.Held != "":
			it.Status = "held"
		case ch.Scheduled:
			it.Status = "scheduled"
		default:
			it.Status = "due"
			it.At = cmp.Or(ch.At, p.CreatedAt)
		}
		if it.At.IsZero() {
			continue
		}
		items = append(items, it)
	}
	return cals, items, calendar.Conflicts(cals, calendar.QuietHours(repo.Config), loc, items)
}

// calendarDiagnostics checks the posts with a fixed time against the
// calendars, for validate: conflicts with their policies, and empty slots in
// the coming days (next-slot posts take slots only at plan time).
func calendarDiagnostics(repo *content.Repo, now time.Time) diag.List {
	loc := rules.Location(repo)
	cals := calendar.ResolveAll(repo, loc)
	if len(cals) == 0 {
		return nil
	}
	posts := map[string]*content.Document{}
	var items []calendar.Item
	for _, d := range repo.Posts() {
		posts[d.ID] = d
		if d.Post.At == "" || d.Post.At == content.AtNextSlot {
			continue
		}
		t, err := localtime.Parse(d.Post.At, loc)
		if err != nil || t.Time.Before(now) {
			continue
		}
		status := "scheduled"
		if d.Post.IsDraft() {
			status = "draft"
		}
		for _, acc := range d.Post.To {
			items = append(items, calendar.Item{Post: d.ID, Path: d.Path, Account: acc, Campaign: d.Post.Campaign, At: t.Time, Status: status})
		}
	}
	return calendar.Diagnostics(cals, items, calendar.Conflicts(cals, calendar.QuietHours(repo.Config), loc, items), now, posts)
}
