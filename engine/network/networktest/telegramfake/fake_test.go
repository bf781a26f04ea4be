package telegramfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in    string
		plain string
		ents  []Entity
		err   string
	}{
		{`<b>Gras</b> 😀 <a href="https://x.example/?a=1&amp;b=2">lien</a>`, "Gras 😀 lien",
			[]Entity{{Type: "bold", Offset: 0, Length: 4}, {Type: "text_link", Offset: 8, Length: 4, URL: "https://x.example/?a=1&b=2"}}, ""},
		{`<pre><code class="language-go">x</code></pre>`, "x",
			[]Entity{{Type: "pre", Offset: 0, Length: 1, Language: "go"}}, ""},
		{`<b><i>ab</i>c</b>`, "abc", []Entity{{Type: "bold", Offset: 0, Length: 3}, {Type: "italic", Offset: 0, Length: 2}}, ""},
		{`<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>`, "sq",
			[]Entity{{Type: "spoiler", Offset: 0, Length: 1}, {Type: "expandable_blockquote", Offset: 1, Length: 1}}, ""},
		{"a &lt;b&gt;", "a <b>", nil, ""},
		{"<x>y</x>", "", nil, `Unsupported start tag "x" at byte offset 0`},
		{"<b>y", "", nil, `Can't find end tag corresponding to start tag "b"`},
		{"<b>y</i>", "", nil, "Unmatched end tag at byte offset 4"},
		{`<span class="red">y</span>`, "", nil, `must have class "tg-spoiler"`},
	}
	for _, tt := range tests {
		plain, ents, err := parseHTML(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseHTML(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || plain != tt.plain || !reflect.DeepEqual(ents, tt.ents) {
			t.Errorf("parseHTML(%q) = %q, %+v, %v; want %q, %+v", tt.in, plain, ents, err, tt.plain, tt.ents)
		}
	}
}

// post calls a Bot API method with a JSON body and decodes the envelope.
func post(t *testing.T, s *Server, token, method string, params map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(params)
	resp, err := http.Post(s.URL()+"/bot"+token+"/"+method, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func TestErrorsFollowTheBotAPI(t *testing.T) {
	s := New()
	defer s.Close()
	chat := "@" + ChatUsername
	tests := []struct {
		name, token, method string
		params              map[string]any
		status              int
		desc                string
	}{
		{"wrong token", "1:wrong", "sendMessage", map[string]any{"chat_id": chat, "text": "x"}, 401, "Unauthorized"},
		{"unknown method", Token, "sendTelepathy", nil, 404, "Not Found: method not found"},
		{"unknown chat", Token, "sendMessage", map[string]any{"chat_id": "@elsewhere", "text": "x"}, 400, "Bad Request: chat not found"},
		{"empty text", Token, "sendMessage", map[string]any{"chat_id": chat, "text": "<b></b>", "parse_mode": "HTML"}, 400, "Bad Request: message text is empty"},
		{"too long", Token, "sendMessage", map[string]any{"chat_id": chat, "text": strings.Repeat("😀", 2049)}, 400, "Bad Request: message is too long"},
		{"missing reply", Token, "sendMessage", map[string]any{"chat_id": chat, "text": "x", "reply_parameters": map[string]any{"message_id": 42}}, 400,
			"Bad Request: message to be replied not found"},
		{"edit missing", Token, "editMessageText", map[string]any{"chat_id": ChatID, "message_id": 999, "text": "x"}, 400, "Bad Request: message to edit not found"},
		{"delete missing", Token, "deleteMessage", map[string]any{"chat_id": ChatID, "message_id": 999}, 400, "Bad Request: message to delete not found"},
		{"question too long", Token, "sendPoll", map[string]any{"chat_id": chat, "question": strings.Repeat("q", 301), "options": []string{"a", "b"}}, 400,
			"Bad Request: poll question length must not exceed 300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := post(t, s, tt.token, tt.method, tt.params)
			if status != tt.status || out["ok"] != false || out["error_code"] != float64(tt.status) || out["description"] != tt.desc {
				t.Errorf("%s = %d %v", tt.method, status, out)
			}
		})
	}
	if s.Writes() != 0 {
		t.Errorf("%d writes counted for refused requests", s.Writes())
	}
}

func TestEditNotModifiedAndFlood(t *testing.T) {
	clock := networktest.NewClock(time.Time{})
	s := New(WithClock(clock.Now), WithFloodLimit(2))
	defer s.Close()
	chat := "@" + ChatUsername
	_, out := post(t, s, Token, "sendMessage", map[string]any{"chat_id": chat, "text": "<b>un</b>", "parse_mode": "HTML"})
	msg := out["result"].(map[string]any)
	if msg["text"] != "un" || msg["chat"].(map[string]any)["username"] != ChatUsername {
		t.Fatalf("result %v", msg)
	}
	id := msg["message_id"]
	status, out := post(t, s, Token, "editMessageText", map[string]any{"chat_id": ChatID, "message_id": id, "text": "<b>un</b>", "parse_mode": "HTML"})
	if status != 400 || !strings.HasPrefix(out["description"].(string), "Bad Request: message is not modified") {
		t.Errorf("unchanged edit = %d %v", status, out)
	}
	post(t, s, Token, "sendMessage", map[string]any{"chat_id": chat, "text": "deux"})
	clock.Advance(20 * time.Second)
	status, out = post(t, s, Token, "sendMessage", map[string]any{"chat_id": chat, "text": "trois"})
	params, _ := out["parameters"].(map[string]any)
	if status != 429 || params["retry_after"] != float64(40) {
		t.Fatalf("third message in a minute = %d %v, want 429 with retry_after 40", status, out)
	}
	clock.Advance(40 * time.Second)
	if status, _ := post(t, s, Token, "sendMessage", map[string]any{"chat_id": chat, "text": "trois"}); status != 200 {
		t.Errorf("after the wait: %d", status)
	}
	if got := len(s.Messages()); got != 3 {
		t.Errorf("%d messages, want 3", got)
	}
}

func TestFormAndQueryParameters(t *testing.T) {
	s := New()
	defer s.Close()
	form := url.Values{"chat_id": {"@" + ChatUsername}, "text": {"42"}}
	resp, err := http.PostForm(s.URL()+"/bot"+Token+"/sendMessage", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || s.Messages()[0].Text != "42" {
		t.Fatalf("form-encoded send: %d, %+v", resp.StatusCode, s.Messages())
	}
}
