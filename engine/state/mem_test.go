package state_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

func TestMemStoreConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store { return state.NewMemStore(statetest.Seeded(1)) })
}
