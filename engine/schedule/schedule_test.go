package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/schedule"
	"github.com/clairon-dev/clairon/engine/schedule/scheduletest"
)

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// start is a Saturday noon, the day before clocks go back in Paris.
var start = time.Date(2026, 10, 24, 12, 0, 0, 0, paris)

// board is a fake content and state shared by several schedulers: times at
// which posts are due, each published once by whichever pass gets it first.
type board struct {
	mu        sync.Mutex
	due       []time.Time
	published map[time.Time]time.Time // due -> when published
	twice     int
	passes    []time.Time
	jobs      map[string]string
}

func newBoard(due ...time.Time) *board {
	return &board{due: due, published: map[time.Time]time.Time{}, jobs: map[string]string{}}
}

func (b *board) run(ctx context.Context, now time.Time) (schedule.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.passes = append(b.passes, now)
	res := schedule.Result{Location: paris, Jobs: b.jobs}
	for _, d := range b.due {
		if d.After(now) {
			if res.Next.IsZero() || d.Before(res.Next.At) {
				res.Next = schedule.Wake{At: d, What: "post " + d.UTC().Format("0102T1504")}
			}
			continue
		}
		if _, done := b.published[d]; done {
			continue
		}
		if schedule.Stopping(ctx) {
			continue
		}
		b.published[d] = now
		res.Published++
	}
	return res, nil
}

// serve starts a scheduler; stop requests a graceful stop and returns
// Serve's error.
func serve(t *testing.T, s *schedule.Scheduler) (stop func() error, interrupt func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	intr := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, intr) }()
	var once sync.Once
	t.Cleanup(func() {
		cancel()
		once.Do(func() { close(intr) })
		<-done
	})
	return func() error {
			cancel()
			select {
			case err := <-done:
				done <- err
				return err
			case <-time.After(10 * time.Second):
				t.Fatal("Serve did not return after a stop request")
				return nil
			}
		}, func() {
			once.Do(func() { close(intr) })
		}
}

