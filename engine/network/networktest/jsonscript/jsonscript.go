// Package jsonscript serves a scripted JSON API for adapter unit tests (X,
// LinkedIn): each expected request is checked (method, path, query,
// headers, JSON body) and answered with a canned reply, in order.
package jsonscript

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// Exchange is one request a scripted server expects, and its answer.
type Exchange struct {
	Method, Path string
	// Query, when not nil, must equal the request's query exactly.
	Query url.Values
	// Header lists headers that must have these values.
	Header map[string]string
	// JSON, when set, must equal the request body as JSON; {{host}} stands
	// for the server's own URL, in JSON and in Resp.
	JSON string
	// Check inspects the request further.
	Check func(t *testing.T, r *http.Request, body []byte)

	// Status (200 when 0), RespHeader and Resp are the answer.
	Status     int
	RespHeader map[string]string
	Resp       string
}

// Serve serves exchanges in order on 127.0.0.1 and fails t on any request
// that differs from the next expected one, or when some are left unserved.
// It returns the server's URL.
func Serve(t *testing.T, exchanges ...Exchange) string {
	t.Helper()
	var mu sync.Mutex
	next := 0
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		i := next
		next++
		mu.Unlock()
		if i >= len(exchanges) {
			t.Errorf("unexpected request %d: %s %s?%s", i+1, r.Method, r.URL.Path, r.URL.RawQuery)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		e := exchanges[i]
		if r.Method != e.Method || r.URL.EscapedPath() != e.Path {
			t.Errorf("request %d: got %s %s, want %s %s", i+1, r.Method, r.URL.EscapedPath(), e.Method, e.Path)
		}
		if e.Query != nil && !reflect.DeepEqual(r.URL.Query(), e.Query) {
			t.Errorf("request %d (%s %s): query %v, want %v", i+1, e.Method, e.Path, r.URL.Query(), e.Query)
		}
		for k, v := range e.Header {
			if got := r.Header.Get(k); got != v {
				t.Errorf("request %d (%s %s): header %s = %q, want %q", i+1, e.Method, e.Path, k, got, v)
			}
		}
		self := "http://" + r.Host
		if e.JSON != "" {
			var got, want any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Errorf("request %d (%s %s): body %q is not JSON: %v", i+1, e.Method, e.Path, body, err)
			}
			if err := json.Unmarshal([]byte(strings.ReplaceAll(e.JSON, "{{host}}", self)), &want); err != nil {
				t.Fatalf("bad expected JSON %q: %v", e.JSON, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("request %d (%s %s): body\n  %s\nwant\n  %s", i+1, e.Method, e.Path, body, e.JSON)
			}
		}
		if e.Check != nil {
			e.Check(t, r, body)
		}
		for k, v := range e.RespHeader {
			w.Header().Set(k, v)
		}
		if e.Resp != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		status := e.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, strings.ReplaceAll(e.Resp, "{{host}}", self))
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		if next < len(exchanges) {
			t.Errorf("%d of %d expected requests were not made; next: %s %s", len(exchanges)-next, len(exchanges), exchanges[next].Method, exchanges[next].Path)
		}
	})
	return srv.URL
}
