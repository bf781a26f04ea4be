package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Chart is an SVG file written beside a report's Markdown.
type Chart struct {
	// Name is the file name, such as "engagement.svg".
	Name string
	// Alt is the Markdown image's alternative text.
	Alt  string
	Data []byte
}

// maxBars caps the bars of the engagement chart.
const maxBars = 25

// charts returns the charts a report has data for, by name.
func charts(r *Report, loc *time.Location) map[string]Chart {
	out := map[string]Chart{}
	add := func(name, alt string, data []byte) {
		if data != nil {
			out[name] = Chart{Name: name + ".svg", Alt: alt, Data: data}
		}
	}
	if r.Kind == KindCampaign {
		add("goals", "Progress towards each goal", goalsChart(r))
	}
	if r.Kind == KindPost {
		add("interactions", "Interactions after publication, per account", interactionsChart(r))
	} else {
		add("engagement", "Engagement rate per publication", engagementChart(r))
	}
	add("networks", "Mean engagement rate per network", networksChart(r))
	if r.Kind != KindPost {
		add("followers", "Follower growth per account", followersChart(r, loc))
	}
	return out
}

// engagementChart ranks the publications by rate.
func engagementChart(r *Report) []byte {
	var rated []PostKPI
	perNetwork := map[string]map[string]bool{}
	for _, p := range r.Posts {
		if p.Rate != nil {
			rated = append(rated, p)
		}
		if perNetwork[p.Network] == nil {
			perNetwork[p.Network] = map[string]bool{}
		}
		perNetwork[p.Network][p.Account] = true
	}
	if len(rated) == 0 {
		return nil
	}
	slices.SortStableFunc(rated, func(a, b PostKPI) int {
		return cmp.Or(cmp.Compare(*b.Rate, *a.Rate), cmp.Compare(*b.Interactions, *a.Interactions),
			cmp.Compare(a.Post, b.Post), cmp.Compare(a.Account, b.Account))
	})
	c := BarChart{
		Title: "Engagement rate per publication",
		Desc:  "Each bar is one post on one account: interactions divided by impressions, or by followers at publication where the network gives no impressions.",
		Note:  "Rates marked ‡ are by followers at publication: the network gives no impressions.",
	}
	if len(rated) > maxBars {
		c.Title = fmt.Sprintf("Engagement rate: the %d best of %d publications", maxBars, len(rated))
		rated = rated[:maxBars]
	}
	for _, p := range rated {
		where := p.Network
		if len(perNetwork[p.Network]) > 1 {
			where = p.Account
		}
		text := formatRate(*p.Rate)
		if p.Basis == ByFollowers {
			text += " ‡"
		}
		c.Bars = append(c.Bars, Bar{Label: p.Post + " · " + where, Value: *p.Rate * 100, Text: text, Color: NetworkColor(p.Network)})
	}
	return c.SVG()
}

// networksChart compares the networks' mean rates.
func networksChart(r *Report) []byte {
	c := BarChart{
		Title: "Mean engagement rate per network",
		Desc:  "The mean of the engagement rates of each network's publications.",
	}
	for _, n := range r.Networks {
		if n.Rate == nil {
			continue
		}
		c.Bars = append(c.Bars, Bar{Label: n.Network, Value: *n.Rate * 100,
			Text: fmt.Sprintf("%s (%s)", formatRate(*n.Rate), plural(n.Rated, "publication")), Color: NetworkColor(n.Network)})
	}
	if len(c.Bars) == 0 {
		return nil
	}
	return c.SVG()
}

// goalsChart shows each goal's progress, 100 % being the target.
func goalsChart(r *Report) []byte {
	hundred := 100.0
	c := BarChart{
		Title: "Progress towards the campaign's goals", Reference: &hundred, ReferenceLabel: "goal",
		Desc: "Each bar is the figure achieved as a percentage of the goal; the dashed line is the goal.",
	}
	for _, g := range r.Goals {
		if g.Progress == nil {
			continue
		}
		color := "#cf222e"
		if g.Met != nil && *g.Met {
			color = "#1a7f37"
		}
		c.Bars = append(c.Bars, Bar{Label: GoalLabel(g.Goal), Value: math.Max(*g.Progress*100, 0),
			Text: fmt.Sprintf("%s of %s", formatRate(*g.Progress), FormatGoal(g.Goal, g.Target)), Color: color})
	}
	if len(c.Bars) == 0 {
		return nil
	}
	return c.SVG()
}

