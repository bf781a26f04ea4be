package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/plan"
)

func (a *app) validateCommand() *cobra.Command {
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check every document of the content repository",
		Long: `validate loads clairon.yaml, posts, campaigns, contests and calendars, checks
them against the JSON Schemas and clairon's rules (references, dates, time
zones, media, alt text, secrets), and reports every problem at its
file:line:col. It exits 0 when the repository is valid and 1 otherwise;
warnings fail only with --strict.`,
		Example: `  clairon validate --dir content
  clairon validate --format json
  clairon validate --format github   # annotations in a GitHub Actions log
  clairon validate --rev HEAD        # what is committed, ignoring uncommitted edits`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, ds, err := a.load(cmd.Context())
			if err != nil {
				return err
			}
			if repo.Config != nil {
				// Render every post for every account: lengths, mentions,
				// media and polls are checked the way each network counts.
				// Posts unchanged since the last run keep what their
				// rendering found then (the plan cache).
				ds.Add(plan.RenderDiagnostics(plan.Input{Repo: repo, Caps: capabilities(repo.Config), Memo: a.planMemo()})...)
				if !ds.HasErrors() {
					ds.Add(calendarDiagnostics(repo, a.now())...)
				}
				ds = ds.Sort()
			}
			a.saveMemo()
			if err := a.printDiagnostics(a.stdout, ds, strict); err != nil {
				return err
			}
			failed := ds.HasErrors() || (strict && ds.Count(diag.Warning) > 0)
			if a.format == "text" {
				if failed {
					fmt.Fprintf(a.stdout, "\n%s\n", diag.Summary(ds))
				} else {
					fmt.Fprintf(a.stdout, "%d documents valid (%s).\n", len(repo.Docs), diag.Summary(ds))
				}
			}
			if failed {
				return &exitCode{code: exitError}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "fail on warnings too")
	cmd.Flags().StringVar(&a.rev, "rev", "", "check the content committed at git revision `REV` instead of the working tree")
	return cmd
}
