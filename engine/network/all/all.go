// Package all lists every network adapter clairon ships, explicitly: it
// builds the registry the CLI uses and describes an account's capabilities
// without its secrets. Only cmd imports it.
package all

import (
	"fmt"
	"maps"
	"strings"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/bluesky"
	"github.com/clairon-dev/clairon/engine/network/discord"
	"github.com/clairon-dev/clairon/engine/network/facebook"
	"github.com/clairon-dev/clairon/engine/network/instagram"
	"github.com/clairon-dev/clairon/engine/network/linkedin"
	"github.com/clairon-dev/clairon/engine/network/mastodon"
	"github.com/clairon-dev/clairon/engine/network/sandbox"
	"github.com/clairon-dev/clairon/engine/network/slack"
	"github.com/clairon-dev/clairon/engine/network/telegram"
	"github.com/clairon-dev/clairon/engine/network/webhook"
	"github.com/clairon-dev/clairon/engine/network/x"
)

// adapters maps network names to factories, sandbox excepted.
var adapters = map[string]network.Factory{
	"mastodon":  mastodon.New,
	"bluesky":   bluesky.New,
	"x":         x.New,
	"linkedin":  linkedin.New,
	"facebook":  facebook.New,
	"instagram": instagram.New,
	"telegram":  telegram.New,
	"discord":   func(c network.Config) (network.Adapter, error) { return discord.New(c) },
	"slack":     func(c network.Config) (network.Adapter, error) { return slack.New(c) },
	"webhook":   func(c network.Config) (network.Adapter, error) { return webhook.New(c) },
}

// Registry returns a registry of every adapter, the sandbox emulating the
// real adapters' capabilities.
func Registry() *network.Registry {
	r := network.NewRegistry()
	for name, f := range adapters {
		r.Register(name, f)
	}
	r.Register("sandbox", sandbox.NewFactory(func(name string) (network.Capabilities, bool) {
		c, err := Describe(network.Config{Network: name})
		return c, err == nil
	}))
	return r
}

// placeholder stands in for secrets when only capabilities are wanted:
// factories never send a request, so it never leaves the process.
const placeholder = "placeholder-secret"

// settingsForDescribe fills the settings factories require, when missing.
var settingsForDescribe = map[string]string{
	"server": "https://example.invalid", "handle": "example.invalid", "author": "urn:li:organization:0",
	"page_id": "0", "user_id": "0", "chat_id": "@example", "url": "https://example.invalid/hook",
	"media_base_url": "https://example.invalid/", "webhook": "https://example.invalid/hook",
}

// Describe returns the capabilities of an account's network, given its
// settings (secrets are not needed). A sandbox account reports the network
// it emulates.
func Describe(cfg network.Config) (network.Capabilities, error) {
	name := cfg.Network
	if name == "sandbox" {
		name = cfg.Settings["emulate"]
		if name == "" {
			name = "webhook"
		}
	}
	f, ok := adapters[name]
	if !ok {
		return network.Capabilities{}, fmt.Errorf("unknown network %q", name)
	}
	settings := maps.Clone(settingsForDescribe)
	maps.Copy(settings, cfg.Settings)
	secrets := map[string]string{"token": placeholder, "password": placeholder, "secret": placeholder}
	switch name {
	case "telegram":
		secrets["token"] = "0:" + placeholder
	case "slack":
		secrets["webhook"] = "https://hooks.slack.com/services/T00000000/B00000000/" + strings.Repeat("0", 24)
	case "discord":
		secrets["webhook"] = "https://discord.com/api/webhooks/0/" + placeholder
	}
	a, err := f(network.Config{Account: cfg.Account, Network: name, Settings: settings, Secrets: secrets})
	if err != nil {
		return network.Capabilities{}, fmt.Errorf("describe %s: %w", name, err)
	}
	return a.Capabilities(), nil
}
