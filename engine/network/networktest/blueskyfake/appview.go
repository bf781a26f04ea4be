package blueskyfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// The AppView reads a PDS proxies for its users. A bearer token is optional,
// as for public reads, but an expired or unknown one is refused.

// viewer checks an optional bearer token. Call with s.mu held.
func (s *Server) viewer(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") == "" {
		return true
	}
	if _, fail := s.bearer(r, false); fail != nil {
		fail.write(w)
		return false
	}
	return true
}

type profileView struct {
	DID    string `json:"did"`
	Handle string `json:"handle"`
}

type postView struct {
	Type          string          `json:"$type"`
	URI           string          `json:"uri"`
	CID           string          `json:"cid"`
	Author        profileView     `json:"author"`
	Record        json.RawMessage `json:"record"`
	ReplyCount    int             `json:"replyCount"`
	RepostCount   int             `json:"repostCount"`
	LikeCount     int             `json:"likeCount"`
	QuoteCount    int             `json:"quoteCount"`
	BookmarkCount int             `json:"bookmarkCount"`
	IndexedAt     string          `json:"indexedAt"`
	Labels        []any           `json:"labels"`
}

// profile returns the view of an account. Call with s.mu held.
func (s *Server) profile(did string) profileView {
	return profileView{DID: did, Handle: s.accounts[did].handle}
}

// view returns the view of a post with its counts. Call with s.mu held.
func (s *Server) view(rec *record) postView {
	v := postView{
		Type:          "app.bsky.feed.defs#postView",
		URI:           rec.uri,
		CID:           rec.cid,
		Author:        s.profile(rec.did),
		Record:        rec.value,
		RepostCount:   len(s.reposts[rec.uri]),
		LikeCount:     len(s.likes[rec.uri]),
		BookmarkCount: 0,
		IndexedAt:     datetime(rec.at),
		Labels:        []any{},
	}
	for _, other := range s.records {
		if other.deleted {
			continue
		}
		if other.parent() == rec.uri {
			v.ReplyCount++
		}
		if other.quoted() == rec.uri {
			v.QuoteCount++
		}
	}
	return v
}

func (s *Server) getPosts(w http.ResponseWriter, r *http.Request) {
	uris := r.URL.Query()["uris"]
	if len(uris) == 0 || len(uris) > maxGetPostURIs {
		invalidRequest(w, "uris must have 1 to 25 elements")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.viewer(w, r) {
		return
	}
	posts := []postView{}
	for _, u := range uris {
		if rec, ok := s.byURI[u]; ok {
			posts = append(posts, s.view(rec))
		}
	}
	writeJSON(w, map[string]any{"posts": posts})
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	actor := r.URL.Query().Get("actor")
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.viewer(w, r) {
		return
	}
	did := s.repoDID(actor)
	if did == "" {
		invalidRequest(w, "Profile not found")
		return
	}
	a := s.accounts[did]
	posts := 0
	for _, rec := range s.records {
		if rec.did == did && !rec.deleted {
			posts++
		}
	}
	writeJSON(w, map[string]any{
		"did": did, "handle": a.handle, "followersCount": a.followers, "followsCount": 0, "postsCount": posts,
	})
}

// listParams reads uri, limit and cursor, answering 400 when they are
// wrong. Call with s.mu held.
func (s *Server) listParams(w http.ResponseWriter, q url.Values) (uri string, limit, offset int, ok bool) {
	uri = q.Get("uri")
	if uri == "" {
		invalidRequest(w, `Params must have the property "uri"`)
		return "", 0, 0, false
	}
	limit = defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageLimit {
			invalidRequest(w, "limit must be an integer from 1 to 100")
			return "", 0, 0, false
		}
		limit = n
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			invalidRequest(w, "Malformed cursor")
			return "", 0, 0, false
		}
		offset = n
	}
	return uri, min(limit, s.maxPage), offset, true
}

// page cuts items[offset:offset+limit] and the cursor to the rest.
func page[T any](items []T, offset, limit int) ([]T, string) {
	if offset >= len(items) {
		return []T{}, ""
	}
	end := min(len(items), offset+limit)
	cursor := ""
	if end < len(items) {
		cursor = strconv.Itoa(end)
	}
	return items[offset:end], cursor
}

