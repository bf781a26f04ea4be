package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/gittest"
)

// planChanges decodes what a plan --json says of each change.
func planChanges(t *testing.T, out string) (commit string, changes []map[string]any) {
	t.Helper()
	var p struct {
		SourceCommit string           `json:"source_commit"`
		Changes      []map[string]any `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, out)
	}
	for _, c := range p.Changes {
		delete(c, "output") // the same text, told apart by its digest
	}
	return p.SourceCommit, p.Changes
}

// --rev plans and checks what is committed, whatever the working tree holds.
func TestPlanAndValidateAtARevision(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "site")
	gittest.Run(t, root, "init", "-q")
	writeFiles(t, site, map[string]string{
		"clairon.yaml": sandboxConfig,
		"posts/a.md":   "---\nid: a\nto: [m, b]\nat: 2026-12-01 09:00\n---\nBonjour\n",
	})
	gittest.Run(t, root, "add", "-A")
	gittest.Run(t, root, "commit", "-q", "-m", "a")
	head := strings.TrimSpace(gittest.Run(t, root, "rev-parse", "HEAD"))
	writeFiles(t, site, map[string]string{
		"posts/a.md":   "---\nid: a\nto: [m, b]\nat: 2026-12-01 09:00\n---\nBonjour, pas encore commité\n",
		"posts/bad.md": "---\nto: [z]\n---\nCompte inconnu\n",
	})

	if _, _, code := cli(t, nil, "validate", "--dir", site); code != 1 {
		t.Errorf("validate of the working tree: exit %d, want 1 (posts/bad.md)", code)
	}
	if out, _, code := cli(t, nil, "validate", "--dir", site, "--rev", "HEAD"); code != 0 || !strings.Contains(out, "1 documents valid") {
		t.Errorf("validate --rev HEAD: exit %d\n%s", code, out)
	}

	atRev, _, code := cli(t, nil, "plan", "--dir", site, "--sandbox", "--rev", "HEAD", "--json")
	if code != 0 {
		t.Fatalf("plan --rev HEAD: exit %d\n%s", code, atRev)
	}
	commit, fromTree := planChanges(t, atRev)
	if commit != head || len(fromTree) != 2 {
		t.Fatalf("plan --rev HEAD: commit %s (want %s), %d changes (want 2)", commit, head, len(fromTree))
	}
	// Again, from the cache: the same plan.
	if again, _, _ := cli(t, nil, "plan", "--dir", site, "--sandbox", "--rev", "HEAD", "--json"); again != atRev {
		t.Errorf("the cached plan --rev differs:\n%s\nthen\n%s", atRev, again)
	}
	// The committed files checked out plan the same changes.
	gittest.Run(t, root, "stash", "-q", "-u")
	out, _, _ := cli(t, nil, "plan", "--dir", site, "--sandbox", "--json")
	if _, fromDisk := planChanges(t, out); !reflect.DeepEqual(fromTree, fromDisk) {
		t.Errorf("plan --rev HEAD and plan of the same files on disk differ:\n%v\n%v", fromTree, fromDisk)
	}

	// apply --rev publishes the committed text, not the edit beside it.
	os.RemoveAll(filepath.Join(site, ".clairon")) // the stash holds the earlier cache
	gittest.Run(t, root, "stash", "pop", "-q")
	if b, _ := os.ReadFile(filepath.Join(site, "posts", "a.md")); !strings.Contains(string(b), "pas encore commité") {
		t.Fatal("the uncommitted edit was not restored")
	}
	if out, errOut, code := cli(t, nil, "apply", "--dir", site, "--sandbox", "--rev", "HEAD"); code != 0 || !strings.Contains(out, "2 published") {
		t.Fatalf("apply --rev HEAD: exit %d\n%s%s", code, out, errOut)
	}
	var sent strings.Builder
	filepath.WalkDir(filepath.Join(site, ".clairon", "outbox"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			sent.Write(b)
		}
		return nil
	})
	if !strings.Contains(sent.String(), "Bonjour") || strings.Contains(sent.String(), "pas encore commité") {
		t.Errorf("the outbox does not hold the committed text:\n%s", sent.String())
	}

	if _, errOut, code := cli(t, nil, "plan", "--dir", site, "--rev", "nope"); code != 1 || !strings.Contains(errOut, `revision "nope"`) {
		t.Errorf("unknown revision: exit %d, %s", code, errOut)
	}
}

// Media left as Git LFS pointers (no git lfs pull) are refused by name.
func TestMediaLeftAsGitLFSPointers(t *testing.T) {
	dir := repoWith(t, map[string]string{
		"clairon.yaml":    sandboxConfig,
		"posts/a.md":      "---\nid: a\nto: [m]\nmedia:\n  - src: media/photo.jpg\n    alt: La torréfaction du matin\n---\nBonjour\n",
		"media/photo.jpg": "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
	})
	out, _, code := cli(t, nil, "validate", "--dir", dir, "--no-color")
	if code != 1 || !strings.Contains(out, "posts/a.md:5:10: error: media media/photo.jpg is a Git LFS pointer, not the file itself") || !strings.Contains(out, "git lfs pull") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// A saved plan applied where the content is at another commit says that
// media are read there, and how to read them from the plan's commit.
func TestApplyWarnsWhenThePlanIsOfAnotherCommit(t *testing.T) {
	dir := repoWith(t, map[string]string{"clairon.yaml": sandboxConfig, "posts/a.md": "---\nid: a\nto: [m]\n---\nBonjour\n"})
	gittest.Run(t, dir, "add", "-A")
	gittest.Run(t, dir, "commit", "-q", "-m", "a")
	first := strings.TrimSpace(gittest.Run(t, dir, "rev-parse", "HEAD"))
	writeFiles(t, dir, map[string]string{"posts/b.md": "---\nid: b\nto: [m]\n---\nSalut\n"})
	gittest.Run(t, dir, "add", "-A")
	gittest.Run(t, dir, "commit", "-q", "-m", "b")

	saved, again := filepath.Join(t.TempDir(), "plan.json"), filepath.Join(t.TempDir(), "again.json")
	for _, f := range []string{saved, again} {
		if _, errOut, code := cli(t, nil, "plan", "--dir", dir, "--sandbox", "--rev", "HEAD~1", "-out", f); code != 0 {
			t.Fatalf("plan --rev HEAD~1: exit %d %s", code, errOut)
		}
	}
	_, errOut, code := cli(t, nil, "apply", saved, "--dir", dir, "--sandbox")
	if code != 0 || !strings.Contains(errOut, "this plan was made from commit "+first[:12]) || !strings.Contains(errOut, "clairon apply --rev "+first[:12]) {
		t.Errorf("apply of a plan of HEAD~1 at HEAD: exit %d\n%s", code, errOut)
	}
	if _, errOut, _ := cli(t, nil, "apply", again, "--dir", dir, "--sandbox", "--rev", first); strings.Contains(errOut, "Warning") {
		t.Errorf("apply --rev of the plan's own commit warned:\n%s", errOut)
	}
}
