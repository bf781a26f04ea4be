package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/blueskyfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
)

// netWorld is a content repository whose accounts brulerie-mastodon and
// brulerie-bluesky post to a fake Mastodon server and a fake PDS, with one
// manual clock for all, and clairon run in it at that clock.
type netWorld struct {
	dir  string
	clk  *networktest.Clock
	mast *mastodonfake.Server
	sky  *blueskyfake.Server
	env  map[string]string
}

// newNetWorld starts the fakes at start; the caller writes w.dir.
func newNetWorld(t *testing.T, start time.Time) *netWorld {
	t.Helper()
	w := &netWorld{clk: networktest.NewClock(start)}
	w.mast = mastodonfake.New(mastodonfake.Options{Clock: w.clk})
	t.Cleanup(w.mast.Close)
	w.sky = blueskyfake.New(blueskyfake.WithClock(w.clk.Now))
	t.Cleanup(w.sky.Close)
	w.env = map[string]string{"MASTODON_TOKEN": mastodonfake.DefaultToken, "BLUESKY_APP_PASSWORD": blueskyfake.Password}
	return w
}

// config is clairon.yaml in Paris time with the two accounts, then more
// (YAML at the accounts' indentation and below).
func (w *netWorld) config(more string) string {
	return fmt.Sprintf(`timezone: Europe/Paris
accounts:
  brulerie-mastodon:
    network: mastodon
    server: https://mastodon.test
    api: %s
    token: env:MASTODON_TOKEN
  brulerie-bluesky:
    network: bluesky
    handle: %s
    api: %s
    password: env:BLUESKY_APP_PASSWORD
`, w.mast.URL(), blueskyfake.Handle, w.sky.URL()) + more
}

// run runs clairon at the world's clock, in its directory.
func (w *netWorld) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "--dir", w.dir, "--no-color")
	code = runWith(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return w.env[k] }, w.clk.Now)
	return out.String(), errb.String(), code
}

// must is run, failing the test unless clairon exits 0.
func (w *netWorld) must(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := w.run(t, args...)
	if code != 0 {
		t.Fatalf("clairon %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}
