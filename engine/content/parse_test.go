package content

import (
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/diag"
)

// hostile lists broken and malicious documents; each must give exactly the
// expected diagnostic code at the expected line, and never panic or hang.
func TestParseDocumentHostile(t *testing.T) {
	bomb := "---\nto: [a]\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		bomb += n + ": &" + n + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n"
		prev = n
	}
	bomb += "---\nbody\n"
	deep := "---\nto: [a]\nx: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n---\n"
	tests := []struct {
		name, in string
		code     string
		line     int
	}{
		{"empty", "", "empty", 0},
		{"blank", "\n\n  \n", "empty", 0},
		{"binary", "---\nto: [a]\n---\n\x00\x01\x02", "binary", 4},
		{"latin1", "---\nto: [a]\n---\nCaf\xe9 cr\xe8me\n", "encoding", 4},
		{"unclosed", "---\nto: [a]\nat: 2026-12-01\n\nBonjour\n", "front-matter-unclosed", 1},
		{"unclosed after blank lines", "\n\n---\nto: [a]\n", "front-matter-unclosed", 3},
		{"no front matter", "Bonjour Lyon\n", "front-matter-missing", 1},
		{"bad yaml", "---\nto: [a\nat: x\n---\n", "yaml", 2},
		{"tab indent", "---\nto:\n\t- a\n---\n", "yaml", 3},
		{"list front matter", "---\n- a\n- b\n---\n", "front-matter", 2},
		{"alias bomb", bomb, "front-matter", 0},
		{"deep nesting", deep, "front-matter", 0},
		{"duplicate key", "---\nto: [a]\nto: [b]\n---\n", "duplicate-key", 3},
		{"unknown key", "---\nto: [a]\ntittle: x\n---\n", "unknown-key", 3},
		{"wrong type", "---\nto: brand\n---\n", "schema", 2},
		{"missing to", "---\ntitle: x\n---\n", "schema", 2},
		{"merge key", "---\nbase: &b {x: 1}\nto: [a]\nm:\n  <<: *b\n---\n", "front-matter", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := ParseDocument("posts/x.md", KindPost, []byte(tt.in))
			var found *diag.Diagnostic
			for i := range ds {
				if ds[i].Code == tt.code {
					found = &ds[i]
					break
				}
			}
			if found == nil {
				t.Fatalf("no %q diagnostic; got %v", tt.code, ds)
			}
			if found.Severity != diag.Error {
				t.Errorf("severity %v, want error", found.Severity)
			}
			if tt.line != 0 && found.Pos.Line != tt.line {
				t.Errorf("line %d, want %d (%v)", found.Pos.Line, tt.line, found)
			}
			if found.Pos.File != "posts/x.md" {
				t.Errorf("file %q", found.Pos.File)
			}
		})
	}
}

func TestParseDocumentAccepts(t *testing.T) {
	tests := []struct {
		name, in string
		body     string
		bodyLine int
	}{
		{"plain", "---\nto: [a]\n---\nBonjour\n", "Bonjour\n", 4},
		{"crlf", "---\r\nto: [a]\r\n---\r\nBonjour\r\nLyon\r\n", "Bonjour\nLyon\n", 4},
		{"bom", "\xef\xbb\xbf---\nto: [a]\n---\nBonjour\n", "Bonjour\n", 4},
		{"leading blank lines", "\n\n---\nto: [a]\n---\nBonjour\n", "Bonjour\n", 6},
		{"toml", "+++\nto = [\"a\"]\n+++\nBonjour\n", "Bonjour\n", 4},
		{"json", ";;;\n{\"to\": [\"a\"]}\n;;;\nBonjour\n", "Bonjour\n", 4},
		{"thematic break in body", "---\nto: [a]\n---\nun\n\n---\n\ndeux\n", "un\n\n---\n\ndeux\n", 4},
		{"indented delimiter in a block scalar", "---\nto: [a]\noverrides:\n  x:\n    text: |\n      un\n      ---\n      deux\n---\nBonjour\n", "Bonjour\n", 10},
		{"indented delimiter in the body", "---\nto: [a]\n---\n```\n  ---\n```\n", "```\n  ---\n```\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ds := ParseDocument("posts/x.md", KindPost, []byte(tt.in))
			if ds.HasErrors() {
				t.Fatalf("unexpected diagnostics: %v", ds)
			}
			if got := string(d.Body); got != tt.body {
				t.Errorf("body %q, want %q", got, tt.body)
			}
			if d.BodyLine != tt.bodyLine {
				t.Errorf("body line %d, want %d", d.BodyLine, tt.bodyLine)
			}
			if len(d.Post.To) != 1 || d.Post.To[0] != "a" {
				t.Errorf("to = %v", d.Post.To)
			}
			if d.AST == nil {
				t.Error("no AST")
			}
		})
	}
}

