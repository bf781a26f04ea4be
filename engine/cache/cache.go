// Package cache remembers between runs what parsing and rendering produced
// for each post file, so that a plan after changing one file of a large
// repository reads and renders that file alone. Entries are keyed by the
// file's path, size and modification time (then its git blob hash), and
// rendered digests also by a context hash (configuration, campaigns, media,
// clairon's version). The cache is one file, a log that each run appends
// its changes to (see codec.go); deleting it is always safe and never
// changes a result.
package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/clairon-dev/clairon/engine/atomicfile"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/internal/binrec"
	"github.com/clairon-dev/clairon/engine/internal/parallel"
)

// Cache is safe for concurrent use.
type Cache struct {
	// ready is closed once the file is read; every method waits for it
	// (wait). loaded is set then too: receiving from a closed channel takes
	// its lock, which the loader's workers, asking for every post, contend.
	ready  chan struct{}
	loaded atomic.Bool
	// mu guards everything below; Get, called by the loader's workers for
	// every post, takes it only to read.
	mu      sync.RWMutex
	path    string
	build   string
	context string
	entries map[string]*entry
	// changed are the paths whose entry is to be appended to the file.
	changed map[string]bool
	// records is how many records the file holds, live or replaced.
	records int
	// rewrite is set when the file must be written anew rather than
	// appended to: missing, of another version, or damaged.
	rewrite bool
	// trees are git trees' raw bytes by hash (see Tree); treesUsed those
	// asked for or put by this run, newTrees those to append.
	trees     map[string]string
	treesUsed map[string]bool
	newTrees  []string
}

type entry struct {
	Size       int64
	ModTime    int64
	Blob       string
	ID         string
	ExplicitID bool
	Kind       content.Kind
	Post       content.Post
	Diags      diag.List
	// Context is the render context the renders were made in.
	Context string
	// Renders are by account, in the order they were made (a post has a few).
	Renders []Render
	// used is set when this run found the file unchanged or parsed it anew;
	// entries not used are dropped on Save. Atomic: loader workers set it.
	used atomic.Bool
	// doc is what Get returns, made without copying Post.
	doc content.Document
}

// Render is what the planner needs of a post rendered for one account.
type Render struct {
	Account string
	Digest  string
	Network string
	Diags   diag.List
}

// render returns the entry's render for account.
func (e *entry) render(account string) (*Render, bool) {
	for i := range e.Renders {
		if e.Renders[i].Account == account {
			return &e.Renders[i], true
		}
	}
	return nil, false
}

// Open reads the cache file at path (a missing or unreadable file gives an
// empty cache). build names the build of clairon: a file another build
// wrote is ignored whole. The render context (SetContext) is empty until
// set; renders made in another context are not returned.
//
// The file is read and decoded in the background, while the caller goes on
// (the loader lists the folders meanwhile); the first use waits for it.
func Open(path, build string) *Cache {
	c := &Cache{path: path, build: build, entries: map[string]*entry{}, changed: map[string]bool{},
		trees: map[string]string{}, treesUsed: map[string]bool{}, ready: make(chan struct{})}
	go func() {
		defer func() {
			c.loaded.Store(true)
			close(c.ready)
		}()
		c.read()
	}()
	return c
}

// wait returns once the file is read.
func (c *Cache) wait() {
	if !c.loaded.Load() {
		<-c.ready
	}
}

