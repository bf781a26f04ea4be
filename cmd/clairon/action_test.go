package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/gittest"

	"gopkg.in/yaml.v3"

	"github.com/clairon-dev/clairon/engine/githubactions"
	"github.com/clairon-dev/clairon/engine/githubactions/githubtest"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
	"github.com/clairon-dev/clairon/engine/network/networktest/webhookfake"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/gitstore"
)

// actNow is the clock of the action tests: 2 December 2026, 11:00 in Paris.
var actNow = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// actWorld is a content repository as a workflow run sees it: a checkout of
// origin (a bare repository on disk) with the content under content/, and
// fake networks and a fake GitHub API behind it.
type actWorld struct {
	origin, workspace string
	masto             *mastodonfake.Server
	hook              *webhookfake.Server
	api               *githubtest.Server
}

const actPost = `---
id: noel-coffrets
title: "Les coffrets de Noël sont arrivés"
to: [brulerie-mastodon, site-actualites]
at: 2026-12-01 09:30
language: fr
---

🎁 Nos coffrets de Noël sont arrivés ! Trois cafés torréfiés à la main sur les pentes de la Croix-Rousse.

https://brulerie-des-pentes.fr/noel
`

const actLater = `---
id: horaires-fetes
to: [brulerie-mastodon]
at: 2026-12-20 10:00
---

Nos horaires pendant les fêtes : fermé le 25 décembre et le 1er janvier.
`

func (w *actWorld) config() string {
	return fmt.Sprintf(`timezone: Europe/Paris
accounts:
  brulerie-mastodon:
    network: mastodon
    server: https://piaille.fr
    api: %s
    token: env:MASTODON_TOKEN
    version: "202610"
  site-actualites:
    network: webhook
    url: %s
    secret: env:SITE_WEBHOOK_SECRET
state:
  branch: clairon/state
  remote: origin
`, w.masto.URL(), w.hook.URL())
}

