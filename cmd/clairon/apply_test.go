package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/gittest"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/blueskyfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// The crash test runs the clairon binary against fake networks and kills it
// with SIGKILL at random moments — with a seeded random source, so a
// failure can be replayed — then runs it again until everything is
// published, and counts what the networks hold: every part of every post
// exactly once on every account, correctly threaded, none missing.

// applyLease is the claims' lease in the crash runs: a killed run's claims
// are reconciled this long after it died.
const applyLease = 2 * time.Second

// buildClairon builds the clairon binary into a temporary folder.
func buildClairon(t *testing.T) string {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	bin := filepath.Join(t.TempDir(), "clairon")
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashPost is a post of the crash test's content: its parts' tokens say
// which part of which post a message is.
type crashPost struct {
	id      string
	parts   int  // thread parts
	comment bool // a first comment follows the parts
}

// messages is how many messages the post makes on one account.
func (p crashPost) messages() int {
	if p.comment {
		return p.parts + 1
	}
	return p.parts
}

// crashPosts makes n posts: singles, threads of two and three, some with a
// first comment, in an order drawn from rng.
func crashPosts(n int, rng *rand.Rand) []crashPost {
	var out []crashPost
	for i := range n {
		p := crashPost{id: fmt.Sprintf("p%02d", i+1), parts: 1 + rng.IntN(3)}
		p.comment = rng.IntN(4) == 0
		out = append(out, p)
	}
	return out
}

var crashWords = strings.Fields("torréfaction grain tasse mouture arôme origine lavé nature séchage dégustation filtre espresso récolte terroir")

// file renders the post's Markdown file.
func (p crashPost) file(accounts []string, rng *rand.Rand) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nid: %s\nto: [%s]\n", p.id, strings.Join(accounts, ", "))
	words := func() string {
		w := make([]string, 4)
		for i := range w {
			w[i] = crashWords[rng.IntN(len(crashWords))]
		}
		return strings.Join(w, " ")
	}
	if p.comment {
		fmt.Fprintf(&b, "first_comment: \"En savoir plus : %s. {%s/%d}\"\n", words(), p.id, p.parts+1)
	}
	b.WriteString("---\n")
	for i := range p.parts {
		if i > 0 {
			b.WriteString("\n---\n")
		}
		fmt.Fprintf(&b, "\nPartie %d : %s. {%s/%d}\n", i+1, words(), p.id, i+1)
	}
	return b.String()
}

// crashAccount is one account's fake network and the proxy in front of it.
type crashAccount struct {
	name, network string
	fake          networktest.Fake
	proxy         *httptest.Server
}

// killAt says when to kill a run: before or after its n-th write reaches
// a network (after: the network wrote, its answer has not left), or after
// a delay.
type killAt struct {
	kind  string // "before-write", "after-write", "timer", "" (let it finish)
	n     int
	delay time.Duration
}

func (k killAt) String() string {
	if k.kind == "timer" {
		return "timer " + k.delay.String()
	}
	if k.kind == "" {
		return "none"
	}
	return k.kind + " " + strconv.Itoa(k.n)
}

// crashWorld is one trial: a content repository, fake networks behind
// proxies that can kill the applier, and the applier's runs.
type crashWorld struct {
	t        *testing.T
	bin, dir string
	// clones are the appliers' own copies of the content when the state is
	// shared through a remote (the bare repository dir); empty, every
	// applier works in dir, where the state is kept.
	clones   []string
	env      []string
	accounts []*crashAccount
	posts    []crashPost

	mu     sync.Mutex
	procs  map[*exec.Cmd]chan struct{} // running appliers, and when each exits
	arm    killAt
	target *exec.Cmd // the run the armed kill is for
	writes int       // writes the target run sent
	kills  int
	log    []string
}

var crashAccountNames = []string{"masto", "nokeys", "sky"}

