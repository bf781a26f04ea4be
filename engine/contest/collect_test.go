package contest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/bluesky"
	"github.com/clairon-dev/clairon/engine/network/mastodon"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/blueskyfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
	"github.com/clairon-dev/clairon/engine/state"
)

// wrap adds the wrappers the CLI puts around every adapter: an adapter
// that lists entries must still do so through them.
func wrap(a network.Adapter, clk *networktest.Clock) network.Adapter {
	a = network.WithRateLimit(a, network.RateLimitOptions{Now: clk.Now, Sleep: clk.Sleep})
	return network.WithRetry(a, network.RetryOptions{Now: clk.Now, Sleep: clk.Sleep})
}

func publish(t *testing.T, a network.Adapter, clk *networktest.Clock, key string) network.Ref {
	t.Helper()
	ref, err := a.Publish(context.Background(), &network.Post{Key: strings.Repeat(key, 32), Text: "Jeu concours : répondez avec #Concours et repartagez !", CreatedAt: clk.Now()})
	if err != nil {
		t.Fatalf("publish the announcement: %v", err)
	}
	return ref
}

// fakes runs a contest on a fake Mastodon server and a fake PDS.
type fakes struct {
	clk        *networktest.Clock
	mast       *mastodonfake.Server
	sky        *blueskyfake.Server
	mastRef    network.Ref
	skyRef     network.Ref
	sources    []Source
	store      *memHistory
	collector  *Collector
	bobReplyID string
}

func startFakes(t *testing.T) *fakes {
	t.Helper()
	f := &fakes{clk: networktest.NewClock(opens.Add(-2 * time.Hour))}
	f.mast = mastodonfake.New(mastodonfake.Options{Clock: f.clk})
	t.Cleanup(f.mast.Close)
	f.sky = blueskyfake.New(blueskyfake.WithClock(f.clk.Now), blueskyfake.WithMaxPage(2))
	t.Cleanup(f.sky.Close)
	ma, err := mastodon.New(f.mast.Config())
	if err != nil {
		t.Fatal(err)
	}
	ba, err := bluesky.New(f.sky.Config())
	if err != nil {
		t.Fatal(err)
	}
	ma, ba = wrap(ma, f.clk), wrap(ba, f.clk)
	f.mastRef, f.skyRef = publish(t, ma, f.clk, "a"), publish(t, ba, f.clk, "b")
	f.sources = []Source{
		{Account: "brand-mastodon", Adapter: ma, Ref: f.mastRef, Domain: "mastodon.test"},
		{Account: "brand-bluesky", Adapter: ba, Ref: f.skyRef},
	}
	f.store = newMemHistory(f.clk.Now)
	f.collector = &Collector{Store: f.store, Now: f.clk.Now}
	return f
}

