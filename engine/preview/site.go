// Package preview builds the local preview site: every post as each target
// account will show it (a card per account, styled after the network, with
// highlighted links, hashtags and mentions, media with their alt text,
// thread parts, polls and counters against the limit), the editorial
// calendar by month and week, the plan, and a page per campaign. The same
// pages are served live (with reload when a file changes) or written as
// static files. Pages load nothing from outside: no script but the reload
// hook, no external font, image or style.
package preview

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/yuin/goldmark"

	"github.com/clairon-dev/clairon/engine/calendar"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/render"
	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/templates"
)

// Input is what the site shows.
type Input struct {
	Repo  *content.Repo
	Diags diag.List
	// Outputs are the rendered posts by post id (drafts included).
	Outputs map[string][]*render.Output
	// Plan and State may be nil when the content has errors.
	Plan  *plan.Plan
	State *state.State
	// Calendars, Items and Conflicts lay the plan on the calendars.
	Calendars []*calendar.Calendar
	Items     []calendar.Item
	Conflicts []calendar.Conflict
	Loc       *time.Location
	Now       time.Time
}

// Site renders the pages of one Input.
type Site struct {
	in   Input
	live bool
	tmpl *template.Template
}

var pages = template.Must(template.New("").ParseFS(templates.Preview, "preview/*.html"))

// New returns the site; live adds the reload hook to every page.
func New(in Input, live bool) *Site {
	if in.Loc == nil {
		in.Loc = time.UTC
	}
	return &Site{in: in, live: live, tmpl: pages}
}

var unsafe = regexp.MustCompile(`[^a-z0-9_-]+`)

// slug turns an id into a file-name-safe word.
func slug(id string) string {
	return strings.Trim(unsafe.ReplaceAllString(strings.ToLower(id), "_"), "_")
}

// PostHref is the page of a post.
func PostHref(id string) string { return "post-" + slug(id) + ".html" }

// CampaignHref is the page of a campaign.
func CampaignHref(id string) string { return "campaign-" + slug(id) + ".html" }

// CalendarHref is the calendar page of a month.
func CalendarHref(month time.Time) string { return "calendar-" + month.Format("2006-01") + ".html" }

// Pages lists every page path of the site, in a stable order.
func (s *Site) Pages() []string {
	out := []string{"index.html", "plan.html"}
	for _, d := range s.in.Repo.Posts() {
		out = append(out, PostHref(d.ID))
	}
	for _, d := range s.in.Repo.Campaigns() {
		out = append(out, CampaignHref(d.ID))
	}
	for _, m := range s.months() {
		out = append(out, CalendarHref(m))
	}
	return out
}

