package content

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// TreeFS exposes a git tree as an fs.FS, so a commit is loaded through the
// same code path as a directory. It also knows every file's blob hash.
type TreeFS struct {
	// mu serialises access to the tree and its object storage: go-git's
	// trees cache their entries lazily and storages on disk are not safe for
	// concurrent use, while the loader reads files in parallel.
	mu   sync.Mutex
	tree *object.Tree
	when time.Time
}

// NewTreeFS wraps a commit's tree; when is reported as every file's ModTime.
func NewTreeFS(tree *object.Tree, when time.Time) *TreeFS { return &TreeFS{tree: tree, when: when} }

var (
	_ fs.ReadDirFS  = (*TreeFS)(nil)
	_ fs.ReadFileFS = (*TreeFS)(nil)
	_ BlobHasher    = (*TreeFS)(nil)
)

// BlobHash returns the blob hash of a file.
func (t *TreeFS) BlobHash(name string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.tree.FindEntry(name)
	if err != nil || !e.Mode.IsFile() {
		return "", false
	}
	return e.Hash.String(), true
}

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
	e, err := t.tree.FindEntry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if e.Mode == filemode.Dir {
		sub, err := t.tree.Tree(name)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &treeDir{fs: t, name: name, tree: sub}, nil
	}
	f, err := t.tree.TreeEntryFile(e)
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
	for _, e := range d.tree.Entries {
		size := int64(0)
		if e.Mode.IsFile() {
			if s, err := d.tree.Size(e.Name); err == nil {
				size = s
			}
		}
		out = append(out, dirEntry{d.fs.info(e.Name, e.Mode, size)})
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].Name(), out[j].Name()) < 0 })
	return out, nil
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

type dirEntry struct{ fileInfo }

func (e dirEntry) Type() fs.FileMode          { return e.mode.Type() }
func (e dirEntry) Info() (fs.FileInfo, error) { return e.fileInfo, nil }
