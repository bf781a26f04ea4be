package plan

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/cache"
	"github.com/clairon-dev/clairon/engine/calendar"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/internal/parallel"
	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
)

// MaxAttempts is how many failed publications of the same content are
// retried before the change is held for a person to look at.
const MaxAttempts = 5

// Input is everything a plan depends on.
type Input struct {
	Repo *content.Repo
	// Caps gives each account's capabilities; nil treats every network as
	// unable to edit.
	Caps render.Capabilities
	// Snapshot is the state the plan is made against.
	Snapshot *state.Snapshot
	// Now is the plan's time (`--at` sets it).
	Now time.Time
	// Accounts limits the plan to these accounts; empty means all.
	Accounts []string
	// SourceCommit is recorded in the plan.
	SourceCommit string
	// Renderer is reused when given (its media hashes are cached).
	Renderer *render.Renderer
	// Memo, when set, remembers each post's digest per account between runs,
	// so only changed posts, and posts with something to do, are rendered.
	Memo Memo
	// OutputBudget is how many rendered outputs a plan keeps for posts that
	// are not due; beyond it, scheduled posts' outputs are made again when
	// shown (Plan.OutputOf). 0 means DefaultOutputBudget; negative, none.
	OutputBudget int
}

// DefaultOutputBudget keeps every output up to about 100 MB of them
// (10,000 posts on three networks): larger repositories plan in bounded
// memory, and pay a second rendering of their scheduled posts to show them.
const DefaultOutputBudget = 50_000

// Memo remembers rendered digests (see engine/cache).
type Memo interface {
	// Renders returns what PutDigest remembered for the blob at path.
	Renders(path, blob string) []cache.Render
	PutDigest(path, blob, account string, r cache.Render)
}

// desired is one (post, account) the content wants published: its change,
// made as soon as the digest is known (address, network, path, digest, the
// rendered output when kept, then the time and slot) and decided once the
// record is found. The changes of a chunk of posts are one allocation.
type desired struct {
	ch    *Change
	doc   *content.Document
	draft bool
	rec   *state.Record // the state's record at the address, if any
}

// renderer is in.Renderer, or a new one when none was given.
func (in Input) renderer() *render.Renderer {
	if in.Renderer != nil {
		return in.Renderer
	}
	return render.New(in.Repo, in.Caps)
}

// RenderDiagnostics renders every post for each of its accounts and returns
// what the rendering found (lengths, mentions, media, polls, counted the way
// each network counts), as Make reports it. Only in.Repo, in.Caps,
// in.Renderer and in.Memo are used: posts the memo remembers from an earlier
// run in the same context are not rendered again, and those rendered now are
// remembered.
func RenderDiagnostics(in Input) diag.List {
	var ds diag.List
	if in.Repo.Config == nil {
		return ds
	}
	digests(in, in.renderer(), in.Repo.Posts(), func(int) bool { return false }, &ds)
	return ds
}

