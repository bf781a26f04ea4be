package gitstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// A process killed while a ref file was being rewritten in place leaves it
// empty. Such a tracking ref must not stop later runs (it once failed every
// run after with "ref file is empty"), and must still count as "the branch
// was seen there" when the remote loses the branch.
func TestEmptyTrackingRefLeftByACrash(t *testing.T) {
	root := t.TempDir()
	gitCmd(t, root, "init", "-q", "--bare", "-b", "main", "remote.git")
	gitCmd(t, root, "init", "-q", "-b", "main", "clone")
	clone := filepath.Join(root, "clone")
	gitCmd(t, clone, "remote", "add", "origin", filepath.Join(root, "remote.git"))
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	openClone := func() *gitstore.Store {
		s, err := gitstore.OpenPath(clone, gitstore.Options{Remote: "origin", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	ctx := context.Background()
	s := openClone()
	cs := state.NewChangeset(state.Message{Subject: "first"})
	cs.Put(&state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published})
	h, err := s.Write(ctx, "", cs)
	if err != nil {
		t.Fatal(err)
	}
	tracking := filepath.Join(clone, ".git", "refs", "remotes", "origin", "clairon", "state")
	if err := os.WriteFile(tracking, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	snap, err := openClone().Read(ctx)
	if err != nil {
		t.Fatalf("read after a crash left the tracking ref empty: %v", err)
	}
	if snap.Version != h.Version || len(snap.State.Records) != 1 {
		t.Fatalf("read %s with %d records, want %s with 1", snap.Version, len(snap.State.Records), h.Version)
	}
	if b, err := os.ReadFile(tracking); err != nil || strings.TrimSpace(string(b)) != string(h.Version) {
		t.Errorf("tracking ref holds %q (%v), want %s", b, err, h.Version)
	}
	if tmp, _ := filepath.Glob(filepath.Join(clone, ".git", "clairon-*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}

	if err := os.WriteFile(tracking, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, filepath.Join(root, "remote.git"), "update-ref", "-d", "refs/heads/clairon/state")
	if _, err := openClone().Read(ctx); err == nil || !strings.Contains(err.Error(), "is gone") {
		t.Fatalf("read after the branch vanished: %v, want an error", err)
	}
}
