package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/clairon-dev/clairon/engine/gitref"
	"github.com/clairon-dev/clairon/engine/internal/gitdisk"
	"github.com/clairon-dev/clairon/engine/state"
)

// maxOpenPacks bounds the pack files a store keeps open, and
// objectCacheSize the objects each of its storages on disk keeps decoded
// (delta bases mostly: a record blob is read once).
const (
	maxOpenPacks    = 16
	objectCacheSize = 16 * cache.MiByte
)

// DefaultBranch is the branch the state lives on unless configured otherwise.
const DefaultBranch = "clairon/state"

// Identity names the author and committer of state commits.
type Identity struct {
	Name  string
	Email string
}

// BasicAuth is the user name and password (or token) for an HTTP(S) remote.
// For GitHub, the user name is "x-access-token" and the password the token.
type BasicAuth struct {
	Username string
	Password string
}

// Options configure a Store.
type Options struct {
	// Branch is the state branch's name, DefaultBranch when empty.
	Branch string
	// Remote names a remote of the repository whose state branch is the
	// shared one; with URL set, it only names the remote-tracking ref
	// (refs/remotes/<Remote>/<Branch>, "clairon" when empty). With neither,
	// the state lives in the repository itself.
	Remote string
	// URL is the remote's address: a path, file://, http(s)://, ssh:// or git://.
	URL string
	// Auth is used with http(s) remotes; nil means none (ssh uses its agent).
	Auth *BasicAuth
	// Author of state commits; "clairon <clairon@localhost>" when empty.
	Author Identity
	// Committer of state commits; the author when empty.
	Committer Identity
	// Now is the clock that dates commits. Required.
	Now func() time.Time
	// Rand gives the lineage of a new state; crypto/rand when nil.
	Rand io.Reader
	// CacheFile, when set, is a file where the records and trees read are
	// kept in a binary form between processes (see recordcache.go): a read
	// then decodes only the objects that changed. Safe to delete.
	CacheFile string
	// CacheBuild names the build of the program: a cache file another build
	// wrote is ignored.
	CacheBuild string
}

// Store is a state.Store on a git branch. It is safe for concurrent use, and
// stores in several processes may share one remote.
type Store struct {
	repo      *git.Repository
	st        storage.Storer
	lock      *sync.Mutex
	branch    plumbing.ReferenceName
	author    object.Signature
	committer object.Signature
	now       func() time.Time
	rand      io.Reader
	remote    *remote // nil: local only

	// cache holds what the last read decoded (records and trees under
	// records/), by object hash; guarded by lock.
	cache *readCache
	// cacheFile persists cache between processes (Options.CacheFile),
	// written by cacheBuild (Options.CacheBuild).
	cacheFile, cacheBuild string
	// extra are more storages on the same directory, for parallel reads.
	extra []*filesystem.Storage
}

var _ state.Store = (*Store)(nil)

// Open returns a store on repo, a repository opened or created with go-git
// (on disk, bare or with a work tree, or in memory). The work tree, the index
// and HEAD are never touched.
func Open(repo *git.Repository, opts Options) (*Store, error) {
	if opts.Now == nil {
		return nil, errors.New("open state store: no clock")
	}
	if opts.Branch == "" {
		opts.Branch = DefaultBranch
	}
	branch := plumbing.NewBranchReferenceName(opts.Branch)
	if err := branch.Validate(); err != nil {
		return nil, fmt.Errorf("open state store: branch %q: %w", opts.Branch, err)
	}
	if opts.Author.Name == "" {
		opts.Author = Identity{Name: "clairon", Email: "clairon@localhost"}
	}
	if opts.Committer.Name == "" {
		opts.Committer = opts.Author
	}
	st := repo.Storer
	if fs, ok := st.(*filesystem.Storage); ok {
		// Its own storage on the same directory, which keeps pack files open
		// between objects: reading 100,000 records otherwise reopens the pack
		// 100,000 times.
		st = gitdisk.NewStorage(fs.Filesystem(), objectCacheSize, maxOpenPacks)
	}
	s := &Store{
		repo:      repo,
		st:        st,
		lock:      lockFor(st),
		branch:    branch,
		author:    object.Signature{Name: opts.Author.Name, Email: opts.Author.Email},
		committer: object.Signature{Name: opts.Committer.Name, Email: opts.Committer.Email},
		now:       opts.Now,
		rand:      opts.Rand,
		cacheFile: opts.CacheFile, cacheBuild: opts.CacheBuild,
	}
	if opts.URL != "" || opts.Remote != "" {
		r, err := newRemote(repo, st, opts)
		if err != nil {
			return nil, fmt.Errorf("open state store: %w", err)
		}
		s.remote = r
	}
	return s, nil
}

