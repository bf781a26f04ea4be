// Package instagramfake is a fake Instagram Graph API for one professional
// account: a real HTTP server on 127.0.0.1 that follows the content
// publishing contract (version v25.0). Containers are created from an
// image_url or video_url that must lie under the account's public media base
// (anything else fails the way a download failure does), pass from
// IN_PROGRESS to FINISHED as they are polled, expire after 24 hours, become
// PUBLISHED through media_publish, and carousels take 2 to 10 finished item
// containers. It enforces the caption limits and the rolling publishing quota
// (content_publishing_limit), lists the account's media and a media's
// comments with cursor paging, answers insights and follower counts, and uses
// Graph's error object and codes; throttling sends code 80002 with an
// X-Business-Use-Case-Usage header.
//
// It implements networktest.Fake: faults are injected into media_publish,
// the only request that makes something visible, and every publication that
// took effect is counted.
package instagramfake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/facebookfake"
)

// The account the fake serves.
const (
	UserID   = "17841400008460056"
	Username = "clairon_test"
	Token    = "IGQfakeUserTokenVx8Lp3Qr6Ts1Wu4Yz7Bc0De5Fg2Hj9Kl3Mn6Op1Qr4St7Uv0Wx"
	Version  = "v25.0"
	// MediaPath is where the fake pretends the account's media are public.
	MediaPath = "/public/media"
)

// Container is a media container as the fake stores it.
type Container struct {
	ID        string
	MediaType string // "IMAGE", "VIDEO", "REELS" or "CAROUSEL"
	URL       string // image_url or video_url
	Caption   string
	Alt       string
	Item      bool     // is_carousel_item
	Children  []string // a carousel's item containers
	Status    string
	readsLeft int
	Created   time.Time
	MediaID   string // set once published
}

// Media is a published media object.
type Media struct {
	ID         string
	Container  string
	MediaType  string
	Caption    string
	Alts       []string // alt text of each image ("" for videos and images without)
	Timestamp  time.Time
	Permalink  string
	ViaAPI     bool // published through media_publish (counts against the quota)
	Insights   map[string]int64
	NoInsights bool // answer "(#10) Not enough viewers" to insights
	Likes      int64
	Comments   []Comment
}

// Comment is a comment on a media.
type Comment struct {
	ID, Text, UserID, Username string
	Timestamp                  time.Time
}

// Server is a running fake. Create it with New and stop it with Close.
type Server struct {
	facebookfake.Graph
	srv        *httptest.Server
	inProgress int
	quota      int
	followers  int64

	mu         sync.Mutex
	seq        int64
	containers map[string]*Container
	media      []*Media
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the fake's clock (a networktest.Clock at networktest.Start
// by default); Config passes the same clock to the adapter.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.Now = now } }

// WithInProgress makes every new container answer IN_PROGRESS to its first
// n status reads before it is FINISHED (0 by default: images are ready at once).
func WithInProgress(n int) Option { return func(s *Server) { s.inProgress = n } }

// WithQuota sets the publishing quota per rolling 24 hours (50 by default).
func WithQuota(n int) Option { return func(s *Server) { s.quota = n } }

// New starts a fake on 127.0.0.1.
func New(opts ...Option) *Server {
	s := &Server{containers: map[string]*Container{}, quota: 50, followers: 4321}
	s.Graph.Token = Token
	s.Graph.RateCode, s.Graph.BUCType, s.Graph.BUCID = 80002, "instagram", UserID
	for _, o := range opts {
		o(s)
	}
	s.Graph.Init()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the server's base URL (no path).
func (s *Server) URL() string { return s.srv.URL }

// API is the versioned base to put in Settings["api"].
func (s *Server) API() string { return s.srv.URL + "/" + Version }

// MediaBase is the public media base to put in Settings["media_base_url"].
func (s *Server) MediaBase() string { return s.srv.URL + MediaPath }

// Config returns an adapter configuration pointing at the fake.
func (s *Server) Config() network.Config {
	return network.Config{
		Account:  "instagram-test",
		Network:  "instagram",
		Settings: map[string]string{"api": s.API(), "user_id": UserID, "media_base_url": s.MediaBase()},
		Secrets:  map[string]string{"token": Token},
		Now:      s.Now,
	}
}

// RetryAfter is the wait the RateLimit fault asks for.
func (s *Server) RetryAfter() time.Duration { return s.Graph.Wait }

// Close stops the server, releasing any hanging request.
func (s *Server) Close() {
	s.Shutdown()
	s.srv.Close()
}

// Messages returns the published media in creation order.
func (s *Server) Messages() []networktest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]networktest.Message, 0, len(s.media))
	for _, m := range s.media {
		out = append(out, networktest.Message{ID: m.ID, Text: m.Caption, Media: slices.Clone(m.Alts), At: m.Timestamp})
	}
	return out
}

