package blueskyfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// client speaks XRPC to a fake in tests.
type client struct {
	t   *testing.T
	s   *Server
	tok string
}

// answer is a response: status, headers and the decoded JSON body.
type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

func (c *client) do(method, nsid string, query url.Values, body any) answer {
	c.t.Helper()
	var raw []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		raw = b
	}
	return c.send(method, nsid, query, raw, "application/json")
}

// send sends raw as the body, of type mime, when raw is not nil.
func (c *client) send(method, nsid string, query url.Values, raw []byte, mime string) answer {
	c.t.Helper()
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	u := c.s.URL() + "/xrpc/" + nsid
	if query != nil {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", mime)
	}
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, nsid, err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	got, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(got, &a.body); err != nil {
		c.t.Fatalf("%s %s: body %q is not a JSON object", method, nsid, got)
	}
	return a
}

// login starts a fake and opens a session on it.
func login(t *testing.T, opts ...Option) (*Server, *client, string) {
	t.Helper()
	s := New(opts...)
	t.Cleanup(s.Close)
	c := &client{t: t, s: s}
	a := c.do("POST", "com.atproto.server.createSession", nil, map[string]string{"identifier": Handle, "password": Password})
	if a.status != 200 || a.str("did") != s.DID() || a.str("handle") != Handle {
		t.Fatalf("createSession: %d %v", a.status, a.body)
	}
	c.tok = a.str("accessJwt")
	return s, c, a.str("refreshJwt")
}

func post(text string) map[string]any {
	return map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-03-02T09:30:00.000Z"}
}

func create(rkey string, record map[string]any) map[string]any {
	return map[string]any{"repo": Handle, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record}
}

func TestCreateRecordContract(t *testing.T) {
	s, c, _ := login(t)
	blob := c.do("POST", "com.atproto.repo.uploadBlob", nil, nil) // no body
	if blob.status != 400 {
		t.Errorf("empty uploadBlob: %d", blob.status)
	}
	family := "👨‍👩‍👧‍👧" // one grapheme, 25 bytes
	withImage := func(img map[string]any) map[string]any {
		p := post("pic")
		p["embed"] = map[string]any{"$type": "app.bsky.embed.images", "images": []any{img}}
		return p
	}
	facet := func(start, end int) map[string]any {
		p := post("héllo #tag")
		p["facets"] = []any{map[string]any{
			"index":    map[string]int{"byteStart": start, "byteEnd": end},
			"features": []any{map[string]string{"$type": "app.bsky.richtext.facet#tag", "tag": "tag"}},
		}}
		return p
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		error  string
		msg    string
	}{
		{"valid", create("3jzfcijpj2z2a", post("hello")), 200, "", ""},
		{"same rkey again", create("3jzfcijpj2z2a", post("hello")), 500, "InternalServerError", "Internal Server Error"},
		{"rkey not a TID", create("kjzfcijpj2z2a", post("x")), 400, "InvalidRequest", "Invalid TID string"},
		{"121 graphemes of 25 bytes each are too many bytes", create("3jzfcijpj2z2b", post(strings.Repeat(family, 121))), 400, "InvalidRequest", "3000"},
		{"300 graphemes", create("3jzfcijpj2z2c", post(strings.Repeat("é", 300))), 200, "", ""},
		{"301 graphemes", create("3jzfcijpj2z2d", post(strings.Repeat("é", 301))), 400, "InvalidRequest", "300 graphemes"},
		{"no createdAt", create("3jzfcijpj2z2e", map[string]any{"$type": "app.bsky.feed.post", "text": "x"}), 400, "InvalidRequest", "createdAt"},
		{"facet on the tag", create("3jzfcijpj2z2f", facet(7, 11)), 200, "", ""},
		{"facet past the end", create("3jzfcijpj2z2g", facet(7, 12)), 400, "InvalidRequest", "byte range"},
		{"image never uploaded", create("3jzfcijpj2z2h", withImage(map[string]any{
			"image": map[string]any{"$type": "blob", "ref": map[string]string{"$link": "bafkreinope"}, "mimeType": "image/png", "size": 3},
			"alt":   "x"})), 400, "InvalidRequest", "could not find blob"},
		{"someone else's repo", map[string]any{"repo": "did:plc:other", "collection": "app.bsky.feed.post", "record": post("x")},
			401, "AuthenticationRequired", ""},
	}
	for _, tc := range tests {
		a := c.do("POST", "com.atproto.repo.createRecord", nil, tc.body)
		if a.status != tc.status || a.str("error") != tc.error || !strings.Contains(a.str("message"), tc.msg) {
			t.Errorf("%s: %d %v, want %d %s %q", tc.name, a.status, a.body, tc.status, tc.error, tc.msg)
		}
		if tc.status == 200 && !strings.HasPrefix(a.str("uri"), "at://"+s.DID()+"/app.bsky.feed.post/") {
			t.Errorf("%s: uri %q", tc.name, a.str("uri"))
		}
	}
	if n := s.Writes(); n != 3 {
		t.Errorf("%d writes, want 3", n)
	}

	// A record with an uploaded image and its alt text.
	up := c.send("POST", "com.atproto.repo.uploadBlob", nil, []byte("\x89PNG\r\n\x1a\nbytes"), "image/png")
	if b, _ := up.body["blob"].(map[string]any); up.status != 200 || b["mimeType"] != "image/png" || b["size"] != float64(13) {
		t.Fatalf("uploadBlob: %d %v", up.status, up.body)
	}
	img := map[string]any{"image": up.body["blob"], "alt": "a caption"}
	if a := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2i", withImage(img))); a.status != 200 {
		t.Errorf("post with an uploaded blob: %d %v", a.status, a.body)
	}
	delete(img, "alt")
	if a := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2j", withImage(img))); a.status != 400 || !strings.Contains(a.str("message"), `"alt"`) {
		t.Errorf("post with an image without alt: %d %v", a.status, a.body)
	}
	msgs := s.Messages()
	if last := msgs[len(msgs)-1]; len(last.Media) != 1 || last.Media[0] != "a caption" || last.Key != "3jzfcijpj2z2i" {
		t.Errorf("last message %+v", last)
	}
}

