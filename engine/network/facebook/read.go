package facebook

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/facebook/graph"
)

// lookupSkew tolerates a difference between clairon's clock and Meta's when
// deciding whether a post found with the same message is the one published
// at p.CreatedAt, or an older post that happens to say the same thing.
const lookupSkew = 15 * time.Minute

// Page sizes and page counts for reads.
const (
	lookupPageSize       = 25
	lookupMaxPages       = 4
	interactionPageSize  = 100
	interactionMaxPages  = 50
	insightsMetricsQuery = "post_impressions,post_impressions_unique,post_clicks"
)

// postItem is a post or comment as the posts and comments edges list it.
type postItem struct {
	ID           string     `json:"id"`
	Message      string     `json:"message"`
	CreatedTime  graph.Time `json:"created_time"`
	PermalinkURL string     `json:"permalink_url"`
	From         *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
}

// Lookup looks for p among the Page's recent posts (or, for a comment, among
// the parent's comments by the Page): same message, created no earlier than
// p.CreatedAt less a clock skew. Absent is returned only when every post back
// to that time was read; otherwise Unknown.
func (a *Adapter) Lookup(ctx context.Context, p *network.Post) (network.Ref, network.LookupResult, error) {
	if p == nil {
		return network.Ref{}, network.Unknown, &network.Error{Class: network.Permanent, Network: Name, Op: "lookup", Err: errors.New("no post")}
	}
	want := normalize(p.Text)
	var since time.Time
	if !p.CreatedAt.IsZero() {
		since = p.CreatedAt.Add(-lookupSkew)
	}
	path, q := a.page+"/posts", url.Values{
		"fields": {"id,message,created_time,permalink_url"},
		"limit":  {itoa(lookupPageSize)},
	}
	comment := p.ReplyTo != nil && !p.ReplyTo.IsZero()
	if comment {
		path, q = p.ReplyTo.ID+"/comments", url.Values{
			"fields": {"id,message,created_time,from{id,name}"},
			"filter": {"stream"},
			"order":  {"reverse_chronological"},
			"limit":  {itoa(lookupPageSize)},
		}
	}
	var (
		found   *postItem
		reached bool // an item older than since was seen: everything newer was read
	)
	complete, err := graph.Each(ctx, a.client, "lookup", path, q, lookupMaxPages, func(it postItem) bool {
		if !since.IsZero() && !it.CreatedTime.IsZero() && it.CreatedTime.Before(since) {
			reached = true
			return false
		}
		if comment && (it.From == nil || it.From.ID != a.page) {
			return true
		}
		if normalize(it.Message) == want {
			found = &it
			return false
		}
		return true
	})
	if err != nil {
		return network.Ref{}, network.Unknown, err
	}
	switch {
	case found != nil && comment:
		return network.Ref{ID: found.ID, URL: commentURL(p.ReplyTo, found.ID), Extra: map[string]string{"parent": p.ReplyTo.ID}}, network.Found, nil
	case found != nil:
		u := found.PermalinkURL
		if u == "" {
			u = a.postURL(found.ID)
		}
		return network.Ref{ID: found.ID, URL: u}, network.Found, nil
	case complete || reached:
		return network.Ref{}, network.Absent, nil
	default:
		return network.Ref{}, network.Unknown, nil
	}
}

