package main

import (
	"cmp"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/all"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// sandboxBranch holds the state of `--sandbox` runs, apart from the real one.
const sandboxBranch = "clairon/sandbox"

// openStore opens the state store: the state branch of the git repository
// that contains --dir (or --state-repo).
func (a *app) openStore(cfg *content.Config, sandbox bool) (*gitstore.Store, error) {
	repoPath := a.stateRepo
	if repoPath == "" {
		repoPath = a.dir
	}
	opts := gitstore.Options{Now: a.now}
	if cfg != nil {
		opts.Branch = cfg.State.Branch
		opts.Remote = cfg.State.Remote
	}
	if sandbox {
		opts.Branch, opts.Remote = sandboxBranch, ""
	}
	if !a.noCache {
		branch := cmp.Or(opts.Branch, gitstore.DefaultBranch)
		opts.CacheFile = filepath.Join(a.dir, ".clairon", "cache", "state-"+strings.ReplaceAll(branch, "/", "-")+".cache")
		opts.CacheBuild = buildIdentity()
	}
	if tok := a.getenv("CLAIRON_GIT_TOKEN"); tok != "" {
		opts.Auth = &gitstore.BasicAuth{Username: "x-access-token", Password: tok}
	} else if tok := a.getenv("GITHUB_TOKEN"); tok != "" && opts.Remote != "" {
		opts.Auth = &gitstore.BasicAuth{Username: "x-access-token", Password: tok}
	}
	if name := a.getenv("CLAIRON_GIT_AUTHOR"); name != "" {
		opts.Author = gitstore.Identity{Name: name, Email: a.getenv("CLAIRON_GIT_EMAIL")}
	}
	abs, _ := filepath.Abs(repoPath)
	s, err := gitstore.OpenPath(abs, opts)
	if err != nil {
		hint := "clairon keeps its state on a branch of the content's git repository: run `git init` there, or pass --state-repo"
		if opts.Remote != "" {
			hint = fmt.Sprintf("state.remote is %q: check that the repository has that remote (git remote add %s URL), or remove state.remote to keep the state local", opts.Remote, opts.Remote)
		}
		return nil, fmt.Errorf("%w (%s)", err, hint)
	}
	a.stores = append(a.stores, s) // closed when the command ends
	return s, nil
}

// capabilities describes each account of the configuration from its
// settings alone (no secrets needed, so pull requests from forks can plan).
// A --sandbox run plans with the real networks' capabilities too, so its
// plan is the one the real run would make.
func capabilities(cfg *content.Config) render.Capabilities {
	described := map[string]network.Capabilities{}
	for name, acc := range cfg.Accounts {
		if acc == nil {
			continue
		}
		if c, err := all.Describe(network.Config{Account: name, Network: acc.Network, Settings: acc.Settings}); err == nil {
			described[name] = c
		}
	}
	// Read-only from here on: safe for the parallel renderer.
	return func(account string) (network.Capabilities, bool) {
		c, ok := described[account]
		return c, ok
	}
}

// parseAt reads --at: RFC 3339, or a local date-time in the repository's zone.
func parseAt(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q: write 2026-12-01 09:30 or 2026-12-01T09:30:00+01:00", s)
}
