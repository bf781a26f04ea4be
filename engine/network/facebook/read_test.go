package facebook

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// postsPage renders a /posts page of (id, message, created_time) items.
func postsPage(next string, items ...[3]string) string {
	var parts []string
	for _, it := range items {
		parts = append(parts, fmt.Sprintf(`{"id":%q,"message":%q,"created_time":%q}`, it[0], it[1], it[2]))
	}
	paging := `"cursors":{"before":"b","after":"` + next + `"}`
	if next != "" {
		paging += `,"next":"https://graph.facebook.com/v25.0/` + testPage + `/posts?after=` + next + `"`
	}
	return `{"data":[` + strings.Join(parts, ",") + `],"paging":{` + paging + `}}`
}

func withAfter(q url.Values, after string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	out.Set("after", after)
	return out
}

func TestLookup(t *testing.T) {
	p := &network.Post{Text: "Soldes d'hiver\r\n", CreatedAt: testNow}
	recent, old := "2026-03-02T09:31:02+0000", "2026-03-01T08:00:00+0000"
	tests := []struct {
		name   string
		pages  []exchange
		result network.LookupResult
		id     string
	}{
		{"found on the second page", []exchange{
			{Method: "GET", Path: testPage + "/posts", Query: postsQuery, Body: postsPage("c1", [3]string{testPage + "_2", "Autre chose", recent})},
			{Method: "GET", Path: testPage + "/posts", Query: withAfter(postsQuery, "c1"), Body: postsPage("", [3]string{testPage + "_1", "Soldes d'hiver", recent})},
		}, network.Found, testPage + "_1"},
		{"absent once older posts are reached", []exchange{
			{Method: "GET", Path: testPage + "/posts", Query: postsQuery, Body: postsPage("c1",
				[3]string{testPage + "_3", "Autre chose", recent}, [3]string{testPage + "_1", "Soldes d'hiver", old})},
		}, network.Absent, ""},
		{"absent when the page has no more posts", []exchange{
			{Method: "GET", Path: testPage + "/posts", Query: postsQuery, Body: postsPage("", [3]string{testPage + "_3", "Autre chose", recent})},
		}, network.Absent, ""},
		{"unknown when the window is not fully read", []exchange{
			{Method: "GET", Path: testPage + "/posts", Query: postsQuery, Body: postsPage("c1", [3]string{testPage + "_5", "a", recent})},
			{Method: "GET", Path: testPage + "/posts", Query: withAfter(postsQuery, "c1"), Body: postsPage("c2", [3]string{testPage + "_6", "b", recent})},
			{Method: "GET", Path: testPage + "/posts", Query: withAfter(postsQuery, "c2"), Body: postsPage("c3", [3]string{testPage + "_7", "c", recent})},
			{Method: "GET", Path: testPage + "/posts", Query: withAfter(postsQuery, "c3"), Body: postsPage("c4", [3]string{testPage + "_8", "d", recent})},
		}, network.Unknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := script(t, tt.pages...)
			ref, res, err := newTest(t, srv).Lookup(t.Context(), p)
			if err != nil || res != tt.result || ref.ID != tt.id {
				t.Errorf("lookup = %q, %v, %v; want %q, %v", ref.ID, res, err, tt.id, tt.result)
			}
			if res == network.Found && ref.URL != "https://www.facebook.com/"+testPage+"/posts/1" {
				t.Errorf("found URL %q", ref.URL)
			}
		})
	}
}

func TestLookupComment(t *testing.T) {
	q := url.Values{"fields": {"id,message,created_time,from{id,name}"}, "filter": {"stream"},
		"order": {"reverse_chronological"}, "limit": {"25"}}
	srv := script(t, exchange{Method: "GET", Path: postID + "/comments", Query: q, Body: `{"data":[
		{"id":"900001_2","message":"Merci !","created_time":"2026-03-02T09:35:00+0000","from":{"id":"42","name":"Alice"}},
		{"id":"900001_1","message":"Merci !","created_time":"2026-03-02T09:31:00+0000","from":{"id":"` + testPage + `","name":"Page"}}]}`})
	ref, res, err := newTest(t, srv).Lookup(t.Context(), &network.Post{Text: "Merci !", CreatedAt: testNow,
		ReplyTo: &network.Ref{ID: postID, URL: postURL}})
	if err != nil || res != network.Found || ref.ID != "900001_1" {
		t.Fatalf("lookup = %+v, %v, %v; want the Page's own comment", ref, res, err)
	}
	if ref.URL != postURL+"?comment_id=1" {
		t.Errorf("URL %q", ref.URL)
	}
}

