// Package linkedin publishes to LinkedIn through its versioned Rest.li API
// (the Posts API under /rest): posts in LinkedIn's "little" text format by a
// member or an organization page, with images uploaded through the Images
// API and their alt text, edits of the commentary, deletion, reconciliation
// by reading the author's recent posts (and by LinkedIn's own duplicate
// refusal, which names the existing post), metrics and the replies and likes
// contests draw from.
package linkedin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Name is the network's name in clairon.yaml.
const Name = "linkedin"

// DefaultAPI is the API host used when the account names none; the
// versioned resources live under /rest.
const DefaultAPI = "https://api.linkedin.com"

// DefaultVersion is the LinkedIn-Version sent when the account names none.
// LinkedIn sunsets versions about a year after release, so this is bumped
// with the code and can be set per account.
const DefaultVersion = "202605"

// Limits LinkedIn states for posts.
const (
	textLimit    = 3000
	maxImages    = 20 // a multiImage post holds 2 to 20 images
	altTextLimit = 4086
)

// ErrDuplicate is wrapped by the error LinkedIn returns (422 DUPLICATE_POST)
// when the author published the same content recently.
var ErrDuplicate = errors.New("duplicate post")

// Patterns of what LinkedIn names.
var (
	versionPattern = regexp.MustCompile(`^[0-9]{6}(\.[0-9]{2})?$`)
	authorPattern  = regexp.MustCompile(`^urn:li:(person|organization):[A-Za-z0-9_-]+$`)
	postURNPattern = regexp.MustCompile(`^urn:li:(share|ugcPost):[0-9]+$`)
)

// Adapter publishes as one LinkedIn member or organization.
type Adapter struct {
	base    string // scheme and host, without /rest
	host    string
	hc      *http.Client
	token   string
	version string
	author  string
	now     func() time.Time
}

var (
	_ network.Adapter           = (*Adapter)(nil)
	_ network.Editor            = (*Adapter)(nil)
	_ network.Lookup            = (*Adapter)(nil)
	_ network.MetricsReader     = (*Adapter)(nil)
	_ network.InteractionLister = (*Adapter)(nil)
)

// New builds the adapter for one account.
//
// Settings: "author", the URN posts are published as (urn:li:person:… with
// the w_member_social scope, or urn:li:organization:… with
// w_organization_social), required; "version", the LinkedIn-Version to pin
// (YYYYMM, default DefaultVersion); "api", the API host (default
// DefaultAPI). Secrets: "token", an OAuth 2.0 access token. No request is
// sent until the first call.
//
// Reading posts back (Lookup, and a member's social actions) needs the read
// scope matching the author: r_organization_social for a page, the
// restricted r_member_social for a member. Without it LinkedIn answers 403:
// Lookup then says Unknown and the engine leaves the record unconfirmed.
func New(cfg network.Config) (network.Adapter, error) {
	author := strings.TrimSpace(cfg.Settings["author"])
	if !authorPattern.MatchString(author) {
		return nil, fmt.Errorf("linkedin: setting author %q must be urn:li:person:<id> or urn:li:organization:<id>", author)
	}
	version := strings.TrimSpace(cfg.Settings["version"])
	if version == "" {
		version = DefaultVersion
	}
	if !versionPattern.MatchString(version) {
		return nil, fmt.Errorf("linkedin: setting version %q is not YYYYMM", version)
	}
	token := strings.TrimSpace(cfg.Secrets["token"])
	if token == "" {
		return nil, errors.New("linkedin: secret token (an OAuth 2.0 access token) is required")
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.Settings["api"]), "/")
	if base == "" {
		base = DefaultAPI
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("linkedin: setting api %q is not an http(s) host URL", base)
	}
	return &Adapter{
		base:    base,
		host:    strings.ToLower(u.Hostname()),
		hc:      cfg.Client(),
		token:   token,
		version: version,
		author:  author,
		now:     cfg.Clock(),
	}, nil
}

// Network returns "linkedin".
func (a *Adapter) Network() string { return Name }

// Capabilities describes LinkedIn: 3000 characters of commentary in the
// little text format (FormatLittleText: Post.Text arrives with its reserved
// characters already escaped by the renderer, and is sent as it is), up to
// 20 JPEG, PNG or GIF images with alt text, no threads and no polls through
// this adapter, edits of the commentary, deletion, and no idempotency key: a
// lost outcome is reconciled by reading the author's recent posts.
func (a *Adapter) Capabilities() network.Capabilities {
	return network.Capabilities{
		Format:       network.FormatLittleText,
		TextLimit:    textLimit,
		MaxMedia:     maxImages,
		MediaTypes:   []string{"image/jpeg", "image/png", "image/gif"},
		AltText:      true,
		AltTextLimit: altTextLimit,
		Threads:      false,
		Polls:        false,
		Edit:         true,
		Delete:       true,
		Idempotency:  network.IdempotencyLookup,
		// LinkedIn's limits are daily and unpublished: no pace to state.
	}
}

// organization reports whether the author is an organization page.
func (a *Adapter) organization() bool {
	return strings.HasPrefix(a.author, "urn:li:organization:")
}

// postURL is the public address of a post.
func postURL(urn string) string {
	return "https://www.linkedin.com/feed/update/" + urn + "/"
}

// encode escapes a value for a Rest.li 2.0 path or query: every byte but the
// unreserved ones is percent-encoded, so urn:li:share:1 becomes
// urn%3Ali%3Ashare%3A1.
func encode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// checkPostURN returns an error wrapping network.ErrNotFound when id cannot
// name a post.
func checkPostURN(op, id string) error {
	if postURNPattern.MatchString(id) {
		return nil
	}
	return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: fmt.Errorf("%q is not a post URN: %w", id, network.ErrNotFound)}
}

// permanent is a Permanent error of op.
func permanent(op, msg string) *network.Error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: errors.New(msg)}
}

// unsupported is a Permanent error of op that wraps network.ErrUnsupported.
func unsupported(op, msg string) *network.Error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: fmt.Errorf("%s: %w", msg, network.ErrUnsupported)}
}