// months returns the months the calendar pages cover: from the current one
// to the last with a post or a calendar slot.
func (s *Site) months() []time.Time {
	now := s.in.Now.In(s.in.Loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.in.Loc)
	last := first
	for _, it := range s.in.Items {
		last = maxTime(last, it.At.In(s.in.Loc))
	}
	for _, c := range s.in.Calendars {
		last = maxTime(last, c.To.Add(-time.Nanosecond).In(s.in.Loc))
	}
	var out []time.Time
	for m := first; !m.After(last) && len(out) < 36; m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// common is what the layout needs on every page.
type common struct {
	Title, Nav, CalendarHref string
	Campaigns                []link
	Diags                    diag.List
	HasErrors, Live          bool
}

type link struct{ Name, Href string }

func (s *Site) common(title, nav string) common {
	c := common{Title: title, Nav: nav, CalendarHref: CalendarHref(s.in.Now.In(s.in.Loc)), Diags: s.in.Diags, HasErrors: s.in.Diags.HasErrors(), Live: s.live}
	for _, d := range s.in.Repo.Campaigns() {
		c.Campaigns = append(c.Campaigns, link{Name: cmp.Or(d.Campaign.Name, d.ID), Href: CampaignHref(d.ID)})
	}
	return c
}

// Render writes the page at path; ok is false for an unknown page.
func (s *Site) Render(path string) ([]byte, bool, error) {
	var data any
	var name string
	switch {
	case path == "index.html" || path == "":
		name, data = "index.html", s.index()
	case path == "plan.html":
		name, data = "plan.html", s.planPage()
	case strings.HasPrefix(path, "post-"):
		for _, d := range s.in.Repo.Posts() {
			if PostHref(d.ID) == path {
				name, data = "post.html", struct {
					common
					Posts []postView
				}{s.common(cmp.Or(d.Post.Title, d.ID), "posts"), []postView{s.post(d)}}
			}
		}
	case strings.HasPrefix(path, "campaign-"):
		for _, d := range s.in.Repo.Campaigns() {
			if CampaignHref(d.ID) == path {
				name, data = "campaign.html", s.campaign(d)
			}
		}
	case strings.HasPrefix(path, "calendar-"):
		m, err := time.ParseInLocation("2006-01", strings.TrimSuffix(strings.TrimPrefix(path, "calendar-"), ".html"), s.in.Loc)
		if err == nil {
			name, data = "calendar.html", s.calendarPage(m)
		}
	}
	if name == "" {
		return nil, false, nil
	}
	t, err := s.tmpl.Clone()
	if err != nil {
		return nil, false, err
	}
	if _, err := t.ParseFS(templates.Preview, "preview/"+name); err != nil {
		return nil, false, err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		return nil, false, fmt.Errorf("page %s: %w", path, err)
	}
	return b.Bytes(), true, nil
}

// Stylesheet returns style.css.
func Stylesheet() []byte {
	b, _ := fs.ReadFile(templates.Preview, "preview/style.css")
	return b
}

func (s *Site) index() any {
	var posts []postView
	for _, d := range s.in.Repo.Posts() {
		posts = append(posts, s.post(d))
	}
	summary := fmt.Sprintf("%d posts", len(posts))
	if s.in.Plan != nil {
		summary += " · " + s.in.Plan.Summary()
	}
	return struct {
		common
		Summary string
		Posts   []postView
	}{s.common("Posts", "posts"), summary, posts}
}

func (s *Site) campaign(d *content.Document) any {
	c := d.Campaign
	var posts []postView
	for _, p := range s.in.Repo.Posts() {
		if p.Post.Campaign == d.ID {
			posts = append(posts, s.post(p))
		}
	}
	var brief bytes.Buffer
	if full, err := s.in.Repo.Full(d); err == nil {
		goldmark.Convert(full.Body, &brief)
	}
	var goals []string
	if g := c.Goals; g != nil {
		add := func(name string, v *int64) {
			if v != nil {
				goals = append(goals, fmt.Sprintf("%s: %d", name, *v))
			}
		}
		if g.EngagementRate != nil {
			goals = append(goals, fmt.Sprintf("engagement rate: %.1f %%", float64(*g.EngagementRate)*100))
		}
		add("reach", g.Reach)
		add("impressions", g.Impressions)
		add("follower growth", g.FollowerGrowth)
		add("link clicks", g.Clicks)
		add("likes", g.Likes)
		add("reposts", g.Reposts)
		add("replies", g.Replies)
		add("posts", g.Posts)
	}
	return struct {
		common
		Period, Hashtags string
		Brief            template.HTML
		Goals            []string
		Posts            []postView
	}{s.common(cmp.Or(c.Name, d.ID), CampaignHref(d.ID)), c.From + " → " + c.To, strings.Join(c.Hashtags, " "),
		template.HTML(brief.String()), goals, posts} // goldmark escapes raw HTML by default
}

type changeView struct {
	Action, Symbol, Address, Network, Href, When, Note string
}

type sectionView struct {
	Name    string
	Changes []changeView
}

func (s *Site) planPage() any {
	data := struct {
		common
		Summary  string
		Sections []sectionView
	}{common: s.common("Plan", "plan")}
	p := s.in.Plan
	if p == nil {
		data.Summary = "No plan: fix the validation problems first."
		return data
	}
	data.Summary = p.Summary()
	groups := map[string][]changeView{}
	order := []string{"Due now", "Held back", "Scheduled", "Renamed", "Needs attention"}
	for _, ch := range p.Changes {
		if ch.Action == plan.NoOp && ch.MovedFrom == nil {
			continue
		}
		v := changeView{Action: string(ch.Action), Symbol: ch.Action.Symbol(), Address: ch.Address.String(), Network: ch.Network, Href: PostHref(ch.Address.Post), Note: ch.Reason}
		if !ch.At.IsZero() {
			v.When = ch.At.In(s.in.Loc).Format("Mon 2 Jan 2006 15:04")
		}
		group := "Due now"
		switch {
		case ch.MovedFrom != nil:
			group, v.Symbol = "Renamed", "→"
		case ch.Action == plan.Unconfirmed:
			group = "Needs attention"
		case ch.Scheduled:
			group = "Scheduled"
		case ch.Held != "":
			group, v.Note = "Held back", "held: "+ch.Held
		}
		groups[group] = append(groups[group], v)
	}
	for _, g := range order {
		if len(groups[g]) > 0 {
			data.Sections = append(data.Sections, sectionView{g, groups[g]})
		}
	}
	return data
}
