package content

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Post is the front matter of a post (posts/**.md). The body is the text; a
// thematic break (a `---` line between blank lines) splits a thread.
type Post struct {
	Kind     string   `yaml:"kind"`
	ID       string   `yaml:"id"`
	Title    string   `yaml:"title"`
	To       []string `yaml:"to"`
	At       string   `yaml:"at"`
	Status   string   `yaml:"status"`
	Campaign string   `yaml:"campaign"`
	Calendar string   `yaml:"calendar"`
	Language string   `yaml:"language"`
	Tags     []string `yaml:"tags"`
	// ContentWarning is shown before the text on networks that have one.
	ContentWarning string              `yaml:"content_warning"`
	Media          []MediaRef          `yaml:"media"`
	Poll           *Poll               `yaml:"poll"`
	FirstComment   string              `yaml:"first_comment"`
	ReplyTo        string              `yaml:"reply_to"`
	Overrides      map[string]Override `yaml:"overrides"`
	UTM            *UTMSetting         `yaml:"utm"`
	Thread         *ThreadSetting      `yaml:"thread"`
}

// Post statuses.
const (
	StatusDraft = "draft"
	StatusReady = "ready"
)

// AtNextSlot is the `at:` value that takes the next free slot of the post's calendar.
const AtNextSlot = "next-slot"

// IsDraft reports whether the post is a draft (validated, never published).
func (p *Post) IsDraft() bool { return p.Status == StatusDraft }

// MediaRef is an attachment: a path under media/ and its alternative text.
type MediaRef struct {
	Src   string     `yaml:"src"`
	Alt   string     `yaml:"alt"`
	Focus *[]float64 `yaml:"focus"`
}

// Poll is a poll attached to a post.
type Poll struct {
	Options  []string `yaml:"options"`
	Duration string   `yaml:"duration"`
	Multiple bool     `yaml:"multiple"`
}

// Override replaces parts of a post for one network or one account (the key
// of Post.Overrides). An account override wins over a network override.
type Override struct {
	Text           *string     `yaml:"text"`
	Media          *[]MediaRef `yaml:"media"`
	Tags           *[]string   `yaml:"tags"`
	ContentWarning *string     `yaml:"content_warning"`
}

// UTMSetting is `utm: false` (no tagging), or values overriding the campaign's template.
type UTMSetting struct {
	Off bool
	UTM
}

// UnmarshalYAML accepts a boolean or a mapping.
func (u *UTMSetting) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var on bool
		if err := n.Decode(&on); err != nil {
			return err
		}
		u.Off = !on
		return nil
	}
	return n.Decode(&u.UTM)
}

// UTM holds UTM parameters; values may use {network}, {account}, {post} and
// {campaign} placeholders.
type UTM struct {
	Source   string `yaml:"source"`
	Medium   string `yaml:"medium"`
	Campaign string `yaml:"campaign"`
	Content  string `yaml:"content"`
	Term     string `yaml:"term"`
}

// ThreadSetting controls automatic thread splitting: `thread: auto`, or
// `thread: {split: auto, numbering: true}`.
type ThreadSetting struct {
	Split     string `yaml:"split"`
	Numbering bool   `yaml:"numbering"`
}

// Auto reports whether long text is split into a thread automatically.
func (t *ThreadSetting) Auto() bool { return t != nil && t.Split == "auto" }

// UnmarshalYAML accepts a scalar (the split mode) or a mapping.
func (t *ThreadSetting) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		t.Split = n.Value
		return nil
	}
	type plain ThreadSetting
	return n.Decode((*plain)(t))
}

// Campaign is the front matter of a campaign (campaigns/*.md); the body is the brief.
type Campaign struct {
	Kind     string   `yaml:"kind"`
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	From     string   `yaml:"from"`
	To       string   `yaml:"to"`
	Accounts []string `yaml:"accounts"`
	Hashtags []string `yaml:"hashtags"`
	// HashtagPlacement is "end" (default: appended on a line of their own),
	// or "none" (the post's text places them itself).
	HashtagPlacement string `yaml:"hashtag_placement"`
	UTM              *UTM   `yaml:"utm"`
	Goals            *Goals `yaml:"goals"`
}

// Goals are a campaign's targets, compared with its KPIs in reports.
type Goals struct {
	EngagementRate *Percent `yaml:"engagement_rate"`
	Reach          *int64   `yaml:"reach"`
	Impressions    *int64   `yaml:"impressions"`
	FollowerGrowth *int64   `yaml:"follower_growth"`
	Clicks         *int64   `yaml:"clicks"`
	Likes          *int64   `yaml:"likes"`
	Reposts        *int64   `yaml:"reposts"`
	Replies        *int64   `yaml:"replies"`
	Posts          *int64   `yaml:"posts"`
}

// Percent is a ratio written as "4.5%" or 0.045.
type Percent float64

// UnmarshalYAML accepts "4.5%" or a number.
func (p *Percent) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParsePercent(n.Value)
	if err != nil {
		return err
	}
	*p = Percent(v)
	return nil
}

// ParsePercent parses "4.5%" (0.045) or "0.045".
func ParsePercent(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "%") {
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if err != nil {
			return 0, fmt.Errorf("invalid percentage %q", s)
		}
		return f / 100, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid ratio %q (write 4.5%% or 0.045)", s)
	}
	return f, nil
}

// Contest is the front matter of a contest (contests/*.md); the body is the
// summary of its rules.
type Contest struct {
	Kind       string `yaml:"kind"`
	ID         string `yaml:"id"`
	Campaign   string `yaml:"campaign"`
	Announce   string `yaml:"announce"`
	Opens      string `yaml:"opens"`
	Closes     string `yaml:"closes"`
	Entry      Entry  `yaml:"entry"`
	Winners    int    `yaml:"winners"`
	Alternates int    `yaml:"alternates"`
	Prize      string `yaml:"prize"`
	RulesURL   string `yaml:"rules_url"`
	Draw       Draw   `yaml:"draw"`
}

// Entry says how people enter a contest.
type Entry struct {
	Accounts []string `yaml:"accounts"`
	// Action lists what an entrant must do, all of them: reply, repost, like, quote.
	Action       []string `yaml:"action"`
	MustInclude  []string `yaml:"must_include"`
	OnePerPerson *bool    `yaml:"one_per_person"`
	// Exclude lists handles that cannot win (staff, the brand itself).
	Exclude []string `yaml:"exclude"`
	// People maps a person to their handle on each network, so one person
	// entering on two networks counts once.
	People map[string]map[string]string `yaml:"people"`
}

// Draw holds the options of a contest's draw.
type Draw struct {
	// After names the commit (or ref) after closing whose hash enters the seed.
	After string `yaml:"after"`
	// Template is the winners' announcement template under templates/ of the
	// content repository, or the built-in one when empty.
	Template string `yaml:"template"`
}

// Calendar is the front matter of an editorial calendar (calendars/*.md).
type Calendar struct {
	Kind      string     `yaml:"kind"`
	ID        string     `yaml:"id"`
	Name      string     `yaml:"name"`
	Timezone  string     `yaml:"timezone"`
	From      string     `yaml:"from"`
	To        string     `yaml:"to"`
	Slots     []Slot     `yaml:"slots"`
	Blackouts []Blackout `yaml:"blackouts"`
	Policy    Policy     `yaml:"policy"`
}

// Slot is a recurring publication slot: a cron expression or the friendly
// `every: "tue,thu 10:00"` form.
type Slot struct {
	Cron     string   `yaml:"cron"`
	Every    string   `yaml:"every"`
	Accounts []string `yaml:"accounts"`
	Theme    string   `yaml:"theme"`
	Campaign string   `yaml:"campaign"`
}

// Blackout is a period without publication.
type Blackout struct {
	From   string `yaml:"from"`
	To     string `yaml:"to"`
	Reason string `yaml:"reason"`
}

// Policy limits publication: quiet hours ("22:00-08:00"), a minimum gap per
// account ("3h"), a maximum per account and day.
type Policy struct {
	QuietHours string `yaml:"quiet_hours"`
	MinGap     string `yaml:"min_gap"`
	MaxPerDay  int    `yaml:"max_per_day"`
}

// Config is clairon.yaml.
type Config struct {
	Timezone string              `yaml:"timezone"`
	Accounts map[string]*Account `yaml:"accounts"`
	State    StateConfig         `yaml:"state"`
	Policy   GlobalPolicy        `yaml:"policy"`
	Reports  ReportsConfig       `yaml:"reports"`
	// Mentions is the cross-network handle table: key -> network -> handle.
	Mentions map[string]map[string]string `yaml:"mentions"`
	Limits   LimitsConfig                 `yaml:"limits"`
}

// Account is one account on one network. Secrets are `env:NAME` references.
type Account struct {
	Network string `yaml:"network"`
	// Prune allows deleting published posts whose file was removed.
	Prune bool `yaml:"prune"`
	// Repost allows replacing (delete then re-publish) a changed post on a
	// network that cannot edit.
	Repost bool `yaml:"repost"`
	// Settings holds the network-specific keys (server, handle, page_id,
	// token…), validated by the config schema.
	Settings map[string]string `yaml:",inline"`
}

// StateConfig says where the publication state lives.
type StateConfig struct {
	Branch string `yaml:"branch"`
	Remote string `yaml:"remote"`
}

// GlobalPolicy holds repository-wide publication policy.
type GlobalPolicy struct {
	Freeze     *Freeze `yaml:"freeze"`
	QuietHours string  `yaml:"quiet_hours"`
	// AltText is "error" (default) or "warning": media without alt text.
	AltText string `yaml:"alt_text"`
	// LeaseDuration is how long a claim lasts before it is reconciled ("15m").
	Lease string `yaml:"lease"`
}

// Freeze stops all publication: `freeze: true` or `{reason, until}`.
type Freeze struct {
	On     bool
	Reason string `yaml:"reason"`
	Until  string `yaml:"until"`
}

// UnmarshalYAML accepts a boolean or a mapping (a mapping freezes).
func (f *Freeze) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&f.On)
	}
	type plain Freeze
	if err := n.Decode((*plain)(f)); err != nil {
		return err
	}
	f.On = true
	return nil
}

// ReportsConfig schedules metric snapshots and reports.
type ReportsConfig struct {
	// Delays after publication at which metrics are snapshotted ("1h", "24h", "72h").
	Delays []string `yaml:"delays"`
	// Cron is when the scheduler collects metrics and writes reports.
	Cron string `yaml:"cron"`
}

// LimitsConfig bounds what the loader accepts.
type LimitsConfig struct {
	// MaxFileSize is the largest document accepted, in bytes ("1MiB" style
	// strings are accepted too). Default 1 MiB.
	MaxFileSize string `yaml:"max_file_size"`
}

// DefaultReportDelays are the metric snapshot delays when none are configured.
var DefaultReportDelays = []string{"1h", "24h", "72h"}

// DefaultStateBranch is the state branch when none is configured.
const DefaultStateBranch = "clairon/state"
