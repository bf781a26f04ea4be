package content

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/clairon-dev/clairon/engine/corpus"
)

// sameAsYAMLv3 fails when fastYAML reads src but yaml.v3 reads it
// differently (or refuses it). It reports whether fastYAML read it.
func sameAsYAMLv3(t *testing.T, src string) bool {
	t.Helper()
	fast := fastYAML([]byte(src))
	if fast == nil {
		return false
	}
	var want yaml.Node
	if err := yaml.Unmarshal([]byte(src), &want); err != nil {
		t.Fatalf("fastYAML read %q, yaml.v3 refuses it: %v", src, err)
	}
	if !reflect.DeepEqual(*fast, want) {
		t.Fatalf("fastYAML and yaml.v3 differ on %q:\nfast   %s\nyaml.v3 %s", src, dumpNode(fast), dumpNode(&want))
	}
	return true
}

func dumpNode(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		fmt.Fprintf(&b, "\n%s%d/%d %q %q %d:%d nil=%v", strings.Repeat("  ", depth), n.Kind, n.Style, n.Tag, n.Value, n.Line, n.Column, n.Content == nil)
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

func TestFastYAMLReadsCommonFrontMatter(t *testing.T) {
	read := []string{
		"id: p000001\ntitle: Publication 1\nto: [m, b, x]\nat: 2027-01-04 09:30\ncampaign: c0\nlanguage: fr\n",
		"to: [m]\nmedia:\n  - src: media/p.png\n    alt: Une tasse de café posée sur le comptoir.\n",
		"to: [l]\noverrides:\n  linkedin:\n    text: Un texte plus long pour LinkedIn sur la torréfaction.\n",
		"to:\n- m\n- b\nmedia:\n- src: media/a.jpg\n  alt: 'l''atelier'\n  focus: [0, 0.5]\n",
		"\n\nid: x\ntitle: \"Entre guillemets: oui\"\nstatus: draft\n",
		"  id: indenté\n  to: [ m , 'b' ,\"x\" ]\n",
		"at: 2027-01-04\nn: 12\nf: 1.5\nb: true\nz: ~\nu: null\ne: []\np: x, y]\nq: é😀\n",
		"a:\n  b:\n    c: d\n  e: f\ng: h\n",
		"list:\n  - a\n  - 'b'\n  - [c, d]\n  - k: v\n    l: w\n",
	}
	for _, src := range read {
		if !sameAsYAMLv3(t, src) {
			t.Errorf("fastYAML left %q to yaml.v3", src)
		}
	}
	left := []string{
		"a: b # comment\n", "a: &x 1\nb: *x\n", "a: |\n  text\n", "a: >\n  text\n", "a: b\n  c\n",
		"a: 'multi\n  line'\n", "a: \"esc\\n\"\n", "a:\tb\n", "a:\n", "a: {b: c}\n", "<<: {a: 1}\n",
		"a: b: c\n", "a: b:\n", "- a\n- b\n", "scalar\n", "a: [b\n", "a: [b, ]\n", "a: [[b]]\n",
		"? a\n: b\n", "a: !!str b\n", "a: @b\n", "a: `b`\n", "a: %b\n", "---\na: b\n", "a: b\n...\n",
		"a: 'b' c\n", "a: b\r\n", "é: b\n", "a : b\n", "a:b\n", "a: -b\n", "a: - b\n", "a:\n  - \n",
		"a: x\u2028y\n", "a: \u0085\n", "",
	}
	for _, src := range left {
		if sameAsYAMLv3(t, src) {
			t.Errorf("fastYAML read %q; it should leave it to yaml.v3", src)
		}
	}
}

// TestFastYAMLOnTheCorpus checks every front matter of a generated corpus.
func TestFastYAMLOnTheCorpus(t *testing.T) {
	n := 0
	for p, b := range corpus.Files(corpus.Options{Posts: 300, Seed: 3}) {
		s := string(b)
		if !strings.HasPrefix(s, "---\n") {
			continue
		}
		fm, _, ok := strings.Cut(s[4:], "\n---\n")
		if !ok {
			t.Fatalf("%s: no front matter", p)
		}
		if sameAsYAMLv3(t, fm+"\n") {
			n++
		}
	}
	if n < 290 {
		t.Errorf("fastYAML read %d front matters of 300 posts", n)
	}
}

var (
	fuzzKeys   = []string{"id", "to", "at", "a", "b_c", "k-1", "x.y", "p/q", "1", "true", "null", "é", "a b", "<<", "-k", "?"}
	fuzzValues = []string{
		"x", "Publication 12", "2027-01-04 09:30", "2027-01-04", "2027-01-04T09:30:00Z", "12", "-3", "0x1F", "0o7", "1e3",
		".inf", "-.Inf", ".NaN", "true", "False", "yes", "no", "on", "~", "null", "", " ", "'q'", "'it''s'", "''", "\"dq\"",
		"\"\"", "\"a'b\"", "'a\"b'", "[]", "[ ]", "[a]", "[a, b]", "[ a ,b ]", "['a', \"b\"]", "[a, [b]]", "[a,]", "[a b, c]",
		"[a:b]", "[a: b]", "[\"x, y\"]", "{}", "{a: b}", "x]", "x}", "x, y", "x: y", "x:y", "x:", "x :y", "l'atelier",
		"é", "café crème", "😀", "\u00a0x", "x\u00a0", "a  b", "x ", "-x", "- x", "?x", ":x", ",x", "&a x", "*a", "!t x",
		"|", ">", "%x", "@x", "`x`", "x #c", "x#c", "#c", "https://example.org/a?b=c&d=e", "media/p.png", "<<", "=",
		"'unclosed", "\"unclosed", "'x' y", "[a] b", "\"x\"  ",
	}
)

// randomDocument builds front-matter-like YAML from random keys, values
// and layouts, most of them valid.
func randomDocument(r *rand.Rand, depth, indent int) string {
	var b strings.Builder
	pad := strings.Repeat(" ", indent)
	for range 1 + r.IntN(4) {
		k := fuzzKeys[r.IntN(len(fuzzKeys))]
		if r.IntN(3) > 0 {
			k = fuzzKeys[r.IntN(4)]
		}
		sep := ": "
		switch r.IntN(20) {
		case 0:
			sep = ":"
		case 1:
			sep = ":   "
		case 2:
			sep = " : "
		}
		switch n := r.IntN(10); {
		case n < 6 || depth > 2:
			fmt.Fprintf(&b, "%s%s%s%s\n", pad, k, sep, fuzzValues[r.IntN(len(fuzzValues))])
		case n < 8:
			fmt.Fprintf(&b, "%s%s:\n%s", pad, k, randomDocument(r, depth+1, indent+1+r.IntN(3)))
		default:
			fmt.Fprintf(&b, "%s%s:\n", pad, k)
			in := indent + r.IntN(3)
			for range 1 + r.IntN(3) {
				if r.IntN(2) == 0 {
					fmt.Fprintf(&b, "%s- %s\n", strings.Repeat(" ", in), fuzzValues[r.IntN(len(fuzzValues))])
				} else {
					sub := randomDocument(r, depth+1, in+2)
					fmt.Fprintf(&b, "%s- %s", strings.Repeat(" ", in), strings.TrimLeft(sub, " "))
				}
			}
		}
		if r.IntN(15) == 0 {
			b.WriteString(pad + "   \n")
		}
		if r.IntN(30) == 0 {
			fmt.Fprintf(&b, "%s  %s\n", pad, fuzzValues[r.IntN(len(fuzzValues))])
		}
	}
	return b.String()
}

// TestFastYAMLAgreesWithYAMLv3 compares fastYAML with yaml.v3 on thousands
// of random documents.
func TestFastYAMLAgreesWithYAMLv3(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	read := 0
	const n = 20000
	for range n {
		if sameAsYAMLv3(t, randomDocument(r, 0, r.IntN(2))) {
			read++
		}
	}
	if read < n/10 {
		t.Errorf("fastYAML read only %d of %d random documents", read, n)
	}
	t.Logf("fastYAML read %d of %d random documents", read, n)
}

func FuzzFastYAML(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		f.Add(randomDocument(r, 0, 0))
	}
	f.Add("id: p1\nto: [m, b]\nmedia:\n  - src: a\n    alt: 'b'\n")
	f.Fuzz(func(t *testing.T, src string) {
		sameAsYAMLv3(t, src)
	})
}

