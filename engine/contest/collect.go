package contest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

// Source is one entry account: its adapter and its copy of the announcement.
type Source struct {
	Account string
	Adapter network.Adapter
	// Ref is the announcement's first message on the account; when zero,
	// Collect reads it from the publication records (see AnnounceRefs).
	Ref network.Ref
	// Domain is the account's own server, for networks whose handles omit
	// it for local people (Mastodon); empty otherwise.
	Domain string
}

// UnsupportedError refuses a collection because some entry accounts are on
// networks that cannot list who replied, reposted or liked.
type UnsupportedError struct {
	Contest string
	// Accounts maps each refused account to its network.
	Accounts map[string]string
}

func (e *UnsupportedError) Error() string {
	var parts []string
	for _, a := range slices.Sorted(maps.Keys(e.Accounts)) {
		parts = append(parts, fmt.Sprintf("%s (%s)", a, e.Accounts[a]))
	}
	nets := map[string]bool{}
	for _, n := range e.Accounts {
		nets[n] = true
	}
	return fmt.Sprintf("contest %s: cannot collect entries on %s: %s cannot list who replied, reposted or liked; remove %s from entry.accounts",
		e.Contest, strings.Join(parts, ", "), strings.Join(slices.Sorted(maps.Keys(nets)), " and "), plural(len(e.Accounts), "this account", "these accounts"))
}

// Is makes errors.Is(err, network.ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == network.ErrUnsupported }

// AnnounceRefs returns the announcement's first message on each entry
// account, from the publication records of st.
func AnnounceRefs(st *state.State, spec *Spec) (map[string]network.Ref, error) {
	out := map[string]network.Ref{}
	var missing []string
	for _, acc := range spec.Accounts {
		r := st.Record(state.Address{Post: spec.Announce, Account: acc})
		ref := network.Ref{}
		if r != nil && (r.Status == state.Published || r.Status == state.Claimed) {
			ref = r.Ref
			if ref.IsZero() && len(r.Parts) > 0 {
				ref = r.Parts[0].Ref
			}
		}
		if ref.IsZero() {
			missing = append(missing, acc)
			continue
		}
		out[acc] = ref
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("contest %s: the announcement %q is not published on %s: entries are collected under it, so publish it first (clairon apply)",
			spec.ID, spec.Announce, strings.Join(missing, ", "))
	}
	return out, nil
}

// Collector gathers entries and keeps them on the state branch.
type Collector struct {
	Store state.Store
	// Now is the clock.
	Now func() time.Time
	// Attempts bounds the writes retried after a conflict (default 5).
	Attempts int
}

// CollectResult says what a collection found and where it was written.
type CollectResult struct {
	Collection
	// PerAccount counts the entries listed on each account, by kind.
	PerAccount map[string]map[network.InteractionKind]int
	Snapshot   *Snapshot
	Head       state.Head
}

