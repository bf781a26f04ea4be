package discord_test

import (
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network/discord"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/discordfake"
)

func TestConformance(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: discord.Factory,
		NewFake: func(t *testing.T) networktest.Fake { return discordfake.New() },
		Timeout: timeout,
	})
}

func TestConformanceForum(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: discord.Factory,
		NewFake: func(t *testing.T) networktest.Fake { return discordfake.New(discordfake.Forum()) },
		Timeout: timeout,
	})
}

// timeout bounds each request of the suite: long enough for a loaded
// machine, short enough that HangAfter cases end quickly.
const timeout = 3 * time.Second
