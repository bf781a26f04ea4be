package gitstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5"

	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

// The benchmarks use a corpus of 100,000 records (25,000 posts on four
// accounts, about 900 bytes of JSON each):
//
//	go test -run '^$' -bench . -benchmem ./engine/state/gitstore/
const benchRecords = 100_000

var benchCorpus = sync.OnceValue(func() *state.Changeset {
	cs := state.NewChangeset(state.Message{Subject: "initial"})
	for _, r := range statetest.Records(benchRecords, 1) {
		cs.Put(r)
	}
	return cs
})

// BenchmarkWriteInitial writes 100,000 records in one commit.
func BenchmarkWriteInitial(b *testing.B) {
	cs := benchCorpus()
	ctx := context.Background()
	b.Run("memory", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			s := open(b, memRepo(b), gitstore.Options{Now: tick()})
			b.StartTimer()
			if _, err := s.Write(ctx, "", cs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("disk", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			_, bare := newBare(b)
			s := openPath(b, bare)
			b.StartTimer()
			if _, err := s.Write(ctx, "", cs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWriteDelta writes 10 changed records on top of 10,000 and of
// 100,000: its cost must not grow with the size of the state.
func BenchmarkWriteDelta(b *testing.B) {
	ctx := context.Background()
	recs := statetest.Records(benchRecords, 1)
	run := func(b *testing.B, s *gitstore.Store, n int) {
		b.Helper()
		initial := benchCorpus()
		if n < benchRecords {
			initial = state.NewChangeset(state.Message{Subject: "initial"})
			for _, r := range recs[:n] {
				initial.Put(r)
			}
		}
		h, err := s.Write(ctx, "", initial)
		if err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			cs := state.NewChangeset(state.Message{Subject: "record 10 results", Run: "bench"})
			for range 10 {
				r := recs[(i*7919)%n].Clone()
				r.LastError = fmt.Sprint("attempt ", i)
				cs.Put(r)
				i++
			}
			if h, err = s.Write(ctx, h.Version, cs); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("memory-10k", func(b *testing.B) { run(b, open(b, memRepo(b), gitstore.Options{Now: tick()}), 10_000) })
	b.Run("memory-100k", func(b *testing.B) { run(b, open(b, memRepo(b), gitstore.Options{Now: tick()}), benchRecords) })
	b.Run("disk-100k", func(b *testing.B) {
		_, bare := newBare(b)
		run(b, openPath(b, bare), benchRecords)
	})
	b.Run("http-100k", func(b *testing.B) {
		root, _ := newBare(b)
		srv := serveGit(b, root, user, pass, nil)
		run(b, open(b, memRepo(b), gitstore.Options{
			URL: srv.URL + "/state.git", Auth: &gitstore.BasicAuth{Username: user, Password: pass}, Now: tick(),
		}), benchRecords)
	})
}

// BenchmarkRead reads 100,000 records: cold (a new store, as a new process
// would) and warm (the same store again, as after a conflict). read-MiB is
// the heap that the returned state and the store hold after the read.
func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	bench := func(b *testing.B, cold bool, s func() *gitstore.Store) {
		b.Helper()
		for b.Loop() {
			st := s()
			if _, err := st.Read(ctx); err != nil {
				b.Fatal(err)
			}
			if cold {
				b.StopTimer()
				_ = st.Close()
				b.StartTimer()
			}
		}
		st := s()
		before := liveMiB()
		snap, err := st.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.State.Records) != benchRecords {
			b.Fatalf("read %d records", len(snap.State.Records))
		}
		b.ReportMetric(liveMiB()-before, "read-MiB")
		runtime.KeepAlive(snap)
		runtime.KeepAlive(st)
	}
	memory := sync.OnceValue(func() *git.Repository {
		repo := memRepo(b)
		if _, err := open(b, repo, gitstore.Options{Now: tick()}).Write(ctx, "", benchCorpus()); err != nil {
			b.Fatal(err)
		}
		return repo
	})
	b.Run("memory-cold", func(b *testing.B) {
		repo := memory()
		bench(b, true, func() *gitstore.Store { return open(b, repo, gitstore.Options{Now: tick()}) })
	})
	b.Run("memory-warm", func(b *testing.B) {
		warm := open(b, memory(), gitstore.Options{Now: tick()})
		if _, err := warm.Read(ctx); err != nil {
			b.Fatal(err)
		}
		bench(b, false, func() *gitstore.Store { return warm })
	})
	disk := sync.OnceValue(func() string {
		_, bare := newBare(b)
		if _, err := openPath(b, bare).Write(ctx, "", benchCorpus()); err != nil {
			b.Fatal(err)
		}
		return bare
	})
	b.Run("disk-cold", func(b *testing.B) {
		bare := disk()
		bench(b, true, func() *gitstore.Store { return openPath(b, bare) })
	})
	// A new process with the record cache of the previous one
	// (Options.CacheFile), as the CLI reads: nothing changed since.
	b.Run("disk-cold-cache-file", func(b *testing.B) {
		bare := disk()
		cacheFile := filepath.Join(b.TempDir(), "state.cache")
		withCache := func() *gitstore.Store {
			repo, err := git.PlainOpen(bare)
			if err != nil {
				b.Fatal(err)
			}
			return open(b, repo, gitstore.Options{Now: tick(), CacheFile: cacheFile})
		}
		if _, err := withCache().Read(ctx); err != nil { // fills the file
			b.Fatal(err)
		}
		bench(b, true, withCache)
	})
	// A clone that fetched the state from a remote, as in CI: git sends the
	// records delta-compressed, which makes them dearer to read.
	b.Run("fetched-cold", func(b *testing.B) {
		bare := disk()
		clone := b.TempDir()
		gitCmd(b, clone, "init", "-q", "--bare")
		repo, err := git.PlainOpen(clone)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := open(b, repo, gitstore.Options{URL: bare, Now: tick()}).Read(ctx); err != nil {
			b.Fatal(err)
		}
		bench(b, true, func() *gitstore.Store {
			return open(b, repo, gitstore.Options{URL: bare, Now: tick()})
		})
	})
}

func openPath(b *testing.B, path string) *gitstore.Store {
	b.Helper()
	repo, err := git.PlainOpen(path)
	if err != nil {
		b.Fatal(err)
	}
	return open(b, repo, gitstore.Options{Now: tick()})
}

func liveMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}
