package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/contest"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
	"github.com/clairon-dev/clairon/templates"
)

func (a *app) contestCommand() *cobra.Command {
	var sandbox bool
	cmd := &cobra.Command{
		Use:   "contest",
		Short: "Collect the entries of a contest, draw its winners, verify a draw",
		Long: `contest runs a contest (jeu concours) described under contests/:

  collect  lists the replies, reposts, likes or quotes under the announcement
           on each entry account and merges them into a snapshot kept on the
           state branch (contests/ID/entries.json); run it again at will, no
           entry is ever lost
  show     says who is eligible and why the others are not
  draw     after closing, draws the winners and alternates from a seed made
           of committed inputs, commits them (contests/ID/draw.json) and
           drafts the winners' announcement post
  verify   recomputes a committed draw and says whether it matches
  announce drafts the winners' announcement post again from the draw

The draw is reproducible: anyone with the repository can run verify.`,
	}
	cmd.PersistentFlags().BoolVar(&sandbox, "sandbox", false, "use the sandbox state (branch clairon/sandbox) and sandbox accounts")

	collect := &cobra.Command{
		Use:     "collect ID",
		Short:   "Gather the entries made under the announcement so far",
		Example: "  clairon contest collect jeu-concours-noel",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.contestCollect(cmd.Context(), args[0], sandbox)
		},
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show the entries, who is eligible and why the others are not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.contestShow(cmd.Context(), args[0], sandbox)
		},
	}
	var opts contest.DrawOptions
	draw := &cobra.Command{
		Use:   "draw ID",
		Short: "Draw the winners once the contest has closed",
		Long: `draw picks the winners and alternates among the eligible entrants, with a
seed derived from the contest file's blob hash, the entries snapshot's
SHA-256 and a commit made after closing (see docs/contests.md). It commits
the seed, its inputs, the ordered list of entrants and the result to the
state branch, and writes the winners' announcement as a draft post,
posts/ID-gagnants.md, to review in a pull request. It never publishes.

A contest is drawn once; --redraw draws again (round 2, 3…), with a reason
that stays in the record.`,
		Example: `  clairon contest draw jeu-concours-noel
  clairon contest draw jeu-concours-noel --redraw --reason "le gagnant 1 fait partie de l'équipe"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.contestDraw(cmd.Context(), args[0], sandbox, opts)
		},
	}
	draw.Flags().BoolVar(&opts.Redraw, "redraw", false, "draw again although the contest was drawn (needs --reason)")
	draw.Flags().StringVar(&opts.Reason, "reason", "", "why the contest is drawn again; kept in the draw record")
	verify := &cobra.Command{
		Use:     "verify ID",
		Short:   "Recompute a committed draw and compare",
		Example: "  clairon contest verify jeu-concours-noel",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.contestVerify(cmd.Context(), args[0], sandbox)
		},
	}
	announce := &cobra.Command{
		Use:   "announce ID",
		Short: "Draft the winners' announcement post from the committed draw",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.contestOpen(cmd.Context(), args[0], sandbox)
			if err != nil {
				return err
			}
			defer c.close()
			snap, err := c.store.Read(cmd.Context())
			if err != nil {
				return err
			}
			b, ok := snap.State.Files[contest.DrawPath(c.spec.ID)]
			if !ok {
				return fmt.Errorf("contest %s has not been drawn: run `clairon contest draw %s` first", c.spec.ID, c.spec.ID)
			}
			rec, err := contest.DecodeDraw(b)
			if err != nil {
				return err
			}
			return a.contestAnnounce(c, rec)
		},
	}
	cmd.AddCommand(collect, show, draw, verify, announce)
	return cmd
}

// contestRun is what every contest subcommand works with.
type contestRun struct {
	repo    *content.Repo
	doc     *content.Document
	spec    *contest.Spec
	store   *gitstore.Store
	history *contestHistory
	branch  string
}

func (c *contestRun) close() { c.store.Close() }

// contestOpen loads the content, the contest and the state store.
func (a *app) contestOpen(ctx context.Context, id string, sandbox bool) (*contestRun, error) {
	repo, ds, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	if repo.Config == nil {
		a.printDiagnostics(a.stderr, ds, false)
		return nil, errors.New("no clairon.yaml: the contest's accounts and time zone come from it")
	}
	doc, err := contest.Find(repo, id)
	if err != nil {
		return nil, err
	}
	// Problems elsewhere in the repository do not stop a contest, but those
	// of the contest file and of clairon.yaml do.
	var own diag.List
	for _, d := range ds {
		if d.Severity == diag.Error && (d.Pos.File == doc.Path || (repo.ConfigDoc != nil && d.Pos.File == repo.ConfigDoc.Path)) {
			own.Add(d)
		}
	}
	if own.HasErrors() {
		a.printDiagnostics(a.stderr, own, false)
		return nil, &exitCode{code: exitError, err: fmt.Errorf("%s has errors (%s): fix them first", doc.Path, diag.Summary(own))}
	}
	spec, err := contest.NewSpec(doc, rules.Location(repo))
	if err != nil {
		return nil, err
	}
	if ann := contest.FindPost(repo, spec.Announce); ann != nil {
		spec.WithAccounts(ann.Post.To)
	}
	store, err := a.openStore(repo.Config, sandbox)
	if err != nil {
		return nil, err
	}
	hist, err := a.contestHistory(repo.Config)
	if err != nil {
		store.Close()
		return nil, err
	}
	return &contestRun{repo: repo, doc: doc, spec: spec, store: store, history: hist, branch: strings.TrimPrefix(store.Branch(), "refs/heads/")}, nil
}

func (a *app) contestCollect(ctx context.Context, id string, sandbox bool) error {
	c, err := a.contestOpen(ctx, id, sandbox)
	if err != nil {
		return err
	}
	defer c.close()
	spec, cfg := c.spec, c.repo.Config
	if len(spec.Accounts) == 0 {
		return fmt.Errorf("contest %s: no entry accounts (entry.accounts, or the announcement's to:)", spec.ID)
	}
	set := a.adapters(cfg, sandbox, false, filepath.Join(a.dir, ".clairon", "outbox"))
	var sources []contest.Source
	for _, acc := range spec.Accounts {
		ad, err := set.get(acc)
		if err != nil {
			return fmt.Errorf("contest %s: %w", spec.ID, err)
		}
		src := contest.Source{Account: acc, Adapter: ad}
		if ac := cfg.Accounts[acc]; ac != nil && ac.Network == "mastodon" && !sandbox {
			src.Domain = contestServerHost(ac.Settings["server"])
		}
		sources = append(sources, src)
	}
	res, err := (&contest.Collector{Store: c.store, Now: a.now}).Collect(ctx, spec, sources)
	if err != nil {
		var ue *contest.UnsupportedError
		if sandbox && errors.As(err, &ue) {
			return fmt.Errorf("contest %s: the sandbox cannot collect entries on %s: it writes what would be published and has no replies, reposts or likes to list; collect from the networks, without --sandbox",
				spec.ID, strings.Join(slices.Sorted(maps.Keys(ue.Accounts)), ", "))
		}
		return err
	}
	fmt.Fprintf(a.stdout, "Collected the entries of contest %s: %d new", spec.ID, res.New)
	if res.Missing > 0 {
		fmt.Fprintf(a.stdout, ", %d gone (kept, marked deleted)", res.Missing)
	}
	if res.Reappeared > 0 {
		fmt.Fprintf(a.stdout, ", %d back", res.Reappeared)
	}
	fmt.Fprintf(a.stdout, ", %d in all.\n", len(res.Snapshot.Entries))
	for _, acc := range spec.Accounts {
		var parts []string
		for _, k := range spec.Actions {
			n, name := res.PerAccount[acc][k], string(k)
			switch {
			case n == 1:
			case k == "reply":
				name = "replies"
			default:
				name += "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
		fmt.Fprintf(a.stdout, "  %-24s %s\n", acc, strings.Join(parts, ", "))
	}
	el := contest.Check(spec, res.Snapshot)
	fmt.Fprintf(a.stdout, "%d eligible so far, %d not (clairon contest show %s says why).\n", len(el.Eligible), len(el.Ineligible), spec.ID)
	fmt.Fprintf(a.stdout, "Recorded in %s on branch %s (commit %s).\n", contest.EntriesPath(spec.ID), c.branch, contestShort(string(res.Head.Version)))
	now := a.now()
	switch {
	case now.Before(spec.Opens):
		fmt.Fprintf(a.stdout, "The contest opens on %s; entries made before do not count.\n", contestTime(spec.Opens, spec))
	case now.After(spec.Closes):
		fmt.Fprintf(a.stdout, "The contest is closed: `clairon contest draw %s` draws the winners.\n", spec.ID)
	default:
		fmt.Fprintf(a.stdout, "The contest closes on %s: collect again then (or after) to draw.\n", contestTime(spec.Closes, spec))
	}
	return nil
}

func (a *app) contestShow(ctx context.Context, id string, sandbox bool) error {
	c, err := a.contestOpen(ctx, id, sandbox)
	if err != nil {
		return err
	}
	defer c.close()
	spec := c.spec
	snap, err := c.store.Read(ctx)
	if err != nil {
		return err
	}
	b, ok := snap.State.Files[contest.EntriesPath(spec.ID)]
	if !ok {
		return fmt.Errorf("contest %s: no entries collected yet: run `clairon contest collect %s`", spec.ID, spec.ID)
	}
	entries, err := contest.DecodeSnapshot(b)
	if err != nil {
		return err
	}
	el := contest.Check(spec, entries)
	var rec *contest.DrawRecord
	if d, ok := snap.State.Files[contest.DrawPath(spec.ID)]; ok {
		if rec, err = contest.DecodeDraw(d); err != nil {
			return err
		}
	}
	if a.format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Contest     string               `json:"contest"`
			Opens       time.Time            `json:"opens"`
			Closes      time.Time            `json:"closes"`
			Collections []contest.Collection `json:"collections"`
			Entries     int                  `json:"entries"`
			contest.Eligibility
			Draw *contest.DrawRecord `json:"draw,omitempty"`
		}{spec.ID, spec.Opens, spec.Closes, entries.Collections, len(entries.Entries), el, rec})
	}
	deleted := 0
	for _, e := range entries.Entries {
		if e.Deleted() {
			deleted++
		}
	}
	w := a.stdout
	fmt.Fprintf(w, "Contest %s: %s to %s\n", spec.ID, contestTime(spec.Opens, spec), contestTime(spec.Closes, spec))
	fmt.Fprintf(w, "Entries: %d (%d deleted), from %d collections, the last on %s\n", len(entries.Entries), deleted, len(entries.Collections), contestTime(entries.LastCollection(), spec))
	fmt.Fprintf(w, "Entrants: %d eligible, %d not\n\n", len(el.Eligible), len(el.Ineligible))
	bw := bufio.NewWriter(w) // a contest may have thousands of entrants
	tw := tabwriter.NewWriter(bw, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTRANT\tHANDLES\tELIGIBLE")
	for _, e := range el.Eligible {
		fmt.Fprintf(tw, "%s\t%s\tyes\n", e.ID, contestHandles(e.Handles))
	}
	for _, e := range el.Ineligible {
		fmt.Fprintf(tw, "%s\t%s\tno: %s\n", e.ID, contestHandles(e.Handles), strings.Join(e.Reasons, "; "))
	}
	tw.Flush()
	if err := bw.Flush(); err != nil {
		return err
	}
	if rec != nil {
		fmt.Fprintln(w)
		contestPrintDraw(w, rec)
	}
	return nil
}

func (a *app) contestDraw(ctx context.Context, id string, sandbox bool, opts contest.DrawOptions) error {
	c, err := a.contestOpen(ctx, id, sandbox)
	if err != nil {
		return err
	}
	defer c.close()
	d := &contest.Drawer{Store: c.store, History: c.history, Now: a.now}
	rec, head, err := d.Draw(ctx, c.spec, opts)
	if err != nil {
		return err
	}
	if a.format == "json" {
		b, err := rec.Encode()
		if err != nil {
			return err
		}
		a.stdout.Write(b)
	} else {
		contestPrintDraw(a.stdout, rec)
		fmt.Fprintf(a.stdout, "Recorded in %s on branch %s (commit %s).\nAnyone can check it: clairon contest verify %s\n",
			contest.DrawPath(c.spec.ID), c.branch, contestShort(string(head.Version)), c.spec.ID)
	}
	if err := a.contestAnnounce(c, rec); err != nil {
		return &exitCode{code: exitError, err: fmt.Errorf("the draw is recorded, but %w", err)}
	}
	return nil
}

// contestAnnounce writes the winners' announcement draft, never over an
// existing file.
func (a *app) contestAnnounce(c *contestRun, rec *contest.DrawRecord) error {
	name, tmpl := "the built-in template", templates.ContestWinners
	if p := c.spec.Template; p != "" {
		b, err := c.repo.ReadFile(p)
		if err != nil {
			return fmt.Errorf("draw.template %s: %w", p, err)
		}
		name, tmpl = p, string(b)
	}
	to := c.spec.Accounts
	if ann := contest.FindPost(c.repo, c.spec.Announce); ann != nil {
		to = ann.Post.To
	}
	networks := map[string]string{}
	for acc, ac := range c.repo.Config.Accounts {
		if ac != nil {
			networks[acc] = ac.Network
		}
	}
	out, err := contest.Announcement(name, tmpl, contest.NewAnnouncementData(c.spec, rec, to, networks))
	if err != nil {
		return fmt.Errorf("the announcement could not be drafted: %w", err)
	}
	rel := contest.AnnouncementPath(c.spec.ID)
	path := filepath.Join(a.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		fmt.Fprintf(a.stderr, "clairon: %s exists already and was left as it is; delete it and run `clairon contest announce %s` to draft it again.\n", rel, c.spec.ID)
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(out); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "Drafted the winners' announcement in %s (status: draft): review it in a pull request, then set status: ready and at:.\n", rel)
	return nil
}

// contestVerify checks a committed draw. It needs neither the contest file
// as it is now nor a valid one: the draw recorded the blob it was made from.
func (a *app) contestVerify(ctx context.Context, id string, sandbox bool) error {
	repo, _, err := a.load(ctx)
	if err != nil {
		return err
	}
	var current *content.Document
	if d, err := contest.Find(repo, id); err == nil {
		current, id = d, d.ID
	}
	store, err := a.openStore(repo.Config, sandbox)
	if err != nil {
		return err
	}
	defer store.Close()
	hist, err := a.contestHistory(repo.Config)
	if err != nil {
		return err
	}
	v := &contest.Verifier{Store: store, History: hist, Blob: a.contestBlob}
	rep, err := v.Verify(ctx, id, current)
	if err != nil {
		return err
	}
	if a.format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			OK bool `json:"ok"`
			*contest.Report
		}{rep.OK(), rep}); err != nil {
			return err
		}
	} else {
		for _, n := range rep.Notes {
			fmt.Fprintf(a.stdout, "Note: %s\n", n)
		}
		r := rep.Record
		if rep.OK() {
			fmt.Fprintf(a.stdout, "OK: the draw of contest %s (round %d) verifies: seed %s, %d winners and %d alternates among %d eligible entrants.\n",
				id, r.Inputs.Round, r.Seed, len(r.Winners), len(r.Alternates), len(r.Entrants))
			return nil
		}
		fmt.Fprintf(a.stdout, "MISMATCH: the draw of contest %s does not verify:\n", id)
		for _, d := range rep.Diffs {
			fmt.Fprintf(a.stdout, "  - %s\n", d)
		}
	}
	if !rep.OK() {
		return &exitCode{code: exitError, err: fmt.Errorf("the draw of contest %s does not verify (%d differences)", id, len(rep.Diffs))}
	}
	return nil
}

// contestBlob reads a blob of the content's git repository, for a contest
// file changed since its draw.
func (a *app) contestBlob(_ context.Context, hash string) ([]byte, error) {
	repo, err := git.PlainOpenWithOptions(a.dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("the content is not in a git repository: %w", err)
	}
	b, err := repo.BlobObject(plumbing.NewHash(hash))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", hash, err)
	}
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func contestPrintDraw(w io.Writer, r *contest.DrawRecord) {
	title := "Draw"
	if r.Inputs.Round > 1 {
		title = fmt.Sprintf("Redraw (round %d, because: %s)", r.Inputs.Round, r.Reason)
	}
	fmt.Fprintf(w, "%s of contest %s, %s\n", title, r.Contest, r.DrawnAt.Format(time.RFC3339))
	fmt.Fprintf(w, "  seed      %s\n", r.Seed)
	fmt.Fprintf(w, "            SHA-256 of %s, contest blob %s, entries %s, anchor commit %s (%s), round %d\n",
		r.Algorithm, contestShort(r.Inputs.ContestBlob), contestShort(r.Inputs.EntriesSHA256), contestShort(r.Inputs.AnchorCommit), r.Anchor.From, r.Inputs.Round)
	fmt.Fprintf(w, "  entrants  %d eligible, %d not\n", len(r.Entrants), len(r.Ineligible))
	if len(r.Winners)+len(r.Alternates) == len(r.Entrants) {
		fmt.Fprintln(w, "  (every eligible entrant was drawn)")
	}
	fmt.Fprintln(w, "Winners")
	for _, p := range r.Winners {
		fmt.Fprintf(w, "  %d. %s\n", p.Rank, contestHandles(p.Handles))
	}
	if len(r.Alternates) > 0 {
		fmt.Fprintln(w, "Alternates, in order")
		for _, p := range r.Alternates {
			fmt.Fprintf(w, "  %d. %s\n", p.Rank, contestHandles(p.Handles))
		}
	}
}

func contestHandles(hs []contest.Handle) string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Handle+" ("+h.Network+")")
	}
	return strings.Join(out, ", ")
}

func contestTime(t time.Time, s *contest.Spec) string {
	if t.IsZero() {
		return "never"
	}
	loc, err := time.LoadLocation(s.Zone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func contestShort(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// serverHost returns the host of a Mastodon account's server setting
// ("https://piaille.fr" or "piaille.fr").
func contestServerHost(s string) string {
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		return strings.ToLower(u.Hostname())
	}
	return strings.ToLower(strings.TrimSuffix(s, "/"))
}

// contestHistory reads commits of the repository holding the state branch,
// for the draw's anchor and for verification.
type contestHistory struct {
	repo   *git.Repository
	remote string
}

func (a *app) contestHistory(cfg *content.Config) (*contestHistory, error) {
	path := a.stateRepo
	if path == "" {
		path = a.dir
	}
	abs, _ := filepath.Abs(path)
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		repo, err = git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	}
	if err != nil {
		return nil, fmt.Errorf("open the state repository %s: %w", abs, err)
	}
	h := &contestHistory{repo: repo}
	if cfg != nil {
		h.remote = cfg.State.Remote
	}
	return h, nil
}

func (h *contestHistory) commit(hash plumbing.Hash) (*object.Commit, contest.Commit, error) {
	c, err := h.repo.CommitObject(hash)
	if err != nil {
		return nil, contest.Commit{}, fmt.Errorf("commit %s: %w", hash, err)
	}
	return c, contest.Commit{Hash: c.Hash.String(), Time: c.Committer.When.UTC()}, nil
}

func (h *contestHistory) Resolve(_ context.Context, rev string) (contest.Commit, error) {
	hash, err := h.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil && h.remote != "" {
		hash, err = h.repo.ResolveRevision(plumbing.Revision("refs/remotes/" + h.remote + "/" + rev))
	}
	if err != nil {
		return contest.Commit{}, fmt.Errorf("revision %q: %w", rev, err)
	}
	if tag, err := h.repo.TagObject(*hash); err == nil { // an annotated tag
		target, err := tag.Commit()
		if err != nil {
			return contest.Commit{}, fmt.Errorf("revision %q: %w", rev, err)
		}
		*hash = target.Hash
	}
	_, c, err := h.commit(*hash)
	return c, err
}

func (h *contestHistory) Parent(_ context.Context, hash string) (contest.Commit, bool, error) {
	c, _, err := h.commit(plumbing.NewHash(hash))
	if err != nil {
		return contest.Commit{}, false, err
	}
	if len(c.ParentHashes) == 0 {
		return contest.Commit{}, false, nil
	}
	_, p, err := h.commit(c.ParentHashes[0])
	return p, err == nil, err
}

func (h *contestHistory) ReadFile(_ context.Context, hash, path string) ([]byte, bool, error) {
	c, _, err := h.commit(plumbing.NewHash(hash))
	if err != nil {
		return nil, false, err
	}
	f, err := c.File(path)
	if errors.Is(err, object.ErrFileNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s at %s: %w", path, hash, err)
	}
	s, err := f.Contents()
	if err != nil {
		return nil, false, err
	}
	return []byte(s), true, nil
}
