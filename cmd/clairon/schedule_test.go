package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/gittest"

	"golang.org/x/tools/txtar"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
	"github.com/clairon-dev/clairon/engine/schedule/scheduletest"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

var schedParis = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// schedGit runs git (see gittest.Run) and returns its output trimmed.
func schedGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return strings.TrimSpace(gittest.Run(t, dir, args...))
}

// schedWrite writes the files of a txtar archive under dir, with each
// {{KEY}} replaced.
func schedWrite(t *testing.T, dir string, files []txtar.File, vars map[string]string) {
	t.Helper()
	for _, f := range files {
		text := string(f.Data)
		for k, v := range vars {
			text = strings.ReplaceAll(text, "{{"+k+"}}", v)
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// schedRemote makes a bare remote and an author's clone holding the
// scenario's files, committed and pushed.
func schedRemote(t *testing.T, scenario string, vars map[string]string) (remote, author string) {
	t.Helper()
	ar, err := txtar.ParseFile(scenario)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	schedGit(t, root, "init", "-q", "--bare", "-b", "main", "remote.git")
	schedGit(t, root, "clone", "-q", "remote.git", "author")
	remote, author = filepath.Join(root, "remote.git"), filepath.Join(root, "author")
	schedWrite(t, author, ar.Files, vars)
	schedGit(t, author, "add", ".")
	schedGit(t, author, "commit", "-qm", "contenus de la semaine")
	schedGit(t, author, "push", "-q", "origin", "main")
	return remote, author
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// schedInstance is `clairon schedule` running in-process.
type schedInstance struct {
	out, err syncBuffer
	sigs     chan os.Signal
	cancel   context.CancelFunc
	code     chan int
}

func startSchedule(t *testing.T, clk *scheduletest.Clock, env map[string]string, args ...string) *schedInstance {
	t.Helper()
	in := &schedInstance{sigs: make(chan os.Signal, 2), code: make(chan int, 1)}
	ctx, cancel := context.WithCancel(withScheduleHooks(context.Background(), scheduleHooks{clock: clk, signals: in.sigs}))
	in.cancel = cancel
	getenv := func(k string) string { return env[k] }
	go func() {
		in.code <- runWith(ctx, args, strings.NewReader(""), &in.out, &in.err, getenv, clk.Now)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case c := <-in.code:
			in.code <- c
		case <-time.After(20 * time.Second):
			t.Errorf("clairon schedule did not stop")
		}
	})
	return in
}

// wait returns the exit code.
func (in *schedInstance) wait(t *testing.T) int {
	t.Helper()
	select {
	case c := <-in.code:
		in.code <- c
		return c
	case <-time.After(20 * time.Second):
		t.Fatalf("clairon schedule did not exit\nstdout:\n%s\nstderr:\n%s", in.out.String(), in.err.String())
		return -1
	}
}

// schedDrive advances the clocks from timer to timer until until, each time
// once n schedulers are asleep, keeping the fake network's clock in step.
func schedDrive(t *testing.T, clk *scheduletest.Clock, net *networktest.Clock, n int, until time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Second)
	defer cancel()
	step := func(to time.Time) {
		if d := to.Sub(clk.Now()); d > 0 {
			net.Advance(d)
		}
		clk.AdvanceTo(to)
	}
	for clk.Now().Before(until) {
		if err := clk.BlockUntil(ctx, n); err != nil {
			t.Fatalf("schedulers did not go back to sleep at %v: %v", clk.Now(), err)
		}
		next, _ := clk.Next()
		if next.After(until) {
			next = until
		}
		step(next)
	}
	if err := clk.BlockUntil(ctx, n); err != nil {
		t.Fatalf("schedulers did not go back to sleep at %v: %v", clk.Now(), err)
	}
}

// readState reads the state branch of a repository.
func readState(t *testing.T, repo string, now func() time.Time) *state.State {
	t.Helper()
	s, err := gitstore.OpenPath(repo, gitstore.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap.State
}

// TestScheduleWeekWithTwoInstances runs two schedulers on two clones of one
// remote for a week, driven by a manual clock, across the end of summer
// time in Paris, with a post added by a commit mid-week: every post goes
// out once, at its exact time, and every daily job runs once.
func TestScheduleWeekWithTwoInstances(t *testing.T) {
	start := time.Date(2026, 10, 21, 12, 0, 0, 0, schedParis)
	end := time.Date(2026, 10, 28, 12, 0, 0, 0, schedParis)
	netClock := networktest.NewClock(start)
	fake := mastodonfake.New(mastodonfake.Options{Clock: netClock})
	t.Cleanup(fake.Close)
	remote, author := schedRemote(t, "testdata/schedule/week.txtar", map[string]string{"API": fake.URL()})
	root := filepath.Dir(remote)
	schedGit(t, root, "clone", "-q", remote, "vm-a")
	schedGit(t, root, "clone", "-q", remote, "vm-b")

	clk := scheduletest.NewClock(start)
	env := map[string]string{"MASTODON_TOKEN": mastodonfake.DefaultToken}
	a := startSchedule(t, clk, env, "schedule", "--dir", filepath.Join(root, "vm-a"), "--poll", "6h")
	b := startSchedule(t, clk, env, "schedule", "--dir", filepath.Join(root, "vm-b"), "--poll", "4h", "--log-format", "json")

	// Friday afternoon, a post for Saturday morning is merged.
	schedDrive(t, clk, netClock, 2, time.Date(2026, 10, 23, 15, 0, 0, 0, schedParis))
	schedWrite(t, author, []txtar.File{{Name: "posts/samedi.md", Data: []byte("---\nid: samedi\nto: [brulerie-mastodon]\nat: 2026-10-24 10:00\nlanguage: fr\n---\nAtelier dégustation ce matin, il reste deux places.\n")}}, nil)
	schedGit(t, author, "add", ".")
	schedGit(t, author, "commit", "-qm", "samedi")
	schedGit(t, author, "push", "-q", "origin", "main")
	schedDrive(t, clk, netClock, 2, end)

	a.cancel()
	b.cancel()
	if ca, cb := a.wait(t), b.wait(t); ca != 0 || cb != 0 {
		t.Fatalf("exit codes %d and %d\nA:\n%s\nB:\n%s", ca, cb, a.err.String(), b.err.String())
	}

	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := []struct {
		post  string
		text  string
		parts int
		at    time.Time
	}{
		{"mercredi", "Nouvel arrivage", 1, at("2026-10-21T18:30:00+02:00")},
		{"jeudi", "Atelier dégustation samedi", 2, at("2026-10-22T09:00:30+02:00")},
		{"jeudi-bis", "Le comptoir ouvre", 1, at("2026-10-22T09:00:30+02:00")},
		{"midi", "Le café filtre du jour", 1, at("2026-10-23T13:30:00+02:00")}, // held by quiet hours 12:30-13:30
		{"samedi", "Atelier dégustation ce matin", 1, at("2026-10-24T10:00:00+02:00")},
		{"nuit-ete", "dernier café à l’heure d’été", 1, at("2026-10-25T02:30:00+02:00")},
		{"nuit-hiver", "premier café à l’heure d’hiver", 1, at("2026-10-25T02:30:00+01:00")},
		{"dimanche", "Dimanche, la brûlerie est fermée", 1, at("2026-10-25T03:00:00+01:00")},
		{"lundi", "Nouvelle semaine", 1, at("2026-10-26T12:00:00+01:00")},
		{"mercredi-suivant", "Une semaine de plus", 1, at("2026-10-28T09:15:00+01:00")},
	}
	msgs := fake.Messages()
	total := 0
	for _, w := range want {
		total += w.parts
		n := 0
		for _, m := range msgs {
			if strings.Contains(m.Text, w.text) {
				n++
				if !m.At.Equal(w.at) {
					t.Errorf("%s published at %s, want %s", w.post, m.At.In(schedParis).Format(time.RFC3339), w.at.Format(time.RFC3339))
				}
			}
		}
		if w.parts == 2 {
			n = 0
			for _, m := range msgs {
				if strings.Contains(m.Text, w.text) || strings.Contains(m.Text, "Il reste six places") {
					n++
					if !m.At.Equal(w.at) {
						t.Errorf("%s part published at %s", w.post, m.At.Format(time.RFC3339))
					}
				}
			}
		}
		if n != w.parts {
			t.Errorf("%s: %d messages, want %d", w.post, n, w.parts)
		}
	}
	if len(msgs) != total || fake.Writes() != total {
		t.Errorf("%d messages and %d writes, want %d of each", len(msgs), fake.Writes(), total)
	}

	st := readState(t, remote, clk.Now)
	if len(st.Records) != len(want) {
		t.Errorf("%d records, want %d", len(st.Records), len(want))
	}
	for _, w := range want {
		r := st.Record(state.Address{Post: w.post, Account: "brulerie-mastodon"})
		if r == nil || r.Status != state.Published || !r.PublishedAt.Equal(w.at) {
			t.Errorf("record of %s: %+v", w.post, r)
		}
	}
	if c := string(st.Files["schedule/jobs/reports.json"]); !strings.Contains(c, `"slot": "2026-10-28T06:45:00Z"`) {
		t.Errorf("reports job claim: %s", c)
	}

	// Seven mornings at 07:45 and at 08:00: each occurrence of each job is
	// taken by one scheduler, and left by the other.
	logs := a.err.String() + b.err.String()
	ran := func(job string) int {
		n := 0
		for _, msg := range []string{"job done", "job failed"} {
			n += strings.Count(logs, `msg="`+msg+`" job=`+job) + strings.Count(logs, `"msg":"`+msg+`","job":"`+job+`"`)
		}
		return n
	}
	if n := ran("reports"); n != 7 {
		t.Errorf("reports job ran %d times, want 7", n)
	}
	if n := ran("coverage"); n != 7 {
		t.Errorf("calendar check ran %d times, want 7", n)
	}
	if n := strings.Count(logs, "job done by another scheduler"); n != 14 {
		t.Errorf("%d occurrences left to the other scheduler, want 14", n)
	}
	// No pass failed and nothing went wrong. The reports job's own
	// troubles are left out: its state store may trip over the other
	// scheduler's concurrent writes (TestScheduleReportsJob checks it alone).
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "job=reports") || strings.Contains(line, `"job":"reports"`) {
			continue
		}
		for _, bad := range []string{"level=ERROR", `"level":"ERROR"`, "level=WARN", `"level":"WARN"`} {
			if strings.Contains(line, bad) {
				t.Errorf("log: %s", line)
			}
		}
	}
	status := a.out.String() + b.out.String()
	for _, line := range []string{
		"next wake-up Sun 25 Oct 02:30 CEST (post nuit-ete@brulerie-mastodon)",
		"next wake-up Sun 25 Oct 02:30 CET (post nuit-hiver@brulerie-mastodon)",
		"next wake-up Thu 22 Oct 09:00:30 CEST (post jeudi@brulerie-mastodon and 1 more)",
		"next wake-up Fri 23 Oct 13:30 CEST (post midi@brulerie-mastodon, held: quiet hours 12:30-13:30)",
		": 2 published, 0 failed;",
	} {
		if !strings.Contains(status, line) {
			t.Errorf("no status line with %q:\n%s", line, status)
		}
	}
	if !strings.Contains(b.err.String(), `"level":"INFO","msg":"pass"`) {
		t.Errorf("instance B's logs are not JSON:\n%.2000s", b.err.String())
	}
}

