package count

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Network names known to this package.
const (
	X         = "x"
	Mastodon  = "mastodon"
	Bluesky   = "bluesky"
	LinkedIn  = "linkedin"
	Facebook  = "facebook"
	Instagram = "instagram"
	Telegram  = "telegram"
	Discord   = "discord"
	Slack     = "slack"
	Webhook   = "webhook"
)

// Units in which a Check measures text.
const (
	UnitWeighted   = "weighted"    // twitter-text weighted characters
	UnitGraphemes  = "graphemes"   // extended grapheme clusters (UAX #29)
	UnitBytes      = "bytes"       // UTF-8 bytes
	UnitUTF16      = "utf16"       // UTF-16 code units
	UnitCodePoints = "code_points" // Unicode scalar values
	UnitEntities   = "entities"    // a number of hashtags or mentions
)

// Entity kinds.
const (
	KindURL     = "url"
	KindHashtag = "hashtag"
	KindMention = "mention"
	KindCashtag = "cashtag"
)

// Options tunes a count. The zero value uses each network's defaults.
type Options struct {
	// Limit overrides the network's main length limit, for example a Mastodon
	// instance's configuration.statuses.max_characters. Zero keeps the default.
	// For the webhook network, which has no limit, it sets one.
	Limit int
	// Caption counts a Telegram text as a media caption (1024 UTF-16 units,
	// may be empty) rather than a message (1 to 4096 units).
	Caption bool
	// ContentWarning is a Mastodon spoiler_text. Mastodon counts it together
	// with the text against one limit.
	ContentWarning string
}

// Result is the measure of one text for one network.
type Result struct {
	Network string `json:"network"`
	// Unit, Length and Limit describe the network's main check.
	Unit   string `json:"unit"`
	Length int    `json:"length"`
	// Limit is 0 when the network sets none.
	Limit int `json:"limit"`
	// Remaining is Limit-Length (negative when over), or nil without a limit.
	Remaining *int `json:"remaining"`
	// Valid is true when every check passes and no problem was found.
	Valid bool `json:"valid"`
	// OverflowOffset is the UTF-8 byte offset in the text where it stops
	// fitting (the first check that fails decides), or -1 when it fits.
	OverflowOffset int `json:"overflow_offset"`
	// Counts measures the text (without any content warning) in every unit.
	Counts Counts `json:"counts"`
	// Checks lists every limit the network enforces, the main one first.
	Checks []Check `json:"checks"`
	// Problems explains in words why the text is not valid.
	Problems []string `json:"problems"`
	// Entities lists what the network will recognise, ordered by Start.
	Entities []Entity `json:"entities"`
}

// Counts measures a text in several units at once.
type Counts struct {
	// Weighted is the twitter-text weighted length; present for x only.
	Weighted   *int `json:"weighted,omitempty"`
	Graphemes  int  `json:"graphemes"`
	CodePoints int  `json:"code_points"`
	UTF16      int  `json:"utf16"`
	Bytes      int  `json:"bytes"`
	URLs       int  `json:"urls"`
	Hashtags   int  `json:"hashtags"`
	Mentions   int  `json:"mentions"`
	Cashtags   int  `json:"cashtags"`
}

// Check is one limit a network enforces.
type Check struct {
	// Name says what is limited: "length", "bytes", "hashtags" or "mentions".
	Name   string `json:"name"`
	Unit   string `json:"unit"`
	Length int    `json:"length"`
	// Min is the smallest accepted length (1 where empty text is refused).
	Min   int  `json:"min"`
	Limit int  `json:"limit"`
	Valid bool `json:"valid"`
	// OverflowOffset is where the text stops fitting this check, or -1.
	OverflowOffset int `json:"overflow_offset"`
}

// Entity is a link, hashtag, mention or cashtag found in the text.
type Entity struct {
	Kind string `json:"kind"`
	// Text is the entity as written, Start and End its UTF-8 byte offsets.
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	// Value is what the entity points at: the link target, the tag without
	// its sign, the account name without "@", or the ticker without "$".
	Value string `json:"value"`
	// Facet is the Bluesky facet index of the entity (bluesky only).
	Facet *FacetIndex `json:"facet,omitempty"`
}

// FacetIndex is an app.bsky.richtext.facet byteSlice: UTF-8 byte offsets,
// ByteStart inclusive and ByteEnd exclusive.
type FacetIndex struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// ErrUnknownNetwork is wrapped by Count for a network name it does not know.
var ErrUnknownNetwork = errors.New("unknown network")

// ErrInvalidText is wrapped by Count for text that is not valid UTF-8.
var ErrInvalidText = errors.New("text is not valid UTF-8")

