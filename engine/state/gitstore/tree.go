package gitstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/clairon-dev/clairon/engine/state"
)

// packThreshold is the number of new objects from which a write stores them
// as one pack rather than as loose objects, as git itself does on receive.
const packThreshold = 100

// built is a commit made by a write, not yet on the branch.
type built struct {
	hash    plumbing.Hash
	lineage string
	serial  int64
	// objects are every object the commit adds to its parent: what a push sends.
	objects []plumbing.Hash
}

// commit writes the objects of cs on top of base (zero for a new state) and
// a commit of them, and returns it. Only the trees along changed paths are
// rebuilt; every other tree is shared with base.
func (s *Store) commit(ctx context.Context, base plumbing.Hash, cs *state.Changeset) (*built, error) {
	var (
		baseTree plumbing.Hash
		parents  []plumbing.Hash
		lineage  string
		serial   int64
	)
	if base.IsZero() {
		l, err := state.NewLineage(s.rand)
		if err != nil {
			return nil, err
		}
		lineage = l
	} else {
		c, err := object.GetCommit(s.st, base)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, fmt.Errorf("base version is not in the repository (read the state before writing it): %w", err)
		}
		if err != nil {
			return nil, fmt.Errorf("base commit: %w", err)
		}
		m, err := s.meta(c.TreeHash)
		if err != nil {
			return nil, err
		}
		baseTree, parents, lineage, serial = c.TreeHash, []plumbing.Hash{base}, m.Lineage, m.Serial
	}
	serial++

	ed := newEditor(s.st)
	if err := ed.put(state.MetaFile, state.EncodeMeta(lineage, serial)); err != nil {
		return nil, err
	}
	for _, r := range cs.Records() {
		b, err := state.EncodeRecord(r)
		if err != nil {
			return nil, err
		}
		if err := ed.put(state.RecordPath(r.Address), b); err != nil {
			return nil, err
		}
	}
	for _, a := range cs.Removed() {
		if err := ed.remove(state.RecordPath(a)); err != nil {
			return nil, err
		}
	}
	for _, f := range cs.Files() {
		if err := ed.put(f.Path, f.Data); err != nil {
			return nil, err
		}
	}
	for _, p := range cs.RemovedFiles() {
		if err := ed.remove(p); err != nil {
			return nil, err
		}
	}
	root, err := ed.write(ctx, ed.root, baseTree, "")
	if err != nil {
		return nil, err
	}
	if root.IsZero() {
		root, err = ed.emptyTree()
		if err != nil {
			return nil, err
		}
	}

	when := s.now()
	author, committer := s.author, s.committer
	author.When, committer.When = when, when
	c := &object.Commit{
		Author:       author,
		Committer:    committer,
		Message:      cs.Message.Text(lineage, serial),
		TreeHash:     root,
		ParentHashes: parents,
	}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		return nil, fmt.Errorf("encode commit: %w", err)
	}
	ed.add(obj)
	if err := ed.flush(); err != nil {
		return nil, err
	}
	return &built{hash: obj.Hash(), lineage: lineage, serial: serial, objects: ed.hashes()}, nil
}

// editor rebuilds the trees along changed paths.
type editor struct {
	st      storer.EncodedObjectStorer
	root    *dir
	objects map[plumbing.Hash]plumbing.EncodedObject
	order   []plumbing.Hash
}

// dir is a directory with changes below it.
type dir struct {
	files map[string]fileOp
	dirs  map[string]*dir
}

type fileOp struct {
	data   []byte
	remove bool
}

func newDir() *dir { return &dir{files: map[string]fileOp{}, dirs: map[string]*dir{}} }

func newEditor(st storer.EncodedObjectStorer) *editor {
	return &editor{st: st, root: newDir(), objects: map[plumbing.Hash]plumbing.EncodedObject{}}
}

func (e *editor) put(path string, data []byte) error { return e.set(path, fileOp{data: data}) }

func (e *editor) remove(path string) error { return e.set(path, fileOp{remove: true}) }

