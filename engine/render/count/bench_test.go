package count

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// benchText is a 280-code-point post mixing Latin with accents, emoji, CJK,
// a URL, hashtags, a mention and a cashtag.
var benchText = func() string {
	base := "Lancement du printemps 🌸 chez Café Noé ! Découvrez la collection sur https://example.com/collections/printemps-2026?utm_source=x " +
		"#printemps #mode @cafenoe $NOE 春のコレクション 👩\u200d👩\u200d👧 🇫🇷 "
	s := base
	for utf8.RuneCountInString(s) < 280 {
		s += "Merci à toutes et à tous. "
	}
	r := []rune(s)
	return string(r[:280])
}()

func BenchmarkCount(b *testing.B) {
	if n := utf8.RuneCountInString(benchText); n != 280 {
		b.Fatalf("bench text has %d code points", n)
	}
	for _, network := range Networks() {
		b.Run(network, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchText)))
			for b.Loop() {
				if _, err := Count(network, benchText, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCountLong counts a long Facebook-sized text, to show the
// extraction stays linear.
func BenchmarkCountLong(b *testing.B) {
	text := strings.Repeat(benchText, 200)
	for _, network := range []string{X, Mastodon, Bluesky} {
		b.Run(network, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if _, err := Count(network, text, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
