package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
)

// Dir is the folder of the state branch reports are written under.
const Dir = "reports"

// AccountFile is reports/followers/<account>.json: what collection learned
// about one account — whether its network gives post metrics and a follower
// count — and the history of its follower count, one point per reading
// (at most one a day outside the runs that take post snapshots).
//
//	{
//	  "account": "brulerie-mastodon",
//	  "network": "mastodon",
//	  "post_metrics": true,
//	  "follower_count": true,
//	  "points": [{"at": "2026-12-01T08:45:00Z", "followers": 1234}]
//	}
//
// post_metrics and follower_count are null until a collection has built the
// account's adapter. via names the adapter that answered when it is not the
// network's own ("sandbox").
type AccountFile struct {
	Account       string  `json:"account"`
	Network       string  `json:"network"`
	Via           string  `json:"via,omitempty"`
	PostMetrics   *bool   `json:"post_metrics"`
	FollowerCount *bool   `json:"follower_count"`
	Points        []Point `json:"points"`
}

// Point is a follower count at a time.
type Point struct {
	At        time.Time `json:"at"`
	Followers int64     `json:"followers"`
}

// FollowersPath returns the path of an account's file on the state branch.
func FollowersPath(account string) string { return Dir + "/followers/" + account + ".json" }

// ReadAccountFile returns the account's file in st, or an empty one.
func ReadAccountFile(st *state.State, account string) (*AccountFile, error) {
	f := &AccountFile{Account: account}
	b, ok := st.Files[FollowersPath(account)]
	if !ok {
		return f, nil
	}
	if err := json.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("read %s: %w", FollowersPath(account), err)
	}
	f.Account = account
	f.sort()
	return f, nil
}

// Encode returns the stored form: indented JSON, times in UTC, points in
// time order, ending with a newline.
func (f *AccountFile) Encode() []byte {
	c := *f
	c.Points = make([]Point, len(f.Points))
	for i, p := range f.Points {
		c.Points[i] = Point{At: p.At.UTC(), Followers: p.Followers}
	}
	c.sort()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(c) // plain data: cannot fail
	return buf.Bytes()
}

// Add records a follower count, replacing a point at the same instant.
func (f *AccountFile) Add(p Point) {
	i := slices.IndexFunc(f.Points, func(q Point) bool { return q.At.Equal(p.At) })
	if i >= 0 {
		f.Points[i] = p
		return
	}
	f.Points = append(f.Points, p)
	f.sort()
}

// Last returns the latest point, if any.
func (f *AccountFile) Last() (Point, bool) {
	if len(f.Points) == 0 {
		return Point{}, false
	}
	return f.Points[len(f.Points)-1], true
}

func (f *AccountFile) sort() {
	if f.Points == nil {
		f.Points = []Point{}
	}
	slices.SortStableFunc(f.Points, func(a, b Point) int { return a.At.Compare(b.At) })
}

// followerPoints gathers an account's follower counts: the account file's
// history and the counts kept in its snapshots, in time order, one per
// instant (the file's when both have one, else the lowest), whatever the
// order of records.
func followerPoints(file *AccountFile, records []*state.Record) []Point {
	type sourced struct {
		Point
		fromFile bool
	}
	var all []sourced
	if file != nil {
		for _, p := range file.Points {
			all = append(all, sourced{p, true})
		}
	}
	for _, r := range records {
		for _, s := range r.Metrics {
			if s.Followers != nil {
				all = append(all, sourced{Point{At: s.At, Followers: *s.Followers}, false})
			}
		}
	}
	slices.SortFunc(all, func(a, b sourced) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if a.fromFile != b.fromFile {
			if a.fromFile {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Followers, b.Followers)
	})
	out := make([]Point, 0, len(all))
	for _, p := range all {
		if n := len(out); n > 0 && out[n-1].At.Equal(p.At) {
			continue
		}
		out = append(out, p.Point)
	}
	return out
}

// followersAt returns the follower count at t: the last reading at or
// before t, else the first one after it; nil without readings.
func followersAt(points []Point, t time.Time) *int64 {
	var before, after *Point
	for i := range points {
		p := &points[i]
		if !p.At.After(t) {
			before = p
		} else if after == nil {
			after = p
		}
	}
	switch {
	case before != nil:
		return ptr(before.Followers)
	case after != nil:
		return ptr(after.Followers)
	}
	return nil
}

// growthOver returns the counts follower growth over [from, to) is computed
// from: start is the last reading at or before from, else the first one in
// the period; end is the last reading in the period. Both are nil unless
// there are two readings, end after start.
func growthOver(points []Point, from, to time.Time) (start, end *Point) {
	for i := range points {
		p := &points[i]
		switch {
		case !p.At.After(from):
			start = p
		case p.At.Before(to):
			if start == nil {
				start = p
			}
			end = p
		}
	}
	if start == nil || end == nil || !end.At.After(start.At) {
		return nil, nil
	}
	return start, end
}

// pointsIn returns the points in [from, to).
func pointsIn(points []Point, from, to time.Time) []Point {
	out := []Point{}
	for _, p := range points {
		if !p.At.Before(from) && p.At.Before(to) {
			out = append(out, p)
		}
	}
	return out
}
