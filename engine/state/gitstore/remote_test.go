package gitstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

const (
	user = "x-access-token"
	pass = "ghs_s3cretT0ken"
)

// TestRacingWriters runs rounds in which two appliers, each with its own
// clone, read the same version and write at the same moment through one
// remote: both over HTTP, or one over HTTP and one through the file path of
// the same bare repository. Exactly one wins each round; the other gets
// ErrConflict, reads again and succeeds. No record is ever lost.
func TestRacingWriters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		second func(srv *gitServer, bare string) gitstore.Options
	}{
		{"http and http", func(srv *gitServer, _ string) gitstore.Options {
			return gitstore.Options{URL: srv.URL + "/state.git", Auth: &gitstore.BasicAuth{Username: user, Password: pass}}
		}},
		{"http and file", func(_ *gitServer, bare string) gitstore.Options { return gitstore.Options{URL: bare} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, bare := newBare(t)
			srv := serveGit(t, root, user, pass, nil)
			second := tc.second(srv, bare)
			second.Now, second.Rand = tick(), statetest.Seeded(2)
			race(t, bare, []*gitstore.Store{
				open(t, memRepo(t), gitstore.Options{URL: srv.URL + "/state.git", Auth: &gitstore.BasicAuth{Username: user, Password: pass}, Now: tick()}),
				open(t, memRepo(t), second),
			})
		})
	}
}

func race(t *testing.T, bare string, writers []*gitstore.Store) {
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	ctx := context.Background()
	for round := range rounds {
		var read, wrote sync.WaitGroup
		read.Add(len(writers))
		wrote.Add(len(writers))
		var wins, conflicts atomic.Int32
		errs := make(chan error, len(writers))
		for w, s := range writers {
			go func() {
				defer wrote.Done()
				snap, err := s.Read(ctx)
				read.Done()
				if err != nil {
					errs <- err
					return
				}
				read.Wait() // both have read the same version
				cs := state.NewChangeset(state.Message{Subject: fmt.Sprintf("round %d writer %d", round, w)})
				cs.Put(&state.Record{Address: state.Address{Post: fmt.Sprintf("posts/%d", round), Account: fmt.Sprintf("acc-%d", w)}, Status: state.Published})
				_, err = s.Write(ctx, snap.Version, cs)
				if errors.Is(err, state.ErrConflict) {
					conflicts.Add(1)
					snap, err = s.Read(ctx)
					if err == nil {
						_, err = s.Write(ctx, snap.Version, cs)
					}
				} else if err == nil {
					wins.Add(1)
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
				}
			}()
		}
		wrote.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		if wins.Load() != 1 || conflicts.Load() != 1 {
			t.Fatalf("round %d: %d first writes won and %d conflicted; want 1 and 1", round, wins.Load(), conflicts.Load())
		}
	}
	for i, s := range writers {
		snap, err := s.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.State.Records) != 2*rounds || snap.State.Serial != int64(2*rounds) {
			t.Errorf("writer %d reads %d records at serial %d; want %d", i, len(snap.State.Records), snap.State.Serial, 2*rounds)
		}
	}
	log := gitCmd(t, bare, "log", "--format=%P", "clairon/state")
	if n := strings.Count(log, "\n"); n != 2*rounds {
		t.Errorf("%d commits on the branch, want %d", n, 2*rounds)
	}
	for line := range strings.Lines(log) {
		if strings.Count(line, " ") > 0 {
			t.Errorf("merge commit on the state branch: parents %s", line)
		}
	}
	gitCmd(t, bare, "fsck", "--strict", "--no-progress")
}

// TestServerRejectsMovedBranch moves the branch on the server between the
// moment the store sees it and the moment its push arrives: the server's own
// check refuses the update, and the store reports a conflict.
func TestServerRejectsMovedBranch(t *testing.T) {
	root, bare := newBare(t)
	var armed atomic.Bool
	var intruder string
	srv := serveGit(t, root, user, pass, func(r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack") && armed.CompareAndSwap(true, false) {
			tree := strings.TrimSpace(gitCmd(t, bare, "rev-parse", "clairon/state^{tree}"))
			intruder = strings.TrimSpace(gitCmd(t, bare, "commit-tree", tree, "-p", "clairon/state", "-m", "another run"))
			gitCmd(t, bare, "update-ref", "refs/heads/clairon/state", intruder)
		}
	})
	s := open(t, memRepo(t), gitstore.Options{URL: srv.URL + "/state.git", Auth: &gitstore.BasicAuth{Username: user, Password: pass}, Now: tick()})
	ctx := context.Background()
	cs := state.NewChangeset(state.Message{Subject: "first"})
	cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published})
	h, err := s.Write(ctx, "", cs)
	if err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	cs = state.NewChangeset(state.Message{Subject: "second"})
	cs.Put(&state.Record{Address: state.Address{Post: "q", Account: "a"}, Status: state.Published})
	_, err = s.Write(ctx, h.Version, cs)
	if !errors.Is(err, state.ErrConflict) {
		t.Fatalf("push after the branch moved on the server: %v, want ErrConflict", err)
	}
	if got := strings.TrimSpace(gitCmd(t, bare, "rev-parse", "clairon/state")); got != intruder {
		t.Errorf("branch at %s, want the other run's %s", got, intruder)
	}
	snap, err := s.Read(ctx)
	if err != nil || snap.Version != state.Version(intruder) {
		t.Fatalf("read after conflict: %v at %v", err, snap)
	}
	if _, err := s.Write(ctx, snap.Version, cs); err != nil {
		t.Fatalf("retry: %v", err)
	}
}

