package schedule

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/gittest"
)

// gitRun runs git (see gittest.Run) and returns its output trimmed.
func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return strings.TrimSpace(gittest.Run(t, dir, args...))
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

// repos makes a bare remote, an author's clone with one commit pushed, and
// the scheduler's clone of it.
func repos(t *testing.T) (root, author, sched string) {
	t.Helper()
	root = t.TempDir()
	gitRun(t, root, "init", "-q", "--bare", "-b", "main", "remote.git")
	gitRun(t, root, "clone", "-q", "remote.git", "author")
	author = filepath.Join(root, "author")
	write(t, filepath.Join(author, ".gitignore"), ".clairon/\n")
	write(t, filepath.Join(author, "clairon.yaml"), "timezone: Europe/Paris\n")
	write(t, filepath.Join(author, "posts/a.md"), "v1\n")
	write(t, filepath.Join(author, "posts/old.md"), "old\n")
	gitRun(t, author, "add", ".")
	gitRun(t, author, "commit", "-qm", "first")
	gitRun(t, author, "push", "-q", "origin", "main")
	gitRun(t, root, "clone", "-q", "remote.git", "sched")
	return root, author, filepath.Join(root, "sched")
}

// update pushes a second commit from the author's clone.
func update(t *testing.T, author string) string {
	t.Helper()
	write(t, filepath.Join(author, "posts/a.md"), "v2\n")
	write(t, filepath.Join(author, "posts/new.md"), "new\n")
	if err := os.Remove(filepath.Join(author, "posts/old.md")); err != nil {
		t.Fatal(err)
	}
	gitRun(t, author, "add", "-A")
	gitRun(t, author, "commit", "-qm", "second")
	gitRun(t, author, "push", "-q", "origin", "main")
	return gitRun(t, author, "rev-parse", "HEAD")
}

