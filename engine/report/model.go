package report

import (
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// FormatVersion is the version of the report's JSON form (report.json).
// Fields are only ever added within a version.
const FormatVersion = 1

// Kind is what a report covers.
type Kind string

// Report kinds.
const (
	KindMonth    Kind = "month"
	KindCampaign Kind = "campaign"
	KindPost     Kind = "post"
)

// Basis is what an engagement rate is divided by.
type Basis string

// Rate bases.
const (
	// ByImpressions: interactions / impressions (the network gives impressions).
	ByImpressions Basis = "impressions"
	// ByFollowers: interactions / followers of the account at publication
	// (the network gives no impressions).
	ByFollowers Basis = "followers"
)

// Report is one report, as report.json holds it. Figures that are not
// available are null, never zero.
type Report struct {
	FormatVersion int    `json:"format_version"`
	Kind          Kind   `json:"kind"`
	ID            string `json:"id"`
	Title         string `json:"title"`
	// Timezone is the IANA zone the period, the dates and the best time are in.
	Timezone string `json:"timezone"`
	// From and To bound the period: [From, To).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Ongoing is true when the period has not ended yet (a running campaign).
	Ongoing bool `json:"ongoing,omitempty"`
	// AsOf is the time of the latest snapshot used.
	AsOf time.Time `json:"as_of,omitzero"`

	Totals   Totals       `json:"totals"`
	Best     Best         `json:"best"`
	Goals    []GoalResult `json:"goals,omitempty"`
	Networks []NetworkKPI `json:"networks"`
	Accounts []AccountKPI `json:"accounts"`
	// Posts are the publications (one post on one account) of accounts
	// whose network gives metrics, in order of publication.
	Posts []PostKPI `json:"posts"`
	// Unmeasured are the publications on accounts whose network gives no
	// metrics: listed, not counted.
	Unmeasured []PostKPI `json:"unmeasured"`
	// WithoutMetrics lists those accounts.
	WithoutMetrics []NoMetrics `json:"without_metrics"`
}

// Figures are a publication's raw figures; null when the network does not
// give one (or, in sums, when no publication gives it).
type Figures struct {
	Impressions *int64 `json:"impressions"`
	Reach       *int64 `json:"reach"`
	Likes       *int64 `json:"likes"`
	Reposts     *int64 `json:"reposts"`
	Replies     *int64 `json:"replies"`
	Quotes      *int64 `json:"quotes"`
	Bookmarks   *int64 `json:"bookmarks"`
	Clicks      *int64 `json:"clicks"`
}

// FiguresOf copies network metrics.
func FiguresOf(m network.Metrics) Figures {
	return Figures{
		Impressions: clone(m.Impressions), Reach: clone(m.Reach), Likes: clone(m.Likes), Reposts: clone(m.Reposts),
		Replies: clone(m.Replies), Quotes: clone(m.Quotes), Bookmarks: clone(m.Bookmarks), Clicks: clone(m.Clicks),
	}
}

// Snapshot is one reading of a publication's figures.
type Snapshot struct {
	Label     string    `json:"label"`
	At        time.Time `json:"at"`
	Figures   Figures   `json:"figures"`
	Followers *int64    `json:"followers"`
}

// PostKPI is one publication: a post on one account.
type PostKPI struct {
	Post        string    `json:"post"`
	Title       string    `json:"title,omitempty"`
	Account     string    `json:"account"`
	Network     string    `json:"network"`
	Campaign    string    `json:"campaign,omitempty"`
	URL         string    `json:"url,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	// Deleted is true when clairon deleted the post since.
	Deleted bool `json:"deleted,omitempty"`
	// Snapshots are the readings, oldest first.
	Snapshots []Snapshot `json:"snapshots"`
	// Figures are those of the latest snapshot.
	Figures      Figures `json:"figures"`
	Interactions *int64  `json:"interactions"`
	// Reach is Figures.Reach, else Figures.Impressions.
	Reach *int64 `json:"reach"`
	// FollowersAtPublication is the account's follower count when the post
	// went out (the last count read before, else the first read after).
	FollowersAtPublication *int64 `json:"followers_at_publication"`
	// Rate is the engagement rate, divided by Denominator as Basis says.
	Rate        *float64 `json:"engagement_rate"`
	Basis       Basis    `json:"engagement_basis,omitempty"`
	Denominator *int64   `json:"engagement_denominator"`
}

// Measured reports whether the publication has at least one snapshot.
func (p *PostKPI) Measured() bool { return len(p.Snapshots) > 0 }

// Totals are a report's aggregate KPIs.
type Totals struct {
	// Posts counts the distinct posts published; Publications counts each
	// post once per account; Measured those with at least one snapshot.
	Posts        int `json:"posts"`
	Publications int `json:"publications"`
	Measured     int `json:"measured"`
	// Figures sums each figure over the publications that give it.
	Figures      Figures `json:"figures"`
	Interactions *int64  `json:"interactions"`
	Reach        *int64  `json:"reach"`
	// Rate is the mean of the publications' rates; RatedByImpressions and
	// RatedByFollowers count the rates of each basis in it.
	Rate               *float64 `json:"engagement_rate"`
	RatedByImpressions int      `json:"rated_by_impressions"`
	RatedByFollowers   int      `json:"rated_by_followers"`
	// FollowerGrowth sums the growth of the accounts that have one.
	FollowerGrowth *int64 `json:"follower_growth"`
}

// Best holds the best post, time and network; each is null when no
// publication has a rate.
type Best struct {
	Post    *BestPost    `json:"post"`
	Time    *BestTime    `json:"time"`
	Network *BestNetwork `json:"network"`
}

// BestPost is the publication with the highest rate.
type BestPost struct {
	Post         string  `json:"post"`
	Title        string  `json:"title,omitempty"`
	Account      string  `json:"account"`
	Network      string  `json:"network"`
	URL          string  `json:"url,omitempty"`
	Rate         float64 `json:"engagement_rate"`
	Basis        Basis   `json:"engagement_basis"`
	Interactions int64   `json:"interactions"`
}

// BestTime is the hour of the week with the highest mean rate.
type BestTime struct {
	// Weekday is "Monday" … "Sunday"; Hour is 0–23, local time.
	Weekday string  `json:"weekday"`
	Hour    int     `json:"hour"`
	Rate    float64 `json:"engagement_rate"`
	Posts   int     `json:"posts"`
}

// BestNetwork is the network with the highest mean rate.
type BestNetwork struct {
	Network string  `json:"network"`
	Rate    float64 `json:"engagement_rate"`
	Posts   int     `json:"posts"`
}

// NetworkKPI aggregates one network's publications.
type NetworkKPI struct {
	Network      string   `json:"network"`
	Accounts     []string `json:"accounts"`
	Publications int      `json:"publications"`
	Measured     int      `json:"measured"`
	Figures      Figures  `json:"figures"`
	Interactions *int64   `json:"interactions"`
	Reach        *int64   `json:"reach"`
	Rate         *float64 `json:"engagement_rate"`
	Rated        int      `json:"rated"`
	// Followers sums the accounts' latest counts in the period.
	Followers      *int64 `json:"followers"`
	FollowerGrowth *int64 `json:"follower_growth"`
}

// AccountKPI is one account over the period.
type AccountKPI struct {
	Account      string   `json:"account"`
	Network      string   `json:"network"`
	Publications int      `json:"publications"`
	Interactions *int64   `json:"interactions"`
	Rate         *float64 `json:"engagement_rate"`
	// FollowersStart and FollowersEnd are the counts growth is computed from.
	FollowersStart *int64 `json:"followers_start"`
	FollowersEnd   *int64 `json:"followers_end"`
	FollowerGrowth *int64 `json:"follower_growth"`
	// History holds the follower counts read within the period.
	History []Point `json:"history"`
	// FollowerCount says whether the network gives a follower count: null
	// until a collection has asked.
	FollowerCount *bool `json:"follower_count"`
	// Via names the adapter that answered instead of the network ("sandbox").
	Via string `json:"via,omitempty"`
}

// NoMetrics is an account whose network gives no post metrics.
type NoMetrics struct {
	Account string `json:"account"`
	Network string `json:"network"`
	// Via names the adapter that answered instead of the network ("sandbox").
	Via string `json:"via,omitempty"`
}

// GoalResult compares one campaign goal with what was achieved.
type GoalResult struct {
	// Goal is the goal's key in the campaign's front matter.
	Goal   string  `json:"goal"`
	Target float64 `json:"target"`
	// Actual is null when no network gives the figure.
	Actual *float64 `json:"actual"`
	// Progress is Actual / Target (1 means the goal is reached).
	Progress *float64 `json:"progress"`
	Met      *bool    `json:"met"`
}

func clone(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func ptr[T any](v T) *T { return &v }
