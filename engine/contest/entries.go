package contest

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// SnapshotFormat is the version of entries.json.
const SnapshotFormat = 1

// Snapshot is every entry collected for a contest, merged collection after
// collection: an entry once seen is never removed, only marked deleted.
type Snapshot struct {
	Format  int    `json:"format"`
	Contest string `json:"contest"`
	// Collections lists each collection, oldest first.
	Collections []Collection `json:"collections"`
	// Entries are sorted by account, kind, person and post (see Entry.Key).
	Entries []Entry `json:"entries"`
}

// Collection is one run of `clairon contest collect`.
type Collection struct {
	At time.Time `json:"at"`
	// Accounts were listed by this collection.
	Accounts []string `json:"accounts"`
	// Listed counts what the networks returned; New, Missing and Reappeared
	// what changed in the snapshot.
	Listed     int `json:"listed"`
	New        int `json:"new"`
	Missing    int `json:"missing"`
	Reappeared int `json:"reappeared,omitempty"`
}

// Entry is one reply, repost, like or quote under an entry account's copy of
// the announcement.
type Entry struct {
	Account string                  `json:"account"`
	Network string                  `json:"network"`
	Kind    network.InteractionKind `json:"kind"`
	// UserID is the network's stable id of the person; Handle what people see.
	UserID string `json:"user_id,omitempty"`
	Handle string `json:"handle"`
	// PostID and URL name the reply or quote itself (empty for reposts and likes).
	PostID string `json:"post_id,omitempty"`
	URL    string `json:"url,omitempty"`
	// Text is the reply or quote's text, as last seen while the contest was open.
	Text string `json:"text,omitempty"`
	// At is when the network says the entry was made; zero when it does not
	// say (Mastodon boosts and favourites, Bluesky reposts).
	At time.Time `json:"at,omitzero"`
	// FirstSeen is the time of the first collection that saw the entry.
	FirstSeen time.Time `json:"first_seen"`
	// DeletedAt is the time of the first collection that no longer saw it
	// (zero while it is there).
	DeletedAt time.Time `json:"deleted_at,omitzero"`
}

// Key identifies an entry across collections.
func (e Entry) Key() string {
	who := e.UserID
	if who == "" {
		who = NormHandle(e.Handle)
	}
	return e.Account + "\x00" + string(e.Kind) + "\x00" + who + "\x00" + e.PostID
}

// Deleted reports whether the entry was seen missing.
func (e Entry) Deleted() bool { return !e.DeletedAt.IsZero() }

// NormHandle is the form handles are compared in: no leading '@', lower case.
func NormHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// QualifyHandle turns a Mastodon handle of the entry account's own server
// ("@lea") into its full form ("@lea@piaille.fr"), so that it compares with
// what people write. Handles that have a domain already are left alone.
func QualifyHandle(h, domain string) string {
	bare := strings.TrimPrefix(strings.TrimSpace(h), "@")
	if domain == "" || bare == "" || strings.Contains(bare, "@") {
		return h
	}
	return "@" + bare + "@" + domain
}

// Scope names what one listing covers: an account and an interaction kind.
type Scope struct {
	Account string
	Kind    network.InteractionKind
}