// newCrashWorld makes a trial's world. With clones > 0, the state is kept
// on a bare repository that each applier reaches as its remote, from its
// own clone of the content, as jobs on separate machines do.
func newCrashWorld(t *testing.T, bin string, posts, clones int, rng *rand.Rand) *crashWorld {
	t.Helper()
	w := &crashWorld{t: t, bin: bin, dir: t.TempDir(), procs: map[*exec.Cmd]chan struct{}{}}
	// The fakes' clock follows the real one, which the applier reads: the
	// dates they store and the rate-limit resets they announce agree with it.
	clock := networktest.NewClock(time.Now())
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				if d := now.Sub(clock.Now()); d > 0 {
					clock.Advance(d)
				}
			}
		}
	}()
	for _, name := range crashAccountNames {
		acc := &crashAccount{name: name, network: "mastodon"}
		switch name {
		case "masto", "nokeys":
			acc.fake = mastodonfake.New(mastodonfake.Options{Clock: clock, IgnoreIdempotency: name == "nokeys", RetryAfter: time.Second})
		case "sky":
			acc.network = "bluesky"
			acc.fake = blueskyfake.New(blueskyfake.WithClock(clock.Now), blueskyfake.WithRetryAfter(time.Second))
		}
		t.Cleanup(acc.fake.Close)
		acc.proxy = w.proxy(acc)
		t.Cleanup(acc.proxy.Close)
		w.accounts = append(w.accounts, acc)
	}
	w.posts = crashPosts(posts, rng)
	files := map[string]string{"clairon.yaml": fmt.Sprintf(`timezone: Europe/Paris
accounts:
  masto:
    network: mastodon
    server: https://mastodon.test
    api: %s
    token: env:MASTO_TOKEN
  nokeys:
    network: mastodon
    server: https://nokeys.test
    api: %s
    token: env:NOKEYS_TOKEN
  sky:
    network: bluesky
    handle: %s
    api: %s
    password: env:SKY_PASSWORD
`, w.accounts[0].proxy.URL, w.accounts[1].proxy.URL, blueskyfake.Handle, w.accounts[2].proxy.URL)}
	if clones > 0 {
		files["clairon.yaml"] += "state:\n  remote: origin\n"
	}
	for _, p := range w.posts {
		files["posts/"+p.id+".md"] = p.file(crashAccountNames, rng)
	}
	for name, text := range files {
		full := filepath.Join(w.dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gittest.Run(t, w.dir, "init", "-q")
	gittest.Run(t, w.dir, "add", ".")
	gittest.Run(t, w.dir, "commit", "-q", "-m", "Contenus")
	if clones > 0 {
		author := w.dir
		w.dir = filepath.Join(t.TempDir(), "state.git")
		gittest.Run(t, author, "init", "-q", "--bare", w.dir)
		gittest.Run(t, author, "push", "-q", w.dir, "HEAD:refs/heads/main")
		for i := range clones {
			clone := filepath.Join(t.TempDir(), fmt.Sprintf("job-%d", i+1))
			gittest.Run(t, author, "clone", "-q", "-b", "main", w.dir, clone)
			w.clones = append(w.clones, clone)
		}
	}
	w.env = append(os.Environ(), "HOME="+w.dir, "CI=1", "NO_COLOR=1",
		"MASTO_TOKEN="+mastodonfake.DefaultToken, "NOKEYS_TOKEN="+mastodonfake.DefaultToken, "SKY_PASSWORD="+blueskyfake.Password)
	return w
}

// isWrite reports the requests that publish on a network.
func isWrite(network string, r *http.Request) bool {
	if network == "bluesky" {
		return strings.HasSuffix(r.URL.Path, "repo.createRecord")
	}
	return r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses"
}

// proxy relays the applier's requests to the account's fake, and kills the
// applier when the armed moment comes.
func (w *crashWorld) proxy(acc *crashAccount) *httptest.Server {
	target, _ := url.Parse("http://127.0.0.1")
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			u, _ := url.Parse(acc.fake.(interface{ URL() string }).URL())
			target.Host = u.Host
			r.SetURL(target)
			r.Out.Host = u.Host
		},
		// A connection the fake dropped is dropped on to the applier.
		ErrorHandler: func(rw http.ResponseWriter, r *http.Request, err error) { hangUp(rw) },
	}
	return httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !isWrite(acc.network, r) {
			rp.ServeHTTP(rw, r)
			return
		}
		n, arm, victim := w.countWrite()
		if victim != nil && arm.kind == "before-write" && n == arm.n {
			w.kill(victim, fmt.Sprintf("before write %d (%s)", n, acc.name))
			hangUp(rw)
			return
		}
		if victim != nil && arm.kind == "after-write" && n == arm.n {
			// The fake performs the write; the applier dies before the
			// answer leaves.
			rp.ServeHTTP(&killingWriter{ResponseWriter: rw, kill: func() {
				w.kill(victim, fmt.Sprintf("after write %d (%s)", n, acc.name))
			}}, r)
			return
		}
		rp.ServeHTTP(rw, r)
	}))
}

