// Package instagram publishes to an Instagram professional account through
// the Graph API's two-phase content publishing: a media container is created
// from media Meta fetches at a public URL, polled until it is ready, then
// published. Container ids are remembered by post key, so a retried publish
// resumes the same container and never publishes twice; a lost outcome is
// reconciled from the container's status and the account's recent media.
// It also reads insights, the follower count and comments.
package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/facebook/graph"
)

// Name is the network's name in clairon.yaml.
const Name = "instagram"

// Settings and secrets the adapter reads.
const (
	SettingUserID    = "user_id"        // the Instagram professional account's id
	SettingMediaBase = "media_base_url" // public URL where the repository's media/ folder is served
	SettingAPI       = "api"            // versioned API base, graph.DefaultBase when unset
	SecretToken      = "token"          // an access token with instagram_content_publish
	SecretAppSecret  = "app_secret"     // optional: adds appsecret_proof to every call
)

// Instagram's limits for one post.
const (
	maxCaption    = 2200
	maxHashtags   = 30
	maxMentions   = 20
	maxItems      = 10
	maxImageBytes = 8 << 20 // "It should be less than 8 MiB."
	publishCap    = 50      // posts per rolling 24 h, per the content_publishing_limit reference
)

// imageTypes and videoTypes are what content publishing accepts.
var (
	imageTypes = []string{"image/jpeg"}
	videoTypes = []string{"video/mp4", "video/quicktime"}
)

// Adapter publishes to one Instagram account.
type Adapter struct {
	user      string
	mediaBase *url.URL
	client    *graph.Client
	now       func() time.Time
	// sleep waits between container status reads.
	sleep func(ctx context.Context, d time.Duration) error
	// poll is the schedule of waits between status reads of a container.
	poll []time.Duration

	mu      sync.Mutex
	pending map[string]*attempt // by post key
}

// attempt is what one post key has created so far in this process.
type attempt struct {
	container string
	created   time.Time
	mediaID   string // set once media_publish answered
	permalink string
}

// defaultPoll waits about five minutes in all, enough for a short video.
var defaultPoll = []time.Duration{
	time.Second, 2 * time.Second, 3 * time.Second, 5 * time.Second, 10 * time.Second,
	15 * time.Second, 30 * time.Second, 30 * time.Second, 60 * time.Second, 60 * time.Second, 60 * time.Second,
}

// New builds an adapter from an account's configuration.
func New(cfg network.Config) (network.Adapter, error) { return NewAdapter(cfg) }

// NewAdapter is New with the concrete type.
func NewAdapter(cfg network.Config) (*Adapter, error) {
	user := strings.TrimSpace(cfg.Settings[SettingUserID])
	if user == "" {
		return nil, errors.New("instagram: setting user_id is required (the professional account's id)")
	}
	if strings.ContainsAny(user, "/?#") {
		return nil, fmt.Errorf("instagram: setting user_id %q is not an account id", user)
	}
	a := &Adapter{user: user, now: cfg.Clock(), sleep: network.SleepContext, poll: defaultPoll, pending: map[string]*attempt{}}
	if raw := strings.TrimSpace(cfg.Settings[SettingMediaBase]); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("instagram: setting media_base_url %q is not an http(s) URL", raw)
		}
		a.mediaBase = u
	}
	c, err := graph.New(graph.Options{
		Network:   Name,
		Base:      cfg.Settings[SettingAPI],
		Token:     cfg.Secrets[SecretToken],
		AppSecret: cfg.Secrets[SecretAppSecret],
		HTTP:      cfg.Client(),
		Now:       cfg.Clock(),
	})
	if err != nil {
		return nil, fmt.Errorf("instagram: %w", err)
	}
	a.client = c
	return a, nil
}

// Network returns "instagram".
func (a *Adapter) Network() string { return Name }

// Capabilities describes Instagram feed posts.
func (a *Adapter) Capabilities() network.Capabilities {
	return network.Capabilities{
		Format:        network.FormatPlain,
		TextLimit:     maxCaption,
		MaxMedia:      maxItems,
		MediaTypes:    slices.Concat(imageTypes, videoTypes),
		MaxImageBytes: maxImageBytes,
		// alt_text is accepted for images (not Reels) since 2025-03-24.
		AltText:       true,
		RequiresMedia: true,
		// No threads and no polls; comment replies are not publications.
		Threads:     false,
		Polls:       false,
		MaxHashtags: maxHashtags,
		MaxMentions: maxMentions,
		// Captions cannot be edited through the API, and deleting media is
		// not part of the documented API.
		Edit:        false,
		Delete:      false,
		Idempotency: network.IdempotencyLookup,
		Rate:        network.Rate{Requests: publishCap, Window: 24 * time.Hour},
	}
}