// read fills the cache from its file.
func (c *Cache) read() {
	data, err := os.ReadFile(c.path)
	if err != nil {
		c.rewrite = true
		return
	}
	data, ok := header(data, c.build)
	if !ok { // another format, or another build of clairon
		c.rewrite = true
		return
	}
	// The entries' strings are substrings of the file's bytes, which are
	// never written to after this point: no copy of the whole file.
	text := unsafe.String(unsafe.SliceData(data), len(data))
	payloads, clean := records(data, text)
	// Records are decoded on every core into one slab of entries, then
	// applied in order: a later record for a path replaces an earlier one.
	type decoded struct {
		typ  uint64
		path string
		tree string // a tree record's raw tree
		err  error
	}
	slab := make([]entry, len(payloads))
	out := make([]decoded, len(payloads))
	parallel.Chunks(len(payloads), 512, func(lo, hi int) {
		var a slabs
		for i := lo; i < hi; i++ {
			d := &binrec.Decoder{S: payloads[i]}
			o := &out[i]
			o.typ, o.path = d.Uint(), d.Str()
			switch o.typ {
			case recordPut:
				decodeEntry(d, &slab[i], &a)
			case recordTree:
				o.tree = d.Str()
			}
			o.err = d.Err
		}
	})
	c.entries = make(map[string]*entry, len(payloads))
	for i, o := range out {
		if o.err != nil || o.typ < recordPut || o.typ > recordTree {
			clean = false // the log ends at the first damaged record
			break
		}
		switch o.typ {
		case recordPut:
			c.entries[o.path] = &slab[i]
		case recordDelete:
			delete(c.entries, o.path)
		case recordTree:
			c.trees[o.path] = o.tree
		}
		c.records++
	}
	c.rewrite = !clean
}

