package facebookfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// call sends a Graph request with the Page token in the header (unless
// token is "") and decodes the reply.
func call(t *testing.T, s *Server, method, path, token string, form url.Values) (int, http.Header, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, s.API()+"/"+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

func errorCode(out map[string]any) (float64, float64) {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(float64)
	sub, _ := e["error_subcode"].(float64)
	return code, sub
}

func TestGraphErrors(t *testing.T) {
	s := New(WithDuplicateCheck())
	defer s.Close()
	msg := url.Values{"message": {"Bonjour"}}
	tests := []struct {
		name, method, path, token string
		form                      url.Values
		code, sub                 float64
	}{
		{"no token", "POST", PageID + "/feed", "", msg, 104, 0},
		{"wrong token", "POST", PageID + "/feed", "EAAwrong", msg, 190, 0},
		{"empty post", "POST", PageID + "/feed", Token, url.Values{}, 100, 0},
		{"unknown object", "DELETE", PageID + "_1", Token, nil, 100, 33},
		{"bad attached_media", "POST", PageID + "/feed", Token, url.Values{"attached_media[0]": {`{"media_fbid":"404"}`}}, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, out := call(t, s, tt.method, tt.path, tt.token, tt.form)
			if code, sub := errorCode(out); status != 400 || code != tt.code || sub != tt.sub {
				t.Errorf("%s %s = %d %v; want code %v/%v", tt.method, tt.path, status, out, tt.code, tt.sub)
			}
		})
	}
	if status, _, _ := call(t, s, "POST", PageID+"/feed", Token, msg); status != 200 {
		t.Fatalf("first post: %d", status)
	}
	if _, _, out := call(t, s, "POST", PageID+"/feed", Token, msg); func() float64 { c, _ := errorCode(out); return c }() != 506 {
		t.Errorf("repeated post: %v, want code 506", out)
	}
	if s.Writes() != 1 {
		t.Errorf("writes %d, want 1", s.Writes())
	}
}

func TestRateLimitSendsUsageHeader(t *testing.T) {
	s := New(WithRetryAfter(3 * 60e9))
	defer s.Close()
	s.Inject(networktest.RateLimit)
	status, h, out := call(t, s, "POST", PageID+"/feed", Token, url.Values{"message": {"x"}})
	code, _ := errorCode(out)
	var usage map[string][]map[string]any
	json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &usage)
	if status != 400 || code != 80001 || usage[PageID][0]["estimated_time_to_regain_access"] != float64(3) {
		t.Fatalf("rate limit = %d %v, usage %v", status, out, usage)
	}
	if s.Writes() != 0 || len(s.Messages()) != 0 {
		t.Error("a rate-limited write took effect")
	}
}

func TestPostsArePagedNewestFirst(t *testing.T) {
	s := New()
	defer s.Close()
	for _, m := range []string{"un", "deux", "trois"} {
		call(t, s, "POST", PageID+"/feed", Token, url.Values{"message": {m}})
	}
	_, _, out := call(t, s, "GET", PageID+"/posts?fields=id,message&limit=2", Token, nil)
	data := out["data"].([]any)
	paging := out["paging"].(map[string]any)
	if len(data) != 2 || data[0].(map[string]any)["message"] != "trois" || paging["next"] == nil {
		t.Fatalf("first page %v", out)
	}
	if strings.Contains(paging["next"].(string), Token) {
		t.Error("the next URL carries the token")
	}
	after := paging["cursors"].(map[string]any)["after"].(string)
	_, _, out = call(t, s, "GET", PageID+"/posts?fields=id,message&limit=2&after="+after, Token, nil)
	data = out["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["message"] != "un" || out["paging"].(map[string]any)["next"] != nil {
		t.Fatalf("second page %v", out)
	}
}
