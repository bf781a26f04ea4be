package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/calendar"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

type planFlags struct {
	detailedExitCode bool
	out              string
	json             bool
	at               string
	accounts         string
	sandbox          bool
	detail           bool
}

func (a *app) planCommand() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what would be published, updated or deleted",
		Long: `plan compares the posts in the repository with what clairon already
published (the state branch) and shows, for each post and account, what
apply would do: + publish, ~ update, -/+ replace, - delete, ? needs attention.
Posts with a future time are listed as scheduled; drafts, freezes, blackouts
and quiet hours hold changes back, with the reason shown.

With --rev it plans the content committed at a git revision, whatever the
working tree holds, and the plan records that commit. With
--detailed-exitcode it exits 0 when there is nothing to do, 1 on error and 2
when changes are pending.`,
		Example: `  clairon plan --dir content
  clairon plan --at "2026-12-01 09:00" --accounts brulerie-mastodon
  clairon plan -out plan.json && clairon apply plan.json
  clairon plan --rev HEAD   # what is committed, ignoring uncommitted edits`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, repo, ds, err := a.makePlan(cmd.Context(), f)
			if err != nil {
				return err
			}
			if ds.HasErrors() {
				if err := a.printDiagnostics(a.stderr, ds, false); err != nil {
					return err
				}
				return &exitCode{code: exitError, err: fmt.Errorf("the content has errors (%s); fix them before planning", diag.Summary(ds))}
			}
			if len(ds) > 0 && !f.json {
				a.printDiagnostics(a.stderr, ds, false)
			}
			if f.out != "" {
				if err := writePlan(f.out, p); err != nil {
					return err
				}
			}
			switch {
			case f.json || a.format == "json":
				if err := p.Encode(a.stdout); err != nil {
					return err
				}
			default:
				if err := p.WriteText(a.stdout, plan.TextOptions{Color: a.color(a.stdout), Loc: rules.Location(repo), Detail: f.detail}); err != nil {
					return err
				}
				if f.out != "" {
					fmt.Fprintf(a.stdout, "\nSaved the plan to %s. Apply exactly this plan with: clairon apply %s\n", f.out, f.out)
				}
			}
			if f.detailedExitCode && p.HasChanges() {
				return &exitCode{code: exitChanges}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.detailedExitCode, "detailed-exitcode", false, "exit 2 when changes are pending, 0 when none, 1 on error")
	fl.StringVar(&f.out, "out", "", "save the plan to `FILE`, for clairon apply FILE (-out works too)")
	fl.BoolVar(&f.json, "json", false, "print the plan as JSON (schema/plan.schema.json)")
	fl.StringVar(&f.at, "at", "", "plan as if now were TIME (2026-12-01 09:30, in the repository's time zone)")
	fl.StringVar(&f.accounts, "accounts", "", "plan only these accounts (comma-separated)")
	fl.BoolVar(&f.sandbox, "sandbox", false, "plan against the sandbox state that apply --sandbox writes")
	fl.BoolVar(&f.detail, "detail", true, "show each post's text as every account will receive it")
	fl.StringVar(&a.rev, "rev", "", "plan the content committed at git revision `REV` (HEAD, main, a hash) instead of the working tree")
	return cmd
}

// makePlan loads the content and the state and computes the plan.
func (a *app) makePlan(ctx context.Context, f planFlags) (*plan.Plan, *content.Repo, diag.List, error) {
	p, repo, ds, _, err := a.makePlanWithState(ctx, f)
	return p, repo, ds, err
}

// makePlanWithState is makePlan, also returning the state it planned against.
func (a *app) makePlanWithState(ctx context.Context, f planFlags) (*plan.Plan, *content.Repo, diag.List, *state.Snapshot, error) {
	repo, ds, err := a.load(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if ds.HasErrors() || repo.Config == nil {
		return nil, repo, ds, nil, nil
	}
	now := a.now()
	if f.at != "" {
		if now, err = parseAt(f.at, rules.Location(repo)); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	var accounts []string
	if f.accounts != "" {
		for _, acc := range strings.Split(f.accounts, ",") {
			acc = strings.TrimSpace(acc)
			if repo.Config.Accounts[acc] == nil {
				return nil, nil, nil, nil, fmt.Errorf("--accounts: unknown account %q", acc)
			}
			accounts = append(accounts, acc)
		}
	}
	store, err := a.openStore(repo.Config, f.sandbox)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	snap, err := store.Read(ctx)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("read state: %w", err)
	}
	caps := capabilities(repo.Config)
	in := plan.Input{Repo: repo, Caps: caps, Snapshot: snap, Now: now, Accounts: accounts,
		SourceCommit: a.sourceCommit(), Renderer: render.New(repo, caps), Memo: a.planMemo()}
	p, pds := plan.Make(in)
	a.saveMemo()
	ds.Add(pds...)
	// The calendars' view of the plan: conflicts with their policies, and
	// the empty slots of the coming days.
	cals, items, conflicts := calendarItems(repo, p, snap.State)
	posts := map[string]*content.Document{}
	for _, d := range repo.Posts() {
		posts[d.ID] = d
	}
	cds := calendar.Diagnostics(cals, items, conflicts, now, posts)
	ds.Add(cds...)
	p.Diagnostics = append(p.Diagnostics, cds...).Sort()
	return p, repo, ds.Sort(), snap, nil
}

func writePlan(path string, p *plan.Plan) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := p.Encode(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
