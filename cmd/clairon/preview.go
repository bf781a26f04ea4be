package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/calendar"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/preview"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
)

func (a *app) previewCommand() *cobra.Command {
	var serve, sandbox bool
	var addr, out string
	cmd := &cobra.Command{
		Use:   "preview [POST…]",
		Short: "Show each post exactly as every target account will receive it",
		Long: `preview renders posts for every account they target: the final text of each
thread part in the network's format, the counts against the network's limits,
media with their alt text, polls, the UTM-tagged links, and a marker where a
text overflows. POST is a post id or file path; without one, every post.

With --serve, it serves a local web site instead: a card per post and account
styled after the network, the editorial calendar by month and week, the plan,
and a page per campaign. Pages reload by themselves when a file changes, and
show validation errors at their file and line. --out DIR writes the same
pages as static files (for a pull-request artifact). Nothing is fetched from
outside: the pages work offline.`,
		Example: `  clairon preview --dir content
  clairon preview posts/2026-12/noel-coffrets.md
  clairon preview --serve --dir content          # http://127.0.0.1:4242/
  clairon preview --out site --dir content`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			build := func(ctx context.Context) (preview.Input, error) { return a.previewInput(ctx, sandbox) }
			switch {
			case out != "":
				in, err := build(ctx)
				if err != nil {
					return err
				}
				if err := preview.Export(preview.New(in, false), out); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Wrote the preview to %s/index.html\n", out)
				return nil
			case serve:
				return a.servePreview(ctx, build, addr)
			}
			return a.printPreview(ctx, args)
		},
	}
	cmd.Flags().BoolVar(&serve, "serve", false, "serve the preview site, reloading when files change")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:4242", "address to serve on (loopback by default)")
	cmd.Flags().StringVar(&out, "out", "", "write the preview site as static files into DIR")
	cmd.Flags().BoolVar(&sandbox, "sandbox", false, "show the sandbox state (what apply --sandbox published)")
	return cmd
}

// previewInput loads everything the preview site shows. Content with errors
// still gives a site: the errors at the top, the posts that rendered.
func (a *app) previewInput(ctx context.Context, sandbox bool) (preview.Input, error) {
	repo, ds, err := a.load(ctx)
	if err != nil {
		return preview.Input{}, err
	}
	in := preview.Input{Repo: repo, Loc: rules.Location(repo), Now: a.now(), Outputs: map[string][]*render.Output{}}
	if repo.Config == nil {
		in.Diags = ds
		return in, nil
	}
	posts := repo.Posts()
	outs, rds := render.New(repo, capabilities(repo.Config)).RenderPosts(posts)
	ds.Add(rds...)
	for i, d := range posts {
		in.Outputs[d.ID] = outs[i]
	}
	if !ds.HasErrors() {
		if p, _, pds, snap, err := a.makePlanWithState(ctx, planFlags{sandbox: sandbox}); err == nil && p != nil {
			in.Plan, in.State = p, snap.State
			ds.Add(pds...)
			in.Calendars, in.Items, in.Conflicts = calendarItems(repo, p, snap.State)
		}
	} else {
		in.Calendars = calendar.ResolveAll(repo, in.Loc)
	}
	in.Diags = ds.Sort()
	return in, nil
}

func (a *app) servePreview(ctx context.Context, build preview.Builder, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := preview.NewServer(ctx, build, a.dir, 500*time.Millisecond, a.logger())
	go srv.Watch(ctx)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(a.stdout, "Preview on http://%s/ (Ctrl-C to stop); pages reload when files in %s change.\n", ln.Addr(), a.dir)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(shut)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printPreview prints the posts (all, or those named) in the terminal.
func (a *app) printPreview(ctx context.Context, args []string) error {
	repo, ds, err := a.load(ctx)
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
}