// drive advances clk from timer to timer until it reaches until, each time
// after n schedulers are asleep.
func drive(t *testing.T, clk *scheduletest.Clock, n int, until time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for clk.Now().Before(until) {
		if err := clk.BlockUntil(ctx, n); err != nil {
			t.Fatalf("schedulers did not go back to sleep at %v: %v", clk.Now(), err)
		}
		next, _ := clk.Next()
		clk.AdvanceTo(minTime(next, until))
	}
	// Let the passes due at until run.
	if err := clk.BlockUntil(ctx, n); err != nil {
		t.Fatalf("schedulers did not go back to sleep at %v: %v", clk.Now(), err)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func TestWakesAtEachDueTimeToTheSecond(t *testing.T) {
	clk := scheduletest.NewClock(start)
	due := []time.Time{
		time.Date(2026, 10, 24, 18, 0, 7, 0, paris),
		time.Date(2026, 10, 25, 2, 30, 0, 0, paris).Add(-time.Hour), // 02:30 CEST
		time.Date(2026, 10, 25, 2, 30, 0, 0, paris),                 // 02:30 CET
		time.Date(2026, 10, 25, 9, 0, 0, 0, paris),
		time.Date(2026, 10, 25, 9, 0, 0, 0, paris), // two posts at once
		time.Date(2026, 10, 27, 23, 59, 59, 0, paris),
	}
	if due[1].Format("15:04 MST") != "02:30 CEST" || due[2].Format("15:04 MST") != "02:30 CET" {
		t.Fatalf("bad readings: %v %v", due[1], due[2])
	}
	b := newBoard(due...)
	var status bytes.Buffer
	s := &schedule.Scheduler{Clock: clk, Run: b.run, Status: &status}
	stop, _ := serve(t, s)
	drive(t, clk, 1, due[len(due)-1])
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	want := []time.Time{start}
	for _, d := range due {
		if !slices.ContainsFunc(want, d.Equal) {
			want = append(want, d)
		}
	}
	if !slices.EqualFunc(b.passes, want, time.Time.Equal) {
		t.Errorf("passes ran at\n%v\nwant\n%v", b.passes, want)
	}
	for _, d := range due {
		if at, ok := b.published[d]; !ok || !at.Equal(d) {
			t.Errorf("post due %v published at %v (%v)", d, at, ok)
		}
	}
	lines := strings.Split(strings.TrimSpace(status.String()), "\n")
	if len(lines) != len(want) {
		t.Errorf("%d status lines for %d passes:\n%s", len(lines), len(want), status.String())
	}
	if !strings.Contains(status.String(), "next wake-up Sun 25 Oct 02:30 CEST") || !strings.Contains(status.String(), "next wake-up Sun 25 Oct 02:30 CET") {
		t.Errorf("status lines do not tell the two readings apart:\n%s", status.String())
	}
	if !strings.Contains(lines[0], "next wake-up Sat 24 Oct 18:00:07 CEST") {
		t.Errorf("first line: %s", lines[0])
	}
}

func TestPollsForNewContentQuietly(t *testing.T) {
	clk := scheduletest.NewClock(start)
	b := newBoard(start.Add(90 * time.Second))
	var status bytes.Buffer
	s := &schedule.Scheduler{Clock: clk, Run: b.run, Poll: time.Minute, Status: &status}
	stop, _ := serve(t, s)
	drive(t, clk, 1, start.Add(5*time.Minute))
	// A post arrives with a new commit; the next poll sees it.
	b.mu.Lock()
	late := start.Add(7*time.Minute + 30*time.Second)
	b.due = append(b.due, late)
	b.mu.Unlock()
	drive(t, clk, 1, start.Add(10*time.Minute))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	// Polls are a minute after the last pass, not on a grid.
	var want []time.Time
	for _, s := range []int{0, 60, 90, 150, 210, 270, 330, 390, 450, 510, 570} {
		want = append(want, start.Add(time.Duration(s)*time.Second))
	}
	if !slices.EqualFunc(b.passes, want, time.Time.Equal) {
		t.Errorf("passes at\n%v\nwant\n%v", b.passes, want)
	}
	if !b.published[late].Equal(late) {
		t.Errorf("late post published at %v", b.published[late])
	}
	// Lines: the first pass, the publication at +90s, the pass that found
	// the new post, its publication. Polls that found nothing stay quiet.
	if n := strings.Count(status.String(), "\n"); n != 4 {
		t.Errorf("%d status lines, want 4:\n%s", n, status.String())
	}
}

func TestTwoSchedulersPublishEachPostOnce(t *testing.T) {
	clk := scheduletest.NewClock(start)
	var due []time.Time
	for h := range 7 * 24 / 5 {
		due = append(due, start.Add(time.Duration(h)*5*time.Hour+time.Duration(h)*time.Second))
	}
	b := newBoard(due...)
	a1 := &schedule.Scheduler{Clock: clk, Run: b.run, Poll: time.Hour}
	a2 := &schedule.Scheduler{Clock: clk, Run: b.run, Poll: 45 * time.Minute}
	stop1, _ := serve(t, a1)
	stop2, _ := serve(t, a2)
	drive(t, clk, 2, start.AddDate(0, 0, 7))
	if err := errors.Join(stop1(), stop2()); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range due {
		if !b.published[d].Equal(d) {
			t.Errorf("post due %v published at %v", d, b.published[d])
		}
	}
}

// jobLog records job occurrences, claimed by one scheduler at most.
type jobLog struct {
	mu      sync.Mutex
	claimed map[string]bool
	ran     []time.Time
}

func (j *jobLog) claim(ctx context.Context, name string, slot time.Time) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	k := name + slot.UTC().String()
	if j.claimed[k] {
		return false, nil
	}
	j.claimed[k] = true
	return true, nil
}

func (j *jobLog) run(ctx context.Context, slot time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ran = append(j.ran, slot)
	return nil
}

// settled reports whether every claimed occurrence has run: jobs run in
// their own goroutines, so the clock must not move past one still running
// (the scheduler would rightly skip the next occurrence of a job whose
// previous run has not finished).
func (j *jobLog) settled() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.ran) == len(j.claimed)
}

