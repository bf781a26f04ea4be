package apply_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/state"
)

// TestApplyFaultOnEveryWrite injects each fault a network can show into
// each write an account makes during a run (every part of every post in
// turn), on a Mastodon server that honours Idempotency-Key, one that
// ignores it and a Bluesky PDS: 500 before the write, 500 after it, a 429
// with the network's own headers, a response that never comes (the client
// times out), a dropped connection. Whatever the fault, every part is
// published exactly once, correctly threaded, and recorded.
func TestApplyFaultOnEveryWrite(t *testing.T) {
	faults := []networktest.Fault{networktest.FailBefore, networktest.FailAfter, networktest.RateLimit,
		networktest.HangAfter, networktest.DropAfter}
	for _, name := range accounts {
		for _, f := range faults {
			writes := 4 // solo, fil ×3
			if name != nokeys {
				writes = 7 // and note ×3
			}
			for k := 1; k <= writes; k++ {
				t.Run(fmt.Sprintf("%s/%s/write-%d", name, f, k), func(t *testing.T) {
					t.Parallel()
					opts := worldOptions{}
					if f == networktest.HangAfter {
						opts.timeout = 300 * time.Millisecond
					}
					w := newWorld(t, opts)
					acc := w.nets[name]
					acc.tap.onWrite(func(n int) {
						if n == k {
							acc.fake.Inject(f)
						}
					})
					start := w.clock.Now()
					rep := w.apply()
					if !rep.OK() {
						t.Errorf("report: %s %v", rep.Summary(), outcomes(rep))
						for _, e := range rep.Events {
							if e.Err != "" {
								t.Logf("%s: %s", e.Address, e.Err)
							}
						}
					}
					w.mustBeDone()
					if f == networktest.RateLimit {
						// The wait the network asked for was honoured.
						waited := w.clock.Now().Sub(start)
						if want := acc.fake.RetryAfter(); waited < want {
							t.Errorf("waited %s after a 429 asking %s", waited, want)
						}
						if !slices.ContainsFunc(w.clock.Slept(), func(d time.Duration) bool { return d >= acc.fake.RetryAfter()-time.Second }) {
							t.Errorf("waits %v; none as long as the network asked (%s)", w.clock.Slept(), acc.fake.RetryAfter())
						}
					}
				})
			}
		}
	}
}

// TestApplyFaultsInARow makes every write of an account fail a few times
// in a row, mixing faults, so that the retries themselves meet faults.
func TestApplyFaultsInARow(t *testing.T) {
	mixes := [][]networktest.Fault{
		{networktest.FailAfter, networktest.FailAfter, networktest.FailBefore},
		{networktest.DropAfter, networktest.RateLimit, networktest.FailAfter},
		{networktest.FailBefore, networktest.DropAfter, networktest.DropAfter},
	}
	for _, name := range accounts {
		for i, mix := range mixes {
			t.Run(fmt.Sprintf("%s/mix-%d", name, i), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, worldOptions{})
				acc := w.nets[name]
				acc.tap.onWrite(func(n int) {
					if n%4 == 1 {
						for _, f := range mix {
							acc.fake.Inject(f)
						}
					}
				})
				for run := 0; run < 3 && len(w.problems(true)) > 0; run++ {
					rep := w.apply()
					for _, e := range rep.Events {
						if e.Outcome == apply.Unconfirmed {
							t.Errorf("%s unconfirmed: %s", e.Address, e.Err)
						}
					}
					w.mustHaveNoDuplicates()
				}
				w.mustBeDone()
			})
		}
	}
}

// TestApplyLookupFailingAfterALostWrite loses a write's answer while the
// network's lookups fail too: nothing proves the message absent, so it is
// not sent again (the server may ignore the idempotency key). The claim is
// left as it is, and once the lookups answer again and the lease is over,
// the next run finds the message and records it.
func TestApplyLookupFailingAfterALostWrite(t *testing.T) {
	for _, name := range accounts {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			acc := w.nets[name]
			acc.tap.onWrite(func(n int) {
				if n == 1 {
					acc.fake.Inject(networktest.FailAfter)
					acc.tap.setFailReads(true)
				} else {
					acc.tap.setFailReads(false)
				}
			})
			rep := w.apply()
			w.mustHaveNoDuplicates()
			var deferred []apply.Event
			for _, e := range rep.Events {
				if e.Outcome != apply.Published {
					deferred = append(deferred, e)
				}
			}
			if name == sky {
				// Bluesky's record key makes a second create fail, so a
				// retry is safe there and publishes once.
				if len(deferred) != 0 {
					t.Errorf("events %v, want all published", outcomes(rep))
				}
			} else {
				if len(deferred) != 1 || deferred[0].Outcome != apply.Failed || !strings.Contains(deferred[0].Err, "later run") {
					t.Fatalf("events %v; want the lost write left for a later run", outcomes(rep))
				}
				if r := w.record(deferred[0].Address.Post, name); r.Status != state.Claimed {
					t.Errorf("record %s, want still claimed", r.Status)
				}
			}
			acc.tap.onWrite(nil)
			w.clock.Advance(w.lease + time.Second)
			if rep := w.apply(); !rep.OK() {
				t.Errorf("next run: %v", outcomes(rep))
			}
			w.mustBeDone()
		})
	}
}
