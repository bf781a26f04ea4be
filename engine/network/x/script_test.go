package x

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest/jsonscript"
)

type exchange = jsonscript.Exchange

// script serves exchanges in order on 127.0.0.1 (see jsonscript.Serve).
func script(t *testing.T, exchanges ...exchange) string {
	t.Helper()
	return jsonscript.Serve(t, exchanges...)
}

// testNow is the clock of scripted tests.
var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// newTest builds an adapter for a scripted server with a bearer token, a
// fixed clock and sleeps that only record their durations.
func newTest(t *testing.T, api string, settings map[string]string) (*Adapter, *[]time.Duration) {
	t.Helper()
	s := map[string]string{"api": api, "user_id": "1600000000000000001", "handle": "clairon_fr"}
	for k, v := range settings {
		s[k] = v
	}
	a, err := New(network.Config{
		Settings:   s,
		Secrets:    map[string]string{"token": "tok-123"},
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		Now:        func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	ad := a.(*Adapter)
	var slept []time.Duration
	ad.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return ad, &slept
}
