package render

import (
	"html"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The patterns visibleHTML and unescapeLittle follow, as regular
// expressions: the tests compare the hand-written scans with them.
var (
	tagPattern      = regexp.MustCompile(`<[^>]*>`)
	mentionPattern  = regexp.MustCompile(`@\[([^\]]*)\]\(urn:li:[^)]*\)`)
	reservedPattern = regexp.MustCompile(`\\([\\|{}@\[\]()<>#*_~])`)
)

// randomMarkup mixes the characters the patterns care about with text.
func randomMarkup(r *rand.Rand) string {
	pieces := []string{"<", ">", "<b>", "</b>", "&amp;", "&lt;", "@", "[", "]", "(", ")", "@[", "](urn:li:", "(urn:li:person:1)",
		"\\", "\\#", "\\\\", "\\@", "\\x", "#", "*", "_", "~", "|", "{", "}", "a", "é", " ", "\n", "urn:li:", "😀"}
	var b strings.Builder
	for range r.IntN(30) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func TestVisibleTextMatchesPatterns(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	fixed := []string{"", "plain", "<b>gras</b> &amp; <a href=\"x\">lien</a>", "a < b", "a > b <", "@[Brûlerie](urn:li:organization:1) \\#Lyon \\(x\\)",
		"@[a](urn:li:x", "@[a]b](urn:li:x)", "@[@[a](urn:li:1)](urn:li:2)", "\\\\\\#", "\\"}
	for i := range 50000 {
		s := randomMarkup(r)
		if i < len(fixed) {
			s = fixed[i]
		}
		if got, want := visibleHTML(s), html.UnescapeString(tagPattern.ReplaceAllString(s, "")); got != want {
			t.Fatalf("visibleHTML(%q) = %q, want %q", s, got, want)
		}
		want := reservedPattern.ReplaceAllString(mentionPattern.ReplaceAllString(s, "@$1"), "$1")
		if got := unescapeLittle(s); got != want {
			t.Fatalf("unescapeLittle(%q) = %q, want %q", s, got, want)
		}
	}
}

// hashtagsInByRunes is hashtagsIn as first written, rune by rune: the test
// checks the byte scan against it.
func hashtagsInByRunes(s string) []string {
	var out []string
	prev := rune(0)
	for i, r := range s {
		if (r == '#' || r == '＃') && !isTagChar(prev) && prev != '&' && prev != '/' && prev != '#' {
			start := i + utf8.RuneLen(r)
			end, letter := start, false
			for _, c := range s[start:] {
				if !isTagChar(c) {
					break
				}
				letter = letter || unicode.IsLetter(c)
				end += utf8.RuneLen(c)
			}
			if letter {
				out = append(out, strings.ToLower(s[start:end]))
			}
		}
		prev = r
	}
	return out
}

func TestHashtagsIn(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	pieces := []string{"#", "＃", "&", "/", "a", "É", "1", "_", " ", "\n", "tag", "日本", "#Lyon", "&#35;", "\xef", "\xef\xbc", "😀", "·", "-"}
	for range 50000 {
		var b strings.Builder
		for range r.IntN(16) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := hashtagsIn(s), hashtagsInByRunes(s); !slices.Equal(got, want) {
			t.Fatalf("hashtagsIn(%q) = %q, want %q", s, got, want)
		}
	}
}
