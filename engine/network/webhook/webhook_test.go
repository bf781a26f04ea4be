package webhook_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/webhook"
)

const (
	secret = "whsec_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	key    = "8c1f0a6b2d4e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a"
)

var now = time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)

type captured struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// receiver answers every request with status, header and body, recording
// what it received.
func receiver(t *testing.T, status int, header map[string]string, body string) (*httptest.Server, func() []captured) {
	t.Helper()
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{r.Method, r.URL.RequestURI(), r.Header.Clone(), data})
		mu.Unlock()
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []captured { mu.Lock(); defer mu.Unlock(); return append([]captured(nil), got...) }
}

func adapter(t *testing.T, url string, settings map[string]string) *webhook.Adapter {
	t.Helper()
	s := map[string]string{"url": url}
	for k, v := range settings {
		s[k] = v
	}
	a, err := webhook.New(network.Config{Settings: s, Secrets: map[string]string{"secret": secret}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func checkGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	out.WriteByte('\n')
	golden.Check(t, filepath.Join("testdata", name+".golden"), out.Bytes())
}

// hmacSHA256 is HMAC-SHA256 built from RFC 2104 by hand, independent of
// crypto/hmac, to check the adapter's signatures.
func hmacSHA256(k, msg []byte) []byte {
	const blockSize = 64
	if len(k) > blockSize {
		sum := sha256.Sum256(k)
		k = sum[:]
	}
	pad := make([]byte, blockSize)
	copy(pad, k)
	inner, outer := make([]byte, blockSize), make([]byte, blockSize)
	for i, b := range pad {
		inner[i], outer[i] = b^0x36, b^0x5c
	}
	ih := sha256.Sum256(append(inner, msg...))
	oh := sha256.Sum256(append(outer, ih[:]...))
	return oh[:]
}

func TestIndependentHMAC(t *testing.T) {
	// RFC 4231, test case 2.
	got := hex.EncodeToString(hmacSHA256([]byte("Jefe"), []byte("what do ya want for nothing?")))
	if want := "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"; got != want {
		t.Fatalf("the test's own HMAC is wrong: %s", got)
	}
	body := []byte(`{"event":"post.published"}`)
	want := "sha256=" + hex.EncodeToString(hmacSHA256([]byte(secret), []byte("1772443800."+string(body))))
	if got := webhook.Sign([]byte(secret), "1772443800", body); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

// checkSignature verifies a delivery's headers with the independent HMAC.
func checkSignature(t *testing.T, c captured) {
	t.Helper()
	ts := c.Header.Get("X-Clairon-Timestamp")
	if ts != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("X-Clairon-Timestamp %q, want the clock's %d", ts, now.Unix())
	}
	want := "sha256=" + hex.EncodeToString(hmacSHA256([]byte(secret), append([]byte(ts+"."), c.Body...)))
	if got := c.Header.Get("X-Clairon-Signature"); got != want {
		t.Errorf("X-Clairon-Signature %q, want %q", got, want)
	}
}

func fullPost() *network.Post {
	img := []byte("\x89PNG\r\n\x1a\nstand")
	sum := sha256.Sum256(img)
	return &network.Post{
		Key:            key,
		Address:        "posts/2026/lancement@brand-webhook",
		Title:          "Lancement de la gamme bio",
		Text:           "Notre gamme bio arrive le 12 mars ! https://example.com/bio #bio",
		Markdown:       "Notre gamme **bio** arrive le 12 mars ! <https://example.com/bio> #bio",
		Language:       "fr",
		ContentWarning: "",
		Entities: []network.Entity{
			{Kind: network.EntityLink, Start: 37, End: 60, Value: "https://example.com/bio"},
			{Kind: network.EntityHashtag, Start: 61, End: 65, Value: "bio"},
		},
		Media: []network.Media{
			{Name: "media/bio/stand.png", MIME: "image/png", Data: img, Digest: hex.EncodeToString(sum[:]), Alt: "Le stand bio", Width: 8, Height: 8},
			{Name: "media/bio/logo.png", MIME: "image/png", Data: []byte("logo")},
		},
		Poll:      &network.Poll{Options: []string{"Oui", "Non"}, Duration: 48 * time.Hour},
		ReplyTo:   &network.Ref{ID: "msg_0041", URL: "https://receiver.example/posts/msg_0041"},
		Root:      &network.Ref{ID: "msg_0040"},
		CreatedAt: time.Date(2026, time.March, 12, 8, 0, 0, 0, time.FixedZone("CET", 3600)),
	}
}

func TestPublishRequest(t *testing.T) {
	for _, mode := range []string{"inline", "reference"} {
		t.Run(mode, func(t *testing.T) {
			srv, reqs := receiver(t, http.StatusCreated, map[string]string{"Content-Type": "application/json"},
				`{"id":"msg_0042","url":"https://receiver.example/posts/msg_0042"}`)
			ref, err := adapter(t, srv.URL+"/hooks/clairon", map[string]string{"media": mode}).Publish(context.Background(), fullPost())
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if ref.ID != "msg_0042" || ref.URL != "https://receiver.example/posts/msg_0042" || ref.Extra["key"] != key {
				t.Errorf("ref %+v", ref)
			}
			c := reqs()[0]
			if c.Method != http.MethodPost || c.Path != "/hooks/clairon" {
				t.Errorf("request %s %s", c.Method, c.Path)
			}
			for h, want := range map[string]string{
				"Content-Type": "application/json", "Idempotency-Key": key, "X-Clairon-Event": "post.published",
			} {
				if got := c.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			checkSignature(t, c)
			checkGolden(t, "publish-"+mode, c.Body)
		})
	}
}

func TestEditAndDelete(t *testing.T) {
	srv, reqs := receiver(t, http.StatusOK, map[string]string{"Content-Type": "application/json"}, `{"id":"msg_0042"}`)
	a := adapter(t, srv.URL, nil)
	ctx := context.Background()
	ref := network.Ref{ID: "msg_0042", URL: "https://receiver.example/posts/msg_0042", Extra: map[string]string{"key": key}}
	edit := &network.Post{Key: strings.Repeat("ab", 32), Text: "Texte corrigé", Markdown: "Texte *corrigé*", Language: "fr", CreatedAt: now}
	out, err := a.Edit(ctx, ref, edit)
	if err != nil {
		t.Fatalf("Edit: %v", err)
	}
	if out.ID != ref.ID || out.URL != ref.URL || out.Extra["key"] != edit.Key {
		t.Errorf("edited ref %+v", out)
	}
	if _, err := a.Edit(ctx, ref, edit); err != nil {
		t.Fatal(err)
	}
	later := *edit
	later.CreatedAt = now.Add(time.Hour)
	if _, err := a.Edit(ctx, ref, &later); err != nil {
		t.Fatal(err)
	}
	if err := a.Delete(ctx, ref); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	got := reqs()
	if len(got) != 4 {
		t.Fatalf("%d requests, want 4", len(got))
	}
	checkGolden(t, "edit", got[0].Body)
	checkGolden(t, "delete", got[3].Body)
	keys := []string{}
	for i, c := range got {
		checkSignature(t, c)
		keys = append(keys, c.Header.Get("Idempotency-Key"))
		want := []string{"post.updated", "post.updated", "post.updated", "post.deleted"}[i]
		if e := c.Header.Get("X-Clairon-Event"); e != want {
			t.Errorf("request %d event %q, want %q", i, e, want)
		}
	}
	switch {
	case keys[0] != keys[1]:
		t.Error("a repeated edit changed its Idempotency-Key: a retry would not be deduplicated")
	case keys[0] == keys[2]:
		t.Error("two edits at different times share an Idempotency-Key: the receiver would drop the second")
	case keys[0] == key || keys[0] == edit.Key || keys[3] == key:
		t.Error("an edit or delete reuses a publish key: a receiver would drop it as a duplicate")
	}
	for _, k := range keys {
		if len(k) != 64 {
			t.Errorf("Idempotency-Key %q is not 64 hex digits", k)
		}
	}
}

func TestReplies(t *testing.T) {
	tests := []struct {
		name            string
		status          int
		body            string
		wantID, wantURL string
	}{
		{"id and url", 201, `{"id":"abc","url":"https://r.example/abc"}`, "abc", "https://r.example/abc"},
		{"numeric id", 200, `{"id": 42}`, "42", ""},
		{"no content", 204, ``, key, ""},
		{"not JSON", 200, `ok`, key, ""},
		{"unsafe url", 200, `{"id":"x","url":"javascript:alert(1)"}`, "x", ""},
		{"empty object", 202, `{}`, key, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := receiver(t, tt.status, nil, tt.body)
			ref, err := adapter(t, srv.URL, nil).Publish(context.Background(), &network.Post{Key: key, Text: "x", CreatedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			if ref.ID != tt.wantID || ref.URL != tt.wantURL {
				t.Errorf("ref %q %q, want %q %q", ref.ID, ref.URL, tt.wantID, tt.wantURL)
			}
		})
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		op         string
		status     int
		header     map[string]string
		body       string
		class      network.Class
		retryAfter time.Duration
		maybe      bool
		notFound   bool
		text       string
	}{
		{"publish", 400, nil, `{"error":"text is required"}`, network.Permanent, 0, false, false, "replied: text is required"},
		{"publish", 422, map[string]string{"Content-Type": "text/plain"}, "unknown language\nmore", network.Permanent, 0, false, false, "replied: unknown language"},
		{"publish", 401, nil, `{"message":"bad signature"}`, network.Auth, 0, false, false, "bad signature"},
		{"publish", 403, nil, ``, network.Auth, 0, false, false, "forbidden"},
		{"publish", 404, nil, ``, network.Permanent, 0, false, true, "not found"},
		{"publish", 302, map[string]string{"Location": "https://elsewhere.example/"}, ``, network.Permanent, 0, false, false, "redirected"},
		{"publish", 408, nil, ``, network.Retryable, 0, true, false, "request timeout"},
		{"publish", 429, map[string]string{"Retry-After": "12"}, `{"error":"slow down"}`, network.RateLimited, 12 * time.Second, false, false, "retry after 12s"},
		{"publish", 429, map[string]string{"Retry-After": now.Add(time.Minute).Format(http.TimeFormat)}, ``, network.RateLimited, time.Minute, false, false, ""},
		{"publish", 500, nil, `{"error":"db down"}`, network.Retryable, 0, true, false, "db down"},
		{"publish", 503, nil, `<html>maintenance</html>`, network.Retryable, 0, true, false, "service unavailable"},
		{"edit", 404, nil, `{"error":"unknown message"}`, network.Permanent, 0, false, true, "unknown message"},
		{"edit", 410, nil, ``, network.Permanent, 0, false, true, "gone"},
		{"delete", 500, nil, ``, network.Retryable, 0, true, false, "internal server error"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.op, tt.status), func(t *testing.T) {
			srv, _ := receiver(t, tt.status, tt.header, tt.body)
			a := adapter(t, srv.URL, nil)
			ref := network.Ref{ID: "msg_1"}
			p := &network.Post{Key: key, Text: "x", CreatedAt: now}
			var err error
			switch tt.op {
			case "publish":
				_, err = a.Publish(context.Background(), p)
			case "edit":
				_, err = a.Edit(context.Background(), ref, p)
			case "delete":
				err = a.Delete(context.Background(), ref)
			}
			var e *network.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *network.Error", err)
			}
			if e.Class != tt.class || e.RetryAfter != tt.retryAfter || e.MaybeWritten != tt.maybe || e.Status != tt.status {
				t.Errorf("got %v, retry after %v, maybe written %v, status %d; want %v, %v, %v, %d",
					e.Class, e.RetryAfter, e.MaybeWritten, e.Status, tt.class, tt.retryAfter, tt.maybe, tt.status)
			}
			if errors.Is(err, network.ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
			if !strings.Contains(err.Error(), tt.text) || strings.Contains(err.Error(), "<html>") {
				t.Errorf("error %q, want it to contain %q and no HTML", err, tt.text)
			}
		})
	}
}

func TestDeleteOfGoneMessage(t *testing.T) {
	for _, status := range []int{404, 410} {
		srv, _ := receiver(t, status, nil, `{"error":"gone"}`)
		if err := adapter(t, srv.URL, nil).Delete(context.Background(), network.Ref{ID: "msg_1"}); err != nil {
			t.Errorf("delete answered %d: %v, want nil", status, err)
		}
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	target, hits := receiver(t, http.StatusOK, nil, `{"id":"wrong"}`)
	srv, _ := receiver(t, http.StatusFound, map[string]string{"Location": target.URL}, ``)
	_, err := adapter(t, srv.URL, nil).Publish(context.Background(), &network.Post{Key: key, Text: "x", CreatedAt: now})
	if network.ClassOf(err) != network.Permanent {
		t.Errorf("publish to a redirecting receiver: %v, want a permanent error", err)
	}
	if n := len(hits()); n != 0 {
		t.Errorf("the redirect was followed (%d requests)", n)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"event":"post.published","key":"k"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := webhook.Sign([]byte(secret), ts, body)
	tests := []struct {
		name    string
		secret  string
		sig, ts string
		body    []byte
		at      time.Time
		want    error
	}{
		{"valid", secret, good, ts, body, now, nil},
		{"valid within tolerance", secret, good, ts, body, now.Add(4 * time.Minute), nil},
		{"tampered body", secret, good, ts, []byte(`{"event":"post.deleted","key":"k"}`), now, webhook.ErrBadSignature},
		{"wrong secret", "another secret of some length", good, ts, body, now, webhook.ErrBadSignature},
		{"no prefix", secret, strings.TrimPrefix(good, "sha256="), ts, body, now, webhook.ErrBadSignature},
		{"replayed later", secret, good, ts, body, now.Add(6 * time.Minute), webhook.ErrStale},
		{"from the future", secret, good, ts, body, now.Add(-6 * time.Minute), webhook.ErrStale},
		{"timestamp changed", secret, good, strconv.FormatInt(now.Unix()+1, 10), body, now, webhook.ErrBadSignature},
		{"malformed timestamp", secret, good, "yesterday", body, now, webhook.ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify([]byte(tt.secret), tt.sig, tt.ts, tt.body, tt.at, 5*time.Minute)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	secrets := map[string]string{"secret": secret}
	url := "https://hooks.example.com/in/clairon?token=" + strings.Repeat("q", 40)
	a, err := webhook.New(network.Config{Settings: map[string]string{"url": url}, Secrets: secrets,
		HTTPClient: &http.Client{Transport: leakyTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(verb, a)
		networktest.NoSecrets(t, verb, got, secrets)
		if strings.Contains(got, "token=") {
			t.Errorf("%s shows the URL's query: %s", verb, got)
		}
	}
	_, err = a.Publish(context.Background(), &network.Post{Key: key, Text: "x"})
	if err == nil {
		t.Fatal("no error")
	}
	networktest.NoSecrets(t, "error", err.Error(), secrets)
	if strings.Contains(err.Error(), "qqqq") || !strings.Contains(err.Error(), "hooks.example.com") {
		t.Errorf("error %q: want the host and not the URL's token", err)
	}
	// A receiver echoing the secret back is scrubbed too.
	srv, _ := receiver(t, 400, nil, `{"error":"expected secret `+secret+`"}`)
	_, err = adapter(t, srv.URL, nil).Publish(context.Background(), &network.Post{Key: key, Text: "x"})
	networktest.NoSecrets(t, "error", fmt.Sprint(err), secrets)
}

type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy refused %s with %s", r.URL, r.Header.Get("X-Clairon-Signature"))
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		secret   string
		want     string
	}{
		{"no url", map[string]string{}, secret, "setting url is missing"},
		{"bad url", map[string]string{"url": "mailto:x@example.com"}, secret, "not an http(s) URL"},
		{"no secret", map[string]string{"url": "https://r.example/"}, "", "secret secret"},
		{"short secret", map[string]string{"url": "https://r.example/"}, "short", "shorter than 16"},
		{"bad media", map[string]string{"url": "https://r.example/", "media": "url"}, secret, "setting media"},
		{"bad limit", map[string]string{"url": "https://r.example/", "text_limit": "0"}, secret, "setting text_limit"},
	}
	for _, tt := range tests {
		_, err := webhook.New(network.Config{Settings: tt.settings, Secrets: map[string]string{"secret": tt.secret}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	a, err := webhook.New(network.Config{Settings: map[string]string{"url": "https://r.example/", "text_limit": "500", "max_media": "0"}, Secrets: map[string]string{"secret": secret}})
	if err != nil {
		t.Fatal(err)
	}
	if c := a.Capabilities(); c.TextLimit != 500 || c.MaxMedia != 0 || len(c.MediaTypes) != 0 || c.Idempotency != network.IdempotencyKey || !c.Threads || !c.Edit || !c.Delete {
		t.Errorf("capabilities %+v", c)
	}
}