// Merge adds one collection to prev (nil for the first) and returns the new
// snapshot. listed are the entries the networks returned between started
// and now, covering exactly the accounts and kinds of scopes. An entry of
// those scopes that was seen before started and is no longer listed is
// marked deleted at now, never removed; one first seen by a collection that
// ran meanwhile is left alone, since this listing may predate it. While the
// contest is open (now at or before closes) a reply's text follows its
// edits; afterwards it stays as it was at closing.
func Merge(prev *Snapshot, contestID string, listed []Entry, scopes []Scope, started, now, closes time.Time) (*Snapshot, Collection) {
	out := &Snapshot{Format: SnapshotFormat, Contest: contestID}
	if prev != nil {
		out.Collections = slices.Clone(prev.Collections)
		out.Entries = slices.Clone(prev.Entries)
	}
	col := Collection{At: now.UTC(), Listed: len(listed)}
	covered := map[Scope]bool{}
	for _, s := range scopes {
		covered[s] = true
		if !slices.Contains(col.Accounts, s.Account) {
			col.Accounts = append(col.Accounts, s.Account)
		}
	}
	slices.Sort(col.Accounts)
	index := make(map[string]int, len(out.Entries))
	for i, e := range out.Entries {
		index[e.Key()] = i
	}
	seen := map[string]bool{}
	for _, e := range listed {
		k := e.Key()
		if seen[k] {
			continue
		}
		seen[k] = true
		i, ok := index[k]
		if !ok {
			e.FirstSeen, e.DeletedAt = now.UTC(), time.Time{}
			e.At = utc(e.At)
			out.Entries = append(out.Entries, e)
			index[k] = len(out.Entries) - 1
			col.New++
			continue
		}
		old := &out.Entries[i]
		if old.Deleted() {
			old.DeletedAt = time.Time{}
			col.Reappeared++
		}
		old.Handle, old.Network = e.Handle, e.Network
		if e.URL != "" {
			old.URL = e.URL
		}
		if old.At.IsZero() {
			old.At = utc(e.At)
		}
		if !now.After(closes) {
			old.Text = e.Text
		}
	}
	for i := range out.Entries {
		e := &out.Entries[i]
		if covered[Scope{e.Account, e.Kind}] && !seen[e.Key()] && !e.Deleted() && e.FirstSeen.Before(started) && !pastHorizon(*e, started) {
			e.DeletedAt = now.UTC()
			col.Missing++
		}
	}
	out.Collections = append(out.Collections, col)
	sortEntries(out.Entries)
	return out, col
}

// horizons are how far back a network lists entries of a kind, where it does
// not list them all: X finds replies through its recent search, which covers
// the last seven days. An entry older than that is not listed any more, which
// says nothing about whether it was deleted.
var horizons = map[string]map[network.InteractionKind]time.Duration{
	"x": {network.Reply: 7 * 24 * time.Hour},
}

// pastHorizon reports whether e may be missing from a listing made at t only
// because it is too old to be listed (with an hour's margin).
func pastHorizon(e Entry, t time.Time) bool {
	h, ok := horizons[e.Network][e.Kind]
	return ok && !e.At.IsZero() && e.At.Before(t.Add(-h+time.Hour))
}

func sortEntries(es []Entry) {
	type keyed struct {
		key string
		e   Entry
	}
	ks := make([]keyed, len(es))
	for i, e := range es {
		ks[i] = keyed{e.Key(), e}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	for i := range ks {
		es[i] = ks[i].e
	}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// Encode returns the stored form of a snapshot: indented JSON, times in
// UTC, entries sorted, ending with a newline. The same snapshot always
// encodes to the same bytes.
func (s *Snapshot) Encode() ([]byte, error) {
	c := *s
	c.Entries = slices.Clone(s.Entries)
	sortEntries(c.Entries)
	if c.Collections == nil {
		c.Collections = []Collection{}
	}
	if c.Entries == nil {
		c.Entries = []Entry{}
	}
	return encodeJSON(c)
}

// DecodeSnapshot reads entries.json.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode entries snapshot: %w", err)
	}
	if s.Format != SnapshotFormat {
		return nil, fmt.Errorf("decode entries snapshot: format %d, this clairon reads format %d", s.Format, SnapshotFormat)
	}
	return &s, nil
}

// LastCollection returns the time of the latest collection, or zero.
func (s *Snapshot) LastCollection() time.Time {
	var last time.Time
	for _, c := range s.Collections {
		if c.At.After(last) {
			last = c.At
		}
	}
	return last
}

// closingCollection returns the time of the first collection at or after
// closes, or zero when there was none.
func (s *Snapshot) closingCollection(closes time.Time) time.Time {
	var first time.Time
	for _, c := range s.Collections {
		if !c.At.Before(closes) && (first.IsZero() || c.At.Before(first)) {
			first = c.At
		}
	}
	return first
}

// SHA256 returns the hex SHA-256 of b, the way the draw names files.
func SHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// encodeJSON writes v as indented JSON with a final newline, without
// HTML escaping, so that texts stay readable in diffs.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
