package preview

import (
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/render/count"
)

func TestHighlight(t *testing.T) {
	text := "Voir https://a.fr/x et #Lyon avec @ami <b> & fin"
	r, err := count.Count("mastodon", text, count.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := string(highlight(text, r))
	for _, want := range []string{
		`<a class="ent ent-url" href="https://a.fr/x" rel="noopener noreferrer">https://a.fr/x</a>`,
		`<span class="ent ent-hashtag">#Lyon</span>`,
		`<span class="ent ent-mention">@ami</span>`,
		`&lt;b&gt; &amp; fin`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("highlight lacks %s:\n%s", want, got)
		}
	}
	// Overflow starting inside an entity is marked from its end, so tags nest.
	long := strings.Repeat("a", 290) + " #Lyon fin"
	r, _ = count.Count("x", long, count.Options{})
	got = string(highlight(long, r))
	if !strings.Contains(got, `<mark class="overflow"`) || strings.Count(got, "<span") != strings.Count(got, "</span>") || !strings.HasSuffix(got, "</mark>") {
		t.Errorf("overflow: %s", got[len(got)-120:])
	}
}

func TestInitialsAndSlugs(t *testing.T) {
	for in, want := range map[string]string{"@brulerie@piaille.fr": "BP", "brulerie-des-pentes.fr": "BD", "@x": "X", "": "?"} {
		if got := initials(in); got != want {
			t.Errorf("initials(%q) = %q, want %q", in, got, want)
		}
	}
	if got := PostHref("posts/2026/Noël coffrets"); got != "post-posts_2026_no_l_coffrets.html" {
		t.Errorf("PostHref = %q", got)
	}
}
