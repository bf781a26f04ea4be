package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

// ManualLabel labels a snapshot taken on demand. A new one replaces the last.
const ManualLabel = "manual"

// Delay is a snapshot point: Label is how clairon.yaml writes it ("24h").
type Delay struct {
	Label string
	After time.Duration
}

// ParseDelays reads reports.delays ("1h", "24h", "72h"), sorted by duration.
func ParseDelays(ss []string) ([]Delay, error) {
	var out []Delay
	for _, s := range ss {
		d, err := localtime.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("reports.delays: %w", err)
		}
		if d <= 0 {
			return nil, fmt.Errorf("reports.delays: %q is not after publication", s)
		}
		out = append(out, Delay{Label: strings.TrimSpace(s), After: d})
	}
	slices.SortStableFunc(out, func(a, b Delay) int { return cmp.Compare(a.After, b.After) })
	return out, nil
}

// Collector takes metric snapshots of published posts and writes them to the
// state.
//
// A snapshot labelled with a delay is taken once the post is that old, and
// no later than twice that age: a run that comes later skips it rather than
// record, as "1h", figures read a day after publication. When several
// delays are due, only the latest is taken. Each account's follower count
// is read once per run that snapshots one of its posts, and otherwise once a
// day (by Loc's calendar) for accounts clairon has published on.
type Collector struct {
	Store state.Store
	// Adapter returns an account's adapter (wrapped with retries and rate
	// limits). An adapter that is not a network.MetricsReader gives no
	// metrics, and one that is not a network.FollowerCounter no follower count.
	Adapter func(account string) (network.Adapter, error)
	// Networks maps each account to its network, as clairon.yaml says.
	Networks map[string]string
	Delays   []Delay
	Now      func() time.Time
	Loc      *time.Location
	// Run names the run in commit trailers (optional).
	Run string
	// Redact cleans error texts of secrets (optional).
	Redact func(string) string
	Log    *slog.Logger
	// Attempts bounds the writes tried when other runs keep writing first (default 5).
	Attempts int
}

// CollectOptions narrows a collection.
type CollectOptions struct {
	// Manual snapshots every published post now, labelled "manual",
	// whatever its age.
	Manual bool
	// Keep, when set, limits the collection to the addresses it accepts.
	Keep func(state.Address) bool
}

// Taken is one snapshot written.
type Taken struct {
	Address state.Address
	Label   string
}

// Failure is a reading that failed; it is tried again on the next run.
type Failure struct {
	Account string
	Address state.Address // zero for the follower count or the adapter
	Err     string
}

func (f Failure) String() string {
	if f.Address.IsZero() {
		return f.Account + ": " + f.Err
	}
	return f.Address.String() + ": " + f.Err
}

// Collected is what a collection did.
type Collected struct {
	Snapshots []Taken
	// Followers holds the counts read, by account.
	Followers map[string]int64
	// NoMetrics lists the accounts whose network gives no post metrics.
	NoMetrics []string
	// Dropped are readings not written: the post changed hands meanwhile.
	Dropped  []state.Address
	Failures []Failure
	// Wrote is true when a commit was made; Head is then its version.
	Wrote bool
	Head  state.Head
}

// Summary is one line for people.
func (c *Collected) Summary() string {
	labels := map[string]int{}
	for _, t := range c.Snapshots {
		labels[t.Label]++
	}
	var parts []string
	for _, l := range slices.Sorted(maps.Keys(labels)) {
		parts = append(parts, fmt.Sprintf("%d at %s", labels[l], l))
	}
	s := fmt.Sprintf("Metrics: %s", plural(len(c.Snapshots), "snapshot"))
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	s += fmt.Sprintf(", follower counts of %s", plural(len(c.Followers), "account"))
	if len(c.NoMetrics) > 0 {
		s += fmt.Sprintf("; no metrics on %s", strings.Join(c.NoMetrics, ", "))
	}
	if len(c.Failures) > 0 {
		s += fmt.Sprintf("; %s failed", plural(len(c.Failures), "reading"))
	}
	return s + "."
}

// reading is one due snapshot and, once read, its figures.
type reading struct {
	addr  state.Address
	ref   network.Ref
	label string
	at    time.Time
	m     network.Metrics
	ok    bool
}

