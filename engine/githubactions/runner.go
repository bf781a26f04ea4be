package githubactions

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Runner is what the Actions runner tells a step through its environment.
type Runner struct {
	// Actions is true inside GitHub Actions (GITHUB_ACTIONS=true).
	Actions bool
	// EventName and EventPath: the event that started the workflow and the
	// JSON file of its webhook payload.
	EventName, EventPath string
	// Workspace is the repository's checkout (GITHUB_WORKSPACE).
	Workspace string
	// OutputPath and SummaryPath are the step's output and summary files.
	OutputPath, SummaryPath string
	// APIURL is the REST API's base (https://api.github.com, or a GitHub
	// Enterprise Server's /api/v3); ServerURL the web's (https://github.com).
	APIURL, ServerURL string
	// Repository is owner/name; Ref and SHA what the workflow runs on.
	Repository, Ref, SHA string
	// RunID and RunAttempt identify the workflow run.
	RunID, RunAttempt string
	// Temp is a directory emptied after each job (RUNNER_TEMP).
	Temp string
}

// FromEnv reads the runner's variables.
func FromEnv(getenv func(string) string) Runner {
	r := Runner{
		Actions:     getenv("GITHUB_ACTIONS") == "true",
		EventName:   getenv("GITHUB_EVENT_NAME"),
		EventPath:   getenv("GITHUB_EVENT_PATH"),
		Workspace:   getenv("GITHUB_WORKSPACE"),
		OutputPath:  getenv("GITHUB_OUTPUT"),
		SummaryPath: getenv("GITHUB_STEP_SUMMARY"),
		APIURL:      getenv("GITHUB_API_URL"),
		ServerURL:   getenv("GITHUB_SERVER_URL"),
		Repository:  getenv("GITHUB_REPOSITORY"),
		Ref:         getenv("GITHUB_REF"),
		SHA:         getenv("GITHUB_SHA"),
		RunID:       getenv("GITHUB_RUN_ID"),
		RunAttempt:  getenv("GITHUB_RUN_ATTEMPT"),
		Temp:        getenv("RUNNER_TEMP"),
	}
	if r.APIURL == "" {
		r.APIURL = "https://api.github.com"
	}
	if r.ServerURL == "" {
		r.ServerURL = "https://github.com"
	}
	return r
}

// RunURL links to the workflow run, or is "" when the run is unknown.
func (r Runner) RunURL() string {
	if r.Repository == "" || r.RunID == "" {
		return ""
	}
	u := strings.TrimSuffix(r.ServerURL, "/") + "/" + r.Repository + "/actions/runs/" + r.RunID
	if r.RunAttempt != "" && r.RunAttempt != "1" {
		u += "/attempts/" + r.RunAttempt
	}
	return u
}

// RepoPath returns dir as a slash-separated path relative to the
// repository's root (the workspace), the form annotations need. A dir
// outside the workspace, or any dir when the workspace is unknown, is
// returned cleaned but otherwise as given.
func (r Runner) RepoPath(dir string) string {
	clean := filepath.Clean(dir)
	if r.Workspace == "" {
		return filepath.ToSlash(clean)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.ToSlash(clean)
	}
	ws, err := filepath.Abs(r.Workspace)
	if err != nil {
		return filepath.ToSlash(clean)
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(clean)
	}
	return filepath.ToSlash(rel)
}

// Output is one step output.
type Output struct {
	Name, Value string
}

// delimiterPrefix starts every delimiter of a multi-line value, as the
// Actions toolkit writes them.
const delimiterPrefix = "ghadelimiter_"

