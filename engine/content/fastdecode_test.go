package content

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var (
	postFuzzKeys   = []string{"kind", "id", "title", "to", "at", "status", "campaign", "calendar", "language", "tags", "content_warning", "first_comment", "reply_to", "media", "poll", "utm", "thread", "overrides", "unknown", "Title"}
	postFuzzValues = []string{"x", "'q'", "\"dq\"", "12", "true", "~", "null", "2027-01-04", "2027-01-04 09:30", "[]", "[a, b]", "['a', 12]", "[a, [b]]",
		"!!str 7", "&a x", "{a: b}", "[a, ~]", "\n  - a\n  - 'b'", "\n  - src: a\n    alt: b", "\n  - src: a\n    focus: [0, 1]", "\n  - src: a\n    src: b",
		"\n  - {src: a, alt: b}", "\n  - alt: c\n    unknown: d", "\n  - x", "|\n  text", "\n  k: v"}
)

func randomPostFrontMatter(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.IntN(6) {
		k, v := postFuzzKeys[r.IntN(len(postFuzzKeys))], postFuzzValues[r.IntN(len(postFuzzValues))]
		if r.IntN(10) < 8 { // mostly what decodePost reads
			k, v = postFuzzKeys[r.IntN(14)], postFuzzValues[r.IntN(3)]
			switch k {
			case "to", "tags":
				v = postFuzzValues[10+r.IntN(2)*7]
			case "media":
				v = postFuzzValues[18]
			}
		}
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	return b.String()
}

// TestDecodePostIsNodeDecode checks decodePost against yaml.v3's Decode on
// random front matter, parsed by fastYAML and by yaml.v3.
func TestDecodePostIsNodeDecode(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	decoded := 0
	for range 20000 {
		src := randomPostFrontMatter(r)
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		roots := []*yaml.Node{doc.Content[0]}
		if fast := fastYAML([]byte(src)); fast != nil {
			roots = append(roots, fast.Content[0])
		}
		for _, root := range roots {
			var got Post
			if !decodePost(root, &got) {
				continue
			}
			decoded++
			var want Post
			if err := root.Decode(&want); err != nil {
				t.Fatalf("decodePost read %q, Decode fails: %v", src, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decodePost and Decode differ on %q:\n%#v\n%#v", src, got, want)
			}
		}
	}
	if decoded < 2000 {
		t.Errorf("decodePost read only %d documents", decoded)
	}
	t.Logf("decodePost read %d documents", decoded)
}
