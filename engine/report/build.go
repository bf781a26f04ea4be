package report

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/state"
)

// Input is what a report is computed from.
type Input struct {
	// State holds the records with their snapshots, and the account files.
	State *state.State
	// Repo gives the accounts' networks, the posts' titles and campaigns,
	// and the campaigns' dates and goals.
	Repo *content.Repo
	// Loc is the time zone of periods, dates and the best time.
	Loc *time.Location
	// Now is the clock's time, which ends a period still running.
	Now time.Time
}

// ErrNotPublished is returned for a post report on a post never published.
var ErrNotPublished = errors.New("not published")

var monthID = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// Build computes a report. It reads only its input.
func Build(in Input, sc Scope) (*Report, error) {
	if in.State == nil || in.Repo == nil {
		return nil, errors.New("report: state and content are required")
	}
	if in.Loc == nil {
		in.Loc = time.UTC
	}
	b := newBuilder(in)
	r := &Report{FormatVersion: FormatVersion, Kind: sc.Kind, ID: sc.ID, Timezone: in.Loc.String()}
	var keep func(rec *state.Record) bool
	var campaign *content.Document
	switch sc.Kind {
	case KindMonth:
		m := monthID.FindStringSubmatch(sc.ID)
		if m == nil {
			return nil, fmt.Errorf("report: month %q: write YYYY-MM, such as 2026-12", sc.ID)
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return nil, fmt.Errorf("report: month %q: no month %d", sc.ID, mo)
		}
		r.From = time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, in.Loc)
		r.To = r.From.AddDate(0, 1, 0)
		r.Title = r.From.Format("January 2006")
		keep = func(rec *state.Record) bool { return within(rec.PublishedAt, r.From, r.To) }
	case KindCampaign:
		campaign = b.campaigns[sc.ID]
		if campaign == nil {
			return nil, fmt.Errorf("report: no campaign %q in the content (known: %s)", sc.ID, strings.Join(b.campaignIDs(), ", "))
		}
		from, err := localtime.Parse(campaign.Campaign.From, in.Loc)
		if err != nil {
			return nil, fmt.Errorf("report: campaign %s: from: %w", sc.ID, err)
		}
		to, err := localtime.Parse(campaign.Campaign.To, in.Loc)
		if err != nil {
			return nil, fmt.Errorf("report: campaign %s: to: %w", sc.ID, err)
		}
		r.From, r.To = from.Time, to.EndOfDay(in.Loc)
		if to.DateOnly {
			r.To = r.To.Add(time.Nanosecond)
		}
		r.Title = cmp.Or(campaign.Campaign.Name, sc.ID)
		keep = func(rec *state.Record) bool { return b.campaignOf(rec.Address.Post) == sc.ID }
	case KindPost:
		keep = func(rec *state.Record) bool { return rec.Address.Post == sc.ID }
		r.Title = sc.ID
		if d := b.posts[sc.ID]; d != nil && d.Post.Title != "" {
			r.Title = d.Post.Title
		}
	default:
		return nil, fmt.Errorf("report: unknown kind %q", sc.Kind)
	}

	var recs []*state.Record
	for _, rec := range in.State.Records {
		if published(rec) && keep(rec) {
			recs = append(recs, rec)
		}
	}
	slices.SortFunc(recs, func(a, b *state.Record) int { return a.Address.Compare(b.Address) })
	if sc.Kind == KindPost {
		if len(recs) == 0 {
			return nil, fmt.Errorf("report: post %s: %w", sc.ID, ErrNotPublished)
		}
		r.From = recs[0].PublishedAt
		for _, rec := range recs {
			if rec.PublishedAt.Before(r.From) {
				r.From = rec.PublishedAt
			}
		}
		r.To = in.Now
	}
	r.Ongoing = in.Now.Before(r.To)
	if err := b.fill(r, recs, campaign); err != nil {
		return nil, err
	}
	if campaign != nil {
		r.Goals = compareGoals(campaign.Campaign.Goals, r)
	}
	return r, nil
}

