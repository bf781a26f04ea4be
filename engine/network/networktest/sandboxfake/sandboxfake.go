// Package sandboxfake is the networktest.Fake of the sandbox adapter: a
// temporary outbox folder, read back through the sandbox's file format, with
// faults queued in the outbox's faults file.
package sandboxfake

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/sandbox"
)

// Fake is a sandbox outbox under test.
type Fake struct {
	t       testing.TB
	dir     string
	emulate string
	clock   *networktest.Clock
}

// New returns a fake with a fresh outbox in t's temporary directory,
// emulating the named network ("" for none).
func New(t testing.TB, emulate string) *Fake {
	return &Fake{t: t, dir: filepath.Join(t.TempDir(), "outbox"), emulate: emulate, clock: networktest.NewClock(time.Time{})}
}

// Dir returns the outbox folder.
func (f *Fake) Dir() string { return f.dir }

// Clock returns the clock the adapter is configured with.
func (f *Fake) Clock() *networktest.Clock { return f.clock }

// Config points a sandbox adapter at the outbox.
func (f *Fake) Config() network.Config {
	s := map[string]string{"outbox": f.dir}
	if f.emulate != "" {
		s["emulate"] = f.emulate
	}
	return network.Config{Account: "sandbox-test", Network: sandbox.Name, Settings: s, Now: f.clock.Now}
}

// Messages reads the outbox.
func (f *Fake) Messages() []networktest.Message {
	ms, err := sandbox.ReadMessages(f.dir)
	if err != nil {
		f.t.Fatalf("sandboxfake: %v", err)
	}
	out := make([]networktest.Message, 0, len(ms))
	for _, m := range ms {
		n := networktest.Message{ID: m.ID, Text: m.Text, Key: m.Key, At: m.PublishedAt}
		if m.ReplyTo != nil {
			n.ReplyTo = m.ReplyTo.ID
		}
		for _, md := range m.Media {
			n.Media = append(n.Media, md.Alt)
		}
		if m.Poll != nil {
			n.Poll = m.Poll.Options
		}
		out = append(out, n)
	}
	return out
}

// Writes counts the journal's entries.
func (f *Fake) Writes() int {
	es, err := sandbox.ReadJournal(f.dir)
	if err != nil {
		f.t.Fatalf("sandboxfake: %v", err)
	}
	return len(es)
}

// hang is how long an injected hang lasts: the sandbox has no HTTP timeout
// to end it sooner.
const hang = 50 * time.Millisecond

// Inject queues a fault in the outbox's faults file.
func (f *Fake) Inject(k networktest.Fault) {
	var line string
	switch k {
	case networktest.NoFault:
		return
	case networktest.FailBefore, networktest.FailAfter, networktest.DropAfter, networktest.Unauthorized:
		line = k.String()
	case networktest.RateLimit:
		line = fmt.Sprintf("rate-limit %s", f.RetryAfter())
	case networktest.HangAfter:
		line = fmt.Sprintf("hang-after %s", hang)
	}
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		f.t.Fatalf("sandboxfake: %v", err)
	}
	fh, err := os.OpenFile(filepath.Join(f.dir, sandbox.FaultsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		f.t.Fatalf("sandboxfake: %v", err)
	}
	defer fh.Close()
	if _, err := fmt.Fprintln(fh, line); err != nil {
		f.t.Fatalf("sandboxfake: %v", err)
	}
}

// RetryAfter is the wait a rate-limit fault asks for.
func (f *Fake) RetryAfter() time.Duration { return 30 * time.Second }

// Close does nothing: the outbox goes with the test's temporary directory.
func (f *Fake) Close() {}
