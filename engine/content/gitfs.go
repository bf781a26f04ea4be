package content

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/clairon-dev/clairon/engine/internal/gitdisk"
)

// TreeFS exposes a git tree as an fs.FS, so a commit is loaded through the
// same code path as a directory. The entries it lists know their blob hash.
//
// Trees are decoded here rather than through go-git's object.Tree: listing
// a folder of a few hundred posts then takes a few allocations, not one per
// entry, and a plan from a commit lists every folder.
type TreeFS struct {
	// mu serialises access to the object storage, which is not safe for
	// concurrent use on disk, while the loader reads files in parallel; and
	// to dirs.
	mu      sync.Mutex
	objects storer.EncodedObjectStorer
	root    *gitTree
	when    time.Time
	// dirs are the folders' trees by path, each decoded once.
	dirs map[string]*gitTree
	// storage is closed by Close (the pack files it keeps open).
	storage io.Closer
	// trees, when set, remembers raw trees between runs (see TreeCache).
	trees TreeCache
}

// TreeCache remembers git trees' raw bytes by hash (hex) between runs. A
// tree is named by its content, so a remembered one is never stale; a plan
// of a commit then lists its folders without inflating them from the pack
// files again. The loader gives a TreeFS the cache of Options.Cache when it
// has these methods.
type TreeCache interface {
	Tree(hash string) (raw string, ok bool)
	PutTree(hash, raw string)
}

// useTreeCache makes t read and remember trees through c.
func (t *TreeFS) useTreeCache(c TreeCache) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.trees = c
}

// gitTree is one decoded git tree: a folder's entries, in the tree's order.
type gitTree struct {
	entries []gitEntry
	// byName indexes entries, made on the first lookup by name.
	byName map[string]int
}

type gitEntry struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
	hex  string // hash, in hex
}

// NewTreeFS exposes the tree whose hash is root, read from objects; when is
// reported as every file's ModTime.
func NewTreeFS(objects storer.EncodedObjectStorer, root plumbing.Hash, when time.Time) (*TreeFS, error) {
	t := &TreeFS{objects: objects, when: when, dirs: map[string]*gitTree{}}
	tree, err := t.readTree(root)
	if err != nil {
		return nil, err
	}
	t.root = tree
	return t, nil
}

// Close releases the files TreeAt's storage keeps open.
func (t *TreeFS) Close() error {
	if t.storage == nil {
		return nil
	}
	return t.storage.Close()
}

// readTree reads and decodes the tree h, under the lock: from the tree
// cache when it has it (and it decodes), else from the object storage, and
// then remembered.
func (t *TreeFS) readTree(h plumbing.Hash) (*gitTree, error) {
	key := h.String()
	if t.trees != nil {
		if raw, ok := t.trees.Tree(key); ok {
			if entries, err := decodeTree(raw); err == nil {
				return &gitTree{entries: entries}, nil
			}
		}
	}
	data, err := gitdisk.ReadObject(t.objects, plumbing.TreeObject, h)
	if err != nil {
		return nil, err
	}
	raw := string(data)
	entries, err := decodeTree(raw)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", h, err)
	}
	if t.trees != nil {
		t.trees.PutTree(key, raw)
	}
	return &gitTree{entries: entries}, nil
}

// decodeTree decodes a raw git tree: entries of "mode name\x00" followed
// by the 20-byte object hash. Names are substrings of text, and the hashes
// in hex substrings of one string: a folder of posts takes three
// allocations however many it holds.
func decodeTree(text string) ([]gitEntry, error) {
	entries := make([]gitEntry, 0, len(text)/48) // a typical entry's size
	for i := 0; i < len(text); {
		sp := strings.IndexByte(text[i:], ' ')
		nul := strings.IndexByte(text[i:], 0)
		if sp <= 0 || nul <= sp+1 || i+nul+1+20 > len(text) {
			return nil, errors.New("malformed tree entry")
		}
		mode, err := filemode.New(text[i : i+sp])
		if err != nil {
			return nil, err
		}
		e := gitEntry{name: text[i+sp+1 : i+nul], mode: mode}
		copy(e.hash[:], text[i+nul+1:i+nul+21])
		entries = append(entries, e)
		i += nul + 21
	}
	hexes := make([]byte, hex.EncodedLen(20)*len(entries))
	for i := range entries {
		hex.Encode(hexes[40*i:], entries[i].hash[:])
	}
	all := string(hexes)
	for i := range entries {
		entries[i].hex = all[40*i : 40*i+40]
	}
	return entries, nil
}

