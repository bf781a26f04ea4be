package mastodon_test

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network/mastodon"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
)

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts mastodonfake.Options
	}{
		{"mastodon", mastodonfake.Options{}},
		{"ignores-idempotency-keys", mastodonfake.Options{IgnoreIdempotency: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			networktest.Run(t, networktest.Harness{
				Factory: mastodon.New,
				NewFake: func(t *testing.T) networktest.Fake { return mastodonfake.New(tc.opts) },
				Metrics: []string{"likes", "reposts", "replies", "quotes"},
			})
		})
	}
}
