package state_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/fill"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

func TestRecordBinaryRoundTrip(t *testing.T) {
	var full state.Record
	fill.All(&full)
	zero := int64(0)
	cases := map[string]*state.Record{
		"every field": &full,
		"minimal":     {Address: state.Address{Post: "p", Account: "a"}, Status: state.Published},
		"a zero metric is not a missing one": {Address: state.Address{Post: "p", Account: "a"}, Status: state.Published,
			Metrics: []state.MetricsSnapshot{{At: time.Unix(5, 0).UTC(), Metrics: network.Metrics{Likes: &zero}, Followers: &zero}}},
		"empty extra is not nil": {Address: state.Address{Post: "p", Account: "a"}, Status: state.Published, Ref: network.Ref{ID: "1", Extra: map[string]string{}}},
	}
	for name, r := range cases {
		b, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := state.DecodeBinary(string(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("%s: round trip changed the record:\n got %#v\nwant %#v", name, got, r)
		}
		for i := range b { // a cut record is refused, never half read
			if _, err := state.DecodeBinary(string(b[:i])); err == nil {
				t.Fatalf("%s: cut at %d of %d bytes: decoded", name, i, len(b))
			}
		}
	}
}

func TestRecordBinaryRefusesTimesNotInUTC(t *testing.T) {
	r := &state.Record{Address: state.Address{Post: "p", Account: "a"}, Status: state.Published,
		PublishedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600))}
	if r.BinaryCacheable() {
		t.Fatal("a CET time is cacheable")
	}
	if _, err := r.AppendBinary(nil); err == nil {
		t.Fatal("encoded a CET time")
	}
}
