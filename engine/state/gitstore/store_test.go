package gitstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

func TestConformanceInMemoryRepo(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		return open(t, memRepo(t), gitstore.Options{Now: tick()})
	})
}

func TestConformanceWorkTreeRepo(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		dir := newWorkTree(t)
		s, err := gitstore.OpenPath(filepath.Join(dir, "posts"), gitstore.Options{Now: tick(), Rand: statetest.Seeded(1)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceBareRemoteByPath(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		_, bare := newBare(t)
		return open(t, memRepo(t), gitstore.Options{URL: bare, Now: tick()})
	})
}

func TestConformanceHTTPRemote(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		root, _ := newBare(t)
		srv := serveGit(t, root, "bot", "s3cret-token", nil)
		return open(t, memRepo(t), gitstore.Options{
			URL: srv.URL + "/state.git", Auth: &gitstore.BasicAuth{Username: "bot", Password: "s3cret-token"}, Now: tick(),
		})
	})
}

// newWorkTree makes a user's content repository on disk, with one commit on
// main, and returns its directory.
func newWorkTree(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	gitCmd(t, dir, "init", "-q", "-b", "main")
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "posts", "bonjour.md"), []byte("---\nto: [brand-mastodon]\n---\nBonjour !\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "add", ".")
	gitCmd(t, dir, "commit", "-q", "-m", "first post")
	return dir
}

func TestWorkTreeUntouched(t *testing.T) {
	dir := newWorkTree(t)
	// An uncommitted change of the user's must survive too.
	if err := os.WriteFile(filepath.Join(dir, "posts", "brouillon.md"), []byte("draft\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := gitCmd(t, dir, "status", "--porcelain=v2", "--branch")
	headBefore := gitCmd(t, dir, "rev-parse", "HEAD")

	s, err := gitstore.OpenPath(dir, gitstore.Options{Now: tick(), Rand: statetest.Seeded(1)})
	if err != nil {
		t.Fatal(err)
	}
	cs := state.NewChangeset(state.Message{Subject: "first"})
	for _, r := range statetest.Records(50, 1) {
		cs.Put(r)
	}
	cs.PutFile("reports/2026-11.md", []byte("# Rapport\n"))
	h, err := s.Write(context.Background(), "", cs)
	if err != nil {
		t.Fatal(err)
	}
	if after := gitCmd(t, dir, "status", "--porcelain=v2", "--branch"); after != before {
		t.Errorf("status changed:\n%s\nwas\n%s", after, before)
	}
	if got := gitCmd(t, dir, "rev-parse", "HEAD"); got != headBefore {
		t.Errorf("HEAD moved to %s", got)
	}
	if got := gitCmd(t, dir, "symbolic-ref", "HEAD"); got != "refs/heads/main\n" {
		t.Errorf("HEAD is %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); !os.IsNotExist(err) {
		t.Error("state.json appeared in the work tree")
	}
	if got := strings.TrimSpace(gitCmd(t, dir, "rev-parse", "clairon/state")); got != string(h.Version) {
		t.Errorf("clairon/state at %s, want %s", got, h.Version)
	}
	// The state branch shares no history with main.
	if out := gitCmd(t, dir, "log", "--format=%H", "clairon/state"); strings.Contains(out, strings.TrimSpace(headBefore)) {
		t.Error("state branch contains main's commits")
	}
	gitCmd(t, dir, "fsck", "--strict", "--no-progress")
}

func TestCommitMetadata(t *testing.T) {
	clock := statetest.NewClock(time.Date(2026, 11, 23, 10, 30, 0, 0, time.FixedZone("CET", 3600)))
	repo := memRepo(t)
	s := open(t, repo, gitstore.Options{
		Branch: "ops/clairon-state",
		Author: gitstore.Identity{Name: "Clairon Bot", Email: "bot@example.org"},
		Now:    clock.Now,
	})
	ctx := context.Background()
	cs := state.NewChangeset(state.Message{Subject: "claim 1 post for run r-1", Body: "Due now.", Run: "r-1"})
	cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published})
	h1, err := s.Write(ctx, "", cs)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	cs = state.NewChangeset(state.Message{Subject: "record 1 result"})
	cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Deleted})
	h2, err := s.Write(ctx, h1.Version, cs)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName("ops/clairon-state"), false)
	if err != nil || ref.Hash().String() != string(h2.Version) {
		t.Fatalf("branch ref %v, %v; want %s", ref, err, h2.Version)
	}
	c, err := repo.CommitObject(ref.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ParentHashes) != 1 || c.ParentHashes[0].String() != string(h1.Version) {
		t.Errorf("parents %v, want [%s]", c.ParentHashes, h1.Version)
	}
	if c.Author.Name != "Clairon Bot" || c.Author.Email != "bot@example.org" || c.Committer.Name != "Clairon Bot" {
		t.Errorf("author %v committer %v", c.Author, c.Committer)
	}
	if !c.Author.When.Equal(clock.Now()) || !c.Committer.When.Equal(clock.Now()) {
		t.Errorf("commit time %v, want %v", c.Author.When, clock.Now())
	}
	want := "clairon: record 1 result\n\nClairon-Serial: 2\nClairon-Lineage: " + h1.Lineage + "\n"
	if c.Message != want {
		t.Errorf("message %q, want %q", c.Message, want)
	}
	first, _ := repo.CommitObject(plumbing.NewHash(string(h1.Version)))
	if len(first.ParentHashes) != 0 {
		t.Error("the first state commit has a parent: the branch must be an orphan")
	}
	if tr := state.Trailers(first.Message); tr[state.TrailerRun] != "r-1" || tr[state.TrailerSerial] != "1" {
		t.Errorf("first commit trailers %v", tr)
	}
}

