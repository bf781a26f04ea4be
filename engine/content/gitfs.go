package content

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/clairon-dev/clairon/engine/internal/gitdisk"
)

// TreeFS exposes a git tree as an fs.FS, so a commit is loaded through the
// same code path as a directory. The entries it lists know their blob hash.
type TreeFS struct {
	// mu serialises access to the tree and its object storage: go-git's
	// trees cache their entries lazily and storages on disk are not safe for
	// concurrent use, while the loader reads files in parallel.
	mu   sync.Mutex
	tree *object.Tree
	when time.Time
	// dirs are the folders' trees by path, each decoded once.
	dirs map[string]*object.Tree
	// storage is closed by Close (the pack files it keeps open).
	storage io.Closer
}

// NewTreeFS wraps a commit's tree; when is reported as every file's ModTime.
func NewTreeFS(tree *object.Tree, when time.Time) *TreeFS {
	return &TreeFS{tree: tree, when: when, dirs: map[string]*object.Tree{}}
}

// Close releases the files TreeAt's storage keeps open.
func (t *TreeFS) Close() error {
	if t.storage == nil {
		return nil
	}
	return t.storage.Close()
}

// entry returns the entry of name in its folder's tree, under the lock.
func (t *TreeFS) entry(name string) (*object.TreeEntry, error) {
	parent, err := t.dir(path.Dir(name))
	if err != nil {
		return nil, err
	}
	return parent.FindEntry(path.Base(name))
}

// dir returns the tree of the folder name, under the lock.
func (t *TreeFS) dir(name string) (*object.Tree, error) {
	if name == "." {
		return t.tree, nil
	}
	if tree, ok := t.dirs[name]; ok {
		return tree, nil
	}
	parent, err := t.dir(path.Dir(name))
	if err != nil {
		return nil, err
	}
	tree, err := parent.Tree(path.Base(name))
	if err != nil {
		return nil, err
	}
	t.dirs[name] = tree
	return tree, nil
}

var (
	_ fs.ReadDirFS  = (*TreeFS)(nil)
	_ fs.ReadFileFS = (*TreeFS)(nil)
)

// Open opens a file or directory of the tree; a file's content is read
// whole, under the lock.
func (t *TreeFS) Open(name string) (fs.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return &treeDir{fs: t, name: ".", tree: t.tree}, nil
	}
	e, err := t.entry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if e.Mode == filemode.Dir {
		sub, err := t.dir(name)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &treeDir{fs: t, name: name, tree: sub}, nil
	}
	f, err := t.tree.TreeEntryFile(e) // any tree of the storage reads a blob
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	data, err := f.Contents()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &treeFile{ReadCloser: io.NopCloser(strings.NewReader(data)), info: t.info(path.Base(name), e.Mode, f.Size)}, nil
}

// ReadFile reads a whole file.
func (t *TreeFS) ReadFile(name string) ([]byte, error) {
	f, err := t.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, ok := f.(*treeDir); ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	return io.ReadAll(f)
}

// ReadDir lists a directory, sorted by name.
func (t *TreeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := t.Open(name)
	if err != nil {
		return nil, err
	}
	d, ok := f.(*treeDir)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return d.ReadDir(-1)
}

func (t *TreeFS) info(name string, m filemode.FileMode, size int64) fileInfo {
	mode := fs.FileMode(0o644)
	switch m {
	case filemode.Dir:
		mode = fs.ModeDir | 0o755
	case filemode.Symlink:
		mode = fs.ModeSymlink | 0o777
	case filemode.Executable:
		mode = 0o755
	case filemode.Submodule:
		mode = fs.ModeIrregular
	}
	return fileInfo{name: name, size: size, mode: mode, when: t.when}
}

type treeFile struct {
	io.ReadCloser
	info fileInfo
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }

type treeDir struct {
	fs   *TreeFS
	name string
	tree *object.Tree
	read bool
}

func (d *treeDir) Stat() (fs.FileInfo, error) {
	return d.fs.info(path.Base(d.name), filemode.Dir, 0), nil
}
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *treeDir) Close() error { return nil }

