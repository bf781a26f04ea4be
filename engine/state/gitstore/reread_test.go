package gitstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// A store reads again after another store pushed packs to the shared
// remote: its parallel readers must see the packs fetched since they were
// made (they once failed with "object not found").
func TestStoreReadsAgainAfterOthersWrote(t *testing.T) {
	root := t.TempDir()
	gitCmd(t, root, "init", "-q", "--bare", "-b", "main", "remote.git")
	for _, n := range []string{"a", "b"} {
		gitCmd(t, root, "init", "-q", "-b", "main", n)
		gitCmd(t, filepath.Join(root, n), "remote", "add", "origin", filepath.Join(root, "remote.git"))
	}
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	openAt := func(n string) *gitstore.Store {
		s, err := gitstore.OpenPath(filepath.Join(root, n), gitstore.Options{Remote: "origin", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sa, sb := openAt("a"), openAt("b")
	defer sa.Close()
	defer sb.Close()
	ctx := context.Background()
	h := state.Holder{Run: "r", Lease: time.Minute, Now: now}
	for i := range 20 {
		w := sb
		if i%3 == 0 {
			w = sa
		}
		snap, err := w.Read(ctx)
		if err != nil {
			t.Fatalf("round %d writer read: %v", i, err)
		}
		cs, _, err := h.Claim(snap.State, []state.Intent{{Address: state.Address{Post: fmt.Sprintf("p%d", i), Account: "m"}, Op: state.OpPublish, Key: "k"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(ctx, snap.Version, cs); err != nil {
			t.Fatal(err)
		}
		for j, s := range []*gitstore.Store{sa, sb} {
			if _, err := s.Read(ctx); err != nil {
				t.Fatalf("round %d: read by store %d: %v", i, j, err)
			}
		}
	}
}