// holdProxy stands in front of a fake network and holds the first status
// creation until released: before passing it on (nothing is written while
// it waits), or after (the status exists, the answer is late).
type holdProxy struct {
	*httptest.Server
	after   bool
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

func newHoldProxy(t *testing.T, target string, after bool) *holdProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	h := &holdProxy{after: after, arrived: make(chan struct{}), release: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := false
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses" {
			h.once.Do(func() { first = true })
		}
		if !first {
			rp.ServeHTTP(w, r)
			return
		}
		if !h.after {
			close(h.arrived)
			select {
			case <-h.release:
				rp.ServeHTTP(w, r)
			case <-r.Context().Done():
			}
			return
		}
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r)
		// Arrived only once the status exists: a grace period ending now
		// cancels the answer, never the creation.
		close(h.arrived)
		select {
		case <-h.release:
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(h.Server.Close)
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
	})
	return h
}

// oneDuePost is a repository with one post due at 09:00 on 1 December 2026,
// its state on a branch of the same repository.
func oneDuePost(t *testing.T, api string) string {
	t.Helper()
	dir := t.TempDir()
	schedWrite(t, dir, []txtar.File{
		{Name: "clairon.yaml", Data: []byte("timezone: Europe/Paris\naccounts:\n  brulerie-mastodon:\n    network: mastodon\n    server: https://mastodon.test\n    api: " + api + "\n    token: env:MASTODON_TOKEN\npolicy:\n  lease: 15m\n")},
		{Name: "posts/annonce.md", Data: []byte("---\nid: annonce\nto: [brulerie-mastodon]\nat: 2026-12-01 09:00\nlanguage: fr\n---\nLe calendrier de l’Avent des cafés est en boutique.\n")},
	}, nil)
	schedGit(t, dir, "init", "-q", "-b", "main")
	schedGit(t, dir, "add", ".")
	schedGit(t, dir, "commit", "-qm", "annonce")
	return dir
}

