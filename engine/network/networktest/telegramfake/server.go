// Package telegramfake is a fake Telegram Bot API for one channel: a real
// HTTP server on 127.0.0.1 that serves /bot<token>/<method> and follows the
// contract of the methods clairon calls (Bot API 10.1): sendMessage with the
// HTML parse mode (tags checked and turned into UTF-16 entities, limits
// counted after entities parsing), link_preview_options, reply_parameters,
// sendPhoto, sendVideo and sendAnimation from multipart uploads,
// sendMediaGroup with attach:// parts, sendPoll, editMessageText,
// editMessageCaption and deleteMessage. Parameters are read from JSON,
// urlencoded or multipart bodies. Failures use the Bot API envelope
// {"ok":false,"error_code":…,"description":…}, and flood control answers 429
// with parameters.retry_after.
//
// It implements networktest.Fake: faults are injected into write requests
// (every send, edit and delete), and every write that took effect is counted.
// One publication (a message, an album, a poll) is one networktest.Message,
// identified by its first message id.
package telegramfake

import (
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// The bot and channel the fake serves. The token has the shape of a real
// bot token, so tests can prove it never leaks.
const (
	BotID        = 7081234567
	BotUsername  = "clairon_test_bot"
	Token        = "7081234567:AAHfakeBotTokenQw3Er5Ty7Ui9Op1As3Df5Gh"
	ChatID       = -1001987654321
	ChatUsername = "clairon_test_channel"
	ChatTitle    = "Clairon Test Channel"
)

// Msg is one Telegram message as the fake stores it.
type Msg struct {
	ID        int64
	Kind      string // "text", "photo", "video", "animation" or "poll"
	HTML      string // the text or caption as sent
	ParseMode string
	Plain     string
	Entities  []Entity
	ReplyTo   int64
	Group     string // media_group_id
	Preview   *LinkPreview
	Spoiler   bool
	FileName  string
	MIME      string
	Size      int
	Question  string
	Options   []string
	Multiple  bool
	Anonymous bool
	OpenFor   int64
	Date      time.Time
	Edited    time.Time
	Deleted   bool
}

// LinkPreview is LinkPreviewOptions as sent.
type LinkPreview struct {
	IsDisabled       bool   `json:"is_disabled,omitempty"`
	URL              string `json:"url,omitempty"`
	PreferSmallMedia bool   `json:"prefer_small_media,omitempty"`
	PreferLargeMedia bool   `json:"prefer_large_media,omitempty"`
	ShowAboveText    bool   `json:"show_above_text,omitempty"`
}

// Server is a running fake. Create it with New and stop it with Close.
type Server struct {
	srv        *httptest.Server
	now        func() time.Time
	retryAfter time.Duration
	flood      int // sends per minute before 429, 0 for none
	closing    chan struct{}
	closeOnce  sync.Once

	mu sync.Mutex
	networktest.FaultQueue
	writes int
	next   int64
	groups int64
	msgs   map[int64]*Msg
	pubs   [][]int64 // message ids of each publication, in order
	sends  []time.Time
	calls  []Call
}

// Call is one request the fake received, for tests that check shapes.
type Call struct {
	Method      string
	ContentType string
	Params      map[string]string // each parameter's raw JSON (or form value)
	Files       map[string]string // multipart file field -> file name
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the fake's clock (a networktest.Clock at networktest.Start
// by default); Config passes the same clock to the adapter.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithFloodLimit answers 429 once n messages were sent in the last minute of
// the fake's clock, as Telegram's flood control does.
func WithFloodLimit(n int) Option { return func(s *Server) { s.flood = n } }

// New starts a fake on 127.0.0.1.
func New(opts ...Option) *Server {
	s := &Server{retryAfter: 7 * time.Second, closing: make(chan struct{}), next: 100, msgs: map[int64]*Msg{}}
	for _, o := range opts {
		o(s)
	}
	if s.now == nil {
		s.now = networktest.NewClock(time.Time{}).Now
	}
	s.retryAfter = max(s.retryAfter.Round(time.Second), time.Second)
	s.srv = httptest.NewServer(s.handler())
	return s
}

// URL is the Bot API server to put in Settings["api"].
func (s *Server) URL() string { return s.srv.URL }

// Config returns an adapter configuration pointing at the fake, with the
// channel named by its @username.
func (s *Server) Config() network.Config {
	return network.Config{
		Account:  "telegram-test",
		Network:  "telegram",
		Settings: map[string]string{"api": s.srv.URL, "chat_id": "@" + ChatUsername},
		Secrets:  map[string]string{"token": Token},
		Now:      s.now,
	}
}

// RetryAfter is the wait the RateLimit fault asks for.
func (s *Server) RetryAfter() time.Duration { return s.retryAfter }

// Writes counts writes that took effect.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Close stops the server, releasing any hanging request.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// Messages returns one Message per publication whose first message is not
// deleted, in order: Text is the HTML sent (a poll's question), Media holds
// "" per attachment (the Bot API has no alt text).
func (s *Server) Messages() []networktest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []networktest.Message
	for _, ids := range s.pubs {
		first := s.msgs[ids[0]]
		if first.Deleted {
			continue
		}
		m := networktest.Message{ID: strconv.FormatInt(first.ID, 10), Text: first.HTML, At: first.Date}
		if first.ReplyTo != 0 {
			m.ReplyTo = strconv.FormatInt(first.ReplyTo, 10)
		}
		if first.Kind == "poll" {
			m.Text, m.Poll = first.Question, slices.Clone(first.Options)
		}
		for _, id := range ids {
			if k := s.msgs[id].Kind; k == "photo" || k == "video" || k == "animation" {
				m.Media = append(m.Media, "")
			}
		}
		out = append(out, m)
	}
	return out
}

// Message returns a copy of the stored message with id.
func (s *Server) Message(id int64) (Msg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgs[id]
	if !ok {
		return Msg{}, false
	}
	c := *m
	c.Options = slices.Clone(m.Options)
	c.Entities = slices.Clone(m.Entities)
	return c, true
}

// Calls returns every request received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}
