package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/facebook/graph"
)

// lookupSkew tolerates a difference between clairon's clock and Meta's when
// telling the post published at p.CreatedAt from an older one with the same
// caption.
const lookupSkew = 15 * time.Minute

// Page sizes and counts for reads.
const (
	lookupPageSize      = 25
	lookupMaxPages      = 4
	commentPageSize     = 50
	interactionMaxPages = 100
	insightsMetrics     = "views,reach,likes,comments,shares,saved"
)

// mediaItem is a media object as GET /{ig-user-id}/media lists it.
type mediaItem struct {
	ID        string     `json:"id"`
	Caption   string     `json:"caption"`
	Timestamp graph.Time `json:"timestamp"`
	Permalink string     `json:"permalink"`
}

// Lookup reconciles a publish whose outcome was lost. It looks for the
// caption among the account's recent media (published no earlier than
// p.CreatedAt less a clock skew); failing that, a container this process
// made for p.Key that is not PUBLISHED proves the post absent, as does
// having read every post back to p.CreatedAt. Otherwise the answer is Unknown.
func (a *Adapter) Lookup(ctx context.Context, p *network.Post) (network.Ref, network.LookupResult, error) {
	if p == nil {
		return network.Ref{}, network.Unknown, &network.Error{Class: network.Permanent, Network: Name, Op: "lookup", Err: errors.New("no post")}
	}
	at := a.attemptFor(p.Key)
	if at.mediaID != "" {
		return at.ref(), network.Found, nil
	}
	since := time.Time{}
	if !p.CreatedAt.IsZero() {
		since = p.CreatedAt.Add(-lookupSkew)
	}
	if !at.created.IsZero() && (since.IsZero() || at.created.Add(-lookupSkew).Before(since)) {
		since = at.created.Add(-lookupSkew)
	}
	item, complete, err := a.scan(ctx, p.Text, since)
	if err != nil {
		return network.Ref{}, network.Unknown, err
	}
	if item != nil {
		ref := network.Ref{ID: item.ID, URL: item.Permalink}
		if at.container != "" {
			ref.Extra = map[string]string{"container_id": at.container}
			a.remember(p.Key, func(at *attempt) { at.mediaID, at.permalink = item.ID, item.Permalink })
		}
		return ref, network.Found, nil
	}
	if at.container != "" {
		st, err := a.status(ctx, at.container)
		if err != nil {
			return network.Ref{}, network.Unknown, err
		}
		if st.StatusCode != statusPublished {
			return network.Ref{}, network.Absent, nil
		}
		return network.Ref{}, network.Unknown, nil
	}
	if complete {
		return network.Ref{}, network.Absent, nil
	}
	return network.Ref{}, network.Unknown, nil
}

// findPublished finds the media of a container known to be PUBLISHED.
func (a *Adapter) findPublished(ctx context.Context, p *network.Post, at attempt) (network.Ref, network.LookupResult, error) {
	item, _, err := a.scan(ctx, p.Text, at.created.Add(-lookupSkew))
	if err != nil || item == nil {
		return network.Ref{}, network.Unknown, err
	}
	saved := a.remember(p.Key, func(at *attempt) { at.mediaID, at.permalink = item.ID, item.Permalink })
	if p.Key == "" {
		return network.Ref{ID: item.ID, URL: item.Permalink, Extra: map[string]string{"container_id": at.container}}, network.Found, nil
	}
	return saved.ref(), network.Found, nil
}

// scan walks the account's media newest first, looking for caption among
// those published at or after since. complete reports that every post back
// to since (or the account's first) was read. An empty caption is matched
// only within a time window.
func (a *Adapter) scan(ctx context.Context, caption string, since time.Time) (*mediaItem, bool, error) {
	want := normalize(caption)
	if want == "" && since.IsZero() {
		return nil, false, nil
	}
	var (
		found   *mediaItem
		reached bool
	)
	q := url.Values{"fields": {"id,caption,timestamp,permalink"}, "limit": {strconv.Itoa(lookupPageSize)}}
	complete, err := graph.Each(ctx, a.client, "lookup", a.user+"/media", q, lookupMaxPages, func(it mediaItem) bool {
		if !since.IsZero() && !it.Timestamp.IsZero() && it.Timestamp.Before(since) {
			reached = true
			return false
		}
		if normalize(it.Caption) == want {
			found = &it
			return false
		}
		return true
	})
	if err != nil {
		return nil, false, err
	}
	return found, found == nil && (complete || reached), nil
}

