package githubactions

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Event is what clairon needs from the event that started a workflow.
type Event struct {
	// Name is the event's name: pull_request, push, schedule…
	Name string
	// Owner and Repo name the repository the workflow runs in (for a pull
	// request, the base repository).
	Owner, Repo string
	// DefaultBranch is the repository's default branch ("" when the payload
	// does not say).
	DefaultBranch string
	// Ref is the ref the workflow runs on (refs/heads/main, refs/tags/v1,
	// refs/pull/7/merge) and SHA its commit.
	Ref, SHA string
	// PullRequest is set for events about a pull request.
	PullRequest *PullRequest
}

// PullRequest is the pull request of a pull_request event.
type PullRequest struct {
	Number int
	// HeadRepo and BaseRepo are owner/name. HeadRepo is "" when the fork
	// the pull request came from was deleted.
	HeadRepo, BaseRepo string
	HeadRef, BaseRef   string
	// HeadSHA is the pull request's last commit (the workflow itself runs
	// on a merge commit).
	HeadSHA string
	Draft   bool
	URL     string
}

// FromFork reports whether the pull request comes from another repository
// than the one it targets: its workflows get a read-only token and no
// secrets.
func (p *PullRequest) FromFork() bool {
	return !strings.EqualFold(p.HeadRepo, p.BaseRepo)
}

// IsPullRequest reports whether the event is about a pull request
// (pull_request, pull_request_target, reviews and their comments). clairon
// never publishes on those.
func (e *Event) IsPullRequest() bool {
	return e.PullRequest != nil || strings.HasPrefix(e.Name, "pull_request")
}

// OnDefaultBranch reports whether the workflow runs on the repository's
// default branch.
func (e *Event) OnDefaultBranch() bool {
	return e.DefaultBranch != "" && e.Ref == "refs/heads/"+e.DefaultBranch
}

// FullName is owner/name.
func (e *Event) FullName() string { return e.Owner + "/" + e.Repo }

// payload holds the fields clairon reads from webhook payloads. The types
// are kept minimal on purpose: push payloads, for one, write some times as
// numbers where other events write strings.
type payload struct {
	Ref        string `json:"ref"`
	After      string `json:"after"`
	Repository *struct {
		Name          string `json:"name"`
		FullName      string `json:"full_name"`
		DefaultBranch string `json:"default_branch"`
		Owner         struct {
			Login string `json:"login"`
		} `json:"owner"`
	} `json:"repository"`
	PullRequest *struct {
		Number  int    `json:"number"`
		HTMLURL string `json:"html_url"`
		Draft   bool   `json:"draft"`
		Head    branch `json:"head"`
		Base    branch `json:"base"`
	} `json:"pull_request"`
}

type branch struct {
	Ref  string `json:"ref"`
	SHA  string `json:"sha"`
	Repo *struct {
		FullName string `json:"full_name"`
	} `json:"repo"`
}

func (b branch) repo() string {
	if b.Repo == nil {
		return ""
	}
	return b.Repo.FullName
}

// ReadEvent reads the event of the current workflow run: its name and the
// runner's variables from r, its payload from the file at r.EventPath.
func ReadEvent(r Runner, readFile func(string) ([]byte, error)) (*Event, error) {
	if r.EventName == "" {
		return nil, errors.New("GITHUB_EVENT_NAME is not set: clairon action runs inside a GitHub Actions workflow")
	}
	data := []byte("{}")
	if r.EventPath != "" {
		b, err := readFile(r.EventPath)
		if err != nil {
			return nil, fmt.Errorf("read the event payload: %w", err)
		}
		data = b
	}
	return ParseEvent(r, data)
}

