package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/state"
)

func (a *app) stateCommand() *cobra.Command {
	var sandbox bool
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Inspect and adopt publication records",
		Long: `state reads the records clairon keeps on the state branch: one per post and
account, with its status, the network's id and URL, the content digest and
idempotency key, the claim in progress, and metric snapshots.`,
	}
	cmd.PersistentFlags().BoolVar(&sandbox, "sandbox", false, "use the sandbox state (branch clairon/sandbox)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the records",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			snap, err := a.readState(cmd.Context(), sandbox)
			if err != nil {
				return err
			}
			if a.format == "json" {
				recs := make([]*state.Record, 0, len(snap.State.Records))
				for _, ad := range snap.State.Addresses() {
					recs = append(recs, snap.State.Record(ad))
				}
				return json.NewEncoder(a.stdout).Encode(recs)
			}
			// Buffered: tabwriter writes a line at a time, and a state
			// holds tens of thousands of records.
			bw := bufio.NewWriter(a.stdout)
			tw := tabwriter.NewWriter(bw, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ADDRESS\tSTATUS\tPUBLISHED\tURL")
			for _, ad := range snap.State.Addresses() {
				r := snap.State.Record(ad)
				when := ""
				if !r.PublishedAt.IsZero() {
					when = r.PublishedAt.UTC().Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ad, r.Status, when, r.Ref.URL)
			}
			tw.Flush()
			fmt.Fprintf(bw, "\n%d records, lineage %s, serial %d.\n", len(snap.State.Records), snap.State.Lineage, snap.State.Serial)
			return bw.Flush()
		},
	}
	show := &cobra.Command{
		Use:   "show ADDRESS",
		Short: "Show one record (ADDRESS is post-id@account)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := state.ParseAddress(args[0])
			if err != nil {
				return err
			}
			snap, err := a.readState(cmd.Context(), sandbox)
			if err != nil {
				return err
			}
			r := snap.State.Record(addr)
			if r == nil {
				return fmt.Errorf("no record at %s", addr)
			}
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(r)
		},
	}
	var importURL, importID string
	imp := &cobra.Command{
		Use:   "import ADDRESS --url URL [--id ID]",
		Short: "Adopt a post published by hand, so clairon never publishes it again",
		Long: `import records that the post at ADDRESS (post-id@account) is already on the
network, at URL: clairon will treat it as published with the repository's
current content, and never publish it again. ID is the network's id of the
message when the URL does not carry it.`,
		Example: `  clairon state import noel/annonce@brulerie-mastodon --url https://piaille.fr/@brulerie/113456789`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.adopt(cmd.Context(), args[0], importURL, importID, sandbox, "import")
		},
	}
	imp.Flags().StringVar(&importURL, "url", "", "the post's URL on the network")
	imp.Flags().StringVar(&importID, "id", "", "the network's id of the post (default: the URL's last path segment)")
	imp.MarkFlagRequired("url")
	cmd.AddCommand(list, show, imp)
	return cmd
}

func (a *app) readState(ctx context.Context, sandbox bool) (*state.Snapshot, error) {
	repo, _, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	store, err := a.openStore(repo.Config, sandbox)
	if err != nil {
		return nil, err
	}
	return store.Read(ctx)
}

func (a *app) resolveCommand() *cobra.Command {
	var published, id string
	var notPublished, sandbox bool
	cmd := &cobra.Command{
		Use:   "resolve ADDRESS (--published URL | --not-published)",
		Short: "Settle a publication whose outcome is unknown",
		Long: `resolve settles an unconfirmed record after you checked the network yourself:
--published URL records that the post is there (it will not be published
again); --not-published records that it is not (the next apply publishes it).`,
		Example: `  clairon resolve noel/annonce@brulerie-x --published https://x.com/brulerie/status/1861
  clairon resolve noel/annonce@brulerie-x --not-published`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case (published == "") == !notPublished:
				return errors.New("give exactly one of --published URL or --not-published")
			case notPublished:
				return a.forget(cmd.Context(), args[0], sandbox)
			}
			return a.adopt(cmd.Context(), args[0], published, id, sandbox, "resolve")
		},
	}
	cmd.Flags().StringVar(&published, "published", "", "the post is on the network at this URL")
	cmd.Flags().BoolVar(&notPublished, "not-published", false, "the post is not on the network")
	cmd.Flags().StringVar(&id, "id", "", "the network's id of the post (default: the URL's last path segment)")
	cmd.Flags().BoolVar(&sandbox, "sandbox", false, "use the sandbox state (branch clairon/sandbox)")
	return cmd
}

