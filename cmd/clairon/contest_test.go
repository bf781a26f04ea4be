package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/gittest"

	"github.com/clairon-dev/clairon/engine/contest"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/sandbox"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// contestWorld is a content repository whose accounts point at a fake
// Mastodon server and a fake PDS, with one clock for all.
type contestWorld struct{ *netWorld }

const contestAnnounce = `---
id: concours-noel-annonce
to: [brulerie-mastodon, brulerie-bluesky]
at: 2026-12-03 09:45
language: fr
utm: false
---

🎁 Jeu concours : 3 coffrets à gagner ! Repartagez ce message et répondez avec #ConcoursBrulerie. Jusqu’au 16/12, 23 h 59.
`

const contestFileCLI = `---
id: jeu-concours-noel
announce: concours-noel-annonce
opens: 2026-12-03 10:00
closes: 2026-12-16 23:59
entry:
  action: [reply, repost]
  must_include: ["#ConcoursBrulerie"]
  exclude:
    - "@camille@mastodon.test"
  people:
    lea:
      mastodon: "@lea@piaille.fr"
      bluesky: lea.bsky.social
winners: 2
alternates: 1
prize: "Un coffret « Noël sur les Pentes »"
rules_url: https://brulerie-des-pentes.fr/concours/noel-2026/reglement
---

Résumé du règlement.
`

func newContestWorld(t *testing.T, contestFile string) *contestWorld {
	t.Helper()
	w := &contestWorld{newNetWorld(t, time.Date(2026, 12, 3, 8, 50, 0, 0, time.UTC))}
	cfg := w.config("")
	w.dir = t.TempDir()
	for p, c := range map[string]string{
		"clairon.yaml": cfg, "posts/concours-noel-annonce.md": contestAnnounce, "contests/jeu-concours-noel.md": contestFile,
	} {
		full := filepath.Join(w.dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gittest.Run(t, w.dir, "init", "-q", "-b", "main")
	gittest.Run(t, w.dir, "add", ".")
	gittest.Run(t, w.dir, "commit", "-q", "-m", "Jeu concours de Noël")
	return w
}

func (w *contestWorld) at(t time.Time) { w.clk.Advance(t.Sub(w.clk.Now())) }

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, got)
		}
	}
}

