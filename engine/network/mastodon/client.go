package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// defaultRetryAfter is the wait after a 429 without a readable reset: the
// per-token window.
const defaultRetryAfter = 5 * time.Minute

// request is one API call.
type request struct {
	op     string
	method string
	// path is relative to the base URL, or an absolute URL on the same
	// server (a Link header's next page).
	path        string
	form        url.Values
	body        []byte
	contentType string
	write       bool
	key         string // Idempotency-Key
}

// do sends r and returns the response when it is 2xx, a classed error
// otherwise.
func (a *Adapter) do(ctx context.Context, r request) (*httpx.Response, error) {
	call := httpx.Call{Network: Name, Op: r.op, Write: r.write}
	target, err := a.resolve(r.path)
	if err != nil {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: r.op, Err: err}
	}
	body, ct := r.body, r.contentType
	if r.form != nil {
		body, ct = []byte(r.form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, bytes.NewReader(body))
	if err != nil {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: r.op, Err: fmt.Errorf("build request: %w", err)}
	}
	if body == nil {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "clairon")
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	resp, err := httpx.Do(a.client, req, call)
	if err != nil {
		return nil, err
	}
	if resp.OK() {
		return resp, nil
	}
	return nil, a.statusError(call, resp)
}

// resolve turns a path or a same-server URL into an absolute URL. Only
// URLs on the configured server are followed, so the token is never sent
// elsewhere.
func (a *Adapter) resolve(path string) (string, error) {
	if !strings.Contains(path, "://") {
		return a.base + path, nil
	}
	u, err := url.Parse(path)
	if err != nil {
		return "", fmt.Errorf("bad link: %w", err)
	}
	b, _ := url.Parse(a.base)
	if u.Scheme != b.Scheme || u.Host != b.Host {
		return "", fmt.Errorf("link to another server (%s) not followed", u.Host)
	}
	return path, nil
}

// statusError reads Mastodon's {"error": …} body and rate-limit headers.
func (a *Adapter) statusError(call httpx.Call, resp *httpx.Response) error {
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(resp.Body, &body)
	msg := body.Error
	if body.Description != "" {
		msg += ": " + body.Description
	}
	var wait time.Duration
	if resp.Status == http.StatusTooManyRequests {
		wait = retryAfter(resp.Header, a.now())
	}
	return httpx.StatusError(call, resp, msg, wait)
}

// retryAfter reads X-RateLimit-Reset (an ISO 8601 time), then
// Retry-After, which some compatible servers send.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d, ok := httpx.UntilReset(h.Get("X-RateLimit-Reset"), now); ok {
		return d
	}
	if d, ok := httpx.RetryAfter(h, now); ok {
		return d
	}
	return defaultRetryAfter
}

// getJSON reads a resource into v.
func (a *Adapter) getJSON(ctx context.Context, op, path string, v any) (*httpx.Response, error) {
	resp, err := a.do(ctx, request{op: op, method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	return resp, decode(op, resp, v)
}

func decode(op string, resp *httpx.Response, v any) error {
	if err := httpx.DecodeJSON(resp.Body, v); err != nil {
		return &network.Error{Class: network.Retryable, Network: Name, Op: op, Status: resp.Status, Err: err}
	}
	return nil
}

// accountID returns the account's id, read once from verify_credentials.
func (a *Adapter) accountID(ctx context.Context) (string, error) {
	a.mu.Lock()
	id := a.account
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var acct account
	if _, err := a.getJSON(ctx, "verify credentials", "/api/v1/accounts/verify_credentials", &acct); err != nil {
		return "", err
	}
	a.mu.Lock()
	a.account = acct.ID
	a.mu.Unlock()
	return acct.ID, nil
}
