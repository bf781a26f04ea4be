package apply_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/apply"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

// stopped is a run that claimed, published some parts through the network
// and recorded some of them, then stopped without a word: what a run killed
// at that moment leaves behind.
type stopped struct {
	w    *world
	h    state.Holder
	plan *plan.Plan
	refs map[state.Address][]network.Ref
}

// stoppedRun claims every due change as apply does (fresh claims, and
// take-overs of expired claims), and writes the claim.
func (w *world) stoppedRun(run string) *stopped {
	w.t.Helper()
	s := &stopped{w: w, h: state.Holder{Run: run, Lease: w.lease, Now: w.clock.Now}, plan: w.plan(), refs: map[state.Address][]network.Ref{}}
	snap, err := w.store.Read(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	var intents []state.Intent
	var expired []state.Address
	for _, ch := range s.plan.Due() {
		op := map[plan.Action]state.Op{plan.Create: state.OpPublish, plan.Update: state.OpUpdate, plan.Replace: state.OpReplace}[ch.Action]
		switch {
		case ch.Action == plan.Reconcile:
			expired = append(expired, ch.Address)
		case op != "":
			intents = append(intents, state.Intent{Address: ch.Address, Op: op, Digest: ch.Digest, Key: ch.Key, Path: ch.Path})
		}
	}
	cs, _, err := s.h.Claim(snap.State, intents)
	if err != nil {
		w.t.Fatal(err)
	}
	if len(expired) > 0 {
		tcs, _, err := s.h.TakeOver(snap.State, expired)
		if err != nil {
			w.t.Fatal(err)
		}
		if cs == nil {
			cs = tcs
		} else {
			for _, r := range tcs.Records() {
				cs.Put(r)
			}
		}
	}
	if _, err := w.store.Write(context.Background(), snap.Version, cs); err != nil {
		w.t.Fatal(err)
	}
	return s
}

// message builds part i of ch the way apply does.
func (s *stopped) message(ch *plan.Change, i int, prev []network.Ref) *network.Post {
	part := ch.Output.Parts[i]
	p := &network.Post{Key: plan.PartKey(ch.Key, i), Text: part.Text, Markdown: part.Markdown, Entities: part.Entities,
		Language: ch.Output.Language, ContentWarning: ch.Output.ContentWarning, CreatedAt: s.w.clock.Now().UTC(),
		Address: fmt.Sprintf("%s#%d", ch.Address, i+1)}
	switch {
	case i > 0 && part.FirstComment:
		p.ReplyTo, p.Root = &prev[0], &prev[0]
	case i > 0:
		p.ReplyTo, p.Root = &prev[i-1], &prev[0]
	}
	return p
}

// send publishes the parts of post@account up to n (exclusive), after the
// recorded ones, straight to the network.
func (s *stopped) send(post, acc string, n int) {
	s.w.t.Helper()
	a := state.Address{Post: post, Account: acc}
	ch := s.plan.ChangeFor(a)
	ad, err := s.w.raw(acc)
	if err != nil {
		s.w.t.Fatal(err)
	}
	if rec := s.w.record(post, acc); rec != nil && len(s.refs[a]) < len(rec.Parts) {
		for _, p := range rec.Parts[len(s.refs[a]):] {
			s.refs[a] = append(s.refs[a], p.Ref)
		}
	}
	for i := len(s.refs[a]); i < n; i++ {
		ref, err := ad.Publish(context.Background(), s.message(ch, i, s.refs[a]))
		if err != nil {
			s.w.t.Fatalf("%s part %d: %v", a, i+1, err)
		}
		s.refs[a] = append(s.refs[a], ref)
	}
}

// record records the first n parts sent of post@account.
func (s *stopped) record(post, acc string, n int) {
	s.w.t.Helper()
	a := state.Address{Post: post, Account: acc}
	snap, err := s.w.store.Read(context.Background())
	if err != nil {
		s.w.t.Fatal(err)
	}
	cs := state.NewChangeset(state.Message{Subject: "record parts", Run: s.h.Run})
	ch := s.plan.ChangeFor(a)
	if n == 0 {
		return
	}
	for i := range n {
		if err := s.h.SetPart(snap.State, cs, a, state.Part{Index: i, Key: plan.PartKey(ch.Key, i), Ref: s.refs[a][i]}); err != nil {
			s.w.t.Fatal(err)
		}
	}
	if _, err := s.w.store.Write(context.Background(), snap.Version, cs); err != nil {
		s.w.t.Fatal(err)
	}
}

// writes sums the writes that took effect on every fake.
func (w *world) writes() int {
	n := 0
	for _, acc := range w.nets {
		n += acc.fake.Writes()
	}
	return n
}

// TestApplyReconcilesExpiredClaims stops a run at every point of a thread
// (nothing sent; parts sent and not recorded, as a run killed before its
// batch was written leaves them; parts recorded and more sent), lets its
// lease expire, and applies again: what was sent is found and recorded,
// the rest is published, nothing twice, on every network — also two hours
// later, when Mastodon no longer remembers the idempotency keys, and after
// a second run that took the claim over stopped too.
func TestApplyReconcilesExpiredClaims(t *testing.T) {
	tests := []struct {
		name           string
		sent, recorded int
		// second: another run takes the expired claim over and stops
		// without doing anything.
		second bool
		wait   time.Duration
	}{
		{name: "nothing sent", sent: 0, recorded: 0},
		{name: "first part sent", sent: 1, recorded: 0},
		{name: "two parts sent, none recorded", sent: 2, recorded: 0},
		{name: "every part sent, none recorded", sent: 3, recorded: 0},
		{name: "every part recorded, not the publication", sent: 3, recorded: 3},
		{name: "one part recorded, two sent", sent: 2, recorded: 1},
		{name: "two hours later", sent: 2, recorded: 0, wait: 2 * time.Hour},
		{name: "two hours later, taken over in between", sent: 1, recorded: 0, second: true, wait: 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			dead := w.stoppedRun("dead")
			for _, acc := range accounts {
				for _, post := range []string{"fil", "note"} {
					if post == "note" && acc == nokeys {
						continue
					}
					dead.send(post, acc, tt.sent)
					dead.record(post, acc, tt.recorded)
				}
			}
			before := w.writes()
			w.clock.Advance(w.lease + time.Second)
			if tt.second {
				p := w.plan()
				if ch := p.ChangeFor(state.Address{Post: "fil", Account: masto}); ch.Action != plan.Reconcile {
					t.Fatalf("plan after the lease: %s, want reconcile", ch.Action)
				}
				w.stoppedRun("second")
				w.clock.Advance(w.lease + time.Second)
			}
			w.clock.Advance(tt.wait)
			rep := w.apply()
			if !rep.OK() {
				t.Errorf("report: %s %v", rep.Summary(), outcomes(rep))
			}
			w.mustBeDone()
			// Only the parts the stopped run had not sent were sent now:
			// 18 messages in all, every write counted.
			if got := w.writes(); got != 18 {
				t.Errorf("%d writes took effect (%d by the stopped run), want 18", got, before)
			}
			for _, e := range rep.Events {
				if e.Address.Post != "solo" && e.Action != plan.Reconcile {
					t.Errorf("%s: %s, want reconcile", e.Address, e.Action)
				}
			}
		})
	}
}