func (e *editor) set(path string, op fileOp) error {
	els := strings.Split(path, "/")
	d := e.root
	for i, el := range els[:len(els)-1] {
		if _, ok := d.files[el]; ok {
			return fmt.Errorf("%s is both a file and a directory", strings.Join(els[:i+1], "/"))
		}
		next := d.dirs[el]
		if next == nil {
			next = newDir()
			d.dirs[el] = next
		}
		d = next
	}
	name := els[len(els)-1]
	if _, ok := d.dirs[name]; ok {
		return fmt.Errorf("%s is both a file and a directory", path)
	}
	d.files[name] = op
	return nil
}

// write returns the tree of d applied on base, or zero when it is empty.
func (e *editor) write(ctx context.Context, d *dir, base plumbing.Hash, path string) (plumbing.Hash, error) {
	if err := ctx.Err(); err != nil {
		return plumbing.ZeroHash, err
	}
	entries := map[string]object.TreeEntry{}
	if !base.IsZero() {
		t, err := object.GetTree(e.st, base)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("tree %s: %w", displayPath(path), err)
		}
		for _, en := range t.Entries {
			entries[en.Name] = en
		}
	}
	for name, op := range d.files {
		p := join(path, name)
		if old, ok := entries[name]; ok && old.Mode == filemode.Dir {
			return plumbing.ZeroHash, fmt.Errorf("%s is a directory on the state branch, not a file", p)
		}
		if op.remove {
			delete(entries, name)
			continue
		}
		h := e.blob(op.data)
		entries[name] = object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h}
	}
	for name, sub := range d.dirs {
		p := join(path, name)
		var subBase plumbing.Hash
		if old, ok := entries[name]; ok {
			if old.Mode != filemode.Dir {
				return plumbing.ZeroHash, fmt.Errorf("%s is a file on the state branch, not a directory", p)
			}
			subBase = old.Hash
		}
		h, err := e.write(ctx, sub, subBase, p)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if h.IsZero() {
			delete(entries, name)
		} else {
			entries[name] = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}
		}
	}
	if len(entries) == 0 {
		return plumbing.ZeroHash, nil
	}
	t := &object.Tree{Entries: make([]object.TreeEntry, 0, len(entries))}
	for _, en := range entries {
		t.Entries = append(t.Entries, en)
	}
	sort.Sort(object.TreeEntrySorter(t.Entries))
	obj := &plumbing.MemoryObject{}
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode tree %s: %w", displayPath(path), err)
	}
	if obj.Hash() != base {
		e.add(obj)
	}
	return obj.Hash(), nil
}

// emptyTree returns the empty tree, the root of a state with no file at all
// (which cannot happen while state.json exists, but keeps write total).
func (e *editor) emptyTree() (plumbing.Hash, error) {
	obj := &plumbing.MemoryObject{}
	if err := (&object.Tree{}).Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	e.add(obj)
	return obj.Hash(), nil
}

func (e *editor) blob(data []byte) plumbing.Hash {
	obj := &plumbing.MemoryObject{}
	obj.SetType(plumbing.BlobObject)
	_, _ = obj.Write(data)
	e.add(obj)
	return obj.Hash()
}

func (e *editor) add(obj plumbing.EncodedObject) {
	h := obj.Hash()
	if _, ok := e.objects[h]; !ok {
		e.objects[h] = obj
		e.order = append(e.order, h)
	}
}

func (e *editor) hashes() []plumbing.Hash { return e.order }

// flush stores the new objects: loose when they are few, else as one pack.
func (e *editor) flush() error {
	pw, ok := e.st.(storer.PackfileWriter)
	if !ok || len(e.order) < packThreshold {
		for _, h := range e.order {
			if _, err := e.st.SetEncodedObject(e.objects[h]); err != nil {
				return fmt.Errorf("store object %s: %w", h, err)
			}
		}
		return nil
	}
	src := memory.NewStorage()
	for _, h := range e.order {
		if _, err := src.SetEncodedObject(e.objects[h]); err != nil {
			return fmt.Errorf("store object %s: %w", h, err)
		}
	}
	w, err := pw.PackfileWriter()
	if err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	if _, err := packfile.NewEncoder(w, src, false).Encode(e.order, 0); err != nil {
		_ = w.Close()
		return fmt.Errorf("store objects: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("store objects: %w", err)
	}
	return nil
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func displayPath(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}
