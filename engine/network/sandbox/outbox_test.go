package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/sandbox"
)

func newSandbox(t *testing.T, emulate string) (network.Adapter, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "outbox")
	clock := networktest.NewClock(time.Time{})
	a, err := sandbox.New(network.Config{Account: "brand", Network: "sandbox", Now: clock.Now,
		Settings: map[string]string{"outbox": dir, "emulate": emulate}})
	if err != nil {
		t.Fatal(err)
	}
	return a, dir
}

func key(c byte) string { return strings.Repeat(string(c), 32) }

// TestMessageFile pins what the sandbox writes for one message.
func TestMessageFile(t *testing.T) {
	a, dir := newSandbox(t, "mastodon")
	ctx := context.Background()
	root, err := a.Publish(ctx, &network.Post{Key: key('a'), Text: "Bonjour", CreatedAt: networktest.Start})
	if err != nil {
		t.Fatal(err)
	}
	img := networktest.Image([]string{"image/png"}, 2, "Un carré vert")
	img.Focus = &[2]float64{0.1, -0.3}
	p := &network.Post{Key: key('b'), Text: "Suite du fil #lancement", Markdown: "Suite du fil #lancement", Language: "fr",
		ContentWarning: "annonce", Media: []network.Media{img}, ReplyTo: &root, Root: &root, CreatedAt: networktest.Start,
		Address: "posts/lancement@brand#2", Entities: []network.Entity{{Kind: network.EntityHashtag, Start: 13, End: 23, Value: "lancement"}}}
	ref, err := a.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if want := "file://" + filepath.ToSlash(filepath.Join(dir, key('b')+".json")); ref.URL != want || ref.ID != key('b') {
		t.Errorf("ref %+v, want id %s and url %s", ref, key('b'), want)
	}
	got, err := os.ReadFile(filepath.Join(dir, key('b')+".json"))
	if err != nil {
		t.Fatal(err)
	}
	got = bytes.ReplaceAll(got, []byte(filepath.ToSlash(dir)), []byte("OUTBOX"))
	golden.Check(t, filepath.Join("testdata", "message.json"), got)
	media, err := os.ReadFile(filepath.Join(dir, key('b')+"-1-square-2.png"))
	if err != nil || !bytes.Equal(media, img.Data) {
		t.Errorf("media copy: %v", err)
	}
}

