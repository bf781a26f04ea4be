// Package corpus generates reproducible synthetic content repositories —
// clairon.yaml, campaigns, a calendar and N posts with threads, media, polls
// and overrides — for benchmarks and load tests. The same seed always gives
// the same files.
package corpus

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"
	"time"
	"unicode"
)

// Options shape a corpus.
type Options struct {
	Posts int
	Seed  uint64
	// Start is the first publication day; posts are spread over a year.
	Start time.Time
}

var words = strings.Fields(`café torréfaction grain arabica dégustation Lyon Croix-Rousse boutique
atelier espresso filtre extraction mouture origine Éthiopie Colombie Brésil Kenya producteur
coopérative récolte lavé nature miel acidité rondeur chocolat agrumes fruits rouges caramel
abonnement coffret cadeau barista latte cappuccino V60 Chemex AeroPress température eau
minutes tasse matin équipe samedi dimanche nouveauté arrivage saison printemps hiver`)

var accounts = []string{"m", "b", "x", "l", "t"}

// Files generates the corpus as a map of path to content.
func Files(o Options) map[string][]byte {
	if o.Start.IsZero() {
		o.Start = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	}
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	files := map[string][]byte{
		"clairon.yaml": []byte(`timezone: Europe/Paris
accounts:
  m: {network: mastodon, server: "https://mastodon.example", token: "env:M_TOKEN"}
  b: {network: bluesky, handle: brand.example, password: "env:B_PASSWORD"}
  x: {network: x, token: "env:X_TOKEN"}
  l: {network: linkedin, author: "urn:li:organization:1", token: "env:L_TOKEN"}
  t: {network: telegram, chat_id: "@brand", token: "env:T_TOKEN"}
mentions:
  partner: {mastodon: "@partner@example.social", bluesky: "@partner.example", x: "@partner", linkedin: "@Partner", telegram: "@partner"}
`),
		"campaigns/c0.md": []byte("---\nid: c0\nname: Campagne 0\nfrom: 2027-01-01\nto: 2028-12-31\nhashtags: ['#Cafe']\nutm: {source: '{network}', medium: social, campaign: c0, content: '{post}'}\n---\nBrief.\n"),
		"calendars/q.md":  []byte("---\nid: q\nfrom: 2027-01-01\nto: 2028-12-31\nslots:\n  - every: \"tue,thu 10:00\"\n    accounts: [m, b]\n---\n"),
		"media/p.png":     pngPixel,
	}
	for i := range o.Posts {
		day := o.Start.AddDate(0, 0, i*365/max(o.Posts, 1))
		at := fmt.Sprintf("%s %02d:%02d", day.Format("2006-01-02"), 8+r.IntN(12), 5*r.IntN(12))
		to := pick(r, accounts, 1+r.IntN(len(accounts)))
		var b strings.Builder
		fmt.Fprintf(&b, "---\nid: p%06d\ntitle: Publication %d\nto: [%s]\nat: %s\ncampaign: c0\nlanguage: fr\n", i, i, strings.Join(to, ", "), at)
		if r.IntN(5) == 0 {
			b.WriteString("media:\n  - src: media/p.png\n    alt: Une tasse de café posée sur le comptoir.\n")
		}
		if r.IntN(20) == 0 && slices.Contains(to, "l") {
			b.WriteString("overrides:\n  linkedin:\n    text: Un texte plus long pour LinkedIn sur la torréfaction artisanale.\n")
		}
		b.WriteString("---\n\n")
		b.WriteString(sentence(r, 6+r.IntN(10)))
		fmt.Fprintf(&b, " https://brand.example/p/%d", i)
		if r.IntN(4) == 0 {
			b.WriteString(" avec @partner")
		}
		b.WriteString(" #Lyon\n")
		if r.IntN(10) == 0 && !slices.Contains(to, "l") && !slices.Contains(to, "t") {
			b.WriteString("\n---\n\n" + sentence(r, 15) + "\n")
		}
		files[fmt.Sprintf("posts/%s/p%06d.md", day.Format("2006-01"), i)] = []byte(b.String())
	}
	return files
}

func pick(r *rand.Rand, from []string, n int) []string {
	idx := r.Perm(len(from))[:n]
	out := make([]string, 0, n)
	for _, i := range idx {
		out = append(out, from[i])
	}
	return out
}

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.IntN(len(words))]
	}
	s := []rune(strings.Join(w, " "))
	s[0] = unicode.ToUpper(s[0])
	return string(s) + "."
}

// FS returns the corpus as an in-memory file system.
func FS(o Options) fs.FS {
	m := fstest.MapFS{}
	for p, b := range Files(o) {
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	return m
}

// Write writes the corpus under dir.
func Write(dir string, o Options) error {
	for p, b := range Files(o) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// PostPath returns the path of post i in a corpus, for benchmarks that edit one.
func PostPath(files map[string][]byte, i int) string {
	suffix := fmt.Sprintf("/p%06d.md", i)
	for p := range files {
		if strings.HasSuffix(p, suffix) && path.Dir(p) != "." {
			return p
		}
	}
	return ""
}

// pngPixel is a valid 1×1 PNG.
var pngPixel = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}
