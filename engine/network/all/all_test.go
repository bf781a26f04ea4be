package all

import (
	"testing"

	"github.com/clairon-dev/clairon/engine/network"
)

// Every network must describe itself from settings alone: plans and
// validation run without secrets (pull requests from forks have none).
func TestDescribeEveryNetwork(t *testing.T) {
	r := Registry()
	for _, n := range append(r.Names(), "sandbox") {
		c, err := Describe(network.Config{Network: n, Settings: map[string]string{"emulate": "bluesky"}})
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if c.TextLimit == 0 {
			t.Errorf("%s: no text limit", n)
		}
		if c.Idempotency == "" {
			t.Errorf("%s: idempotency unset", n)
		}
	}
	if c, _ := Describe(network.Config{Network: "sandbox", Settings: map[string]string{"emulate": "bluesky"}}); c.TextLimit != 300 {
		t.Errorf("sandbox emulating bluesky: limit %d", c.TextLimit)
	}
	if _, err := Describe(network.Config{Network: "myspace"}); err == nil {
		t.Error("unknown network described")
	}
}
