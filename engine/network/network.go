// Package network is the contract between clairon's engine and the social
// networks it publishes to: the Adapter interface and its optional abilities,
// capabilities as data, classed errors, the adapter registry, and the wrappers
// (retry, rate limit, dry run, redacting logger) that every adapter shares.
//
// An adapter publishes one message at a time. Threads, first comments and
// polls are driven by the apply engine, part by part, so that every part is
// recorded as soon as it exists and a resumed thread continues where it stopped.
package network

import (
	"context"
	"net/http"
	"time"
)

// Adapter publishes to one account of one network.
type Adapter interface {
	// Network returns the network's name, such as "mastodon".
	Network() string
	// Capabilities describes the network's limits and abilities as data.
	Capabilities() Capabilities
	// Publish sends one message and returns its reference on the network.
	// The post's Key is derived from its address and content digest: adapters
	// that can (Mastodon's Idempotency-Key, Bluesky's record key) send it, so a
	// retried publish never creates a second message.
	Publish(ctx context.Context, p *Post) (Ref, error)
	// Delete removes a published message. Deleting a message that is already
	// gone is not an error.
	Delete(ctx context.Context, ref Ref) error
}

// Editor is implemented by adapters whose network can edit a published message
// in place. Capabilities.Edit must be true exactly when an adapter implements it.
type Editor interface {
	Edit(ctx context.Context, ref Ref, p *Post) (Ref, error)
}

// Lookup answers whether a publish whose outcome is unknown (a crash, a timeout,
// a 5xx) reached the network. It is how an expired claim is reconciled.
type Lookup interface {
	// Lookup returns the message published with p.Key (or with p's exact
	// content, for networks without keys) and Found; Absent when the network
	// proves no such message exists; Unknown when it cannot tell.
	Lookup(ctx context.Context, p *Post) (Ref, LookupResult, error)
}

// LookupResult is the outcome of a Lookup.
type LookupResult int

const (
	// Unknown means the network cannot say; the record becomes unconfirmed.
	Unknown LookupResult = iota
	// Found means the message exists; its Ref is returned.
	Found
	// Absent means the network proves the message does not exist, so
	// publishing again with the same key cannot duplicate it.
	Absent
)

func (r LookupResult) String() string {
	switch r {
	case Found:
		return "found"
	case Absent:
		return "absent"
	default:
		return "unknown"
	}
}

// MetricsReader reads engagement figures for a published message.
type MetricsReader interface {
	Metrics(ctx context.Context, ref Ref) (Metrics, error)
}

// FollowerCounter reads the account's current follower count.
type FollowerCounter interface {
	Followers(ctx context.Context) (int64, error)
}

// InteractionLister lists the people who interacted with a message, for
// contests: replies, reposts, likes and quotes.
type InteractionLister interface {
	Interactions(ctx context.Context, ref Ref, kind InteractionKind, since time.Time) ([]Interaction, error)
}

// Post is one message, already rendered for the target network.
type Post struct {
	// Key is the idempotency key: a stable function of the address, the part
	// index and the content digest. Lowercase hex, 32 characters or more.
	Key string `json:"key"`
	// Text is the final text in the network's format (see Capabilities.Format).
	Text string `json:"text"`
	// Markdown is the source Markdown of this part, for networks (webhook)
	// that want it besides the text.
	Markdown string `json:"markdown,omitempty"`
	// Entities are the links, mentions, hashtags and cashtags found in Text,
	// with UTF-8 byte offsets; Bluesky turns them into facets.
	Entities []Entity `json:"entities,omitempty"`
	// Language is a BCP 47 tag such as "fr".
	Language string `json:"language,omitempty"`
	// ContentWarning is shown before the text where the network has one.
	ContentWarning string `json:"content_warning,omitempty"`
	// Media are attached images or videos.
	Media []Media `json:"media,omitempty"`
	// Poll is attached when set; only on networks with Capabilities.Polls.
	Poll *Poll `json:"poll,omitempty"`
	// ReplyTo is the message this one answers (the previous thread part, or a
	// post named by reply_to); Root is the first message of the thread.
	ReplyTo *Ref `json:"reply_to,omitempty"`
	Root    *Ref `json:"root,omitempty"`
	// CreatedAt is the time the message is published at, as the engine's clock
	// says (Bluesky records carry it).
	CreatedAt time.Time `json:"created_at"`
	// Title is an optional subject, used by webhook payloads.
	Title string `json:"title,omitempty"`
	// Address names the post and account ("posts/launch@brand-mastodon#2"),
	// for logs and webhook payloads.
	Address string `json:"address,omitempty"`
}