func TestJobsRunOnceAtTheirCronTimes(t *testing.T) {
	clk := scheduletest.NewClock(start)
	b := newBoard()
	b.jobs = map[string]string{"reports": "45 7 * * *", "coverage": "30 2 * * *"}
	jobs := &jobLog{claimed: map[string]bool{}}
	var log1 bytes.Buffer
	mk := func(w *bytes.Buffer) *schedule.Scheduler {
		s := &schedule.Scheduler{Clock: clk, Run: b.run, Claim: jobs.claim,
			Jobs: map[string]schedule.JobFunc{"reports": jobs.run, "coverage": jobs.run}}
		if w != nil {
			s.Log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}
		return s
	}
	stop1, _ := serve(t, mk(&log1))
	stop2, _ := serve(t, mk(nil))
	until := time.Date(2026, 10, 28, 0, 0, 0, 0, paris)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if err := clk.BlockUntil(ctx, 2); err != nil {
			t.Fatalf("schedulers did not go back to sleep at %v: %v", clk.Now(), err)
		}
		for !jobs.settled() {
			if ctx.Err() != nil {
				t.Fatal("a claimed job never ran")
			}
			time.Sleep(time.Millisecond)
		}
		if !clk.Now().Before(until) {
			break
		}
		next, _ := clk.Next()
		clk.AdvanceTo(minTime(next, until))
	}
	if err := errors.Join(stop1(), stop2()); err != nil {
		t.Fatal(err)
	}
	jobs.mu.Lock()
	defer jobs.mu.Unlock()
	slices.SortFunc(jobs.ran, time.Time.Compare)
	want := []time.Time{
		time.Date(2026, 10, 25, 2, 30, 0, 0, paris).Add(-time.Hour), // first reading only
		time.Date(2026, 10, 25, 7, 45, 0, 0, paris),
		time.Date(2026, 10, 26, 2, 30, 0, 0, paris),
		time.Date(2026, 10, 26, 7, 45, 0, 0, paris),
		time.Date(2026, 10, 27, 2, 30, 0, 0, paris),
		time.Date(2026, 10, 27, 7, 45, 0, 0, paris),
	}
	if !slices.EqualFunc(jobs.ran, want, time.Time.Equal) {
		t.Errorf("jobs ran at\n%v\nwant\n%v", jobs.ran, want)
	}
	if !strings.Contains(log1.String(), "job scheduled") {
		t.Errorf("no job log:\n%s", log1.String())
	}
}

