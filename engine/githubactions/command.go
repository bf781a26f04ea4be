// Package githubactions speaks to GitHub Actions: workflow commands
// (annotations within GitHub's caps, masks, groups), the runner's output and
// summary files, event payloads and what each event lets a run do, the
// sticky pull-request comment, and the Markdown report shown in both.
package githubactions

import (
	"fmt"
	"io"
	"strings"

	"github.com/clairon-dev/clairon/engine/diag"
)

// escapeData escapes a workflow command's message as the Actions toolkit does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// Command writes one workflow command: ::name key=value,…::message.
// Properties with an empty value are left out.
func Command(w io.Writer, name string, props [][2]string, message string) error {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(name)
	for _, p := range props {
		if p[1] == "" {
			continue
		}
		if b.Len() == 2+len(name) {
			b.WriteByte(' ')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(escapeProperty(p[1]))
	}
	b.WriteString("::")
	b.WriteString(escapeData(message))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// maskMinLine is the shortest line of a multi-line secret masked on its own:
// shorter ones ("-----", "}") would blank out ordinary log text.
const maskMinLine = 8

// Mask asks the runner to hide a value in every later log line. The runner
// matches masks line by line, so each long enough line of a multi-line value
// (a private key, a JSON credential) is masked on its own too.
func Mask(w io.Writer, secret string) error {
	if strings.TrimSpace(secret) == "" {
		return nil
	}
	if err := Command(w, "add-mask", nil, secret); err != nil {
		return err
	}
	if !strings.ContainsAny(secret, "\r\n") {
		return nil
	}
	for line := range strings.Lines(secret) {
		line = strings.TrimSpace(line)
		if len(line) < maskMinLine {
			continue
		}
		if err := Command(w, "add-mask", nil, line); err != nil {
			return err
		}
	}
	return nil
}

// Group starts a collapsible group of log lines; EndGroup closes it.
func Group(w io.Writer, title string) error { return Command(w, "group", nil, title) }

// EndGroup closes the group Group opened.
func EndGroup(w io.Writer) error { return Command(w, "endgroup", nil, "") }

// Notice writes a notice annotation that is attached to no file.
func Notice(w io.Writer, title, message string) error {
	return Command(w, "notice", [][2]string{{"title", title}}, message)
}

// Warning writes a warning annotation that is attached to no file.
func Warning(w io.Writer, title, message string) error {
	return Command(w, "warning", [][2]string{{"title", title}}, message)
}

// Error writes an error annotation that is attached to no file.
func Error(w io.Writer, title, message string) error {
	return Command(w, "error", [][2]string{{"title", title}}, message)
}

// AnnotationLimit is how many annotations of one kind (error, warning,
// notice) a step may show; GitHub drops the rest silently, so Annotate sums
// up the rest in the last one of that kind.
const AnnotationLimit = 10

// Annotate writes diagnostics as error, warning and notice annotations at
// their file:line:col, with paths prefixed by root (the content directory
// relative to the repository's root; "" or "." for the root itself). Beyond
// AnnotationLimit per kind, the first AnnotationLimit-1 are shown and the
// rest are listed in one last annotation of that kind, so none vanish unseen.
//
// GitHub counts annotations per step: call Annotate once per step with every
// diagnostic, not once per batch, or use a Step.
func Annotate(w io.Writer, l diag.List, root string) error {
	return annotate(w, l, root, func(diag.Severity) int { return AnnotationLimit })
}

// annotate is Annotate with room[sev] annotations of each kind (at least 1).
func annotate(w io.Writer, l diag.List, root string, room func(diag.Severity) int) error {
	shown := map[diag.Severity]int{}
	rest := map[diag.Severity][]string{}
	for _, d := range l {
		shown[d.Severity]++
		limit := max(room(d.Severity), 1)
		if shown[d.Severity] >= limit && l.Count(d.Severity) > limit {
			pos := d.Pos
			pos.File = joinRoot(root, pos.File)
			rest[d.Severity] = append(rest[d.Severity], pos.String()+": "+d.Message)
			continue
		}
		msg := d.Message
		if d.Hint != "" {
			msg += "\nhint: " + d.Hint
		}
		props := [][2]string{{"file", joinRoot(root, d.Pos.File)}, {"line", itoa(d.Pos.Line)}, {"col", itoa(d.Pos.Col)}, {"title", "clairon: " + d.Code}}
		if err := Command(w, annotationName(d.Severity), props, msg); err != nil {
			return err
		}
	}
	for _, sev := range []diag.Severity{diag.Error, diag.Warning, diag.Info} {
		if len(rest[sev]) == 0 {
			continue
		}
		msg := fmt.Sprintf("%d more %s(s) not shown as annotations:\n%s", len(rest[sev]), sev, strings.Join(rest[sev], "\n"))
		if err := Command(w, annotationName(sev), [][2]string{{"title", "clairon: more " + sev.String() + "s"}}, msg); err != nil {
			return err
		}
	}
	return nil
}

// Step writes one step's annotations within GitHub's caps: messages about
// the run itself (Notice, Warning, Error) go out at once and are counted,
// and the diagnostics, annotated last by Annotate, get what is left of each
// kind's cap.
type Step struct {
	w    io.Writer
	used map[diag.Severity]int
}

// NewStep returns a Step writing to w, the step's log.
func NewStep(w io.Writer) *Step { return &Step{w: w, used: map[diag.Severity]int{}} }

// Notice writes a notice annotation attached to no file.
func (s *Step) Notice(title, message string) error {
	s.used[diag.Info]++
	return Notice(s.w, title, message)
}

// Warning writes a warning annotation attached to no file.
func (s *Step) Warning(title, message string) error {
	s.used[diag.Warning]++
	return Warning(s.w, title, message)
}

// Error writes an error annotation attached to no file.
func (s *Step) Error(title, message string) error {
	s.used[diag.Error]++
	return Error(s.w, title, message)
}

// Annotate writes the step's diagnostics in the room the messages left.
// Call it once, after the messages.
func (s *Step) Annotate(l diag.List, root string) error {
	return annotate(s.w, l, root, func(sev diag.Severity) int { return AnnotationLimit - s.used[sev] })
}

func annotationName(s diag.Severity) string {
	switch s {
	case diag.Error:
		return "error"
	case diag.Warning:
		return "warning"
	default:
		return "notice"
	}
}

func joinRoot(root, file string) string {
	if root == "" || root == "." || file == "" {
		return file
	}
	return strings.TrimSuffix(root, "/") + "/" + file
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}
