package contest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

func TestEligibility(t *testing.T) {
	in := opens.Add(48 * time.Hour)
	before := opens.Add(-time.Minute)
	late := closes.Add(time.Minute)
	const m, b = "brand-mastodon", "brand-bluesky"
	reply := func(acc, net, h, text string, at time.Time) Entry {
		return entry(acc, net, network.Reply, h, text, at)
	}
	repost := func(acc, net, h string) Entry { return entry(acc, net, network.Repost, h, "", time.Time{}) }
	deleted := func(e Entry) Entry { e.DeletedAt = closes.Add(time.Hour); return e }
	seen := func(e Entry, t time.Time) Entry { e.FirstSeen = t; return e }

	tests := []struct {
		name     string
		spec     func(*Spec)
		entries  []Entry
		extra    []Collection // collections besides one at closes+1m
		eligible []string
		reasons  map[string]string // entrant id -> a reason it must have
	}{
		{
			name:     "reply and repost on one network",
			entries:  []Entry{reply(m, "mastodon", "@ana@a.fr", "Je joue #concours !", in), repost(m, "mastodon", "@ana@a.fr")},
			eligible: []string{"mastodon:ana@a.fr"},
		},
		{
			name:     "a missing action",
			entries:  []Entry{reply(m, "mastodon", "@ana@a.fr", "#Concours", in)},
			reasons:  map[string]string{"mastodon:ana@a.fr": "no repost"},
			eligible: nil,
		},
		{
			name:     "must_include is case-insensitive and required",
			entries:  []Entry{reply(m, "mastodon", "@ana@a.fr", "#CONCOURS", in), repost(m, "mastodon", "@ana@a.fr"), reply(m, "mastodon", "@bob@b.fr", "je joue", in), repost(m, "mastodon", "@bob@b.fr")},
			eligible: []string{"mastodon:ana@a.fr"},
			reasons:  map[string]string{"mastodon:bob@b.fr": `no reply contains "#Concours"`},
		},
		{
			name:     "one valid reply among several is enough",
			entries:  []Entry{reply(m, "mastodon", "@ana@a.fr", "first try", in), reply(m, "mastodon", "@ana@a.fr", "#concours", in.Add(time.Hour)), repost(m, "mastodon", "@ana@a.fr")},
			eligible: []string{"mastodon:ana@a.fr"},
		},
		{
			name: "dated entries outside the window",
			entries: []Entry{reply(m, "mastodon", "@early@a.fr", "#concours", before), repost(m, "mastodon", "@early@a.fr"),
				reply(m, "mastodon", "@late@a.fr", "#concours", late), repost(m, "mastodon", "@late@a.fr")},
			reasons: map[string]string{"mastodon:early@a.fr": "reply made before the contest opened", "mastodon:late@a.fr": "reply made after the contest closed"},
		},
		{
			name: "undated entries are dated by the collections",
			entries: []Entry{
				reply(m, "mastodon", "@ana@a.fr", "#concours", in), seen(repost(m, "mastodon", "@ana@a.fr"), opens.Add(-time.Hour)),
				reply(m, "mastodon", "@bob@b.fr", "#concours", in), seen(repost(m, "mastodon", "@bob@b.fr"), in),
				reply(m, "mastodon", "@cy@c.fr", "#concours", in), seen(repost(m, "mastodon", "@cy@c.fr"), closes.Add(time.Minute)),
				reply(m, "mastodon", "@dan@d.fr", "#concours", in), seen(repost(m, "mastodon", "@dan@d.fr"), closes.Add(48*time.Hour)),
			},
			extra:    []Collection{{At: opens.Add(-time.Hour)}, {At: in}, {At: closes.Add(48 * time.Hour)}},
			eligible: []string{"mastodon:bob@b.fr", "mastodon:cy@c.fr"},
			reasons: map[string]string{
				"mastodon:ana@a.fr": "repost seen before the contest opened",
				"mastodon:dan@d.fr": "repost first seen after the contest closed",
			},
		},
		{
			name:     "deleted entries are dropped",
			entries:  []Entry{deleted(reply(m, "mastodon", "@ana@a.fr", "#concours", in)), repost(m, "mastodon", "@ana@a.fr")},
			reasons:  map[string]string{"mastodon:ana@a.fr": "reply deleted"},
			eligible: nil,
		},
		{
			name: "exclusions by handle, any case, with or without @",
			entries: []Entry{reply(m, "mastodon", "@Brand@Piaille.fr", "#concours", in), repost(m, "mastodon", "@brand@piaille.fr"),
				reply(b, "bluesky", "staff.bsky.social", "#concours", in), repost(b, "bluesky", "staff.bsky.social")},
			reasons: map[string]string{"mastodon:brand@piaille.fr": "excluded: entry.exclude lists @brand@piaille.fr", "bluesky:staff.bsky.social": "excluded"},
		},
		{
			name:     "actions across networks join through people",
			entries:  []Entry{reply(m, "mastodon", "@lea@piaille.fr", "#concours", in), repost(b, "bluesky", "lea.bsky.social")},
			eligible: []string{"person:lea"},
		},
		{
			name: "one entry per person across networks",
			entries: []Entry{reply(m, "mastodon", "@lea@piaille.fr", "#concours", in), repost(m, "mastodon", "@lea@piaille.fr"),
				reply(b, "bluesky", "lea.bsky.social", "#concours", in), repost(b, "bluesky", "lea.bsky.social")},
			eligible: []string{"person:lea"},
		},
		{
			name: "without one_per_person each handle is its own entrant",
			spec: func(s *Spec) { s.OnePerPerson = false },
			entries: []Entry{reply(m, "mastodon", "@lea@piaille.fr", "#concours", in), repost(m, "mastodon", "@lea@piaille.fr"),
				reply(b, "bluesky", "lea.bsky.social", "#concours", in), repost(b, "bluesky", "lea.bsky.social")},
			eligible: []string{"bluesky:lea.bsky.social", "mastodon:lea@piaille.fr"},
		},
		{
			name: "an excluded handle excludes the whole person",
			spec: func(s *Spec) { s.Exclude = append(s.Exclude, "lea.bsky.social") },
			entries: []Entry{reply(m, "mastodon", "@lea@piaille.fr", "#concours", in), repost(m, "mastodon", "@lea@piaille.fr"),
				repost(b, "bluesky", "lea.bsky.social")},
			reasons: map[string]string{"person:lea": "excluded: entry.exclude lists lea.bsky.social"},
		},
		{
			name:     "likes and quotes",
			spec:     func(s *Spec) { s.Actions = []network.InteractionKind{network.Like, network.Quote} },
			entries:  []Entry{entry(b, "bluesky", network.Like, "x.bsky.social", "", in), entry(b, "bluesky", network.Quote, "x.bsky.social", "#Concours ☕", in), entry(b, "bluesky", network.Like, "y.bsky.social", "", in)},
			eligible: []string{"bluesky:x.bsky.social"},
			reasons:  map[string]string{"bluesky:y.bsky.social": "no quote"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := parseSpec(t, contestFile)
			if tt.spec != nil {
				tt.spec(spec)
			}
			snap := &Snapshot{Format: SnapshotFormat, Contest: "noel", Entries: tt.entries,
				Collections: append([]Collection{{At: closes.Add(time.Minute)}}, tt.extra...)}
			el := Check(spec, snap)
			var ids []string
			for _, e := range el.Eligible {
				ids = append(ids, e.ID)
				if len(e.Reasons) > 0 {
					t.Errorf("eligible %s has reasons %q", e.ID, e.Reasons)
				}
			}
			if !slices.Equal(ids, tt.eligible) {
				t.Errorf("eligible %q, want %q", ids, tt.eligible)
			}
			for id, want := range tt.reasons {
				i := slices.IndexFunc(el.Ineligible, func(e Entrant) bool { return e.ID == id })
				if i < 0 {
					t.Errorf("%s is not among the ineligible %+v", id, el.Ineligible)
					continue
				}
				if !slices.ContainsFunc(el.Ineligible[i].Reasons, func(r string) bool { return strings.Contains(r, want) }) {
					t.Errorf("%s: reasons %q, want one containing %q", id, el.Ineligible[i].Reasons, want)
				}
			}
			if n := len(el.Eligible) + len(el.Ineligible); n == 0 {
				t.Error("no entrants at all")
			}
			if !slices.IsSortedFunc(el.Eligible, func(a, b Entrant) int { return strings.Compare(a.ID, b.ID) }) {
				t.Error("eligible list not sorted by id")
			}
		})
	}
}

