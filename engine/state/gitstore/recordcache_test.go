package gitstore_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

// The record cache carries decoded records from one process to the next:
// reads with it, cold, warm, after a write and after damage, give exactly
// the state read without it.
func TestRecordCacheAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gitCmd(t, dir, "init", "-q", "-b", "main", "repo")
	repo := filepath.Join(dir, "repo")
	cacheFile := filepath.Join(dir, "cache", "state.cache")
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	openStore := func(cache string) *gitstore.Store {
		t.Helper()
		s, err := gitstore.OpenPath(repo, gitstore.Options{Now: now, CacheFile: cache})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	read := func(s *gitstore.Store) *state.Snapshot {
		t.Helper()
		snap, err := s.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	same := func(what string, got, want *state.Snapshot) {
		t.Helper()
		if got.Version != want.Version || !reflect.DeepEqual(got.State, want.State) {
			t.Fatalf("%s: the cached read differs from the uncached one", what)
		}
	}

	cs := state.NewChangeset(state.Message{Subject: "initial"})
	for _, r := range statetest.Records(300, 7) {
		cs.Put(r)
	}
	if _, err := openStore("").Write(ctx, "", cs); err != nil {
		t.Fatal(err)
	}
	same("cold", read(openStore(cacheFile)), read(openStore("")))
	if _, err := os.Stat(cacheFile); err != nil {
		t.Fatalf("no cache file after a read: %v", err)
	}
	same("warm", read(openStore(cacheFile)), read(openStore("")))

	// A new process finds every record in the file: it decodes none from
	// git, so it has nothing to write back.
	stamp, err := os.Stat(cacheFile)
	if err != nil {
		t.Fatal(err)
	}
	read(openStore(cacheFile))
	if again, _ := os.Stat(cacheFile); !again.ModTime().Equal(stamp.ModTime()) || again.Size() != stamp.Size() {
		t.Error("a read that decoded nothing new wrote the cache again")
	}

	// A write: the next process decodes the changed records and keeps the rest.
	w := openStore(cacheFile)
	snap := read(w)
	next := state.NewChangeset(state.Message{Subject: "more"})
	for _, r := range statetest.Records(310, 8)[300:] {
		next.Put(r)
	}
	rec := snap.State.Records[statetest.Records(300, 7)[5].Address].Clone()
	rec.Attempts++
	next.Put(rec)
	if _, err := w.Write(ctx, snap.Version, next); err != nil {
		t.Fatal(err)
	}
	same("after a write", read(openStore(cacheFile)), read(openStore("")))

	// Damage anywhere makes the whole file ignored, then written again.
	b, err := os.ReadFile(cacheFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{3, len(b) / 2, len(b) - 1} {
		bad := append([]byte{}, b...)
		bad[at] ^= 0x40
		if err := os.WriteFile(cacheFile, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		same("damaged", read(openStore(cacheFile)), read(openStore("")))
	}
	if err := os.WriteFile(cacheFile, b[:len(b)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	same("torn", read(openStore(cacheFile)), read(openStore("")))
	if fixed, _ := os.ReadFile(cacheFile); len(fixed) != len(b) {
		t.Errorf("the torn cache was not written again: %d bytes, want %d", len(fixed), len(b))
	}
}

// countingStorage counts the trees read from a storage.
type countingStorage struct {
	*memory.Storage
	trees atomic.Int64
}

func (c *countingStorage) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if t == plumbing.TreeObject {
		c.trees.Add(1)
	}
	return c.Storage.EncodedObject(t, h)
}

// With the cache file, a new process reads from git the root tree alone
// when the state did not change, and the trees on the path of each changed
// record when it did: never the tens of thousands of trees of a large state.
func TestReadCacheSkipsUnchangedTrees(t *testing.T) {
	ctx := context.Background()
	counted := &countingStorage{Storage: memory.NewStorage()}
	repo, err := git.Init(counted, nil)
	if err != nil {
		t.Fatal(err)
	}
	cacheFile := filepath.Join(t.TempDir(), "state.cache")
	cs := state.NewChangeset(state.Message{Subject: "initial"})
	records := statetest.Records(500, 3)
	for _, r := range records {
		cs.Put(r)
	}
	if _, err := open(t, repo, gitstore.Options{}).Write(ctx, "", cs); err != nil {
		t.Fatal(err)
	}
	read := func() (*state.Snapshot, int64) {
		t.Helper()
		counted.trees.Store(0)
		snap, err := open(t, repo, gitstore.Options{CacheFile: cacheFile}).Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return snap, counted.trees.Load()
	}
	if _, cold := read(); cold < 500 {
		t.Fatalf("the first read took %d trees from git; the layout should give about one per record", cold)
	}
	snap, trees := read()
	if trees != 1 {
		t.Errorf("a read of the unchanged state took %d trees from git, want the root alone", trees)
	}
	rec := snap.State.Records[records[42].Address].Clone()
	rec.Attempts++
	next := state.NewChangeset(state.Message{Subject: "one more attempt"})
	next.Put(rec)
	if _, err := open(t, repo, gitstore.Options{}).Write(ctx, snap.Version, next); err != nil {
		t.Fatal(err)
	}
	after, trees := read()
	if trees != 4 {
		t.Errorf("a read after one record changed took %d trees from git, want 4 (root, records/, two levels)", trees)
	}
	if got := after.State.Records[rec.Address]; got.Attempts != rec.Attempts {
		t.Errorf("read %d attempts, want %d", got.Attempts, rec.Attempts)
	}
	uncached, err := open(t, repo, gitstore.Options{}).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after.State, uncached.State) {
		t.Error("the cached read differs from the uncached one")
	}
}
