package graph

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

const testToken = "EAAtestPageTokenQx7Lm2Np9Rs4Tv6Wy1Za3Bc5De8Fg0Hi"

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		status int
		err    *APIError
		write  bool
		class  network.Class
		maybe  bool
	}{
		{"app rate limit", 400, &APIError{Code: 4}, true, network.RateLimited, false},
		{"user rate limit", 400, &APIError{Code: 17}, true, network.RateLimited, false},
		{"page rate limit", 400, &APIError{Code: 32}, true, network.RateLimited, false},
		{"call rate limit", 400, &APIError{Code: 613}, false, network.RateLimited, false},
		{"business use case page", 400, &APIError{Code: 80001, IsTransient: true}, true, network.RateLimited, false},
		{"business use case instagram", 400, &APIError{Code: 80002}, true, network.RateLimited, false},
		{"instagram publishing cap", 400, &APIError{Code: 9, Subcode: 2207042}, true, network.RateLimited, false},
		{"instagram spam is not a rate limit", 400, &APIError{Code: 4, Subcode: 2207051}, true, network.Permanent, false},
		{"expired token", 400, &APIError{Code: 190, Subcode: 463}, true, network.Auth, false},
		{"session key", 400, &APIError{Code: 102}, false, network.Auth, false},
		{"permission denied", 403, &APIError{Code: 10}, true, network.Auth, false},
		{"permissions error 200", 403, &APIError{Code: 200}, true, network.Auth, false},
		{"capability", 400, &APIError{Code: 3}, true, network.Auth, false},
		{"unknown error on a write", 500, &APIError{Code: 1}, true, network.Retryable, true},
		{"service unavailable on a read", 503, &APIError{Code: 2, IsTransient: true}, false, network.Retryable, false},
		{"service unavailable on a write", 500, &APIError{Code: 2, IsTransient: true}, true, network.Retryable, true},
		{"instagram server error", 400, &APIError{Code: -1, Subcode: 2207001}, true, network.Retryable, true},
		{"instagram media not ready", 400, &APIError{Code: 9007, Subcode: 2207027}, true, network.Retryable, false},
		{"flagged transient", 400, &APIError{Code: 12345, IsTransient: true}, true, network.Retryable, true},
		{"invalid parameter", 400, &APIError{Code: 100}, true, network.Permanent, false},
		{"object gone", 400, &APIError{Code: 100, Subcode: 33}, true, network.Permanent, false},
		{"duplicate", 400, &APIError{Code: 506}, true, network.Permanent, false},
		{"blocked", 400, &APIError{Code: 368}, true, network.Permanent, false},
		{"no body 429", 429, nil, true, network.RateLimited, false},
		{"no body 401", 401, nil, true, network.Auth, false},
		{"no body 502 write", 502, nil, true, network.Retryable, true},
		{"no body 502 read", 502, nil, false, network.Retryable, false},
		{"no body 404", 404, nil, false, network.Permanent, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			class, maybe := Classify(tt.status, tt.err, tt.write)
			if class != tt.class || maybe != tt.maybe {
				t.Errorf("Classify = %v, maybe written %v; want %v, %v", class, maybe, tt.class, tt.maybe)
			}
		})
	}
}

