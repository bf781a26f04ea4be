package state

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// AppendBinary appends a compact binary form of r, for caches of decoded
// records (the stored form stays the JSON of EncodeRecord). Times must be
// UTC or zero, as DecodeRecord returns them: BinaryCacheable says so.
// TestRecordBinaryRoundTrip fails when a field added to Record is not
// encoded here.
func (r *Record) AppendBinary(b []byte) ([]byte, error) {
	if !r.BinaryCacheable() {
		return nil, errors.New("record has a time that is not UTC")
	}
	e := binEnc{b}
	e.str(r.Address.Post)
	e.str(r.Address.Account)
	e.str(string(r.Status))
	e.str(r.Digest)
	e.str(r.Key)
	e.str(r.Path)
	e.ref(r.Ref)
	e.uint(uint64(len(r.Parts)))
	for _, p := range r.Parts {
		e.int(int64(p.Index))
		e.str(p.Key)
		e.ref(p.Ref)
		e.time(p.PublishedAt)
	}
	e.bool(r.Claim != nil)
	if c := r.Claim; c != nil {
		e.str(c.Run)
		e.time(c.At)
		e.time(c.Expires)
		e.str(string(c.Op))
		e.str(c.Digest)
		e.str(c.Key)
		e.str(c.Path)
		e.str(string(c.Prior))
	}
	e.int(int64(r.Attempts))
	e.str(r.LastError)
	e.time(r.ClaimedAt)
	e.time(r.PublishedAt)
	e.time(r.UpdatedAt)
	e.uint(uint64(len(r.Metrics)))
	for _, m := range r.Metrics {
		e.time(m.At)
		e.str(m.Label)
		for _, v := range metricFields(&m.Metrics) {
			e.optInt(*v)
		}
		e.optInt(m.Followers)
	}
	return e.b, nil
}

// DecodeBinary decodes what AppendBinary wrote. The strings of the record
// are substrings of s.
func DecodeBinary(s string) (*Record, error) {
	d := binDec{s: s}
	r := &Record{}
	r.Address.Post, r.Address.Account = d.str(), d.str()
	r.Status = Status(d.str())
	r.Digest, r.Key, r.Path = d.str(), d.str(), d.str()
	r.Ref = d.ref()
	if n := d.count(); n > 0 {
		r.Parts = make([]Part, n)
		for i := range r.Parts {
			p := &r.Parts[i]
			p.Index = int(d.int())
			p.Key = d.str()
			p.Ref = d.ref()
			p.PublishedAt = d.time()
		}
	}
	if d.bool() {
		r.Claim = &Claim{Run: d.str(), At: d.time(), Expires: d.time(), Op: Op(d.str()),
			Digest: d.str(), Key: d.str(), Path: d.str(), Prior: Status(d.str())}
	}
	r.Attempts = int(d.int())
	r.LastError = d.str()
	r.ClaimedAt, r.PublishedAt, r.UpdatedAt = d.time(), d.time(), d.time()
	if n := d.count(); n > 0 {
		r.Metrics = make([]MetricsSnapshot, n)
		for i := range r.Metrics {
			m := &r.Metrics[i]
			m.At = d.time()
			m.Label = d.str()
			for _, v := range metricFields(&m.Metrics) {
				*v = d.optInt()
			}
			m.Followers = d.optInt()
		}
	}
	if d.err != nil || d.s != "" {
		return nil, errors.New("binary record damaged")
	}
	return r, nil
}

// BinaryCacheable reports whether every time of r is UTC or zero, the
// times AppendBinary keeps exactly.
func (r *Record) BinaryCacheable() bool {
	times := []time.Time{r.ClaimedAt, r.PublishedAt, r.UpdatedAt}
	for _, p := range r.Parts {
		times = append(times, p.PublishedAt)
	}
	if r.Claim != nil {
		times = append(times, r.Claim.At, r.Claim.Expires)
	}
	for _, m := range r.Metrics {
		times = append(times, m.At)
	}
	return !slices.ContainsFunc(times, func(t time.Time) bool { return !t.IsZero() && t.Location() != time.UTC })
}

func metricFields(m *network.Metrics) []**int64 {
	return []**int64{&m.Impressions, &m.Reach, &m.Likes, &m.Reposts, &m.Replies, &m.Quotes, &m.Bookmarks, &m.Clicks}
}

type binEnc struct{ b []byte }

func (e *binEnc) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *binEnc) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *binEnc) str(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *binEnc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *binEnc) time(t time.Time) {
	e.bool(!t.IsZero())
	if !t.IsZero() {
		e.int(t.Unix())
		e.uint(uint64(t.Nanosecond()))
	}
}

func (e *binEnc) optInt(v *int64) {
	e.bool(v != nil)
	if v != nil {
		e.int(*v)
	}
}

func (e *binEnc) ref(r network.Ref) {
	e.str(r.ID)
	e.str(r.URL)
	e.bool(r.Extra != nil)
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uint(uint64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(r.Extra[k])
	}
}

type binDec struct {
	s   string
	err error
}

var errBinary = errors.New("damaged")

func (d *binDec) uint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			d.s = d.s[i+1:]
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.err, d.s = errBinary, ""
	return 0
}

func (d *binDec) int() int64 {
	u := d.uint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *binDec) count() int {
	n := d.uint()
	if n > uint64(len(d.s)) { // damage must not ask for a huge allocation
		d.err, d.s = errBinary, ""
		return 0
	}
	return int(n)
}

func (d *binDec) str() string {
	n := d.count()
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *binDec) bool() bool {
	if len(d.s) == 0 {
		d.err = errBinary
		return false
	}
	v := d.s[0]
	d.s = d.s[1:]
	return v == 1
}

func (d *binDec) time() time.Time {
	if !d.bool() {
		return time.Time{}
	}
	sec := d.int()
	return time.Unix(sec, int64(d.uint())).UTC()
}

func (d *binDec) optInt() *int64 {
	if !d.bool() {
		return nil
	}
	v := d.int()
	return &v
}

func (d *binDec) ref() network.Ref {
	r := network.Ref{ID: d.str(), URL: d.str()}
	hasExtra := d.bool()
	n := d.count()
	if hasExtra {
		r.Extra = make(map[string]string, n)
		for range n {
			k := d.str()
			r.Extra[k] = d.str()
		}
	}
	return r
}