func TestReadsAndDeletes(t *testing.T) {
	s, c, _ := login(t)
	q := func(rkey string) url.Values {
		return url.Values{"repo": {Handle}, "collection": {"app.bsky.feed.post"}, "rkey": {rkey}}
	}
	if a := c.do("GET", "com.atproto.repo.getRecord", q("3jzfcijpj2z2a"), nil); a.status != 400 || a.str("error") != "RecordNotFound" {
		t.Errorf("getRecord of nothing: %d %v", a.status, a.body)
	}
	bad := url.Values{"repo": {"nobody.test"}, "collection": {"app.bsky.feed.post"}, "rkey": {"3jzfcijpj2z2a"}}
	if a := c.do("GET", "com.atproto.repo.getRecord", bad, nil); a.status != 400 || a.str("error") != "InvalidRequest" {
		t.Errorf("getRecord in an unknown repo: %d %v", a.status, a.body)
	}
	created := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2a", post("hi")))
	got := c.do("GET", "com.atproto.repo.getRecord", q("3jzfcijpj2z2a"), nil)
	if got.status != 200 || got.str("cid") != created.str("cid") || got.body["value"].(map[string]any)["text"] != "hi" {
		t.Errorf("getRecord: %d %v", got.status, got.body)
	}
	del := map[string]string{"repo": s.DID(), "collection": "app.bsky.feed.post", "rkey": "3jzfcijpj2z2a"}
	first := c.do("POST", "com.atproto.repo.deleteRecord", nil, del)
	second := c.do("POST", "com.atproto.repo.deleteRecord", nil, del)
	if first.status != 200 || first.body["commit"] == nil || second.status != 200 || len(second.body) != 0 {
		t.Errorf("delete twice: %d %v, then %d %v", first.status, first.body, second.status, second.body)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages after delete", n)
	}
	if n := s.Writes(); n != 2 {
		t.Errorf("%d writes (a create and a delete), want 2", n)
	}
}

