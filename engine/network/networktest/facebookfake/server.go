// Package facebookfake is a fake Facebook Graph API for one Page: a real
// HTTP server on 127.0.0.1 that follows the contract of the Page endpoints
// clairon uses (version v25.0). It creates feed posts from message, link and
// attached_media, photo posts and unpublished photos from multipart uploads
// with alt_text_custom, comments as the Page, edits and deletes; it lists the
// Page's posts, a post's comments and reactions with cursor paging, answers
// field expansions (reactions.summary, comments.summary, shares), insights,
// and the Page's follower counts. Failures use Graph's error object and
// codes; throttling sends code 80001 with an X-Business-Use-Case-Usage header.
//
// It implements networktest.Fake: faults are injected into write requests
// (publishing a post, photo post or comment, editing, deleting; unpublished
// photo uploads and reads are not writes), and every write that took effect
// is counted.
package facebookfake

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
)

// The Page the fake serves. The token is long and opaque like a real Page
// token, so tests can prove it never leaks.
const (
	PageID   = "104857600123456"
	PageName = "Clairon Test Page"
	Token    = "EAAfakePageTokenZx9Qm2Lr7Tw4Yb8Nc1Vd6Hf0Jg5Ks3Pa7Ue2Io9Ml4Kn8Bv1Cx6Zq0Wr5Ty"
	Version  = "v25.0"
)

// Object is a post, photo or comment as the fake stores it.
type Object struct {
	ID        string
	Kind      string // "post", "photo" or "comment"
	Message   string
	Link      string
	Parent    string   // a comment's post or comment
	Photos    []string // a post's attached photo ids, in order
	Alt       string   // a photo's alt_text_custom
	MIME      string   // a photo's uploaded type
	Size      int      // a photo's uploaded size in bytes
	Published bool     // a photo was published (false: uploaded for attached_media)
	Attached  bool     // an unpublished photo was attached to a post
	PostID    string   // a published photo's post
	FromID    string
	FromName  string
	Created   time.Time
	Updated   time.Time
	Deleted   bool
	Shares    int64
	Insights  map[string]int64
	Reactions []Reaction
}

// Reaction is one person's reaction to an object.
type Reaction struct {
	UserID, Name, Type string
}

// Server is a running fake. Create it with New and stop it with Close.
type Server struct {
	Graph
	srv        *httptest.Server
	duplicates bool

	mu        sync.Mutex
	seq       int64
	objects   map[string]*Object
	order     []*Object // every object, in creation order
	followers int64
	fans      int64
}

// Option configures a Server.
type Option func(*Server)

// WithRetryAfter sets the wait the RateLimit fault asks for, rounded to whole
// minutes (Graph counts estimated_time_to_regain_access in minutes); one
// minute by default.
func WithRetryAfter(d time.Duration) Option { return func(s *Server) { s.Graph.Wait = d } }

// WithDuplicateCheck makes the fake refuse, like Facebook, a feed post whose
// message repeats one of the Page's posts of the last hour (code 506).
func WithDuplicateCheck() Option { return func(s *Server) { s.duplicates = true } }

// New starts a fake on 127.0.0.1.
func New(opts ...Option) *Server {
	s := &Server{objects: map[string]*Object{}, followers: 1280, fans: 1175}
	s.Graph.Token = Token
	s.Graph.RateCode, s.Graph.BUCType, s.Graph.BUCID = 80001, "pages", PageID
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

// Config returns an adapter configuration pointing at the fake.
func (s *Server) Config() network.Config {
	return network.Config{
		Account:  "facebook-test",
		Network:  "facebook",
		Settings: map[string]string{"api": s.API(), "page_id": PageID},
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

// Messages returns what the Page published (posts and its own comments),
// deleted ones excluded, in creation order.
func (s *Server) Messages() []networktest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []networktest.Message
	for _, o := range s.order {
		if o.Deleted || o.FromID != PageID || (o.Kind != "post" && o.Kind != "comment") {
			continue
		}
		m := networktest.Message{ID: o.ID, Text: o.Message, ReplyTo: o.Parent, At: o.Created}
		for _, pid := range o.Photos {
			m.Media = append(m.Media, s.objects[pid].Alt)
		}
		out = append(out, m)
	}
	return out
}

// Object returns a copy of the stored object with id.
func (s *Server) Object(id string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[id]
	if !ok {
		return Object{}, false
	}
	c := *o
	c.Photos = slices.Clone(o.Photos)
	c.Reactions = slices.Clone(o.Reactions)
	return c, true
}

// AddComment stores a comment by someone else under parent and returns its id.
func (s *Server) AddComment(parent, userID, userName, message string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.live(parent)
	if p == nil {
		return "", fmt.Errorf("no object %s", parent)
	}
	c := s.newComment(p, message)
	c.FromID, c.FromName = userID, userName
	return c.ID, nil
}

// AddReaction stores a reaction (LIKE, LOVE, WOW, HAHA, SAD, ANGRY, CARE) to id.
func (s *Server) AddReaction(id, userID, name, kind string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.live(id)
	if o == nil {
		return fmt.Errorf("no object %s", id)
	}
	o.Reactions = append(o.Reactions, Reaction{UserID: userID, Name: name, Type: kind})
	return nil
}

// SetShares sets how many times a post was shared.
func (s *Server) SetShares(id string, n int64) error {
	return s.update(id, func(o *Object) { o.Shares = n })
}

// SetInsight sets a lifetime insights metric of a post.
func (s *Server) SetInsight(id, metric string, v int64) error {
	return s.update(id, func(o *Object) { o.Insights[metric] = v })
}

func (s *Server) update(id string, f func(*Object)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.live(id)
	if o == nil {
		return fmt.Errorf("no object %s", id)
	}
	f(o)
	return nil
}

// live returns the object with id unless it is missing or deleted. Callers
// hold s.mu.
func (s *Server) live(id string) *Object {
	o := s.objects[id]
	if o == nil || o.Deleted {
		return nil
	}
	return o
}

// add stores a new object. Callers hold s.mu.
func (s *Server) add(o *Object) *Object {
	o.Created = s.Now()
	o.Insights = map[string]int64{}
	s.objects[o.ID] = o
	s.order = append(s.order, o)
	return o
}

// nextID returns a fresh number for ids. Callers hold s.mu.
func (s *Server) nextID() string {
	s.seq++
	return fmt.Sprintf("%d", 900000000000000+s.seq)
}

// newPost stores a Page post. Callers hold s.mu.
func (s *Server) newPost(message, link string, photos []string) *Object {
	return s.add(&Object{ID: PageID + "_" + s.nextID(), Kind: "post", Message: message, Link: link,
		Photos: photos, FromID: PageID, FromName: PageName})
}

// newComment stores a comment as the Page under parent. Callers hold s.mu.
func (s *Server) newComment(parent *Object, message string) *Object {
	_, tail, ok := strings.Cut(parent.ID, "_")
	if !ok {
		tail = parent.ID
	}
	return s.add(&Object{ID: tail + "_" + s.nextID(), Kind: "comment", Message: message, Parent: parent.ID,
		FromID: PageID, FromName: PageName})
}

// permalink is the public address of an object.
func permalink(o *Object) string {
	switch o.Kind {
	case "post":
		page, post, _ := strings.Cut(o.ID, "_")
		return "https://www.facebook.com/" + page + "/posts/" + post
	case "comment":
		_, c, _ := strings.Cut(o.ID, "_")
		return "https://www.facebook.com/" + strings.Replace(o.Parent, "_", "/posts/", 1) + "?comment_id=" + c
	default:
		return "https://www.facebook.com/photo/?fbid=" + o.ID
	}
}
