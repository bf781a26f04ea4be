package bluesky_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/bluesky"
	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// TestPDS publishes to a real PDS named by CLAIRON_PDS_URL,
// CLAIRON_PDS_HANDLE and CLAIRON_PDS_PASSWORD (an app password), as
// .ci/pds/start.sh prints them, and reads every record back over plain
// XRPC. Without CLAIRON_PDS_URL it is skipped, except under CI, where it
// fails: CI must run it.
func TestPDS(t *testing.T) {
	base := os.Getenv("CLAIRON_PDS_URL")
	if base == "" {
		const how = `start a local PDS first: eval "$(bash .ci/pds/start.sh)" (and bash .ci/pds/stop.sh afterwards)`
		if os.Getenv("CI") != "" {
			t.Fatal("CLAIRON_PDS_URL is not set under CI: " + how)
		}
		t.Skip("CLAIRON_PDS_URL is not set; " + how)
	}
	handle := os.Getenv("CLAIRON_PDS_HANDLE")
	seen := &statusLog{next: http.DefaultTransport}
	a, err := bluesky.New(network.Config{
		Account:    "pds-integration",
		Network:    bluesky.Name,
		Settings:   map[string]string{"api": base, "handle": handle},
		Secrets:    map[string]string{"password": os.Getenv("CLAIRON_PDS_PASSWORD")},
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: seen},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	pds := &xrpcReader{t: t, base: base}
	did := pds.get(ctx, "com.atproto.identity.resolveHandle", url.Values{"handle": {handle}})["did"].(string)

	// A run nonce keeps keys unique when the test runs twice on one server.
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	runKey := func(part string) string { return hex.EncodeToString(nonce) + strings.Repeat("0", 32) + part }
	created := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

	text := "Café ☕ avec @" + handle + " : #fête → https://example.com/été"
	span := func(s string) (int, int) { i := strings.Index(text, s); return i, i + len(s) }
	ms, me := span("@" + handle)
	hs, he := span("#fête")
	ls, le := span("https://example.com/été")
	img := networktest.Image([]string{"image/png"}, 3, "Un carré vert")
	img.Width, img.Height = 800, 600
	root := &network.Post{
		Key:      runKey("1"),
		Text:     text,
		Language: "fr",
		Entities: []network.Entity{
			{Kind: network.EntityMention, Start: ms, End: me, Value: handle},
			{Kind: network.EntityHashtag, Start: hs, End: he, Value: "fête"},
			{Kind: network.EntityLink, Start: ls, End: le, Value: "https://example.com/%C3%A9t%C3%A9"},
		},
		Media:     []network.Media{img},
		CreatedAt: created,
	}
	ref1, err := a.Publish(ctx, root)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	rkey := bluesky.RecordKey(root.Key)
	if want := "at://" + did + "/app.bsky.feed.post/" + rkey; ref1.ID != want {
		t.Fatalf("Ref.ID %q, want %q", ref1.ID, want)
	}
	if want := "https://bsky.app/profile/" + handle + "/post/" + rkey; ref1.URL != want {
		t.Errorf("Ref.URL %q, want %q", ref1.URL, want)
	}

	var rec struct {
		Text      string   `json:"text"`
		CreatedAt string   `json:"createdAt"`
		Langs     []string `json:"langs"`
		Facets    []struct {
			Index    struct{ ByteStart, ByteEnd int }
			Features []struct {
				Type string `json:"$type"`
				DID  string `json:"did"`
				Tag  string `json:"tag"`
				URI  string `json:"uri"`
			}
		} `json:"facets"`
		Embed struct {
			Type   string `json:"$type"`
			Images []struct {
				Alt         string `json:"alt"`
				AspectRatio struct{ Width, Height int }
				Image       struct {
					MimeType string `json:"mimeType"`
					Size     int    `json:"size"`
				}
			}
		} `json:"embed"`
		Reply struct{ Root, Parent struct{ URI, CID string } } `json:"reply"`
	}
	cid := pds.record(ctx, did, rkey, &rec)
	if cid != ref1.Extra["cid"] {
		t.Errorf("getRecord cid %q, Ref.Extra[cid] %q", cid, ref1.Extra["cid"])
	}
	if rec.Text != text || rec.CreatedAt != "2026-03-02T09:30:00.000Z" || !slices.Equal(rec.Langs, []string{"fr"}) {
		t.Errorf("record text %q, createdAt %q, langs %v", rec.Text, rec.CreatedAt, rec.Langs)
	}
	type facet struct {
		start, end int
		kind, val  string
	}
	var facets []facet
	for _, f := range rec.Facets {
		ft := f.Features[0]
		facets = append(facets, facet{f.Index.ByteStart, f.Index.ByteEnd, ft.Type, ft.DID + ft.Tag + ft.URI})
	}
	wantFacets := []facet{
		{ms, me, "app.bsky.richtext.facet#mention", did},
		{hs, he, "app.bsky.richtext.facet#tag", "fête"},
		{ls, le, "app.bsky.richtext.facet#link", "https://example.com/%C3%A9t%C3%A9"},
	}
	if !slices.Equal(facets, wantFacets) {
		t.Errorf("facets %+v, want %+v", facets, wantFacets)
	}
	if e := rec.Embed; e.Type != "app.bsky.embed.images" || len(e.Images) != 1 || e.Images[0].Alt != "Un carré vert" ||
		e.Images[0].AspectRatio.Width != 800 || e.Images[0].AspectRatio.Height != 600 ||
		e.Images[0].Image.MimeType != "image/png" || e.Images[0].Image.Size != len(img.Data) {
		t.Errorf("embed %+v", e)
	}

	// A thread: two more parts.
	ref2, err := a.Publish(ctx, &network.Post{Key: runKey("2"), Text: "Deuxième partie", ReplyTo: &ref1, Root: &ref1, CreatedAt: created})
	if err != nil {
		t.Fatalf("publish part 2: %v", err)
	}
	ref3, err := a.Publish(ctx, &network.Post{Key: runKey("3"), Text: "Troisième partie", ReplyTo: &ref2, Root: &ref1, CreatedAt: created})
	if err != nil {
		t.Fatalf("publish part 3: %v", err)
	}
	rec.Reply = struct{ Root, Parent struct{ URI, CID string } }{}
	pds.record(ctx, did, bluesky.RecordKey(runKey("3")), &rec)
	if rec.Reply.Root.URI != ref1.ID || rec.Reply.Root.CID != ref1.Extra["cid"] ||
		rec.Reply.Parent.URI != ref2.ID || rec.Reply.Parent.CID != ref2.Extra["cid"] {
		t.Errorf("part 3 reply %+v, want root %s and parent %s", rec.Reply, ref1.ID, ref2.ID)
	}

	// The same post again: the server refuses the record key (HTTP 500 on
	// this PDS), the adapter reads the record back and returns it.
	before := len(seen.calls())
	again, err := a.Publish(ctx, root)
	if err != nil || again.ID != ref1.ID || again.Extra["cid"] != ref1.Extra["cid"] {
		t.Errorf("publishing the same post again = %+v, %v; want %+v", again, err, ref1)
	}
	dup := seen.calls()[before:]
	if n := len(dup); n < 2 || !strings.HasPrefix(dup[n-2], "com.atproto.repo.createRecord 5") || dup[n-1] != "com.atproto.repo.getRecord 200" {
		t.Errorf("the second publish made the calls %q; want a refused createRecord, then getRecord", dup)
	}
	mine := func() []string {
		var uris []string
		for _, r := range pds.get(ctx, "com.atproto.repo.listRecords",
			url.Values{"repo": {did}, "collection": {"app.bsky.feed.post"}, "limit": {"100"}})["records"].([]any) {
			u := r.(map[string]any)["uri"].(string)
			if slices.Contains([]string{ref1.ID, ref2.ID, ref3.ID}, u) {
				uris = append(uris, u)
			}
		}
		return uris
	}
	if got := mine(); len(got) != 3 {
		t.Errorf("the repository holds %d of this run's posts, want 3: %v", len(got), got)
	}
	lookup := func(p *network.Post) network.LookupResult {
		t.Helper()
		_, res, err := a.(network.Lookup).Lookup(ctx, p)
		if err != nil {
			t.Fatalf("lookup: %v", err)
		}
		return res
	}
	if res := lookup(root); res != network.Found {
		t.Errorf("lookup of the published post: %v", res)
	}
	if res := lookup(&network.Post{Key: runKey("never")}); res != network.Absent {
		t.Errorf("lookup of a post never published: %v", res)
	}

	for _, ref := range []network.Ref{ref3, ref2, ref1} {
		if err := a.Delete(ctx, ref); err != nil {
			t.Fatalf("delete %s: %v", ref.ID, err)
		}
	}
	if err := a.Delete(ctx, ref1); err != nil {
		t.Errorf("deleting again: %v", err)
	}
	if got := mine(); len(got) != 0 {
		t.Errorf("after delete the repository still holds %v", got)
	}
	if res := lookup(root); res != network.Absent {
		t.Errorf("lookup after delete: %v", res)
	}

	// createSession allows 30 attempts per 5 minutes per identifier: a wrong
	// password is an auth error until the limit answers 429 with its reset.
	t.Run("rate limit", func(t *testing.T) {
		ghost, err := bluesky.New(network.Config{
			Settings: map[string]string{"api": base, "handle": "ghost-" + hex.EncodeToString(nonce) + ".test"},
			Secrets:  map[string]string{"password": "wrong-password"},
		})
		if err != nil {
			t.Fatal(err)
		}
		for range 40 {
			_, err := ghost.(network.FollowerCounter).Followers(ctx)
			switch network.ClassOf(err) {
			case network.Auth:
				continue
			case network.RateLimited:
				if d := network.RetryAfter(err); d <= 0 || d > 5*time.Minute+time.Second {
					t.Errorf("RetryAfter %v, want within the 5-minute window", d)
				}
				return
			}
			t.Fatalf("wrong password: %v, want an auth error, then a rate limit", err)
		}
		t.Error("40 failed logins and no rate limit")
	})
}

// statusLog records "<nsid> <status>" for every request the adapter makes.
type statusLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	log  []string
}

