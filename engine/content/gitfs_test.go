package content_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/gittest"
)

// committed writes sample under site/ of a new repository, commits it and
// returns the repository's folder.
func committed(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gittest.Run(t, dir, "init", "-q")
	for p, c := range sample {
		full := filepath.Join(dir, "site", filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gittest.Run(t, dir, "add", "-A")
	gittest.Run(t, dir, "commit", "-q", "-m", "sample")
	return dir
}

func TestTreeAtReadsTheCommitNotTheWorkingTree(t *testing.T) {
	dir := committed(t)
	site := filepath.Join(dir, "site")
	first := strings.TrimSpace(gittest.Run(t, dir, "rev-parse", "HEAD"))
	os.WriteFile(filepath.Join(site, "posts", "a.md"), []byte("---\nid: a\nto: [m]\n---\nModifié\n"), 0o644)
	gittest.Run(t, dir, "commit", "-q", "-am", "edit")
	second := strings.TrimSpace(gittest.Run(t, dir, "rev-parse", "HEAD"))
	os.WriteFile(filepath.Join(site, "posts", "a.md"), []byte("---\nid: a\nto: [m]\n---\nPas encore commité\n"), 0o644)
	os.WriteFile(filepath.Join(site, "posts", "new.md"), []byte("---\nto: [m]\n---\nNouveau\n"), 0o644)

	for _, c := range []struct {
		rev, commit, text string
	}{
		{"HEAD", second, "Modifié"},
		{"HEAD~1", first, "Bonjour"},
		{first[:10], first, "Bonjour"},
		{"master", second, "Modifié"},
	} {
		tree, commit, err := content.TreeAt(site, c.rev)
		if err != nil {
			t.Fatalf("%s: %v", c.rev, err)
		}
		defer tree.Close()
		if commit != c.commit {
			t.Errorf("%s: commit %s, want %s", c.rev, commit, c.commit)
		}
		repo, _, err := content.Load(context.Background(), tree, content.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(repo.Posts()); n != 2 {
			t.Errorf("%s: %d posts, want the 2 committed ones", c.rev, n)
		}
		b, err := fs.ReadFile(tree, "posts/a.md")
		if err != nil || !strings.Contains(string(b), c.text) {
			t.Errorf("%s: posts/a.md = %q, %v; want the committed %q", c.rev, b, err, c.text)
		}
		want := strings.TrimSpace(gittest.Run(t, dir, "rev-parse", c.rev+":site/posts/a.md"))
		if got := repo.Posts()[0].Blob; got != want {
			t.Errorf("%s: blob %s, want git's %s", c.rev, got, want)
		}
	}

	for _, c := range []struct{ dir, rev, want string }{
		{site, "nope", `revision "nope"`},
		{t.TempDir(), "HEAD", "not in a git repository"},
	} {
		if _, _, err := content.TreeAt(c.dir, c.rev); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("TreeAt(%s, %s) = %v, want an error saying %q", c.dir, c.rev, err, c.want)
		}
	}
	os.MkdirAll(filepath.Join(dir, "untracked"), 0o755)
	if _, _, err := content.TreeAt(filepath.Join(dir, "untracked"), "HEAD"); err == nil || !strings.Contains(err.Error(), "is not in revision") {
		t.Errorf("a folder absent from the commit: %v", err)
	}
}

// A tree's entries know their blob, and are sized only when asked.
func TestTreeEntriesKnowTheirBlob(t *testing.T) {
	dir := committed(t)
	tree, _, err := content.TreeAt(filepath.Join(dir, "site"), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	entries, err := fs.ReadDir(tree, "posts")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if e.IsDir() {
			continue
		}
		hash := e.(interface{ BlobHash() string }).BlobHash()
		if want := strings.TrimSpace(gittest.Run(t, dir, "rev-parse", "HEAD:site/posts/"+e.Name())); hash != want {
			t.Errorf("%s: blob %s, want %s", e.Name(), hash, want)
		}
		info, err := e.Info()
		if err != nil || info.Size() != int64(len(sample["posts/"+e.Name()])) {
			t.Errorf("%s: size %d, %v; want %d", e.Name(), info.Size(), err, len(sample["posts/"+e.Name()]))
		}
	}
	if got := strings.Join(names, " "); got != ".hidden.md a.md notes.txt sub" {
		t.Errorf("posts/ lists %q", got)
	}
}

// blobCache is a content.Cache that remembers documents by blob.
type blobCache struct {
	mu    sync.Mutex
	docs  map[string]*content.Document
	sizes map[string]int64
	gets  int // Get calls: a tree's files must not be looked up by time
	puts  int
	// trees are the raw trees remembered (see content.TreeCache).
	trees              map[string]string
	treeHits, treePuts int
}

func (c *blobCache) Get(string, int64, time.Time) (*content.Document, diag.List, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets++
	return nil, nil, false
}

func (c *blobCache) GetBlob(path, blob string) (*content.Document, diag.List, int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.docs[path]
	if !ok || d.Blob != blob {
		return nil, nil, 0, false
	}
	return d, nil, c.sizes[path], true
}

func (c *blobCache) Put(d *content.Document, _ diag.List, size int64, modTime time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !modTime.IsZero() {
		panic("a file of a tree was cached with a time: " + d.Path)
	}
	c.puts++
	c.docs[d.Path], c.sizes[d.Path] = d, size
}

// Tree and PutTree make blobCache a content.TreeCache.
func (c *blobCache) Tree(hash string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	raw, ok := c.trees[hash]
	if ok {
		c.treeHits++
	}
	return raw, ok
}

func (c *blobCache) PutTree(hash, raw string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.trees == nil {
		c.trees = map[string]string{}
	}
	c.trees[hash] = raw
	c.treePuts++
}

func (c *blobCache) MediaBlob(string, int64, time.Time) (string, bool) { return "", false }
func (c *blobCache) PutMediaBlob(string, int64, time.Time, string)     {}

func TestLoadFromATreeFindsUnchangedPostsByBlob(t *testing.T) {
	dir := committed(t)
	site := filepath.Join(dir, "site")
	load := func(c *blobCache, opts content.Options) (*content.Repo, diag.List) {
		t.Helper()
		tree, _, err := content.TreeAt(site, "HEAD")
		if err != nil {
			t.Fatal(err)
		}
		defer tree.Close()
		opts.Cache = c
		repo, ds, err := content.Load(context.Background(), tree, opts)
		if err != nil {
			t.Fatal(err)
		}
		return repo, ds
	}
	c := &blobCache{docs: map[string]*content.Document{}, sizes: map[string]int64{}}
	first, _ := load(c, content.Options{})
	if c.puts != 2 {
		t.Fatalf("first load cached %d posts, want 2", c.puts)
	}
	second, _ := load(c, content.Options{})
	if c.puts != 2 || c.gets != 0 {
		t.Errorf("second load: %d puts, %d lookups by time; want none", c.puts-2, c.gets)
	}
	for i, d := range second.Posts() {
		if d != first.Posts()[i] {
			t.Errorf("%s was parsed again, not taken from the cache", d.Path)
		}
	}

	// A commit changes one post: that one alone is parsed.
	os.WriteFile(filepath.Join(site, "posts", "a.md"), []byte("---\nid: a\nto: [m]\n---\nModifié\n"), 0o644)
	gittest.Run(t, dir, "commit", "-q", "-am", "edit")
	third, _ := load(c, content.Options{})
	if c.puts != 3 || third.Posts()[0] == first.Posts()[0] || third.Posts()[1] != first.Posts()[1] {
		t.Errorf("after one commit: %d puts; want only posts/a.md parsed again", c.puts-2)
	}

	// The size limit still holds for a post found in the cache.
	_, ds := load(c, content.Options{MaxFileSize: 10})
	tooLarge := 0
	for _, d := range ds {
		if d.Code == "too-large" && strings.HasPrefix(d.Pos.File, "posts/") {
			tooLarge++
		}
	}
	if tooLarge != 2 {
		t.Errorf("with a 10-byte limit: %d posts too large, want 2:\n%v", tooLarge, ds)
	}
}

// Folders' trees are remembered by hash: a second load of the same commit
// reads none of them from the repository, and a damaged one is read again.
func TestLoadFromATreeRemembersTrees(t *testing.T) {
	dir := committed(t)
	site := filepath.Join(dir, "site")
	load := func(c *blobCache) *content.Repo {
		t.Helper()
		tree, _, err := content.TreeAt(site, "HEAD")
		if err != nil {
			t.Fatal(err)
		}
		defer tree.Close()
		repo, _, err := content.Load(context.Background(), tree, content.Options{Cache: c})
		if err != nil {
			t.Fatal(err)
		}
		return repo
	}
	c := &blobCache{docs: map[string]*content.Document{}, sizes: map[string]int64{}}
	first := load(c)
	if c.treePuts == 0 || c.treeHits != 0 {
		t.Fatalf("first load: %d trees remembered, %d found; want some, none", c.treePuts, c.treeHits)
	}
	for hash, raw := range c.trees {
		if want := gittest.Run(t, dir, "cat-file", "tree", hash); raw != want {
			t.Errorf("tree %s remembered as %q, want %q", hash, raw, want)
		}
	}
	puts := c.treePuts
	second := load(c)
	if c.treePuts != puts || c.treeHits != puts {
		t.Errorf("second load: %d trees read again, %d found; want 0, %d", c.treePuts-puts, c.treeHits, puts)
	}
	for hash := range c.trees {
		c.trees[hash] = "damaged"
	}
	third := load(c)
	if c.treePuts != 2*puts {
		t.Errorf("damaged trees: %d read again, want %d", c.treePuts-puts, puts)
	}
	for _, repo := range []*content.Repo{second, third} {
		if len(repo.Docs) != len(first.Docs) || len(repo.Media) != len(first.Media) {
			t.Errorf("loaded %d documents and %d media, want %d and %d", len(repo.Docs), len(repo.Media), len(first.Docs), len(first.Media))
		}
		for i, d := range repo.Docs {
			if d.Path != first.Docs[i].Path || d.Blob != first.Docs[i].Blob {
				t.Errorf("document %d: %s %s, want %s %s", i, d.Path, d.Blob, first.Docs[i].Path, first.Docs[i].Blob)
			}
		}
	}
}
