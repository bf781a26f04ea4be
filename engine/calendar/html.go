package calendar

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/templates"
)

var page = template.Must(template.New("calendar").Parse(templates.CalendarPage))

type htmlEntry struct {
	Time, Mark, Label, Detail, Class, URL string
	Color                                 template.CSS
}

type htmlDay struct {
	Outside   bool
	Date, Day string
	Entries   []htmlEntry
}

type htmlMonth struct {
	ID, Name string
	Weeks    [][]htmlDay
}

type htmlCampaign struct {
	Name  string
	Color template.CSS
}

// CampaignColor gives a campaign a stable, readable colour.
func CampaignColor(campaign string) string {
	if campaign == "" {
		return "#6b7280"
	}
	h := fnv.New32a()
	h.Write([]byte(campaign))
	return fmt.Sprintf("hsl(%d 65%% 38%%)", h.Sum32()%360)
}

// WriteHTML writes a static page: a month grid per month, posts coloured by
// campaign, empty slots, and the conflicts. It needs no script and no
// external asset.
func (v *View) WriteHTML(w io.Writer, title string) error {
	byDate := map[string]Day{}
	campaigns := map[string]bool{}
	for _, d := range v.Days {
		byDate[d.Date] = d
		for _, it := range d.Items {
			if it.Campaign != "" {
				campaigns[it.Campaign] = true
			}
		}
	}
	data := struct {
		Title, Period, Zone string
		Months              []htmlMonth
		Campaigns           []htmlCampaign
		Conflicts           []string
	}{Title: title, Zone: v.Loc.String(),
		Period: v.From.In(v.Loc).Format("2 January 2006") + " – " + v.To.In(v.Loc).Add(-time.Nanosecond).Format("2 January 2006")}
	for c := range campaigns {
		data.Campaigns = append(data.Campaigns, htmlCampaign{c, template.CSS(CampaignColor(c))})
	}
	slices.SortFunc(data.Campaigns, func(a, b htmlCampaign) int { return cmp.Compare(a.Name, b.Name) })
	for _, c := range v.Conflicts {
		data.Conflicts = append(data.Conflicts, c.Message)
	}
	first := time.Date(v.From.In(v.Loc).Year(), v.From.In(v.Loc).Month(), 1, 0, 0, 0, 0, v.Loc)
	for m := first; m.Before(v.To); m = m.AddDate(0, 1, 0) {
		month := htmlMonth{ID: m.Format("2006-01"), Name: m.Format("January 2006")}
		start := m.AddDate(0, 0, -((int(m.Weekday()) + 6) % 7))
		for wk := start; wk.Month() == m.Month() || wk.Before(m); wk = wk.AddDate(0, 0, 7) {
			var week []htmlDay
			for i := range 7 {
				d := wk.AddDate(0, 0, i)
				hd := htmlDay{Outside: d.Month() != m.Month(), Date: d.Format("2006-01-02"), Day: fmt.Sprint(d.Day())}
				day := byDate[hd.Date]
				for _, it := range day.Items {
					class := ""
					if it.Status == "held" || it.Status == "draft" {
						class = "held"
					}
					url := ""
					if strings.HasPrefix(it.URL, "http") {
						url = it.URL
					}
					hd.Entries = append(hd.Entries, htmlEntry{Time: it.At.In(v.Loc).Format("15:04"), Mark: statusMark(it.Status),
						Label: it.Post + " → " + it.Account, Detail: fmt.Sprintf("%s on %s (%s), %s", it.Post, it.Account, it.Network, it.Status),
						Class: class, Color: template.CSS(CampaignColor(it.Campaign)), URL: url})
				}
				for _, s := range day.Slots {
					if s.Empty() {
						hd.Entries = append(hd.Entries, htmlEntry{Time: s.At.In(v.Loc).Format("15:04"), Mark: "○", Label: cmp.Or(s.Theme, "empty slot"),
							Detail: "Empty slot of " + s.Calendar + " for " + strings.Join(s.Accounts, ", "), Class: "empty", Color: template.CSS(CampaignColor(s.Campaign))})
					}
				}
				week = append(week, hd)
			}
			month.Weeks = append(month.Weeks, week)
		}
		data.Months = append(data.Months, month)
	}
	return page.Execute(w, data)
}
