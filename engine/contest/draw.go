package contest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
)

// DrawFormat is the version of draw.json.
const DrawFormat = 1

var (
	// ErrTooEarly refuses a draw before the contest closed, or before the
	// entries were collected after closing.
	ErrTooEarly = errors.New("too early to draw")
	// ErrAlreadyDrawn refuses a second draw without --redraw and a reason.
	ErrAlreadyDrawn = errors.New("already drawn")
	// ErrNoEntries refuses a draw without a single eligible entrant.
	ErrNoEntries = errors.New("no eligible entrant")
)

// DrawRecord is contests/<id>/draw.json: everything needed to check a draw.
type DrawRecord struct {
	Format    int    `json:"format"`
	Algorithm string `json:"algorithm"`
	Contest   string `json:"contest"`
	// ContestFile is the contest file's path; its blob is Inputs.ContestBlob.
	ContestFile string `json:"contest_file"`
	// Timezone, Opens and Closes are the window as the contest file said.
	Timezone string    `json:"timezone"`
	Opens    time.Time `json:"opens"`
	Closes   time.Time `json:"closes"`
	// Entries is the path of the entries snapshot on the state branch; its
	// SHA-256 is Inputs.EntriesSHA256.
	Entries string     `json:"entries"`
	Anchor  Anchor     `json:"anchor"`
	Inputs  SeedInputs `json:"seed_inputs"`
	Seed    string     `json:"seed"`
	DrawnAt time.Time  `json:"drawn_at"`
	// Entrants is the ordered list the shuffle starts from: every eligible
	// entrant, sorted by id.
	Entrants []Entrant `json:"entrants"`
	// Ineligible lists the others, each with the reasons.
	Ineligible []Entrant `json:"ineligible"`
	Winners    []Pick    `json:"winners"`
	Alternates []Pick    `json:"alternates"`
	// Reason says why this round was drawn again (empty for round 1).
	Reason string `json:"redraw_reason,omitempty"`
	// Previous summarises the earlier rounds, oldest first.
	Previous []Round `json:"previous,omitempty"`
}

// Anchor is the commit whose hash enters the seed.
type Anchor struct {
	Commit string    `json:"commit"`
	Time   time.Time `json:"time"`
	// From says how it was chosen: "draw.after <rev>", or "entries" for the
	// commit that recorded the entries last.
	From string `json:"from"`
}

// Pick is a winner or an alternate, by rank from 1.
type Pick struct {
	Rank    int      `json:"rank"`
	ID      string   `json:"id"`
	Handles []Handle `json:"handles"`
}

// Round summarises an earlier draw of the same contest.
type Round struct {
	Round      int       `json:"round"`
	Seed       string    `json:"seed"`
	DrawnAt    time.Time `json:"drawn_at"`
	Winners    []string  `json:"winners"`
	Alternates []string  `json:"alternates"`
	Reason     string    `json:"redraw_reason,omitempty"`
}

// Encode returns the stored form of the record.
func (r *DrawRecord) Encode() ([]byte, error) { return encodeJSON(r) }

// DecodeDraw reads draw.json.
func DecodeDraw(b []byte) (*DrawRecord, error) {
	var r DrawRecord
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode draw: %w", err)
	}
	if r.Format != DrawFormat {
		return nil, fmt.Errorf("decode draw: format %d, this clairon reads format %d", r.Format, DrawFormat)
	}
	return &r, nil
}

// Compute makes the draw of spec from the bytes of an entries snapshot, an
// anchor and a round: eligibility, seed, selection. It is a pure function:
// the same arguments give the same record, DrawnAt and Previous aside.
func Compute(spec *Spec, entries []byte, anchor Anchor, round int) (*DrawRecord, error) {
	snap, err := DecodeSnapshot(entries)
	if err != nil {
		return nil, err
	}
	in := SeedInputs{ContestBlob: spec.Blob, EntriesSHA256: SHA256(entries), AnchorCommit: anchor.Commit, Round: round}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	el := Check(spec, snap)
	rec := &DrawRecord{
		Format: DrawFormat, Algorithm: Algorithm, Contest: spec.ID, ContestFile: spec.Path,
		Timezone: spec.Zone, Opens: spec.Opens.UTC(), Closes: spec.Closes.UTC(),
		Entries: EntriesPath(spec.ID), Anchor: Anchor{Commit: anchor.Commit, Time: anchor.Time.UTC(), From: anchor.From},
		Inputs: in, Seed: in.Seed(),
		Entrants: el.Eligible, Ineligible: el.Ineligible,
		Winners: []Pick{}, Alternates: []Pick{},
	}
	if rec.Entrants == nil {
		rec.Entrants = []Entrant{}
	}
	if rec.Ineligible == nil {
		rec.Ineligible = []Entrant{}
	}
	stream, err := NewStream(rec.Seed)
	if err != nil {
		return nil, err
	}
	picked := Select(el.Eligible, spec.Winners+spec.Alternates, stream)
	for i, e := range picked {
		if i < spec.Winners {
			rec.Winners = append(rec.Winners, Pick{Rank: i + 1, ID: e.ID, Handles: e.Handles})
		} else {
			rec.Alternates = append(rec.Alternates, Pick{Rank: i - spec.Winners + 1, ID: e.ID, Handles: e.Handles})
		}
	}
	return rec, nil
}

