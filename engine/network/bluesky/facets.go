package bluesky

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network"
)

// facets turns the post's entities into richtext facets. Entity offsets are
// already UTF-8 byte offsets into text, which is what facets use. Mentions
// are resolved to DIDs now, at publish time, since a handle can move.
func (a *Adapter) facets(ctx context.Context, text string, entities []network.Entity) ([]facet, error) {
	if len(entities) == 0 {
		return nil, nil
	}
	sorted := slices.Clone(entities)
	slices.SortStableFunc(sorted, func(x, y network.Entity) int { return x.Start - y.Start })
	dids := map[string]string{}
	out := make([]facet, 0, len(sorted))
	for _, e := range sorted {
		if err := checkSpan(text, e); err != nil {
			return nil, permanent("build facets", "%s %q: %w", e.Kind, e.Value, err)
		}
		var f feature
		switch e.Kind {
		case network.EntityLink:
			f = feature{Type: featureLink, URI: e.Value}
		case network.EntityMention:
			handle := strings.TrimPrefix(e.Value, "@")
			did, ok := dids[handle]
			if !ok {
				var err error
				if did, err = a.resolveHandle(ctx, handle); err != nil {
					return nil, err
				}
				dids[handle] = did
			}
			f = feature{Type: featureMention, DID: did}
		case network.EntityHashtag:
			f = feature{Type: featureTag, Tag: strings.TrimPrefix(e.Value, "#")}
		case network.EntityCashtag:
			f = feature{Type: featureTag, Tag: "$" + strings.TrimPrefix(e.Value, "$")}
		default:
			return nil, permanent("build facets", "unknown entity kind %q", e.Kind)
		}
		if f.URI == "" && f.DID == "" && f.Tag == "" {
			return nil, permanent("build facets", "%s at byte %d has no value", e.Kind, e.Start)
		}
		out = append(out, facet{Index: byteSlice{ByteStart: e.Start, ByteEnd: e.End}, Features: []feature{f}})
	}
	return out, nil
}

// checkSpan verifies that an entity covers a non-empty run of whole
// characters of text.
func checkSpan(text string, e network.Entity) error {
	if e.Start < 0 || e.End > len(text) || e.Start >= e.End {
		return fmt.Errorf("byte range [%d,%d) is outside the text's %d bytes", e.Start, e.End, len(text))
	}
	if !utf8.RuneStart(text[e.Start]) || (e.End < len(text) && !utf8.RuneStart(text[e.End])) {
		return fmt.Errorf("byte range [%d,%d) splits a character", e.Start, e.End)
	}
	return nil
}