func within(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// published reports whether a record describes a post that went out: it is
// published (possibly being edited right now), or was and has been deleted.
func published(r *state.Record) bool {
	if r.PublishedAt.IsZero() {
		return false
	}
	switch r.Status {
	case state.Published, state.Deleted:
		return true
	case state.Claimed:
		return r.Claim.Prior == state.Published
	}
	return false
}

// builder holds the indexes a report is computed with.
type builder struct {
	in        Input
	posts     map[string]*content.Document
	campaigns map[string]*content.Document
	byAccount map[string][]*state.Record
	files     map[string]*AccountFile
}

func newBuilder(in Input) *builder {
	b := &builder{in: in, posts: map[string]*content.Document{}, campaigns: map[string]*content.Document{},
		byAccount: map[string][]*state.Record{}, files: map[string]*AccountFile{}}
	for _, d := range in.Repo.Posts() {
		b.posts[d.ID] = d
	}
	for _, d := range in.Repo.Campaigns() {
		b.campaigns[d.ID] = d
	}
	// Records by account, in no particular order: followerPoints does not
	// depend on it.
	for a, r := range in.State.Records {
		b.byAccount[a.Account] = append(b.byAccount[a.Account], r)
	}
	return b
}

func (b *builder) campaignIDs() []string {
	var ids []string
	for id := range b.campaigns {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (b *builder) campaignOf(post string) string {
	if d := b.posts[post]; d != nil {
		return d.Post.Campaign
	}
	return ""
}

func (b *builder) file(account string) (*AccountFile, error) {
	if f, ok := b.files[account]; ok {
		return f, nil
	}
	f, err := ReadAccountFile(b.in.State, account)
	if err != nil {
		return nil, err
	}
	b.files[account] = f
	return f, nil
}

// network returns an account's network: clairon.yaml's, else the one
// collection recorded.
func (b *builder) network(account string) string {
	if cfg := b.in.Repo.Config; cfg != nil {
		if acc := cfg.Accounts[account]; acc != nil && acc.Network != "" {
			return acc.Network
		}
	}
	if f, err := b.file(account); err == nil && f.Network != "" {
		return f.Network
	}
	return "unknown"
}

// fill computes everything a report holds from its records.
func (b *builder) fill(r *Report, recs []*state.Record, campaign *content.Document) error {
	points := map[string][]Point{}
	pointsOf := func(account string) ([]Point, error) {
		if p, ok := points[account]; ok {
			return p, nil
		}
		f, err := b.file(account)
		if err != nil {
			return nil, err
		}
		p := followerPoints(f, b.byAccount[account])
		points[account] = p
		return p, nil
	}

	accounts := map[string]bool{}
	noMetrics := map[string]bool{}
	postIDs := map[string]bool{}
	for _, rec := range recs {
		acc := rec.Address.Account
		accounts[acc] = true
		postIDs[rec.Address.Post] = true
		pts, err := pointsOf(acc)
		if err != nil {
			return err
		}
		p := b.post(rec, pts)
		if f, _ := b.file(acc); f.PostMetrics != nil && !*f.PostMetrics && !p.Measured() {
			noMetrics[acc] = true
			r.Unmeasured = append(r.Unmeasured, p)
			continue
		}
		r.Posts = append(r.Posts, p)
		if p.Measured() && p.Snapshots[len(p.Snapshots)-1].At.After(r.AsOf) {
			r.AsOf = p.Snapshots[len(p.Snapshots)-1].At
		}
	}
	if r.Posts == nil {
		r.Posts = []PostKPI{}
	}
	if r.Unmeasured == nil {
		r.Unmeasured = []PostKPI{}
	}
	order := func(a, b PostKPI) int {
		return cmp.Or(a.PublishedAt.Compare(b.PublishedAt), cmp.Compare(a.Post, b.Post), cmp.Compare(a.Account, b.Account))
	}
	slices.SortFunc(r.Posts, order)
	slices.SortFunc(r.Unmeasured, order)

	// Accounts whose follower growth counts: those published on, and for a
	// campaign the accounts it names; for a month, every account with
	// follower readings in it.
	if campaign != nil {
		for _, a := range campaign.Campaign.Accounts {
			accounts[a] = true
		}
	}
	if r.Kind == KindMonth {
		for _, p := range b.in.State.FilePaths() {
			if acc, ok := strings.CutPrefix(p, Dir+"/followers/"); ok && strings.HasSuffix(acc, ".json") {
				accounts[strings.TrimSuffix(acc, ".json")] = true
			}
		}
	}
	for acc := range noMetrics {
		r.WithoutMetrics = append(r.WithoutMetrics, NoMetrics{Account: acc, Network: b.network(acc), Via: b.files[acc].Via})
	}
	slices.SortFunc(r.WithoutMetrics, func(a, b NoMetrics) int { return cmp.Compare(a.Account, b.Account) })
	if r.WithoutMetrics == nil {
		r.WithoutMetrics = []NoMetrics{}
	}

	r.Accounts = []AccountKPI{}
	for _, acc := range slices.Sorted(maps.Keys(accounts)) {
		pts, err := pointsOf(acc)
		if err != nil {
			return err
		}
		f, _ := b.file(acc)
		k := AccountKPI{Account: acc, Network: b.network(acc), History: pointsIn(pts, r.From, r.To), FollowerCount: f.FollowerCount, Via: f.Via}
		var rates []float64
		for _, p := range r.Posts {
			if p.Account == acc {
				k.Publications++
				k.Interactions = add(k.Interactions, p.Interactions)
				if p.Rate != nil {
					rates = append(rates, *p.Rate)
				}
			}
		}
		for _, p := range r.Unmeasured {
			if p.Account == acc {
				k.Publications++
			}
		}
		k.Rate = Mean(rates)
		// A post's period is its life so far: the accounts' growth over it
		// is not the post's doing, and is left out.
		if r.Kind == KindPost {
			k.History = nil
		} else if start, end := growthOver(pts, r.From, r.To); start != nil {
			k.FollowersStart, k.FollowersEnd = ptr(start.Followers), ptr(end.Followers)
			k.FollowerGrowth = ptr(end.Followers - start.Followers)
		} else if len(k.History) > 0 {
			k.FollowersEnd = ptr(k.History[len(k.History)-1].Followers)
		}
		if k.History == nil {
			k.History = []Point{}
		}
		if k.Publications == 0 && len(k.History) == 0 {
			continue
		}
		r.Accounts = append(r.Accounts, k)
	}

	r.Totals = b.totals(r, len(postIDs))
	r.Networks = networks(r)
	r.Best = best(r, b.in.Loc)
	return nil
}

// post computes one publication's KPIs from its record.
func (b *builder) post(rec *state.Record, points []Point) PostKPI {
	p := PostKPI{
		Post: rec.Address.Post, Account: rec.Address.Account, Network: b.network(rec.Address.Account),
		URL: rec.Ref.URL, PublishedAt: rec.PublishedAt, Deleted: rec.Status == state.Deleted, Snapshots: []Snapshot{},
	}
	if d := b.posts[p.Post]; d != nil {
		p.Title, p.Campaign = d.Post.Title, d.Post.Campaign
	}
	for _, s := range rec.Metrics {
		// Snapshots older than the publication belong to content it replaced.
		if s.At.Before(rec.PublishedAt) {
			continue
		}
		p.Snapshots = append(p.Snapshots, Snapshot{Label: s.Label, At: s.At, Figures: FiguresOf(s.Metrics), Followers: clone(s.Followers)})
	}
	slices.SortStableFunc(p.Snapshots, func(a, b Snapshot) int { return a.At.Compare(b.At) })
	p.FollowersAtPublication = followersAt(points, rec.PublishedAt)
	if !p.Measured() {
		return p
	}
	p.Figures = p.Snapshots[len(p.Snapshots)-1].Figures
	p.Interactions = Interactions(p.Figures)
	p.Reach = Reach(p.Figures)
	p.Rate, p.Basis, p.Denominator = Rate(p.Figures, p.FollowersAtPublication)
	return p
}

func (b *builder) totals(r *Report, posts int) Totals {
	t := Totals{Posts: posts, Publications: len(r.Posts) + len(r.Unmeasured)}
	var rates []float64
	for _, p := range r.Posts {
		if !p.Measured() {
			continue
		}
		t.Measured++
		addFigures(&t.Figures, p.Figures)
		t.Interactions = add(t.Interactions, p.Interactions)
		t.Reach = add(t.Reach, p.Reach)
		if p.Rate != nil {
			rates = append(rates, *p.Rate)
			if p.Basis == ByImpressions {
				t.RatedByImpressions++
			} else {
				t.RatedByFollowers++
			}
		}
	}
	t.Rate = Mean(rates)
	for _, a := range r.Accounts {
		t.FollowerGrowth = add(t.FollowerGrowth, a.FollowerGrowth)
	}
	return t
}

// networks aggregates the measured publications by network.
func networks(r *Report) []NetworkKPI {
	by := map[string]*NetworkKPI{}
	rates := map[string][]float64{}
	get := func(name string) *NetworkKPI {
		if by[name] == nil {
			by[name] = &NetworkKPI{Network: name, Accounts: []string{}}
		}
		return by[name]
	}
	for _, p := range r.Posts {
		n := get(p.Network)
		n.Publications++
		if !p.Measured() {
			continue
		}
		n.Measured++
		addFigures(&n.Figures, p.Figures)
		n.Interactions = add(n.Interactions, p.Interactions)
		n.Reach = add(n.Reach, p.Reach)
		if p.Rate != nil {
			rates[p.Network] = append(rates[p.Network], *p.Rate)
		}
	}
	for _, a := range r.Accounts {
		n := by[a.Network]
		if n == nil {
			continue
		}
		n.Accounts = append(n.Accounts, a.Account)
		if a.FollowersEnd != nil {
			n.Followers = add(n.Followers, a.FollowersEnd)
		}
		n.FollowerGrowth = add(n.FollowerGrowth, a.FollowerGrowth)
	}
	out := []NetworkKPI{}
	for _, name := range slices.Sorted(maps.Keys(by)) {
		n := by[name]
		n.Rate, n.Rated = Mean(rates[name]), len(rates[name])
		out = append(out, *n)
	}
	return out
}

// best finds the best post, hour of the week and network.
func best(r *Report, loc *time.Location) Best {
	var out Best
	type bucket struct {
		day, hour int
		rates     []float64
	}
	buckets := map[int]*bucket{}
	for _, p := range r.Posts {
		if p.Rate == nil {
			continue
		}
		if bp := out.Post; bp == nil || *p.Rate > bp.Rate || (*p.Rate == bp.Rate && *p.Interactions > bp.Interactions) {
			out.Post = &BestPost{Post: p.Post, Title: p.Title, Account: p.Account, Network: p.Network, URL: p.URL,
				Rate: *p.Rate, Basis: p.Basis, Interactions: *p.Interactions}
		}
		t := p.PublishedAt.In(loc)
		day := (int(t.Weekday()) + 6) % 7 // Monday first
		k := day*24 + t.Hour()
		if buckets[k] == nil {
			buckets[k] = &bucket{day: day, hour: t.Hour()}
		}
		buckets[k].rates = append(buckets[k].rates, *p.Rate)
	}
	for _, k := range slices.Sorted(maps.Keys(buckets)) {
		bk := buckets[k]
		m := *Mean(bk.rates)
		if bt := out.Time; bt == nil || m > bt.Rate || (m == bt.Rate && len(bk.rates) > bt.Posts) {
			out.Time = &BestTime{Weekday: time.Weekday((bk.day + 1) % 7).String(), Hour: bk.hour, Rate: m, Posts: len(bk.rates)}
		}
	}
	for _, n := range r.Networks {
		if n.Rate == nil {
			continue
		}
		if bn := out.Network; bn == nil || *n.Rate > bn.Rate || (*n.Rate == bn.Rate && n.Rated > bn.Posts) {
			out.Network = &BestNetwork{Network: n.Network, Rate: *n.Rate, Posts: n.Rated}
		}
	}
	return out
}