// Make computes the plan. Diagnostics are the rendering problems (too long,
// unknown mentions…) and the plan's warnings; when they hold errors the plan
// must not be applied.
func Make(in Input) (*Plan, diag.List) {
	var ds diag.List
	st := in.Snapshot.State
	p := &Plan{FormatVersion: FormatVersion, CreatedAt: in.Now.UTC(), SourceCommit: in.SourceCommit,
		StateLineage: st.Lineage, StateSerial: st.Serial, StateVersion: in.Snapshot.Version}
	cfg := in.Repo.Config
	if cfg == nil {
		return p, ds
	}
	loc := rules.Location(in.Repo)
	r := in.renderer()
	wanted := func(account string) bool {
		return len(in.Accounts) == 0 || slices.Contains(in.Accounts, account)
	}

	cals := map[string]*calendar.Calendar{}
	for _, c := range calendar.ResolveAll(in.Repo, loc) {
		cals[c.ID] = c
	}

	// Desired publications, with fixed times first so that next-slot posts
	// fill what is left.
	var want []*desired
	var nextSlot []*desired
	posts := in.Repo.Posts()
	ats := make([]time.Time, len(posts))
	parallel.Chunks(len(posts), decideChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if at := posts[i].Post.At; at != "" && at != content.AtNextSlot {
				if t, err := localtime.Parse(at, loc); err == nil {
					ats[i] = t.Time
				}
			}
		}
	})
	// Outputs are kept for what is due, and for the rest within the budget;
	// a scheduled post's output not kept is made again when it is shown: at
	// 100,000 posts, keeping them all was more than half of the memory.
	budget, outputs := in.OutputBudget, 0
	if budget == 0 {
		budget = DefaultOutputBudget
	}
	for _, d := range posts {
		outputs += len(d.Post.To)
	}
	keepAll := outputs <= budget
	perPost := digests(in, r, posts, func(i int) bool { return keepAll || !ats[i].After(in.Now) }, &ds)
	first := make([]int, len(posts)+1) // post i's publications are want[first[i]:first[i+1]]
	for i, d := range posts {
		first[i] = len(want)
		at := ats[i]
		for _, w := range perPost[i] {
			if !wanted(w.ch.Address.Account) {
				continue
			}
			if d.Post.At == content.AtNextSlot {
				nextSlot = append(nextSlot, w)
			}
			w.ch.At = at
			want = append(want, w)
		}
	}
	first[len(posts)] = len(want)
	assignSlots(nextSlot, want, cals, st, in.Now, &ds)
	order, sameIDs := byID(posts)

	// Each desired publication's record, looked up once; records are then
	// told apart by pointer, cheaper than by address at 100,000 records.
	// When every record is matched, exactly once, no post was renamed and
	// none left the repository: the searches for both are skipped.
	parallel.Chunks(len(want), decideChunk, func(lo, hi int) {
		for _, w := range want[lo:hi] {
			w.rec = st.Record(w.ch.Address)
		}
	})
	matchedCount := 0
	for _, w := range want {
		if w.rec != nil {
			matchedCount++
		}
	}
	var matched map[*state.Record]bool
	everyRecordMatched := matchedCount == len(st.Records) && !sameIDs
	moves := map[*desired]*state.Record{}
	if !everyRecordMatched {
		matched = make(map[*state.Record]bool, len(want))
		for _, w := range want {
			if w.rec != nil {
				matched[w.rec] = true
			}
		}
		moves = findMoves(want, st, matched)
	}

	h := newHolds(cfg, loc, cals, in.Now)
	refs := make([]network.Ref, len(want))
	decided := make([]diag.List, len(want)/decideChunk+1)
	parallel.Chunks(len(want), decideChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			w := want[i]
			ch := w.ch
			decide(ch, &refs[i], w, w.rec, moves[w], cfg, in.Caps, in.Now, &decided[lo/decideChunk])
			if ch.Action == NoOp {
				// Nothing to publish, nothing to preview: the plan stays the
				// same whether the output was rendered or remembered.
				ch.Output = nil
			} else {
				ch.Key = Key(ch.Address, ch.Digest)
			}
		}
	})
	for _, l := range decided {
		ds.Add(l...)
	}
	var unrendered []int // changes to show whose digest was remembered
	for i, w := range want {
		ch := w.ch
		if ch.Action != NoOp && ch.Output == nil && !ch.Scheduled {
			unrendered = append(unrendered, i)
		}
		if ch.Action.Writes() && ch.Action != Reconcile {
			h.apply(ch)
		}
	}
	// Changes in address order: posts by id, then each post's accounts.
	p.Changes = make([]*Change, 0, len(want)+len(st.Records)-matchedCount)
	for _, i := range order {
		start := len(p.Changes)
		for _, w := range want[first[i]:first[i+1]] {
			p.Changes = append(p.Changes, w.ch)
		}
		slices.SortFunc(p.Changes[start:], func(a, b *Change) int {
			return strings.Compare(a.Address.Account, b.Address.Account)
		})
	}
	renderRemembered(r, want, unrendered)
	p.renderer = r
	p.docs = sync.OnceValue(func() map[string]*content.Document {
		docs := make(map[string]*content.Document, len(posts))
		for _, d := range posts {
			docs[d.Path] = d
		}
		return docs
	})
	if !everyRecordMatched {
		// Records whose post is gone from the repository, put in order.
		moved := map[*state.Record]bool{}
		for _, from := range moves {
			moved[from] = true
		}
		for a, rec := range st.Records {
			if matched[rec] || moved[rec] || !wanted(a.Account) {
				continue
			}
			if ch := orphan(rec, cfg, in.Now); ch != nil {
				if ch.Action == Delete {
					h.apply(ch)
				}
				p.Changes = append(p.Changes, ch)
			}
		}
		slices.SortStableFunc(p.Changes, func(a, b *Change) int { return a.Address.Compare(b.Address) })
	}
	p.Diagnostics = ds.Sort()
	return p, p.Diagnostics
}

