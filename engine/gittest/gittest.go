// Package gittest runs the git binary in tests, with a fixed identity and
// none of the user's configuration, so that what tests build with git is
// the same on every machine.
package gittest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Run runs git with args in dir and returns its output; it fails t when git
// fails, and skips t when git is not installed.
func Run(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return RunEnv(t, dir, nil, args...)
}

// RunEnv is Run with more environment variables (GIT_AUTHOR_DATE…).
func RunEnv(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), env...),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+dir,
		"GIT_AUTHOR_NAME=Camille", "GIT_AUTHOR_EMAIL=camille@example.org",
		"GIT_COMMITTER_NAME=Camille", "GIT_COMMITTER_EMAIL=camille@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