// Delete is not offered by the content publishing API.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: "delete",
		Err: fmt.Errorf("instagram media cannot be deleted through the API: %w", network.ErrUnsupported)}
}

// check refuses what Instagram would refuse, before any call.
func (a *Adapter) check(p *network.Post) error {
	fail := func(format string, args ...any) error {
		return &network.Error{Class: network.Permanent, Network: Name, Op: "publish", Err: fmt.Errorf(format, args...)}
	}
	if p == nil {
		return fail("no post")
	}
	if a.mediaBase == nil {
		return fail("setting media_base_url is not set: Instagram fetches every image and video from a public URL, " +
			"so set it to where the repository's media/ folder is served (a CDN, GitHub Pages, a raw file host)")
	}
	if len(p.Media) == 0 {
		return fail("an Instagram post needs at least one image or video")
	}
	if len(p.Media) > maxItems {
		return fail("%d media items, a carousel holds at most %d", len(p.Media), maxItems)
	}
	if p.Poll != nil {
		return fail("instagram posts cannot carry a poll: %w", network.ErrUnsupported)
	}
	if n := utf8.RuneCountInString(p.Text); n > maxCaption {
		return fail("caption is %d characters, more than %d", n, maxCaption)
	}
	if n := countTags(p, network.EntityHashtag, '#'); n > maxHashtags {
		return fail("caption has %d hashtags, more than %d", n, maxHashtags)
	}
	if n := countTags(p, network.EntityMention, '@'); n > maxMentions {
		return fail("caption has %d @mentions, more than %d", n, maxMentions)
	}
	for _, m := range p.Media {
		switch {
		case slices.Contains(imageTypes, m.MIME):
			if len(m.Data) >= maxImageBytes {
				return fail("image %s is %d bytes; Instagram takes images under 8 MiB", m.Name, len(m.Data))
			}
		case slices.Contains(videoTypes, m.MIME):
		default:
			return fail("media %s: type %q is not accepted (JPEG images, MP4 or MOV videos)", m.Name, m.MIME)
		}
		if _, err := a.mediaURL(m); err != nil {
			return fail("media %s: %v", m.Name, err)
		}
	}
	return nil
}

// mediaURL is the public address of a media item: media_base_url followed
// by the item's path inside the media/ folder.
func (a *Adapter) mediaURL(m network.Media) (string, error) {
	name := strings.TrimPrefix(path.Clean("/"+m.Name), "/")
	name = strings.TrimPrefix(name, "media/")
	if name == "" || name == "." {
		return "", errors.New("no file name to build its public URL from")
	}
	u := *a.mediaBase
	u.RawPath = "" // let String escape the whole path once
	u.Path = strings.TrimRight(a.mediaBase.Path, "/") + "/" + name
	return u.String(), nil
}

// countTags counts hashtags or mentions: from the entities when the
// renderer gave them, else by scanning the caption.
func countTags(p *network.Post, kind network.EntityKind, sigil rune) int {
	n := 0
	for _, e := range p.Entities {
		if e.Kind == kind {
			n++
		}
	}
	if n > 0 || len(p.Entities) > 0 {
		return n
	}
	prev := ' '
	rs := []rune(p.Text)
	for i, r := range rs {
		if r == sigil && !unicode.IsLetter(prev) && !unicode.IsDigit(prev) && i+1 < len(rs) &&
			(unicode.IsLetter(rs[i+1]) || unicode.IsDigit(rs[i+1]) || rs[i+1] == '_') {
			n++
		}
		prev = r
	}
	return n
}

var (
	_ network.Adapter           = (*Adapter)(nil)
	_ network.Lookup            = (*Adapter)(nil)
	_ network.MetricsReader     = (*Adapter)(nil)
	_ network.FollowerCounter   = (*Adapter)(nil)
	_ network.InteractionLister = (*Adapter)(nil)
	_ network.Factory           = New
)
