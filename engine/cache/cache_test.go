package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/internal/binrec"
	"github.com/clairon-dev/clairon/engine/internal/fill"
)

func roundTrip(t *testing.T, x *entry) *entry {
	t.Helper()
	e := &binrec.Encoder{}
	encodeEntry(e, "posts/a.md", x)
	d := &binrec.Decoder{S: string(e.B)}
	if typ, p := d.Uint(), d.Str(); typ != recordPut || p != "posts/a.md" {
		t.Fatalf("record %d %q", typ, p)
	}
	got := &entry{}
	decodeEntry(d, got, &slabs{})
	if d.Err != nil || d.S != "" {
		t.Fatalf("decode: %v, %d bytes left", d.Err, len(d.S))
	}
	return got
}

func TestEntryRoundTrip(t *testing.T) {
	var x entry
	fill.All(&x)
	if got := roundTrip(t, &x); !reflect.DeepEqual(got, &x) {
		t.Errorf("round trip changed the entry:\n got %#v\nwant %#v", got, &x)
	}

	// Empty overrides keep their meaning: `tags: []` removes the tags.
	empty, media := []string{}, []content.MediaRef{}
	y := entry{Post: content.Post{Overrides: map[string]content.Override{"x": {Tags: &empty, Media: &media}}}}
	got := roundTrip(t, &y)
	if o := got.Post.Overrides["x"]; o.Tags == nil || len(*o.Tags) != 0 || o.Media == nil || len(*o.Media) != 0 || o.Text != nil {
		t.Errorf("empty override lost: %+v", o)
	}
}

func put(c *Cache, path, id string, at time.Time) {
	d := &content.Document{Path: path, Kind: content.KindPost, ID: id, Blob: "blob-" + id, Post: &content.Post{ID: id, To: []string{"m"}}}
	c.Put(d, diag.List{{Severity: diag.Warning, Pos: diag.Pos{File: path, Line: 2, Col: 3}, Code: "c", Message: "m"}}, 100, at)
	c.PutDigest(path, d.Blob, "m", Render{Digest: "d-" + id, Network: "mastodon"})
}

func TestLogAppendsThenCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Open(path, "ctx")
	for i := range 100 {
		put(c, fmt.Sprintf("posts/%03d.md", i), fmt.Sprint(i), at)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	full := size(t, path)

	// A run that changes one post appends one record.
	c = Open(path, "ctx")
	for i := range 100 {
		p := fmt.Sprintf("posts/%03d.md", i)
		if _, _, ok := c.Get(p, 100, at); !ok {
			t.Fatalf("%s not cached", p)
		}
	}
	put(c, "posts/007.md", "seven", at.Add(time.Second))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if grew := size(t, path) - full; grew <= 0 || grew > full/50 {
		t.Fatalf("file grew by %d bytes (full file %d): want one record appended", grew, full)
	}
	c = Open(path, "ctx")
	d, ds, ok := c.Get("posts/007.md", 100, at.Add(time.Second))
	if !ok || d.ID != "seven" || len(ds) != 1 || ds[0].Pos.Col != 3 {
		t.Fatalf("appended entry: %v %v %v", d, ds, ok)
	}
	if rs := c.Renders("posts/007.md", "blob-seven"); len(rs) != 1 || rs[0].Account != "m" || rs[0].Digest != "d-seven" {
		t.Fatalf("appended digest: %v", rs)
	}

	// Files that are gone are dropped; many runs later the log is compacted.
	for run := range 300 {
		c = Open(path, "ctx")
		for i := range 50 {
			if _, _, ok := c.Get(fmt.Sprintf("posts/%03d.md", i), 100, at); !ok && i != 0 && i != 7 {
				t.Fatalf("run %d: posts/%03d.md not cached", run, i)
			}
		}
		c.Get("posts/007.md", 100, at.Add(time.Second))
		put(c, "posts/000.md", fmt.Sprint("zero-", run), at.Add(time.Duration(run)*time.Second))
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
	}
	c = Open(path, "ctx")
	<-c.ready // the test reads the fields the file fills
	if len(c.entries) != 50 || c.records > 2*50+64+1 {
		t.Fatalf("%d entries in %d records: want 50 entries, compacted", len(c.entries), c.records)
	}
	if _, _, ok := c.Get("posts/060.md", 100, at); ok {
		t.Error("an entry of a deleted file came back")
	}
}

