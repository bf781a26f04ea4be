package githubactions

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

// Report is what a run of clairon action tells people: the same Markdown
// goes to the pull request's sticky comment and to the step summary.
type Report struct {
	Mode   Mode
	Event  *Event
	Runner Runner
	// Root is the content directory relative to the repository's root.
	Root string
	// Docs counts the documents loaded; Diagnostics are every problem found.
	Docs        int
	Diagnostics diag.List
	// Plan is nil when validation failed or the mode is validate.
	Plan *plan.Plan
	Loc  *time.Location
	// Applied is set when apply ran.
	Applied *Applied
	// Failure is a failure of the run itself (state unreadable, …).
	Failure string
	// Notes are said once, before the footer: why there is no comment, why
	// this run only plans.
	Notes   []string
	Version string
}

// Applied is what an apply did.
type Applied struct {
	// Log is the apply's own output.
	Log string
	// Published are the records this run published, edited or replaced;
	// Unconfirmed every record whose outcome is unknown after the run.
	Published, Unconfirmed []*state.Record
	// Failed is true when some change failed or is unconfirmed.
	Failed bool
}

// Marker is the hidden first line of the sticky comment for a content
// directory: one comment per directory per pull request.
func Marker(root string) string {
	if root == "" {
		root = "."
	}
	return "<!-- clairon:plan dir=" + strings.ReplaceAll(root, "--", "- -") + " -->"
}

// maxDiagRows bounds the table of problems; the annotations and
// `clairon validate` have the rest.
const maxDiagRows = 100

// Markdown renders the report within limit bytes, starting with marker when
// it is not empty. The plan's previews are dropped first when the whole does
// not fit, then the plan is cut.
func (r *Report) Markdown(marker string, limit int) string {
	var head, tail strings.Builder
	if marker != "" {
		head.WriteString(marker + "\n")
	}
	r.writeValidation(&head)
	if r.Failure != "" {
		fmt.Fprintf(&head, "\n> [!CAUTION]\n> %s\n", strings.ReplaceAll(r.Failure, "\n", "\n> "))
	}
	if a := r.Applied; a != nil {
		r.writeApplied(&tail, a)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&tail, "\n> [!NOTE]\n> %s\n", strings.ReplaceAll(n, "\n", "\n> "))
	}
	tail.WriteString("\n" + r.footer() + "\n")

	body := head.String()
	if r.Plan != nil {
		room := limit - head.Len() - tail.Len() - 2
		var pb strings.Builder
		if room > 400 {
			r.Plan.WriteMarkdown(&pb, plan.MarkdownOptions{Loc: r.Loc, MaxBytes: room})
		}
		if pb.Len() > 0 && pb.Len() <= room {
			body += "\n" + pb.String()
		} else {
			body += "\n**" + r.Plan.Summary() + "**\n\n_The plan is too long to show here; run `clairon plan` to see it._\n"
		}
	}
	body += tail.String()
	out, _ := FitMarkdown(body, limit, "_Cut to fit GitHub's limit; run `clairon plan` to see everything._")
	return out
}

