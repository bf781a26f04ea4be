package cache

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"slices"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
)

// The cache file is a header and a log of records. Each record is
//
//	uvarint(len(payload)) payload crc32c(payload) (4 bytes, little endian)
//
// and its payload is a record type, a path and, for a put, the entry. A later
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
const magic = "clairon-cache\x00\x02"

const (
	recordPut    = 1
	recordDelete = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errCorrupt = errors.New("cache record damaged")

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

func uvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

// enc appends values to a payload.
type enc struct{ b []byte }

func (e *enc) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *enc) str(s string) { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) strs(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// dec reads values from a payload; the first error sticks.
type dec struct {
	s   string
	err error
}

func (d *dec) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := uvarint(d.s)
	if k <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.s = d.s[k:]
	return v
}

func (d *dec) int() int64 {
	u := d.uint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *dec) bool() bool {
	if d.err != nil || len(d.s) == 0 {
		d.err = errCorrupt
		return false
	}
	v := d.s[0]
	d.s = d.s[1:]
	return v == 1
}

func (d *dec) str() string {
	n := d.uint()
	if d.err != nil || n > uint64(len(d.s)) {
		d.err = errCorrupt
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

// count reads a length, bounded by what is left so that damage cannot ask
// for a huge allocation.
func (d *dec) count() int {
	n := d.uint()
	if n > uint64(len(d.s)) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

func (d *dec) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func encodeEntry(e *enc, path string, x *entry) {
	e.uint(recordPut)
	e.str(path)
	e.int(x.Size)
	e.int(x.ModTime)
	e.str(x.Blob)
	e.str(x.ID)
	e.bool(x.ExplicitID)
	e.str(string(x.Kind))
	encodePost(e, &x.Post)
	encodeDiags(e, x.Diags)
	e.str(x.Context)
	e.uint(uint64(len(x.Renders)))
	for _, r := range x.Renders {
		e.str(r.Account)
		e.str(r.Digest)
		e.str(r.Network)
		encodeDiags(e, r.Diags)
	}
}

func decodeEntry(d *dec, x *entry) {
	x.Size = d.int()
	x.ModTime = d.int()
	x.Blob = d.str()
	x.ID = d.str()
	x.ExplicitID = d.bool()
	x.Kind = content.Kind(d.str())
	decodePost(d, &x.Post)
	x.Diags = decodeDiags(d)
	x.Context = d.str()
	if n := d.count(); n > 0 {
		x.Renders = make([]Render, n)
		for i := range x.Renders {
			x.Renders[i] = Render{Account: d.str(), Digest: d.str(), Network: d.str(), Diags: decodeDiags(d)}
		}
	}
}

func encodeDiags(e *enc, ds diag.List) {
	e.uint(uint64(len(ds)))
	for _, x := range ds {
		e.int(int64(x.Severity))
		e.str(x.Pos.File)
		e.int(int64(x.Pos.Line))
		e.int(int64(x.Pos.Col))
		e.str(x.Code)
		e.str(x.Message)
		e.str(x.Hint)
	}
}

func decodeDiags(d *dec) diag.List {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make(diag.List, n)
	for i := range out {
		x := &out[i]
		x.Severity = diag.Severity(d.int())
		x.Pos = diag.Pos{File: d.str(), Line: int(d.int()), Col: int(d.int())}
		x.Code, x.Message, x.Hint = d.str(), d.str(), d.str()
	}
	return out
}

func encodePost(e *enc, p *content.Post) {
	for _, s := range []string{p.Kind, p.ID, p.Title} {
		e.str(s)
	}
	e.strs(p.To)
	for _, s := range []string{p.At, p.Status, p.Campaign, p.Calendar, p.Language} {
		e.str(s)
	}
	e.strs(p.Tags)
	e.str(p.ContentWarning)
	encodeMedia(e, p.Media)
	e.bool(p.Poll != nil)
	if p.Poll != nil {
		e.strs(p.Poll.Options)
		e.str(p.Poll.Duration)
		e.bool(p.Poll.Multiple)
	}
	e.str(p.FirstComment)
	e.str(p.ReplyTo)
	keys := make([]string, 0, len(p.Overrides))
	for k := range p.Overrides {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.bool(p.Overrides != nil)
	e.uint(uint64(len(keys)))
	for _, k := range keys {
		o := p.Overrides[k]
		e.str(k)
		optStr(e, o.Text)
		e.bool(o.Media != nil)
		if o.Media != nil {
			encodeMedia(e, *o.Media)
		}
		e.bool(o.Tags != nil)
		if o.Tags != nil {
			e.strs(*o.Tags)
		}
		optStr(e, o.ContentWarning)
	}
	e.bool(p.UTM != nil)
	if p.UTM != nil {
		e.bool(p.UTM.Off)
		for _, s := range []string{p.UTM.Source, p.UTM.Medium, p.UTM.Campaign, p.UTM.Content, p.UTM.Term} {
			e.str(s)
		}
	}
	e.bool(p.Thread != nil)
	if p.Thread != nil {
		e.str(p.Thread.Split)
		e.bool(p.Thread.Numbering)
	}
}

func decodePost(d *dec, p *content.Post) {
	p.Kind, p.ID, p.Title = d.str(), d.str(), d.str()
	p.To = d.strs()
	p.At, p.Status, p.Campaign, p.Calendar, p.Language = d.str(), d.str(), d.str(), d.str(), d.str()
	p.Tags = d.strs()
	p.ContentWarning = d.str()
	p.Media = decodeMedia(d)
	if d.bool() {
		p.Poll = &content.Poll{Options: d.strs(), Duration: d.str(), Multiple: d.bool()}
	}
	p.FirstComment = d.str()
	p.ReplyTo = d.str()
	hasOverrides := d.bool()
	if n := d.count(); hasOverrides {
		p.Overrides = make(map[string]content.Override, n)
		for range n {
			k := d.str()
			var o content.Override
			o.Text = decOptStr(d)
			if d.bool() {
				m := decodeMedia(d)
				if m == nil {
					m = []content.MediaRef{}
				}
				o.Media = &m
			}
			if d.bool() {
				t := d.strs()
				if t == nil {
					t = []string{}
				}
				o.Tags = &t
			}
			o.ContentWarning = decOptStr(d)
			p.Overrides[k] = o
		}
	}
	if d.bool() {
		p.UTM = &content.UTMSetting{Off: d.bool()}
		p.UTM.Source, p.UTM.Medium, p.UTM.Campaign, p.UTM.Content, p.UTM.Term = d.str(), d.str(), d.str(), d.str(), d.str()
	}
	if d.bool() {
		p.Thread = &content.ThreadSetting{Split: d.str(), Numbering: d.bool()}
	}
}

func encodeMedia(e *enc, ms []content.MediaRef) {
	e.uint(uint64(len(ms)))
	for _, m := range ms {
		e.str(m.Src)
		e.str(m.Alt)
		e.bool(m.Focus != nil)
		if m.Focus != nil {
			e.uint(uint64(len(*m.Focus)))
			for _, f := range *m.Focus {
				e.uint(math.Float64bits(f))
			}
		}
	}
}

func decodeMedia(d *dec) []content.MediaRef {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]content.MediaRef, n)
	for i := range out {
		out[i].Src, out[i].Alt = d.str(), d.str()
		if d.bool() {
			f := make([]float64, d.count())
			for j := range f {
				f[j] = math.Float64frombits(d.uint())
			}
			out[i].Focus = &f
		}
	}
	return out
}

func optStr(e *enc, s *string) {
	e.bool(s != nil)
	if s != nil {
		e.str(*s)
	}
}

func decOptStr(d *dec) *string {
	if !d.bool() {
		return nil
	}
	s := d.str()
	return &s
}
