package bluesky_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/bluesky"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/blueskyfake"
)

// at is the posts' creation time in these tests.
var at = time.Date(2026, time.March, 2, 9, 30, 0, 123_000_000, time.UTC)

// start returns a fake with a second account, alice.test, and an adapter
// on it.
func start(t *testing.T, opts ...blueskyfake.Option) (*blueskyfake.Server, *bluesky.Adapter) {
	t.Helper()
	f := blueskyfake.New(opts...)
	t.Cleanup(f.Close)
	f.AddAccount("alice.test", "alice-password")
	a, err := bluesky.New(f.Config())
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	return f, a.(*bluesky.Adapter)
}

// key returns a 64-character hex idempotency key for a label.
func key(label string) string {
	return strings.Repeat("0", 64-len(label)) + label
}

// checkGolden compares got with testdata/name, rewriting it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

// indent re-indents JSON for golden files.
func indent(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		t.Fatalf("indent %s: %v", raw, err)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// calls lists the XRPC methods the fake received, in order.
func calls(f *blueskyfake.Server) []string {
	var out []string
	for _, r := range f.Requests() {
		out = append(out, r.Method+" "+r.NSID)
	}
	return out
}

// only returns the requests of one method.
func only(f *blueskyfake.Server, nsid string) []blueskyfake.Request {
	var out []blueskyfake.Request
	for _, r := range f.Requests() {
		if r.NSID == nsid {
			out = append(out, r)
		}
	}
	return out
}

func TestPublishRequestShapes(t *testing.T) {
	f, a := start(t)
	text := "Café ☕ with @alice.test: #fête and $ACME → https://example.com/été"
	idx := func(s string) (int, int) {
		i := strings.Index(text, s)
		return i, i + len(s)
	}
	ms, me := idx("@alice.test")
	hs, he := idx("#fête")
	cs, ce := idx("$ACME")
	ls, le := idx("https://example.com/été")
	img1 := networktest.Image([]string{"image/png"}, 1, "A green square")
	img2 := networktest.Image([]string{"image/jpeg"}, 2, "")
	img2.Width, img2.Height = 0, 0 // no aspect ratio when the size is unknown
	p := &network.Post{
		Key:      key("a1"),
		Text:     text,
		Language: "fr",
		Entities: []network.Entity{ // out of order on purpose: facets come sorted
			{Kind: network.EntityLink, Start: ls, End: le, Value: "https://example.com/%C3%A9t%C3%A9"},
			{Kind: network.EntityMention, Start: ms, End: me, Value: "alice.test"},
			{Kind: network.EntityHashtag, Start: hs, End: he, Value: "fête"},
			{Kind: network.EntityCashtag, Start: cs, End: ce, Value: "ACME"},
		},
		Media:     []network.Media{img1, img2},
		CreatedAt: at,
	}
	ref, err := a.Publish(t.Context(), p)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}

	want := []string{
		"POST com.atproto.server.createSession",
		"GET com.atproto.identity.resolveHandle",
		"POST com.atproto.repo.uploadBlob",
		"POST com.atproto.repo.uploadBlob",
		"POST com.atproto.repo.createRecord",
	}
	if got := calls(f); !slices.Equal(got, want) {
		t.Fatalf("calls:\n%q\nwant:\n%q", got, want)
	}
	reqs := f.Requests()
	if got := string(reqs[0].Body); got != `{"identifier":"clairon.test","password":"`+blueskyfake.Password+`"}` {
		t.Errorf("createSession body %s", got)
	}
	if h := reqs[0].Header.Get("Authorization"); h != "" {
		t.Errorf("createSession sent Authorization %q", h)
	}
	if got := reqs[1].Query.Get("handle"); got != "alice.test" {
		t.Errorf("resolveHandle handle=%q", got)
	}
	for i, m := range []network.Media{img1, img2} {
		r := reqs[2+i]
		if ct := r.Header.Get("Content-Type"); ct != m.MIME {
			t.Errorf("upload %d Content-Type %q, want %q", i, ct, m.MIME)
		}
		if !bytes.Equal(r.Body, m.Data) {
			t.Errorf("upload %d body is not the image's bytes", i)
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer fake-access.") {
			t.Errorf("upload %d Authorization %q", i, r.Header.Get("Authorization"))
		}
	}
	create := reqs[4]
	if ct := create.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("createRecord Content-Type %q", ct)
	}
	checkGolden(t, "create_record.json", indent(t, create.Body))

	rkey := bluesky.RecordKey(p.Key)
	wantURI := "at://" + f.DID() + "/app.bsky.feed.post/" + rkey
	if ref.ID != wantURI {
		t.Errorf("Ref.ID %q, want %q", ref.ID, wantURI)
	}
	if want := "https://bsky.app/profile/clairon.test/post/" + rkey; ref.URL != want {
		t.Errorf("Ref.URL %q, want %q", ref.URL, want)
	}
	if !strings.HasPrefix(ref.Extra["cid"], "bafyrei") {
		t.Errorf("Ref.Extra[cid] %q", ref.Extra["cid"])
	}

	// The facets' byte offsets, computed here independently of the adapter.
	var body struct {
		Rkey   string `json:"rkey"`
		Record struct {
			Facets []struct {
				Index struct{ ByteStart, ByteEnd int }
			}
		}
	}
	if err := json.Unmarshal(create.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Rkey != rkey {
		t.Errorf("rkey %q, want %q", body.Rkey, rkey)
	}
	var spans [][2]int
	for _, fc := range body.Record.Facets {
		spans = append(spans, [2]int{fc.Index.ByteStart, fc.Index.ByteEnd})
	}
	if want := [][2]int{{ms, me}, {hs, he}, {cs, ce}, {ls, le}}; !slices.Equal(spans, want) {
		t.Errorf("facet spans %v, want %v", spans, want)
	}
	if got := text[hs:he]; got != "#fête" {
		t.Errorf("the hashtag span covers %q", got)
	}
}

