package telegram_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/telegramfake"
	"github.com/clairon-dev/clairon/engine/network/telegram"
)

func TestConformance(t *testing.T) {
	networktest.Run(t, networktest.Harness{
		Factory: telegram.New,
		NewFake: func(t *testing.T) networktest.Fake { return telegramfake.New() },
	})
}
