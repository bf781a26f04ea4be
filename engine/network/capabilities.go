package network

import "time"

// Format is the text format an adapter expects in Post.Text.
type Format string

// Text formats.
const (
	FormatPlain      Format = "plain"
	FormatHTML       Format = "telegram-html"
	FormatMarkdown   Format = "markdown"    // Discord's flavour
	FormatMrkdwn     Format = "mrkdwn"      // Slack's flavour
	FormatLittleText Format = "little-text" // LinkedIn's escaped commentary
)

// Idempotency says how an adapter avoids publishing twice.
type Idempotency string

// Idempotency mechanisms.
const (
	// IdempotencyKey: the server honours an idempotency key (Mastodon).
	IdempotencyKey Idempotency = "key"
	// IdempotencyRecordKey: the key becomes the record's identity, so a second
	// create fails instead of duplicating (Bluesky's rkey).
	IdempotencyRecordKey Idempotency = "record-key"
	// IdempotencyLookup: no key; a lost outcome is reconciled by looking the
	// message up (recent timeline, container status…).
	IdempotencyLookup Idempotency = "lookup"
	// IdempotencyNone: neither; a lost outcome becomes unconfirmed.
	IdempotencyNone Idempotency = "none"
)

// Capabilities describes a network as data. The planner and the rules read it;
// it never depends on the network being reachable.
type Capabilities struct {
	// Format of Post.Text.
	Format Format `json:"format"`
	// TextLimit is the maximum length of a message, counted the network's way
	// (engine/render/count names the counter by network); CaptionLimit applies
	// instead when media is attached (Telegram), 0 when the same.
	TextLimit    int `json:"text_limit"`
	CaptionLimit int `json:"caption_limit,omitempty"`
	// MaxMedia is the most attachments per message; 0 means none allowed.
	MaxMedia int `json:"max_media"`
	// MediaTypes lists accepted MIME types.
	MediaTypes []string `json:"media_types,omitempty"`
	// MaxImageBytes is the largest image accepted, 0 if unknown.
	MaxImageBytes int64 `json:"max_image_bytes,omitempty"`
	// AltText says the network stores alternative text; AltTextLimit caps it.
	AltText      bool `json:"alt_text"`
	AltTextLimit int  `json:"alt_text_limit,omitempty"`
	// RequiresMedia: a message without media cannot be published (Instagram).
	RequiresMedia bool `json:"requires_media,omitempty"`
	// Threads: messages can reply to earlier ones to form a thread.
	Threads bool `json:"threads"`
	// Comments: a message can answer the post as a comment (a first
	// comment), although threads are not possible (Facebook Pages).
	Comments bool `json:"comments,omitempty"`
	// Polls: a poll can be attached; PollMaxOptions caps its options.
	Polls          bool `json:"polls"`
	PollMaxOptions int  `json:"poll_max_options,omitempty"`
	// MaxHashtags and MaxMentions cap entities per message, 0 meaning no cap.
	MaxHashtags int `json:"max_hashtags,omitempty"`
	MaxMentions int `json:"max_mentions,omitempty"`
	// Edit: published messages can be edited in place (the adapter is an Editor).
	Edit bool `json:"edit"`
	// Delete: published messages can be deleted.
	Delete bool `json:"delete"`
	// Idempotency is how a lost outcome is recovered without duplicates.
	Idempotency Idempotency `json:"idempotency"`
	// Rate is the publishing pace the network allows this account, used by the
	// rate-limit wrapper before any 429 is seen. Zero means unknown.
	Rate Rate `json:"rate"`
}

// Rate is N requests per window.
type Rate struct {
	Requests int           `json:"requests,omitempty"`
	Window   time.Duration `json:"window,omitempty"`
}
