package content

import (
	"strings"
	"testing"
)

func TestDecodeTree(t *testing.T) {
	hash := func(b byte) string { return strings.Repeat(string([]byte{b}), 20) }
	for _, c := range []struct {
		name, raw string
		want      []string // name, mode and hex of each entry
		bad       bool
	}{
		{name: "empty", raw: "", want: nil},
		{name: "file and folder", raw: "100644 a.md\x00" + hash(0x01) + "40000 a\x00" + hash(0xab),
			want: []string{"a.md 0100644 " + strings.Repeat("01", 20), "a 0040000 " + strings.Repeat("ab", 20)}},
		{name: "hash holding a space and a NUL", raw: "100755 run\x00" + " \x00" + hash(0x20)[:18] + "120000 link\x00" + hash(0),
			want: []string{"run 0100755 2000" + strings.Repeat("20", 18), "link 0120000 " + strings.Repeat("00", 20)}},
		{name: "short hash", raw: "100644 a.md\x00" + hash(1)[:19], bad: true},
		{name: "no mode", raw: " a.md\x00" + hash(1), bad: true},
		{name: "no name", raw: "100644 \x00" + hash(1), bad: true},
		{name: "bad mode", raw: "1x0644 a.md\x00" + hash(1), bad: true},
		{name: "no NUL", raw: "100644 a.md", bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			entries, err := decodeTree(c.raw)
			if c.bad {
				if err == nil {
					t.Fatalf("decoded %v, want an error", entries)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.name+" "+e.mode.String()+" "+e.hex)
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// Git sorts a folder as if its name ended in a slash; a listing is in name
// order all the same.
func TestTreeDirListsByName(t *testing.T) {
	entries, err := decodeTree("100644 a.md\x00" + strings.Repeat("\x01", 20) + "40000 a\x00" + strings.Repeat("\x02", 20) + "100644 b\x00" + strings.Repeat("\x03", 20))
	if err != nil {
		t.Fatal(err)
	}
	d := &treeDir{fs: &TreeFS{}, name: "x", tree: &gitTree{entries: entries}}
	list, err := d.ReadDir(-1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "a a.md b" {
		t.Errorf("listed %q, want \"a a.md b\"", got)
	}
}