// hangUp closes the client's connection without an answer.
func hangUp(rw http.ResponseWriter) {
	if hj, ok := rw.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// killingWriter kills the applier when the answer is about to be written,
// then drops the connection.
type killingWriter struct {
	http.ResponseWriter
	kill func()
	done bool
}

func (k *killingWriter) WriteHeader(int) {
	if !k.done {
		k.done = true
		k.kill()
	}
	hangUp(k.ResponseWriter)
}

func (k *killingWriter) Write([]byte) (int, error) {
	k.WriteHeader(0)
	return 0, errors.New("killed")
}

// countWrite counts a write while a run with an armed kill lives, and
// returns the count, the kill and the run. With one applier at a time the
// writes are that run's; with several, any applier's write is a moment to
// kill the armed one.
func (w *crashWorld) countWrite() (int, killAt, *exec.Cmd) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.target == nil {
		return 0, killAt{}, nil
	}
	w.writes++
	return w.writes, w.arm, w.target
}

// kill sends SIGKILL to a run and waits until it is dead.
func (w *crashWorld) kill(c *exec.Cmd, why string) {
	w.mu.Lock()
	exited, ok := w.procs[c]
	if ok && w.target == c {
		w.target = nil
	}
	w.mu.Unlock()
	if !ok {
		return
	}
	if err := c.Process.Kill(); err == nil {
		w.mu.Lock()
		w.kills++
		w.log = append(w.log, "killed "+why)
		w.mu.Unlock()
	}
	<-exited
}

// start starts an applier (in the job-th clone, when there are clones);
// with k armed, it is killed at that moment.
func (w *crashWorld) start(k killAt, job int, args ...string) (*exec.Cmd, *bytes.Buffer) {
	w.t.Helper()
	var out bytes.Buffer
	dir := w.dir
	if len(w.clones) > 0 {
		dir = w.clones[job%len(w.clones)]
	}
	c := exec.Command(w.bin, append([]string{"apply", "--dir", dir, "--lease", applyLease.String(), "--no-color"}, args...)...)
	c.Env, c.Stdout, c.Stderr = w.env, &out, &out
	if err := c.Start(); err != nil {
		w.t.Fatal(err)
	}
	exited := make(chan struct{})
	w.mu.Lock()
	w.procs[c] = exited
	if k.kind != "" {
		w.arm, w.target, w.writes = k, c, 0
	}
	w.mu.Unlock()
	go func() {
		_ = c.Wait()
		w.mu.Lock()
		if w.target == c {
			w.target = nil
		}
		w.mu.Unlock()
		close(exited)
	}()
	if k.kind == "timer" {
		time.AfterFunc(k.delay, func() { w.kill(c, "after "+k.delay.String()) })
	}
	return c, &out
}

// wait waits for a run to end and returns its exit code (-1 when killed).
func (w *crashWorld) wait(c *exec.Cmd) int {
	w.mu.Lock()
	exited := w.procs[c]
	w.mu.Unlock()
	<-exited
	w.mu.Lock()
	delete(w.procs, c)
	w.mu.Unlock()
	return c.ProcessState.ExitCode()
}

