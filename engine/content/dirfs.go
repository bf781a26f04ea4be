package content

import (
	"io/fs"
	"os"
	"path/filepath"
)

// DirFS returns the files under dir, as os.DirFS does, with one difference
// that matters at 10,000 posts: ReadDir reads every entry's size, mode and
// time as it lists a folder (see readDirStat), so the loader's walk costs a
// folder listing and one cheap stat per file, made on every core.
func DirFS(dir string) fs.FS { return dirFS{fsys: os.DirFS(dir), dir: dir} }

type dirFS struct {
	fsys fs.FS
	dir  string
}

func (f dirFS) Open(name string) (fs.File, error)      { return f.fsys.Open(name) }
func (f dirFS) ReadFile(name string) ([]byte, error)   { return fs.ReadFile(f.fsys, name) }
func (f dirFS) Stat(name string) (fs.FileInfo, error)  { return fs.Stat(f.fsys, name) }
func (f dirFS) Sub(dir string) (fs.FS, error)          { return fs.Sub(f.fsys, dir) }
func (f dirFS) ReadLink(name string) (string, error)   { return fs.ReadLink(f.fsys, name) }
func (f dirFS) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(f.fsys, name) }
func (f dirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	entries, err := readDirStat(filepath.Join(f.dir, filepath.FromSlash(name)))
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name // as os.DirFS says it: relative to the root
	}
	return entries, err
}