func TestParseUsage(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		want   Usage
	}{
		{"none", nil, Usage{}},
		{"app usage", map[string]string{"X-App-Usage": `{"call_count":28,"total_time":25,"total_cputime":31}`}, Usage{Percent: 31}},
		{"business use case", map[string]string{"X-Business-Use-Case-Usage": `{"104857600123456":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":17,"estimated_time_to_regain_access":7}]}`},
			Usage{Percent: 100, RegainMinutes: 7}},
		{"highest of several", map[string]string{
			"X-App-Usage":               `{"call_count":40,"total_time":5,"total_cputime":5}`,
			"X-Business-Use-Case-Usage": `{"1":[{"type":"pages","call_count":10,"estimated_time_to_regain_access":2}],"2":[{"type":"instagram","call_count":55,"estimated_time_to_regain_access":9}]}`},
			Usage{Percent: 55, RegainMinutes: 9}},
		{"malformed ignored", map[string]string{"X-App-Usage": `{call_count`}, Usage{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := ParseUsage(h); got != tt.want {
				t.Errorf("ParseUsage = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// newClient returns a client of srv at a fixed clock that tests may move.
func newClient(t *testing.T, srv *httptest.Server, secret string) (*Client, *time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	c, err := New(Options{Network: "facebook", Base: srv.URL + "/v25.0", Token: testToken, AppSecret: secret,
		HTTP: srv.Client(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c, &now
}

func TestDoSendsTokenInHeaderAndProof(t *testing.T) {
	const secret = "app-secret-9f8e7d6c"
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(testToken))
	proof := hex.EncodeToString(mac.Sum(nil))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization = %q", got)
		}
		if r.URL.Query().Has("access_token") {
			t.Error("the token travels in the query string")
		}
		if got := r.URL.Query().Get("appsecret_proof"); got != proof {
			t.Errorf("appsecret_proof = %q, want %q", got, proof)
		}
		if r.URL.Path != "/v25.0/123/feed" || r.Method != http.MethodPost {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("message") != "Bonjour" {
			t.Errorf("form %v (%v)", r.PostForm, err)
		}
		w.Write([]byte(`{"id":"123_456"}`))
	}))
	defer srv.Close()
	c, _ := newClient(t, srv, secret)
	var out struct{ ID string }
	err := c.Do(t.Context(), Call{Op: "publish", Method: "POST", Path: "123/feed", Form: url.Values{"message": {"Bonjour"}}, Write: true}, &out)
	if err != nil || out.ID != "123_456" {
		t.Fatalf("Do = %v, id %q", err, out.ID)
	}
}

func TestDoErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		class  network.Class
		retry  time.Duration
		text   string
	}{
		{"token expired", 400, nil,
			`{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC123"}}`,
			network.Auth, 0, "graph error 190/463 (OAuthException): Error validating access token: Session has expired [fbtrace_id AbC123]"},
		{"throttled with regain time", 400,
			map[string]string{"X-Business-Use-Case-Usage": `{"123":[{"type":"pages","call_count":100,"total_cputime":5,"total_time":9,"estimated_time_to_regain_access":4}]}`},
			`{"error":{"message":"(#80001) There have been too many calls to this Page account.","type":"OAuthException","code":80001,"is_transient":true,"fbtrace_id":"X"}}`,
			network.RateLimited, 4 * time.Minute, "(retry after 4m0s)"},
		{"server error without body", 502, nil, `<html>Bad Gateway</html>`, network.Retryable, 0, "unexpected reply: <html>Bad Gateway</html>"},
		{"error object in a 200", 200, nil, `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}`,
			network.Permanent, 0, "(#100) Invalid parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, _ := newClient(t, srv, "")
			err := c.Do(t.Context(), Call{Op: "publish", Method: "POST", Path: "123/feed", Form: url.Values{}, Write: true}, nil)
			var ne *network.Error
			if !errors.As(err, &ne) {
				t.Fatalf("error %v is not a *network.Error", err)
			}
			if ne.Class != tt.class || ne.RetryAfter != tt.retry || ne.Status != tt.status {
				t.Errorf("class %v, retry after %v, status %d; want %v, %v, %d", ne.Class, ne.RetryAfter, ne.Status, tt.class, tt.retry, tt.status)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
		})
	}
}

func TestErrorReplyDoesNotPauseButAnnouncedBlockDoes(t *testing.T) {
	var (
		mu    sync.Mutex
		calls int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		switch n {
		case 1: // throttled: the caller's retry honours RetryAfter
			w.Header().Set("X-Business-Use-Case-Usage", `{"1":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":3}]}`)
			w.WriteHeader(400)
			w.Write([]byte(`{"error":{"message":"throttled","type":"OAuthException","code":80001}}`))
		default: // served, but Meta announces a block of 2 minutes
			w.Header().Set("X-Business-Use-Case-Usage", `{"1":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":2}]}`)
			w.Write([]byte(`{"id":"1"}`))
		}
	}))
	defer srv.Close()
	c, now := newClient(t, srv, "")
	get := func() error { return c.Do(t.Context(), Call{Op: "read", Method: "GET", Path: "1"}, nil) }
	if err := get(); network.ClassOf(err) != network.RateLimited || network.RetryAfter(err) != 3*time.Minute {
		t.Fatalf("first call: %v", err)
	}
	if err := get(); err != nil {
		t.Fatalf("second call after a throttled reply: %v; the client must not pause on its own", err)
	}
	err := get()
	if network.ClassOf(err) != network.RateLimited || network.RetryAfter(err) != 2*time.Minute {
		t.Fatalf("third call during an announced block: %v, want rate-limited for 2m", err)
	}
	if calls != 2 {
		t.Errorf("server saw %d calls, want 2 (the paused call is not sent)", calls)
	}
	if u := c.Usage(); u.Percent != 100 || u.RegainMinutes != 2 {
		t.Errorf("Usage = %+v", u)
	}
	*now = now.Add(2 * time.Minute)
	if err := get(); err != nil {
		t.Errorf("call after the block: %v", err)
	}
}

