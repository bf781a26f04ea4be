package render_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/render"
)

const config = `timezone: Europe/Paris
accounts:
  m: {network: mastodon, server: "https://piaille.fr", token: "env:M"}
  b: {network: bluesky, handle: brulerie.bsky.social, password: "env:B"}
  x: {network: x, token: "env:X"}
  l: {network: linkedin, author: "urn:li:organization:1", token: "env:L"}
  t: {network: telegram, chat_id: "@brulerie", token: "env:T"}
  d: {network: discord, webhook: "env:D"}
  s: {network: slack, webhook: "env:S"}
  w: {network: webhook, url: "https://example.org/hook", secret: "env:W", utm: "off"}
mentions:
  ami: {mastodon: "@ami@piaille.fr", bluesky: "ami.bsky.social", x: "@ami", linkedin: "@[Ami & Co](urn:li:organization:42)", default: "Ami & Co"}
  seul: {mastodon: "@seul@piaille.fr"}
`

const campaign = `---
id: c
name: C
from: 2026-01-01
to: 2026-12-31
hashtags: ["#Lyon", "#Cafe"]
utm: {source: "{network}", medium: social, campaign: c, content: "{post}"}
---
`

func renderOne(t *testing.T, post, account string) (*render.Output, string) {
	t.Helper()
	fsys := fstest.MapFS{
		"clairon.yaml":   {Data: []byte(config)},
		"campaigns/c.md": {Data: []byte(campaign)},
		"posts/p.md":     {Data: []byte(post)},
	}
	repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
	if err != nil || ds.HasErrors() {
		t.Fatalf("load: %v %v", err, ds)
	}
	out, rds := render.New(repo, describe(t, repo)).Render(repo.Posts()[0], account)
	var msgs []string
	for _, d := range rds {
		msgs = append(msgs, d.Message)
	}
	return out, strings.Join(msgs, "\n")
}