func TestFetchBeforeRead(t *testing.T) {
	root, bare := newBare(t)
	srv := serveGit(t, root, user, pass, nil)
	auth := &gitstore.BasicAuth{Username: user, Password: pass}
	a := open(t, memRepo(t), gitstore.Options{URL: srv.URL + "/state.git", Auth: auth, Now: tick()})
	b := open(t, memRepo(t), gitstore.Options{URL: srv.URL + "/state.git", Auth: auth, Now: tick()})
	ctx := context.Background()
	want := map[state.Address]*state.Record{}
	var base state.Version
	for i := range 3 {
		cs := state.NewChangeset(state.Message{Subject: fmt.Sprint("write ", i)})
		for _, r := range statetest.Records(30*(i+1), uint64(i))[30*i:] {
			cs.Put(r)
			want[r.Address] = r
		}
		h, err := a.Write(ctx, base, cs)
		if err != nil {
			t.Fatal(err)
		}
		base = h.Version
		snap, err := b.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Version != h.Version {
			t.Fatalf("b reads %s after a wrote %s", snap.Version, h.Version)
		}
		statetest.EqualRecords(t, snap.State.Records, want)
	}
	if got := gitCmd(t, bare, "rev-parse", "clairon/state"); strings.TrimSpace(got) != string(base) {
		t.Errorf("bare repository at %s, want %s", got, base)
	}
}

func TestConfiguredRemote(t *testing.T) {
	_, bare := newBare(t)
	repo := memRepo(t)
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{bare}}); err != nil {
		t.Fatal(err)
	}
	s := open(t, repo, gitstore.Options{Remote: "origin", Now: tick()})
	cs := state.NewChangeset(state.Message{})
	cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published})
	h, err := s.Write(context.Background(), "", cs)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := repo.Reference("refs/remotes/origin/clairon/state", false)
	if err != nil || ref.Hash().String() != string(h.Version) {
		t.Errorf("tracking ref %v, %v; want %s", ref, err, h.Version)
	}
	if _, err := repo.Reference(plumbing.NewBranchReferenceName("clairon/state"), false); err == nil {
		t.Error("a remote store created the local branch")
	}
}

func TestCredentialsStayOut(t *testing.T) {
	root, _ := newBare(t)
	srv := serveGit(t, root, user, pass, nil)
	host := strings.TrimPrefix(srv.URL, "http://")
	for name, opts := range map[string]gitstore.Options{
		"wrong password":     {URL: srv.URL + "/state.git", Auth: &gitstore.BasicAuth{Username: user, Password: "wrong-" + pass}},
		"password in URL":    {URL: "http://" + user + ":wrong-" + pass + "@" + host + "/state.git"},
		"missing repository": {URL: srv.URL + "/nothing.git", Auth: &gitstore.BasicAuth{Username: user, Password: pass}},
	} {
		opts.Now = tick()
		s := open(t, memRepo(t), opts)
		_, rerr := s.Read(context.Background())
		cs := state.NewChangeset(state.Message{})
		cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published})
		_, werr := s.Write(context.Background(), "", cs)
		for op, err := range map[string]error{"read": rerr, "write": werr} {
			switch {
			case err == nil:
				t.Errorf("%s: %s succeeded", name, op)
			case errors.Is(err, state.ErrConflict):
				t.Errorf("%s: %s: %v is not a conflict", name, op, err)
			case strings.Contains(err.Error(), pass):
				t.Errorf("%s: %s error shows the password: %v", name, op, err)
			}
		}
	}
}

func TestVanishedBranch(t *testing.T) {
	_, bare := newBare(t)
	s := open(t, memRepo(t), gitstore.Options{URL: bare, Now: tick()})
	ctx := context.Background()
	cs := state.NewChangeset(state.Message{})
	cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published})
	if _, err := s.Write(ctx, "", cs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, bare, "update-ref", "-d", "refs/heads/clairon/state")
	if _, err := s.Read(ctx); err == nil || !strings.Contains(err.Error(), "is gone") {
		t.Fatalf("read after the branch vanished: %v, want an error", err)
	}
	// A fresh clone sees an empty state: nothing tells it there was one.
	fresh := open(t, memRepo(t), gitstore.Options{URL: bare, Now: tick()})
	snap, err := fresh.Read(ctx)
	if err != nil || snap.Version != "" {
		t.Fatalf("fresh read: %v, %v", snap, err)
	}
}

// TestBareRepoOnDisk keeps the state in a bare repository opened directly,
// as a server-side scheduler would.
func TestBareRepoOnDisk(t *testing.T) {
	_, bare := newBare(t)
	s, err := gitstore.OpenPath(bare, gitstore.Options{Now: tick(), Rand: statetest.Seeded(3)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cs := state.NewChangeset(state.Message{Subject: "many"})
	for _, r := range statetest.Records(500, 3) { // enough to be stored as a pack
		cs.Put(r)
	}
	h, err := s.Write(ctx, "", cs)
	if err != nil {
		t.Fatal(err)
	}
	cs = state.NewChangeset(state.Message{Subject: "few"})
	cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published})
	if _, err = s.Write(ctx, h.Version, cs); err != nil {
		t.Fatal(err)
	}
	// A second store on the same directory (a second process) sees it all.
	repo, err := git.PlainOpen(bare)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := open(t, repo, gitstore.Options{}).Read(ctx)
	if err != nil || len(snap.State.Records) != 501 {
		t.Fatalf("second store reads %v records, %v", len(snap.State.Records), err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	gitCmd(t, bare, "fsck", "--strict", "--no-progress")
	if out := gitCmd(t, bare, "count-objects", "-v"); !strings.Contains(out, "packs: 1") {
		t.Errorf("the large write was not stored as one pack:\n%s", out)
	}
}
