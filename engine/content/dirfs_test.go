package content_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/clairon-dev/clairon/engine/content"
)

func TestDirFS(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("clairon.yaml", "version: 1\n")
	for i := range 200 { // enough for the listing to stat on several goroutines
		write(filepath.ToSlash(filepath.Join("posts", "2027", string(rune('a'+i%26))+string(rune('a'+i/26))+".md")), "---\ntitle: x\n---\n"+string(make([]byte, i)))
	}
	if err := os.Symlink("../clairon.yaml", filepath.Join(dir, "posts", "link.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "posts", "2027", "aa.md"), 0o600); err != nil {
		t.Fatal(err)
	}
	fsys := content.DirFS(dir)
	if err := fstest.TestFS(fsys, "clairon.yaml", "posts/2027/aa.md", "posts/link.md"); err != nil {
		t.Fatal(err)
	}

	// Every entry's Info is what os.Lstat says of the file.
	for _, folder := range []string{".", "posts", "posts/2027"} {
		entries, err := fs.ReadDir(fsys, folder)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			got, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(folder), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if got.Name() != want.Name() || got.Mode() != want.Mode() || !got.ModTime().Equal(want.ModTime()) ||
				(!want.IsDir() && got.Size() != want.Size()) || got.IsDir() != want.IsDir() || e.Type() != want.Mode().Type() {
				t.Errorf("%s/%s: Info = %v %v %d %v, Lstat = %v %v %d %v", folder, e.Name(),
					got.Mode(), got.ModTime(), got.Size(), got.IsDir(), want.Mode(), want.ModTime(), want.Size(), want.IsDir())
			}
		}
	}

	// A missing folder is fs.ErrNotExist, named relative to the root.
	_, err := fs.ReadDir(fsys, "contests")
	var pe *fs.PathError
	if !os.IsNotExist(err) || !errors.As(err, &pe) || pe.Path != "contests" {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := fs.ReadDir(fsys, "../etc"); err == nil {
		t.Error("an invalid path was listed")
	}
}
