// Package slackfake is a fake Slack incoming webhook: a real HTTP server on
// 127.0.0.1 that accepts POST /services/T…/B…/SECRET with a JSON body (or a
// form-encoded payload=), checks it the way Slack does (text or blocks
// required, Block Kit limits), and answers with Slack's plain-text bodies:
// "ok", or an error code such as invalid_payload, no_text, invalid_blocks,
// invalid_token, no_service, channel_is_archived, with 429 and Retry-After
// when rate limited.
//
// It implements networktest.Fake. Slack gives a webhook no message id, so
// a stored message's ID is the block_id of its first block (the adapter
// puts its Ref.ID there), or else the ts Slack would have given it.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// The webhook the fake serves.
const (
	Team   = "T0CLAIRON1"
	Bot    = "B0CLAIRON2"
	Secret = "fakeSlackS3cretXq9vJ2mZ7kLw4rT8yB"
)

// Stored is a message as the fake keeps it.
type Stored struct {
	ID string
	TS string
	// Text is the request's top-level text.
	Text   string
	Blocks []Block
	Mrkdwn *bool
	// Unfurl is the request's unfurl_links, nil when absent.
	Unfurl *bool
	At     time.Time
}

// Block is a Block Kit block as received.
type Block struct {
	Type    string `json:"type"`
	BlockID string `json:"block_id"`
	Text    *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"text"`
}

// Server is a running fake. Create it with New and stop it with Close.
type Server struct {
	srv        *httptest.Server
	now        func() time.Time
	retryAfter time.Duration
	archived   bool
	closing    chan struct{}
	closeOnce  sync.Once

	mu sync.Mutex
	networktest.FaultQueue
	writes int
	msgs   []Stored
}

// Option configures a Server.
type Option func(*Server)

// Archived makes the webhook's channel archived: every post gets 410.
func Archived() Option { return func(s *Server) { s.archived = true } }

// New starts a fake on 127.0.0.1.
func New(opts ...Option) *Server {
	s := &Server{
		now:        networktest.NewClock(time.Time{}).Now,
		retryAfter: 2 * time.Second,
		closing:    make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /services/{team}/{bot}/{secret}", s.handle)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusNotFound, "no_service") })
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the server's base URL, for Settings["api"].
func (s *Server) URL() string { return s.srv.URL }

// WebhookURL is the webhook URL as Slack shows it.
func (s *Server) WebhookURL() string {
	return "https://hooks.slack.com/services/" + Team + "/" + Bot + "/" + Secret
}

// Config returns an adapter configuration pointing at the fake.
func (s *Server) Config() network.Config {
	return network.Config{
		Account:  "slack-test",
		Network:  "slack",
		Settings: map[string]string{"api": s.srv.URL},
		Secrets:  map[string]string{"webhook": s.WebhookURL()},
		Now:      s.now,
	}
}

// Messages returns the stored messages in order (Slack webhooks cannot
// delete). Key is the idempotency key read back from the block_id.
func (s *Server) Messages() []networktest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []networktest.Message
	for _, m := range s.msgs {
		msg := networktest.Message{ID: m.ID, Text: m.Text, At: m.At}
		if k, ok := strings.CutPrefix(m.ID, "clairon-"); ok {
			msg.Key = k
		}
		out = append(out, msg)
	}
	return out
}

// Stored returns copies of the stored messages.
func (s *Server) Stored() []Stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Stored(nil), s.msgs...)
}

// Writes counts the messages posted, including those whose reply a fault lost.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// RetryAfter is the wait the RateLimit fault asks for.
func (s *Server) RetryAfter() time.Duration { return s.retryAfter }

// Close stops the server, releasing requests held by HangAfter.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// request is what Slack reads of an incoming webhook body.
type request struct {
	Text        *string         `json:"text"`
	Blocks      []Block         `json:"blocks"`
	Attachments json.RawMessage `json:"attachments"`
	Mrkdwn      *bool           `json:"mrkdwn"`
	UnfurlLinks *bool           `json:"unfurl_links"`
	UnfurlMedia *bool           `json:"unfurl_media"`
	ThreadTS    string          `json:"thread_ts"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("team") != Team || r.PathValue("bot") != Bot {
		reply(w, http.StatusNotFound, "no_service")
		return
	}
	if r.PathValue("secret") != Secret {
		reply(w, http.StatusForbidden, "invalid_token")
		return
	}
	fault := s.Next()
	switch fault {
	case networktest.FailBefore:
		reply(w, http.StatusInternalServerError, "rollup_error")
		return
	case networktest.RateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.retryAfter.Seconds()))))
		reply(w, http.StatusTooManyRequests, "rate_limited")
		return
	case networktest.Unauthorized:
		reply(w, http.StatusForbidden, "invalid_token")
		return
	}
	req, code := decode(r)
	if code == "" {
		code = validate(req)
	}
	if code != "" {
		reply(w, http.StatusBadRequest, code)
		return
	}
	if s.archived {
		reply(w, http.StatusGone, "channel_is_archived")
		return
	}

	s.mu.Lock()
	now := s.now()
	m := Stored{
		TS:     fmt.Sprintf("%d.%06d", now.Unix(), len(s.msgs)+1),
		Blocks: req.Blocks,
		Mrkdwn: req.Mrkdwn,
		Unfurl: req.UnfurlLinks,
		At:     now,
	}
	if req.Text != nil {
		m.Text = *req.Text
		// Slack truncates text beyond 40,000 characters.
		if u := utf16.Encode([]rune(m.Text)); len(u) > 40000 {
			m.Text = string(utf16.Decode(u[:40000]))
		}
	}
	m.ID = m.TS
	if len(req.Blocks) > 0 && req.Blocks[0].BlockID != "" {
		m.ID = req.Blocks[0].BlockID
	}
	s.msgs = append(s.msgs, m)
	s.writes++
	s.mu.Unlock()

	switch fault {
	case networktest.FailAfter:
		reply(w, http.StatusInternalServerError, "rollup_error")
	case networktest.HangAfter:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case networktest.DropAfter:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
	default:
		reply(w, http.StatusOK, "ok")
	}
}