// normalize makes messages comparable: Facebook stores line ends as "\n"
// and drops surrounding white space.
func normalize(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// Metrics reads a post's reactions, comments and shares from the post itself,
// and its impressions, reach and clicks from its insights. Figures Meta does
// not give for this post (insights of a comment, metrics it has retired)
// stay nil.
func (a *Adapter) Metrics(ctx context.Context, ref network.Ref) (network.Metrics, error) {
	if ref.IsZero() {
		return network.Metrics{}, &network.Error{Class: network.Permanent, Network: Name, Op: "read metrics", Err: errors.New("empty reference")}
	}
	var counts struct {
		Reactions *struct {
			Summary struct {
				TotalCount int64 `json:"total_count"`
			} `json:"summary"`
		} `json:"reactions"`
		Comments *struct {
			Summary struct {
				TotalCount int64 `json:"total_count"`
			} `json:"summary"`
		} `json:"comments"`
		Shares *struct {
			Count int64 `json:"count"`
		} `json:"shares"`
	}
	q := url.Values{"fields": {"reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"}}
	if err := a.client.Do(ctx, graph.Call{Op: "read metrics", Method: "GET", Path: ref.ID, Query: q}, &counts); err != nil {
		if graph.IsNotFound(err) {
			return network.Metrics{}, a.notFound("read metrics", ref, err)
		}
		return network.Metrics{}, err
	}
	var m network.Metrics
	if counts.Reactions != nil {
		m.Likes = ptr(counts.Reactions.Summary.TotalCount)
	}
	if counts.Comments != nil {
		m.Replies = ptr(counts.Comments.Summary.TotalCount)
	}
	// Graph leaves "shares" out of a post nobody shared, so its absence on a
	// post whose other counts arrived means zero.
	if counts.Shares != nil {
		m.Reposts = ptr(counts.Shares.Count)
	} else if counts.Reactions != nil {
		m.Reposts = ptr(int64(0))
	}

	ins, err := a.insights(ctx, ref.ID)
	if err != nil {
		return network.Metrics{}, err
	}
	if v, ok := ins["post_impressions"]; ok {
		m.Impressions = ptr(v)
	}
	if v, ok := ins["post_impressions_unique"]; ok {
		m.Reach = ptr(v)
	}
	if v, ok := ins["post_clicks"]; ok {
		m.Clicks = ptr(v)
	}
	return m, nil
}

// insightValue is one metric of GET /{post-id}/insights:
//
//	{"data":[{"name":"post_impressions","period":"lifetime","values":[{"value":412}],…}]}
type insightValue struct {
	Name   string `json:"name"`
	Values []struct {
		Value any `json:"value"`
	} `json:"values"`
}

// insights reads the lifetime insights of a post. A metric Meta no longer
// offers, or insights it does not keep for this object, gives an empty map,
// not an error; auth and rate-limit failures are returned.
func (a *Adapter) insights(ctx context.Context, id string) (map[string]int64, error) {
	var out graph.List[insightValue]
	q := url.Values{"metric": {insightsMetricsQuery}, "period": {"lifetime"}}
	err := a.client.Do(ctx, graph.Call{Op: "read insights", Method: "GET", Path: id + "/insights", Query: q}, &out)
	if err != nil {
		if e, ok := graph.AsAPIError(err); ok && (e.Code == graph.CodeInvalidParameter || e.Code == graph.CodePermission && e.Subcode == 0 && strings.Contains(e.Message, "viewers")) {
			return map[string]int64{}, nil
		}
		return nil, err
	}
	vals := map[string]int64{}
	for _, d := range out.Data {
		if len(d.Values) == 0 {
			continue
		}
		if n, ok := d.Values[len(d.Values)-1].Value.(float64); ok {
			vals[d.Name] = int64(n)
		}
	}
	return vals, nil
}

// Followers returns the Page's followers_count, or its fan_count (likes of
// the Page) when Meta does not give the former.
func (a *Adapter) Followers(ctx context.Context) (int64, error) {
	var out struct {
		FollowersCount *int64 `json:"followers_count"`
		FanCount       *int64 `json:"fan_count"`
	}
	q := url.Values{"fields": {"followers_count,fan_count"}}
	if err := a.client.Do(ctx, graph.Call{Op: "read followers", Method: "GET", Path: a.page, Query: q}, &out); err != nil {
		return 0, err
	}
	switch {
	case out.FollowersCount != nil:
		return *out.FollowersCount, nil
	case out.FanCount != nil:
		return *out.FanCount, nil
	}
	return 0, &network.Error{Class: network.Permanent, Network: Name, Op: "read followers",
		Err: errors.New("reply has neither followers_count nor fan_count")}
}

// Interactions lists the comments (Reply) or reactions (Like) on a post.
// Comments are read newest first down to since; the Page's own comments are
// left out. Reactions carry no time in the Graph API, so all are listed and
// their At is zero. Shares and quotes cannot be listed.
func (a *Adapter) Interactions(ctx context.Context, ref network.Ref, kind network.InteractionKind, since time.Time) ([]network.Interaction, error) {
	if ref.IsZero() {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: "list interactions", Err: errors.New("empty reference")}
	}
	switch kind {
	case network.Reply:
		return a.comments(ctx, ref, since)
	case network.Like:
		return a.reactions(ctx, ref)
	}
	return nil, &network.Error{Class: network.Permanent, Network: Name, Op: "list interactions",
		Err: fmt.Errorf("%s: %w", kind, network.ErrUnsupported)}
}

func (a *Adapter) comments(ctx context.Context, ref network.Ref, since time.Time) ([]network.Interaction, error) {
	q := url.Values{
		"fields": {"id,message,created_time,permalink_url,from{id,name}"},
		"filter": {"stream"},
		"order":  {"reverse_chronological"},
		"limit":  {itoa(interactionPageSize)},
	}
	var (
		out     []network.Interaction
		reached bool
	)
	complete, err := graph.Each(ctx, a.client, "list comments", ref.ID+"/comments", q, interactionMaxPages, func(it postItem) bool {
		if !since.IsZero() && it.CreatedTime.Before(since) {
			reached = true
			return false
		}
		if it.From != nil && it.From.ID == a.page {
			return true
		}
		in := network.Interaction{Kind: network.Reply, PostID: it.ID, URL: it.PermalinkURL, Text: it.Message, At: it.CreatedTime.Time}
		if it.From != nil {
			in.UserID, in.Handle = it.From.ID, it.From.Name
		}
		out = append(out, in)
		return true
	})
	if err != nil {
		return nil, listError(err, ref)
	}
	if !complete && !reached {
		return nil, tooMany("comments")
	}
	return out, nil
}

func (a *Adapter) reactions(ctx context.Context, ref network.Ref) ([]network.Interaction, error) {
	q := url.Values{"fields": {"id,name,type"}, "limit": {itoa(interactionPageSize)}}
	var out []network.Interaction
	complete, err := graph.Each(ctx, a.client, "list reactions", ref.ID+"/reactions", q, interactionMaxPages, func(it struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	}) bool {
		out = append(out, network.Interaction{Kind: network.Like, UserID: it.ID, Handle: it.Name})
		return true
	})
	if err != nil {
		return nil, listError(err, ref)
	}
	if !complete {
		return nil, tooMany("reactions")
	}
	return out, nil
}

// tooMany refuses to return a partial list, which would make a contest draw
// unfair.
func tooMany(what string) error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: "list interactions",
		Err: fmt.Errorf("more than %d %s; the list would be partial", interactionPageSize*interactionMaxPages, what)}
}

// listError marks a vanished post as not found.
func listError(err error, ref network.Ref) error {
	if graph.IsNotFound(err) {
		return &network.Error{Class: network.Permanent, Network: Name, Op: "list interactions",
			Err: fmt.Errorf("object %s: %w (%v)", ref.ID, network.ErrNotFound, err)}
	}
	return err
}

func ptr(v int64) *int64 { return &v }