// TestDeltaWritesFewObjects checks that a write costs the change: one record
// changed among 2,000 adds its blob, its two directories' trees, the records
// tree, state.json, the root tree and the commit.
func TestDeltaWritesFewObjects(t *testing.T) {
	repo := memRepo(t)
	objects := repo.Storer.(*memory.Storage).ObjectStorage.Objects
	s := open(t, repo, gitstore.Options{Now: tick()})
	ctx := context.Background()
	cs := state.NewChangeset(state.Message{Subject: "initial"})
	recs := statetest.Records(2000, 5)
	for _, r := range recs {
		cs.Put(r)
	}
	h, err := s.Write(ctx, "", cs)
	if err != nil {
		t.Fatal(err)
	}
	if len(objects) < 2000+256 {
		t.Fatalf("%d objects after the initial write", len(objects))
	}
	tests := []struct {
		name string
		fill func(*state.Changeset)
		want int
	}{
		{"one record", func(c *state.Changeset) {
			r := recs[7].Clone()
			r.LastError = "x"
			c.Put(r)
		}, 7},
		{"remove one", func(c *state.Changeset) { c.Remove(recs[8].Address) }, 6},
		{"one file", func(c *state.Changeset) { c.PutFile("reports/2026/11.md", []byte("r")) }, 6},
	}
	for _, tt := range tests {
		n := len(objects)
		cs := state.NewChangeset(state.Message{Subject: tt.name})
		tt.fill(cs)
		if h, err = s.Write(ctx, h.Version, cs); err != nil {
			t.Fatal(err)
		}
		if got := len(objects) - n; got != tt.want {
			t.Errorf("%s: %d new objects, want %d", tt.name, got, tt.want)
		}
	}
}

func TestFileAndDirectoryClash(t *testing.T) {
	s := open(t, memRepo(t), gitstore.Options{Now: tick()})
	ctx := context.Background()
	cs := state.NewChangeset(state.Message{})
	cs.PutFile("reports/2026/11.md", []byte("x"))
	h, err := s.Write(ctx, "", cs)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"reports/2026", "reports/2026/11.md/x"} {
		cs := state.NewChangeset(state.Message{})
		cs.PutFile(p, []byte("y"))
		if _, err := s.Write(ctx, h.Version, cs); err == nil || errors.Is(err, state.ErrConflict) {
			t.Errorf("put %s over the other kind: err = %v", p, err)
		}
	}
	cs = state.NewChangeset(state.Message{})
	cs.PutFile("a", []byte("1"))
	cs.PutFile("a/b", []byte("2"))
	if _, err := s.Write(ctx, h.Version, cs); err == nil {
		t.Error("a changeset with a as both file and directory was written")
	}
}

func TestBadVersions(t *testing.T) {
	s := open(t, memRepo(t), gitstore.Options{Now: tick()})
	ctx := context.Background()
	cs := state.NewChangeset(state.Message{})
	cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published})
	if _, err := s.Write(ctx, "not-a-hash", cs); err == nil || errors.Is(err, state.ErrConflict) {
		t.Errorf("write on a malformed version: %v", err)
	}
	if _, err := s.Write(ctx, state.Version(strings.Repeat("ab", 20)), cs); err == nil {
		t.Error("write on an unknown commit succeeded")
	}
}

