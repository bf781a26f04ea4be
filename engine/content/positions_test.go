package content

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/clairon-dev/clairon/engine/diag"
	"gopkg.in/yaml.v3"
)

// The compact positions answer PosOf and KeyPos exactly as the YAML tree
// did, for every path in the sample content and for paths that do not exist.
func TestCompactPositionsMatchTheTree(t *testing.T) {
	files, _ := filepath.Glob("../../content/*/*.md")
	more, _ := filepath.Glob("../../content/*/*/*.md")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("only %d sample files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ds diag.List
		meta, _, ok := splitFrontMatter(f, data, &ds)
		if !ok || meta == nil {
			t.Fatalf("%s: %v", f, ds)
		}
		tree := &Document{Path: f, Meta: meta}
		compact := &Document{Path: f, positions: compactPositions(meta)}
		var paths [][]string
		var walk func(n *yaml.Node, path []string)
		walk = func(n *yaml.Node, path []string) {
			p := append([]string(nil), path...)
			paths = append(paths, p, append(p, "nope"), append(p, "99"))
			switch n.Kind {
			case yaml.DocumentNode:
				for _, c := range n.Content {
					walk(c, path)
				}
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					walk(n.Content[i+1], append(p, n.Content[i].Value))
				}
			case yaml.SequenceNode:
				for i, c := range n.Content {
					walk(c, append(p, strconv.Itoa(i)))
				}
			}
		}
		walk(meta, nil)
		for _, p := range paths {
			if a, b := tree.PosOf(p...), compact.PosOf(p...); a != b {
				t.Errorf("%s: PosOf(%q) = %v, tree says %v", f, p, b, a)
			}
			if a, b := tree.KeyPos(p...), compact.KeyPos(p...); a != b {
				t.Errorf("%s: KeyPos(%q) = %v, tree says %v", f, p, b, a)
			}
		}
	}
}
