package count

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"gopkg.in/yaml.v3"
)

// The shared conformance suites are read at test time from the directory
// next to the project. Without them a local run skips; CI fails.
const sharedConformance = "../../../../shared/conformance"

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	path := filepath.Join(sharedConformance, rel)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("conformance file %s is missing", path)
		}
		t.Skipf("conformance file %s is missing (set CI to make this fail)", path)
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return raw
}

type ttCase struct {
	Description string `yaml:"description"`
	Text        string `yaml:"text"`
	Expected    any    `yaml:"expected"`
}

func loadTTSuite(t *testing.T, name string) map[string][]ttCase {
	t.Helper()
	var doc struct {
		Tests map[string][]ttCase `yaml:"tests"`
	}
	if err := yaml.Unmarshal(readShared(t, filepath.Join("twitter-text", name)), &doc); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	if len(doc.Tests) == 0 {
		t.Fatalf("%s holds no tests", name)
	}
	return doc.Tests
}

func values(es []ttEntity) []any {
	out := []any{}
	for _, e := range es {
		out = append(out, e.value)
	}
	return out
}

func withIndices(es []ttEntity, key string, list bool) []any {
	out := []any{}
	for _, e := range es {
		m := map[string]any{key: e.value, "indices": []any{e.start, e.end}}
		if list {
			m["list_slug"] = e.listSlug
		}
		out = append(out, m)
	}
	return out
}

// extractors maps each group of extract.yml to the extraction it checks.
var extractors = map[string]func(t *runeText) any{
	"mentions":                       func(t *runeText) any { return values(extractMentions(t)) },
	"mentions_with_indices":          func(t *runeText) any { return withIndices(extractMentions(t), "screen_name", false) },
	"mentions_or_lists_with_indices": func(t *runeText) any { return withIndices(extractMentionsOrLists(t), "screen_name", true) },
	"replies": func(t *runeText) any {
		if s := extractReply(t); s != "" {
			return s
		}
		return nil
	},
	"urls":                          func(t *runeText) any { return values(extractURLs(t, xURLRules)) },
	"urls_with_indices":             func(t *runeText) any { return withIndices(extractURLs(t, xURLRules), "url", false) },
	"urls_with_directional_markers": func(t *runeText) any { return withIndices(extractURLs(t, xURLRules), "url", false) },
	"tco_urls_with_params":          func(t *runeText) any { return values(extractURLs(t, xURLRules)) },
	"hashtags":                      func(t *runeText) any { return values(extractHashtags(t, true)) },
	"hashtags_from_astral":          func(t *runeText) any { return values(extractHashtags(t, true)) },
	"hashtags_with_indices":         func(t *runeText) any { return withIndices(extractHashtags(t, true), "hashtag", false) },
	"cashtags":                      func(t *runeText) any { return values(extractCashtags(t)) },
	"cashtags_with_indices":         func(t *runeText) any { return withIndices(extractCashtags(t), "cashtag", false) },
}

// normalize turns an expected YAML value into the shapes extractors return.
func normalize(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	default:
		return v
	}
}

func TestTwitterTextExtractConformance(t *testing.T) {
	suite := loadTTSuite(t, "extract.yml")
	groups := make([]string, 0, len(suite))
	for g := range suite {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	total := 0
	for _, group := range groups {
		extract, ok := extractors[group]
		if !ok {
			t.Errorf("extract.yml group %q has no extractor", group)
			continue
		}
		for _, c := range suite[group] {
			total++
			want := normalize(c.Expected)
			if want == nil && group != "replies" {
				want = []any{}
			}
			got := extract(newRuneText(c.Text))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s\ntext: %q\n got: %#v\nwant: %#v", group, c.Description, c.Text, got, want)
			}
		}
	}
	t.Logf("%d extract.yml cases in %d groups", total, len(groups))
}

func TestTwitterTextTLDConformance(t *testing.T) {
	suite := loadTTSuite(t, "tlds.yml")
	total := 0
	for group, cases := range suite {
		for _, c := range cases {
			total++
			got := values(extractURLs(newRuneText(c.Text), xURLRules))
			if want := normalize(c.Expected); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s: got %#v, want %#v", group, c.Description, got, want)
			}
		}
	}
	if total < 1500 {
		t.Errorf("only %d TLD cases", total)
	}
}

// TestTLDTablesMatchData checks the generated tables against tld_lib.yml:
// a stale tlds_gen.go fails here (regenerate with go generate).
func TestTLDTablesMatchData(t *testing.T) {
	var lib map[string][]string
	if err := yaml.Unmarshal(readShared(t, "twitter-text/tld_lib.yml"), &lib); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lib["country"], countryTLDs) || !reflect.DeepEqual(lib["generic"], genericTLDs) {
		t.Error("tlds_gen.go is out of date with tld_lib.yml; run go generate")
	}
}

// TestWeightConfigMatchesV3 checks the embedded weighting against v3.json.
func TestWeightConfigMatchesV3(t *testing.T) {
	var v3 struct {
		Version                int           `yaml:"version"`
		MaxWeightedTweetLength int           `yaml:"maxWeightedTweetLength"`
		Scale                  int           `yaml:"scale"`
		DefaultWeight          int           `yaml:"defaultWeight"`
		EmojiParsingEnabled    bool          `yaml:"emojiParsingEnabled"`
		TransformedURLLength   int           `yaml:"transformedURLLength"`
		Ranges                 []weightRange `yaml:"ranges"`
	}
	// JSON is YAML, so one decoder reads both.
	if err := yaml.Unmarshal(readShared(t, "twitter-text/v3.json"), &v3); err != nil {
		t.Fatal(err)
	}
	if v3.Version != 3 {
		t.Fatalf("v3.json has version %d", v3.Version)
	}
	got := []any{xConfig.MaxWeightedTweetLength, xConfig.Scale, xConfig.DefaultWeight, xConfig.EmojiParsingEnabled, xConfig.TransformedURLLength}
	want := []any{v3.MaxWeightedTweetLength, v3.Scale, v3.DefaultWeight, v3.EmojiParsingEnabled, v3.TransformedURLLength}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config %v, v3.json %v", got, want)
	}
	if !reflect.DeepEqual(xConfig.Ranges, v3.Ranges) {
		t.Errorf("ranges %v, v3.json %v", xConfig.Ranges, v3.Ranges)
	}
}
