// Package statetest is the conformance suite every state.Store passes, and
// the corpus generator that benchmarks of the state and its users share.
//
//	func TestConformance(t *testing.T) {
//		statetest.Run(t, func(t *testing.T) state.Store { return newStore(t) })
//	}
//
// newStore must return a new, empty store each time it is called.
package statetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

// Run runs the suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) state.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, state.Store)
	}{
		{"EmptyRead", testEmptyRead},
		{"RoundTrip", testRoundTrip},
		{"Conflict", testConflict},
		{"SerialAndLineage", testSerialAndLineage},
		{"DeltaKeepsOthers", testDeltaKeepsOthers},
		{"RemoveRecords", testRemoveRecords},
		{"Files", testFiles},
		{"InvalidWrites", testInvalidWrites},
		{"ClaimAndPublish", testClaimAndPublish},
		{"LeaseExpiry", testLeaseExpiry},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Canceled", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// Clock is a settable clock for tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func read(t *testing.T, s state.Store) *state.Snapshot {
	t.Helper()
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if snap == nil || snap.State == nil {
		t.Fatal("Read returned no state")
	}
	return snap
}

func write(t *testing.T, s state.Store, base state.Version, cs *state.Changeset) state.Head {
	t.Helper()
	h, err := s.Write(context.Background(), base, cs)
	if err != nil {
		t.Fatalf("Write on %q: %v", base, err)
	}
	return h
}

// EqualRecords fails t unless got and want hold the same records, compared
// in their stored form.
func EqualRecords(t *testing.T, got, want map[state.Address]*state.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d records, want %d", len(got), len(want))
	}
	for a, w := range want {
		g, ok := got[a]
		if !ok {
			t.Errorf("record %s missing", a)
			continue
		}
		gb, err := state.EncodeRecord(g)
		if err != nil {
			t.Fatalf("encode %s: %v", a, err)
		}
		wb, err := state.EncodeRecord(w)
		if err != nil {
			t.Fatalf("encode %s: %v", a, err)
		}
		if !bytes.Equal(gb, wb) {
			t.Errorf("record %s:\n got %s\nwant %s", a, gb, wb)
		}
	}
	for a := range got {
		if _, ok := want[a]; !ok {
			t.Errorf("unexpected record %s", a)
		}
	}
}

func addr(post, account string) state.Address { return state.Address{Post: post, Account: account} }

func msg(subject string) state.Message { return state.Message{Subject: subject} }

func ptr(v int64) *int64 { return &v }

// tricky returns records whose addresses and fields stress a store's encoding.
func tricky() []*state.Record {
	paris := time.FixedZone("CET", 3600)
	return []*state.Record{
		{
			Address: addr("posts/2026/lancement", "brand-mastodon"), Status: state.Published,
			Digest: "sha256:aa", Key: "0123456789abcdef0123456789abcdef", Path: "posts/2026/lancement.md",
			Ref: network.Ref{ID: "113", URL: "https://mastodon.social/@brand/113"},
			Parts: []state.Part{
				{Index: 0, Key: "k0", Ref: network.Ref{ID: "113", URL: "https://mastodon.social/@brand/113"}, PublishedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, paris)},
				{Index: 1, Key: "k1", Ref: network.Ref{ID: "114"}, PublishedAt: time.Date(2026, 11, 23, 10, 0, 1, 0, paris)},
			},
			Attempts: 1, PublishedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, paris), UpdatedAt: time.Date(2026, 11, 23, 10, 0, 1, 0, paris),
			Metrics: []state.MetricsSnapshot{{
				At: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Label: "24h",
				Metrics: network.Metrics{Likes: ptr(42), Reposts: ptr(0), Impressions: ptr(1 << 40)}, Followers: ptr(12345),
			}},
		},
		{
			Address: addr("me@example.org/été 2026", "brand-bluesky"), Status: state.Published,
			Ref:   network.Ref{ID: "at://did:plc:abc/app.bsky.feed.post/3l", Extra: map[string]string{"cid": "bafy", "z": "last"}},
			Parts: []state.Part{{Index: 0, Ref: network.Ref{ID: "at://did:plc:abc/app.bsky.feed.post/3l", Extra: map[string]string{"cid": "bafy"}}}},
		},
		{Address: addr(".hidden/../x", "acc"), Status: state.Failed, Attempts: 3, LastError: "linkedin: publish: HTTP 429"},
		{Address: addr(longID(), "brand-x"), Status: state.Unconfirmed, Key: "ff"},
		{Address: addr(longID()+"-other", "brand-x"), Status: state.Deleted},
		{
			Address: addr("posts/concours", "brand-x"), Status: state.Claimed,
			Claim: &state.Claim{Run: "run-1", At: Epoch, Expires: Epoch.Add(time.Minute), Op: state.OpPublish, Key: "ab", Digest: "sha256:cd"},
		},
	}
}

