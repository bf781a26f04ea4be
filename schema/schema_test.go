package schema

import (
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// documentNames are the schemas front matter and clairon.yaml are checked
// against.
var documentNames = []string{Post, Campaign, Contest, Calendar, Config}

// seedDocuments returns the schemas' own examples and the front matter of
// the sample repository, as JSON values.
func seedDocuments(t *testing.T) []any {
	t.Helper()
	c := load()
	if c.err != nil {
		t.Fatal(c.err)
	}
	var docs []any
	for _, raw := range c.raw {
		m, _ := raw.(map[string]any)
		ex, _ := m["examples"].([]any)
		docs = append(docs, ex...)
	}
	root := filepath.Join("..", "content")
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || (!strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, ".yaml")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		if strings.HasSuffix(p, ".md") {
			parts := strings.SplitN(s, "\n---\n", 2)
			if !strings.HasPrefix(s, "---\n") || len(parts) < 2 {
				return nil
			}
			s = strings.TrimPrefix(parts[0], "---\n")
		}
		var v any
		if err := yaml.Unmarshal([]byte(s), &v); err != nil {
			return nil
		}
		docs = append(docs, jsonValue(t, v))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 20 {
		t.Fatalf("only %d seed documents", len(docs))
	}
	return docs
}

// jsonValue turns a decoded YAML value into what Validate takes (json.Number
// for numbers, strings for dates).
func jsonValue(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

var mutationValues = []any{
	nil, true, false, "", "x", "#tag", "Lyon", "#", "a b", "2026-12-01 09:30", "2026-12-01", "26-12-01",
	"next-slot", "auto", "off", "draft", "ready", "post", "campaign", "end", "none", "fr", "fr-FR", "FR_fr",
	"https://example.org/a", "env:TOKEN", "literal-secret", "mastodon", "bluesky", "x", "webhook", "sandbox",
	"Europe/Paris", "Mars/Olympus", "1h30m", "3d", "90", "tue,thu 10:00", "21:30-07:30", "10%", "media/a.png",
	strings.Repeat("é", 301), strings.Repeat("a", 1501),
	json.Number("0"), json.Number("2"), json.Number("-1.5"), json.Number("1e3"),
	[]any{}, []any{"a"}, []any{"a", "a"}, []any{"a", "b", "c"}, []any{json.Number("0"), json.Number("0.3")},
	[]any{map[string]any{"src": "media/a.png", "alt": "A"}}, []any{map[string]any{"alt": "no src"}},
	[]any{[]any{"a"}, []any{"a"}}, []any{map[string]any{"k": "v"}, map[string]any{"k": "v"}},
	map[string]any{}, map[string]any{"split": "auto", "numbering": true}, map[string]any{"options": []any{"a", "b"}},
	map[string]any{"source": "{network}"}, map[string]any{"text": "t"}, map[string]any{"unknown": "u"},
	map[string]any{"network": "mastodon", "server": "https://m.example", "token": "env:T"},
	map[string]any{"every": "mon 09:00", "accounts": []any{"a"}},
}

var mutationKeys = []string{
	"to", "at", "id", "kind", "title", "status", "campaign", "calendar", "language", "tags", "content_warning",
	"media", "poll", "first_comment", "reply_to", "overrides", "utm", "thread", "name", "from", "hashtags",
	"accounts", "hashtag_placement", "goals", "slots", "timezone", "mentions", "policy", "state", "limits",
	"winners", "entry", "draw", "opens", "closes", "src", "alt", "focus", "options", "duration", "multiple",
	"text", "split", "numbering", "network", "token", "server", "linkedin", "x", "Bad Key", "tittle", "",
}

// mutate returns a copy of v with one random change somewhere inside.
func mutate(r *rand.Rand, v any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x)+1)
		for k, e := range x {
			out[k] = e
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		switch n := r.IntN(6); {
		case n == 0 || len(keys) == 0:
			out[mutationKeys[r.IntN(len(mutationKeys))]] = mutationValues[r.IntN(len(mutationValues))]
		case n == 1:
			delete(out, keys[r.IntN(len(keys))])
		case n == 2:
			out[keys[r.IntN(len(keys))]] = mutationValues[r.IntN(len(mutationValues))]
		default:
			k := keys[r.IntN(len(keys))]
			out[k] = mutate(r, x[k], depth+1)
		}
		return out
	case []any:
		out := append([]any(nil), x...)
		switch n := r.IntN(4); {
		case n == 0 || len(x) == 0:
			out = append(out, mutationValues[r.IntN(len(mutationValues))])
		case n == 1:
			out = append(out, x[r.IntN(len(x))])
		default:
			i := r.IntN(len(x))
			out[i] = mutate(r, x[i], depth+1)
		}
		return out
	}
	if depth > 0 && r.IntN(3) == 0 {
		return mutationValues[r.IntN(len(mutationValues))]
	}
	return v
}

