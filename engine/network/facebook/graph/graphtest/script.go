// Package graphtest serves a scripted Graph API for the Facebook and
// Instagram adapters' unit tests: each expected request is checked exactly
// (method, versioned path, bearer token, query, urlencoded or multipart
// fields and files) and answered with a canned reply.
package graphtest

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Exchange is one expected request and the reply to it.
type Exchange struct {
	// Method and Path (relative to /v25.0/).
	Method, Path string
	// Query and Form are compared exactly (Form: urlencoded or multipart
	// fields); nil means none.
	Query, Form url.Values
	// Files maps a multipart file field to its expected file.
	Files map[string]File
	// Status (200 when 0), Header and Body are the reply.
	Status int
	Header map[string]string
	Body   string
}

// File is an expected multipart file.
type File struct {
	Name, MIME string
	Data       []byte
}

// Script serves the exchanges in order, expecting token as the bearer
// token, and fails the test on any difference, on an unexpected request, and
// on exchanges left unused when the test ends.
func Script(t *testing.T, token string, exchanges ...Exchange) *httptest.Server {
	t.Helper()
	var (
		mu sync.Mutex
		i  int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if i >= len(exchanges) {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			w.WriteHeader(500)
			return
		}
		x := exchanges[i]
		i++
		check(t, i, token, x, r)
		for k, v := range x.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		if x.Status != 0 {
			w.WriteHeader(x.Status)
		}
		io.WriteString(w, x.Body)
	}))
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		if i != len(exchanges) {
			t.Errorf("%d of %d expected requests were made", i, len(exchanges))
		}
	})
	return srv
}

func check(t *testing.T, n int, token string, x Exchange, r *http.Request) {
	t.Helper()
	if r.Method != x.Method || r.URL.Path != "/v25.0/"+x.Path {
		t.Errorf("request %d: %s %s, want %s /v25.0/%s", n, r.Method, r.URL.Path, x.Method, x.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("request %d: Authorization %q", n, got)
	}
	if strings.Contains(r.URL.RawQuery, token) {
		t.Errorf("request %d: the token is in the URL", n)
	}
	if q := r.URL.Query(); !sameValues(q, x.Query) {
		t.Errorf("request %d: query %v, want %v", n, q, x.Query)
	}
	var form url.Values
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "multipart/form-data"):
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			t.Fatalf("request %d: %v", n, err)
		}
		form = url.Values(r.MultipartForm.Value)
		for field, want := range x.Files {
			fhs := r.MultipartForm.File[field]
			if len(fhs) != 1 {
				t.Errorf("request %d: %d files in %q, want 1", n, len(fhs), field)
				continue
			}
			f, _ := fhs[0].Open()
			data, _ := io.ReadAll(f)
			f.Close()
			if fhs[0].Filename != want.Name || fhs[0].Header.Get("Content-Type") != want.MIME || string(data) != string(want.Data) {
				t.Errorf("request %d: file %q = %s %s %d bytes, want %s %s %d bytes", n, field,
					fhs[0].Filename, fhs[0].Header.Get("Content-Type"), len(data), want.Name, want.MIME, len(want.Data))
			}
		}
		if len(r.MultipartForm.File) != len(x.Files) {
			t.Errorf("request %d: %d file fields, want %d", n, len(r.MultipartForm.File), len(x.Files))
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if err := r.ParseForm(); err != nil {
			t.Fatalf("request %d: %v", n, err)
		}
		form = r.PostForm
	case ct == "":
	default:
		t.Errorf("request %d: Content-Type %q", n, ct)
	}
	if !sameValues(form, x.Form) {
		t.Errorf("request %d: form %v, want %v", n, form, x.Form)
	}
}

func sameValues(a, b url.Values) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return maps.EqualFunc(a, b, slices.Equal)
}