// normalize makes captions comparable.
func normalize(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// insightValue is one metric of GET /{ig-media-id}/insights. Media metrics
// carry "values"; some newer metrics answer "total_value" instead.
type insightValue struct {
	Name   string `json:"name"`
	Values []struct {
		Value any `json:"value"`
	} `json:"values"`
	TotalValue *struct {
		Value any `json:"value"`
	} `json:"total_value"`
}

// Metrics reads a media's insights: views (reported as impressions, which
// Meta retired in their favour), reach, likes, comments, shares and saves.
// When insights are unavailable (an audience too small, a media type without
// them), it falls back to like_count and comments_count and leaves the rest nil.
func (a *Adapter) Metrics(ctx context.Context, ref network.Ref) (network.Metrics, error) {
	if ref.IsZero() {
		return network.Metrics{}, &network.Error{Class: network.Permanent, Network: Name, Op: "read metrics", Err: errors.New("empty reference")}
	}
	var out graph.List[insightValue]
	q := url.Values{"metric": {insightsMetrics}}
	err := a.client.Do(ctx, graph.Call{Op: "read insights", Method: "GET", Path: ref.ID + "/insights", Query: q}, &out)
	if err == nil {
		vals := map[string]int64{}
		for _, d := range out.Data {
			if v, ok := insightNumber(d); ok {
				vals[d.Name] = v
			}
		}
		var m network.Metrics
		set := func(dst **int64, name string) {
			if v, ok := vals[name]; ok {
				*dst = &v
			}
		}
		set(&m.Impressions, "views")
		set(&m.Reach, "reach")
		set(&m.Likes, "likes")
		set(&m.Replies, "comments")
		set(&m.Reposts, "shares")
		set(&m.Bookmarks, "saved")
		return m, nil
	}
	if graph.IsNotFound(err) {
		return network.Metrics{}, notFound("read metrics", ref, err)
	}
	e, ok := graph.AsAPIError(err)
	if !ok || (e.Code != graph.CodePermission && e.Code != graph.CodeInvalidParameter) || network.ClassOf(err) == network.RateLimited {
		return network.Metrics{}, err
	}
	if e.Code == graph.CodePermission && !strings.Contains(strings.ToLower(e.Message), "viewers") {
		return network.Metrics{}, err
	}
	return a.counts(ctx, ref)
}

// counts reads like_count and comments_count from the media itself.
func (a *Adapter) counts(ctx context.Context, ref network.Ref) (network.Metrics, error) {
	var out struct {
		LikeCount     *int64 `json:"like_count"`
		CommentsCount *int64 `json:"comments_count"`
	}
	q := url.Values{"fields": {"like_count,comments_count"}}
	if err := a.client.Do(ctx, graph.Call{Op: "read metrics", Method: "GET", Path: ref.ID, Query: q}, &out); err != nil {
		if graph.IsNotFound(err) {
			return network.Metrics{}, notFound("read metrics", ref, err)
		}
		return network.Metrics{}, err
	}
	return network.Metrics{Likes: out.LikeCount, Replies: out.CommentsCount}, nil
}

func insightNumber(d insightValue) (int64, bool) {
	var v any
	switch {
	case d.TotalValue != nil:
		v = d.TotalValue.Value
	case len(d.Values) > 0:
		v = d.Values[len(d.Values)-1].Value
	}
	n, ok := v.(float64)
	return int64(n), ok
}

// Followers returns the account's followers_count.
func (a *Adapter) Followers(ctx context.Context) (int64, error) {
	var out struct {
		FollowersCount *int64 `json:"followers_count"`
	}
	q := url.Values{"fields": {"followers_count"}}
	if err := a.client.Do(ctx, graph.Call{Op: "read followers", Method: "GET", Path: a.user, Query: q}, &out); err != nil {
		return 0, err
	}
	if out.FollowersCount == nil {
		return 0, &network.Error{Class: network.Permanent, Network: Name, Op: "read followers", Err: errors.New("reply has no followers_count")}
	}
	return *out.FollowersCount, nil
}

// comment is one comment as GET /{ig-media-id}/comments lists it.
type comment struct {
	ID        string     `json:"id"`
	Text      string     `json:"text"`
	Timestamp graph.Time `json:"timestamp"`
	Username  string     `json:"username"`
	From      *struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"from"`
}

// Interactions lists the comments on a media since a time (Reply). The
// account's own comments are left out. Instagram does not list who liked or
// shared a media, so other kinds are unsupported.
func (a *Adapter) Interactions(ctx context.Context, ref network.Ref, kind network.InteractionKind, since time.Time) ([]network.Interaction, error) {
	if ref.IsZero() {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: "list interactions", Err: errors.New("empty reference")}
	}
	if kind != network.Reply {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: "list interactions",
			Err: fmt.Errorf("%s: %w", kind, network.ErrUnsupported)}
	}
	q := url.Values{"fields": {"id,text,timestamp,username,from{id,username}"}, "limit": {strconv.Itoa(commentPageSize)}}
	var out []network.Interaction
	complete, err := graph.Each(ctx, a.client, "list comments", ref.ID+"/comments", q, interactionMaxPages, func(c comment) bool {
		if !since.IsZero() && c.Timestamp.Before(since) {
			return true // the order of comments is not documented: read them all
		}
		in := network.Interaction{Kind: network.Reply, Handle: c.Username, PostID: c.ID, Text: c.Text, At: c.Timestamp.Time}
		if c.From != nil {
			in.UserID = c.From.ID
			if in.Handle == "" {
				in.Handle = c.From.Username
			}
			if c.From.ID == a.user {
				return true
			}
		}
		if in.UserID == "" {
			in.UserID = in.Handle
		}
		out = append(out, in)
		return true
	})
	if err != nil {
		if graph.IsNotFound(err) {
			return nil, notFound("list interactions", ref, err)
		}
		return nil, err
	}
	if !complete {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: "list interactions",
			Err: fmt.Errorf("more than %d comments; the list would be partial", commentPageSize*interactionMaxPages)}
	}
	return out, nil
}

func notFound(op string, ref network.Ref, err error) error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: op,
		Err: fmt.Errorf("media %s: %w (%v)", ref.ID, network.ErrNotFound, err)}
}