// newActWorld creates origin and a first checkout holding files (under
// content/) besides clairon.yaml, actPost and actLater.
func newActWorld(t *testing.T, files map[string]string, apiOpts ...githubtest.Option) *actWorld {
	t.Helper()
	w := &actWorld{
		masto: mastodonfake.New(mastodonfake.Options{}),
		hook:  webhookfake.New(webhookfake.WithClock(func() time.Time { return actNow })),
		api:   githubtest.New(apiOpts...),
	}
	t.Cleanup(w.masto.Close)
	t.Cleanup(w.hook.Close)
	t.Cleanup(w.api.Close)
	root := t.TempDir()
	w.origin = filepath.Join(root, "origin.git")
	gittest.Run(t, root, "init", "-q", "--bare", "-b", "main", w.origin)
	all := map[string]string{"clairon.yaml": w.config(), "posts/2026-12/noel-coffrets.md": actPost, "posts/2026-12/horaires-fetes.md": actLater}
	for p, c := range files {
		all[p] = c
	}
	w.workspace = filepath.Join(root, "work")
	gittest.Run(t, root, "init", "-q", "-b", "main", w.workspace)
	for p, c := range all {
		full := filepath.Join(w.workspace, "content", filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gittest.Run(t, w.workspace, "add", ".")
	gittest.Run(t, w.workspace, "commit", "-q", "-m", "Contenus")
	gittest.Run(t, w.workspace, "remote", "add", "origin", w.origin)
	gittest.Run(t, w.workspace, "push", "-q", "origin", "main")
	return w
}

// clone makes another checkout of origin, as a second runner would.
func (w *actWorld) clone(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "work")
	gittest.Run(t, filepath.Dir(dir), "clone", "-q", w.origin, dir)
	return dir
}

// actResult is one run of clairon action.
type actResult struct {
	code           int
	stdout, stderr string
	outputs        map[string]string
	rawOutput      string
	summary        string
}

// run runs clairon action in workspace for a fixture, with the network
// secrets and a token in the environment, plus env.
func (w *actWorld) run(t *testing.T, workspace, fixture string, env map[string]string, args ...string) actResult {
	t.Helper()
	r, err := githubtest.NewRunner(t.TempDir(), fixture, workspace, w.api.URL())
	if err != nil {
		t.Fatal(err)
	}
	r.Env["GITHUB_TOKEN"] = githubtest.Token
	r.Env["MASTODON_TOKEN"] = mastodonfake.DefaultToken
	r.Env["SITE_WEBHOOK_SECRET"] = webhookfake.Secret
	r.Env["CLAIRON_GIT_AUTHOR"] = "clairon"
	r.Env["CLAIRON_GIT_EMAIL"] = "clairon@example.org"
	for k, v := range env {
		if v == "" {
			delete(r.Env, k)
		} else {
			r.Env[k] = v
		}
	}
	var out, errb bytes.Buffer
	full := append([]string{"action", "--dir", filepath.Join(workspace, "content")}, args...)
	code := runWith(context.Background(), full, strings.NewReader(""), &out, &errb, r.Getenv, func() time.Time { return actNow })
	res := actResult{code: code, stdout: out.String(), stderr: errb.String()}
	raw, _ := os.ReadFile(r.OutputPath)
	res.rawOutput = string(raw)
	if res.outputs, err = r.Outputs(); err != nil {
		t.Fatalf("the runner would reject GITHUB_OUTPUT: %v\n%s", err, raw)
	}
	if res.summary, err = r.Summary(); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{mastodonfake.DefaultToken, webhookfake.Secret} {
		if strings.Contains(res.summary, secret) || strings.Contains(res.stderr, secret) || strings.Contains(res.rawOutput, secret) {
			t.Errorf("a secret leaked into the summary, stderr or outputs")
		}
	}
	if p := w.api.Problems(); len(p) > 0 {
		t.Errorf("requests GitHub would reject: %q", p)
	}
	return res
}

// records reads the records of the state branch on origin.
func (w *actWorld) records(t *testing.T) map[state.Address]*state.Record {
	t.Helper()
	return w.state(t).Records
}

// state reads the state branch on origin.
func (w *actWorld) state(t *testing.T) *state.State {
	t.Helper()
	s, err := gitstore.OpenPath(w.origin, gitstore.Options{Now: func() time.Time { return actNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap.State
}

// published counts what reached the networks.
func (w *actWorld) published() int { return w.masto.Writes() + w.hook.Writes() }

func (r actResult) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Fatalf(format+"\n--- exit %d\n--- stdout\n%s\n--- stderr\n%s\n--- summary\n%s", append(args, r.code, r.stdout, r.stderr, r.summary)...)
}

func TestActionPullRequestUpdatesTheStickyComment(t *testing.T) {
	for _, command := range []string{"auto", "plan", "apply"} {
		t.Run(command, func(t *testing.T) {
			w := newActWorld(t, nil)
			// 120 comments by people, the plan comment of an earlier push on
			// the second page, and a reply that quotes it.
			marker := githubactions.Marker("content")
			for i := range 110 {
				w.api.Seed(githubtest.Repository, 42, "camille-roux", fmt.Sprintf("Remarque %d", i))
			}
			id := w.api.Seed(githubtest.Repository, 42, githubtest.Bot, marker+"\n### clairon validate\n\nold plan")
			for i := range 10 {
				w.api.Seed(githubtest.Repository, 42, "lea-martin", fmt.Sprintf("Réponse %d", i))
			}
			w.api.Seed(githubtest.Repository, 42, "lea-martin", "> "+marker+"\n> old plan\n\nD’accord.")

			res := w.run(t, w.workspace, "pull_request", nil, "--command", command)
			if res.code != 0 {
				res.fail(t, "exit code")
			}
			if w.published() != 0 {
				t.Fatalf("%d messages published on a pull_request event", w.published())
			}
			if recs := w.records(t); len(recs) != 0 {
				t.Fatalf("state written on a pull_request event: %v", recs)
			}
			var gets, writes []string
			for _, r := range w.api.Requests() {
				if r.Method == http.MethodGet {
					gets = append(gets, r.Query.Get("page"))
				} else {
					writes = append(writes, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
				}
			}
			if strings.Join(gets, ",") != ",2" {
				t.Errorf("list pages %q, want the first and the second", gets)
			}
			want := fmt.Sprintf("PATCH /repos/%s/issues/comments/%d 200", githubtest.Repository, id)
			if len(writes) != 1 || writes[0] != want {
				t.Errorf("writes %q, want [%s]", writes, want)
			}
			var body string
			n := 0
			for _, c := range w.api.Comments(githubtest.Repository, 42) {
				if strings.HasPrefix(c.Body, marker) {
					n, body = n+1, c.Body
				}
			}
			if n != 1 {
				t.Fatalf("%d plan comments", n)
			}
			for _, s := range []string{
				"### clairon validate", "⚠️ **2 documents valid, 1 warning.**",
				"[`clairon.yaml:", "](https://github.com/brulerie-des-pentes/contenus/blob/9f8e7d6c5b4a39281706f5e4d3c2b1a098765432/content/clairon.yaml#L",
				"### clairon plan", "Plan: 2 to publish", "`noel-coffrets`", "brulerie-mastodon", "site-actualites", "horaires-fetes",
				"<details><summary><code>noel-coffrets</code> on <b>brulerie-mastodon</b>", "Nos coffrets de Noël sont arrivés",
				"plan on pull_request · commit 9f8e7d6 · [workflow run](https://github.com/brulerie-des-pentes/contenus/actions/runs/11873204455)",
			} {
				if !strings.Contains(body, s) {
					t.Errorf("comment lacks %q:\n%s", s, body)
				}
			}
			if strings.Contains(body, "The plan is also on the pull request") {
				t.Error("the comment points to itself")
			}

			// Outputs, in the runner's multi-line format.
			if !strings.Contains(res.rawOutput, "has-changes<<ghadelimiter_") {
				t.Errorf("outputs not in the delimited form:\n%s", res.rawOutput)
			}
			if res.outputs["has-changes"] != "true" || res.outputs["published"] != "0" || res.outputs["unconfirmed"] != "0" {
				t.Errorf("outputs %v", res.outputs)
			}
			f, err := os.Open(res.outputs["plan-json"])
			if err != nil {
				t.Fatalf("plan-json: %v", err)
			}
			p, err := plan.Decode(f)
			f.Close()
			if err != nil || len(p.Due()) != 2 {
				t.Errorf("plan-json: %v, %+v", err, p)
			}
			// The summary has the plan too, and points to the comment.
			if !strings.Contains(res.summary, "### clairon plan") || !strings.Contains(res.summary, "The plan is also on the pull request: https://github.com/brulerie-des-pentes/contenus/pull/42#issuecomment-") {
				t.Errorf("summary:\n%s", res.summary)
			}
			// The log: masks first, the warning annotated at clairon.yaml, a
			// warning about secrets given to a pull request job.
			for _, s := range []string{
				"::add-mask::" + githubtest.Token, "::add-mask::" + mastodonfake.DefaultToken, "::add-mask::" + webhookfake.Secret,
				"::warning file=content/clairon.yaml,line=",
				"::warning title=clairon%3A secrets in a pull request job::MASTODON_TOKEN, SITE_WEBHOOK_SECRET are set",
			} {
				if !strings.Contains(res.stdout, s) {
					t.Errorf("log lacks %q:\n%s", s, res.stdout)
				}
			}
			if strings.Index(res.stdout, "::add-mask::"+mastodonfake.DefaultToken) > strings.Index(res.stdout, "::warning") {
				t.Error("a secret was masked only after other output")
			}
			if command == "apply" && !strings.Contains(res.stdout, "::notice title=clairon::command apply on a pull_request event") {
				t.Errorf("no notice that apply became plan:\n%s", res.stdout)
			}
		})
	}
}

func TestActionPullRequestCreatesTheComment(t *testing.T) {
	w := newActWorld(t, nil)
	res := w.run(t, w.workspace, "pull_request", map[string]string{"MASTODON_TOKEN": "", "SITE_WEBHOOK_SECRET": ""})
	if res.code != 0 {
		res.fail(t, "exit code")
	}
	cs := w.api.Comments(githubtest.Repository, 42)
	if len(cs) != 1 || !strings.HasPrefix(cs[0].Body, githubactions.Marker("content")+"\n") {
		t.Fatalf("comments %+v", cs)
	}
	if strings.Contains(res.stdout, "secrets in a pull request job") {
		t.Error("warned about secrets that are not there")
	}
	// A second run on the same pull request edits it: still one comment.
	res = w.run(t, w.workspace, "pull_request", nil)
	if res.code != 0 {
		res.fail(t, "second run")
	}
	if cs := w.api.Comments(githubtest.Repository, 42); len(cs) != 1 {
		t.Errorf("%d comments after a second run", len(cs))
	}
}

func TestActionPullRequestFallsBackToTheSummary(t *testing.T) {
	tests := []struct {
		name, fixture string
		opts          []githubtest.Option
		env           map[string]string
		notice        string
		requests      bool
	}{
		{"fork", "pull_request_fork", nil, nil, "This pull request comes from camille-roux/contenus: GitHub gives its workflow a read-only token", false},
		{"read-only token", "pull_request", []githubtest.Option{githubtest.ReadOnly()}, nil, "The token may not comment on this pull request (create the plan comment: 403 Resource not accessible by integration)", true},
		{"no token", "pull_request", nil, map[string]string{"GITHUB_TOKEN": ""}, "No token: pass github-token", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newActWorld(t, nil, tt.opts...)
			res := w.run(t, w.workspace, tt.fixture, tt.env)
			if res.code != 0 {
				res.fail(t, "exit code")
			}
			if w.published() != 0 || len(w.records(t)) != 0 {
				t.Fatal("published on a pull request")
			}
			if got := len(w.api.Requests()) > 0; got != tt.requests {
				t.Errorf("API requests: %v, want %v", w.api.Requests(), tt.requests)
			}
			if w.api.Writes() != 0 {
				t.Error("a comment was written")
			}
			if !strings.Contains(res.stdout, "::notice title=clairon%3A no pull request comment::"+tt.notice) {
				t.Errorf("log lacks the notice %q:\n%s", tt.notice, res.stdout)
			}
			for _, s := range []string{"### clairon plan", "Plan: 2 to publish", "[!NOTE]", tt.notice, "The plan is in this job's summary"} {
				if !strings.Contains(res.summary, s) {
					t.Errorf("summary lacks %q:\n%s", s, res.summary)
				}
			}
			if res.outputs["has-changes"] != "true" || res.outputs["plan-json"] == "" {
				t.Errorf("outputs %v", res.outputs)
			}
		})
	}
}

func TestActionPullRequestWithErrors(t *testing.T) {
	bad := "---\nid: concours\nto: [brulerie-mastodon, brulerie-bluesky]\ntittle: Jeu\n---\nJouez !\n"
	w := newActWorld(t, map[string]string{"posts/2026-12/concours.md": bad})
	res := w.run(t, w.workspace, "pull_request", nil)
	if res.code != 1 {
		res.fail(t, "exit code %d, want 1", res.code)
	}
	if w.published() != 0 || len(w.records(t)) != 0 {
		t.Fatal("published on a pull request")
	}
	for _, s := range []string{
		"::error file=content/posts/2026-12/concours.md,line=3,col=",
		"::error file=content/posts/2026-12/concours.md,line=4,col=1,title=clairon%3A unknown-key::unknown key",
	} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("log lacks %q:\n%s", s, res.stdout)
		}
	}
	cs := w.api.Comments(githubtest.Repository, 42)
	if len(cs) != 1 {
		t.Fatalf("%d comments", len(cs))
	}
	for _, s := range []string{"❌ **2 errors, 1 warning.**", "unknown account", "[`posts/2026-12/concours.md:4:1`](https://github.com/brulerie-des-pentes/contenus/blob/9f8e7d6c5b4a39281706f5e4d3c2b1a098765432/content/posts/2026-12/concours.md#L4)"} {
		if !strings.Contains(cs[0].Body, s) {
			t.Errorf("comment lacks %q:\n%s", s, cs[0].Body)
		}
	}
	if strings.Contains(cs[0].Body, "### clairon plan") {
		t.Error("a plan was shown for invalid content")
	}
	if res.outputs["has-changes"] != "false" || res.outputs["plan-json"] != "" || res.outputs["published"] != "0" {
		t.Errorf("outputs %v", res.outputs)
	}
	if !strings.Contains(res.stderr, "the content has errors (2 errors, 1 warning)") {
		t.Errorf("stderr: %s", res.stderr)
	}
}

func TestActionPublishesOnPushScheduleAndDispatch(t *testing.T) {
	for _, fixture := range []string{"push", "schedule", "workflow_dispatch"} {
		t.Run(fixture, func(t *testing.T) {
			w := newActWorld(t, nil)
			res := w.run(t, w.workspace, fixture, nil)
			if res.code != 0 {
				res.fail(t, "exit code")
			}
			if w.masto.Writes() != 1 || w.hook.Writes() != 1 {
				t.Fatalf("mastodon %d writes, webhook %d; want 1 each", w.masto.Writes(), w.hook.Writes())
			}
			st := w.state(t)
			recs := st.Records
			if !slices.ContainsFunc(st.FilePaths(), func(p string) bool { return strings.HasPrefix(p, "reports/2026-12") }) {
				t.Errorf("no report of December on the state branch: %q", st.FilePaths())
			}
			for _, acc := range []string{"brulerie-mastodon", "site-actualites"} {
				rec := recs[state.Address{Post: "noel-coffrets", Account: acc}]
				if rec == nil || rec.Status != state.Published {
					t.Errorf("%s: record %+v on origin's state branch", acc, rec)
				}
			}
			if len(w.api.Requests()) != 0 {
				t.Errorf("GitHub API called: %v", w.api.Requests())
			}
			if res.outputs["published"] != "2" || res.outputs["unconfirmed"] != "0" || res.outputs["has-changes"] != "true" {
				t.Errorf("outputs %v", res.outputs)
			}
			for _, s := range []string{"::group::clairon apply", "::group::clairon metrics and reports", "::endgroup::", "::add-mask::" + webhookfake.Secret} {
				if !strings.Contains(res.stdout, s) {
					t.Errorf("log lacks %q", s)
				}
			}
			for _, s := range []string{"### clairon apply", "✅ **2 publications.**", "| `noel-coffrets` | brulerie-mastodon |", "<summary>Log</summary>", "Apply: 2 published", "December 2026: 2 publications"} {
				if !strings.Contains(res.summary, s) {
					t.Errorf("summary lacks %q:\n%s", s, res.summary)
				}
			}

			// The next run, from another checkout: nothing is due any more.
			res = w.run(t, w.clone(t), "schedule", nil)
			if res.code != 0 {
				res.fail(t, "second run")
			}
			if w.published() != 2 || res.outputs["published"] != "0" {
				t.Errorf("second run published again: %d writes, outputs %v", w.published(), res.outputs)
			}
			if !strings.Contains(res.summary, "Nothing was due") {
				t.Errorf("summary:\n%s", res.summary)
			}
		})
	}
}

func TestActionOnlyPlansOffTheDefaultBranch(t *testing.T) {
	w := newActWorld(t, nil)
	res := w.run(t, w.workspace, "push_branch", nil)
	if res.code != 0 {
		res.fail(t, "exit code")
	}
	if w.published() != 0 || len(w.records(t)) != 0 {
		t.Fatal("published from a branch")
	}
	if !strings.Contains(res.stdout, "::notice title=clairon::push on branch noel-coffrets: clairon publishes from the default branch (main) only") {
		t.Errorf("log:\n%s", res.stdout)
	}
	if res.outputs["has-changes"] != "true" || !strings.Contains(res.summary, "### clairon plan") {
		t.Errorf("outputs %v, summary:\n%s", res.outputs, res.summary)
	}
}

func TestActionValidateCommand(t *testing.T) {
	w := newActWorld(t, nil)
	res := w.run(t, w.workspace, "push", nil, "--command", "validate")
	if res.code != 0 {
		res.fail(t, "exit code")
	}
	if w.published() != 0 || res.outputs["has-changes"] != "false" || res.outputs["plan-json"] != "" {
		t.Errorf("published %d, outputs %v", w.published(), res.outputs)
	}
	if !strings.Contains(res.summary, "⚠️ **2 documents valid, 1 warning.**") || strings.Contains(res.summary, "clairon plan") {
		t.Errorf("summary:\n%s", res.summary)
	}
}

func TestActionRefusesToPublishWithoutARemote(t *testing.T) {
	w := newActWorld(t, nil)
	cfg := filepath.Join(w.workspace, "content", "clairon.yaml")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(b, []byte("  remote: origin\n"), nil, 1), 0o644)
	res := w.run(t, w.workspace, "push", nil)
	if res.code != 1 || w.published() != 0 {
		res.fail(t, "exit %d, %d published", res.code, w.published())
	}
	if !strings.Contains(res.stdout, "::error title=clairon::state.remote is not set") || !strings.Contains(res.summary, "[!CAUTION]") {
		t.Errorf("log:\n%s\nsummary:\n%s", res.stdout, res.summary)
	}
	if res.outputs["published"] != "0" || res.outputs["has-changes"] != "true" {
		t.Errorf("outputs %v", res.outputs)
	}
}

