package x_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/xfake"
	"github.com/clairon-dev/clairon/engine/network/x"
)

var xMetrics = []string{"impressions", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks"}

func TestConformanceOAuth2(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: x.New,
		NewFake: func(t *testing.T) networktest.Fake { return xfake.New(xfake.Options{}) },
		Metrics: xMetrics,
	})
}

func TestConformanceOAuth1(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: x.New,
		NewFake: func(t *testing.T) networktest.Fake { return xfake.New(xfake.Options{OAuth1: true}) },
		Metrics: xMetrics,
	})
}