func TestIdempotentByKey(t *testing.T) {
	a, dir := newSandbox(t, "")
	ctx := context.Background()
	p := &network.Post{Key: key('c'), Text: "Once"}
	first, err := a.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.Publish(ctx, p)
	if err != nil || again.ID != first.ID || again.URL != first.URL {
		t.Fatalf("republish = %+v, %v; want %+v", again, err, first)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	entries, _ := sandbox.ReadJournal(dir)
	if len(files) != 1 || len(entries) != 1 || entries[0].Op != "publish" {
		t.Errorf("files %v, journal %+v; want one of each", files, entries)
	}
}

func TestEditAndDeleteTidyMedia(t *testing.T) {
	a, dir := newSandbox(t, "")
	ctx := context.Background()
	one, two := networktest.Image(nil, 1, "one"), networktest.Image(nil, 2, "two")
	ref, err := a.Publish(ctx, &network.Post{Key: key('d'), Text: "v1", Media: []network.Media{one, two}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.(network.Editor).Edit(ctx, ref, &network.Post{Text: "v2", Media: []network.Media{two}}); err != nil {
		t.Fatal(err)
	}
	ms, _ := sandbox.ReadMessages(dir)
	if len(ms) != 1 || ms[0].Text != "v2" || ms[0].EditedAt == nil || len(ms[0].Media) != 1 || ms[0].Media[0].Alt != "two" {
		t.Fatalf("after edit %+v", ms)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, key('d')+"-*")); len(left) != 1 {
		t.Errorf("media files after edit: %v, want one", left)
	}
	if err := a.Delete(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, key('d')+"*")); len(left) != 0 {
		t.Errorf("files after delete: %v", left)
	}
	entries, _ := sandbox.ReadJournal(dir)
	var ops []string
	for _, e := range entries {
		ops = append(ops, e.Op)
	}
	if strings.Join(ops, ",") != "publish,edit,delete" {
		t.Errorf("journal %v", ops)
	}
}

func TestEmulatedLimits(t *testing.T) {
	poll := &network.Poll{Options: []string{"a", "b", "c", "d", "e"}, Duration: time.Hour}
	parent := network.Ref{ID: key('p')}
	tests := []struct {
		emulate string
		post    network.Post
		problem string
	}{
		{"bluesky", network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a", "b"}}}, "polls are not supported"},
		{"x", network.Post{Text: "x", Poll: poll}, "a poll has 2 to 4 options"},
		{"instagram", network.Post{Text: "x"}, "a message needs media"},
		{"instagram", network.Post{Text: "x", Media: []network.Media{networktest.Image([]string{"image/png"}, 1, "")}}, `type "image/png" not accepted`},
		{"facebook", network.Post{Text: "x", ReplyTo: &parent}, "replies are not supported"},
		{"slack", network.Post{Text: "x", Media: []network.Media{networktest.Image(nil, 1, "")}}, "1 attachments, at most 0"},
		{"", network.Post{Text: "x", ReplyTo: &parent}, "not found"},
	}
	for _, tt := range tests {
		a, dir := newSandbox(t, tt.emulate)
		tt.post.Key = key('e')
		_, err := a.Publish(context.Background(), &tt.post)
		if network.ClassOf(err) != network.Permanent || err == nil || !strings.Contains(err.Error(), tt.problem) {
			t.Errorf("%s: err %v, want a permanent error saying %q", tt.emulate, err, tt.problem)
		}
		if ms, _ := sandbox.ReadMessages(dir); len(ms) != 0 {
			t.Errorf("%s: a refused message was written", tt.emulate)
		}
	}
	if a, _ := newSandbox(t, "bluesky"); isEditor(a) {
		t.Error("the sandbox emulating bluesky is an Editor")
	}
	if a, _ := newSandbox(t, "mastodon"); !isEditor(a) || a.Capabilities().TextLimit != 500 {
		t.Error("the sandbox emulating mastodon is not an Editor with 500 characters")
	}
}

func isEditor(a network.Adapter) bool { _, ok := a.(network.Editor); return ok }

func TestConfigErrors(t *testing.T) {
	for _, s := range []map[string]string{{}, {"outbox": t.TempDir(), "emulate": "myspace"}} {
		if _, err := sandbox.New(network.Config{Settings: s}); err == nil {
			t.Errorf("settings %v accepted", s)
		}
	}
}

func TestFaultsFile(t *testing.T) {
	a, dir := newSandbox(t, "")
	faults := filepath.Join(dir, sandbox.FaultsFile)
	if err := os.WriteFile(faults, []byte("rate-limit 2m\nhang-after 1h\nexplode\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err := a.Publish(ctx, &network.Post{Key: key('f'), Text: "x"})
	if network.RetryAfter(err) != 2*time.Minute {
		t.Errorf("rate-limit fault: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = a.Publish(short, &network.Post{Key: key('f'), Text: "x"})
	if !network.MaybeWritten(err) || !errors.Is(short.Err(), context.DeadlineExceeded) {
		t.Errorf("hang fault: %v, want a maybe-written timeout when the context ends", err)
	}
	if _, res, _ := a.(network.Lookup).Lookup(ctx, &network.Post{Key: key('f')}); res != network.Found {
		t.Errorf("after a hang the message is %v, want found", res)
	}
	if _, err := a.Publish(ctx, &network.Post{Key: key('g'), Text: "x"}); err == nil || !strings.Contains(err.Error(), `unknown fault "explode"`) {
		t.Errorf("bad fault line: %v", err)
	}
	if b, _ := os.ReadFile(faults); len(bytes.TrimSpace(b)) != 0 {
		t.Errorf("faults left: %q", b)
	}
}
