package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// maxBody caps the response bodies read.
const maxBody = 8 << 20

// call is one request to the versioned API.
type call struct {
	op     string
	method string
	// path is below /rest, with keys already encoded ("/posts/urn%3A…").
	path string
	// query is the raw query string, already encoded: Rest.li's List(…)
	// syntax must not be escaped again.
	query string
	// restli is the X-RestLi-Method header: CREATE, GET, FINDER, GET_ALL,
	// PARTIAL_UPDATE, DELETE or ACTION.
	restli string
	json   any
	// write marks requests whose failure after sending may hide a success.
	write bool
}

// do sends c with LinkedIn's required headers and decodes a 2xx JSON answer
// into out (when not nil). It returns the response (for its headers) or a
// classed *network.Error.
func (a *Adapter) do(ctx context.Context, c call, out any) (*httpx.Response, error) {
	var body io.Reader
	if c.json != nil {
		b, err := json.Marshal(c.json)
		if err != nil {
			return nil, &network.Error{Class: network.Permanent, Network: Name, Op: c.op, Err: fmt.Errorf("encode request: %w", err)}
		}
		body = bytes.NewReader(b)
	}
	u := a.base + "/rest" + c.path
	if c.query != "" {
		u += "?" + c.query
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u, body)
	if err != nil {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: c.op, Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("LinkedIn-Version", a.version)
	req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	if c.restli != "" {
		req.Header.Set("X-RestLi-Method", c.restli)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpx.Do(a.hc, req, httpx.Call{Network: Name, Op: c.op, Write: c.write, Limit: maxBody})
	if err != nil {
		return nil, err
	}
	if !resp.OK() {
		return resp, classify(c.op, resp, a.now(), c.write)
	}
	if out != nil && len(bytes.TrimSpace(resp.Body)) > 0 {
		if err := httpx.DecodeJSON(resp.Body, out); err != nil {
			return resp, &network.Error{Class: network.Retryable, Network: Name, Op: c.op, Status: resp.Status, MaybeWritten: c.write, Err: err}
		}
	}
	return resp, nil
}

// upload PUTs an image's bytes to the upload URL LinkedIn handed out. The
// URL is a credential of its own: it never appears in an error. The access
// token goes along only to LinkedIn's hosts (or the API's own host).
func (a *Adapter) upload(ctx context.Context, rawURL string, data []byte) error {
	const op = "upload image"
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return permanent(op, "linkedin returned an unusable upload URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, rawURL, bytes.NewReader(data))
	if err != nil {
		return permanent(op, "linkedin returned an unusable upload URL")
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	if host := strings.ToLower(u.Hostname()); host == a.host || host == "linkedin.com" || strings.HasSuffix(host, ".linkedin.com") {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := httpx.Do(a.hc, req, httpx.Call{Network: Name, Op: op, Limit: maxBody})
	if err != nil {
		return err
	}
	if !resp.OK() {
		return classify(op, resp, a.now(), false)
	}
	return nil
}
