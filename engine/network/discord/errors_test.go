package discord_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/discord"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/discordfake"
)

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name         string
		op           string // publish, edit or delete
		status       int
		header       map[string]string
		body         string
		class        network.Class
		retryAfter   time.Duration
		maybeWritten bool
		notFound     bool
		text         string // a substring of the error text
	}{
		{name: "invalid form body", op: "publish", status: 400,
			body:  `{"code": 50035, "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}, "attachments": {"0": {"description": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 1024 or fewer in length."}]}}}}, "message": "Invalid Form Body"}`,
			class: network.Permanent, text: "discord error 50035: Invalid Form Body (attachments.0.description: Must be 1024 or fewer in length.; content: Must be 2000 or fewer in length.)"},
		{name: "empty message", op: "publish", status: 400, body: `{"message": "Cannot send an empty message", "code": 50006}`,
			class: network.Permanent, text: "50006"},
		{name: "bad token", op: "publish", status: 401, body: `{"message": "Invalid Webhook Token", "code": 50027}`,
			class: network.Auth, text: "Invalid Webhook Token"},
		{name: "missing permissions", op: "publish", status: 403, body: `{"message": "Missing Permissions", "code": 50013}`,
			class: network.Auth},
		{name: "unknown webhook", op: "publish", status: 404, body: `{"message": "Unknown Webhook", "code": 10015}`,
			class: network.Auth, text: "Unknown Webhook"},
		{name: "unknown message on edit", op: "edit", status: 404, body: `{"message": "Unknown Message", "code": 10008}`,
			class: network.Permanent, notFound: true},
		{name: "unknown thread", op: "publish", status: 404, body: `{"message": "Unknown Channel", "code": 10003}`,
			class: network.Permanent},
		{name: "rate limited, body", op: "publish", status: 429,
			header: map[string]string{"Retry-After": "2", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "1.234", "X-RateLimit-Scope": "user"},
			body:   `{"message": "You are being rate limited.", "retry_after": 1.234, "global": false}`,
			class:  network.RateLimited, retryAfter: 1234 * time.Millisecond, text: "retry after 1.234s"},
		{name: "rate limited, global", op: "publish", status: 429, header: map[string]string{"X-RateLimit-Global": "true"},
			body:  `{"message": "You are being rate limited.", "retry_after": 64.57, "global": true}`,
			class: network.RateLimited, retryAfter: 64570 * time.Millisecond, text: "global limit"},
		{name: "rate limited, header only", op: "publish", status: 429, header: map[string]string{"Retry-After": "3"},
			body: "<html>error code: 1015</html>", class: network.RateLimited, retryAfter: 3 * time.Second},
		{name: "rate limited, reset-after only", op: "publish", status: 429, header: map[string]string{"X-RateLimit-Reset-After": "0.5"},
			body: `{}`, class: network.RateLimited, retryAfter: 500 * time.Millisecond},
		{name: "server error on publish", op: "publish", status: 500, body: `{"message": "500: Internal Server Error", "code": 0}`,
			class: network.Retryable, maybeWritten: true},
		{name: "gateway error on edit", op: "edit", status: 502, body: "<html>bad gateway</html>",
			class: network.Retryable, maybeWritten: true, text: "bad gateway"},
		{name: "unavailable on delete", op: "delete", status: 503, body: "",
			class: network.Retryable, maybeWritten: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				respondJSON(w, tt.status, tt.body)
			})
			a := newAdapter(t, rec.config(nil))
			ref := network.Ref{ID: "1180000000000000001"}
			p := &network.Post{Key: "k", Text: "x"}
			var err error
			switch tt.op {
			case "publish":
				_, err = a.Publish(context.Background(), p)
			case "edit":
				_, err = a.Edit(context.Background(), ref, p)
			case "delete":
				err = a.Delete(context.Background(), ref)
			}
			var e *network.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *network.Error", err)
			}
			if e.Class != tt.class || e.RetryAfter != tt.retryAfter || e.MaybeWritten != tt.maybeWritten || e.Status != tt.status {
				t.Errorf("got class %v, retry after %v, maybe written %v, status %d; want %v, %v, %v, %d",
					e.Class, e.RetryAfter, e.MaybeWritten, e.Status, tt.class, tt.retryAfter, tt.maybeWritten, tt.status)
			}
			if errors.Is(err, network.ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
			if !strings.HasPrefix(err.Error(), "discord: "+tt.op) {
				t.Errorf("error %q does not start with the network and operation", err)
			}
			networktest.NoSecrets(t, "error", err.Error(), map[string]string{"webhook": webhookURL()})
		})
	}
}

