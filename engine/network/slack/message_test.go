package slack

import (
	"strings"
	"testing"
)

func TestChunks(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"fits", "hello world", 20, []string{"hello world"}},
		{"empty", " \n\n ", 20, nil},
		{"paragraphs first", "aaaa bbbb\n\ncccc dddd", 15, []string{"aaaa bbbb", "cccc dddd"}},
		{"then lines", "aaaa\nbbbb cccc", 10, []string{"aaaa", "bbbb cccc"}},
		{"then words", "aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"hard cut", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"no split inside a surrogate pair", "ab😀😀", 3, []string{"ab", "😀", "😀"}},
		{"accents are one unit", "éééé éé", 4, []string{"éééé", "éé"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chunks(tt.in, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("chunks(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			for _, c := range got {
				if units(c) > tt.limit {
					t.Errorf("chunk %q is %d units, over %d", c, units(c), tt.limit)
				}
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("Les nouveautés de mars", 10); got != "Les nouve…" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("court", 10); got != "court" {
		t.Errorf("truncate = %q", got)
	}
}
