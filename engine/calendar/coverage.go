package calendar

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/clairon-dev/clairon/engine/localtime"
)

// Item is one publication on the calendar: a post on one account at one time.
type Item struct {
	Post     string    `json:"post"`
	Path     string    `json:"path,omitempty"`
	Title    string    `json:"title,omitempty"`
	Account  string    `json:"account"`
	Network  string    `json:"network,omitempty"`
	Campaign string    `json:"campaign,omitempty"`
	At       time.Time `json:"at"`
	// Status is scheduled, due, held, draft or published.
	Status string `json:"status"`
	URL    string `json:"url,omitempty"`
}

// SlotStatus is one occurrence of a slot and the posts that fill it.
type SlotStatus struct {
	Calendar string    `json:"calendar"`
	At       time.Time `json:"at"`
	Theme    string    `json:"theme,omitempty"`
	Campaign string    `json:"campaign,omitempty"`
	Accounts []string  `json:"accounts"`
	// Filled are the items at the slot's time on its accounts; Missing the
	// slot's accounts with no post then.
	Filled  []Item   `json:"filled,omitempty"`
	Missing []string `json:"missing,omitempty"`
}

// Empty reports whether no account of the slot has a post.
func (s SlotStatus) Empty() bool { return len(s.Filled) == 0 }

// Coverage lists the slot occurrences in [from, to) with the items that
// fill them. An item fills a slot when it is on one of the slot's accounts
// in the same minute.
func (c *Calendar) Coverage(items []Item, from, to time.Time) []SlotStatus {
	type key struct {
		account string
		minute  int64
	}
	minute := func(t time.Time) int64 { return t.Truncate(time.Minute).Unix() }
	// Only items in the minutes of [from, to) can fill an occurrence there.
	first, end := minute(from), to.Unix()
	byKey := map[key][]Item{}
	for _, it := range items {
		if m := minute(it.At); m >= first && m < end {
			k := key{it.Account, m}
			byKey[k] = append(byKey[k], it)
		}
	}
	var out []SlotStatus
	for _, o := range c.Occurrences(from, to) {
		s := SlotStatus{Calendar: c.ID, At: o.At, Theme: o.Slot.Theme, Campaign: o.Slot.Campaign, Accounts: o.Slot.Accounts}
		for _, a := range o.Slot.Accounts {
			its := byKey[key{a, minute(o.At)}]
			if len(its) == 0 {
				s.Missing = append(s.Missing, a)
			}
			s.Filled = append(s.Filled, its...)
		}
		out = append(out, s)
	}
	return out
}

// Conflict is a breach of a calendar's policy by planned publications.
type Conflict struct {
	// Kind is min-gap, max-per-day, quiet-hours or blackout.
	Kind     string    `json:"kind"`
	Calendar string    `json:"calendar,omitempty"`
	Account  string    `json:"account"`
	At       time.Time `json:"at"`
	Items    []Item    `json:"items"`
	Message  string    `json:"message"`
}

// Conflicts finds, per account, posts closer than a calendar's minimum gap,
// days over its maximum, and posts in its quiet hours or blackouts, or in
// the repository's quiet hours (quiet, may be nil). Published and draft
// items count for gaps and days but are not themselves reported as in quiet
// hours.
func Conflicts(cals []*Calendar, quiet *localtime.ClockRange, loc *time.Location, items []Item) []Conflict {
	// Items are large and many (one per post and account): accounts get
	// pointers to them, sized first, and sort those.
	counts := map[string]int{}
	for i := range items {
		if items[i].Status != "draft" {
			counts[items[i].Account]++
		}
	}
	byAccount := make(map[string][]*Item, len(counts))
	for a, n := range counts {
		byAccount[a] = make([]*Item, 0, n)
	}
	for i := range items {
		if it := &items[i]; it.Status != "draft" {
			byAccount[it.Account] = append(byAccount[it.Account], it)
		}
	}
	var out []Conflict
	accounts := make([]string, 0, len(byAccount))
	for a := range byAccount {
		accounts = append(accounts, a)
	}
	slices.Sort(accounts)
	for _, a := range accounts {
		its := byAccount[a]
		slices.SortStableFunc(its, func(x, y *Item) int { return cmp.Or(x.At.Compare(y.At), cmp.Compare(x.Post, y.Post)) })
		for _, it := range its {
			if it.Status != "published" && quiet != nil && quiet.Contains(it.At.In(loc)) {
				out = append(out, Conflict{Kind: "quiet-hours", Account: a, At: it.At, Items: []Item{*it},
					Message: fmt.Sprintf("%s on %s at %s falls in the quiet hours %s: it will wait until they end", it.Post, a, it.At.In(loc).Format("Mon 2 Jan 15:04"), quiet)})
			}
		}
		for _, c := range cals {
			if !slices.Contains(c.Accounts(), a) {
				continue
			}
			out = append(out, c.conflicts(a, its)...)
		}
	}
	return out
}

func (c *Calendar) conflicts(account string, its []*Item) []Conflict {
	var out []Conflict
	for i, it := range its {
		if !c.Covers(it.At) {
			continue
		}
		when := it.At.In(c.Loc).Format("Mon 2 Jan 15:04")
		if it.Status != "published" {
			if b, dark := c.Blackout(it.At); dark {
				msg := fmt.Sprintf("%s on %s at %s falls in a blackout of calendar %s", it.Post, account, when, c.ID)
				if b.Reason != "" {
					msg += " (" + b.Reason + ")"
				}
				out = append(out, Conflict{Kind: "blackout", Calendar: c.ID, Account: account, At: it.At, Items: []Item{*it}, Message: msg + ": it will wait until it ends"})
			}
			if q := c.QuietHours; q != nil && q.Contains(it.At.In(c.Loc)) {
				out = append(out, Conflict{Kind: "quiet-hours", Calendar: c.ID, Account: account, At: it.At, Items: []Item{*it},
					Message: fmt.Sprintf("%s on %s at %s falls in calendar %s's quiet hours %s", it.Post, account, when, c.ID, q)})
			}
		}
		if c.MinGap > 0 && i > 0 {
			prev := its[i-1]
			if gap := it.At.Sub(prev.At); gap < c.MinGap && c.Covers(prev.At) {
				out = append(out, Conflict{Kind: "min-gap", Calendar: c.ID, Account: account, At: it.At, Items: []Item{*prev, *it},
					Message: fmt.Sprintf("%s and %s are %s apart on %s; calendar %s asks for at least %s", prev.Post, it.Post, localtime.FormatDuration(gap.Round(time.Minute)), account, c.ID, localtime.FormatDuration(c.MinGap))})
			}
		}
	}
	if c.MaxPerDay > 0 {
		perDay := map[string][]Item{}
		var days []string
		for _, it := range its {
			if !c.Covers(it.At) {
				continue
			}
			d := it.At.In(c.Loc).Format("2006-01-02")
			if perDay[d] == nil {
				days = append(days, d)
			}
			perDay[d] = append(perDay[d], *it)
		}
		for _, d := range days {
			if n := len(perDay[d]); n > c.MaxPerDay {
				out = append(out, Conflict{Kind: "max-per-day", Calendar: c.ID, Account: account, At: perDay[d][0].At, Items: perDay[d],
					Message: fmt.Sprintf("%d posts on %s on %s; calendar %s allows %d a day", n, account, d, c.ID, c.MaxPerDay)})
			}
		}
	}
	return out
}