func TestPullFastForwardsAndKeepsLocalFiles(t *testing.T) {
	_, author, sched := repos(t)
	before := gitRun(t, sched, "rev-parse", "HEAD")
	// Files of the scheduler's own that a hard reset would lose.
	write(t, filepath.Join(sched, ".clairon/outbox/m.json"), "{}\n")
	write(t, filepath.Join(sched, "notes.txt"), "mine\n")
	var logs bytes.Buffer
	p := &Puller{Dir: filepath.Join(sched, "posts"), Log: slog.New(slog.NewTextHandler(&logs, nil))}

	res, err := p.Pull(context.Background())
	if err != nil || res.Updated() || res.Skipped != "" || res.From != before {
		t.Fatalf("nothing new: %+v %v", res, err)
	}
	after := update(t, author)
	res, err = p.Pull(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Updated() || res.From != before || res.To != after {
		t.Fatalf("result %+v, want %s -> %s", res, before, after)
	}
	if got := gitRun(t, sched, "rev-parse", "HEAD"); got != after {
		t.Errorf("HEAD at %s, want %s", got, after)
	}
	for path, want := range map[string]string{
		"posts/a.md": "v2\n", "posts/new.md": "new\n", "posts/old.md": "<open " + filepath.Join(sched, "posts/old.md") + ": no such file or directory>",
		".clairon/outbox/m.json": "{}\n", "notes.txt": "mine\n",
	} {
		if got := read(t, filepath.Join(sched, path)); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if st := gitRun(t, sched, "status", "--porcelain"); st != "?? notes.txt" {
		t.Errorf("git status after the pull:\n%s", st)
	}
	if !strings.Contains(logs.String(), "content pulled") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func TestPullLeavesTheWorkTreeAlone(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, root, sched string)
		why   string
	}{
		{"local change", func(t *testing.T, root, sched string) {
			write(t, filepath.Join(sched, "posts/a.md"), "edited on the server\n")
		}, "the work tree has local changes (posts/a.md)"},
		{"staged change", func(t *testing.T, root, sched string) {
			write(t, filepath.Join(sched, "posts/b.md"), "staged\n")
			gitRun(t, sched, "add", "posts/b.md")
		}, "the work tree has local changes (posts/b.md)"},
		{"untracked file in the way", func(t *testing.T, root, sched string) {
			write(t, filepath.Join(sched, "posts/new.md"), "mine\n")
		}, "untracked file posts/new.md would be overwritten"},
		{"local commit", func(t *testing.T, root, sched string) {
			write(t, filepath.Join(sched, "posts/c.md"), "local\n")
			gitRun(t, sched, "add", ".")
			gitRun(t, sched, "commit", "-qm", "local")
		}, "have diverged"},
		{"detached HEAD", func(t *testing.T, root, sched string) {
			gitRun(t, sched, "checkout", "-q", "--detach")
		}, "HEAD is detached"},
		{"no such remote", func(t *testing.T, root, sched string) {
			gitRun(t, sched, "remote", "rename", "origin", "upstream")
		}, `no remote "origin"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, author, sched := repos(t)
			update(t, author)
			tc.setup(t, root, sched)
			head := gitRun(t, sched, "rev-parse", "HEAD")
			var logs bytes.Buffer
			p := &Puller{Dir: sched, Log: slog.New(slog.NewTextHandler(&logs, nil))}
			res, err := p.Pull(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Updated() || !strings.Contains(res.Skipped, tc.why) {
				t.Errorf("result %+v, want skipped: %s", res, tc.why)
			}
			if got := gitRun(t, sched, "rev-parse", "HEAD"); got != head {
				t.Errorf("HEAD moved to %s", got)
			}
			// Said once, then quiet while the reason stays: a warning,
			// or a notice when there is no remote to follow.
			if _, err := p.Pull(context.Background()); err != nil {
				t.Fatal(err)
			}
			level := "level=WARN"
			if tc.name == "no such remote" {
				level = "level=INFO"
			}
			if n := strings.Count(logs.String(), "level="); n != 1 || !strings.Contains(logs.String(), level) {
				t.Errorf("want one %s line:\n%s", level, logs.String())
			}
		})
	}
}

func TestPullAhead(t *testing.T) {
	_, _, sched := repos(t)
	write(t, filepath.Join(sched, "posts/c.md"), "local\n")
	gitRun(t, sched, "add", ".")
	gitRun(t, sched, "commit", "-qm", "local")
	res, err := (&Puller{Dir: sched}).Pull(context.Background())
	if err != nil || !strings.Contains(res.Skipped, "has commits that origin/main does not") {
		t.Errorf("%+v %v", res, err)
	}
}

func TestPullOutsideGit(t *testing.T) {
	res, err := (&Puller{Dir: t.TempDir()}).Pull(context.Background())
	if err != nil || !strings.Contains(res.Skipped, "not in a git work tree") {
		t.Errorf("%+v %v", res, err)
	}
}

func TestPullFollowsAnotherBranch(t *testing.T) {
	_, author, sched := repos(t)
	gitRun(t, author, "checkout", "-q", "-b", "publish")
	want := update(t, author)
	gitRun(t, author, "push", "-q", "origin", "publish")
	res, err := (&Puller{Dir: sched, Branch: "publish"}).Pull(context.Background())
	if err != nil || !res.Updated() || res.To != want {
		t.Fatalf("%+v %v", res, err)
	}
	if got := gitRun(t, sched, "rev-parse", "--abbrev-ref", "HEAD"); got != "main" {
		t.Errorf("checked-out branch %s", got)
	}
}

func TestPullErrorHidesTheToken(t *testing.T) {
	_, _, sched := repos(t)
	const token = "ghp_s3cr3tT0kenValue"
	// A port nothing listens on: the fetch fails.
	gitRun(t, sched, "remote", "set-url", "origin", "http://x-access-token:"+token+"@127.0.0.1:9/content.git")
	res, err := (&Puller{Dir: sched, Auth: &Credentials{Username: "x-access-token", Password: token}}).Pull(context.Background())
	if err == nil {
		t.Fatalf("fetch from a closed port succeeded: %+v", res)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("the error shows the token: %v", err)
	}
}

// A daemon killed while go-git wrote the work tree's files leaves the branch
// moved, a file half-written and others not yet updated. The next pull
// finishes the update from the marker before anything is planned; a marker
// it cannot use stops the pass.
func TestPullFinishesAnInterruptedUpdate(t *testing.T) {
	_, author, sched := repos(t)
	before := gitRun(t, sched, "rev-parse", "HEAD")
	after := update(t, author)
	gitRun(t, sched, "fetch", "-q", "origin")
	// The state the kill left: branch moved, a.md half-written, old.md not
	// yet removed, new.md not yet written, the index still at before.
	gitRun(t, sched, "update-ref", "refs/heads/main", after)
	write(t, filepath.Join(sched, "posts/a.md"), "v")
	marker := filepath.Join(sched, ".git", "clairon-update")
	write(t, marker, before+" "+after+"\n")

	p := &Puller{Dir: sched}
	res, err := p.Pull(context.Background())
	if err != nil || !res.Updated() || res.From != before || res.To != after {
		t.Fatalf("pull: %+v %v", res, err)
	}
	for path, want := range map[string]string{
		"posts/a.md": "v2\n", "posts/new.md": "new\n", "posts/old.md": "<open " + filepath.Join(sched, "posts/old.md") + ": no such file or directory>",
	} {
		if got := read(t, filepath.Join(sched, path)); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if st := gitRun(t, sched, "status", "--porcelain"); st != "" {
		t.Errorf("git status after finishing the update:\n%s", st)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("marker still there: %v", err)
	}

	// A normal update leaves no marker behind.
	write(t, filepath.Join(author, "posts/a.md"), "v3\n")
	gitRun(t, author, "commit", "-qam", "third")
	gitRun(t, author, "push", "-q", "origin", "main")
	if res, err := p.Pull(context.Background()); err != nil || !res.Updated() {
		t.Fatalf("next pull: %+v %v", res, err)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("a normal update left its marker: %v", err)
	}

	// A marker that cannot be used stops the pass.
	write(t, marker, "damaged\n")
	if _, err := p.Pull(context.Background()); !errors.Is(err, ErrUpdateInterrupted) {
		t.Fatalf("pull with a damaged marker: %v, want ErrUpdateInterrupted", err)
	}
}
