package contest

import (
	"os"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/content"
)

func builtinTemplate(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../templates/contest/winners.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAnnouncementGolden(t *testing.T) {
	_, rec := drawn(t)
	spec := parseSpec(t, contestFile)
	data := NewAnnouncementData(spec, rec, []string{"brand-mastodon", "brand-bluesky"},
		map[string]string{"brand-mastodon": "mastodon", "brand-bluesky": "bluesky"})
	out, err := Announcement("winners.md.tmpl", builtinTemplate(t), data)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "announcement.golden.md", out)

	d, ds := content.ParseDocument(AnnouncementPath("noel"), content.KindPost, out)
	if d == nil || ds.HasErrors() {
		t.Fatalf("the draft is not a valid post: %v", ds)
	}
	p := d.Post
	if !p.IsDraft() || p.ReplyTo != "annonce" || strings.Join(p.To, ",") != "brand-mastodon,brand-bluesky" || d.ID != "noel-gagnants" {
		t.Errorf("draft front matter: %+v (id %s)", p, d.ID)
	}
	// Each network names the winners its own way.
	for net, want := range map[string]string{
		"mastodon": "Bravo à eli.bsky.social (bluesky) et @ana@a.fr, qui gagnent chacun :",
		"bluesky":  "Bravo à @eli.bsky.social et ana@a.fr (mastodon), qui gagnent chacun :",
	} {
		ov, ok := p.Overrides[net]
		if !ok || ov.Text == nil || !strings.Contains(*ov.Text, want) {
			t.Errorf("override for %s: %v, want text containing %q", net, ov.Text, want)
		}
	}
	if !strings.Contains(string(d.Body), "Bravo à eli.bsky.social et @ana@a.fr") || !strings.Contains(string(d.Body), rec.Seed[:12]) {
		t.Errorf("body:\n%s", d.Body)
	}
}

func TestAnnouncementRefusals(t *testing.T) {
	_, rec := drawn(t)
	data := NewAnnouncementData(parseSpec(t, contestFile), rec, []string{"brand-mastodon"}, map[string]string{"brand-mastodon": "mastodon"})
	for name, tmpl := range map[string]string{
		"not a draft":  "---\nto: [{{join .To \", \"}}]\n---\n\nBravo {{sentence .Names}}\n",
		"no post":      "Bravo {{sentence .Names}}\n",
		"unknown data": "---\nstatus: draft\n---\n{{.Nope}}\n",
		"bad syntax":   "---\nstatus: draft\n---\n{{.Names\n",
	} {
		if _, err := Announcement(name, tmpl, data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMentionAndSentence(t *testing.T) {
	hs := []Handle{{"bluesky", "lea.bsky.social"}, {"mastodon", "@lea@piaille.fr"}}
	for net, want := range map[string]string{"bluesky": "@lea.bsky.social", "mastodon": "@lea@piaille.fr", "x": "lea.bsky.social (bluesky)"} {
		if got := Mention(hs, net); got != want {
			t.Errorf("Mention(%s) = %q, want %q", net, got, want)
		}
	}
	for _, tt := range []struct {
		in   []string
		want string
	}{{nil, ""}, {[]string{"a"}, "a"}, {[]string{"a", "b"}, "a et b"}, {[]string{"a", "b", "c"}, "a, b et c"}} {
		if got := sentence(tt.in); got != tt.want {
			t.Errorf("sentence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := AnnouncementPath("contests/2026/noel"); got != "posts/noel-gagnants.md" {
		t.Errorf("AnnouncementPath = %q", got)
	}
}