// Collect lists the entries on every source for every action of the
// contest, merges them into the snapshot on the state branch and writes it.
// It refuses, before reading or listing anything, when a source's network
// cannot list entries.
func (c *Collector) Collect(ctx context.Context, spec *Spec, sources []Source) (*CollectResult, error) {
	if len(sources) == 0 {
		return nil, fmt.Errorf("contest %s: no entry account to collect from", spec.ID)
	}
	refused := map[string]string{}
	for _, s := range sources {
		if _, ok := s.Adapter.(network.InteractionLister); !ok {
			refused[s.Account] = s.Adapter.Network()
		}
	}
	if len(refused) > 0 {
		return nil, &UnsupportedError{Contest: spec.ID, Accounts: refused}
	}
	sources = slices.Clone(sources)
	for i, s := range sources {
		if !s.Ref.IsZero() {
			continue
		}
		snap, err := c.Store.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("contest %s: read state: %w", spec.ID, err)
		}
		refs, err := AnnounceRefs(snap.State, spec)
		if err != nil {
			return nil, err
		}
		for j := i; j < len(sources); j++ {
			if sources[j].Ref.IsZero() {
				if sources[j].Ref = refs[sources[j].Account]; sources[j].Ref.IsZero() {
					return nil, fmt.Errorf("contest %s: account %s is not among the entry accounts", spec.ID, sources[j].Account)
				}
			}
		}
		break
	}
	started := c.Now()
	res := &CollectResult{PerAccount: map[string]map[network.InteractionKind]int{}}
	var listed []Entry
	var scopes []Scope
	for _, s := range sources {
		l := s.Adapter.(network.InteractionLister)
		res.PerAccount[s.Account] = map[network.InteractionKind]int{}
		for _, kind := range spec.Actions {
			its, err := l.Interactions(ctx, s.Ref, kind, spec.Opens)
			if err != nil {
				if errors.Is(err, network.ErrUnsupported) {
					return nil, fmt.Errorf("contest %s: account %s (%s) cannot list %s, which entry.action requires: %w", spec.ID, s.Account, s.Adapter.Network(), plurals(kind), err)
				}
				return nil, fmt.Errorf("contest %s: account %s: list %s: %w", spec.ID, s.Account, plurals(kind), err)
			}
			for _, it := range its {
				if it.Kind == "" {
					it.Kind = kind
				}
				listed = append(listed, Entry{
					Account: s.Account, Network: s.Adapter.Network(), Kind: it.Kind,
					UserID: it.UserID, Handle: QualifyHandle(it.Handle, s.Domain),
					PostID: it.PostID, URL: it.URL, Text: it.Text, At: it.At,
				})
			}
			res.PerAccount[s.Account][kind] = len(its)
			scopes = append(scopes, Scope{Account: s.Account, Kind: kind})
		}
	}
	now := c.Now()
	path := EntriesPath(spec.ID)
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 5
	}
	for range attempts {
		snap, err := c.Store.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("contest %s: read state: %w", spec.ID, err)
		}
		var prev *Snapshot
		if b, ok := snap.State.Files[path]; ok {
			if prev, err = DecodeSnapshot(b); err != nil {
				return nil, fmt.Errorf("contest %s: %s: %w", spec.ID, path, err)
			}
		}
		merged, col := Merge(prev, spec.ID, listed, scopes, started, now, spec.Closes)
		data, err := merged.Encode()
		if err != nil {
			return nil, fmt.Errorf("contest %s: encode entries: %w", spec.ID, err)
		}
		cs := state.NewChangeset(collectMessage(spec, merged, col, res.PerAccount))
		cs.PutFile(path, data)
		head, err := c.Store.Write(ctx, snap.Version, cs)
		if errors.Is(err, state.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("contest %s: write entries: %w", spec.ID, err)
		}
		res.Collection, res.Snapshot, res.Head = col, merged, head
		return res, nil
	}
	return nil, fmt.Errorf("contest %s: write entries: the state kept changing after %d attempts: %w", spec.ID, attempts, state.ErrConflict)
}

func collectMessage(spec *Spec, s *Snapshot, col Collection, per map[string]map[network.InteractionKind]int) state.Message {
	subject := fmt.Sprintf("collect entries of contest %s: %d new", spec.ID, col.New)
	if col.Missing > 0 {
		subject += fmt.Sprintf(", %d gone", col.Missing)
	}
	subject += fmt.Sprintf(" (%d in all)", len(s.Entries))
	var b strings.Builder
	for _, acc := range slices.Sorted(maps.Keys(per)) {
		var kinds []string
		for _, k := range spec.Actions {
			n, name := per[acc][k], string(k)
			if n != 1 {
				name = plurals(k)
			}
			kinds = append(kinds, fmt.Sprintf("%d %s", n, name))
		}
		fmt.Fprintf(&b, "%s: %s\n", acc, strings.Join(kinds, ", "))
	}
	if col.Reappeared > 0 {
		fmt.Fprintf(&b, "%d entries seen missing before are back\n", col.Reappeared)
	}
	return state.Message{Subject: subject, Body: b.String()}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// plurals names an interaction kind in the plural.
func plurals(k network.InteractionKind) string {
	if k == network.Reply {
		return "replies"
	}
	return string(k) + "s"
}
