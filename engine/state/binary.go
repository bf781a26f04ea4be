package state

import (
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/binrec"
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
	e := binrec.Encoder{B: b}
	e.Str(r.Address.Post)
	e.Str(r.Address.Account)
	e.Str(string(r.Status))
	e.Str(r.Digest)
	e.Str(r.Key)
	e.Str(r.Path)
	appendRef(&e, r.Ref)
	e.Uint(uint64(len(r.Parts)))
	for _, p := range r.Parts {
		e.Int(int64(p.Index))
		e.Str(p.Key)
		appendRef(&e, p.Ref)
		appendTime(&e, p.PublishedAt)
	}
	e.Bool(r.Claim != nil)
	if c := r.Claim; c != nil {
		e.Str(c.Run)
		appendTime(&e, c.At)
		appendTime(&e, c.Expires)
		e.Str(string(c.Op))
		e.Str(c.Digest)
		e.Str(c.Key)
		e.Str(c.Path)
		e.Str(string(c.Prior))
	}
	e.Int(int64(r.Attempts))
	e.Str(r.LastError)
	appendTime(&e, r.ClaimedAt)
	appendTime(&e, r.PublishedAt)
	appendTime(&e, r.UpdatedAt)
	e.Uint(uint64(len(r.Metrics)))
	for _, m := range r.Metrics {
		appendTime(&e, m.At)
		e.Str(m.Label)
		for _, v := range metricFields(&m.Metrics) {
			appendOptInt(&e, *v)
		}
		appendOptInt(&e, m.Followers)
	}
	return e.B, nil
}

// DecodeBinary decodes what AppendBinary wrote. The strings of the record
// are substrings of s.
func DecodeBinary(s string) (*Record, error) {
	d := binrec.Decoder{S: s}
	r := &Record{}
	r.Address.Post, r.Address.Account = d.Str(), d.Str()
	r.Status = Status(d.Str())
	r.Digest, r.Key, r.Path = d.Str(), d.Str(), d.Str()
	r.Ref = readRef(&d)
	if n := d.Count(); n > 0 {
		r.Parts = make([]Part, n)
		for i := range r.Parts {
			p := &r.Parts[i]
			p.Index = int(d.Int())
			p.Key = d.Str()
			p.Ref = readRef(&d)
			p.PublishedAt = readTime(&d)
		}
	}
	if d.Bool() {
		r.Claim = &Claim{Run: d.Str(), At: readTime(&d), Expires: readTime(&d), Op: Op(d.Str()),
			Digest: d.Str(), Key: d.Str(), Path: d.Str(), Prior: Status(d.Str())}
	}
	r.Attempts = int(d.Int())
	r.LastError = d.Str()
	r.ClaimedAt, r.PublishedAt, r.UpdatedAt = readTime(&d), readTime(&d), readTime(&d)
	if n := d.Count(); n > 0 {
		r.Metrics = make([]MetricsSnapshot, n)
		for i := range r.Metrics {
			m := &r.Metrics[i]
			m.At = readTime(&d)
			m.Label = d.Str()
			for _, v := range metricFields(&m.Metrics) {
				*v = readOptInt(&d)
			}
			m.Followers = readOptInt(&d)
		}
	}
	if d.Err != nil || d.S != "" {
		return nil, binrec.ErrDamaged
	}
	return r, nil
}

// BinaryCacheable reports whether every time of r is UTC or zero, the
// times AppendBinary keeps exactly.
func (r *Record) BinaryCacheable() bool {
	kept := func(t time.Time) bool { return t.IsZero() || t.Location() == time.UTC }
	if !kept(r.ClaimedAt) || !kept(r.PublishedAt) || !kept(r.UpdatedAt) {
		return false
	}
	if r.Claim != nil && (!kept(r.Claim.At) || !kept(r.Claim.Expires)) {
		return false
	}
	for _, p := range r.Parts {
		if !kept(p.PublishedAt) {
			return false
		}
	}
	for _, m := range r.Metrics {
		if !kept(m.At) {
			return false
		}
	}
	return true
}

func metricFields(m *network.Metrics) []**int64 {
	return []**int64{&m.Impressions, &m.Reach, &m.Likes, &m.Reposts, &m.Replies, &m.Quotes, &m.Bookmarks, &m.Clicks}
}

// appendTime writes a UTC or zero time.
func appendTime(e *binrec.Encoder, t time.Time) {
	e.Bool(!t.IsZero())
	if !t.IsZero() {
		e.Int(t.Unix())
		e.Uint(uint64(t.Nanosecond()))
	}
}

func readTime(d *binrec.Decoder) time.Time {
	if !d.Bool() {
		return time.Time{}
	}
	sec := d.Int()
	return time.Unix(sec, int64(d.Uint())).UTC()
}

func appendOptInt(e *binrec.Encoder, v *int64) {
	e.Bool(v != nil)
	if v != nil {
		e.Int(*v)
	}
}

func readOptInt(d *binrec.Decoder) *int64 {
	if !d.Bool() {
		return nil
	}
	v := d.Int()
	return &v
}

func appendRef(e *binrec.Encoder, r network.Ref) {
	e.Str(r.ID)
	e.Str(r.URL)
	e.Bool(r.Extra != nil)
	keys := slices.Sorted(maps.Keys(r.Extra))
	e.Uint(uint64(len(keys)))
	for _, k := range keys {
		e.Str(k)
		e.Str(r.Extra[k])
	}
}

func readRef(d *binrec.Decoder) network.Ref {
	r := network.Ref{ID: d.Str(), URL: d.Str()}
	hasExtra := d.Bool()
	n := d.Count()
	if hasExtra {
		r.Extra = make(map[string]string, n)
		for range n {
			k := d.Str()
			r.Extra[k] = d.Str()
		}
	}
	return r
}
