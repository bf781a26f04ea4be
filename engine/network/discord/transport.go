package discord

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// maxBody caps how much of a response is read; Discord's replies are small.
const maxBody = 1 << 20

// send performs req and reads its reply. A failure before a status arrives
// is a Retryable *network.Error from httpx, MaybeWritten when a write had
// been sent in full; its text is scrubbed of the token.
func (a *Adapter) send(ctx context.Context, op string, req *http.Request, write bool) (*httpx.Response, error) {
	req.Header.Set("User-Agent", userAgent)
	resp, err := httpx.Do(a.client, req.WithContext(ctx), httpx.Call{Network: Name, Op: op, Write: write, Limit: maxBody})
	if err != nil {
		var e *network.Error
		if errors.As(err, &e) {
			e.Err = a.redact(e.Err)
			return nil, e
		}
		return nil, a.redact(err)
	}
	return resp, nil
}

// redactedError keeps the chain of an error (so errors.Is finds
// context.DeadlineExceeded) while its text never shows the webhook token.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// redact drops any *url.Error layer, whose text holds the full webhook URL,
// and scrubs the token from whatever text remains.
func (a *Adapter) redact(err error) error {
	if err == nil {
		return nil
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	text := a.red.String(err.Error())
	if a.hook.token != "" {
		text = strings.ReplaceAll(text, a.hook.token, network.Redacted)
	}
	return &redactedError{text: text, err: err}
}
