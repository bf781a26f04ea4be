package cache

import (
	"encoding/binary"
	"hash/crc32"
	"maps"
	"math"
	"slices"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/internal/binrec"
)

// The cache file is a header and a log of records. The header is the magic
// and the build of clairon that wrote the file (uvarint length, bytes): a
// file of another build is ignored whole, since a new version may parse the
// same file differently. Each record is
//
//	uvarint(len(payload)) payload crc32c(payload) (4 bytes, little endian)
//
// and its payload is a record type, a path and, for a put, the entry; or,
// for a tree, a git tree's hash and its raw bytes. A later
// record for a path replaces an earlier one; runs append the entries they
// changed and rewrite the file once it holds more dead records than live
// ones. A torn or damaged record (a run killed while appending, two runs
// appending at once) ends the log: what follows is ignored and the file is
// rewritten by the next save.
//
// The encoding is written by hand because decoding it is the fixed cost of
// every plan: it reads all strings as substrings of one copy of the file, and
// decodes 10,000 entries in a few milliseconds where encoding/gob took forty.
// TestEntryRoundTrip fails when a field added to content.Post is not encoded.

// magic starts the file; its last byte is the format version.
const magic = "clairon-cache\x00\x03"

// appendHeader appends the file's header for build.
func appendHeader(b []byte, build string) []byte {
	b = append(b, magic...)
	b = binary.AppendUvarint(b, uint64(len(build)))
	return append(b, build...)
}

// header returns what follows the header of data, and whether data starts
// with the header of build.
func header(data []byte, build string) ([]byte, bool) {
	h := appendHeader(nil, build)
	if len(data) < len(h) || string(data[:len(h)]) != string(h) {
		return nil, false
	}
	return data[len(h):], true
}

const (
	recordPut    = 1
	recordDelete = 2
	recordTree   = 3
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendRecord appends one framed record.
func appendRecord(b []byte, payload []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(payload)))
	b = append(b, payload...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
}

// records returns each intact record's payload, as a substring of s (a
// copy of data), and reports whether the log ended cleanly.
func records(data []byte, s string) ([]string, bool) {
	payloads := make([]string, 0, len(data)/400) // a typical entry's size
	for i := 0; i < len(data); {
		n, k := binary.Uvarint(data[i:])
		if k <= 0 || n > uint64(len(data)-i-k) || uint64(len(data)-i-k)-n < 4 {
			return payloads, false
		}
		start, end := i+k, i+k+int(n)
		if crc32.Checksum(data[start:end], castagnoli) != binary.LittleEndian.Uint32(data[end:]) {
			return payloads, false
		}
		payloads = append(payloads, s[start:end])
		i = end + 4
	}
	return payloads, true
}

func encodeEntry(e *binrec.Encoder, path string, x *entry) {
	e.Uint(recordPut)
	e.Str(path)
	e.Int(x.Size)
	e.Int(x.ModTime)
	e.Str(x.Blob)
	e.Str(x.ID)
	e.Bool(x.ExplicitID)
	e.Str(string(x.Kind))
	encodePost(e, &x.Post)
	encodeDiags(e, x.Diags)
	e.Str(x.Context)
	e.Uint(uint64(len(x.Renders)))
	for _, r := range x.Renders {
		e.Str(r.Account)
		e.Str(r.Digest)
		e.Str(r.Network)
		encodeDiags(e, r.Diags)
	}
}

// slab hands out slices of one allocation: the entries of a chunk decode
// their lists into a few slabs rather than a slice each, which is most of
// what decoding 10,000 entries allocated. A slice handed out has no spare
// capacity, so appending to it copies rather than overwriting a neighbour.
type slab[T any] struct{ buf []T }

func (s *slab[T]) take(n int) []T {
	if n == 0 {
		return nil
	}
	if len(s.buf) < n {
		s.buf = make([]T, max(n, 512))
	}
	out := s.buf[:n:n]
	s.buf = s.buf[n:]
	return out
}

// slabs are the slabs of one decoding worker.
type slabs struct {
	strs    slab[string]
	renders slab[Render]
	media   slab[content.MediaRef]
}

// strs decodes a list of strings into the slab.
func (a *slabs) decodeStrs(d *binrec.Decoder) []string {
	out := a.strs.take(d.Count())
	for i := range out {
		out[i] = d.Str()
	}
	return out
}

func decodeEntry(d *binrec.Decoder, x *entry, a *slabs) {
	x.Size = d.Int()
	x.ModTime = d.Int()
	x.Blob = d.Str()
	x.ID = d.Str()
	x.ExplicitID = d.Bool()
	x.Kind = content.Kind(d.Str())
	decodePost(d, &x.Post, a)
	x.Diags = decodeDiags(d)
	x.Context = d.Str()
	if n := d.Count(); n > 0 {
		x.Renders = a.renders.take(n)
		for i := range x.Renders {
			x.Renders[i] = Render{Account: d.Str(), Digest: d.Str(), Network: d.Str(), Diags: decodeDiags(d)}
		}
	}
}

func encodeDiags(e *binrec.Encoder, ds diag.List) {
	e.Uint(uint64(len(ds)))
	for _, x := range ds {
		e.Int(int64(x.Severity))
		e.Str(x.Pos.File)
		e.Int(int64(x.Pos.Line))
		e.Int(int64(x.Pos.Col))
		e.Str(x.Code)
		e.Str(x.Message)
		e.Str(x.Hint)
	}
}