var decemberFirst = time.Date(2026, 12, 1, 9, 0, 0, 0, schedParis)

var annonce = state.Address{Post: "annonce", Account: "brulerie-mastodon"}

// TestScheduleSIGTERMMidPublication stops the scheduler while a
// publication is in flight: within the grace period the publication
// finishes and is recorded; past it, the outcome is recorded as the network
// tells it; either way a later run leaves exactly one status.
func TestScheduleSIGTERMMidPublication(t *testing.T) {
	tests := []struct {
		name       string
		holdAfter  bool // the status is created before the hold
		graceEnds  bool // the grace period ends before the release
		wantStatus state.Status
	}{
		{"finishes within the grace period", false, false, state.Published},
		{"grace over before the request went out", false, true, state.Failed},
		{"grace over after the status was created", true, true, state.Published},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			netClock := networktest.NewClock(decemberFirst)
			fake := mastodonfake.New(mastodonfake.Options{Clock: netClock})
			t.Cleanup(fake.Close)
			proxy := newHoldProxy(t, fake.URL(), tc.holdAfter)
			dir := oneDuePost(t, proxy.URL)
			env := map[string]string{"MASTODON_TOKEN": mastodonfake.DefaultToken}
			clk := scheduletest.NewClock(decemberFirst)
			in := startSchedule(t, clk, env, "schedule", "--dir", dir, "--grace", "20s")
			<-proxy.arrived
			in.sigs <- os.Interrupt
			// The grace timer is the only timer while the pass runs.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := clk.BlockUntil(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if tc.graceEnds {
				clk.Advance(20 * time.Second)
			} else {
				close(proxy.release)
			}
			if code := in.wait(t); code != 0 {
				t.Fatalf("exit %d\n%s", code, in.err.String())
			}
			r := readState(t, dir, clk.Now).Record(annonce)
			if r == nil || r.Status != tc.wantStatus {
				t.Fatalf("record %+v, want %s\n%s", r, tc.wantStatus, in.err.String())
			}
			if !strings.Contains(in.err.String(), "signal received") {
				t.Errorf("no log of the signal:\n%s", in.err.String())
			}

			// A later run finishes the job; nothing is published twice.
			later := scheduletest.NewClock(decemberFirst.Add(time.Hour))
			netClock.Advance(time.Hour)
			again := startSchedule(t, later, env, "schedule", "--once", "--dir", dir)
			if code := again.wait(t); code != 0 {
				t.Fatalf("second run: exit %d\n%s", code, again.err.String())
			}
			if r := readState(t, dir, later.Now).Record(annonce); r == nil || r.Status != state.Published {
				t.Errorf("after the second run: %+v", r)
			}
			if n := len(fake.Messages()); n != 1 || fake.Writes() != 1 {
				t.Errorf("%d statuses, %d writes: want exactly one", n, fake.Writes())
			}
		})
	}
}