// decide picks the action for a desired publication given its record.
// ch is w's change, with only what digests and assignSlots set. ref is
// where the change's Ref is kept, so that a plan's refs take one
// allocation.
func decide(ch *Change, ref *network.Ref, w *desired, rec, movedFrom *state.Record, cfg *content.Config, caps render.Capabilities, now time.Time, ds *diag.List) {
	due := ch.At.IsZero() || !ch.At.After(now)
	schedule := func() {
		if !due {
			ch.Scheduled = true
		}
		if w.draft {
			ch.Held = "draft"
		}
	}
	if movedFrom != nil && rec == nil {
		from := movedFrom.Address
		ch.Action, ch.MovedFrom = NoOp, &from
		ch.Reason = fmt.Sprintf("renamed from %s: the published post moves with it, nothing is published again", from.Post)
		ch.Ref, ch.PriorDigest = refOf(ref, movedFrom), movedFrom.Digest
		return
	}
	if rec == nil {
		ch.Action, ch.Reason = Create, "new post"
		schedule()
		return
	}
	ch.PriorDigest = rec.Digest
	ch.Ref = refOf(ref, rec)
	switch rec.Status {
	case state.Claimed:
		if rec.Expired(now) {
			ch.Action = Reconcile
			ch.Reason = fmt.Sprintf("run %s claimed it and stopped without a result (lease expired %s): apply will look it up on the network", rec.Claim.Run, rec.Claim.Expires.UTC().Format(time.RFC3339))
			return
		}
		ch.Action = NoOp
		ch.Reason = fmt.Sprintf("in progress: run %s holds it until %s", rec.Claim.Run, rec.Claim.Expires.UTC().Format(time.RFC3339))
		return
	case state.Unconfirmed:
		ch.Action = Unconfirmed
		ch.Reason = "an earlier publication's outcome is unknown: check the network, then run `clairon resolve " + ch.Address.String() + " --published URL` or `--not-published`"
		return
	case state.Failed:
		ch.ResumeAt = len(rec.Parts)
		ch.Action, ch.Reason = Create, "retry after a failure: "+rec.LastError
		if ch.ResumeAt > 0 {
			ch.Reason = fmt.Sprintf("resume the thread at part %d: %s", ch.ResumeAt+1, rec.LastError)
		}
		if rec.Attempts >= MaxAttempts {
			ch.Held = fmt.Sprintf("gave up after %d attempts (%s): fix the post, or run `clairon resolve`", rec.Attempts, rec.LastError)
		}
		schedule()
		return
	case state.Deleted:
		ch.Action, ch.Reason = Create, "published again after it was deleted"
		schedule()
		return
	}
	// Published.
	if rec.Digest == ch.Digest {
		ch.Action = NoOp
		if rec.Path != "" && rec.Path != ch.Path {
			ch.Reason = "file moved from " + rec.Path
		}
		return
	}
	c, known := network.Capabilities{}, false
	if caps != nil {
		c, known = caps(ch.Address.Account)
	}
	acc := cfg.Accounts[ch.Address.Account]
	switch {
	case known && c.Edit:
		ch.Action, ch.Reason = Update, "content changed"
	case acc != nil && acc.Repost:
		ch.Action, ch.Reason = Replace, fmt.Sprintf("content changed and %s cannot edit: the post is deleted and published again (its likes and replies are lost)", ch.Network)
	default:
		ch.Action = NoOp
		ch.Reason = fmt.Sprintf("content changed but %s cannot edit published posts; set repost: true on the account to replace it", ch.Network)
		ds.Warnf(w.doc.Pos(), "cannot-edit", "set repost: true on the account to delete and re-publish, or revert the change", "%s was already published on %s and cannot be edited there; the change will not be published", ch.Address.Post, ch.Address.Account)
		return
	}
	schedule()
}

