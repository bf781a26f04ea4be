package gitstore

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/clairon-dev/clairon/engine/state"
)

// Trees round-trip; records with a time not in UTC (a hand-edited record
// file) are left out of the cache file, and read from git each time.
func TestReadCacheRoundTrip(t *testing.T) {
	utc := &state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published,
		PublishedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	cet := &state.Record{Address: state.Address{Post: "q", Account: "a"}, Status: state.Published,
		PublishedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600))}
	hu, hc := plumbing.NewHash("1111111111111111111111111111111111111111"), plumbing.NewHash("2222222222222222222222222222222222222222")
	ht, he := plumbing.NewHash("3333333333333333333333333333333333333333"), plumbing.NewHash("4444444444444444444444444444444444444444")
	tree := []object.TreeEntry{
		{Name: "9f", Mode: filemode.Dir, Hash: ht},
		{Name: "p@a.json", Mode: filemode.Regular, Hash: hu},
		{Name: "été.json", Mode: filemode.Executable, Hash: hc},
	}
	path := filepath.Join(t.TempDir(), "state.cache")
	in := newReadCache(0, 0)
	in.records[hu], in.records[hc] = utc, cet
	in.trees[ht], in.trees[he] = tree, nil
	if err := writeReadCache(path, "b1", in); err != nil {
		t.Fatal(err)
	}
	got := readReadCache(path, "b1")
	if want := map[plumbing.Hash]*state.Record{hu: utc}; !reflect.DeepEqual(got.records, want) {
		t.Errorf("records read back %v, want only the UTC one", got.records)
	}
	if want := map[plumbing.Hash][]object.TreeEntry{ht: tree, he: nil}; !reflect.DeepEqual(got.trees, want) {
		t.Errorf("trees read back %v, want %v", got.trees, want)
	}
}

func TestDecodeTreeEntriesRefusesDamage(t *testing.T) {
	good := string(appendTreeEntries(nil, []object.TreeEntry{{Name: "ab", Mode: filemode.Dir, Hash: plumbing.NewHash("5555555555555555555555555555555555555555")}}))
	if _, err := decodeTreeEntries(good); err != nil {
		t.Fatalf("a good listing: %v", err)
	}
	badMode := string(binary.AppendUvarint([]byte(good[:3]), 1<<20)) + good[len(good)-20:]
	for _, bad := range []string{good[:len(good)-1], good[:3], "\x7f" + good[1:], good + "\x01", badMode} {
		if _, err := decodeTreeEntries(bad); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// A frame of an unknown kind, in a file whose checksum holds (a newer or
// foreign writer), makes the whole file ignored rather than half read.
func TestReadCacheIgnoresAFileWithAnUnknownFrame(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.cache")
	rec := &state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published}
	in := newReadCache(0, 0)
	in.records[plumbing.NewHash("1111111111111111111111111111111111111111")] = rec
	if err := writeReadCache(path, "b1", in); err != nil {
		t.Fatal(err)
	}
	if got := readReadCache(path, "b1"); len(got.records) != 1 {
		t.Fatalf("the well-formed file read back %d records", len(got.records))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	body := append([]byte{}, b[:len(b)-4]...)
	body = append(body, 'x')
	body = append(body, make([]byte, 20)...)
	body = binary.AppendUvarint(body, 0)
	body = binary.LittleEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readReadCache(path, "b1"); len(got.records)+len(got.trees) != 0 {
		t.Errorf("a file with an unknown frame gave %d records and %d trees", len(got.records), len(got.trees))
	}
}

// A new build of clairon may decode records differently: it ignores the
// file an earlier build wrote.
func TestReadCacheOfAnotherBuildIsIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.cache")
	in := newReadCache(0, 0)
	in.records[plumbing.NewHash("1111111111111111111111111111111111111111")] = &state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published}
	if err := writeReadCache(path, "v1", in); err != nil {
		t.Fatal(err)
	}
	if got := readReadCache(path, "v1"); len(got.records) != 1 {
		t.Fatalf("the same build read %d records, want 1", len(got.records))
	}
	if got := readReadCache(path, "v2"); len(got.records) != 0 {
		t.Errorf("another build read %d records, want none", len(got.records))
	}
}