// TestQuickAgreesWithValidator checks, on the schemas' examples, the sample
// repository and thousands of random variations of them, that quick never
// calls valid what the validator refuses (nor invalid what it accepts),
// and that it does decide most valid documents by itself.
func TestQuickAgreesWithValidator(t *testing.T) {
	c := load()
	seeds := seedDocuments(t)
	r := rand.New(rand.NewPCG(1, 2))
	decided, accepted := 0, 0
	for i := 0; i < 5000; i++ {
		doc := seeds[i%len(seeds)]
		for range r.IntN(4) {
			doc = mutate(r, doc, 0)
		}
		for _, name := range documentNames {
			s, err := c.schema(name)
			if err != nil {
				t.Fatal(err)
			}
			q := quick(s, doc, 0)
			err = s.Validate(doc)
			switch {
			case q == valid && err != nil:
				b, _ := json.Marshal(doc)
				t.Fatalf("%s: quick says valid, the validator says %v\n%s", name, err, b)
			case q == invalid && err == nil:
				b, _ := json.Marshal(doc)
				t.Fatalf("%s: quick says invalid, the validator accepts\n%s", name, b)
			}
			if err == nil {
				accepted++
				if q == valid {
					decided++
				}
			}
		}
	}
	if accepted < 1000 || decided*10 < accepted*7 {
		t.Errorf("quick decided %d of %d valid documents; want most", decided, accepted)
	}
	t.Logf("quick decided %d of %d valid documents", decided, accepted)
}

// TestValidateReportsAsBefore checks that Validate's violations for a few
// invalid documents are the validator's, unchanged by quick.
func TestValidateReportsAsBefore(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{Post, `{"to": ["a"], "tittle": "x"}`, `unknown key "tittle"`},
		{Post, `{"to": "a"}`, "expected a list, but got string"},
		{Post, `{"to": ["a"], "at": "tomorrow"}`, "has an invalid format; or value must be \"next-slot\""},
		{Post, `{"to": ["a"], "poll": {"options": ["one"]}}`, "minimum 2 items required, but found 1 items"},
		{Post, `{"to": ["a"], "media": [{"src": "m.png", "focus": [0, 2]}]}`, "must be <= 1 but found 2"},
		{Post, `{}`, "missing required key 'to'"},
		{Campaign, `{"id": "c", "name": "C", "from": "2026-12-01", "hashtag_placement": "middle"}`, `value must be one of "end", "none"`},
	}
	for _, tt := range tests {
		var doc any
		d := json.NewDecoder(strings.NewReader(tt.doc))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		vs, err := Validate(tt.name, doc)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, v := range vs {
			msgs = append(msgs, v.Message)
		}
		if got := strings.Join(msgs, " | "); !strings.Contains(got, tt.want) {
			t.Errorf("%s %s: violations %q, want one with %q", tt.name, tt.doc, got, tt.want)
		}
	}
}

// BenchmarkValidatePost validates a typical post's front matter.
func BenchmarkValidatePost(b *testing.B) {
	doc := map[string]any{"id": "p000001", "title": "Publication 1", "to": []any{"m", "b", "x"},
		"at": "2027-01-04 09:30", "campaign": "c0", "language": "fr",
		"media": []any{map[string]any{"src": "media/p.png", "alt": "Une tasse de café posée sur le comptoir."}}}
	b.ReportAllocs()
	for b.Loop() {
		if vs, err := Validate(Post, doc); err != nil || len(vs) > 0 {
			b.Fatal(vs, err)
		}
	}
}

// Schemas are compiled on first use; every one of them must compile.
func TestEverySchemaCompiles(t *testing.T) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, err := load().schema(strings.TrimSuffix(e.Name(), ".schema.json")); err != nil {
			t.Error(err)
		}
	}
	if len(entries) < 8 {
		t.Errorf("only %d schemas embedded", len(entries))
	}
}