var counters = map[string]func(string, Options) Result{
	X:         CountX,
	Mastodon:  CountMastodon,
	Bluesky:   CountBluesky,
	LinkedIn:  CountLinkedIn,
	Facebook:  CountFacebook,
	Instagram: CountInstagram,
	Telegram:  CountTelegram,
	Discord:   CountDiscord,
	Slack:     CountSlack,
	Webhook:   CountWebhook,
}

// Networks returns the names Count accepts, in a stable order.
func Networks() []string {
	return []string{X, Mastodon, Bluesky, LinkedIn, Facebook, Instagram, Telegram, Discord, Slack, Webhook}
}

// KnownNetwork reports whether Count accepts the network name.
func KnownNetwork(network string) bool {
	_, ok := counters[network]
	return ok
}

// Count measures text for the named network.
func Count(network, text string, opts Options) (Result, error) {
	f, ok := counters[network]
	if !ok {
		return Result{}, fmt.Errorf("count %q: %w (known: %s)", network, ErrUnknownNetwork, strings.Join(Networks(), ", "))
	}
	if err := validate(text, opts); err != nil {
		return Result{}, fmt.Errorf("count for %s: %w", network, err)
	}
	return f(text, opts), nil
}

func validate(text string, opts Options) error {
	if !utf8.ValidString(text) {
		return ErrInvalidText
	}
	if !utf8.ValidString(opts.ContentWarning) {
		return fmt.Errorf("content warning: %w", ErrInvalidText)
	}
	if opts.Limit < 0 {
		return fmt.Errorf("limit %d is negative", opts.Limit)
	}
	return nil
}

// limitOr returns the override when set, else the network default.
func limitOr(opts Options, def int) int {
	if opts.Limit > 0 {
		return opts.Limit
	}
	return def
}

// finish fills the summary fields of r from its checks.
func finish(r *Result) {
	main := r.Checks[0]
	r.Unit, r.Length, r.Limit = main.Unit, main.Length, main.Limit
	if main.Limit > 0 {
		rem := main.Limit - main.Length
		r.Remaining = &rem
	}
	r.OverflowOffset = -1
	r.Valid = len(r.Problems) == 0
	for _, c := range r.Checks {
		if !c.Valid {
			r.Valid = false
		}
		if c.OverflowOffset >= 0 && (r.OverflowOffset < 0 || c.OverflowOffset < r.OverflowOffset) {
			r.OverflowOffset = c.OverflowOffset
		}
	}
	if r.Entities == nil {
		r.Entities = []Entity{}
	}
	if r.Problems == nil {
		r.Problems = []string{}
	}
	for _, e := range r.Entities {
		switch e.Kind {
		case KindURL:
			r.Counts.URLs++
		case KindHashtag:
			r.Counts.Hashtags++
		case KindMention:
			r.Counts.Mentions++
		case KindCashtag:
			r.Counts.Cashtags++
		}
	}
}

// newCheck builds a check and the problem it raises when it fails.
func newCheck(r *Result, name, unit string, length, min, limit, overflow int) {
	c := Check{Name: name, Unit: unit, Length: length, Min: min, Limit: limit, OverflowOffset: -1, Valid: true}
	if limit > 0 && length > limit {
		c.Valid = false
		c.OverflowOffset = overflow
		r.Problems = append(r.Problems, fmt.Sprintf("%s is %d %s, over the limit of %d by %d", name, length, unitWords(unit), limit, length-limit))
	}
	if length < min {
		c.Valid = false
		if length == 0 {
			r.Problems = append(r.Problems, "text is empty")
		} else {
			r.Problems = append(r.Problems, fmt.Sprintf("%s is %d %s, under the minimum of %d", name, length, unitWords(unit), min))
		}
	}
	r.Checks = append(r.Checks, c)
}

func unitWords(unit string) string {
	switch unit {
	case UnitWeighted:
		return "weighted characters"
	case UnitGraphemes:
		return "characters (grapheme clusters)"
	case UnitUTF16:
		return "UTF-16 code units"
	case UnitCodePoints:
		return "code points"
	case UnitEntities:
		return "entities"
	default:
		return unit
	}
}

// measure fills the unit counts of a text.
func measure(text string) Counts {
	if isASCIINoCR(text) {
		n := len(text)
		return Counts{Graphemes: n, CodePoints: n, UTF16: n, Bytes: n}
	}
	c := Counts{Bytes: len(text)}
	simple := true
	for _, r := range text {
		c.CodePoints++
		c.UTF16 += utf16Units(r)
		simple = simple && simpleRune(r)
	}
	c.Graphemes = c.CodePoints // every code point is a cluster of its own
	if !simple {
		c.Graphemes = graphemeCount(text)
	}
	return c
}
