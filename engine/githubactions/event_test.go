package githubactions_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/githubactions"
	"github.com/clairon-dev/clairon/engine/githubactions/githubtest"
)

// runnerFor returns the runner variables of a fixture.
func runnerFor(t *testing.T, fixture string) githubactions.Runner {
	t.Helper()
	r, err := githubtest.NewRunner(t.TempDir(), fixture, t.TempDir(), "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	return githubactions.FromEnv(r.Getenv)
}

func TestReadEventFixtures(t *testing.T) {
	tests := []struct {
		fixture       string
		name, ref     string
		sha           string
		defaultBranch string
		pr            *githubactions.PullRequest
		fork, onMain  bool
	}{
		{"pull_request", "pull_request", "refs/pull/42/merge", "4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f", "main",
			&githubactions.PullRequest{Number: 42, HeadRepo: "brulerie-des-pentes/contenus", BaseRepo: "brulerie-des-pentes/contenus",
				HeadRef: "noel-coffrets", BaseRef: "main", HeadSHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
				URL: "https://github.com/brulerie-des-pentes/contenus/pull/42"}, false, false},
		{"pull_request_fork", "pull_request", "refs/pull/43/merge", "d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607", "main",
			&githubactions.PullRequest{Number: 43, HeadRepo: "camille-roux/contenus", BaseRepo: "brulerie-des-pentes/contenus",
				HeadRef: "portrait-tierra-alta", BaseRef: "main", HeadSHA: "c0ffee00d1e5e1b4b2b3b4b5b6b7b8b9babbbcbd",
				URL: "https://github.com/brulerie-des-pentes/contenus/pull/43"}, true, false},
		{"push", "push", "refs/heads/main", "7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3", "main", nil, false, true},
		{"push_branch", "push", "refs/heads/noel-coffrets", "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", "main", nil, false, false},
		{"schedule", "schedule", "refs/heads/main", "7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3", "main", nil, false, true},
		{"workflow_dispatch", "workflow_dispatch", "refs/heads/main", "7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3", "main", nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ev, err := githubactions.ReadEvent(runnerFor(t, tt.fixture), os.ReadFile)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Name != tt.name || ev.Ref != tt.ref || ev.SHA != tt.sha || ev.DefaultBranch != tt.defaultBranch ||
				ev.FullName() != "brulerie-des-pentes/contenus" {
				t.Errorf("event %+v", ev)
			}
			if ev.OnDefaultBranch() != tt.onMain {
				t.Errorf("OnDefaultBranch = %v", ev.OnDefaultBranch())
			}
			if ev.IsPullRequest() != (tt.pr != nil) {
				t.Errorf("IsPullRequest = %v", ev.IsPullRequest())
			}
			if tt.pr == nil {
				if ev.PullRequest != nil {
					t.Errorf("unexpected pull request %+v", ev.PullRequest)
				}
				return
			}
			if *ev.PullRequest != *tt.pr {
				t.Errorf("pull request\n got %+v\nwant %+v", *ev.PullRequest, *tt.pr)
			}
			if ev.PullRequest.FromFork() != tt.fork {
				t.Errorf("FromFork = %v", ev.PullRequest.FromFork())
			}
		})
	}
}