func longID() string {
	return "posts/" + string(bytes.Repeat([]byte("très-long-"), 40))
}

func testEmptyRead(t *testing.T, s state.Store) {
	snap := read(t, s)
	if snap.Version != "" || snap.State.Serial != 0 || snap.State.Lineage != "" {
		t.Errorf("empty state at version %q, serial %d, lineage %q; want all zero", snap.Version, snap.State.Serial, snap.State.Lineage)
	}
	if len(snap.State.Records) != 0 || len(snap.State.Files) != 0 {
		t.Errorf("empty state has %d records and %d files", len(snap.State.Records), len(snap.State.Files))
	}
}

func testRoundTrip(t *testing.T, s state.Store) {
	want := map[state.Address]*state.Record{}
	cs := state.NewChangeset(state.Message{Subject: "round trip", Body: "Several records.", Run: "run-1"})
	for _, r := range append(tricky(), Records(40, 7)...) {
		cs.Put(r)
		want[r.Address] = r
	}
	cs.PutFile("reports/2026-11.md", []byte("# Novembre\n"))
	cs.PutFile("contests/noel/entrants.json", []byte(`["@a@b.social"]`))
	cs.PutFile("contests/noel/empty", nil)
	h := write(t, s, "", cs)
	if h.Version == "" || h.Serial != 1 || !uuidRE.MatchString(h.Lineage) {
		t.Errorf("first write head = %+v; want a version, serial 1 and a UUID lineage", h)
	}
	snap := read(t, s)
	if snap.Version != h.Version || snap.State.Serial != 1 || snap.State.Lineage != h.Lineage {
		t.Errorf("read at %q serial %d lineage %q; want %+v", snap.Version, snap.State.Serial, snap.State.Lineage, h)
	}
	EqualRecords(t, snap.State.Records, want)
	wantFiles := map[string]string{
		"reports/2026-11.md":          "# Novembre\n",
		"contests/noel/entrants.json": `["@a@b.social"]`,
		"contests/noel/empty":         "",
	}
	if len(snap.State.Files) != len(wantFiles) {
		t.Errorf("files %v, want %v", snap.State.FilePaths(), wantFiles)
	}
	for p, w := range wantFiles {
		if g, ok := snap.State.Files[p]; !ok || string(g) != w {
			t.Errorf("file %s = %q (present %v), want %q", p, g, ok, w)
		}
	}
	// Times come back equal, whatever zone they were written in.
	got := snap.State.Records[addr("posts/2026/lancement", "brand-mastodon")]
	if wantAt := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC); !got.PublishedAt.Equal(wantAt) {
		t.Errorf("published at %v, want %v", got.PublishedAt, wantAt)
	}
	// The snapshot is the caller's to change: changing it changes nothing stored.
	got.Status = state.Failed
	snap.State.Files["reports/2026-11.md"][0] = 'X'
	again := read(t, s)
	EqualRecords(t, again.State.Records, want)
	if string(again.State.Files["reports/2026-11.md"]) != "# Novembre\n" {
		t.Error("changing a read snapshot changed the store")
	}
}

func testConflict(t *testing.T, s state.Store) {
	a := addr("posts/a", "acc")
	first := state.NewChangeset(msg("first"))
	first.Put(&state.Record{Address: a, Status: state.Published})
	h1 := write(t, s, "", first)

	// A second "first write" loses: the state already exists.
	other := state.NewChangeset(msg("other first"))
	other.Put(&state.Record{Address: addr("posts/b", "acc"), Status: state.Published})
	if _, err := s.Write(context.Background(), "", other); !errors.Is(err, state.ErrConflict) {
		t.Fatalf("write on empty version after a write: err = %v, want ErrConflict", err)
	}

	second := state.NewChangeset(msg("second"))
	second.Put(&state.Record{Address: a, Status: state.Deleted})
	h2 := write(t, s, h1.Version, second)
	if h2.Version == h1.Version {
		t.Fatal("a write did not change the version")
	}

	// A write based on the older version loses and changes nothing.
	stale := state.NewChangeset(msg("stale"))
	stale.Put(&state.Record{Address: a, Status: state.Failed})
	if _, err := s.Write(context.Background(), h1.Version, stale); !errors.Is(err, state.ErrConflict) {
		t.Fatalf("write on stale version: err = %v, want ErrConflict", err)
	}
	snap := read(t, s)
	if snap.Version != h2.Version || snap.State.Serial != 2 {
		t.Errorf("after a conflict: version %q serial %d, want %q serial 2", snap.Version, snap.State.Serial, h2.Version)
	}
	if r := snap.State.Records[a]; r == nil || r.Status != state.Deleted {
		t.Errorf("after a conflict: record %+v, want status deleted", r)
	}
	// Re-reading and retrying succeeds.
	h3 := write(t, s, snap.Version, stale)
	if h3.Serial != 3 {
		t.Errorf("retry serial %d, want 3", h3.Serial)
	}
}

