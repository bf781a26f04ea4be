package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/state"
)

// Beyond its output budget, a plan keeps the outputs of what is due and
// makes those of scheduled changes again when they are shown. Every view must be the same as if it
// had kept them all: the JSON form byte for byte.
func TestScheduledOutputsAreMadeWhenShown(t *testing.T) {
	repo, _, err := content.Load(context.Background(), os.DirFS("../../content"), content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	caps := describeAll(t, repo)
	now := time.Date(2026, 12, 9, 12, 0, 0, 0, time.UTC)
	p, _ := plan.Make(plan.Input{Repo: repo, Caps: caps, Snapshot: &state.Snapshot{State: state.New()}, Now: now, Renderer: render.New(repo, caps), OutputBudget: -1})

	full := *p // every output filled in, as a plan used to hold them
	full.Changes = nil
	scheduled, kept := 0, 0
	for _, ch := range p.Changes {
		c := *ch
		c.Output = p.OutputOf(ch)
		if ch.Scheduled && ch.Action == plan.Create {
			scheduled++
			if ch.Output != nil {
				kept++
			}
			if c.Output == nil || c.Output.Digest != ch.Digest {
				t.Fatalf("%s: output made again does not match the digest", ch.Address)
			}
		}
		full.Changes = append(full.Changes, &c)
	}
	if scheduled == 0 || kept == scheduled {
		t.Fatalf("%d scheduled changes, %d with a kept output: the test needs scheduled posts without one", scheduled, kept)
	}

	var streamed, whole bytes.Buffer
	if err := p.Encode(&streamed); err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&whole)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&full); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
		t.Fatalf("streamed JSON differs from the whole plan's:\n%s", firstDiff(streamed.String(), whole.String()))
	}
	back, err := plan.Decode(bytes.NewReader(streamed.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range back.Changes {
		if (ch.Output == nil) != (full.Changes[i].Output == nil) {
			t.Errorf("%s: output lost in the saved plan", ch.Address)
		}
	}

	var text, fullText bytes.Buffer
	if err := p.WriteText(&text, plan.TextOptions{Loc: time.UTC, Detail: true}); err != nil {
		t.Fatal(err)
	}
	if err := full.WriteText(&fullText, plan.TextOptions{Loc: time.UTC, Detail: true}); err != nil {
		t.Fatal(err)
	}
	if text.String() != fullText.String() {
		t.Errorf("text view differs:\n%s", firstDiff(text.String(), fullText.String()))
	}
	var md, fullMD bytes.Buffer
	if err := p.WriteMarkdown(&md, plan.MarkdownOptions{Loc: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if err := full.WriteMarkdown(&fullMD, plan.MarkdownOptions{Loc: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if md.String() != fullMD.String() || !bytes.Contains(md.Bytes(), []byte("<details>")) {
		t.Errorf("Markdown view differs:\n%s", firstDiff(md.String(), fullMD.String()))
	}
}

func firstDiff(a, b string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			lo := max(0, i-200)
			return "got:  …" + a[lo:min(len(a), i+200)] + "\nwant: …" + b[lo:min(len(b), i+200)]
		}
	}
	return "one is a prefix of the other"
}
