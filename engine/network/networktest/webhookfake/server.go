// Package webhookfake is a receiver of clairon's signed webhook events that
// follows the contract in docs/webhook.md: a real HTTP server on 127.0.0.1
// that verifies X-Clairon-Signature (HMAC-SHA256 of "<timestamp>.<body>"
// with the shared secret, compared in constant time) and the timestamp's
// tolerance window, rejects a bad or stale signature with 401, deduplicates
// on Idempotency-Key (a repeated key gets the first reply again and writes
// nothing), checks each medium's digest, and applies post.published,
// post.updated and post.deleted.
//
// It implements networktest.Fake, and its signature check is written
// independently of the adapter's.
package webhookfake

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// The shared secret and the path the fake listens on.
const (
	Secret    = "whsec_fakeXq9vJ2mZ7kLw4rT8yB1nC6hD0pF5gA3s"
	Path      = "/hooks/clairon"
	Tolerance = 5 * time.Minute
)

// Server is a running fake receiver. Create it with New, stop it with Close.
type Server struct {
	srv        *httptest.Server
	now        func() time.Time
	retryAfter time.Duration
	noIDs      bool
	closing    chan struct{}
	closeOnce  sync.Once

	mu sync.Mutex
	networktest.FaultQueue
	writes     int
	seq        int
	msgs       []*Stored
	replies    map[string]answer // by Idempotency-Key
	deliveries []Delivery
}

// Stored is a message as the receiver keeps it.
type Stored struct {
	ID, URL, Key, Address       string
	Title, Text, Markdown, Lang string
	ContentWarning              string
	ReplyTo, Root               string
	Entities                    []network.Entity
	Media                       []Media
	Poll                        []string
	PollSeconds                 int64
	PollMultiple                bool
	CreatedAt                   string
	// At is when the message was created, by the receiver's clock.
	At time.Time
	// Updates counts the post.updated events applied.
	Updates int
	Deleted bool
}

// Media is a received medium; Data is nil when it was sent by reference.
type Media struct {
	Name, MIME, Digest, Alt string
	Data                    []byte
}

// Delivery is one request as received, whatever its outcome.
type Delivery struct {
	Event, Key, Timestamp, Signature, ContentType string
	Body                                          []byte
	Status                                        int
}

// answer is a reply kept for a repeated Idempotency-Key.
type answer struct {
	status int
	body   []byte
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the receiver's clock, against which timestamps are checked
// (a networktest.Clock by default).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithoutIDs makes the receiver answer 204 with no body: the adapter then
// names messages by their key.
func WithoutIDs() Option { return func(s *Server) { s.noIDs = true } }

// New starts a fake receiver on 127.0.0.1.
func New(opts ...Option) *Server {
	s := &Server{
		now:        networktest.NewClock(time.Time{}).Now,
		retryAfter: 3 * time.Second,
		closing:    make(chan struct{}),
		replies:    map[string]answer{},
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Path, s.handle)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint"})
	})
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the endpoint's full URL, for Settings["url"].
func (s *Server) URL() string { return s.srv.URL + Path }

// Config returns an adapter configuration pointing at the fake.
func (s *Server) Config() network.Config {
	return network.Config{
		Account:  "webhook-test",
		Network:  "webhook",
		Settings: map[string]string{"url": s.URL()},
		Secrets:  map[string]string{"secret": Secret},
		Now:      s.now,
	}
}

// Messages returns the live messages in creation order.
func (s *Server) Messages() []networktest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []networktest.Message
	for _, m := range s.msgs {
		if m.Deleted {
			continue
		}
		msg := networktest.Message{ID: m.ID, Text: m.Text, ReplyTo: m.ReplyTo, Key: m.Key, At: m.At}
		for _, md := range m.Media {
			msg.Media = append(msg.Media, md.Alt)
		}
		msg.Poll = append([]string(nil), m.Poll...)
		if len(m.Poll) == 0 {
			msg.Poll = nil
		}
		out = append(out, msg)
	}
	return out
}