func TestDamagedFile(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	write := func() string {
		path := filepath.Join(dir, "cache")
		os.Remove(path)
		c := Open(path, "ctx")
		<-c.ready // the test reads the fields the file fills
		for i := range 10 {
			put(c, fmt.Sprintf("posts/%d.md", i), fmt.Sprint(i), at)
		}
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for name, damage := range map[string]func([]byte) []byte{
		"torn tail":     func(b []byte) []byte { return b[:len(b)-7] },
		"flipped byte":  func(b []byte) []byte { b[len(b)-20] ^= 0x40; return b },
		"garbage after": func(b []byte) []byte { return append(b, 0xff, 0xff, 0xff) },
		"other version": func(b []byte) []byte { b[len(magic)-1]++; return b },
		"empty":         func([]byte) []byte { return nil },
	} {
		t.Run(name, func(t *testing.T) {
			path := write()
			b, _ := os.ReadFile(path)
			if err := os.WriteFile(path, damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			c := Open(path, "ctx")
			<-c.ready // the test reads the fields the file fills
			if !c.rewrite {
				t.Fatal("damage not noticed")
			}
			for p, e := range c.entries { // what was read before the damage is intact
				if e.ID != p[len("posts/"):len(p)-len(".md")] {
					t.Fatalf("entry %s has id %q", p, e.ID)
				}
			}
			for i := range 10 {
				c.Get(fmt.Sprintf("posts/%d.md", i), 100, at)
			}
			put(c, "posts/3.md", "3", at)
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			c = Open(path, "ctx")
			<-c.ready // the test reads the fields the file fills
			if c.rewrite || len(c.entries) < 1 {
				t.Fatalf("after save: rewrite %v, %d entries", c.rewrite, len(c.entries))
			}
		})
	}
}

func size(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// A post read from a git tree is found by its blob, across runs, and never
// by time: the tree gives every file the commit's time.
func TestEntriesFromATreeAreFoundByBlob(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache")
	c := Open(path, "ctx")
	put(c, "posts/a.md", "a", time.Time{}) // from a tree
	put(c, "posts/b.md", "b", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = Open(path, "ctx")
	for _, tc := range []struct {
		path, blob string
		ok         bool
	}{
		{"posts/a.md", "blob-a", true},
		{"posts/a.md", "blob-x", false},
		{"posts/a.md", "", false},
		{"posts/b.md", "blob-b", true}, // a file read from disk has a blob too
		{"posts/c.md", "blob-c", false},
	} {
		d, ds, size, ok := c.GetBlob(tc.path, tc.blob)
		if ok != tc.ok {
			t.Errorf("GetBlob(%s, %s) found %v, want %v", tc.path, tc.blob, ok, tc.ok)
			continue
		}
		if ok && (d.ID != tc.path[6:7] || !d.Cached || size != 100 || len(ds) != 1) {
			t.Errorf("GetBlob(%s): %+v, size %d, %v", tc.path, d, size, ds)
		}
	}
	// Neither the zero time nor the epoch finds the tree's entry by time.
	for _, at := range []time.Time{{}, time.Unix(0, 0)} {
		if _, _, ok := c.Get("posts/a.md", 100, at); ok {
			t.Errorf("Get(posts/a.md, %v) found the tree's entry", at)
		}
	}
	if r := c.Renders("posts/a.md", "blob-a"); len(r) != 1 || r[0].Digest != "d-a" {
		t.Errorf("renders of the tree's entry: %+v", r)
	}
}

func TestRenderContextOfTreeMediaIgnoresTheirTime(t *testing.T) {
	repo := func(when time.Time, blob string) *content.Repo {
		return &content.Repo{Media: map[string]content.MediaFile{"media/a.png": {Size: 10, ModTime: when, Blob: blob}}}
	}
	monday, tuesday := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	if RepoContext(repo(monday, "b1"), "v") != RepoContext(repo(tuesday, "b1"), "v") {
		t.Error("a new commit with the same media changed the render context")
	}
	if RepoContext(repo(monday, "b1"), "v") == RepoContext(repo(monday, "b2"), "v") {
		t.Error("a changed media blob kept the render context")
	}
	if RepoContext(repo(monday, ""), "v") == RepoContext(repo(tuesday, ""), "v") {
		t.Error("a media file touched on disk kept the render context")
	}
}

// A checkout or a fresh clone gives every file a new time: posts whose
// content did not change are not parsed again, and media are known by
// content, so the render context, and every render, stays.
func TestTouchedFilesKeepTheirParseAndRenders(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"clairon.yaml": "timezone: Europe/Paris\naccounts:\n  m: {network: mastodon, server: 'https://m.example', token: 'env:T'}\n",
		"posts/a.md":   "---\nid: a\nto: [m]\nmedia:\n  - src: media/x.png\n    alt: Un logo\n---\nBonjour\n",
		"posts/b.md":   "---\nid: b\nto: [m]\n---\nSalut\n",
		"media/x.png":  "\x89PNG\r\n\x1a\nfirst",
	}
	write := func(p, c string) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, c := range files {
		write(p, c)
	}
	cachePath := filepath.Join(t.TempDir(), "cache")
	load := func() (*content.Repo, string) {
		t.Helper()
		c := Open(cachePath, "")
		repo, _, err := content.Load(context.Background(), content.DirFS(dir), content.Options{Cache: c})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
		return repo, RepoContext(repo, "build")
	}
	_, first := load()
	later := time.Now().Add(time.Hour)
	for p := range files {
		os.Chtimes(filepath.Join(dir, filepath.FromSlash(p)), later, later)
	}
	repo, touched := load()
	for _, d := range repo.Posts() {
		if !d.Cached {
			t.Errorf("%s was parsed again after a touch", d.Path)
		}
	}
	if touched != first {
		t.Error("touching the files changed the render context")
	}
	if _, again := load(); again != first {
		t.Error("the render context changed on the run after the touch")
	}
	write("media/x.png", "\x89PNG\r\n\x1a\nsecond")
	if _, changed := load(); changed == first {
		t.Error("a changed media file kept the render context")
	}
}

// A new build of clairon may parse the same file differently: it starts
// from an empty cache, and the same build finds the file again.
func TestAFileOfAnotherBuildIsIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Open(path, "v1")
	put(c, "posts/a.md", "a", at)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := Open(path, "v1").Get("posts/a.md", 100, at); !ok {
		t.Fatal("the same build lost its entry")
	}
	c = Open(path, "v2")
	if _, _, ok := c.Get("posts/a.md", 100, at); ok {
		t.Fatal("another build's entry was used")
	}
	put(c, "posts/b.md", "b", at)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = Open(path, "v2")
	if _, _, ok := c.Get("posts/b.md", 100, at); !ok {
		t.Error("the new build's file was not written whole")
	}
	if _, _, ok := c.Get("posts/a.md", 100, at); ok {
		t.Error("the old build's entry survived the rewrite")
	}
}

// Git trees are remembered by hash across runs; a rewrite keeps those the
// run listed, or all of them when it listed none (a plan of the working
// tree), and a log of trees of older commits is compacted in time.
func TestTreesAreRememberedAndCompacted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tree := func(i int) (string, string) {
		return fmt.Sprintf("%040x", i), fmt.Sprintf("100644 p%d.md\x00%020d", i, i)
	}
	c := Open(path, "build")
	put(c, "posts/a.md", "a", at)
	h1, raw1 := tree(1)
	c.PutTree(h1, raw1)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = Open(path, "build")
	if raw, ok := c.Tree(h1); !ok || raw != raw1 {
		t.Fatalf("tree after reopening: %q, %v", raw, ok)
	}

	// Runs of later commits: each lists one new tree (and the post).
	for i := 2; i < 200; i++ {
		c = Open(path, "build")
		c.Get("posts/a.md", 100, at)
		h, raw := tree(i)
		if _, ok := c.Tree(h); ok {
			t.Fatalf("run %d: tree %s found before it was put", i, h)
		}
		c.PutTree(h, raw)
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
	}
	c = Open(path, "build")
	<-c.ready
	if len(c.trees) > 2+64 || c.records > 2*(1+1)+64+1 {
		t.Fatalf("%d trees in %d records: want the log compacted", len(c.trees), c.records)
	}
	last, _ := tree(199)
	if _, ok := c.Tree(last); !ok {
		t.Fatal("the last run's tree was dropped")
	}

	// A run that lists no tree keeps them all when it rewrites the file.
	c = Open(path, "build")
	<-c.ready
	kept := len(c.trees)
	c.Get("posts/a.md", 100, at)
	c.rewrite = true
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = Open(path, "build")
	<-c.ready
	if len(c.trees) != kept {
		t.Errorf("a run without trees kept %d of %d", len(c.trees), kept)
	}
}

// Trees of large folders are compacted by weight: each commit adds a tree
// of hundreds of kilobytes, and the file must not grow by one a run.
func TestLargeTreesAreCompactedByWeight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Open(path, "build")
	put(c, "posts/a.md", "a", at)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	large := strings.Repeat("100644 post.md\x00"+strings.Repeat("h", 20), 10000) // about 350 KB
	var peak int64
	for i := range 60 {
		c = Open(path, "build")
		c.Get("posts/a.md", 100, at)
		c.PutTree(fmt.Sprintf("%040x", i), fmt.Sprint(i)+large)
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
		peak = max(peak, size(t, path))
	}
	if limit := int64(2*len(large) + staleTreeSlack + 64<<10); peak > limit {
		t.Errorf("the file reached %d bytes, want at most %d", peak, limit)
	}
	c = Open(path, "build")
	if _, ok := c.Tree(fmt.Sprintf("%040x", 59)); !ok {
		t.Error("the last run's tree was dropped")
	}
}