// Drawer draws winners and commits the draw on the state branch.
type Drawer struct {
	Store   state.Store
	History History
	Now     func() time.Time
	// Attempts bounds the writes retried after a conflict (default 5).
	Attempts int
}

// DrawOptions asks for a redraw, which needs a reason.
type DrawOptions struct {
	Redraw bool
	Reason string
}

// Draw draws the contest and writes draw.json. It refuses before the
// contest closed, before the entries were collected once after closing,
// when the anchor commit is older than the closing, and when the contest
// was drawn already unless opts asks for a redraw with a reason.
func (d *Drawer) Draw(ctx context.Context, spec *Spec, opts DrawOptions) (*DrawRecord, state.Head, error) {
	now := d.Now()
	if now.Before(spec.Closes) {
		return nil, state.Head{}, refuse(ErrTooEarly, "contest %s closes on %s: the draw happens after", spec.ID, localTime(spec.Closes, zone(spec.Zone)))
	}
	if opts.Redraw && strings.TrimSpace(opts.Reason) == "" {
		return nil, state.Head{}, fmt.Errorf("contest %s: a redraw needs a reason, kept in the draw record (--reason)", spec.ID)
	}
	attempts := d.Attempts
	if attempts <= 0 {
		attempts = 5
	}
	for range attempts {
		snap, err := d.Store.Read(ctx)
		if err != nil {
			return nil, state.Head{}, fmt.Errorf("contest %s: read state: %w", spec.ID, err)
		}
		rec, err := d.prepare(ctx, spec, snap, opts)
		if err != nil {
			return nil, state.Head{}, err
		}
		rec.DrawnAt = now.UTC()
		data, err := rec.Encode()
		if err != nil {
			return nil, state.Head{}, fmt.Errorf("contest %s: encode draw: %w", spec.ID, err)
		}
		cs := state.NewChangeset(drawMessage(rec))
		cs.PutFile(DrawPath(spec.ID), data)
		head, err := d.Store.Write(ctx, snap.Version, cs)
		if errors.Is(err, state.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, state.Head{}, fmt.Errorf("contest %s: write draw: %w", spec.ID, err)
		}
		return rec, head, nil
	}
	return nil, state.Head{}, fmt.Errorf("contest %s: write draw: the state kept changing after %d attempts: %w", spec.ID, attempts, state.ErrConflict)
}

