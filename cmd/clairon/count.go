package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/render/count"
)

func (a *app) countCommand() *cobra.Command {
	var network string
	var asJSON, jsonl, caption bool
	var limit int
	var cw string
	cmd := &cobra.Command{
		Use:   "count --network NAME [FILE|-]",
		Short: "Count a text the way a network counts it",
		Long: `count measures a text as one network does: X's weighted length (URLs count
23, emoji 2, CJK 2), Mastodon's graphemes (URLs 23, @user@domain as @user),
Bluesky's graphemes and bytes, Telegram's UTF-16 units, and so on. It prints
the length, the limit, what remains, whether it fits, where it stops fitting,
and the URLs, hashtags, mentions and cashtags found (with UTF-8 byte offsets,
which are Bluesky's facet offsets).

The text is read from FILE, or standard input. With --jsonl, each input line
is a JSON string and each output line a JSON result (the shape is documented
in docs/count.md).

Networks: ` + strings.Join(count.Networks(), ", "),
		Example: `  echo "Bonjour Lyon ! https://brulerie-des-pentes.fr" | clairon count --network x
  clairon count --network bluesky --json post.txt
  clairon count --network mastodon --jsonl < texts.jsonl`,
		Args: cobra.MaximumNArgs(1),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return nil // count needs no repository
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !count.KnownNetwork(network) {
				return fmt.Errorf("--network %q: known networks are %s", network, strings.Join(count.Networks(), ", "))
			}
			var in io.Reader = a.stdin
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			opts := count.Options{Limit: limit, Caption: caption, ContentWarning: cw}
			if jsonl {
				return count.RunJSONL(in, a.stdout, network, opts)
			}
			b, err := io.ReadAll(io.LimitReader(in, 16<<20))
			if err != nil {
				return err
			}
			text := strings.TrimSuffix(string(b), "\n")
			res, err := count.Count(network, text, opts)
			if err != nil {
				return err
			}
			if asJSON || a.format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			writeCount(a.stdout, res)
			if !res.Valid {
				return &exitCode{code: exitError}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&network, "network", "", "the network: "+strings.Join(count.Networks(), ", "))
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&jsonl, "jsonl", false, "read one JSON string per line, write one JSON result per line")
	f.IntVar(&limit, "limit", 0, "override the limit (a Mastodon instance's, for example)")
	f.BoolVar(&caption, "caption", false, "count as a media caption (Telegram: 1024)")
	f.StringVar(&cw, "content-warning", "", "Mastodon content warning, counted with the text")
	cmd.MarkFlagRequired("network")
	return cmd
}

func writeCount(w io.Writer, r count.Result) {
	verdict := "fits"
	if !r.Valid {
		verdict = "does NOT fit"
	}
	if r.Limit > 0 {
		fmt.Fprintf(w, "%s: %d / %d %s, %d remaining — %s\n", r.Network, r.Length, r.Limit, r.Unit, *r.Remaining, verdict)
	} else {
		fmt.Fprintf(w, "%s: %d %s (no limit)\n", r.Network, r.Length, r.Unit)
	}
	for _, c := range r.Checks[1:] {
		fmt.Fprintf(w, "  %s: %d / %d %s\n", c.Name, c.Length, c.Limit, c.Unit)
	}
	if r.OverflowOffset >= 0 {
		fmt.Fprintf(w, "  overflow starts at byte %d\n", r.OverflowOffset)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  problem: %s\n", p)
	}
	for _, e := range r.Entities {
		fmt.Fprintf(w, "  %-8s %q bytes %d-%d\n", e.Kind, e.Text, e.Start, e.End)
	}
}