// Context hashes the parts rendering depends on.
func Context(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SetContext sets the render context, once it is known (after loading).
func (c *Cache) SetContext(context string) {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.context = context
}

// RepoContext identifies everything a post's rendering depends on besides
// its own file: the build of clairon, the configuration, the campaigns and
// the media files.
func RepoContext(repo *content.Repo, build string) string {
	parts := []string{build}
	if repo.ConfigDoc != nil {
		if b, err := repo.ReadFile(repo.ConfigDoc.Path); err == nil {
			parts = append(parts, content.BlobHash(b))
		}
	}
	for _, d := range repo.Campaigns() {
		parts = append(parts, d.Path, d.Blob)
	}
	media := make([]string, 0, len(repo.Media))
	for p, m := range repo.Media {
		if m.Blob != "" { // by content: from a git tree, or hashed once on disk
			media = append(media, fmt.Sprint(p, " ", m.Blob))
		} else {
			media = append(media, fmt.Sprint(p, m.Size, m.ModTime.UnixNano()))
		}
	}
	sort.Strings(media)
	return Context(append(parts, media...)...)
}

// Get returns a cached post when its file has the same size and
// modification time as when it was parsed.
func (c *Cache) Get(path string, size int64, modTime time.Time) (*content.Document, diag.List, bool) {
	e, ok := c.lookup(path, content.KindPost)
	if !ok || !e.sameStat(size, modTime) {
		return nil, nil, false
	}
	return e.document(path), e.Diags, true
}

// lookup returns the entry at path if it is of kind.
func (c *Cache) lookup(path string, kind content.Kind) (*entry, bool) {
	c.wait()
	c.mu.RLock()
	e, ok := c.entries[path]
	c.mu.RUnlock()
	return e, ok && e.Kind == kind
}

// sameStat reports whether the entry was made from a file of this size and
// time. An entry with no time came from a git tree and is found by blob only.
func (e *entry) sameStat(size int64, modTime time.Time) bool {
	return e.Size == size && !modTime.IsZero() && e.ModTime != 0 && e.ModTime == modTime.UnixNano()
}

// GetBlob returns a cached post when its file has the same blob hash as
// when it was parsed, and the size it had: a file listed from a git tree,
// or one on disk whose time changed but not its content.
func (c *Cache) GetBlob(path, blob string) (*content.Document, diag.List, int64, bool) {
	e, ok := c.lookup(path, content.KindPost)
	if !ok || e.Blob != blob || blob == "" {
		return nil, nil, 0, false
	}
	return e.document(path), e.Diags, e.Size, true
}

// document marks the entry used and returns its document. The document is
// the entry's own: documents are not changed once loaded, and a path is
// asked for once per load.
func (e *entry) document(path string) *content.Document {
	e.used.Store(true)
	e.doc = content.Document{Path: path, Kind: e.Kind, ID: e.ID, ExplicitID: e.ExplicitID, Blob: e.Blob, Post: &e.Post, Cached: true}
	return &e.doc
}

// Put remembers a freshly parsed post.
func (c *Cache) Put(d *content.Document, ds diag.List, size int64, modTime time.Time) {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.entries[d.Path]
	mt := int64(0) // a file of a git tree: found by its blob alone
	if !modTime.IsZero() {
		mt = modTime.UnixNano()
	}
	e := &entry{Size: size, ModTime: mt, Blob: d.Blob, ID: d.ID, ExplicitID: d.ExplicitID, Kind: d.Kind, Post: *d.Post, Diags: ds}
	if prev != nil && prev.Blob == d.Blob {
		e.Context, e.Renders = prev.Context, prev.Renders // only touched, not changed
	}
	e.used.Store(true)
	c.entries[d.Path] = e
	c.changed[d.Path] = true
}

// Renders returns a post's renders, one per account, made in this context
// from the same blob. The slice is the cache's: read it, do not keep it.
func (c *Cache) Renders(path, blob string) []Render {
	c.wait()
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[path]
	if !ok || e.Blob != blob || e.Context != c.context {
		return nil
	}
	return e.Renders
}

// PutDigest remembers a post's render for an account.
func (c *Cache) PutDigest(path, blob, account string, r Render) {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	if !ok || e.Blob != blob {
		return
	}
	if e.Context != c.context {
		e.Context, e.Renders = c.context, nil
	}
	r.Account = account
	old, ok := e.render(account)
	switch {
	case !ok:
		e.Renders = append(e.Renders, r)
	case old.Digest == r.Digest && old.Network == r.Network && len(old.Diags) == len(r.Diags):
		return
	default:
		*old = r
	}
	c.changed[path] = true
}

// kindMedia marks the entries of media files, which hold only a blob hash.
const kindMedia content.Kind = "media-file"

// MediaBlob returns the blob hash of a media file that has the same size
// and modification time as when it was hashed.
func (c *Cache) MediaBlob(path string, size int64, modTime time.Time) (string, bool) {
	e, ok := c.lookup(path, kindMedia)
	if !ok || !e.sameStat(size, modTime) {
		return "", false
	}
	e.used.Store(true)
	return e.Blob, true
}

// PutMediaBlob remembers the blob hash of a media file on disk.
func (c *Cache) PutMediaBlob(path string, size int64, modTime time.Time, blob string) {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &entry{Size: size, ModTime: modTime.UnixNano(), Blob: blob, Kind: kindMedia}
	e.used.Store(true)
	c.entries[path] = e
	c.changed[path] = true
}

// Tree returns the raw git tree whose hash (hex) is hash, if remembered.
// Trees are named by their content: a remembered tree is never stale, and
// listing a commit's folders needs neither the pack files nor inflating.
func (c *Cache) Tree(hash string) (string, bool) {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	raw, ok := c.trees[hash]
	if ok {
		c.treesUsed[hash] = true
	}
	return raw, ok
}

// PutTree remembers a raw git tree.
func (c *Cache) PutTree(hash, raw string) {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.trees[hash]; !ok {
		c.trees[hash] = raw
		c.newTrees = append(c.newTrees, hash)
	}
	c.treesUsed[hash] = true
}

// keptTrees returns the hashes of the trees a rewritten file keeps: those
// this run used, or all of them when it listed no tree (a plan of the
// working tree keeps what plans of commits need).
func (c *Cache) keptTrees() []string {
	if len(c.treesUsed) == 0 {
		return slices.Sorted(maps.Keys(c.trees))
	}
	return slices.Sorted(maps.Keys(c.treesUsed))
}

// staleTreeSlack is how many bytes of trees a run did not list the file
// may hold beyond the size of those it did.
const staleTreeSlack = 4 << 20

// staleTreeBytes returns how much the trees this run did not list weigh
// more than those it did; 0 when it listed none (a plan of the working
// tree cannot tell which trees are old).
func (c *Cache) staleTreeBytes() int {
	if len(c.treesUsed) == 0 {
		return 0
	}
	used, stale := 0, 0
	for h, raw := range c.trees {
		if c.treesUsed[h] {
			used += len(raw)
		} else {
			stale += len(raw)
		}
	}
	return max(stale-used, 0)
}

// appendTrees appends a tree record for each hash.
func (c *Cache) appendTrees(b []byte, hashes []string) []byte {
	e := &binrec.Encoder{}
	for _, h := range hashes {
		e.B = e.B[:0]
		e.Uint(recordTree)
		e.Str(h)
		e.Str(c.trees[h])
		b = appendRecord(b, e.B)
	}
	return b
}

// Save writes what changed since Open, dropping entries of files that no
// longer exist. It appends to the file, or writes it anew through a
// temporary file renamed into place when it holds more replaced records than
// live ones.
func (c *Cache) Save() error {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	var gone []string
	for p, e := range c.entries {
		if !e.used.Load() {
			delete(c.entries, p)
			delete(c.changed, p)
			gone = append(gone, p)
		}
	}
	if len(c.changed) == 0 && len(gone) == 0 && len(c.newTrees) == 0 && !c.rewrite {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	// Trees count as entries: a file holding more trees than a run lists
	// (those of older commits) is rewritten in time, as one holding
	// replaced entries is, and also once they weigh more than those the
	// run listed by a few megabytes: a folder of thousands of posts is a
	// tree of hundreds of kilobytes, and each commit that changes it adds
	// one.
	kept := c.keptTrees()
	live := len(c.entries) + len(kept)
	if c.rewrite || c.records+len(c.changed)+len(gone)+len(c.newTrees) > 2*live+64 || c.staleTreeBytes() > staleTreeSlack {
		return c.writeAll(kept)
	}
	b := c.appendEntries(nil, slices.Sorted(maps.Keys(c.changed)))
	b = c.appendTrees(b, c.newTrees)
	e := &binrec.Encoder{}
	slices.Sort(gone)
	for _, p := range gone {
		e.B = e.B[:0]
		e.Uint(recordDelete)
		e.Str(p)
		b = appendRecord(b, e.B)
	}
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return c.writeAll(kept)
	}
	// One write: runs appending at the same moment do not interleave, and a
	// torn write only ends the log early.
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	c.records += len(c.changed) + len(gone) + len(c.newTrees)
	clear(c.changed)
	c.newTrees = nil
	return nil
}

// appendEntries appends a put record for the entry of each path.
func (c *Cache) appendEntries(b []byte, paths []string) []byte {
	e := &binrec.Encoder{}
	for _, p := range paths {
		e.B = e.B[:0]
		encodeEntry(e, p, c.entries[p])
		b = appendRecord(b, e.B)
	}
	return b
}

// writeAll writes every entry and the trees kept to a new file renamed over
// the old one. The entries are encoded on every core, a chunk each, then
// joined in order.
func (c *Cache) writeAll(trees []string) error {
	paths := slices.Sorted(maps.Keys(c.entries))
	const chunk = 1024
	parts := make([][]byte, (len(paths)+chunk-1)/chunk)
	parallel.Chunks(len(paths), chunk, func(lo, hi int) { parts[lo/chunk] = c.appendEntries(nil, paths[lo:hi]) })
	parts = append(parts, c.appendTrees(nil, trees))
	b := appendHeader(nil, c.build)
	size := len(b)
	for _, part := range parts {
		size += len(part)
	}
	b = slices.Grow(b, size-len(b))
	for _, part := range parts {
		b = append(b, part...)
	}
	if err := atomicfile.Write(c.path, b); err != nil {
		return err
	}
	c.records, c.rewrite = len(c.entries)+len(trees), false
	clear(c.changed)
	if len(c.treesUsed) > 0 {
		maps.DeleteFunc(c.trees, func(h, _ string) bool { return !c.treesUsed[h] })
	}
	c.newTrees = nil
	return nil
}