func TestFlavors(t *testing.T) {
	post := "---\nid: p\nto: [m, b, x, l, t, d, s, w]\ncampaign: c\n---\n**Nouveau** café *Guji* avec @ami : [la boutique](https://brulerie.fr/b?x=1#haut) (lot_2) <3 & plus.\n"
	tests := []struct{ account, want string }{
		{"m", "Nouveau café Guji avec @ami@piaille.fr : la boutique https://brulerie.fr/b?x=1&utm_source=mastodon&utm_medium=social&utm_campaign=c&utm_content=p#haut (lot_2) <3 & plus.\n\n#Lyon #Cafe"},
		{"b", "Nouveau café Guji avec @ami.bsky.social : la boutique https://brulerie.fr/b?x=1&utm_source=bluesky&utm_medium=social&utm_campaign=c&utm_content=p#haut (lot_2) <3 & plus.\n\n#Lyon #Cafe"},
		{"t", "<b>Nouveau</b> café <i>Guji</i> avec Ami &amp; Co : <a href=\"https://brulerie.fr/b?x=1&amp;utm_source=telegram&amp;utm_medium=social&amp;utm_campaign=c&amp;utm_content=p#haut\">la boutique</a> (lot_2) &lt;3 &amp; plus.\n\n#Lyon #Cafe"},
		{"d", "**Nouveau** café *Guji* avec Ami & Co : [la boutique](<https://brulerie.fr/b?x=1&utm_source=discord&utm_medium=social&utm_campaign=c&utm_content=p#haut>) (lot\\_2) <3 & plus.\n\n#Lyon #Cafe"},
		{"s", "*Nouveau* café _Guji_ avec Ami &amp; Co : <https://brulerie.fr/b?x=1&utm_source=slack&utm_medium=social&utm_campaign=c&utm_content=p#haut|la boutique> (lot_2) &lt;3 &amp; plus.\n\n#Lyon #Cafe"},
		{"l", "Nouveau café Guji avec @[Ami & Co](urn:li:organization:42) : la boutique https://brulerie.fr/b?x=1&utm\\_source=linkedin&utm\\_medium=social&utm\\_campaign=c&utm\\_content=p\\#haut \\(lot\\_2\\) \\<3 & plus.\n\n#Lyon #Cafe"},
		{"w", "Nouveau café Guji avec Ami & Co : la boutique https://brulerie.fr/b?x=1#haut (lot_2) <3 & plus.\n\n#Lyon #Cafe"},
	}
	for _, tt := range tests {
		t.Run(tt.account, func(t *testing.T) {
			out, msgs := renderOne(t, post, tt.account)
			if msgs != "" {
				t.Fatalf("diagnostics: %s", msgs)
			}
			if got := out.Parts[0].Text; got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestMentionWithoutHandleIsAnError(t *testing.T) {
	_, msgs := renderOne(t, "---\nto: [b]\n---\nMerci @seul !\n", "b")
	if !strings.Contains(msgs, "@seul has no handle on bluesky") {
		t.Errorf("got %q", msgs)
	}
	out, msgs := renderOne(t, "---\nto: [m]\n---\nMerci @seul et @inconnu et @x@y.z !\n", "m")
	if msgs != "" || out.Parts[0].Text != "Merci @seul@piaille.fr et @inconnu et @x@y.z !" {
		t.Errorf("got %q, %q", out.Parts[0].Text, msgs)
	}
}

func TestUTM(t *testing.T) {
	tests := []struct{ name, post, want string }{
		{"no double tagging", "---\nto: [m]\ncampaign: c\n---\nhttps://a.fr/?utm_source=news\n", "https://a.fr/?utm_source=news&utm_medium=social&utm_campaign=c&utm_content=p"},
		{"post opts out", "---\nto: [m]\ncampaign: c\nutm: false\n---\nhttps://a.fr/x\n", "https://a.fr/x"},
		{"link opts out", "---\nto: [m]\ncampaign: c\n---\n[ici](https://a.fr/x \"no-utm\")\n", "ici https://a.fr/x"},
		{"post overrides", "---\nto: [m]\ncampaign: c\nutm: {content: bandeau}\n---\nhttps://a.fr/x.\n", "https://a.fr/x?utm_source=mastodon&utm_medium=social&utm_campaign=c&utm_content=bandeau."},
		{"no campaign", "---\nto: [m]\n---\nhttps://a.fr/x\n", "https://a.fr/x"},
		{"not http", "---\nto: [m]\ncampaign: c\n---\n<mailto:a@b.fr>\n", "mailto:a@b.fr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, msgs := renderOne(t, strings.Replace(tt.post, "---\nto:", "---\nid: p\nto:", 1), "m")
			if msgs != "" {
				t.Fatal(msgs)
			}
			if !strings.Contains(out.Parts[0].Text, tt.want) {
				t.Errorf("got %q, want it to contain %q", out.Parts[0].Text, tt.want)
			}
		})
	}
}

func TestThreads(t *testing.T) {
	out, msgs := renderOne(t, "---\nto: [m]\nfirst_comment: \"Source : https://a.fr\"\n---\nUn.\n\n---\n\nDeux.\n", "m")
	if msgs != "" {
		t.Fatal(msgs)
	}
	if len(out.Parts) != 3 || out.Parts[1].Text != "Deux." || !out.Parts[2].FirstComment {
		t.Errorf("parts: %+v", out.Parts)
	}
	// A setext underline is a heading, not a thread break.
	out, _ = renderOne(t, "---\nto: [m]\n---\nTitre\n---\n\nSuite.\n", "m")
	if len(out.Parts) != 1 {
		t.Errorf("setext heading split the thread: %d parts", len(out.Parts))
	}
	long := strings.Repeat("Une phrase assez longue pour remplir le message. ", 12)
	out, msgs = renderOne(t, "---\nto: [x]\nthread: {split: auto, numbering: true}\n---\n"+long+"\n", "x")
	if msgs != "" {
		t.Fatal(msgs)
	}
	if len(out.Parts) < 2 {
		t.Fatalf("not split: %d parts", len(out.Parts))
	}
	for i, p := range out.Parts {
		if !p.Count.Valid || !strings.HasSuffix(p.Text, " "+itoa(i+1)+"/"+itoa(len(out.Parts))) {
			t.Errorf("part %d: %q (valid %v)", i+1, p.Text, p.Count.Valid)
		}
	}
}

func TestTooLongReportsWhereAndHowMuch(t *testing.T) {
	_, msgs := renderOne(t, "---\nto: [x]\n---\n"+strings.Repeat("a", 290)+"\n", "x")
	if !strings.Contains(msgs, "text is 290 weighted characters on x (x), 10 over the limit of 280") {
		t.Errorf("got %q", msgs)
	}
}

func TestDigestChangesWithWhatIsPublished(t *testing.T) {
	a, _ := renderOne(t, "---\nto: [m]\n---\nBonjour\n", "m")
	b, _ := renderOne(t, "---\nto: [m]\ntitle: autre titre\n---\nBonjour\n", "m")
	c, _ := renderOne(t, "---\nto: [m]\n---\nBonjour !\n", "m")
	if a.Digest != b.Digest {
		t.Error("a title change (never published) changed the digest")
	}
	if a.Digest == c.Digest {
		t.Error("a text change kept the digest")
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n))) }