// decode reads a JSON body, or a form with the JSON in payload=.
func decode(r *http.Request) (request, string) {
	var req request
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return req, "invalid_payload"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return req, "invalid_payload"
	}
	switch ct {
	case "application/json":
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return req, "invalid_payload"
		}
		body = []byte(form.Get("payload"))
	default:
		return req, "invalid_payload"
	}
	if json.Unmarshal(body, &req) != nil {
		return req, "invalid_payload"
	}
	return req, ""
}

// validate applies Slack's checks, returning the error code or "".
func validate(req request) string {
	hasText := req.Text != nil && strings.TrimSpace(*req.Text) != ""
	if !hasText && len(req.Blocks) == 0 && len(req.Attachments) == 0 {
		return "no_text"
	}
	if len(req.Blocks) > 50 {
		return "invalid_blocks"
	}
	ids := map[string]bool{}
	for _, b := range req.Blocks {
		if len(b.BlockID) > 255 || (b.BlockID != "" && ids[b.BlockID]) {
			return "invalid_blocks"
		}
		ids[b.BlockID] = true
		switch b.Type {
		case "section":
			if b.Text == nil || (b.Text.Type != "mrkdwn" && b.Text.Type != "plain_text") ||
				strings.TrimSpace(b.Text.Text) == "" || length(b.Text.Text) > 3000 {
				return "invalid_blocks"
			}
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || b.Text.Text == "" || length(b.Text.Text) > 150 {
				return "invalid_blocks"
			}
		case "divider", "context", "image", "rich_text", "actions":
		default:
			return "invalid_blocks"
		}
	}
	return ""
}

func length(s string) int { return len(utf16.Encode([]rune(s))) }

// reply writes Slack's plain-text answer.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

var _ networktest.Fake = (*Server)(nil)