func testSerialAndLineage(t *testing.T, s state.Store) {
	var base state.Version
	var lineage string
	for i := 1; i <= 5; i++ {
		cs := state.NewChangeset(msg(fmt.Sprintf("write %d", i)))
		cs.Put(&state.Record{Address: addr(fmt.Sprintf("posts/%d", i), "acc"), Status: state.Published})
		h := write(t, s, base, cs)
		if h.Serial != int64(i) {
			t.Errorf("write %d: serial %d", i, h.Serial)
		}
		if i == 1 {
			lineage = h.Lineage
		} else if h.Lineage != lineage {
			t.Errorf("write %d: lineage %q changed from %q", i, h.Lineage, lineage)
		}
		snap := read(t, s)
		if snap.Version != h.Version || snap.State.Serial != h.Serial || snap.State.Lineage != lineage {
			t.Errorf("write %d: read %q/%d/%q, wrote %+v", i, snap.Version, snap.State.Serial, snap.State.Lineage, h)
		}
		base = h.Version
	}
}

func testDeltaKeepsOthers(t *testing.T, s state.Store) {
	recs := Records(300, 3)
	cs := state.NewChangeset(msg("initial"))
	want := map[state.Address]*state.Record{}
	for _, r := range recs {
		cs.Put(r)
		want[r.Address] = r
	}
	h := write(t, s, "", cs)

	snap := read(t, s)
	delta := state.NewChangeset(msg("delta"))
	changed := snap.State.Records[recs[10].Address].Clone()
	changed.LastError = "changed"
	delta.Put(changed)
	delta.Remove(recs[20].Address)
	added := &state.Record{Address: addr("posts/new", "brand-x"), Status: state.Published}
	delta.Put(added)
	h2 := write(t, s, h.Version, delta)
	snap.Advance(delta, h2)

	want[changed.Address] = changed
	delete(want, recs[20].Address)
	want[added.Address] = added
	got := read(t, s)
	EqualRecords(t, got.State.Records, want)
	// Advance keeps a snapshot equal to a fresh read.
	EqualRecords(t, snap.State.Records, got.State.Records)
	if snap.Version != got.Version || snap.State.Serial != got.State.Serial || snap.State.Lineage != got.State.Lineage {
		t.Errorf("advanced snapshot %+v, read %+v", snap.Head(), got.Head())
	}
}

func testRemoveRecords(t *testing.T, s state.Store) {
	a, b := addr("posts/a", "acc"), addr("posts/b", "acc")
	cs := state.NewChangeset(msg("two"))
	cs.Put(&state.Record{Address: a, Status: state.Published})
	cs.Put(&state.Record{Address: b, Status: state.Published})
	h := write(t, s, "", cs)

	rm := state.NewChangeset(msg("remove"))
	rm.Remove(a)
	rm.Remove(addr("posts/never", "acc")) // absent: nothing to do
	h = write(t, s, h.Version, rm)
	snap := read(t, s)
	if _, ok := snap.State.Records[a]; ok {
		t.Error("removed record still there")
	}
	if _, ok := snap.State.Records[b]; !ok {
		t.Error("kept record gone")
	}

	// Removing the last record leaves an empty but existing state.
	rm = state.NewChangeset(msg("remove last"))
	rm.Remove(b)
	h = write(t, s, h.Version, rm)
	snap = read(t, s)
	if len(snap.State.Records) != 0 || snap.Version != h.Version || snap.State.Serial != 3 || snap.State.Lineage == "" {
		t.Errorf("after removing all: %d records, head %+v", len(snap.State.Records), snap.Head())
	}
	// A put then a remove in one changeset: the last call wins.
	cs = state.NewChangeset(msg("put then remove"))
	cs.Put(&state.Record{Address: a, Status: state.Published})
	cs.Remove(a)
	cs.Put(&state.Record{Address: b, Status: state.Deleted})
	write(t, s, h.Version, cs)
	snap = read(t, s)
	if _, ok := snap.State.Records[a]; ok || len(snap.State.Records) != 1 || snap.State.Records[b].Status != state.Deleted {
		t.Errorf("records %v", snap.State.Addresses())
	}
}