// find returns the entry called name.
func (g *gitTree) find(name string) (*gitEntry, bool) {
	if g.byName == nil {
		g.byName = make(map[string]int, len(g.entries))
		for i, e := range g.entries {
			g.byName[e.name] = i
		}
	}
	i, ok := g.byName[name]
	if !ok {
		return nil, false
	}
	return &g.entries[i], true
}

// entry returns the entry of name in its folder's tree, under the lock.
func (t *TreeFS) entry(name string) (*gitEntry, error) {
	parent, err := t.dir(path.Dir(name))
	if err != nil {
		return nil, err
	}
	e, ok := parent.find(path.Base(name))
	if !ok {
		return nil, fs.ErrNotExist
	}
	return e, nil
}

// dir returns the tree of the folder name, under the lock.
func (t *TreeFS) dir(name string) (*gitTree, error) {
	if name == "." {
		return t.root, nil
	}
	if tree, ok := t.dirs[name]; ok {
		return tree, nil
	}
	parent, err := t.dir(path.Dir(name))
	if err != nil {
		return nil, err
	}
	e, ok := parent.find(path.Base(name))
	if !ok || e.mode != filemode.Dir {
		return nil, fs.ErrNotExist
	}
	tree, err := t.readTree(e.hash)
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
		return &treeDir{fs: t, name: ".", tree: t.root}, nil
	}
	e, err := t.entry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if e.mode == filemode.Dir {
		sub, err := t.dir(name)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &treeDir{fs: t, name: name, tree: sub}, nil
	}
	if e.mode == filemode.Submodule {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("is a submodule")}
	}
	data, err := gitdisk.ReadObject(t.objects, plumbing.BlobObject, e.hash)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &treeFile{Reader: bytes.NewReader(data), data: data, info: t.info(path.Base(name), e.mode, int64(len(data)))}, nil
}

// ReadFile reads a whole file.
func (t *TreeFS) ReadFile(name string) ([]byte, error) {
	f, err := t.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tf, ok := f.(*treeFile)
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	return tf.data, nil
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
	*bytes.Reader
	data []byte
	info fileInfo
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Close() error               { return nil }

type treeDir struct {
	fs   *TreeFS
	name string
	tree *gitTree
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
	out := make([]fs.DirEntry, len(d.tree.entries))
	slab := make([]treeEntry, len(d.tree.entries))
	for i := range d.tree.entries {
		slab[i] = treeEntry{fs: d.fs, gitEntry: &d.tree.entries[i]}
		out[i] = &slab[i]
	}
	// A tree is in name order but for folders, which git sorts as if their
	// name ended in a slash: sort only when that made a difference.
	byName := func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) }
	if !slices.IsSortedFunc(out, byName) {
		slices.SortFunc(out, byName)
	}
	return out, nil
}

// treeEntry is a file or folder listed from a tree. It knows its blob hash;
// its size is looked up in the object storage only when Info is called, so
// listing 10,000 files reads the trees alone.
type treeEntry struct {
	fs *TreeFS
	*gitEntry
}

func (e *treeEntry) Name() string      { return e.name }
func (e *treeEntry) IsDir() bool       { return e.mode == filemode.Dir }
func (e *treeEntry) Type() fs.FileMode { return e.fs.info(e.name, e.mode, 0).mode.Type() }

// BlobHash returns the entry's git blob hash ("" for a folder).
func (e *treeEntry) BlobHash() string {
	if !e.mode.IsFile() {
		return ""
	}
	return e.hex
}

func (e *treeEntry) Info() (fs.FileInfo, error) {
	size := int64(0)
	if e.mode.IsFile() {
		e.fs.mu.Lock()
		obj, err := e.fs.objects.EncodedObject(plumbing.BlobObject, e.hash)
		e.fs.mu.Unlock()
		if err != nil {
			return nil, &fs.PathError{Op: "stat", Path: e.name, Err: err}
		}
		size = obj.Size()
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
	t, err := NewTreeFS(repo.Storer, commit.TreeHash, commit.Committer.When)
	if err != nil {
		return fail(err)
	}
	if rel != "." {
		sub := filepath.ToSlash(rel)
		if t.root, err = t.dir(sub); err != nil {
			return fail(fmt.Errorf("%s is not in revision %q: %w", sub, rev, err))
		}
		clear(t.dirs) // they were named from the top of the repository
	}
	t.storage = closer
	return t, h.String(), nil
}
