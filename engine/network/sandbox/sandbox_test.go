package sandbox_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/sandboxfake"
	"github.com/clairon-dev/clairon/engine/network/sandbox"
)

func TestConformance(t *testing.T) {
	for _, emulate := range append([]string{""}, sandbox.EmulatedNames()...) {
		name := emulate
		if name == "" {
			name = "generous"
		}
		t.Run(name, func(t *testing.T) {
			networktest.Run(t, networktest.Harness{
				Factory: sandbox.New,
				NewFake: func(t *testing.T) networktest.Fake { return sandboxfake.New(t, emulate) },
				Offline: true,
			})
		})
	}
}