// TestBucketGate checks that a route whose bucket Discord reported empty
// is not hit again before its reset: the adapter answers RateLimited
// itself, once, then sends.
func TestBucketGate(t *testing.T) {
	clock := networktest.NewClock(now)
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("X-RateLimit-Bucket", "abcd1234")
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", "2.500")
		respondJSON(w, http.StatusOK, messageJSON(t))
	})
	cfg := rec.config(nil)
	cfg.Now = clock.Now
	a := newAdapter(t, cfg)
	ctx := context.Background()
	p := &network.Post{Key: "k", Text: "x"}
	if _, err := a.Publish(ctx, p); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	_, err := a.Publish(ctx, p)
	if network.ClassOf(err) != network.RateLimited || network.RetryAfter(err) != 1500*time.Millisecond || network.MaybeWritten(err) {
		t.Fatalf("publish into an empty bucket: %v (retry after %v); want rate-limited for 1.5s, not written", err, network.RetryAfter(err))
	}
	if n := len(rec.requests()); n != 1 {
		t.Fatalf("%d requests, want 1: the gated publish must not be sent", n)
	}
	// The gate answers once; the caller waited (or its clock did not move).
	if _, err := a.Publish(ctx, p); err != nil {
		t.Fatalf("publish after the gate: %v", err)
	}
	// After the reset the bucket is free again.
	clock.Advance(3 * time.Second)
	if _, err := a.Publish(ctx, p); err != nil {
		t.Fatalf("publish after the reset: %v", err)
	}
	if n := len(rec.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	// The bucket of the message routes is separate from the webhook route.
	if err := a.Delete(ctx, network.Ref{ID: "1"}); err != nil {
		t.Errorf("delete on another route: %v", err)
	}
}

