package count

import (
	"strings"
	"testing"
)

func TestCountXWeightedLength(t *testing.T) {
	family := "👨\u200d👩\u200d👧\u200d👦"
	tests := []struct {
		name   string
		text   string
		length int
		valid  bool
	}{
		{"ascii", "Hello world", 11, true},
		{"url with scheme counts 23", "Hi http://test.co", 26, true},
		{"url alone", "http://test.co", 23, true},
		{"long url path counts 23", "see https://example.com/" + strings.Repeat("a/", 200), 27, true},
		{"schemeless url with TLD counts 23", "visit example.com today", 6 + 23 + 6, true},
		{"ten urls", strings.Repeat("https://www.twitter.com/aloha ", 10), 240, true},
		{"285 latin characters", "285 chars-" + strings.Repeat("xxxxxxxxxx-", 25), 285, false},
		{"emoji and ZWJ family", "H🐱☺" + family, 7, true},
		{"five emoji", "😷👾😡🔥💩", 10, true},
		{"skin tone and ZWJ profession", "🙋🏽👨\u200d🎤", 4, true},
		{"keycap without VS16", "1\u20e3", 2, true},
		{"keycap with VS16", "#\ufe0f\u20e3", 2, true},
		{"flag pair", "🇫🇷", 2, true},
		{"two flags", "🇫🇷🇩🇪", 4, true},
		{"tag sequence flag", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", 2, true},
		{"unicode 10 emoji", "Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", 34, true},
		{"unicode 9 emoji", "Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 29, true},
		{"newer ZWJ sequence", "❤\ufe0f\u200d🔥", 2, true},
		{"copyright without VS16 is a letter", "©", 1, true},
		{"copyright with VS16 is an emoji", "©\ufe0f", 2, true},
		{"text presentation is not an emoji", "☺\ufe0e", 4, true},
		{"140 families fit", strings.Repeat(family, 140), 280, true},
		{"141 families do not", strings.Repeat(family, 141), 282, false},
		{"CJK weighs 2", strings.Repeat("我", 140), 280, true},
		{"CJK over", strings.Repeat("我", 160), 320, false},
		{"Japanese mix", "日本語のテキスト abc", 8*2 + 4, true},
		{"64-character label is not a URL", strings.Repeat("randomurl", 7) + "s.com", 68, true},
		{"Devanagari ZWJ and ZWNJ weigh 1", "ZWJ: क्ष -> क्\u200dष; ZWNJ: क्ष -> क्\u200cष", 35, true},
		{"combining marks weigh 1 each after NFC", "e\u0301", 1, true},
		{"NFD text is composed first", strings.Repeat("e\u0301", 280), 280, true},
		{"NFC text", strings.Repeat("é", 280), 280, true},
		{"empty", "", 0, false},
		{"spaces only", "   ", 3, true},
		{"BOM is refused and weighs 2", "a\ufeffb", 4, false},
		{"U+FFFE is refused", "\ufffe", 2, false},
		{"LRM and RLM fall outside the light ranges", "\u200e\u200fabc", 7, true},
		{"mention and hashtag weigh their letters", "@jack #hello $TWTR", 18, true},
		{"dashes and quotes weigh 1, the ellipsis 2", "\u2014\u201c\u2026", 1 + 1 + 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CountX(tt.text, Options{})
			if r.Length != tt.length || r.Valid != tt.valid {
				t.Errorf("CountX(%q) = length %d valid %v, want %d %v (problems %v)", tt.text, r.Length, r.Valid, tt.length, tt.valid, r.Problems)
			}
			if r.Counts.Weighted == nil || *r.Counts.Weighted != r.Length {
				t.Errorf("counts.weighted = %v, want %d", r.Counts.Weighted, r.Length)
			}
			if r.Limit != 280 || r.Unit != UnitWeighted {
				t.Errorf("limit %d unit %s", r.Limit, r.Unit)
			}
		})
	}
}

func TestCountXOverflowOffset(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"fits", strings.Repeat("a", 280), -1},
		{"one over", strings.Repeat("a", 281), 280},
		{"CJK over", strings.Repeat("我", 141), 140 * 3},
		{"URL straddling the limit", strings.Repeat("a", 270) + " https://example.com/path", 271},
		{"emoji straddling the limit", strings.Repeat("a", 279) + "🇫🇷", 279},
		{"NFD maps back to the original", strings.Repeat("e\u0301", 281), 280 * 3},
		{"over after a URL", "https://example.com/ " + strings.Repeat("b", 260), 21 + 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CountX(tt.text, Options{})
			if r.OverflowOffset != tt.want {
				t.Errorf("overflow_offset = %d, want %d (length %d)", r.OverflowOffset, tt.want, r.Length)
			}
		})
	}
}

func TestCountXLimitOverride(t *testing.T) {
	r := CountX(strings.Repeat("a", 1000), Options{Limit: 25000})
	if !r.Valid || r.Limit != 25000 || *r.Remaining != 24000 {
		t.Errorf("got valid %v limit %d remaining %v", r.Valid, r.Limit, *r.Remaining)
	}
}

func TestCountXEntities(t *testing.T) {
	text := "Cafe\u0301 news: https://t.co/abc #Paris @jack $TSLA and example.org!"
	r := CountX(text, Options{})
	want := []Entity{
		{Kind: KindURL, Text: "https://t.co/abc", Value: "https://t.co/abc"},
		{Kind: KindHashtag, Text: "#Paris", Value: "Paris"},
		{Kind: KindMention, Text: "@jack", Value: "jack"},
		{Kind: KindCashtag, Text: "$TSLA", Value: "TSLA"},
		{Kind: KindURL, Text: "example.org", Value: "example.org"},
	}
	if len(r.Entities) != len(want) {
		t.Fatalf("entities %+v", r.Entities)
	}
	for i, e := range r.Entities {
		if e.Kind != want[i].Kind || e.Text != want[i].Text || e.Value != want[i].Value {
			t.Errorf("entity %d = %+v, want %+v", i, e, want[i])
		}
		if text[e.Start:e.End] != e.Text {
			t.Errorf("entity %d offsets [%d,%d) do not cut %q from the original", i, e.Start, e.End, e.Text)
		}
	}
	if r.Counts.URLs != 2 || r.Counts.Hashtags != 1 || r.Counts.Mentions != 1 || r.Counts.Cashtags != 1 {
		t.Errorf("counts %+v", r.Counts)
	}
}

// TestLatinFastPath checks the shortcut of CountX's weighting loop: a code
// point below U+0300 that starts no keycap and is not a pictograph starts no
// emoji sequence, whatever follows, and weighs as a light character.
func TestLatinFastPath(t *testing.T) {
	for c := rune(0); c < 0x300; c++ {
		if keycapStart(c) || c == 0xA9 || c == 0xAE {
			continue
		}
		for _, next := range []rune{'a', vs16, vs15, zwj, 0x20E3, 0x1F3FB, 0x1F600} {
			if n := emojiLen([]rune{c, next, 0x1F600}, 0); n != 0 {
				t.Fatalf("U+%04X U+%04X: emojiLen %d", c, next, n)
			}
		}
		if w := charWeight(c); w != xConfig.Ranges[0].Weight {
			t.Fatalf("U+%04X weighs %d", c, w)
		}
	}
}
