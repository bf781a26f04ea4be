package bluesky_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest/blueskyfake"
)

// seeded publishes a post and has five people like, repost, reply to and
// quote it at one-minute intervals from at.
func seeded(t *testing.T, opts ...blueskyfake.Option) (*blueskyfake.Server, network.Adapter, network.Ref, []string) {
	t.Helper()
	f, a := start(t, opts...)
	ref, err := a.Publish(t.Context(), &network.Post{Key: key("s1"), Text: "contest!", CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	var handles []string
	for i := range 5 {
		h := "fan" + string(rune('a'+i)) + ".test"
		handles = append(handles, h)
		f.AddAccount(h, "x")
		when := at.Add(time.Duration(i) * time.Minute)
		must(t, f.Like(ref.ID, h, when))
		if i < 3 {
			must(t, f.Repost(ref.ID, h, when))
		}
		if i < 2 {
			reply, err := f.Reply(ref.ID, h, "count me in "+h, when)
			must(t, err)
			// A reply to the reply is not a direct reply to the post.
			_, err = f.Reply(reply, "alice.test", "good luck", when)
			must(t, err)
		}
		if i == 4 {
			_, err := f.Quote(ref.ID, h, "look at this", when)
			must(t, err)
		}
	}
	return f, a, ref, handles
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMetrics(t *testing.T) {
	f, a, ref, _ := seeded(t)
	m, err := a.(network.MetricsReader).Metrics(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	val := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	got := []int64{val(m.Likes), val(m.Reposts), val(m.Replies), val(m.Quotes), val(m.Bookmarks)}
	if want := []int64{5, 3, 2, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("likes, reposts, replies, quotes, bookmarks = %v, want %v", got, want)
	}
	if m.Impressions != nil || m.Reach != nil || m.Clicks != nil {
		t.Errorf("impressions, reach or clicks set: %+v", m)
	}
	req := only(f, "app.bsky.feed.getPosts")
	if len(req) != 1 || !slices.Equal(req[0].Query["uris"], []string{ref.ID}) {
		t.Errorf("getPosts requests %+v", req)
	}

	_, err = a.(network.MetricsReader).Metrics(t.Context(), network.Ref{ID: ref.ID + "x"})
	if !errors.Is(err, network.ErrNotFound) {
		t.Errorf("metrics of a missing post: %v, want ErrNotFound", err)
	}
}

func TestFollowers(t *testing.T) {
	f, a := start(t)
	f.SetFollowers(1234)
	n, err := a.Followers(t.Context())
	if err != nil || n != 1234 {
		t.Fatalf("followers = %d, %v; want 1234", n, err)
	}
	req := only(f, "app.bsky.actor.getProfile")
	if len(req) != 1 || req[0].Query.Get("actor") != f.DID() {
		t.Errorf("getProfile requests %+v", req)
	}
}

func TestInteractions(t *testing.T) {
	// Pages of two, so that every list of more than two follows cursors.
	f, a, ref, handles := seeded(t, blueskyfake.WithMaxPage(2))
	l := a.(network.InteractionLister)
	tests := []struct {
		kind  network.InteractionKind
		since time.Time
		want  []string
		nsid  string
		pages int
	}{
		{network.Like, time.Time{}, handles, "app.bsky.feed.getLikes", 3},
		{network.Like, at.Add(3 * time.Minute), handles[3:], "app.bsky.feed.getLikes", 3},
		{network.Repost, at.Add(3 * time.Minute), handles[:3], "app.bsky.feed.getRepostedBy", 2},
		{network.Reply, time.Time{}, handles[:2], "app.bsky.feed.getPostThread", 1},
		{network.Reply, at.Add(time.Minute), handles[1:2], "app.bsky.feed.getPostThread", 1},
		{network.Quote, time.Time{}, handles[4:], "app.bsky.feed.getQuotes", 1},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+" since "+tc.since.Format("15:04"), func(t *testing.T) {
			before := len(only(f, tc.nsid))
			got, err := l.Interactions(t.Context(), ref, tc.kind, tc.since)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, it := range got {
				if it.Kind != tc.kind || it.UserID == "" {
					t.Errorf("interaction %+v", it)
				}
				names = append(names, it.Handle)
			}
			slices.Sort(names)
			if !slices.Equal(names, tc.want) {
				t.Errorf("handles %v, want %v", names, tc.want)
			}
			reqs := only(f, tc.nsid)[before:]
			if len(reqs) != tc.pages {
				t.Errorf("%d %s requests, want %d", len(reqs), tc.nsid, tc.pages)
			}
			for i, r := range reqs {
				if r.Query.Get("uri") != ref.ID {
					t.Errorf("request %d uri=%q", i, r.Query.Get("uri"))
				}
				if tc.kind == network.Reply {
					if r.Query.Get("depth") != "1" {
						t.Errorf("getPostThread depth=%q", r.Query.Get("depth"))
					}
					continue
				}
				if r.Query.Get("limit") != "100" || r.Query.Get("cid") != ref.Extra["cid"] {
					t.Errorf("request %d query %v", i, r.Query)
				}
				if (i == 0) != (r.Query.Get("cursor") == "") {
					t.Errorf("request %d cursor=%q", i, r.Query.Get("cursor"))
				}
			}
		})
	}

	replies, err := l.Interactions(t.Context(), ref, network.Reply, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r := replies[0]
	if r.Text != "count me in "+r.Handle || r.PostID == "" || !r.At.Equal(at.Truncate(time.Millisecond)) && !r.At.Equal(at.Add(time.Minute).Truncate(time.Millisecond)) {
		t.Errorf("reply %+v", r)
	}
	if want := "https://bsky.app/profile/" + r.Handle + "/post/"; len(r.URL) <= len(want) || r.URL[:len(want)] != want {
		t.Errorf("reply URL %q", r.URL)
	}
	likes, _ := l.Interactions(t.Context(), ref, network.Like, time.Time{})
	for _, lk := range likes {
		if lk.At.IsZero() || lk.PostID != "" {
			t.Errorf("like %+v: want a time and no post", lk)
		}
	}
	if _, err := l.Interactions(t.Context(), ref, "follow", time.Time{}); network.ClassOf(err) != network.Permanent {
		t.Errorf("unknown kind: %v", err)
	}
}
