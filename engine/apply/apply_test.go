package apply_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

func TestApplyPublishesEveryPartOnce(t *testing.T) {
	w := newWorld(t, worldOptions{})
	rep := w.apply()
	w.mustBeDone()
	if !rep.OK() || rep.Count(apply.Published) != 8 {
		t.Errorf("report: %s %v; want 8 published", rep.Summary(), outcomes(rep))
	}
	if got, want := rep.Summary(), "Apply: 8 published, 0 updated, 0 deleted, 0 failed."; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	// One claim commit, then results in batches of three and at the end.
	log := w.mem.Log()
	if len(log) < 2 || !strings.HasPrefix(log[0], "clairon: claim 8 posts") {
		t.Fatalf("commits: %q; want the claim first", log)
	}
	if rep.Commits != len(log) {
		t.Errorf("report counts %d commits, the store has %d", rep.Commits, len(log))
	}
	// The keys sent are the plan's: the address and digest decide them.
	p := w.plan()
	for _, ch := range p.Changes {
		if ch.Action != plan.NoOp {
			t.Errorf("%s: %s after apply, want nothing to do", ch.Address, ch.Action)
		}
	}
	rec := w.record("fil", masto)
	for i, part := range rec.Parts {
		if part.Key != plan.PartKey(rec.Key, i) {
			t.Errorf("fil@masto part %d key %s, want %s", i+1, part.Key, plan.PartKey(rec.Key, i))
		}
	}
	for _, m := range w.messages(masto) {
		if m.post == "fil" && m.Key != plan.PartKey(rec.Key, m.part) {
			t.Errorf("Idempotency-Key of fil part %d: %q, want %q", m.part+1, m.Key, plan.PartKey(rec.Key, m.part))
		}
	}
	// A second run has nothing to do and sends nothing.
	before := w.count(masto) + w.count(nokeys) + w.count(sky)
	if rep := w.apply(); len(rep.Events) != 0 {
		t.Errorf("second run: %v, want nothing", outcomes(rep))
	}
	if after := w.count(masto) + w.count(nokeys) + w.count(sky); after != before {
		t.Errorf("second run sent %d messages", after-before)
	}
}

func TestApplyLeavesScheduledPosts(t *testing.T) {
	posts := map[string]string{
		"posts/now.md":   "---\nid: now\nto: [masto]\n---\n\nTout de suite. {now/1}\n",
		"posts/later.md": "---\nid: later\nto: [masto]\nat: 2026-03-09 10:00\n---\n\nLa semaine prochaine. {later/1}\n",
	}
	w := newWorld(t, worldOptions{posts: posts})
	rep := w.apply()
	if rep.Count(apply.Published) != 1 || w.count(masto) != 1 || w.record("later", masto) != nil {
		t.Fatalf("report %v, %d messages; want only the due post", outcomes(rep), w.count(masto))
	}
	w.clock.Advance(8 * 24 * time.Hour)
	w.apply()
	w.mustBeDone()
}

func TestApplyRefusesAStaleSavedPlan(t *testing.T) {
	w := newWorld(t, worldOptions{})
	saved := w.plan()
	// Another run publishes one account meanwhile.
	other := w.engine()
	p := w.plan()
	var only []*plan.Change
	for _, ch := range p.Changes {
		if ch.Address.Account == sky {
			only = append(only, ch)
		}
	}
	p.Changes = only
	if _, err := other.Apply(context.Background(), apply.Input{Plan: p}); err != nil {
		t.Fatal(err)
	}
	sent := w.count(masto) + w.count(nokeys)
	_, err := w.engine().Apply(context.Background(), apply.Input{Plan: saved, Saved: true})
	if !errors.Is(err, apply.ErrStale) {
		t.Fatalf("applying a stale saved plan: %v, want ErrStale", err)
	}
	if w.count(masto)+w.count(nokeys) != sent {
		t.Error("a stale saved plan published")
	}
	// A saved plan of the current state is applied.
	saved = w.plan()
	if _, err := w.engine().Apply(context.Background(), apply.Input{Plan: saved, Saved: true}); err != nil {
		t.Fatalf("fresh saved plan: %v", err)
	}
	w.mustBeDone()
}

// racingStore lets another writer write just before the first write of a
// run, so that the run's claim meets a conflict.
type racingStore struct {
	state.Store
	race func()
}

func (s *racingStore) Write(ctx context.Context, base state.Version, cs *state.Changeset) (state.Head, error) {
	if f := s.race; f != nil {
		s.race = nil
		f()
	}
	return s.Store.Write(ctx, base, cs)
}

