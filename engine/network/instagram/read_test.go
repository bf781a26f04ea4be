package instagram

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

var mediaListQuery = url.Values{"fields": {"id,caption,timestamp,permalink"}, "limit": {"25"}}

func mediaList(next string, items ...[3]string) string {
	var parts []string
	for _, it := range items {
		parts = append(parts, fmt.Sprintf(`{"id":%q,"caption":%q,"timestamp":%q,"permalink":"https://www.instagram.com/p/%s/"}`, it[0], it[1], it[2], it[0]))
	}
	paging := `"cursors":{"before":"b","after":"` + next + `"}`
	if next != "" {
		paging += `,"next":"https://graph.facebook.com/v25.0/` + testUser + `/media?after=` + next + `"`
	}
	return `{"data":[` + strings.Join(parts, ",") + `],"paging":{` + paging + `}}`
}

func TestLookup(t *testing.T) {
	p := &network.Post{Key: strings.Repeat("f", 32), Text: "Soldes ☀️", CreatedAt: testNow, Media: []network.Media{jpeg("a.jpg", "")}}
	recent, old := "2026-03-02T09:30:05+0000", "2026-02-20T09:00:00+0000"
	tests := []struct {
		name      string
		exchanges []exchange
		result    network.LookupResult
		id        string
	}{
		{"found", []exchange{{Method: "GET", Path: testUser + "/media", Query: mediaListQuery,
			Body: mediaList("c1", [3]string{"2", "Autre", recent}, [3]string{"1", "Soldes ☀️", recent})}}, network.Found, "1"},
		{"same caption, but older", []exchange{{Method: "GET", Path: testUser + "/media", Query: mediaListQuery,
			Body: mediaList("c1", [3]string{"1", "Soldes ☀️", old})}}, network.Absent, ""},
		{"end of the account", []exchange{{Method: "GET", Path: testUser + "/media", Query: mediaListQuery,
			Body: mediaList("", [3]string{"2", "Autre", recent})}}, network.Absent, ""},
		{"window not read to its end", []exchange{
			{Method: "GET", Path: testUser + "/media", Query: mediaListQuery, Body: mediaList("c1", [3]string{"5", "a", recent})},
			{Method: "GET", Path: testUser + "/media", Query: with(mediaListQuery, "after", "c1"), Body: mediaList("c2", [3]string{"6", "b", recent})},
			{Method: "GET", Path: testUser + "/media", Query: with(mediaListQuery, "after", "c2"), Body: mediaList("c3", [3]string{"7", "c", recent})},
			{Method: "GET", Path: testUser + "/media", Query: with(mediaListQuery, "after", "c3"), Body: mediaList("c4", [3]string{"8", "d", recent})},
		}, network.Unknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := newTest(t, tt.exchanges...)
			ref, res, err := a.Lookup(t.Context(), p)
			if err != nil || res != tt.result || ref.ID != tt.id {
				t.Errorf("lookup = %q, %v, %v; want %q, %v", ref.ID, res, err, tt.id, tt.result)
			}
		})
	}
}

// TestLookupOwnUnpublishedContainer: the container this process made for
// the key was never published and the recent media do not show the post,
// so it is absent even though the list was not read to its end.
func TestLookupOwnUnpublishedContainer(t *testing.T) {
	recent := "2026-03-02T09:30:05+0000"
	a, _ := newTest(t,
		exchange{Method: "GET", Path: testUser + "/media", Query: mediaListQuery, Body: mediaList("c1", [3]string{"5", "a", recent})},
		exchange{Method: "GET", Path: testUser + "/media", Query: with(mediaListQuery, "after", "c1"), Body: mediaList("c2", [3]string{"6", "b", recent})},
		exchange{Method: "GET", Path: testUser + "/media", Query: with(mediaListQuery, "after", "c2"), Body: mediaList("c3", [3]string{"7", "c", recent})},
		exchange{Method: "GET", Path: testUser + "/media", Query: with(mediaListQuery, "after", "c3"), Body: mediaList("c4", [3]string{"8", "d", recent})},
		status(container, "FINISHED"),
	)
	p := &network.Post{Key: strings.Repeat("g", 32), Text: "Bonjour", CreatedAt: testNow}
	a.remember(p.Key, func(at *attempt) { at.container, at.created = container, testNow })
	if _, res, err := a.Lookup(t.Context(), p); err != nil || res != network.Absent {
		t.Fatalf("lookup = %v, %v; want absent", res, err)
	}
}

func with(q url.Values, k, v string) url.Values {
	out := url.Values{}
	for key, vs := range q {
		out[key] = vs
	}
	out.Set(k, v)
	return out
}

var insightsQuery = url.Values{"metric": {"views,reach,likes,comments,shares,saved"}}

