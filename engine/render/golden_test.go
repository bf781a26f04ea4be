package render_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/all"
	"github.com/clairon-dev/clairon/engine/render"
)

// TestSampleGolden renders every post of the sample repository for every
// account it targets and compares with testdata/sample/*.golden.
func TestSampleGolden(t *testing.T) {
	root := filepath.Join("..", "..", "content")
	repo, ds, err := content.Load(context.Background(), os.DirFS(root), content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.HasErrors() {
		t.Fatalf("sample content does not load: %v", ds)
	}
	r := render.New(repo, describe(t, repo))
	seen := map[string]bool{}
	for _, d := range repo.Posts() {
		outs, ds := r.RenderAll(d)
		if ds.HasErrors() {
			t.Errorf("%s: %v", d.Path, ds)
		}
		var b strings.Builder
		for _, o := range outs {
			fmt.Fprintf(&b, "=== %s (%s, %s)\n", o.Account, o.Network, o.Format)
			if o.ContentWarning != "" {
				fmt.Fprintf(&b, "content warning: %s\n", o.ContentWarning)
			}
			for i, p := range o.Parts {
				kind := "part"
				if p.FirstComment {
					kind = "first comment"
				}
				fmt.Fprintf(&b, "--- %s %d · %d/%d %s · valid %v\n%s\n", kind, i+1, p.Count.Length, p.Count.Limit, p.Count.Unit, p.Count.Valid, p.Text)
				for _, m := range p.Media {
					fmt.Fprintf(&b, "[media %s %s alt=%q]\n", m.Path, m.MIME, m.Alt)
				}
				if p.Poll != nil {
					fmt.Fprintf(&b, "[poll %v %s]\n", p.Poll.Options, p.Poll.Duration)
				}
				for _, e := range p.Entities {
					fmt.Fprintf(&b, "[%s %d-%d %s]\n", e.Kind, e.Start, e.End, e.Value)
				}
			}
		}
		name := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(d.Path, "posts/"), ".md"), "/", "_") + ".golden"
		seen[name] = true
		golden.Check(t, filepath.Join("testdata", "sample", name), []byte(b.String()))
	}
	if !golden.Updating() {
		files, _ := filepath.Glob(filepath.Join("testdata", "sample", "*.golden"))
		for _, f := range files {
			if !seen[filepath.Base(f)] {
				t.Errorf("%s has no post any more: delete it", f)
			}
		}
	}
}

func describe(t testing.TB, repo *content.Repo) render.Capabilities {
	described := map[string]network.Capabilities{}
	for name, acc := range repo.Config.Accounts {
		c, err := all.Describe(network.Config{Network: acc.Network, Settings: acc.Settings})
		if err != nil {
			t.Fatal(err)
		}
		described[name] = c
	}
	return func(account string) (network.Capabilities, bool) { c, ok := described[account]; return c, ok }
}