func TestOpenErrors(t *testing.T) {
	repo := memRepo(t)
	for name, opts := range map[string]gitstore.Options{
		"no clock":       {},
		"bad branch":     {Branch: "bad..name", Now: tick()},
		"unknown remote": {Remote: "origin", Now: tick()},
	} {
		if _, err := gitstore.Open(repo, opts); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
	if _, err := gitstore.OpenPath(t.TempDir(), gitstore.Options{Now: tick()}); err == nil {
		t.Error("opened a directory that is not a repository")
	}
}

// TestReadsWhatGitWrites builds state commits with the git command line, as
// a person repairing the branch by hand would, and reads them back.
func TestReadsWhatGitWrites(t *testing.T) {
	rec := &state.Record{Address: state.Address{Post: "posts/hiver", Account: "brand-x"}, Status: state.Published,
		Ref: network.Ref{ID: "42"}, Parts: []state.Part{{Ref: network.Ref{ID: "42"}}}}
	good, err := state.EncodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	meta := state.EncodeMeta("11111111-2222-4333-8444-555555555555", 7)
	tests := []struct {
		name    string
		files   map[string][]byte
		wantErr string
	}{
		{"valid", map[string][]byte{"state.json": meta, state.RecordPath(rec.Address): good, "reports/a.md": []byte("a")}, ""},
		{"record at the wrong path", map[string][]byte{"state.json": meta, "records/00/000/other.json": good}, "belongs at"},
		{"no state.json", map[string][]byte{state.RecordPath(rec.Address): good}, "no state.json"},
		{"newer format", map[string][]byte{"state.json": []byte(`{"format":9,"lineage":"l","serial":1}`)}, "newer"},
		{"broken record", map[string][]byte{"state.json": meta, state.RecordPath(rec.Address): []byte("{")}, "decode record"},
		{"file in records", map[string][]byte{"state.json": meta, "records/x.json": good}, "directory of records"},
		{"file in a records directory", map[string][]byte{"state.json": meta, "records/00/x.json": good}, "directory of records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newWorkTree(t)
			commitFiles(t, dir, "refs/heads/clairon/state", tt.files)
			s, err := gitstore.OpenPath(dir, gitstore.Options{Now: tick()})
			if err != nil {
				t.Fatal(err)
			}
			snap, err := s.Read(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if snap.State.Serial != 7 || snap.State.Records[rec.Address] == nil || string(snap.State.Files["reports/a.md"]) != "a" {
				t.Errorf("read serial %d, records %v, files %v", snap.State.Serial, snap.State.Addresses(), snap.State.FilePaths())
			}
			// And a write on top of a hand-made commit keeps the hand-made file.
			cs := state.NewChangeset(state.Message{Subject: "after repair"})
			cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Failed})
			h, err := s.Write(context.Background(), snap.Version, cs)
			if err != nil || h.Serial != 8 {
				t.Fatalf("write after repair: %+v, %v", h, err)
			}
			if out := gitCmd(t, dir, "show", "clairon/state:reports/a.md"); out != "a" {
				t.Errorf("hand-made file now %q", out)
			}
			gitCmd(t, dir, "fsck", "--strict", "--no-progress")
		})
	}
}

// commitFiles makes a parentless commit of files with git plumbing commands
// and points ref at it.
func commitFiles(t *testing.T, dir, ref string, files map[string][]byte) {
	t.Helper()
	idx := filepath.Join(t.TempDir(), "index")
	env := []string{"GIT_INDEX_FILE=" + idx}
	for p, b := range files {
		f := filepath.Join(t.TempDir(), "blob")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		h := strings.TrimSpace(gitCmd(t, dir, "hash-object", "-w", f))
		gitEnv(t, dir, env, "update-index", "--add", "--cacheinfo", "100644,"+h+","+p)
	}
	tree := strings.TrimSpace(gitEnv(t, dir, env, "write-tree"))
	c := strings.TrimSpace(gitCmd(t, dir, "commit-tree", tree, "-m", "by hand"))
	gitCmd(t, dir, "update-ref", ref, c)
}

// TestRereadUsesCache checks that a second read returns equal records and
// independent copies.
func TestRereadReturnsCopies(t *testing.T) {
	s := open(t, memRepo(t), gitstore.Options{Now: tick()})
	ctx := context.Background()
	cs := state.NewChangeset(state.Message{})
	for _, r := range statetest.Records(100, 2) {
		cs.Put(r)
	}
	if _, err := s.Write(ctx, "", cs); err != nil {
		t.Fatal(err)
	}
	a, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := a.State.Clone()
	for _, r := range a.State.Records {
		r.Status = state.Failed
		if len(r.Parts) > 0 {
			r.Parts[0].Ref.ID = "changed"
		}
	}
	b, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	statetest.EqualRecords(t, b.State.Records, first.Records)
}

func ExampleStore() {
	repo, _ := git.Init(memory.NewStorage(), nil)
	s, _ := gitstore.Open(repo, gitstore.Options{Now: func() time.Time { return statetest.Epoch }, Rand: statetest.Seeded(1)})
	ctx := context.Background()
	snap, _ := s.Read(ctx)
	cs := state.NewChangeset(state.Message{Subject: "record 1 post"})
	cs.Put(&state.Record{Address: state.Address{Post: "posts/hello", Account: "brand-mastodon"}, Status: state.Published})
	h, _ := s.Write(ctx, snap.Version, cs)
	c, _ := repo.CommitObject(plumbing.NewHash(string(h.Version)))
	tree, _ := c.Tree()
	_ = tree.Files().ForEach(func(f *object.File) error { fmt.Println(f.Name); return nil })
	fmt.Print(c.Message)
	// Output:
	// records/45/45b/posts%2Fhello@brand-mastodon.json
	// state.json
	// clairon: record 1 post
	//
	// Clairon-Serial: 1
	// Clairon-Lineage: 6ae6783f-4fbd-491b-aeb8-8b73a48ed247
}
