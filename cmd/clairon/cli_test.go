package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fixedNow is the clock of CLI tests.
var fixedNow = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// cli runs clairon in-process with the fixed clock and no environment.
func cli(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code = runWith(context.Background(), args, strings.NewReader(""), &out, &errb, getenv, func() time.Time { return fixedNow })
	return out.String(), errb.String(), code
}

// writeFiles writes files under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// repoWith writes files into a new git repository and returns its path.
func repoWith(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	git := exec.Command("git", "init", "-q", dir)
	if out, err := git.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	return dir
}

const sandboxConfig = "timezone: Europe/Paris\naccounts:\n  m: {network: mastodon, server: \"https://piaille.fr\", token: \"env:M\"}\n  b: {network: bluesky, handle: brulerie.bsky.social, password: \"env:B\"}\n"

func TestValidateExitCodes(t *testing.T) {
	good := repoWith(t, map[string]string{"clairon.yaml": sandboxConfig, "posts/a.md": "---\nid: a\nto: [m]\n---\nBonjour\n"})
	if out, _, code := cli(t, nil, "validate", "--dir", good); code != 0 || !strings.Contains(out, "1 documents valid") {
		t.Errorf("valid repository: exit %d, %q", code, out)
	}
	bad := repoWith(t, map[string]string{
		"clairon.yaml": sandboxConfig,
		"posts/a.md":   "---\nid: a\nto: [m, z]\ntittle: x\n---\nBonjour\n",
		"posts/b.md":   "---\nid: a\nto: [b]\nat: 2026-03-29 02:30\n---\n" + strings.Repeat("é", 301) + "\n",
	})
	out, _, code := cli(t, nil, "validate", "--dir", bad, "--no-color")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"posts/a.md:3:9: error: unknown account \"z\"",
		"posts/a.md:4:1: error: unknown key \"tittle\"",
		"did you mean \"title\"?",
		"posts/b.md:2:5: error: post id \"a\" is already used by posts/a.md",
		"posts/b.md:4:5: error: at: 2026-03-29 02:30 does not exist in Europe/Paris",
		"posts/b.md:6:1: error: text is 301 graphemes on b (bluesky), 1 over the limit of 300",
		"      4 | tittle: x\n        | ^",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = cli(t, nil, "validate", "--dir", bad, "--format", "github")
	if !strings.Contains(out, "::error file="+bad+"/posts/a.md,line=4,col=1,title=clairon%3A unknown-key::unknown key") {
		t.Errorf("github format:\n%s", out)
	}
	out, _, _ = cli(t, nil, "validate", "--dir", bad, "--format", "json")
	if !strings.Contains(out, `"valid": false`) || !strings.Contains(out, `"code": "unknown-key"`) {
		t.Errorf("json format:\n%s", out)
	}
}

func TestSecretLiteralIsNeverEchoed(t *testing.T) {
	dir := repoWith(t, map[string]string{"clairon.yaml": strings.Replace(sandboxConfig, `"env:B"`, "hunter2-secret", 1)})
	out, errOut, code := cli(t, nil, "validate", "--dir", dir)
	if code != 1 || !strings.Contains(out, "secret written as a literal value") {
		t.Errorf("exit %d: %s", code, out)
	}
	if strings.Contains(out+errOut, "hunter2") {
		t.Errorf("the secret was printed:\n%s", out)
	}
}

func TestPlanDetailedExitCodeAndSavedPlans(t *testing.T) {
	dir := repoWith(t, map[string]string{"clairon.yaml": sandboxConfig, "posts/a.md": "---\nid: a\nto: [m, b]\nat: 2026-12-01 09:00\n---\nBonjour\n"})
	planFile := filepath.Join(t.TempDir(), "plan.json")
	out, errOut, code := cli(t, nil, "plan", "--dir", dir, "--sandbox", "--detailed-exitcode", "-out", planFile)
	if code != 2 || !strings.Contains(out, "Plan: 2 to publish, 0 to update, 0 to delete, 0 scheduled.") {
		t.Fatalf("exit %d, %s %s", code, out, errOut)
	}
	stale := filepath.Join(t.TempDir(), "stale.json")
	cli(t, nil, "plan", "--dir", dir, "--sandbox", "-out", stale)
	if out, errOut, code := cli(t, nil, "apply", planFile, "--dir", dir, "--sandbox"); code != 0 || !strings.Contains(out, "2 published") {
		t.Fatalf("apply saved plan: exit %d, %s %s", code, out, errOut)
	}
	if _, errOut, code := cli(t, nil, "apply", stale, "--dir", dir, "--sandbox"); code != 1 || !strings.Contains(errOut, "stale") {
		t.Errorf("stale plan: exit %d, %s", code, errOut)
	}
	if out, _, code := cli(t, nil, "plan", "--dir", dir, "--sandbox", "--detailed-exitcode"); code != 0 || !strings.Contains(out, "No changes") {
		t.Errorf("after apply: exit %d, %s", code, out)
	}
	if _, _, code := cli(t, nil, "plan", "--dir", filepath.Join(dir, "nope"), "--detailed-exitcode"); code != 1 {
		t.Errorf("error: exit %d, want 1", code)
	}
	if out, _, _ := cli(t, nil, "show", planFile); !strings.Contains(out, "a@m") {
		t.Errorf("show: %s", out)
	}
}

