package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/slackfake"
	"github.com/clairon-dev/clairon/engine/network/slack"
)

const (
	hookPath = "/services/T024BE7LD/B01ABCDEF12/Xq9vJ2mZ7kLw4rT8yB1nC6hD"
	key      = "3f1a9c0e5b7d2468ace13579bdf02468ace13579bdf02468ace13579bdf02468"
)

var now = time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)

func webhookURL() string { return "https://hooks.slack.com" + hookPath }

type captured struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// server answers every request with status, headers and a plain-text body,
// recording what it received.
func server(t *testing.T, status int, header map[string]string, body string) (*httptest.Server, func() []captured) {
	t.Helper()
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{r.Method, r.URL.EscapedPath(), r.Header.Clone(), data})
		mu.Unlock()
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []captured { mu.Lock(); defer mu.Unlock(); return append([]captured(nil), got...) }
}

func adapter(t *testing.T, api string, settings map[string]string) *slack.Adapter {
	t.Helper()
	s := map[string]string{"api": api}
	for k, v := range settings {
		s[k] = v
	}
	a, err := slack.New(network.Config{Settings: s, Secrets: map[string]string{"webhook": webhookURL()}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func checkGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	out.WriteByte('\n')
	golden.Check(t, filepath.Join("testdata", name+".golden"), out.Bytes())
}

func TestPublishRequest(t *testing.T) {
	long := strings.Repeat("Une phrase de la newsletter, assez longue pour remplir. ", 40) + "\n\n" +
		strings.Repeat("Deuxième paragraphe *en gras* avec un lien <https://example.com|ici>. ", 45)
	tests := []struct {
		name     string
		settings map[string]string
		post     network.Post
	}{
		{"plain", nil, network.Post{Key: key, Text: "*Soldes* : -30 % sur <https://example.com/soldes|le site> :tada:"}},
		{"title", map[string]string{"unfurl": "false"}, network.Post{Key: key, Title: "Nouveautés de mars", Text: "Trois nouveautés ce mois-ci."}},
		{"long", nil, network.Post{Key: key, Text: long}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, reqs := server(t, http.StatusOK, nil, "ok")
			ref, err := adapter(t, srv.URL, tt.settings).Publish(context.Background(), &tt.post)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if ref.ID != "clairon-"+key || ref.URL != "" || ref.ID != slack.RefID(key) {
				t.Errorf("ref %+v, want ID clairon-<key> and no URL", ref)
			}
			got := reqs()
			if len(got) != 1 {
				t.Fatalf("%d requests, want 1", len(got))
			}
			c := got[0]
			if c.Method != http.MethodPost || c.Path != hookPath {
				t.Errorf("request %s %s, want POST %s", c.Method, c.Path, hookPath)
			}
			if ct := c.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			checkGolden(t, "publish-"+tt.name, c.Body)
			var m struct {
				Text   string
				Blocks []struct {
					Type    string
					BlockID string `json:"block_id"`
					Text    struct{ Type, Text string }
				}
			}
			json.Unmarshal(c.Body, &m)
			if m.Text != tt.post.Text || len(m.Blocks) == 0 || m.Blocks[0].BlockID != ref.ID {
				t.Errorf("the text is not the post's, or the first block's id is not the Ref.ID")
			}
			var joined []string
			for _, b := range m.Blocks {
				if b.Type == "section" {
					if n := len([]rune(b.Text.Text)); n > 3000 {
						t.Errorf("section of %d characters", n)
					}
					joined = append(joined, b.Text.Text)
				}
			}
			if flat := strings.Join(strings.Fields(strings.Join(joined, " ")), " "); flat != strings.Join(strings.Fields(tt.post.Text), " ") {
				t.Error("the sections do not hold the whole text")
			}
		})
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		status     int
		header     map[string]string
		body       string
		class      network.Class
		retryAfter time.Duration
		maybe      bool
		text       string
	}{
		{400, nil, "invalid_payload", network.Permanent, 0, false, "slack replied invalid_payload"},
		{400, nil, "no_text", network.Permanent, 0, false, "no_text"},
		{400, nil, "invalid_blocks", network.Permanent, 0, false, "invalid_blocks"},
		{403, nil, "action_prohibited", network.Auth, 0, false, "action_prohibited"},
		{403, nil, "invalid_token", network.Auth, 0, false, "invalid_token"},
		{404, nil, "channel_not_found", network.Permanent, 0, false, "channel_not_found"},
		{404, nil, "no_service", network.Auth, 0, false, "no_service"},
		{404, nil, "no_active_hooks", network.Auth, 0, false, "no_active_hooks"},
		{410, nil, "channel_is_archived", network.Permanent, 0, false, "channel_is_archived"},
		{429, map[string]string{"Retry-After": "7"}, "rate_limited", network.RateLimited, 7 * time.Second, false, "retry after 7s"},
		{429, map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, "", network.RateLimited, 90 * time.Second, false, "too many requests"},
		{500, nil, "rollup_error", network.Retryable, 0, true, "rollup_error"},
		{502, nil, "<html><body>Bad gateway</body></html>", network.Retryable, 0, true, "bad gateway"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.body), func(t *testing.T) {
			srv, _ := server(t, tt.status, tt.header, tt.body)
			_, err := adapter(t, srv.URL, nil).Publish(context.Background(), &network.Post{Key: key, Text: "x"})
			var e *network.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *network.Error", err)
			}
			if e.Class != tt.class || e.RetryAfter != tt.retryAfter || e.MaybeWritten != tt.maybe || e.Status != tt.status {
				t.Errorf("got %v, retry after %v, maybe written %v, status %d; want %v, %v, %v, %d",
					e.Class, e.RetryAfter, e.MaybeWritten, e.Status, tt.class, tt.retryAfter, tt.maybe, tt.status)
			}
			if !strings.Contains(err.Error(), tt.text) || strings.Contains(err.Error(), "<html>") {
				t.Errorf("error %q, want it to contain %q and no HTML", err, tt.text)
			}
			networktest.NoSecrets(t, "error", err.Error(), map[string]string{"webhook": webhookURL()})
		})
	}
}