func (f *fakes) sky3(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCollectFromFakes(t *testing.T) {
	ctx := context.Background()
	f := startFakes(t)
	spec := parseSpec(t, contestFile)

	// Before the window: a reply that must not be collected.
	f.mast.Reply(f.mastRef.ID, "early@a.fr", "#Concours trop tôt")
	f.clk.Advance(3 * time.Hour) // inside the window
	f.mast.Reply(f.mastRef.ID, "ana@a.fr", "Je joue ! #Concours")
	f.mast.Reblog(f.mastRef.ID, "ana@a.fr")
	f.bobReplyID = f.mast.Reply(f.mastRef.ID, "bob", "#concours pour moi") // a local account of the server
	f.mast.Favourite(f.mastRef.ID, "fan@a.fr")                             // likes are not an action here
	for _, h := range []string{"dee.bsky.social", "eli.bsky.social", "fay.bsky.social"} {
		f.sky.AddAccount(h, "pw-"+h)
		_, err := f.sky.Reply(f.skyRef.ID, h, "#Concours ☕ "+h, time.Time{})
		f.sky3(t, err)
		f.sky3(t, f.sky.Repost(f.skyRef.ID, h, time.Time{}))
	}

	res, err := f.collector.Collect(ctx, spec, f.sources)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 9 || res.Missing != 0 || len(res.Snapshot.Entries) != 9 {
		t.Fatalf("first collection: %+v, %d entries; want 9 new", res.Collection, len(res.Snapshot.Entries))
	}
	if got := res.PerAccount["brand-bluesky"][network.Repost]; got != 3 {
		t.Errorf("bluesky reposts listed %d, want 3 (followed over pages of 2)", got)
	}
	byHandle := map[string][]Entry{}
	for _, e := range res.Snapshot.Entries {
		byHandle[e.Handle] = append(byHandle[e.Handle], e)
	}
	if _, ok := byHandle["@early@a.fr"]; ok {
		t.Error("a reply made before the contest opened was collected")
	}
	if len(byHandle["@bob@mastodon.test"]) != 1 {
		t.Errorf("local Mastodon handle not qualified with the server: %v", keys(byHandle))
	}
	for _, e := range byHandle["dee.bsky.social"] {
		if e.Network != "bluesky" || e.Account != "brand-bluesky" || e.UserID == "" {
			t.Errorf("bluesky entry %+v", e)
		}
		if e.Kind == network.Reply && (e.At.IsZero() || e.PostID == "" || e.URL == "") {
			t.Errorf("bluesky reply without time, id or URL: %+v", e)
		}
	}
	snap, _ := f.store.Read(ctx)
	stored, err := DecodeSnapshot(snap.State.Files[EntriesPath("noel")])
	if err != nil || len(stored.Entries) != 9 {
		t.Fatalf("entries on the state branch: %v, %+v", err, stored)
	}
	if log := f.store.Log(); !strings.HasPrefix(log[0], "clairon: collect entries of contest noel: 9 new (9 in all)\n\nbrand-bluesky: 3 replies, 3 reposts\nbrand-mastodon: 2 replies, 1 repost\n") {
		t.Errorf("commit message:\n%s", log[0])
	}

	// Bob deletes his reply, Dee takes back her repost, Cyd boosts, and the
	// contest closes. Collecting again keeps everything ever seen.
	f.clk.Advance(24 * time.Hour)
	if !f.mast.DeleteReply(f.bobReplyID) {
		t.Fatal("could not delete Bob's reply")
	}
	f.sky3(t, f.sky.Unrepost(f.skyRef.ID, "dee.bsky.social"))
	f.mast.Reblog(f.mastRef.ID, "cyd@c.fr")
	f.clk.Advance(closes.Sub(f.clk.Now()) + time.Minute)
	// This time the announcement's refs come from the publication records.
	cs := state.NewChangeset(state.Message{Subject: "publish the announcement"})
	cs.Put(&state.Record{Address: state.Address{Post: "annonce", Account: "brand-mastodon"}, Status: state.Published, Ref: f.mastRef})
	cs.Put(&state.Record{Address: state.Address{Post: "annonce", Account: "brand-bluesky"}, Status: state.Published, Ref: f.skyRef})
	snap, _ = f.store.Read(ctx)
	if _, err := f.store.Write(ctx, snap.Version, cs); err != nil {
		t.Fatal(err)
	}
	sources := []Source{f.sources[0], f.sources[1]}
	sources[0].Ref, sources[1].Ref = network.Ref{}, network.Ref{}
	res, err = f.collector.Collect(ctx, spec, sources)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Missing != 2 || len(res.Snapshot.Entries) != 10 || len(res.Snapshot.Collections) != 2 {
		t.Fatalf("second collection: %+v, %d entries, %d collections; want 1 new, 2 missing, 10 entries", res.Collection, len(res.Snapshot.Entries), len(res.Snapshot.Collections))
	}
	el := Check(spec, res.Snapshot)
	var eligible []string
	for _, e := range el.Eligible {
		eligible = append(eligible, e.ID)
	}
	if strings.Join(eligible, " ") != "bluesky:eli.bsky.social bluesky:fay.bsky.social mastodon:ana@a.fr" {
		t.Errorf("eligible %v", eligible)
	}
	reasons := map[string]string{}
	for _, e := range el.Ineligible {
		reasons[e.ID] = strings.Join(e.Reasons, "; ")
	}
	for id, want := range map[string]string{
		"mastodon:bob@mastodon.test": "reply deleted", "bluesky:dee.bsky.social": "repost deleted", "mastodon:cyd@c.fr": "no reply",
	} {
		if !strings.Contains(reasons[id], want) {
			t.Errorf("%s: reasons %q, want %q", id, reasons[id], want)
		}
	}
}

// plain is an adapter that cannot list entries.
type plain struct{ name string }

func (p plain) Network() string                    { return p.name }
func (p plain) Capabilities() network.Capabilities { return network.Capabilities{} }
func (p plain) Publish(context.Context, *network.Post) (network.Ref, error) {
	return network.Ref{}, errors.New("not in this test")
}
func (p plain) Delete(context.Context, network.Ref) error { return errors.New("not in this test") }

func TestCollectRefusals(t *testing.T) {
	ctx := context.Background()
	f := startFakes(t)
	spec := parseSpec(t, contestFile)
	before := len(f.mast.Requests())

	_, err := f.collector.Collect(ctx, spec, append(f.sources, Source{Account: "brand-discord", Adapter: plain{"discord"}}, Source{Account: "brand-sandbox", Adapter: plain{"sandbox"}}))
	var ue *UnsupportedError
	if !errors.As(err, &ue) || !errors.Is(err, network.ErrUnsupported) {
		t.Fatalf("err = %v, want an UnsupportedError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "brand-discord (discord), brand-sandbox (sandbox)") || !strings.Contains(msg, "discord and sandbox cannot list who replied, reposted or liked") {
		t.Errorf("message %q does not name the accounts and networks", msg)
	}
	if len(f.mast.Requests()) != before {
		t.Error("entries were listed before the refusal")
	}
	if snap, _ := f.store.Read(ctx); len(snap.State.Files) != 0 {
		t.Error("a refused collection wrote to the state")
	}

	quotes := parseSpec(t, strings.Replace(contestFile, "action: [reply, repost]", "action: [quote]", 1))
	_, err = f.collector.Collect(ctx, quotes, f.sources)
	if err == nil || !strings.Contains(err.Error(), "account brand-mastodon (mastodon) cannot list quotes") {
		t.Errorf("quotes on Mastodon: err = %v", err)
	}
}

func TestAnnounceRefs(t *testing.T) {
	spec := parseSpec(t, contestFile)
	st := state.New()
	st.Records[state.Address{Post: "annonce", Account: "brand-mastodon"}] = &state.Record{Status: state.Published, Ref: network.Ref{ID: "1"}}
	st.Records[state.Address{Post: "annonce", Account: "brand-bluesky"}] = &state.Record{Status: state.Published,
		Parts: []state.Part{{Ref: network.Ref{ID: "at://x/app.bsky.feed.post/1"}}}}
	refs, err := AnnounceRefs(st, spec)
	if err != nil || refs["brand-mastodon"].ID != "1" || refs["brand-bluesky"].ID != "at://x/app.bsky.feed.post/1" {
		t.Errorf("refs %v, err %v", refs, err)
	}
	st.Records[state.Address{Post: "annonce", Account: "brand-bluesky"}].Status = state.Failed
	if _, err := AnnounceRefs(st, spec); err == nil || !strings.Contains(err.Error(), `announcement "annonce" is not published on brand-bluesky`) {
		t.Errorf("err = %v", err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCollectMergesAgainAfterConflict(t *testing.T) {
	ctx := context.Background()
	f := startFakes(t)
	spec := parseSpec(t, contestFile)
	f.clk.Advance(3 * time.Hour)
	f.mast.Reply(f.mastRef.ID, "ana@a.fr", "#Concours")
	if _, err := f.collector.Collect(ctx, spec, f.sources); err != nil {
		t.Fatal(err)
	}
	// Another run collects at the same moment, after Bob replied, and
	// writes first: this run, which saw Ana's boost but not Bob's reply,
	// reads again and merges on top, losing nothing.
	f.mast.Reblog(f.mastRef.ID, "ana@a.fr")
	rs := &racingStore{memHistory: f.store, t: t, interfere: func() {
		f.clk.Advance(time.Minute)
		f.mast.Reply(f.mastRef.ID, "bob@b.fr", "#Concours")
		if _, err := f.collector.Collect(ctx, spec, f.sources); err != nil {
			t.Error(err)
		}
	}}
	res, err := (&Collector{Store: rs, Now: f.clk.Now}).Collect(ctx, spec, f.sources)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Snapshot.Collections) != 3 || len(res.Snapshot.Entries) != 3 {
		t.Fatalf("after the conflict: %d collections, %d entries; want 3 and 3", len(res.Snapshot.Collections), len(res.Snapshot.Entries))
	}
	// This run did not list Bob's reply, but it listed before the other
	// run saw it: the reply is not marked missing.
	if res.Missing != 0 {
		t.Errorf("this run's collection: %+v, want nothing missing", res.Collection)
	}
	for _, e := range res.Snapshot.Entries {
		if e.Deleted() {
			t.Errorf("%s's %s marked deleted", e.Handle, e.Kind)
		}
	}
}
