package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// maxReply caps how much of a receiver's reply is read.
const maxReply = 64 << 10

// reply is a receiver's optional answer to a delivery.
type reply struct {
	ID  string
	URL string
}

// noRedirects copies c so that it never follows a redirect: Go would turn
// a redirected POST into a GET and report the GET's success.
func noRedirects(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// deliver signs and sends one event and returns the receiver's reply or a
// classed error (see classify).
func (a *Adapter) deliver(ctx context.Context, op, key string, ev any) (reply, error) {
	body, err := marshal(ev)
	if err != nil {
		return reply{}, &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: fmt.Errorf("encode event: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
	if err != nil {
		return reply{}, &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: a.redact(err)}
	}
	ts := strconv.FormatInt(a.now().Unix(), 10)
	name := eventName(ev)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderKey, key)
	req.Header.Set(HeaderEvent, name)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(a.secret, ts, body))

	resp, err := httpx.Do(a.client, req, httpx.Call{Network: Name, Op: op, Write: true, Limit: maxReply})
	if err != nil {
		var e *network.Error
		if errors.As(err, &e) {
			e.Err = fmt.Errorf("deliver %s to %s: %w", name, a.host, a.redact(e.Err))
			return reply{}, e
		}
		return reply{}, a.redact(err)
	}
	if !resp.OK() {
		return reply{}, a.classify(op, resp)
	}
	return parseReply(resp.Body), nil
}

// marshal encodes v as compact JSON without escaping <, > and &, so that
// Markdown and URLs read as written.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func eventName(ev any) string {
	switch e := ev.(type) {
	case *postEvent:
		return e.Event
	case *deleteEvent:
		return e.Event
	}
	return ""
}

// parseReply reads the optional {"id", "url"} of a 2xx reply; an id may be
// a string or a number. Anything else is ignored.
func parseReply(data []byte) reply {
	var r struct {
		ID  json.RawMessage `json:"id"`
		URL string          `json:"url"`
	}
	if len(bytes.TrimSpace(data)) == 0 || json.Unmarshal(data, &r) != nil {
		return reply{}
	}
	out := reply{URL: r.URL}
	var s string
	var n json.Number
	switch {
	case json.Unmarshal(r.ID, &s) == nil:
		out.ID = s
	case json.Unmarshal(r.ID, &n) == nil:
		out.ID = n.String()
	}
	if u, err := url.Parse(out.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		out.URL = ""
	}
	return out
}

// classify turns a non-2xx reply into a classed error with httpx's
// classes: 429 RateLimited (Retry-After), 408, 425 and 5xx Retryable and
// MaybeWritten, 401/403 Auth, other statuses Permanent (3xx too: redirects
// are not followed); 404 and 410 wrap network.ErrNotFound.
func (a *Adapter) classify(op string, resp *httpx.Response) error {
	wait, _ := httpx.RetryAfter(resp.Header, a.now())
	call := httpx.Call{Network: Name, Op: op, Write: true}
	return httpx.StatusError(call, resp, a.replyText(resp.Status, resp.Header, resp.Body), wait)
}

// replyText describes a failed reply: the receiver's own message when it
// gave one ({"error"} or {"message"} in JSON, or a line of text), scrubbed
// and shortened.
func (a *Adapter) replyText(status int, h http.Header, data []byte) string {
	var msg string
	var j struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(data, &j) == nil {
		var s string
		if json.Unmarshal(j.Error, &s) == nil && s != "" {
			msg = s
		} else {
			msg = j.Message
		}
	} else if strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		msg, _, _ = strings.Cut(strings.TrimSpace(string(data)), "\n")
	}
	if status/100 == 3 {
		msg = "the receiver redirected; configure its final URL"
	}
	msg = a.red.String(strings.TrimSpace(msg))
	if utf8.RuneCountInString(msg) > 200 {
		msg = string([]rune(msg)[:200]) + "…"
	}
	if msg == "" {
		msg = strings.ToLower(http.StatusText(status))
		if msg == "" {
			msg = "unexpected status"
		}
	}
	return "receiver at " + a.host + " replied: " + msg
}

// redactedError keeps a transport error's chain while its text never shows
// the URL (which may carry a token) or the secret.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// redact drops the *url.Error layer, whose text holds the full URL, and
// scrubs secrets from whatever remains, the URL's credentials (a token in
// its query, a password) included.
func (a *Adapter) redact(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	text := err.Error()
	if u, perr := url.Parse(a.url); perr == nil {
		safe := a.red.URL(u)
		text = strings.ReplaceAll(text, a.url, safe)
		text = strings.ReplaceAll(text, u.String(), safe)
	}
	return &redactedError{text: a.red.String(text), err: err}
}
