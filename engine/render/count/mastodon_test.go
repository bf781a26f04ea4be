package count

import (
	"strings"
	"testing"
)

func TestCountMastodon(t *testing.T) {
	a := strings.Repeat
	tests := []struct {
		name   string
		text   string
		cw     string
		length int
		valid  bool
	}{
		{"content warning over the limit", "", a("a", 520), 520, false},
		{"text over the limit", a("a", 520), "", 520, false},
		{"warning and text together over", a("b", 251), a("a", 250), 501, false},
		{"spaced URL counts 23", a("a", 476) + " http://" + a("b", 30) + ".com/example", "", 500, true},
		{"URL glued to a word is not shortened", a("a", 476) + "http://" + a("b", 30) + ".com/example", "", 525, false},
		{"overlong URL counts in full", "http://example.com/valid?" + a("#foo?", 1000), "", 5025, false},
		{"remote mention counts as @user", a("a", 475) + " @alice@" + a("b", 30) + ".com", "", 482, true},
		{"mention with an overlong domain counts in full", "@alice@" + a("b", 500) + ".com", "", 511, false},
		{"sparkles are one character each", a("✨", 500), "", 500, true},
		{"ZWJ flag is one character", a("🏳\ufe0f\u200d⚧\ufe0f", 500), "", 500, true},
		{"schemeless domain is not shortened", "see example.com/" + a("p", 100), "", 116, true},
		{"gemini scheme is shortened", "gemini://example.org/" + a("x", 50), "", 23, true},
		{"blank text counts nothing", "   ", "spoiler", 7, true},
		{"Devanagari conjuncts", "नमस्ते", "", 3, true},
		{"combining marks stay with their letter", "e\u0301", "", 1, true},
		{"CJK counts 1 per character", a("日本", 250), "", 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CountMastodon(tt.text, Options{ContentWarning: tt.cw})
			if r.Length != tt.length || r.Valid != tt.valid {
				t.Errorf("length %d valid %v, want %d %v (problems %v)", r.Length, r.Valid, tt.length, tt.valid, r.Problems)
			}
			if r.Limit != 500 || r.Unit != UnitGraphemes {
				t.Errorf("limit %d unit %s", r.Limit, r.Unit)
			}
		})
	}
}

func TestCountMastodonLimitAndOverflow(t *testing.T) {
	tests := []struct {
		name     string
		text, cw string
		limit    int
		overflow int
	}{
		{"fits", strings.Repeat("a", 500), "", 0, -1},
		{"plain overflow", strings.Repeat("a", 501), "", 0, 500},
		{"overflow inside a URL points at the URL", strings.Repeat("a", 490) + " https://example.com", "", 0, 491},
		{"overflow after a shortened mention", "@bob@example.social " + strings.Repeat("c", 500), "", 0, 20 + 495},
		{"warning alone too long", "hello", strings.Repeat("w", 600), 0, 0},
		{"instance limit", strings.Repeat("a", 1001), "", 1000, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CountMastodon(tt.text, Options{ContentWarning: tt.cw, Limit: tt.limit})
			if r.OverflowOffset != tt.overflow {
				t.Errorf("overflow_offset %d, want %d (length %d)", r.OverflowOffset, tt.overflow, r.Length)
			}
		})
	}
}

func TestCountMastodonEntities(t *testing.T) {
	text := "Hi @alice@example.social and @bob! #GoLang https://joinmastodon.org/apps x#no"
	r := CountMastodon(text, Options{})
	want := []struct{ kind, text, value string }{
		{KindMention, "@alice@example.social", "alice@example.social"},
		{KindMention, "@bob", "bob"},
		{KindHashtag, "#GoLang", "GoLang"},
		{KindURL, "https://joinmastodon.org/apps", "https://joinmastodon.org/apps"},
	}
	if len(r.Entities) != len(want) {
		t.Fatalf("entities %+v", r.Entities)
	}
	for i, e := range r.Entities {
		if e.Kind != want[i].kind || e.Text != want[i].text || e.Value != want[i].value || text[e.Start:e.End] != e.Text {
			t.Errorf("entity %d = %+v, want %+v", i, e, want[i])
		}
	}
	// "Hi " + "@alice" + " and @bob! #GoLang " + 23 + " x#no"
	if want := 3 + 6 + 19 + 23 + 5; r.Length != want {
		t.Errorf("length %d, want %d", r.Length, want)
	}
}

func TestMastodonHashtags(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"#tag", []string{"tag"}},
		{"a #tag b", []string{"tag"}},
		{"a#tag", nil},
		{"#123", nil},
		{"#12ab", []string{"12ab"}},
		{"#hello·world", []string{"hello·world"}},
		{"#tag_", []string{"tag_"}},
		{"#ＦＷ", []string{"ＦＷ"}},
		{"＃tag", []string{"tag"}},
		{"#foohttps://example.com", []string{"foo"}},
	}
	for _, tt := range tests {
		var got []string
		for _, e := range mastodonHashtags(newRuneText(tt.text)) {
			got = append(got, e.value)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("mastodonHashtags(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
