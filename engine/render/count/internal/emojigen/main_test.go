package main

import (
	"strings"
	"testing"
)

func TestIsPictographic(t *testing.T) {
	for _, r := range []rune{0xA9, 0x203C, 0x2764, 0x1F600, 0x1F9D1} {
		if !isPictographic(r) {
			t.Errorf("U+%04X should be Extended_Pictographic", r)
		}
	}
	for _, r := range []rune{'a', '1', 0x200D, 0x1F3FB, 0x1F1E6, 0x0301, 0xD800} {
		if isPictographic(r) {
			t.Errorf("U+%04X should not be Extended_Pictographic", r)
		}
	}
}

func TestRangesAreSortedAndMerged(t *testing.T) {
	rs := ranges()
	if len(rs) < 50 {
		t.Fatalf("only %d ranges", len(rs))
	}
	for i, r := range rs {
		if r[0] > r[1] || (i > 0 && r[0] <= rs[i-1][1]+1) {
			t.Fatalf("range %d %X-%X is not sorted or not merged", i, r[0], r[1])
		}
	}
	src, err := render("count", rs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "{Lo: 0x00A9, Hi: 0x00A9, Stride: 1}") || !strings.Contains(string(src), "LatinOffset: 2") {
		t.Errorf("unexpected table:\n%.600s", src)
	}
}
