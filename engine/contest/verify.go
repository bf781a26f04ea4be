package contest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/state"
)

// Verifier checks a committed draw from the committed files alone.
type Verifier struct {
	Store   state.Store
	History History
	// Blob returns a git blob of the content repository by hash, for a
	// contest file changed since the draw; nil when there is no repository.
	Blob func(ctx context.Context, hash string) ([]byte, error)
}

// Report is the outcome of a verification.
type Report struct {
	Record *DrawRecord `json:"record"`
	// Diffs says what does not match; empty when the draw verifies.
	Diffs []string `json:"diffs"`
	// Notes say what was checked against what, when it is not the obvious.
	Notes []string `json:"notes"`
}

// OK reports whether the draw verified.
func (r *Report) OK() bool { return len(r.Diffs) == 0 }

func (r *Report) diff(format string, args ...any) {
	r.Diffs = append(r.Diffs, fmt.Sprintf(format, args...))
}
func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Verify recomputes the draw of contest id from the contest file at the
// blob the draw recorded, the entries snapshot with the SHA-256 it
// recorded, and its anchor commit, and compares every input and output.
// current is the contest's document in the content as it is now (nil when
// it is gone). An error means verification could not run at all.
func (v *Verifier) Verify(ctx context.Context, id string, current *content.Document) (*Report, error) {
	snap, err := v.Store.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("contest %s: read state: %w", id, err)
	}
	b, ok := snap.State.Files[DrawPath(id)]
	if !ok {
		return nil, fmt.Errorf("contest %s has not been drawn: no %s on the state branch", id, DrawPath(id))
	}
	rec, err := DecodeDraw(b)
	if err != nil {
		return nil, fmt.Errorf("contest %s: %w", id, err)
	}
	rep := &Report{Record: rec, Diffs: []string{}, Notes: []string{}}
	if rec.Algorithm != Algorithm {
		rep.diff("algorithm %q is not one this clairon knows (%s)", rec.Algorithm, Algorithm)
		return rep, nil
	}
	if seed := rec.Inputs.Seed(); seed != rec.Seed {
		rep.diff("seed: recorded %s, but the recorded seed inputs give %s", rec.Seed, seed)
	}
	doc := v.contestFile(ctx, rec, current, rep)
	if doc == nil {
		return rep, nil
	}
	spec, err := NewSpec(doc, zone(rec.Timezone))
	if err != nil {
		rep.diff("the contest file drawn from cannot be read: %v", err)
		return rep, nil
	}
	if spec.ID != rec.Contest {
		rep.diff("contest id: recorded %q, the contest file says %q", rec.Contest, spec.ID)
	}
	if !spec.Opens.Equal(rec.Opens) || !spec.Closes.Equal(rec.Closes) {
		rep.diff("window: recorded %s to %s, the contest file gives %s to %s", rec.Opens, rec.Closes, spec.Opens.UTC(), spec.Closes.UTC())
	}
	entries := v.entries(ctx, rec, snap, rep)
	if entries == nil {
		return rep, nil
	}
	v.checkAnchor(ctx, rec, spec, rep)
	got, err := Compute(spec, entries, rec.Anchor, rec.Inputs.Round)
	if err != nil {
		rep.diff("recompute the draw: %v", err)
		return rep, nil
	}
	compare(rec, got, rep)
	if len(rec.Previous) > 0 {
		rep.note("this is round %d; the earlier rounds are in the history of %s", rec.Inputs.Round, DrawPath(id))
	}
	return rep, nil
}

