package contest

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

var paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// contestFile is a contest like the sample's, with a window in December 2026.
const contestFile = `---
id: noel
campaign: noel-2026
announce: annonce
opens: 2026-12-03 10:00
closes: 2026-12-16 23:59
entry:
  accounts: [brand-mastodon, brand-bluesky]
  action: [reply, repost]
  must_include: ["#Concours"]
  exclude: ["@brand@piaille.fr", "Staff.bsky.social"]
  people:
    lea:
      mastodon: "@lea@piaille.fr"
      bluesky: lea.bsky.social
winners: 2
alternates: 1
prize: "Un coffret de trois cafés"
rules_url: https://example.fr/reglement
---

Résumé du règlement.
`

var (
	opens  = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)    // 10:00 in Paris
	closes = time.Date(2026, 12, 16, 22, 59, 0, 0, time.UTC) // 23:59 in Paris
)

// parseSpec reads a contest file as the loader would, blob hash included.
func parseSpec(t testing.TB, src string) *Spec {
	t.Helper()
	d := parseDoc(t, src)
	s, err := NewSpec(d, paris)
	if err != nil {
		t.Fatalf("NewSpec: %v", err)
	}
	return s
}

func parseDoc(t testing.TB, src string) *content.Document {
	t.Helper()
	d, ds := content.ParseDocument("contests/noel.md", content.KindContest, []byte(src))
	if d == nil || ds.HasErrors() {
		t.Fatalf("parse contest: %v", ds)
	}
	d.Blob = content.BlobHash([]byte(src))
	return d
}

// memHistory is a Store that remembers every version it wrote, with the
// clock's time, and serves them as a History.
type memHistory struct {
	*state.MemStore
	now func() time.Time

	mu      sync.Mutex
	commits map[string]memCommit
	refs    map[string]string
}

type memCommit struct {
	parent string
	at     time.Time
	files  map[string][]byte
}

func newMemHistory(now func() time.Time) *memHistory {
	return &memHistory{MemStore: state.NewMemStore(zeroReader{}), now: now, commits: map[string]memCommit{}, refs: map[string]string{}}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func (h *memHistory) Write(ctx context.Context, base state.Version, cs *state.Changeset) (state.Head, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	head, err := h.MemStore.Write(ctx, base, cs)
	if err != nil {
		return head, err
	}
	snap, err := h.MemStore.Read(ctx)
	if err != nil {
		return head, err
	}
	h.commits[string(head.Version)] = memCommit{parent: string(base), at: h.now(), files: maps.Clone(snap.State.Files)}
	h.refs["state"] = string(head.Version)
	return head, nil
}

func (h *memHistory) Resolve(_ context.Context, rev string) (Commit, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r, ok := h.refs[rev]; ok {
		rev = r
	}
	c, ok := h.commits[rev]
	if !ok {
		return Commit{}, fmt.Errorf("unknown revision %q", rev)
	}
	return Commit{Hash: rev, Time: c.at}, nil
}

func (h *memHistory) Parent(_ context.Context, hash string) (Commit, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.commits[hash]
	if !ok {
		return Commit{}, false, fmt.Errorf("unknown commit %q", hash)
	}
	if c.parent == "" {
		return Commit{}, false, nil
	}
	p := h.commits[c.parent]
	return Commit{Hash: c.parent, Time: p.at}, true, nil
}

func (h *memHistory) ReadFile(_ context.Context, hash, path string) ([]byte, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.commits[hash]
	if !ok {
		return nil, false, fmt.Errorf("unknown commit %q", hash)
	}
	b, ok := c.files[path]
	return b, ok, nil
}

// putFile writes one file to the store, as another feature would.
func putFile(t testing.TB, s state.Store, path string, data []byte) state.Head {
	t.Helper()
	ctx := context.Background()
	snap, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := state.NewChangeset(state.Message{Subject: "put " + path})
	cs.PutFile(path, data)
	h, err := s.Write(ctx, snap.Version, cs)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// checkGolden compares got with testdata/name, rewriting it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

// entry builds a snapshot entry.
func entry(account, net string, kind network.InteractionKind, handle, text string, at time.Time) Entry {
	e := Entry{Account: account, Network: net, Kind: kind, UserID: net + "-" + NormHandle(handle), Handle: handle, Text: text, At: at, FirstSeen: closes.Add(time.Minute)}
	if kind == network.Reply || kind == network.Quote {
		e.PostID = fmt.Sprintf("%s-%s-%d", net, NormHandle(handle), at.Unix())
	}
	return e
}
