package rules_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/rules"
)

// Posts are checked on every core; what they share (a campaign's dates, a
// media file's content) is read once, and the findings are the same, in
// the same order, on every run.
func TestPostsCheckedInParallelFindEverything(t *testing.T) {
	fsys := fstest.MapFS{
		"clairon.yaml":       {Data: []byte("timezone: Europe/Paris\naccounts:\n  m: {network: mastodon, server: 'https://m.example', token: 'env:T'}\n")},
		"campaigns/noel.md":  {Data: []byte("---\nid: noel\nname: Noël\nfrom: 2026-12-01\nto: 2026-12-24\n---\nBrief\n")},
		"media/logo.png":     {Data: []byte("\x89PNG\r\n\x1a\n")},
		"media/faux.jpg":     {Data: []byte("\x89PNG\r\n\x1a\n")},
		"media/pointeur.jpg": {Data: []byte("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n")},
	}
	const n = 3000
	want := map[string]int{}
	for i := range n {
		post := fmt.Sprintf("---\nid: p%04d\nto: [m]\ncampaign: noel\nat: 2026-12-%02d 10:00\nmedia:\n  - src: media/%s\n    alt: Le logo\n---\nBonjour\n", i, 20+i%10, []string{"logo.png", "faux.jpg", "pointeur.jpg"}[i%3])
		fsys[fmt.Sprintf("posts/p%04d.md", i)] = &fstest.MapFile{Data: []byte(post)}
		if 20+i%10 > 24 {
			want["campaign-dates"]++
		}
		switch i % 3 {
		case 1:
			want["media-type"]++
		case 2:
			want["media-lfs"]++
		}
	}
	repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	first := rules.Check(repo)
	got := map[string]int{}
	for _, d := range first {
		got[d.Code]++
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings by code: %v, want %v", got, want)
	}
	for range 3 {
		if again := rules.Check(repo); !reflect.DeepEqual(again, first) {
			t.Fatalf("a second check found %d diagnostics in another order or form than the first's %d", len(again), len(first))
		}
	}
}
