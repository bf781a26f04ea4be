package count

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCount checks that counting never panics on valid UTF-8 and that every
// offset it returns is inside the text and on a code point boundary.
func FuzzCount(f *testing.F) {
	seeds := []string{
		"", "hello", "#tag @user $CASH https://example.com/path?q=1 example.org",
		"e\u0301\u0302 🇫🇷👨\u200d👩\u200d👧 क्षि ＃タグ @a.bsky.social",
		"http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234 (http://x.com/a_(b)) $AB.CD",
		"@alice@example.social gemini://x.org/ #foohttps://y.com", strings.Repeat("é", 300),
		"\ufeff\u202a\u2066RT @x: xn--ls8h.la/ #️⃣", "((((((((((http://a.co/((b))))",
	}
	for i, s := range seeds {
		f.Add(s, uint8(i), uint16(i*97), i%2 == 0, "cw")
	}
	nets := Networks()
	f.Fuzz(func(t *testing.T, text string, net uint8, limit uint16, caption bool, cw string) {
		network := nets[int(net)%len(nets)]
		opts := Options{Limit: int(limit), Caption: caption, ContentWarning: cw}
		r, err := Count(network, text, opts)
		if !utf8.ValidString(text) || !utf8.ValidString(cw) {
			if err == nil {
				t.Fatal("invalid UTF-8 accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		boundary := func(off int) bool {
			return off == len(text) || (off >= 0 && off < len(text) && utf8.RuneStart(text[off]))
		}
		if r.OverflowOffset != -1 && !boundary(r.OverflowOffset) {
			t.Fatalf("overflow_offset %d off a boundary of %q", r.OverflowOffset, text)
		}
		if (r.OverflowOffset == -1) != r.Checks[0].Valid && r.Checks[0].Length >= r.Checks[0].Min && len(r.Checks) == 1 {
			t.Fatalf("overflow_offset %d disagrees with the check %+v", r.OverflowOffset, r.Checks[0])
		}
		for _, c := range r.Checks {
			if c.OverflowOffset != -1 && !boundary(c.OverflowOffset) {
				t.Fatalf("check %s overflow %d off a boundary", c.Name, c.OverflowOffset)
			}
		}
		last := 0
		for _, e := range r.Entities {
			if e.Start < last || e.Start >= e.End || e.End > len(text) || !boundary(e.Start) || !boundary(e.End) {
				t.Fatalf("entity %+v out of order or range in %q", e, text)
			}
			if text[e.Start:e.End] != e.Text {
				t.Fatalf("entity text %q is not text[%d:%d]", e.Text, e.Start, e.End)
			}
			last = e.End
		}
		if r.Counts.CodePoints != utf8.RuneCountInString(text) || r.Counts.Bytes != len(text) {
			t.Fatalf("counts %+v", r.Counts)
		}
	})
}