// newestFirst sorts interactions as the AppView lists them.
func newestFirst(in []interaction) []interaction {
	out := slices.Clone(in)
	slices.SortStableFunc(out, func(a, b interaction) int { return b.at.Compare(a.at) })
	return out
}

func (s *Server) getLikes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.viewer(w, r) {
		return
	}
	uri, limit, offset, ok := s.listParams(w, r.URL.Query())
	if !ok {
		return
	}
	items, cursor := page(newestFirst(s.likes[uri]), offset, limit)
	type like struct {
		IndexedAt string      `json:"indexedAt"`
		CreatedAt string      `json:"createdAt"`
		Actor     profileView `json:"actor"`
	}
	likes := []like{}
	for _, it := range items {
		likes = append(likes, like{IndexedAt: datetime(it.at), CreatedAt: datetime(it.at), Actor: s.profile(it.did)})
	}
	writeJSON(w, withCursor(map[string]any{"uri": uri, "likes": likes}, cursor))
}

func (s *Server) getRepostedBy(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.viewer(w, r) {
		return
	}
	uri, limit, offset, ok := s.listParams(w, r.URL.Query())
	if !ok {
		return
	}
	items, cursor := page(newestFirst(s.reposts[uri]), offset, limit)
	by := []profileView{}
	for _, it := range items {
		by = append(by, s.profile(it.did))
	}
	writeJSON(w, withCursor(map[string]any{"uri": uri, "repostedBy": by}, cursor))
}

func (s *Server) getQuotes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.viewer(w, r) {
		return
	}
	uri, limit, offset, ok := s.listParams(w, r.URL.Query())
	if !ok {
		return
	}
	var quotes []*record
	for _, rec := range s.records {
		if !rec.deleted && rec.quoted() == uri {
			quotes = append(quotes, rec)
		}
	}
	slices.Reverse(quotes)
	items, cursor := page(quotes, offset, limit)
	posts := []postView{}
	for _, rec := range items {
		posts = append(posts, s.view(rec))
	}
	writeJSON(w, withCursor(map[string]any{"uri": uri, "posts": posts}, cursor))
}

func withCursor(m map[string]any, cursor string) map[string]any {
	if cursor != "" {
		m["cursor"] = cursor
	}
	return m
}

// threadView is an app.bsky.feed.defs#threadViewPost.
type threadView struct {
	Type    string        `json:"$type"`
	Post    postView      `json:"post"`
	Parent  *threadView   `json:"parent,omitempty"`
	Replies []*threadView `json:"replies,omitempty"`
}

func (s *Server) getPostThread(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	depth, parentHeight := 6, 80
	for name, p := range map[string]*int{"depth": &depth, "parentHeight": &parentHeight} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1000 {
				invalidRequest(w, name+" must be an integer from 0 to 1000")
				return
			}
			*p = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.viewer(w, r) {
		return
	}
	uri := q.Get("uri")
	rec, ok := s.byURI[uri]
	if !ok {
		xrpcError(w, http.StatusBadRequest, "NotFound", "Post not found: "+uri)
		return
	}
	t := s.thread(rec, depth)
	for cur, h := t, 0; h < parentHeight; h++ {
		parent, ok := s.byURI[cur.Post.recordParent()]
		if !ok {
			break
		}
		cur.Parent = &threadView{Type: "app.bsky.feed.defs#threadViewPost", Post: s.view(parent)}
		cur = cur.Parent
	}
	writeJSON(w, map[string]any{"thread": t})
}

// thread builds rec's thread view with replies down to depth, oldest reply
// first. Call with s.mu held.
func (s *Server) thread(rec *record, depth int) *threadView {
	t := &threadView{Type: "app.bsky.feed.defs#threadViewPost", Post: s.view(rec)}
	if depth == 0 {
		return t
	}
	for _, other := range s.records {
		if !other.deleted && other.parent() == rec.uri {
			t.Replies = append(t.Replies, s.thread(other, depth-1))
		}
	}
	return t
}

// recordParent reads the parent URI from a view's record.
func (v postView) recordParent() string {
	var p struct {
		Reply *replyValue `json:"reply"`
	}
	if json.Unmarshal(v.Record, &p) != nil || p.Reply == nil {
		return ""
	}
	return p.Reply.Parent.URI
}

// interactionAt is the time of a seeded interaction: at, or the clock's now.
func (s *Server) interactionAt(at time.Time) time.Time {
	if at.IsZero() {
		return s.now()
	}
	return at
}
