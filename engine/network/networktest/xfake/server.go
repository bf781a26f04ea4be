package xfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// Problem types, under X's older host as live responses still name them.
const (
	problemBase       = "https://api.twitter.com/2/problems/"
	typeInvalid       = problemBase + "invalid-request"
	typeNotFound      = problemBase + "resource-not-found"
	typeFieldAuth     = problemBase + "not-authorized-for-field"
	duplicateDetail   = "You are not allowed to create a Tweet with duplicate content."
	invalidDetail     = "One or more parameters to your request was invalid."
	rateWindow        = 15 * time.Minute
	userDailyLimit    = 2400
	appDailyLimit     = 10000
	maxRequestBody    = 64 << 20
	searchWindowLimit = 7 * 24 * time.Hour
)

// window is one endpoint's 15-minute rate-limit window.
type window struct {
	start time.Time
	used  int
}

// route is one endpoint: its rate limit per window and whether it is a
// post write (which also carries the 24-hour headers).
type route struct {
	limit int
	write bool
	h     http.HandlerFunc
}

// serve authenticates, records and routes every request.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "unreadable body", typeInvalid)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	f.mu.Unlock()
	if !f.authenticated(r, body) {
		unauthorized(w)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mux.ServeHTTP(w, r)
}

// routes builds the server's routes.
func (f *Fake) routes() *http.ServeMux {
	mux := http.NewServeMux()
	routes := map[string]route{
		"POST /2/tweets":                     {limit: 100, write: true, h: f.createPost},
		"DELETE /2/tweets/{id}":              {limit: 50, write: true, h: f.deletePost},
		"GET /2/tweets":                      {limit: 900, h: f.lookupPosts},
		"GET /2/tweets/search/recent":        {limit: 300, h: f.search},
		"GET /2/tweets/{id}/liking_users":    {limit: 75, h: f.likingUsers},
		"GET /2/tweets/{id}/retweeted_by":    {limit: 75, h: f.retweetedBy},
		"GET /2/tweets/{id}/quote_tweets":    {limit: 75, h: f.quoteTweets},
		"GET /2/users/me":                    {limit: 75, h: f.usersMe},
		"GET /2/users/{id}/tweets":           {limit: 900, h: f.timeline},
		"POST /2/media/upload":               {limit: 500, h: f.uploadOneShot},
		"GET /2/media/upload":                {limit: 1875, h: f.uploadStatus},
		"POST /2/media/upload/initialize":    {limit: 1875, h: f.uploadInitialize},
		"POST /2/media/upload/{id}/append":   {limit: 1875, h: f.uploadAppend},
		"POST /2/media/upload/{id}/finalize": {limit: 1875, h: f.uploadFinalize},
		"POST /2/media/metadata":             {limit: 500, h: f.mediaMetadata},
	}
	for pattern, rt := range routes {
		mux.HandleFunc(pattern, f.limited(pattern, rt))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "Not Found Error", "Sorry, that page does not exist", "about:blank")
	})
	return mux
}

// authenticated checks the bearer token or the OAuth 1.0a signature.
func (f *Fake) authenticated(r *http.Request, body []byte) bool {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return tok == Token
	}
	return f.verifyOAuth1(r, body) == nil
}

// limited sets the rate-limit headers of the endpoint's window and answers
// 429 when it is exhausted.
func (f *Fake) limited(key string, rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		now := f.clock.Now()
		win := f.windows[key]
		if win == nil || !now.Before(win.start.Add(rateWindow)) {
			win = &window{start: now}
			f.windows[key] = win
		}
		win.used++
		remaining := max(rt.limit-win.used, 0)
		reset := win.start.Add(rateWindow).Unix()
		over := win.used > rt.limit
		f.mu.Unlock()
		h := w.Header()
		h.Set("x-rate-limit-limit", strconv.Itoa(rt.limit))
		h.Set("x-rate-limit-remaining", strconv.Itoa(remaining))
		h.Set("x-rate-limit-reset", strconv.FormatInt(reset, 10))
		if rt.write {
			f.dailyHeaders(h)
		}
		if over {
			problem(w, http.StatusTooManyRequests, "Too Many Requests", "Too Many Requests", "about:blank")
			return
		}
		rt.h(w, r)
	}
}

