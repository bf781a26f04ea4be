package sandbox

import (
	"sort"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

var (
	imageTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}
	videoTypes = []string{"video/mp4", "video/quicktime", "video/webm"}
)

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Generous is what the sandbox allows when it emulates no network: every
// feature, and limits no real post reaches.
var Generous = network.Capabilities{
	Format:         network.FormatPlain,
	TextLimit:      100_000,
	MaxMedia:       10,
	MediaTypes:     join(imageTypes, videoTypes),
	AltText:        true,
	AltTextLimit:   10_000,
	Threads:        true,
	Polls:          true,
	PollMaxOptions: 10,
	Edit:           true,
	Delete:         true,
	Idempotency:    network.IdempotencyKey,
}

// emulated holds each network's capabilities as the research on its API
// describes them, for Settings["emulate"]. The sandbox is idempotent by key
// whatever it emulates, so Idempotency is always IdempotencyKey here.
var emulated = map[string]network.Capabilities{
	"mastodon": {
		Format: network.FormatPlain, TextLimit: 500,
		MaxMedia: 4, MediaTypes: join(imageTypes, videoTypes), MaxImageBytes: 16 << 20,
		AltText: true, AltTextLimit: 1500,
		Threads: true, Polls: true, PollMaxOptions: 4, Edit: true, Delete: true,
		Rate: network.Rate{Requests: 300, Window: 3 * time.Hour},
	},
	"bluesky": {
		Format: network.FormatPlain, TextLimit: 300,
		MaxMedia: 4, MediaTypes: imageTypes, MaxImageBytes: 2_000_000, AltText: true,
		Threads: true, Delete: true,
		// 5000 write points per hour, 3 points per create.
		Rate: network.Rate{Requests: 1666, Window: time.Hour},
	},
	"x": {
		Format: network.FormatPlain, TextLimit: 280,
		MaxMedia: 4, MediaTypes: append(append([]string{}, imageTypes...), "video/mp4"), MaxImageBytes: 5 << 20,
		AltText: true, AltTextLimit: 1000,
		Threads: true, Polls: true, PollMaxOptions: 4, Delete: true,
		Rate: network.Rate{Requests: 100, Window: 15 * time.Minute},
	},
	"linkedin": {
		Format: network.FormatLittleText, TextLimit: 3000,
		MaxMedia: 9, MediaTypes: []string{"image/jpeg", "image/png", "image/gif"}, AltText: true,
		Polls: true, PollMaxOptions: 4, Edit: true, Delete: true,
	},
	"facebook": {
		Format: network.FormatPlain, TextLimit: 63_206,
		MaxMedia: 10, MediaTypes: imageTypes, MaxImageBytes: 10 << 20, AltText: true,
		Edit: true, Delete: true,
	},
	"instagram": {
		Format: network.FormatPlain, TextLimit: 2200,
		MaxMedia: 10, MediaTypes: []string{"image/jpeg"}, RequiresMedia: true, AltText: true,
		MaxHashtags: 30, MaxMentions: 20,
		Rate: network.Rate{Requests: 50, Window: 24 * time.Hour},
	},
	"telegram": {
		Format: network.FormatHTML, TextLimit: 4096, CaptionLimit: 1024,
		MaxMedia: 10, MediaTypes: join(imageTypes, videoTypes),
		Threads: true, Polls: true, PollMaxOptions: 12, Edit: true, Delete: true,
		Rate: network.Rate{Requests: 20, Window: time.Minute},
	},
	"discord": {
		Format: network.FormatMarkdown, TextLimit: 2000,
		MaxMedia: 10, MediaTypes: join(imageTypes, videoTypes), AltText: true, AltTextLimit: 1024,
		Polls: true, PollMaxOptions: 10, Edit: true, Delete: true,
	},
	"slack": {
		Format: network.FormatMrkdwn, TextLimit: 40_000,
		Rate: network.Rate{Requests: 1, Window: time.Second},
	},
	"webhook": {
		Format: network.FormatMarkdown, TextLimit: 100_000,
		MaxMedia: 10, MediaTypes: join(imageTypes, videoTypes), AltText: true,
	},
}

// Emulated returns the capabilities the sandbox uses to emulate a network,
// and false for a network it does not know.
func Emulated(name string) (network.Capabilities, bool) {
	c, ok := emulated[name]
	if !ok {
		return network.Capabilities{}, false
	}
	c.Idempotency = network.IdempotencyKey
	return c, true
}

// EmulatedNames lists the networks the sandbox can emulate, sorted.
func EmulatedNames() []string {
	names := make([]string, 0, len(emulated))
	for n := range emulated {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
