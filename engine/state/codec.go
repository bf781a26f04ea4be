package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The layout of a stored state, shared by every store that keeps files (the
// git store's branch in particular):
//
//	state.json                                 lineage, serial and format of the state
//	records/<h2>/<h3>/<escaped address>.json   one record per address
//	anything else                              files kept beside the records
//
// <h2> and <h3> are the first two and three hex digits of the SHA-256 of the
// address's text form: 256 directories of 16 directories each. 100,000
// records make about 24 files per directory, and a write rewrites only the
// directories it touches, so its cost hardly grows with the state.
// <escaped address> is the address's text with every byte outside
// [A-Za-z0-9._@+=,~-] written as %XX (and a leading '.' too), cut and
// suffixed with a hash when it would be longer than 200 bytes. The record's
// own "address" field is authoritative; the file name is for people.
const (
	// MetaFile holds the lineage, serial and format of the state.
	MetaFile = "state.json"
	// RecordsDir holds the records.
	RecordsDir = "records"
	// Format is the version of the stored layout this package writes.
	Format = 1
)

// maxNameLen bounds an escaped record file name (without ".json").
const maxNameLen = 200

// RecordPath returns the path of a's record file.
func RecordPath(a Address) string {
	s := a.String()
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:2])
	return RecordsDir + "/" + h[:2] + "/" + h[:3] + "/" + escapeName(s, sum) + ".json"
}

func escapeName(s string, sum [32]byte) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plainByte(c) && !(i == 0 && c == '.') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	name := b.String()
	if len(name) > maxNameLen {
		name = name[:maxNameLen-17] + "~" + hex.EncodeToString(sum[:8])
	}
	return name
}

func plainByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("._@+=,~-", c) >= 0
}

// CheckFilePath reports whether p may name a file kept beside the records:
// a clean, relative, slash-separated path, outside state.json and records/,
// with no empty, ".", ".." or ".git" element.
func CheckFilePath(p string) error {
	if p == "" {
		return errors.New("empty file path")
	}
	if err := checkText(p); err != nil {
		return fmt.Errorf("file path %q: %w", p, err)
	}
	if p == MetaFile || p == RecordsDir || strings.HasPrefix(p, RecordsDir+"/") {
		return fmt.Errorf("file path %q: reserved for the state itself", p)
	}
	if strings.ContainsRune(p, '\\') {
		return fmt.Errorf("file path %q: contains a backslash", p)
	}
	for el := range strings.SplitSeq(p, "/") {
		switch {
		case el == "":
			return fmt.Errorf("file path %q: empty element (leading, trailing or double slash)", p)
		case el == "." || el == "..":
			return fmt.Errorf("file path %q: contains %q", p, el)
		case strings.EqualFold(el, ".git"):
			return fmt.Errorf("file path %q: contains .git", p)
		}
	}
	return nil
}

// EncodeRecord returns the stored form of r: indented JSON with times in UTC,
// ending with a newline. The same record always encodes to the same bytes.
func EncodeRecord(r *Record) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	n := r.Clone()
	n.ClaimedAt, n.PublishedAt, n.UpdatedAt = utc(n.ClaimedAt), utc(n.PublishedAt), utc(n.UpdatedAt)
	for i := range n.Parts {
		n.Parts[i].PublishedAt = utc(n.Parts[i].PublishedAt)
	}
	if n.Claim != nil {
		n.Claim.At, n.Claim.Expires = utc(n.Claim.At), utc(n.Claim.Expires)
	}
	for i := range n.Metrics {
		n.Metrics[i].At = utc(n.Metrics[i].At)
	}
	b, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.Address, err)
	}
	return append(b, '\n'), nil
}

// DecodeRecord parses a stored record and validates it.
func DecodeRecord(b []byte) (*Record, error) {
	r := new(Record)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return r, nil
}

// Meta is the content of state.json.
type Meta struct {
	Format  int    `json:"format"`
	Lineage string `json:"lineage"`
	Serial  int64  `json:"serial"`
}

// EncodeMeta returns the stored form of state.json.
func EncodeMeta(lineage string, serial int64) []byte {
	b, _ := json.MarshalIndent(Meta{Format: Format, Lineage: lineage, Serial: serial}, "", "  ")
	return append(b, '\n')
}

// DecodeMeta parses state.json and refuses formats this package does not know.
func DecodeMeta(b []byte) (Meta, error) {
	var m Meta
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return Meta{}, fmt.Errorf("decode %s: %w", MetaFile, err)
	}
	switch {
	case m.Format > Format:
		return Meta{}, fmt.Errorf("%s: format %d is newer than this version of clairon understands (%d); upgrade clairon", MetaFile, m.Format, Format)
	case m.Format < 1:
		return Meta{}, fmt.Errorf("%s: missing or invalid format %d", MetaFile, m.Format)
	case m.Lineage == "":
		return Meta{}, fmt.Errorf("%s: empty lineage", MetaFile)
	case m.Serial < 1:
		return Meta{}, fmt.Errorf("%s: invalid serial %d", MetaFile, m.Serial)
	}
	return m, nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
