package count

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/internal/golden"
)

func TestRunJSONLGolden(t *testing.T) {
	input := strings.Join([]string{
		`"Bonjour 👋 https://example.com/a/very/long/path #lancement @clairon"`,
		`not json`,
		``,
		`"\u00e9t\u00e9 \ud83c\uddeb\ud83c\uddf7"`,
		`42`,
		`"@alice@example.social https://joinmastodon.org"`,
		`"no newline at the end"`,
	}, "\n")
	for _, network := range []string{X, Mastodon, Bluesky, Telegram} {
		t.Run(network, func(t *testing.T) {
			var out bytes.Buffer
			if err := RunJSONL(strings.NewReader(input), &out, network, Options{}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != 6 {
				t.Fatalf("%d output lines for 6 non-blank input lines:\n%s", len(lines), out.String())
			}
			for i, l := range lines {
				var v map[string]any
				if err := json.Unmarshal([]byte(l), &v); err != nil {
					t.Fatalf("line %d is not JSON: %v", i+1, err)
				}
			}
			golden.Check(t, filepath.Join("testdata", "jsonl_"+network+".golden"), out.Bytes())
		})
	}
}

func TestRunJSONLErrors(t *testing.T) {
	if err := RunJSONL(strings.NewReader(`"x"`), &bytes.Buffer{}, "orkut", Options{}); !errors.Is(err, ErrUnknownNetwork) {
		t.Errorf("unknown network: %v", err)
	}
	if err := RunJSONL(strings.NewReader(`"x"`), &bytes.Buffer{}, X, Options{Limit: -5}); err == nil {
		t.Error("negative limit accepted")
	}
	long := `"` + strings.Repeat("a", maxJSONLLine+10) + `"` + "\n" + `"ok"` + "\n"
	var out bytes.Buffer
	if err := RunJSONL(strings.NewReader(long), &out, X, Options{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"error":"line longer than`) || !strings.Contains(lines[1], `"network":"x"`) {
		t.Errorf("long line handling: %.300s", out.String())
	}
	if err := RunJSONL(strings.NewReader(`"x"`), failingWriter{}, X, Options{}); err == nil {
		t.Error("write failure not reported")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
