package render

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// randomJSONText mixes characters encoding/json escapes with plain text.
func randomJSONText(r *rand.Rand) string {
	pieces := []string{"a", "é", "😀", " ", "\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe2\x82", "/", "'", "#Lyon", "https://x.example/?a=1&b=<2>", "\u00a0"}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomOutput(r *rand.Rand) *Output {
	o := &Output{Network: randomJSONText(r), Format: network.Format(randomJSONText(r))}
	if r.IntN(2) == 0 {
		o.ContentWarning = randomJSONText(r)
	}
	if r.IntN(2) == 0 {
		o.Language = randomJSONText(r)
	}
	if r.IntN(3) == 0 {
		o.ReplyTo = randomJSONText(r)
	}
	for range r.IntN(4) {
		p := Part{Text: randomJSONText(r), FirstComment: r.IntN(4) == 0, Markdown: "ignored", URLs: []string{"ignored"}}
		for range r.IntN(3) {
			m := Media{Path: randomJSONText(r), MIME: randomJSONText(r), Size: r.Int64N(1 << 40), Blob: randomJSONText(r)}
			if r.IntN(2) == 0 {
				m.Alt = randomJSONText(r)
			}
			if r.IntN(10) == 0 {
				m.Focus = &[2]float64{r.Float64()*2 - 1, 1e-7}
			}
			p.Media = append(p.Media, m)
		}
		if r.IntN(4) == 0 {
			p.Poll = &network.Poll{Duration: time.Duration(r.Int64N(1 << 50)), Multiple: r.IntN(2) == 0}
			if r.IntN(4) > 0 {
				p.Poll.Options = []string{}
				for range r.IntN(4) {
					p.Poll.Options = append(p.Poll.Options, randomJSONText(r))
				}
			}
		}
		o.Parts = append(o.Parts, p)
	}
	return o
}

// TestDigestJSONIsEncodingJSONs checks that the digest's hand-written JSON
// is byte for byte what encoding/json writes for the same key: digests
// identify published content and must never change.
func TestDigestJSONIsEncodingJSONs(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for range 20000 {
		o := randomOutput(r)
		want, err := json.Marshal(digestKeyOf(o))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendDigestJSON(nil, o); string(got) != string(want) {
			t.Fatalf("digest JSON differs:\n got %s\nwant %s", got, want)
		}
	}
}
