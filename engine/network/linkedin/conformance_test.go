package linkedin_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network/linkedin"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/linkedinfake"
)

func TestConformanceOrganization(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: linkedin.New,
		NewFake: func(t *testing.T) networktest.Fake { return linkedinfake.New(linkedinfake.Options{}) },
		Metrics: []string{"impressions", "reach", "likes", "reposts", "replies", "clicks"},
	})
}

func TestConformanceMember(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: linkedin.New,
		NewFake: func(t *testing.T) networktest.Fake {
			return linkedinfake.New(linkedinfake.Options{Author: linkedinfake.Person})
		},
		Metrics: []string{"likes", "replies"},
	})
}
