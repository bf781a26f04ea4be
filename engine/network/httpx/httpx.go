// Package httpx is the HTTP plumbing network adapters share: sending a
// request with its transport failure classed (and whether the request may
// have reached the network), classifying statuses into network.Error
// classes, parsing rate-limit waits, decoding JSON bodies within a size
// limit, building multipart bodies and following Link-header pagination.
// Nothing here knows a particular network.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// DefaultLimit is the largest response body read when no limit is given.
const DefaultLimit int64 = 8 << 20

// Response is a response read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx status.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Call describes one request for Do.
type Call struct {
	// Network and Op name the call in errors ("mastodon", "publish").
	Network, Op string
	// Write says the request may change the network (a publish, an edit, a
	// delete): a failure after it was sent is then MaybeWritten.
	Write bool
	// Limit caps the response body (DefaultLimit when 0).
	Limit int64
}

// Do sends req with c and reads the response body. Any HTTP status is a
// Response, not an error; a transport failure (refused, reset, timeout,
// dropped connection, oversized body) is a *network.Error of class
// Retryable, MaybeWritten when call.Write and the request had been written
// in full. Its text never holds the URL, which may carry a credential.
func Do(c *http.Client, req *http.Request, call Call) (*Response, error) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) }}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	if call.Write && req.Body != nil && req.Body != http.NoBody {
		// net/http silently sends again a request with a body it can
		// rewind and an Idempotency-Key header when a reused connection
		// drops after the request went out; the caller would never know
		// the first one took effect. Writes are retried by the engine only.
		req.GetBody = nil
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, transportError(call, req.Method, err, call.Write && wrote.Load())
	}
	defer resp.Body.Close()
	limit := call.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, transportError(call, req.Method, err, call.Write)
	}
	if int64(len(body)) > limit {
		return nil, &network.Error{Class: network.Permanent, Network: call.Network, Op: call.Op, Status: resp.StatusCode,
			MaybeWritten: call.Write, Err: fmt.Errorf("response body over %d bytes", limit)}
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// transportError classes a failure with no response, keeping the cause
// (errors.Is still finds context.DeadlineExceeded) but not the URL.
func transportError(call Call, method string, err error, maybe bool) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s request: %w", method, ue.Err)
	}
	return &network.Error{Class: network.Retryable, Network: call.Network, Op: call.Op, MaybeWritten: maybe, Err: err}
}

// Class returns the class of a failed HTTP status: 401 and 403 are Auth,
// 429 RateLimited, 408, 425 and 5xx Retryable, other statuses Permanent.
func Class(status int) network.Class {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return network.Auth
	case status == http.StatusTooManyRequests:
		return network.RateLimited
	case status == http.StatusRequestTimeout || status == http.StatusTooEarly || status >= 500:
		return network.Retryable
	default:
		return network.Permanent
	}
}

// StatusError is the classed error of a failed response. msg is what the
// network's error body said (the adapter extracts it). A write answered
// with a retryable status may have taken effect, so it is MaybeWritten. A
// 404 wraps network.ErrNotFound.
func StatusError(call Call, r *Response, msg string, retryAfter time.Duration) *network.Error {
	class := Class(r.Status)
	if msg == "" {
		msg = http.StatusText(r.Status)
	}
	err := errors.New(msg)
	if r.Status == http.StatusNotFound || r.Status == http.StatusGone {
		err = fmt.Errorf("%s: %w", msg, network.ErrNotFound)
	}
	e := &network.Error{Class: class, Network: call.Network, Op: call.Op, Status: r.Status,
		MaybeWritten: call.Write && class == network.Retryable, Err: err}
	if class == network.RateLimited {
		e.RetryAfter = retryAfter
	}
	return e
}

// RetryAfter parses a Retry-After header (delay-seconds, possibly
// fractional, or an HTTP date) into a wait from now; false when absent or
// unreadable.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// UntilReset parses a rate-limit reset header value into a wait from now.
// It reads an RFC 3339 timestamp (Mastodon's, with microseconds) or Unix
// epoch seconds (Bluesky's, X's); false when unreadable.
func UntilReset(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return max(t.Sub(now), 0), true
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 1e9 {
		sec := int64(s)
		t := time.Unix(sec, int64((s-float64(sec))*1e9))
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// DecodeJSON decodes a response body into v. The error names what failed
// without quoting the body.
func DecodeJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("decode response: invalid JSON at byte %d", se.Offset)
		case errors.As(err, &te):
			return fmt.Errorf("decode response: field %q: %s where %s expected", te.Field, te.Value, te.Type)
		}
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}

// NextLink returns the URL of the rel="next" entry of a Link header
// (RFC 8288), or "".
func NextLink(h http.Header) string {
	for _, line := range h.Values("Link") {
		for part := range strings.SplitSeq(line, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && slicesContainsFold(strings.Fields(strings.Trim(v, `"`)), "next") {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

func slicesContainsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

// Multipart builds a multipart/form-data body in memory.
type Multipart struct {
	buf bytes.Buffer
	w   *multipart.Writer
	err error
}

// NewMultipart starts an empty body.
func NewMultipart() *Multipart {
	m := &Multipart{}
	m.w = multipart.NewWriter(&m.buf)
	return m
}

// Field adds a form field.
func (m *Multipart) Field(name, value string) {
	if m.err == nil {
		m.err = m.w.WriteField(name, value)
	}
}

// File adds a file part with its media type.
func (m *Multipart) File(field, filename, mime string, data []byte) {
	if m.err != nil {
		return
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	if mime == "" {
		mime = "application/octet-stream"
	}
	h.Set("Content-Type", mime)
	part, err := m.w.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	m.err = err
}

// Finish closes the body and returns it with its Content-Type.
func (m *Multipart) Finish() ([]byte, string, error) {
	if m.err == nil {
		m.err = m.w.Close()
	}
	if m.err != nil {
		return nil, "", fmt.Errorf("build multipart body: %w", m.err)
	}
	return m.buf.Bytes(), m.w.FormDataContentType(), nil
}