func TestBadJobSpecIsLoggedAndSkipped(t *testing.T) {
	clk := scheduletest.NewClock(start)
	b := newBoard(start.Add(time.Hour))
	b.jobs = map[string]string{"reports": "every morning", "unknown": "0 8 * * *"}
	var logs bytes.Buffer
	s := &schedule.Scheduler{Clock: clk, Run: b.run, Jobs: map[string]schedule.JobFunc{"reports": func(context.Context, time.Time) error { return nil }},
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	stop, _ := serve(t, s)
	drive(t, clk, 1, start.Add(time.Hour))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if strings.Count(out, "bad cron spec") != 1 || strings.Count(out, "no handler") != 1 {
		t.Errorf("want one warning each:\n%s", out)
	}
}

// blocking is a pass that blocks until released or cancelled, like a
// publication waiting on a slow network.
type blocking struct {
	started  chan struct{}
	release  chan struct{}
	stopping bool
	ctxErr   error
}

func (p *blocking) run(ctx context.Context, now time.Time) (schedule.Result, error) {
	close(p.started)
	select {
	case <-p.release:
	case <-ctx.Done():
	}
	p.stopping, p.ctxErr = schedule.Stopping(ctx), ctx.Err()
	return schedule.Result{Run: "r1", Published: 1}, nil
}

func TestStopLetsThePassInFlightFinish(t *testing.T) {
	clk := scheduletest.NewClock(start)
	p := &blocking{started: make(chan struct{}), release: make(chan struct{})}
	s := &schedule.Scheduler{Clock: clk, Run: p.run, Grace: time.Minute}
	stop, _ := serve(t, s)
	<-p.started
	errc := make(chan error, 1)
	go func() { errc <- stop() }()
	// The grace timer is set: the pass is still running.
	if err := clk.BlockUntil(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		t.Fatalf("Serve returned before the pass finished: %v", err)
	default:
	}
	close(p.release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !p.stopping || p.ctxErr != nil {
		t.Errorf("pass saw stopping=%v ctx=%v; want stopping and a live context", p.stopping, p.ctxErr)
	}
}

func TestGracePeriodEndCancelsThePass(t *testing.T) {
	clk := scheduletest.NewClock(start)
	p := &blocking{started: make(chan struct{}), release: make(chan struct{})}
	s := &schedule.Scheduler{Clock: clk, Run: p.run, Grace: 30 * time.Second}
	stop, _ := serve(t, s)
	<-p.started
	errc := make(chan error, 1)
	go func() { errc <- stop() }()
	if err := clk.BlockUntil(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !errors.Is(p.ctxErr, context.Canceled) {
		t.Errorf("pass context: %v, want cancelled", p.ctxErr)
	}
}

func TestSecondSignalReturnsAtOnce(t *testing.T) {
	clk := scheduletest.NewClock(start)
	p := &blocking{started: make(chan struct{}), release: make(chan struct{})}
	s := &schedule.Scheduler{Clock: clk, Run: p.run}
	ctx, cancel := context.WithCancel(context.Background())
	intr := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, intr) }()
	<-p.started
	cancel()
	if err := clk.BlockUntil(context.Background(), 1); err != nil { // grace timer
		t.Fatal(err)
	}
	close(intr)
	if err := <-done; !errors.Is(err, schedule.ErrInterrupted) {
		t.Fatalf("Serve: %v, want ErrInterrupted", err)
	}
	close(p.release) // the abandoned pass ends on its own
}

func TestFailedPassesBackOff(t *testing.T) {
	clk := scheduletest.NewClock(start)
	var mu sync.Mutex
	var at []time.Time
	fail := func(ctx context.Context, now time.Time) (schedule.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		at = append(at, now)
		return schedule.Result{}, errors.New("read state: remote unreachable")
	}
	var status bytes.Buffer
	s := &schedule.Scheduler{Clock: clk, Run: fail, Status: &status}
	stop, _ := serve(t, s)
	drive(t, clk, 1, start.Add(time.Hour))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var want []time.Time
	for _, m := range []int{0, 1, 3, 7, 15, 30, 45, 60} {
		want = append(want, start.Add(time.Duration(m)*time.Minute))
	}
	if !slices.EqualFunc(at, want, time.Time.Equal) {
		t.Errorf("passes at\n%v\nwant\n%v", at, want)
	}
	if !strings.Contains(status.String(), "run: failed: read state: remote unreachable; nothing scheduled") {
		t.Errorf("status:\n%s", status.String())
	}
}

func TestRunOnce(t *testing.T) {
	clk := scheduletest.NewClock(start)
	b := newBoard(start, start.Add(time.Hour))
	var status bytes.Buffer
	s := &schedule.Scheduler{Clock: clk, Run: b.run, Status: &status}
	res, err := s.RunOnce(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Published != 1 || !res.Next.At.Equal(start.Add(time.Hour)) {
		t.Errorf("result %+v", res)
	}
	if got, want := status.String(), "run: 1 published, 0 failed; next wake-up Sat 24 Oct 13:00 CEST (post 1024T1100)\n"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	if clk.Pending() != 0 {
		t.Error("RunOnce left a timer")
	}
}

// BenchmarkWeek drives one scheduler through a week of 500 posts, a
// poll every 10 minutes and two daily jobs, on the manual clock: the
// scheduler's own cost, without the passes' work.
func BenchmarkWeek(b *testing.B) {
	for b.Loop() {
		clk := scheduletest.NewClock(start)
		var due []time.Time
		for i := range 500 {
			due = append(due, start.Add(time.Duration(i)*20*time.Minute+time.Duration(i%60)*time.Second))
		}
		board := newBoard(due...)
		board.jobs = map[string]string{"reports": "45 7 * * *", "coverage": "0 8 * * *"}
		nop := func(context.Context, time.Time) error { return nil }
		s := &schedule.Scheduler{Clock: clk, Run: board.run, Poll: 10 * time.Minute,
			Jobs: map[string]schedule.JobFunc{"reports": nop, "coverage": nop}}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx, nil) }()
		end := start.AddDate(0, 0, 7)
		for clk.Now().Before(end) {
			if err := clk.BlockUntil(context.Background(), 1); err != nil {
				b.Fatal(err)
			}
			next, _ := clk.Next()
			clk.AdvanceTo(next)
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if len(board.published) != 500 {
			b.Fatalf("%d published", len(board.published))
		}
	}
}