// refOf copies rec's reference to dst and returns it; nil when there is
// none.
func refOf(dst *network.Ref, rec *state.Record) *network.Ref {
	if rec == nil || rec.Ref.IsZero() {
		return nil
	}
	*dst = rec.Ref
	return dst
}

// orphan returns the change for a record whose post left the repository.
func orphan(rec *state.Record, cfg *content.Config, now time.Time) *Change {
	ch := &Change{Address: rec.Address, Path: rec.Path, PriorDigest: rec.Digest, Ref: refOf(new(network.Ref), rec)}
	acc := cfg.Accounts[rec.Address.Account]
	if acc != nil {
		ch.Network = acc.Network
	}
	switch rec.Status {
	case state.Published:
		if acc != nil && acc.Prune {
			ch.Action, ch.Reason = Delete, "removed from the repository, and prune is on for "+rec.Address.Account
			return ch
		}
		ch.Action, ch.Reason = NoOp, "removed from the repository; left on the network (prune is off)"
		return ch
	case state.Unconfirmed:
		ch.Action, ch.Reason = Unconfirmed, "removed from the repository, but an earlier publication's outcome is unknown: run `clairon resolve`"
		return ch
	case state.Claimed:
		if rec.Expired(now) {
			ch.Action, ch.Reason = Reconcile, "removed from the repository while a run's claim expired: apply will look it up"
			return ch
		}
		ch.Action, ch.Reason = NoOp, "removed from the repository while run "+rec.Claim.Run+" is publishing it"
		return ch
	}
	return nil
}

// findMoves matches new addresses with published records of the same
// account and digest whose post is gone: a renamed file or changed id.
func findMoves(want []*desired, st *state.State, matched map[*state.Record]bool) map[*desired]*state.Record {
	gone := map[string]*state.Record{} // account + digest -> record
	for a, rec := range st.Records {
		if !matched[rec] && rec.Status == state.Published && rec.Digest != "" {
			k := a.Account + "\x00" + rec.Digest
			// Two gone records with one digest: the first address wins, so
			// the answer does not depend on map order.
			if prev, dup := gone[k]; !dup || a.Compare(prev.Address) < 0 {
				gone[k] = rec
			}
		}
	}
	out := map[*desired]*state.Record{}
	if len(gone) == 0 {
		return out // nothing was renamed
	}
	for _, w := range want {
		if w.rec != nil {
			continue
		}
		k := w.ch.Address.Account + "\x00" + w.ch.Digest
		if rec, ok := gone[k]; ok {
			out[w] = rec
			delete(gone, k)
		}
	}
	return out
}

