package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/clairon-dev/clairon/engine/atomicfile"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	for _, content := range []string{"first\n", "second, longer\n", ""} {
		if err := atomicfile.Write(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != content {
			t.Fatalf("read %q, %v; want %q", b, err, content)
		}
	}
	if names, _ := os.ReadDir(dir); len(names) != 1 {
		t.Errorf("files left: %v", names)
	}
	// A directory that does not exist: an error, and nothing written.
	if err := atomicfile.Write(filepath.Join(dir, "missing", "f"), []byte("x")); err == nil {
		t.Error("no error for a missing directory")
	}
}