// TestBucketWithFake runs the gate against the fake's enforced bucket and
// WithRetry on a shared manual clock: every publish succeeds and the fake
// never has to answer 429.
func TestBucketWithFake(t *testing.T) {
	clock := networktest.NewClock(now)
	fake := newBucketFake(clock)
	t.Cleanup(fake.Close)
	a := network.WithRetry(newAdapter(t, fake.Config()), network.RetryOptions{Now: clock.Now, Sleep: clock.Sleep, Rand: func() float64 { return 0.5 }})
	for i := range 7 {
		if _, err := a.Publish(context.Background(), &network.Post{Key: fmt.Sprint(i), Text: fmt.Sprintf("message %d", i)}); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	if n := len(fake.Messages()); n != 7 {
		t.Errorf("fake stores %d messages, want 7", n)
	}
	waits := clock.Slept()
	if len(waits) == 0 {
		t.Error("no wait: the bucket of 3 per 2s was never honoured")
	}
	for _, w := range waits {
		if w <= 0 || w > 2*time.Second {
			t.Errorf("wait %v, want within the 2s window", w)
		}
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	secrets := map[string]string{"webhook": webhookURL()}
	t.Run("formatting", func(t *testing.T) {
		a, err := discord.New(network.Config{Secrets: secrets})
		if err != nil {
			t.Fatal(err)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			got := fmt.Sprintf(verb, a)
			networktest.NoSecrets(t, verb, got, secrets)
			if !strings.Contains(got, hookID) {
				t.Errorf("%s = %q, want the webhook id", verb, got)
			}
		}
	})
	t.Run("bad configuration", func(t *testing.T) {
		for _, raw := range []string{
			"https://discord.com/api/webhooks/notanid/" + token,
			"discord.com/api/webhooks/" + hookID + "/" + token,
			"https://discord.com/api/hooks/" + hookID + "/" + token,
			"https://discord.com/api/webhooks/" + hookID + "/" + token + "%zz",
			"ht tp://discord.com/api/webhooks/" + hookID + "/" + token,
		} {
			_, err := discord.New(network.Config{Secrets: map[string]string{"webhook": raw}})
			if err == nil {
				t.Errorf("New accepted %q", strings.Replace(raw, token, "{token}", 1))
				continue
			}
			networktest.NoSecrets(t, "New error", err.Error(), map[string]string{"webhook": raw, "token": token})
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		a := newAdapter(t, network.Config{
			Settings: map[string]string{"api": srv.URL + "/api/v10", "guild_id": guildID},
			Secrets:  secrets,
		})
		_, err := a.Publish(context.Background(), &network.Post{Key: "k", Text: "x"})
		if network.ClassOf(err) != network.Retryable || network.MaybeWritten(err) {
			t.Errorf("publish to a closed port: %v; want retryable and not written", err)
		}
		networktest.NoSecrets(t, "error", fmt.Sprint(err), secrets)
	})
	t.Run("transport quoting the URL", func(t *testing.T) {
		a := newAdapter(t, network.Config{
			Settings:   map[string]string{"guild_id": guildID},
			Secrets:    secrets,
			HTTPClient: &http.Client{Transport: leakyTransport{}},
		})
		_, err := a.Publish(context.Background(), &network.Post{Key: "k", Text: "x"})
		if err == nil {
			t.Fatal("no error")
		}
		networktest.NoSecrets(t, "error", err.Error(), secrets)
		if !strings.Contains(err.Error(), "/webhooks/"+hookID) {
			t.Errorf("error %q lost its context", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) { <-r.Context().Done() })
		cfg := rec.config(nil)
		cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
		_, err := newAdapter(t, cfg).Publish(context.Background(), &network.Post{Key: "k", Text: "x"})
		if network.ClassOf(err) != network.Retryable || !network.MaybeWritten(err) {
			t.Errorf("timeout: %v; want retryable and maybe written", err)
		}
		networktest.NoSecrets(t, "error", fmt.Sprint(err), secrets)
	})
}

// leakyTransport fails with an error quoting the request URL, as a careless
// proxy or middleware might.
type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy refused %s", r.URL)
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		want     string
	}{
		{"missing webhook", nil, "secret webhook is missing"},
		{"bad api", map[string]string{"api": "ftp://x"}, "setting api"},
		{"bad thread", map[string]string{"thread_id": "general"}, "setting thread_id"},
		{"bad guild", map[string]string{"guild_id": "x1"}, "setting guild_id"},
		{"bad forum", map[string]string{"forum": "yes"}, "setting forum"},
		{"forum and thread", map[string]string{"forum": "true", "thread_id": "1"}, "exclude each other"},
		{"bad style", map[string]string{"style": "card"}, "setting style"},
		{"bad mentions", map[string]string{"allowed_mentions": "users,here"}, `"here"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := network.Config{Settings: tt.settings, Secrets: map[string]string{"webhook": webhookURL()}}
			if tt.name == "missing webhook" {
				cfg.Secrets = nil
			}
			_, err := discord.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	a, err := discord.New(network.Config{Secrets: map[string]string{"webhook": webhookURL()}})
	if err != nil {
		t.Fatal(err)
	}
	c := a.Capabilities()
	if c.Threads || c.Edit != true || c.Delete != true || c.Idempotency != network.IdempotencyNone || c.TextLimit != 2000 || c.MaxMedia != 10 || c.AltTextLimit != 1024 {
		t.Errorf("capabilities %+v", c)
	}
	if _, ok := any(a).(network.Lookup); ok {
		t.Error("the adapter claims Lookup, but a webhook cannot find a message without its id")
	}
}

func newBucketFake(clock *networktest.Clock) *discordfake.Server {
	return discordfake.New(discordfake.WithClock(clock.Now), discordfake.WithBucket(3, 2*time.Second))
}
