package report

import (
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/localtime"
)

// Scope says what a report covers: one month, one campaign or one post.
type Scope struct {
	Kind Kind
	// ID is "2026-12" for a month, the campaign's id, or the post's id.
	ID string
}

// Month returns the scope of a month, "2026-12".
func Month(id string) Scope { return Scope{Kind: KindMonth, ID: id} }

// Campaign returns the scope of a campaign.
func Campaign(id string) Scope { return Scope{Kind: KindCampaign, ID: id} }

// Post returns the scope of a post.
func Post(id string) Scope { return Scope{Kind: KindPost, ID: id} }

// MonthOf returns the scope of the month t falls in, in loc.
func MonthOf(t time.Time, loc *time.Location) Scope {
	return Month(t.In(loc).Format("2006-01"))
}

func (s Scope) String() string {
	switch s.Kind {
	case KindMonth:
		return "month " + s.ID
	case KindCampaign:
		return "campaign " + s.ID
	}
	return "post " + s.ID
}

// Current returns the reports a scheduled run keeps up to date at now: the
// month now falls in, and every campaign running during that month so far.
func Current(repo *content.Repo, now time.Time, loc *time.Location) []Scope {
	month := MonthOf(now, loc)
	t := now.In(loc)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	out := []Scope{month}
	for _, d := range repo.Campaigns() {
		from, err1 := localtime.Parse(d.Campaign.From, loc)
		to, err2 := localtime.Parse(d.Campaign.To, loc)
		if err1 != nil || err2 != nil {
			continue
		}
		if !from.Time.After(now) && !to.EndOfDay(loc).Before(start) {
			out = append(out, Campaign(d.ID))
		}
	}
	return out
}
