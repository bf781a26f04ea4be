package x

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

func TestClassify(t *testing.T) {
	now := time.Unix(1772445600, 0) // 2026-03-02T10:00:00Z
	reset := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		write    bool
		class    network.Class
		maybe    bool
		retry    time.Duration
		is       error
		msg      string
		notMaybe bool
	}{
		{
			name: "duplicate", status: 403,
			body:  `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`,
			write: true, class: network.Permanent, is: ErrDuplicate, msg: "duplicate content",
		},
		{
			name: "legacy duplicate", status: 403, body: `{"errors":[{"code":187,"message":"Status is a duplicate."}]}`,
			write: true, class: network.Permanent, is: ErrDuplicate,
		},
		{
			name: "unauthorized", status: 401, body: `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`,
			class: network.Auth, msg: "Unauthorized",
		},
		{
			name: "client forbidden", status: 403,
			body:  `{"client_id":"123","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}`,
			class: network.Auth, msg: "Client Forbidden",
		},
		{
			name: "oauth1 read-only app", status: 403,
			body:  `{"title":"Forbidden","detail":"Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.","type":"https://api.twitter.com/2/problems/oauth1-permissions","status":403}`,
			class: network.Auth,
		},
		{
			name: "forbidden without body", status: 403, class: network.Auth,
		},
		{
			name: "reply to deleted", status: 403,
			body:  `{"detail":"You attempted to reply to a Tweet that is deleted or not visible to you.","type":"about:blank","title":"Forbidden","status":403}`,
			write: true, class: network.Permanent,
		},
		{
			name: "legacy bad token", status: 401, body: `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`,
			class: network.Auth, msg: "Invalid or expired token. (code 89)",
		},
		{
			name: "invalid request", status: 400,
			body:  `{"errors":[{"parameters":{"poll.options":[]},"message":"poll.options must hold 2 to 4 options"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`,
			write: true, class: network.Permanent, msg: "poll.options must hold 2 to 4 options",
		},
		{
			name: "not found", status: 404,
			body:  `{"title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found","detail":"Could not find tweet with id: [1]."}`,
			class: network.Permanent, is: network.ErrNotFound,
		},
		{
			name: "rate limited, window", status: 429,
			header: map[string]string{"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset(7 * time.Minute)},
			body:   `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`,
			write:  true, class: network.RateLimited, retry: 7 * time.Minute,
		},
		{
			name: "rate limited, daily user cap wins", status: 429,
			header: map[string]string{
				"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset(5 * time.Minute),
				"x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": reset(9 * time.Hour),
				"x-app-limit-24hour-remaining": "4000", "x-app-limit-24hour-reset": reset(20 * time.Hour),
			},
			write: true, class: network.RateLimited, retry: 9 * time.Hour,
		},
		{
			name: "rate limited, window not exhausted but app cap", status: 429,
			header: map[string]string{
				"x-rate-limit-remaining": "3", "x-rate-limit-reset": reset(5 * time.Minute),
				"x-app-limit-24hour-remaining": "0", "x-app-limit-24hour-reset": reset(3 * time.Hour),
			},
			class: network.RateLimited, retry: 3 * time.Hour,
		},
		{
			name: "rate limited, only reset", status: 429,
			header: map[string]string{"x-rate-limit-reset": reset(2 * time.Minute)},
			body:   `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`,
			class:  network.RateLimited, retry: 2 * time.Minute,
		},
		{
			name: "rate limited, reset passed", status: 429,
			header: map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset(-time.Minute)},
			class:  network.RateLimited, retry: time.Second,
		},
		{
			name: "rate limited, Retry-After", status: 429, header: map[string]string{"Retry-After": "30"},
			class: network.RateLimited, retry: 30 * time.Second,
		},
		{
			name: "usage capped", status: 429,
			body:  `{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}`,
			class: network.RateLimited,
		},
		{
			name: "server error on write", status: 500, body: `{"title":"Internal Server Error","detail":"Internal Server Error","type":"about:blank","status":500}`,
			write: true, class: network.Retryable, maybe: true,
		},
		{
			name: "service unavailable on read", status: 503, body: `Service Unavailable`,
			class: network.Retryable, msg: "service unavailable",
		},
		{
			name: "gateway timeout on write", status: 504, write: true, class: network.Retryable, maybe: true,
		},
		{
			name: "request timeout", status: 408, write: true, class: network.Retryable, maybe: true,
		},
		{
			name: "conflict", status: 409, body: `{"title":"Conflict","detail":"conflict","type":"about:blank"}`, class: network.Permanent,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			e := classify("publish", tt.status, h, []byte(tt.body), now, tt.write)
			if e.Class != tt.class {
				t.Errorf("class %v, want %v (%v)", e.Class, tt.class, e)
			}
			if e.MaybeWritten != tt.maybe {
				t.Errorf("MaybeWritten %v, want %v", e.MaybeWritten, tt.maybe)
			}
			if e.RetryAfter != tt.retry {
				t.Errorf("RetryAfter %v, want %v", e.RetryAfter, tt.retry)
			}
			if e.Status != tt.status || e.Network != "x" || e.Op != "publish" {
				t.Errorf("error fields %+v", e)
			}
			if tt.is != nil && !errors.Is(e, tt.is) {
				t.Errorf("%v does not wrap %v", e, tt.is)
			}
			if tt.msg != "" && !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("message %q lacks %q", e.Error(), tt.msg)
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	// A closed port: the connection is refused, nothing was sent.
	a, _ := newTest(t, "http://127.0.0.1:1", nil)
	_, err := a.Publish(t.Context(), &network.Post{Text: "hello"})
	if network.ClassOf(err) != network.Retryable || network.MaybeWritten(err) {
		t.Fatalf("refused connection: %v (class %v, maybe %v), want retryable, not written", err, network.ClassOf(err), network.MaybeWritten(err))
	}
	if strings.Contains(err.Error(), "http://") || strings.Contains(err.Error(), "/2/tweets") {
		t.Errorf("error %q names the URL", err)
	}
}
