//go:build unix

package content

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// An entry removed between the listing and its stat says so from Info,
// and the loader reports it as an error reading that file.
func TestStatEntriesOfARemovedFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.md", "b.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed, err := f.ReadDir(-1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "b.md")); err != nil {
		t.Fatal(err)
	}
	entries, err := statEntries(f, dir, listed)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		switch e.Name() {
		case "a.md":
			if err != nil || info.Size() != 1 {
				t.Errorf("a.md: %v, %v", info, err)
			}
		case "b.md":
			var pe *fs.PathError
			if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "lstat" || pe.Path != filepath.Join(dir, "b.md") {
				t.Errorf("b.md: Info error %v, want lstat %s: not exist", err, filepath.Join(dir, "b.md"))
			}
		}
	}
	l := &loader{limit: DefaultMaxFileSize}
	for _, e := range entries {
		if e.Name() != "b.md" {
			continue
		}
		if _, _, err := l.parseFile(job{path: "posts/b.md", kind: KindPost, entry: e}); err == nil || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("loader: %v, want an error reading posts/b.md", err)
		}
	}
}
