package contest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/network"
)

// Spec is a contest file read for running the contest: times resolved in
// the repository's time zone, actions checked, defaults applied.
type Spec struct {
	ID string
	// Path and Blob name the contest file and its git blob hash (hex), which
	// enters the draw's seed.
	Path string
	Blob string
	// Zone is the IANA name of the time zone Opens and Closes were read in.
	Zone     string
	Announce string
	Campaign string
	// Opens and Closes bound the window, both included. A date without a
	// time closes at the end of that day.
	Opens, Closes time.Time
	// Accounts are the accounts whose copy of the announcement collects
	// entries (default: the announcement's accounts, see WithAccounts).
	Accounts []string
	// Actions must all be done by an entrant.
	Actions      []network.InteractionKind
	MustInclude  []string
	OnePerPerson bool
	Exclude      []string
	// People maps a person to their handle per network.
	People     map[string]map[string]string
	Winners    int
	Alternates int
	Prize      string
	RulesURL   string
	// After names the anchor commit (draw.after); empty means the commit
	// that recorded the entries last.
	After string
	// Template is the announcement template of the content repository
	// (draw.template); empty means the built-in one.
	Template string
}

// Find returns the contest document with the given id (or path).
func Find(repo *content.Repo, id string) (*content.Document, error) {
	var ids []string
	for _, d := range repo.Contests() {
		if d.ID == id || d.Path == id {
			return d, nil
		}
		ids = append(ids, d.ID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no contest %q: the repository has no contests (they live under contests/)", id)
	}
	if s := diag.Suggest(id, ids); s != "" {
		return nil, fmt.Errorf("no contest %q: did you mean %q?", id, s)
	}
	return nil, fmt.Errorf("no contest %q (contests: %s)", id, strings.Join(ids, ", "))
}

// FindPost returns the post document with the given id, or nil.
func FindPost(repo *content.Repo, id string) *content.Document {
	for _, d := range repo.Posts() {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// NewSpec reads a contest document, with times in loc. The entry accounts
// are those the file names; see WithAccounts for the default.
func NewSpec(d *content.Document, loc *time.Location) (*Spec, error) {
	if d == nil || d.Contest == nil {
		return nil, errors.New("not a contest document")
	}
	c := d.Contest
	s := &Spec{
		ID: d.ID, Path: d.Path, Blob: d.Blob, Zone: loc.String(),
		Announce: c.Announce, Campaign: c.Campaign,
		Accounts:     slices.Clone(c.Entry.Accounts),
		MustInclude:  slices.Clone(c.Entry.MustInclude),
		OnePerPerson: c.Entry.OnePerPerson == nil || *c.Entry.OnePerPerson,
		Exclude:      slices.Clone(c.Entry.Exclude),
		People:       c.Entry.People,
		Winners:      c.Winners, Alternates: c.Alternates,
		Prize: c.Prize, RulesURL: c.RulesURL,
		After: strings.TrimSpace(c.Draw.After), Template: c.Draw.Template,
	}
	if s.Blob == "" {
		return nil, fmt.Errorf("contest %s: the file's blob hash is unknown", d.Path)
	}
	opens, err := localtime.Parse(c.Opens, loc)
	if err != nil {
		return nil, fmt.Errorf("contest %s: opens: %w", d.Path, err)
	}
	closes, err := localtime.Parse(c.Closes, loc)
	if err != nil {
		return nil, fmt.Errorf("contest %s: closes: %w", d.Path, err)
	}
	s.Opens, s.Closes = opens.Time, closes.EndOfDay(loc)
	if !s.Opens.Before(s.Closes) {
		return nil, fmt.Errorf("contest %s: opens (%s) is not before closes (%s)", d.Path, c.Opens, c.Closes)
	}
	if c.Announce == "" {
		return nil, fmt.Errorf("contest %s: no announce post", d.Path)
	}
	if s.Winners < 1 {
		return nil, fmt.Errorf("contest %s: winners must be at least 1", d.Path)
	}
	if s.Alternates < 0 {
		return nil, fmt.Errorf("contest %s: alternates cannot be negative", d.Path)
	}
	text := false
	for _, a := range c.Entry.Action {
		k := network.InteractionKind(a)
		switch k {
		case network.Reply, network.Quote:
			text = true
		case network.Repost, network.Like:
		default:
			return nil, fmt.Errorf("contest %s: unknown entry action %q (reply, repost, like or quote)", d.Path, a)
		}
		if !slices.Contains(s.Actions, k) {
			s.Actions = append(s.Actions, k)
		}
	}
	if len(s.Actions) == 0 {
		return nil, fmt.Errorf("contest %s: entry.action lists no action", d.Path)
	}
	if len(s.MustInclude) > 0 && !text {
		return nil, fmt.Errorf("contest %s: must_include needs a reply or quote among the entry actions, to have a text to look in", d.Path)
	}
	return s, nil
}

// WithAccounts fills in the default entry accounts: the announcement's.
func (s *Spec) WithAccounts(announceTo []string) {
	if len(s.Accounts) == 0 {
		s.Accounts = slices.Clone(announceTo)
	}
}

// Open reports whether the contest's window has started and not ended at t.
func (s *Spec) Open(t time.Time) bool { return !t.Before(s.Opens) && !t.After(s.Closes) }

// EntriesPath is where a contest's entries snapshot is kept on the state branch.
func EntriesPath(id string) string { return "contests/" + id + "/entries.json" }

// DrawPath is where a contest's draw is kept on the state branch.
func DrawPath(id string) string { return "contests/" + id + "/draw.json" }
