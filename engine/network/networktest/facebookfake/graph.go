package facebookfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// This file holds what every Graph API fake shares (the Instagram fake uses
// it too): error bodies, token checks, usage headers, faults and paging.

// GraphError is the Graph API error object a fake answers with.
type GraphError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode,omitempty"`
	UserTitle   string `json:"error_user_title,omitempty"`
	UserMsg     string `json:"error_user_msg,omitempty"`
	IsTransient bool   `json:"is_transient"`
	TraceID     string `json:"fbtrace_id"`
}

// Graph errors the fakes send, with Meta's wording.
var (
	ErrTransient = GraphError{Message: "An unexpected error has occurred. Please retry your request later.",
		Type: "OAuthException", Code: 2, IsTransient: true}
	ErrNoToken = GraphError{Message: "An access token is required to request this resource.",
		Type: "OAuthException", Code: 104}
	ErrBadToken = GraphError{Message: "Invalid OAuth access token - Cannot parse access token",
		Type: "OAuthException", Code: 190}
	ErrExpiredToken = GraphError{Message: "Error validating access token: Session has expired on Monday, 02-Mar-26 08:00:00 PST.",
		Type: "OAuthException", Code: 190, Subcode: 463}
)

// NoObject is Graph's answer for an id that does not exist.
func NoObject(id, method string) GraphError {
	return GraphError{Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
		strings.ToLower(method), id), Type: "GraphMethodException", Code: 100, Subcode: 33}
}

// InvalidParameter is a "(#100)" error.
func InvalidParameter(msg string) GraphError {
	return GraphError{Message: "(#100) " + msg, Type: "OAuthException", Code: 100}
}

// Graph is the shared state of a Graph API fake: token, faults, writes,
// clock, trace ids. Embed it in a network's fake.
type Graph struct {
	Token string
	Now   func() time.Time
	Wait  time.Duration // asked for by the RateLimit fault, in whole minutes
	// RateCode is the throttling error code sent on RateLimit (80001 for a
	// Page, 80002 for Instagram), with BUCType in the usage header.
	RateCode int
	BUCType  string
	BUCID    string

	Closing   chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	faults []networktest.Fault
	writes int
	trace  int
}

// Init prepares the shared state.
func (g *Graph) Init() {
	g.Closing = make(chan struct{})
	if g.Now == nil {
		g.Now = networktest.NewClock(time.Time{}).Now
	}
	if g.Wait <= 0 {
		g.Wait = time.Minute
	}
	g.Wait = g.Wait.Round(time.Minute)
	if g.Wait < time.Minute {
		g.Wait = time.Minute
	}
}

// Shutdown releases hanging requests.
func (g *Graph) Shutdown() { g.closeOnce.Do(func() { close(g.Closing) }) }

// Inject queues a fault for the next write.
func (g *Graph) Inject(f networktest.Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = append(g.faults, f)
}

// Writes counts writes that took effect.
func (g *Graph) Writes() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.writes
}

// NextFault pops the next queued fault.
func (g *Graph) NextFault() networktest.Fault {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.faults) == 0 {
		return networktest.NoFault
	}
	f := g.faults[0]
	g.faults = g.faults[1:]
	return f
}

// CountWrite records a write that took effect.
func (g *Graph) CountWrite() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writes++
}

// traceID returns a fresh fbtrace_id.
func (g *Graph) traceID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.trace++
	return fmt.Sprintf("AfakeTrace%06d", g.trace)
}

// Error writes a Graph error reply.
func (g *Graph) Error(w http.ResponseWriter, status int, e GraphError) {
	e.TraceID = g.traceID()
	if e.Code == 190 || e.Code == 104 {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`OAuth "Facebook Platform" "invalid_token" %q`, e.Message))
	}
	WriteJSON(w, status, map[string]any{"error": e})
}

// Authorize checks the access token of r (Authorization: Bearer or OAuth,
// or access_token in the query or form) and answers the error itself when
// it is missing or wrong.
func (g *Graph) Authorize(w http.ResponseWriter, r *http.Request) bool {
	tok := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, v, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
			tok = strings.TrimSpace(v)
		}
	}
	if tok == "" {
		tok = r.FormValue("access_token")
	}
	switch {
	case tok == "":
		g.Error(w, http.StatusBadRequest, ErrNoToken)
		return false
	case tok != g.Token:
		g.Error(w, http.StatusBadRequest, ErrBadToken)
		return false
	}
	return true
}

