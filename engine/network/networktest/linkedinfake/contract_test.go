package linkedinfake

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestFakeContract(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	urn := f.StorePost("x", 0)
	send := func(method, path string, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, f.URL()+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	full := map[string]string{"Authorization": "Bearer " + Token, "LinkedIn-Version": "202605", "X-Restli-Protocol-Version": "2.0.0"}
	without := func(k string) map[string]string {
		h := map[string]string{}
		for kk, v := range full {
			if kk != k {
				h[kk] = v
			}
		}
		return h
	}
	with := func(k, v string) map[string]string {
		h := without(k)
		h[k] = v
		return h
	}
	encoded := "/rest/posts/" + strings.ReplaceAll(urn, ":", "%3A")
	tests := []struct {
		name   string
		path   string
		header map[string]string
		status int
		code   string
	}{
		{"good", encoded, full, 200, ""},
		{"no version", encoded, without("LinkedIn-Version"), 400, "VERSION_MISSING"},
		{"sunset version", encoded, with("LinkedIn-Version", "202401"), 426, "NONEXISTENT_VERSION"},
		{"no protocol version", encoded, without("X-Restli-Protocol-Version"), 400, "ILLEGAL_ARGUMENT"},
		{"bad token", encoded, with("Authorization", "Bearer nope"), 401, "INVALID_ACCESS_TOKEN"},
		{"unencoded key", "/rest/posts/" + urn, full, 400, "ILLEGAL_ARGUMENT"},
		{"wrong Rest.li method", encoded, with("X-RestLi-Method", "DELETE"), 400, "ILLEGAL_ARGUMENT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send("GET", tt.path, tt.header)
			if status != tt.status || !strings.Contains(body, tt.code) {
				t.Errorf("status %d %s, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
}