func TestNewSpec(t *testing.T) {
	s := parseSpec(t, contestFile)
	if !s.Opens.Equal(opens) || !s.Closes.Equal(closes) {
		t.Errorf("window %v – %v, want %v – %v", s.Opens, s.Closes, opens, closes)
	}
	if !s.OnePerPerson || s.Winners != 2 || s.Alternates != 1 || s.Zone != "Europe/Paris" {
		t.Errorf("spec %+v", s)
	}
	dateOnly := parseSpec(t, strings.Replace(contestFile, "closes: 2026-12-16 23:59", "closes: 2026-12-16", 1))
	if want := time.Date(2026, 12, 17, 0, 0, 0, 0, paris).Add(-time.Nanosecond); !dateOnly.Closes.Equal(want) {
		t.Errorf("a date alone closes at %v, want the end of the day %v", dateOnly.Closes, want)
	}
	for name, src := range map[string]string{
		"must_include without text": strings.Replace(contestFile, "action: [reply, repost]", "action: [like, repost]", 1),
		"window backwards":          strings.Replace(contestFile, "opens: 2026-12-03 10:00", "opens: 2026-12-20 10:00", 1),
	} {
		if _, err := NewSpec(parseDoc(t, src), paris); err == nil {
			t.Errorf("%s: NewSpec accepted it", name)
		}
	}
}