// TestScheduleSignalsInAProcess sends real signals to a clairon process
// (this test binary, running the command as main does): one SIGTERM lets
// the publication in flight finish and exits 0; a second one exits at once
// with 130, and the claim left behind is reconciled by the next run without
// publishing twice.
func TestScheduleSignalsInAProcess(t *testing.T) {
	for _, twice := range []bool{false, true} {
		name := "one signal"
		if twice {
			name = "two signals"
		}
		t.Run(name, func(t *testing.T) {
			netClock := networktest.NewClock(decemberFirst)
			fake := mastodonfake.New(mastodonfake.Options{Clock: netClock})
			t.Cleanup(fake.Close)
			proxy := newHoldProxy(t, fake.URL(), true)
			dir := oneDuePost(t, proxy.URL)

			cmd := exec.Command(os.Args[0], "-test.run=^TestScheduleHelperProcess$")
			cmd.Env = append(os.Environ(), "CLAIRON_SCHEDULE_HELPER=1", "MASTODON_TOKEN="+mastodonfake.DefaultToken,
				"CLAIRON_HELPER_NOW="+decemberFirst.Format(time.RFC3339),
				"CLAIRON_HELPER_ARGS=schedule --dir "+dir+" --no-pull")
			var stdout bytes.Buffer
			stderr := &lineWatcher{lines: make(chan string, 100)}
			cmd.Stdout, cmd.Stderr = &stdout, stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			select {
			case <-proxy.arrived:
			case <-time.After(20 * time.Second):
				t.Fatalf("no publication arrived:\n%s", stderr.String())
			}
			cmd.Process.Signal(os.Interrupt)
			stderr.waitFor(t, "signal received")
			if twice {
				cmd.Process.Signal(os.Interrupt)
			} else {
				close(proxy.release)
			}
			err := cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			want := 0
			if twice {
				want = exitInterrupted
			}
			if code != want {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, want, stderr.String())
			}
			r := readState(t, dir, func() time.Time { return decemberFirst }).Record(annonce)
			switch {
			case !twice && (r == nil || r.Status != state.Published):
				t.Fatalf("after one signal: %+v\n%s", r, stderr.String())
			case twice && (r == nil || r.Status != state.Claimed):
				t.Fatalf("after two signals, want the claim left behind: %+v", r)
			}
			if !twice {
				return
			}
			// Once the lease is over, the next run asks the network, finds
			// the status and records it.
			later := scheduletest.NewClock(decemberFirst.Add(16 * time.Minute))
			netClock.Advance(16 * time.Minute)
			again := startSchedule(t, later, map[string]string{"MASTODON_TOKEN": mastodonfake.DefaultToken}, "schedule", "--once", "--dir", dir, "--no-pull")
			if code := again.wait(t); code != 0 {
				t.Fatalf("reconciling run: exit %d\n%s", code, again.err.String())
			}
			if r := readState(t, dir, later.Now).Record(annonce); r == nil || r.Status != state.Published {
				t.Errorf("after reconciliation: %+v\n%s", r, again.err.String())
			}
			if n := len(fake.Messages()); n != 1 || fake.Writes() != 1 {
				t.Errorf("%d statuses, %d writes: want exactly one", n, fake.Writes())
			}
		})
	}
}

