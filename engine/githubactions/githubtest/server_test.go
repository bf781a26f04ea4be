package githubtest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/githubactions/githubtest"
)

func request(t *testing.T, srv *githubtest.Server, method, path, body string, header map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	req.Header.Set("User-Agent", "test")
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("Authorization", "Bearer "+githubtest.Token)
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v == "" && k == "User-Agent" {
			req.Header.Set(k, "") // sends none, instead of Go's default
		} else if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestFakeChecksRequests(t *testing.T) {
	srv := githubtest.New()
	defer srv.Close()
	const list = "/repos/o/r/issues/5/comments"
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		problem                  bool
	}{
		{"list", "GET", list, "", nil, 200, false},
		{"create", "POST", list, `{"body":"x"}`, nil, 201, false},
		{"no user agent", "GET", list, "", map[string]string{"User-Agent": ""}, 403, true},
		{"bad credentials", "GET", list, "", map[string]string{"Authorization": "Bearer nope"}, 401, false},
		{"unknown API version", "GET", list, "", map[string]string{"X-GitHub-Api-Version": "2020-01-01"}, 400, true},
		{"form body", "POST", list, `body=x`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, true},
		{"bad JSON", "POST", list, `{"body":`, nil, 400, true},
		{"extra field", "POST", list, `{"body":"x","title":"y"}`, nil, 201, true},
		{"empty body", "POST", list, `{"body":""}`, nil, 422, false},
		{"too long", "POST", list, `{"body":"` + strings.Repeat("a", 65537) + `"}`, nil, 422, false},
		{"unknown comment", "PATCH", "/repos/o/r/issues/comments/9", `{"body":"x"}`, nil, 404, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Problems())
			resp := request(t, srv, tt.method, tt.path, tt.body, tt.header)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := len(srv.Problems()) > before; got != tt.problem {
				t.Errorf("problem recorded: %v, want %v (%q)", got, tt.problem, srv.Problems())
			}
			if resp.Header.Get("X-RateLimit-Limit") == "" {
				t.Error("no rate-limit headers")
			}
		})
	}
}

func TestFakePaginates(t *testing.T) {
	srv := githubtest.New()
	defer srv.Close()
	for range 7 {
		srv.Seed("o/r", 5, "someone", "hi")
	}
	resp := request(t, srv, "GET", "/repos/o/r/issues/5/comments?per_page=3&page=2", "", nil)
	var page []map[string]any
	json.NewDecoder(resp.Body).Decode(&page)
	if len(page) != 3 {
		t.Errorf("%d comments on page 2", len(page))
	}
	link := resp.Header.Get("Link")
	for _, want := range []string{`page=3&per_page=3>; rel="next"`, `page=3&per_page=3>; rel="last"`, `page=1&per_page=3>; rel="first"`, `page=1&per_page=3>; rel="prev"`} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %q lacks %q", link, want)
		}
	}
	resp = request(t, srv, "GET", "/repos/o/r/issues/5/comments?per_page=3&page=3", "", nil)
	if strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Error("the last page links to a next one")
	}
}