func decodeDiags(d *binrec.Decoder) diag.List {
	n := d.Count()
	if n == 0 {
		return nil
	}
	out := make(diag.List, n)
	for i := range out {
		x := &out[i]
		x.Severity = diag.Severity(d.Int())
		x.Pos = diag.Pos{File: d.Str(), Line: int(d.Int()), Col: int(d.Int())}
		x.Code, x.Message, x.Hint = d.Str(), d.Str(), d.Str()
	}
	return out
}

func encodePost(e *binrec.Encoder, p *content.Post) {
	for _, s := range []string{p.Kind, p.ID, p.Title} {
		e.Str(s)
	}
	e.Strs(p.To)
	for _, s := range []string{p.At, p.Status, p.Campaign, p.Calendar, p.Language} {
		e.Str(s)
	}
	e.Strs(p.Tags)
	e.Str(p.ContentWarning)
	encodeMedia(e, p.Media)
	e.Bool(p.Poll != nil)
	if p.Poll != nil {
		e.Strs(p.Poll.Options)
		e.Str(p.Poll.Duration)
		e.Bool(p.Poll.Multiple)
	}
	e.Str(p.FirstComment)
	e.Str(p.ReplyTo)
	keys := slices.Sorted(maps.Keys(p.Overrides))
	e.Bool(p.Overrides != nil)
	e.Uint(uint64(len(keys)))
	for _, k := range keys {
		o := p.Overrides[k]
		e.Str(k)
		optStr(e, o.Text)
		e.Bool(o.Media != nil)
		if o.Media != nil {
			encodeMedia(e, *o.Media)
		}
		e.Bool(o.Tags != nil)
		if o.Tags != nil {
			e.Strs(*o.Tags)
		}
		optStr(e, o.ContentWarning)
	}
	e.Bool(p.UTM != nil)
	if p.UTM != nil {
		e.Bool(p.UTM.Off)
		for _, s := range []string{p.UTM.Source, p.UTM.Medium, p.UTM.Campaign, p.UTM.Content, p.UTM.Term} {
			e.Str(s)
		}
	}
	e.Bool(p.Thread != nil)
	if p.Thread != nil {
		e.Str(p.Thread.Split)
		e.Bool(p.Thread.Numbering)
	}
}

func decodePost(d *binrec.Decoder, p *content.Post, a *slabs) {
	p.Kind, p.ID, p.Title = d.Str(), d.Str(), d.Str()
	p.To = a.decodeStrs(d)
	p.At, p.Status, p.Campaign, p.Calendar, p.Language = d.Str(), d.Str(), d.Str(), d.Str(), d.Str()
	p.Tags = a.decodeStrs(d)
	p.ContentWarning = d.Str()
	p.Media = decodeMedia(d, a)
	if d.Bool() {
		p.Poll = &content.Poll{Options: d.Strs(), Duration: d.Str(), Multiple: d.Bool()}
	}
	p.FirstComment = d.Str()
	p.ReplyTo = d.Str()
	hasOverrides := d.Bool()
	if n := d.Count(); hasOverrides {
		p.Overrides = make(map[string]content.Override, n)
		for range n {
			k := d.Str()
			var o content.Override
			o.Text = decOptStr(d)
			if d.Bool() {
				m := decodeMedia(d, a)
				if m == nil {
					m = []content.MediaRef{}
				}
				o.Media = &m
			}
			if d.Bool() {
				t := d.Strs()
				if t == nil {
					t = []string{}
				}
				o.Tags = &t
			}
			o.ContentWarning = decOptStr(d)
			p.Overrides[k] = o
		}
	}
	if d.Bool() {
		p.UTM = &content.UTMSetting{Off: d.Bool()}
		p.UTM.Source, p.UTM.Medium, p.UTM.Campaign, p.UTM.Content, p.UTM.Term = d.Str(), d.Str(), d.Str(), d.Str(), d.Str()
	}
	if d.Bool() {
		p.Thread = &content.ThreadSetting{Split: d.Str(), Numbering: d.Bool()}
	}
}

func encodeMedia(e *binrec.Encoder, ms []content.MediaRef) {
	e.Uint(uint64(len(ms)))
	for _, m := range ms {
		e.Str(m.Src)
		e.Str(m.Alt)
		e.Bool(m.Focus != nil)
		if m.Focus != nil {
			e.Uint(uint64(len(*m.Focus)))
			for _, f := range *m.Focus {
				e.Uint(math.Float64bits(f))
			}
		}
	}
}

func decodeMedia(d *binrec.Decoder, a *slabs) []content.MediaRef {
	out := a.media.take(d.Count())
	for i := range out {
		out[i].Src, out[i].Alt = d.Str(), d.Str()
		if d.Bool() {
			f := make([]float64, d.Count())
			for j := range f {
				f[j] = math.Float64frombits(d.Uint())
			}
			out[i].Focus = &f
		}
	}
	return out
}

func optStr(e *binrec.Encoder, s *string) {
	e.Bool(s != nil)
	if s != nil {
		e.Str(*s)
	}
}

func decOptStr(d *binrec.Decoder) *string {
	if !d.Bool() {
		return nil
	}
	s := d.Str()
	return &s
}
