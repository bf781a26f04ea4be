package render

import (
	"net/url"
	"strings"

	"github.com/clairon-dev/clairon/engine/content"
)

// utmTagger adds UTM parameters to links.
type utmTagger struct {
	params [][2]string // in utm_source, medium, campaign, content, term order
}

// newUTMTagger merges a campaign's template with a post's overrides and
// fills the placeholders. It returns nil when nothing is to be added.
func newUTMTagger(campaign *content.UTM, post *content.UTMSetting, vars map[string]string) *utmTagger {
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
	fill := func(v string) string {
		if !strings.Contains(v, "{") {
			return v
		}
		for _, k := range []string{"network", "account", "post", "campaign"} {
			v = strings.ReplaceAll(v, "{"+k+"}", vars[k])
		}
		return v
	}
	t := &utmTagger{}
	for _, kv := range [][2]string{
		{"utm_source", merged.Source}, {"utm_medium", merged.Medium}, {"utm_campaign", merged.Campaign},
		{"utm_content", merged.Content}, {"utm_term", merged.Term},
	} {
		if kv[1] != "" {
			t.params = append(t.params, [2]string{kv[0], fill(kv[1])})
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
	existing, _ := url.ParseQuery(u.RawQuery)
	var add []string
	for _, kv := range t.params {
		if _, has := existing[kv[0]]; has {
			continue
		}
		add = append(add, kv[0]+"="+url.QueryEscape(kv[1]))
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
