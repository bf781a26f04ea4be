package githubtest

import (
	"bufio"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

//go:embed events/*.json
var events embed.FS

// Fixture is a recorded event: the event's name, the ref and commit the
// runner sets for it (GITHUB_REF, GITHUB_SHA), and its payload's file under
// events/. All of them happen in brulerie-des-pentes/contenus, whose default
// branch is main.
type Fixture struct {
	Event, Ref, SHA string
	File            string
}

// Fixtures are the recorded events, by name.
var Fixtures = map[string]Fixture{
	// A pull request from a branch of the repository itself (#42).
	"pull_request": {Event: "pull_request", Ref: "refs/pull/42/merge", SHA: "4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f", File: "pull_request.json"},
	// A pull request from a fork, camille-roux/contenus (#43).
	"pull_request_fork": {Event: "pull_request", Ref: "refs/pull/43/merge", SHA: "d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607", File: "pull_request_fork.json"},
	// The merge of #42 pushed to main.
	"push": {Event: "push", Ref: "refs/heads/main", SHA: "7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3", File: "push.json"},
	// A push to the branch noel-coffrets, not the default branch.
	"push_branch": {Event: "push", Ref: "refs/heads/noel-coffrets", SHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", File: "push_branch.json"},
	// The every-10-minutes schedule.
	"schedule": {Event: "schedule", Ref: "refs/heads/main", SHA: "7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3", File: "schedule.json"},
	// A manual run on main.
	"workflow_dispatch": {Event: "workflow_dispatch", Ref: "refs/heads/main", SHA: "7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3", File: "workflow_dispatch.json"},
}

// Payload returns a fixture's payload.
func Payload(name string) []byte {
	f, ok := Fixtures[name]
	if !ok {
		panic("githubtest: no fixture " + name)
	}
	b, err := events.ReadFile("events/" + f.File)
	if err != nil {
		panic(err)
	}
	return b
}

// Repository is the repository of every fixture.
const Repository = "brulerie-des-pentes/contenus"

// Runner lays out what the Actions runner gives a step: the event payload
// file, empty output and summary files, and the GITHUB_* variables.
type Runner struct {
	Env                                map[string]string
	EventPath, OutputPath, SummaryPath string
}

// NewRunner prepares a step for the fixture under dir (a temporary
// directory), with workspace as GITHUB_WORKSPACE and apiURL as
// GITHUB_API_URL.
func NewRunner(dir, fixture, workspace, apiURL string) (*Runner, error) {
	f, ok := Fixtures[fixture]
	if !ok {
		return nil, fmt.Errorf("githubtest: no fixture %s", fixture)
	}
	r := &Runner{
		EventPath:   filepath.Join(dir, "event.json"),
		OutputPath:  filepath.Join(dir, "output"),
		SummaryPath: filepath.Join(dir, "step_summary"),
	}
	temp := filepath.Join(dir, "temp")
	if err := os.MkdirAll(temp, 0o755); err != nil {
		return nil, err
	}
	for path, data := range map[string][]byte{r.EventPath: Payload(fixture), r.OutputPath: nil, r.SummaryPath: nil} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, err
		}
	}
	r.Env = map[string]string{
		"CI":                  "true",
		"GITHUB_ACTIONS":      "true",
		"GITHUB_EVENT_NAME":   f.Event,
		"GITHUB_EVENT_PATH":   r.EventPath,
		"GITHUB_OUTPUT":       r.OutputPath,
		"GITHUB_STEP_SUMMARY": r.SummaryPath,
		"GITHUB_WORKSPACE":    workspace,
		"GITHUB_API_URL":      apiURL,
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_REPOSITORY":   Repository,
		"GITHUB_REF":          f.Ref,
		"GITHUB_SHA":          f.SHA,
		"GITHUB_RUN_ID":       "11873204455",
		"GITHUB_RUN_ATTEMPT":  "1",
		"RUNNER_TEMP":         temp,
	}
	return r, nil
}

// Getenv reads the step's environment.
func (r *Runner) Getenv(name string) string { return r.Env[name] }

// Outputs reads the output file as the runner does after the step.
func (r *Runner) Outputs() (map[string]string, error) {
	b, err := os.ReadFile(r.OutputPath)
	if err != nil {
		return nil, err
	}
	return ParseKeyValueFile(string(b))
}

// Summary reads the step summary file.
func (r *Runner) Summary() (string, error) {
	b, err := os.ReadFile(r.SummaryPath)
	return string(b), err
}

// ParseKeyValueFile reads a GITHUB_OUTPUT or GITHUB_ENV file the way the
// runner does: "name=value" lines, and "name<<DELIMITER" followed by the
// value's lines and a line holding the delimiter alone. A delimiter that
// never closes, an empty name or a line of neither form is an error. Later
// entries replace earlier ones of the same name.
func ParseKeyValueFile(data string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			continue
		}
		eq, here := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (here < 0 || eq < here):
			if eq == 0 {
				return nil, fmt.Errorf("line %d: empty name", n)
			}
			out[line[:eq]] = line[eq+1:]
		case here >= 0:
			name, delim := line[:here], line[here+2:]
			if name == "" || delim == "" {
				return nil, fmt.Errorf("line %d: empty name or delimiter", n)
			}
			var value []string
			closed := false
			for sc.Scan() {
				n++
				l := strings.TrimSuffix(sc.Text(), "\r")
				if l == delim {
					closed = true
					break
				}
				value = append(value, l)
			}
			if !closed {
				return nil, fmt.Errorf("%s: matching delimiter %s not found", name, delim)
			}
			out[name] = strings.Join(value, "\n")
		default:
			return nil, fmt.Errorf("line %d: invalid format %q", n, line)
		}
	}
	return out, sc.Err()
}