func TestThread(t *testing.T) {
	f, a := start(t)
	var refs []network.Ref
	for i := range 3 {
		p := &network.Post{Key: key("t" + string(rune('0'+i))), Text: "part " + string(rune('1'+i)), CreatedAt: at}
		if i > 0 {
			p.ReplyTo, p.Root = &refs[i-1], &refs[0]
		}
		ref, err := a.Publish(t.Context(), p)
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		refs = append(refs, ref)
	}
	if n := len(only(f, "com.atproto.repo.getRecord")); n != 0 {
		t.Errorf("%d getRecord calls: the CIDs in Ref.Extra should have been used", n)
	}
	raw, ok := f.Record(refs[2].ID)
	if !ok {
		t.Fatal("third part not stored")
	}
	var rec struct {
		Reply struct{ Root, Parent struct{ URI, CID string } }
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Reply.Root.URI != refs[0].ID || rec.Reply.Root.CID != refs[0].Extra["cid"] {
		t.Errorf("root %+v, want %s %s", rec.Reply.Root, refs[0].ID, refs[0].Extra["cid"])
	}
	if rec.Reply.Parent.URI != refs[1].ID || rec.Reply.Parent.CID != refs[1].Extra["cid"] {
		t.Errorf("parent %+v, want %s %s", rec.Reply.Parent, refs[1].ID, refs[1].Extra["cid"])
	}
}

func TestReplyReadsMissingCIDAndRoot(t *testing.T) {
	f, a := start(t)
	root, err := a.Publish(t.Context(), &network.Post{Key: key("r1"), Text: "root", CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	mid, err := f.Reply(root.ID, "alice.test", "a reply by alice", at)
	if err != nil {
		t.Fatal(err)
	}
	// A reply to alice's reply, named by its web address, with no CID and
	// no root: both come from reading alice's record back.
	rkey := mid[strings.LastIndex(mid, "/")+1:]
	parent := network.Ref{ID: "https://bsky.app/profile/alice.test/post/" + rkey}
	ref, err := a.Publish(t.Context(), &network.Post{Key: key("r2"), Text: "answer", ReplyTo: &parent, CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := f.Record(ref.ID)
	var rec struct {
		Reply struct{ Root, Parent struct{ URI, CID string } }
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Reply.Root.URI != root.ID || rec.Reply.Root.CID != root.Extra["cid"] {
		t.Errorf("root %+v, want the thread's root %s", rec.Reply.Root, root.ID)
	}
	if rec.Reply.Parent.URI != mid || rec.Reply.Parent.CID == "" {
		t.Errorf("parent %+v, want %s with its CID", rec.Reply.Parent, mid)
	}
	if n := len(only(f, "com.atproto.repo.getRecord")); n != 1 {
		t.Errorf("%d getRecord calls, want 1", n)
	}
}

func TestDuplicateCreateReconciles(t *testing.T) {
	f, a := start(t)
	p := &network.Post{Key: key("d1"), Text: "once", CreatedAt: at}
	first, err := a.Publish(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.Publish(t.Context(), p)
	if err != nil {
		t.Fatalf("second publish with the same key: %v", err)
	}
	if again.ID != first.ID || again.Extra["cid"] != first.Extra["cid"] {
		t.Errorf("second publish %+v, want %+v", again, first)
	}
	if n := f.Writes(); n != 1 {
		t.Errorf("%d writes, want 1", n)
	}
	got := calls(f)
	if tail := got[len(got)-2:]; !slices.Equal(tail, []string{"POST com.atproto.repo.createRecord", "GET com.atproto.repo.getRecord"}) {
		t.Errorf("calls end with %q: the failed create must be reconciled by getRecord", tail)
	}
}

func TestFailedCreateProvenAbsent(t *testing.T) {
	f, a := start(t)
	f.Inject(networktest.FailBefore)
	_, err := a.Publish(t.Context(), &network.Post{Key: key("f1"), Text: "lost?", CreatedAt: at})
	var ne *network.Error
	if !errors.As(err, &ne) {
		t.Fatalf("error %v is not a *network.Error", err)
	}
	if ne.Class != network.Retryable || ne.Status != 500 || ne.MaybeWritten {
		t.Errorf("error %+v: want retryable, HTTP 500, not MaybeWritten (getRecord proved it absent)", ne)
	}
}

func TestExpiredTokenRefreshes(t *testing.T) {
	f, a := start(t)
	if _, err := a.Publish(t.Context(), &network.Post{Key: key("e1"), Text: "one", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	f.ExpireAccessTokens()
	if _, err := a.Publish(t.Context(), &network.Post{Key: key("e2"), Text: "two", CreatedAt: at}); err != nil {
		t.Fatalf("publish with an expired access token: %v", err)
	}
	refresh := only(f, "com.atproto.server.refreshSession")
	if len(refresh) != 1 || !strings.HasPrefix(refresh[0].Header.Get("Authorization"), "Bearer fake-refresh.") {
		t.Fatalf("refreshSession calls %+v, want one with the refresh token", refresh)
	}
	creates := only(f, "com.atproto.repo.createRecord")
	if len(creates) != 3 || creates[1].Header.Get("Authorization") == creates[2].Header.Get("Authorization") {
		t.Errorf("want the refused create sent again with the new access token")
	}

	// Both tokens expired: a new session with the password.
	f.ExpireAccessTokens()
	f.ExpireRefreshTokens()
	if _, err := a.Publish(t.Context(), &network.Post{Key: key("e3"), Text: "three", CreatedAt: at}); err != nil {
		t.Fatalf("publish with both tokens expired: %v", err)
	}
	if n := len(only(f, "com.atproto.server.createSession")); n != 2 {
		t.Errorf("%d createSession calls, want 2", n)
	}
	if n := f.Writes(); n != 3 {
		t.Errorf("%d writes, want 3", n)
	}
}

func TestWrongPassword(t *testing.T) {
	f, _ := start(t)
	cfg := f.Config()
	cfg.Secrets = map[string]string{"password": "zzzz-wrong-pass-zzzz"}
	a, err := bluesky.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Publish(t.Context(), &network.Post{Key: key("w1"), Text: "x", CreatedAt: at})
	if network.ClassOf(err) != network.Auth {
		t.Fatalf("error %v: want an auth error", err)
	}
	if strings.Contains(err.Error(), "zzzz-wrong-pass-zzzz") {
		t.Errorf("error text %q carries the password", err)
	}
	if n := f.Writes(); n != 0 {
		t.Errorf("%d writes", n)
	}
}

func TestRefused(t *testing.T) {
	f, a := start(t)
	img := networktest.Image(nil, 1, "alt")
	video := img
	video.MIME = "video/mp4"
	tests := []struct {
		name  string
		post  network.Post
		unsup bool
	}{
		{"no key", network.Post{Text: "x"}, false},
		{"poll", network.Post{Key: key("p"), Text: "x", Poll: &network.Poll{Options: []string{"a", "b"}}}, true},
		{"five images", network.Post{Key: key("i"), Text: "x", Media: []network.Media{img, img, img, img, img}}, false},
		{"video", network.Post{Key: key("v"), Text: "x", Media: []network.Media{video}}, true},
		{"entity past the end", network.Post{Key: key("e"), Text: "abc",
			Entities: []network.Entity{{Kind: network.EntityHashtag, Start: 1, End: 9, Value: "bc"}}}, false},
		{"entity splits a character", network.Post{Key: key("s"), Text: "é#x",
			Entities: []network.Entity{{Kind: network.EntityHashtag, Start: 1, End: 4, Value: "x"}}}, false},
		{"unknown entity", network.Post{Key: key("u"), Text: "abc",
			Entities: []network.Entity{{Kind: "emoji", Start: 0, End: 1, Value: "a"}}}, false},
		{"unresolvable mention", network.Post{Key: key("m"), Text: "@nobody.test",
			Entities: []network.Entity{{Kind: network.EntityMention, Start: 0, End: 12, Value: "nobody.test"}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Publish(t.Context(), &tc.post)
			if c := network.ClassOf(err); err == nil || c != network.Permanent {
				t.Fatalf("error %v (class %v), want permanent", err, c)
			}
			if got := errors.Is(err, network.ErrUnsupported); got != tc.unsup {
				t.Errorf("errors.Is(ErrUnsupported) = %v, want %v (%v)", got, tc.unsup, err)
			}
		})
	}
	if n := len(only(f, "com.atproto.repo.createRecord")); n != 0 {
		t.Errorf("%d createRecord calls for refused posts", n)
	}
}

func TestDeleteAndLookup(t *testing.T) {
	f, a := start(t)
	p := &network.Post{Key: key("l1"), Text: "to delete", CreatedAt: at}
	if _, res, err := a.Lookup(t.Context(), p); err != nil || res != network.Absent {
		t.Fatalf("lookup before publish: %v, %v; want absent", res, err)
	}
	ref, err := a.Publish(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	got, res, err := a.Lookup(t.Context(), p)
	if err != nil || res != network.Found || got.ID != ref.ID || got.Extra["cid"] != ref.Extra["cid"] || got.URL != ref.URL {
		t.Fatalf("lookup after publish: %+v, %v, %v; want %+v found", got, res, err, ref)
	}
	// By web address, as a person would paste it.
	if err := a.Delete(t.Context(), network.Ref{ID: ref.URL}); err != nil {
		t.Fatalf("delete by web address: %v", err)
	}
	del := only(f, "com.atproto.repo.deleteRecord")
	wantBody := `{"repo":"` + f.DID() + `","collection":"app.bsky.feed.post","rkey":"` + bluesky.RecordKey(p.Key) + `"}`
	if len(del) != 1 || string(del[0].Body) != wantBody {
		t.Errorf("deleteRecord requests %+v, want one with body %s", del, wantBody)
	}
	if err := a.Delete(t.Context(), ref); err != nil {
		t.Errorf("deleting again: %v", err)
	}
	if _, res, err := a.Lookup(t.Context(), p); err != nil || res != network.Absent {
		t.Errorf("lookup after delete: %v, %v; want absent", res, err)
	}
	if err := a.Delete(t.Context(), network.Ref{ID: "12345"}); network.ClassOf(err) != network.Permanent {
		t.Errorf("delete of a malformed ref: %v, want permanent", err)
	}
}

func TestLookupUnknown(t *testing.T) {
	f, a := start(t)
	if _, err := a.Followers(t.Context()); err != nil { // opens the session
		t.Fatal(err)
	}
	f.Close() // every read now fails without an answer
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, res, err := a.Lookup(ctx, &network.Post{Key: key("u1")})
	if res != network.Unknown || err == nil {
		t.Errorf("lookup on a dead server: %v, %v; want unknown with an error", res, err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	ok := network.Config{Settings: map[string]string{"handle": "a.test"}, Secrets: map[string]string{"password": "p"}}
	tests := []struct {
		name    string
		mutate  func(*network.Config)
		wantErr string
	}{
		{"valid, default API", func(*network.Config) {}, ""},
		{"handle with @", func(c *network.Config) { c.Settings = map[string]string{"handle": "@a.test"} }, ""},
		{"no handle", func(c *network.Config) { c.Settings = nil }, "handle"},
		{"no password", func(c *network.Config) { c.Secrets = nil }, "password"},
		{"bad api", func(c *network.Config) { c.Settings = map[string]string{"handle": "a", "api": "ftp://x"} }, "api"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mutate(&c)
			_, err := bluesky.New(c)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}
