package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxResponse caps how much of a response body is read.
const maxResponse = 16 << 20

// call is one XRPC request.
type call struct {
	// post selects a procedure (POST); otherwise a query (GET).
	post bool
	// nsid is the method, such as "com.atproto.repo.createRecord".
	nsid  string
	query url.Values
	// in is JSON-encoded as the body when set.
	in any
	// raw and rawType are sent as the body instead of in (uploadBlob).
	raw     []byte
	rawType string
	// token is sent as a bearer token when set.
	token string
	// out receives the decoded JSON response when set.
	out any
}

// xrpcError is a failed XRPC call, as the server or the transport reported it.
type xrpcError struct {
	nsid string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Name and Message come from the XRPC error body {"error","message"}.
	Name    string
	Message string
	// Reset is the RateLimit-Reset time, zero when absent.
	Reset time.Time
	// RetryAfter is the Retry-After header, 0 when absent.
	RetryAfter time.Duration
	// Err is the transport failure when no response arrived.
	Err error
}

func (e *xrpcError) Error() string {
	if e.Status == 0 {
		return e.nsid + ": " + e.Err.Error()
	}
	s := e.nsid
	if e.Name != "" {
		s += ": " + e.Name
	}
	if e.Message != "" && e.Message != e.Name {
		s += ": " + e.Message
	}
	return s
}

func (e *xrpcError) Unwrap() error { return e.Err }

// errorName returns the XRPC error name of err, or "".
func errorName(err error) string {
	var xe *xrpcError
	if errors.As(err, &xe) {
		return xe.Name
	}
	return ""
}

// xrpcClient sends XRPC requests to one server.
type xrpcClient struct {
	base string
	hc   *http.Client
}

// do sends c and decodes its answer into c.out.
func (x *xrpcClient) do(ctx context.Context, c call) error {
	u := x.base + "/xrpc/" + c.nsid
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	method := http.MethodGet
	var body io.Reader
	contentType := ""
	if c.post {
		method = http.MethodPost
		switch {
		case c.raw != nil:
			body, contentType = bytes.NewReader(c.raw), c.rawType
		case c.in != nil:
			b, err := json.Marshal(c.in)
			if err != nil {
				return fmt.Errorf("%s: encode request: %w", c.nsid, err)
			}
			body, contentType = bytes.NewReader(b), "application/json"
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("%s: %w", c.nsid, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "clairon")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := x.hc.Do(req)
	if err != nil {
		return &xrpcError{nsid: c.nsid, Err: scrubURL(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		if resp.StatusCode/100 == 2 {
			// The server answered but the body was lost: the outcome is unknown.
			return &xrpcError{nsid: c.nsid, Err: fmt.Errorf("read response: %w", err)}
		}
		data = nil
	}
	if resp.StatusCode/100 != 2 {
		return responseError(c.nsid, resp, data)
	}
	if c.out == nil {
		return nil
	}
	if err := json.Unmarshal(data, c.out); err != nil {
		return fmt.Errorf("%s: decode response: %w", c.nsid, err)
	}
	return nil
}

// responseError builds the error for a non-2xx answer.
func responseError(nsid string, resp *http.Response, data []byte) *xrpcError {
	e := &xrpcError{nsid: nsid, Status: resp.StatusCode}
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &body) == nil {
		e.Name, e.Message = body.Error, body.Message
	}
	if e.Name == "" {
		e.Name = http.StatusText(resp.StatusCode)
	}
	if v := resp.Header.Get("RateLimit-Reset"); v != "" {
		if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && secs > 0 {
			e.Reset = time.Unix(secs, 0)
		}
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs > 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	return e
}

// scrubURL drops the URL from a transport error: query strings may name
// accounts, and the error text should say what failed, not where.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
