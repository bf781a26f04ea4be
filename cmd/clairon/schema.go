package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/schema"
)

func (a *app) schemaCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Work with clairon's JSON Schemas",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "export DIR",
		Short: "Write the JSON Schemas into DIR, for editors",
		Long: `export writes the JSON Schemas of posts, campaigns, contests, calendars,
clairon.yaml, plans and state into DIR. Point your editor's YAML language
server at them for completion and inline documentation.`,
		Example: `  clairon schema export .vscode/schemas`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			written, err := schema.Export(args[0])
			if err != nil {
				return err
			}
			for _, p := range written {
				fmt.Fprintln(a.stdout, p)
			}
			return nil
		},
	})
	return cmd
}