// Write runs a write request through the fault queue: perform is called
// (and the write counted) unless the fault prevents it, and its reply is
// sent unless the fault loses it. perform returns the status and body to
// send; a status other than 2xx means nothing was written.
func (g *Graph) Write(w http.ResponseWriter, r *http.Request, perform func() (int, any)) {
	f := g.NextFault()
	switch f {
	case networktest.FailBefore:
		g.Error(w, http.StatusInternalServerError, ErrTransient)
		return
	case networktest.RateLimit:
		g.RateLimited(w)
		return
	case networktest.Unauthorized:
		g.Error(w, http.StatusBadRequest, ErrExpiredToken)
		return
	}
	status, body := perform()
	if status/100 == 2 {
		g.CountWrite()
	}
	switch f {
	case networktest.FailAfter:
		g.Error(w, http.StatusInternalServerError, ErrTransient)
	case networktest.HangAfter:
		select {
		case <-r.Context().Done():
		case <-g.Closing:
		}
	case networktest.DropAfter:
		Drop(w)
	default:
		if e, ok := body.(GraphError); ok {
			g.Error(w, status, e)
			return
		}
		WriteJSON(w, status, body)
	}
}

// RateLimited answers a Business Use Case throttle with its usage header.
func (g *Graph) RateLimited(w http.ResponseWriter) {
	minutes := int(g.Wait / time.Minute)
	usage := map[string][]map[string]any{g.BUCID: {{
		"type": g.BUCType, "call_count": 100, "total_cputime": 12, "total_time": 17,
		"estimated_time_to_regain_access": minutes,
	}}}
	b, _ := json.Marshal(usage)
	w.Header().Set("X-Business-Use-Case-Usage", string(b))
	g.Error(w, http.StatusBadRequest, GraphError{
		Message: "(#" + strconv.Itoa(g.RateCode) + ") There have been too many calls from this account. Wait a bit and try again.",
		Type:    "OAuthException", Code: g.RateCode, IsTransient: true,
	})
}

// Drop closes the connection without a reply.
func Drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("facebookfake: response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// WriteJSON sends v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Paginate cuts items by the request's limit and after cursor and returns the
// Graph list object, with a next URL (without any token) when more follow.
func Paginate[T any](r *http.Request, items []T, defaultLimit int) map[string]any {
	limit, err := strconv.Atoi(r.FormValue("limit"))
	if err != nil || limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, 100)
	start := 0
	if a := r.FormValue("after"); a != "" {
		if b, err := base64.RawURLEncoding.DecodeString(a); err == nil {
			if n, err := strconv.Atoi(string(b)); err == nil && n >= 0 && n <= len(items) {
				start = n
			}
		}
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if page == nil {
		page = []T{}
	}
	out := map[string]any{"data": page}
	if len(items) > 0 {
		cursors := map[string]string{
			"before": base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(start))),
			"after":  base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))),
		}
		paging := map[string]any{"cursors": cursors}
		if end < len(items) {
			q := url.Values{}
			for k, v := range r.URL.Query() {
				if k != "access_token" && k != "after" && k != "appsecret_proof" {
					q[k] = v
				}
			}
			q.Set("after", cursors["after"])
			q.Set("limit", strconv.Itoa(limit))
			paging["next"] = "http://" + r.Host + r.URL.Path + "?" + q.Encode()
		}
		out["paging"] = paging
	}
	return out
}

// Fields splits a Graph fields parameter at its top-level commas and returns
// the field names ("reactions.summary(total_count)" gives "reactions").
func Fields(param string) map[string]bool {
	out := map[string]bool{}
	depth, start := 0, 0
	add := func(s string) {
		s = strings.TrimSpace(s)
		if i := strings.IndexAny(s, ".{("); i >= 0 {
			s = s[:i]
		}
		if s != "" {
			out[s] = true
		}
	}
	for i, c := range param {
		switch c {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		case ',':
			if depth == 0 {
				add(param[start:i])
				start = i + 1
			}
		}
	}
	add(param[start:])
	return out
}

// FormatTime writes t the way Graph does: "2026-03-02T09:30:00+0000".
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-0700") }