var metricsQuery = url.Values{"fields": {"reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"}}
var insightsQuery = url.Values{"metric": {"post_impressions,post_impressions_unique,post_clicks"}, "period": {"lifetime"}}

func TestMetrics(t *testing.T) {
	counts := `{"id":"` + postID + `","reactions":{"data":[],"summary":{"total_count":12,"viewer_reaction":"NONE"}},"comments":{"data":[],"summary":{"order":"ranked","total_count":3,"can_comment":true}}}`
	insights := `{"data":[
		{"name":"post_impressions","period":"lifetime","values":[{"value":812}],"id":"x/insights/post_impressions/lifetime"},
		{"name":"post_impressions_unique","period":"lifetime","values":[{"value":640}]},
		{"name":"post_clicks","period":"lifetime","values":[{"value":27}]}]}`
	t.Run("all figures", func(t *testing.T) {
		srv := script(t,
			exchange{Method: "GET", Path: postID, Query: metricsQuery, Body: counts},
			exchange{Method: "GET", Path: postID + "/insights", Query: insightsQuery, Body: insights})
		m, err := newTest(t, srv).Metrics(t.Context(), network.Ref{ID: postID})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"impressions": 812, "reach": 640, "clicks": 27, "likes": 12, "replies": 3, "reposts": 0}
		checkMetrics(t, m, want)
	})
	t.Run("insights not offered", func(t *testing.T) {
		srv := script(t,
			exchange{Method: "GET", Path: postID, Query: metricsQuery, Body: strings.Replace(counts, `}}}`, `}},"shares":{"count":4}}`, 1)},
			exchange{Method: "GET", Path: postID + "/insights", Query: insightsQuery, Status: 400,
				Body: `{"error":{"message":"(#100) The value must be a valid insights metric","type":"OAuthException","code":100,"fbtrace_id":"I"}}`})
		m, err := newTest(t, srv).Metrics(t.Context(), network.Ref{ID: postID})
		if err != nil {
			t.Fatal(err)
		}
		checkMetrics(t, m, map[string]int64{"likes": 12, "replies": 3, "reposts": 4})
	})
	t.Run("auth failure on insights", func(t *testing.T) {
		srv := script(t,
			exchange{Method: "GET", Path: postID, Query: metricsQuery, Body: counts},
			exchange{Method: "GET", Path: postID + "/insights", Query: insightsQuery, Status: 400,
				Body: `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"fbtrace_id":"I"}}`})
		_, err := newTest(t, srv).Metrics(t.Context(), network.Ref{ID: postID})
		if network.ClassOf(err) != network.Auth {
			t.Fatalf("metrics: %v, want an auth error", err)
		}
	})
	t.Run("post gone", func(t *testing.T) {
		srv := script(t, exchange{Method: "GET", Path: postID, Query: metricsQuery, Status: 400,
			Body: `{"error":{"message":"Unsupported get request.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"I"}}`})
		_, err := newTest(t, srv).Metrics(t.Context(), network.Ref{ID: postID})
		if !errors.Is(err, network.ErrNotFound) {
			t.Fatalf("metrics: %v, want ErrNotFound", err)
		}
	})
}

// checkMetrics compares m with want by JSON field name; fields absent from
// want must be nil.
func checkMetrics(t *testing.T, m network.Metrics, want map[string]int64) {
	t.Helper()
	fields := map[string]*int64{"impressions": m.Impressions, "reach": m.Reach, "likes": m.Likes, "reposts": m.Reposts,
		"replies": m.Replies, "quotes": m.Quotes, "bookmarks": m.Bookmarks, "clicks": m.Clicks}
	for name, v := range fields {
		w, ok := want[name]
		switch {
		case ok && v == nil:
			t.Errorf("%s is nil, want %d", name, w)
		case ok && *v != w:
			t.Errorf("%s = %d, want %d", name, *v, w)
		case !ok && v != nil:
			t.Errorf("%s = %d, want nil", name, *v)
		}
	}
}