func (l *statusLog) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	l.mu.Lock()
	l.log = append(l.log, strings.TrimPrefix(req.URL.Path, "/xrpc/")+" "+status)
	l.mu.Unlock()
	return resp, err
}

func (l *statusLog) calls() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.log)
}

// xrpcReader reads from the PDS without the adapter.
type xrpcReader struct {
	t    *testing.T
	base string
}

func (x *xrpcReader) get(ctx context.Context, nsid string, q url.Values) map[string]any {
	x.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, x.base+"/xrpc/"+nsid+"?"+q.Encode(), nil)
	if err != nil {
		x.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		x.t.Fatalf("%s: %v", nsid, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		x.t.Fatalf("%s: HTTP %d %v (%v)", nsid, resp.StatusCode, out, err)
	}
	return out
}

// record reads a post's value into v and returns its CID.
func (x *xrpcReader) record(ctx context.Context, did, rkey string, v any) string {
	x.t.Helper()
	out := x.get(ctx, "com.atproto.repo.getRecord", url.Values{"repo": {did}, "collection": {"app.bsky.feed.post"}, "rkey": {rkey}})
	raw, _ := json.Marshal(out["value"])
	if err := json.Unmarshal(raw, v); err != nil {
		x.t.Fatal(err)
	}
	return out["cid"].(string)
}