func TestActionSandbox(t *testing.T) {
	w := newActWorld(t, nil)
	res := w.run(t, w.workspace, "schedule", nil, "--sandbox")
	if res.code != 0 {
		res.fail(t, "exit code")
	}
	if w.published() != 0 || len(w.records(t)) != 0 {
		t.Fatal("the sandbox reached the networks or origin")
	}
	if res.outputs["published"] != "2" {
		t.Errorf("outputs %v", res.outputs)
	}
	entries, _ := filepath.Glob(filepath.Join(w.workspace, "content", ".clairon", "outbox", "*", "*.json"))
	if len(entries) != 2 {
		t.Errorf("outbox has %d messages: %v", len(entries), entries)
	}
}

// TestActionOverlappingRuns runs two publishing jobs at once from two
// checkouts, as happens without the workflow's concurrency group: the claims
// on the state branch let each post go out once.
func TestActionOverlappingRuns(t *testing.T) {
	w := newActWorld(t, nil)
	dirs := []string{w.workspace, w.clone(t)}
	results := make([]actResult, len(dirs))
	var wg sync.WaitGroup
	for i, dir := range dirs {
		wg.Go(func() { results[i] = w.run(t, dir, "schedule", nil) })
	}
	wg.Wait()
	total := 0
	for i, res := range results {
		if res.code != 0 {
			res.fail(t, "run %d", i)
		}
		var n int
		fmt.Sscan(res.outputs["published"], &n)
		total += n
	}
	if w.masto.Writes() != 1 || w.hook.Writes() != 1 || total != 2 {
		t.Errorf("mastodon %d writes, webhook %d, outputs sum to %d; want 1, 1 and 2", w.masto.Writes(), w.hook.Writes(), total)
	}
}

