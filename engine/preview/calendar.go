package preview

import (
	"cmp"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/calendar"
)

type entryView struct {
	Time, Mark, Label, Detail, Class, Href string
	Color                                  template.CSS
}

type dayView struct {
	Outside   bool
	Date, Day string
	Name      string
	Entries   []entryView
}

type weekView struct {
	Name string
	Days []dayView
}

type legendView struct {
	Name  string
	Color template.CSS
}

// calendarPage shows one month: a grid, then each week as a row of days.
func (s *Site) calendarPage(month time.Time) any {
	loc := s.in.Loc
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 1, 0)
	// The weeks shown start before the month and end after it.
	start := from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
	end := to.AddDate(0, 0, (7-int(to.Weekday()))%7+1)
	v := calendar.Build(s.in.Calendars, s.in.Items, s.in.Conflicts, start, end, loc)
	byDate := map[string]calendar.Day{}
	campaigns := map[string]bool{}
	for _, d := range v.Days {
		byDate[d.Date] = d
		for _, it := range d.Items {
			if it.Campaign != "" {
				campaigns[it.Campaign] = true
			}
		}
	}
	entries := func(d calendar.Day) []entryView {
		var out []entryView
		// One entry per post, time and status, naming its accounts.
		for i := 0; i < len(d.Items); {
			it := d.Items[i]
			accounts := []string{it.Account}
			j := i + 1
			for ; j < len(d.Items) && d.Items[j].Post == it.Post && d.Items[j].At.Equal(it.At) && d.Items[j].Status == it.Status; j++ {
				accounts = append(accounts, d.Items[j].Account)
			}
			i = j
			class := ""
			if it.Status == "held" || it.Status == "draft" {
				class = "held"
			}
			label := it.Post + " → " + accounts[0]
			if len(accounts) > 1 {
				label = fmt.Sprintf("%s → %d accounts", it.Post, len(accounts))
			}
			out = append(out, entryView{Time: it.At.In(loc).Format("15:04"), Mark: mark(it.Status), Label: label,
				Detail: fmt.Sprintf("%s on %s, %s", it.Post, strings.Join(accounts, ", "), it.Status), Class: class,
				Color: template.CSS(calendar.CampaignColor(it.Campaign)), Href: PostHref(it.Post)})
		}
		for _, sl := range d.Slots {
			if sl.Empty() {
				out = append(out, entryView{Time: sl.At.In(loc).Format("15:04"), Mark: "○", Label: cmp.Or(sl.Theme, "empty slot"),
					Detail: "empty slot for " + strings.Join(sl.Accounts, ", "), Class: "empty", Color: template.CSS(calendar.CampaignColor(sl.Campaign))})
			}
		}
		return out
	}
	var weeks [][]dayView
	var weekViews []weekView
	for wk := start; wk.Before(to); wk = wk.AddDate(0, 0, 7) {
		var row []dayView
		wv := weekView{Name: "Week of " + wk.Format("Monday 2 January")}
		for i := range 7 {
			day := wk.AddDate(0, 0, i)
			dv := dayView{Outside: day.Month() != month.Month(), Date: day.Format("2006-01-02"), Day: fmt.Sprint(day.Day()), Name: day.Format("Mon 2 Jan")}
			dv.Entries = entries(byDate[dv.Date])
			row = append(row, dv)
			wv.Days = append(wv.Days, dv)
		}
		weeks = append(weeks, row)
		weekViews = append(weekViews, wv)
	}
	var legend []legendView
	for c := range campaigns {
		legend = append(legend, legendView{c, template.CSS(calendar.CampaignColor(c))})
	}
	slices.SortFunc(legend, func(a, b legendView) int { return cmp.Compare(a.Name, b.Name) })
	var conflicts []string
	for _, c := range v.Conflicts {
		conflicts = append(conflicts, c.Message)
	}
	prev, next := from.AddDate(0, -1, 0), from.AddDate(0, 1, 0)
	return struct {
		common
		Zone, Prev, Next, PrevName, NextName string
		Weeks                                [][]dayView
		WeekViews                            []weekView
		Legend                               []legendView
		Conflicts                            []string
	}{s.common(from.Format("January 2006"), "calendar"), loc.String(), CalendarHref(prev), CalendarHref(next), prev.Format("January"), next.Format("January"),
		weeks, weekViews, legend, conflicts}
}

func mark(status string) string {
	switch status {
	case "published":
		return "✓"
	case "held", "draft":
		return "◌"
	}
	return "●"
}