// followersChart draws each account's follower growth since the start of
// the period.
func followersChart(r *Report, loc *time.Location) []byte {
	end := r.To
	c := LineChart{
		Title: "Follower growth since " + r.From.In(loc).Format("2 January 2006"),
		Desc:  "Followers gained (or lost) by each account since the start of the period.",
		XMin:  hours(r.From), XMax: hours(end),
		YFormat:   func(v float64) string { return formatSigned(int64(math.Round(v))) },
		DescribeX: func(v float64) string { return fromHours(v).In(loc).Format("2 Jan 15:04") },
	}
	lines := 0
	colors := usedColors{}
	for _, a := range r.Accounts {
		if len(a.History) == 0 {
			continue
		}
		base := a.History[0].Followers
		if a.FollowersStart != nil {
			base = *a.FollowersStart
		}
		s := Series{Name: a.Account, Color: colors.pick(a.Network)}
		for _, p := range a.History {
			s.Points = append(s.Points, XY{X: hours(p.At), Y: float64(p.Followers - base)})
		}
		if len(s.Points) > 1 {
			lines++
		}
		c.Series = append(c.Series, s)
	}
	if lines == 0 {
		return nil
	}
	c.XTicks = dateTicks(r.From, end, loc)
	return c.SVG()
}

// interactionsChart draws a post's interactions at each snapshot, by
// account, against the hours since publication.
func interactionsChart(r *Report) []byte {
	c := LineChart{
		Title:     "Interactions after publication",
		Desc:      "Interactions (likes, reposts, replies, quotes, bookmarks) at each snapshot, by hours after publication.",
		YFormat:   func(v float64) string { return formatInt(int64(math.Round(v))) },
		DescribeX: func(v float64) string { return num(v) + "h" },
	}
	colors := usedColors{}
	for _, p := range r.Posts {
		s := Series{Name: p.Account, Color: colors.pick(p.Network)}
		for _, snap := range p.Snapshots {
			if n := Interactions(snap.Figures); n != nil {
				x := snap.At.Sub(p.PublishedAt).Hours()
				s.Points = append(s.Points, XY{X: x, Y: float64(*n)})
				c.XMax = math.Max(c.XMax, x)
			}
		}
		if len(s.Points) > 0 {
			c.Series = append(c.Series, s)
		}
	}
	if len(c.Series) == 0 {
		return nil
	}
	step := niceStep(c.XMax / 5)
	c.XMax = math.Max(step, math.Ceil(c.XMax/step)*step)
	for x := 0.0; x <= c.XMax+step/2; x += step {
		c.XTicks = append(c.XTicks, Tick{X: x, Label: num(x) + "h"})
	}
	return c.SVG()
}

// usedColors gives each series its network's colour, and the next colour of
// a fixed list when that network's colour is taken.
type usedColors map[string]bool

func (u usedColors) pick(network string) string {
	c := NetworkColor(network)
	if !u[c] {
		u[c] = true
		return c
	}
	for _, c := range seriesColors {
		if !u[c] {
			u[c] = true
			return c
		}
	}
	return c
}

func hours(t time.Time) float64 { return float64(t.Unix()) / 3600 }

func fromHours(h float64) time.Time { return time.Unix(int64(math.Round(h*3600)), 0) }

// dateTicks labels five evenly spaced days of [from, to], at midnight in loc.
func dateTicks(from, to time.Time, loc *time.Location) []Tick {
	days := int(math.Round(to.Sub(from).Hours() / 24))
	if days < 1 {
		days = 1
	}
	step := max(1, (days+4)/5)
	var out []Tick
	start := from.In(loc)
	for d := 0; d <= days; d += step {
		t := time.Date(start.Year(), start.Month(), start.Day()+d, 0, 0, 0, 0, loc)
		if t.Before(from) || t.After(to) {
			continue
		}
		out = append(out, Tick{X: hours(t), Label: t.Format("2 Jan")})
	}
	return out
}