func TestPositions(t *testing.T) {
	in := "---\nid: bonjour\nto: [a, b]\nmedia:\n  - src: media/x.jpg\n    alt: Une tasse\n---\n\nLigne un\nLigne deux\n"
	d, ds := ParseDocument("posts/x.md", KindPost, []byte(in))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	for _, tt := range []struct {
		path []string
		want string
	}{
		{[]string{"id"}, "posts/x.md:2:5"},
		{[]string{"to", "1"}, "posts/x.md:3:9"},
		{[]string{"media", "0", "alt"}, "posts/x.md:6:10"},
		{[]string{"media", "0", "nope"}, "posts/x.md:5:5"},
	} {
		if got := d.PosOf(tt.path...).String(); got != tt.want {
			t.Errorf("PosOf(%v) = %s, want %s", tt.path, got, tt.want)
		}
	}
	if got := d.KeyPos("media").String(); got != "posts/x.md:4:1" {
		t.Errorf("KeyPos(media) = %s", got)
	}
	off := strings.Index(string(d.Body), "deux")
	if got := d.BodyPos(off).String(); got != "posts/x.md:10:7" {
		t.Errorf("BodyPos = %s", got)
	}
	if d.ID != "bonjour" || !d.ExplicitID {
		t.Errorf("id %q explicit %v", d.ID, d.ExplicitID)
	}
}

func TestIDFromPath(t *testing.T) {
	for in, want := range map[string]string{
		"posts/2026/lancement.md": "posts/2026/lancement",
		"posts/v1.2/note":         "posts/v1.2/note",
		"campaigns/noel.markdown": "campaigns/noel",
	} {
		if got := IDFromPath(in); got != want {
			t.Errorf("IDFromPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseDocument(f *testing.F) {
	for _, s := range []string{
		"---\nto: [a]\n---\nBonjour\n",
		"---\nto: [a]\nmedia:\n  - src: x\n    alt: y\n---\n",
		"+++\nto = [\"a\"]\n+++\n",
		"---\na: &a [1]\nb: [*a, *a]\n---\n",
		"---\r\nto: [a]\r\n",
		"\xef\xbb\xbf---\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, ds := ParseDocument("posts/f.md", KindPost, data)
		for _, x := range ds {
			if x.Pos.File != "posts/f.md" || x.Pos.Line < 0 || x.Pos.Col < 0 {
				t.Fatalf("bad position %v", x)
			}
		}
		if d != nil {
			_ = d.PosOf("to", "0")
			_ = d.BodyPos(len(d.Body))
		}
	})
}

// BenchmarkParseDocument parses a typical post: front matter with a list,
// a date and an image, and a paragraph with a link, a mention and a tag.
func BenchmarkParseDocument(b *testing.B) {
	src := []byte("---\nid: p000042\ntitle: Publication 42\nto: [m, b, x]\nat: 2027-01-04 09:30\ncampaign: c0\nlanguage: fr\n" +
		"media:\n  - src: media/p.png\n    alt: Une tasse de café posée sur le comptoir.\n---\n\n" +
		"Torréfaction du matin à la Croix-Rousse, grains d'Éthiopie lavés. https://brand.example/p/42 avec @partner #Lyon\n")
	b.ReportAllocs()
	for b.Loop() {
		if d, ds := ParseDocument("posts/p.md", KindPost, src); d == nil || len(ds) > 0 {
			b.Fatal(ds)
		}
	}
}
