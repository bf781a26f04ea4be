package slack_test

import (
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/slackfake"
	"github.com/clairon-dev/clairon/engine/network/slack"
)

func TestConformance(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: slack.Factory,
		NewFake: func(t *testing.T) networktest.Fake { return slackfake.New() },
		Timeout: timeout,
	})
}

// timeout bounds each request of the suite: long enough for a loaded
// machine, short enough that HangAfter cases end quickly.
const timeout = 3 * time.Second