// prepare computes the draw on one read of the state.
func (d *Drawer) prepare(ctx context.Context, spec *Spec, snap *state.Snapshot, opts DrawOptions) (*DrawRecord, error) {
	loc := zone(spec.Zone)
	entries, ok := snap.State.Files[EntriesPath(spec.ID)]
	if !ok {
		return nil, refuse(ErrTooEarly, "contest %s: no entries collected yet: run `clairon contest collect %s` after the contest closes", spec.ID, spec.ID)
	}
	es, err := DecodeSnapshot(entries)
	if err != nil {
		return nil, fmt.Errorf("contest %s: %w", spec.ID, err)
	}
	if last := es.LastCollection(); last.Before(spec.Closes) {
		return nil, refuse(ErrTooEarly, "contest %s: the entries were last collected on %s, before the contest closed on %s: run `clairon contest collect %s` once more",
			spec.ID, localTime(last, loc), localTime(spec.Closes, loc), spec.ID)
	}
	round := 1
	var previous []Round
	if b, ok := snap.State.Files[DrawPath(spec.ID)]; ok {
		prev, err := DecodeDraw(b)
		if err != nil {
			return nil, fmt.Errorf("contest %s: %w", spec.ID, err)
		}
		if !opts.Redraw {
			return nil, refuse(ErrAlreadyDrawn, "contest %s was drawn on %s (seed %s); to draw again, pass --redraw with --reason",
				spec.ID, localTime(prev.DrawnAt, loc), short(prev.Seed))
		}
		round = prev.Inputs.Round + 1
		previous = append(previous, prev.Previous...)
		previous = append(previous, prev.summary())
	}
	anchor, err := d.anchor(ctx, spec, snap.Version)
	if err != nil {
		return nil, err
	}
	rec, err := Compute(spec, entries, anchor, round)
	if err != nil {
		return nil, fmt.Errorf("contest %s: %w", spec.ID, err)
	}
	if len(rec.Entrants) == 0 {
		return nil, refuse(ErrNoEntries, "contest %s: %d entrants, none eligible (see `clairon contest show %s`)", spec.ID, len(rec.Ineligible), spec.ID)
	}
	if round > 1 {
		rec.Reason = strings.TrimSpace(opts.Reason)
	}
	rec.Previous = previous
	return rec, nil
}

// anchor finds the commit whose hash enters the seed, and checks that it
// was made after the contest closed.
func (d *Drawer) anchor(ctx context.Context, spec *Spec, version state.Version) (Anchor, error) {
	if d.History == nil {
		return Anchor{}, fmt.Errorf("contest %s: no state history to take the anchor commit from", spec.ID)
	}
	var c Commit
	var from string
	var err error
	if spec.After != "" {
		from = "draw.after " + spec.After
		c, err = d.History.Resolve(ctx, spec.After)
		if err != nil {
			return Anchor{}, fmt.Errorf("contest %s: draw.after %q: %w", spec.ID, spec.After, err)
		}
	} else {
		from = "entries"
		c, err = lastChange(ctx, d.History, version, EntriesPath(spec.ID))
		if err != nil {
			return Anchor{}, fmt.Errorf("contest %s: find the commit of the entries: %w", spec.ID, err)
		}
	}
	if c.Time.Before(spec.Closes) {
		loc := zone(spec.Zone)
		return Anchor{}, refuse(ErrTooEarly, "contest %s: the anchor commit %s (%s) was made on %s, before the contest closed on %s",
			spec.ID, short(c.Hash), from, localTime(c.Time, loc), localTime(spec.Closes, loc))
	}
	return Anchor{Commit: c.Hash, Time: c.Time.UTC(), From: from}, nil
}

func (r *DrawRecord) summary() Round {
	ids := func(ps []Pick) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	return Round{Round: r.Inputs.Round, Seed: r.Seed, DrawnAt: r.DrawnAt, Winners: ids(r.Winners), Alternates: ids(r.Alternates), Reason: r.Reason}
}

func drawMessage(r *DrawRecord) state.Message {
	verb := "draw"
	if r.Inputs.Round > 1 {
		verb = fmt.Sprintf("redraw (round %d)", r.Inputs.Round)
	}
	subject := fmt.Sprintf("%s contest %s: %s, %s among %s (seed %s)", verb, r.Contest,
		count(len(r.Winners), "winner", "winners"), count(len(r.Alternates), "alternate", "alternates"),
		count(len(r.Entrants), "eligible entrant", "eligible entrants"), short(r.Seed))
	var b strings.Builder
	if r.Reason != "" {
		fmt.Fprintf(&b, "Reason for the redraw: %s\n\n", r.Reason)
	}
	for _, p := range r.Winners {
		fmt.Fprintf(&b, "Winner %d: %s\n", p.Rank, p.ID)
	}
	for _, p := range r.Alternates {
		fmt.Fprintf(&b, "Alternate %d: %s\n", p.Rank, p.ID)
	}
	fmt.Fprintf(&b, "\nCheck it: clairon contest verify %s\n", r.Contest)
	return state.Message{Subject: subject, Body: b.String()}
}

// count writes "1 winner" or "3 winners".
func count(n int, one, many string) string { return fmt.Sprintf("%d %s", n, plural(n, one, many)) }

// refusal is an error that reads as its message and matches its kind.
type refusal struct {
	kind error
	msg  string
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.kind }

func refuse(kind error, format string, args ...any) error {
	return &refusal{kind: kind, msg: fmt.Sprintf(format, args...)}
}
