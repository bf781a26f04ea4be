package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/cache"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/githubactions"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// app holds what every subcommand shares: global flags, streams, environment.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	dir, configPath, format string
	stateRepo               string
	noColor                 bool
	logLevel, logFormat     string
	log                     *slog.Logger
	noCache                 bool
	memo                    *cache.Cache
	// rev, when set (--rev of plan, validate and apply), loads the content
	// from that git revision instead of the working tree; revCommit is its
	// hash and contentFS what was loaded (closed by runWith).
	rev, revCommit string
	contentFS      fs.FS
	stores         []*gitstore.Store
	// lastApply is the report of the last apply this command ran (for
	// `clairon action`'s outputs).
	lastApply *apply.Report

	// now is the clock; main passes time.Now, tests a fixed clock.
	now func() time.Time

	profiles profiles
}

// sourceCommit returns the commit checked out in the content's repository,
// or "" outside git.
func (a *app) sourceCommit() string {
	if a.revCommit != "" {
		return a.revCommit
	}
	repo, err := git.PlainOpenWithOptions(a.dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return ""
	}
	head, err := repo.Head()
	if err != nil {
		return ""
	}
	return head.Hash().String()
}

func (a *app) setup(cmd *cobra.Command) error {
	switch a.format {
	case "text", "json", "github":
	default:
		return fmt.Errorf("--format must be text, json or github, not %q", a.format)
	}
	if a.getenv("NO_COLOR") != "" {
		a.noColor = true
	}
	return a.profiles.start()
}

// color reports whether text output to w may use ANSI colours.
func (a *app) color(w io.Writer) bool {
	if a.noColor || a.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// loadOptions returns the loader options from the global flags.
func (a *app) loadOptions() (content.Options, error) {
	opts := content.Options{}
	if a.configPath != "" {
		rel, err := filepath.Rel(a.dir, a.configPath)
		if err != nil || strings.HasPrefix(rel, "..") {
			return opts, fmt.Errorf("--config %s must be inside --dir %s", a.configPath, a.dir)
		}
		opts.ConfigPath = filepath.ToSlash(rel)
	}
	return opts, nil
}

// load reads and checks the content repository in --dir.
func (a *app) load(ctx context.Context) (*content.Repo, diag.List, error) {
	opts, err := a.loadOptions()
	if err != nil {
		return nil, nil, err
	}
	if st, err := os.Stat(a.dir); err != nil || !st.IsDir() {
		return nil, nil, fmt.Errorf("--dir %s is not a directory", a.dir)
	}
	if !a.noCache {
		dir := filepath.Join(a.dir, ".clairon", "cache")
		os.Remove(filepath.Join(dir, "plan.gob")) // the previous format's file
		a.memo = cache.Open(filepath.Join(dir, "plan.cache"), buildIdentity())
		opts.Cache = a.memo
	}
	if c, ok := a.contentFS.(io.Closer); ok {
		c.Close() // loaded again
	}
	a.contentFS = content.DirFS(a.dir)
	if a.rev != "" {
		tree, commit, err := content.TreeAt(a.dir, a.rev)
		if err != nil {
			return nil, nil, err
		}
		a.contentFS, a.revCommit = tree, commit
	}
	repo, ds, err := content.Load(ctx, a.contentFS, opts)
	if err != nil {
		return nil, nil, err
	}
	rds := rules.Check(repo)
	if a.memo != nil {
		// Diagnostics about documents restored from the cache are computed
		// again on the parsed files, so their positions are exact.
		again := false
		for _, d := range rds {
			for _, doc := range repo.Docs {
				if doc.Cached && doc.Path == d.Pos.File {
					if full, err := repo.Full(doc); err == nil {
						repo.Replace(full)
						again = true
					}
				}
			}
		}
		if again {
			rds = rules.Check(repo)
		}
		a.memo.SetContext(a.renderContext(repo))
	}
	ds.Add(rds...)
	return repo, ds.Sort(), nil
}

// renderContext identifies everything a post's rendering depends on besides
// its own file (see cache.RepoContext), clairon's own build included.
func (a *app) renderContext(repo *content.Repo) string {
	return cache.RepoContext(repo, buildIdentity())
}

// planMemo is the cache as the planner takes it: a nil interface, not a
// nil *cache.Cache, when caching is off.
func (a *app) planMemo() plan.Memo {
	if a.memo == nil {
		return nil
	}
	return a.memo
}

// saveMemo writes the cache; a failure only costs speed next time.
func (a *app) saveMemo() {
	if a.memo != nil {
		if err := a.memo.Save(); err != nil {
			a.logger().Warn("cannot save the cache", "err", err)
		}
	}
}

// source reads a file of the content directory for diagnostics excerpts.
func (a *app) source(file string) []byte {
	fsys := a.contentFS // what was loaded: the working tree or a revision
	if fsys == nil {
		fsys = content.DirFS(a.dir)
	}
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil
	}
	return b
}

// printDiagnostics writes diagnostics in the selected format.
func (a *app) printDiagnostics(w io.Writer, ds diag.List, strict bool) error {
	switch a.format {
	case "json":
		return diag.WriteJSON(w, ds, strict)
	case "github":
		return githubactions.Annotate(w, ds, a.dir)
	default:
		if err := diag.WriteText(w, ds, a.source, diag.Style{Color: a.color(w)}); err != nil {
			return err
		}
		return nil
	}
}
