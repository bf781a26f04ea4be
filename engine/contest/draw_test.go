package contest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

// sampleEntries is a snapshot of a small contest: eight people, two of them
// ineligible, one entering on both networks.
func sampleEntries() *Snapshot {
	in := opens.Add(72 * time.Hour)
	const m, b = "brand-mastodon", "brand-bluesky"
	var es []Entry
	for i, h := range []string{"@ana@a.fr", "@bob@b.fr", "@cyd@c.fr", "@lea@piaille.fr", "@brand@piaille.fr"} {
		es = append(es, entry(m, "mastodon", network.Reply, h, "Je joue #Concours", in.Add(time.Duration(i)*time.Hour)),
			entry(m, "mastodon", network.Repost, h, "", time.Time{}))
	}
	for i, h := range []string{"dee.bsky.social", "eli.bsky.social", "lea.bsky.social"} {
		es = append(es, entry(b, "bluesky", network.Reply, h, "#concours ☕", in.Add(time.Duration(i)*time.Minute)),
			entry(b, "bluesky", network.Repost, h, "", time.Time{}))
	}
	// Fay forgot the hashtag.
	es = append(es, entry(b, "bluesky", network.Reply, "fay.bsky.social", "moi !", in), entry(b, "bluesky", network.Repost, "fay.bsky.social", "", time.Time{}))
	return &Snapshot{Format: SnapshotFormat, Contest: "noel", Collections: []Collection{{At: closes.Add(time.Minute), Accounts: []string{b, m}}}, Entries: es}
}

func encodeSnap(t testing.TB, s *Snapshot) []byte {
	t.Helper()
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// drawSetup returns a store whose entries were recorded just after closing,
// a drawer on it, and its clock.
func drawSetup(t *testing.T, snap *Snapshot) (*memHistory, *Drawer, *clock) {
	t.Helper()
	clk := &clock{t: closes.Add(time.Minute)}
	h := newMemHistory(clk.Now)
	putFile(t, h, EntriesPath("noel"), encodeSnap(t, snap))
	clk.Set(closes.Add(10 * time.Hour))
	return h, &Drawer{Store: h, History: h, Now: clk.Now}, clk
}

func TestDrawGolden(t *testing.T) {
	spec := parseSpec(t, contestFile)
	h, d, _ := drawSetup(t, sampleEntries())
	rec, head, err := d.Draw(context.Background(), spec, DrawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := h.Read(context.Background())
	data := snap.State.Files[DrawPath("noel")]
	checkGolden(t, "draw.golden.json", data)

	if head.Version != snap.Version {
		t.Errorf("head %s, state at %s", head.Version, snap.Version)
	}
	if len(rec.Winners) != 2 || len(rec.Alternates) != 1 || len(rec.Entrants) != 6 || len(rec.Ineligible) != 2 {
		t.Errorf("draw: %d winners, %d alternates, %d eligible, %d ineligible; want 2, 1, 6, 2",
			len(rec.Winners), len(rec.Alternates), len(rec.Entrants), len(rec.Ineligible))
	}
	if rec.Anchor.From != "entries" || rec.Anchor.Commit != "mem-1" {
		t.Errorf("anchor %+v, want the commit that recorded the entries (mem-1)", rec.Anchor)
	}
	picked := map[string]bool{}
	for _, p := range append(slices.Clone(rec.Winners), rec.Alternates...) {
		if picked[p.ID] || !slices.ContainsFunc(rec.Entrants, func(e Entrant) bool { return e.ID == p.ID }) {
			t.Errorf("pick %s is repeated or not eligible", p.ID)
		}
		picked[p.ID] = true
	}
	log := h.Log()
	if msg := log[len(log)-1]; !strings.HasPrefix(msg, "clairon: draw contest noel: 2 winners, 1 alternate among 6 eligible entrants (seed "+rec.Seed[:12]+")") {
		t.Errorf("commit message:\n%s", msg)
	}
	// The same inputs, computed again from scratch, give the same record.
	again, err := Compute(parseSpec(t, contestFile), encodeSnap(t, sampleEntries()), rec.Anchor, 1)
	if err != nil {
		t.Fatal(err)
	}
	again.DrawnAt = rec.DrawnAt
	if !sameJSON(again, rec) {
		t.Error("computing the draw again from the same inputs gave another record")
	}
}

func TestSeedSensitivity(t *testing.T) {
	anchor := Anchor{Commit: "0123456789abcdef0123456789abcdef01234567", Time: closes.Add(time.Hour), From: "entries"}
	base, err := Compute(parseSpec(t, contestFile), encodeSnap(t, sampleEntries()), anchor, 1)
	if err != nil {
		t.Fatal(err)
	}
	changedEntry := sampleEntries()
	changedEntry.Entries[3].Handle = "@bob@b.fr."
	oneByte := strings.Replace(contestFile, "Résumé du règlement.", "Résumé du règlement!", 1)
	tests := map[string]func() (*DrawRecord, error){
		"one entry's handle": func() (*DrawRecord, error) {
			return Compute(parseSpec(t, contestFile), encodeSnap(t, changedEntry), anchor, 1)
		},
		"one byte of the contest file's body": func() (*DrawRecord, error) {
			return Compute(parseSpec(t, oneByte), encodeSnap(t, sampleEntries()), anchor, 1)
		},
		"the anchor commit": func() (*DrawRecord, error) {
			a := anchor
			a.Commit = "1123456789abcdef0123456789abcdef01234567"
			return Compute(parseSpec(t, contestFile), encodeSnap(t, sampleEntries()), a, 1)
		},
		"the round": func() (*DrawRecord, error) {
			return Compute(parseSpec(t, contestFile), encodeSnap(t, sampleEntries()), anchor, 2)
		},
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := f()
			if err != nil {
				t.Fatal(err)
			}
			if got.Seed == base.Seed {
				t.Errorf("changing %s kept the seed %s", name, base.Seed)
			}
		})
	}
	same, _ := Compute(parseSpec(t, contestFile), encodeSnap(t, sampleEntries()), anchor, 1)
	if same.Seed != base.Seed || !sameJSON(same.Winners, base.Winners) {
		t.Error("the same inputs gave another seed or other winners")
	}
}

