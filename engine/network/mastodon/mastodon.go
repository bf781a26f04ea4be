// Package mastodon is clairon's adapter for Mastodon and compatible servers:
// it publishes statuses (threads, media with alt text and focus, polls,
// content warnings, language) with an Idempotency-Key, edits and deletes
// them, reconciles a lost publish by reading the account's recent statuses,
// and reads metrics, followers and interactions through the client API.
//
// Settings: server (the instance's host, or a URL), api (overrides the
// base URL), limit (the instance's character limit, default 500),
// visibility (default public). Secrets: token (an access token with the
// write:statuses, write:media and read scopes).
package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Name is the network's name.
const Name = "mastodon"

// DefaultLimit is Mastodon's default status length.
const DefaultLimit = 500

var visibilities = map[string]bool{"public": true, "unlisted": true, "private": true, "direct": true}

// Adapter publishes to one Mastodon account. Safe for concurrent use.
type Adapter struct {
	base       string
	token      string
	limit      int
	visibility string
	client     *http.Client
	now        func() time.Time
	// sleep waits between media processing polls.
	sleep func(ctx context.Context, d time.Duration) error

	mu      sync.Mutex
	account string // the account's id, once read
}

// New builds the adapter for one account.
func New(cfg network.Config) (network.Adapter, error) { return newAdapter(cfg) }

func newAdapter(cfg network.Config) (*Adapter, error) {
	base := strings.TrimRight(cfg.Settings["api"], "/")
	if base == "" {
		server := strings.TrimRight(cfg.Settings["server"], "/")
		if server == "" {
			return nil, errors.New("mastodon: setting server is required")
		}
		if !strings.Contains(server, "://") {
			server = "https://" + server
		}
		base = server
	}
	token := cfg.Secrets["token"]
	if token == "" {
		return nil, errors.New("mastodon: secret token is required")
	}
	limit := DefaultLimit
	if v := cfg.Settings["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("mastodon: setting limit %q is not a positive number", v)
		}
		limit = n
	}
	vis := cfg.Settings["visibility"]
	if vis == "" {
		vis = "public"
	}
	if !visibilities[vis] {
		return nil, fmt.Errorf("mastodon: setting visibility %q is not public, unlisted, private or direct", vis)
	}
	return &Adapter{base: base, token: token, limit: limit, visibility: vis, client: cfg.Client(),
		now: cfg.Clock(), sleep: network.SleepContext}, nil
}

// Network returns "mastodon".
func (a *Adapter) Network() string { return Name }

// Capabilities returns Mastodon's limits: the instance's character limit,
// four attachments with 1500 characters of alt text, polls of four options,
// threads, edits, deletes, the Idempotency-Key, and 300 statuses per 3 hours.
func (a *Adapter) Capabilities() network.Capabilities {
	return network.Capabilities{
		Format:    network.FormatPlain,
		TextLimit: a.limit,
		MaxMedia:  4,
		MediaTypes: []string{"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
			"video/mp4", "video/quicktime", "video/webm"},
		AltText:        true,
		AltTextLimit:   1500,
		Threads:        true,
		Polls:          true,
		PollMaxOptions: 4,
		Edit:           true,
		Delete:         true,
		Idempotency:    network.IdempotencyKey,
		Rate:           network.Rate{Requests: 300, Window: 3 * time.Hour},
	}
}
