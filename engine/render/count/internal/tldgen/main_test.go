package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const cases = `tests:
  country:
  - description: x
    text: https://twitter.한국
    expected: [https://twitter.한국]
  generic:
  - description: y
    text: https://twitter.community
    expected: [https://twitter.community]
  - description: z
    text: https://twitter.com
    expected: [https://twitter.com]
`

func TestRunWritesOrderedLists(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "tlds.yml", cases)
	writeFile(t, dir, "tld_lib.yml", "country: [한국]\ngeneric: [community, com]\n")
	out := filepath.Join(dir, "out.go")
	if err := run(dir, out, "count"); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DO NOT EDIT", "package count", `"한국",`, `"community", "com",`} {
		if !strings.Contains(string(src), want) {
			t.Errorf("generated file lacks %q:\n%s", want, src)
		}
	}
}

func TestRunRefusesDisagreement(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "tlds.yml", cases)
	writeFile(t, dir, "tld_lib.yml", "country: [한국]\ngeneric: [com, community]\n")
	if err := run(dir, filepath.Join(dir, "out.go"), "count"); err == nil || !strings.Contains(err.Error(), "disagree") {
		t.Errorf("order mismatch not refused: %v", err)
	}
}

func TestRunWithoutDataFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "tlds.yml", cases)
	if err := run(dir, filepath.Join(dir, "out.go"), "count"); err != nil {
		t.Errorf("tld_lib.yml is optional: %v", err)
	}
	writeFile(t, dir, "tlds.yml", "tests:\n  country:\n  - text: nothing here\n")
	if err := run(dir, filepath.Join(dir, "out.go"), "count"); err == nil {
		t.Error("case without a host accepted")
	}
}
