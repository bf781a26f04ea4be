package bluesky_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/bluesky"
)

// TestErrorClasses answers createRecord with each failure a PDS gives and
// checks the class, RetryAfter and MaybeWritten of the publish error. The
// getRecord that follows every failed create answers RecordNotFound.
func TestErrorClasses(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 400_000_000, time.UTC)
	tests := []struct {
		name        string
		status      int
		body        string
		header      map[string]string
		class       network.Class
		retryAfter  time.Duration
		maybeWriten bool
	}{
		{"rate limited, reset in 42.6s", 429, `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`,
			map[string]string{"RateLimit-Reset": strconv.FormatInt(now.Unix()+43, 10), "RateLimit-Remaining": "0"},
			network.RateLimited, 43 * time.Second, false},
		{"rate limited, Retry-After only", 429, `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`,
			map[string]string{"Retry-After": "7"}, network.RateLimited, 7 * time.Second, false},
		{"invalid token", 400, `{"error":"InvalidToken","message":"Token could not be verified"}`, nil, network.Auth, 0, false},
		{"auth missing", 401, `{"error":"AuthMissing","message":"Authentication Required"}`, nil, network.Auth, 0, false},
		{"taken down", 400, `{"error":"AccountTakedown","message":"Account has been taken down"}`, nil, network.Auth, 0, false},
		{"too long", 400, `{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"}`,
			nil, network.Permanent, 0, false},
		{"blob too large", 413, `{"error":"PayloadTooLarge","message":"request entity too large"}`, nil, network.Permanent, 0, false},
		{"bad gateway, not JSON", 502, `<html>bad gateway</html>`, nil, network.Retryable, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/xrpc/com.atproto.server.createSession":
					_ = json.NewEncoder(w).Encode(map[string]string{"did": "did:plc:abc", "handle": "a.test", "accessJwt": "A", "refreshJwt": "R"})
				case "/xrpc/com.atproto.repo.createRecord":
					for k, v := range tc.header {
						w.Header().Set(k, v)
					}
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(tc.body))
				case "/xrpc/com.atproto.repo.getRecord":
					w.WriteHeader(400)
					_, _ = w.Write([]byte(`{"error":"RecordNotFound","message":"Could not locate record"}`))
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			a, err := bluesky.New(network.Config{
				Settings: map[string]string{"api": srv.URL, "handle": "a.test"},
				Secrets:  map[string]string{"password": "pw-secret"},
				Now:      func() time.Time { return now },
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Publish(t.Context(), &network.Post{Key: key("c"), Text: "x", CreatedAt: now})
			var ne *network.Error
			if !errors.As(err, &ne) {
				t.Fatalf("error %v is not a *network.Error", err)
			}
			if ne.Class != tc.class || ne.RetryAfter != tc.retryAfter || ne.MaybeWritten != tc.maybeWriten || ne.Status != tc.status {
				t.Errorf("got class %v, retry after %v, maybe written %v, status %d; want %v, %v, %v, %d (%v)",
					ne.Class, ne.RetryAfter, ne.MaybeWritten, ne.Status, tc.class, tc.retryAfter, tc.maybeWriten, tc.status, err)
			}
			if ne.Network != "bluesky" || ne.Op != "publish" {
				t.Errorf("network %q op %q", ne.Network, ne.Op)
			}
		})
	}
}

// TestNoAnswerMaybeWritten: a create whose connection dies and whose
// record cannot be read back either is MaybeWritten.
func TestNoAnswerMaybeWritten(t *testing.T) {
	var creates atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/xrpc/com.atproto.server.createSession":
			_ = json.NewEncoder(w).Encode(map[string]string{"did": "did:plc:abc", "handle": "a.test", "accessJwt": "A", "refreshJwt": "R"})
		case "/xrpc/com.atproto.repo.createRecord":
			creates.Add(1)
			panic(http.ErrAbortHandler)
		default:
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`{"error":"UpstreamFailure","message":"down"}`))
		}
	}))
	defer srv.Close()
	a, err := bluesky.New(network.Config{
		Settings: map[string]string{"api": srv.URL, "handle": "a.test"},
		Secrets:  map[string]string{"password": "pw-secret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Publish(t.Context(), &network.Post{Key: key("n"), Text: "x"})
	if network.ClassOf(err) != network.Retryable || !network.MaybeWritten(err) {
		t.Errorf("error %v: want retryable and MaybeWritten", err)
	}
	if strings.Contains(err.Error(), srv.URL) {
		t.Errorf("error %q names the server's URL", err)
	}
	if creates.Load() < 1 {
		t.Error("no create was sent")
	}
}
