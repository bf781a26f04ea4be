// Package githubactions speaks to GitHub Actions: workflow commands
// (annotations, masks), the runner's output and summary files, event
// payloads, and the sticky pull-request comment.
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

// Mask asks the runner to hide a value in every later log line.
func Mask(w io.Writer, secret string) error {
	if secret == "" {
		return nil
	}
	return Command(w, "add-mask", nil, secret)
}

// AnnotationLimit is how many annotations of one severity a step may show;
// GitHub drops the rest silently, so clairon aggregates beyond it.
const AnnotationLimit = 10

// Annotate writes diagnostics as error, warning and notice annotations at
// their file:line:col. Beyond AnnotationLimit per severity, the rest are
// summed up in one last annotation of that severity, so none vanish unseen.
func Annotate(w io.Writer, l diag.List, root string) error {
	shown := map[diag.Severity]int{}
	rest := map[diag.Severity][]string{}
	for _, d := range l {
		shown[d.Severity]++
		if shown[d.Severity] >= AnnotationLimit && l.Count(d.Severity) > AnnotationLimit {
			rest[d.Severity] = append(rest[d.Severity], d.Pos.String()+": "+d.Message)
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
	if root == "" || root == "." {
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
