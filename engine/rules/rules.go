// Package rules checks a loaded content repository for what schemas cannot
// see: duplicate ids, references that do not resolve, dates that do not
// parse or contradict each other, times in daylight-saving gaps and
// overlaps, media that is missing, unsafe or without alt text, and calendar
// and contest consistency. Every problem is a diagnostic; checks never stop
// at the first one.
package rules

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/calendar"
	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/internal/parallel"
	"github.com/clairon-dev/clairon/engine/localtime"
)

// Check runs every semantic check on repo.
func Check(repo *content.Repo) diag.List {
	c := &checker{repo: repo, loc: time.UTC, sniffs: &sniffs{}}
	c.config()
	c.index()
	c.spans = make(map[*content.Document]span, len(c.campaigns))
	for _, d := range c.campaigns {
		c.spans[d] = c.span(d)
	}
	for _, d := range repo.Docs {
		switch {
		case d.Campaign != nil:
			c.campaign(d)
		case d.Contest != nil:
			c.contest(d)
		case d.Calendar != nil:
			c.calendar(d)
		}
	}
	// Posts, most of the documents, are checked on every core: each chunk
	// on a copy of the checker that shares its indexes, read only, and has
	// its own list. The lists are joined in order.
	const chunk = 512
	docs := repo.Docs
	lists := make([]diag.List, (len(docs)+chunk-1)/chunk)
	parallel.Chunks(len(docs), chunk, func(lo, hi int) {
		w := *c
		w.ds = nil
		for _, d := range docs[lo:hi] {
			if d.Post != nil {
				w.post(d)
			}
		}
		lists[lo/chunk] = w.ds
	})
	for _, l := range lists {
		c.ds = append(c.ds, l...)
	}
	return c.ds
}

type checker struct {
	repo      *content.Repo
	loc       *time.Location
	ds        diag.List
	posts     map[string]*content.Document
	campaigns map[string]*content.Document
	calendars map[string]*content.Document
	contests  map[string]*content.Document
	// spans and sniffs remember what several posts share: their
	// campaign's dates (made before posts are checked), the content of
	// their media files (made as posts ask, under a lock).
	spans  map[*content.Document]span
	sniffs *sniffs
}

