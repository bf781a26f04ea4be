package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/schedule"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// exitInterrupted is the exit code after a second signal: 128 + SIGINT, as
// shells report a process stopped by Ctrl-C.
const exitInterrupted = 130

// Job names, as they appear in logs and in the state branch's job claims.
const (
	jobReports  = "reports"
	jobCoverage = "coverage"
)

type scheduleFlags struct {
	once     bool
	poll     time.Duration
	grace    time.Duration
	remote   string
	branch   string
	pull     bool
	noPull   bool
	accounts string
	sandbox  bool
	outbox   string
	coverage string
	lease    time.Duration
}

func (a *app) scheduleCommand() *cobra.Command {
	var f scheduleFlags
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Run the scheduler: publish each post at its time, until stopped",
		Long: `schedule is the long-running scheduler for a machine of your own (a VM, a
container, a Kubernetes Deployment). It wakes at the next publication time,
to the second, and at the cron times of the periodic jobs; each time it
fetches the content branch and the state branch, plans, publishes what is
due, pushes the results, and works out the next wake-up from the new plan.
Between due times it polls for new commits (--poll).

Several schedulers may run at once on the same state, for high availability:
each post is claimed by one of them before it is published, so none is
published twice.

SIGTERM or SIGINT stops it cleanly: no new work is taken, the publication in
flight has --grace to finish, what was published is recorded and pushed, and
it exits 0. A second signal exits at once with status 130; a publication cut
short is reconciled by the next run once its claim expires.

Periodic jobs: reports (clairon.yaml's reports.cron) and a daily calendar
check (--coverage-cron), both in the configured time zone. With --once it
runs a single pass and exits, for cron jobs: 0 when all went well, 1 when
something failed or the content has errors.

Each pass that did or found something prints one status line on standard
output. Logs go to standard error, as text or JSON (--log-format), at level
info unless --log-level says otherwise. See docs/scheduler.md.`,
		Example: `  clairon schedule --dir /srv/contenus
  clairon schedule --once --log-format json
  clairon schedule --sandbox --dir content`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("log-level") {
				a.logLevel = "info"
			}
			return a.runSchedule(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.once, "once", false, "run one pass and exit (for cron jobs)")
	fl.DurationVar(&f.poll, "poll", time.Minute, "how often to fetch new commits between due times (0: only at due times)")
	fl.DurationVar(&f.grace, "grace", schedule.DefaultGrace, "after SIGTERM, how long the publication in flight may take to finish")
	fl.StringVar(&f.remote, "remote", "origin", "remote of the content's git repository to pull from")
	fl.StringVar(&f.branch, "branch", "", "remote branch to follow (default: the checked-out branch)")
	fl.BoolVar(&f.pull, "pull", true, "fast-forward the content's work tree from the remote before each pass")
	fl.BoolVar(&f.noPull, "no-pull", false, "never pull: plan the content as it is on disk")
	fl.StringVar(&f.accounts, "accounts", "", "publish only for these accounts (comma-separated)")
	fl.BoolVar(&f.sandbox, "sandbox", false, "publish to a local outbox instead of the networks (state on branch clairon/sandbox)")
	fl.StringVar(&f.outbox, "outbox", "", "outbox folder for --sandbox (default <dir>/.clairon/outbox)")
	fl.StringVar(&f.coverage, "coverage-cron", "0 8 * * *", `when to check the editorial calendars, in the configured time zone ("" or "off" to turn it off)`)
	fl.DurationVar(&f.lease, "lease", 0, "how long claims last (default: policy.lease, or 15m)")
	fl.MarkHidden("lease")
	return cmd
}

// scheduleHooks lets tests drive the command with a manual clock and send it
// signals without sending them to the test process.
type scheduleHooks struct {
	clock   schedule.Clock
	signals <-chan os.Signal
}

type scheduleHooksKey struct{}

func withScheduleHooks(ctx context.Context, h scheduleHooks) context.Context {
	return context.WithValue(ctx, scheduleHooksKey{}, h)
}

// systemClock is the machine's clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

