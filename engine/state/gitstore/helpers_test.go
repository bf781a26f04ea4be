package gitstore_test

import (
	"bytes"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/gittest"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/clairon-dev/clairon/engine/state/gitstore"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

// gitBin returns the git binary, or skips the test when there is none.
func gitBin(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	return p
}

// gitCmd runs git in dir with a fixed identity and no user configuration.
func gitCmd(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return gitEnv(t, dir, nil, args...)
}

// gitEnv is gitCmd with extra environment variables.
func gitEnv(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	return gittest.RunEnv(t, dir, append(env, "GIT_AUTHOR_DATE=2026-11-01T10:00:00Z", "GIT_COMMITTER_DATE=2026-11-01T10:00:00Z"), args...)
}

// newBare creates an empty bare repository named state.git under a new
// directory and returns that directory (the project root) and the repo path.
func newBare(t testing.TB) (root, repo string) {
	t.Helper()
	root = t.TempDir()
	repo = filepath.Join(root, "state.git")
	gitCmd(t, root, "init", "-q", "--bare", "-b", "main", repo)
	return root, repo
}

// gitServer serves the repositories under root with git http-backend, behind
// Basic auth, on 127.0.0.1. before, when set, runs before each request.
type gitServer struct {
	URL      string
	requests atomic.Int64
}

func serveGit(t testing.TB, root, user, pass string, before func(*http.Request)) *gitServer {
	t.Helper()
	execPath := strings.TrimSpace(gitCmd(t, root, "--exec-path"))
	backend := &cgi.Handler{
		Path: filepath.Join(execPath, "git-http-backend"),
		Env: []string{
			"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1", "HOME=" + root,
		},
	}
	gs := &gitServer{}
	// The backend's stderr (a rejected push, a missing repository) is shown
	// only when the test fails.
	var logMu sync.Mutex
	var logBuf bytes.Buffer
	backend.Stderr = writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logBuf.Write(p)
	})
	t.Cleanup(func() {
		if t.Failed() {
			logMu.Lock()
			t.Logf("git http-backend said:\n%s", logBuf.String())
			logMu.Unlock()
		}
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gs.requests.Add(1)
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if before != nil {
			before(r)
		}
		b := *backend
		b.Env = append(append([]string{}, backend.Env...), "REMOTE_USER="+u) // enables receive-pack
		b.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	gs.URL = srv.URL
	return gs
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// memRepo is an empty repository in memory.
func memRepo(t testing.TB) *git.Repository {
	t.Helper()
	repo, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

func open(t testing.TB, repo *git.Repository, opts gitstore.Options) *gitstore.Store {
	t.Helper()
	if opts.Now == nil {
		opts.Now = statetest.NewClock(statetest.Epoch).Now
	}
	if opts.Rand == nil {
		opts.Rand = statetest.Seeded(42)
	}
	s, err := gitstore.Open(repo, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tick is a clock that moves one second at each reading, so commits differ.
func tick() func() time.Time {
	c := statetest.NewClock(statetest.Epoch)
	return func() time.Time {
		c.Advance(time.Second)
		return c.Now()
	}
}
