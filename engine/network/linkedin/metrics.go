package linkedin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Comment and like pages.
const (
	socialPageSize = 100
	socialPages    = 500
)

// Metrics reads a post's likes and comments from its social actions
// (GET /rest/socialActions/{urn}) and, when the author is an organization,
// its impressions, unique impressions (reach), clicks and shares from
// organizationalEntityShareStatistics. Member posts have no such statistics
// here: those figures stay nil.
func (a *Adapter) Metrics(ctx context.Context, ref network.Ref) (network.Metrics, error) {
	const op = "read metrics"
	if err := checkPostURN(op, ref.ID); err != nil {
		return network.Metrics{}, err
	}
	var sa socialActions
	if _, err := a.do(ctx, call{op: op, method: http.MethodGet, path: "/socialActions/" + encode(ref.ID), restli: "GET"}, &sa); err != nil {
		return network.Metrics{}, err
	}
	var m network.Metrics
	if l := sa.LikesSummary; l != nil {
		m.Likes = l.TotalLikes
		if m.Likes == nil {
			m.Likes = l.AggregatedTotalLikes
		}
	}
	if c := sa.CommentsSummary; c != nil {
		m.Replies = c.AggregatedTotalComments
		if m.Replies == nil {
			m.Replies = c.TotalFirstLevelComments
		}
	}
	if !a.organization() {
		return m, nil
	}
	param := "shares"
	if strings.HasPrefix(ref.ID, "urn:li:ugcPost:") {
		param = "ugcPosts"
	}
	q := fmt.Sprintf("organizationalEntity=%s&q=organizationalEntity&%s=List(%s)", encode(a.author), param, encode(ref.ID))
	var st shareStatistics
	if _, err := a.do(ctx, call{op: op, method: http.MethodGet, path: "/organizationalEntityShareStatistics", query: q, restli: "FINDER"}, &st); err != nil {
		return network.Metrics{}, err
	}
	for _, el := range st.Elements {
		if (el.Share != ref.ID && el.UGCPost != ref.ID) || el.TotalShareStatistics == nil {
			continue
		}
		s := el.TotalShareStatistics
		m.Impressions = s.ImpressionCount
		m.Reach = s.UniqueImpressionsCount
		m.Clicks = s.ClickCount
		m.Reposts = s.ShareCount
	}
	return m, nil
}

// Interactions lists a post's comments (Reply) or likes (Like), from
// GET /rest/socialActions/{urn}/comments and /likes, oldest pages first;
// the author's own comments are left out. LinkedIn names people by URN
// only: Handle is the URN too. Reposts and quotes are not listed by
// LinkedIn's API and give an error wrapping network.ErrUnsupported.
func (a *Adapter) Interactions(ctx context.Context, ref network.Ref, kind network.InteractionKind, since time.Time) ([]network.Interaction, error) {
	const op = "list interactions"
	if err := checkPostURN(op, ref.ID); err != nil {
		return nil, err
	}
	var path string
	switch kind {
	case network.Reply:
		path = "/socialActions/" + encode(ref.ID) + "/comments"
	case network.Like:
		path = "/socialActions/" + encode(ref.ID) + "/likes"
	default:
		return nil, unsupported(op, fmt.Sprintf("linkedin does not list %s interactions", kind))
	}
	var list []network.Interaction
	for page := range socialPages {
		q := fmt.Sprintf("count=%d&start=%d", socialPageSize, page*socialPageSize)
		var out socialPage
		if _, err := a.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q, restli: "GET_ALL"}, &out); err != nil {
			return nil, err
		}
		for _, el := range out.Elements {
			if el.Actor == "" || el.Actor == a.author {
				continue
			}
			at := time.UnixMilli(el.Created.Time).UTC()
			if el.Created.Time == 0 {
				at = time.Time{}
			}
			if !since.IsZero() && !at.IsZero() && at.Before(since) {
				continue
			}
			it := network.Interaction{Kind: kind, UserID: el.Actor, Handle: el.Actor, At: at}
			if kind == network.Reply {
				it.PostID = firstOf(el.CommentURN, el.URN, el.ID)
				if el.Message != nil {
					it.Text = el.Message.Text
				}
			}
			list = append(list, it)
		}
		end := len(out.Elements) < socialPageSize
		if t := out.Paging.Total; t != nil && (page+1)*socialPageSize >= *t {
			end = true
		}
		if end {
			return list, nil
		}
	}
	return nil, permanent(op, fmt.Sprintf("more than %d pages of %s", socialPages, kind))
}

// firstOf returns the first non-empty string.
func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
