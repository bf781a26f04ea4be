package apply_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// TestApplyConcurrentAppliersOnOneRemote runs several appliers at once,
// each with its own repository, content and state store, sharing the state
// through one bare repository as jobs on separate machines do: some apply
// every account, some one or two accounts (a job per account). Git's
// atomic ref update on the remote is their only coordination. Every part
// of every post is published exactly once, by one of them.
func TestApplyConcurrentAppliersOnOneRemote(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	for round := range rounds {
		t.Run(fmt.Sprintf("round-%d", round+1), func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			remote := filepath.Join(t.TempDir(), "state.git")
			if _, err := git.PlainInit(remote, true); err != nil {
				t.Fatal(err)
			}
			open := func() *gitstore.Store {
				repo, err := git.PlainInit(t.TempDir(), false)
				if err != nil {
					t.Fatal(err)
				}
				s, err := gitstore.Open(repo, gitstore.Options{URL: remote, Now: w.clock.Now})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			jobs := [][]string{nil, nil, {masto}, {nokeys}, {sky}, {masto, sky}}
			// A different order each round, so that a different job claims first.
			for range round {
				jobs = append(jobs[1:], jobs[0])
			}
			var wg sync.WaitGroup
			reports := make([]*apply.Report, len(jobs))
			errs := make([]error, len(jobs))
			start := make(chan struct{})
			for i, accs := range jobs {
				store, repo := open(), w.newRepo()
				eng := &apply.Engine{Store: store, Adapter: w.adapter, Repo: repo, Run: fmt.Sprintf("job-%d", i+1),
					Lease: w.lease, Now: w.clock.Now, Batch: 2, Ticker: w.ticker}
				planAt := func(snap *state.Snapshot) *plan.Plan {
					p, _ := plan.Make(plan.Input{Repo: repo, Caps: w.caps, Snapshot: snap, Now: w.clock.Now(), Accounts: accs})
					return p
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					snap, err := store.Read(context.Background())
					if err != nil {
						errs[i] = err
						return
					}
					reports[i], errs[i] = eng.Apply(context.Background(), apply.Input{Plan: planAt(snap),
						Replan: func(_ context.Context, snap *state.Snapshot) (*plan.Plan, error) { return planAt(snap), nil }})
				}()
			}
			close(start)
			wg.Wait()
			w.store = open()
			var published []string
			for i, rep := range reports {
				if errs[i] != nil {
					t.Errorf("job %d: %v", i+1, errs[i])
					continue
				}
				for _, e := range rep.Events {
					switch e.Outcome {
					case apply.Published:
						published = append(published, e.Address.String())
					case apply.Skipped:
					default:
						t.Errorf("job %d: %s %s (%s)", i+1, e.Address, e.Outcome, e.Err)
					}
				}
			}
			slices.Sort(published)
			if len(published) != 8 || len(slices.Compact(slices.Clone(published))) != 8 {
				t.Errorf("published by the jobs: %v; want each of the 8 changes by one job", published)
			}
			w.mustBeDone()
		})
	}
}

// TestApplyConcurrentAppliersWithAStall: the run that claimed everything
// stalls before a write for longer than its lease; meanwhile three other
// appliers start at once, race to take its claims over, and reconcile
// them. When the stalled run goes on, it sends nothing more on the
// strength of its expired lease (it gives back what it had not started,
// unless another run took it first), and every part of every post is
// published once.
func TestApplyConcurrentAppliersWithAStall(t *testing.T) {
	for _, name := range []string{masto, sky} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			var others []*apply.Report
			var mu sync.Mutex
			w.nets[name].tap.onWrite(func(n int) {
				if n != 2 {
					return
				}
				w.nets[name].tap.onWrite(nil)
				w.clock.Advance(w.lease + time.Minute)
				var wg sync.WaitGroup
				for range 3 {
					eng, in := w.engine(), w.input()
					wg.Add(1)
					go func() {
						defer wg.Done()
						rep, err := eng.Apply(context.Background(), in)
						if err != nil {
							t.Errorf("other applier: %v", err)
							return
						}
						mu.Lock()
						others = append(others, rep)
						mu.Unlock()
					}()
				}
				wg.Wait()
			})
			stalled := w.apply()
			if len(others) != 3 {
				t.Fatalf("%d other appliers ran", len(others))
			}
			var reconciled int
			for _, rep := range others {
				for _, e := range rep.Events {
					if e.Action == plan.Reconcile && e.Outcome == apply.Published {
						reconciled++
					}
				}
			}
			if reconciled == 0 {
				t.Error("the other appliers reconciled nothing")
			}
			for _, rep := range append(others, stalled) {
				if n := rep.Count(apply.Unconfirmed); n > 0 {
					t.Errorf("%d unconfirmed: %v", n, outcomes(rep))
				}
			}
			// What the stalled run gave back is published by the next run.
			if len(w.problems(true)) > 0 {
				w.apply()
			}
			w.mustBeDone()
		})
	}
}