func (r *Report) writeValidation(b *strings.Builder) {
	b.WriteString("### clairon validate\n\n")
	errs, warns := r.Diagnostics.Count(diag.Error), r.Diagnostics.Count(diag.Warning)
	switch {
	case errs > 0:
		fmt.Fprintf(b, "❌ **%s.** Nothing is planned or published until the errors are fixed.\n", capitalize(diag.Summary(r.Diagnostics)))
	case warns > 0:
		fmt.Fprintf(b, "⚠️ **%d documents valid, %s.**\n", r.Docs, plural(warns, "warning"))
	default:
		fmt.Fprintf(b, "✅ **%d documents valid.**\n", r.Docs)
	}
	if len(r.Diagnostics) == 0 {
		return
	}
	b.WriteString("\n| | Where | Problem |\n|---|---|---|\n")
	for i, d := range r.Diagnostics {
		if i == maxDiagRows {
			fmt.Fprintf(b, "\n_… and %d more: see the annotations on the files, or run `clairon validate`._\n", len(r.Diagnostics)-maxDiagRows)
			break
		}
		icon := map[diag.Severity]string{diag.Error: "❌", diag.Warning: "⚠️"}[d.Severity]
		if icon == "" {
			icon = "ℹ️"
		}
		where := "`" + code(d.Pos.String()) + "`"
		if u := r.fileURL(d.Pos); u != "" {
			where = "[" + where + "](" + u + ")"
		}
		msg := cell(d.Message)
		if d.Code != "" {
			msg += " (`" + code(d.Code) + "`)"
		}
		if d.Hint != "" {
			msg += "<br>" + cell(d.Hint)
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", icon, where, msg)
	}
}

func (r *Report) writeApplied(b *strings.Builder, a *Applied) {
	b.WriteString("\n### clairon apply\n\n")
	switch {
	case a.Failed:
		b.WriteString("❌ **Some changes failed or are unconfirmed.**\n")
	case len(a.Published) == 0:
		b.WriteString("✅ **Nothing was due.**\n")
	default:
		fmt.Fprintf(b, "✅ **%s.**\n", capitalize(plural(len(a.Published), "publication")))
	}
	if len(a.Published) > 0 {
		b.WriteString("\n| Post | Account | Link |\n|---|---|---|\n")
		for _, rec := range a.Published {
			link := ""
			if rec.Ref.URL != "" {
				link = "<" + rec.Ref.URL + ">"
			}
			fmt.Fprintf(b, "| `%s` | %s | %s |\n", code(rec.Address.Post), cell(rec.Address.Account), link)
		}
	}
	if len(a.Unconfirmed) > 0 {
		b.WriteString("\n**Unconfirmed**: the outcome is unknown; check each network, then run `clairon resolve`:\n\n")
		for _, rec := range a.Unconfirmed {
			fmt.Fprintf(b, "- `%s` on %s", code(rec.Address.Post), cell(rec.Address.Account))
			if rec.LastError != "" {
				fmt.Fprintf(b, ": %s", cell(rec.LastError))
			}
			b.WriteString("\n")
		}
	}
	if log := strings.TrimSpace(a.Log); log != "" {
		fmt.Fprintf(b, "\n<details><summary>Log</summary>\n\n````text\n%s\n````\n\n</details>\n", strings.ReplaceAll(log, "````", "``‍``"))
	}
}

// fileURL links a position to the file as the run saw it, or is "".
func (r *Report) fileURL(p diag.Pos) string {
	if r.Event == nil || p.File == "" || path.IsAbs(r.Root) || strings.HasPrefix(r.Root, "..") {
		return ""
	}
	repo, sha := r.Event.FullName(), r.Event.SHA
	if pr := r.Event.PullRequest; pr != nil && pr.HeadRepo != "" && pr.HeadSHA != "" {
		repo, sha = pr.HeadRepo, pr.HeadSHA
	}
	if sha == "" {
		return ""
	}
	file := path.Join(r.Root, p.File)
	u := strings.TrimSuffix(r.Runner.ServerURL, "/") + "/" + repo + "/blob/" + sha + "/" + (&url.URL{Path: file}).EscapedPath()
	if p.Line > 0 {
		u += fmt.Sprintf("#L%d", p.Line)
	}
	return u
}

func (r *Report) footer() string {
	parts := []string{"clairon " + r.Version, string(r.Mode) + " on " + r.Event.Name}
	sha := r.Event.SHA
	if pr := r.Event.PullRequest; pr != nil && pr.HeadSHA != "" {
		sha = pr.HeadSHA
	}
	if len(sha) >= 7 {
		parts = append(parts, "commit "+sha[:7])
	}
	if u := r.Runner.RunURL(); u != "" {
		parts = append(parts, "[workflow run]("+u+")")
	}
	return "<sub>" + strings.Join(parts, " · ") + "</sub>"
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\r", "", "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// code makes text safe in a code span inside a table cell.
func code(s string) string {
	return strings.NewReplacer("|", "\\|", "`", "'", "\r", "", "\n", " ").Replace(s)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func plural(n int, w string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, w)
	}
	return fmt.Sprintf("%d %ss", n, w)
}