// assignSlots gives each next-slot post the first free slot of its
// calendar at or after now, in path order, avoiding times other posts
// already take on the same accounts. Published posts keep the time they
// were published at.
func assignSlots(next, all []*desired, cals map[string]*calendar.Calendar, st *state.State, now time.Time, ds *diag.List) {
	if len(next) == 0 {
		return // the times taken matter only to next-slot posts
	}
	taken := map[string]map[int64]bool{}
	take := func(account string, t time.Time) {
		if taken[account] == nil {
			taken[account] = map[int64]bool{}
		}
		taken[account][t.Unix()] = true
	}
	for _, w := range all {
		if !w.ch.At.IsZero() {
			take(w.ch.Address.Account, w.ch.At)
		}
	}
	// Group the accounts of each post: one slot serves all of them.
	type group struct {
		doc  *content.Document
		ws   []*desired
		accs []string
	}
	var groups []*group
	byDoc := map[*content.Document]*group{}
	for _, w := range next {
		g := byDoc[w.doc]
		if g == nil {
			g = &group{doc: w.doc}
			byDoc[w.doc] = g
			groups = append(groups, g)
		}
		g.ws = append(g.ws, w)
		g.accs = append(g.accs, w.ch.Address.Account)
	}
	for _, g := range groups {
		if pub := publishedAt(g.ws, st); !pub.IsZero() {
			for _, w := range g.ws {
				w.ch.At = pub
			}
			continue
		}
		cal := cals[g.doc.Post.Calendar]
		if cal == nil {
			continue // validate reports the unknown calendar
		}
		o, ok := cal.NextFree(g.accs, now, func(a string, t time.Time) bool { return taken[a][t.Unix()] })
		if !ok {
			ds.Errorf(g.doc.PosOf("at"), "next-slot", "add slots for these accounts to the calendar, or give the post a date", "no free slot left in calendar %q for %s", cal.ID, strings.Join(g.accs, ", "))
			for _, w := range g.ws {
				w.draft = true // never publish a post without a time
			}
			continue
		}
		label := o.At.In(cal.Loc).Format("Mon 2 Jan 15:04")
		if o.Slot.Theme != "" {
			label += " · " + o.Slot.Theme
		}
		for _, w := range g.ws {
			w.ch.At, w.ch.Slot = o.At, cal.ID+": "+label
			take(w.ch.Address.Account, o.At)
		}
	}
}

func publishedAt(ws []*desired, st *state.State) time.Time {
	for _, w := range ws {
		if rec := st.Record(w.ch.Address); rec != nil && !rec.PublishedAt.IsZero() {
			return rec.PublishedAt
		}
	}
	return time.Time{}
}

// digests returns each post's desired publications with their digests:
// from the memo when every account of the post is remembered for its
// current blob, else by rendering (in parallel) and remembering. The
// outputs of post i are kept when keep(i).
func digests(in Input, r *render.Renderer, posts []*content.Document, keep func(int) bool, ds *diag.List) [][]*desired {
	out := make([][]*desired, len(posts))
	// Remembered posts are looked up on every core; each chunk's
	// diagnostics are kept in order.
	remembered := make([]diag.List, len(posts)/decideChunk+1)
	hit := make([]bool, len(posts))
	parallel.Chunks(len(posts), decideChunk, func(lo, hi int) {
		// One allocation of changes, one of publications and one of
		// pointers per chunk, sized for every account of its posts.
		n := 0
		for _, d := range posts[lo:hi] {
			n += len(d.Post.To)
		}
		a := &memoSlabs{changes: make([]Change, 0, n), desired: make([]desired, 0, n), ptrs: make([]*desired, 0, n)}
		for i := lo; i < hi; i++ {
			out[i], hit[i] = fromMemo(in, posts[i], &remembered[lo/decideChunk], a)
		}
	})
	for _, l := range remembered {
		ds.Add(l...)
	}
	var miss []*content.Document
	var missAt []int
	for i, d := range posts {
		if !hit[i] {
			miss = append(miss, d)
			missAt = append(missAt, i)
		}
	}
	dss := make([]diag.List, len(miss))
	r.RenderEach(miss, func(j int, rendered []*render.Output, rds diag.List) {
		d, i := miss[j], missAt[j]
		dss[j] = rds
		var own diag.List // the diagnostics about the post's own file
		for _, x := range rds {
			if x.Pos.File == d.Path {
				own = append(own, x)
			}
		}
		// A post's changes, publications and pointers: three allocations.
		chs, ws := make([]Change, len(rendered)), make([]desired, len(rendered))
		out[i] = make([]*desired, 0, len(rendered))
		for k, o := range rendered {
			chs[k] = newChange(d, o.Account, o.Network, o.Digest)
			if keep(i) {
				chs[k].Output = o
			}
			ws[k] = desired{ch: &chs[k], doc: d, draft: d.Post.IsDraft()}
			out[i] = append(out[i], &ws[k])
			if in.Memo != nil {
				// The post's render diagnostics are kept with its first account.
				var kept diag.List
				if k == 0 {
					kept = own
				}
				in.Memo.PutDigest(d.Path, d.Blob, o.Account, cache.Render{Digest: o.Digest, Network: o.Network, Diags: kept})
			}
		}
	})
	for _, rds := range dss {
		ds.Add(rds...)
	}
	return out
}