// state reads the state the appliers wrote.
func (w *crashWorld) state() *state.State {
	w.t.Helper()
	s, err := gitstore.OpenPath(w.dir, gitstore.Options{Now: time.Now})
	if err != nil {
		w.t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Read(context.Background())
	if err != nil {
		w.t.Fatalf("read state: %v", err)
	}
	return snap.State
}

// leaseEnd returns when the last live claim expires (zero when none).
func leaseEnd(st *state.State) time.Time {
	var end time.Time
	for _, r := range st.Records {
		if r.Claim != nil && r.Claim.Expires.After(end) {
			end = r.Claim.Expires
		}
	}
	return end
}

var crashToken = regexp.MustCompile(`\{(p[0-9]+)/([0-9]+)\}`)

// problems counts duplicates, strays, missing parts and broken threads on
// the fakes, and records that disagree with them. complete false allows
// missing parts.
func (w *crashWorld) problems(complete bool) []string {
	var out []string
	st := w.state()
	for _, acc := range w.accounts {
		ids := map[string][]networktest.Message{}
		for _, m := range acc.fake.Messages() {
			g := crashToken.FindStringSubmatch(m.Text)
			if g == nil {
				out = append(out, fmt.Sprintf("%s: message %s without a token", acc.name, m.ID))
				continue
			}
			k := g[1] + "/" + g[2]
			ids[k] = append(ids[k], m)
		}
		for k, ms := range ids {
			if len(ms) > 1 {
				out = append(out, fmt.Sprintf("%s: %s published %d times", acc.name, k, len(ms)))
			}
		}
		for _, p := range w.posts {
			rec := st.Record(state.Address{Post: p.id, Account: acc.name})
			published := rec != nil && rec.Status == state.Published
			for i := 1; i <= p.messages(); i++ {
				ms := ids[fmt.Sprintf("%s/%d", p.id, i)]
				if len(ms) == 0 {
					if complete || published {
						out = append(out, fmt.Sprintf("%s@%s: part %d missing", p.id, acc.name, i))
					}
					continue
				}
				parent := i - 1
				if p.comment && i == p.messages() {
					parent = 1
				}
				if i > 1 {
					if ps := ids[fmt.Sprintf("%s/%d", p.id, parent)]; len(ps) == 0 || ms[0].ReplyTo != ps[0].ID {
						out = append(out, fmt.Sprintf("%s@%s: part %d does not reply to part %d", p.id, acc.name, i, parent))
					}
				}
				if published && (len(rec.Parts) != p.messages() || rec.Parts[i-1].Ref.ID != ms[0].ID) {
					out = append(out, fmt.Sprintf("%s@%s: the record's part %d is not message %s", p.id, acc.name, i, ms[0].ID))
				}
			}
			if complete && !published {
				s := "no record"
				if rec != nil {
					s = string(rec.Status) + ": " + rec.LastError
				}
				out = append(out, fmt.Sprintf("%s@%s: %s, want published", p.id, acc.name, s))
			}
		}
	}
	slices.Sort(out)
	return out
}

// settle waits until no claim of a dead run is live, so that the next run
// reconciles them.
func (w *crashWorld) settle() {
	if end := leaseEnd(w.state()); !end.IsZero() {
		time.Sleep(time.Until(end) + 50*time.Millisecond)
	}
}

// drawKill draws when to kill a run.
func drawKill(rng *rand.Rand, writes int) killAt {
	switch rng.IntN(5) {
	case 0:
		return killAt{kind: "timer", delay: time.Duration(20+rng.IntN(400)) * time.Millisecond}
	case 1:
		return killAt{kind: "before-write", n: 1 + rng.IntN(writes)}
	default:
		return killAt{kind: "after-write", n: 1 + rng.IntN(writes)}
	}
}

// injectFaults queues a few faults into the fakes: answers lost after the
// write, 500s before it, dropped connections, 429s.
func (w *crashWorld) injectFaults(rng *rand.Rand) []string {
	kinds := []networktest.Fault{networktest.FailBefore, networktest.FailAfter, networktest.DropAfter, networktest.RateLimit}
	var out []string
	for range rng.IntN(4) {
		acc := w.accounts[rng.IntN(len(w.accounts))]
		f := kinds[rng.IntN(len(kinds))]
		acc.fake.Inject(f)
		out = append(out, acc.name+":"+f.String())
	}
	return out
}

// TestApplyNeverTwiceNeverLost runs the real binary: killed at random
// moments and run again (killed), and several at once on the same state
// (concurrent). The state is shared through a bare repository, which each
// applier pushes to, as a CI job does: git's receive-pack moves the branch
// atomically, so a run killed while it writes the state leaves it whole.
// The killed trials run again with the state in the content's own
// repository, where gitstore moves the branch with git's lock-file protocol
// so that a kill at any moment leaves it whole. -short runs fewer trials.
func TestApplyNeverTwiceNeverLost(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	bin := buildClairon(t)
	t.Run("killed", func(t *testing.T) { testKilled(t, bin, 1) })
	t.Run("killed-local-state", func(t *testing.T) { testKilled(t, bin, 0) })
	t.Run("concurrent", func(t *testing.T) { testConcurrent(t, bin) })
}

// testKilled kills the applier with SIGKILL at random moments (before a
// write leaves, after a network performed a write and before its answer
// reaches the applier, at random times), with faults queued on the
// networks, waits for the dead runs' leases and runs it again until
// everything is published.
func testKilled(t *testing.T, bin string, clones int) {
	trials, posts := 6, 10
	if testing.Short() {
		trials, posts = 2, 6
	}
	for trial := range trials {
		t.Run(fmt.Sprintf("seed-%d", trial+1), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(trial+1), 0x5eed))
			w := newCrashWorld(t, bin, posts, clones, rng)
			total := 0
			for _, p := range w.posts {
				total += p.messages() * len(w.accounts)
			}
			kills := 2 + rng.IntN(4)
			faults := w.injectFaults(rng)
			var history []string
			for run := 0; run < kills+12; run++ {
				k := killAt{}
				if run < kills {
					k = drawKill(rng, total/2+1)
				}
				c, out := w.start(k, 0)
				code := w.wait(c)
				history = append(history, fmt.Sprintf("run %d (kill %s): exit %d", run+1, k, code))
				if code > 0 {
					t.Logf("run %d exited %d:\n%s", run+1, code, out)
				}
				if ps := w.problems(false); len(ps) > 0 {
					t.Fatalf("after run %d:\n%s\nfaults %v\n%s\noutput:\n%s", run+1, strings.Join(ps, "\n"), faults, strings.Join(history, "\n"), out)
				}
				if len(w.problems(true)) == 0 {
					break
				}
				w.settle()
			}
			if ps := w.problems(true); len(ps) > 0 {
				t.Fatalf("never finished:\n%s\nfaults %v\n%s", strings.Join(ps, "\n"), faults, strings.Join(history, "\n"))
			}
			// Nothing is left to do, and nothing is left claimed.
			c, out := w.start(killAt{}, 0)
			if code := w.wait(c); code != 0 || !strings.Contains(out.String(), "Nothing is due") {
				t.Errorf("last run: exit %d\n%s", code, out)
			}
			t.Logf("%d messages, %d runs, %d killed (%s), faults %v", total, len(history), w.kills, strings.Join(w.log, "; "), faults)
		})
	}
}

