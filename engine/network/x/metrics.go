package x

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Recent search covers the last seven days; start_time must be inside.
const searchWindow = 7*24*time.Hour - time.Minute

// maxListPages caps the pages of one interaction listing (100 entries
// each); a longer list is an error rather than a silent truncation.
const maxListPages = 1000

// Metrics reads a post's public metrics (likes, reposts, replies, quotes,
// bookmarks, impressions) and, for a post younger than 30 days read with the
// author's credentials, its non-public ones (impressions, link clicks). When
// X refuses the non-public fields, the public ones are read alone.
func (a *Adapter) Metrics(ctx context.Context, ref network.Ref) (network.Metrics, error) {
	const op = "read metrics"
	if !isID(ref.ID) {
		return network.Metrics{}, permanent(op, fmt.Sprintf("%q is not a post id", ref.ID))
	}
	private := true
	if t, err := time.Parse(time.RFC3339, ref.Extra[extraCreatedAt]); err == nil && a.now().Sub(t) >= nonPublicMaxAge {
		private = false
	}
	fields := "public_metrics"
	if private {
		fields += ",non_public_metrics"
	}
	t, err := a.readTweet(ctx, op, ref.ID, fields)
	if err != nil && private && fieldsRefused(err) {
		t, err = a.readTweet(ctx, op, ref.ID, "public_metrics")
	}
	if err != nil {
		return network.Metrics{}, err
	}
	var m network.Metrics
	if pm := t.PublicMetrics; pm != nil {
		m.Likes = pm.LikeCount
		m.Reposts = pm.RetweetCount
		if m.Reposts == nil {
			m.Reposts = pm.RepostCount
		}
		m.Replies = pm.ReplyCount
		m.Quotes = pm.QuoteCount
		m.Bookmarks = pm.BookmarkCount
		m.Impressions = pm.ImpressionCount
	}
	if np := t.NonPublicMetrics; np != nil {
		if np.ImpressionCount != nil {
			m.Impressions = np.ImpressionCount
		}
		m.Clicks = np.URLLinkClicks
	}
	return m, nil
}

// fieldsRefused reports whether err is X refusing the fields asked for
// rather than the post or the credentials.
func fieldsRefused(err error) bool {
	var e *network.Error
	if !errors.As(err, &e) || errors.Is(err, network.ErrNotFound) {
		return false
	}
	return e.Class == network.Permanent || (e.Class == network.Auth && e.Status == http.StatusForbidden)
}

// readTweet reads one post with GET /2/tweets?ids=.
func (a *Adapter) readTweet(ctx context.Context, op, id, fields string) (*tweet, error) {
	var out tweetsResponse
	q := url.Values{"ids": {id}, "tweet.fields": {fields}}
	if err := a.do(ctx, call{op: op, method: http.MethodGet, path: "/2/tweets", query: q}, &out); err != nil {
		return nil, err
	}
	for i := range out.Data {
		if out.Data[i].is(id) {
			return &out.Data[i], nil
		}
	}
	if len(out.Errors) == 0 || hasType(out.Errors, []string{"resource-not-found"}) {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: fmt.Errorf("post %s: %w", id, network.ErrNotFound)}
	}
	return nil, &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: errors.New(describe(out.Errors, 0))}
}

// Followers reads the account's follower count from GET /2/users/me.
func (a *Adapter) Followers(ctx context.Context) (int64, error) {
	u, err := a.fetchMe(ctx, true)
	if err != nil {
		return 0, err
	}
	if u.PublicMetrics == nil || u.PublicMetrics.FollowersCount == nil {
		return 0, permanent("read followers", "the response holds no followers_count")
	}
	return *u.PublicMetrics.FollowersCount, nil
}