// readHook is a content file system that runs hook, once, on the first
// read of one file after it is set: how a test catches a run building a
// message, between its lease check and its write to the network.
type readHook struct {
	fstest.MapFS
	name string

	mu   sync.Mutex
	hook func()
}

func (h *readHook) ReadFile(name string) ([]byte, error) {
	if name == h.name {
		h.mu.Lock()
		hook := h.hook
		h.hook = nil
		h.mu.Unlock()
		if hook != nil {
			hook()
		}
	}
	return h.MapFS.ReadFile(name)
}

func (h *readHook) set(hook func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hook = hook
}

// heldUntil is an adapter whose publishes, once stalled is closed, wait for
// resumed before going out: a request on its way while the run is stalled,
// which lands only once the stall is over.
type heldUntil struct {
	network.Adapter
	stalled, resumed <-chan struct{}
}

func (a *heldUntil) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	select {
	case <-a.stalled:
		<-a.resumed
	default:
	}
	return a.Adapter.Publish(ctx, p)
}

// TestApplyOtherAccountsSendNothingDuringAStall pins down what a stall in
// one account's write means for the run's other accounts. The run checks
// its lease for a post on the server that ignores idempotency keys and
// builds the message; then its write to another account stalls for longer
// than the lease, and another run takes every claim over and publishes the
// post itself, having found nothing on the server. Whatever the run's
// worker for the server without keys was about to send must not go out
// after that: it waits for the stalled write, checks its lease again, finds
// it run out, and sends nothing. The server holds the post once.
func TestApplyOtherAccountsSendNothingDuringAStall(t *testing.T) {
	photo := networktest.Image([]string{"image/png"}, 1, "")
	for _, stalled := range []string{masto, sky} {
		t.Run(stalled, func(t *testing.T) {
			w := newWorld(t, worldOptions{posts: map[string]string{
				"posts/solo.md": strings.Replace(worldPosts["posts/solo.md"], "[masto, nokeys, sky]", "["+stalled+"]", 1),
				"posts/photo.md": "---\nid: photo\nto: [nokeys]\nmedia:\n  - src: media/photo.png\n    alt: Un sac de grains verts.\n---\n\n" +
					"Arrivage du jour : Éthiopie Guji. {photo/1}\n",
				"media/photo.png": string(photo.Data),
			}})
			files := &readHook{MapFS: fstest.MapFS{"clairon.yaml": {Data: []byte(worldConfig)}}, name: "media/photo.png"}
			for p, s := range w.posts {
				files.MapFS[p] = &fstest.MapFile{Data: []byte(s)}
			}
			repo, ds, err := content.Load(context.Background(), files, content.Options{})
			if err != nil || ds.HasErrors() {
				t.Fatalf("load content: %v %v", err, ds)
			}
			w.repo = repo

			building, stalledc, resumed := make(chan struct{}), make(chan struct{}), make(chan struct{})
			run := w.engine()
			run.Adapter = func(name string) (network.Adapter, error) {
				a, err := w.adapter(name)
				if err != nil || name != nokeys {
					return a, err
				}
				return &heldUntil{Adapter: a, stalled: stalledc, resumed: resumed}, nil
			}
			in := w.input()
			// The run's worker for nokeys has checked its lease and reads the
			// photo to build the message, before its turn to write: it goes
			// on once the other account's write has stalled.
			files.set(func() {
				close(building)
				<-stalledc
			})
			var other *apply.Report
			w.nets[stalled].tap.onWrite(func(int) {
				w.nets[stalled].tap.onWrite(nil)
				select {
				case <-building:
				case <-time.After(time.Minute): // a guard, not a timing: fail rather than hang
					panic("the run's worker for nokeys never built its message before the other account's write")
				}
				close(stalledc)
				w.clock.Advance(w.lease + time.Minute)
				var err error
				if other, err = w.engine().Apply(context.Background(), w.input()); err != nil {
					t.Errorf("other run: %v", err)
				}
				close(resumed)
			})
			rep, err := run.Apply(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if other == nil || !other.OK() || other.Count(apply.Published) != 2 {
				t.Fatalf("the other run did not reconcile both posts: %v", other)
			}
			for _, e := range rep.Events {
				if e.Address.Account == nokeys && e.Outcome == apply.Published {
					t.Errorf("stalled run: %s published, want nothing sent for it", e.Address)
				}
			}
			if n := w.count(nokeys); n != 1 {
				t.Errorf("%d messages on nokeys, want 1", n)
			}
			w.mustBeDone()
		})
	}
}
