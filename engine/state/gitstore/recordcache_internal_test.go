package gitstore

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/clairon-dev/clairon/engine/state"
)

// Records with a time not in UTC (a hand-edited record file) are left out
// of the cache file, and read from git each time; the others round-trip.
func TestRecordCacheKeepsUTCRecordsOnly(t *testing.T) {
	utc := &state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published,
		PublishedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	cet := &state.Record{Address: state.Address{Post: "q", Account: "a"}, Status: state.Published,
		PublishedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600))}
	path := filepath.Join(t.TempDir(), "state.cache")
	hu, hc := plumbing.NewHash("1111111111111111111111111111111111111111"), plumbing.NewHash("2222222222222222222222222222222222222222")
	if err := writeRecordCache(path, map[plumbing.Hash]*state.Record{hu: utc, hc: cet}); err != nil {
		t.Fatal(err)
	}
	got := readRecordCache(path)
	if want := map[plumbing.Hash]*state.Record{hu: utc}; !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %v, want only the UTC record", got)
	}
}