func (a *app) runSchedule(ctx context.Context, f scheduleFlags) error {
	if f.poll < 0 || f.grace < 0 {
		return errors.New("--poll and --grace cannot be negative")
	}
	if strings.EqualFold(strings.TrimSpace(f.coverage), "off") {
		f.coverage = ""
	}
	hooks, _ := ctx.Value(scheduleHooksKey{}).(scheduleHooks)
	var clock schedule.Clock = systemClock{}
	if hooks.clock != nil {
		clock, a.now = hooks.clock, hooks.clock.Now
	}
	log := a.logger()

	// The first signal asks for a clean stop (main's context is cancelled by
	// it too); the second one ends the command at once.
	sigs := hooks.signals
	if sigs == nil {
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(ch)
		sigs = ch
	}
	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	interrupt := make(chan struct{})
	watching := make(chan struct{})
	defer close(watching)
	go func() {
		for n := 1; ; n++ {
			select {
			case sig := <-sigs:
				if n == 1 {
					log.Info("signal received: stopping after the work in flight; send it again to exit at once", "signal", sig.String())
					stop()
					continue
				}
				log.Warn("second signal: exiting at once", "signal", sig.String())
				close(interrupt)
				return
			case <-watching:
				return
			}
		}
	}()

	d := &daemon{a: a, f: f, log: log, jobApp: *a}
	if f.pull && !f.noPull {
		d.puller = &schedule.Puller{Dir: a.dir, Remote: f.remote, Branch: f.branch, Auth: gitCredentials(a.getenv), Log: log}
	}
	s := &schedule.Scheduler{
		Clock: clock, Run: d.pass, Claim: d.claimJob, Poll: f.poll, Grace: f.grace, Log: log, Status: a.stdout,
		Jobs: map[string]schedule.JobFunc{jobReports: d.reports, jobCoverage: d.coverage},
	}
	if f.once {
		res, err := s.RunOnce(stopCtx, interrupt)
		switch {
		case errors.Is(err, schedule.ErrInterrupted):
			return &exitCode{code: exitInterrupted, err: err}
		case err != nil:
			return &exitCode{code: exitError, err: err}
		case res.Failed+res.Unconfirmed > 0:
			return &exitCode{code: exitError, err: errors.New("some changes failed or are unconfirmed; see above")}
		}
		return nil
	}
	log.Info("scheduler started", "dir", a.dir, "poll", f.poll.String(), "grace", f.grace.String(), "pull", d.puller != nil, "sandbox", f.sandbox)
	if err := s.Serve(stopCtx, interrupt); err != nil {
		if errors.Is(err, schedule.ErrInterrupted) {
			return &exitCode{code: exitInterrupted, err: err}
		}
		return err
	}
	return nil
}

// gitCredentials is the token for HTTPS remotes, from CLAIRON_GIT_TOKEN or
// GITHUB_TOKEN, as for the state branch.
func gitCredentials(getenv func(string) string) *schedule.Credentials {
	for _, name := range []string{"CLAIRON_GIT_TOKEN", "GITHUB_TOKEN"} {
		if tok := getenv(name); tok != "" {
			return &schedule.Credentials{Username: "x-access-token", Password: tok}
		}
	}
	return nil
}

// daemon does the scheduler's passes and jobs for the command.
type daemon struct {
	a      *app
	f      scheduleFlags
	log    *slog.Logger
	puller *schedule.Puller

	// jobApp is the command's app as it was at the start, copied for each
	// reports job so that the job's stores and cache are its own.
	jobApp app
	// repoMu keeps the pull apart from everything else that uses the
	// repository: state operations and the reports job hold it shared, the
	// pull exclusively (go-git writes references in place, and a reader in
	// between would see an empty one; the reports job reads the work tree).
	repoMu sync.RWMutex
	// opening serialises the command's openStore, which keeps a list.
	opening sync.Mutex

	mu       sync.Mutex
	repo     *content.Repo // content of the last pass, for the jobs
	set      *adapterSet   // kept while the accounts do not change, with their rate-limit pace
	accounts map[string]*content.Account
	warned   string // the plan warnings last logged
	local    bool   // the notice about a state without a remote was given
}

// stateStore returns the state store for cfg.
func (d *daemon) stateStore(cfg *content.Config) (state.Store, error) {
	f := freshStore{mu: &d.repoMu, open: func() (*gitstore.Store, func(), error) { return d.openState(cfg) }}
	d.repoMu.RLock()
	defer d.repoMu.RUnlock()
	_, done, err := f.open()
	if err != nil {
		return nil, err
	}
	done()
	return f, nil
}

