package gitstore

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/clairon-dev/clairon/engine/internal/gitdisk"
	"github.com/clairon-dev/clairon/engine/state"
)

// load reads the whole state at commit head.
//
// Records and record trees already decoded by the previous read (or, with
// Options.CacheFile, by an earlier process) are taken from a cache, so
// reading again costs the change, not the state; the other records are
// decoded on all cores while the blobs are read.
func (s *Store) load(ctx context.Context, head plumbing.Hash) (*state.State, error) {
	c, err := object.GetCommit(s.st, head)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	root, err := object.GetTree(s.st, c.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("root tree: %w", err)
	}
	st := state.New()
	haveMeta := false
	for _, e := range root.Entries {
		switch {
		case e.Name == state.MetaFile && regular(e.Mode):
			b, err := s.blob(e.Hash)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", state.MetaFile, err)
			}
			m, err := state.DecodeMeta(b)
			if err != nil {
				return nil, err
			}
			st.Lineage, st.Serial, haveMeta = m.Lineage, m.Serial, true
		case e.Name == state.RecordsDir && e.Mode == filemode.Dir:
			if err := s.loadRecords(ctx, e.Hash, st); err != nil {
				return nil, err
			}
		default:
			if err := s.loadFiles(e, "", st); err != nil {
				return nil, err
			}
		}
	}
	if !haveMeta {
		return nil, fmt.Errorf("no %s at the root: this branch does not hold a clairon state", state.MetaFile)
	}
	return st, nil
}

// meta reads state.json from a root tree.
func (s *Store) meta(root plumbing.Hash) (state.Meta, error) {
	t, err := object.GetTree(s.st, root)
	if err != nil {
		return state.Meta{}, fmt.Errorf("root tree: %w", err)
	}
	e, err := t.FindEntry(state.MetaFile)
	if err != nil {
		return state.Meta{}, fmt.Errorf("%s: %w", state.MetaFile, err)
	}
	b, err := s.blob(e.Hash)
	if err != nil {
		return state.Meta{}, fmt.Errorf("%s: %w", state.MetaFile, err)
	}
	return state.DecodeMeta(b)
}

// pending is a record file to read and decode.
type pending struct {
	path string
	hash plumbing.Hash
	rec  *state.Record
	err  error
}

func (s *Store) loadRecords(ctx context.Context, h plumbing.Hash, st *state.State) error {
	if s.cache == nil { // the first read: what earlier processes decoded
		s.cache = newReadCache(0, 0)
		if s.cacheFile != "" {
			s.cache = readReadCache(s.cacheFile, s.cacheBuild)
		}
	}
	// next is what this read uses, so the cache never outgrows the state.
	next := newReadCache(len(s.cache.records), len(s.cache.trees))
	top, err := s.tree(next, state.RecordsDir, h)
	if err != nil {
		return err
	}
	// The trees are walked here while workers, each with its own reader of
	// the repository, read and decode the blobs the cache does not hold.
	work := make(chan *pending, 256)
	var wg sync.WaitGroup
	for _, rd := range s.readers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				var b []byte
				if b, p.err = readBlob(rd, p.hash); p.err == nil {
					p.rec, p.err = state.DecodeRecord(b)
				}
			}
		}()
	}
	todo, err := s.walkRecords(ctx, next, top, work)
	close(work)
	wg.Wait()
	if err != nil {
		return err
	}
	fresh := 0 // objects decoded from git rather than taken from the cache
	for _, p := range todo {
		if p.err != nil {
			return fmt.Errorf("%s: %w", p.path, p.err)
		}
		if want := state.RecordPath(p.rec.Address); want != p.path {
			return fmt.Errorf("%s: holds the record of %s, which belongs at %s", p.path, p.rec.Address, want)
		}
		if _, dup := st.Records[p.rec.Address]; dup {
			return fmt.Errorf("%s: second record of %s", p.path, p.rec.Address)
		}
		if _, ok := s.cache.records[p.hash]; !ok {
			fresh++
		}
		next.records[p.hash] = p.rec
		st.Records[p.rec.Address] = p.rec.Clone()
	}
	for h := range next.trees {
		if _, ok := s.cache.trees[h]; !ok {
			fresh++
		}
	}
	if s.cacheFile != "" && (fresh > 0 || len(next.records) != len(s.cache.records) || len(next.trees) != len(s.cache.trees)) {
		// Best effort: the cache only ever saves work.
		_ = writeReadCache(s.cacheFile, s.cacheBuild, next)
	}
	s.cache = next
	return nil
}

