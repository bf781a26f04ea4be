package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/clairon-dev/clairon/engine/atomicfile"
	"github.com/clairon-dev/clairon/engine/gitref"
)

// Credentials are the user name and password (or token) for an HTTP(S)
// remote. Other remotes ignore them.
type Credentials struct {
	Username, Password string
}

// Puller brings the content's work tree up to date with its remote before
// each pass: it fetches the followed branch and fast-forwards the checked-out
// branch to it. It never merges, never rewrites history and never touches
// local work: a work tree with changes to tracked files, an untracked file
// the update would overwrite, a detached HEAD or a branch that diverged from
// the remote is left as it is, and the reason logged. A Puller serves one
// goroutine at a time.
type Puller struct {
	// Dir is the content directory (anywhere inside the work tree).
	Dir string
	// Remote is the remote's name ("origin" when empty).
	Remote string
	// Branch is the remote branch followed; the checked-out branch's name
	// when empty.
	Branch string
	// Auth is used with HTTP(S) remotes.
	Auth *Credentials
	// Log receives what was pulled or why not; nil discards.
	Log *slog.Logger

	lastSkip string
	repo     *git.Repository // kept open between pulls: its pack indexes are read once
}

// PullResult says what a pull did.
type PullResult struct {
	// From and To are the checked-out commit before and after.
	From, To string
	// Skipped says why the work tree was not brought up to date ("" when it
	// was, or already was).
	Skipped string
	// untracked is set when there is nothing to follow (no git work tree,
	// no such remote): a setup, not a problem.
	untracked bool
}

// Updated reports whether the work tree moved to a new commit.
func (r PullResult) Updated() bool { return r.Skipped == "" && r.From != r.To }

// Pull fetches and fast-forwards. Reasons not to update are in the result;
// the error is for a failed fetch or update.
func (p *Puller) Pull(ctx context.Context) (PullResult, error) {
	res, err := p.pull(ctx)
	if err != nil {
		// Open the repository again next time: packs may have been
		// rewritten under it (git gc).
		p.repo = nil
	}
	log := p.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch {
	case err != nil:
		log.Warn("content not pulled", "err", err.Error())
	case res.Skipped != "" && res.Skipped != p.lastSkip && res.untracked:
		log.Info("content not pulled: " + res.Skipped)
	case res.Skipped != "" && res.Skipped != p.lastSkip:
		log.Warn("content not pulled: " + res.Skipped)
	case res.Skipped != "":
		log.Debug("content not pulled: " + res.Skipped)
	case res.Updated():
		log.Info("content pulled", "from", shortHash(res.From), "to", shortHash(res.To))
	}
	if err == nil {
		p.lastSkip = res.Skipped
	}
	return res, err
}

