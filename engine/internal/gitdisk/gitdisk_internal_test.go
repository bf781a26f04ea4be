package gitdisk

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
)

// Only pack indexes are buffered, and a buffered index can still say its
// size when its file can.
func TestOnlyIndexesAreBuffered(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"pack-1.idx", "pack-1.pack"} {
		os.WriteFile(filepath.Join(dir, name), []byte("0123456789"), 0o644)
	}
	open := func(fs billy.Filesystem, name string) billy.File {
		t.Helper()
		f, err := bufferedIdx{fs}.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	if f, ok := open(osfs.New(dir, osfs.WithBoundOS()), "pack-1.idx").(*statBufferedFile); !ok {
		t.Error("an index whose file can Stat lost its Stat")
	} else if st, err := f.Stat(); err != nil || st.Size() != 10 {
		t.Errorf("Stat: %v, %v", st, err)
	}
	if _, ok := open(osfs.New(dir), "pack-1.idx").(*bufferedFile); !ok {
		t.Error("an index was not buffered")
	}
	switch open(osfs.New(dir), "pack-1.pack").(type) {
	case *bufferedFile, *statBufferedFile:
		t.Error("a pack was buffered: go-git reads packs at offsets")
	}
	sub, err := bufferedIdx{osfs.New(filepath.Dir(dir))}.Chroot(filepath.Base(dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := open(sub, "pack-1.idx").(*bufferedFile); !ok {
		t.Error("a sub-filesystem does not buffer indexes")
	}
}
