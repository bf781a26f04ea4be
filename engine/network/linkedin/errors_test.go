package linkedin

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 3, 2, 22, 30, 15, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		write  bool
		class  network.Class
		maybe  bool
		retry  time.Duration
		is     error
		msg    string
	}{
		{
			name: "expired token", status: 401, body: `{"status":401,"serviceErrorCode":65600,"code":"INVALID_ACCESS_TOKEN","message":"Invalid access token"}`,
			class: network.Auth, msg: "INVALID_ACCESS_TOKEN: Invalid access token",
		},
		{
			name: "missing scope", status: 403, body: `{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: partnerApiPostsExternal.CREATE.20260501"}`,
			write: true, class: network.Auth, msg: "ACCESS_DENIED",
		},
		{
			name: "duplicate", status: 422, body: duplicateBody, write: true,
			class: network.Permanent, is: ErrDuplicate, msg: "Content is a duplicate of urn:li:share:7141138937766391808",
		},
		{
			name: "missing field", status: 422, body: `{"message":"ERROR :: /author :: field is required but not found and has no default value\n","status":422}`,
			write: true, class: network.Permanent, msg: "/author :: field is required",
		},
		{
			name: "malformed", status: 400, body: `{"status":400,"serviceErrorCode":100,"code":"ILLEGAL_ARGUMENT","message":"Malformed JSON"}`,
			class: network.Permanent, msg: "ILLEGAL_ARGUMENT",
		},
		{
			name: "version missing", status: 400, body: `{"status":400,"code":"VERSION_MISSING","message":"A version must be present. Please specify a version by adding the LinkedIn-Version header."}`,
			class: network.Permanent, msg: "VERSION_MISSING",
		},
		{
			name: "version sunset", status: 426, body: `{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 202301 is not active"}`,
			class: network.Permanent, msg: "202301 is not active",
		},
		{
			name: "not found", status: 404, body: `{"status":404,"code":"NOT_FOUND","message":"Not Found"}`,
			class: network.Permanent, is: network.ErrNotFound,
		},
		{
			name: "daily limit", status: 429, body: `{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}`,
			write: true, class: network.RateLimited, retry: time.Hour + 29*time.Minute + 45*time.Second,
		},
		{
			name: "limit with Retry-After", status: 429, header: map[string]string{"Retry-After": "120"},
			class: network.RateLimited, retry: 2 * time.Minute,
		},
		{
			name: "server error on write", status: 500, body: `{"message":"Internal Server Error","status":500}`,
			write: true, class: network.Retryable, maybe: true,
		},
		{
			name: "bad gateway on read", status: 502, class: network.Retryable, msg: "bad gateway",
		},
		{
			name: "gateway timeout on write", status: 504, write: true, class: network.Retryable, maybe: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			e := classify("publish", &httpx.Response{Status: tt.status, Header: h, Body: []byte(tt.body)}, now, tt.write)
			if e.Class != tt.class {
				t.Errorf("class %v, want %v (%v)", e.Class, tt.class, e)
			}
			if e.MaybeWritten != tt.maybe {
				t.Errorf("MaybeWritten %v, want %v", e.MaybeWritten, tt.maybe)
			}
			if e.RetryAfter != tt.retry {
				t.Errorf("RetryAfter %v, want %v", e.RetryAfter, tt.retry)
			}
			if tt.is != nil && !errors.Is(e, tt.is) {
				t.Errorf("%v does not wrap %v", e, tt.is)
			}
			if tt.msg != "" && !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("message %q lacks %q", e.Error(), tt.msg)
			}
			if api := apiError(e); api == nil || api.Status != tt.status {
				t.Errorf("no APIError with status %d in %v", tt.status, e)
			}
		})
	}
}

func TestDuplicateURN(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{duplicateBody, "urn:li:share:7141138937766391808"},
		{`{"message":"Content is a duplicate of urn:li:ugcPost:7012345678901234567","status":422}`, "urn:li:ugcPost:7012345678901234567"},
		{`{"errorDetails":{"inputErrors":[{"description":"Duplicate of urn:li:share:55","code":"DUPLICATE_POST"}]},"status":422}`, "urn:li:share:55"},
		{`{"errorDetails":{"inputErrors":[{"description":"Duplicate post is detected","code":"DUPLICATE_POST"}]},"status":422}`, ""},
	}
	for _, tt := range tests {
		e := parseError(422, []byte(tt.body))
		if !e.duplicate() {
			t.Errorf("%s: not a duplicate", tt.body)
		}
		if got := e.existing(); got != tt.want {
			t.Errorf("existing() = %q, want %q (%s)", got, tt.want, tt.body)
		}
	}
	if parseError(422, []byte(`{"message":"ERROR :: /author :: field is required","status":422}`)).duplicate() {
		t.Error("a missing field is taken for a duplicate")
	}
}

func TestUntilMidnightUTC(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		now  time.Time
		want time.Duration
	}{
		{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 24 * time.Hour},
		{time.Date(2026, 3, 2, 23, 59, 59, 0, time.UTC), time.Second},
		{time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), 12 * time.Hour},
		{time.Date(2026, 3, 3, 0, 30, 0, 0, paris), 30 * time.Minute}, // 23:30 UTC on the 2nd
	}
	for _, tt := range tests {
		if got := untilMidnightUTC(tt.now); got != tt.want {
			t.Errorf("untilMidnightUTC(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}