// Interactions lists who replied to, reposted, liked or quoted a post.
//
// Replies come from recent search (query conversation_id:<id>), which covers
// the last seven days only: an older since is moved up to that limit. The
// account's own replies (its thread) are left out. Quotes come from
// GET /2/tweets/:id/quote_tweets. Likes and reposts (liking_users,
// retweeted_by) carry no time: since does not filter them and At is zero.
func (a *Adapter) Interactions(ctx context.Context, ref network.Ref, kind network.InteractionKind, since time.Time) ([]network.Interaction, error) {
	const op = "list interactions"
	if !isID(ref.ID) {
		return nil, permanent(op, fmt.Sprintf("%q is not a post id", ref.ID))
	}
	switch kind {
	case network.Reply:
		return a.replies(ctx, ref.ID, since)
	case network.Quote:
		q := url.Values{
			"max_results":  {strconv.Itoa(maxResultsPerGet)},
			"tweet.fields": {"author_id,created_at"},
			"expansions":   {"author_id"},
			"user.fields":  {"username"},
		}
		return a.listPosts(ctx, "/2/tweets/"+ref.ID+"/quote_tweets", q, "pagination_token", network.Quote, since, "")
	case network.Like:
		return a.listUsers(ctx, "/2/tweets/"+ref.ID+"/liking_users", network.Like)
	case network.Repost:
		return a.listUsers(ctx, "/2/tweets/"+ref.ID+"/retweeted_by", network.Repost)
	}
	return nil, unsupported(op, fmt.Sprintf("interaction kind %q", kind))
}

// replies lists the replies in a post's conversation by other accounts.
func (a *Adapter) replies(ctx context.Context, id string, since time.Time) ([]network.Interaction, error) {
	self, err := a.me(ctx)
	if err != nil {
		return nil, err
	}
	start := since
	if floor := a.now().Add(-searchWindow); start.Before(floor) {
		start = floor
	}
	q := url.Values{
		"query":        {"conversation_id:" + id},
		"max_results":  {strconv.Itoa(maxResultsPerGet)},
		"start_time":   {start.UTC().Format(time.RFC3339)},
		"tweet.fields": {"author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets"},
		"expansions":   {"author_id"},
		"user.fields":  {"username"},
	}
	return a.listPosts(ctx, "/2/tweets/search/recent", q, "next_token", network.Reply, since, self)
}

// listPosts pages through a list of posts (search or quotes) and turns them
// into interactions, skipping posts by skipAuthor and posts before since.
func (a *Adapter) listPosts(ctx context.Context, path string, q url.Values, tokenParam string, kind network.InteractionKind, since time.Time, skipAuthor string) ([]network.Interaction, error) {
	const op = "list interactions"
	var list []network.Interaction
	token := ""
	for range maxListPages {
		if token != "" {
			q.Set(tokenParam, token)
		}
		var out tweetsResponse
		if err := a.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q}, &out); err != nil {
			return nil, err
		}
		names := make(map[string]string, len(out.Includes.Users))
		for _, u := range out.Includes.Users {
			names[u.ID] = u.Username
		}
		for _, t := range out.Data {
			if t.AuthorID == skipAuthor && skipAuthor != "" {
				continue
			}
			if !since.IsZero() && t.CreatedAt.Before(since) {
				continue
			}
			name := names[t.AuthorID]
			it := network.Interaction{Kind: kind, UserID: t.AuthorID, Handle: name, PostID: t.ID, Text: t.Text, At: t.CreatedAt}
			if name != "" {
				it.URL = "https://x.com/" + name + "/status/" + t.ID
			} else {
				it.URL = "https://x.com/i/web/status/" + t.ID
			}
			list = append(list, it)
		}
		if out.Meta.NextToken == "" || out.Meta.NextToken == token {
			return list, nil
		}
		token = out.Meta.NextToken
	}
	return nil, permanent(op, fmt.Sprintf("more than %d pages of %s", maxListPages, kind))
}

// listUsers pages through a list of users (likes, reposts).
func (a *Adapter) listUsers(ctx context.Context, path string, kind network.InteractionKind) ([]network.Interaction, error) {
	const op = "list interactions"
	var list []network.Interaction
	q := url.Values{"max_results": {strconv.Itoa(maxResultsPerGet)}}
	token := ""
	for range maxListPages {
		if token != "" {
			q.Set("pagination_token", token)
		}
		var out usersResponse
		if err := a.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q}, &out); err != nil {
			return nil, err
		}
		for _, u := range out.Data {
			list = append(list, network.Interaction{Kind: kind, UserID: u.ID, Handle: u.Username})
		}
		if out.Meta.NextToken == "" || out.Meta.NextToken == token {
			return list, nil
		}
		token = out.Meta.NextToken
	}
	return nil, permanent(op, fmt.Sprintf("more than %d pages of %s", maxListPages, kind))
}
