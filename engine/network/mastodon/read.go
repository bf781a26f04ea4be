package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// listPages caps the Link pages read for one list of accounts.
const listPages = 100

func nextLink(h http.Header) string { return httpx.NextLink(h) }

// Metrics reads favourites, boosts, replies and (Mastodon 4.5+) quotes of a
// status. Mastodon gives no impressions, reach, bookmarks or clicks: those
// stay nil.
func (a *Adapter) Metrics(ctx context.Context, r network.Ref) (network.Metrics, error) {
	var st status
	if _, err := a.getJSON(ctx, "metrics", "/api/v1/statuses/"+url.PathEscape(r.ID), &st); err != nil {
		return network.Metrics{}, err
	}
	return network.Metrics{Likes: st.FavouritesCount, Reposts: st.ReblogsCount, Replies: st.RepliesCount, Quotes: st.QuotesCount}, nil
}

// Followers reads the account's follower count.
func (a *Adapter) Followers(ctx context.Context) (int64, error) {
	var acct account
	if _, err := a.getJSON(ctx, "followers", "/api/v1/accounts/verify_credentials", &acct); err != nil {
		return 0, err
	}
	return acct.FollowersCount, nil
}

// Interactions lists who favourited (Like) or boosted (Repost) a status,
// following Link pages, and the replies in its thread below it (Reply)
// written since since, the account's own excepted. Mastodon does not say
// when a favourite or a boost happened, so their At is zero and since does
// not filter them. Quotes are not listed.
func (a *Adapter) Interactions(ctx context.Context, r network.Ref, kind network.InteractionKind, since time.Time) ([]network.Interaction, error) {
	id := url.PathEscape(r.ID)
	switch kind {
	case network.Like:
		return a.accounts(ctx, kind, "/api/v1/statuses/"+id+"/favourited_by?limit=80")
	case network.Repost:
		return a.accounts(ctx, kind, "/api/v1/statuses/"+id+"/reblogged_by?limit=80")
	case network.Reply:
		return a.replies(ctx, id, since)
	}
	return nil, &network.Error{Class: network.Permanent, Network: Name, Op: "interactions",
		Err: fmt.Errorf("%s: %w", kind, network.ErrUnsupported)}
}

func (a *Adapter) accounts(ctx context.Context, kind network.InteractionKind, next string) ([]network.Interaction, error) {
	var out []network.Interaction
	for range listPages {
		var page []account
		resp, err := a.getJSON(ctx, "interactions", next, &page)
		if err != nil {
			return nil, err
		}
		for _, acct := range page {
			out = append(out, network.Interaction{Kind: kind, UserID: acct.ID, Handle: handle(acct)})
		}
		if next = nextLink(resp.Header); next == "" || len(page) == 0 {
			return out, nil
		}
	}
	return out, nil
}

func (a *Adapter) replies(ctx context.Context, id string, since time.Time) ([]network.Interaction, error) {
	self, err := a.accountID(ctx)
	if err != nil {
		return nil, err
	}
	var c threadContext
	if _, err := a.getJSON(ctx, "interactions", "/api/v1/statuses/"+id+"/context", &c); err != nil {
		return nil, err
	}
	var out []network.Interaction
	for _, st := range c.Descendants {
		if st.Account.ID == self || st.CreatedAt.Before(since) {
			continue
		}
		out = append(out, network.Interaction{Kind: network.Reply, UserID: st.Account.ID, Handle: handle(st.Account),
			PostID: st.ID, URL: st.link(), Text: strings.TrimSpace(htmlText(st.Content)), At: st.CreatedAt})
	}
	return out, nil
}

func handle(a account) string { return "@" + a.Acct }
