// Package cache remembers between runs what parsing and rendering produced
// for each post file, so that a plan after changing one file of a large
// repository reads and renders that file alone. Entries are keyed by the
// file's path, size and modification time (then its git blob hash), and
// rendered digests also by a context hash (configuration, campaigns, media,
// clairon's version). The cache is one file; deleting it is always safe and
// never changes a result.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
)

// formatVersion changes whenever the entry layout does; an old file is ignored.
const formatVersion = 1

// Cache is safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	path    string
	context string
	entries map[string]*entry
	used    map[string]bool
	dirty   bool
}

type file struct {
	Version int
	Entries map[string]*entry
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
	Renders map[string]Render
}

// Render is what the planner needs of a post rendered for one account.
type Render struct {
	Digest  string
	Network string
	Diags   diag.List
}

// Open reads the cache file at path (a missing or unreadable file gives an
// empty cache). context identifies everything rendering depends on besides
// the post itself; renders made in another context are not returned.
func Open(path, context string) *Cache {
	c := &Cache{path: path, context: context, entries: map[string]*entry{}, used: map[string]bool{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return c
	}
	var f file
	if gob.NewDecoder(bytes.NewReader(b)).Decode(&f) == nil && f.Version == formatVersion && f.Entries != nil {
		c.entries = f.Entries
	}
	return c
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
		media = append(media, fmt.Sprint(p, m.Size, m.ModTime.UnixNano(), m.Blob))
	}
	sort.Strings(media)
	return Context(append(parts, media...)...)
}

// Get returns a cached post when its file has the same size and
// modification time as when it was parsed.
func (c *Cache) Get(path string, size int64, modTime time.Time) (*content.Document, diag.List, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	if !ok || e.Size != size || e.ModTime != modTime.UnixNano() || modTime.IsZero() {
		return nil, nil, false
	}
	c.used[path] = true
	post := e.Post
	return &content.Document{Path: path, Kind: e.Kind, ID: e.ID, ExplicitID: e.ExplicitID, Blob: e.Blob, Post: &post, Cached: true}, e.Diags, true
}

// Put remembers a freshly parsed post.
func (c *Cache) Put(d *content.Document, ds diag.List, size int64, modTime time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.entries[d.Path]
	e := &entry{Size: size, ModTime: modTime.UnixNano(), Blob: d.Blob, ID: d.ID, ExplicitID: d.ExplicitID, Kind: d.Kind, Post: *d.Post, Diags: ds}
	if prev != nil && prev.Blob == d.Blob {
		e.Context, e.Renders = prev.Context, prev.Renders // only touched, not changed
	}
	c.entries[d.Path] = e
	c.used[d.Path] = true
	c.dirty = true
}

// Digest returns a post's render for an account, made in this context from
// the same blob.
func (c *Cache) Digest(path, blob, account string) (Render, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	if !ok || e.Blob != blob || e.Context != c.context {
		return Render{}, false
	}
	r, ok := e.Renders[account]
	return r, ok
}

// PutDigest remembers a post's render for an account.
func (c *Cache) PutDigest(path, blob, account string, r Render) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	if !ok || e.Blob != blob {
		return
	}
	if e.Context != c.context || e.Renders == nil {
		e.Context, e.Renders = c.context, map[string]Render{}
	}
	if old, ok := e.Renders[account]; ok && old.Digest == r.Digest && old.Network == r.Network && len(old.Diags) == len(r.Diags) {
		return
	}
	e.Renders[account] = r
	c.dirty = true
}

// Save writes the cache, dropping entries of files that no longer exist,
// through a temporary file renamed into place.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range c.entries {
		if !c.used[p] {
			delete(c.entries, p)
			c.dirty = true
		}
	}
	if !c.dirty {
		return nil
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(file{Version: formatVersion, Entries: c.entries}); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".cache-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	c.dirty = false
	return os.Rename(tmp.Name(), c.path)
}
