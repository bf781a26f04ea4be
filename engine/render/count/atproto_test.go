package count

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// atprotoValidators maps each syntax file prefix of the interop vectors to
// the check it exercises.
var atprotoValidators = map[string]func(string) error{
	"aturi":     ValidateATURI,
	"datetime":  ValidateDatetime,
	"handle":    ValidateHandle,
	"language":  ValidateLanguage,
	"recordkey": ValidateRecordKey,
	"tid":       ValidateTID,
}

// readVectors returns the lines of a vector file that are neither blank nor
// comments, with their spaces kept: some vectors test surrounding spaces.
func readVectors(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(string(readShared(t, filepath.Join("atproto-interop", name))), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

func TestATProtoSyntaxVectors(t *testing.T) {
	readShared(t, "atproto-interop/handle_syntax_valid.txt") // skip or fail early when absent
	files, err := filepath.Glob(filepath.Join(sharedConformance, "atproto-interop", "*_syntax_*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vector files: %v", err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		kind, rest, _ := strings.Cut(name, "_syntax_")
		check, ok := atprotoValidators[kind]
		if !ok {
			t.Errorf("%s: no validator for %q", name, kind)
			continue
		}
		wantValid := rest == "valid.txt"
		if !wantValid && rest != "invalid.txt" {
			t.Errorf("%s: not a valid/invalid vector file", name)
			continue
		}
		seen[kind+rest] = true
		vectors := readVectors(t, name)
		if len(vectors) == 0 {
			t.Errorf("%s holds no vectors", name)
		}
		for _, v := range vectors {
			err := check(v)
			if wantValid && err != nil {
				t.Errorf("%s: %q refused: %v", name, v, err)
			}
			if !wantValid && err == nil {
				t.Errorf("%s: %q accepted", name, v)
			}
			if err != nil && !errors.Is(err, ErrSyntax) {
				t.Errorf("%s: error does not wrap ErrSyntax: %v", name, err)
			}
		}
	}
	for kind := range atprotoValidators {
		for _, rest := range []string{"valid.txt", "invalid.txt"} {
			if !seen[kind+rest] {
				if _, err := os.Stat(filepath.Join(sharedConformance, "atproto-interop", kind+"_syntax_"+rest)); err != nil {
					t.Errorf("vector file %s_syntax_%s is missing", kind, rest)
				}
			}
		}
	}
}

func TestATProtoExtraChecks(t *testing.T) {
	valid := []struct {
		check func(string) error
		s     string
	}{
		{ValidateDID, "did:plc:z72i7hdynmk6r22z27h6tvur"},
		{ValidateDID, "did:web:example.com"},
		{ValidateNSID, "app.bsky.feed.post"},
		{ValidateNSID, "com.example.fooBar"},
	}
	for _, c := range valid {
		if err := c.check(c.s); err != nil {
			t.Errorf("%q refused: %v", c.s, err)
		}
	}
	invalid := []struct {
		check func(string) error
		s     string
	}{
		{ValidateDID, "did:PLC:abc"},
		{ValidateDID, "did:plc:abc:"},
		{ValidateNSID, "app.bsky"},
		{ValidateNSID, "app.bsky.feed.po-st"},
		{ValidateNSID, "1app.bsky.feed"},
	}
	for _, c := range invalid {
		if err := c.check(c.s); err == nil {
			t.Errorf("%q accepted", c.s)
		}
	}
}
