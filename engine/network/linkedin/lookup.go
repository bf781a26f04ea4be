package linkedin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Reconciliation bounds.
const (
	// lookupSkew widens the search before the post's time: the engine's
	// clock and LinkedIn's may disagree a little.
	lookupSkew = 2 * time.Minute
	// lookupPage is how many posts one finder page asks for.
	lookupPage = 50
	// lookupPages caps the pages read.
	lookupPages = 20
)

// Lookup looks for p among the author's posts (GET /rest/posts?q=author,
// sorted by last modification, newest first). A post matches when it was
// created since p.CreatedAt (less a small skew), its commentary equals p's
// text — LinkedIn keeps the little-format commentary as sent — and it holds
// as many images as p.
//
// Paging stops at the first post last modified before the window: every
// later one is older still, so the window has been read whole and the
// answer is Absent. A window that outlasts the pages read gives Unknown.
func (a *Adapter) Lookup(ctx context.Context, p *network.Post) (network.Ref, network.LookupResult, error) {
	const op = "lookup"
	if p.CreatedAt.IsZero() {
		return network.Ref{}, network.Unknown, permanent(op, "the post has no publication time to bound the search")
	}
	since := p.CreatedAt.Add(-lookupSkew).UnixMilli()
	want := strings.TrimSpace(p.Text)
	for page := range lookupPages {
		start := page * lookupPage
		q := fmt.Sprintf("author=%s&count=%d&q=author&sortBy=LAST_MODIFIED&start=%d", encode(a.author), lookupPage, start)
		var out postsPage
		if _, err := a.do(ctx, call{op: op, method: http.MethodGet, path: "/posts", query: q, restli: "FINDER"}, &out); err != nil {
			return network.Ref{}, network.Unknown, err
		}
		older := false
		for _, el := range out.Elements {
			if el.LastModifiedAt != 0 && el.LastModifiedAt < since {
				older = true
				continue
			}
			created := el.CreatedAt
			if created == 0 {
				created = el.PublishedAt
			}
			if created != 0 && created < since {
				continue
			}
			if strings.TrimSpace(el.Commentary) == want && el.Content.images() == len(p.Media) && postURNPattern.MatchString(el.ID) {
				return a.ref(el.ID, p), network.Found, nil
			}
		}
		if older || len(out.Elements) < lookupPage {
			return network.Ref{}, network.Absent, nil
		}
	}
	return network.Ref{}, network.Unknown, nil
}