func TestMetrics(t *testing.T) {
	ref := network.Ref{ID: mediaID}
	t.Run("insights", func(t *testing.T) {
		a, _ := newTest(t, exchange{Method: "GET", Path: mediaID + "/insights", Query: insightsQuery, Body: `{"data":[
			{"name":"views","period":"lifetime","values":[{"value":1500}],"title":"Views","id":"x/insights/views/lifetime"},
			{"name":"reach","period":"lifetime","values":[{"value":900}]},
			{"name":"likes","period":"lifetime","values":[{"value":87}]},
			{"name":"comments","period":"lifetime","values":[{"value":9}]},
			{"name":"shares","period":"lifetime","values":[{"value":4}]},
			{"name":"saved","period":"lifetime","total_value":{"value":12}}]}`})
		m, err := a.Metrics(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(*m.Impressions, *m.Reach, *m.Likes, *m.Replies, *m.Reposts, *m.Bookmarks, m.Clicks == nil, m.Quotes == nil)
		if got != "1500 900 87 9 4 12 true true" {
			t.Errorf("metrics = %s", got)
		}
	})
	t.Run("not enough viewers", func(t *testing.T) {
		a, _ := newTest(t,
			exchange{Method: "GET", Path: mediaID + "/insights", Query: insightsQuery, Status: 400,
				Body: `{"error":{"message":"(#10) Not enough viewers for the media to show insights","type":"OAuthException","code":10,"fbtrace_id":"V"}}`},
			exchange{Method: "GET", Path: mediaID, Query: url.Values{"fields": {"like_count,comments_count"}}, Body: `{"like_count":5,"comments_count":2,"id":"` + mediaID + `"}`})
		m, err := a.Metrics(t.Context(), ref)
		if err != nil || m.Likes == nil || *m.Likes != 5 || *m.Replies != 2 || m.Reach != nil || m.Impressions != nil {
			t.Fatalf("metrics = %+v, %v", m, err)
		}
	})
	t.Run("permission missing", func(t *testing.T) {
		a, _ := newTest(t, exchange{Method: "GET", Path: mediaID + "/insights", Query: insightsQuery, Status: 403,
			Body: `{"error":{"message":"(#10) Application does not have permission for this action","type":"OAuthException","code":10,"fbtrace_id":"V"}}`})
		if _, err := a.Metrics(t.Context(), ref); network.ClassOf(err) != network.Auth {
			t.Fatalf("metrics: %v, want auth", err)
		}
	})
	t.Run("gone", func(t *testing.T) {
		a, _ := newTest(t, exchange{Method: "GET", Path: mediaID + "/insights", Query: insightsQuery, Status: 400,
			Body: `{"error":{"message":"Unsupported get request.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"V"}}`})
		if _, err := a.Metrics(t.Context(), ref); !errors.Is(err, network.ErrNotFound) {
			t.Fatalf("metrics: %v, want not found", err)
		}
	})
}

func TestFollowers(t *testing.T) {
	a, _ := newTest(t, exchange{Method: "GET", Path: testUser, Query: url.Values{"fields": {"followers_count"}}, Body: `{"followers_count":4321,"id":"` + testUser + `"}`})
	if n, err := a.Followers(t.Context()); err != nil || n != 4321 {
		t.Fatalf("followers = %d, %v", n, err)
	}
}

func TestInteractions(t *testing.T) {
	q := url.Values{"fields": {"id,text,timestamp,username,from{id,username}"}, "limit": {"50"}}
	a, _ := newTest(t,
		exchange{Method: "GET", Path: mediaID + "/comments", Query: q, Body: `{"data":[
			{"id":"c3","text":"Je tente ma chance","timestamp":"2026-03-03T10:00:00+0000","username":"alice","from":{"id":"901","username":"alice"}},
			{"id":"c2","text":"Merci à tous","timestamp":"2026-03-03T09:00:00+0000","username":"clairon","from":{"id":"` + testUser + `","username":"clairon"}}],
			"paging":{"cursors":{"before":"a","after":"p2"},"next":"https://graph.facebook.com/next"}}`},
		exchange{Method: "GET", Path: mediaID + "/comments", Query: with(q, "after", "p2"), Body: `{"data":[
			{"id":"c1","text":"Trop tôt","timestamp":"2026-03-01T10:00:00+0000","username":"bruno"},
			{"id":"c0","text":"Moi !","timestamp":"2026-03-02T10:00:00+0000","username":"chloe"}]}`},
	)
	got, err := a.Interactions(t.Context(), network.Ref{ID: mediaID}, network.Reply, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []network.Interaction{
		{Kind: network.Reply, UserID: "901", Handle: "alice", PostID: "c3", Text: "Je tente ma chance", At: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)},
		{Kind: network.Reply, UserID: "chloe", Handle: "chloe", PostID: "c0", Text: "Moi !", At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("interactions\n got %+v\nwant %+v", got, want)
	}
	b, _ := newTest(t)
	if _, err := b.Interactions(t.Context(), network.Ref{ID: mediaID}, network.Like, time.Time{}); !errors.Is(err, network.ErrUnsupported) {
		t.Errorf("likes: %v, want unsupported", err)
	}
}
