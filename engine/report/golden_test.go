package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/rules"
)

func renderer(t testing.TB) *Renderer {
	t.Helper()
	rd, err := NewRenderer(os.DirFS("../../templates"))
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// TestGolden renders the sample's December report, January's (nothing
// published yet), its Christmas campaign report and one post's report, and compares every file (Markdown, JSON,
// SVG and the index) with testdata/golden.
func TestGolden(t *testing.T) {
	repo := loadSample(t)
	st := sampleState(t, repo)
	p := &Publisher{Renderer: renderer(t), Repo: repo, Loc: rules.Location(repo), Now: func() time.Time { return sampleNow }}
	g, err := p.Generate(st, []Scope{Month("2026-12"), Month("2027-01"), Campaign("noel-2026"), Post("noel-coffrets")})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("testdata", "golden")
	want := map[string]bool{}
	for _, f := range g.Files {
		if strings.HasPrefix(f.Path, Dir+"/followers/") {
			continue
		}
		want[f.Path] = true
		path := filepath.Join(root, filepath.FromSlash(f.Path))
		if golden.Updating() {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		kept, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run go test -update)", f.Path, err)
			continue
		}
		if !bytes.Equal(kept, f.Data) {
			t.Errorf("%s differs from its golden file (run go test -update and review the diff):\n%s", f.Path, firstDiff(string(kept), string(f.Data)))
		}
	}
	// No stale golden file.
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if !want[filepath.ToSlash(rel)] {
			if golden.Updating() {
				return os.Remove(path)
			}
			t.Errorf("stale golden file %s", rel)
		}
		return nil
	})
	for _, name := range []string{"2026-12", "campaigns/noel-2026", "posts/noel-coffrets"} {
		for _, chart := range []string{"engagement", "networks", "followers", "goals", "interactions"} {
			if f, ok := find(g, Dir+"/"+name+"/"+chart+".svg"); ok {
				checkSVG(t, f)
			}
		}
	}
}

func find(g *Generated, path string) ([]byte, bool) {
	for _, f := range g.Files {
		if f.Path == path {
			return f.Data, true
		}
	}
	return nil, false
}

// checkSVG parses a chart as XML and checks its accessible title.
func checkSVG(t *testing.T, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var title bool
	var depth int
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 && el.Name.Local != "svg" {
				t.Fatalf("root element %s, want svg", el.Name.Local)
			}
			if depth == 2 && el.Name.Local == "title" {
				title = true
			}
		case xml.EndElement:
			depth--
		}
	}
	if !title {
		t.Error("chart has no <title>")
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + itoa(i+1) + ":\n- " + x + "\n+ " + y
		}
	}
	return ""
}

func itoa(n int) string { return formatInt(int64(n)) }

// TestReportJSONRoundTrip decodes report.json back into the report.
func TestReportJSONRoundTrip(t *testing.T) {
	repo := loadSample(t)
	st := sampleState(t, repo)
	r, err := Build(Input{State: st, Repo: repo, Loc: rules.Location(repo), Now: sampleNow}, Campaign("noel-2026"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := EncodeJSON(&back)
	if !bytes.Equal(b, b2) {
		t.Error("report.json does not survive a round trip")
	}
	if !reflect.DeepEqual(back.Goals, r.Goals) {
		t.Errorf("goals: got %+v, want %+v", back.Goals, r.Goals)
	}
}