// Stored returns a copy of message id, deleted or not.
func (s *Server) Stored(id string) (Stored, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.ID == id {
			c := *m
			c.Media = append([]Media(nil), m.Media...)
			c.Poll = append([]string(nil), m.Poll...)
			return c, true
		}
	}
	return Stored{}, false
}

// Deliveries returns every request received, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Writes counts the events that took effect, including those whose reply a
// fault lost; a deduplicated delivery is not a write.
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

// verify checks the signature headers against the body, independently of
// the adapter's code: HMAC-SHA256 keyed by the secret over
// "<timestamp>.<body>", hex, prefixed "sha256=", compared in constant time.
func (s *Server) verify(r *http.Request, body []byte) string {
	ts := r.Header.Get("X-Clairon-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "missing or malformed timestamp"
	}
	if d := s.now().Sub(time.Unix(secs, 0)); math.Abs(float64(d)) > float64(Tolerance) {
		return "timestamp outside the tolerance window"
	}
	mac := hmac.New(sha256.New, []byte(Secret))
	fmt.Fprintf(mac, "%s.", ts)
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(r.Header.Get("X-Clairon-Signature")), []byte(want)) {
		return "signature does not match"
	}
	return ""
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unreadable body"})
		return
	}
	d := Delivery{
		Event: r.Header.Get("X-Clairon-Event"), Key: r.Header.Get("Idempotency-Key"),
		Timestamp: r.Header.Get("X-Clairon-Timestamp"), Signature: r.Header.Get("X-Clairon-Signature"),
		ContentType: r.Header.Get("Content-Type"), Body: body,
	}
	rec := &recorder{ResponseWriter: w}
	s.serve(rec, r, body, d.Key, d.Event)
	d.Status = rec.status
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte, key, event string) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "want application/json"})
		return
	}
	if why := s.verify(r, body); why != "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": why})
		return
	}
	if key == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "missing Idempotency-Key"})
		return
	}
	fault := s.Next()
	switch fault {
	case networktest.FailBefore:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "receiver unavailable"})
		return
	case networktest.RateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.retryAfter.Seconds()))))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "slow down"})
		return
	case networktest.Unauthorized:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unknown sender"})
		return
	}

	s.mu.Lock()
	if prev, ok := s.replies[key]; ok {
		s.mu.Unlock()
		writeRaw(w, prev.status, prev.body)
		return
	}
	ans := s.apply(body, key, event)
	if ans.status/100 == 2 {
		s.replies[key] = ans
		s.writes++
	}
	s.mu.Unlock()

	if ans.status/100 == 2 {
		switch fault {
		case networktest.FailAfter:
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "receiver crashed"})
			return
		case networktest.HangAfter:
			select {
			case <-r.Context().Done():
			case <-s.closing:
			}
			return
		case networktest.DropAfter:
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
				}
			}
			return
		}
	}
	writeRaw(w, ans.status, ans.body)
}

// event is the body the receiver decodes.
type event struct {
	Event, ID, URL, Address, Key, Title, Text, Markdown, Language string
	ContentWarning                                                string `json:"content_warning"`
	Entities                                                      []network.Entity
	Media                                                         []struct {
		Name, MIME, Digest, Alt string
		Data                    *string `json:"data_base64"`
	}
	Poll *struct {
		Options         []string
		DurationSeconds int64 `json:"duration_seconds"`
		Multiple        bool
	}
	ReplyTo   *struct{ ID string } `json:"reply_to"`
	Root      *struct{ ID string }
	CreatedAt string `json:"created_at"`
	DeletedAt string `json:"deleted_at"`
}