// testConcurrent runs several appliers at once on the same state, each in
// its own clone of the content and sharing the state through a bare
// repository, as jobs on several machines do, each on all the accounts or
// on some of them (as a job per account would), again and again, killing
// one of them now and then.
func testConcurrent(t *testing.T, bin string) {
	trials, posts, appliers := 4, 10, 3
	if testing.Short() {
		trials, posts = 2, 6
	}
	for trial := range trials {
		t.Run(fmt.Sprintf("seed-%d", trial+1), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(trial+100), 0xc0c0))
			w := newCrashWorld(t, bin, posts, appliers, rng)
			faults := w.injectFaults(rng)
			var history []string
			for round := 0; round < 12; round++ {
				var cs []*exec.Cmd
				var outs []*bytes.Buffer
				var desc []string
				for i := range appliers {
					k := killAt{}
					if i == 0 && round < 2 {
						k = drawKill(rng, 10)
					}
					var args []string
					if rng.IntN(2) == 0 {
						var some []string
						for _, name := range crashAccountNames {
							if rng.IntN(2) == 0 {
								some = append(some, name)
							}
						}
						if len(some) > 0 {
							args = []string{"--accounts", strings.Join(some, ",")}
						}
					}
					c, out := w.start(k, i, args...)
					cs, outs = append(cs, c), append(outs, out)
					desc = append(desc, fmt.Sprintf("%v kill %s", args, k))
				}
				var codes []int
				for i, c := range cs {
					codes = append(codes, w.wait(c))
					if codes[i] > 0 {
						t.Logf("round %d, applier %d exited %d:\n%s", round+1, i+1, codes[i], outs[i])
					}
				}
				history = append(history, fmt.Sprintf("round %d: %s: exits %v", round+1, strings.Join(desc, " | "), codes))
				if ps := w.problems(false); len(ps) > 0 {
					var b strings.Builder
					for _, o := range outs {
						b.WriteString(o.String() + "\n--\n")
					}
					t.Fatalf("after round %d:\n%s\nfaults %v\n%s\n%s", round+1, strings.Join(ps, "\n"), faults, strings.Join(history, "\n"), b.String())
				}
				if len(w.problems(true)) == 0 {
					break
				}
				w.settle()
			}
			if ps := w.problems(true); len(ps) > 0 {
				t.Fatalf("never finished:\n%s\n%s", strings.Join(ps, "\n"), strings.Join(history, "\n"))
			}
			t.Logf("%s; killed: %s", strings.Join(history, "; "), strings.Join(w.log, "; "))
		})
	}
}

