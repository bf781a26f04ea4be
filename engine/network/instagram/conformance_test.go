package instagram_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network/instagram"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/instagramfake"
)

func TestConformance(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: instagram.New,
		NewFake: func(t *testing.T) networktest.Fake { return instagramfake.New() },
		Metrics: []string{"impressions", "reach", "likes", "reposts", "replies", "bookmarks"},
	})
}
