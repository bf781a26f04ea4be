package linkedin

import (
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

// newTest builds an adapter for a scripted server, posting as an
// organization, with a fixed clock.
func newTest(t *testing.T, api string, settings map[string]string) *Adapter {
	t.Helper()
	s := map[string]string{"api": api, "author": "urn:li:organization:5515715"}
	for k, v := range settings {
		s[k] = v
	}
	a, err := New(network.Config{
		Settings:   s,
		Secrets:    map[string]string{"token": "li-tok"},
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		Now:        func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.(*Adapter)
}