// OpenPath opens the repository at path (its work tree, a directory inside
// it, or a bare repository) and returns a store on it.
func OpenPath(path string, opts Options) (*Store, error) {
	// Without detection first: that is how a bare repository opens.
	repo, err := git.PlainOpenWithOptions(path, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		repo, err = git.PlainOpenWithOptions(path, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	}
	if err != nil {
		return nil, fmt.Errorf("open state store: repository %s: %w", path, err)
	}
	return Open(repo, opts)
}

// Close releases the files the store keeps open. The store must not be used
// after.
func (s *Store) Close() error {
	s.lock.Lock()
	defer s.lock.Unlock()
	var errs []error
	for _, e := range s.extra {
		errs = append(errs, e.Close())
	}
	s.extra = nil
	if c, ok := s.st.(io.Closer); ok && s.st != s.repo.Storer {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Branch returns the full name of the state branch.
func (s *Store) Branch() string { return s.branch.String() }

// Read returns the state at the tip of the state branch, fetched first from
// the remote when there is one.
func (s *Store) Read(ctx context.Context) (*state.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.lock.Lock()
	defer s.lock.Unlock()
	head, err := s.head(ctx)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if head.IsZero() {
		return &state.Snapshot{State: state.New()}, nil
	}
	// Packs fetched or written since the readers were made are invisible to
	// them until they list the packs again.
	for _, e := range s.extra {
		e.Reindex()
	}
	st, err := s.load(ctx, head)
	if err != nil {
		return nil, fmt.Errorf("read state at %s: %w", head, err)
	}
	return &state.Snapshot{Version: state.Version(head.String()), State: st}, nil
}

// Write commits cs on top of base and moves the state branch to the new
// commit, as a compare-and-swap: on the local ref with a checked update, on
// the remote with a push that the server accepts only while the branch is
// still at base.
func (s *Store) Write(ctx context.Context, base state.Version, cs *state.Changeset) (state.Head, error) {
	if err := ctx.Err(); err != nil {
		return state.Head{}, err
	}
	if err := cs.Validate(); err != nil {
		return state.Head{}, fmt.Errorf("write state: %w", err)
	}
	baseHash, err := parseVersion(base)
	if err != nil {
		return state.Head{}, fmt.Errorf("write state: %w", err)
	}
	s.lock.Lock()
	defer s.lock.Unlock()

	if s.remote == nil {
		// Fail early on a local conflict; setLocal checks again atomically.
		if cur, err := s.head(ctx); err == nil && cur != baseHash {
			return state.Head{}, fmt.Errorf("write state on %s: branch %s moved to %s: %w",
				short(baseHash), s.branch.Short(), short(cur), state.ErrConflict)
		}
	}
	c, err := s.commit(ctx, baseHash, cs)
	if err != nil {
		return state.Head{}, fmt.Errorf("write state on %s: %w", short(baseHash), err)
	}
	if s.remote != nil {
		err = s.remote.push(ctx, s.st, s.branch, baseHash, c.hash, c.objects)
	} else {
		err = s.setLocal(baseHash, c.hash)
	}
	if err != nil {
		return state.Head{}, fmt.Errorf("write state on %s: %w", short(baseHash), err)
	}
	return state.Head{Version: state.Version(c.hash.String()), Lineage: c.lineage, Serial: c.serial}, nil
}

// head returns the commit the state branch points at (zero when the branch
// does not exist); with a remote, the branch there, fetched.
func (s *Store) head(ctx context.Context) (plumbing.Hash, error) {
	if s.remote != nil {
		return s.remote.fetch(ctx, s.st, s.branch)
	}
	name := s.branch
	ref, err := s.st.Reference(name)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve %s: %w", name, err)
	}
	if ref.Type() != plumbing.HashReference {
		return plumbing.ZeroHash, fmt.Errorf("%s is a symbolic reference", name)
	}
	return ref.Hash(), nil
}

// setLocal moves the local branch from base to next, or fails with
// ErrConflict. On disk the move is atomic across processes (gitref): a
// process killed at any moment leaves the branch whole.
func (s *Store) setLocal(base, next plumbing.Hash) error {
	err := gitref.CompareAndSwap(s.st, s.branch, base, next)
	switch {
	case errors.Is(err, storage.ErrReferenceHasChanged):
		if cur, rerr := s.st.Reference(s.branch); rerr == nil {
			return fmt.Errorf("branch %s moved to %s: %w", s.branch.Short(), short(cur.Hash()), state.ErrConflict)
		}
		return fmt.Errorf("branch %s is gone: %w", s.branch.Short(), state.ErrConflict)
	case errors.Is(err, gitref.ErrLocked):
		return fmt.Errorf("branch %s is being updated by another process: %w", s.branch.Short(), state.ErrConflict)
	case err != nil:
		return fmt.Errorf("update %s: %w", s.branch, err)
	}
	return nil
}

func parseVersion(v state.Version) (plumbing.Hash, error) {
	if v == "" {
		return plumbing.ZeroHash, nil
	}
	if !plumbing.IsHash(string(v)) {
		return plumbing.ZeroHash, fmt.Errorf("version %q is not a commit hash", v)
	}
	return plumbing.NewHash(string(v)), nil
}

func short(h plumbing.Hash) string {
	if h.IsZero() {
		return "empty state"
	}
	return h.String()[:12]
}

// Stores of one repository in one process share a lock, since go-git's
// storages are not safe for concurrent writes.
var locks sync.Map // key: storage identity -> *sync.Mutex

func lockFor(st storage.Storer) *sync.Mutex {
	var key any = st
	if fs, ok := st.(*filesystem.Storage); ok {
		if abs, err := filepath.Abs(fs.Filesystem().Root()); err == nil {
			key = "fs:" + abs
		}
	}
	l, _ := locks.LoadOrStore(key, new(sync.Mutex))
	return l.(*sync.Mutex)
}
