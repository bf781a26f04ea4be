package telegramfake

import (
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// apiError is a Bot API failure a method returns.
type apiError struct {
	code        int
	description string
	retryAfter  int
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// params are a request's parameters, whatever the body's encoding.
type params struct {
	raw   map[string]json.RawMessage
	files map[string]*multipart.FileHeader
}

// str returns a parameter as text (a JSON string unquoted, other JSON as is).
func (p params) str(name string) (string, bool) {
	raw, ok := p.raw[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return string(raw), true
}

// decode unmarshals an object parameter.
func (p params) decode(name string, v any) (bool, error) {
	raw, ok := p.raw[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		// A form field carries the JSON as a string.
		var s string
		if json.Unmarshal(raw, &s) != nil || json.Unmarshal([]byte(s), v) != nil {
			return true, err
		}
	}
	return true, nil
}

func (p params) int(name string) (int64, bool) {
	s, ok := p.str(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

func (p params) bool(name string) bool {
	s, _ := p.str(name)
	return s == "true"
}

// handler serves /bot<token>/<method>.
func (s *Server) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
		tok, method, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 {
			s.fail(w, &apiError{code: http.StatusNotFound, description: "Not Found"})
			return
		}
		if tok != Token {
			s.fail(w, &apiError{code: http.StatusUnauthorized, description: "Unauthorized"})
			return
		}
		p, err := readParams(r)
		if err != nil {
			s.fail(w, badRequest("%v", err))
			return
		}
		s.record(method, r.Header.Get("Content-Type"), p)
		var do func(params) (any, *apiError)
		switch method {
		case "getMe":
			s.ok(w, map[string]any{"id": BotID, "is_bot": true, "first_name": "Clairon Test Bot", "username": BotUsername,
				"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false})
			return
		case "sendMessage":
			do = s.sendMessage
		case "sendPhoto":
			do = func(p params) (any, *apiError) { return s.sendFile(p, "photo") }
		case "sendVideo":
			do = func(p params) (any, *apiError) { return s.sendFile(p, "video") }
		case "sendAnimation":
			do = func(p params) (any, *apiError) { return s.sendFile(p, "animation") }
		case "sendMediaGroup":
			do = s.sendMediaGroup
		case "sendPoll":
			do = s.sendPoll
		case "editMessageText":
			do = func(p params) (any, *apiError) { return s.edit(p, "text") }
		case "editMessageCaption":
			do = func(p params) (any, *apiError) { return s.edit(p, "caption") }
		case "deleteMessage":
			do = s.deleteMessage
		default:
			s.fail(w, &apiError{code: http.StatusNotFound, description: "Not Found: method not found"})
			return
		}
		s.write(w, r, p, do)
	})
}

// write runs a write method through the fault queue and flood control.
func (s *Server) write(w http.ResponseWriter, r *http.Request, p params, do func(params) (any, *apiError)) {
	f := s.Next()
	switch f {
	case networktest.FailBefore:
		s.fail(w, &apiError{code: http.StatusInternalServerError, description: "Internal Server Error"})
		return
	case networktest.RateLimit:
		n := int(s.retryAfter / time.Second)
		s.fail(w, &apiError{code: http.StatusTooManyRequests, description: fmt.Sprintf("Too Many Requests: retry after %d", n), retryAfter: n})
		return
	case networktest.Unauthorized:
		s.fail(w, &apiError{code: http.StatusUnauthorized, description: "Unauthorized"})
		return
	}
	if wait := s.flooded(); wait > 0 {
		s.fail(w, &apiError{code: http.StatusTooManyRequests, description: fmt.Sprintf("Too Many Requests: retry after %d", wait), retryAfter: wait})
		return
	}
	result, apiErr := do(p)
	if apiErr == nil {
		s.mu.Lock()
		s.writes++
		s.mu.Unlock()
	}
	switch f {
	case networktest.FailAfter:
		s.fail(w, &apiError{code: http.StatusInternalServerError, description: "Internal Server Error"})
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
		if apiErr != nil {
			s.fail(w, apiErr)
			return
		}
		s.ok(w, result)
	}
}

// flooded returns the seconds to wait when the flood limit is reached.
func (s *Server) flooded() int {
	if s.flood <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	recent := s.sends[:0]
	for _, t := range s.sends {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	s.sends = recent
	if len(recent) < s.flood {
		return 0
	}
	return max(int((time.Minute-now.Sub(recent[0])+time.Second-1)/time.Second), 1)
}

func (s *Server) ok(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func (s *Server) fail(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"ok": false, "error_code": e.code, "description": e.description}
	if e.retryAfter > 0 {
		body["parameters"] = map[string]int{"retry_after": e.retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.code)
	_ = json.NewEncoder(w).Encode(body)
}

// readParams reads the query and a JSON, urlencoded or multipart body.
func readParams(r *http.Request) (params, error) {
	p := params{raw: map[string]json.RawMessage{}}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		if err := json.NewDecoder(r.Body).Decode(&p.raw); err != nil {
			return p, fmt.Errorf("can't parse JSON object: %v", err)
		}
		if err := r.ParseForm(); err != nil { // the query string
			return p, err
		}
	case strings.HasPrefix(ct, "multipart/form-data"):
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			return p, fmt.Errorf("can't parse multipart body: %v", err)
		}
		p.files = map[string]*multipart.FileHeader{}
		for k, fhs := range r.MultipartForm.File {
			p.files[k] = fhs[0]
		}
	default:
		if err := r.ParseForm(); err != nil {
			return p, err
		}
	}
	for k, vs := range r.Form {
		if _, set := p.raw[k]; !set && len(vs) > 0 {
			b, _ := json.Marshal(vs[0])
			p.raw[k] = b
		}
	}
	if r.MultipartForm != nil {
		for k, vs := range r.MultipartForm.Value {
			b, _ := json.Marshal(vs[0])
			p.raw[k] = b
		}
	}
	return p, nil
}

// record keeps a request for Calls.
func (s *Server) record(method, contentType string, p params) {
	c := Call{Method: method, ContentType: contentType, Params: map[string]string{}, Files: map[string]string{}}
	for k, v := range p.raw {
		c.Params[k] = string(v)
	}
	for k, fh := range p.files {
		c.Files[k] = fh.Filename
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}
