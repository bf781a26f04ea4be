// Package graph is the Graph API client the Facebook and Instagram adapters
// share: it sends calls with the access token in a header (never in a URL),
// decodes Graph error bodies into classed network errors, reads the usage
// headers to pause before Meta throttles the account, follows cursor paging,
// and keeps every secret out of the errors it returns.
package graph

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// DefaultBase is the pinned Graph API version clairon speaks.
const DefaultBase = "https://graph.facebook.com/v25.0"

// maxBody caps how much of a response is read; Graph replies are small.
const maxBody int64 = 4 << 20

// userAgent identifies clairon to the Graph API.
const userAgent = "clairon (+https://github.com/clairon-dev/clairon)"

// Client calls one Graph API host for one network name with one token.
type Client struct {
	network string
	base    *url.URL
	token   string
	proof   string
	redact  *network.Redactor
	http    *http.Client
	now     func() time.Time

	mu     sync.Mutex
	paused time.Time // no call is sent before this time (usage headers said so)
	usage  Usage
}

// Options configure a Client.
type Options struct {
	// Network names the adapter in errors ("facebook", "instagram").
	Network string
	// Base is the versioned API root, DefaultBase when empty.
	Base string
	// Token is the access token, sent as "Authorization: Bearer".
	Token string
	// AppSecret, when set, adds appsecret_proof = HMAC-SHA256(secret, token).
	AppSecret string
	// HTTP is the client used for every request.
	HTTP *http.Client
	// Now is the clock used for pacing.
	Now func() time.Time
}