// sampleCopy copies content/ into a new git repository.
func sampleCopy(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "content")
	files := map[string]string{}
	filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, ".clairon") {
			return err
		}
		b, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(src, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return repoWith(t, files)
}

func TestSampleContentSandboxLoop(t *testing.T) {
	// The README's first command, on a copy of content/ in its own repository.
	dir := sampleCopy(t)
	at := "2027-03-01 12:00"
	out, errOut, code := cli(t, nil, "apply", "--sandbox", "--dir", dir, "--at", at)
	if code != 0 {
		t.Fatalf("apply --sandbox: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, nil, "plan", "--sandbox", "--dir", dir, "--at", at, "--detailed-exitcode")
	if code != 0 {
		t.Fatalf("plan after apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, _, _ := cli(t, nil, "apply", "--sandbox", "--dir", dir, "--at", at); !strings.Contains(out, "Nothing is due") {
		t.Errorf("second apply published again:\n%s", out)
	}
}

func TestPreviewStaticPagesLoadNothingFromOutside(t *testing.T) {
	dir := sampleCopy(t)
	out := t.TempDir()
	if stdout, stderr, code := cli(t, nil, "preview", "--dir", dir, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	pages, _ := filepath.Glob(filepath.Join(out, "*.html"))
	if len(pages) < 10 {
		t.Fatalf("%d pages", len(pages))
	}
	fetch := regexp.MustCompile(`(?:src|srcset)="([^"]*)"|<link[^>]+href="([^"]*)"|url\(([^)]*)\)|@import`)
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		for _, m := range fetch.FindAllStringSubmatch(string(b), -1) {
			u := m[1] + m[2] + m[3]
			if m[0] == "@import" || strings.Contains(u, "//") {
				t.Errorf("%s loads %q from outside", filepath.Base(p), m[0])
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "media", "2026", "noel")); err != nil {
		t.Errorf("media not copied: %v", err)
	}
}

// validate takes the rendering diagnostics of unchanged posts from the plan
// cache: with it, cold or warm, and after an edit, it reports exactly what it
// reports without it.
func TestValidateFromTheCacheReportsTheSame(t *testing.T) {
	dir := repoWith(t, map[string]string{
		"clairon.yaml":   sandboxConfig,
		"posts/long.md":  "---\nid: long\nto: [m, b]\n---\n" + strings.Repeat("é", 301) + "\n",
		"posts/short.md": "---\nid: short\nto: [b]\n---\nBonjour @inconnu.example\n",
		"posts/ok.md":    "---\nid: ok\nto: [m]\n---\nBonjour\n",
	})
	validate := func(args ...string) string {
		t.Helper()
		out, _, _ := cli(t, nil, append([]string{"validate", "--dir", dir, "--no-color", "--format", "json"}, args...)...)
		return out
	}
	want := validate("--no-cache")
	if !strings.Contains(want, "over the limit") {
		t.Fatalf("the repository should have a rendering error:\n%s", want)
	}
	for _, run := range []string{"cold", "warm"} {
		if got := validate(); got != want {
			t.Errorf("%s cache:\n got %s\nwant %s", run, got, want)
		}
		if _, err := os.Stat(filepath.Join(dir, ".clairon", "cache", "plan.cache")); err != nil {
			t.Fatalf("%s: validate wrote no cache: %v", run, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "posts", "long.md"), []byte("---\nid: long\nto: [m, b]\n---\nCourt.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want = validate("--no-cache")
	if got := validate(); got != want {
		t.Errorf("after an edit:\n got %s\nwant %s", got, want)
	}
	if strings.Contains(want, "over the limit") {
		t.Errorf("the edit did not fix the error:\n%s", want)
	}
}
