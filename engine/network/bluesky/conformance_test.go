package bluesky_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network/bluesky"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/blueskyfake"
)

func TestConformance(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: bluesky.New,
		NewFake: func(t *testing.T) networktest.Fake { return blueskyfake.New() },
		Metrics: []string{"likes", "reposts", "replies", "quotes", "bookmarks"},
	})
}
