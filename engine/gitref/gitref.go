// Package gitref writes the refs and the index of repositories on disk by
// renaming a complete file over the old one, so that a process killed at
// any moment leaves each at its old value or its new one.
//
// go-git rewrites these files in place (truncate, then write): a run killed
// in between leaves an empty ref, and every later run that reads the refs
// fails with "ref file is empty". Storage wraps a go-git storage so that
// everything go-git writes through it (fetch, reset, commit) is atomic too.
package gitref

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/clairon-dev/clairon/engine/atomicfile"
)

// ErrLocked is returned when another process holds a ref's lock file.
var ErrLocked = errors.New("the ref is being updated by another process")

// staleLock is how old a lock file must be before it is taken to be left by
// a crashed process rather than held by a live one.
const staleLock = 30 * time.Second

// Storage is a go-git storage on disk whose ref and index writes are atomic.
type Storage struct {
	*filesystem.Storage
	dir string
}

// Wrap returns st with atomic ref and index writes when it is on the local
// file system, and st itself otherwise (in memory, nothing to protect).
func Wrap(st storage.Storer) storage.Storer {
	fs, ok := st.(*filesystem.Storage)
	if !ok {
		return st
	}
	dir, ok := GitDir(st)
	if !ok {
		return st
	}
	return &Storage{Storage: fs, dir: dir}
}

// GitDir returns the git directory of a storage on the local file system.
func GitDir(st storage.Storer) (string, bool) {
	switch s := st.(type) {
	case *Storage:
		return s.dir, true
	case *filesystem.Storage:
		if root, ok := s.Filesystem().(interface{ Root() string }); ok {
			return root.Root(), true
		}
	}
	return "", false
}

// SetReference writes ref atomically.
func (s *Storage) SetReference(ref *plumbing.Reference) error {
	return s.CheckAndSetReference(ref, nil)
}

// CheckAndSetReference writes ref atomically if the ref is still at old (any
// value when old is nil), with git's own protocol: create <ref>.lock
// exclusively, check under the lock, write the lock file and rename it over
// the ref. It returns storage.ErrReferenceHasChanged when the ref moved, and
// ErrLocked when another process holds the lock.
func (s *Storage) CheckAndSetReference(ref, old *plumbing.Reference) error {
	if err := ref.Name().Validate(); err != nil && ref.Name() != plumbing.HEAD {
		return err
	}
	content, err := refContent(ref)
	if err != nil {
		return err
	}
	path := filepath.Join(s.dir, filepath.FromSlash(ref.Name().String()))
	return withLock(s.lockPath(ref.Name()), path, func() error {
		if old != nil {
			cur, err := s.Storage.Reference(ref.Name())
			if err != nil && !errors.Is(err, plumbing.ErrReferenceNotFound) {
				return err
			}
			if cur == nil || cur.Hash() != old.Hash() || cur.Target() != old.Target() {
				return storage.ErrReferenceHasChanged
			}
		}
		return nil
	}, content)
}

// lockPath is the lock file of a ref. It is not git's <ref>.lock beside the
// ref: go-git reads every file under refs/ as a ref, and one left by a
// killed process would fail every later fetch.
func (s *Storage) lockPath(name plumbing.ReferenceName) string {
	return filepath.Join(s.dir, "clairon-"+strings.ReplaceAll(name.String(), "/", "_")+".lock")
}

// SetIndex writes the index to a temporary file renamed over the old one.
func (s *Storage) SetIndex(idx *index.Index) error {
	var buf bytes.Buffer
	if err := index.NewEncoder(&buf).Encode(idx); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(s.dir, "index"), buf.Bytes())
}

func refContent(ref *plumbing.Reference) ([]byte, error) {
	switch ref.Type() {
	case plumbing.HashReference:
		return []byte(ref.Hash().String() + "\n"), nil
	case plumbing.SymbolicReference:
		return []byte("ref: " + ref.Target().String() + "\n"), nil
	}
	return nil, fmt.Errorf("reference %s: unknown type", ref.Name())
}

// CompareAndSwap moves the ref name from old to next: old zero means the
// ref must not exist. It returns storage.ErrReferenceHasChanged when the ref
// is elsewhere, and ErrLocked when another process is moving it. On disk the
// check and the move are atomic across processes; in memory, within the
// caller's own locking.
func CompareAndSwap(st storage.Storer, name plumbing.ReferenceName, old, next plumbing.Hash) error {
	check := func() error {
		cur, err := st.Reference(name)
		switch {
		case errors.Is(err, plumbing.ErrReferenceNotFound):
			if !old.IsZero() {
				return storage.ErrReferenceHasChanged
			}
			return nil
		case err != nil:
			return err
		case cur.Type() != plumbing.HashReference || cur.Hash() != old:
			return storage.ErrReferenceHasChanged
		}
		return nil
	}
	ref := plumbing.NewHashReference(name, next)
	ws, ok := Wrap(st).(*Storage)
	if !ok {
		if err := check(); err != nil {
			return err
		}
		return st.SetReference(ref)
	}
	content, _ := refContent(ref)
	return withLock(ws.lockPath(name), filepath.Join(ws.dir, filepath.FromSlash(name.String())), check, content)
}

// SetHash points the ref name of a storage at h (atomically on disk).
func SetHash(st storage.Storer, name plumbing.ReferenceName, h plumbing.Hash) error {
	return Wrap(st).SetReference(plumbing.NewHashReference(name, h))
}

// withLock creates lockPath exclusively, runs check, writes content to the
// lock file, syncs it and renames it over path. A lock older than staleLock
// is taken to be left by a crashed process and is removed.
func withLock(lockPath, path string, check func() error, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		if st, serr := os.Stat(lockPath); serr == nil && time.Since(st.ModTime()) > staleLock {
			os.Remove(lockPath)
			lock, err = os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		}
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s: %w", filepath.Base(path), ErrLocked)
		}
	}
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			lock.Close()
			os.Remove(lockPath)
		}
	}()
	if err := check(); err != nil {
		return err
	}
	if _, err := lock.Write(content); err != nil {
		return err
	}
	if err := lock.Sync(); err != nil {
		return err
	}
	if err := lock.Close(); err != nil {
		return err
	}
	if err := os.Rename(lockPath, path); err != nil {
		return err
	}
	done = true
	return nil
}
