package contest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
)

// AnnouncementPath is where the winners' announcement draft is written in
// the content repository: posts/<contest>-gagnants.md.
func AnnouncementPath(contestID string) string {
	return "posts/" + path.Base(contestID) + "-gagnants.md"
}

// AnnouncementData is what an announcement template is executed with.
type AnnouncementData struct {
	// PostID is the draft's id: <contest>-gagnants.
	PostID   string
	Contest  string
	Announce string
	Campaign string
	// To are the announcement's accounts, which the draft targets too.
	To []string
	// Networks has one entry per network of To, sorted, with every winner
	// named the way that network mentions people.
	Networks []NetworkMentions
	// Winners are in rank order; Names has one display name per winner.
	Winners    []Pick
	Names      []string
	Alternates int
	Prize      string
	RulesURL   string
	Seed       string
	Round      int
	// DrawnAt is in the contest's time zone.
	DrawnAt time.Time
	// Verify is the command that checks the draw.
	Verify string
}

// NetworkMentions names the winners on one network.
type NetworkMentions struct {
	Network  string
	Mentions []string
}

// NewAnnouncementData gathers the data of the announcement draft. to are
// the announcement post's accounts and networks maps each account to its
// network.
func NewAnnouncementData(spec *Spec, rec *DrawRecord, to []string, networks map[string]string) *AnnouncementData {
	d := &AnnouncementData{
		PostID: path.Base(spec.ID) + "-gagnants", Contest: spec.ID, Announce: spec.Announce, Campaign: spec.Campaign,
		To: slices.Clone(to), Winners: rec.Winners, Alternates: len(rec.Alternates),
		Prize: spec.Prize, RulesURL: spec.RulesURL, Seed: rec.Seed, Round: rec.Inputs.Round,
		DrawnAt: rec.DrawnAt.In(zone(spec.Zone)), Verify: "clairon contest verify " + spec.ID,
	}
	var nets []string
	for _, acc := range to {
		if n := networks[acc]; n != "" && !slices.Contains(nets, n) {
			nets = append(nets, n)
		}
	}
	slices.Sort(nets)
	for _, n := range nets {
		nm := NetworkMentions{Network: n}
		for _, w := range rec.Winners {
			nm.Mentions = append(nm.Mentions, Mention(w.Handles, n))
		}
		d.Networks = append(d.Networks, nm)
	}
	for _, w := range rec.Winners {
		var hs []string
		for _, h := range w.Handles {
			hs = append(hs, h.Handle)
		}
		d.Names = append(d.Names, strings.Join(hs, " / "))
	}
	return d
}

// Mention writes a winner for a network: their handle there as a mention
// ("@lea@piaille.fr", "@lea.bsky.social"), or, when they did not enter on
// that network, their handle elsewhere as plain text with its network.
func Mention(hs []Handle, network string) string {
	for _, h := range hs {
		if h.Network == network {
			return "@" + strings.TrimPrefix(h.Handle, "@")
		}
	}
	if len(hs) == 0 {
		return ""
	}
	return strings.TrimPrefix(hs[0].Handle, "@") + " (" + hs[0].Network + ")"
}

// Announcement executes an announcement template and checks that the
// result is a draft post: the announcement is reviewed and published by a
// person, never by the draw.
func Announcement(name, tmpl string, data *AnnouncementData) ([]byte, error) {
	t := template.New(name).Option("missingkey=error")
	t.Funcs(template.FuncMap{
		"join":     strings.Join,
		"quote":    yamlQuote,
		"sentence": sentence,
		"indent":   indent,
		"short":    short,
		"dict":     dict,
		"include": func(name string, v any) (string, error) {
			var b bytes.Buffer
			err := t.ExecuteTemplate(&b, name, v)
			return b.String(), err
		},
	})
	if _, err := t.Parse(tmpl); err != nil {
		return nil, fmt.Errorf("announcement template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("announcement template %s: %w", name, err)
	}
	out := b.Bytes()
	doc, ds := content.ParseDocument(AnnouncementPath(data.Contest), content.KindPost, out)
	if doc == nil || doc.Post == nil || ds.HasErrors() {
		var msgs []string
		for _, d := range ds {
			if d.Severity == diag.Error {
				msgs = append(msgs, d.String())
			}
		}
		return nil, fmt.Errorf("announcement template %s does not make a valid post: %s", name, strings.Join(msgs, "; "))
	}
	if !doc.Post.IsDraft() {
		return nil, fmt.Errorf("announcement template %s must make a draft (status: draft): the winners are announced after a person has read the post", name)
	}
	return out, nil
}

// yamlQuote writes s as a double-quoted YAML scalar (JSON's string syntax
// is a subset of it).
func yamlQuote(s string) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// sentence joins names the French way: "a", "a et b", "a, b et c".
func sentence(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " et " + names[len(names)-1]
}

// indent prefixes every non-empty line of s with n spaces.
func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

// dict builds a map from key, value pairs, to pass several values to a
// sub-template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key, value pairs")
	}
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
