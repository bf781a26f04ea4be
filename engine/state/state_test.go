package state_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    state.Address
		wantErr string
	}{
		{in: "posts/launch@brand-mastodon", want: state.Address{Post: "posts/launch", Account: "brand-mastodon"}},
		{in: "posts/@me@example.org@acc", want: state.Address{Post: "posts/@me@example.org", Account: "acc"}},
		{in: "été@compte", want: state.Address{Post: "été", Account: "compte"}},
		{in: "no-at", wantErr: "missing '@'"},
		{in: "@acc", wantErr: "empty post id"},
		{in: "post@", wantErr: "empty account"},
		{in: "post@my acc", wantErr: "contains a space"},
		{in: "po\nst@acc", wantErr: "control character"},
		{in: "post\xff@acc", wantErr: "invalid UTF-8"},
		{in: strings.Repeat("p", 1025) + "@acc", wantErr: "longer than"},
	}
	for _, tt := range tests {
		got, err := state.ParseAddress(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAddress(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
}

func TestAddressJSON(t *testing.T) {
	a := state.Address{Post: "posts/a@b", Account: "acc"}
	b, err := json.Marshal(map[state.Address]int{a: 1})
	if err != nil || string(b) != `{"posts/a@b@acc":1}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var back map[state.Address]int
	if err := json.Unmarshal(b, &back); err != nil || back[a] != 1 {
		t.Fatalf("unmarshal = %v, %v", back, err)
	}
	if _, err := json.Marshal(state.Address{Post: "x"}); err == nil {
		t.Error("an address without account was marshaled")
	}
}

func TestRecordPath(t *testing.T) {
	tests := []struct {
		addr state.Address
		want string
	}{
		{state.Address{Post: "posts/launch", Account: "brand-mastodon"}, "records/da/da5/posts%2Flaunch@brand-mastodon.json"},
		{state.Address{Post: ".hidden", Account: "a"}, "records/b4/b40/%2Ehidden@a.json"},
		{state.Address{Post: "été 2026", Account: "a"}, "records/33/331/%C3%A9t%C3%A9%202026@a.json"},
	}
	for _, tt := range tests {
		if got := state.RecordPath(tt.addr); got != tt.want {
			t.Errorf("RecordPath(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
	long1 := state.RecordPath(state.Address{Post: strings.Repeat("x", 300) + "1", Account: "a"})
	long2 := state.RecordPath(state.Address{Post: strings.Repeat("x", 300) + "2", Account: "a"})
	name := long1[strings.LastIndexByte(long1, '/')+1:]
	if len(name) > 205 || long1 == long2 || !strings.Contains(name, "~") {
		t.Errorf("long ids: %q and %q; want distinct names of at most 205 bytes", long1, long2)
	}
}

func TestCheckFilePath(t *testing.T) {
	ok := []string{"reports/2026-11.md", "contests/noel/draw.json", "README.md", "records.md", "recordsx/a", ".gitattributes", "a/..b/c"}
	bad := []string{"", "state.json", "records", "records/aa/x.json", "/abs", "a//b", "a/", "./a", "a/../b", "..", ".git/config", "a/.Git", `a\b`, "a\x00b", "a\nb"}
	for _, p := range ok {
		if err := state.CheckFilePath(p); err != nil {
			t.Errorf("CheckFilePath(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range bad {
		if err := state.CheckFilePath(p); err == nil {
			t.Errorf("CheckFilePath(%q) = nil, want an error", p)
		}
	}
}

func TestMessageText(t *testing.T) {
	m := state.Message{Subject: "claim 3 posts for run r1", Body: "Due at 09:00.\n", Run: "r1"}
	got := m.Text("lin", 12)
	want := "clairon: claim 3 posts for run r1\n\nDue at 09:00.\n\nClairon-Serial: 12\nClairon-Lineage: lin\nClairon-Run: r1\n"
	if got != want {
		t.Errorf("Text =\n%s\nwant\n%s", got, want)
	}
	tr := state.Trailers(got)
	if tr[state.TrailerSerial] != "12" || tr[state.TrailerLineage] != "lin" || tr[state.TrailerRun] != "r1" || len(tr) != 3 {
		t.Errorf("Trailers = %v", tr)
	}
	if got := (state.Message{}).Text("lin", 1); got != "clairon: update state\n\nClairon-Serial: 1\nClairon-Lineage: lin\n" {
		t.Errorf("empty message text = %q", got)
	}
	if tr := state.Trailers("clairon: x\n\nnot a trailer paragraph\n"); len(tr) != 0 {
		t.Errorf("Trailers of a message without trailers = %v", tr)
	}
}

func TestNewLineage(t *testing.T) {
	a, err := state.NewLineage(statetest.Seeded(9))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := state.NewLineage(statetest.Seeded(9))
	c, _ := state.NewLineage(nil)
	if a != b || a == c || len(a) != 36 || a[14] != '4' {
		t.Errorf("lineages %q %q %q", a, b, c)
	}
	if _, err := state.NewLineage(bytes.NewReader([]byte("short"))); err == nil {
		t.Error("a short reader gave a lineage")
	}
}

// TestCloneIsDeep sets every field of a record through reflection, so a field
// added later without being cloned makes it fail.
func TestCloneIsDeep(t *testing.T) {
	r := statetest.Records(1, 1)[0]
	r.Ref.Extra = map[string]string{"cid": "x"}
	r.Parts[0].Ref.Extra = map[string]string{"cid": "y"}
	r.Claim = &state.Claim{Run: "r"}
	var m network.Metrics
	mv := reflect.ValueOf(&m).Elem()
	for i := range mv.NumField() {
		v := int64(i)
		mv.Field(i).Set(reflect.ValueOf(&v))
	}
	f := int64(1)
	r.Metrics = []state.MetricsSnapshot{{Metrics: m, Followers: &f}}

	c := r.Clone()
	if !reflect.DeepEqual(c, r) {
		t.Fatal("clone differs")
	}
	c.Ref.Extra["cid"] = "changed"
	c.Parts[0].Ref.Extra["cid"] = "changed"
	c.Claim.Run = "changed"
	*c.Metrics[0].Followers = 99
	cm := reflect.ValueOf(&c.Metrics[0].Metrics).Elem()
	for i := range cm.NumField() {
		*(cm.Field(i).Interface().(*int64)) = 99
	}
	if r.Ref.Extra["cid"] != "x" || r.Parts[0].Ref.Extra["cid"] != "y" || r.Claim.Run != "r" || f != 1 {
		t.Error("changing the clone changed the original")
	}
	for i := range mv.NumField() {
		if got := *(reflect.ValueOf(r.Metrics[0].Metrics).Field(i).Interface().(*int64)); got != int64(i) {
			t.Errorf("metrics field %s shared with the clone", mv.Type().Field(i).Name)
		}
	}
}

func TestRecordCodec(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	r := &state.Record{
		Address: state.Address{Post: "posts/a", Account: "acc"}, Status: state.Published,
		PublishedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, paris),
		Ref:         network.Ref{ID: "1", Extra: map[string]string{"b": "2", "a": "1"}},
	}
	b, err := state.EncodeRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "address": "posts/a@acc",
  "status": "published",
  "ref": {
    "id": "1",
    "extra": {
      "a": "1",
      "b": "2"
    }
  },
  "published_at": "2026-11-23T09:00:00Z"
}
`
	if string(b) != want {
		t.Errorf("encoded:\n%s\nwant\n%s", b, want)
	}
	if r.PublishedAt.Location() != paris {
		t.Error("encoding changed the record")
	}
	back, err := state.DecodeRecord(b)
	if err != nil || !back.PublishedAt.Equal(r.PublishedAt) || back.Address != r.Address {
		t.Errorf("decode = %+v, %v", back, err)
	}
	bad := []string{
		`{"address":"a@b","status":"bogus"}`,
		`{"address":"no-account","status":"published"}`,
		`{"address":"a@b","status":"claimed"}`,
		`{"address":"a@b","status":"published","parts":[{"index":1,"ref":{"id":"x"}}]}`,
		`{"address":"a@b","status":"claimed","claim":{"run":"r","op":"publish","at":"2026-01-02T00:00:00Z","expires":"2026-01-01T00:00:00Z"}}`,
		`not json`,
	}
	for _, s := range bad {
		if _, err := state.DecodeRecord([]byte(s)); err == nil {
			t.Errorf("DecodeRecord(%s) accepted", s)
		}
	}
}

func TestMeta(t *testing.T) {
	b := state.EncodeMeta("lin", 3)
	m, err := state.DecodeMeta(b)
	if err != nil || m.Lineage != "lin" || m.Serial != 3 || m.Format != state.Format {
		t.Fatalf("meta round trip = %+v, %v", m, err)
	}
	for _, s := range []string{`{"format":2,"lineage":"l","serial":1}`, `{"lineage":"l","serial":1}`, `{"format":1,"serial":1}`, `{"format":1,"lineage":"l"}`, `x`} {
		if _, err := state.DecodeMeta([]byte(s)); err == nil {
			t.Errorf("DecodeMeta(%s) accepted", s)
		}
	}
}

func TestHolderRules(t *testing.T) {
	clock := statetest.NewClock(statetest.Epoch)
	h := state.Holder{Run: "r1", Lease: time.Minute, Now: clock.Now, Redact: func(s string) string {
		return strings.ReplaceAll(s, "s3cr3t", "***")
	}}
	a := state.Address{Post: "p", Account: "acc"}
	st := state.New()
	st.Records[a] = &state.Record{Address: a, Status: state.Published, Ref: network.Ref{ID: "1"}, Parts: []state.Part{{Ref: network.Ref{ID: "1"}}}}

	bad := []struct {
		name    string
		h       state.Holder
		intents []state.Intent
	}{
		{"no run", state.Holder{Lease: time.Minute, Now: clock.Now}, []state.Intent{{Address: a, Op: state.OpUpdate, Key: "k"}}},
		{"no lease", state.Holder{Run: "r", Now: clock.Now}, []state.Intent{{Address: a, Op: state.OpUpdate, Key: "k"}}},
		{"no clock", state.Holder{Run: "r", Lease: time.Minute}, []state.Intent{{Address: a, Op: state.OpUpdate, Key: "k"}}},
		{"run with space", state.Holder{Run: "r 1", Lease: time.Minute, Now: clock.Now}, []state.Intent{{Address: a, Op: state.OpUpdate, Key: "k"}}},
		{"twice", h, []state.Intent{{Address: a, Op: state.OpUpdate, Key: "k"}, {Address: a, Op: state.OpUpdate, Key: "k"}}},
		{"no key", h, []state.Intent{{Address: a, Op: state.OpUpdate}}},
		{"bad op", h, []state.Intent{{Address: a, Op: "edit", Key: "k"}}},
		{"publish published", h, []state.Intent{{Address: a, Op: state.OpPublish, Key: "k"}}},
		{"update new", h, []state.Intent{{Address: state.Address{Post: "q", Account: "acc"}, Op: state.OpUpdate, Key: "k"}}},
	}
	for _, tt := range bad {
		if _, _, err := tt.h.Claim(st, tt.intents); err == nil {
			t.Errorf("%s: claim accepted", tt.name)
		}
	}

	cs, _, err := h.Claim(st, []state.Intent{{Address: a, Op: state.OpUpdate, Key: "k"}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records[a].Status != state.Published {
		t.Error("Claim changed the state it was given")
	}
	st.Apply(cs)
	long := "HTTP 401: token s3cr3t rejected\n" + strings.Repeat("é", 600)
	res := state.NewChangeset(state.Message{})
	if err := h.Failed(st, res, a, long); err != nil {
		t.Fatal(err)
	}
	r, _, _ := res.Lookup(a)
	if strings.Contains(r.LastError, "s3cr3t") || strings.Contains(r.LastError, "\n") || len(r.LastError) > 1000 || !strings.HasSuffix(r.LastError, "…") {
		t.Errorf("last error %q", r.LastError)
	}
	if r.Status != state.Published {
		t.Errorf("a failed update left status %s, want published (the old post is still there)", r.Status)
	}
	if err := h.ClearParts(st, state.NewChangeset(state.Message{}), a); err == nil {
		t.Error("an update claim cleared parts")
	}
	other := state.Holder{Run: "r2", Lease: time.Minute, Now: clock.Now}
	for name, f := range map[string]func() error{
		"part":        func() error { return other.SetPart(st, res, a, state.Part{Ref: network.Ref{ID: "2"}}) },
		"published":   func() error { return other.Published(st, res, a) },
		"failed":      func() error { return other.Failed(st, res, a, "x") },
		"unconfirmed": func() error { return other.Unconfirmed(st, res, a, "x") },
		"deleted":     func() error { return other.Deleted(st, res, a) },
		"release":     func() error { return other.Release(st, res, a) },
		"renew":       func() error { _, err := other.Renew(st, []state.Address{a}); return err },
	} {
		if err := f(); !errors.Is(err, state.ErrNotHolder) {
			t.Errorf("%s by a non-holder: %v, want ErrNotHolder", name, err)
		}
	}
	// A new post with a part out cannot be released.
	n := state.Address{Post: "n", Account: "acc"}
	cs, _, _ = h.Claim(st, []state.Intent{{Address: n, Op: state.OpPublish, Key: "kn"}})
	st.Apply(cs)
	res = state.NewChangeset(state.Message{})
	if err := h.SetPart(st, res, n, state.Part{Ref: network.Ref{ID: "9"}}); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(st, res, n); err == nil {
		t.Error("released a new post with a published part")
	}
	if err := h.Unconfirmed(st, res, n, "timeout"); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := res.Lookup(n); r.Status != state.Unconfirmed || r.Key != "kn" || len(r.Parts) != 1 {
		t.Errorf("unconfirmed: %+v", r)
	}
}

func TestTakeOverAndRebase(t *testing.T) {
	clock := statetest.NewClock(statetest.Epoch)
	h1 := state.Holder{Run: "r1", Lease: time.Minute, Now: clock.Now}
	h2 := state.Holder{Run: "r2", Lease: time.Minute, Now: clock.Now}
	a, b := state.Address{Post: "a", Account: "acc"}, state.Address{Post: "b", Account: "acc"}
	st := state.New()
	cs, _, err := h1.Claim(st, []state.Intent{{Address: a, Op: state.OpPublish, Key: "ka"}, {Address: b, Op: state.OpPublish, Key: "kb"}})
	if err != nil {
		t.Fatal(err)
	}
	st.Apply(cs)

	// A live claim of another run is left alone.
	cs, rep, err := h2.TakeOver(st, []state.Address{a, b, a})
	if err != nil || cs != nil || len(rep.Held) != 2 || len(rep.Claimed) != 0 {
		t.Fatalf("take over live claims: %v, %+v, %v", cs, rep, err)
	}
	if _, err := h1.Renew(st, nil); err == nil {
		t.Error("renewing nothing was accepted")
	}

	// run-1 releases a and writes a report, while run-2 takes b over.
	batch := state.NewChangeset(state.Message{Subject: "results"})
	if err := h1.Release(st, batch, a); err != nil {
		t.Fatal(err)
	}
	batch.PutFile("reports/r1.md", []byte("r1"))
	if err := h1.Failed(st, batch, b, "boom"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	moved := st.Clone()
	cs, rep, err = h2.TakeOver(moved, []state.Address{b})
	if err != nil || len(rep.Claimed) != 1 {
		t.Fatalf("take over: %+v, %v", rep, err)
	}
	moved.Apply(cs)

	rebased, lost := h1.Rebase(batch, moved)
	if len(lost) != 1 || lost[0] != b {
		t.Errorf("lost %v, want [b]", lost)
	}
	if _, removed, ok := rebased.Lookup(a); !ok || !removed {
		t.Error("the release of a was not kept")
	}
	if fs := rebased.Files(); len(fs) != 1 || fs[0].Path != "reports/r1.md" {
		t.Errorf("files %v", fs)
	}
	if _, _, ok := rebased.Lookup(b); ok {
		t.Error("the result on b, now held by run-2, was kept")
	}
	// Nothing left: nil.
	only := state.NewChangeset(state.Message{})
	_ = h1.Failed(st, only, b, "x")
	if cs, lost := h1.Rebase(only, moved); cs != nil || len(lost) != 1 {
		t.Errorf("rebase of lost results only: %v, %v", cs, lost)
	}
}