// contestFile returns the contest document at the recorded blob.
func (v *Verifier) contestFile(ctx context.Context, rec *DrawRecord, current *content.Document, rep *Report) *content.Document {
	want := rec.Inputs.ContestBlob
	if current != nil && current.Blob == want {
		return current
	}
	if current != nil {
		rep.note("%s changed since the draw (blob %s, drawn from %s): checking against the version drawn from", current.Path, short(current.Blob), short(want))
	}
	if v.Blob == nil {
		rep.diff("the contest file drawn from (blob %s) cannot be read: no git repository", want)
		return nil
	}
	data, err := v.Blob(ctx, want)
	if err != nil {
		rep.diff("the contest file drawn from (blob %s) cannot be read: %v", want, err)
		return nil
	}
	if got := content.BlobHash(data); got != want {
		rep.diff("contest file: blob %s has hash %s", want, got)
		return nil
	}
	doc, ds := content.ParseDocument(rec.ContestFile, content.KindContest, data)
	if doc == nil || ds.HasErrors() || doc.Contest == nil {
		var msgs []string
		for _, d := range ds {
			if d.Severity == diag.Error {
				msgs = append(msgs, d.String())
			}
		}
		rep.diff("the contest file drawn from (blob %s) does not parse: %s", want, strings.Join(msgs, "; "))
		return nil
	}
	doc.Blob = want
	return doc
}

// entries returns the snapshot with the recorded SHA-256: the current one,
// or an earlier version from the state history.
func (v *Verifier) entries(ctx context.Context, rec *DrawRecord, snap *state.Snapshot, rep *Report) []byte {
	want := rec.Inputs.EntriesSHA256
	if b, ok := snap.State.Files[rec.Entries]; ok && SHA256(b) == want {
		return b
	}
	if v.History == nil {
		rep.diff("%s on the state branch does not have the SHA-256 drawn from (%s), and there is no history to look back in", rec.Entries, short(want))
		return nil
	}
	b, c, ok, err := findFile(ctx, v.History, snap.Version, rec.Entries, want)
	if err != nil {
		rep.diff("look for the entries drawn from: %v", err)
		return nil
	}
	if !ok {
		rep.diff("no version of %s in the state history has the SHA-256 drawn from (%s)", rec.Entries, want)
		return nil
	}
	rep.note("entries were collected again after the draw: checking against %s as of commit %s", rec.Entries, short(c.Hash))
	return b
}

// checkAnchor checks that the anchor commit exists, was made after the
// contest closed, and is the commit the contest file says to use.
func (v *Verifier) checkAnchor(ctx context.Context, rec *DrawRecord, spec *Spec, rep *Report) {
	if v.History == nil {
		rep.diff("anchor commit %s cannot be checked: no state history", short(rec.Anchor.Commit))
		return
	}
	c, err := v.History.Resolve(ctx, rec.Anchor.Commit)
	if err != nil {
		rep.diff("anchor commit %s: %v", rec.Anchor.Commit, err)
		return
	}
	if c.Hash != rec.Anchor.Commit {
		rep.diff("anchor commit: recorded %s, which is %s", rec.Anchor.Commit, c.Hash)
	}
	if !c.Time.Equal(rec.Anchor.Time) {
		rep.diff("anchor commit time: recorded %s, the commit says %s", rec.Anchor.Time, c.Time.UTC())
	}
	if c.Time.Before(spec.Closes) {
		rep.diff("anchor commit %s was made on %s, before the contest closed on %s", short(c.Hash), c.Time.UTC(), spec.Closes.UTC())
	}
	if spec.After == "" {
		if rec.Anchor.From != "entries" {
			rep.diff("anchor: recorded as %q, but the contest file sets no draw.after, so it must be the commit that recorded the entries", rec.Anchor.From)
		}
		data, ok, err := v.History.ReadFile(ctx, c.Hash, rec.Entries)
		switch {
		case err != nil:
			rep.diff("read %s at the anchor commit: %v", rec.Entries, err)
		case !ok || SHA256(data) != rec.Inputs.EntriesSHA256:
			rep.diff("the anchor commit %s does not hold the entries drawn from (%s)", short(c.Hash), short(rec.Inputs.EntriesSHA256))
		default:
			if w, err := lastChange(ctx, v.History, state.Version(c.Hash), rec.Entries); err != nil {
				rep.diff("find the commit that recorded the entries: %v", err)
			} else if w.Hash != c.Hash {
				rep.diff("the anchor commit %s is not the commit that recorded the entries drawn from (%s)", short(c.Hash), short(w.Hash))
			}
		}
		return
	}
	if want := "draw.after " + spec.After; rec.Anchor.From != want {
		rep.diff("anchor: recorded as %q, the contest file says %q", rec.Anchor.From, want)
	}
	if isHex(spec.After) && len(spec.After) >= 4 {
		if !strings.HasPrefix(c.Hash, strings.ToLower(spec.After)) {
			rep.diff("anchor commit %s is not draw.after %s", short(c.Hash), spec.After)
		}
		return
	}
	if now, err := v.History.Resolve(ctx, spec.After); err == nil && now.Hash != c.Hash {
		rep.note("draw.after %s now names %s; the draw used %s, as it named then", spec.After, short(now.Hash), short(c.Hash))
	}
}

