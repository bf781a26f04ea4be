package count

import (
	"errors"
	"strings"
	"testing"
)

func TestNetworksAreKnown(t *testing.T) {
	nets := Networks()
	if len(nets) != 10 {
		t.Fatalf("Networks() = %v", nets)
	}
	for _, n := range nets {
		if !KnownNetwork(n) {
			t.Errorf("%s is listed but unknown", n)
		}
		r, err := Count(n, "hello #world https://example.com", Options{})
		if err != nil {
			t.Fatalf("Count(%s): %v", n, err)
		}
		if r.Network != n || !r.Valid || len(r.Checks) == 0 || r.Checks[0].Unit != r.Unit {
			t.Errorf("Count(%s) = %+v", n, r)
		}
	}
	if KnownNetwork("myspace") {
		t.Error("myspace is known")
	}
}

func TestCountErrors(t *testing.T) {
	if _, err := Count("myspace", "hi", Options{}); !errors.Is(err, ErrUnknownNetwork) || !strings.Contains(err.Error(), "mastodon") {
		t.Errorf("unknown network: %v", err)
	}
	if _, err := Count(X, "bad \xff", Options{}); !errors.Is(err, ErrInvalidText) {
		t.Errorf("invalid UTF-8: %v", err)
	}
	if _, err := Count(Mastodon, "ok", Options{ContentWarning: "\xfe"}); !errors.Is(err, ErrInvalidText) {
		t.Errorf("invalid warning: %v", err)
	}
	if _, err := Count(X, "ok", Options{Limit: -1}); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestCountUTF16Networks(t *testing.T) {
	smile := "😀" // two UTF-16 units, four bytes
	tests := []struct {
		name     string
		network  string
		text     string
		opts     Options
		length   int
		limit    int
		valid    bool
		overflow int
	}{
		{"telegram surrogate pairs fit", Telegram, strings.Repeat(smile, 2048), Options{}, 4096, 4096, true, -1},
		{"telegram one pair over", Telegram, strings.Repeat(smile, 2049), Options{}, 4098, 4096, false, 2048 * 4},
		{"telegram pair straddling the limit", Telegram, strings.Repeat("a", 4095) + smile, Options{}, 4097, 4096, false, 4095},
		{"telegram empty message", Telegram, "", Options{}, 0, 4096, false, -1},
		{"telegram empty caption", Telegram, "", Options{Caption: true}, 0, 1024, true, -1},
		{"telegram caption over", Telegram, strings.Repeat("é", 1025), Options{Caption: true}, 1025, 1024, false, 1024 * 2},
		{"discord at the limit", Discord, strings.Repeat("x", 2000), Options{}, 2000, 2000, true, -1},
		{"discord over with emoji", Discord, strings.Repeat(smile, 1001), Options{}, 2002, 2000, false, 1000 * 4},
		{"linkedin", LinkedIn, strings.Repeat("a", 3001), Options{}, 3001, 3000, false, 3000},
		{"facebook", Facebook, strings.Repeat("a", 63206), Options{}, 63206, 63206, true, -1},
		{"slack", Slack, strings.Repeat("a", 40001), Options{}, 40001, 40000, false, 40000},
		{"instagram caption", Instagram, strings.Repeat("a", 2201), Options{}, 2201, 2200, false, 2200},
		{"override", LinkedIn, "abcdef", Options{Limit: 5}, 6, 5, false, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Count(tt.network, tt.text, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Length != tt.length || r.Limit != tt.limit || r.Valid != tt.valid || r.OverflowOffset != tt.overflow {
				t.Errorf("length %d limit %d valid %v overflow %d, want %d %d %v %d (problems %v)",
					r.Length, r.Limit, r.Valid, r.OverflowOffset, tt.length, tt.limit, tt.valid, tt.overflow, r.Problems)
			}
			if r.Unit != UnitUTF16 {
				t.Errorf("unit %s", r.Unit)
			}
			if *r.Remaining != tt.limit-tt.length {
				t.Errorf("remaining %d", *r.Remaining)
			}
		})
	}
}

func TestCountInstagramEntityLimits(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 31; i++ {
		b.WriteString("#tag" + string(rune('a'+i%26)) + " ")
	}
	tags := b.String()
	r := CountInstagram(tags, Options{})
	if r.Valid || r.Counts.Hashtags != 31 || r.Checks[1].Name != "hashtags" || r.Checks[1].Valid {
		t.Fatalf("31 hashtags: %+v", r.Checks)
	}
	if want := 30 * 6; r.OverflowOffset != want {
		t.Errorf("overflow at %d, want the 31st hashtag at %d", r.OverflowOffset, want)
	}
	var m strings.Builder
	for i := 0; i < 21; i++ {
		m.WriteString("@user.name_" + string(rune('a'+i)) + " ")
	}
	r = CountInstagram(m.String(), Options{})
	if r.Valid || r.Counts.Mentions != 21 || r.Checks[2].Valid {
		t.Errorf("21 mentions: %+v", r.Checks)
	}
	r = CountInstagram("Merci @la.boulangerie. #pain #croissant! email@example.com", Options{})
	if !r.Valid || r.Counts.Mentions != 1 || r.Counts.Hashtags != 2 || r.Entities[0].Value != "la.boulangerie" {
		t.Errorf("caption: %+v", r)
	}
}

func TestCountWebhook(t *testing.T) {
	r := CountWebhook(strings.Repeat("😀", 100000), Options{})
	if !r.Valid || r.Limit != 0 || r.Remaining != nil || r.OverflowOffset != -1 {
		t.Errorf("unlimited: %+v", r.Checks)
	}
	r = CountWebhook("abc😀", Options{Limit: 3})
	if r.Valid || r.Length != 4 || r.OverflowOffset != 3 || r.Unit != UnitCodePoints {
		t.Errorf("limited: %+v", r)
	}
}

func TestResultShape(t *testing.T) {
	r := CountDiscord("", Options{})
	if r.Entities == nil || r.Problems == nil || r.Counts.Weighted != nil {
		t.Errorf("empty slices must encode as [] and weighted only for x: %+v", r)
	}
	r = CountX(strings.Repeat("a", 300), Options{})
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "over the limit of 280 by 20") {
		t.Errorf("problems %q", r.Problems)
	}
}

func TestPunycodeAndHostLength(t *testing.T) {
	for in, want := range map[string]string{"bücher": "bcher-kva", "münchen": "mnchen-3ya", "☃-⌘": "--dqo34k", "💩": "ls8h"} {
		if got := punycode(in); got != want {
			t.Errorf("punycode(%q) = %q, want %q", in, got, want)
		}
	}
	if !validHost(20, "bücher.example", true) || validHost(20, "xn--bücher.com", true) {
		t.Error("ACE prefix on a Unicode label must be refused")
	}
	if validHost(20, strings.Repeat("a", 64)+".com", true) || !validHost(20, strings.Repeat("a", 63)+".com", true) {
		t.Error("labels are limited to 63 characters")
	}
	if validHost(maxURLLength-7, "example.com", false) || !validHost(maxURLLength-8, "example.com", false) {
		t.Error("a URL without scheme is measured with https://")
	}
}