func TestReadEventErrors(t *testing.T) {
	r := runnerFor(t, "push")
	missing := r
	missing.EventName = ""
	if _, err := githubactions.ReadEvent(missing, os.ReadFile); err == nil || !strings.Contains(err.Error(), "GITHUB_EVENT_NAME") {
		t.Errorf("no event name: %v", err)
	}
	if _, err := githubactions.ReadEvent(r, func(string) ([]byte, error) { return nil, errors.New("gone") }); err == nil {
		t.Error("unreadable payload accepted")
	}
	if _, err := githubactions.ParseEvent(r, []byte("{not json")); err == nil {
		t.Error("bad JSON accepted")
	}
	noRepo := r
	noRepo.Repository = ""
	if _, err := githubactions.ParseEvent(noRepo, []byte(`{"ref":"refs/heads/main"}`)); err == nil {
		t.Error("no repository accepted")
	}
	if _, err := githubactions.ParseEvent(r, []byte(`{"pull_request":{"head":{},"base":{}}}`)); err == nil {
		t.Error("a pull request without a number was accepted")
	}
	// A deleted fork: no head repository, still a fork for safety.
	pr := r
	pr.EventName = "pull_request"
	ev, err := githubactions.ParseEvent(pr, []byte(`{"pull_request":{"number":9,"head":{"ref":"x","sha":"ab","repo":null},"base":{"ref":"main","repo":{"full_name":"o/r"}}},"repository":{"full_name":"o/r","default_branch":"main"}}`))
	if err != nil || !ev.PullRequest.FromFork() {
		t.Errorf("deleted fork: %v %+v", err, ev)
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		fixture, command string
		want             githubactions.Mode
		reason           string // a part of the reason, "" for none
	}{
		{"pull_request", "auto", githubactions.ModePlan, ""},
		{"pull_request", "", githubactions.ModePlan, ""},
		{"pull_request", "validate", githubactions.ModeValidate, ""},
		{"pull_request", "plan", githubactions.ModePlan, ""},
		{"pull_request", "apply", githubactions.ModePlan, "never publishes from a pull request"},
		{"pull_request_fork", "apply", githubactions.ModePlan, "never publishes"},
		{"push", "auto", githubactions.ModeApply, ""},
		{"push", "plan", githubactions.ModePlan, ""},
		{"push", "validate", githubactions.ModeValidate, ""},
		{"push_branch", "auto", githubactions.ModePlan, "branch noel-coffrets"},
		{"push_branch", "apply", githubactions.ModeApply, ""},
		{"schedule", "auto", githubactions.ModeApply, ""},
		{"workflow_dispatch", "auto", githubactions.ModeApply, ""},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.command, func(t *testing.T) {
			ev, err := githubactions.ReadEvent(runnerFor(t, tt.fixture), os.ReadFile)
			if err != nil {
				t.Fatal(err)
			}
			mode, reason, err := githubactions.Decide(tt.command, ev)
			if err != nil {
				t.Fatal(err)
			}
			if mode != tt.want {
				t.Errorf("mode %s, want %s", mode, tt.want)
			}
			if (tt.reason == "") != (reason == "") || !strings.Contains(reason, tt.reason) {
				t.Errorf("reason %q, want one containing %q", reason, tt.reason)
			}
		})
	}

	other := []struct {
		ev     githubactions.Event
		want   githubactions.Mode
		reason string
	}{
		{githubactions.Event{Name: "pull_request_target", Ref: "refs/heads/main", DefaultBranch: "main"}, githubactions.ModePlan, ""},
		{githubactions.Event{Name: "pull_request_review", Ref: "refs/heads/main", DefaultBranch: "main"}, githubactions.ModePlan, ""},
		{githubactions.Event{Name: "push", Ref: "refs/tags/v1", DefaultBranch: "main"}, githubactions.ModePlan, "tag v1"},
		{githubactions.Event{Name: "push", Ref: "refs/heads/main"}, githubactions.ModePlan, "does not name the default branch"},
		{githubactions.Event{Name: "workflow_dispatch", Ref: "refs/heads/essai", DefaultBranch: "main"}, githubactions.ModePlan, "branch essai"},
		{githubactions.Event{Name: "merge_group", Ref: "refs/heads/gh-readonly-queue/main/pr-1", DefaultBranch: "main"}, githubactions.ModePlan, "merge_group event"},
	}
	for _, tt := range other {
		mode, reason, err := githubactions.Decide("auto", &tt.ev)
		if err != nil || mode != tt.want || !strings.Contains(reason, tt.reason) || (tt.reason == "") != (reason == "") {
			t.Errorf("%s %s: mode %s, reason %q, err %v", tt.ev.Name, tt.ev.Ref, mode, reason, err)
		}
	}
	for _, ev := range other[:2] {
		if mode, _, _ := githubactions.Decide("apply", &ev.ev); mode == githubactions.ModeApply {
			t.Errorf("%s: apply allowed", ev.ev.Name)
		}
	}
	if _, _, err := githubactions.Decide("publish", &githubactions.Event{Name: "push"}); err == nil {
		t.Error("unknown command accepted")
	}
}