// New returns a client, or an error when the base URL is not usable.
func New(o Options) (*Client, error) {
	base := o.Base
	if base == "" {
		base = DefaultBase
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("api base %q is not an http(s) URL", base)
	}
	if o.Token == "" {
		return nil, errors.New("secret token is not set")
	}
	c := &Client{network: o.Network, base: u, token: o.Token, http: o.HTTP, now: o.Now}
	if c.http == nil {
		c.http = &http.Client{Timeout: 60 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if o.AppSecret != "" {
		mac := hmac.New(sha256.New, []byte(o.AppSecret))
		mac.Write([]byte(o.Token))
		c.proof = hex.EncodeToString(mac.Sum(nil))
	}
	c.redact = network.NewRedactor(map[string]string{"token": o.Token, "app_secret": o.AppSecret, "proof": c.proof})
	return c, nil
}

// Base returns the API root the client calls.
func (c *Client) Base() string { return c.base.String() }

// File is one file sent as a multipart part.
type File struct {
	Field, Name, MIME string
	Data              []byte
}

// Call is one Graph API request.
type Call struct {
	// Op names the operation in errors ("publish", "read metrics").
	Op string
	// Method is GET, POST or DELETE.
	Method string
	// Path is relative to the versioned base, such as "123/feed".
	Path string
	// Query is added to the URL; Form is the urlencoded POST body.
	Query url.Values
	Form  url.Values
	// File, when set, turns the body into multipart/form-data carrying Form
	// as fields and File as the file part.
	File *File
	// Write marks a call that creates, edits or deletes something visible:
	// its lost outcome is reported as MaybeWritten.
	Write bool
}

// Do sends the call and decodes a successful JSON reply into out (unless out
// is nil). Failures are *network.Error values whose text holds no secret.
func (c *Client) Do(ctx context.Context, call Call, out any) error {
	if wait := c.pausedFor(); wait > 0 {
		return &network.Error{Class: network.RateLimited, Network: c.network, Op: call.Op, RetryAfter: wait,
			Err: fmt.Errorf("usage headers reported the limit reached; paused for %s", wait)}
	}
	req, err := c.request(ctx, call)
	if err != nil {
		return &network.Error{Class: network.Permanent, Network: c.network, Op: call.Op, Err: c.scrub(err)}
	}
	resp, err := httpx.Do(c.http, req, httpx.Call{Network: c.network, Op: call.Op, Write: call.Write, Limit: maxBody})
	if err != nil {
		return c.scrubNetworkError(err)
	}
	u := ParseUsage(resp.Header)
	c.noteUsage(u)
	if !resp.OK() {
		return c.failure(call, resp.Status, resp.Body, u)
	}
	if d := u.RegainAfter(); d > 0 {
		// Served, but Meta announces a block: stop calling until it ends
		// rather than deepen the throttling. (An error reply instead carries
		// the wait in its RetryAfter, for the caller's retry to honour.)
		c.pause(d)
	}
	// A 200 can still carry an error object (batch-style replies).
	if bytes.Contains(resp.Body, []byte(`"error"`)) {
		var env errorEnvelope
		if json.Unmarshal(resp.Body, &env) == nil && env.Error != nil {
			return c.failure(call, resp.Status, resp.Body, u)
		}
	}
	if out == nil {
		return nil
	}
	if err := httpx.DecodeJSON(resp.Body, out); err != nil {
		return &network.Error{Class: network.Retryable, Network: c.network, Op: call.Op, Status: resp.Status,
			MaybeWritten: call.Write, Err: err}
	}
	return nil
}

// request builds the HTTP request for a call.
func (c *Client) request(ctx context.Context, call Call) (*http.Request, error) {
	u := *c.base
	u.Path = c.base.Path + "/" + strings.TrimLeft(call.Path, "/")
	q := url.Values{}
	for k, v := range call.Query {
		q[k] = v
	}
	if c.proof != "" {
		q.Set("appsecret_proof", c.proof)
	}
	u.RawQuery = q.Encode()

	var body io.Reader
	contentType := ""
	switch {
	case call.File != nil:
		m := httpx.NewMultipart()
		for k, vs := range call.Form {
			for _, v := range vs {
				m.Field(k, v)
			}
		}
		m.File(call.File.Field, call.File.Name, call.File.MIME, call.File.Data)
		b, ct, err := m.Finish()
		if err != nil {
			return nil, err
		}
		body, contentType = bytes.NewReader(b), ct
	case call.Form != nil:
		body, contentType = strings.NewReader(call.Form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}

// failure turns an error reply into a classed *network.Error.
func (c *Client) failure(call Call, status int, body []byte, u Usage) error {
	var env errorEnvelope
	apiErr := (*APIError)(nil)
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		apiErr = env.Error
		apiErr.Message = c.redact.String(apiErr.Message)
		apiErr.UserTitle = c.redact.String(apiErr.UserTitle)
		apiErr.UserMsg = c.redact.String(apiErr.UserMsg)
	}
	class, maybe := Classify(status, apiErr, call.Write)
	e := &network.Error{Class: class, Network: c.network, Op: call.Op, Status: status, MaybeWritten: maybe}
	if apiErr != nil {
		e.Err = apiErr
	} else {
		e.Err = fmt.Errorf("unexpected reply: %s", c.redact.String(snippet(body)))
	}
	if class == network.RateLimited {
		e.RetryAfter = u.RegainAfter()
	}
	return e
}

// pausedFor returns how long calls are still paused by the usage headers.
func (c *Client) pausedFor() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused.IsZero() {
		return 0
	}
	if d := c.paused.Sub(c.now()); d > 0 {
		return d
	}
	c.paused = time.Time{}
	return 0
}

// pause holds further calls for d from now.
func (c *Client) pause(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if until := c.now().Add(d); until.After(c.paused) {
		c.paused = until
	}
}

// noteUsage records the latest usage headers.
func (c *Client) noteUsage(u Usage) {
	if u.IsZero() {
		return
	}
	c.mu.Lock()
	c.usage = u
	c.mu.Unlock()
}

// Usage returns the usage headers of the latest reply that carried any.
func (c *Client) Usage() Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usage
}

// scrub returns err, or, when its text shows a secret, an error with the
// cleaned text that keeps nothing of the original but whether it was a
// timeout. Transport errors from httpx never hold the URL; this also covers
// any cause that quoted a credential.
func (c *Client) scrub(err error) error {
	text := err.Error()
	clean := c.redact.String(text)
	if clean == text {
		return err
	}
	var t interface{ Timeout() bool }
	return &scrubbed{text: clean, timeout: errors.As(err, &t) && t.Timeout()}
}

// scrubNetworkError scrubs the cause of a *network.Error.
func (c *Client) scrubNetworkError(err error) error {
	var ne *network.Error
	if errors.As(err, &ne) && ne.Err != nil {
		ne.Err = c.scrub(ne.Err)
		return ne
	}
	return c.scrub(err)
}

// scrubbed is an error whose text was cleaned of secrets.
type scrubbed struct {
	text    string
	timeout bool
}

func (e *scrubbed) Error() string { return e.text }

// Timeout reports whether the original error was a timeout.
func (e *scrubbed) Timeout() bool { return e.timeout }

// snippet returns the start of a body for an error message.
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
