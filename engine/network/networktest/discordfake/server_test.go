package discordfake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/discordfake"
)

// call sends a raw request to the fake and decodes its JSON reply.
func call(t *testing.T, s *discordfake.Server, method, path, ctype string, body []byte) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("reply is not JSON: %s", data)
		}
	}
	return resp.StatusCode, resp.Header, out
}

const hook = "/api/v10/webhooks/" + discordfake.WebhookID + "/" + discordfake.Token

func code(m map[string]any) int {
	c, _ := m["code"].(float64)
	return int(c)
}

func TestRefusals(t *testing.T) {
	long := strings.Repeat("é", 2001)
	tests := []struct {
		name       string
		forum      bool
		method     string
		path, body string
		status     int
		code       int
	}{
		{"bad token", false, "POST", "/api/v10/webhooks/" + discordfake.WebhookID + "/wrong?wait=true", `{"content":"x"}`, 401, 50027},
		{"unknown webhook", false, "POST", "/api/v10/webhooks/1/" + discordfake.Token + "?wait=true", `{"content":"x"}`, 404, 10015},
		{"empty", false, "POST", hook + "?wait=true", `{"content":"  "}`, 400, 50006},
		{"bad JSON", false, "POST", hook + "?wait=true", `{"content":`, 400, 50109},
		{"too long", false, "POST", hook + "?wait=true", `{"content":"` + long + `"}`, 400, 50035},
		{"bad mention kind", false, "POST", hook + "?wait=true", `{"content":"x","allowed_mentions":{"parse":["here"]}}`, 400, 50035},
		{"poll without answers", false, "POST", hook + "?wait=true", `{"poll":{"question":{"text":"q"},"answers":[]}}`, 400, 50035},
		{"thread name outside a forum", false, "POST", hook + "?wait=true", `{"content":"x","thread_name":"t"}`, 400, 220003},
		{"unknown thread", false, "POST", hook + "?wait=true&thread_id=5", `{"content":"x"}`, 404, 10003},
		{"forum without thread", true, "POST", hook + "?wait=true", `{"content":"x"}`, 400, 220001},
		{"forum with both", true, "POST", hook + "?wait=true&thread_id=5", `{"content":"x","thread_name":"t"}`, 400, 220002},
		{"unknown message", false, "PATCH", hook + "/messages/123", `{"content":"x"}`, 404, 10008},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []discordfake.Option
			if tt.forum {
				opts = append(opts, discordfake.Forum())
			}
			s := discordfake.New(opts...)
			defer s.Close()
			status, _, body := call(t, s, tt.method, tt.path, "application/json", []byte(tt.body))
			if status != tt.status || code(body) != tt.code {
				t.Errorf("got %d code %d (%v), want %d code %d", status, code(body), body, tt.status, tt.code)
			}
			if s.Writes() != 0 || len(s.Messages()) != 0 {
				t.Errorf("a refused request was stored")
			}
		})
	}
}

func TestWaitFalseAnswers204(t *testing.T) {
	s := discordfake.New()
	defer s.Close()
	status, _, _ := call(t, s, "POST", hook, "application/json", []byte(`{"content":"sans attendre"}`))
	if status != http.StatusNoContent || len(s.Messages()) != 1 {
		t.Errorf("status %d, %d messages; want 204 and the message stored", status, len(s.Messages()))
	}
}