// walkRecords lists the record files under records/<h2>/<h3>/, takes the
// records it can from the cache and sends the others to work.
func (s *Store) walkRecords(ctx context.Context, next *readCache, top []object.TreeEntry, work chan<- *pending) ([]*pending, error) {
	var todo []*pending
	for _, e2 := range top {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		mid, err := s.subtree(next, state.RecordsDir, e2)
		if err != nil {
			return nil, err
		}
		for _, e3 := range mid {
			dir := state.RecordsDir + "/" + e2.Name
			leaf, err := s.subtree(next, dir, e3)
			if err != nil {
				return nil, err
			}
			dir += "/" + e3.Name
			for _, e := range leaf {
				p := &pending{path: dir + "/" + e.Name, hash: e.Hash}
				if !regular(e.Mode) {
					return nil, fmt.Errorf("%s: expected a record file", p.path)
				}
				todo = append(todo, p)
				if r, ok := s.cache.records[e.Hash]; ok {
					p.rec = r
					continue
				}
				work <- p
			}
		}
	}
	return todo, nil
}

// subtree lists the directory e of dir in the records tree.
func (s *Store) subtree(next *readCache, dir string, e object.TreeEntry) ([]object.TreeEntry, error) {
	p := dir + "/" + e.Name
	if e.Mode != filemode.Dir {
		return nil, fmt.Errorf("%s: expected a directory of records", p)
	}
	return s.tree(next, p, e.Hash)
}

// tree lists the tree h at path p, from the cache when it holds it, and
// files the listing in next.
func (s *Store) tree(next *readCache, p string, h plumbing.Hash) ([]object.TreeEntry, error) {
	es, ok := s.cache.trees[h]
	if !ok {
		t, err := object.GetTree(s.st, h)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		es = t.Entries
	}
	next.trees[h] = es
	return es, nil
}

// readers returns one object reader per worker. A storage in memory is read
// concurrently as it is; a storage on disk gets one instance per worker,
// since an instance is not safe for concurrent use but instances on the same
// directory are independent. Other storages are read by one worker.
func (s *Store) readers() []storer.EncodedObjectStorer {
	n := min(runtime.GOMAXPROCS(0), 8)
	switch st := s.st.(type) {
	case *memory.Storage:
		return slices.Repeat([]storer.EncodedObjectStorer{st}, n)
	case *filesystem.Storage:
		for len(s.extra) < n {
			s.extra = append(s.extra, gitdisk.NewStorage(st.Filesystem(), objectCacheSize, maxOpenPacks))
		}
		out := make([]storer.EncodedObjectStorer, n)
		for i := range n {
			out[i] = s.extra[i]
		}
		return out
	default:
		return []storer.EncodedObjectStorer{s.st}
	}
}

func (s *Store) loadFiles(e object.TreeEntry, dir string, st *state.State) error {
	p := join(dir, e.Name)
	switch {
	case e.Mode == filemode.Dir:
		t, err := object.GetTree(s.st, e.Hash)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, sub := range t.Entries {
			if err := s.loadFiles(sub, p, st); err != nil {
				return err
			}
		}
		return nil
	case regular(e.Mode):
		b, err := s.blob(e.Hash)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		st.Files[p] = b
		return nil
	default:
		return fmt.Errorf("%s: unsupported entry of mode %s on the state branch", p, e.Mode)
	}
}

// blob returns the content of a blob.
func (s *Store) blob(h plumbing.Hash) ([]byte, error) { return readBlob(s.st, h) }

func readBlob(st storer.EncodedObjectStorer, h plumbing.Hash) ([]byte, error) {
	return gitdisk.ReadObject(st, plumbing.BlobObject, h)
}

// regular reports whether m is a plain file's mode (not a link or submodule).
func regular(m filemode.FileMode) bool {
	return m == filemode.Regular || m == filemode.Executable || m == filemode.Deprecated
}