// ParseEvent decodes an event payload; r fills in what the payload leaves
// out (the ref of a schedule event, the repository when absent).
func ParseEvent(r Runner, data []byte) (*Event, error) {
	var p payload
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("event %s: payload: %w", r.EventName, err)
	}
	ev := &Event{Name: r.EventName, Ref: r.Ref, SHA: r.SHA}
	if owner, name, ok := strings.Cut(r.Repository, "/"); ok {
		ev.Owner, ev.Repo = owner, name
	}
	if repo := p.Repository; repo != nil {
		if owner, name, ok := strings.Cut(repo.FullName, "/"); ok {
			ev.Owner, ev.Repo = owner, name
		} else if repo.Owner.Login != "" && repo.Name != "" {
			ev.Owner, ev.Repo = repo.Owner.Login, repo.Name
		}
		ev.DefaultBranch = repo.DefaultBranch
	}
	if strings.HasPrefix(p.Ref, "refs/") {
		ev.Ref = p.Ref
	}
	if r.EventName == "push" && p.After != "" {
		ev.SHA = p.After
	}
	if pr := p.PullRequest; pr != nil {
		ev.PullRequest = &PullRequest{
			Number: pr.Number, URL: pr.HTMLURL, Draft: pr.Draft,
			HeadRepo: pr.Head.repo(), HeadRef: pr.Head.Ref, HeadSHA: pr.Head.SHA,
			BaseRepo: pr.Base.repo(), BaseRef: pr.Base.Ref,
		}
		if ev.PullRequest.BaseRepo == "" {
			ev.PullRequest.BaseRepo = ev.FullName()
		}
		if ev.PullRequest.Number == 0 {
			return nil, fmt.Errorf("event %s: the pull request has no number", r.EventName)
		}
	}
	if ev.Owner == "" || ev.Repo == "" {
		return nil, fmt.Errorf("event %s: neither the payload nor GITHUB_REPOSITORY names the repository", r.EventName)
	}
	return ev, nil
}

// Mode is what a run of clairon action does.
type Mode string

// Modes.
const (
	// ModeValidate checks the content only.
	ModeValidate Mode = "validate"
	// ModePlan validates and plans; on a pull request it also writes the
	// sticky comment.
	ModePlan Mode = "plan"
	// ModeApply validates, plans, and publishes what is due.
	ModeApply Mode = "apply"
)

// Commands are the values of the action's command input.
var Commands = []string{"auto", "validate", "plan", "apply"}

// Decide picks what a run does for the command input and the event. The
// reason, when not empty, says why the run does less than it was asked or
// than auto might suggest, for a notice in the log. Whatever the command, an
// event about a pull request never publishes.
func Decide(command string, ev *Event) (Mode, string, error) {
	switch command {
	case "", "auto":
	case "validate":
		return ModeValidate, "", nil
	case "plan":
		return ModePlan, "", nil
	case "apply":
		if ev.IsPullRequest() {
			return ModePlan, fmt.Sprintf("command apply on a %s event: clairon never publishes from a pull request, so this run only plans. Publish on push to the default branch, on schedule or on workflow_dispatch.", ev.Name), nil
		}
		return ModeApply, "", nil
	default:
		return "", "", fmt.Errorf("command %q: use %s", command, strings.Join(Commands, ", "))
	}
	if ev.IsPullRequest() {
		return ModePlan, "", nil
	}
	branch := strings.TrimPrefix(ev.Ref, "refs/heads/")
	switch ev.Name {
	case "schedule":
		// GitHub runs scheduled workflows on the default branch only.
		return ModeApply, "", nil
	case "push", "workflow_dispatch":
		switch {
		case ev.OnDefaultBranch():
			return ModeApply, "", nil
		case ev.DefaultBranch == "":
			return ModePlan, fmt.Sprintf("%s event: the payload does not name the default branch, so this run only plans.", ev.Name), nil
		case strings.HasPrefix(ev.Ref, "refs/tags/"):
			return ModePlan, fmt.Sprintf("%s of tag %s: clairon publishes from the default branch (%s) only, so this run only plans.", ev.Name, strings.TrimPrefix(ev.Ref, "refs/tags/"), ev.DefaultBranch), nil
		default:
			return ModePlan, fmt.Sprintf("%s on branch %s: clairon publishes from the default branch (%s) only, so this run only plans.", ev.Name, branch, ev.DefaultBranch), nil
		}
	}
	return ModePlan, fmt.Sprintf("%s event: clairon publishes on push to the default branch, schedule and workflow_dispatch; on other events it only plans.", ev.Name), nil
}
