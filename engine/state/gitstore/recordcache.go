package gitstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/clairon-dev/clairon/engine/atomicfile"
	"github.com/clairon-dev/clairon/engine/internal/binrec"
	"github.com/clairon-dev/clairon/engine/internal/parallel"
	"github.com/clairon-dev/clairon/engine/state"
)

// The read cache (Options.CacheFile) keeps what the last read decoded, by
// object hash, in a binary file: the records, and the listings of the trees
// under records/. The next process then reads from git only the trees and
// record files that changed since: a cold read of 30,000 records walks
// 30,000 trees and inflates as many blobs, about a second; a read of an
// unchanged state reads the root tree and decodes this file. An entry can only be the decoding of the object it is filed
// under, since git names objects by their content; a damaged file is
// ignored whole and written again.
//
//	magic, then per object: kind ('r' record, 't' tree) hash (20 bytes)
//	uvarint(len) payload, then crc32c of everything before it (4 bytes,
//	little endian). A tree's payload is, per entry: uvarint(len) name
//	uvarint(mode) hash.
const readCacheMagic = "clairon-state-cache\x00\x02"

const (
	kindRecord = 'r'
	kindTree   = 't'
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// readCache is what a read decoded, by object hash.
type readCache struct {
	records map[plumbing.Hash]*state.Record
	trees   map[plumbing.Hash][]object.TreeEntry
}

func newReadCache(records, trees int) *readCache {
	return &readCache{records: make(map[plumbing.Hash]*state.Record, records), trees: make(map[plumbing.Hash][]object.TreeEntry, trees)}
}

// readCacheHeader is the start of a cache file written by build: the magic,
// then the build's name (a new version of clairon may decode records
// differently, and starts afresh).
func readCacheHeader(build string) []byte {
	b := []byte(readCacheMagic)
	b = binary.AppendUvarint(b, uint64(len(build)))
	return append(b, build...)
}

// readReadCache returns the cache file at path; an empty cache when it is
// missing, damaged or of another build.
func readReadCache(path, build string) *readCache {
	data, err := os.ReadFile(path)
	head := readCacheHeader(build)
	if err != nil || len(data) < len(head)+4 || !bytes.HasPrefix(data, head) {
		return newReadCache(0, 0)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return newReadCache(0, 0)
	}
	// Strings point into the file's bytes, never written to again.
	text := unsafe.String(unsafe.SliceData(body), len(body))[len(head):]
	type frame struct {
		kind    byte
		hash    plumbing.Hash
		payload string
		rec     *state.Record
		tree    []object.TreeEntry
		err     error
	}
	var frames []frame
	for len(text) > 0 {
		if len(text) < 1+len(plumbing.Hash{}) {
			return newReadCache(0, 0)
		}
		f := frame{kind: text[0]}
		copy(f.hash[:], text[1:])
		text = text[1+len(f.hash):]
		n, k := binrec.Uvarint(text)
		if k <= 0 || n > uint64(len(text)-k) {
			return newReadCache(0, 0)
		}
		f.payload, text = text[k:k+int(n)], text[k+int(n):]
		frames = append(frames, f)
	}
	parallel.Chunks(len(frames), 512, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			f := &frames[i]
			switch f.kind {
			case kindRecord:
				if f.rec, f.err = state.DecodeBinary(f.payload); f.err == nil {
					f.err = f.rec.Validate()
				}
			case kindTree:
				f.tree, f.err = decodeTreeEntries(f.payload)
			default:
				f.err = errDamaged
			}
		}
	})
	c := newReadCache(len(frames), len(frames))
	for _, f := range frames {
		if f.err != nil {
			return newReadCache(0, 0)
		}
		if f.kind == kindRecord {
			c.records[f.hash] = f.rec
		} else {
			c.trees[f.hash] = f.tree
		}
	}
	return c
}

var errDamaged = errors.New("damaged cache entry")

func appendTreeEntries(b []byte, es []object.TreeEntry) []byte {
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(len(e.Name)))
		b = append(b, e.Name...)
		b = binary.AppendUvarint(b, uint64(e.Mode))
		b = append(b, e.Hash[:]...)
	}
	return b
}

func decodeTreeEntries(s string) ([]object.TreeEntry, error) {
	var es []object.TreeEntry
	for len(s) > 0 {
		n, k := binrec.Uvarint(s)
		if k <= 0 || n > uint64(len(s)-k) {
			return nil, errDamaged
		}
		e := object.TreeEntry{Name: s[k : k+int(n)]}
		s = s[k+int(n):]
		mode, k := binrec.Uvarint(s)
		if k <= 0 || mode > 0o177777 || len(s)-k < len(e.Hash) {
			return nil, errDamaged
		}
		e.Mode = filemode.FileMode(mode)
		copy(e.Hash[:], s[k:])
		s = s[k+len(e.Hash):]
		es = append(es, e)
	}
	return es, nil
}

// writeReadCache replaces the cache file at path with c (leaving out records
// whose times are not UTC, as records read from git are).
func writeReadCache(path, build string, c *readCache) error {
	less := func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) }
	b := readCacheHeader(build)
	frame := func(kind byte, h plumbing.Hash, payload []byte) {
		b = append(b, kind)
		b = append(b, h[:]...)
		b = binary.AppendUvarint(b, uint64(len(payload)))
		b = append(b, payload...)
	}
	var buf []byte
	for _, h := range slices.SortedFunc(maps.Keys(c.records), less) {
		var err error
		if buf, err = c.records[h].AppendBinary(buf[:0]); err != nil {
			continue // a time not in UTC: read from git each time
		}
		frame(kindRecord, h, buf)
	}
	for _, h := range slices.SortedFunc(maps.Keys(c.trees), less) {
		buf = appendTreeEntries(buf[:0], c.trees[h])
		frame(kindTree, h, buf)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, b)
}