// Location returns the repository's time zone (UTC when unset or invalid).
func Location(repo *content.Repo) *time.Location {
	if repo.Config == nil || repo.Config.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(repo.Config.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func (c *checker) config() {
	cfg := c.repo.Config
	if cfg == nil {
		return
	}
	doc := c.repo.ConfigDoc
	if cfg.Timezone != "" {
		loc, err := loadZone(cfg.Timezone)
		if err != nil {
			c.ds.Errorf(doc.PosOf("timezone"), "timezone", "use an IANA name such as Europe/Paris or America/Montreal", "unknown time zone %q", cfg.Timezone)
		} else {
			c.loc = loc
		}
	}
	for name, acc := range cfg.Accounts {
		if acc == nil {
			continue
		}
		for k := range acc.Settings {
			if allowed := settingsFor[acc.Network]; allowed != nil && !allowed[k] {
				c.ds.Warnf(doc.KeyPos("accounts", name, k), "config-setting", fmt.Sprintf("%s accounts use: %s", acc.Network, strings.Join(slices.Sorted(maps.Keys(allowed)), ", ")), "accounts.%s.%s does not apply to %s and is ignored", name, k, acc.Network)
			}
		}
	}
	for key, handles := range cfg.Mentions {
		for network := range handles {
			if network != "default" && !slices.Contains(networks, network) {
				c.ds.Errorf(doc.KeyPos("mentions", key, network), "mention-network", "use a network name ("+strings.Join(networks, ", ")+"), or default for the name shown where no handle is given", "mentions.%s: unknown network %q", key, network)
			}
		}
	}
	if f := cfg.Policy.Freeze; f != nil && f.Until != "" {
		c.parseTime(doc, f.Until, "policy", "freeze", "until")
	}
	if q := cfg.Policy.QuietHours; q != "" {
		if _, err := localtime.ParseClockRange(q); err != nil {
			c.ds.Errorf(doc.PosOf("policy", "quiet_hours"), "policy", "", "%v", err)
		}
	}
	if l := cfg.Policy.Lease; l != "" {
		if d, err := localtime.ParseDuration(l); err != nil || d < time.Minute {
			c.ds.Errorf(doc.PosOf("policy", "lease"), "policy", "a lease of a few minutes (15m) lets another run take over a crashed one quickly", "policy.lease must be a duration of at least 1m")
		}
	}
	for i, dl := range cfg.Reports.Delays {
		if _, err := localtime.ParseDuration(dl); err != nil {
			c.ds.Errorf(doc.PosOf("reports", "delays", fmt.Sprint(i)), "reports", "", "%v", err)
		}
	}
	if cfg.Reports.Cron != "" {
		if _, err := calendar.ParseSchedule(cfg.Reports.Cron, ""); err != nil {
			c.ds.Errorf(doc.PosOf("reports", "cron"), "reports", "five fields: minute hour day-of-month month day-of-week", "%v", err)
		}
	}
}

// networks lists the network names accounts may use.
var networks = []string{"mastodon", "bluesky", "x", "linkedin", "facebook", "instagram", "telegram", "discord", "slack", "webhook", "sandbox"}

func setOf(keys ...string) map[string]bool {
	m := map[string]bool{"handle": true, "api": true, "limit": true, "utm": true}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// settingsFor lists the settings each network reads.
var settingsFor = map[string]map[string]bool{
	"mastodon":  setOf("server", "token", "visibility"),
	"bluesky":   setOf("server", "password"),
	"x":         setOf("token", "user_id", "consumer_key", "consumer_secret", "access_token", "access_secret"),
	"linkedin":  setOf("author", "token", "version"),
	"facebook":  setOf("page_id", "token", "version"),
	"instagram": setOf("user_id", "token", "version", "media_base_url"),
	"telegram":  setOf("chat_id", "token"),
	"discord":   setOf("webhook", "forum", "thread_id", "allowed_mentions", "guild_id", "style", "username", "avatar_url"),
	"slack":     setOf("webhook", "unfurl"),
	"webhook":   setOf("url", "secret", "media"),
	"sandbox":   setOf("emulate", "outbox"),
}

func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return time.LoadLocation(name)
}

// index builds the id maps and reports duplicates, naming both files.
func (c *checker) index() {
	c.posts, c.campaigns = map[string]*content.Document{}, map[string]*content.Document{}
	c.calendars, c.contests = map[string]*content.Document{}, map[string]*content.Document{}
	for _, d := range c.repo.Docs {
		var m map[string]*content.Document
		switch d.Kind {
		case content.KindPost:
			m = c.posts
		case content.KindCampaign:
			m = c.campaigns
		case content.KindContest:
			m = c.contests
		case content.KindCalendar:
			m = c.calendars
		}
		if prev, dup := m[d.ID]; dup {
			c.ds.Errorf(d.PosOf("id"), "duplicate-id", "ids identify what was published; give each document its own", "%s id %q is already used by %s", d.Kind, d.ID, prev.Path)
			continue
		}
		m[d.ID] = d
	}
}

// account checks that an account name exists.
func (c *checker) account(d *content.Document, name string, path ...string) bool {
	if c.repo.Config == nil {
		return false
	}
	if _, ok := c.repo.Config.Accounts[name]; ok {
		return true
	}
	hint := "declare it under accounts: in clairon.yaml"
	if s := diag.Suggest(name, slices.Sorted(maps.Keys(c.repo.Config.Accounts))); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	}
	c.ds.Errorf(d.PosOf(path...), "ref-account", hint, "unknown account %q", name)
	return false
}

// ref checks a reference to another document.
func (c *checker) ref(d *content.Document, kind content.Kind, id string, m map[string]*content.Document, path ...string) *content.Document {
	if id == "" {
		return nil
	}
	if t, ok := m[id]; ok {
		return t
	}
	hint := fmt.Sprintf("no %s has this id", kind)
	if s := diag.Suggest(id, slices.Sorted(maps.Keys(m))); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	}
	c.ds.Errorf(d.PosOf(path...), "ref-"+string(kind), hint, "unknown %s %q", kind, id)
	return nil
}

// parseTime parses a date-time of a document; problems become diagnostics.
func (c *checker) parseTime(d *content.Document, s string, path ...string) (localtime.Parsed, bool) {
	p, err := localtime.Parse(s, c.locFor(d))
	if err != nil {
		code, hint := "date", ""
		switch err.(type) {
		case *localtime.GapError:
			code, hint = "dst-gap", "pick a time outside the skipped hour"
		case *localtime.OverlapError:
			code = "dst-overlap"
		}
		c.ds.Errorf(d.PosOf(path...), code, hint, "%s: %v", strings.Join(path, "."), err)
		return p, false
	}
	return p, true
}

// locFor returns the time zone a document's times are read in.
func (c *checker) locFor(d *content.Document) *time.Location {
	if d.Calendar != nil && d.Calendar.Timezone != "" {
		if loc, err := loadZone(d.Calendar.Timezone); err == nil {
			return loc
		}
	}
	return c.loc
}

func (c *checker) campaign(d *content.Document) {
	k := d.Campaign
	from, ok1 := c.parseTime(d, k.From, "from")
	to, ok2 := c.parseTime(d, k.To, "to")
	if ok1 && ok2 && from.Time.After(to.EndOfDay(c.loc)) {
		c.ds.Errorf(d.PosOf("from"), "date-order", "", "campaign starts (%s) after it ends (%s)", k.From, k.To)
	}
	for i, a := range k.Accounts {
		c.account(d, a, "accounts", fmt.Sprint(i))
	}
}

