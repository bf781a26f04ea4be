package x

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// maxBody caps the response bodies read.
const maxBody = 16 << 20

// call is one request to the API.
type call struct {
	op     string // operation, for errors: "publish", "upload media"…
	method string
	path   string // below the base URL, starting with "/2/"
	query  url.Values
	// json is marshalled as the body when set; otherwise body and
	// contentType are sent as they are.
	json        any
	body        []byte
	contentType string
	// write marks a request whose effect matters if its response is lost:
	// failures after it was sent are MaybeWritten.
	write bool
}

// do sends c and decodes a 2xx JSON answer into out (when not nil). A
// failure is a classed *network.Error.
func (a *Adapter) do(ctx context.Context, c call, out any) error {
	body := c.body
	ctype := c.contentType
	if c.json != nil {
		b, err := json.Marshal(c.json)
		if err != nil {
			return &network.Error{Class: network.Permanent, Network: Name, Op: c.op, Err: fmt.Errorf("encode request: %w", err)}
		}
		body, ctype = b, "application/json"
	}
	u := a.base + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u, rd)
	if err != nil {
		return &network.Error{Class: network.Permanent, Network: Name, Op: c.op, Err: fmt.Errorf("build request: %w", err)}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	if a.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+a.bearer)
	}
	resp, err := httpx.Do(a.hc, req, httpx.Call{Network: Name, Op: c.op, Write: c.write, Limit: maxBody})
	if err != nil {
		return err
	}
	if !resp.OK() {
		return classify(c.op, resp.Status, resp.Header, resp.Body, a.now(), c.write)
	}
	if out == nil || len(bytes.TrimSpace(resp.Body)) == 0 {
		return nil
	}
	if err := httpx.DecodeJSON(resp.Body, out); err != nil {
		// The request succeeded; only its answer is unreadable.
		return &network.Error{Class: network.Retryable, Network: Name, Op: c.op, Status: resp.Status, MaybeWritten: c.write, Err: err}
	}
	return nil
}