// EntityKind names the kind of an Entity.
type EntityKind string

// Entity kinds.
const (
	EntityLink    EntityKind = "link"
	EntityMention EntityKind = "mention"
	EntityHashtag EntityKind = "hashtag"
	EntityCashtag EntityKind = "cashtag"
)

// Entity is a span of Post.Text with a meaning. Start and End are UTF-8 byte
// offsets into Text (End exclusive).
type Entity struct {
	Kind  EntityKind `json:"kind"`
	Start int        `json:"start"`
	End   int        `json:"end"`
	// Value is the link's full URL, the mention's handle without "@", or the
	// tag without "#" or "$".
	Value string `json:"value"`
}

// Media is an image or video to attach.
type Media struct {
	// Name is the file name, for multipart uploads and logs.
	Name string `json:"name"`
	// MIME is the media type, such as "image/jpeg".
	MIME string `json:"mime"`
	// Data is the file's content.
	Data []byte `json:"-"`
	// Digest is the SHA-256 of Data, lowercase hex.
	Digest string `json:"digest"`
	// Alt is the alternative text.
	Alt string `json:"alt,omitempty"`
	// Focus is the focal point, x and y in [-1, 1] (Mastodon's convention).
	Focus *[2]float64 `json:"focus,omitempty"`
	// Width and Height in pixels when known (0 otherwise).
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
}

// Poll is a poll attached to a message.
type Poll struct {
	Options  []string      `json:"options"`
	Duration time.Duration `json:"duration"`
	Multiple bool          `json:"multiple,omitempty"`
}

// Ref identifies a published message on its network.
type Ref struct {
	// ID is the network's identifier (status id, AT URI, URN, message id…).
	ID string `json:"id"`
	// URL is the public address of the message, when it has one.
	URL string `json:"url,omitempty"`
	// Extra holds what else the adapter needs later (Bluesky's record CID,
	// Instagram's container id…). Kept in state, opaque to the engine.
	Extra map[string]string `json:"extra,omitempty"`
}

// IsZero reports whether the reference is empty.
func (r Ref) IsZero() bool { return r.ID == "" }

// Metrics is a snapshot of a message's engagement. A nil field means the
// network does not give that figure, which is not the same as zero.
type Metrics struct {
	Impressions *int64 `json:"impressions,omitempty"`
	Reach       *int64 `json:"reach,omitempty"`
	Likes       *int64 `json:"likes,omitempty"`
	Reposts     *int64 `json:"reposts,omitempty"`
	Replies     *int64 `json:"replies,omitempty"`
	Quotes      *int64 `json:"quotes,omitempty"`
	Bookmarks   *int64 `json:"bookmarks,omitempty"`
	Clicks      *int64 `json:"clicks,omitempty"`
}

// InteractionKind names a way of taking part in a contest.
type InteractionKind string

// Interaction kinds.
const (
	Reply  InteractionKind = "reply"
	Repost InteractionKind = "repost"
	Like   InteractionKind = "like"
	Quote  InteractionKind = "quote"
)

// Interaction is one person's reply, repost, like or quote.
type Interaction struct {
	Kind InteractionKind `json:"kind"`
	// UserID is the network's stable id for the person; Handle is what people see.
	UserID string `json:"user_id"`
	Handle string `json:"handle"`
	// PostID and URL identify the reply or quote itself (empty for likes).
	PostID string    `json:"post_id,omitempty"`
	URL    string    `json:"url,omitempty"`
	Text   string    `json:"text,omitempty"`
	At     time.Time `json:"at"`
}

// Config is what an adapter is built from: one account of clairon.yaml.
type Config struct {
	// Account is the account's name in clairon.yaml.
	Account string
	// Network is the network's name.
	Network string
	// Settings are the account's non-secret settings (server, handle, page_id…).
	// The key "api" overrides the network's API base URL (for tests and
	// self-hosted servers).
	Settings map[string]string
	// Secrets are the resolved values of the account's env: references, by
	// setting name (token, password, webhook…). Never logged.
	Secrets map[string]string
	// HTTPClient is used for every request; nil means a client with sane timeouts.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now. Only cmd passes time.Now.
	Now func() time.Time
}

// Clock returns c.Now, or time.Now when unset.
func (c Config) Clock() func() time.Time {
	if c.Now != nil {
		return c.Now
	}
	return time.Now
}

// Client returns c.HTTPClient, or a default client with a timeout.
func (c Config) Client() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// Factory builds an adapter for one account.
type Factory func(Config) (Adapter, error)
