package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/gittest"

	"github.com/clairon-dev/clairon/engine/githubactions"
	"github.com/clairon-dev/clairon/engine/githubactions/githubtest"
	"github.com/clairon-dev/clairon/templates"
)

// initCLI runs clairon with the action tests' clock.
func initCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runWith(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] }, func() time.Time { return actNow })
	return out.String(), errb.String(), code
}

var scaffoldPaths = []string{
	".github/workflows/clairon.yml", ".gitignore", "README.md", "calendars/editorial.md", "campaigns/launch.md",
	"clairon.yaml", "contests/launch-giveaway.md", "media/.gitkeep", "posts/giveaway.md", "posts/welcome.md",
}

func TestInitScaffoldValidatesAndPlansNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nos-posts")
	out, errOut, code := initCLI(t, nil, "init", dir, "--timezone", "Europe/Paris")
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	for _, p := range scaffoldPaths {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if !strings.Contains(out, "  + "+p+"\n") {
			t.Errorf("output does not list %s:\n%s", p, out)
		}
	}
	if !strings.Contains(out, "is not in a git repository yet") {
		t.Errorf("no hint about git:\n%s", out)
	}
	wf, _ := os.ReadFile(filepath.Join(dir, ".github", "workflows", "clairon.yml"))
	if !bytes.Equal(wf, templates.Workflow) {
		t.Error("the workflow differs from the reference workflow")
	}

	out, errOut, code = initCLI(t, nil, "validate", "--dir", dir)
	if code != 0 || !strings.Contains(out, "5 documents valid (0 errors, 0 warnings).") {
		t.Fatalf("validate the scaffold: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = initCLI(t, nil, "validate", "--dir", dir, "--strict")
	if code != 0 {
		t.Fatalf("validate --strict: exit %d\n%s%s", code, out, errOut)
	}

	// In a repository with its origin, as on GitHub: the examples are drafts,
	// so the plan lists them and nothing is due.
	root := filepath.Dir(dir)
	gittest.Run(t, root, "init", "-q", "--bare", "-b", "main", filepath.Join(root, "origin.git"))
	gittest.Run(t, dir, "init", "-q", "-b", "main")
	gittest.Run(t, dir, "remote", "add", "origin", filepath.Join(root, "origin.git"))
	out, errOut, code = initCLI(t, nil, "plan", "--dir", dir, "--detailed-exitcode")
	if code != 0 || !strings.Contains(out, "held: draft") {
		t.Fatalf("plan the scaffold: exit %d\n%s%s", code, out, errOut)
	}
}

func TestInitScaffoldOnAPullRequest(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "work")
	if _, errOut, code := initCLI(t, nil, "init", filepath.Join(ws, "content")); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	origin := filepath.Join(filepath.Dir(ws), "origin.git")
	gittest.Run(t, filepath.Dir(ws), "init", "-q", "--bare", "-b", "main", origin)
	gittest.Run(t, ws, "init", "-q", "-b", "main")
	gittest.Run(t, ws, "remote", "add", "origin", origin)

	api := githubtest.New()
	defer api.Close()
	r, err := githubtest.NewRunner(t.TempDir(), "pull_request", ws, api.URL())
	if err != nil {
		t.Fatal(err)
	}
	r.Env["GITHUB_TOKEN"] = githubtest.Token
	var out, errb bytes.Buffer
	code := runWith(context.Background(), []string{"action", "--dir", filepath.Join(ws, "content")}, strings.NewReader(""), &out, &errb, r.Getenv, func() time.Time { return actNow })
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	cs := api.Comments(githubtest.Repository, 42)
	if len(cs) != 1 || !strings.HasPrefix(cs[0].Body, githubactions.Marker("content")) {
		t.Fatalf("comments %+v", cs)
	}
	for _, s := range []string{"✅ **5 documents valid.**", "Plan: 0 to publish, 0 to update, 0 to delete, 4 scheduled.", "<code>welcome</code> on <b>brand-bluesky</b>"} {
		if !strings.Contains(cs[0].Body, s) {
			t.Errorf("comment lacks %q:\n%s", s, cs[0].Body)
		}
	}
	outs, err := r.Outputs()
	if err != nil || outs["has-changes"] != "false" {
		t.Errorf("outputs %v, %v", outs, err)
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "posts", "welcome.md")
	os.MkdirAll(filepath.Dir(mine), 0o755)
	os.WriteFile(mine, []byte("---\nto: [x]\n---\nMon texte\n"), 0o644)

	out, errOut, code := initCLI(t, nil, "init", "--dir", dir)
	if code != 1 || !strings.Contains(errOut, "already has posts/welcome.md; nothing was written (use --force to overwrite)") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(mine); string(b) != "---\nto: [x]\n---\nMon texte\n" {
		t.Error("the existing file changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "clairon.yaml")); err == nil {
		t.Error("files were written although one existed")
	}

	out, errOut, code = initCLI(t, nil, "init", "--dir", dir, "--force")
	if code != 0 || !strings.Contains(out, "  ~ posts/welcome.md\n") || !strings.Contains(out, "  + clairon.yaml\n") {
		t.Fatalf("--force: exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(mine); !strings.Contains(string(b), "id: welcome") {
		t.Error("--force did not overwrite")
	}
	// Again, everything exists now.
	if _, errOut, code := initCLI(t, nil, "init", dir); code != 1 || !strings.Contains(errOut, ".github/workflows/clairon.yml") {
		t.Errorf("second init: exit %d, %s", code, errOut)
	}
}

func TestInitTimezone(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"default", nil, nil, "timezone: UTC\n"},
		{"from TZ", map[string]string{"TZ": "America/Montreal"}, nil, "timezone: America/Montreal\n"},
		{"TZ that is not a zone name", map[string]string{"TZ": ":/etc/localtime"}, nil, "timezone: UTC\n"},
		{"flag wins", map[string]string{"TZ": "America/Montreal"}, []string{"--timezone", "Europe/Brussels"}, "timezone: Europe/Brussels\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, errOut, code := initCLI(t, tt.env, append([]string{"init", dir}, tt.args...)...); code != 0 {
				t.Fatal(errOut)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "clairon.yaml"))
			if !strings.Contains(string(b), tt.want) {
				t.Errorf("clairon.yaml lacks %q", tt.want)
			}
		})
	}
	if _, errOut, code := initCLI(t, nil, "init", t.TempDir(), "--timezone", "Paris"); code != 1 || !strings.Contains(errOut, `time zone "Paris"`) {
		t.Errorf("bad zone: exit %d, %s", code, errOut)
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	if _, errOut, code := initCLI(t, nil, "init", file); code != 1 || !strings.Contains(errOut, "is a file") {
		t.Errorf("init on a file: exit %d, %s", code, errOut)
	}
}
