package linkedin

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
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// exchange is one request a scripted server expects, and its answer.
type exchange struct {
	method, path string
	// query, when not nil, must equal the request's query exactly.
	query url.Values
	// header lists headers that must have these values.
	header map[string]string
	// json, when set, must equal the request body as JSON; {{host}} stands
	// for the server's own URL, in json and in resp.
	json string
	// check inspects the request further.
	check func(t *testing.T, r *http.Request, body []byte)

	status     int
	respHeader map[string]string
	resp       string
}

// script serves exchanges in order on 127.0.0.1 and fails t on any request
// that differs from the next expected one, or when some are left unserved.
func script(t *testing.T, exchanges ...exchange) string {
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
		if r.Method != e.method || r.URL.EscapedPath() != e.path {
			t.Errorf("request %d: got %s %s, want %s %s", i+1, r.Method, r.URL.EscapedPath(), e.method, e.path)
		}
		if e.query != nil && !reflect.DeepEqual(r.URL.Query(), e.query) {
			t.Errorf("request %d (%s %s): query %v, want %v", i+1, e.method, e.path, r.URL.Query(), e.query)
		}
		for k, v := range e.header {
			if got := r.Header.Get(k); got != v {
				t.Errorf("request %d (%s %s): header %s = %q, want %q", i+1, e.method, e.path, k, got, v)
			}
		}
		self := "http://" + r.Host
		if e.json != "" {
			var got, want any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Errorf("request %d (%s %s): body %q is not JSON: %v", i+1, e.method, e.path, body, err)
			}
			if err := json.Unmarshal([]byte(strings.ReplaceAll(e.json, "{{host}}", self)), &want); err != nil {
				t.Fatalf("bad expected JSON %q: %v", e.json, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("request %d (%s %s): body\n  %s\nwant\n  %s", i+1, e.method, e.path, body, e.json)
			}
		}
		if e.check != nil {
			e.check(t, r, body)
		}
		for k, v := range e.respHeader {
			w.Header().Set(k, v)
		}
		if e.resp != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		status := e.status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, strings.ReplaceAll(e.resp, "{{host}}", self))
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		if next < len(exchanges) {
			t.Errorf("%d of %d expected requests were not made; next: %s %s", len(exchanges)-next, len(exchanges), exchanges[next].method, exchanges[next].path)
		}
	})
	return srv.URL
}

// testNow is the clock of scripted tests.
var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// newTest builds an adapter for a scripted server, posting as an
// organization, with a fixed clock.
func newTest(t *testing.T, api string, settings map[string]string) *Adapter {
	t.Helper()
	s := map[string]string{"api": api, "author": "urn:li:organization:5515715"}
	for k, v := range settings {
		s[k] = v
	}
	a, err := New(network.Config{
		Settings:   s,
		Secrets:    map[string]string{"token": "li-tok"},
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		Now:        func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.(*Adapter)
}
