package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/githubactions"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

type actionFlags struct {
	command  string
	sandbox  bool
	planJSON string
}

func (a *app) actionCommand() *cobra.Command {
	var f actionFlags
	cmd := &cobra.Command{
		Use:   "action",
		Short: "Run in a GitHub Actions workflow: plan on pull requests, publish on main",
		Long: `action is what clairon's GitHub Action runs. It reads the event that started
the workflow (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH) and, with --command auto:

  pull_request                    validates and plans, with no network secret:
                                  one comment on the pull request (updated on
                                  each push, never duplicated) shows the plan
                                  and every post as each network will show it;
                                  problems are annotated on the files.
  push to the default branch,     publishes what is due, pushes the state
  schedule, workflow_dispatch     branch, and collects metrics.
  anything else                   plans only.

Whatever --command says, nothing is ever published on a pull request event.
Every run writes the job's step summary and the step outputs has-changes,
plan-json, published and unconfirmed. The token for the pull request comment
is read from GITHUB_TOKEN. Pull requests from forks get a read-only token:
the plan then goes to the step summary and the annotations only.`,
		Example: `  # What action.yml runs:
  clairon action --command auto --dir content`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runAction(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.command, "command", "auto", "auto, validate, plan or apply")
	fl.BoolVar(&f.sandbox, "sandbox", false, "publish to the local outbox instead of the networks (state on branch clairon/sandbox)")
	fl.StringVar(&f.planJSON, "plan-json", "", "where to write the plan as JSON (default $RUNNER_TEMP/clairon/plan.json)")
	return cmd
}

// actionRun is one run of clairon action.
type actionRun struct {
	a    *app
	f    actionFlags
	rt   githubactions.Runner
	ev   *githubactions.Event
	out  io.Writer // the log, where workflow commands go
	step *githubactions.Step
	rep  githubactions.Report
	repo *content.Repo

	planJSON    string
	published   int
	unconfirmed int
}

func (a *app) runAction(ctx context.Context, f actionFlags) error {
	rt := githubactions.FromEnv(a.getenv)
	out := a.stdout
	for _, name := range []string{"GITHUB_TOKEN", "CLAIRON_GIT_TOKEN"} {
		if err := githubactions.Mask(out, a.getenv(name)); err != nil {
			return err
		}
	}
	ev, err := githubactions.ReadEvent(rt, os.ReadFile)
	if err != nil {
		return err
	}
	mode, reason, err := githubactions.Decide(f.command, ev)
	if err != nil {
		return err
	}
	r := &actionRun{a: a, f: f, rt: rt, ev: ev, out: out, step: githubactions.NewStep(out),
		rep: githubactions.Report{Mode: mode, Event: ev, Runner: rt, Root: rt.RepoPath(a.dir), Version: version}}
	if reason != "" {
		r.step.Notice("clairon", reason)
		r.rep.Notes = append(r.rep.Notes, reason)
	}
	runErr := r.run(ctx)
	if runErr != nil && !isExit(runErr) {
		r.rep.Failure = runErr.Error()
		r.step.Error("clairon", runErr.Error())
	}
	if err := r.finish(ctx); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil && !isExit(runErr) {
		// Already reported as an annotation and in the summary.
		return &exitCode{code: exitError}
	}
	return runErr
}

func isExit(err error) bool {
	var ec *exitCode
	return errors.As(err, &ec)
}

// run does the work of the run's mode. Its error fails the step.
func (r *actionRun) run(ctx context.Context) error {
	a := r.a
	if r.rep.Mode == githubactions.ModeValidate {
		repo, ds, err := a.load(ctx)
		if err != nil {
			return err
		}
		r.loaded(repo, ds)
		if ds.HasErrors() {
			return &exitCode{code: exitError, err: fmt.Errorf("the content has errors (%s)", diag.Summary(ds))}
		}
		return nil
	}

	p, repo, ds, err := a.makePlan(ctx, planFlags{sandbox: r.f.sandbox})
	if repo != nil {
		r.loaded(repo, ds)
	}
	if err != nil {
		return err
	}
	if ds.HasErrors() || p == nil {
		return &exitCode{code: exitError, err: fmt.Errorf("the content has errors (%s); nothing was planned", diag.Summary(ds))}
	}
	r.rep.Plan = p
	r.unconfirmed = p.Count().Unconfirmed
	if err := r.writePlanJSON(p); err != nil {
		return err
	}
	if r.rep.Mode == githubactions.ModeApply {
		return r.apply(ctx)
	}
	return nil
}

// loaded records the content and masks its secrets. Its problems are
// annotated at the end of the step, in the room other annotations left.
func (r *actionRun) loaded(repo *content.Repo, ds diag.List) {
	r.repo = repo
	r.rep.Docs = len(repo.Docs)
	r.rep.Diagnostics = ds
	r.rep.Loc = rules.Location(repo)
	if cfg := repo.Config; cfg != nil {
		var set []string
		for _, name := range secretEnvNames(cfg) {
			if v := r.a.getenv(name); v != "" {
				githubactions.Mask(r.out, v)
				set = append(set, name)
			}
		}
		if r.ev.IsPullRequest() && len(set) > 0 {
			r.step.Warning("clairon: secrets in a pull request job",
				fmt.Sprintf("%s %s set in a job that runs on %s; clairon never needs network secrets to plan. Give them to the publishing job only, so that code proposed in a pull request cannot read them.",
					strings.Join(set, ", "), map[bool]string{true: "is", false: "are"}[len(set) == 1], r.ev.Name))
		}
	}
}

// secretEnvNames lists the environment variables the accounts' secrets
// come from, sorted.
func secretEnvNames(cfg *content.Config) []string {
	var names []string
	for _, acc := range cfg.Accounts {
		for k, v := range acc.Settings {
			if name, ok := strings.CutPrefix(v, "env:"); ok && content.IsSecretKey(k) && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

func (r *actionRun) writePlanJSON(p *plan.Plan) error {
	path := r.f.planJSON
	if path == "" {
		base := r.rt.Temp
		if base == "" {
			base = filepath.Join(r.a.dir, ".clairon")
		}
		path = filepath.Join(base, "clairon", "plan.json")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("plan-json: %w", err)
	}
	if err := writePlan(path, p); err != nil {
		return fmt.Errorf("plan-json: %w", err)
	}
	r.planJSON = path
	return nil
}

// apply publishes what is due through the same path as `clairon apply`,
// then collects the metric snapshots that are due and refreshes the reports
// on the state branch, as `clairon report` does. A failed reading is tried
// again on the next run, so metrics warn rather than fail the step.
func (r *actionRun) apply(ctx context.Context) error {
	a, cfg := r.a, r.repo.Config
	if !r.f.sandbox && cfg.State.Remote == "" {
		return errors.New("state.remote is not set in clairon.yaml: each workflow run starts from a fresh clone, so the state branch must be pushed to a remote, or every run would publish the same posts again. Add `remote: origin` under `state:`")
	}
	store, err := a.openStore(cfg, r.f.sandbox)
	if err != nil {
		return err
	}
	defer store.Close()
	var log bytes.Buffer
	saved := a.stdout
	a.stdout = io.MultiWriter(saved, &log)
	defer func() { a.stdout = saved }()
	githubactions.Group(saved, "clairon apply")
	applyErr := a.runApply(ctx, applyFlags{planFlags: planFlags{sandbox: r.f.sandbox}}, nil)
	githubactions.EndGroup(saved)
	after, err := store.Read(ctx)
	if err != nil {
		return errors.Join(applyErr, fmt.Errorf("read state after apply: %w", err))
	}
	pub, unc := appliedRecords(a.lastApply, after)
	r.published, r.unconfirmed = len(pub), len(unc)

	githubactions.Group(saved, "clairon metrics and reports")
	log.WriteString("\n")
	if err := a.collectAndReport(ctx, r.f.sandbox); err != nil {
		r.step.Warning("clairon: metrics and reports", err.Error())
		r.rep.Notes = append(r.rep.Notes, "Metrics and reports: "+err.Error())
	}
	githubactions.EndGroup(saved)
	r.rep.Applied = &githubactions.Applied{Log: log.String(), Published: pub, Unconfirmed: unc, Failed: applyErr != nil}
	return applyErr
}

// appliedRecords returns the records this run published, edited or
// replaced, as its report says (nil when nothing was due), and every record
// the state after the run holds as unconfirmed. The state alone cannot tell
// this run's publications from those of a run that overlapped.
func appliedRecords(rep *apply.Report, after *state.Snapshot) (published, unconfirmed []*state.Record) {
	var events []apply.Event
	if rep != nil {
		events = rep.Events
	}
	for _, ev := range events {
		switch ev.Outcome {
		case apply.Published, apply.Updated, apply.Replaced:
		default:
			continue
		}
		addr := ev.Address
		rec := after.State.Records[addr]
		if rec == nil {
			rec = &state.Record{Address: addr, Status: state.Published}
		}
		published = append(published, rec)
	}
	for _, addr := range after.State.Addresses() {
		if rec := after.State.Records[addr]; rec.Status == state.Unconfirmed {
			unconfirmed = append(unconfirmed, rec)
		}
	}
	return published, unconfirmed
}

// finish comments on the pull request, annotates the problems, then writes
// the step summary and the outputs, whatever happened before.
func (r *actionRun) finish(ctx context.Context) error {
	if r.rep.Mode == githubactions.ModePlan && r.ev.PullRequest != nil {
		r.comment(ctx)
	}
	r.step.Annotate(r.rep.Diagnostics, r.rep.Root)
	if _, err := githubactions.AppendSummary(r.rt.SummaryPath, r.rep.Markdown("", githubactions.SummaryLimit)); err != nil {
		return fmt.Errorf("step summary: %w", err)
	}
	hasChanges := r.rep.Plan != nil && r.rep.Plan.HasChanges()
	outs := []githubactions.Output{
		{Name: "has-changes", Value: strconv.FormatBool(hasChanges)},
		{Name: "plan-json", Value: r.planJSON},
		{Name: "published", Value: strconv.Itoa(r.published)},
		{Name: "unconfirmed", Value: strconv.Itoa(r.unconfirmed)},
	}
	if err := githubactions.WriteOutputs(r.rt.OutputPath, outs, nil); err != nil {
		return fmt.Errorf("step outputs: %w", err)
	}
	return nil
}

// comment writes the sticky comment, or says why the plan is only in the
// summary and the annotations.
func (r *actionRun) comment(ctx context.Context) {
	pr := r.ev.PullRequest
	fallback := func(why string) {
		msg := why + " The plan is in this job's summary, and the problems are annotated on the files."
		r.step.Notice("clairon: no pull request comment", msg)
		r.rep.Notes = append(r.rep.Notes, msg)
	}
	token := r.a.getenv("GITHUB_TOKEN")
	switch {
	// A fork's pull_request event gets a read-only token. Other events about
	// pull requests (pull_request_target) run with the base repository's
	// token, so they try, and fall back on a 403.
	case pr.FromFork() && r.ev.Name == "pull_request":
		from := pr.HeadRepo
		if from == "" {
			from = "a deleted fork"
		}
		fallback(fmt.Sprintf("This pull request comes from %s: GitHub gives its workflow a read-only token, so clairon cannot comment on it.", from))
		return
	case token == "":
		fallback("No token: pass github-token to the action (the default, github.token, works) to get the plan as a comment.")
		return
	}
	client, err := githubactions.NewClient(r.rt.APIURL, token, nil)
	if err != nil {
		fallback(err.Error())
		return
	}
	body := r.rep.Markdown(githubactions.Marker(r.rep.Root), githubactions.CommentLimit)
	c, err := client.UpsertComment(ctx, r.ev.Owner, r.ev.Repo, pr.Number, githubactions.Marker(r.rep.Root), body)
	switch {
	case githubactions.IsPermission(err):
		fallback(fmt.Sprintf("The token may not comment on this pull request (%v): give the job `permissions: pull-requests: write`.", err))
	case err != nil && c.ID == 0:
		r.step.Warning("clairon: pull request comment", err.Error())
		r.rep.Notes = append(r.rep.Notes, "The plan comment could not be written ("+err.Error()+"); the plan is in this summary.")
	default:
		if err != nil {
			r.step.Warning("clairon: pull request comment", err.Error())
		}
		fmt.Fprintf(r.out, "Plan comment %s: %s\n", c.Action, c.URL)
		r.rep.Notes = append(r.rep.Notes, fmt.Sprintf("The plan is also on the pull request: %s", c.URL))
	}
}
