package render

import (
	"net/url"
	"strings"

	"github.com/clairon-dev/clairon/engine/content"
)

// utmTagger adds UTM parameters to links.
type utmTagger struct {
	params [][2]string // in utm_source, medium, campaign, content, term order
	// escaped holds each parameter as written in a query: key=escaped value.
	escaped []string
	// room for the five parameters
	paramsArray  [5][2]string
	escapedArray [5]string
}

// utmVars are the values of the placeholders of UTM templates.
type utmVars struct {
	network, account, post, campaign string
}

// newUTMTagger merges a campaign's template with a post's overrides and
// fills the placeholders. It returns nil when nothing is to be added.
func newUTMTagger(campaign *content.UTM, post *content.UTMSetting, vars utmVars) *utmTagger {
	if post != nil && post.Off {
		return nil
	}
	var merged content.UTM
	if campaign != nil {
		merged = *campaign
	}
	if post != nil {
		for _, f := range []struct {
			dst *string
			src string
		}{
			{&merged.Source, post.Source}, {&merged.Medium, post.Medium}, {&merged.Campaign, post.Campaign},
			{&merged.Content, post.Content}, {&merged.Term, post.Term},
		} {
			if f.src != "" {
				*f.dst = f.src
			}
		}
	}
	// The placeholders are replaced one name after the other, in this order.
	fill := func(v string) string {
		if !strings.Contains(v, "{") {
			return v
		}
		v = strings.ReplaceAll(v, "{network}", vars.network)
		v = strings.ReplaceAll(v, "{account}", vars.account)
		v = strings.ReplaceAll(v, "{post}", vars.post)
		return strings.ReplaceAll(v, "{campaign}", vars.campaign)
	}
	t := &utmTagger{}
	t.params, t.escaped = t.paramsArray[:0], t.escapedArray[:0]
	for _, kv := range [][2]string{
		{"utm_source", merged.Source}, {"utm_medium", merged.Medium}, {"utm_campaign", merged.Campaign},
		{"utm_content", merged.Content}, {"utm_term", merged.Term},
	} {
		if kv[1] != "" {
			v := fill(kv[1])
			t.params = append(t.params, [2]string{kv[0], v})
			t.escaped = append(t.escaped, kv[0]+"="+url.QueryEscape(v))
		}
	}
	if len(t.params) == 0 {
		return nil
	}
	return t
}

// tag adds the UTM parameters to an http(s) URL, keeping its existing query
// (in its order) and fragment. A parameter already present is left alone,
// so a link is never tagged twice.
func (t *utmTagger) tag(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return raw
	}
	var add []string
	var existing url.Values
	parsed := false
	for i, kv := range t.params {
		if mayHold(u.RawQuery, kv[0]) {
			if !parsed {
				existing, _ = url.ParseQuery(u.RawQuery)
				parsed = true
			}
			if _, has := existing[kv[0]]; has {
				continue
			}
		}
		add = append(add, t.escaped[i])
	}
	if len(add) == 0 {
		return raw
	}
	base, frag, hasFrag := strings.Cut(raw, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	out := base + sep + strings.Join(add, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// mayHold reports whether url.ParseQuery(query) may hold key. It cannot
// when the query neither writes key nor escapes anything: then every key of
// the query is written as is.
func mayHold(query, key string) bool {
	return strings.Contains(query, key) || strings.ContainsAny(query, "%+")
}
