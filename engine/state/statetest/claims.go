package statetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

func part(i int, id string, at time.Time) state.Part {
	return state.Part{Index: i, Key: fmt.Sprintf("key-%s-%d", id, i), Ref: network.Ref{ID: id, URL: "https://example.social/@b/" + id}, PublishedAt: at}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testClaimAndPublish(t *testing.T, s state.Store) {
	clock := NewClock(Epoch)
	h1 := state.Holder{Run: "run-1", Lease: 10 * time.Minute, Now: clock.Now}
	h2 := state.Holder{Run: "run-2", Lease: 10 * time.Minute, Now: clock.Now}
	thread, single, edited := addr("posts/fil", "brand-x"), addr("posts/seul", "brand-x"), addr("posts/ancien", "brand-x")

	seed := state.NewChangeset(msg("seed"))
	seed.Put(&state.Record{
		Address: edited, Status: state.Published, Digest: "sha256:old", Key: "old",
		Ref: network.Ref{ID: "1"}, Parts: []state.Part{part(0, "1", Epoch.Add(-time.Hour))}, PublishedAt: Epoch.Add(-time.Hour),
	})
	write(t, s, "", seed)
	snap := read(t, s)

	cs, rep, err := h1.Claim(snap.State, []state.Intent{
		{Address: thread, Op: state.OpPublish, Digest: "sha256:fil", Key: "kfil", Path: "posts/fil.md"},
		{Address: single, Op: state.OpPublish, Digest: "sha256:seul", Key: "kseul", Path: "posts/seul.md"},
		{Address: edited, Op: state.OpUpdate, Digest: "sha256:new", Key: "knew", Path: "posts/ancien.md"},
	})
	must(t, err)
	if len(rep.Claimed) != 3 || len(rep.Held)+len(rep.Stale) != 0 {
		t.Fatalf("claim report %+v, want 3 claimed", rep)
	}
	if cs.Message.Subject != "claim 3 posts for run run-1" || cs.Message.Run != "run-1" {
		t.Errorf("claim message %+v", cs.Message)
	}
	snap.Advance(cs, write(t, s, snap.Version, cs))

	fresh := read(t, s)
	EqualRecords(t, fresh.State.Records, snap.State.Records)
	for _, a := range []state.Address{thread, single, edited} {
		r := fresh.State.Records[a]
		if r.Status != state.Claimed || !r.HeldBy("run-1") || !r.Claim.Expires.Equal(Epoch.Add(10*time.Minute)) || !r.ClaimedAt.Equal(Epoch) {
			t.Errorf("%s after claim: %+v claim %+v", a, r, r.Claim)
		}
	}
	if p := fresh.State.Records[edited].Claim.Prior; p != state.Published {
		t.Errorf("prior of an update claim = %q, want published", p)
	}

	// Another run cannot claim what run-1 holds.
	cs2, rep2, err := h2.Claim(fresh.State, []state.Intent{{Address: thread, Op: state.OpPublish, Key: "other"}})
	must(t, err)
	if cs2 != nil || len(rep2.Held) != 1 || rep2.Held[0].Run != "run-1" {
		t.Errorf("second claim: changeset %v, report %+v; want nothing claimed, held by run-1", cs2, rep2)
	}

	// First batch: two parts of the thread, recorded before one write.
	clock.Advance(time.Second)
	batch := state.NewChangeset(state.Message{Subject: "record 2 parts for run run-1", Run: "run-1"})
	must(t, h1.SetPart(snap.State, batch, thread, part(0, "10", time.Time{})))
	must(t, h1.SetPart(snap.State, batch, thread, part(1, "11", time.Time{})))
	if err := h1.SetPart(snap.State, batch, thread, part(3, "13", time.Time{})); err == nil {
		t.Error("a part out of order was accepted")
	}
	if err := h2.SetPart(snap.State, batch, thread, part(2, "12", time.Time{})); !errors.Is(err, state.ErrNotHolder) {
		t.Errorf("run-2 recording a part: err = %v, want ErrNotHolder", err)
	}
	snap.Advance(batch, write(t, s, snap.Version, batch))
	if got := read(t, s).State.Records[thread]; len(got.Parts) != 2 || got.Status != state.Claimed || got.Ref.ID != "10" {
		t.Errorf("thread after two parts: status %s, %d parts, ref %q", got.Status, len(got.Parts), got.Ref.ID)
	}

	// Second batch: the thread resumes at part 2 and ends; the single post
	// fails; the edit succeeds.
	clock.Advance(time.Second)
	batch = state.NewChangeset(state.Message{Subject: "record results for run run-1", Run: "run-1"})
	must(t, h1.SetPart(snap.State, batch, thread, part(2, "12", time.Time{})))
	must(t, h1.Published(snap.State, batch, thread))
	must(t, h1.Failed(snap.State, batch, single, "x: publish: HTTP 503\n\tretry later"))
	must(t, h1.SetPart(snap.State, batch, edited, part(0, "1b", time.Time{}))) // an edit keeps the part's time
	must(t, h1.Published(snap.State, batch, edited))
	if err := h2.Published(snap.State, batch, thread); !errors.Is(err, state.ErrNotHolder) {
		t.Errorf("run-2 recording a result: err = %v, want ErrNotHolder", err)
	}
	if err := h1.Published(snap.State, batch, thread); !errors.Is(err, state.ErrNotHolder) {
		t.Errorf("recording a result twice: err = %v, want ErrNotHolder", err)
	}
	snap.Advance(batch, write(t, s, snap.Version, batch))

	got := read(t, s).State
	EqualRecords(t, got.Records, snap.State.Records)
	tr := got.Records[thread]
	if tr.Status != state.Published || len(tr.Parts) != 3 || tr.Ref.ID != "10" || tr.Digest != "sha256:fil" || tr.Key != "kfil" ||
		tr.Path != "posts/fil.md" || tr.Claim != nil || !tr.PublishedAt.Equal(Epoch.Add(time.Second)) || tr.Attempts != 1 {
		t.Errorf("thread: %+v", tr)
	}
	if sg := got.Records[single]; sg.Status != state.Failed || sg.LastError != "x: publish: HTTP 503 retry later" || sg.Claim != nil {
		t.Errorf("single: status %s, last error %q", sg.Status, sg.LastError)
	}
	if ed := got.Records[edited]; ed.Status != state.Published || ed.Digest != "sha256:new" || ed.Ref.ID != "1b" || !ed.PublishedAt.Equal(Epoch.Add(-time.Hour)) {
		t.Errorf("edited: status %s digest %s published %v", ed.Status, ed.Digest, ed.PublishedAt)
	}

	// Metrics go on published records, replacing a snapshot of the same label.
	mc := state.NewChangeset(msg("record metrics"))
	must(t, state.AddMetrics(snap.State, mc, thread, state.MetricsSnapshot{At: Epoch.Add(24 * time.Hour), Label: "24h", Metrics: network.Metrics{Likes: ptr(3)}}))
	must(t, state.AddMetrics(snap.State, mc, thread, state.MetricsSnapshot{At: Epoch.Add(25 * time.Hour), Label: "24h", Metrics: network.Metrics{Likes: ptr(5)}}))
	if err := state.AddMetrics(snap.State, mc, single, state.MetricsSnapshot{At: Epoch}); err == nil {
		t.Error("metrics on a failed post were accepted")
	}
	snap.Advance(mc, write(t, s, snap.Version, mc))
	if m := read(t, s).State.Records[thread].Metrics; len(m) != 1 || *m[0].Metrics.Likes != 5 {
		t.Errorf("metrics %+v, want one 24h snapshot with 5 likes", m)
	}

	// Delete the edited post; release a claim on a new post; release an edit claim.
	fresh2 := state.Address{Post: "posts/brouillon", Account: "brand-x"}
	cs, _, err = h1.Claim(snap.State, []state.Intent{
		{Address: edited, Op: state.OpDelete},
		{Address: fresh2, Op: state.OpPublish, Key: "kb"},
	})
	must(t, err)
	snap.Advance(cs, write(t, s, snap.Version, cs))
	batch = state.NewChangeset(msg("delete and release"))
	if err := h1.Published(snap.State, batch, edited); err == nil {
		t.Error("a delete claim ended with Published")
	}
	must(t, h1.Deleted(snap.State, batch, edited))
	must(t, h1.Release(snap.State, batch, fresh2))
	snap.Advance(batch, write(t, s, snap.Version, batch))
	got = read(t, s).State
	if r := got.Records[edited]; r.Status != state.Deleted || r.Claim != nil {
		t.Errorf("deleted post: %+v", r)
	}
	if _, ok := got.Records[fresh2]; ok {
		t.Error("a released claim on a new post left a record")
	}
	cs, _, err = h1.Claim(snap.State, []state.Intent{{Address: thread, Op: state.OpUpdate, Key: "k2", Digest: "sha256:fil2"}})
	must(t, err)
	snap.Advance(cs, write(t, s, snap.Version, cs))
	batch = state.NewChangeset(msg("release"))
	must(t, h1.Release(snap.State, batch, thread))
	write(t, s, snap.Version, batch)
	if r := read(t, s).State.Records[thread]; r.Status != state.Published || r.Digest != "sha256:fil" || r.Attempts != 2 {
		t.Errorf("released update: status %s digest %s attempts %d", r.Status, r.Digest, r.Attempts)
	}
}

func testLeaseExpiry(t *testing.T, s state.Store) {
	clock := NewClock(Epoch)
	h1 := state.Holder{Run: "run-1", Lease: 10 * time.Minute, Now: clock.Now}
	h2 := state.Holder{Run: "run-2", Lease: 10 * time.Minute, Now: clock.Now}
	a, b := addr("posts/a", "acc"), addr("posts/b", "acc")

	st := state.New()
	cs, _, err := h1.Claim(st, []state.Intent{
		{Address: a, Op: state.OpPublish, Key: "ka", Digest: "da"},
		{Address: b, Op: state.OpPublish, Key: "kb", Digest: "db"},
	})
	must(t, err)
	old := read(t, s)
	old.Advance(cs, write(t, s, "", cs))

	clock.Advance(5 * time.Minute)
	if exp := state.Expired(read(t, s).State, clock.Now()); len(exp) != 0 {
		t.Errorf("expired before the lease ended: %d", len(exp))
	}
	clock.Advance(5 * time.Minute) // exactly at the end of the lease
	snap := read(t, s)
	exp := state.Expired(snap.State, clock.Now())
	if len(exp) != 2 || exp[0].Address != a || exp[1].Address != b {
		t.Fatalf("expired = %d records, want a and b", len(exp))
	}
	_, rep, err := h2.Claim(snap.State, []state.Intent{{Address: a, Op: state.OpPublish, Key: "k-new"}})
	must(t, err)
	if len(rep.Stale) != 1 || rep.Stale[0].Run != "run-1" || len(rep.Claimed) != 0 {
		t.Errorf("claiming an expired claim: %+v, want it reported stale", rep)
	}
	cs, rep, err = h2.TakeOver(snap.State, []state.Address{a})
	must(t, err)
	if len(rep.Claimed) != 1 || !strings.HasPrefix(cs.Message.Subject, "take over 1 expired claim") {
		t.Errorf("take over: report %+v, subject %q", rep, cs.Message.Subject)
	}
	write(t, s, snap.Version, cs)
	if _, _, err := h2.TakeOver(snap.State, []state.Address{addr("posts/none", "acc")}); err == nil {
		t.Error("taking over an unclaimed address was accepted")
	}

	// run-1 comes back late with its results, based on what it read before.
	batch := state.NewChangeset(state.Message{Subject: "record results", Run: "run-1"})
	for _, x := range []state.Address{a, b} {
		must(t, h1.SetPart(old.State, batch, x, part(0, x.Post, time.Time{})))
		must(t, h1.Published(old.State, batch, x))
	}
	if _, err := s.Write(context.Background(), old.Version, batch); !errors.Is(err, state.ErrConflict) {
		t.Fatalf("late write on a stale version: %v, want ErrConflict", err)
	}
	now := read(t, s)
	rebased, lost := h1.Rebase(batch, now.State)
	if len(lost) != 1 || lost[0] != a {
		t.Errorf("rebase lost %v, want [%s]", lost, a)
	}
	write(t, s, now.Version, rebased)

	got := read(t, s).State
	ra, rb := got.Records[a], got.Records[b]
	if ra.Status != state.Claimed || !ra.HeldBy("run-2") || ra.Claim.Key != "ka" || ra.Claim.Digest != "da" || ra.Attempts != 2 ||
		!ra.Claim.Expires.Equal(clock.Now().Add(10*time.Minute)) {
		t.Errorf("taken over: %+v claim %+v; want held by run-2 with run-1's key", ra, ra.Claim)
	}
	if rb.Status != state.Published || rb.Key != "kb" {
		t.Errorf("late result of a claim nobody took: %+v", rb)
	}
	if _, err := h1.Renew(got, []state.Address{a}); !errors.Is(err, state.ErrNotHolder) {
		t.Errorf("renewing a lost claim: %v, want ErrNotHolder", err)
	}
	clock.Advance(time.Minute)
	cs, err = h2.Renew(got, []state.Address{a})
	must(t, err)
	write(t, s, read(t, s).Version, cs)
	if r := read(t, s).State.Records[a]; !r.Claim.Expires.Equal(clock.Now().Add(10 * time.Minute)) {
		t.Errorf("renewed lease ends %v", r.Claim.Expires)
	}
}

func testConcurrentWriters(t *testing.T, s state.Store) {
	const writers, each = 4, 6
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	var mu sync.Mutex
	conflicts := 0
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				for {
					snap, err := s.Read(ctx)
					if err != nil {
						errs <- err
						return
					}
					cs := state.NewChangeset(msg(fmt.Sprintf("writer %d, record %d", w, i)))
					cs.Put(&state.Record{Address: addr(fmt.Sprintf("posts/%d/%d", w, i), "acc"), Status: state.Published})
					_, err = s.Write(ctx, snap.Version, cs)
					if errors.Is(err, state.ErrConflict) {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	snap := read(t, s)
	if len(snap.State.Records) != writers*each || snap.State.Serial != writers*each {
		t.Errorf("%d records at serial %d, want %d of each", len(snap.State.Records), snap.State.Serial, writers*each)
	}
	t.Logf("%d conflicts retried", conflicts)
}