// TestScheduleHelperProcess is the clairon process of
// TestScheduleSignalsInAProcess: main's own signal handling, with a clock
// that stays at CLAIRON_HELPER_NOW.
func TestScheduleHelperProcess(t *testing.T) {
	if os.Getenv("CLAIRON_SCHEDULE_HELPER") == "" {
		t.Skip("run by TestScheduleSignalsInAProcess")
	}
	now, err := time.Parse(time.RFC3339, os.Getenv("CLAIRON_HELPER_NOW"))
	if err != nil {
		t.Fatal(err)
	}
	clk := scheduletest.NewClock(now)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx = withScheduleHooks(ctx, scheduleHooks{clock: clk})
	code := runWith(ctx, strings.Fields(os.Getenv("CLAIRON_HELPER_ARGS")), os.Stdin, os.Stdout, os.Stderr, os.Getenv, clk.Now)
	stop()
	os.Exit(code)
}

// lineWatcher collects a process's output and reports lines as they come.
type lineWatcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	part  string
	lines chan string
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.part += string(p)
	for {
		i := strings.IndexByte(w.part, '\n')
		if i < 0 {
			break
		}
		select {
		case w.lines <- w.part[:i]:
		default:
		}
		w.part = w.part[i+1:]
	}
	return len(p), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *lineWatcher) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l := <-w.lines:
			if strings.Contains(l, text) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q in:\n%s", text, w.String())
		}
	}
}

