// Package schedule is clairon's long-running scheduler. It wakes at the next
// due publication time, to the second, and at the cron times of periodic
// jobs; each wake-up runs one pass (fetch the content and the state, plan,
// apply what is due, push the results) and computes the next wake-up from
// the new plan. Several schedulers may share one state: the claim protocol
// keeps a single publisher per post, and job claims a single runner per job
// occurrence. A stop request takes no new work and gives the publication in
// flight a grace period to finish and be recorded; a second one returns at
// once.
package schedule

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// Result is what one pass did and what it is waiting for next.
type Result struct {
	// Run is the pass's run id, when it made one.
	Run string
	// Outcomes of the changes the pass applied.
	Published, Updated, Deleted, Moved, Failed, Unconfirmed, Skipped int
	// Next is the next thing due in the plan or the state.
	Next Wake
	// Location is the content's time zone: status lines show times in it
	// and job specs are read in it. Nil means UTC.
	Location *time.Location
	// Jobs are the periodic jobs the content asks for: name -> cron spec
	// (an empty spec turns the job off). Nil keeps the jobs of the previous
	// pass, for a pass that could not read the configuration.
	Jobs map[string]string
	// Note replaces the counts in the status line ("stopping: nothing new
	// claimed").
	Note string
}

// Changed reports whether the pass acted on something.
func (r Result) Changed() bool {
	return r.Published+r.Updated+r.Deleted+r.Moved+r.Failed+r.Unconfirmed+r.Skipped > 0
}

// RunFunc does one pass at now. It must not claim new work once
// Stopping(ctx) is true; ctx itself is cancelled only when the grace period
// after a stop request is over.
type RunFunc func(ctx context.Context, now time.Time) (Result, error)

// JobFunc runs one occurrence of a periodic job; slot is the time the
// occurrence was due.
type JobFunc func(ctx context.Context, slot time.Time) error

// ClaimFunc takes one occurrence of a job for this scheduler, so that of
// several schedulers sharing a state only one runs it. It returns false when
// another one already took it.
type ClaimFunc func(ctx context.Context, job string, slot time.Time) (bool, error)

// ErrInterrupted is returned when a second stop request ended the scheduler
// without waiting for the work in flight. Claims left behind are reconciled
// by the next pass of any scheduler once their lease expires.
var ErrInterrupted = errors.New("stopped at once by a second signal: the publication in flight, if any, is reconciled by the next run")

// Defaults.
const (
	DefaultGrace    = 20 * time.Second
	DefaultMaxSleep = 5 * time.Minute
)

// Scheduler runs passes at the right times. Set the fields, then call Serve
// (a daemon) or RunOnce (one pass, for cron jobs), once at a time.
type Scheduler struct {
	Clock Clock
	Run   RunFunc
	// Jobs are the handlers of the periodic jobs, by name; passes say which
	// jobs to run and when (Result.Jobs).
	Jobs map[string]JobFunc
	// Claim, when set, is asked before each job occurrence.
	Claim ClaimFunc
	// Poll is how often a pass runs to pick up new commits when nothing is
	// due sooner; 0 runs passes only at due times.
	Poll time.Duration
	// Grace is how long the pass in flight may go on after a stop request
	// before its context is cancelled (DefaultGrace when 0).
	Grace time.Duration
	// MaxSleep bounds one sleep, so that a clock that jumps (a machine
	// resumed from suspend) is noticed (DefaultMaxSleep when 0).
	MaxSleep time.Duration
	// Log receives structured logs; nil discards them.
	Log *slog.Logger
	// Status receives one line per pass that did or found something new.
	Status io.Writer

	mu       sync.Mutex
	jobs     map[string]*job
	running  map[string]bool
	wg       sync.WaitGroup
	last     Wake
	reported bool
	failures int
}

type job struct {
	cron *Cron
	next time.Time
	bad  string // a spec that does not parse, warned about once
}

type stopKey struct{}

