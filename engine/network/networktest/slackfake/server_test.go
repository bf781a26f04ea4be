package slackfake_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/slackfake"
)

func post(t *testing.T, s *slackfake.Server, path, ctype, body string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Post(s.URL()+path, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

const hook = "/services/" + slackfake.Team + "/" + slackfake.Bot + "/" + slackfake.Secret

func TestReplies(t *testing.T) {
	long := strings.Repeat("a", 3001)
	tests := []struct {
		name, path, ctype, body string
		status                  int
		reply                   string
		stored                  bool
	}{
		{"ok", hook, "application/json", `{"text":"bonjour"}`, 200, "ok", true},
		{"blocks only", hook, "application/json", `{"blocks":[{"type":"section","block_id":"b1","text":{"type":"mrkdwn","text":"hi"}}]}`, 200, "ok", true},
		{"form payload", hook, "application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"text":"formulaire"}`), 200, "ok", true},
		{"wrong secret", "/services/" + slackfake.Team + "/" + slackfake.Bot + "/nope", "application/json", `{"text":"x"}`, 403, "invalid_token", false},
		{"unknown hook", "/services/T1/B1/" + slackfake.Secret, "application/json", `{"text":"x"}`, 404, "no_service", false},
		{"bad JSON", hook, "application/json", `{"text":`, 400, "invalid_payload", false},
		{"plain text body", hook, "text/plain", `hello`, 400, "invalid_payload", false},
		{"no text", hook, "application/json", `{"text":"  "}`, 400, "no_text", false},
		{"section too long", hook, "application/json", `{"text":"x","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"` + long + `"}}]}`, 400, "invalid_blocks", false},
		{"duplicate block ids", hook, "application/json", `{"text":"x","blocks":[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]}`, 400, "invalid_blocks", false},
		{"unknown block", hook, "application/json", `{"text":"x","blocks":[{"type":"poll"}]}`, 400, "invalid_blocks", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := slackfake.New()
			defer s.Close()
			status, h, reply := post(t, s, tt.path, tt.ctype, tt.body)
			if status != tt.status || reply != tt.reply || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
				t.Errorf("got %d %q (%s), want %d %q as plain text", status, reply, h.Get("Content-Type"), tt.status, tt.reply)
			}
			if got := len(s.Stored()) == 1; got != tt.stored || s.Writes() != len(s.Stored()) {
				t.Errorf("stored %d messages, %d writes; want stored %v", len(s.Stored()), s.Writes(), tt.stored)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	s := slackfake.New()
	defer s.Close()
	s.Inject(networktest.RateLimit)
	status, h, reply := post(t, s, hook, "application/json", `{"text":"x"}`)
	if status != 429 || h.Get("Retry-After") != "2" || s.Writes() != 0 {
		t.Errorf("RateLimit: %d %q Retry-After %q, writes %d", status, reply, h.Get("Retry-After"), s.Writes())
	}
	s.Inject(networktest.FailAfter)
	if status, _, reply = post(t, s, hook, "application/json", `{"text":"x"}`); status != 500 || reply != "rollup_error" || s.Writes() != 1 {
		t.Errorf("FailAfter: %d %q, writes %d; want 500 rollup_error after the write", status, reply, s.Writes())
	}
	m := s.Messages()
	if len(m) != 1 || m[0].ID == "" || m[0].Text != "x" {
		t.Errorf("messages %+v: a message without blocks is named by its ts", m)
	}
}