// compare reports every difference between the recorded and the recomputed draw.
func compare(rec, got *DrawRecord, rep *Report) {
	if rec.Inputs != got.Inputs {
		for _, f := range []struct{ name, a, b string }{
			{"contest blob", rec.Inputs.ContestBlob, got.Inputs.ContestBlob},
			{"entries sha256", rec.Inputs.EntriesSHA256, got.Inputs.EntriesSHA256},
			{"anchor commit", rec.Inputs.AnchorCommit, got.Inputs.AnchorCommit},
			{"round", fmt.Sprint(rec.Inputs.Round), fmt.Sprint(got.Inputs.Round)},
		} {
			if f.a != f.b {
				rep.diff("seed input %s: recorded %s, recomputed %s", f.name, f.a, f.b)
			}
		}
	}
	if rec.Seed != got.Seed {
		rep.diff("seed: recorded %s, recomputed %s", rec.Seed, got.Seed)
	}
	compareEntrants("eligible entrants", rec.Entrants, got.Entrants, rep)
	compareEntrants("ineligible entrants", rec.Ineligible, got.Ineligible, rep)
	comparePicks("winner", rec.Winners, got.Winners, rep)
	comparePicks("alternate", rec.Alternates, got.Alternates, rep)
}

func compareEntrants(what string, rec, got []Entrant, rep *Report) {
	if sameJSON(rec, got) {
		return
	}
	byID := func(es []Entrant) map[string]Entrant {
		m := map[string]Entrant{}
		for _, e := range es {
			m[e.ID] = e
		}
		return m
	}
	r, g := byID(rec), byID(got)
	var only, missing, changed []string
	for _, e := range rec {
		o, ok := g[e.ID]
		switch {
		case !ok:
			only = append(only, e.ID)
		case !sameJSON(e, o):
			changed = append(changed, e.ID)
		}
	}
	for _, e := range got {
		if _, ok := r[e.ID]; !ok {
			missing = append(missing, e.ID)
		}
	}
	if len(only) > 0 {
		rep.diff("%s: recorded but not recomputed: %s", what, strings.Join(only, ", "))
	}
	if len(missing) > 0 {
		rep.diff("%s: recomputed but not recorded: %s", what, strings.Join(missing, ", "))
	}
	if len(changed) > 0 {
		rep.diff("%s: recorded differently: %s", what, strings.Join(changed, ", "))
	}
	if len(only)+len(missing)+len(changed) == 0 {
		rep.diff("%s: recorded in another order than the sorted one", what)
	}
}

func comparePicks(what string, rec, got []Pick, rep *Report) {
	for i := range max(len(rec), len(got)) {
		a, b := "(none)", "(none)"
		if i < len(rec) {
			a = rec[i].ID
		}
		if i < len(got) {
			b = got[i].ID
		}
		if a != b || (i < len(rec) && i < len(got) && !sameJSON(rec[i], got[i])) {
			rep.diff("%s %d: recorded %s, recomputed %s", what, i+1, a, b)
		}
	}
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && slices.Equal(x, y)
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	if err != nil && len(s)%2 == 1 {
		_, err = hex.DecodeString(s + "0")
	}
	return err == nil
}