func TestFollowers(t *testing.T) {
	q := url.Values{"fields": {"followers_count,fan_count"}}
	tests := []struct {
		body string
		want int64
		ok   bool
	}{
		{`{"id":"` + testPage + `","followers_count":1280,"fan_count":1175}`, 1280, true},
		{`{"id":"` + testPage + `","fan_count":1175}`, 1175, true},
		{`{"id":"` + testPage + `"}`, 0, false},
	}
	for _, tt := range tests {
		srv := script(t, exchange{Method: "GET", Path: testPage, Query: q, Body: tt.body})
		n, err := newTest(t, srv).Followers(t.Context())
		if n != tt.want || (err == nil) != tt.ok {
			t.Errorf("followers of %s = %d, %v; want %d", tt.body, n, err, tt.want)
		}
	}
}

func TestInteractions(t *testing.T) {
	ref := network.Ref{ID: postID}
	q := url.Values{"fields": {"id,message,created_time,permalink_url,from{id,name}"}, "filter": {"stream"},
		"order": {"reverse_chronological"}, "limit": {"100"}}
	t.Run("comments since a time", func(t *testing.T) {
		srv := script(t,
			exchange{Method: "GET", Path: postID + "/comments", Query: q, Body: `{"data":[
				{"id":"c4","message":"Je participe","created_time":"2026-03-03T10:00:00+0000","from":{"id":"11","name":"Alice"},"permalink_url":"https://www.facebook.com/c4"},
				{"id":"c3","message":"Merci","created_time":"2026-03-03T09:00:00+0000","from":{"id":"` + testPage + `","name":"Page"}}],
				"paging":{"cursors":{"before":"a","after":"p2"},"next":"https://graph.facebook.com/next"}}`},
			exchange{Method: "GET", Path: postID + "/comments", Query: withAfter(q, "p2"), Body: `{"data":[
				{"id":"c2","message":"Moi aussi","created_time":"2026-03-02T12:00:00+0000"},
				{"id":"c1","message":"Trop tôt","created_time":"2026-03-01T12:00:00+0000","from":{"id":"13","name":"Chloé"}}],
				"paging":{"cursors":{"before":"a","after":"p3"},"next":"https://graph.facebook.com/next"}}`})
		got, err := newTest(t, srv).Interactions(t.Context(), ref, network.Reply, testNow)
		if err != nil {
			t.Fatal(err)
		}
		want := []network.Interaction{
			{Kind: network.Reply, UserID: "11", Handle: "Alice", PostID: "c4", URL: "https://www.facebook.com/c4", Text: "Je participe",
				At: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)},
			{Kind: network.Reply, PostID: "c2", Text: "Moi aussi", At: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("interactions\n got %+v\nwant %+v", got, want)
		}
	})
	t.Run("reactions", func(t *testing.T) {
		srv := script(t, exchange{Method: "GET", Path: postID + "/reactions", Query: url.Values{"fields": {"id,name,type"}, "limit": {"100"}},
			Body: `{"data":[{"id":"11","name":"Alice","type":"LIKE"},{"id":"12","name":"Bruno","type":"LOVE"}]}`})
		got, err := newTest(t, srv).Interactions(t.Context(), ref, network.Like, time.Time{})
		if err != nil || len(got) != 2 || got[1].UserID != "12" || got[1].Handle != "Bruno" || got[1].Kind != network.Like {
			t.Fatalf("reactions = %+v, %v", got, err)
		}
	})
	t.Run("reposts unsupported", func(t *testing.T) {
		srv := script(t)
		_, err := newTest(t, srv).Interactions(t.Context(), ref, network.Repost, time.Time{})
		if !errors.Is(err, network.ErrUnsupported) || network.ClassOf(err) != network.Permanent {
			t.Fatalf("reposts: %v", err)
		}
	})
}
