package webhook_test

import (
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/webhookfake"
	"github.com/clairon-dev/clairon/engine/network/webhook"
)

func TestConformance(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: webhook.Factory,
		NewFake: func(t *testing.T) networktest.Fake { return webhookfake.New() },
		Timeout: timeout,
	})
}

// TestConformanceWithoutIDs runs the suite against a receiver that answers
// 204 with no body, so that messages are named by their keys.
func TestConformanceWithoutIDs(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: webhook.Factory,
		NewFake: func(t *testing.T) networktest.Fake { return webhookfake.New(webhookfake.WithoutIDs()) },
		Timeout: timeout,
	})
}

// timeout bounds each request of the suite: long enough for a loaded
// machine, short enough that HangAfter cases end quickly.
const timeout = 3 * time.Second