func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	if d.read {
		if n > 0 {
			return nil, io.EOF
		}
		return nil, nil
	}
	d.read = true
	out := make([]fs.DirEntry, 0, len(d.tree.Entries))
	slab := make([]treeEntry, len(d.tree.Entries))
	for i, e := range d.tree.Entries {
		slab[i] = treeEntry{fs: d.fs, tree: d.tree, name: e.Name, mode: e.Mode, hash: e.Hash}
		out = append(out, &slab[i])
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].Name(), out[j].Name()) < 0 })
	return out, nil
}

// treeEntry is a file or folder listed from a tree. It knows its blob hash;
// its size is looked up in the object storage only when Info is called, so
// listing 10,000 files reads the trees alone.
type treeEntry struct {
	fs   *TreeFS
	tree *object.Tree // the folder's tree
	name string
	mode filemode.FileMode
	hash plumbing.Hash
}

func (e *treeEntry) Name() string      { return e.name }
func (e *treeEntry) IsDir() bool       { return e.mode == filemode.Dir }
func (e *treeEntry) Type() fs.FileMode { return e.fs.info(e.name, e.mode, 0).mode.Type() }

// BlobHash returns the entry's git blob hash ("" for a folder).
func (e *treeEntry) BlobHash() string {
	if !e.mode.IsFile() {
		return ""
	}
	return e.hash.String()
}

func (e *treeEntry) Info() (fs.FileInfo, error) {
	size := int64(0)
	if e.mode.IsFile() {
		e.fs.mu.Lock()
		s, err := e.tree.Size(e.name)
		e.fs.mu.Unlock()
		if err != nil {
			return nil, &fs.PathError{Op: "stat", Path: e.name, Err: err}
		}
		size = s
	}
	return e.fs.info(e.name, e.mode, size), nil
}

type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	when time.Time
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return i.mode }
func (i fileInfo) ModTime() time.Time { return i.when }
func (i fileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i fileInfo) Sys() any           { return nil }

// TreeAt opens the git repository holding dir and returns the tree of dir
// at revision rev (a branch, tag, commit hash or an expression such as
// HEAD~1), and the commit's hash: a plan made from it is exactly the
// committed content, whatever the working tree holds.
func TreeAt(dir, rev string) (*TreeFS, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", err
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, "", fmt.Errorf("%s is not in a git repository: %w", dir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, "", err
	}
	root, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return nil, "", err
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, "", err
	}
	rel, err := filepath.Rel(root, abs) // dir is in the work tree git found above it
	if err != nil {
		return nil, "", err
	}
	var closer io.Closer
	if fsst, ok := repo.Storer.(*filesystem.Storage); ok {
		// Its own storage, which keeps the pack files open between objects
		// and reads pack indexes whole.
		own := gitdisk.NewStorage(fsst.Filesystem(), cache.DefaultMaxSize, 16)
		if r, err := git.Open(own, wt.Filesystem); err == nil {
			repo, closer = r, own
		} else {
			own.Close()
		}
	}
	fail := func(err error) (*TreeFS, string, error) {
		if closer != nil {
			closer.Close()
		}
		return nil, "", err
	}
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return fail(fmt.Errorf("revision %q: %w (give a branch, tag or commit of the repository holding %s; fetch it first if it lives on a remote)", rev, err, dir))
	}
	commit, err := repo.CommitObject(*h)
	if err != nil {
		return fail(fmt.Errorf("revision %q: %w", rev, err))
	}
	tree, err := commit.Tree()
	if err == nil && rel != "." {
		if tree, err = tree.Tree(filepath.ToSlash(rel)); err != nil {
			err = fmt.Errorf("%s is not in revision %q: %w", filepath.ToSlash(rel), rev, err)
		}
	}
	if err != nil {
		return fail(err)
	}
	t := NewTreeFS(tree, commit.Committer.When)
	t.storage = closer
	return t, h.String(), nil
}
