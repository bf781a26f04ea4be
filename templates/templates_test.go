package templates_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/clairon-dev/clairon/templates"
)

func TestScaffoldFiles(t *testing.T) {
	d, err := templates.NewData(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), "Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	files, err := templates.Scaffold(d)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	byPath := map[string]string{}
	for _, f := range files {
		paths = append(paths, f.Path)
		byPath[f.Path] = string(f.Data)
	}
	slices.Sort(paths)
	want := []string{
		".github/workflows/clairon.yml", ".gitignore", "README.md", "calendars/editorial.md", "campaigns/launch.md",
		"clairon.yaml", "contests/launch-giveaway.md", "media/.gitkeep", "posts/giveaway.md", "posts/welcome.md",
	}
	if !slices.Equal(paths, want) {
		t.Errorf("files %q\nwant %q", paths, want)
	}
	for p, c := range byPath {
		if strings.Contains(c, "{{.") || strings.Contains(c, "<no value>") {
			t.Errorf("%s has an unfilled template field", p)
		}
	}
	if !strings.Contains(byPath[".gitignore"], ".clairon/") {
		t.Error(".gitignore does not ignore .clairon/")
	}
	for p, s := range map[string]string{
		"clairon.yaml":                "timezone: Europe/Paris\n",
		"campaigns/launch.md":         "from: 2026-12-01\nto: 2026-12-31\n",
		"posts/welcome.md":            "at: 2026-12-02 10:00\n",
		"posts/giveaway.md":           "at: 2026-12-08 10:00\n",
		"contests/launch-giveaway.md": "opens: 2026-12-08 10:30\ncloses: 2026-12-21 23:59\n",
		"calendars/editorial.md":      "from: 2026-12-01\nto: 2027-02-28\n",
	} {
		if !strings.Contains(byPath[p], s) {
			t.Errorf("%s lacks %q:\n%s", p, s, byPath[p])
		}
	}
	if !strings.Contains(byPath["posts/giveaway.md"], "before Monday 21 December 2026 at 23:59.") {
		t.Errorf("giveaway text:\n%s", byPath["posts/giveaway.md"])
	}
	// Every secret the configuration names is given to the publish job.
	for _, m := range regexp.MustCompile(`(?m)^\s+[a-z_]+: env:([A-Z0-9_]+)$`).FindAllStringSubmatch(byPath["clairon.yaml"], -1) {
		if !strings.Contains(byPath[".github/workflows/clairon.yml"], m[1]+": ${{ secrets."+m[1]+" }}") {
			t.Errorf("the workflow does not pass secret %s", m[1])
		}
	}
}

func TestNewData(t *testing.T) {
	tests := []struct {
		now                           time.Time
		tz                            string
		campaignFrom, calendarTo      string
		welcome, opens, freezeExample string
	}{
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "Europe/Paris", "2027-02-01", "2027-04-30", "2027-02-02 10:00", "2027-02-08 10:30", "2027-02-01 08:00"},
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "UTC", "2027-01-01", "2027-03-31", "2027-01-02 10:00", "2027-01-08 10:30", "2027-01-01 08:00"},
		{time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC), "America/New_York", "2027-02-01", "2027-04-30", "2027-02-02 10:00", "2027-02-08 10:30", "2027-02-01 08:00"},
	}
	for _, tt := range tests {
		d, err := templates.NewData(tt.now, tt.tz)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{d.CampaignFrom, d.CalendarTo, d.WelcomeAt, d.GiveawayOpens, d.FreezeExample}
		want := []string{tt.campaignFrom, tt.calendarTo, tt.welcome, tt.opens, tt.freezeExample}
		if !slices.Equal(got, want) {
			t.Errorf("%s in %s: %q, want %q", tt.now, tt.tz, got, want)
		}
		if d.GiveawayAt >= d.GiveawayOpens || d.GiveawayOpens >= d.GiveawayCloses || d.CampaignTo < d.GiveawayCloses[:10] {
			t.Errorf("%s: the giveaway's dates are out of order: %+v", tt.now, d)
		}
	}
	for _, bad := range []string{"", "Local", "Europe/Lyon", "+01:00"} {
		if _, err := templates.NewData(time.Now(), bad); err == nil {
			t.Errorf("time zone %q accepted", bad)
		}
	}
}

// workflow is the part of a workflow file the tests read.
type workflow struct {
	On          map[string]yaml.Node `yaml:"on"`
	Permissions map[string]string
	Jobs        map[string]struct {
		If          string
		Permissions map[string]string
		Concurrency struct {
			Group            string
			CancelInProgress bool `yaml:"cancel-in-progress"`
		}
		Steps []struct {
			Uses string
			With map[string]string
			Env  map[string]string
		}
	}
}

func TestWorkflow(t *testing.T) {
	var wf workflow
	if err := yaml.Unmarshal(templates.Workflow, &wf); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"pull_request", "push", "schedule", "workflow_dispatch"} {
		if _, ok := wf.On[ev]; !ok {
			t.Errorf("no trigger %s", ev)
		}
	}
	if !strings.Contains(string(templates.Workflow), "branches: [main]") || !strings.Contains(string(templates.Workflow), `- cron: "*/10 * * * *"`) {
		t.Error("push to main or the 10-minute schedule is missing")
	}
	if wf.Permissions == nil || len(wf.Permissions) != 0 {
		t.Errorf("top-level permissions %v, want {}", wf.Permissions)
	}
	plan, publish := wf.Jobs["plan"], wf.Jobs["publish"]
	if len(wf.Jobs) != 2 {
		t.Errorf("jobs %v", wf.Jobs)
	}
	if !sameMap(plan.Permissions, map[string]string{"contents": "read", "pull-requests": "write"}) {
		t.Errorf("plan permissions %v", plan.Permissions)
	}
	if !sameMap(publish.Permissions, map[string]string{"contents": "write"}) {
		t.Errorf("publish permissions %v", publish.Permissions)
	}
	if plan.If != "github.event_name == 'pull_request'" || publish.If != "github.event_name != 'pull_request'" {
		t.Errorf("job conditions %q, %q", plan.If, publish.If)
	}
	if !plan.Concurrency.CancelInProgress || !strings.Contains(plan.Concurrency.Group, "github.event.pull_request.number") {
		t.Errorf("plan concurrency %+v", plan.Concurrency)
	}
	if publish.Concurrency.CancelInProgress || publish.Concurrency.Group == "" {
		t.Errorf("publish concurrency %+v: a publishing run must never be cancelled", publish.Concurrency)
	}
	for name, job := range wf.Jobs {
		var action bool
		for _, s := range job.Steps {
			if !regexp.MustCompile(`^[\w.-]+/[\w.-]+@v\d+$`).MatchString(s.Uses) {
				t.Errorf("%s: step uses %q, want owner/name@vN", name, s.Uses)
			}
			if strings.HasPrefix(s.Uses, "clairon-dev/clairon@") {
				action = true
				want := map[string]string{"plan": "plan", "publish": "apply"}[name]
				if s.With["command"] != want {
					t.Errorf("%s: command %q, want %q", name, s.With["command"], want)
				}
				for k, v := range s.Env {
					if name == "plan" || v != "${{ secrets."+k+" }}" {
						t.Errorf("%s: env %s=%s", name, k, v)
					}
				}
			}
		}
		if !action {
			t.Errorf("%s: the action is not used", name)
		}
	}
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
