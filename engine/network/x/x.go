// Package x publishes to X (formerly Twitter) through the X API v2: posts,
// threads, polls, images and videos with alt text, edits within X's window,
// deletion, reconciliation by reading the account's own timeline, metrics,
// follower counts and the interactions contests draw from. It signs requests
// either with an OAuth 2.0 user access token or with OAuth 1.0a user context.
package x

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Name is the network's name in clairon.yaml.
const Name = "x"

// DefaultAPI is the API base URL used when the account names none.
const DefaultAPI = "https://api.x.com"

// Limits X states for posts and media.
const (
	textLimit        = 280
	maxImages        = 4
	altTextLimit     = 1000
	maxImageBytes    = 5 << 20
	maxGIFBytes      = 15 << 20
	pollMinOptions   = 2
	pollMaxOptions   = 4
	pollOptionMax    = 25
	pollMinMinutes   = 5
	pollMaxMinutes   = 7 * 24 * 60
	editWindow       = 30 * time.Minute
	maxEdits         = 5
	nonPublicMaxAge  = 30 * 24 * time.Hour
	chunkSize        = 4 << 20
	maxStatusPolls   = 120
	maxPages         = 40
	maxResultsPerGet = 100
)

// ErrDuplicate is wrapped by the error X returns when it refuses a post
// whose text the account published recently.
var ErrDuplicate = errors.New("duplicate content")

// Adapter publishes to one X account.
type Adapter struct {
	base   string
	hc     *http.Client
	bearer string // empty when requests are signed with OAuth 1.0a
	now    func() time.Time
	// sleep waits between media processing status checks.
	sleep func(ctx context.Context, d time.Duration) error
	// chunk is the size of each appended segment of a chunked upload.
	chunk int

	mu       sync.Mutex
	userID   string
	username string
}

var (
	_ network.Adapter           = (*Adapter)(nil)
	_ network.Editor            = (*Adapter)(nil)
	_ network.Lookup            = (*Adapter)(nil)
	_ network.MetricsReader     = (*Adapter)(nil)
	_ network.FollowerCounter   = (*Adapter)(nil)
	_ network.InteractionLister = (*Adapter)(nil)
)

// oauth1Secrets are the four secrets of OAuth 1.0a user context.
var oauth1Secrets = []string{"consumer_key", "consumer_secret", "access_token", "access_secret"}

// New builds the adapter for one account.
//
// Secrets: either "token", an OAuth 2.0 user access token (scopes tweet.read
// tweet.write users.read media.write), or the four OAuth 1.0a user-context
// secrets "consumer_key", "consumer_secret", "access_token" and
// "access_secret" — not both. Settings: "api", the API base URL (default
// DefaultAPI); "handle", the account's username, used in post URLs;
// "user_id", the account's numeric id, which saves one request. No request
// is sent until the first call.
func New(cfg network.Config) (network.Adapter, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.Settings["api"]), "/")
	if base == "" {
		base = DefaultAPI
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("x: setting api %q is not an http(s) URL", base)
	}
	hc, bearer, err := authClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Adapter{
		base:     base,
		hc:       hc,
		bearer:   bearer,
		now:      cfg.Clock(),
		sleep:    sleepContext,
		chunk:    chunkSize,
		userID:   strings.TrimSpace(cfg.Settings["user_id"]),
		username: strings.TrimPrefix(strings.TrimSpace(cfg.Settings["handle"]), "@"),
	}, nil
}

// authClient returns the HTTP client requests go through and, for OAuth 2.0,
// the bearer token to send. OAuth 1.0a signing happens in the client's
// transport.
func authClient(cfg network.Config) (*http.Client, string, error) {
	token := strings.TrimSpace(cfg.Secrets["token"])
	var have, missing []string
	for _, k := range oauth1Secrets {
		if strings.TrimSpace(cfg.Secrets[k]) != "" {
			have = append(have, k)
		} else {
			missing = append(missing, k)
		}
	}
	switch {
	case token != "" && len(have) > 0:
		return nil, "", errors.New("x: set either the secret token (OAuth 2.0) or the four OAuth 1.0a secrets, not both")
	case token != "":
		return cfg.Client(), token, nil
	case len(have) == len(oauth1Secrets):
		return oauth1Client(cfg.Client(), cfg.Secrets), "", nil
	case len(have) > 0:
		sort.Strings(missing)
		return nil, "", fmt.Errorf("x: OAuth 1.0a needs the secrets %s too", strings.Join(missing, ", "))
	default:
		return nil, "", errors.New("x: secret token (an OAuth 2.0 user access token) or the OAuth 1.0a secrets consumer_key, consumer_secret, access_token and access_secret are required")
	}
}

// Network returns "x".
func (a *Adapter) Network() string { return Name }

// Capabilities describes X: 280 weighted characters of plain text (counted
// with twitter-text's v3 configuration elsewhere), up to four images — or one
// GIF or one video — with alt text of up to 1000 characters, threads, polls
// of two to four options lasting five minutes to seven days, edits within 30
// minutes of posting (at most five, each giving a new id), deletion, and no
// idempotency key: a lost outcome is reconciled by reading the account's own
// recent posts.
func (a *Adapter) Capabilities() network.Capabilities {
	return network.Capabilities{
		Format:         network.FormatPlain,
		TextLimit:      textLimit,
		MaxMedia:       maxImages,
		MediaTypes:     []string{"image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/quicktime"},
		MaxImageBytes:  maxImageBytes,
		AltText:        true,
		AltTextLimit:   altTextLimit,
		Threads:        true,
		Polls:          true,
		PollMaxOptions: pollMaxOptions,
		Edit:           true,
		Delete:         true,
		Idempotency:    network.IdempotencyLookup,
		// POST /2/tweets allows 100 requests per user per 15 minutes.
		Rate: network.Rate{Requests: 100, Window: 15 * time.Minute},
	}
}

// postURL is the public address of post id.
func (a *Adapter) postURL(id string) string {
	a.mu.Lock()
	name := a.username
	a.mu.Unlock()
	if name == "" {
		return "https://x.com/i/web/status/" + id
	}
	return "https://x.com/" + name + "/status/" + id
}

// me returns the authenticated user's id, asking X once when the account's
// settings do not name it.
func (a *Adapter) me(ctx context.Context) (string, error) {
	a.mu.Lock()
	id := a.userID
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	u, err := a.fetchMe(ctx, false)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// fetchMe reads GET /2/users/me, with public metrics when asked, and caches
// the account's id and username.
func (a *Adapter) fetchMe(ctx context.Context, metrics bool) (*user, error) {
	q := url.Values{}
	if metrics {
		q.Set("user.fields", "public_metrics")
	}
	var out userResponse
	if err := a.do(ctx, call{op: "read account", method: http.MethodGet, path: "/2/users/me", query: q}, &out); err != nil {
		return nil, err
	}
	if out.Data == nil || out.Data.ID == "" {
		return nil, permanent("read account", "the response holds no user")
	}
	a.mu.Lock()
	if a.userID == "" {
		a.userID = out.Data.ID
	}
	if a.username == "" {
		a.username = out.Data.Username
	}
	a.mu.Unlock()
	return out.Data, nil
}

// sleepContext waits d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// permanent is a Permanent error of op.
func permanent(op, msg string) *network.Error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: errors.New(msg)}
}

// unsupported is a Permanent error of op that wraps network.ErrUnsupported.
func unsupported(op, msg string) *network.Error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: fmt.Errorf("%s: %w", msg, network.ErrUnsupported)}
}
