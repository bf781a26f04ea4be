// Package bluesky publishes to Bluesky, or to any AT Protocol PDS, through
// XRPC with an app password: posts with facets, images with alt text and
// threads, deletion, reconciliation by deterministic record key, metrics,
// follower counts and the interactions contests draw from.
package bluesky

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Name is the network's name in clairon.yaml.
const Name = "bluesky"

// DefaultAPI is the PDS used when the account names none.
const DefaultAPI = "https://bsky.social"

// postCollection is the collection posts are records of.
const postCollection = "app.bsky.feed.post"

// Adapter publishes to one Bluesky account.
type Adapter struct {
	x        xrpcClient
	handle   string
	password string
	now      func() time.Time

	mu   sync.Mutex
	sess *session
}

// session is an authenticated XRPC session.
type session struct {
	did     string
	handle  string
	access  string
	refresh string
}

var (
	_ network.Adapter           = (*Adapter)(nil)
	_ network.Lookup            = (*Adapter)(nil)
	_ network.MetricsReader     = (*Adapter)(nil)
	_ network.FollowerCounter   = (*Adapter)(nil)
	_ network.InteractionLister = (*Adapter)(nil)
)

// New builds the adapter for one account. Settings: "handle" (required) and
// "api", the PDS base URL (default DefaultAPI). Secrets: "password", an app
// password. No request is sent until the first call.
func New(cfg network.Config) (network.Adapter, error) {
	handle := strings.TrimPrefix(strings.TrimSpace(cfg.Settings["handle"]), "@")
	if handle == "" {
		return nil, errors.New("bluesky: setting handle is required")
	}
	password := cfg.Secrets["password"]
	if password == "" {
		return nil, errors.New("bluesky: secret password (an app password) is required")
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.Settings["api"]), "/")
	if base == "" {
		base = strings.TrimRight(strings.TrimSpace(cfg.Settings["server"]), "/")
	}
	if base == "" {
		base = DefaultAPI
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bluesky: setting api %q is not an http(s) URL", base)
	}
	return &Adapter{
		x:        xrpcClient{base: base, hc: cfg.Client()},
		handle:   handle,
		password: password,
		now:      cfg.Clock(),
	}, nil
}

// Network returns "bluesky".
func (a *Adapter) Network() string { return Name }

// Capabilities describes Bluesky: 300 graphemes (and 3000 UTF-8 bytes) of
// plain text with facets, up to four images with alt text, threads, no polls,
// no edit, and record keys chosen by the client.
func (a *Adapter) Capabilities() network.Capabilities {
	return network.Capabilities{
		Format:        network.FormatPlain,
		TextLimit:     300,
		MaxMedia:      4,
		MediaTypes:    []string{"image/jpeg", "image/png", "image/webp"},
		MaxImageBytes: 2_000_000,
		AltText:       true,
		Threads:       true,
		Polls:         false,
		Edit:          false,
		Delete:        true,
		Idempotency:   network.IdempotencyRecordKey,
		// Repository writes cost 3 points per create out of 5000 points an hour.
		Rate: network.Rate{Requests: 5000 / 3, Window: time.Hour},
	}
}

// login opens a session with the app password.
func (a *Adapter) login(ctx context.Context) (*session, error) {
	var out sessionOutput
	err := a.x.do(ctx, call{
		post: true,
		nsid: "com.atproto.server.createSession",
		in:   createSessionInput{Identifier: a.handle, Password: a.password},
		out:  &out,
	})
	if err != nil {
		return nil, a.classify("create session", err, false)
	}
	if out.DID == "" || out.AccessJwt == "" {
		return nil, permanent("create session", "the server returned no session")
	}
	return out.session(), nil
}

// current returns the open session, logging in first when there is none.
func (a *Adapter) current(ctx context.Context) (*session, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sess != nil {
		return a.sess, nil
	}
	s, err := a.login(ctx)
	if err != nil {
		return nil, err
	}
	a.sess = s
	return s, nil
}

// renew replaces stale, whose access token expired, by a refreshed session,
// or by a new one when the refresh token is no longer accepted either.
func (a *Adapter) renew(ctx context.Context, stale *session) (*session, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sess != stale && a.sess != nil {
		return a.sess, nil // another call renewed it meanwhile
	}
	var out sessionOutput
	err := a.x.do(ctx, call{post: true, nsid: "com.atproto.server.refreshSession", token: stale.refresh, out: &out})
	switch {
	case err == nil && out.AccessJwt != "":
		a.sess = out.session()
	case err == nil || errorName(err) == errExpiredToken || errorName(err) == errInvalidToken:
		s, lerr := a.login(ctx)
		if lerr != nil {
			return nil, lerr
		}
		a.sess = s
	default:
		return nil, a.classify("refresh session", err, false)
	}
	return a.sess, nil
}

// authed sends c with the session's access token, renewing the session once
// when the server says the token expired. An expired token is refused before
// any write, so sending c again cannot duplicate it.
func (a *Adapter) authed(ctx context.Context, c call) (*session, error) {
	s, err := a.current(ctx)
	if err != nil {
		return nil, err
	}
	c.token = s.access
	err = a.x.do(ctx, c)
	if errorName(err) != errExpiredToken {
		return s, err
	}
	if s, err = a.renew(ctx, s); err != nil {
		return nil, err
	}
	c.token = s.access
	return s, a.x.do(ctx, c)
}

// postURL is the web address of the post with record key rkey.
func postURL(handle, rkey string) string {
	return "https://bsky.app/profile/" + handle + "/post/" + rkey
}