// openState opens the state store through the command's openStore (options,
// credentials, hints) for one operation, and takes it off the stores the
// command closes when it ends: a daemon opens one per operation, and one in
// flight when a second signal ends the command must not hold the exit up.
// done closes it.
func (d *daemon) openState(cfg *content.Config) (*gitstore.Store, func(), error) {
	d.opening.Lock()
	defer d.opening.Unlock()
	s, err := d.a.openStore(cfg, d.f.sandbox)
	if err != nil {
		return nil, nil, err
	}
	d.a.stores = slices.DeleteFunc(d.a.stores, func(x *gitstore.Store) bool { return x == s })
	return s, func() { s.Close() }, nil
}

// freshStore opens the state's repository afresh for each read and write.
// A gitstore.Store kept open reads records through storages whose pack
// indexes are loaded once, so it does not see the packs a later fetch
// brings; a store per operation always reads what was just fetched.
type freshStore struct {
	open func() (*gitstore.Store, func(), error)
	mu   *sync.RWMutex
}

func (f freshStore) Read(ctx context.Context) (*state.Snapshot, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, done, err := f.open()
	if err != nil {
		return nil, err
	}
	defer done()
	return s.Read(ctx)
}

func (f freshStore) Write(ctx context.Context, base state.Version, cs *state.Changeset) (state.Head, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, done, err := f.open()
	if err != nil {
		return state.Head{}, err
	}
	defer done()
	return s.Write(ctx, base, cs)
}

// pass is one wake-up: pull the content, load and check it, read the state
// (fetched from the remote), plan, apply what is due (claims and results are
// pushed as they are written), and find the next wake-up in the new plan.
func (d *daemon) pass(ctx context.Context, now time.Time) (schedule.Result, error) {
	var res schedule.Result
	if d.puller != nil {
		// A failed fetch is logged; the pass goes on with the content on
		// disk, as it does while a job uses the repository. An update that
		// a killed daemon left half done, and that cannot be finished,
		// stops the pass: its files may be half-written.
		if d.repoMu.TryLock() {
			_, err := d.puller.Pull(ctx)
			d.repoMu.Unlock()
			if errors.Is(err, schedule.ErrUpdateInterrupted) {
				return res, err
			}
		} else {
			d.log.Debug("content not pulled: a job is using the repository; next pass")
		}
	}
	repo, ds, err := d.a.load(ctx)
	if err != nil {
		return res, err
	}
	cfg := repo.Config
	if cfg == nil {
		d.logDiagnostics(ds, diag.Error)
		return res, fmt.Errorf("no configuration in %s: run clairon init", d.a.dir)
	}
	res.Location = rules.Location(repo)
	res.Jobs = map[string]string{jobReports: cfg.Reports.Cron, jobCoverage: d.f.coverage}
	d.mu.Lock()
	d.repo = repo
	d.mu.Unlock()
	if ds.HasErrors() {
		d.logDiagnostics(ds, diag.Error)
		return res, fmt.Errorf("the content has errors (%s): nothing is published until they are fixed", diag.Summary(ds))
	}
	accounts := splitAccounts(d.f.accounts)
	for _, acc := range accounts {
		if cfg.Accounts[acc] == nil {
			return res, fmt.Errorf("--accounts: unknown account %q", acc)
		}
	}

	if cfg.State.Remote == "" && !d.f.sandbox && !d.local {
		d.local = true
		d.log.Info("the state branch is kept in this repository only (state.remote is not set): run one scheduler, or set state.remote for several")
	}
	store, err := d.stateStore(cfg)
	if err != nil {
		return res, err
	}
	snap, err := store.Read(ctx)
	if err != nil {
		return res, fmt.Errorf("read state: %w", err)
	}
	caps := capabilities(cfg)
	r := render.New(repo, caps)
	commit := d.a.sourceCommit()
	makePlan := func(snap *state.Snapshot, now time.Time) (*plan.Plan, diag.List) {
		p, pds := plan.Make(plan.Input{Repo: repo, Caps: caps, Snapshot: snap, Now: now, Accounts: accounts, SourceCommit: commit, Renderer: r})
		schedule.HoldRetries(p, snap.State, now, schedule.RetryDelay)
		return p, pds
	}
	p, pds := makePlan(snap, now)
	if pds.HasErrors() {
		d.logDiagnostics(pds, diag.Error)
		return res, fmt.Errorf("the plan has errors (%s): nothing is published until they are fixed", diag.Summary(pds))
	}
	d.logWarnings(append(ds, pds...))
	res.Next = schedule.NextWake(p, snap.State, now)
	due := len(p.Due())
	if due == 0 {
		return res, nil
	}
	if schedule.Stopping(ctx) {
		res.Note = fmt.Sprintf("stopping: %d due changes left for the next run", due)
		if due == 1 {
			res.Note = "stopping: 1 due change left for the next run"
		}
		return res, nil
	}

	set := d.adapterSet(cfg)
	res.Run = runID(now)
	eng := &apply.Engine{
		Store: store, Adapter: set.get, Repo: repo, Run: res.Run, Lease: claimLease(cfg, d.f.lease), Now: d.a.now,
		Redact: set.redact, Events: d.event,
	}
	d.log.Info("applying", "run", res.Run, "due", due)
	rep, err := eng.Apply(ctx, apply.Input{Plan: p, Replan: func(ctx context.Context, snap *state.Snapshot) (*plan.Plan, error) {
		np, _ := makePlan(snap, d.a.now())
		if schedule.Stopping(ctx) {
			// Another run wrote first and a stop came meanwhile: claim
			// nothing new.
			np.Changes = slices.DeleteFunc(np.Changes, func(ch *plan.Change) bool { return ch.Due() || ch.MovedFrom != nil })
		}
		return np, nil
	}})
	if rep != nil {
		res.Published = rep.Count(apply.Published) + rep.Count(apply.Replaced)
		res.Updated, res.Deleted, res.Moved = rep.Count(apply.Updated), rep.Count(apply.Deleted), rep.Count(apply.Moved)
		res.Failed, res.Unconfirmed, res.Skipped = rep.Count(apply.Failed), rep.Count(apply.Unconfirmed), rep.Count(apply.Skipped)
	}
	if err != nil {
		return res, err
	}
	// The next wake-up, from the state as this pass left it (another
	// scheduler may hold claims whose expiry matters).
	if ctx.Err() == nil {
		if after, err := store.Read(ctx); err == nil {
			t := d.a.now()
			np, _ := makePlan(after, t)
			res.Next = schedule.NextWake(np, after.State, t)
			// What is still due was given back untried (an account that
			// could not be reached, a missing secret): try again shortly.
			if left := np.Due(); len(left) > 0 {
				what := "retry of " + left[0].Address.String()
				if len(left) > 1 {
					what += fmt.Sprintf(" and %d more", len(left)-1)
				}
				res.Next = res.Next.Earlier(schedule.Wake{At: t.Add(schedule.RetryDelay(1)), What: what})
			}
		}
	}
	return res, nil
}

