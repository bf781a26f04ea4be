// Package githubtest is a fake of the GitHub REST API's issue-comment
// endpoints, for tests of the sticky pull-request comment: a real HTTP server
// on 127.0.0.1 that checks each request's method, path, headers and body as
// GitHub does, paginates with Link headers, answers GitHub's error shapes
// (bad credentials, a read-only token, validation failures, secondary rate
// limits), and records every request it received.
package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Token is the token the fake accepts unless WithToken says otherwise.
const Token = "ghs_fakeInstallationToken0123456789abcdef"

// Bot is the login the fake gives to comments the token writes.
const Bot = "github-actions[bot]"

// Comment is an issue comment as the fake stores it.
type Comment struct {
	ID        int64
	Repo      string // owner/name
	Number    int
	User      string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   string
	Status int
}

// Fault is an answer the fake gives to the next request instead of serving it.
type Fault struct {
	Status int
	// SecondaryRateLimit answers GitHub's secondary rate limit shape, with
	// Retry-After when RetryAfter is set.
	SecondaryRateLimit bool
	RetryAfter         time.Duration
}

// Server is a running fake. Create it with New, stop it with Close.
type Server struct {
	srv      *httptest.Server
	token    string
	readOnly bool
	now      func() time.Time

	mu       sync.Mutex
	nextID   int64
	comments []*Comment
	requests []Request
	faults   []Fault
	problems []string
}

// Option configures a Server.
type Option func(*Server)

// WithToken sets the only token the fake accepts.
func WithToken(tok string) Option { return func(s *Server) { s.token = tok } }

// ReadOnly makes every write answer 403, as GitHub does for the read-only
// token of a pull request from a fork.
func ReadOnly() Option { return func(s *Server) { s.readOnly = true } }

// New starts a fake on 127.0.0.1.
func New(opts ...Option) *Server {
	s := &Server{token: Token, nextID: 1000,
		now: func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) }}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// URL is the API's base URL, the value of GITHUB_API_URL.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Seed adds a comment as if user had written it, and returns its id.
func (s *Server) Seed(repo string, number int, user, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(repo, number, user, body).ID
}

// Inject makes the next request fail with f. Faults queue in order.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// Comments returns the comments of a pull request, oldest first.
func (s *Server) Comments(repo string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Repo == repo && c.Number == number {
			out = append(out, *c)
		}
	}
	return out
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Writes counts the requests that changed a comment (POST, PATCH, DELETE
// answered with success).
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method != http.MethodGet && r.Status < 300 {
			n++
		}
	}
	return n
}

// Problems lists the requests GitHub would have rejected as malformed
// (missing headers, wrong content type, bad JSON): a client bug, which a
// test should assert never happens.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.problems)
}

func (s *Server) add(repo string, number int, user, body string) *Comment {
	s.nextID++
	now := s.now().UTC()
	c := &Comment{ID: s.nextID, Repo: repo, Number: number, User: user, Body: body, CreatedAt: now, UpdatedAt: now}
	s.comments = append(s.comments, c)
	return c
}

var (
	listPath = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/([0-9]+)/comments$`)
	itemPath = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/comments/([0-9]+)$`)
)

// rateHeaders are the rate-limit headers GitHub sends with every answer.
func (s *Server) rateHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", "1000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(1000-len(s.requests)))
	h.Set("X-RateLimit-Used", strconv.Itoa(len(s.requests)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.now().Add(time.Hour).Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<22))
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: string(body)}
	status := s.serve(w, r, body)
	rec.Status = status
	s.requests = append(s.requests, rec)
}

// serve answers one request with s.mu held and returns the status sent.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) int {
	s.rateHeaders(w.Header())
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		if f.SecondaryRateLimit {
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
			}
			return writeError(w, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
				"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		}
		return writeError(w, f.Status, http.StatusText(f.Status), "")
	}
	if r.Header.Get("User-Agent") == "" {
		s.problems = append(s.problems, r.Method+" "+r.URL.Path+": no User-Agent")
		return writeError(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.", "")
	}
	if acc := r.Header.Get("Accept"); !strings.Contains(acc, "application/vnd.github") && !strings.Contains(acc, "application/json") {
		s.problems = append(s.problems, fmt.Sprintf("%s %s: Accept %q", r.Method, r.URL.Path, acc))
	}
	switch v := r.Header.Get("X-GitHub-Api-Version"); v {
	case "", "2022-11-28", "2026-03-10":
	default:
		s.problems = append(s.problems, fmt.Sprintf("%s %s: X-GitHub-Api-Version %q", r.Method, r.URL.Path, v))
		return writeError(w, http.StatusBadRequest, fmt.Sprintf("API version %s is not supported.", v), "https://docs.github.com/rest/about-the-rest-api/api-versions")
	}
	auth := r.Header.Get("Authorization")
	if auth != "Bearer "+s.token && auth != "token "+s.token {
		return writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
	}
	if m := listPath.FindStringSubmatch(r.URL.Path); m != nil {
		repo := m[1] + "/" + m[2]
		number, _ := strconv.Atoi(m[3])
		switch r.Method {
		case http.MethodGet:
			return s.list(w, r, repo, number)
		case http.MethodPost:
			if s.readOnly {
				return writeError(w, http.StatusForbidden, "Resource not accessible by integration", "https://docs.github.com/rest/issues/comments#create-an-issue-comment")
			}
			text, status := s.commentBody(w, r, body)
			if status != 0 {
				return status
			}
			c := s.add(repo, number, Bot, text)
			return writeJSON(w, http.StatusCreated, s.render(c))
		}
		return writeError(w, http.StatusNotFound, "Not Found", "")
	}
	if m := itemPath.FindStringSubmatch(r.URL.Path); m != nil {
		repo := m[1] + "/" + m[2]
		id, _ := strconv.ParseInt(m[3], 10, 64)
		i := slices.IndexFunc(s.comments, func(c *Comment) bool { return c.ID == id && c.Repo == repo })
		if i < 0 {
			return writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments")
		}
		switch r.Method {
		case http.MethodGet:
			return writeJSON(w, http.StatusOK, s.render(s.comments[i]))
		case http.MethodPatch:
			if s.readOnly {
				return writeError(w, http.StatusForbidden, "Resource not accessible by integration", "https://docs.github.com/rest/issues/comments#update-an-issue-comment")
			}
			text, status := s.commentBody(w, r, body)
			if status != 0 {
				return status
			}
			c := s.comments[i]
			c.Body, c.UpdatedAt = text, s.now().UTC()
			return writeJSON(w, http.StatusOK, s.render(c))
		case http.MethodDelete:
			if s.readOnly {
				return writeError(w, http.StatusForbidden, "Resource not accessible by integration", "https://docs.github.com/rest/issues/comments#delete-an-issue-comment")
			}
			s.comments = slices.Delete(s.comments, i, i+1)
			w.WriteHeader(http.StatusNoContent)
			return http.StatusNoContent
		}
	}
	return writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
}

