package gitdisk_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/clairon-dev/clairon/engine/gittest"
	"github.com/clairon-dev/clairon/engine/internal/gitdisk"
)

// packedRepo makes a repository of n files, packed as a clone is, and
// returns the filesystem of its .git folder.
func packedRepo(t *testing.T, n int) billy.Filesystem {
	dir := t.TempDir()
	gittest.Run(t, dir, "init", "-q")
	for i := range n {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.md", i)), []byte(fmt.Sprintf("Bonjour n°%d\n", i)), 0o644)
	}
	gittest.Run(t, dir, "add", "-A")
	gittest.Run(t, dir, "-c", "gc.auto=0", "commit", "-q", "-m", "files")
	gittest.Run(t, dir, "gc", "-q")
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	return repo.Storer.(*filesystem.Storage).Filesystem()
}

func TestStorageReadsWhatGoGitReads(t *testing.T) {
	fs := packedRepo(t, 200)
	// go-git's own folders give files that cannot Stat; bound ones can, and
	// the index decoder then checks the size too.
	for name, fs := range map[string]billy.Filesystem{"chroot": fs, "bound": osfs.New(fs.Root(), osfs.WithBoundOS())} {
		t.Run(name, func(t *testing.T) { readsWhatGoGitReads(t, fs) })
	}
}

func readsWhatGoGitReads(t *testing.T, fs billy.Filesystem) {
	plain := filesystem.NewStorage(fs, cache.NewObjectLRUDefault())
	own := gitdisk.NewStorage(fs, cache.MiByte, 4)
	defer own.Close()

	repo, err := git.Open(own, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.ResolveRevision("HEAD"); err != nil {
		t.Fatalf("resolve HEAD: %v", err)
	}
	iter, err := plain.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = iter.ForEach(func(want plumbing.EncodedObject) error {
		got, err := own.EncodedObject(want.Type(), want.Hash())
		if err != nil {
			return fmt.Errorf("%s: %w", want.Hash(), err)
		}
		if !bytes.Equal(contents(t, got), contents(t, want)) {
			return fmt.Errorf("%s differs", want.Hash())
		}
		if data, err := gitdisk.ReadObject(own, want.Type(), want.Hash()); err != nil || !bytes.Equal(data, contents(t, want)) {
			return fmt.Errorf("ReadObject %s: %q, %v", want.Hash(), data, err)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 202 { // 200 blobs, a tree, a commit
		t.Fatalf("compared %d objects; want every object of the pack", n)
	}
}

func TestPackIndexIsReadInLargeReads(t *testing.T) {
	fs := packedRepo(t, 300)
	reads := func(st *filesystem.Storage) int64 {
		defer st.Close()
		repo, err := git.Open(st, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := repo.ResolveRevision("HEAD"); err != nil { // loads the index
			t.Fatal(err)
		}
		return idxReads.Swap(0)
	}
	plain := reads(filesystem.NewStorage(countingFS{fs}, cache.NewObjectLRUDefault()))
	buffered := reads(gitdisk.NewStorage(countingFS{fs}, cache.MiByte, 4))
	// The index of 302 objects is about 10 KiB: one read fills the buffer,
	// one more sees its end.
	t.Logf("index reads: go-git %d, buffered %d", plain, buffered)
	if buffered > 4 {
		t.Errorf("the pack index took %d reads; want a few", buffered)
	}
	if plain <= buffered {
		t.Errorf("go-git alone read the index in %d reads, buffered %d: the buffer saves nothing", plain, buffered)
	}
}

// idxReads counts the reads of .idx files through countingFS.
var idxReads atomic.Int64

type countingFS struct{ billy.Filesystem }

func (f countingFS) Open(name string) (billy.File, error) {
	file, err := f.Filesystem.Open(name)
	if err != nil || !strings.HasSuffix(name, ".idx") {
		return file, err
	}
	return countingFile{file}, nil
}

func (f countingFS) Chroot(path string) (billy.Filesystem, error) {
	sub, err := f.Filesystem.Chroot(path)
	return countingFS{sub}, err
}

type countingFile struct{ billy.File }

func (f countingFile) Read(p []byte) (int, error) {
	idxReads.Add(1)
	return f.File.Read(p)
}

func contents(t *testing.T, o plumbing.EncodedObject) []byte {
	r, err := o.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An object the repository lacks, or asked for as another type, is an
// error, not empty content.
func TestReadObjectOfAMissingObject(t *testing.T) {
	fs := packedRepo(t, 3)
	st := gitdisk.NewStorage(fs, cache.MiByte, 4)
	defer st.Close()
	if data, err := gitdisk.ReadObject(st, plumbing.BlobObject, plumbing.NewHash("0123456789012345678901234567890123456789")); err == nil {
		t.Errorf("missing object read as %q", data)
	}
	repo, err := git.Open(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.ResolveRevision("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := gitdisk.ReadObject(st, plumbing.BlobObject, *head); err == nil {
		t.Errorf("a commit read as a blob: %q", data)
	}
}
