package network_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/network"
)

func TestRedactURL(t *testing.T) {
	r := network.NewRedactor(map[string]string{"token": "s3cr/et+v@lue="})
	tests := []struct{ in, want string }{
		{"https://api.telegram.org/bot123456:AAH-xyz_987/sendMessage?chat_id=%40chan",
			"https://api.telegram.org/bot[redacted]/sendMessage?chat_id=%40chan"},
		{"https://discord.com/api/webhooks/112233/tok-en_value/messages/9?wait=true",
			"https://discord.com/api/webhooks/112233/[redacted]/messages/9?wait=true"},
		{"https://hooks.slack.com/services/T0001/B0002/XXXXyyyyZZZZ",
			"https://hooks.slack.com/services/T0001/B0002/[redacted]"},
		{"https://graph.facebook.com/v25.0/123/feed?access_token=EAAB123&fields=id",
			"https://graph.facebook.com/v25.0/123/feed?access_token=[redacted]&fields=id"},
		{"https://user:hunter22@example.com/x", "https://user:[redacted]@example.com/x"},
		{"https://example.com/x?sig=" + strings.Repeat("Ab9", 12), "https://example.com/x?sig=[redacted]"},
		{"https://example.com/x?max_id=110000000000000042", "https://example.com/x?max_id=110000000000000042"},
		{"https://example.com/a/" + url.PathEscape("s3cr/et+v@lue=") + "/b", "https://example.com/a/[redacted]/b"},
		{"https://example.com/a?q=" + url.QueryEscape("s3cr/et+v@lue="), "https://example.com/a?q=[redacted]"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.URL(u); got != tt.want {
			t.Errorf("URL(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestRedactHeader(t *testing.T) {
	r := network.NewRedactor(map[string]string{"webhook": "https://hooks.example/services/T1/B2/abcdefgh12345"})
	tests := []struct{ name, value, want string }{
		{"Authorization", "Bearer abc", network.Redacted},
		{"Cookie", "sid=1", network.Redacted},
		{"X-Telegram-Bot-Api-Secret-Token", "xyz", network.Redacted},
		{"X-Api-Key", "k", network.Redacted},
		{"Idempotency-Key", "0123abcd", "0123abcd"},
		{"Content-Type", "application/json", "application/json"},
		{"Referer", "https://hooks.example/services/T1/B2/abcdefgh12345", network.Redacted},
		{"X-Note", "sent to abcdefgh12345", "sent to " + network.Redacted},
	}
	for _, tt := range tests {
		if got := r.Header(tt.name, tt.value); got != tt.want {
			t.Errorf("Header(%s, %s) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
}

// TestLogHTTPNeverLogsSecrets sends requests carrying the secrets in the
// path (raw and escaped), the query, a bearer header, a cookie and a
// custom header, and checks no form of any secret reaches the log.
func TestLogHTTPNeverLogsSecrets(t *testing.T) {
	secrets := map[string]string{
		"token":   "tok/en+with=odd&chars",
		"bot":     "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
		"webhook": "", // filled with the server URL below
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session="+secrets["token"])
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	secrets["webhook"] = srv.URL + "/services/T0001/B0002/wEbHoOkSeCrEt99"
	var buf bytes.Buffer
	log := slog.New(slog.NewMultiHandler(
		slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	cfg := network.LogHTTP(network.Config{Secrets: secrets, HTTPClient: srv.Client()}, log)
	for _, target := range []string{
		srv.URL + "/bot" + secrets["bot"] + "/sendMessage",
		srv.URL + "/x/" + url.PathEscape(secrets["token"]),
		srv.URL + "/x?access_token=" + url.QueryEscape(secrets["token"]) + "&other=" + url.QueryEscape(secrets["token"]),
		secrets["webhook"],
		"http://127.0.0.1:1/bot" + secrets["bot"] + "/refused",
	} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, target, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+secrets["token"])
		req.Header.Set("Cookie", "sid="+secrets["token"])
		req.Header.Set("X-Custom", "v="+url.QueryEscape(secrets["token"]))
		if resp, err := cfg.HTTPClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	out := buf.String()
	if strings.Count(out, "level=INFO msg=http ") != 4 {
		t.Errorf("want 4 logged responses:\n%s", out)
	}
	if !strings.Contains(out, "refused") {
		t.Errorf("the failed request is not logged:\n%s", out)
	}
	for name, v := range secrets {
		for _, form := range network.SecretForms(v) {
			if strings.Contains(out, form) {
				t.Errorf("log contains secret %s as %q:\n%s", name, form, out)
			}
		}
	}
}

func TestDryRunPublishesNothing(t *testing.T) {
	s := newScripted(network.IdempotencyKey)
	var buf bytes.Buffer
	a := network.WithDryRun(lookingUp{s}, slog.New(slog.NewTextHandler(&buf, nil)))
	p := post()
	p.Address = "posts/launch@brand"
	ref, err := a.Publish(context.Background(), p)
	if err != nil || !network.IsDryRun(ref) || !strings.HasPrefix(ref.URL, network.DryRunScheme+"scripted/") {
		t.Fatalf("publish = %+v, %v", ref, err)
	}
	if err := a.Delete(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if s.calls != 0 || s.written != 0 {
		t.Errorf("a dry run reached the adapter: %d publishes", s.calls)
	}
	if _, res, _ := a.(network.Lookup).Lookup(context.Background(), p); res != network.Absent || s.lookups != 1 {
		t.Errorf("lookup through a dry run = %v after %d lookups; reads go through", res, s.lookups)
	}
	for _, want := range []string{"would publish", "posts/launch@brand", `text=hello`, "would delete"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestWrappersKeepOptionalInterfaces(t *testing.T) {
	plain := newScripted(network.IdempotencyKey)
	withLookup := lookingUp{newScripted(network.IdempotencyKey)}
	wrap := func(a network.Adapter) network.Adapter {
		return network.WithDryRun(network.WithLogging(network.WithRetry(network.WithRateLimit(a, network.RateLimitOptions{}), network.RetryOptions{}), nil, nil), nil)
	}
	if _, ok := wrap(plain).(network.Lookup); ok {
		t.Error("a wrapped adapter without Lookup has Lookup")
	}
	if _, ok := wrap(plain).(network.Editor); ok {
		t.Error("a wrapped adapter without Editor has Editor")
	}
	if _, ok := wrap(withLookup).(network.Lookup); !ok {
		t.Error("a wrapped Lookup lost Lookup")
	}
	if network.Unwrap(wrap(withLookup)) != network.Adapter(withLookup) {
		t.Error("Unwrap does not reach the adapter")
	}
}