func testFiles(t *testing.T, s state.Store) {
	cs := state.NewChangeset(msg("files"))
	cs.PutFile("reports/2026/11/index.md", []byte("v1"))
	cs.PutFile("reports/2026/11/chart.svg", []byte("<svg/>"))
	cs.PutFile("reports.md", []byte("top"))
	cs.PutFile("reports-archive/old.md", []byte("old"))
	cs.Put(&state.Record{Address: addr("reports/2026/11/index", "acc"), Status: state.Published})
	h := write(t, s, "", cs)

	cs = state.NewChangeset(msg("replace and remove"))
	cs.PutFile("reports/2026/11/index.md", []byte("v2"))
	cs.RemoveFile("reports/2026/11/chart.svg")
	cs.RemoveFile("reports/none.md")
	write(t, s, h.Version, cs)
	snap := read(t, s)
	want := map[string]string{"reports/2026/11/index.md": "v2", "reports.md": "top", "reports-archive/old.md": "old"}
	if len(snap.State.Files) != len(want) {
		t.Errorf("files %v, want %v", snap.State.FilePaths(), want)
	}
	for p, w := range want {
		if string(snap.State.Files[p]) != w {
			t.Errorf("file %s = %q, want %q", p, snap.State.Files[p], w)
		}
	}
	if len(snap.State.Records) != 1 {
		t.Errorf("records %v: a file beside a record must not become one", snap.State.Addresses())
	}
}

func testInvalidWrites(t *testing.T, s state.Store) {
	good := &state.Record{Address: addr("posts/a", "acc"), Status: state.Published}
	cases := map[string]func(*state.Changeset){
		"empty":             func(*state.Changeset) {},
		"meta file":         func(c *state.Changeset) { c.Put(good); c.PutFile(state.MetaFile, []byte("{}")) },
		"records dir":       func(c *state.Changeset) { c.Put(good); c.PutFile("records/aa/x.json", []byte("{}")) },
		"dot dot":           func(c *state.Changeset) { c.PutFile("reports/../x", []byte("x")) },
		"absolute":          func(c *state.Changeset) { c.PutFile("/etc/x", []byte("x")) },
		"dot git":           func(c *state.Changeset) { c.PutFile("a/.GIT/config", []byte("x")) },
		"trailing slash":    func(c *state.Changeset) { c.PutFile("reports/", []byte("x")) },
		"bad status":        func(c *state.Changeset) { c.Put(&state.Record{Address: addr("p", "a"), Status: "sent"}) },
		"claimed, no claim": func(c *state.Changeset) { c.Put(&state.Record{Address: addr("p", "a"), Status: state.Claimed}) },
		"bad address":       func(c *state.Changeset) { c.Put(&state.Record{Address: addr("p", "a@b"), Status: state.Published}) },
		"multiline subject": func(c *state.Changeset) { c.Put(good); c.Message.Subject = "a\nb" },
	}
	for name, fill := range cases {
		cs := state.NewChangeset(msg(name))
		fill(cs)
		if _, err := s.Write(context.Background(), "", cs); err == nil || errors.Is(err, state.ErrConflict) {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
	if snap := read(t, s); snap.Version != "" || len(snap.State.Records) != 0 || len(snap.State.Files) != 0 {
		t.Errorf("invalid writes left version %q, %d records, %d files", snap.Version, len(snap.State.Records), len(snap.State.Files))
	}
}

func testCanceled(t *testing.T, s state.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Read(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a canceled context: %v", err)
	}
	cs := state.NewChangeset(msg("canceled"))
	cs.Put(&state.Record{Address: addr("posts/a", "acc"), Status: state.Published})
	if _, err := s.Write(ctx, "", cs); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a canceled context: %v", err)
	}
	if snap := read(t, s); snap.Version != "" {
		t.Errorf("a canceled write moved the state to %q", snap.Version)
	}
}