func (p *Puller) pull(ctx context.Context) (PullResult, error) {
	var res PullResult
	if p.repo == nil {
		repo, err := git.PlainOpenWithOptions(p.Dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
		if errors.Is(err, git.ErrRepositoryNotExists) {
			res.Skipped, res.untracked = "the content directory is not in a git work tree", true
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("open %s: %w", p.Dir, err)
		}
		// The same repository, with its refs and index written by renames:
		// fetch and fast-forward rewrite them, and a daemon killed while
		// go-git rewrote one in place would find it empty ever after.
		if wt, werr := repo.Worktree(); werr == nil {
			if atomic, oerr := git.Open(gitref.Wrap(repo.Storer), wt.Filesystem); oerr == nil {
				repo = atomic
			}
		}
		p.repo = repo
	}
	repo := p.repo
	wt, err := repo.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		res.Skipped, res.untracked = "the repository is bare", true
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("open work tree: %w", err)
	}
	if from, to, ok := readMarker(repo); ok {
		if err := finishUpdate(repo, wt, from, to); err != nil {
			return res, fmt.Errorf("%w (from %s to %s): %v", ErrUpdateInterrupted, shortHash(from.String()), shortHash(to.String()), err)
		}
		res.From, res.To = from.String(), to.String()
		return res, nil
	}
	head, err := repo.Reference(plumbing.HEAD, false)
	if err != nil {
		return res, fmt.Errorf("read HEAD: %w", err)
	}
	if head.Type() != plumbing.SymbolicReference {
		res.Skipped = "HEAD is detached: check out a branch to follow the remote"
		return res, nil
	}
	local := head.Target()
	cur, err := repo.Reference(local, true)
	if err != nil {
		res.Skipped = fmt.Sprintf("branch %s has no commit yet", local.Short())
		return res, nil
	}
	res.From, res.To = cur.Hash().String(), cur.Hash().String()

	name := p.Remote
	if name == "" {
		name = "origin"
	}
	branch := p.Branch
	if branch == "" {
		branch = local.Short()
	}
	remote, err := repo.Remote(name)
	if errors.Is(err, git.ErrRemoteNotFound) {
		res.Skipped, res.untracked = fmt.Sprintf("the repository has no remote %q", name), true
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("remote %s: %w", name, err)
	}
	var rawURL string
	if urls := remote.Config().URLs; len(urls) > 0 {
		rawURL = urls[0]
	}
	tracking := plumbing.ReferenceName("refs/remotes/" + name + "/" + branch)
	err = remote.FetchContext(ctx, &git.FetchOptions{
		RemoteName: name,
		RefSpecs:   []config.RefSpec{config.RefSpec("+" + plumbing.NewBranchReferenceName(branch).String() + ":" + tracking.String())},
		Auth:       p.auth(rawURL),
		Tags:       git.NoTags,
	})
	var noRef git.NoMatchingRefSpecError
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
	case errors.As(err, &noRef), errors.Is(err, transport.ErrEmptyRemoteRepository):
		res.Skipped = fmt.Sprintf("remote %s has no branch %s", name, branch)
		return res, nil
	default:
		return res, p.clean(fmt.Sprintf("fetch %s from %s", branch, name), rawURL, err)
	}
	target, err := repo.Reference(tracking, true)
	if err != nil {
		return res, fmt.Errorf("read %s: %w", tracking, err)
	}
	if target.Hash() == cur.Hash() {
		return res, nil
	}
	from, err := repo.CommitObject(cur.Hash())
	if err != nil {
		return res, fmt.Errorf("read %s: %w", local.Short(), err)
	}
	to, err := repo.CommitObject(target.Hash())
	if err != nil {
		return res, fmt.Errorf("read %s: %w", tracking.Short(), err)
	}
	if ff, err := from.IsAncestor(to); err != nil {
		return res, fmt.Errorf("compare %s with %s: %w", local.Short(), tracking.Short(), err)
	} else if !ff {
		if ahead, _ := to.IsAncestor(from); ahead {
			res.Skipped = fmt.Sprintf("branch %s has commits that %s/%s does not: push them", local.Short(), name, branch)
		} else {
			res.Skipped = fmt.Sprintf("branch %s and %s/%s have diverged: reconcile them by hand", local.Short(), name, branch)
		}
		return res, nil
	}
	if why, err := blocked(wt, from, to); err != nil {
		return res, err
	} else if why != "" {
		res.Skipped = why
		return res, nil
	}
	// The marker says an update is under way until it is complete: go-git
	// writes the work tree's files in place, and a daemon killed meanwhile
	// finishes the update on its next pull, before anything is planned.
	if err := writeMarker(repo, from.Hash, to.Hash); err != nil {
		return res, fmt.Errorf("fast-forward %s: %w", local.Short(), err)
	}
	// MergeReset moves the branch and updates only what the update changes:
	// untracked and ignored files stay (a hard reset would delete them).
	if err := wt.Reset(&git.ResetOptions{Commit: target.Hash(), Mode: git.MergeReset}); err != nil {
		return res, fmt.Errorf("fast-forward %s to %s: %w", local.Short(), shortHash(target.Hash().String()), err)
	}
	if err := removeMarker(repo); err != nil {
		return res, fmt.Errorf("fast-forward %s: %w", local.Short(), err)
	}
	res.To = target.Hash().String()
	return res, nil
}

// ErrUpdateInterrupted is returned by Pull while a fast-forward that a
// killed process left half done cannot be finished. The work tree may hold
// half-written files: nothing must be planned from it.
var ErrUpdateInterrupted = errors.New("an update of the content's work tree was interrupted and could not be finished")

// updateMarker, in the git directory, holds "<from> <to>" while a
// fast-forward is under way.
const updateMarker = "clairon-update"

func markerPath(repo *git.Repository) (string, bool) {
	dir, ok := gitref.GitDir(repo.Storer)
	if !ok {
		return "", false
	}
	return filepath.Join(dir, updateMarker), true
}

func writeMarker(repo *git.Repository, from, to plumbing.Hash) error {
	path, ok := markerPath(repo)
	if !ok {
		return nil // in memory: nothing survives a crash anyway
	}
	return atomicfile.Write(path, []byte(from.String()+" "+to.String()+"\n"))
}

