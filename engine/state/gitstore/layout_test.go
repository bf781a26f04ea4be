package gitstore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

// TestLayoutGolden runs a small publication through the store and shows the
// branch as a person inspecting it with git would see it. The commands are
// the ones docs/state.md suggests.
func TestLayoutGolden(t *testing.T) {
	dir := newWorkTree(t)
	clock := statetest.NewClock(statetest.Epoch)
	s, err := gitstore.OpenPath(dir, gitstore.Options{
		Author: gitstore.Identity{Name: "clairon", Email: "clairon@example.org"},
		Now:    clock.Now, Rand: statetest.Seeded(2026),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run := "2026-11-23T09:00:00Z-7f3a"
	h := state.Holder{Run: run, Lease: 15 * time.Minute, Now: clock.Now}
	launch := state.Address{Post: "posts/2026/lancement-hiver", Account: "brand-mastodon"}
	thread := state.Address{Post: "posts/2026/lancement-hiver", Account: "brand-bluesky"}

	snap, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs, _, err := h.Claim(snap.State, []state.Intent{
		{Address: launch, Op: state.OpPublish, Digest: "sha256:5e1f", Key: "9c1d7a0e4b2f48d6a1c3e5f7092b4d6e", Path: "posts/2026/lancement-hiver.md"},
		{Address: thread, Op: state.OpPublish, Digest: "sha256:5e1f", Key: "3b8e2c6d0a4f41e7b9d2c5a8f0e1d3c6", Path: "posts/2026/lancement-hiver.md"},
	})
	if err != nil {
		t.Fatal(err)
	}
	write := func(cs *state.Changeset) {
		t.Helper()
		head, err := s.Write(ctx, snap.Version, cs)
		if err != nil {
			t.Fatal(err)
		}
		snap.Advance(cs, head)
	}
	write(cs)

	clock.Advance(2 * time.Second)
	cs = state.NewChangeset(state.Message{Subject: "record 2 results for run " + run, Run: run})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.SetPart(snap.State, cs, launch, state.Part{Index: 0, Key: "9c1d7a0e4b2f48d6a1c3e5f7092b4d6e",
		Ref: network.Ref{ID: "113541234567890123", URL: "https://mastodon.social/@marque/113541234567890123"}}))
	must(h.Published(snap.State, cs, launch))
	for i, rkey := range []string{"3lbz2kq5xwc2a", "3lbz2kq6aaa2b"} {
		must(h.SetPart(snap.State, cs, thread, state.Part{Index: i, Key: rkey, Ref: network.Ref{
			ID:    "at://did:plc:marque/app.bsky.feed.post/" + rkey,
			URL:   "https://bsky.app/profile/marque.fr/post/" + rkey,
			Extra: map[string]string{"cid": "bafyreib" + rkey},
		}}))
	}
	must(h.Published(snap.State, cs, thread))
	write(cs)

	clock.Advance(24 * time.Hour)
	cs = state.NewChangeset(state.Message{Subject: "record metrics and the November report"})
	likes, reposts, followers := int64(48), int64(9), int64(12408)
	must(state.AddMetrics(snap.State, cs, launch, state.MetricsSnapshot{At: clock.Now(), Label: "24h",
		Metrics: network.Metrics{Likes: &likes, Reposts: &reposts}, Followers: &followers}))
	cs.PutFile("reports/2026-11.md", []byte("# Novembre 2026\n\n2 publications.\n"))
	write(cs)

	var b strings.Builder
	show := func(args ...string) {
		b.WriteString("$ git " + strings.Join(args, " ") + "\n")
		b.WriteString(gitCmd(t, dir, args...))
		b.WriteString("\n")
	}
	show("log", "--format=%h %an <%ae> %ad%n%B", "--date=iso-strict", "clairon/state")
	show("ls-tree", "-r", "--name-only", "clairon/state")
	show("show", "clairon/state:state.json")
	show("show", "clairon/state:"+state.RecordPath(thread))
	show("show", "clairon/state:"+state.RecordPath(launch))
	gitCmd(t, dir, "fsck", "--strict", "--no-progress")

	golden.Check(t, filepath.Join("testdata", "layout.golden"), []byte(b.String()))
}
