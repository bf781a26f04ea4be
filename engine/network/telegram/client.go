package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// DefaultAPI is the Bot API server.
const DefaultAPI = "https://api.telegram.org"

// maxBody caps how much of a reply is read.
const maxBody int64 = 4 << 20

// reply is the Bot API envelope:
//
//	{"ok":true,"result":…}
//	{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}
type reply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// APIError is a Bot API failure ("ok": false).
type APIError struct {
	Code        int
	Description string
	// MigrateTo is set when a group became a supergroup with a new id.
	MigrateTo int64
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("bot api error %d: %s", e.Code, e.Description)
	if e.MigrateTo != 0 {
		s += fmt.Sprintf(" (the group is now the supergroup %d: set chat_id to it)", e.MigrateTo)
	}
	return s
}

// file is one upload of a multipart call.
type file struct {
	field, name, mime string
	data              []byte
}

// call invokes a Bot API method. Without files the parameters travel as JSON;
// with files, as multipart/form-data fields (objects JSON-encoded) beside the
// file parts. The result is decoded into out unless out is nil.
func (a *Adapter) call(ctx context.Context, op, method string, params map[string]any, files []file, write bool, out any) error {
	body, contentType, err := encode(params, files)
	if err != nil {
		return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.api+"/bot"+a.token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: a.scrub(err)}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "clairon (+https://github.com/clairon-dev/clairon)")
	resp, err := httpx.Do(a.http, req, httpx.Call{Network: Name, Op: op, Write: write, Limit: maxBody})
	if err != nil {
		var ne *network.Error
		if errors.As(err, &ne) && ne.Err != nil {
			ne.Err = a.scrub(ne.Err)
			return ne
		}
		return a.scrub(err)
	}
	var r reply
	if jerr := json.Unmarshal(resp.Body, &r); jerr != nil {
		return a.statusError(op, resp.Status, write, resp.Body)
	}
	if !r.OK {
		return a.apiError(op, resp.Status, write, &r)
	}
	if out == nil {
		return nil
	}
	if err := httpx.DecodeJSON(r.Result, out); err != nil {
		return &network.Error{Class: network.Retryable, Network: Name, Op: op, Status: resp.Status, MaybeWritten: write, Err: err}
	}
	return nil
}

// encode builds the request body.
func encode(params map[string]any, files []file) ([]byte, string, error) {
	if len(files) == 0 {
		b, err := json.Marshal(params)
		return b, "application/json", err
	}
	m := httpx.NewMultipart()
	for k, v := range params {
		if s, ok := v.(string); ok {
			m.Field(k, s)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, "", err
		}
		m.Field(k, string(b))
	}
	for _, f := range files {
		m.File(f.field, f.name, f.mime, f.data)
	}
	return m.Finish()
}

// apiError classes an "ok": false reply by its error_code.
func (a *Adapter) apiError(op string, status int, write bool, r *reply) error {
	code := r.ErrorCode
	if code == 0 {
		code = status
	}
	e := &APIError{Code: code, Description: a.redact.String(r.Description)}
	if r.Parameters != nil {
		e.MigrateTo = r.Parameters.MigrateToChatID
	}
	ne := &network.Error{Network: Name, Op: op, Status: status, Err: e}
	switch {
	case code == http.StatusTooManyRequests:
		ne.Class = network.RateLimited
		if r.Parameters != nil && r.Parameters.RetryAfter > 0 {
			ne.RetryAfter = time.Duration(r.Parameters.RetryAfter) * time.Second
		}
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		// 401: the token is wrong or revoked; 403: the bot was removed from
		// the chat or may not post there. Both need a person.
		ne.Class = network.Auth
	case code == http.StatusNotFound:
		// The Bot API answers 404 to a path whose token names no bot.
		ne.Class = network.Auth
	case code >= 500:
		ne.Class, ne.MaybeWritten = network.Retryable, write
	default:
		ne.Class = network.Permanent
	}
	return ne
}

// statusError classes a reply that is not the Bot API envelope (a proxy's
// HTML error page) by its HTTP status.
func (a *Adapter) statusError(op string, status int, write bool, raw []byte) error {
	ne := &network.Error{Network: Name, Op: op, Status: status, Err: fmt.Errorf("unexpected reply: %s", a.redact.String(snippet(raw)))}
	switch {
	case status == http.StatusTooManyRequests:
		ne.Class = network.RateLimited
	case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound:
		ne.Class = network.Auth
	case status >= 500 || status/100 == 2:
		ne.Class, ne.MaybeWritten = network.Retryable, write
	default:
		ne.Class = network.Permanent
	}
	return ne
}

// scrub returns err, or, when its text shows the token, an error with the
// cleaned text that keeps nothing of the original but whether it was a
// timeout. httpx already drops the *url.Error whose text is the URL (and so
// the token in its path); this also covers any cause that quoted it.
func (a *Adapter) scrub(err error) error {
	text := err.Error()
	clean := a.redact.String(text)
	if clean == text {
		return err
	}
	var t interface{ Timeout() bool }
	return &scrubbed{text: clean, timeout: errors.As(err, &t) && t.Timeout()}
}

// scrubbed is an error whose text was cleaned of secrets.
type scrubbed struct {
	text    string
	timeout bool
}

func (e *scrubbed) Error() string { return e.text }

// Timeout reports whether the original error was a timeout.
func (e *scrubbed) Timeout() bool { return e.timeout }

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