// TestApplyReconcileWhileLookupsFail stops a run after it sent a part, and
// makes every lookup fail: nobody can tell yet whether the part exists, so
// nothing is sent and the claim stays as it is. Once the lookups answer
// again, a later run finds the part and finishes the thread.
func TestApplyReconcileWhileLookupsFail(t *testing.T) {
	for _, name := range accounts {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			dead := w.stoppedRun("dead")
			dead.send("fil", name, 1)
			w.clock.Advance(w.lease + time.Second)
			w.nets[name].tap.setFailReads(true)
			before := w.count(name)
			rep := w.apply()
			a := state.Address{Post: "fil", Account: name}
			var got apply.Event
			for _, e := range rep.Events {
				if e.Address == a {
					got = e
				}
			}
			if got.Outcome != apply.Failed || !strings.Contains(got.Err, "later run") || rep.OK() {
				t.Fatalf("%s: %s (%s), want failed and left for a later run", a, got.Outcome, got.Err)
			}
			if n := w.count(name) - before; n != 0 {
				t.Errorf("%d messages sent for a post nobody could account for", n)
			}
			if r := w.record("fil", name); r.Status != state.Claimed || r.Claim.Key != dead.plan.ChangeFor(a).Key {
				t.Errorf("record %+v, want still claimed with the stopped run's key", r)
			}
			w.nets[name].tap.setFailReads(false)
			w.clock.Advance(w.lease + time.Second)
			if rep := w.apply(); !rep.OK() {
				t.Errorf("once lookups answer: %v", outcomes(rep))
			}
			w.mustBeDone()
		})
	}
}

