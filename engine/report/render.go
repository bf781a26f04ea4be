package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
)

// TemplatePattern is where the report templates are, in the templates file
// system given to NewRenderer.
const TemplatePattern = "report/*.md.tmpl"

// Renderer writes reports as files: README.md (from the templates), report.json
// and the SVG charts.
type Renderer struct {
	tmpl *template.Template
}

// NewRenderer parses the report templates (TemplatePattern) from fsys. They
// define "month", "campaign", "post" and "index".
func NewRenderer(fsys fs.FS) (*Renderer, error) {
	t, err := template.New("report").Funcs(funcs(time.UTC)).ParseFS(fsys, TemplatePattern)
	if err != nil {
		return nil, fmt.Errorf("report templates: %w", err)
	}
	for _, name := range []string{"month", "campaign", "post", "index"} {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("report templates: no template %q", name)
		}
	}
	return &Renderer{tmpl: t}, nil
}

// Dir returns the folder of the state branch a report is written to:
// reports/2026-12, reports/campaigns/<id> or reports/posts/<id>.
func (r *Report) Dir() string {
	switch r.Kind {
	case KindMonth:
		return Dir + "/" + r.ID
	case KindCampaign:
		return Dir + "/campaigns/" + r.ID
	}
	return Dir + "/posts/" + r.ID
}

// view is what the templates see: the report, its charts by name
// ("engagement", "networks", "followers", "goals", "interactions") and the
// time zone.
type view struct {
	*Report
	Charts map[string]Chart
}

// Render returns a report's files: README.md, report.json and the charts,
// under r.Dir(). Dates are written in loc.
func (rd *Renderer) Render(r *Report, loc *time.Location) ([]state.File, error) {
	dir := r.Dir()
	if err := state.CheckFilePath(dir + "/README.md"); err != nil {
		return nil, fmt.Errorf("report %s: %w", r.ID, err)
	}
	cs := charts(r, loc)
	md, err := rd.execute(string(r.Kind), loc, view{Report: r, Charts: cs})
	if err != nil {
		return nil, err
	}
	js, err := EncodeJSON(r)
	if err != nil {
		return nil, err
	}
	files := []state.File{{Path: dir + "/README.md", Data: md}, {Path: dir + "/report.json", Data: js}}
	for _, name := range slices.Sorted(maps.Keys(cs)) {
		files = append(files, state.File{Path: dir + "/" + cs[name].Name, Data: cs[name].Data})
	}
	return files, nil
}

// EncodeJSON returns report.json: indented, ending with a newline.
func EncodeJSON(r *Report) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode report %s: %w", r.ID, err)
	}
	return buf.Bytes(), nil
}

// IndexEntry is one report listed in reports/README.md.
type IndexEntry struct {
	// Link is the report's folder relative to reports/.
	Link  string
	Title string
}

// Index lists the reports on the state branch, by kind.
type Index struct {
	Months, Campaigns, Posts []IndexEntry
}

// IndexOf lists the reports among paths (the state's files and those about
// to be written). titles gives a campaign's or a post's title by its
// folder under reports/ ("campaigns/noel-2026").
func IndexOf(paths []string, titles map[string]string) Index {
	var ix Index
	seen := map[string]bool{}
	for _, p := range paths {
		rel, ok := strings.CutPrefix(p, Dir+"/")
		if !ok || !strings.HasSuffix(rel, "/README.md") {
			continue
		}
		dir := path.Dir(rel)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		e := IndexEntry{Link: dir, Title: cmp.Or(titles[dir], path.Base(dir))}
		switch {
		case monthID.MatchString(dir):
			if t, err := time.Parse("2006-01", dir); err == nil {
				e.Title = t.Format("January 2006")
			}
			ix.Months = append(ix.Months, e)
		case strings.HasPrefix(dir, "campaigns/"):
			ix.Campaigns = append(ix.Campaigns, e)
		case strings.HasPrefix(dir, "posts/"):
			e.Title = cmp.Or(titles[dir], strings.TrimPrefix(dir, "posts/"))
			ix.Posts = append(ix.Posts, e)
		}
	}
	slices.SortFunc(ix.Months, func(a, b IndexEntry) int { return cmp.Compare(b.Link, a.Link) })
	slices.SortFunc(ix.Campaigns, func(a, b IndexEntry) int { return cmp.Compare(a.Link, b.Link) })
	slices.SortFunc(ix.Posts, func(a, b IndexEntry) int { return cmp.Compare(a.Link, b.Link) })
	return ix
}