// FormatOutput returns one entry of the runner's key-value files
// (GITHUB_OUTPUT, GITHUB_ENV): "name<<DELIM\nvalue\nDELIM\n", with a
// delimiter made of a random UUID, so that no value can end its own entry
// early and forge another output. rnd supplies the randomness
// (crypto/rand.Reader when nil).
func FormatOutput(name, value string, rnd io.Reader) (string, error) {
	if name == "" || strings.ContainsAny(name, "\r\n=<") {
		return "", fmt.Errorf("output name %q is empty or contains a newline, = or <", name)
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	var u [16]byte
	if _, err := io.ReadFull(rnd, u[:]); err != nil {
		return "", fmt.Errorf("output %s: delimiter: %w", name, err)
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	delim := fmt.Sprintf("%s%x-%x-%x-%x-%x", delimiterPrefix, u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	if strings.Contains(value, delim) || strings.Contains(name, delim) {
		return "", fmt.Errorf("output %s: the value contains its delimiter", name)
	}
	return name + "<<" + delim + "\n" + value + "\n" + delim + "\n", nil
}

// WriteOutputs appends outputs to the file at path (GITHUB_OUTPUT) in the
// runner's multi-line format. An empty path writes nothing: outside Actions
// there is no output file.
func WriteOutputs(path string, outs []Output, rnd io.Reader) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, o := range outs {
		entry, err := FormatOutput(o.Name, o.Value, rnd)
		if err != nil {
			return err
		}
		b.WriteString(entry)
	}
	return appendFile(path, b.String())
}

// SummaryLimit is the largest step summary GitHub accepts: 1 MiB per step.
// A larger one is not shown at all.
const SummaryLimit = 1 << 20

// AppendSummary appends Markdown to the step summary file at path. The file
// stays within SummaryLimit: what does not fit is cut at a line boundary,
// open code fences and <details> are closed, and a note says so. It reports
// whether the Markdown was cut. An empty path writes nothing.
func AppendSummary(path, markdown string) (bool, error) {
	if path == "" {
		return false, nil
	}
	var used int64
	if st, err := os.Stat(path); err == nil {
		used = st.Size()
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("step summary: %w", err)
	}
	budget := SummaryLimit - int(used)
	if budget <= 0 {
		return len(markdown) > 0, nil
	}
	fit, cut := FitMarkdown(markdown, budget, "_The summary was cut to fit GitHub's 1 MiB limit; run `clairon plan` to see all of it._")
	return cut, appendFile(path, fit)
}

// FitMarkdown returns md when it is at most limit bytes long. Otherwise it
// cuts md at the last line boundary that leaves room for the closing of any
// open code fence or <details> element and for note, closes them, and
// appends note. It reports whether md was cut.
func FitMarkdown(md string, limit int, note string) (string, bool) {
	if len(md) <= limit {
		return md, false
	}
	tail := "\n\n" + note + "\n"
	if len(tail) >= limit {
		if len(note) <= limit {
			return note, true
		}
		return "", true
	}
	end := limit - len(tail)
	for end > 0 {
		cut := max(strings.LastIndexByte(md[:end], '\n'), 0)
		head := md[:cut]
		closers := closeMarkdown(head)
		over := len(head) + len(closers) + len(tail) - limit
		if over <= 0 {
			return head + closers + tail, true
		}
		end = cut - over
	}
	return note + "\n", true
}

// closeMarkdown returns what closes the code fence and <details> elements
// left open at the end of md.
func closeMarkdown(md string) string {
	fence := ""
	details := 0
	for line := range strings.Lines(md) {
		t := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, "`~") == "" {
				fence = ""
			}
			continue
		}
		if f := fenceOf(t); f != "" {
			fence = f
			continue
		}
		details += strings.Count(t, "<details") - strings.Count(t, "</details>")
	}
	var b strings.Builder
	if fence != "" {
		b.WriteString("\n" + fence)
	}
	for range max(details, 0) {
		b.WriteString("\n</details>")
	}
	return b.String()
}

// fenceOf returns the fence a line opens (``` or ~~~, or longer), or "".
func fenceOf(t string) string {
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(t) && t[n] == c {
			n++
		}
		if n >= 3 {
			return t[:n]
		}
	}
	return ""
}

func appendFile(path, s string) error {
	if s == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