func TestApplyReplansWhenAnotherRunClaimsFirst(t *testing.T) {
	w := newWorld(t, worldOptions{})
	taken := state.Address{Post: "fil", Account: sky}
	rs := &racingStore{Store: w.mem}
	w.store = rs
	rs.race = func() {
		// Another run claims fil@sky first, and is still working on it.
		other := state.Holder{Run: "other", Lease: w.lease, Now: w.clock.Now}
		snap, _ := w.mem.Read(context.Background())
		ch := w.plan().ChangeFor(taken)
		cs, _, err := other.Claim(snap.State, []state.Intent{{Address: taken, Op: state.OpPublish, Digest: ch.Digest, Key: ch.Key, Path: ch.Path}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.mem.Write(context.Background(), snap.Version, cs); err != nil {
			t.Fatal(err)
		}
	}
	in := w.input()
	replans := 0
	replan := in.Replan
	in.Replan = func(ctx context.Context, snap *state.Snapshot) (*plan.Plan, error) {
		replans++
		return replan(ctx, snap)
	}
	rep, err := w.engine().Apply(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if replans != 1 {
		t.Errorf("%d replans, want 1", replans)
	}
	if rep.Count(apply.Published) != 7 {
		t.Errorf("report %v, want the 7 changes the other run does not hold", outcomes(rep))
	}
	for _, m := range w.messages(sky) {
		if m.post == "fil" {
			t.Errorf("published %s part %d, which another run holds", m.post, m.part+1)
		}
	}
	if r := w.record("fil", sky); r == nil || !r.HeldBy("other") {
		t.Errorf("fil@sky: %+v, want still held by the other run", r)
	}
	w.mustHaveNoDuplicates()
}

func TestApplySavedPlanMeetingAConflictIsStale(t *testing.T) {
	w := newWorld(t, worldOptions{})
	rs := &racingStore{Store: w.mem}
	w.store = rs
	saved := w.plan()
	rs.race = func() {
		cs := state.NewChangeset(state.Message{Subject: "reports"})
		cs.PutFile("reports/2026-03.md", []byte("# Mars\n"))
		snap, _ := w.mem.Read(context.Background())
		if _, err := w.mem.Write(context.Background(), snap.Version, cs); err != nil {
			t.Fatal(err)
		}
	}
	_, err := w.engine().Apply(context.Background(), apply.Input{Plan: saved, Saved: true})
	if !errors.Is(err, apply.ErrStale) {
		t.Fatalf("saved plan meeting a conflict: %v, want ErrStale", err)
	}
	if n := w.count(masto) + w.count(nokeys) + w.count(sky); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

func TestApplyKeepsGoingWhenANetworkIsDown(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.nets[nokeys].fake.Close()
	rep := w.apply()
	if rep.OK() {
		t.Fatal("report OK with a network down")
	}
	for _, ev := range rep.Events {
		switch {
		case ev.Address.Account == nokeys && ev.Outcome != apply.Failed:
			t.Errorf("%s: %s, want failed", ev.Address, ev.Outcome)
		case ev.Address.Account == nokeys && !strings.Contains(ev.Err, "not attempted") && !strings.Contains(ev.Err, "unreachable"):
			t.Errorf("%s: %q, want the account's outage explained", ev.Address, ev.Err)
		case ev.Address.Account != nokeys && ev.Outcome != apply.Published:
			t.Errorf("%s: %s (%s), want published", ev.Address, ev.Outcome, ev.Err)
		}
	}
	if got, want := rep.Summary(), "Apply: 6 published, 0 updated, 0 deleted, 2 failed."; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	// Nothing reached the network that is down: its claims were given
	// back, so the next plan simply publishes them, with no attempt spent.
	for _, post := range []string{"solo", "fil"} {
		if r := w.record(post, nokeys); r != nil {
			t.Errorf("%s@nokeys: %+v, want the claim released", post, r)
		}
	}
	p := w.plan()
	if c := p.Count(); c.Create != 2 {
		t.Errorf("next plan: %s, want the 2 posts of the account that was down", p.Summary())
	}
}

func TestApplyStopsAnAccountWhoseCredentialsAreRefused(t *testing.T) {
	for _, name := range accounts {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			w.nets[name].fake.Inject(networktest.Unauthorized)
			rep := w.apply()
			var failed, released int
			for _, ev := range rep.Events {
				if ev.Address.Account != name {
					if ev.Outcome != apply.Published {
						t.Errorf("%s: %s, want published: another account's credentials are no concern of it", ev.Address, ev.Outcome)
					}
					continue
				}
				switch {
				case ev.Outcome == apply.Failed && strings.HasPrefix(ev.Err, "not attempted: "+name+": credentials refused"):
					released++
				case ev.Outcome == apply.Failed:
					failed++
				default:
					t.Errorf("%s: %s, want failed", ev.Address, ev.Outcome)
				}
			}
			if failed != 1 || released < 1 {
				t.Fatalf("events %v; want the first change failed and the others released", outcomes(rep))
			}
			if n := w.count(name); n != 0 {
				t.Errorf("%d messages published with refused credentials", n)
			}
			// The change that met the refusal says why; the others are free.
			var failedRec, free int
			for a := range w.expected() {
				if a.Account != name {
					continue
				}
				r := w.record(a.Post, name)
				switch {
				case r != nil && r.Status == state.Failed && strings.Contains(r.LastError, "401"):
					failedRec++
				case r == nil:
					free++
				}
			}
			if failedRec != 1 || failedRec+free != failed+released {
				t.Errorf("records: %d failed, %d released; want 1 failed", failedRec, free)
			}
			// Credentials fixed (the fault was one-off): the next run finishes.
			rep = w.apply()
			if !rep.OK() {
				t.Errorf("second run: %s %v", rep.Summary(), outcomes(rep))
			}
			w.mustBeDone()
		})
	}
}

func TestApplyWithoutDueChangesWritesNothing(t *testing.T) {
	w := newWorld(t, worldOptions{posts: map[string]string{
		"posts/draft.md": "---\nid: draft\nto: [masto]\nstatus: draft\n---\n\nBrouillon. {draft/1}\n",
	}})
	rep := w.apply()
	if len(rep.Events) != 0 || len(w.mem.Log()) != 0 || w.count(masto) != 0 {
		t.Errorf("events %v, %d commits; want nothing", outcomes(rep), len(w.mem.Log()))
	}
}

// TestApplyGivesBackTheClaimsOfAPausedAccount: a 429 asks an account to
// wait two hours, longer than a run waits. The account's claims are given
// back untouched (no attempt is spent on a pause), its other changes are
// not tried, the other accounts publish, and a later run finishes.
func TestApplyGivesBackTheClaimsOfAPausedAccount(t *testing.T) {
	w := newWorld(t, worldOptions{retryAfter: 2 * time.Hour})
	w.nets[masto].fake.Inject(networktest.RateLimit)
	rep := w.apply()
	for _, e := range rep.Events {
		switch {
		case e.Address.Account == masto && (e.Outcome != apply.Failed || !strings.Contains(e.Err, "not attempted: masto: paused by the rate limit")):
			t.Errorf("%s: %s (%s), want not attempted", e.Address, e.Outcome, e.Err)
		case e.Address.Account != masto && e.Outcome != apply.Published:
			t.Errorf("%s: %s (%s), want published", e.Address, e.Outcome, e.Err)
		}
	}
	if n := w.count(masto); n != 0 {
		t.Errorf("%d messages on the paused account", n)
	}
	for a := range w.expected() {
		if a.Account == masto && w.record(a.Post, masto) != nil {
			t.Errorf("%s: still recorded, want its claim given back", a)
		}
	}
	w.clock.Advance(2 * time.Hour)
	w.apply()
	w.mustBeDone()
	for a := range w.expected() {
		if r := w.record(a.Post, a.Account); a.Account == masto && r.Attempts != 1 {
			t.Errorf("%s: %d attempts, want 1", a, r.Attempts)
		}
	}
}

// TestApplyMovesARenamedPost: a published post whose id changes (its file
// was renamed) keeps its record under the new id; nothing is published
// again.
func TestApplyMovesARenamedPost(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.apply()
	before := w.count(masto) + w.count(nokeys) + w.count(sky)
	posts := map[string]string{}
	for k, v := range worldPosts {
		posts[k] = v
	}
	delete(posts, "posts/solo.md")
	posts["posts/colombie.md"] = strings.Replace(worldPosts["posts/solo.md"], "id: solo", "id: colombie", 1)
	w.load(posts)
	rep := w.apply()
	if rep.Count(apply.Moved) != 3 {
		t.Errorf("report %v, want the 3 records moved", outcomes(rep))
	}
	if after := w.count(masto) + w.count(nokeys) + w.count(sky); after != before {
		t.Errorf("%d messages published for a renamed post", after-before)
	}
	for _, acc := range accounts {
		if r := w.record("colombie", acc); r == nil || r.Status != state.Published {
			t.Errorf("colombie@%s: %+v, want the moved record", acc, r)
		}
		if r := w.record("solo", acc); r != nil {
			t.Errorf("solo@%s still recorded", acc)
		}
	}
}
