package githubactions_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/githubactions"
	"github.com/clairon-dev/clairon/engine/githubactions/githubtest"
)

// fixedRand yields the same 16 bytes for every delimiter.
func fixedRand() *bytes.Reader {
	return bytes.NewReader(bytes.Repeat([]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, 8))
}

func TestFormatOutput(t *testing.T) {
	got, err := githubactions.FormatOutput("plan-json", "/tmp/plan.json", fixedRand())
	if err != nil {
		t.Fatal(err)
	}
	// UUID version 4, RFC 4122 variant, as crypto.randomUUID makes them.
	want := "plan-json<<ghadelimiter_00112233-4455-4677-8899-aabbccddeeff\n/tmp/plan.json\nghadelimiter_00112233-4455-4677-8899-aabbccddeeff\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, bad := range []string{"", "a\nb", "a=b", "a<<b"} {
		if _, err := githubactions.FormatOutput(bad, "v", fixedRand()); err == nil {
			t.Errorf("name %q: no error", bad)
		}
	}
	// A value that holds its own delimiter would end its entry early.
	evil := "x\nghadelimiter_00112233-4455-4677-8899-aabbccddeeff\nhas-changes=true"
	if _, err := githubactions.FormatOutput("summary", evil, fixedRand()); err == nil {
		t.Error("a value containing the delimiter was accepted")
	}
}

func TestWriteOutputsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output")
	// Another tool wrote first in the same step: entries are appended.
	os.WriteFile(path, []byte("earlier=1\n"), 0o644)
	outs := []githubactions.Output{
		{Name: "has-changes", Value: "true"},
		{Name: "empty", Value: ""},
		{Name: "multi", Value: "line 1\nline 2 = two\n\nname<<EOF\nlast"},
		{Name: "trailing", Value: "ends with a newline\n"},
	}
	if err := githubactions.WriteOutputs(path, outs, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got, err := githubtest.ParseKeyValueFile(string(b))
	if err != nil {
		t.Fatalf("the runner would reject the file: %v\n%s", err, b)
	}
	if got["earlier"] != "1" {
		t.Errorf("earlier output lost: %q", got)
	}
	for _, o := range outs {
		if got[o.Name] != o.Value {
			t.Errorf("%s = %q, want %q", o.Name, got[o.Name], o.Value)
		}
	}
	// Each entry has its own random delimiter.
	delims := map[string]bool{}
	for line := range strings.Lines(string(b)) {
		if _, d, ok := strings.Cut(strings.TrimSpace(line), "<<"); ok && strings.HasPrefix(d, "ghadelimiter_") {
			delims[d] = true
		}
	}
	if len(delims) != len(outs) {
		t.Errorf("%d distinct delimiters for %d outputs", len(delims), len(outs))
	}
	if err := githubactions.WriteOutputs("", outs, nil); err != nil {
		t.Errorf("no output file: %v", err)
	}
}

func TestParseKeyValueFileRejects(t *testing.T) {
	for _, bad := range []string{"name<<EOF\nvalue\n", "=value\n", "just text\n", "<<EOF\nx\nEOF\n"} {
		if _, err := githubtest.ParseKeyValueFile(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFitMarkdown(t *testing.T) {
	note := "_cut_"
	long := "# Title\n\n" + strings.Repeat("row\n", 100)
	tests := []struct {
		name     string
		md       string
		limit    int
		cut      bool
		suffix   string
		contains []string
	}{
		{"fits", "short\n", 100, false, "short\n", nil},
		{"exactly", "12345", 5, false, "12345", nil},
		{"cut at a line", long, 60, true, "\n\n_cut_\n", []string{"# Title"}},
		{"closes a fence", "intro\n````text\n" + strings.Repeat("long line of text\n", 20), 120, true, "````\n\n_cut_\n", nil},
		{"closes details", "<details><summary>a</summary>\n\n" + strings.Repeat("text\n", 40), 90, true, "</details>\n\n_cut_\n", nil},
		{"fence with details inside is not counted", "<details>\n````\n<details>\n" + strings.Repeat("x\n", 60), 70, true, "````\n</details>\n\n_cut_\n", nil},
		{"tiny limit keeps the note", long, 6, true, "_cut_", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := githubactions.FitMarkdown(tt.md, tt.limit, note)
			if cut != tt.cut {
				t.Errorf("cut = %v, want %v", cut, tt.cut)
			}
			if len(got) > tt.limit {
				t.Errorf("%d bytes, limit %d", len(got), tt.limit)
			}
			if !strings.HasSuffix(got, tt.suffix) {
				t.Errorf("got %q, want suffix %q", got, tt.suffix)
			}
			for _, c := range tt.contains {
				if !strings.Contains(got, c) {
					t.Errorf("got %q, missing %q", got, c)
				}
			}
		})
	}
}

func TestAppendSummary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "summary")
	cut, err := githubactions.AppendSummary(path, "### clairon\n\nAll good.\n")
	if err != nil || cut {
		t.Fatalf("cut %v, err %v", cut, err)
	}
	// A huge plan: the file ends within the limit, with the note.
	var big strings.Builder
	for big.Len() < 2*githubactions.SummaryLimit {
		big.WriteString("<details><summary>post</summary>\n\n````text\nUn texte de post assez long pour remplir la page.\n````\n\n</details>\n\n")
	}
	cut, err = githubactions.AppendSummary(path, big.String())
	if err != nil || !cut {
		t.Fatalf("cut %v, err %v", cut, err)
	}
	b, _ := os.ReadFile(path)
	if len(b) > githubactions.SummaryLimit {
		t.Errorf("summary is %d bytes, over %d", len(b), githubactions.SummaryLimit)
	}
	if !strings.HasPrefix(string(b), "### clairon\n\nAll good.\n") || !strings.Contains(string(b), "1 MiB limit") {
		t.Errorf("summary lost its start or lacks the note: %q…%q", b[:40], b[len(b)-200:])
	}
	if strings.Count(string(b), "<details>") != strings.Count(string(b), "</details>") || strings.Count(string(b), "````")%2 != 0 {
		t.Error("the cut left an element or a fence open")
	}
	// Full: nothing more is written, and the caller is told.
	cut, err = githubactions.AppendSummary(path, strings.Repeat("x", githubactions.SummaryLimit))
	if err != nil || !cut {
		t.Errorf("cut %v, err %v", cut, err)
	}
	if _, err := githubactions.AppendSummary("", "x"); err != nil {
		t.Errorf("no summary file: %v", err)
	}
}

func TestRunner(t *testing.T) {
	ws := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": ws, "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "2",
	}
	r := githubactions.FromEnv(func(k string) string { return env[k] })
	if !r.Actions || r.APIURL != "https://api.github.com" || r.ServerURL != "https://github.com" {
		t.Errorf("defaults: %+v", r)
	}
	if got := r.RunURL(); got != "https://github.com/o/r/actions/runs/77/attempts/2" {
		t.Errorf("RunURL = %q", got)
	}
	tests := []struct{ dir, want string }{
		{ws, "."},
		{filepath.Join(ws, "content"), "content"},
		{filepath.Join(ws, "a", "..", "content", "fr"), "content/fr"},
		{"/elsewhere/content", "/elsewhere/content"},
	}
	for _, tt := range tests {
		if got := r.RepoPath(tt.dir); got != tt.want {
			t.Errorf("RepoPath(%q) = %q, want %q", tt.dir, got, tt.want)
		}
	}
	r.Workspace = ""
	if got := r.RepoPath("./content/"); got != "content" {
		t.Errorf("without a workspace: %q", got)
	}
}
