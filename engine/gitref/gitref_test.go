package gitref_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/clairon-dev/clairon/engine/gitref"
)

var (
	h1 = plumbing.NewHash("1111111111111111111111111111111111111111")
	h2 = plumbing.NewHash("2222222222222222222222222222222222222222")
	h3 = plumbing.NewHash("3333333333333333333333333333333333333333")
)

func initRepo(t *testing.T) (*git.Repository, string) {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	return repo, dir
}

// leftovers lists files a write left in the git directory.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, ".lock") || strings.HasSuffix(p, ".tmp")) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestCompareAndSwap(t *testing.T) {
	repo, dir := initRepo(t)
	st := repo.Storer
	name := plumbing.NewBranchReferenceName("clairon/state")
	steps := []struct {
		old, next plumbing.Hash
		want      error
	}{
		{plumbing.ZeroHash, h1, nil},
		{plumbing.ZeroHash, h2, storage.ErrReferenceHasChanged}, // exists already
		{h2, h3, storage.ErrReferenceHasChanged},                // not at h2
		{h1, h2, nil},
		{h2, h3, nil},
	}
	for i, s := range steps {
		if err := gitref.CompareAndSwap(st, name, s.old, s.next); !errors.Is(err, s.want) {
			t.Fatalf("step %d: %v, want %v", i, err, s.want)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "refs", "heads", "clairon", "state"))
	if err != nil || string(b) != h3.String()+"\n" {
		t.Fatalf("ref file %q, %v", b, err)
	}
	if ref, err := st.Reference(name); err != nil || ref.Hash() != h3 {
		t.Fatalf("go-git reads %v, %v", ref, err)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
	if _, err := exec.LookPath("git"); err == nil {
		out, err := exec.Command("git", "-C", dir, "rev-parse", "clairon/state").Output()
		if err != nil || strings.TrimSpace(string(out)) != h3.String() {
			t.Errorf("git rev-parse: %s %v", out, err)
		}
	}
}

func TestLockHeldAndStale(t *testing.T) {
	repo, dir := initRepo(t)
	name := plumbing.NewBranchReferenceName("main")
	lock := filepath.Join(dir, "clairon-refs_heads_main.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := gitref.CompareAndSwap(repo.Storer, name, plumbing.ZeroHash, h1); !errors.Is(err, gitref.ErrLocked) {
		t.Fatalf("with the lock held: %v, want ErrLocked", err)
	}
	// Left by a process killed long ago: taken over.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	if err := gitref.CompareAndSwap(repo.Storer, name, plumbing.ZeroHash, h1); err != nil {
		t.Fatalf("with a stale lock: %v", err)
	}
	// Locks are kept out of refs/, where go-git would read them as refs.
	if _, err := repo.References(); err != nil {
		t.Fatal(err)
	}
}

func TestWrappedStorage(t *testing.T) {
	repo, dir := initRepo(t)
	st := gitref.Wrap(repo.Storer)
	if _, ok := st.(*gitref.Storage); !ok {
		t.Fatalf("a storage on disk is not wrapped: %T", st)
	}
	if mem := memory.NewStorage(); gitref.Wrap(mem) != storage.Storer(mem) {
		t.Error("a storage in memory was wrapped")
	}
	head := plumbing.NewSymbolicReference(plumbing.HEAD, plumbing.NewBranchReferenceName("trunk"))
	if err := st.SetReference(head); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "HEAD")); string(b) != "ref: refs/heads/trunk\n" {
		t.Errorf("HEAD holds %q", b)
	}
	branch := plumbing.NewHashReference("refs/heads/trunk", h1)
	if err := st.CheckAndSetReference(branch, nil); err != nil {
		t.Fatal(err)
	}
	stale := plumbing.NewHashReference("refs/heads/trunk", h2)
	if err := st.CheckAndSetReference(plumbing.NewHashReference("refs/heads/trunk", h3), stale); !errors.Is(err, storage.ErrReferenceHasChanged) {
		t.Errorf("check against a stale value: %v", err)
	}
	idx := &index.Index{Version: 2, Entries: []*index.Entry{{Name: "posts/a.md", Hash: h1, Size: 12}}}
	if err := st.SetIndex(idx); err != nil {
		t.Fatal(err)
	}
	got, err := repo.Storer.Index()
	if err != nil || len(got.Entries) != 1 || got.Entries[0].Name != "posts/a.md" || got.Entries[0].Hash != h1 {
		t.Fatalf("index read back: %+v, %v", got, err)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
}