func TestTokens(t *testing.T) {
	s, c, refresh := login(t)
	access := c.tok
	c.tok = refresh
	if a := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2a", post("x"))); a.str("error") != "InvalidToken" {
		t.Errorf("refresh token as access token: %v", a.body)
	}
	c.tok = access
	if a := c.do("POST", "com.atproto.server.refreshSession", nil, nil); a.status != 400 || a.str("error") != "InvalidToken" {
		t.Errorf("access token to refreshSession: %d %v", a.status, a.body)
	}
	s.ExpireAccessTokens()
	if a := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2a", post("x"))); a.status != 400 || a.str("error") != "ExpiredToken" {
		t.Errorf("expired access token: %d %v", a.status, a.body)
	}
	c.tok = refresh
	renewed := c.do("POST", "com.atproto.server.refreshSession", nil, nil)
	if renewed.status != 200 || renewed.str("accessJwt") == "" || renewed.str("did") != s.DID() {
		t.Fatalf("refreshSession: %d %v", renewed.status, renewed.body)
	}
	if a := c.do("POST", "com.atproto.server.refreshSession", nil, nil); a.str("error") != "InvalidToken" {
		t.Errorf("a used refresh token: %v", a.body)
	}
	c.tok = ""
	if a := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2a", post("x"))); a.status != 401 || a.str("error") != "AuthMissing" {
		t.Errorf("no token: %d %v", a.status, a.body)
	}
	wrong := c.do("POST", "com.atproto.server.createSession", nil, map[string]string{"identifier": Handle, "password": "nope"})
	if wrong.status != 401 || wrong.str("error") != "AuthenticationRequired" {
		t.Errorf("wrong password: %d %v", wrong.status, wrong.body)
	}
	if s.Writes() != 0 {
		t.Errorf("%d writes", s.Writes())
	}
}

func TestFaultsAndRateHeaders(t *testing.T) {
	clock := networktest.NewClock(time.Time{})
	s, c, _ := login(t, WithClock(clock.Now), WithRetryAfter(45*time.Second))
	a := c.do("GET", "com.atproto.identity.resolveHandle", url.Values{"handle": {Handle}}, nil)
	window := clock.Now().Unix() / 300
	if a.header.Get("RateLimit-Limit") != "3000" || a.header.Get("RateLimit-Policy") != "3000;w=300" ||
		a.header.Get("RateLimit-Reset") != strconv.FormatInt((window+1)*300, 10) || a.header.Get("RateLimit-Remaining") != "2998" {
		t.Errorf("rate headers %v", a.header)
	}
	s.Inject(networktest.RateLimit)
	s.Inject(networktest.FailAfter)
	s.Inject(networktest.Unauthorized)
	limited := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2a", post("x")))
	if limited.status != 429 || limited.str("error") != "RateLimitExceeded" ||
		limited.header.Get("RateLimit-Reset") != strconv.FormatInt(clock.Now().Add(45*time.Second).Unix(), 10) {
		t.Errorf("rate limited: %d %v %v", limited.status, limited.body, limited.header)
	}
	failed := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2a", post("x")))
	if failed.status != 500 || s.Writes() != 1 || len(s.Messages()) != 1 {
		t.Errorf("fail-after: %d %v, %d writes", failed.status, failed.body, s.Writes())
	}
	unauth := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2b", post("y")))
	if unauth.status != 401 || s.Writes() != 1 {
		t.Errorf("unauthorized: %d %v, %d writes", unauth.status, unauth.body, s.Writes())
	}
	if ok := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2b", post("y"))); ok.status != 200 {
		t.Errorf("after the faults: %d %v", ok.status, ok.body)
	}
}

func TestPagination(t *testing.T) {
	s, c, _ := login(t, WithMaxPage(2))
	created := c.do("POST", "com.atproto.repo.createRecord", nil, create("3jzfcijpj2z2a", post("x")))
	uri := created.str("uri")
	for i := range 3 {
		h := "p" + strconv.Itoa(i) + ".test"
		s.AddAccount(h, "pw")
		if err := s.Like(uri, h, networktest.Start.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	cursor := ""
	for range 3 {
		q := url.Values{"uri": {uri}, "limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		a := c.do("GET", "app.bsky.feed.getLikes", q, nil)
		for _, l := range a.body["likes"].([]any) {
			seen = append(seen, l.(map[string]any)["actor"].(map[string]any)["handle"].(string))
		}
		if cursor = a.str("cursor"); cursor == "" {
			break
		}
	}
	if strings.Join(seen, ",") != "p2.test,p1.test,p0.test" {
		t.Errorf("likes newest first over pages: %v", seen)
	}
	if a := c.do("GET", "app.bsky.feed.getLikes", url.Values{"uri": {uri}, "limit": {"101"}}, nil); a.status != 400 {
		t.Errorf("limit 101: %d", a.status)
	}
}