// dailyHeaders sets the 24-hour user and app headers of post writes.
func (f *Fake) dailyHeaders(h http.Header) {
	f.mu.Lock()
	used := f.writes
	reset := f.clock.Now().Truncate(24 * time.Hour).Add(24 * time.Hour).Unix()
	f.mu.Unlock()
	h.Set("x-user-limit-24hour-limit", strconv.Itoa(userDailyLimit))
	h.Set("x-user-limit-24hour-remaining", strconv.Itoa(max(userDailyLimit-used, 0)))
	h.Set("x-user-limit-24hour-reset", strconv.FormatInt(reset, 10))
	h.Set("x-app-limit-24hour-limit", strconv.Itoa(appDailyLimit))
	h.Set("x-app-limit-24hour-remaining", strconv.Itoa(max(appDailyLimit-used, 0)))
	h.Set("x-app-limit-24hour-reset", strconv.FormatInt(reset, 10))
}

// takeFault pops the next queued fault.
func (f *Fake) takeFault() networktest.Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) == 0 {
		return networktest.NoFault
	}
	fault := f.faults[0]
	f.faults = f.faults[1:]
	return fault
}

// failBefore answers a fault that stops a write before it takes effect,
// and reports whether it did.
func (f *Fake) failBefore(w http.ResponseWriter, fault networktest.Fault) bool {
	switch fault {
	case networktest.FailBefore:
		problem(w, http.StatusInternalServerError, "Internal Server Error", "Internal Server Error", "about:blank")
	case networktest.RateLimit:
		f.mu.Lock()
		reset := f.clock.Now().Add(retryAfter).Unix()
		f.mu.Unlock()
		w.Header().Set("x-rate-limit-remaining", "0")
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset, 10))
		problem(w, http.StatusTooManyRequests, "Too Many Requests", "Too Many Requests", "about:blank")
	case networktest.Unauthorized:
		unauthorized(w)
	default:
		return false
	}
	return true
}

// respondAfter answers a write that took effect, unless a fault loses the
// answer.
func (f *Fake) respondAfter(w http.ResponseWriter, r *http.Request, fault networktest.Fault, status int, v any) {
	switch fault {
	case networktest.FailAfter:
		problem(w, http.StatusInternalServerError, "Internal Server Error", "Internal Server Error", "about:blank")
	case networktest.HangAfter:
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
	case networktest.DropAfter:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	default:
		writeJSON(w, status, v)
	}
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem answers an RFC 7807 problem, as X does.
func problem(w http.ResponseWriter, status int, title, detail, typ string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": title, "detail": detail, "type": typ, "status": status})
}

// invalid answers X's invalid-request problem, naming the parameter.
func invalid(w http.ResponseWriter, param, msg string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"parameters": map[string]any{param: []string{}}, "message": msg}},
		"title":  "Invalid Request",
		"detail": invalidDetail,
		"type":   typeInvalid,
	})
}

// unauthorized answers X's 401.
func unauthorized(w http.ResponseWriter) {
	problem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized", "about:blank")
}

// notFoundError is the partial error X puts beside data for a missing id.
func notFoundError(kind, param, id string) map[string]any {
	return map[string]any{
		"value":         id,
		"detail":        "Could not find " + kind + " with " + param + ": [" + id + "].",
		"title":         "Not Found Error",
		"resource_type": kind,
		"parameter":     param,
		"resource_id":   id,
		"type":          typeNotFound,
	}
}

// pageToken and parseToken encode a page's offset.
func pageToken(off int) string { return "7140dibdnow9c7btw" + strconv.FormatInt(int64(off), 36) }

func parseToken(s string) (int, bool) {
	rest, ok := strings.CutPrefix(s, "7140dibdnow9c7btw")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 36, 64)
	return int(n), err == nil && n >= 0
}

// pageBounds reads max_results (between lo and hi, default def) and the
// page token named param.
func pageBounds(w http.ResponseWriter, r *http.Request, param string, lo, hi, def int) (size, off int, ok bool) {
	size = def
	if v := r.URL.Query().Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			invalid(w, "max_results", "The `max_results` query parameter value ["+v+"] is not between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
			return 0, 0, false
		}
		size = n
	}
	if v := r.URL.Query().Get(param); v != "" {
		n, good := parseToken(v)
		if !good {
			invalid(w, param, "The `"+param+"` query parameter value ["+v+"] is not valid")
			return 0, 0, false
		}
		off = n
	}
	return size, off, true
}

// timeParam reads an RFC 3339 query parameter, zero when absent.
func timeParam(w http.ResponseWriter, r *http.Request, name string) (time.Time, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		invalid(w, name, "Invalid '"+name+"':'"+v+"'.")
		return time.Time{}, false
	}
	return t, true
}

// fieldSet reads a comma-separated fields parameter.
func fieldSet(r *http.Request, name string) map[string]bool {
	set := map[string]bool{}
	for _, v := range strings.Split(r.URL.Query().Get(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			set[v] = true
		}
	}
	return set
}
