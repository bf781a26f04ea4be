package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "out.golden")
	for _, tc := range []struct {
		name     string
		update   bool
		got      string
		wantFail bool
	}{
		{"missing file", false, "a", true},
		{"update creates it", true, "a\n", false},
		{"same", false, "a\n", false},
		{"different", false, "b\n", true},
		{"update rewrites it", true, "b\n", false},
		{"same again", false, "b\n", false},
	} {
		*update = tc.update
		r := &recorder{TB: t}
		Check(r, path, []byte(tc.got))
		if r.failed != tc.wantFail {
			t.Errorf("%s: failed %v, want %v", tc.name, r.failed, tc.wantFail)
		}
	}
	*update = false
	if b, _ := os.ReadFile(path); string(b) != "b\n" {
		t.Errorf("file holds %q", b)
	}
}
