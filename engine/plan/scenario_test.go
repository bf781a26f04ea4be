package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"golang.org/x/tools/txtar"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/all"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/rules"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/schema"
)

// TestScenarios runs every testdata/scenarios/*.txtar: a content repository,
// a state (state.json, a list of records), a time (now), and the plan
// expected in its terminal form (want). Run with -update to accept changes.
func TestScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/scenarios/*.txtar")
	if len(files) == 0 {
		t.Fatal("no scenarios")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := runScenario(t, ar)
			want := section(ar, "want")
			if golden.Updating() {
				setSection(ar, "want", got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("plan differs from %s (run with -update to accept)\n--- got\n%s--- want\n%s", file, got, want)
			}
		})
	}
}

func section(ar *txtar.Archive, name string) string {
	for _, f := range ar.Files {
		if f.Name == name {
			return string(f.Data)
		}
	}
	return ""
}

func setSection(ar *txtar.Archive, name, data string) {
	for i, f := range ar.Files {
		if f.Name == name {
			ar.Files[i].Data = []byte(data)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(data)})
}

func runScenario(t *testing.T, ar *txtar.Archive) string {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, f := range ar.Files {
		switch f.Name {
		case "now", "state.json", "want", "accounts":
			continue
		}
		fsys[f.Name] = &fstest.MapFile{Data: f.Data}
	}
	now, err := time.Parse(time.RFC3339, strings.TrimSpace(section(ar, "now")))
	if err != nil {
		t.Fatalf("now: %v", err)
	}
	repo, ds, err := content.Load(context.Background(), fsys, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds.Add(rules.Check(repo)...)
	if ds.HasErrors() {
		t.Fatalf("content does not validate: %v", ds)
	}
	caps := func(account string) (network.Capabilities, bool) {
		acc := repo.Config.Accounts[account]
		if acc == nil {
			return network.Capabilities{}, false
		}
		c, err := all.Describe(network.Config{Network: acc.Network, Settings: acc.Settings})
		return c, err == nil
	}
	store := state.NewMemStore(bytes.NewReader(make([]byte, 64)))
	if js := section(ar, "state.json"); js != "" {
		var recs []*state.Record
		if err := json.Unmarshal([]byte(js), &recs); err != nil {
			t.Fatalf("state.json: %v", err)
		}
		cs := state.NewChangeset(state.Message{Subject: "scenario"})
		r := render.New(repo, caps)
		for _, rec := range recs {
			// "current" stands for the digest the post renders to now;
			// "current:ID" for the digest of post ID on the same account.
			if post, ok := strings.CutPrefix(rec.Digest, "current"); ok {
				post = strings.TrimPrefix(post, ":")
				if post == "" {
					post = rec.Address.Post
				}
				rec.Digest = ""
				for _, d := range repo.Posts() {
					if d.ID == post {
						if out, _ := r.Render(d, rec.Address.Account); out != nil {
							rec.Digest = out.Digest
						}
					}
				}
				if rec.Digest == "" {
					t.Fatalf("state.json: no post renders for %s", rec.Address)
				}
			}
			cs.Put(rec)
		}
		if _, err := store.Write(context.Background(), "", cs); err != nil {
			t.Fatalf("state.json: %v", err)
		}
	}
	snap, err := store.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var accounts []string
	if a := strings.TrimSpace(section(ar, "accounts")); a != "" {
		accounts = strings.Split(a, ",")
	}
	p, pds := plan.Make(plan.Input{Repo: repo, Caps: caps, Snapshot: snap, Now: now, Accounts: accounts})
	var b strings.Builder
	for _, d := range pds {
		b.WriteString(d.String() + "\n")
	}
	if err := p.WriteText(&b, plan.TextOptions{Loc: rules.Location(repo)}); err != nil {
		t.Fatal(err)
	}
	// The JSON form must round-trip.
	var js bytes.Buffer
	if err := p.Encode(&js); err != nil {
		t.Fatal(err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(js.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if vs, err := schema.Validate(schema.Plan, doc); err != nil || len(vs) > 0 {
		t.Fatalf("the plan's JSON does not match schema/plan.schema.json: %v %+v", err, vs)
	}
	back, err := plan.Decode(&js)
	if err != nil || back.Summary() != p.Summary() || len(back.Changes) != len(p.Changes) {
		t.Fatalf("JSON round trip: %v", err)
	}
	return b.String()
}