// adopt records a post as published at a URL: `state import` for a post
// published by hand, `resolve --published` for an unconfirmed one.
func (a *app) adopt(ctx context.Context, address, rawURL, id string, sandbox bool, verb string) error {
	addr, err := state.ParseAddress(address)
	if err != nil {
		return err
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("--url %q is not a URL", rawURL)
	}
	if id == "" {
		id = strings.TrimSuffix(u.Path[strings.LastIndexByte(u.Path, '/')+1:], "/")
	}
	repo, ds, err := a.load(ctx)
	if err != nil {
		return err
	}
	if ds.HasErrors() {
		a.printDiagnostics(a.stderr, ds, false)
		return &exitCode{code: exitError, err: errors.New("the content has errors")}
	}
	var doc = findPost(repo.Posts(), addr.Post)
	if doc == nil {
		return fmt.Errorf("no post with id %q in the repository", addr.Post)
	}
	out, _ := render.New(repo, capabilities(repo.Config)).Render(doc, addr.Account)
	if out == nil {
		return fmt.Errorf("post %q does not target account %q", addr.Post, addr.Account)
	}
	store, err := a.openStore(repo.Config, sandbox)
	if err != nil {
		return err
	}
	snap, err := store.Read(ctx)
	if err != nil {
		return err
	}
	cur := snap.State.Record(addr)
	switch {
	case verb == "import" && cur != nil && cur.Status == state.Published:
		return fmt.Errorf("%s is already recorded as published at %s", addr, cur.Ref.URL)
	case verb == "resolve" && (cur == nil || cur.Status != state.Unconfirmed):
		return fmt.Errorf("%s is not unconfirmed; nothing to resolve", addr)
	case cur != nil && cur.Status == state.Claimed:
		return fmt.Errorf("%s is being published by run %s right now", addr, cur.Claim.Run)
	}
	now := a.now()
	ref := network.Ref{ID: id, URL: rawURL}
	r := &state.Record{Address: addr, Status: state.Published, Digest: out.Digest, Key: plan.Key(addr, out.Digest), Path: doc.Path,
		Ref: ref, Parts: []state.Part{{Index: 0, Key: plan.Key(addr, out.Digest), Ref: ref, PublishedAt: now}}, PublishedAt: now, UpdatedAt: now}
	if cur != nil {
		r.Attempts, r.Metrics = cur.Attempts, cur.Metrics
	}
	cs := state.NewChangeset(state.Message{Subject: fmt.Sprintf("%s %s as published at %s", verb, addr, rawURL)})
	cs.Put(r)
	if _, err := store.Write(ctx, snap.Version, cs); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	fmt.Fprintf(a.stdout, "Recorded %s as published at %s; it will not be published again.\n", addr, rawURL)
	return nil
}

// forget records an unconfirmed post as not published, so the next apply
// publishes it.
func (a *app) forget(ctx context.Context, address string, sandbox bool) error {
	addr, err := state.ParseAddress(address)
	if err != nil {
		return err
	}
	repo, _, err := a.load(ctx)
	if err != nil {
		return err
	}
	store, err := a.openStore(repo.Config, sandbox)
	if err != nil {
		return err
	}
	snap, err := store.Read(ctx)
	if err != nil {
		return err
	}
	cur := snap.State.Record(addr)
	if cur == nil || cur.Status != state.Unconfirmed {
		return fmt.Errorf("%s is not unconfirmed; nothing to resolve", addr)
	}
	r := cur.Clone()
	r.Status, r.LastError, r.UpdatedAt = state.Failed, "resolved by hand: not published", a.now()
	cs := state.NewChangeset(state.Message{Subject: fmt.Sprintf("resolve %s as not published", addr)})
	cs.Put(r)
	if _, err := store.Write(ctx, snap.Version, cs); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	fmt.Fprintf(a.stdout, "Recorded %s as not published; the next apply publishes it.\n", addr)
	return nil
}

func findPost(docs []*content.Document, id string) *content.Document {
	for _, d := range docs {
		if d.ID == id || d.Path == id {
			return d
		}
	}
	return nil
}
