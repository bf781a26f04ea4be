package rules

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/localtime"
)

func (c *checker) post(d *content.Document) {
	p := d.Post
	cfg := c.repo.Config
	for i, a := range p.To {
		if cfg != nil && cfg.Accounts[a] != nil {
			continue // declared: account would report nothing
		}
		c.account(d, a, "to", fmt.Sprint(i))
	}
	campaign := c.ref(d, content.KindCampaign, p.Campaign, c.campaigns, "campaign")
	c.ref(d, content.KindCalendar, p.Calendar, c.calendars, "calendar")

	if p.At == content.AtNextSlot {
		if p.Calendar == "" {
			c.ds.Errorf(d.PosOf("at"), "next-slot", "add calendar: with the id of an editorial calendar", "at: next-slot needs a calendar to take the slot from")
		}
	} else if p.At != "" {
		if at, ok := c.parseTime(d, p.At, "at"); ok && campaign != nil {
			span := c.spans[campaign] // every campaign of c.campaigns, made by Check
			if span.ok && (at.Time.Before(span.from) || at.Time.After(span.to)) {
				c.ds.Errorf(d.PosOf("at"), "campaign-dates", fmt.Sprintf("campaign %q runs from %s to %s", p.Campaign, campaign.Campaign.From, campaign.Campaign.To), "post is published at %s, outside its campaign's dates", p.At)
			}
		}
	}
	if campaign != nil && len(campaign.Campaign.Accounts) > 0 {
		for i, a := range p.To {
			if !slices.Contains(campaign.Campaign.Accounts, a) {
				c.ds.Errorf(d.PosOf("to", fmt.Sprint(i)), "campaign-account", fmt.Sprintf("campaign %q runs on: %s", p.Campaign, strings.Join(campaign.Campaign.Accounts, ", ")), "account %q is not one of the campaign's accounts", a)
			}
		}
	}
	if p.ReplyTo != "" && !strings.Contains(p.ReplyTo, "://") {
		if t := c.ref(d, content.KindPost, p.ReplyTo, c.posts, "reply_to"); t == d {
			c.ds.Errorf(d.PosOf("reply_to"), "ref-post", "", "a post cannot reply to itself")
		}
	}
	if p.Poll != nil && p.Poll.Duration != "" {
		if _, err := localtime.ParseDuration(p.Poll.Duration); err != nil {
			c.ds.Errorf(d.PosOf("poll", "duration"), "poll", "", "%v", err)
		}
	}

	c.media(d, p.Media, "media")
	for key, o := range p.Overrides {
		if !slices.Contains(networks, key) && (cfg == nil || cfg.Accounts[key] == nil) {
			hint := "override keys are network names (" + strings.Join(networks, ", ") + ") or account names"
			c.ds.Errorf(d.KeyPos("overrides", key), "override-target", hint, "override %q names neither a network nor an account", key)
		} else if !c.targets(p, key) {
			c.ds.Warnf(d.KeyPos("overrides", key), "override-unused", "add the account to to:, or remove the override", "override %q matches none of the post's accounts", key)
		}
		if o.Media != nil {
			c.media(d, *o.Media, "overrides", key, "media")
		}
	}
}

// targets reports whether an override key applies to one of the post's accounts.
func (c *checker) targets(p *content.Post, key string) bool {
	for _, a := range p.To {
		if a == key {
			return true
		}
		if c.repo.Config != nil {
			if acc := c.repo.Config.Accounts[a]; acc != nil && acc.Network == key {
				return true
			}
		}
	}
	return false
}

