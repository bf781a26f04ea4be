package githubactions_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/githubactions"
)

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}

func TestCommandEscaping(t *testing.T) {
	tests := []struct {
		name    string
		cmd     string
		props   [][2]string
		message string
		want    string
	}{
		{"bare", "endgroup", nil, "", "::endgroup::\n"},
		{"message only", "notice", nil, "Plan: 1 to publish.", "::notice::Plan: 1 to publish.\n"},
		{"data escapes percent first", "warning", nil, "100%\r\nsure", "::warning::100%25%0D%0Asure\n"},
		{"data keeps colons and commas", "error", nil, "a: b, c", "::error::a: b, c\n"},
		{"properties escape colons and commas", "error", [][2]string{{"file", "posts/a,b.md"}, {"title", "clairon: schema"}}, "bad",
			"::error file=posts/a%2Cb.md,title=clairon%3A schema::bad\n"},
		{"properties escape newlines and percent", "notice", [][2]string{{"title", "50%\nmore"}}, "x", "::notice title=50%25%0Amore::x\n"},
		{"empty properties are left out", "warning", [][2]string{{"file", ""}, {"line", "3"}, {"col", ""}}, "m", "::warning line=3::m\n"},
		{"first property after a space, others after commas", "error", [][2]string{{"file", "f.md"}, {"line", "1"}, {"col", "2"}}, "m",
			"::error file=f.md,line=1,col=2::m\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := githubactions.Command(&b, tt.cmd, tt.props, tt.message); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name, secret, want string
	}{
		{"empty", "", ""},
		{"blank", "  \n", ""},
		{"one line", "tok%en", "::add-mask::tok%25en\n"},
		{"multi-line masks the value and each long line", "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nab\n-----END KEY-----\n",
			"::add-mask::-----BEGIN KEY-----%0AMIIEvQIBADANBgkqhkiG9w0BAQEFAASC%0Aab%0A-----END KEY-----%0A\n" +
				"::add-mask::-----BEGIN KEY-----\n::add-mask::MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n::add-mask::-----END KEY-----\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := githubactions.Mask(&b, tt.secret); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestGroupsAndMessages(t *testing.T) {
	var b strings.Builder
	githubactions.Group(&b, "clairon apply")
	githubactions.Notice(&b, "clairon", "fork: no comment")
	githubactions.Warning(&b, "clairon: comment", "422, body too long")
	githubactions.Error(&b, "", "the content has errors")
	githubactions.EndGroup(&b)
	want := "::group::clairon apply\n" +
		"::notice title=clairon::fork: no comment\n" +
		"::warning title=clairon%3A comment::422, body too long\n" +
		"::error::the content has errors\n" +
		"::endgroup::\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// diagnostics returns n diagnostics of a severity in posts/pN.md.
func diagnostics(sev diag.Severity, n int) diag.List {
	var l diag.List
	for i := range n {
		l = append(l, diag.Diagnostic{Severity: sev, Pos: diag.Pos{File: fmt.Sprintf("posts/p%02d.md", i+1), Line: i + 2, Col: 3},
			Code: "schema", Message: fmt.Sprintf("problem %d", i+1)})
	}
	return l
}

// count returns how many annotations of each kind out holds.
func count(out string) map[string]int {
	n := map[string]int{}
	for line := range strings.Lines(out) {
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "::"), " ")
		name, _, _ = strings.Cut(name, "::")
		n[name]++
	}
	return n
}

func TestAnnotateLimits(t *testing.T) {
	tests := []struct {
		name                        string
		errors, warnings, infos     int
		wantErr, wantWarn, wantNote int
		wantMore                    []string
	}{
		{"none", 0, 0, 0, 0, 0, 0, nil},
		{"under the cap", 3, 2, 1, 3, 2, 1, nil},
		{"exactly the cap", 10, 10, 10, 10, 10, 10, nil},
		{"one over: nine shown, two summed up", 11, 0, 0, 10, 0, 0, []string{"::error title=clairon%3A more errors::2 more error(s)"}},
		{"many of each", 40, 25, 12, 10, 10, 10, []string{
			"::error title=clairon%3A more errors::31 more error(s)",
			"::warning title=clairon%3A more warnings::16 more warning(s)",
			"::notice title=clairon%3A more infos::3 more info(s)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := append(append(diagnostics(diag.Error, tt.errors), diagnostics(diag.Warning, tt.warnings)...), diagnostics(diag.Info, tt.infos)...)
			var b strings.Builder
			if err := githubactions.Annotate(&b, l, "content"); err != nil {
				t.Fatal(err)
			}
			got := count(b.String())
			if got["error"] != tt.wantErr || got["warning"] != tt.wantWarn || got["notice"] != tt.wantNote {
				t.Errorf("annotations %v, want %d errors, %d warnings, %d notices\n%s", got, tt.wantErr, tt.wantWarn, tt.wantNote, b.String())
			}
			for _, m := range tt.wantMore {
				if !strings.Contains(b.String(), m) {
					t.Errorf("missing %q in\n%s", m, b.String())
				}
			}
			// Nothing vanishes: every diagnostic's message is in the output.
			for _, d := range l {
				if !strings.Contains(b.String(), d.Message+"\n") && !strings.Contains(b.String(), d.Message+"%0A") {
					t.Errorf("%s is nowhere in the output", d.Message)
				}
			}
		})
	}
}

func TestAnnotateGolden(t *testing.T) {
	l := diag.List{
		{Severity: diag.Error, Pos: diag.Pos{File: "posts/2026-12/noel-coffrets.md", Line: 14, Col: 5}, Code: "ref-account",
			Message: `unknown account "brulerie-mastodn"`, Hint: "did you mean brulerie-mastodon?"},
		{Severity: diag.Warning, Pos: diag.Pos{File: "clairon.yaml", Line: 3}, Code: "setting", Message: "setting version, does not apply to mastodon"},
		{Severity: diag.Info, Pos: diag.Pos{File: "posts/a: b,c.md"}, Code: "id", Message: "100% of posts\nhave an id"},
	}
	l = append(l, diagnostics(diag.Error, 12)...)
	var b strings.Builder
	if err := githubactions.Annotate(&b, l, "content/"); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "annotate.golden", b.String())

	b.Reset()
	githubactions.Annotate(&b, l[:2], ".")
	if !strings.HasPrefix(b.String(), "::error file=posts/2026-12/noel-coffrets.md,line=14,col=5,title=clairon%3A ref-account::unknown account \"brulerie-mastodn\"%0Ahint: did you mean brulerie-mastodon?\n") {
		t.Errorf("root . should leave paths alone:\n%s", b.String())
	}
}

func TestStepKeepsTheCapsAcrossMessages(t *testing.T) {
	tests := []struct {
		name                string
		warnings, notices   int // messages about the run
		diagWarn, diagInfo  int
		wantWarn, wantNotes int
	}{
		{"room for all", 2, 1, 5, 3, 7, 4},
		{"diagnostics squeezed", 2, 1, 15, 0, 10, 1},
		{"messages fill the cap: one summary still shows", 10, 0, 4, 0, 11, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			s := githubactions.NewStep(&b)
			for i := range tt.warnings {
				s.Warning("clairon", fmt.Sprint("message ", i))
			}
			for i := range tt.notices {
				s.Notice("clairon", fmt.Sprint("note ", i))
			}
			s.Annotate(append(diagnostics(diag.Warning, tt.diagWarn), diagnostics(diag.Info, tt.diagInfo)...), "")
			got := count(b.String())
			if got["warning"] != tt.wantWarn || got["notice"] != tt.wantNotes {
				t.Errorf("warnings %d, notices %d; want %d and %d\n%s", got["warning"], got["notice"], tt.wantWarn, tt.wantNotes, b.String())
			}
			for i := range tt.diagWarn {
				if !strings.Contains(b.String(), fmt.Sprintf("problem %d", i+1)) {
					t.Errorf("problem %d vanished", i+1)
				}
			}
		})
	}
}