// Container returns a copy of a stored container.
func (s *Server) Container(id string) (Container, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.containers[id]
	if !ok {
		return Container{}, false
	}
	cp := *c
	cp.Children = slices.Clone(c.Children)
	return cp, true
}

// Containers counts the containers created so far.
func (s *Server) Containers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.containers)
}

// AddMedia stores a media published outside the API (from the app) at t and
// returns its id.
func (s *Server) AddMedia(caption string, t time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newMedia("", "IMAGE", caption, []string{""}, false)
	m.Timestamp = t
	return m.ID
}

// AddComment stores a comment by someone on a media and returns its id.
func (s *Server) AddComment(mediaID, userID, username, text string, t time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(mediaID)
	if m == nil {
		return "", fmt.Errorf("no media %s", mediaID)
	}
	id := s.nextID()
	m.Comments = append(m.Comments, Comment{ID: id, Text: text, UserID: userID, Username: username, Timestamp: t})
	return id, nil
}

// SetInsight sets a lifetime insight of a media.
func (s *Server) SetInsight(mediaID, metric string, v int64) error {
	return s.update(mediaID, func(m *Media) { m.Insights[metric] = v })
}

// SetLikes sets a media's like_count.
func (s *Server) SetLikes(mediaID string, n int64) error {
	return s.update(mediaID, func(m *Media) { m.Likes = n })
}

// WithholdInsights makes insights of a media fail with "(#10) Not enough viewers".
func (s *Server) WithholdInsights(mediaID string) error {
	return s.update(mediaID, func(m *Media) { m.NoInsights = true })
}

// Expire ages a container past its 24 hours.
func (s *Server) Expire(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.containers[id]; c != nil && c.MediaID == "" {
		c.Created = c.Created.Add(-25 * time.Hour)
	}
}

func (s *Server) update(id string, f func(*Media)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(id)
	if m == nil {
		return fmt.Errorf("no media %s", id)
	}
	f(m)
	return nil
}

// find returns the media with id. Callers hold s.mu.
func (s *Server) find(id string) *Media {
	for _, m := range s.media {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// nextID returns a fresh 17-digit id. Callers hold s.mu.
func (s *Server) nextID() string {
	s.seq++
	return fmt.Sprintf("%d", 17900000000000000+s.seq)
}

// newMedia stores a published media. Callers hold s.mu.
func (s *Server) newMedia(container, mediaType, caption string, alts []string, viaAPI bool) *Media {
	id := s.nextID()
	m := &Media{ID: id, Container: container, MediaType: mediaType, Caption: caption, Alts: alts,
		Timestamp: s.Now(), Permalink: "https://www.instagram.com/p/" + shortcode(id) + "/", ViaAPI: viaAPI,
		Insights: map[string]int64{}}
	s.media = append(s.media, m)
	return m
}

// status returns a container's current status, counting the read. Callers
// hold s.mu.
func (s *Server) status(c *Container, read bool) string {
	switch {
	case c.MediaID != "":
		return "PUBLISHED"
	case c.Status == "ERROR":
		return "ERROR"
	case s.Now().Sub(c.Created) > 24*time.Hour:
		return "EXPIRED"
	case c.readsLeft > 0:
		if read {
			c.readsLeft--
		}
		return "IN_PROGRESS"
	}
	return "FINISHED"
}

// usedQuota counts API publications in the last 24 hours. Callers hold s.mu.
func (s *Server) usedQuota() int {
	n := 0
	for _, m := range s.media {
		if m.ViaAPI && s.Now().Sub(m.Timestamp) < 24*time.Hour {
			n++
		}
	}
	return n
}

// shortcode derives a permalink code from an id.
func shortcode(id string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var n uint64
	fmt.Sscan(id, &n)
	var b strings.Builder
	b.WriteByte('D')
	for n > 0 {
		b.WriteByte(alphabet[n%64])
		n /= 64
	}
	return b.String()
}