// accountRun is what one account gave in a run.
type accountRun struct {
	network, via   string
	metrics, count *bool
	followers      *int64
	at             time.Time
}

// Collect reads the state, takes the snapshots that are due and writes them.
// Failed readings are reported in the result, not as an error: the error
// is for the state store.
func (c *Collector) Collect(ctx context.Context, opts CollectOptions) (*Collected, error) {
	if c.Now == nil || c.Store == nil || c.Adapter == nil {
		return nil, errors.New("collect metrics: store, adapters and clock are required")
	}
	loc := c.Loc
	if loc == nil {
		loc = time.UTC
	}
	snap, err := c.Store.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("collect metrics: read state: %w", err)
	}
	out := &Collected{Followers: map[string]int64{}}
	now := c.Now()
	due, accounts, err := c.due(snap.State, opts, now, loc)
	if err != nil {
		return nil, fmt.Errorf("collect metrics: %w", err)
	}

	runs := map[string]*accountRun{}
	for _, acc := range slices.Sorted(maps.Keys(accounts)) {
		items := due[acc]
		ad, err := c.Adapter(acc)
		if err != nil {
			if len(items) > 0 {
				out.Failures = append(out.Failures, Failure{Account: acc, Err: c.clean(err)})
			} else if c.Log != nil {
				c.Log.Debug("no follower count", "account", acc, "err", c.clean(err))
			}
			continue
		}
		run := &accountRun{network: cmp.Or(c.Networks[acc], ad.Network())}
		if ad.Network() != run.network {
			run.via = ad.Network()
		}
		runs[acc] = run
		mr, hasMetrics := ad.(network.MetricsReader)
		fc, hasCount := ad.(network.FollowerCounter)
		run.metrics, run.count = ptr(hasMetrics), ptr(hasCount)
		if !hasMetrics {
			out.NoMetrics = append(out.NoMetrics, acc)
		}
		if hasCount {
			run.at = c.Now()
			n, err := fc.Followers(ctx)
			if err != nil {
				out.Failures = append(out.Failures, Failure{Account: acc, Err: c.clean(err)})
			} else {
				run.followers = &n
				out.Followers[acc] = n
			}
		}
		if !hasMetrics {
			continue
		}
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			it.at = c.Now()
			m, err := mr.Metrics(ctx, it.ref)
			if err != nil {
				out.Failures = append(out.Failures, Failure{Account: acc, Address: it.addr, Err: c.clean(err)})
				continue
			}
			it.m, it.ok = m, true
		}
	}

	attempts := cmp.Or(c.Attempts, 5)
	for attempt := 1; ; attempt++ {
		cs, taken, dropped, err := c.changes(snap.State, due, runs, loc)
		if err != nil {
			return nil, fmt.Errorf("collect metrics: %w", err)
		}
		out.Snapshots, out.Dropped = taken, dropped
		if cs.Len() == 0 {
			return out, nil
		}
		h, err := c.Store.Write(ctx, snap.Version, cs)
		if err == nil {
			out.Wrote, out.Head = true, h
			return out, nil
		}
		if !errors.Is(err, state.ErrConflict) || attempt >= attempts {
			return nil, fmt.Errorf("collect metrics: write state: %w", err)
		}
		// Another run wrote first: read again and redo the merge with the
		// figures already read.
		if snap, err = c.Store.Read(ctx); err != nil {
			return nil, fmt.Errorf("collect metrics: read state: %w", err)
		}
	}
}

// due finds the snapshots to take, by account, and the accounts to visit.
func (c *Collector) due(st *state.State, opts CollectOptions, now time.Time, loc *time.Location) (map[string][]*reading, map[string]bool, error) {
	due := map[string][]*reading{}
	accounts := map[string]bool{}
	files := map[string]*AccountFile{}
	for _, a := range st.Addresses() {
		r := st.Records[a]
		if opts.Keep != nil && !opts.Keep(a) {
			continue
		}
		if r.Status != state.Published || r.PublishedAt.IsZero() || r.Ref.IsZero() {
			continue
		}
		f, ok := files[a.Account]
		if !ok {
			var err error
			if f, err = ReadAccountFile(st, a.Account); err != nil {
				return nil, nil, err
			}
			files[a.Account] = f
		}
		// Visit every account published on: to learn what its network gives
		// (building an adapter sends no request), and once a day for its
		// follower count.
		switch last, ok := f.Last(); {
		case f.PostMetrics == nil || f.FollowerCount == nil || !*f.PostMetrics || !*f.FollowerCount:
			accounts[a.Account] = true
		case !ok || !sameDay(last.At, now, loc):
			accounts[a.Account] = true
		}
		if f.PostMetrics != nil && !*f.PostMetrics {
			continue
		}
		label := ManualLabel
		if !opts.Manual {
			if label = dueLabel(r, c.Delays, now); label == "" {
				continue
			}
		}
		due[a.Account] = append(due[a.Account], &reading{addr: a, ref: r.Ref, label: label})
		accounts[a.Account] = true
	}
	return due, accounts, nil
}