// multipartBody builds payload_json plus files[n].
func multipartBody(t *testing.T, payload string, files ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="payload_json"`)
	h.Set("Content-Type", "application/json")
	p, _ := w.CreatePart(h)
	io.WriteString(p, payload)
	for i, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files[`+string(rune('0'+i))+`]"; filename="`+f+`"`)
		h.Set("Content-Type", "image/png")
		p, _ := w.CreatePart(h)
		io.WriteString(p, "data of "+f)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestAttachmentsAndEdits(t *testing.T) {
	s := discordfake.New()
	defer s.Close()
	body, ct := multipartBody(t, `{"content":"deux","attachments":[{"id":0,"filename":"a.png","description":"alt A"},{"id":1,"filename":"b.png","description":"alt B"}]}`, "a.png", "b.png")
	status, _, msg := call(t, s, "POST", hook+"?wait=true", ct, body)
	if status != 200 {
		t.Fatalf("execute: %d %v", status, msg)
	}
	id := msg["id"].(string)
	atts := msg["attachments"].([]any)
	if len(atts) != 2 || atts[0].(map[string]any)["description"] != "alt A" {
		t.Fatalf("attachments %v", atts)
	}
	if got := s.Messages()[0].Media; len(got) != 2 || got[1] != "alt B" {
		t.Errorf("Messages media %q", got)
	}
	keep := atts[1].(map[string]any)["id"].(string)

	// v10: the list names what stays; new files are listed by index.
	body, ct = multipartBody(t, `{"attachments":[{"id":"`+keep+`"},{"id":0,"description":"alt C"}]}`, "c.png")
	if status, _, msg = call(t, s, "PATCH", hook+"/messages/"+id, ct, body); status != 200 {
		t.Fatalf("edit: %d %v", status, msg)
	}
	st, _ := s.Stored(id)
	if len(st.Attachments) != 2 || st.Attachments[0].Filename != "b.png" || st.Attachments[1].Description != "alt C" || st.Content != "deux" {
		t.Errorf("after edit: %+v", st)
	}
	// No list: files are appended to what is kept.
	body, ct = multipartBody(t, `{"content":"trois"}`, "d.png")
	call(t, s, "PATCH", hook+"/messages/"+id, ct, body)
	if st, _ = s.Stored(id); len(st.Attachments) != 3 {
		t.Errorf("appending edit: %d attachments, want 3", len(st.Attachments))
	}
	// An empty list removes them all.
	call(t, s, "PATCH", hook+"/messages/"+id, "application/json", []byte(`{"attachments":[]}`))
	if st, _ = s.Stored(id); len(st.Attachments) != 0 || st.Edited.IsZero() {
		t.Errorf("clearing edit: %+v", st)
	}
	if status, _, msg = call(t, s, "PATCH", hook+"/messages/"+id, "application/json", []byte(`{"poll":{"question":{"text":"q"},"answers":[{"poll_media":{"text":"a"}}]}}`)); status != 400 || code(msg) != 520003 {
		t.Errorf("editing a poll: %d %v, want 400 code 520003", status, msg)
	}
	if n := s.Writes(); n != 4 {
		t.Errorf("writes %d, want 4", n)
	}
}

func TestForumThreads(t *testing.T) {
	s := discordfake.New(discordfake.Forum())
	defer s.Close()
	_, _, root := call(t, s, "POST", hook+"?wait=true", "application/json", []byte(`{"content":"racine","thread_name":"Lancement"}`))
	thread := root["channel_id"].(string)
	if thread != root["id"] {
		t.Errorf("a forum thread's id %v is not its starter message's id %v", thread, root["id"])
	}
	_, _, part := call(t, s, "POST", hook+"?wait=true&thread_id="+thread, "application/json", []byte(`{"content":"suite"}`))
	if part["channel_id"] != thread {
		t.Errorf("part posted in %v, want thread %v", part["channel_id"], thread)
	}
	id := part["id"].(string)
	if status, _, _ := call(t, s, "GET", hook+"/messages/"+id, "", nil); status != 404 {
		t.Errorf("reading a thread message without thread_id: %d, want 404", status)
	}
	if status, _, _ := call(t, s, "DELETE", hook+"/messages/"+id+"?thread_id="+thread, "", nil); status != 204 {
		t.Errorf("delete in thread: %d, want 204", status)
	}
}

func TestBucketAndRateLimitFault(t *testing.T) {
	clock := networktest.NewClock(time.Time{})
	s := discordfake.New(discordfake.WithClock(clock.Now), discordfake.WithBucket(2, 2*time.Second), discordfake.WithRetryAfter(750*time.Millisecond))
	defer s.Close()
	post := func() (int, http.Header, map[string]any) {
		return call(t, s, "POST", hook+"?wait=true", "application/json", []byte(`{"content":"x"}`))
	}
	_, h, _ := post()
	if h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != "1" || h.Get("X-RateLimit-Reset-After") != "2.000" || h.Get("X-RateLimit-Bucket") == "" {
		t.Errorf("headers %v", h)
	}
	post()
	status, h, body := post()
	if status != 429 || body["retry_after"] != 2.0 || body["global"] != false || h.Get("Retry-After") != "2" || h.Get("X-RateLimit-Scope") != "user" {
		t.Errorf("empty bucket: %d %v %v", status, h, body)
	}
	clock.Advance(2 * time.Second)
	if status, _, _ := post(); status != 200 {
		t.Errorf("after the reset: %d", status)
	}
	s.Inject(networktest.RateLimit)
	status, _, body = post()
	if status != 429 || body["retry_after"] != 0.75 || s.Writes() != 3 {
		t.Errorf("RateLimit fault: %d %v, writes %d", status, body, s.Writes())
	}
	clock.Advance(2 * time.Second)
	s.Inject(networktest.FailAfter)
	if status, _, _ := post(); status != 500 || s.Writes() != 4 {
		t.Errorf("FailAfter: %d, writes %d; want 500 after the write", status, s.Writes())
	}
}