func TestRefusesWithoutRequest(t *testing.T) {
	srv, reqs := server(t, http.StatusOK, nil, "ok")
	a := adapter(t, srv.URL, nil)
	img := network.Media{Name: "a.png", MIME: "image/png", Data: []byte("png")}
	tests := []struct {
		name        string
		post        network.Post
		unsupported bool
	}{
		{"media", network.Post{Key: key, Text: "x", Media: []network.Media{img}}, true},
		{"poll", network.Post{Key: key, Text: "x", Poll: &network.Poll{Options: []string{"a", "b"}}}, true},
		{"no key", network.Post{Text: "x"}, false},
		{"no text", network.Post{Key: key, Text: " \n"}, false},
	}
	for _, tt := range tests {
		_, err := a.Publish(context.Background(), &tt.post)
		if network.ClassOf(err) != network.Permanent || errors.Is(err, network.ErrUnsupported) != tt.unsupported {
			t.Errorf("%s: %v; want permanent, unsupported %v", tt.name, err, tt.unsupported)
		}
	}
	err := a.Delete(context.Background(), network.Ref{ID: "clairon-" + key})
	if network.ClassOf(err) != network.Permanent || !errors.Is(err, network.ErrUnsupported) {
		t.Errorf("Delete: %v; want permanent wrapping ErrUnsupported", err)
	}
	if n := len(reqs()); n != 0 {
		t.Errorf("%d requests sent for refused operations", n)
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	secrets := map[string]string{"webhook": webhookURL()}
	a, err := slack.New(network.Config{Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		networktest.NoSecrets(t, verb, fmt.Sprintf(verb, a), secrets)
	}
	// A transport whose error quotes the URL, and a closed port.
	leaky, err := slack.New(network.Config{Secrets: secrets, HTTPClient: &http.Client{Transport: leakyTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	for name, ad := range map[string]*slack.Adapter{"leaky": leaky, "closed": adapter(t, srv.URL, nil)} {
		_, err := ad.Publish(context.Background(), &network.Post{Key: key, Text: "x"})
		if network.ClassOf(err) != network.Retryable {
			t.Errorf("%s: %v, want retryable", name, err)
		}
		networktest.NoSecrets(t, name+" error", fmt.Sprint(err), secrets)
	}
	for _, raw := range []string{
		"https://hooks.slack.com/services/T024BE7LD/B01ABCDEF12",
		"https://hooks.slack.com/triggers/T024BE7LD/123/Xq9vJ2mZ7kLw4rT8yB1nC6hD",
		"https://hooks.slack.com/services/T024BE7LD/B01ABCDEF12/Xq9vJ2mZ7kLw4rT8yB1nC6hD?x=1",
		"hooks.slack.com/services/T024BE7LD/B01ABCDEF12/Xq9vJ2mZ7kLw4rT8yB1nC6hD",
	} {
		_, err := slack.New(network.Config{Secrets: map[string]string{"webhook": raw}})
		if err == nil {
			t.Errorf("New accepted a malformed webhook")
			continue
		}
		networktest.NoSecrets(t, "New error", err.Error(), map[string]string{"webhook": raw, "secret": "Xq9vJ2mZ7kLw4rT8yB1nC6hD"})
	}
}

type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy refused %s", r.URL)
}

// TestFakeEndToEnd publishes through the fake and checks what Slack would
// keep, including a refusal of the fake's own.
func TestFakeEndToEnd(t *testing.T) {
	fake := slackfake.New()
	defer fake.Close()
	a, err := slack.New(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := a.Publish(context.Background(), &network.Post{Key: key, Title: "Annonce", Text: "Bonjour *tout le monde*"})
	if err != nil {
		t.Fatal(err)
	}
	st := fake.Stored()
	if len(st) != 1 || st[0].ID != ref.ID || st[0].Text != "Bonjour *tout le monde*" || len(st[0].Blocks) != 2 || st[0].Blocks[0].Type != "header" {
		t.Errorf("stored %+v", st)
	}
	if m := fake.Messages(); m[0].Key != key {
		t.Errorf("the fake read key %q from the block id, want %q", m[0].Key, key)
	}
	archived := slackfake.New(slackfake.Archived())
	defer archived.Close()
	b, _ := slack.New(archived.Config())
	if _, err := b.Publish(context.Background(), &network.Post{Key: key, Text: "x"}); network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "channel_is_archived") {
		t.Errorf("archived channel: %v", err)
	}
}
