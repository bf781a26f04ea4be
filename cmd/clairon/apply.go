package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

type applyFlags struct {
	planFlags
	dryRun bool
	outbox string
	lease  time.Duration
}

func (a *app) applyCommand() *cobra.Command {
	var f applyFlags
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE]",
		Short: "Publish what is due, once",
		Long: `apply publishes every change that is due: it claims them in one commit on
the state branch, publishes each post part by part with an idempotency key,
records every result as it comes, and pushes the state. A post is published
once, or recorded as failed or unconfirmed, never twice. Changes whose time
has not come are left for a later run.

With PLANFILE (from plan -out), apply does exactly that plan, and refuses it
when the state moved since it was made. With --sandbox, nothing leaves the
machine: every account writes what it would send to an outbox folder, and the
state goes to the clairon/sandbox branch.`,
		Example: `  clairon apply --sandbox --dir content
  clairon apply plan.json
  clairon plan --rev main -out plan.json && clairon apply --rev main plan.json
  clairon apply --accounts brulerie-mastodon,brulerie-bluesky`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runApply(cmd.Context(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.sandbox, "sandbox", false, "publish to a local outbox instead of the networks (state on branch clairon/sandbox)")
	fl.StringVar(&f.outbox, "outbox", "", "outbox folder for --sandbox (default <dir>/.clairon/outbox)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "show what would be sent; publish nothing and write no state")
	fl.StringVar(&f.accounts, "accounts", "", "apply only these accounts (comma-separated)")
	fl.StringVar(&f.at, "at", "", "apply as if now were TIME (for rehearsals with --sandbox or --dry-run)")
	fl.StringVar(&a.rev, "rev", "", "publish the content committed at git revision `REV` (HEAD, main, a hash) instead of the working tree")
	fl.DurationVar(&f.lease, "lease", 0, "how long claims last (default: policy.lease, or 15m)")
	fl.MarkHidden("lease")
	return cmd
}

func (a *app) runApply(ctx context.Context, f applyFlags, args []string) error {
	if f.at != "" && !f.sandbox && !f.dryRun {
		return errors.New("--at is only for rehearsals: use it with --sandbox or --dry-run")
	}
	var p *plan.Plan
	var repo *content.Repo
	var ds diag.List
	var err error
	saved := len(args) == 1
	if saved {
		fh, err := os.Open(args[0])
		if err != nil {
			return err
		}
		p, err = plan.Decode(fh)
		fh.Close()
		if err != nil {
			return err
		}
		if repo, ds, err = a.load(ctx); err != nil {
			return err
		}
		if from, now := p.SourceCommit, a.sourceCommit(); from != "" && now != "" && from != now {
			// The plan holds the texts; media are read where the content is.
			fmt.Fprintf(a.stderr, "Warning: this plan was made from commit %s, and the content is read at %s: media files are uploaded as they are there. To read them from the plan's commit: clairon apply --rev %s %s\n", short(from), short(now), short(from), args[0])
		}
	} else {
		p, repo, ds, err = a.makePlan(ctx, f.planFlags)
		if err != nil {
			return err
		}
	}
	if ds.HasErrors() {
		a.printDiagnostics(a.stderr, ds, false)
		return &exitCode{code: exitError, err: fmt.Errorf("the content has errors (%s); nothing was published", diag.Summary(ds))}
	}
	cfg := repo.Config

	var store state.Store
	gs, err := a.openStore(cfg, f.sandbox)
	if err != nil {
		return err
	}
	store = gs
	if f.dryRun {
		if store, err = dryRunStore(ctx, gs); err != nil {
			return err
		}
	}
	outbox := f.outbox
	if outbox == "" {
		outbox = filepath.Join(a.dir, ".clairon", "outbox")
	}
	set := a.adapters(cfg, f.sandbox, f.dryRun, outbox)
	lease := claimLease(cfg, f.lease)
	now := a.now
	if f.at != "" {
		at, err := parseAt(f.at, rules.Location(repo))
		if err != nil {
			return err
		}
		offset := at.Sub(a.now())
		now = func() time.Time { return a.now().Add(offset) }
	}
	ci := a.getenv("CI") != "" || !a.color(a.stdout)
	eng := &apply.Engine{
		Store: store, Adapter: set.get, Repo: repo, Run: runID(now()), Lease: lease, Now: now,
		Redact: set.redact, Events: a.progress(ci),
	}
	caps := capabilities(cfg)
	in := apply.Input{Plan: p, Saved: saved, Replan: func(ctx context.Context, snap *state.Snapshot) (*plan.Plan, error) {
		np, _ := plan.Make(plan.Input{Repo: repo, Caps: caps, Snapshot: snap, Now: now(), Accounts: splitAccounts(f.accounts),
			SourceCommit: p.SourceCommit, Renderer: render.New(repo, caps)})
		return np, nil
	}}
	due := len(p.Due())
	if due == 0 {
		fmt.Fprintln(a.stdout, "Nothing is due.", p.Summary())
		return nil
	}
	fmt.Fprintf(a.stdout, "Applying %d due changes (run %s)…\n", due, eng.Run)
	rep, err := eng.Apply(ctx, in)
	a.lastApply = rep
	if err != nil {
		if errors.Is(err, apply.ErrStale) {
			return &exitCode{code: exitError, err: err}
		}
		return err
	}
	fmt.Fprintln(a.stdout, rep.Summary())
	if f.sandbox {
		fmt.Fprintf(a.stdout, "Sandbox: messages written under %s; state on branch %s. `clairon plan --sandbox` now shows what is left.\n", outbox, sandboxBranch)
	}
	if !rep.OK() {
		return &exitCode{code: exitError, err: errors.New("some changes failed or are unconfirmed; see above")}
	}
	return nil
}

// dryRunStore copies the state into memory, so a dry run claims and records
// exactly as a real run would, without writing anything.
func dryRunStore(ctx context.Context, gs *gitstore.Store) (state.Store, error) {
	snap, err := gs.Read(ctx)
	if err != nil {
		return nil, err
	}
	mem := state.NewMemStore(nil)
	if len(snap.State.Records)+len(snap.State.Files) == 0 {
		return mem, nil
	}
	cs := state.NewChangeset(state.Message{Subject: "copy for a dry run"})
	for _, r := range snap.State.Records {
		cs.Put(r)
	}
	for p, b := range snap.State.Files {
		cs.PutFile(p, b)
	}
	if _, err := mem.Write(ctx, "", cs); err != nil {
		return nil, err
	}
	return mem, nil
}

// claimLease is how long a run's claims last: the override when set, else
// the configuration's policy.lease, else 15 minutes.
func claimLease(cfg *content.Config, override time.Duration) time.Duration {
	if override > 0 {
		return override
	}
	if l := cfg.Policy.Lease; l != "" {
		if d, err := localtime.ParseDuration(l); err == nil {
			return d
		}
	}
	return 15 * time.Minute
}

func runID(now time.Time) string {
	b := make([]byte, 4)
	rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

func splitAccounts(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// progress prints one line per result.
func (a *app) progress(plain bool) func(apply.Event) {
	return func(ev apply.Event) {
		mark := map[apply.Outcome]string{apply.Published: "✓", apply.Updated: "✓", apply.Replaced: "✓", apply.Deleted: "✓", apply.Moved: "→", apply.Failed: "✗", apply.Unconfirmed: "?", apply.Skipped: "·"}[ev.Outcome]
		line := fmt.Sprintf("  %s %-11s %s", mark, ev.Outcome, ev.Address)
		if ev.URL != "" {
			line += "  " + ev.URL
		}
		if ev.Err != "" {
			line += "  (" + ev.Err + ")"
		}
		if !plain {
			switch ev.Outcome {
			case apply.Failed, apply.Unconfirmed:
				line = "\x1b[31m" + line + "\x1b[0m"
			case apply.Published, apply.Updated, apply.Replaced, apply.Deleted:
				line = "\x1b[32m" + line + "\x1b[0m"
			}
		}
		fmt.Fprintln(a.stdout, line)
	}
}