// dueLabel returns the label of the snapshot due on r at now, or "".
func dueLabel(r *state.Record, delays []Delay, now time.Time) string {
	age := now.Sub(r.PublishedAt)
	for i := len(delays) - 1; i >= 0; i-- {
		d := delays[i]
		if age < d.After {
			continue
		}
		// This delay or a later one already taken: nothing is due.
		for _, later := range delays[i:] {
			if hasLabel(r, later.Label) {
				return ""
			}
		}
		if age >= 2*d.After {
			return "" // missed; earlier delays are older still
		}
		return d.Label
	}
	return ""
}

func hasLabel(r *state.Record, label string) bool {
	for _, s := range r.Metrics {
		if s.Label == label && !s.At.Before(r.PublishedAt) {
			return true
		}
	}
	return false
}

func sameDay(a, b time.Time, loc *time.Location) bool {
	y1, m1, d1 := a.In(loc).Date()
	y2, m2, d2 := b.In(loc).Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// changes builds the changeset of a collection on top of st.
func (c *Collector) changes(st *state.State, due map[string][]*reading, runs map[string]*accountRun, loc *time.Location) (*state.Changeset, []Taken, []state.Address, error) {
	cs := state.NewChangeset(state.Message{Run: c.Run})
	var taken []Taken
	var dropped []state.Address
	for _, acc := range slices.Sorted(maps.Keys(due)) {
		run := runs[acc]
		for _, it := range due[acc] {
			if !it.ok {
				continue
			}
			s := state.MetricsSnapshot{At: it.at, Label: it.label, Metrics: it.m}
			if run != nil && run.followers != nil {
				s.Followers = ptr(*run.followers)
			}
			if err := state.AddMetrics(st, cs, it.addr, s); err != nil {
				dropped = append(dropped, it.addr)
				continue
			}
			taken = append(taken, Taken{Address: it.addr, Label: it.label})
		}
	}
	var counted []string
	for _, acc := range slices.Sorted(maps.Keys(runs)) {
		run := runs[acc]
		f, err := ReadAccountFile(st, acc)
		if err != nil {
			return nil, nil, nil, err
		}
		before := f.Encode()
		f.Network, f.Via = run.network, run.via
		f.PostMetrics, f.FollowerCount = run.metrics, run.count
		if run.followers != nil {
			f.Add(Point{At: run.at, Followers: *run.followers})
			counted = append(counted, acc)
		}
		if after := f.Encode(); string(after) != string(before) {
			cs.PutFile(FollowersPath(acc), after)
		}
	}
	cs.Message.Subject, cs.Message.Body = collectMessage(taken, counted)
	return cs, taken, dropped, nil
}

// collectMessage writes the commit message of a collection.
func collectMessage(taken []Taken, counted []string) (string, string) {
	var subject []string
	if len(taken) > 0 {
		subject = append(subject, fmt.Sprintf("metrics of %s", plural(len(taken), "post")))
	}
	if len(counted) > 0 {
		subject = append(subject, fmt.Sprintf("followers of %s", plural(len(counted), "account")))
	}
	if len(subject) == 0 {
		subject = append(subject, "what each network gives for reports")
	}
	var body strings.Builder
	for _, t := range taken {
		fmt.Fprintf(&body, "%s at %s\n", t.Address, t.Label)
	}
	return "collect " + strings.Join(subject, " and "), body.String()
}

func (c *Collector) clean(err error) string {
	s := err.Error()
	if c.Redact != nil {
		s = c.Redact(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}
