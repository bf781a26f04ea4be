package mastodon

import (
	"context"
	"errors"
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/clairon-dev/clairon/engine/network"
)

// Lookup bounds.
const (
	// lookupSkew is how far the server's clock may lag the engine's: a
	// status created for p is no older than p.CreatedAt minus this.
	lookupSkew = 10 * time.Minute
	// lookupPages caps the pages of 40 statuses read.
	lookupPages = 10
)

// Lookup finds the status a lost publish of p may have created.
//
// Mastodon honours the Idempotency-Key for about an hour, but compatible
// servers may ignore it and nothing lists statuses by key, so Lookup reads
// the account's own statuses, newest first (GET
// /api/v1/accounts/:id/statuses, following Link pages), for one that
// replies to the same status and has the same text: a first match on the
// rendered HTML, confirmed on the status's source text (GET
// /api/v1/statuses/:id/source) where the server has it.
//
// What proves absence: a status is visible in that list as soon as its
// creation has been answered, and it is created no earlier than
// p.CreatedAt minus a clock skew allowance. So when the scan reaches a
// status older than that, or the end of the list, without a match, no such
// status exists: Absent. When p.CreatedAt is zero, only the end of the list
// proves it. A scan cut short by the page cap is Unknown.
func (a *Adapter) Lookup(ctx context.Context, p *network.Post) (network.Ref, network.LookupResult, error) {
	id, err := a.accountID(ctx)
	if err != nil {
		return network.Ref{}, network.Unknown, err
	}
	var cutoff time.Time
	if !p.CreatedAt.IsZero() {
		cutoff = p.CreatedAt.Add(-lookupSkew)
	}
	replyTo := ""
	if p.ReplyTo != nil {
		replyTo = p.ReplyTo.ID
	}
	want := loose(shortMentions(p.Text))
	next := "/api/v1/accounts/" + url.PathEscape(id) + "/statuses?limit=40&exclude_reblogs=true"
	for range lookupPages {
		var page []status
		resp, err := a.getJSON(ctx, "lookup", next, &page)
		if err != nil {
			return network.Ref{}, network.Unknown, err
		}
		for _, st := range page {
			if !cutoff.IsZero() && st.CreatedAt.Before(cutoff) {
				return network.Ref{}, network.Absent, nil
			}
			if st.Reblog != nil || st.replyTo() != replyTo || loose(htmlText(st.Content)) != want {
				continue
			}
			ok, err := a.sameSource(ctx, st, p)
			if err != nil {
				return network.Ref{}, network.Unknown, err
			}
			if ok {
				return network.Ref{ID: st.ID, URL: st.link()}, network.Found, nil
			}
		}
		if next = nextLink(resp.Header); next == "" || len(page) == 0 {
			return network.Ref{}, network.Absent, nil
		}
	}
	return network.Ref{}, network.Unknown, nil
}

// sameSource confirms a candidate on its source text. A server without
// the source endpoint (404) leaves the rendered match standing.
func (a *Adapter) sameSource(ctx context.Context, st status, p *network.Post) (bool, error) {
	var src source
	_, err := a.getJSON(ctx, "lookup", "/api/v1/statuses/"+url.PathEscape(st.ID)+"/source", &src)
	switch {
	case errors.Is(err, network.ErrNotFound):
		return st.SpoilerText == p.ContentWarning, nil
	case err != nil:
		return false, err
	}
	return normalize(src.Text) == normalize(p.Text) && normalize(src.SpoilerText) == normalize(p.ContentWarning), nil
}

// normalize undoes what a server may do to source text: line endings and
// surrounding space.
func normalize(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

var (
	tag = regexp.MustCompile(`<[^>]*>`)
	// A remote mention "@user@domain" is rendered as "@user".
	remoteMention = regexp.MustCompile(`@([A-Za-z0-9_]+)@[A-Za-z0-9.-]+[A-Za-z0-9]`)
)

// htmlText is the text of a status's HTML content.
func htmlText(content string) string {
	content = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p><p>", "\n\n").Replace(content)
	return html.UnescapeString(tag.ReplaceAllString(content, ""))
}

func shortMentions(text string) string { return remoteMention.ReplaceAllString(text, "@$1") }

// loose keeps letters and digits only, lowercased: the part of a text that
// survives Mastodon's rendering of links, mentions, hashtags and breaks.
func loose(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
