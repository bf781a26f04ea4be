package gitstore

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/clairon-dev/clairon/engine/atomicfile"
	"github.com/clairon-dev/clairon/engine/internal/binrec"
	"github.com/clairon-dev/clairon/engine/internal/parallel"
	"github.com/clairon-dev/clairon/engine/state"
)

// The record cache (Options.CacheFile) keeps the records the last read
// decoded, by the hash of their blob, in a file of their binary form: the
// next process inflates and decodes only the record files that changed
// since, where a cold read of 30,000 records costs about a second. An entry
// can only be the decoding of the blob it is filed under; a damaged file is
// ignored whole and written again.
//
//	magic, then per record: hash (20 bytes) uvarint(len) record,
//	then crc32c of everything before it (4 bytes, little endian)
const recordCacheMagic = "clairon-state-cache\x00\x01"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// readRecordCache returns the records of the cache file at path; nil when
// it is missing or damaged.
func readRecordCache(path string) map[plumbing.Hash]*state.Record {
	data, err := os.ReadFile(path)
	if err != nil || len(data) < len(recordCacheMagic)+4 || !bytes.HasPrefix(data, []byte(recordCacheMagic)) {
		return nil
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil
	}
	// Records' strings are substrings of the file, never written to again.
	text := unsafe.String(unsafe.SliceData(body), len(body))[len(recordCacheMagic):]
	type frame struct {
		hash    plumbing.Hash
		payload string
		rec     *state.Record
		err     error
	}
	var frames []frame
	for len(text) > 0 {
		if len(text) < len(plumbing.Hash{}) {
			return nil
		}
		var f frame
		copy(f.hash[:], text)
		text = text[len(f.hash):]
		n, k := binrec.Uvarint(text)
		if k <= 0 || n > uint64(len(text)-k) {
			return nil
		}
		f.payload, text = text[k:k+int(n)], text[k+int(n):]
		frames = append(frames, f)
	}
	parallel.Chunks(len(frames), 512, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			f := &frames[i]
			if f.rec, f.err = state.DecodeBinary(f.payload); f.err == nil {
				f.err = f.rec.Validate()
			}
		}
	})
	out := make(map[plumbing.Hash]*state.Record, len(frames))
	for _, f := range frames {
		if f.err != nil {
			return nil
		}
		out[f.hash] = f.rec
	}
	return out
}

// writeRecordCache replaces the cache file at path with the records of m
// (those whose times are UTC, as records read from git are).
func writeRecordCache(path string, m map[plumbing.Hash]*state.Record) error {
	hashes := slices.SortedFunc(maps.Keys(m), func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
	b := []byte(recordCacheMagic)
	var rec []byte
	for _, h := range hashes {
		var err error
		if rec, err = m[h].AppendBinary(rec[:0]); err != nil {
			continue // a time not in UTC: read from git each time
		}
		b = append(b, h[:]...)
		b = binary.AppendUvarint(b, uint64(len(rec)))
		b = append(b, rec...)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, b)
}