// renderRemembered renders, in parallel, the posts of the changes at idx:
// their digest came from the memo, and they have something to do, so the
// plan shows them. Their diagnostics were remembered with the digest.
func renderRemembered(r *render.Renderer, want []*desired, idx []int) {
	if len(idx) == 0 {
		return
	}
	var docs []*content.Document
	seen := map[*content.Document]int{}
	for _, i := range idx {
		if _, ok := seen[want[i].doc]; !ok {
			seen[want[i].doc] = len(docs)
			docs = append(docs, want[i].doc)
		}
	}
	outs, _ := r.RenderPosts(docs)
	for _, i := range idx {
		for _, o := range outs[seen[want[i].doc]] {
			if o.Account == want[i].ch.Address.Account {
				want[i].ch.Output = o
			}
		}
	}
}

// newChange is the change of post d for account, before times and the
// decision: what the digest's rendering or the memo gives.
func newChange(d *content.Document, account, network, digest string) Change {
	return Change{Address: state.Address{Post: d.ID, Account: account}, Network: network, Path: d.Path, Digest: digest}
}

// memoSlabs are a chunk's allocations for the publications fromMemo
// makes; each has room for all of them, so pointers into them stay valid.
type memoSlabs struct {
	changes []Change
	desired []desired
	ptrs    []*desired
}

// fromMemo returns a post's publications from the digests the memo
// remembers, appended to a's slabs; false when the memo lacks any of them.
func fromMemo(in Input, d *content.Document, ds *diag.List, a *memoSlabs) ([]*desired, bool) {
	if in.Memo == nil || d.Blob == "" {
		return nil, false
	}
	renders := in.Memo.Renders(d.Path, d.Blob)
	if renders == nil {
		return nil, false
	}
	start := len(a.ptrs)
	var keep diag.List
	for _, acc := range d.Post.To {
		if in.Repo.Config.Accounts[acc] == nil {
			continue
		}
		i := slices.IndexFunc(renders, func(r cache.Render) bool { return r.Account == acc })
		if i < 0 {
			n := len(a.ptrs) - start // drop what this post added
			a.changes, a.desired, a.ptrs = a.changes[:len(a.changes)-n], a.desired[:len(a.desired)-n], a.ptrs[:start]
			return nil, false
		}
		m := &renders[i]
		keep = append(keep, m.Diags...)
		a.changes = append(a.changes, newChange(d, acc, m.Network, m.Digest))
		a.desired = append(a.desired, desired{ch: &a.changes[len(a.changes)-1], doc: d, draft: d.Post.IsDraft()})
		a.ptrs = append(a.ptrs, &a.desired[len(a.desired)-1])
	}
	ds.Add(keep...)
	return a.ptrs[start:len(a.ptrs):len(a.ptrs)], true
}

// decideChunk is how many changes a worker decides at a time; a chunk's
// warnings are gathered in its own list, in order.
const decideChunk = 2048

// byID returns the indexes of posts in id order (path order among equal
// ids), and whether two posts share an id (validate reports it). Posts come
// in path order, which is id order unless ids were given.
func byID(posts []*content.Document) (order []int, sameIDs bool) {
	order = make([]int, len(posts))
	sorted := true
	for i := range posts {
		order[i] = i
		if i > 0 && posts[i-1].ID >= posts[i].ID {
			sorted = false
		}
	}
	if !sorted {
		slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(posts[a].ID, posts[b].ID) })
		for k := 1; k < len(order); k++ {
			if posts[order[k-1]].ID == posts[order[k]].ID {
				sameIDs = true
			}
		}
	}
	return order, sameIDs
}