func (c *checker) media(d *content.Document, media []content.MediaRef, at ...string) {
	altIsError := c.repo.Config == nil || c.repo.Config.Policy.AltText != "warning"
	for i, m := range media {
		// The item's key path, made only for a diagnostic: most media have
		// none, and 10,000 posts would otherwise build 20,000 slices a run.
		where := func(key ...string) []string { return append(append(append([]string{}, at...), fmt.Sprint(i)), key...) }
		p, err := content.MediaPath(m.Src)
		if err != nil {
			c.ds.Errorf(d.PosOf(where("src")...), "media-path", "put the file under media/ and write its path, such as media/2026/photo.jpg", "%v", err)
			continue
		}
		ext := strings.ToLower(path.Ext(p))
		mime, known := content.MediaTypes[ext]
		if !known {
			c.ds.Errorf(d.PosOf(where("src")...), "media-type", "supported: .jpg, .png, .gif, .webp, .mp4, .mov", "unsupported media type %q", ext)
		}
		f, exists := c.repo.Media[p]
		switch {
		case !exists:
			hint := "add the file under media/"
			if s := suggestMedia(p, c.repo.Media); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			c.ds.Errorf(d.PosOf(where("src")...), "media-missing", hint, "media file %s not found", p)
		case f.Symlink:
			c.ds.Errorf(d.PosOf(where("src")...), "media-path", "replace the link with the file itself", "media %s is a symbolic link, which may point outside the repository", p)
		case known:
			c.sniff(d, p, mime, where)
		}
		if strings.TrimSpace(m.Alt) == "" {
			msg, hint := "media %s has no alt text", "describe what the image shows in alt:, for people who cannot see it"
			if altIsError {
				c.ds.Errorf(d.PosOf(where()...), "alt-text", hint, msg, p)
			} else {
				c.ds.Warnf(d.PosOf(where()...), "alt-text", hint, msg, p)
			}
		}
	}
}

// span is when a campaign runs, as posts compare their times with it.
type span struct {
	from, to time.Time // to is the end of the last day
	ok       bool      // both dates parse
}

// span parses a campaign's dates, once for all its posts (see Check).
func (c *checker) span(campaign *content.Document) span {
	from, e1 := localtime.Parse(campaign.Campaign.From, c.loc)
	to, e2 := localtime.Parse(campaign.Campaign.To, c.loc)
	if e1 != nil || e2 != nil {
		return span{}
	}
	return span{from: from.Time, to: to.EndOfDay(c.loc), ok: true}
}

// sniffs remembers what each media file holds, read once however many
// posts use it; posts are checked on every core.
type sniffs struct {
	mu sync.Mutex
	m  map[string]sniffed
}

// of returns what the media file at p holds.
func (s *sniffs) of(repo *content.Repo, p string) sniffed {
	s.mu.Lock()
	sn, ok := s.m[p]
	s.mu.Unlock()
	if ok {
		return sn
	}
	b, err := repo.ReadHead(p, 512)
	if err == nil {
		sn.contentType = http.DetectContentType(b)
		sn.lfsPointer = bytes.HasPrefix(b, []byte("version https://git-lfs.github.com/spec/"))
	}
	sn.err = err
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]sniffed{}
	}
	s.m[p] = sn
	return sn
}

// sniffed is what a media file holds.
type sniffed struct {
	contentType string
	lfsPointer  bool // a Git LFS pointer file stands where the media should be
	err         error
}

// sniff checks that a media file's content matches its extension.
func (c *checker) sniff(d *content.Document, p, mime string, where func(...string) []string) {
	sn := c.sniffs.of(c.repo, p)
	if err := sn.err; err != nil {
		c.ds.Errorf(d.PosOf(where("src")...), "media-missing", "", "cannot read media %s: %v", p, err)
		return
	}
	if sn.lfsPointer {
		c.ds.Errorf(d.PosOf(where("src")...), "media-lfs", "fetch it with git lfs pull (in a workflow, actions/checkout with lfs: true); clairon plan --rev reads the pointers, plan from the working tree instead", "media %s is a Git LFS pointer, not the file itself", p)
		return
	}
	got := sn.contentType
	family := func(m string) string { t, _, _ := strings.Cut(m, "/"); return t }
	if got == "application/octet-stream" && strings.HasPrefix(mime, "video/") {
		return // DetectContentType does not know QuickTime
	}
	if family(got) != family(mime) || (strings.HasPrefix(mime, "image/") && got != mime) {
		c.ds.Errorf(d.PosOf(where("src")...), "media-type", "re-export the file in the format its name says", "media %s is named like %s but contains %s", p, mime, got)
	}
}

// suggestMedia finds a media file with the same name elsewhere, or a close name.
func suggestMedia(p string, media map[string]content.MediaFile) string {
	names := slices.Sorted(maps.Keys(media))
	for _, k := range names {
		if path.Base(k) == path.Base(p) {
			return k
		}
	}
	return diag.Suggest(p, names)
}
