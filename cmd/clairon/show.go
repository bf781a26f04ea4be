package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/plan"
)

func (a *app) showCommand() *cobra.Command {
	var asJSON, markdown bool
	cmd := &cobra.Command{
		Use:   "show PLANFILE",
		Short: "Show a saved plan",
		Long:  `show prints a plan saved with plan -out, in the terminal form, as JSON, or as the Markdown of a pull-request comment.`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			p, err := plan.Decode(f)
			if err != nil {
				return err
			}
			switch {
			case asJSON || a.format == "json":
				return p.Encode(a.stdout)
			case markdown:
				return p.WriteMarkdown(a.stdout, plan.MarkdownOptions{})
			}
			if p.SourceCommit != "" {
				fmt.Fprintf(a.stdout, "Plan of commit %s, against state serial %d, made %s.\n\n", short(p.SourceCommit), p.StateSerial, p.CreatedAt.Format(time.RFC3339))
			}
			return p.WriteText(a.stdout, plan.TextOptions{Color: a.color(a.stdout), Detail: true})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the plan as a pull-request comment")
	return cmd
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