// TestApplyExitsNonZeroWithASummary: when a change fails, apply says what
// happened to each change, sums it up, and exits 1; the other accounts'
// posts are published all the same.
func TestApplyExitsNonZeroWithASummary(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	clock := networktest.NewClock(time.Now().UTC().Truncate(time.Second))
	ok := mastodonfake.New(mastodonfake.Options{Clock: clock})
	defer ok.Close()
	refusing := mastodonfake.New(mastodonfake.Options{Clock: clock})
	defer refusing.Close()
	refusing.Inject(networktest.Unauthorized)
	dir := t.TempDir()
	files := map[string]string{
		"clairon.yaml": fmt.Sprintf("timezone: Europe/Paris\naccounts:\n  un:\n    network: mastodon\n    server: https://un.test\n    api: %s\n    token: env:UN_TOKEN\n  deux:\n    network: mastodon\n    server: https://deux.test\n    api: %s\n    token: env:DEUX_TOKEN\n", ok.URL(), refusing.URL()),
		"posts/a.md":   "---\nid: a\nto: [un, deux]\n---\n\nPremier message.\n",
		"posts/b.md":   "---\nid: b\nto: [un, deux]\n---\n\nSecond message.\n",
	}
	for name, text := range files {
		full := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gittest.Run(t, dir, "init", "-q")
	env := map[string]string{"UN_TOKEN": mastodonfake.DefaultToken, "DEUX_TOKEN": mastodonfake.DefaultToken, "CI": "1"}
	run := func() (string, string, int) {
		var out, errb bytes.Buffer
		code := runWith(context.Background(), []string{"apply", "--dir", dir, "--no-color"}, strings.NewReader(""), &out, &errb,
			func(k string) string { return env[k] }, time.Now)
		return out.String(), errb.String(), code
	}
	out, errOut, code := run()
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"published   a@un", "published   b@un", "failed      a@deux", "401", "not attempted",
		"Apply: 2 published, 0 updated, 0 deleted, 2 failed."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "some changes failed") {
		t.Errorf("stderr: %q", errOut)
	}
	if strings.Contains(out+errOut, mastodonfake.DefaultToken) {
		t.Error("the token appears in the output")
	}
	if len(ok.Messages()) != 2 || len(refusing.Messages()) != 0 {
		t.Errorf("%d and %d messages, want 2 and 0", len(ok.Messages()), len(refusing.Messages()))
	}
	// The credentials work again: the next run finishes and exits 0.
	out, errOut, code = run()
	if code != 0 || !strings.Contains(out, "Apply: 2 published, 0 updated, 0 deleted, 0 failed.") {
		t.Errorf("second run: exit %d\n%s%s", code, out, errOut)
	}
	if len(ok.Messages()) != 2 || len(refusing.Messages()) != 2 {
		t.Errorf("%d and %d messages, want 2 and 2", len(ok.Messages()), len(refusing.Messages()))
	}
}