func TestScheduleOnce(t *testing.T) {
	fake := mastodonfake.New(mastodonfake.Options{Clock: networktest.NewClock(decemberFirst)})
	t.Cleanup(fake.Close)
	dir := oneDuePost(t, fake.URL())
	env := map[string]string{"MASTODON_TOKEN": mastodonfake.DefaultToken}

	early := startSchedule(t, scheduletest.NewClock(decemberFirst.Add(-time.Hour)), env, "schedule", "--once", "--dir", dir)
	if code := early.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, early.err.String())
	}
	if got, want := early.out.String(), "run: 0 published, 0 failed; next wake-up Tue 1 Dec 09:00 CET (post annonce@brulerie-mastodon)\n"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	on := startSchedule(t, scheduletest.NewClock(decemberFirst), env, "schedule", "--once", "--dir", dir)
	if code := on.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, on.err.String())
	}
	if out := on.out.String(); !strings.HasPrefix(out, "run 20261201T080000Z-") || !strings.HasSuffix(out, ": 1 published, 0 failed; nothing scheduled\n") {
		t.Errorf("status %q", out)
	}
	if len(fake.Messages()) != 1 {
		t.Errorf("%d statuses", len(fake.Messages()))
	}

	// Without the token nothing is attempted: exit 1, and the next attempt
	// is in two minutes.
	dir2 := oneDuePost(t, fake.URL())
	noToken := startSchedule(t, scheduletest.NewClock(decemberFirst), nil, "schedule", "--once", "--dir", dir2)
	if code := noToken.wait(t); code != exitError {
		t.Errorf("exit %d without the token\n%s", code, noToken.out.String())
	}
	if out := noToken.out.String(); !strings.Contains(out, ": 0 published, 1 failed; next wake-up Tue 1 Dec 09:02 CET (retry of annonce@brulerie-mastodon)\n") {
		t.Errorf("status %q", out)
	}
	if strings.Contains(noToken.out.String()+noToken.err.String(), mastodonfake.DefaultToken) {
		t.Error("the token shows in the output")
	}
}

// A work tree whose update a killed daemon left half done, and that cannot
// be finished, is not planned from: nothing is published.
func TestScheduleStopsOnAnUnfinishedUpdate(t *testing.T) {
	fake := mastodonfake.New(mastodonfake.Options{Clock: networktest.NewClock(decemberFirst)})
	t.Cleanup(fake.Close)
	dir := oneDuePost(t, fake.URL())
	schedWrite(t, dir, []txtar.File{{Name: ".git/clairon-update", Data: []byte("damaged\n")}}, nil)
	env := map[string]string{"MASTODON_TOKEN": mastodonfake.DefaultToken}
	run := startSchedule(t, scheduletest.NewClock(decemberFirst), env, "schedule", "--once", "--dir", dir)
	if code := run.wait(t); code != exitError {
		t.Fatalf("exit %d\n%s", code, run.err.String())
	}
	if out := run.out.String(); !strings.Contains(out, "interrupted") {
		t.Errorf("status %q", out)
	}
	if n := len(fake.Messages()); n != 0 {
		t.Errorf("%d statuses published from a half-updated work tree", n)
	}
}

