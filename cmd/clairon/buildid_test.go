package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoBuildIDIsTheOneGoReports(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	if got, want := goBuildID(exe), strings.TrimSpace(string(out)); got != want || got == "" {
		t.Errorf("goBuildID = %q, want %q", got, want)
	}
	if id := buildIdentity(); !strings.Contains(id, strings.TrimSpace(string(out))) {
		t.Errorf("buildIdentity = %q, want the build ID", id)
	}
}

// Executables other than ELF carry the ID in a marker near their start.
func TestGoBuildIDFromTheMarker(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ data, want string }{
		"marked": {"\x00\x01junk\xff Go build ID: \"abc/def\"\n \xffmore", "abc/def"},
		"none":   {"no marker here", ""},
		"torn":   {"\xff Go build ID: \"abc", ""},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(c.data), 0o644)
		if got := goBuildID(p); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}
