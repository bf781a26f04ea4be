package httpx

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestClass(t *testing.T) {
	tests := map[int]network.Class{
		400: network.Permanent, 401: network.Auth, 403: network.Auth, 404: network.Permanent, 408: network.Retryable,
		409: network.Permanent, 422: network.Permanent, 425: network.Retryable, 429: network.RateLimited,
		500: network.Retryable, 502: network.Retryable, 503: network.Retryable,
	}
	for status, want := range tests {
		if got := Class(status); got != want {
			t.Errorf("Class(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestStatusError(t *testing.T) {
	write := Call{Network: "n", Op: "publish", Write: true}
	tests := []struct {
		name     string
		call     Call
		status   int
		maybe    bool
		notFound bool
		after    time.Duration
	}{
		{"5xx on a write may have written", write, 502, true, false, 0},
		{"5xx on a read", Call{Network: "n", Op: "read"}, 503, false, false, 0},
		{"422 did not write", write, 422, false, false, 0},
		{"404 is not found", write, 404, false, true, 0},
		{"429 keeps its wait", write, 429, false, false, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := StatusError(tt.call, &Response{Status: tt.status}, "", time.Minute)
			if e.MaybeWritten != tt.maybe || errors.Is(e, network.ErrNotFound) != tt.notFound || e.RetryAfter != tt.after || e.Status != tt.status {
				t.Errorf("%+v", e)
			}
		})
	}
}

func TestRetryAfterAndReset(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"120":                           2 * time.Minute,
		"1.5":                           1500 * time.Millisecond,
		"Mon, 02 Mar 2026 09:01:00 GMT": time.Minute,
		"Mon, 02 Mar 2026 08:00:00 GMT": 0,
	} {
		h := http.Header{"Retry-After": {v}}
		if got, ok := RetryAfter(h, now); !ok || got != want {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	if _, ok := RetryAfter(http.Header{"Retry-After": {"soon"}}, now); ok {
		t.Error("RetryAfter accepted nonsense")
	}
	for v, want := range map[string]time.Duration{
		"2026-03-02T09:05:00.000000Z": 5 * time.Minute, // Mastodon
		"1772442060":                  time.Minute,     // epoch seconds
		"1772442000.5":                500 * time.Millisecond,
	} {
		if got, ok := UntilReset(v, now); !ok || got != want {
			t.Errorf("UntilReset(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	if _, ok := UntilReset("64.57", now); ok {
		t.Error("UntilReset took a relative number of seconds for an epoch")
	}
}

func TestNextLink(t *testing.T) {
	h := http.Header{"Link": {`<https://m.example/api/v1/x?max_id=7>; rel="next", <https://m.example/api/v1/x?min_id=9>; rel="prev"`}}
	if got := NextLink(h); got != "https://m.example/api/v1/x?max_id=7" {
		t.Errorf("NextLink = %q", got)
	}
	h = http.Header{"Link": {`<https://m.example/p>; rel="prev"`}}
	if got := NextLink(h); got != "" {
		t.Errorf("NextLink without next = %q", got)
	}
}

func TestMultipart(t *testing.T) {
	m := NewMultipart()
	m.Field("description", "A red square")
	m.File("file", "a.png", "image/png", []byte("PNGDATA"))
	body, ct, err := m.Finish()
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(ct)
	r := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
	form, err := r.ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	f := form.File["file"][0]
	fh, _ := f.Open()
	data, _ := io.ReadAll(fh)
	if form.Value["description"][0] != "A red square" || f.Filename != "a.png" || f.Header.Get("Content-Type") != "image/png" || string(data) != "PNGDATA" {
		t.Errorf("form %+v, file %+v %q", form.Value, f.Header, data)
	}
}

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/drop":
			io.ReadAll(r.Body)
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case "/big":
			w.Write([]byte(strings.Repeat("x", 100)))
		case "/slow":
			io.ReadAll(r.Body) // the server notices a closed connection only once the body is read
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusTeapot)
			w.Write([]byte(`{"ok":false}`))
		}
	}))
	defer srv.Close()
	write := Call{Network: "n", Op: "publish", Write: true}
	do := func(path string, call Call, client *http.Client) (*Response, error) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+path+"?access_token=SECRET", strings.NewReader("body"))
		return Do(client, req, call)
	}
	resp, err := do("/ok", write, srv.Client())
	if err != nil || resp.Status != http.StatusTeapot || string(resp.Body) != `{"ok":false}` {
		t.Fatalf("resp %+v, %v", resp, err)
	}
	_, err = do("/drop", write, srv.Client())
	if !network.MaybeWritten(err) || network.ClassOf(err) != network.Retryable {
		t.Errorf("dropped after the request was sent: %v, want retryable and maybe written", err)
	}
	_, err = do("/drop", Call{Network: "n", Op: "read"}, srv.Client())
	if network.MaybeWritten(err) {
		t.Errorf("a read is never maybe written: %v", err)
	}
	_, err = do("/big", Call{Network: "n", Op: "read", Limit: 10}, srv.Client())
	if err == nil || !strings.Contains(err.Error(), "over 10 bytes") {
		t.Errorf("oversized body: %v", err)
	}
	slow := *srv.Client()
	slow.Timeout = 50 * time.Millisecond
	_, err = do("/slow", write, &slow)
	if !network.MaybeWritten(err) || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("timeout: %v, want maybe written and no URL", err)
	}
	refused := &http.Client{Timeout: time.Second}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/x?access_token=SECRET", strings.NewReader("b"))
	_, err = Do(refused, req, write)
	if network.MaybeWritten(err) || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("refused connection: %v, want not written and no URL", err)
	}
}

func TestDecodeJSON(t *testing.T) {
	var v struct {
		ID int `json:"id"`
	}
	if err := DecodeJSON([]byte(`{"id":"token-abc"}`), &v); err == nil || strings.Contains(err.Error(), "token-abc") {
		t.Errorf("type error %v must not quote the body", err)
	}
	if err := DecodeJSON([]byte(`{"id":`), &v); err == nil {
		t.Error("truncated JSON accepted")
	}
}