func TestActionRejectsBadInput(t *testing.T) {
	w := newActWorld(t, nil)
	res := w.run(t, w.workspace, "push", nil, "--command", "publish")
	if res.code != 1 || !strings.Contains(res.stderr, `command "publish": use auto, validate, plan, apply`) {
		res.fail(t, "bad command")
	}
	res = w.run(t, w.workspace, "push", map[string]string{"GITHUB_EVENT_NAME": ""})
	if res.code != 1 || !strings.Contains(res.stderr, "GITHUB_EVENT_NAME is not set") {
		res.fail(t, "no event")
	}
	if w.published() != 0 {
		t.Error("published")
	}
}

// TestActionYAML checks that action.yml, at the repository's root, declares
// the inputs and outputs that clairon action reads and writes, and passes
// the inputs through the environment, never spliced into the script.
func TestActionYAML(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Inputs  map[string]struct{ Default string }
		Outputs map[string]struct{ Value string }
		Runs    struct {
			Using string
			Steps []struct {
				ID, Uses, Run string
				Env           map[string]string
				With          map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"command", "dir", "config", "github-token", "sandbox", "cache"} {
		if _, ok := meta.Inputs[in]; !ok {
			t.Errorf("input %s missing", in)
		}
	}
	if meta.Inputs["command"].Default != "auto" || meta.Inputs["github-token"].Default != "${{ github.token }}" {
		t.Errorf("defaults %+v", meta.Inputs)
	}
	for _, out := range []string{"has-changes", "plan-json", "published", "unconfirmed"} {
		if !strings.Contains(meta.Outputs[out].Value, "outputs."+out) {
			t.Errorf("output %s: %q", out, meta.Outputs[out].Value)
		}
	}
	if meta.Runs.Using != "composite" {
		t.Errorf("runs.using %q", meta.Runs.Using)
	}
	for _, s := range meta.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q splices expressions into its script:\n%s", s.ID, s.Run)
		}
	}
	var ran, cached bool
	for _, s := range meta.Runs.Steps {
		if strings.HasPrefix(s.Uses, "actions/cache@") {
			// Restored before clairon runs, saved after: the cache folder.
			cached = !ran && strings.HasSuffix(s.With["path"], "${{ inputs.dir }}/.clairon/cache") &&
				strings.HasPrefix(s.With["restore-keys"], "clairon-cache-")
		}
		if strings.Contains(s.Run, " action") {
			ran = true
			if s.Env["GITHUB_TOKEN"] != "${{ inputs.github-token }}" || s.Env["CLAIRON_COMMAND"] != "${{ inputs.command }}" {
				t.Errorf("env %v", s.Env)
			}
		}
	}
	if !ran {
		t.Error("no step runs clairon action")
	}
	if !cached || meta.Inputs["cache"].Default != "true" {
		t.Error("no step keeps .clairon/cache between runs before clairon runs")
	}
}