// adapterSet returns the accounts' adapters, built again only when the
// accounts changed, so rate-limit pacing carries over from pass to pass.
func (d *daemon) adapterSet(cfg *content.Config) *adapterSet {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.set == nil || !reflect.DeepEqual(d.accounts, cfg.Accounts) {
		outbox := d.f.outbox
		if outbox == "" {
			outbox = filepath.Join(d.a.dir, ".clairon", "outbox")
		}
		d.set, d.accounts = d.a.adapters(cfg, d.f.sandbox, false, outbox), cfg.Accounts
	}
	return d.set
}

// event logs one change's result.
func (d *daemon) event(ev apply.Event) {
	attrs := []any{"address", ev.Address.String(), "network", ev.Network, "action", string(ev.Action)}
	if ev.URL != "" {
		attrs = append(attrs, "url", ev.URL)
	}
	switch ev.Outcome {
	case apply.Failed, apply.Unconfirmed:
		d.log.Warn(string(ev.Outcome), append(attrs, "err", ev.Err)...)
	default:
		d.log.Info(string(ev.Outcome), attrs...)
	}
}

// logDiagnostics logs the diagnostics of a severity, one record each.
func (d *daemon) logDiagnostics(ds diag.List, sev diag.Severity) {
	for _, x := range ds {
		if x.Severity != sev {
			continue
		}
		attrs := []any{"pos", x.Pos.String(), "code", x.Code}
		if x.Hint != "" {
			attrs = append(attrs, "hint", x.Hint)
		}
		if sev == diag.Error {
			d.log.Error(x.Message, attrs...)
		} else {
			d.log.Warn(x.Message, attrs...)
		}
	}
}