// list serves one page of a pull request's comments, oldest first, with
// GitHub's Link header.
func (s *Server) list(w http.ResponseWriter, r *http.Request, repo string, number int) int {
	q := r.URL.Query()
	perPage, page := 30, 1
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.problems = append(s.problems, "per_page "+v)
			n = 30
		}
		perPage = min(n, 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.problems = append(s.problems, "page "+v)
			n = 1
		}
		page = n
	}
	var all []*Comment
	for _, c := range s.comments {
		if c.Repo == repo && c.Number == number {
			all = append(all, c)
		}
	}
	last := max(1, (len(all)+perPage-1)/perPage)
	from, to := min((page-1)*perPage, len(all)), min(page*perPage, len(all))
	out := make([]map[string]any, 0, to-from)
	for _, c := range all[from:to] {
		out = append(out, s.render(c))
	}
	link := func(p int, rel string) string {
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
		v := url.Values{}
		v.Set("per_page", strconv.Itoa(perPage))
		v.Set("page", strconv.Itoa(p))
		u.RawQuery = v.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	return writeJSON(w, http.StatusOK, out)
}

// commentBody decodes {"body": "…"} as GitHub validates it; on failure it
// answers and returns the status.
func (s *Server) commentBody(w http.ResponseWriter, r *http.Request, body []byte) (string, int) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.problems = append(s.problems, fmt.Sprintf("%s %s: Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type")))
		return "", writeError(w, http.StatusUnsupportedMediaType, "Unsupported Media Type", "")
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		s.problems = append(s.problems, fmt.Sprintf("%s %s: body is not JSON: %v", r.Method, r.URL.Path, err))
		return "", writeError(w, http.StatusBadRequest, "Problems parsing JSON", "")
	}
	text, ok := in["body"].(string)
	for k := range in {
		if k != "body" {
			s.problems = append(s.problems, fmt.Sprintf("%s %s: unexpected field %q", r.Method, r.URL.Path, k))
		}
	}
	switch {
	case !ok || text == "":
		return "", writeValidation(w, "missing_field", "body", "")
	case utf8.RuneCountInString(text) > 65536:
		return "", writeValidation(w, "custom", "body", "body is too long (maximum is 65536 characters)")
	}
	return text, 0
}

func (s *Server) render(c *Comment) map[string]any {
	owner, name, _ := strings.Cut(c.Repo, "/")
	api := s.srv.URL + "/repos/" + c.Repo
	userType := "User"
	if strings.HasSuffix(c.User, "[bot]") {
		userType = "Bot"
	}
	return map[string]any{
		"id":                 c.ID,
		"node_id":            fmt.Sprintf("IC_kwDO%08d", c.ID),
		"url":                fmt.Sprintf("%s/issues/comments/%d", api, c.ID),
		"html_url":           fmt.Sprintf("https://github.com/%s/%s/pull/%d#issuecomment-%d", owner, name, c.Number, c.ID),
		"issue_url":          fmt.Sprintf("%s/issues/%d", api, c.Number),
		"body":               c.Body,
		"user":               map[string]any{"login": c.User, "type": userType},
		"created_at":         c.CreatedAt.Format(time.RFC3339),
		"updated_at":         c.UpdatedAt.Format(time.RFC3339),
		"author_association": "NONE",
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
	return status
}

func writeError(w http.ResponseWriter, status int, msg, doc string) int {
	body := map[string]any{"message": msg, "status": strconv.Itoa(status)}
	if doc != "" {
		body["documentation_url"] = doc
	}
	return writeJSON(w, status, body)
}

func writeValidation(w http.ResponseWriter, code, field, msg string) int {
	e := map[string]any{"resource": "IssueComment", "code": code, "field": field}
	if msg != "" {
		e["message"] = msg
	}
	return writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            []any{e},
		"documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
		"status":            "422",
	})
}
