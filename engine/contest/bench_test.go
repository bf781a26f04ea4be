package contest

import (
	"fmt"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// BenchmarkDraw measures eligibility, seed and selection over a contest of
// 50,000 entrants (100,000 entries: a reply and a repost each).
func BenchmarkDraw(b *testing.B) {
	spec := parseSpec(b, contestFile)
	snap := &Snapshot{Format: SnapshotFormat, Contest: "noel", Collections: []Collection{{At: closes.Add(time.Minute)}}}
	for i := range 50_000 {
		h := fmt.Sprintf("@p%d@example.social", i)
		snap.Entries = append(snap.Entries,
			entry("brand-mastodon", "mastodon", network.Reply, h, "#Concours", opens.Add(time.Duration(i)*time.Second)),
			entry("brand-mastodon", "mastodon", network.Repost, h, "", time.Time{}))
	}
	data := encodeSnap(b, snap)
	anchor := Anchor{Commit: "0123456789abcdef0123456789abcdef01234567", Time: closes.Add(time.Hour), From: "entries"}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		rec, err := Compute(spec, data, anchor, 1)
		if err != nil || len(rec.Entrants) != 50_000 {
			b.Fatalf("%v, %d eligible", err, len(rec.Entrants))
		}
	}
}
