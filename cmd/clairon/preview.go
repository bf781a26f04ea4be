package main

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
)

func (a *app) previewCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "preview [POST…]",
		Short: "Show each post exactly as every target account will receive it",
		Long: `preview renders posts for every account they target: the final text of each
thread part in the network's format, the counts against the network's limits,
media with their alt text, polls, the UTM-tagged links, and a marker where a
text overflows. POST is a post id or file path; without one, every post.`,
		Example: `  clairon preview --dir content
  clairon preview posts/2026-12/ouverture.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			repo, ds, err := a.load(cmd.Context())
			if err != nil {
				return err
			}
			if repo.Config == nil {
				a.printDiagnostics(a.stderr, ds, false)
				return &exitCode{code: exitError}
			}
			r := render.New(repo, capabilities(repo.Config))
			found := 0
			var rds = ds[:0:0]
			for _, d := range repo.Posts() {
				if len(args) > 0 && !slices.Contains(args, d.ID) && !slices.Contains(args, d.Path) {
					continue
				}
				found++
				outs, pds := r.RenderAll(d)
				rds = append(rds, pds...)
				fmt.Fprintf(a.stdout, "%s  (%s)\n", d.ID, d.Path)
				for _, o := range outs {
					fmt.Fprintf(a.stdout, "  → %s (%s)\n", o.Account, o.Network)
					plan.WriteOutput(a.stdout, o, plan.TextOptions{Color: a.color(a.stdout)})
				}
				fmt.Fprintln(a.stdout)
			}
			if len(args) > 0 && found == 0 {
				return fmt.Errorf("no post matches %v", args)
			}
			if len(rds) > 0 {
				a.printDiagnostics(a.stderr, rds.Sort(), false)
			}
			if rds.HasErrors() {
				return &exitCode{code: exitError}
			}
			return nil
		},
	}
	return cmd
}