// logWarnings logs the content's warnings when they differ from the last
// pass's, so a daemon polling every minute does not repeat them.
func (d *daemon) logWarnings(ds diag.List) {
	var key strings.Builder
	for _, x := range ds {
		if x.Severity == diag.Warning {
			key.WriteString(x.String() + "\n")
		}
	}
	d.mu.Lock()
	same := key.String() == d.warned
	d.warned = key.String()
	d.mu.Unlock()
	if !same {
		d.logDiagnostics(ds, diag.Warning)
	}
}

// lastRepo returns the content read by the last pass.
func (d *daemon) lastRepo() *content.Repo {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.repo
}

// claimJob takes a job's occurrence on the state branch, so that of several
// schedulers sharing the state one runs it.
func (d *daemon) claimJob(ctx context.Context, name string, slot time.Time) (bool, error) {
	repo := d.lastRepo()
	if repo == nil || repo.Config == nil {
		return false, errors.New("no configuration read yet")
	}
	store, err := d.stateStore(repo.Config)
	if err != nil {
		return false, err
	}
	return schedule.ClaimJob(ctx, store, name, runID(d.a.now()), slot, d.a.now())
}

// reports is the metrics and reports job (reports.cron): it collects the
// metric snapshots that are due and writes the current reports to the state
// branch, as `clairon report collect` and `clairon report` do. It runs on a
// copy of the command's app, with its own state stores, closed at the end.
func (d *daemon) reports(ctx context.Context, slot time.Time) error {
	d.repoMu.RLock()
	defer d.repoMu.RUnlock()
	ra := d.jobApp
	defer func() {
		for _, s := range ra.stores {
			s.Close()
		}
	}()
	return ra.collectAndReport(ctx, d.f.sandbox)
}

// coverageDays is how far ahead the calendar check looks.
const coverageDays = 7

// coverage is the daily calendar check: over the coming week, it warns about
// calendar slots no post fills and about posts that break a calendar's
// policy (gaps, posts per day, quiet hours, blackouts), and logs where each
// `at: next-slot` post goes and which ones no slot is left for.
func (d *daemon) coverage(ctx context.Context, slot time.Time) error {
	repo := d.lastRepo()
	if repo == nil || repo.Config == nil {
		return errors.New("no content read yet")
	}
	if len(repo.Calendars()) == 0 {
		d.log.Info("calendar check: no calendar in the repository")
		return nil
	}
	store, err := d.stateStore(repo.Config)
	if err != nil {
		return err
	}
	snap, err := store.Read(ctx)
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	now := d.a.now()
	caps := capabilities(repo.Config)
	p, ds := plan.Make(plan.Input{Repo: repo, Caps: caps, Snapshot: snap, Now: now, Accounts: splitAccounts(d.f.accounts), Renderer: render.New(repo, caps)})
	cals, items, conflicts := calendarItems(repo, p, snap.State)
	to := now.AddDate(0, 0, coverageDays)
	empty := 0
	for _, c := range cals {
		for _, s := range c.Coverage(items, now, to) {
			if len(s.Missing) == 0 {
				continue
			}
			empty++
			d.log.Warn("calendar check: slot without a post", "calendar", c.ID, "at", s.At.In(c.Loc).Format("Mon 2 Jan 15:04 MST"),
				"theme", s.Theme, "accounts", strings.Join(s.Missing, ", "))
		}
	}
	broken := 0
	for _, cf := range conflicts {
		if cf.At.Before(now) || !cf.At.Before(to) {
			continue
		}
		broken++
		d.log.Warn("calendar check: "+cf.Message, "kind", cf.Kind, "account", cf.Account)
	}
	assigned, missing := 0, 0
	for _, ch := range p.Changes {
		if ch.Slot != "" && ch.Action.Writes() {
			assigned++
			d.log.Info("calendar check: next-slot post", "address", ch.Address.String(), "slot", ch.Slot)
		}
	}
	for _, x := range ds {
		if x.Code == "next-slot" {
			missing++
			d.log.Warn("calendar check: "+x.Message, "pos", x.Pos.String(), "hint", x.Hint)
		}
	}
	d.log.Info("calendar check done", "calendars", len(cals), "days", coverageDays, "empty_slots", empty,
		"conflicts", broken, "next_slot_posts", assigned, "without_slot", missing)
	return nil
}
