package contest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
)

// drawn returns a store holding a draw of the sample contest.
func drawn(t *testing.T) (*memHistory, *DrawRecord) {
	t.Helper()
	h, d, _ := drawSetup(t, sampleEntries())
	rec, _, err := d.Draw(context.Background(), parseSpec(t, contestFile), DrawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return h, rec
}

// blobs serves contest file versions by blob hash.
func blobs(srcs ...string) func(context.Context, string) ([]byte, error) {
	m := map[string][]byte{}
	for _, s := range srcs {
		m[content.BlobHash([]byte(s))] = []byte(s)
	}
	return func(_ context.Context, hash string) ([]byte, error) {
		if b, ok := m[hash]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("object not found")
	}
}

// tamper rewrites draw.json through f.
func tamper(t *testing.T, h *memHistory, f func(*DrawRecord)) {
	t.Helper()
	snap, _ := h.Read(context.Background())
	rec, err := DecodeDraw(snap.State.Files[DrawPath("noel")])
	if err != nil {
		t.Fatal(err)
	}
	f(rec)
	b, _ := rec.Encode()
	putFile(t, h, DrawPath("noel"), b)
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	changed := strings.Replace(contestFile, "Résumé du règlement.", "Résumé du règlement, corrigé.", 1)
	tests := []struct {
		name    string
		current string // the contest file now; "" for the one drawn
		blobs   []string
		setup   func(t *testing.T, h *memHistory)
		diffs   []string // each must be in some diff; none means OK
		notes   []string
	}{
		{name: "untouched"},
		{
			name: "entries collected again after the draw",
			setup: func(t *testing.T, h *memHistory) {
				s := sampleEntries()
				s.Entries = s.Entries[:4]
				putFile(t, h, EntriesPath("noel"), encodeSnap(t, s))
			},
			notes: []string{"entries were collected again after the draw"},
		},
		{
			name:    "contest file edited after the draw",
			current: changed,
			blobs:   []string{contestFile},
			notes:   []string{"changed since the draw"},
		},
		{
			name:    "contest file edited and the drawn version gone",
			current: changed,
			diffs:   []string{"cannot be read: object not found"},
		},
		{
			name: "winners swapped",
			setup: func(t *testing.T, h *memHistory) {
				tamper(t, h, func(r *DrawRecord) { r.Winners[0], r.Winners[1] = r.Winners[1], r.Winners[0] })
			},
			diffs: []string{"winner 1: recorded mastodon:ana@a.fr, recomputed bluesky:eli.bsky.social", "winner 2: recorded bluesky:eli.bsky.social"},
		},
		{
			name: "an entrant left out",
			setup: func(t *testing.T, h *memHistory) {
				tamper(t, h, func(r *DrawRecord) { r.Entrants = r.Entrants[1:] })
			},
			diffs: []string{"eligible entrants: recomputed but not recorded: bluesky:dee.bsky.social"},
		},
		{
			name: "seed edited",
			setup: func(t *testing.T, h *memHistory) {
				tamper(t, h, func(r *DrawRecord) { r.Seed = strings.Repeat("0", 64) })
			},
			diffs: []string{"seed: recorded 0000", "but the recorded seed inputs give"},
		},
		{
			name: "entries snapshot that never was",
			setup: func(t *testing.T, h *memHistory) {
				tamper(t, h, func(r *DrawRecord) { r.Inputs.EntriesSHA256 = strings.Repeat("ab", 32); r.Seed = r.Inputs.Seed() })
			},
			diffs: []string{"no version of contests/noel/entries.json in the state history has the SHA-256 drawn from"},
		},
		{
			name: "another anchor",
			setup: func(t *testing.T, h *memHistory) {
				tamper(t, h, func(r *DrawRecord) {
					r.Anchor.Commit = "mem-2"
					r.Inputs.AnchorCommit = "mem-2"
					r.Seed = r.Inputs.Seed()
				})
			},
			diffs: []string{"anchor commit time", "the anchor commit mem-2 is not the commit that recorded the entries drawn from (mem-1)", "winner 1: recorded"},
		},
		{
			name: "unknown algorithm",
			setup: func(t *testing.T, h *memHistory) {
				tamper(t, h, func(r *DrawRecord) { r.Algorithm = "clairon-draw-v9" })
			},
			diffs: []string{`algorithm "clairon-draw-v9" is not one this clairon knows`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := drawn(t)
			if tt.setup != nil {
				tt.setup(t, h)
			}
			cur := contestFile
			if tt.current != "" {
				cur = tt.current
			}
			v := &Verifier{Store: h, History: h}
			if tt.blobs != nil {
				v.Blob = blobs(tt.blobs...)
			} else if tt.current != "" {
				v.Blob = blobs()
			}
			rep, err := v.Verify(ctx, "noel", parseDoc(t, cur))
			if err != nil {
				t.Fatal(err)
			}
			if len(tt.diffs) == 0 && !rep.OK() {
				t.Errorf("diffs %q, want none", rep.Diffs)
			}
			if len(tt.diffs) > 0 && rep.OK() {
				t.Error("the draw verified, want differences")
			}
			all := strings.Join(rep.Diffs, "\n")
			for _, want := range tt.diffs {
				if !strings.Contains(all, want) {
					t.Errorf("diffs:\n%s\nwant one containing %q", all, want)
				}
			}
			notes := strings.Join(rep.Notes, "\n")
			for _, want := range tt.notes {
				if !strings.Contains(notes, want) {
					t.Errorf("notes:\n%s\nwant one containing %q", notes, want)
				}
			}
		})
	}
}

func TestVerifyNotDrawn(t *testing.T) {
	h, _, _ := drawSetup(t, sampleEntries())
	_, err := (&Verifier{Store: h, History: h}).Verify(context.Background(), "noel", nil)
	if err == nil || !strings.Contains(err.Error(), "has not been drawn") {
		t.Errorf("err = %v", err)
	}
}

func TestVerifyAfterRedraw(t *testing.T) {
	h, d, clk := drawSetup(t, sampleEntries())
	spec := parseSpec(t, contestFile)
	if _, _, err := d.Draw(context.Background(), spec, DrawOptions{}); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(time.Hour))
	if _, _, err := d.Draw(context.Background(), spec, DrawOptions{Redraw: true, Reason: "gagnante injoignable"}); err != nil {
		t.Fatal(err)
	}
	rep, err := (&Verifier{Store: h, History: h}).Verify(context.Background(), "noel", parseDoc(t, contestFile))
	if err != nil || !rep.OK() {
		t.Fatalf("verify after a redraw: %v %q", err, rep.Diffs)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "this is round 2") {
		t.Errorf("notes %q", rep.Notes)
	}
}