func TestDrawRefusals(t *testing.T) {
	ctx := context.Background()
	spec := parseSpec(t, contestFile)

	t.Run("before closing", func(t *testing.T) {
		_, d, clk := drawSetup(t, sampleEntries())
		clk.Set(closes.Add(-time.Second))
		if _, _, err := d.Draw(ctx, spec, DrawOptions{}); !errors.Is(err, ErrTooEarly) {
			t.Errorf("err = %v, want ErrTooEarly", err)
		}
	})
	t.Run("entries not collected after closing", func(t *testing.T) {
		s := sampleEntries()
		s.Collections[0].At = closes.Add(-time.Hour)
		_, d, _ := drawSetup(t, s)
		_, _, err := d.Draw(ctx, spec, DrawOptions{})
		if !errors.Is(err, ErrTooEarly) || !strings.Contains(err.Error(), "clairon contest collect noel") {
			t.Errorf("err = %v, want ErrTooEarly asking for a collection", err)
		}
	})
	t.Run("no entries at all", func(t *testing.T) {
		clk := &clock{t: closes.Add(time.Hour)}
		h := newMemHistory(clk.Now)
		d := &Drawer{Store: h, History: h, Now: clk.Now}
		if _, _, err := d.Draw(ctx, spec, DrawOptions{}); !errors.Is(err, ErrTooEarly) {
			t.Errorf("err = %v, want ErrTooEarly", err)
		}
	})
	t.Run("nobody eligible", func(t *testing.T) {
		s := sampleEntries()
		s.Entries = slices.DeleteFunc(s.Entries, func(e Entry) bool { return e.Kind == network.Repost })
		_, d, _ := drawSetup(t, s)
		if _, _, err := d.Draw(ctx, spec, DrawOptions{}); !errors.Is(err, ErrNoEntries) {
			t.Errorf("err = %v, want ErrNoEntries", err)
		}
	})
	t.Run("anchor before closing", func(t *testing.T) {
		clk := &clock{t: closes.Add(-time.Hour)}
		h := newMemHistory(clk.Now)
		putFile(t, h, "reports/x.json", []byte("{}"))
		h.refs["before-close"] = "mem-1"
		clk.Set(closes.Add(time.Minute))
		putFile(t, h, EntriesPath("noel"), encodeSnap(t, sampleEntries()))
		clk.Set(closes.Add(time.Hour))
		s := parseSpec(t, strings.Replace(contestFile, "rules_url:", "draw:\n  after: before-close\nrules_url:", 1))
		_, _, err := (&Drawer{Store: h, History: h, Now: clk.Now}).Draw(ctx, s, DrawOptions{})
		if !errors.Is(err, ErrTooEarly) || !strings.Contains(err.Error(), "anchor commit mem-1") {
			t.Errorf("err = %v, want ErrTooEarly about the anchor", err)
		}
	})
	t.Run("second draw and redraw", func(t *testing.T) {
		h, d, clk := drawSetup(t, sampleEntries())
		first, _, err := d.Draw(ctx, spec, DrawOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.Draw(ctx, spec, DrawOptions{}); !errors.Is(err, ErrAlreadyDrawn) || !strings.Contains(err.Error(), "--redraw") {
			t.Errorf("second draw: err = %v, want ErrAlreadyDrawn", err)
		}
		if _, _, err := d.Draw(ctx, spec, DrawOptions{Redraw: true, Reason: "  "}); err == nil || !strings.Contains(err.Error(), "reason") {
			t.Errorf("redraw without a reason: err = %v", err)
		}
		clk.Set(closes.Add(48 * time.Hour))
		second, _, err := d.Draw(ctx, spec, DrawOptions{Redraw: true, Reason: "le gagnant 1 fait partie de l'équipe"})
		if err != nil {
			t.Fatal(err)
		}
		if second.Inputs.Round != 2 || second.Seed == first.Seed || second.Reason != "le gagnant 1 fait partie de l'équipe" {
			t.Errorf("redraw: round %d, seed %s (first %s), reason %q", second.Inputs.Round, second.Seed, first.Seed, second.Reason)
		}
		if len(second.Previous) != 1 || second.Previous[0].Seed != first.Seed || second.Previous[0].Winners[0] != first.Winners[0].ID {
			t.Errorf("redraw keeps %+v, want round 1's summary", second.Previous)
		}
		if second.Anchor != first.Anchor {
			t.Errorf("redraw anchor %+v, want the same entries commit %+v", second.Anchor, first.Anchor)
		}
		log := h.Log()
		if msg := log[len(log)-1]; !strings.Contains(msg, "redraw (round 2) contest noel") || !strings.Contains(msg, "Reason for the redraw: le gagnant 1") {
			t.Errorf("redraw commit message:\n%s", msg)
		}
	})
}

// racingStore lets another writer in before the first write: interfere,
// or a write of reports/other.json when nil.
type racingStore struct {
	*memHistory
	once      sync.Once
	t         *testing.T
	interfere func()
}

func (r *racingStore) Write(ctx context.Context, base state.Version, cs *state.Changeset) (state.Head, error) {
	r.once.Do(func() {
		if r.interfere != nil {
			r.interfere()
			return
		}
		putFile(r.t, r.memHistory, "reports/other.json", []byte("{}"))
	})
	return r.memHistory.Write(ctx, base, cs)
}

func TestDrawRetriesOnConflict(t *testing.T) {
	h, d, _ := drawSetup(t, sampleEntries())
	rs := &racingStore{memHistory: h, t: t}
	d.Store = rs
	if _, _, err := d.Draw(context.Background(), parseSpec(t, contestFile), DrawOptions{}); err != nil {
		t.Fatal(err)
	}
	snap, _ := h.Read(context.Background())
	if _, ok := snap.State.Files[DrawPath("noel")]; !ok {
		t.Error("draw.json not written")
	}
	if _, ok := snap.State.Files["reports/other.json"]; !ok {
		t.Error("the other writer's file was lost")
	}
}
