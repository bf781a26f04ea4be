package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// maxBody caps how much of a reply is read; Slack's are a few bytes.
const maxBody = 64 << 10

// deadHook lists the error codes that mean the webhook itself is gone or
// forbidden: a person must create or reconnect one, retrying cannot help.
var deadHook = map[string]bool{
	"invalid_token":     true,
	"no_service":        true,
	"no_team":           true,
	"team_disabled":     true,
	"no_active_hooks":   true,
	"action_prohibited": true,
	"token_revoked":     true,
}

// errorCode matches the plain-text error codes Slack answers with.
var errorCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)

// post sends one message and classes the reply.
func (a *Adapter) post(ctx context.Context, op string, m message) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // Slack's links are <url|text>
	err := enc.Encode(m)
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: fmt.Errorf("encode message: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.api+a.path, bytes.NewReader(body))
	if err != nil {
		return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: a.redact(err)}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", userAgent)
	resp, err := httpx.Do(a.client, req, httpx.Call{Network: Name, Op: op, Write: true, Limit: maxBody})
	if err != nil {
		var e *network.Error
		if errors.As(err, &e) {
			e.Err = a.redact(e.Err)
			return e
		}
		return a.redact(err)
	}
	return a.classify(op, resp)
}

// classify turns Slack's status and plain-text reply into a classed error,
// nil for any 2xx (Slack sends "ok"). The generic classes of httpx.Class
// apply, except that the codes of a dead webhook are Auth whatever the
// status.
func (a *Adapter) classify(op string, resp *httpx.Response) error {
	if resp.OK() {
		return nil
	}
	e := &network.Error{Class: httpx.Class(resp.Status), Network: Name, Op: op, Status: resp.Status}
	code := strings.TrimSpace(string(resp.Body))
	switch {
	case errorCode.MatchString(code):
		e.Err = errors.New("slack replied " + code)
	case http.StatusText(resp.Status) != "":
		code = ""
		e.Err = errors.New(strings.ToLower(http.StatusText(resp.Status)))
	default:
		code = ""
		e.Err = errors.New("unexpected status")
	}
	switch {
	case e.Class == network.RateLimited:
		e.RetryAfter, _ = httpx.RetryAfter(resp.Header, a.now())
	case e.Class == network.Retryable:
		e.MaybeWritten = true
	case deadHook[code]:
		e.Class = network.Auth
	}
	return e
}

// redactedError keeps an error's chain while its text never shows the
// webhook URL or its secret.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// redact drops any *url.Error layer, whose text holds the webhook URL, and
// scrubs the secret from whatever remains.
func (a *Adapter) redact(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	text := a.red.String(err.Error())
	text = strings.ReplaceAll(text, a.secret, network.Redacted)
	return &redactedError{text: text, err: err}
}
