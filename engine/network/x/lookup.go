package x

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/clairon-dev/clairon/engine/network"
)

// lookupSkew widens the search before the post's time: the engine's clock
// and X's may disagree a little.
const lookupSkew = 2 * time.Minute

// linkPattern finds links with a scheme, such as the t.co links X puts in
// place of every URL.
var linkPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s]+`)

// Lookup looks for p among the account's own posts created since p.CreatedAt
// (GET /2/users/:id/tweets with start_time, retweets excluded, newest first,
// every page). A post matches when its text, once X's changes are undone
// (t.co links, HTML escapes, normalization), equals p's, its links lead to
// p's links, and it replies to the same post as p (or to none).
//
// Found returns the post. Absent needs every page of the window read; a
// window holding more posts than the pages read gives Unknown. Should the
// timeline lag behind a post just created, the Absent that follows is
// still safe: publishing the same text again is refused by X as a
// duplicate, and Publish then looks again and returns the existing post.
func (a *Adapter) Lookup(ctx context.Context, p *network.Post) (network.Ref, network.LookupResult, error) {
	const op = "lookup"
	if p.CreatedAt.IsZero() {
		return network.Ref{}, network.Unknown, permanent(op, "the post has no publication time to bound the search")
	}
	uid, err := a.me(ctx)
	if err != nil {
		return network.Ref{}, network.Unknown, err
	}
	start := p.CreatedAt.Add(-lookupSkew)
	want := fingerprintOf(p)
	q := url.Values{
		"max_results":  {"100"},
		"start_time":   {start.UTC().Format(time.RFC3339)},
		"exclude":      {"retweets"},
		"tweet.fields": {"created_at,referenced_tweets,entities"},
	}
	token := ""
	for range maxPages {
		if token != "" {
			q.Set("pagination_token", token)
		}
		var out tweetsResponse
		if err := a.do(ctx, call{op: op, method: http.MethodGet, path: "/2/users/" + uid + "/tweets", query: q}, &out); err != nil {
			return network.Ref{}, network.Unknown, err
		}
		for i := range out.Data {
			t := &out.Data[i]
			if !t.CreatedAt.IsZero() && t.CreatedAt.Before(start) {
				continue
			}
			if want.matches(t) {
				ref := network.Ref{ID: t.ID, URL: a.postURL(t.ID)}
				if !t.CreatedAt.IsZero() {
					ref.Extra = map[string]string{extraCreatedAt: t.CreatedAt.UTC().Format(time.RFC3339)}
				}
				return ref, network.Found, nil
			}
		}
		next := out.Meta.NextToken
		switch next {
		case "":
			return network.Ref{}, network.Absent, nil
		case token:
			// Pagination that does not move proves nothing.
			return network.Ref{}, network.Unknown, nil
		}
		token = next
	}
	return network.Ref{}, network.Unknown, nil
}

// fingerprint is what identifies a post on X once X has rewritten it.
type fingerprint struct {
	text    string   // the text without links, normalized
	links   []string // where the links lead, normalized and sorted
	replyTo string   // the post it replies to, "" for none
}

// fingerprintOf computes p's fingerprint: the links are p's link entities
// (which include addresses without a scheme, which X links too) and any
// other address with a scheme.
func fingerprintOf(p *network.Post) fingerprint {
	var f fingerprint
	if p.ReplyTo != nil {
		f.replyTo = p.ReplyTo.ID
	}
	spans := make([]network.Entity, 0, len(p.Entities))
	for _, e := range p.Entities {
		if e.Kind == network.EntityLink && e.Start >= 0 && e.End <= len(p.Text) && e.Start < e.End {
			spans = append(spans, e)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	var b strings.Builder
	at := 0
	for _, e := range spans {
		if e.Start < at {
			continue
		}
		b.WriteString(p.Text[at:e.Start])
		b.WriteByte(' ')
		v := e.Value
		if v == "" {
			v = p.Text[e.Start:e.End]
		}
		f.links = append(f.links, normalizeLink(v))
		at = e.End
	}
	b.WriteString(p.Text[at:])
	rest := linkPattern.ReplaceAllStringFunc(b.String(), func(l string) string {
		f.links = append(f.links, normalizeLink(l))
		return " "
	})
	f.text = normalizeText(rest)
	slices.Sort(f.links)
	return f
}

// matches reports whether post t is the post f describes.
func (f fingerprint) matches(t *tweet) bool {
	if t.repliesTo() != f.replyTo {
		return false
	}
	var links []string
	text := linkPattern.ReplaceAllStringFunc(html.UnescapeString(t.Text), func(l string) string {
		if !isShortLink(l) {
			links = append(links, normalizeLink(l))
		}
		return " "
	})
	if normalizeText(text) != f.text {
		return false
	}
	if t.Entities != nil {
		for _, u := range t.Entities.URLs {
			if u.MediaKey != "" {
				continue // an attachment, not a link of the text
			}
			target := u.UnwoundURL
			if target == "" {
				target = u.ExpandedURL
			}
			if target == "" {
				continue
			}
			links = append(links, normalizeLink(target))
		}
	}
	slices.Sort(links)
	return slices.Equal(links, f.links)
}

// isShortLink reports whether l is one of X's t.co links.
func isShortLink(l string) bool {
	u, err := url.Parse(l)
	return err == nil && strings.EqualFold(u.Host, "t.co")
}

// normalizeText puts text in NFC, as X does, and collapses white space.
func normalizeText(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// normalizeLink reduces an address to what survives X's expansion: no
// scheme, a lowercase host, no trailing slash.
func normalizeLink(l string) string {
	l = strings.TrimSpace(l)
	if i := strings.Index(l, "://"); i >= 0 {
		l = l[i+3:]
	}
	host, rest := l, ""
	if i := strings.IndexAny(l, "/?#"); i >= 0 {
		host, rest = l[:i], l[i:]
	}
	return strings.TrimRight(strings.ToLower(host)+rest, "/")
}
