package facebook

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/facebook/graph/graphtest"
)

const (
	testPage  = "104857600123456"
	testToken = "EAAunitPageTokenMq4Rt8Vx2Zb6Df0Hj3Kl7Np1Qs5Uw9Yy"
)

var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

type (
	exchange = graphtest.Exchange
	wantFile = graphtest.File
)

func script(t *testing.T, exchanges ...exchange) *httptest.Server {
	t.Helper()
	return graphtest.Script(t, testToken, exchanges...)
}

// newTest builds an adapter talking to srv.
func newTest(t *testing.T, srv *httptest.Server) *Adapter {
	t.Helper()
	a, err := NewAdapter(network.Config{
		Account:  "brand-facebook",
		Network:  Name,
		Settings: map[string]string{SettingPageID: testPage, SettingAPI: srv.URL + "/v25.0"},
		Secrets:  map[string]string{SecretToken: testToken},
		Now:      func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
