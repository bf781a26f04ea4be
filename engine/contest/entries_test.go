package contest

import (
	"bytes"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

func TestMerge(t *testing.T) {
	t1 := opens.Add(24 * time.Hour)
	t2 := t1.Add(24 * time.Hour)
	after := closes.Add(time.Hour)
	scopes := []Scope{{"m", network.Reply}, {"m", network.Repost}}
	reply := Entry{Account: "m", Network: "mastodon", Kind: network.Reply, UserID: "1", Handle: "@ana@a.fr", PostID: "r1", Text: "je joue", At: t1}
	boost := Entry{Account: "m", Network: "mastodon", Kind: network.Repost, UserID: "1", Handle: "@ana@a.fr"}
	other := Entry{Account: "m", Network: "mastodon", Kind: network.Repost, UserID: "2", Handle: "@bob@b.fr"}

	first, col := Merge(nil, "noel", []Entry{reply, boost, boost}, scopes, t1, t1, closes)
	if col.New != 2 || col.Listed != 3 || len(first.Entries) != 2 {
		t.Fatalf("first merge: %+v with %d entries, want 2 new (duplicate listed once)", col, len(first.Entries))
	}
	for _, e := range first.Entries {
		if !e.FirstSeen.Equal(t1) {
			t.Errorf("%s first seen %v, want %v", e.Kind, e.FirstSeen, t1)
		}
	}

	// Ana's boost disappears, Bob boosts, Ana edits her reply.
	edited := reply
	edited.Text = "je joue #Concours"
	second, col := Merge(first, "noel", []Entry{edited, other}, scopes, t2, t2, closes)
	if col.New != 1 || col.Missing != 1 {
		t.Errorf("second merge: %+v, want 1 new and 1 missing", col)
	}
	got := map[string]Entry{}
	for _, e := range second.Entries {
		got[e.Key()] = e
	}
	if e := got[boost.Key()]; !e.DeletedAt.Equal(t2) || !e.FirstSeen.Equal(t1) {
		t.Errorf("missing boost: %+v, want kept, deleted at %v, first seen %v", e, t2, t1)
	}
	if e := got[reply.Key()]; e.Text != "je joue #Concours" {
		t.Errorf("reply text %q, want the edit made while open", e.Text)
	}
	if len(second.Collections) != 2 {
		t.Errorf("%d collections, want 2", len(second.Collections))
	}

	// After closing: the boost is back, an edit no longer counts, and a
	// collection that does not list reposts marks none of them missing.
	late := reply
	late.Text = "edited after closing"
	third, col := Merge(second, "noel", []Entry{late, boost}, []Scope{{"m", network.Reply}, {"m", network.Repost}}, after, after, closes)
	if col.Reappeared != 1 || col.Missing != 1 {
		t.Errorf("third merge: %+v, want 1 back and Bob's boost missing", col)
	}
	got = map[string]Entry{}
	for _, e := range third.Entries {
		got[e.Key()] = e
	}
	if e := got[boost.Key()]; e.Deleted() || !e.FirstSeen.Equal(t1) {
		t.Errorf("reappeared boost: %+v, want live and first seen %v", e, t1)
	}
	if e := got[reply.Key()]; e.Text != "je joue #Concours" {
		t.Errorf("reply text %q: an edit after closing must not count", e.Text)
	}
	fourth, col := Merge(third, "noel", nil, []Scope{{"m", network.Reply}}, after.Add(time.Hour), after.Add(time.Hour), closes)
	if col.Missing != 1 {
		t.Errorf("reply-only merge: %+v, want only the reply missing", col)
	}
	for _, e := range fourth.Entries {
		if e.Kind == network.Repost && e.UserID == "1" && e.Deleted() {
			t.Error("a collection that did not list reposts marked a repost deleted")
		}
	}
	if len(fourth.Entries) != 3 {
		t.Errorf("%d entries, want all 3 ever seen", len(fourth.Entries))
	}
}

func TestSnapshotEncodeIsStable(t *testing.T) {
	a := Entry{Account: "m", Network: "mastodon", Kind: network.Reply, UserID: "1", Handle: "@ana@a.fr", PostID: "r1", At: opens.In(paris), FirstSeen: opens}
	b := Entry{Account: "b", Network: "bluesky", Kind: network.Repost, UserID: "did:plc:x", Handle: "x.bsky.social", FirstSeen: opens}
	s1 := &Snapshot{Format: SnapshotFormat, Contest: "noel", Entries: []Entry{a, b}}
	s2 := &Snapshot{Format: SnapshotFormat, Contest: "noel", Entries: []Entry{b, a}}
	x, err := s1.Encode()
	if err != nil {
		t.Fatal(err)
	}
	y, _ := s2.Encode()
	if !bytes.Equal(x, y) {
		t.Errorf("entry order changed the encoding:\n%s\n%s", x, y)
	}
	back, err := DecodeSnapshot(x)
	if err != nil {
		t.Fatal(err)
	}
	z, _ := back.Encode()
	if !bytes.Equal(x, z) {
		t.Errorf("decode then encode changed the bytes:\n%s\n%s", x, z)
	}
	if _, err := DecodeSnapshot([]byte(`{"format": 2}`)); err == nil {
		t.Error("DecodeSnapshot accepted format 2")
	}
	if _, err := DecodeSnapshot([]byte(`{"format": 1, "surprise": true}`)); err == nil {
		t.Error("DecodeSnapshot accepted an unknown field")
	}
}

func TestHandles(t *testing.T) {
	for _, tt := range []struct{ in, domain, qualified, norm string }{
		{"@lea", "piaille.fr", "@lea@piaille.fr", "lea@piaille.fr"},
		{"@Lea@Example.Social", "piaille.fr", "@Lea@Example.Social", "lea@example.social"},
		{"lea.bsky.social", "", "lea.bsky.social", "lea.bsky.social"},
		{" @Brulerie ", "", " @Brulerie ", "brulerie"},
	} {
		if got := QualifyHandle(tt.in, tt.domain); got != tt.qualified {
			t.Errorf("QualifyHandle(%q, %q) = %q, want %q", tt.in, tt.domain, got, tt.qualified)
		}
		if got := NormHandle(QualifyHandle(tt.in, tt.domain)); got != tt.norm {
			t.Errorf("NormHandle(%q) = %q, want %q", tt.in, got, tt.norm)
		}
	}
}

// An X reply older than the seven days X's recent search covers is no longer
// listed: that is not a deletion. A recent one that disappears is.
func TestMergeListingHorizon(t *testing.T) {
	t0 := opens.Add(time.Hour)
	scopes := []Scope{{"x", network.Reply}}
	old := Entry{Account: "x", Network: "x", Kind: network.Reply, UserID: "1", Handle: "@ana", PostID: "1", At: t0}
	recent := Entry{Account: "x", Network: "x", Kind: network.Reply, UserID: "2", Handle: "@bob", PostID: "2", At: t0.Add(6 * 24 * time.Hour)}
	first, _ := Merge(nil, "noel", []Entry{old, recent}, scopes, t0.Add(6*24*time.Hour+time.Hour), t0.Add(6*24*time.Hour+time.Hour), closes)
	later := t0.Add(8 * 24 * time.Hour)
	second, col := Merge(first, "noel", nil, scopes, later, later, closes)
	if col.Missing != 1 {
		t.Errorf("%+v: want only the recent reply seen missing", col)
	}
	for _, e := range second.Entries {
		if e.Deleted() != (e.PostID == "2") {
			t.Errorf("reply %s deleted=%v", e.PostID, e.Deleted())
		}
	}
}
