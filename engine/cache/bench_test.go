package cache

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/corpus"
)

// BenchmarkOpen reads a cache of 10,000 posts, each rendered for its
// accounts: the fixed cost of every cached plan, before anything is looked
// up.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "cache")
	c := Open(path, "build")
	c.SetContext("context")
	repo, _, err := content.Load(context.Background(), corpus.FS(corpus.Options{Posts: 10000, Seed: 1}), content.Options{Cache: c})
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range repo.Posts() {
		for _, a := range d.Post.To {
			c.PutDigest(d.Path, d.Blob, a, Render{Digest: content.BlobHash([]byte(a + d.Path)), Network: "mastodon"})
		}
	}
	if err := c.Save(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c := Open(path, "build")
		c.wait()
		if len(c.entries) < len(repo.Posts()) {
			b.Fatalf("%d entries, want at least %d", len(c.entries), len(repo.Posts()))
		}
	}
}
