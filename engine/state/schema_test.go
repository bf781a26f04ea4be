package state_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/schema"
)

// The record files on the state branch match schema/state.schema.json.
func TestRecordsMatchTheirSchema(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	likes := int64(12)
	followers := int64(830)
	for _, r := range []*state.Record{
		{Address: state.Address{Post: "noel/coffrets", Account: "m"}, Status: state.Published, Digest: "d", Key: "k", Path: "posts/a.md",
			Ref:   network.Ref{ID: "1", URL: "https://piaille.fr/@b/1", Extra: map[string]string{"cid": "x"}},
			Parts: []state.Part{{Index: 0, Key: "k", Ref: network.Ref{ID: "1"}, PublishedAt: at}}, PublishedAt: at, UpdatedAt: at,
			Metrics: []state.MetricsSnapshot{{At: at, Label: "24h", Metrics: network.Metrics{Likes: &likes}, Followers: &followers}}},
		{Address: state.Address{Post: "b", Account: "x"}, Status: state.Claimed, Attempts: 1, ClaimedAt: at,
			Claim: &state.Claim{Run: "r", At: at, Expires: at.Add(15 * time.Minute), Op: state.OpPublish, Digest: "d", Key: "k"}},
		{Address: state.Address{Post: "c", Account: "x"}, Status: state.Unconfirmed, LastError: "x: publish: HTTP 502"},
	} {
		b, err := state.EncodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if vs, err := schema.Validate(schema.State, doc); err != nil || len(vs) > 0 {
			t.Errorf("%s: %v %+v\n%s", r.Address, err, vs, b)
		}
	}
}
