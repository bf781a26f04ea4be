package bluesky

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// pageSize is the page size asked of paginated reads (their maximum).
const pageSize = 100

// Metrics reads a post's likes, reposts, replies, quotes and bookmarks from
// app.bsky.feed.getPosts. Bluesky gives no impressions, reach or clicks: those
// stay nil.
func (a *Adapter) Metrics(ctx context.Context, ref network.Ref) (network.Metrics, error) {
	const op = "metrics"
	u, err := a.recordURI(ctx, ref.ID)
	if err != nil {
		return network.Metrics{}, asPermanent(op, err)
	}
	var out getPostsOutput
	if _, err := a.authed(ctx, call{
		nsid:  "app.bsky.feed.getPosts",
		query: url.Values{"uris": {u.String()}},
		out:   &out,
	}); err != nil {
		return network.Metrics{}, a.classify(op, err, false)
	}
	for _, p := range out.Posts {
		if p.URI == u.String() {
			return network.Metrics{
				Likes:     p.LikeCount,
				Reposts:   p.RepostCount,
				Replies:   p.ReplyCount,
				Quotes:    p.QuoteCount,
				Bookmarks: p.BookmarkCount,
			}, nil
		}
	}
	return network.Metrics{}, permanent(op, "%s: %w", u, network.ErrNotFound)
}

// Followers reads the account's follower count from app.bsky.actor.getProfile.
func (a *Adapter) Followers(ctx context.Context) (int64, error) {
	const op = "followers"
	s, err := a.current(ctx)
	if err != nil {
		return 0, err
	}
	var out getProfileOutput
	if _, err := a.authed(ctx, call{
		nsid:  "app.bsky.actor.getProfile",
		query: url.Values{"actor": {s.did}},
		out:   &out,
	}); err != nil {
		return 0, a.classify(op, err, false)
	}
	if out.FollowersCount == nil {
		return 0, permanent(op, "the profile has no followersCount")
	}
	return *out.FollowersCount, nil
}

// Interactions lists who liked, reposted, replied to or quoted a post, at or
// after since (all of them when since is zero), following cursors to the end.
// Replies are the post's direct replies. Bluesky does not say when a repost
// was made, so reposts carry no time and are never filtered out by since.
func (a *Adapter) Interactions(ctx context.Context, ref network.Ref, kind network.InteractionKind, since time.Time) ([]network.Interaction, error) {
	op := "list " + string(kind) + "s"
	u, err := a.recordURI(ctx, ref.ID)
	if err != nil {
		return nil, asPermanent(op, err)
	}
	var all []network.Interaction
	switch kind {
	case network.Like:
		err = a.pages(ctx, func(cursor string) (string, error) {
			var out getLikesOutput
			err := a.page(ctx, "app.bsky.feed.getLikes", u, ref, cursor, &out)
			for _, l := range out.Likes {
				all = append(all, network.Interaction{Kind: kind, UserID: l.Actor.DID, Handle: l.Actor.Handle,
					At: parseTime(l.CreatedAt, l.IndexedAt)})
			}
			return out.Cursor, err
		})
	case network.Repost:
		err = a.pages(ctx, func(cursor string) (string, error) {
			var out getRepostedByOutput
			err := a.page(ctx, "app.bsky.feed.getRepostedBy", u, ref, cursor, &out)
			for _, p := range out.RepostedBy {
				all = append(all, network.Interaction{Kind: kind, UserID: p.DID, Handle: p.Handle})
			}
			return out.Cursor, err
		})
	case network.Quote:
		err = a.pages(ctx, func(cursor string) (string, error) {
			var out getQuotesOutput
			err := a.page(ctx, "app.bsky.feed.getQuotes", u, ref, cursor, &out)
			for _, p := range out.Posts {
				all = append(all, a.postInteraction(kind, p))
			}
			return out.Cursor, err
		})
	case network.Reply:
		var out threadOutput
		_, err = a.authed(ctx, call{
			nsid:  "app.bsky.feed.getPostThread",
			query: url.Values{"uri": {u.String()}, "depth": {"1"}, "parentHeight": {"0"}},
			out:   &out,
		})
		for _, r := range out.Thread.Replies {
			if r.Type == threadViewPost || (r.Type == "" && r.Post.URI != "") {
				all = append(all, a.postInteraction(kind, r.Post))
			}
		}
	default:
		return nil, permanent(op, "unknown interaction kind %q", kind)
	}
	if err != nil {
		return nil, a.classify(op, err, false)
	}
	if since.IsZero() {
		return all, nil
	}
	kept := all[:0]
	for _, it := range all {
		if it.At.IsZero() || !it.At.Before(since) {
			kept = append(kept, it)
		}
	}
	return kept, nil
}

// pages calls one page after another until the cursor runs out or repeats.
func (a *Adapter) pages(ctx context.Context, next func(cursor string) (string, error)) error {
	seen := map[string]bool{}
	cursor := ""
	for {
		c, err := next(cursor)
		if err != nil {
			return err
		}
		if c == "" || seen[c] {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		seen[c] = true
		cursor = c
	}
}

// page reads one page of a paginated read about the post u.
func (a *Adapter) page(ctx context.Context, nsid string, u atURI, ref network.Ref, cursor string, out any) error {
	q := url.Values{"uri": {u.String()}, "limit": {strconv.Itoa(pageSize)}}
	if cid := ref.Extra["cid"]; cid != "" {
		q.Set("cid", cid)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	_, err := a.authed(ctx, call{nsid: nsid, query: q, out: out})
	return err
}

// postInteraction turns a reply or quote into an Interaction.
func (a *Adapter) postInteraction(kind network.InteractionKind, p postView) network.Interaction {
	it := network.Interaction{
		Kind:   kind,
		UserID: p.Author.DID,
		Handle: p.Author.Handle,
		PostID: p.URI,
		Text:   p.Record.Text,
		At:     parseTime(p.Record.CreatedAt, p.IndexedAt),
	}
	if u, err := parseATURI(p.URI); err == nil {
		h := p.Author.Handle
		if h == "" {
			h = p.Author.DID
		}
		it.URL = postURL(h, u.rkey)
	}
	return it
}

// parseTime parses the first AT Protocol datetime of values that parses.
func parseTime(values ...string) time.Time {
	for _, v := range values {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// asPermanent classes a malformed reference as a permanent error.
func asPermanent(op string, err error) error {
	var ne *network.Error
	if errors.As(err, &ne) {
		return err
	}
	return permanent(op, "%w", err)
}