// TestApplyReconcileThatCannotTell: a run stopped after sending a part,
// and the network cannot say whether the part exists (Mastodon's lookup
// reads at most 400 of the account's latest statuses, and 400 were posted
// since). Nothing is sent; the record is unconfirmed, with the key to
// resolve it by, and every plan shows it until a person resolves it.
func TestApplyReconcileThatCannotTell(t *testing.T) {
	w := newWorld(t, worldOptions{})
	dead := w.stoppedRun("dead")
	dead.send("fil", masto, 1)
	a := state.Address{Post: "fil", Account: masto}
	hand, err := w.raw(masto)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 400 {
		if _, err := hand.Publish(context.Background(), &network.Post{Key: fmt.Sprintf("%032x", i+1), Text: fmt.Sprintf("Message posted by hand, number %d.", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	w.clock.Advance(w.lease + time.Second)
	before := w.count(masto)
	rep := w.apply()
	var got apply.Event
	for _, e := range rep.Events {
		if e.Address == a {
			got = e
		}
	}
	if got.Outcome != apply.Unconfirmed || rep.OK() {
		t.Fatalf("%s: %s (%s), want unconfirmed", a, got.Outcome, got.Err)
	}
	if n := w.count(masto) - before; n != 0 {
		t.Errorf("%d messages sent for a post nobody could account for", n)
	}
	if r := w.record("fil", masto); r.Status != state.Unconfirmed || r.Key != dead.plan.ChangeFor(a).Key || r.LastError == "" {
		t.Errorf("record %+v, want unconfirmed with the key to resolve it by", r)
	}
	for range 2 {
		if ch := w.plan().ChangeFor(a); ch.Action != plan.Unconfirmed {
			t.Errorf("plan: %s, want unconfirmed until resolved", ch.Action)
		}
		w.apply()
	}
	if n := w.count(masto) - before; n != 0 {
		t.Errorf("%d messages sent while unconfirmed", n)
	}
}

// TestApplyKeepsTakenOverClaimsOfABrokenAccount: an account whose adapter
// cannot be built has its claims given back untouched, except the claims
// taken over from a run that stopped: that run may have published, so the
// claim must be reconciled, never planned afresh (which would publish again
// on a server that ignores idempotency keys).
func TestApplyKeepsTakenOverClaimsOfABrokenAccount(t *testing.T) {
	w := newWorld(t, worldOptions{})
	dead := w.stoppedRun("dead")
	dead.send("fil", nokeys, 2)
	w.clock.Advance(w.lease + time.Second)
	w.refuse = map[string]error{nokeys: errors.New("environment variable NOKEYS_TOKEN is not set")}
	rep := w.apply()
	for _, e := range rep.Events {
		if e.Address.Account == nokeys && (e.Outcome != apply.Failed || !strings.Contains(e.Err, "not attempted")) {
			t.Errorf("%s: %s (%s), want not attempted", e.Address, e.Outcome, e.Err)
		}
	}
	if r := w.record("fil", nokeys); r == nil || r.Status != state.Claimed || r.Claim.Key != dead.plan.ChangeFor(state.Address{Post: "fil", Account: nokeys}).Key {
		t.Fatalf("fil@nokeys: %+v, want the stopped run's claim kept", r)
	}
	w.refuse = nil
	w.clock.Advance(w.lease + time.Second)
	w.apply()
	w.mustBeDone()
}

// TestApplyReconcileOfChangedContent: the post was edited after a run
// claimed it and stopped; what that run sent cannot be told from the new
// content, so the record is unconfirmed and nothing is sent.
func TestApplyReconcileOfChangedContent(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.stoppedRun("dead")
	w.clock.Advance(w.lease + time.Second)
	posts := map[string]string{}
	for k, v := range worldPosts {
		posts[k] = v
	}
	posts["posts/solo.md"] = strings.Replace(worldPosts["posts/solo.md"], "panela", "cacao", 1)
	w.load(posts)
	rep := w.apply()
	for _, e := range rep.Events {
		want := apply.Published
		if e.Address.Post == "solo" {
			want = apply.Unconfirmed
		}
		if e.Outcome != want {
			t.Errorf("%s: %s (%s), want %s", e.Address, e.Outcome, e.Err, want)
		}
	}
	for _, acc := range accounts {
		for _, m := range w.messages(acc) {
			if m.post == "solo" {
				t.Errorf("%s: solo published although its outcome was unknown", acc)
			}
		}
	}
}

// TestApplyLateRunLosesItsClaimsToATakeOver: a run stalls for longer than
// its lease (between two posts, or with a request about to leave), and
// another run takes its claims over and finishes them. The late run sends
// nothing more for those addresses once it sees its lease ran out, drops
// its results on them when it finds they were taken over, and reports them
// skipped; nothing is published twice and the other run's records stand.
//
// A request already on its way when the stall begins is sent anyway: only
// the network's idempotency key (Mastodon) or record key (Bluesky) keeps
// it from duplicating the other run's message, so the server that ignores
// keys is stalled between posts only.
func TestApplyLateRunLosesItsClaimsToATakeOver(t *testing.T) {
	for _, tc := range []struct {
		account  string
		inFlight bool
	}{{masto, false}, {nokeys, false}, {sky, false}, {masto, true}, {sky, true}} {
		name := tc.account
		where := "between posts"
		if tc.inFlight {
			where = "request on its way"
		}
		t.Run(name+"/"+where, func(t *testing.T) {
			w := newWorld(t, worldOptions{posts: map[string]string{
				"posts/solo.md": strings.Replace(worldPosts["posts/solo.md"], "[masto, nokeys, sky]", "["+name+"]", 1),
				"posts/fil.md":  strings.Replace(worldPosts["posts/fil.md"], "[masto, nokeys, sky]", "["+name+"]", 1),
			}})
			late := w.engine()
			var other *apply.Report
			stall := func() {
				w.clock.Advance(w.lease + time.Minute)
				var err error
				other, err = w.engine().Apply(context.Background(), w.input())
				if err != nil {
					t.Errorf("other run: %v", err)
				}
			}
			acc := w.nets[name]
			if tc.inFlight {
				acc.tap.onWrite(func(n int) {
					if n == 2 {
						acc.tap.onWrite(nil)
						stall()
					}
				})
			} else {
				late.Events = func(apply.Event) {
					if other == nil {
						stall()
					}
				}
			}
			rep, err := late.Apply(context.Background(), w.input())
			if err != nil {
				t.Fatal(err)
			}
			if other == nil || !other.OK() {
				t.Fatalf("the other run did not finish: %v", other)
			}
			var skipped int
			for _, e := range rep.Events {
				switch e.Outcome {
				case apply.Skipped:
					skipped++
				case apply.Failed, apply.Unconfirmed:
					t.Errorf("late run: %s %s (%s)", e.Address, e.Outcome, e.Err)
				}
			}
			if skipped == 0 {
				t.Errorf("late run: %v, want the addresses taken over skipped", outcomes(rep))
			}
			w.mustBeDone()
			for _, e := range other.Events {
				if r := w.record(e.Address.Post, e.Address.Account); r.Status != state.Published {
					t.Errorf("%s: %s after both runs", e.Address, r.Status)
				}
			}
		})
	}
}

// TestApplyRenewsItsLeases drives the lease renewal with a ticker the test
// controls: once renewed, the claims outlive their first lease, and
// another run planning then leaves them alone.
func TestApplyRenewsItsLeases(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ticks := make(chan time.Time)
	var period time.Duration
	w.ticker = func(d time.Duration) (<-chan time.Time, func()) { period = d; return ticks, func() {} }
	acc := w.nets[masto]
	var during *plan.Plan
	var renewed *state.Record
	acc.tap.onWrite(func(n int) {
		if n != 2 {
			return
		}
		// Time passes a renewal period at a time, as it does for a run
		// that renews: the other accounts, publishing meanwhile, always
		// keep more than the third of the lease their guard asks for.
		for range 2 {
			w.clock.Advance(w.lease / 3)
			// The second send returns once the renewal is done.
			ticks <- w.clock.Now()
			ticks <- w.clock.Now()
		}
		renewed = w.record("note", masto)
		w.clock.Advance(w.lease/3 + 2*time.Minute) // past the first lease
		during = w.plan()
	})
	rep := w.apply()
	if !rep.OK() {
		t.Fatalf("report %v", outcomes(rep))
	}
	if period != w.lease/3 {
		t.Errorf("renewal period %s, want a third of the lease (%s)", period, w.lease/3)
	}
	if renewed == nil || renewed.Claim == nil || !renewed.Claim.Expires.After(w.clock.Now()) {
		t.Fatalf("note@masto after renewal: %+v", renewed)
	}
	for _, ch := range during.Changes {
		if ch.Action == plan.Reconcile || ch.Due() {
			t.Errorf("another plan during the run: %s %s (%s), want it left to the running run", ch.Address, ch.Action, ch.Reason)
		}
	}
	var renewals int
	for _, m := range w.mem.Log() {
		if strings.HasPrefix(m, "clairon: renew ") {
			renewals++
		}
	}
	if renewals == 0 {
		t.Errorf("no renewal commit in %q", w.mem.Log())
	}
	w.mustBeDone()
}

// edited returns the world's posts with fil's second part reworded and a
// fourth part added.
func edited() map[string]string {
	posts := map[string]string{}
	for k, v := range worldPosts {
		posts[k] = v
	}
	posts["posts/fil.md"] = strings.Replace(worldPosts["posts/fil.md"], "au soleil.", "au soleil, retourné chaque jour.", 1) +
		"\n---\n\nLa dégustation, enfin. {fil/4}\n"
	return posts
}

// TestApplyUpdatesAndReplaces changes a published thread: Mastodon edits
// it in place and adds the new part as a reply; Bluesky, which cannot edit
// (the account allows reposting), deletes it and publishes it again.
func TestApplyUpdatesAndReplaces(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.apply()
	ids := map[string]string{}
	for _, m := range w.messages(masto) {
		ids[fmt.Sprintf("%s/%d", m.post, m.part)] = m.ID
	}
	w.load(edited())
	p := w.plan()
	for acc, want := range map[string]plan.Action{masto: plan.Update, nokeys: plan.Update, sky: plan.Replace} {
		if ch := p.ChangeFor(state.Address{Post: "fil", Account: acc}); ch.Action != want {
			t.Fatalf("fil@%s: %s, want %s", acc, ch.Action, want)
		}
	}
	rep := w.apply()
	if !rep.OK() || rep.Count(apply.Updated) != 2 || rep.Count(apply.Replaced) != 1 {
		t.Fatalf("report %s %v", rep.Summary(), outcomes(rep))
	}
	w.mustBeDone()
	for _, m := range w.messages(masto) {
		if m.post == "fil" && m.part < 3 && ids[fmt.Sprintf("fil/%d", m.part)] != m.ID {
			t.Errorf("fil part %d was published again instead of edited", m.part+1)
		}
		if m.post == "fil" && m.part == 1 && !strings.Contains(m.Text, "retourné") {
			t.Errorf("fil part 2 not edited: %q", m.Text)
		}
	}
}

// TestApplyReconcilesAnUpdate: runs editing a thread stop, one before it
// edited anything, the other after editing the changed part and adding the
// new one, without recording anything. The next run edits again (an edit
// repeated gives the same result) and finds the added part instead of
// adding it twice.
func TestApplyReconcilesAnUpdate(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.apply()
	w.load(edited())
	dead := w.stoppedRun("dead")
	a := state.Address{Post: "fil", Account: nokeys}
	ch := dead.plan.ChangeFor(a)
	ad, err := w.raw(nokeys)
	if err != nil {
		t.Fatal(err)
	}
	var refs []network.Ref
	for _, part := range w.record("fil", nokeys).Parts {
		refs = append(refs, part.Ref)
	}
	if _, err := ad.(network.Editor).Edit(context.Background(), refs[1], dead.message(ch, 1, refs)); err != nil {
		t.Fatal(err)
	}
	if _, err := ad.Publish(context.Background(), dead.message(ch, 3, refs)); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(w.lease + time.Second)
	rep := w.apply()
	if !rep.OK() {
		t.Fatalf("report %s %v", rep.Summary(), outcomes(rep))
	}
	w.mustBeDone()
	for _, name := range []string{masto, nokeys} {
		if r := w.record("fil", name); r.Digest != dead.plan.ChangeFor(state.Address{Post: "fil", Account: name}).Digest {
			t.Errorf("fil@%s: digest %s, want the new content's", name, r.Digest)
		}
		for _, m := range w.messages(name) {
			if m.post == "fil" && m.part == 1 && !strings.Contains(m.Text, "retourné") {
				t.Errorf("fil@%s part 2 still says %q", name, m.Text)
			}
		}
	}
}

// TestApplyReconcilesAReplace: a run replacing a Bluesky thread stops
// after deleting the old thread and publishing the new first part, having
// recorded neither. The next run deletes again (what is gone stays gone),
// finds the new first part by its record key and publishes the rest.
func TestApplyReconcilesAReplace(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.apply()
	w.load(edited())
	dead := w.stoppedRun("dead")
	a := state.Address{Post: "fil", Account: sky}
	rec := w.record("fil", sky)
	ad, err := w.raw(sky)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(rec.Parts) - 1; i >= 0; i-- {
		if err := ad.Delete(context.Background(), rec.Parts[i].Ref); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ad.Publish(context.Background(), dead.message(dead.plan.ChangeFor(a), 0, nil)); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(w.lease + time.Second)
	rep := w.apply()
	if !rep.OK() || rep.Count(apply.Replaced) != 1 {
		t.Fatalf("report %s %v", rep.Summary(), outcomes(rep))
	}
	w.mustBeDone()
	if got := w.nets[sky].fake.Writes(); got != 7+3+1+3 {
		// 7 first publications, 3 deletions, the new first part, and the 3
		// parts left: nothing twice.
		t.Errorf("%d writes on Bluesky, want 14", got)
	}
}
