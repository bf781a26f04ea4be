// Package gitdisk reads git objects from disk for the engine: it opens
// go-git storages tuned for reading many objects (pack files stay open
// between objects, pack indexes are read whole rather than a few bytes per
// system call) and reads an object's content whole.
package gitdisk

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// NewStorage returns a storage on the repository directory fs (a
// storage's Filesystem) that keeps up to maxOpenPacks pack files open and
// decoded objects up to cacheSize. Close it to release the files.
func NewStorage(fs billy.Filesystem, cacheSize cache.FileSize, maxOpenPacks int) *filesystem.Storage {
	if _, ok := fs.(bufferedIdx); !ok { // another such storage's Filesystem
		fs = bufferedIdx{fs}
	}
	return filesystem.NewStorageWithOptions(fs, cache.NewObjectLRU(cacheSize),
		filesystem.Options{MaxOpenDescriptors: maxOpenPacks})
}

// ReadObject reads the whole content of the object h of type typ from st,
// in one allocation of its size.
func ReadObject(st storer.EncodedObjectStorer, typ plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	obj, err := st.EncodedObject(typ, h)
	if err != nil {
		return nil, err
	}
	r, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data := make([]byte, obj.Size())
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("object %s: %w", h, err)
	}
	return data, nil
}

// bufferedIdx opens pack index files (.idx) behind a buffer: go-git decodes
// an index with reads of a few bytes each, one system call apiece, which
// costs milliseconds per index on every run.
type bufferedIdx struct{ billy.Filesystem }

func (f bufferedIdx) Open(name string) (billy.File, error) {
	file, err := f.Filesystem.Open(name)
	if err != nil || !strings.HasSuffix(name, ".idx") {
		return file, err
	}
	b := &bufferedFile{File: file, r: bufio.NewReaderSize(file, 64<<10)}
	if s, ok := file.(statter); ok {
		// The decoder checks the size when the file can say it.
		return &statBufferedFile{b, s}, nil
	}
	return b, nil
}

type statter interface{ Stat() (os.FileInfo, error) }

// Chroot keeps the buffering in the sub-filesystems go-git makes.
func (f bufferedIdx) Chroot(path string) (billy.Filesystem, error) {
	sub, err := f.Filesystem.Chroot(path)
	if err != nil {
		return nil, err
	}
	return bufferedIdx{sub}, nil
}

// bufferedFile reads through r. go-git reads a pack index from its start
// to its end, once, and nothing else: reads are all it needs to buffer.
type bufferedFile struct {
	billy.File
	r *bufio.Reader
}

func (f *bufferedFile) Read(p []byte) (int, error) { return f.r.Read(p) }

// statBufferedFile is a bufferedFile whose file can tell its size.
type statBufferedFile struct {
	*bufferedFile
	s statter
}

func (f *statBufferedFile) Stat() (os.FileInfo, error) { return f.s.Stat() }