// apply performs one event; callers hold s.mu.
func (s *Server) apply(body []byte, key, header string) answer {
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil {
		return errAnswer(http.StatusBadRequest, "invalid JSON")
	}
	if ev.Event != header {
		return errAnswer(http.StatusBadRequest, "X-Clairon-Event does not match the body's event")
	}
	switch ev.Event {
	case "post.published":
		if ev.Key == "" || ev.Key != key {
			return errAnswer(http.StatusUnprocessableEntity, "key must equal Idempotency-Key")
		}
		m := &Stored{Key: ev.Key}
		if a := s.fill(m, ev); a != nil {
			return *a
		}
		s.seq++
		m.ID, m.URL = fmt.Sprintf("msg_%04d", s.seq), fmt.Sprintf("https://receiver.example/posts/msg_%04d", s.seq)
		if s.noIDs {
			m.ID, m.URL = ev.Key, ""
		}
		m.At = s.now()
		s.msgs = append(s.msgs, m)
		if s.noIDs {
			return answer{status: http.StatusNoContent}
		}
		return jsonAnswer(http.StatusCreated, map[string]string{"id": m.ID, "url": m.URL})
	case "post.updated":
		m := s.live(ev.ID)
		if m == nil {
			return errAnswer(http.StatusNotFound, "unknown message")
		}
		next := *m
		if a := s.fill(&next, ev); a != nil {
			return *a
		}
		next.Updates++
		*m = next
		return jsonAnswer(http.StatusOK, map[string]string{"id": m.ID, "url": m.URL})
	case "post.deleted":
		m := s.live(ev.ID)
		if m == nil {
			return errAnswer(http.StatusGone, "message already gone")
		}
		if _, err := time.Parse(time.RFC3339, ev.DeletedAt); err != nil {
			return errAnswer(http.StatusUnprocessableEntity, "deleted_at is not RFC 3339")
		}
		m.Deleted = true
		return answer{status: http.StatusNoContent}
	}
	return errAnswer(http.StatusBadRequest, "unknown event")
}

// fill copies a published or updated post into m, checking it.
func (s *Server) fill(m *Stored, ev event) *answer {
	if _, err := time.Parse(time.RFC3339, ev.CreatedAt); err != nil {
		a := errAnswer(http.StatusUnprocessableEntity, "created_at is not RFC 3339")
		return &a
	}
	m.Address, m.Title, m.Text, m.Markdown, m.Lang = ev.Address, ev.Title, ev.Text, ev.Markdown, ev.Language
	m.ContentWarning, m.CreatedAt, m.Entities = ev.ContentWarning, ev.CreatedAt, ev.Entities
	m.Media, m.Poll, m.ReplyTo, m.Root = nil, nil, "", ""
	for _, md := range ev.Media {
		got := Media{Name: md.Name, MIME: md.MIME, Digest: md.Digest, Alt: md.Alt}
		if md.Data != nil {
			data, err := base64.StdEncoding.DecodeString(*md.Data)
			sum := sha256.Sum256(data)
			if err != nil || hex.EncodeToString(sum[:]) != md.Digest {
				a := errAnswer(http.StatusUnprocessableEntity, "media "+md.Name+": data does not match its digest")
				return &a
			}
			got.Data = data
		}
		m.Media = append(m.Media, got)
	}
	if ev.Poll != nil {
		m.Poll, m.PollSeconds, m.PollMultiple = ev.Poll.Options, ev.Poll.DurationSeconds, ev.Poll.Multiple
	}
	if ev.ReplyTo != nil {
		m.ReplyTo = ev.ReplyTo.ID
	}
	if ev.Root != nil {
		m.Root = ev.Root.ID
	}
	return nil
}

// live finds a message that is not deleted; callers hold s.mu.
func (s *Server) live(id string) *Stored {
	for _, m := range s.msgs {
		if m.ID == id && !m.Deleted {
			return m
		}
	}
	return nil
}

func errAnswer(status int, msg string) answer {
	return jsonAnswer(status, map[string]string{"error": msg})
}

func jsonAnswer(status int, v any) answer {
	b, _ := json.Marshal(v)
	return answer{status: status, body: b}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	a := jsonAnswer(status, v)
	writeRaw(w, a.status, a.body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	if len(body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	w.Write(body)
}

// recorder notes the status a handler wrote; it passes Hijack through.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Hijack() (c net.Conn, rw *bufio.ReadWriter, err error) {
	return r.ResponseWriter.(http.Hijacker).Hijack()
}

var _ networktest.Fake = (*Server)(nil)
