// Package binrec writes and reads the primitive values of clairon's
// hand-written binary caches (the plan cache, the state's record cache):
// varints, booleans and length-prefixed strings. Strings are read back as
// substrings of the input, and the first error sticks, so a decoder reads
// a whole record and checks Err once.
package binrec

import (
	"encoding/binary"
	"errors"
)

// ErrDamaged is the error of a record that does not decode.
var ErrDamaged = errors.New("binary record damaged")

// Encoder appends values to B.
type Encoder struct{ B []byte }

func (e *Encoder) Uint(v uint64) { e.B = binary.AppendUvarint(e.B, v) }
func (e *Encoder) Int(v int64)   { e.B = binary.AppendVarint(e.B, v) }
func (e *Encoder) Str(s string)  { e.Uint(uint64(len(s))); e.B = append(e.B, s...) }

func (e *Encoder) Bool(v bool) {
	if v {
		e.B = append(e.B, 1)
	} else {
		e.B = append(e.B, 0)
	}
}

func (e *Encoder) Strs(ss []string) {
	e.Uint(uint64(len(ss)))
	for _, s := range ss {
		e.Str(s)
	}
}

// Decoder reads values from S, which holds what is left to read.
type Decoder struct {
	S   string
	Err error
}

// fail records damage and stops reading.
func (d *Decoder) fail() { d.Err, d.S = ErrDamaged, "" }

func (d *Decoder) Uint() uint64 {
	v, k := Uvarint(d.S)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.S = d.S[k:]
	return v
}

func (d *Decoder) Int() int64 {
	u := d.Uint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *Decoder) Bool() bool {
	if len(d.S) == 0 {
		d.fail()
		return false
	}
	v := d.S[0]
	d.S = d.S[1:]
	return v == 1
}

// Count reads a length, bounded by what is left so that damage cannot ask
// for a huge allocation.
func (d *Decoder) Count() int {
	n := d.Uint()
	if n > uint64(len(d.S)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *Decoder) Str() string {
	n := d.Count()
	s := d.S[:n]
	d.S = d.S[n:]
	return s
}

// Strs reads what Encoder.Strs wrote; nil for none.
func (d *Decoder) Strs() []string {
	n := d.Count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.Str()
	}
	return out
}

// Uvarint decodes a uvarint at the start of s, as binary.Uvarint does for
// bytes; k <= 0 when there is none.
func Uvarint(s string) (v uint64, k int) {
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			return v | uint64(c)<<shift, i + 1
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}