func TestContestAgainstFakes(t *testing.T) {
	w := newContestWorld(t, contestFileCLI)
	if out, errOut, code := w.run(t, "apply"); code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	ann := w.mast.Messages()[0].ID
	skyAnn := w.sky.Messages()[0].ID

	// Inside the window.
	w.at(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	for _, who := range []string{"ana@a.fr", "gus@g.fr", "camille"} {
		w.mast.Reply(ann, who, "Je joue ! #ConcoursBrulerie")
		w.mast.Reblog(ann, who)
	}
	w.mast.Reply(ann, "bob@b.fr", "je joue")
	w.mast.Reblog(ann, "bob@b.fr")
	w.mast.Reply(ann, "lea@piaille.fr", "Un moka pour ma sœur #concoursbrulerie")
	var deeReply string
	for _, h := range []string{"lea.bsky.social", "dee.bsky.social"} {
		w.sky.AddAccount(h, "pw")
		uri, err := w.sky.Reply(skyAnn, h, "#ConcoursBrulerie ☕", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if h == "dee.bsky.social" {
			deeReply = uri
		}
	}
	if err := w.sky.Repost(skyAnn, "lea.bsky.social", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := w.sky.Repost(skyAnn, "dee.bsky.social", time.Time{}); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := w.run(t, "contest", "collect", "jeu-concours-noel")
	if code != 0 {
		t.Fatalf("collect: exit %d\n%s%s", code, out, errOut)
	}
	mustContain(t, "collect", out, "Collected the entries of contest jeu-concours-noel: 13 new, 13 in all.",
		"  brulerie-mastodon        5 replies, 4 reposts\n  brulerie-bluesky         2 replies, 2 reposts\n",
		"4 eligible so far, 2 not (clairon contest show jeu-concours-noel says why)", "Recorded in contests/jeu-concours-noel/entries.json on branch clairon/state",
		"The contest closes on 2026-12-16 23:59 CET")

	if _, errOut, code := w.run(t, "contest", "draw", "jeu-concours-noel"); code != 1 || !strings.Contains(errOut, "contest jeu-concours-noel closes on 2026-12-16 23:59:00 +01:00: the draw happens after") {
		t.Errorf("draw before closing: exit %d, %q", code, errOut)
	}

	// Dee deletes her reply; Eli replies too late; the contest closes.
	if err := w.sky.DeleteSeeded(deeReply); err != nil {
		t.Fatal(err)
	}
	w.at(time.Date(2026, 12, 16, 23, 30, 0, 0, time.UTC))
	w.sky.AddAccount("eli.bsky.social", "pw")
	if _, err := w.sky.Reply(skyAnn, "eli.bsky.social", "#ConcoursBrulerie", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := w.run(t, "contest", "draw", "jeu-concours-noel"); code != 1 || !strings.Contains(errOut, "run `clairon contest collect jeu-concours-noel` once more") {
		t.Errorf("draw before the last collection: exit %d, %q", code, errOut)
	}
	w.at(time.Date(2026, 12, 17, 7, 0, 0, 0, time.UTC))
	out, errOut, code = w.run(t, "contest", "collect", "jeu-concours-noel")
	if code != 0 {
		t.Fatalf("collect after closing: exit %d\n%s%s", code, out, errOut)
	}
	mustContain(t, "collect after closing", out, "1 new, 1 gone (kept, marked deleted), 14 in all", "The contest is closed")

	out, _, _ = w.run(t, "contest", "show", "jeu-concours-noel")
	mustContain(t, "show", out,
		"mastodon:ana@a.fr", "person:lea",
		"mastodon:bob@b.fr", `no: no reply contains "#ConcoursBrulerie"`,
		"mastodon:camille@mastodon.test", "no: excluded: entry.exclude lists @camille@mastodon.test",
		"bluesky:dee.bsky.social", "no: reply deleted",
		"bluesky:eli.bsky.social", "reply made after the contest closed", "no repost")

	out, _, code = w.run(t, "contest", "show", "jeu-concours-noel", "--format", "json")
	var shown struct {
		Entries    int               `json:"entries"`
		Eligible   []contest.Entrant `json:"eligible"`
		Ineligible []contest.Entrant `json:"ineligible"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || code != 0 || shown.Entries != 14 || len(shown.Eligible) != 3 || len(shown.Ineligible) != 4 {
		t.Errorf("show --format json: exit %d, %v, %+v\n%s", code, err, shown, out)
	}

	w.at(time.Date(2026, 12, 17, 9, 0, 0, 0, time.UTC))
	out, errOut, code = w.run(t, "contest", "draw", "jeu-concours-noel")
	if code != 0 {
		t.Fatalf("draw: exit %d\n%s%s", code, out, errOut)
	}
	mustContain(t, "draw", out, "Draw of contest jeu-concours-noel", "3 eligible, 4 not", "Winners\n  1. ", "Alternates, in order\n  1. ",
		"(every eligible entrant was drawn)", "Recorded in contests/jeu-concours-noel/draw.json on branch clairon/state",
		"Anyone can check it: clairon contest verify jeu-concours-noel")
	mustContain(t, "draw messages", errOut, "Drafted the winners' announcement in posts/jeu-concours-noel-gagnants.md")
	draft, err := os.ReadFile(filepath.Join(w.dir, "posts", "jeu-concours-noel-gagnants.md"))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "draft", string(draft), "status: draft", "to: [brulerie-mastodon, brulerie-bluesky]", "reply_to: concours-noel-annonce")
	rec := w.draw(t)
	for _, p := range rec.Winners {
		if !strings.Contains(string(draft), contest.Mention(p.Handles, "mastodon")) {
			t.Errorf("the draft does not name winner %s", p.ID)
		}
	}
	if out, _, code := w.run(t, "validate"); code != 0 {
		t.Errorf("the repository with the draft does not validate: exit %d\n%s", code, out)
	}
	// The draft is planned, held back as a draft: nothing publishes it.
	if out, _, code := w.run(t, "plan"); code != 0 {
		t.Errorf("plan: exit %d\n%s", code, out)
	} else {
		mustContain(t, "plan", out, "Held back:", "jeu-concours-noel-gagnants@brulerie-mastodon (mastodon)\n        held: draft")
	}

	out, _, code = w.run(t, "contest", "verify", "jeu-concours-noel")
	if code != 0 || !strings.Contains(out, "OK: the draw of contest jeu-concours-noel (round 1) verifies: seed "+rec.Seed) {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
	if _, errOut, code := w.run(t, "contest", "draw", "jeu-concours-noel"); code != 1 || !strings.Contains(errOut, "to draw again, pass --redraw with --reason") {
		t.Errorf("second draw: exit %d, %q", code, errOut)
	}

	// The contest file is edited after the draw: verify reads the version
	// drawn from in git, and still agrees.
	edited := strings.Replace(contestFileCLI, "Résumé du règlement.", "Résumé du règlement (gagnants tirés le 17/12).", 1)
	os.WriteFile(filepath.Join(w.dir, "contests", "jeu-concours-noel.md"), []byte(edited), 0o644)
	out, _, code = w.run(t, "contest", "verify", "jeu-concours-noel")
	if code != 0 {
		t.Errorf("verify after an edit: exit %d\n%s", code, out)
	}
	mustContain(t, "verify after an edit", out, "Note: contests/jeu-concours-noel.md changed since the draw", "OK: ")

	// Someone edits the recorded winners on the state branch.
	w.tamper(t, func(r *contest.DrawRecord) { r.Winners[0], r.Alternates[0] = r.Alternates[0], r.Winners[0] })
	out, errOut, code = w.run(t, "contest", "verify", "jeu-concours-noel")
	if code != 1 {
		t.Errorf("verify of a tampered draw: exit %d", code)
	}
	mustContain(t, "tampered verify", out, "MISMATCH: the draw of contest jeu-concours-noel does not verify:", "  - winner 1: recorded "+rec.Alternates[0].ID+", recomputed "+rec.Winners[0].ID)
	mustContain(t, "tampered verify", errOut, "does not verify (2 differences)")

	// A redraw, with its reason; the draft is not overwritten.
	w.at(time.Date(2026, 12, 19, 12, 0, 0, 0, time.UTC))
	out, errOut, code = w.run(t, "contest", "draw", "jeu-concours-noel", "--redraw", "--reason", "gagnant injoignable")
	if code != 0 {
		t.Fatalf("redraw: exit %d\n%s%s", code, out, errOut)
	}
	mustContain(t, "redraw", out, "Redraw (round 2, because: gagnant injoignable)")
	mustContain(t, "redraw messages", errOut, "posts/jeu-concours-noel-gagnants.md exists already and was left as it is")
	if again, _ := os.ReadFile(filepath.Join(w.dir, "posts", "jeu-concours-noel-gagnants.md")); !bytes.Equal(again, draft) {
		t.Error("the redraw overwrote the draft")
	}
	if out, _, code := w.run(t, "contest", "verify", "jeu-concours-noel", "--format", "json"); code != 0 || !strings.Contains(out, `"ok": true`) {
		t.Errorf("verify --format json after the redraw: exit %d\n%s", code, out)
	}
	// Entries collected after the draw: verify finds the snapshot drawn from
	// in the state branch's history.
	w.mast.Reblog(ann, "late@l.fr")
	if _, errOut, code := w.run(t, "contest", "collect", "jeu-concours-noel"); code != 0 {
		t.Fatalf("collect after the draw: exit %d, %s", code, errOut)
	}
	out, _, code = w.run(t, "contest", "verify", "jeu-concours-noel")
	if code != 0 {
		t.Errorf("verify after a later collection: exit %d\n%s", code, out)
	}
	mustContain(t, "verify after a later collection", out, "Note: entries were collected again after the draw", "OK: the draw of contest jeu-concours-noel (round 2)")

	os.Remove(filepath.Join(w.dir, "posts", "jeu-concours-noel-gagnants.md"))
	if _, errOut, code := w.run(t, "contest", "announce", "jeu-concours-noel"); code != 0 || !strings.Contains(errOut, "Drafted the winners' announcement") {
		t.Errorf("announce: exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(w.dir, "posts", "jeu-concours-noel-gagnants.md")); !strings.Contains(string(b), "tirage n° 2") {
		t.Errorf("the announcement of round 2:\n%s", b)
	}
}

// draw reads the committed draw of the world's contest.
func (w *contestWorld) draw(t *testing.T) *contest.DrawRecord {
	t.Helper()
	s, err := gitstore.OpenPath(w.dir, gitstore.Options{Branch: "clairon/state", Now: w.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := contest.DecodeDraw(snap.State.Files[contest.DrawPath("jeu-concours-noel")])
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// tamper rewrites the committed draw through f, as a person with push
// rights to the state branch could.
func (w *contestWorld) tamper(t *testing.T, f func(*contest.DrawRecord)) {
	t.Helper()
	rec := w.draw(t)
	f(rec)
	b, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	s, err := gitstore.OpenPath(w.dir, gitstore.Options{Branch: "clairon/state", Now: w.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, _ := s.Read(context.Background())
	cs := state.NewChangeset(state.Message{Subject: "fix the winners"})
	cs.PutFile(contest.DrawPath("jeu-concours-noel"), b)
	if _, err := s.Write(context.Background(), snap.Version, cs); err != nil {
		t.Fatal(err)
	}
}

// The sample content, in the sandbox: the sandbox adapter publishes but has
// no entries to list, so collect refuses clearly, naming the accounts.
func TestContestSandboxOnSample(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../content")); err != nil {
		t.Fatal(err)
	}
	gittest.Run(t, dir, "init", "-q", "-b", "main")
	clk := networktest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runWith(context.Background(), append(args, "--dir", dir, "--no-color"), strings.NewReader(""), &out, &errb,
			func(string) string { return "" }, clk.Now)
		return out.String(), errb.String(), code
	}
	if out, errOut, code := run("apply", "--sandbox"); code != 0 {
		t.Fatalf("apply --sandbox: exit %d\n%s%s", code, out, errOut)
	}
	probe, err := sandbox.New(network.Config{Account: "probe", Network: "sandbox", Settings: map[string]string{"outbox": t.TempDir(), "emulate": "mastodon"}})
	if err != nil {
		t.Fatal(err)
	}
	_, lists := probe.(network.InteractionLister)
	out, errOut, code := run("contest", "collect", "jeu-concours-noel", "--sandbox")
	if lists {
		if code != 0 {
			t.Errorf("the sandbox lists entries, but collect failed: exit %d\n%s%s", code, out, errOut)
		}
		return
	}
	if code != 1 {
		t.Errorf("collect --sandbox: exit %d, want 1\n%s", code, out)
	}
	mustContain(t, "collect --sandbox", errOut,
		"contest jeu-concours-noel: the sandbox cannot collect entries on brulerie-bluesky, brulerie-mastodon",
		"collect from the networks, without --sandbox")
	if _, errOut, code := run("contest", "draw", "jeu-concours-noel", "--sandbox"); code != 1 || !strings.Contains(errOut, "closes on 2026-12-16") {
		t.Errorf("draw --sandbox before closing: exit %d, %q", code, errOut)
	}
	clk.Advance(20 * 24 * time.Hour)
	if _, errOut, code := run("contest", "draw", "jeu-concours-noel", "--sandbox"); code != 1 || !strings.Contains(errOut, "no entries collected yet: run `clairon contest collect jeu-concours-noel`") {
		t.Errorf("draw --sandbox without entries: exit %d, %q", code, errOut)
	}
	if _, errOut, code := run("contest", "verify", "jeu-concours-noel", "--sandbox"); code != 1 || !strings.Contains(errOut, "has not been drawn") {
		t.Errorf("verify --sandbox: exit %d, %q", code, errOut)
	}
	if _, errOut, code := run("contest", "draw", "jeu-concours-noe", "--sandbox"); code != 1 || !strings.Contains(errOut, `no contest "jeu-concours-noe": did you mean "jeu-concours-noel"?`) {
		t.Errorf("unknown contest: exit %d, %q", code, errOut)
	}
}

// draw.after names an annotated tag made at the closing: its commit is the
// anchor, and verify agrees.
func TestContestDrawAfterTag(t *testing.T) {
	w := newContestWorld(t, strings.Replace(contestFileCLI, "winners: 2", "draw:\n  after: cloture\nwinners: 2", 1))
	if out, errOut, code := w.run(t, "apply"); code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	ann := w.mast.Messages()[0].ID
	w.at(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	for _, who := range []string{"ana@a.fr", "gus@g.fr"} {
		w.mast.Reply(ann, who, "#ConcoursBrulerie")
		w.mast.Reblog(ann, who)
	}
	w.at(time.Date(2026, 12, 17, 7, 0, 0, 0, time.UTC))
	if _, errOut, code := w.run(t, "contest", "collect", "jeu-concours-noel"); code != 0 {
		t.Fatalf("collect: exit %d, %s", code, errOut)
	}
	if _, errOut, code := w.run(t, "contest", "draw", "jeu-concours-noel"); code != 1 || !strings.Contains(errOut, `draw.after "cloture"`) {
		t.Errorf("draw before the tag exists: exit %d, %q", code, errOut)
	}
	gittest.Run(t, w.dir, "tag", "-a", "cloture", "-m", "Clôture du jeu concours", "clairon/state")
	out, errOut, code := w.run(t, "contest", "draw", "jeu-concours-noel")
	if code != 0 {
		t.Fatalf("draw: exit %d\n%s%s", code, out, errOut)
	}
	mustContain(t, "draw", out, "(draw.after cloture)")
	if out, _, code := w.run(t, "contest", "verify", "jeu-concours-noel"); code != 0 || !strings.Contains(out, "OK: ") {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
	// The contest file is gone from the work tree: the draw still verifies,
	// from the blob in git.
	os.Remove(filepath.Join(w.dir, "contests", "jeu-concours-noel.md"))
	if out, errOut, code := w.run(t, "contest", "verify", "jeu-concours-noel"); code != 0 || !strings.Contains(out, "OK: ") {
		t.Errorf("verify without the contest file: exit %d\n%s%s", code, out, errOut)
	}
}