func (c *checker) contest(d *content.Document) {
	k := d.Contest
	c.ref(d, content.KindCampaign, k.Campaign, c.campaigns, "campaign")
	opens, ok1 := c.parseTime(d, k.Opens, "opens")
	closes, ok2 := c.parseTime(d, k.Closes, "closes")
	if ok1 && ok2 && !opens.Time.Before(closes.EndOfDay(c.loc)) {
		c.ds.Errorf(d.PosOf("opens"), "date-order", "", "contest opens (%s) after it closes (%s)", k.Opens, k.Closes)
	}
	announce := c.ref(d, content.KindPost, k.Announce, c.posts, "announce")
	for i, a := range k.Entry.Accounts {
		if c.account(d, a, "entry", "accounts", fmt.Sprint(i)) && announce != nil && !slices.Contains(announce.Post.To, a) {
			c.ds.Errorf(d.PosOf("entry", "accounts", fmt.Sprint(i)), "contest-account", "entries are collected under the announcement: add the account to its to: list", "entry account %q does not publish the announcement post %q", a, k.Announce)
		}
	}
	if announce != nil && ok1 {
		at := announce.Post.At
		if at == "" || at == content.AtNextSlot {
			c.ds.Warnf(d.PosOf("announce"), "contest-announce", "give the announcement post a fixed at: before the contest opens", "announcement post %q has no fixed publication time", k.Announce)
		} else if p, err := localtime.Parse(at, c.loc); err == nil && p.Time.After(opens.Time) {
			c.ds.Errorf(d.PosOf("announce"), "contest-announce", "publish the announcement before the contest opens", "announcement post %q is published at %s, after the contest opens at %s", k.Announce, at, k.Opens)
		}
	}
	if k.RulesURL != "" {
		if u, err := url.Parse(k.RulesURL); err != nil || u.Host == "" {
			c.ds.Errorf(d.PosOf("rules_url"), "contest-rules", "the règlement must be reachable by every entrant", "rules_url %q is not a valid URL", k.RulesURL)
		}
	}
}

func (c *checker) calendar(d *content.Document) {
	k := d.Calendar
	if k.Timezone != "" {
		if _, err := loadZone(k.Timezone); err != nil {
			c.ds.Errorf(d.PosOf("timezone"), "timezone", "use an IANA name such as Europe/Paris", "unknown time zone %q", k.Timezone)
		}
	}
	from, ok1 := c.parseTime(d, k.From, "from")
	to, ok2 := c.parseTime(d, k.To, "to")
	if ok1 && ok2 && from.Time.After(to.EndOfDay(c.locFor(d))) {
		c.ds.Errorf(d.PosOf("from"), "date-order", "", "calendar starts (%s) after it ends (%s)", k.From, k.To)
	}
	for i, s := range k.Slots {
		idx := fmt.Sprint(i)
		if s.Cron != "" && s.Every != "" {
			c.ds.Errorf(d.PosOf("slots", idx), "calendar-slot", "keep one of the two", "slot has both cron and every")
		}
		field := "every"
		if s.Cron != "" {
			field = "cron"
		}
		if _, err := calendar.ParseSchedule(s.Cron, s.Every); err != nil {
			c.ds.Errorf(d.PosOf("slots", idx, field), "calendar-slot", "cron has five fields (minute hour day-of-month month day-of-week); every is like \"tue,thu 10:00\"", "%v", err)
		}
		for j, a := range s.Accounts {
			c.account(d, a, "slots", idx, "accounts", fmt.Sprint(j))
		}
		c.ref(d, content.KindCampaign, s.Campaign, c.campaigns, "slots", idx, "campaign")
	}
	for i, b := range k.Blackouts {
		idx := fmt.Sprint(i)
		bf, ok1 := c.parseTime(d, b.From, "blackouts", idx, "from")
		bt, ok2 := c.parseTime(d, b.To, "blackouts", idx, "to")
		if ok1 && ok2 && bf.Time.After(bt.EndOfDay(c.locFor(d))) {
			c.ds.Errorf(d.PosOf("blackouts", idx, "from"), "date-order", "", "blackout starts (%s) after it ends (%s)", b.From, b.To)
		}
	}
	if q := k.Policy.QuietHours; q != "" {
		if _, err := localtime.ParseClockRange(q); err != nil {
			c.ds.Errorf(d.PosOf("policy", "quiet_hours"), "policy", "", "%v", err)
		}
	}
	if g := k.Policy.MinGap; g != "" {
		if _, err := localtime.ParseDuration(g); err != nil {
			c.ds.Errorf(d.PosOf("policy", "min_gap"), "policy", "", "%v", err)
		}
	}
}