func TestTransportErrorsHoldNoSecret(t *testing.T) {
	const secret = "app-secret-1a2b3c4d"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the dial fails
	for _, base := range []string{"http://" + addr + "/v25.0", "http://user:" + testToken + "@" + addr + "/v25.0"} {
		c, err := New(Options{Network: "facebook", Base: base, Token: testToken, AppSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Do(context.Background(), Call{Op: "publish", Method: "POST", Path: "1/feed",
			Query: url.Values{"access_token": {testToken}}, Form: url.Values{}, Write: true}, nil)
		if err == nil {
			t.Fatal("no error from a closed port")
		}
		assertClean(t, err, testToken, secret, c.proof)
		if network.ClassOf(err) != network.Retryable {
			t.Errorf("class %v, want retryable", network.ClassOf(err))
		}
		if network.MaybeWritten(err) {
			t.Error("a refused connection is reported as maybe written")
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			t.Errorf("a *url.Error (whose text is the URL) stays in the chain: %v", uerr)
		}
	}
}

func TestTimeoutIsMaybeWrittenAndClean(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := newClient(t, srv, "")
	c.http = &http.Client{Timeout: 50 * time.Millisecond}
	err := c.Do(t.Context(), Call{Op: "publish", Method: "POST", Path: "1/feed", Query: url.Values{"access_token": {testToken}},
		Form: url.Values{"message": {"x"}}, Write: true}, nil)
	if !network.MaybeWritten(err) || network.ClassOf(err) != network.Retryable {
		t.Fatalf("timeout: %v (maybe written %v)", err, network.MaybeWritten(err))
	}
	var timeout interface{ Timeout() bool }
	if !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Error("the timeout is no longer recognisable")
	}
	assertClean(t, err, testToken)
}

func TestErrorBodyEchoingTokenIsScrubbed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		w.Write([]byte(`{"error":{"message":"Malformed access token ` + testToken + `","type":"OAuthException","code":190}}`))
	}))
	defer srv.Close()
	c, _ := newClient(t, srv, "")
	err := c.Do(t.Context(), Call{Op: "read", Method: "GET", Path: "me"}, nil)
	if network.ClassOf(err) != network.Auth {
		t.Fatalf("class %v", network.ClassOf(err))
	}
	assertClean(t, err, testToken)
}

// assertClean fails when any error in err's chain shows a secret.
func assertClean(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, s := range secrets {
			if s != "" && strings.Contains(e.Error(), s) {
				t.Errorf("error %T %q contains a secret", e, e.Error())
			}
		}
	}
}

func TestEachFollowsCursorsNotNext(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.RawQuery)
		switch r.URL.Query().Get("after") {
		case "":
			w.Write([]byte(`{"data":[{"id":"1"},{"id":"2"}],"paging":{"cursors":{"before":"b0","after":"c2"},"next":"https://elsewhere.example/steal?after=c2"}}`))
		case "c2":
			w.Write([]byte(`{"data":[{"id":"3"}],"paging":{"cursors":{"before":"c2","after":"c3"}}}`))
		default:
			t.Errorf("unexpected cursor %q", r.URL.Query().Get("after"))
		}
	}))
	defer srv.Close()
	c, _ := newClient(t, srv, "")
	var ids []string
	complete, err := Each(t.Context(), c, "list", "1/posts", url.Values{"limit": {"2"}}, 5, func(it struct{ ID string }) bool {
		ids = append(ids, it.ID)
		return true
	})
	if err != nil || !complete || strings.Join(ids, ",") != "1,2,3" {
		t.Fatalf("Each = %v, %v, ids %v", complete, err, ids)
	}
	if want := []string{"limit=2", "after=c2&limit=2"}; strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Errorf("queries %q, want %q", seen, want)
	}
}

func TestTimeFormats(t *testing.T) {
	for _, in := range []string{`"2026-03-02T09:30:00+0000"`, `"2026-03-02T10:30:00+0100"`, `"2026-03-02T09:30:00Z"`} {
		var tm Time
		if err := tm.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if want := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC); !tm.Equal(want) {
			t.Errorf("%s = %v, want %v", in, tm.Time, want)
		}
	}
	if got := FormatTime(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)); got != "2026-03-02T09:30:00+0000" {
		t.Errorf("FormatTime = %q", got)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, o := range []Options{{Base: "ftp://x", Token: "t"}, {Base: "https://graph.facebook.com/v25.0"}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// roundTripFunc is a transport for tests.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportCauseQuotingTheTokenIsScrubbed(t *testing.T) {
	c, err := New(Options{Network: "facebook", Token: testToken, HTTP: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, errors.New("proxy refused " + r.Header.Get("Authorization"))
	})}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(t.Context(), Call{Op: "read", Method: "GET", Path: "me"}, nil)
	if err == nil || !strings.Contains(err.Error(), "proxy refused Bearer [redacted]") {
		t.Fatalf("error %v", err)
	}
	assertClean(t, err, testToken)
}