func BenchmarkFrontMatterYAML(b *testing.B) {
	src := []byte("id: p000001\ntitle: Publication 1\nto: [m, b, x]\nat: 2027-01-04 09:30\ncampaign: c0\nlanguage: fr\nmedia:\n  - src: media/p.png\n    alt: Une tasse de café posée sur le comptoir.\n")
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if fastYAML(src) == nil {
				b.Fatal("not read")
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var n yaml.Node
			if err := yaml.Unmarshal(src, &n); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestPlainTagIsYAMLv3s checks the shortcut for local dates and times
// against yaml.v3's own resolution, valid dates or not.
func TestPlainTagIsYAMLv3s(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	for range 5000 {
		v := fmt.Sprintf("%s-%s-%s %s:%s", digits(4), digits(2), digits(2), digits(2), digits(2))
		if r.IntN(4) == 0 {
			v = fmt.Sprintf("20%02d-%02d-%02d %02d:%02d", r.IntN(100), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60))
		}
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if got, want := plainTag(v), n.ShortTag(); got != want || !localMinute(v) {
			t.Fatalf("%q: plainTag %s, yaml.v3 %s", v, got, want)
		}
	}
	values := append([]string{"true", "True", "TRUE", "tRue", "false", "FALSE", "no", "yes", "on", "off", "y", "n", "~", "~x",
		"null", "Null", "NULL", "nULL", ".inf", ".NaN", "+.inf", "-.Inf", ".5", "+1", "-0b101", "0x1F", "0o17", "1_000",
		"1e3", "2027-01-04", "2027-01-04T10:00:00Z", "O", "Oui", "tutu", "<<", "é", "«x»"}, fuzzValues...)
	for c := range 256 {
		values = append(values, string(rune(c))+"x", string([]byte{byte(c)})+"1")
	}
	for _, v := range values {
		if v == "" {
			continue
		}
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if got, want := plainTag(v), n.ShortTag(); got != want {
			t.Errorf("%q: plainTag %s, yaml.v3 %s", v, got, want)
		}
	}
	for _, v := range []string{"2026-12-01", "2026-12-01 09:30:00", "2026-12-01T09:30", "2026-12-01 9:30", "x026-12-01 09:30", "2026-12-01 09:30 "} {
		if localMinute(v) {
			t.Errorf("localMinute(%q)", v)
		}
	}
}