func TestScheduleRefusesContentWithErrors(t *testing.T) {
	dir := t.TempDir()
	schedWrite(t, dir, []txtar.File{
		{Name: "clairon.yaml", Data: []byte("timezone: Europe/Paris\naccounts:\n  brulerie-mastodon: {network: mastodon, server: \"https://mastodon.test\", token: \"env:MASTODON_TOKEN\"}\n")},
		// 02:30 does not exist in Paris on 28 March 2027.
		{Name: "posts/printemps.md", Data: []byte("---\nid: printemps\nto: [brulerie-mastodon]\nat: 2027-03-28 02:30\n---\nLe printemps est là.\n")},
	}, nil)
	schedGit(t, dir, "init", "-q", "-b", "main")
	in := startSchedule(t, scheduletest.NewClock(decemberFirst), nil, "schedule", "--once", "--dir", dir)
	if code := in.wait(t); code != exitError {
		t.Fatalf("exit %d", code)
	}
	if out := in.out.String(); !strings.Contains(out, "run: failed: the content has errors (1 error, 0 warnings): nothing is published until they are fixed") {
		t.Errorf("status %q", out)
	}
	if logs := in.err.String(); !strings.Contains(logs, "dst-gap") || !strings.Contains(logs, "posts/printemps.md:4") {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestScheduleReportsJob runs the reports job of reports.cron: the metric
// snapshots that are due are collected and the reports written to the
// state branch, once per morning.
func TestScheduleReportsJob(t *testing.T) {
	start := time.Date(2026, 10, 21, 12, 0, 0, 0, schedParis)
	netClock := networktest.NewClock(start)
	fake := mastodonfake.New(mastodonfake.Options{Clock: netClock})
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	schedWrite(t, dir, []txtar.File{
		{Name: "clairon.yaml", Data: []byte("timezone: Europe/Paris\naccounts:\n  brulerie-mastodon:\n    network: mastodon\n    server: https://mastodon.test\n    api: " + fake.URL() + "\n    token: env:MASTODON_TOKEN\nreports:\n  cron: \"45 7 * * *\"\n")},
		{Name: "posts/mercredi.md", Data: []byte("---\nid: mercredi\nto: [brulerie-mastodon]\nat: 2026-10-21 18:30\n---\nNouvel arrivage : un Guji lavé d’Éthiopie.\n")},
	}, nil)
	schedGit(t, dir, "init", "-q", "-b", "main")
	clk := scheduletest.NewClock(start)
	in := startSchedule(t, clk, map[string]string{"MASTODON_TOKEN": mastodonfake.DefaultToken},
		"schedule", "--dir", dir, "--no-pull", "--poll", "0", "--coverage-cron", "off")
	done := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for strings.Count(in.err.String(), `msg="job done" job=reports`) < n {
			if time.Now().After(deadline) {
				t.Fatalf("reports job not done %d times:\n%s", n, in.err.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// Thursday 07:45: the post is 13 hours old, no snapshot is due yet.
	schedDrive(t, clk, netClock, 1, time.Date(2026, 10, 22, 7, 45, 0, 0, schedParis))
	done(1)
	// Friday 07:45: 37 hours, the 24 h snapshot.
	schedDrive(t, clk, netClock, 1, time.Date(2026, 10, 23, 7, 45, 0, 0, schedParis))
	done(2)
	in.cancel()
	if code := in.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, in.err.String())
	}
	st := readState(t, dir, clk.Now)
	r := st.Record(state.Address{Post: "mercredi", Account: "brulerie-mastodon"})
	if r == nil || len(r.Metrics) != 1 || r.Metrics[0].Label != "24h" || !r.Metrics[0].At.Equal(time.Date(2026, 10, 23, 7, 45, 0, 0, schedParis)) {
		t.Fatalf("record %+v\nmetrics %+v\n%s", r, r.Metrics, in.out.String())
	}
	if !slices.ContainsFunc(st.FilePaths(), func(p string) bool { return strings.HasPrefix(p, "reports/") }) {
		t.Errorf("no report on the state branch: %v", st.FilePaths())
	}
	if strings.Contains(in.err.String(), "level=ERROR") || strings.Contains(in.err.String(), "level=WARN") {
		t.Errorf("logs:\n%s", in.err.String())
	}
}

// A stop requested before the pass claims anything leaves the due post for
// the next run.
func TestScheduleStopBeforeClaiming(t *testing.T) {
	fake := mastodonfake.New(mastodonfake.Options{Clock: networktest.NewClock(decemberFirst)})
	t.Cleanup(fake.Close)
	dir := oneDuePost(t, fake.URL())
	clk := scheduletest.NewClock(decemberFirst)
	ctx, cancel := context.WithCancel(withScheduleHooks(context.Background(), scheduleHooks{clock: clk, signals: make(chan os.Signal)}))
	cancel()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return map[string]string{"MASTODON_TOKEN": mastodonfake.DefaultToken}[k] }
	if code := runWith(ctx, []string{"schedule", "--once", "--dir", dir}, strings.NewReader(""), &out, &errb, getenv, clk.Now); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	if got, want := out.String(), "run: stopping: 1 due change left for the next run; nothing scheduled\n"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	if r := readState(t, dir, clk.Now).Record(annonce); r != nil || fake.Writes() != 0 {
		t.Errorf("something was claimed or sent: %+v, %d writes", r, fake.Writes())
	}
}