// RenderIndex writes reports/README.md.
func (rd *Renderer) RenderIndex(ix Index) (state.File, error) {
	b, err := rd.execute("index", time.UTC, ix)
	return state.File{Path: Dir + "/README.md", Data: b}, err
}

func (rd *Renderer) execute(name string, loc *time.Location, data any) ([]byte, error) {
	t, err := rd.tmpl.Clone()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Funcs(funcs(loc)).ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	// Templates are written for people to read; the output is tidied so
	// that it does not depend on their blank lines.
	return tidy(buf.Bytes()), nil
}

// tidy trims trailing spaces, collapses runs of blank lines and ends the
// text with one newline.
func tidy(b []byte) []byte {
	var out []string
	blank := true
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, line)
	}
	return []byte(strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n")
}

// funcs are the templates' functions. Dates are written in loc.
func funcs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"num":      optInt,
		"int":      func(n int) string { return formatInt(int64(n)) },
		"count":    formatInt,
		"signed":   optSigned,
		"rate":     optRate,
		"ratef":    formatRate,
		"date":     func(t time.Time) string { return formatDate(t, loc) },
		"datetime": func(t time.Time) string { return formatTime(t, loc) },
		"longdate": func(t time.Time) string { return longDate(t, loc) },
		// lastday writes the last day of a period that ends at to (excluded).
		"lastday": func(t time.Time) string { return longDate(t.Add(-time.Nanosecond), loc) },
		"cell":    cell,
		"link":    mdLink,
		"plural":  plural,
		"hours":   hourRange,
		"title": func(p PostKPI) string {
			return cmp.Or(p.Title, p.Post)
		},
		"basis": func(b Basis) string {
			switch b {
			case ByImpressions:
				return "impressions"
			case ByFollowers:
				return "followers"
			}
			return notAvailable
		},
		"latest": func(p PostKPI) string {
			if !p.Measured() {
				return "not measured yet"
			}
			s := p.Snapshots[len(p.Snapshots)-1]
			return cmp.Or(s.Label, formatTime(s.At, loc))
		},
		"via": func(n NoMetrics) string {
			if n.Via != "" {
				return n.Network + ", through the " + n.Via
			}
			return n.Network
		},
		"goal":   GoalLabel,
		"target": func(g GoalResult) string { return FormatGoal(g.Goal, g.Target) },
		"actual": func(g GoalResult) string {
			if g.Actual == nil {
				return notAvailable
			}
			return FormatGoal(g.Goal, *g.Actual)
		},
		"progress": optRate,
		"mark": func(g GoalResult) string {
			switch {
			case g.Met == nil:
				return "not available"
			case *g.Met:
				return "✅"
			}
			return "❌"
		},
		"deref": func(b *bool) bool { return b != nil && *b },
		"counted": func(as []AccountKPI) []AccountKPI {
			var out []AccountKPI
			for _, a := range as {
				if len(a.History) > 0 || a.FollowersEnd != nil {
					out = append(out, a)
				}
			}
			return out
		},
		"uncounted": func(as []AccountKPI) []AccountKPI {
			var out []AccountKPI
			for _, a := range as {
				if len(a.History) == 0 && a.FollowersEnd == nil {
					out = append(out, a)
				}
			}
			return out
		},
		"image": func(c Chart) string { return "![" + linkText(c.Alt) + "](" + c.Name + ")" },
	}
}
