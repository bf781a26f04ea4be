package binrec

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"
)

func TestRoundTripAndDamage(t *testing.T) {
	var e Encoder
	e.Uint(math.MaxUint64)
	e.Int(math.MinInt64)
	e.Int(-1)
	e.Bool(true)
	e.Bool(false)
	e.Str("")
	e.Str("héllo")
	e.Strs([]string{"a", "", "c"})
	e.Strs(nil)
	d := Decoder{S: string(e.B)}
	got := []any{d.Uint(), d.Int(), d.Int(), d.Bool(), d.Bool(), d.Str(), d.Str(), d.Strs(), d.Strs()}
	want := []any{uint64(math.MaxUint64), int64(math.MinInt64), int64(-1), true, false, "", "héllo", []string{"a", "", "c"}, []string(nil)}
	if d.Err != nil || d.S != "" || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v (err %v, %d bytes left), want %v", got, d.Err, len(d.S), want)
	}
	// Every cut of the input is refused by the end, never read past.
	for i := range len(e.B) {
		d := Decoder{S: string(e.B[:i])}
		d.Uint()
		d.Int()
		d.Int()
		d.Bool()
		d.Bool()
		d.Str()
		d.Str()
		d.Strs()
		d.Strs()
		if d.Err == nil {
			t.Fatalf("cut at %d of %d: no error", i, len(e.B))
		}
	}
	// A length beyond the input asks for no allocation.
	huge := Decoder{S: string(binary.AppendUvarint(nil, 1<<40))}
	if huge.Strs() != nil || huge.Err == nil {
		t.Fatal("a huge count was believed")
	}
}

func TestUvarintMatchesTheStandardLibrary(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 300, 1 << 35, math.MaxUint64} {
		b := binary.AppendUvarint(nil, v)
		got, k := Uvarint(string(b))
		want, wk := binary.Uvarint(b)
		if got != want || k != wk {
			t.Errorf("%d: %d,%d want %d,%d", v, got, k, want, wk)
		}
	}
	if _, k := Uvarint("\x80\x80"); k > 0 {
		t.Error("an unfinished varint decoded")
	}
}