func removeMarker(repo *git.Repository) error {
	path, ok := markerPath(repo)
	if !ok {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func readMarker(repo *git.Repository) (from, to plumbing.Hash, ok bool) {
	path, found := markerPath(repo)
	if !found {
		return from, to, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return from, to, false
	}
	a, c, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !plumbing.IsHash(a) || !plumbing.IsHash(c) {
		return plumbing.ZeroHash, plumbing.ZeroHash, true // damaged: cannot be finished
	}
	return plumbing.NewHash(a), plumbing.NewHash(c), true
}

// finishUpdate completes a fast-forward from one commit to another that was
// interrupted: every file the update changes is written again from the
// target commit, whole, through a rename (or removed), then the branch and
// the index are moved. Before it started, the update had checked that these
// paths held no local work.
func finishUpdate(repo *git.Repository, wt *git.Worktree, from, to plumbing.Hash) error {
	if from.IsZero() || to.IsZero() {
		return errors.New("the update marker is damaged; check the work tree against git status, then delete " + updateMarker + " in the git directory")
	}
	fromC, err := repo.CommitObject(from)
	if err != nil {
		return err
	}
	toC, err := repo.CommitObject(to)
	if err != nil {
		return err
	}
	a, err := fromC.Tree()
	if err != nil {
		return err
	}
	b, err := toC.Tree()
	if err != nil {
		return err
	}
	changes, err := object.DiffTree(a, b)
	if err != nil {
		return err
	}
	root := wt.Filesystem.Root()
	for _, c := range changes { // removals first: a file may become a folder
		if c.To.Name == "" {
			if err := os.Remove(filepath.Join(root, filepath.FromSlash(c.From.Name))); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	for _, c := range changes {
		if c.To.Name == "" || c.To.TreeEntry.Mode == filemode.Submodule {
			continue
		}
		if err := restoreFile(repo, root, c.To.Name, c.To.TreeEntry); err != nil {
			return fmt.Errorf("%s: %w", c.To.Name, err)
		}
	}
	// The files match the target now: move the branch and the index only.
	if err := wt.Reset(&git.ResetOptions{Commit: to, Mode: git.MixedReset}); err != nil {
		return err
	}
	return removeMarker(repo)
}

// restoreFile writes a file of a commit into the work tree, whole.
func restoreFile(repo *git.Repository, root, name string, e object.TreeEntry) error {
	blob, err := repo.BlobObject(e.Hash)
	if err != nil {
		return err
	}
	rd, err := blob.Reader()
	if err != nil {
		return err
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	path := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if e.Mode == filemode.Symlink {
		tmp := path + ".clairon-tmp"
		os.Remove(tmp)
		if err := os.Symlink(string(data), tmp); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	if err := atomicfile.Write(path, data); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if e.Mode == filemode.Executable {
		mode = 0o755
	}
	return os.Chmod(path, mode)
}

// blocked says why the work tree must not be updated from one commit to the
// other: local changes to tracked files, or untracked files in the way.
func blocked(wt *git.Worktree, from, to *object.Commit) (string, error) {
	st, err := wt.Status()
	if err != nil {
		return "", fmt.Errorf("work tree status: %w", err)
	}
	var changed map[string]bool
	for _, path := range slices.Sorted(maps.Keys(st)) {
		fs := st[path]
		untracked := fs.Staging == git.Untracked || fs.Worktree == git.Untracked
		if !untracked {
			if fs.Staging != git.Unmodified || fs.Worktree != git.Unmodified {
				return fmt.Sprintf("the work tree has local changes (%s): commit or discard them", path), nil
			}
			continue
		}
		if changed == nil {
			if changed, err = changedPaths(from, to); err != nil {
				return "", err
			}
		}
		if changed[path] {
			return fmt.Sprintf("untracked file %s would be overwritten by the update: move it away", path), nil
		}
	}
	return "", nil
}

func changedPaths(from, to *object.Commit) (map[string]bool, error) {
	a, err := from.Tree()
	if err != nil {
		return nil, err
	}
	b, err := to.Tree()
	if err != nil {
		return nil, err
	}
	changes, err := object.DiffTree(a, b)
	if err != nil {
		return nil, fmt.Errorf("compare trees: %w", err)
	}
	out := map[string]bool{}
	for _, c := range changes {
		out[c.From.Name] = true
		out[c.To.Name] = true
	}
	delete(out, "")
	return out, nil
}

func (p *Puller) auth(rawURL string) transport.AuthMethod {
	if p.Auth == nil {
		return nil
	}
	ep, err := transport.NewEndpoint(rawURL)
	if err != nil || (ep.Protocol != "http" && ep.Protocol != "https") {
		return nil
	}
	return &githttp.BasicAuth{Username: p.Auth.Username, Password: p.Auth.Password}
}

// clean wraps a transport error without letting a credential through.
func (p *Puller) clean(op, rawURL string, err error) error {
	msg := err.Error()
	var secrets []string
	if p.Auth != nil && p.Auth.Password != "" {
		secrets = append(secrets, p.Auth.Password)
	}
	if u, perr := url.Parse(rawURL); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			secrets = append(secrets, pw)
		}
	}
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "***")
		msg = strings.ReplaceAll(msg, url.QueryEscape(s), "***")
	}
	return fmt.Errorf("%s: %s", op, msg)
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