// Stopping reports whether a stop was requested: a pass must not claim new
// work once it is true.
func Stopping(ctx context.Context) bool {
	ch, _ := ctx.Value(stopKey{}).(<-chan struct{})
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (s *Scheduler) init() {
	if s.Grace <= 0 {
		s.Grace = DefaultGrace
	}
	if s.MaxSleep <= 0 {
		s.MaxSleep = DefaultMaxSleep
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Status == nil {
		s.Status = io.Discard
	}
	s.jobs = map[string]*job{}
	s.running = map[string]bool{}
}

// workContext returns the context passes and jobs run in: not cancelled by
// a stop request (ctx), only by cancel, and telling Stopping about ctx.
func workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(context.WithValue(context.WithoutCancel(ctx), stopKey{}, ctx.Done()))
}

// Serve runs passes until ctx is cancelled (a stop request: no new work,
// the pass in flight and running jobs get the grace period, then Serve
// returns nil) or interrupt is closed (Serve returns ErrInterrupted at once).
// The first pass runs at once.
func (s *Scheduler) Serve(ctx context.Context, interrupt <-chan struct{}) error {
	s.init()
	work, cancel := workContext(ctx)
	defer cancel()
	sp := &stopper{s: s, stop: ctx.Done(), interrupt: interrupt, cancel: cancel}
	defer sp.close()
	for ctx.Err() == nil {
		now := s.Clock.Now()
		res, err, ok := s.pass(work, sp, now)
		if !ok {
			return ErrInterrupted
		}
		s.updateJobs(res, now)
		if ctx.Err() == nil {
			s.startJobs(work, now)
		}
		target := s.target(res)
		s.report(res, err, target, now, false)
		if ctx.Err() != nil {
			break
		}
		switch s.sleep(ctx, interrupt, s.wakeAt(target, err, now)) {
		case sleepInterrupted:
			return ErrInterrupted
		case sleepStopped:
			continue
		}
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	if !sp.wait(done) {
		return ErrInterrupted
	}
	s.Log.Info("stopped cleanly")
	return nil
}

// RunOnce runs one pass and prints its status line, with the same stop
// handling as Serve. Jobs are not run.
func (s *Scheduler) RunOnce(ctx context.Context, interrupt <-chan struct{}) (Result, error) {
	s.init()
	work, cancel := workContext(ctx)
	defer cancel()
	sp := &stopper{s: s, stop: ctx.Done(), interrupt: interrupt, cancel: cancel}
	defer sp.close()
	now := s.Clock.Now()
	res, err, ok := s.pass(work, sp, now)
	if !ok {
		return res, ErrInterrupted
	}
	s.report(res, err, res.Next, now, true)
	return res, err
}

// pass runs one pass; ok is false when interrupted.
func (s *Scheduler) pass(work context.Context, sp *stopper, now time.Time) (res Result, err error, ok bool) {
	done := make(chan struct{})
	var r Result
	var e error
	go func() {
		defer close(done)
		r, e = s.Run(work, now)
	}()
	if !sp.wait(done) {
		return Result{}, nil, false
	}
	res, err = r, e
	if err != nil {
		s.failures++
	} else {
		s.failures = 0
	}
	return res, err, true
}

// target is the next wake-up worth telling people about: the plan's next
// due time or the next job, whichever comes first.
func (s *Scheduler) target(res Result) Wake {
	w := res.Next
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(s.jobs)) {
		if j := s.jobs[name]; j.cron != nil && !j.next.IsZero() {
			w = w.Earlier(Wake{At: j.next, What: "job " + name})
		}
	}
	return w
}

// wakeAt is when to run the next pass: the target, or sooner to poll for
// new commits or to retry after a failed pass.
func (s *Scheduler) wakeAt(target Wake, err error, now time.Time) time.Time {
	at := target.At
	soonest := func(t time.Time) {
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	if s.Poll > 0 {
		soonest(now.Add(s.Poll))
	}
	if err != nil {
		d := time.Minute << min(s.failures-1, 4)
		soonest(now.Add(min(d, 15*time.Minute)))
	}
	return at
}

// report writes the status line of a pass that did or found something new
// (every pass when always), and logs the pass.
func (s *Scheduler) report(res Result, err error, target Wake, now time.Time, always bool) {
	fresh := always || !s.reported || err != nil || res.Changed() || res.Note != "" ||
		!target.At.Equal(s.last.At) || target.What != s.last.What
	s.reported, s.last = true, target
	attrs := []any{"run", res.Run, "published", res.Published, "failed", res.Failed}
	if !target.IsZero() {
		attrs = append(attrs, "next", target.At.UTC().Format(time.RFC3339), "next_what", target.What)
	}
	switch {
	case err != nil:
		s.Log.Error("pass failed", append(attrs, "err", err.Error())...)
	case fresh:
		s.Log.Info("pass", attrs...)
	default:
		s.Log.Debug("pass: nothing new", attrs...)
	}
	if fresh {
		io.WriteString(s.Status, StatusLine(res, err, target, now)+"\n")
	}
}

type sleepOutcome int

const (
	sleepWoke sleepOutcome = iota
	sleepStopped
	sleepInterrupted
)

// sleep waits until the clock reads at (forever when at is zero), a stop
// request or an interrupt. It sleeps at most MaxSleep at a time and checks
// the clock again, so an early or late timer never shifts a publication.
func (s *Scheduler) sleep(ctx context.Context, interrupt <-chan struct{}, at time.Time) sleepOutcome {
	for {
		d := s.MaxSleep
		if !at.IsZero() {
			left := at.Sub(s.Clock.Now())
			if left <= 0 {
				return sleepWoke
			}
			d = min(left, d)
		}
		c, stop := s.Clock.Timer(d)
		select {
		case <-c:
		case <-ctx.Done():
			stop()
			return sleepStopped
		case <-interrupt:
			stop()
			return sleepInterrupted
		}
	}
}

// updateJobs takes the job specs of a pass.
func (s *Scheduler) updateJobs(res Result, now time.Time) {
	if res.Jobs == nil {
		return
	}
	loc := res.Location
	if loc == nil {
		loc = time.UTC
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.jobs {
		if res.Jobs[name] == "" {
			delete(s.jobs, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(res.Jobs)) {
		spec := res.Jobs[name]
		if spec == "" {
			continue
		}
		j := s.jobs[name]
		if j != nil && (j.bad == spec || j.cron != nil && j.cron.Spec == spec && j.cron.Location().String() == loc.String()) {
			continue
		}
		c, err := ParseCron(spec, loc)
		if err != nil {
			s.Log.Warn("job not scheduled: bad cron spec", "job", name, "err", err.Error())
			s.jobs[name] = &job{bad: spec}
			continue
		}
		if s.Jobs[name] == nil {
			s.Log.Warn("job not scheduled: no handler", "job", name)
			s.jobs[name] = &job{bad: spec}
			continue
		}
		j = &job{cron: c, next: c.Next(now)}
		s.jobs[name] = j
		s.Log.Info("job scheduled", "job", name, "cron", spec, "zone", loc.String(), "next", j.next.Format(time.RFC3339))
	}
}

// startJobs starts the occurrences due at now, each in its own goroutine.
// An occurrence due while the previous one still runs is skipped.
func (s *Scheduler) startJobs(work context.Context, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(s.jobs)) {
		j := s.jobs[name]
		if j.cron == nil || j.next.IsZero() || j.next.After(now) {
			continue
		}
		slot := j.next
		j.next = j.cron.Next(now)
		log := s.Log.With("job", name, "slot", slot.Format(time.RFC3339))
		if s.running[name] {
			log.Warn("job skipped: its previous run has not finished")
			continue
		}
		s.running[name] = true
		s.wg.Add(1)
		go func() {
			defer func() {
				s.mu.Lock()
				s.running[name] = false
				s.mu.Unlock()
				s.wg.Done()
			}()
			s.runJob(work, log, name, slot)
		}()
	}
}

func (s *Scheduler) runJob(ctx context.Context, log *slog.Logger, name string, slot time.Time) {
	if s.Claim != nil {
		ok, err := s.Claim(ctx, name, slot)
		if err != nil {
			log.Warn("job skipped: could not claim it", "err", err.Error())
			return
		}
		if !ok {
			log.Info("job done by another scheduler")
			return
		}
	}
	if err := s.Jobs[name](ctx, slot); err != nil {
		log.Error("job failed", "err", err.Error())
		return
	}
	log.Info("job done")
}

// stopper waits for work while watching for a stop request (which starts
// the grace period), the end of the grace period (which cancels the work)
// and an interrupt.
type stopper struct {
	s         *Scheduler
	stop      <-chan struct{}
	interrupt <-chan struct{}
	cancel    context.CancelFunc
	grace     <-chan time.Time
	endGrace  func()
}

// wait returns true when done is closed, false when interrupted.
func (sp *stopper) wait(done <-chan struct{}) bool {
	for {
		select {
		case <-done:
			return true
		case <-sp.stop:
			sp.stop = nil
			sp.s.Log.Info("stop requested: taking no new work; the work in flight has the grace period to finish", "grace", sp.s.Grace.String())
			sp.grace, sp.endGrace = sp.s.Clock.Timer(sp.s.Grace)
		case <-sp.grace:
			sp.grace = nil
			sp.s.Log.Warn("grace period over: abandoning the work in flight; what was published is recorded, and claims left behind are reconciled by the next run")
			sp.cancel()
		case <-sp.interrupt:
			return false
		}
	}
}

func (sp *stopper) close() {
	if sp.endGrace != nil {
		sp.endGrace()
	}
}