func TestActionAnnotationCaps(t *testing.T) {
	files := map[string]string{}
	for i := range 14 {
		files[fmt.Sprintf("posts/2026-12/brouillon-%02d.md", i)] = fmt.Sprintf("---\nid: brouillon-%02d\nto: [brulerie-mastodon]\ntittle: x\n---\nTexte\n", i)
	}
	w := newActWorld(t, files)
	res := w.run(t, w.workspace, "pull_request_fork", nil)
	if res.code != 1 {
		res.fail(t, "exit code")
	}
	n := map[string]int{}
	for line := range strings.Lines(res.stdout) {
		for _, kind := range []string{"error", "warning", "notice"} {
			if strings.HasPrefix(line, "::"+kind+" ") || strings.HasPrefix(line, "::"+kind+"::") {
				n[kind]++
			}
		}
	}
	if n["error"] != 10 || n["warning"] != 2 || n["notice"] != 1 {
		t.Errorf("annotations %v, want 10 errors (9 and a summary), 2 warnings, 1 notice\n%s", n, res.stdout)
	}
	if !strings.Contains(res.stdout, "::error title=clairon%3A more errors::5 more error(s) not shown as annotations:%0Acontent/posts/2026-12/brouillon-09.md:4:1: unknown key") {
		t.Errorf("no summary of the errors left out:\n%s", res.stdout)
	}
}
