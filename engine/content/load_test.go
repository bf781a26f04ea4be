package content_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/corpus"
	"github.com/clairon-dev/clairon/engine/rules"
)

var sample = map[string]string{
	"clairon.yaml":      "timezone: Europe/Paris\naccounts:\n  m: {network: mastodon, server: 'https://m.example', token: 'env:T'}\n",
	"posts/a.md":        "---\nid: a\nto: [m]\nat: 2026-12-01 09:30\n---\nBonjour\n",
	"posts/sub/b.md":    "---\nto: [m]\n---\nSalut\n\n---\n\nSuite\n",
	"posts/notes.txt":   "ignored",
	"campaigns/c.md":    "---\nid: c\nname: C\nfrom: 2026-12-01\nto: 2026-12-24\n---\nBrief\n",
	"media/x.png":       "\x89PNG\r\n\x1a\n",
	"posts/.hidden.md":  "---\nto: [m]\n---\n",
	"elsewhere/post.md": "---\nnot: scanned\n---\n",
}

func TestLoadFromDirectoryAndGitTreeAgree(t *testing.T) {
	mfs := fstest.MapFS{}
	for p, c := range sample {
		mfs[p] = &fstest.MapFile{Data: []byte(c)}
	}
	fromFS, dsFS, err := content.Load(context.Background(), mfs, content.Options{})
	if err != nil {
		t.Fatal(err)
	}

	// The same files committed with go-git, loaded from the commit's tree.
	wt := memfs.New()
	repo, err := git.Init(memory.NewStorage(), wt)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := repo.Worktree()
	for p, c := range sample {
		f, err := wt.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(c))
		f.Close()
		if _, err := w.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	h, err := w.Commit("sample", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.org", When: when}})
	if err != nil {
		t.Fatal(err)
	}
	commit, _ := repo.CommitObject(h)
	treeFS, err := content.NewTreeFS(repo.Storer, commit.TreeHash, when)
	if err != nil {
		t.Fatal(err)
	}
	fromGit, dsGit, err := content.Load(context.Background(), treeFS, content.Options{})
	if err != nil {
		t.Fatal(err)
	}

	if len(fromFS.Docs) != 3 || len(fromGit.Docs) != 3 {
		t.Fatalf("docs: %d from fs, %d from git; want 3", len(fromFS.Docs), len(fromGit.Docs))
	}
	for i := range fromFS.Docs {
		a, b := fromFS.Docs[i], fromGit.Docs[i]
		if a.Path != b.Path || a.ID != b.ID || a.Blob != b.Blob || string(a.Body) != string(b.Body) {
			t.Errorf("doc %d differs: %s/%s/%s vs %s/%s/%s", i, a.Path, a.ID, a.Blob, b.Path, b.ID, b.Blob)
		}
	}
	if got := fromFS.Docs[2].ID; got != "posts/sub/b" {
		t.Errorf("id from path = %q", got)
	}
	if len(dsFS) != len(dsGit) || len(dsFS) != 1 || dsFS[0].Code != "not-markdown" {
		t.Errorf("diagnostics: fs %v, git %v", dsFS, dsGit)
	}
	if _, ok := fromGit.Media["media/x.png"]; !ok {
		t.Error("media not listed from git")
	}
}

// BenchmarkLoadAndCheck loads and checks a generated repository, as
// `clairon validate` does. Reproduce with: go run ./cmd/clairon-corpus -posts 10000 DIR.
func BenchmarkLoadAndCheck(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		fsys := corpus.FS(corpus.Options{Posts: n, Seed: 1})
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
				if err != nil {
					b.Fatal(err)
				}
				ds.Add(rules.Check(repo)...)
				if ds.HasErrors() {
					b.Fatal(ds.Sort()[:1])
				}
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s + "-posts"
}

// A cancelled load stops parsing and says why.
func TestLoadStopsWhenCancelled(t *testing.T) {
	mfs := fstest.MapFS{}
	for p, c := range sample {
		mfs[p] = &fstest.MapFile{Data: []byte(c)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := content.Load(ctx, mfs, content.Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Load with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestReadHeadReadsNoMoreThanAsked(t *testing.T) {
	mfs := fstest.MapFS{"clairon.yaml": {Data: []byte(sample["clairon.yaml"])}}
	mfs["media/long.mp4"] = &fstest.MapFile{Data: make([]byte, 4096)}
	mfs["media/short.png"] = &fstest.MapFile{Data: []byte("\x89PNG")}
	repo, _, err := content.Load(context.Background(), mfs, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		want int
	}{{"media/long.mp4", 512}, {"media/short.png", 4}} {
		if b, err := repo.ReadHead(c.name, 512); err != nil || len(b) != c.want {
			t.Errorf("ReadHead(%s) = %d bytes, %v; want %d", c.name, len(b), err, c.want)
		}
	}
	if _, err := repo.ReadHead("media/none.png", 512); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}
