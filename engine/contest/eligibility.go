package contest

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Entrant is one person who entered: one handle on one network, or, when
// one_per_person holds and entry.people links their handles, one person
// across networks.
type Entrant struct {
	// ID is "person:<name>" for a person of entry.people, else
	// "<network>:<handle>" with the handle compared form (no '@', lower case).
	ID      string   `json:"id"`
	Handles []Handle `json:"handles"`
	// Reasons say why the entrant cannot win; empty for an eligible one.
	Reasons []string `json:"reasons,omitempty"`
}

// Handle is how an entrant appears on one network. Its text form, used in
// JSON, is "network:handle" ("mastodon:@lea@piaille.fr").
type Handle struct {
	Network string
	Handle  string
}

// String returns "network:handle".
func (h Handle) String() string { return h.Network + ":" + h.Handle }

// MarshalText writes "network:handle".
func (h Handle) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads "network:handle".
func (h *Handle) UnmarshalText(b []byte) error {
	n, handle, ok := strings.Cut(string(b), ":")
	if !ok || n == "" || handle == "" {
		return fmt.Errorf("handle %q is not network:handle", b)
	}
	h.Network, h.Handle = n, handle
	return nil
}

// Eligibility splits the entrants of a snapshot. Both lists are sorted by ID.
type Eligibility struct {
	Eligible   []Entrant `json:"eligible"`
	Ineligible []Entrant `json:"ineligible"`
}

// Check decides who may win, with the reasons of everyone who may not:
//   - every action of entry.action is needed, on any of the entrant's networks;
//   - an entry counts when it was made within the window (see inWindow) and
//     has not been deleted;
//   - a reply or quote counts only when it contains every must_include term,
//     compared case-insensitively;
//   - a handle or user id listed in entry.exclude cannot win;
//   - with one_per_person (the default), entries by one handle, or by the
//     handles entry.people gives one person, make a single entrant.
func Check(spec *Spec, snap *Snapshot) Eligibility {
	loc := zone(spec.Zone)
	people := map[string]string{}
	if spec.OnePerPerson {
		for name, nets := range spec.People {
			for net, h := range nets {
				people[strings.ToLower(net)+":"+NormHandle(h)] = name
			}
		}
	}
	excluded := map[string]string{}
	for _, x := range spec.Exclude {
		if n := NormHandle(x); n != "" {
			excluded[n] = x
		}
	}
	groups := map[string][]Entry{}
	for _, e := range snap.Entries {
		key := strings.ToLower(e.Network) + ":" + NormHandle(e.Handle)
		id := key
		if name, ok := people[key]; ok {
			id = "person:" + name
		} else if name, ok := people[strings.ToLower(e.Network)+":"+strings.ToLower(e.UserID)]; ok && e.UserID != "" {
			id = "person:" + name
		}
		groups[id] = append(groups[id], e)
	}
	closing := snap.closingCollection(spec.Closes)
	var out Eligibility
	for _, id := range slices.Sorted(maps.Keys(groups)) {
		es := groups[id]
		en := Entrant{ID: id, Handles: handlesOf(es)}
		for _, e := range es {
			if x, ok := excluded[NormHandle(e.Handle)]; ok {
				en.Reasons = appendOnce(en.Reasons, fmt.Sprintf("excluded: entry.exclude lists %s", x))
			} else if x, ok := excluded[strings.ToLower(e.UserID)]; ok && e.UserID != "" {
				en.Reasons = appendOnce(en.Reasons, fmt.Sprintf("excluded: entry.exclude lists %s", x))
			}
		}
		for _, kind := range spec.Actions {
			if r := actionReason(spec, kind, es, closing, loc); r != "" {
				en.Reasons = append(en.Reasons, r)
			}
		}
		if len(en.Reasons) == 0 {
			out.Eligible = append(out.Eligible, en)
		} else {
			out.Ineligible = append(out.Ineligible, en)
		}
	}
	return out
}

// actionReason returns why none of es does kind validly, or "" when one does.
func actionReason(spec *Spec, kind network.InteractionKind, es []Entry, closing time.Time, loc *time.Location) string {
	var of []Entry
	for _, e := range es {
		if e.Kind == kind {
			of = append(of, e)
		}
	}
	if len(of) == 0 {
		return "no " + string(kind)
	}
	var live []Entry
	for _, e := range of {
		if !e.Deleted() {
			live = append(live, e)
		}
	}
	if len(live) == 0 {
		return fmt.Sprintf("%s deleted (seen missing on %s)", kind, localTime(of[0].DeletedAt, loc))
	}
	var timely []Entry
	why := ""
	for _, e := range live {
		if r := inWindow(spec, e, closing, loc); r != "" {
			if why == "" {
				why = r
			}
			continue
		}
		timely = append(timely, e)
	}
	if len(timely) == 0 {
		return fmt.Sprintf("%s %s", kind, why)
	}
	if (kind != network.Reply && kind != network.Quote) || len(spec.MustInclude) == 0 {
		return ""
	}
	for _, e := range timely {
		if containsAll(e.Text, spec.MustInclude) {
			return ""
		}
	}
	return fmt.Sprintf("no %s contains %s", kind, quoteAll(spec.MustInclude))
}

// inWindow returns "" when e was made within the contest's window, else
// why not. An entry the network dates counts when opens <= At <= closes.
// An undated one (Mastodon boosts and favourites, Bluesky reposts) is dated
// by the collections: it counts unless it was first seen before the window
// opened, or first seen by a collection later than the first one made at or
// after closing (closing; zero when there was none).
func inWindow(spec *Spec, e Entry, closing time.Time, loc *time.Location) string {
	if !e.At.IsZero() {
		switch {
		case e.At.Before(spec.Opens):
			return "made before the contest opened (" + localTime(e.At, loc) + ")"
		case e.At.After(spec.Closes):
			return "made after the contest closed (" + localTime(e.At, loc) + ")"
		}
		return ""
	}
	switch {
	case e.FirstSeen.Before(spec.Opens):
		return "seen before the contest opened (" + localTime(e.FirstSeen, loc) + ")"
	case !e.FirstSeen.After(spec.Closes):
		return ""
	case !closing.IsZero() && !e.FirstSeen.After(closing):
		return ""
	}
	return "first seen after the contest closed (" + localTime(e.FirstSeen, loc) + "; the network does not date it)"
}

func containsAll(text string, terms []string) bool {
	t := strings.ToLower(text)
	for _, term := range terms {
		if !strings.Contains(t, strings.ToLower(term)) {
			return false
		}
	}
	return true
}

func quoteAll(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = fmt.Sprintf("%q", t)
	}
	return strings.Join(q, " and ")
}

func handlesOf(es []Entry) []Handle {
	var out []Handle
	for _, e := range es {
		h := Handle{Network: e.Network, Handle: e.Handle}
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b Handle) int {
		return cmp.Or(cmp.Compare(a.Network, b.Network), cmp.Compare(NormHandle(a.Handle), NormHandle(b.Handle)), cmp.Compare(a.Handle, b.Handle))
	})
	return out
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func localTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04:05 -07:00")
}

// zone loads a time zone by name, UTC when it cannot.
func zone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}
