package report

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/state"
)

// Publisher computes reports from the state and writes them back to it,
// under reports/, in one commit per run.
type Publisher struct {
	Store    state.Store
	Renderer *Renderer
	Repo     *content.Repo
	Loc      *time.Location
	Now      func() time.Time
	// Run names the run in commit trailers (optional).
	Run string
	// Attempts bounds the writes tried when other runs keep writing first (default 5).
	Attempts int
}

// Generated is a set of reports and their files.
type Generated struct {
	Reports []*Report
	// Files are every file of the reports and the index, sorted by path.
	Files []state.File
	// Changed are the paths that differ from the state's.
	Changed []string
}

// Generate computes the reports of scopes on st and renders their files
// with the index of every report on the branch.
func (p *Publisher) Generate(st *state.State, scopes []Scope) (*Generated, error) {
	loc := cmp.Or(p.Loc, time.UTC)
	g := &Generated{}
	files := map[string][]byte{}
	for _, sc := range scopes {
		r, err := Build(Input{State: st, Repo: p.Repo, Loc: loc, Now: p.Now()}, sc)
		if err != nil {
			return nil, err
		}
		fs, err := p.Renderer.Render(r, loc)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			files[f.Path] = f.Data
		}
		g.Reports = append(g.Reports, r)
	}
	paths := st.FilePaths()
	for path := range files {
		paths = append(paths, path)
	}
	index, err := p.Renderer.RenderIndex(IndexOf(paths, p.titles()))
	if err != nil {
		return nil, err
	}
	files[index.Path] = index.Data
	for _, path := range slices.Sorted(maps.Keys(files)) {
		g.Files = append(g.Files, state.File{Path: path, Data: files[path]})
		if old, ok := st.Files[path]; !ok || !bytes.Equal(old, files[path]) {
			g.Changed = append(g.Changed, path)
		}
	}
	return g, nil
}

// Published is what Publish did.
type Published struct {
	*Generated
	// Wrote is true when a commit was made; Head is then its version.
	Wrote bool
	Head  state.Head
}

// Publish computes the reports of scopes from the current state and writes
// the files that changed in one commit. When another run wrote first, it
// reads the state again and computes the reports anew, so that a report
// never mixes two versions of the state. Nothing is written when no file
// changed.
func (p *Publisher) Publish(ctx context.Context, scopes []Scope) (*Published, error) {
	if p.Store == nil || p.Renderer == nil || p.Repo == nil || p.Now == nil {
		return nil, errors.New("publish reports: store, renderer, content and clock are required")
	}
	attempts := cmp.Or(p.Attempts, 5)
	for attempt := 1; ; attempt++ {
		snap, err := p.Store.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("publish reports: read state: %w", err)
		}
		g, err := p.Generate(snap.State, scopes)
		if err != nil {
			return nil, err
		}
		out := &Published{Generated: g}
		if len(g.Changed) == 0 {
			return out, nil
		}
		cs := state.NewChangeset(publishMessage(g.Reports, p.Run))
		for _, f := range g.Files {
			if slices.Contains(g.Changed, f.Path) {
				cs.PutFile(f.Path, f.Data)
			}
		}
		h, err := p.Store.Write(ctx, snap.Version, cs)
		if err == nil {
			out.Wrote, out.Head = true, h
			return out, nil
		}
		if !errors.Is(err, state.ErrConflict) || attempt >= attempts {
			return nil, fmt.Errorf("publish reports: write state: %w", err)
		}
	}
}

// titles names the campaign and post reports in the index.
func (p *Publisher) titles() map[string]string {
	out := map[string]string{}
	for _, d := range p.Repo.Campaigns() {
		if d.Campaign.Name != "" {
			out["campaigns/"+d.ID] = d.Campaign.Name
		}
	}
	for _, d := range p.Repo.Posts() {
		if d.Post.Title != "" {
			out["posts/"+d.ID] = d.Post.Title
		}
	}
	return out
}

// publishMessage writes the commit message of a report run.
func publishMessage(rs []*Report, run string) state.Message {
	var names []string
	var body strings.Builder
	for _, r := range rs {
		names = append(names, r.Name())
		body.WriteString(r.Summary() + "\n")
	}
	subject := "report for "
	if len(rs) > 1 {
		subject = "reports for "
	}
	if len(names) > 1 {
		subject += strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	} else {
		subject += strings.Join(names, "")
	}
	return state.Message{Subject: subject, Body: body.String(), Run: run}
}

// Name names the report in messages: "December 2026", "campaign noel-2026",
// "post launch".
func (r *Report) Name() string {
	switch r.Kind {
	case KindMonth:
		return r.Title
	case KindCampaign:
		return "campaign " + r.ID
	}
	return "post " + r.ID
}

// Summary is one line with the report's main figures.
func (r *Report) Summary() string {
	t := r.Totals
	s := fmt.Sprintf("%s: %s, %s measured", r.Name(), plural(t.Publications, "publication"), formatInt(int64(t.Measured)))
	s += "; interactions " + optInt(t.Interactions)
	s += ", engagement rate " + optRate(t.Rate)
	s += ", reach " + optInt(t.Reach)
	s += ", follower growth " + optSigned(t.FollowerGrowth)
	var met, judged int
	for _, g := range r.Goals {
		if g.Met != nil {
			judged++
			if *g.Met {
				met++
			}
		}
	}
	if judged > 0 {
		s += fmt.Sprintf("; %d of %d goals reached", met, judged)
	}
	return s + "."
}
