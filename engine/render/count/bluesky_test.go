package count

import (
	"fmt"
	"strings"
	"testing"
)

func TestCountBlueskyLength(t *testing.T) {
	family := "👨\u200d👩\u200d👧\u200d👧"
	tests := []struct {
		name      string
		text      string
		graphemes int
		bytes     int
		valid     bool
		overflow  int
	}{
		{"ascii", "Hello!", 6, 6, true, -1},
		{"family is one grapheme of 25 bytes", family, 1, 25, true, -1},
		{"mixed", family + "🔥 good!✅", 9, 38, true, -1},
		{"Devanagari", "नमस्ते", 3, 18, true, -1},
		{"300 emoji fit", strings.Repeat("😀", 300), 300, 1200, true, -1},
		{"301 graphemes", strings.Repeat("a", 301), 301, 301, false, 300},
		{"over 3000 bytes under 300 graphemes", strings.Repeat(family, 121), 121, 3025, false, 120 * 25},
		{"URLs are not shortened", "https://example.com/" + strings.Repeat("x", 290), 310, 310, false, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CountBluesky(tt.text, Options{})
			if r.Length != tt.graphemes || r.Counts.Bytes != tt.bytes || r.Valid != tt.valid || r.OverflowOffset != tt.overflow {
				t.Errorf("graphemes %d bytes %d valid %v overflow %d, want %d %d %v %d (problems %v)",
					r.Length, r.Counts.Bytes, r.Valid, r.OverflowOffset, tt.graphemes, tt.bytes, tt.valid, tt.overflow, r.Problems)
			}
			if len(r.Checks) != 2 || r.Checks[1].Name != "bytes" || r.Checks[1].Limit != 3000 {
				t.Errorf("checks %+v", r.Checks)
			}
		})
	}
}

// facetString renders facets as kind:value@byteStart-byteEnd.
func facetString(r Result) string {
	var parts []string
	for _, e := range r.Entities {
		if e.Facet == nil || e.Facet.ByteStart != e.Start || e.Facet.ByteEnd != e.End {
			return fmt.Sprintf("bad facet index on %+v", e)
		}
		parts = append(parts, fmt.Sprintf("%s:%s@%d-%d", e.Kind, e.Value, e.Start, e.End))
	}
	return strings.Join(parts, " ")
}

func TestBlueskyFacets(t *testing.T) {
	tests := []struct{ text, want string }{
		{"no mention", ""},
		{"@handle.com middle end", "mention:handle.com@0-11"},
		{"start @handle.com end", "mention:handle.com@6-17"},
		{"@full123-chars.test", "mention:full123-chars.test@0-19"},
		{"not@right", ""},
		{"@handle.com!@#$chars", "mention:handle.com@0-11"},
		{"parenthetical (@handle.com)", "mention:handle.com@15-26"},
		{"👨\u200d👩\u200d👧\u200d👧 @handle.com", "mention:handle.com@26-37"},
		{"@bad..dots.com", ""},
		{"@alice.bsky.social.", "mention:alice.bsky.social@0-18"},
		{"start https://middle.com/foo/bar?baz=bux#hash end", "url:https://middle.com/foo/bar?baz=bux#hash@6-45"},
		{"start middle.com/foo/bar end", "url:https://middle.com/foo/bar@6-24"},
		{"a trailing bsky.app: colon", "url:https://bsky.app@11-19"},
		{"not.. a..url ..here", ""},
		{"e.g.", ""},
		{"something-cool.jpg", ""},
		{"website.com.jpg", ""},
		{"punctuation https://foo.com, https://bar.com/whatever; https://baz.com.",
			"url:https://foo.com@12-27 url:https://bar.com/whatever@29-53 url:https://baz.com@55-70"},
		{"parenthentical (https://foo.com)", "url:https://foo.com@16-31"},
		{"except for https://foo.com/thing_(cool)", "url:https://foo.com/thing_(cool)@11-39"},
		{"HTTPS://SHOUT.COM", ""},
		{"#a #b", "hashtag:a@0-2 hashtag:b@3-5"},
		{"#1", ""},
		{"#1a", "hashtag:1a@0-3"},
		{"body #tag body", "hashtag:tag@5-9"},
		{"text # text", ""},
		{"its a #double#rainbow", "hashtag:double#rainbow@6-21"},
		{"##hashash", "hashtag:#hashash@0-9"},
		{"strips trailing #punctuation, #like. #this!",
			"hashtag:punctuation@16-28 hashtag:like@30-35 hashtag:this@37-42"},
		{"strips #multi_trailing___...", "hashtag:multi_trailing@7-22"},
		{"works with #🦋 emoji", "hashtag:🦋@11-16"},
		{"this #\ufe0f\u20e3tag is not a tag", ""},
		{"match (a\u200bb): #a\u200bb", "hashtag:a@15-17"},
		{"full width ＃tag", "hashtag:tag@11-17"},
		{"body #" + strings.Repeat("a", 64), "hashtag:" + strings.Repeat("a", 64) + "@5-70"},
		{"body #" + strings.Repeat("a", 65), ""},
		{"body #" + strings.Repeat("🦋", 33), "hashtag:" + strings.Repeat("🦋", 33) + fmt.Sprintf("@5-%d", 5+1+33*4)},
		{"$AAPL", "cashtag:AAPL@0-5"},
		{"$aapl", "cashtag:AAPL@0-5"},
		{"$BTC $ETH", "cashtag:BTC@0-4 cashtag:ETH@5-9"},
		{"$100", ""},
		{"$GOOGL", "cashtag:GOOGL@0-6"},
		{"$TOOLONG", ""},
		{"($GOOG)", "cashtag:GOOG@1-6"},
		{"$AAPL, $MSFT!", "cashtag:AAPL@0-5 cashtag:MSFT@7-12"},
		{"no$SPACE", ""},
		{"$ABC123", ""},
		{"mixed @bob.test #go https://go.dev $GO", "mention:bob.test@6-15 hashtag:go@16-19 url:https://go.dev@20-34 cashtag:GO@35-38"},
	}
	for _, tt := range tests {
		if got := facetString(CountBluesky(tt.text, Options{})); got != tt.want {
			t.Errorf("facets(%q)\n got %s\nwant %s", tt.text, got, tt.want)
		}
	}
}
