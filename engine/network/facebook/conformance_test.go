package facebook_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network/facebook"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/facebookfake"
)

func TestConformance(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: facebook.New,
		NewFake: func(t *testing.T) networktest.Fake { return facebookfake.New() },
		Metrics: []string{"impressions", "reach", "likes", "reposts", "replies", "clicks"},
	})
}
