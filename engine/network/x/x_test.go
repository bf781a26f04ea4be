package x

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

var bearer = map[string]string{"Authorization": "Bearer tok-123"}

func jsonHeaders() map[string]string {
	return map[string]string{"Authorization": "Bearer tok-123", "Content-Type": "application/json"}
}

func TestNewConfig(t *testing.T) {
	oauth1 := map[string]string{"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at", "access_secret": "as"}
	tests := []struct {
		name     string
		settings map[string]string
		secrets  map[string]string
		wantErr  string
	}{
		{"bearer", nil, map[string]string{"token": "t"}, ""},
		{"oauth1", nil, oauth1, ""},
		{"nothing", nil, nil, "secret token"},
		{"both", nil, map[string]string{"token": "t", "consumer_key": "ck"}, "not both"},
		{"partial oauth1", nil, map[string]string{"consumer_key": "ck", "access_token": "at"}, "access_secret, consumer_secret"},
		{"bad api", map[string]string{"api": "ftp://x"}, map[string]string{"token": "t"}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(network.Config{Settings: tt.settings, Secrets: tt.secrets})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New: %v, want an error containing %q", err, tt.wantErr)
			}
			if err != nil {
				for _, v := range tt.secrets {
					if strings.Contains(err.Error(), v) && len(v) > 2 {
						t.Errorf("error %q shows secret %q", err, v)
					}
				}
			}
		})
	}
}

func TestPublishText(t *testing.T) {
	api := script(t, exchange{
		Method: "POST", Path: "/2/tweets", Header: jsonHeaders(),
		JSON:   `{"text":"Bonjour à tous"}`,
		Status: 201, Resp: `{"data":{"id":"1880000000000000010","text":"Bonjour à tous","edit_history_tweet_ids":["1880000000000000010"]}}`,
	})
	a, _ := newTest(t, api, nil)
	ref, err := a.Publish(t.Context(), &network.Post{Text: "Bonjour à tous", CreatedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != "1880000000000000010" || ref.URL != "https://x.com/clairon_fr/status/1880000000000000010" {
		t.Errorf("ref = %+v", ref)
	}
	if ref.Extra[extraCreatedAt] != "2026-03-02T10:00:00Z" {
		t.Errorf("created_at extra = %q", ref.Extra[extraCreatedAt])
	}
}

func TestPublishReplyWithPoll(t *testing.T) {
	api := script(t, exchange{
		Method: "POST", Path: "/2/tweets", Header: jsonHeaders(),
		JSON:   `{"text":"Votre préféré ?","reply":{"in_reply_to_tweet_id":"1880000000000000010"},"poll":{"options":["Oui","Non"],"duration_minutes":1440}}`,
		Status: 201, Resp: `{"data":{"id":"1880000000000000011","text":"Votre préféré ?"}}`,
	})
	a, _ := newTest(t, api, nil)
	_, err := a.Publish(t.Context(), &network.Post{
		Text:    "Votre préféré ?",
		ReplyTo: &network.Ref{ID: "1880000000000000010"},
		Poll:    &network.Poll{Options: []string{"Oui", "Non"}, Duration: 24 * time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// multipartCheck asserts a multipart body's fields and its media file.
func multipartCheck(fields map[string]string, file string) func(*testing.T, *http.Request, []byte) {
	return func(t *testing.T, r *http.Request, body []byte) {
		t.Helper()
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			t.Fatalf("Content-Type %q, want multipart/form-data", r.Header.Get("Content-Type"))
		}
		rd := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
		got := map[string]string{}
		gotFile := ""
		for {
			p, err := rd.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(p)
			if p.FileName() != "" {
				if p.FormName() != "media" {
					t.Errorf("file part %q, want media", p.FormName())
				}
				gotFile = string(b)
				continue
			}
			got[p.FormName()] = string(b)
		}
		if len(got) != len(fields) {
			t.Errorf("fields %v, want %v", got, fields)
		}
		for k, v := range fields {
			if got[k] != v {
				t.Errorf("field %s = %q, want %q", k, got[k], v)
			}
		}
		if gotFile != file {
			t.Errorf("media part %q, want %q", gotFile, file)
		}
	}
}

func TestPublishImagesWithAlt(t *testing.T) {
	api := script(t,
		exchange{
			Method: "POST", Path: "/2/media/upload", Header: bearer,
			Check: multipartCheck(map[string]string{"media_category": "tweet_image", "media_type": "image/png"}, "PNGDATA1"),
			Resp:  `{"data":{"id":"1900000000000000001","media_key":"3_1900000000000000001","size":8,"expires_after_secs":86400}}`,
		},
		exchange{
			Method: "POST", Path: "/2/media/metadata", Header: jsonHeaders(),
			JSON: `{"id":"1900000000000000001","metadata":{"alt_text":{"text":"Un carré vert"}}}`,
			Resp: `{"data":{"id":"1900000000000000001","associated_metadata":{"alt_text":{"text":"Un carré vert"}}}}`,
		},
		exchange{
			Method: "POST", Path: "/2/media/upload", Header: bearer,
			Check: multipartCheck(map[string]string{"media_category": "tweet_image", "media_type": "image/jpeg"}, "JPEGDATA"),
			Resp:  `{"data":{"id":"1900000000000000002","media_key":"3_1900000000000000002","size":8,"expires_after_secs":86400}}`,
		},
		exchange{
			Method: "POST", Path: "/2/tweets", Header: jsonHeaders(),
			JSON:   `{"text":"Deux images","media":{"media_ids":["1900000000000000001","1900000000000000002"]}}`,
			Status: 201, Resp: `{"data":{"id":"1880000000000000012","text":"Deux images https://t.co/abc"}}`,
		},
	)
	a, _ := newTest(t, api, nil)
	_, err := a.Publish(t.Context(), &network.Post{Text: "Deux images", Media: []network.Media{
		{Name: "a.png", MIME: "image/png", Data: []byte("PNGDATA1"), Alt: "Un carré vert"},
		{Name: "b.jpg", MIME: "image/jpeg", Data: []byte("JPEGDATA")},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPublishVideoChunked(t *testing.T) {
	statusQuery := url.Values{"command": {"STATUS"}, "media_id": {"1900000000000000009"}}
	api := script(t,
		exchange{
			Method: "POST", Path: "/2/media/upload/initialize", Header: jsonHeaders(),
			JSON: `{"media_type":"video/mp4","total_bytes":10,"media_category":"tweet_video"}`,
			Resp: `{"data":{"id":"1900000000000000009","media_key":"7_1900000000000000009","expires_after_secs":86399}}`,
		},
		exchange{Method: "POST", Path: "/2/media/upload/1900000000000000009/append", Header: bearer,
			Check: multipartCheck(map[string]string{"segment_index": "0"}, "0123"), Resp: `{"data":{"expires_at":1772535600}}`},
		exchange{Method: "POST", Path: "/2/media/upload/1900000000000000009/append", Header: bearer,
			Check: multipartCheck(map[string]string{"segment_index": "1"}, "4567"), Resp: `{"data":{"expires_at":1772535600}}`},
		exchange{Method: "POST", Path: "/2/media/upload/1900000000000000009/append", Header: bearer,
			Check: multipartCheck(map[string]string{"segment_index": "2"}, "89"), Resp: `{"data":{"expires_at":1772535600}}`},
		exchange{
			Method: "POST", Path: "/2/media/upload/1900000000000000009/finalize", Header: bearer,
			Resp: `{"data":{"id":"1900000000000000009","media_key":"7_1900000000000000009","size":10,"expires_after_secs":86400,"processing_info":{"state":"pending","check_after_secs":3}}}`,
		},
		exchange{Method: "GET", Path: "/2/media/upload", Query: statusQuery, Header: bearer,
			Resp: `{"data":{"id":"1900000000000000009","processing_info":{"state":"in_progress","check_after_secs":5,"progress_percent":40}}}`},
		exchange{Method: "GET", Path: "/2/media/upload", Query: statusQuery, Header: bearer,
			Resp: `{"data":{"id":"1900000000000000009","processing_info":{"state":"succeeded","progress_percent":100}}}`},
		exchange{
			Method: "POST", Path: "/2/tweets", Header: jsonHeaders(),
			JSON:   `{"text":"La vidéo","media":{"media_ids":["1900000000000000009"]}}`,
			Status: 201, Resp: `{"data":{"id":"1880000000000000013","text":"La vidéo https://t.co/v"}}`,
		},
	)
	a, slept := newTest(t, api, nil)
	a.chunk = 4
	_, err := a.Publish(t.Context(), &network.Post{Text: "La vidéo", Media: []network.Media{{Name: "v.mp4", MIME: "video/mp4", Data: []byte("0123456789")}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{3 * time.Second, 5 * time.Second}; len(*slept) != 2 || (*slept)[0] != want[0] || (*slept)[1] != want[1] {
		t.Errorf("waited %v, want %v (check_after_secs)", *slept, want)
	}
}

func TestMediaProcessingFailed(t *testing.T) {
	api := script(t,
		exchange{Method: "POST", Path: "/2/media/upload/initialize", Resp: `{"data":{"id":"1900000000000000009","media_key":"16_1900000000000000009"}}`},
		exchange{Method: "POST", Path: "/2/media/upload/1900000000000000009/append", Resp: `{}`},
		exchange{Method: "POST", Path: "/2/media/upload/1900000000000000009/finalize",
			Resp: `{"data":{"id":"1900000000000000009","processing_info":{"state":"failed","error":{"code":1,"message":"InvalidMedia"}}}}`},
	)
	a, _ := newTest(t, api, nil)
	_, err := a.Publish(t.Context(), &network.Post{Text: "gif", Media: []network.Media{{MIME: "image/gif", Data: []byte("GIF89a")}}})
	if network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "InvalidMedia") {
		t.Fatalf("err = %v, want a permanent processing failure", err)
	}
}

func TestValidate(t *testing.T) {
	img := network.Media{MIME: "image/png", Data: []byte("x")}
	tests := []struct {
		name string
		p    network.Post
		want string // "" for valid
	}{
		{"text", network.Post{Text: "ok"}, ""},
		{"empty", network.Post{Text: "  "}, "needs text or media"},
		{"five images", network.Post{Text: "x", Media: []network.Media{img, img, img, img, img}}, "at most 4"},
		{"video with image", network.Post{Text: "x", Media: []network.Media{{MIME: "video/mp4"}, img}}, "only attachment"},
		{"pdf", network.Post{Text: "x", Media: []network.Media{{MIME: "application/pdf"}}}, "does not accept"},
		{"big image", network.Post{Text: "x", Media: []network.Media{{MIME: "image/jpeg", Data: make([]byte, 5<<20+1)}}}, "up to"},
		{"long alt", network.Post{Text: "x", Media: []network.Media{{MIME: "image/png", Alt: strings.Repeat("é", 1001)}}}, "alt text of 1001"},
		{"poll and media", network.Post{Text: "x", Media: []network.Media{img}, Poll: &network.Poll{Options: []string{"a", "b"}, Duration: time.Hour}}, "poll and media"},
		{"one option", network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a"}, Duration: time.Hour}}, "1 options"},
		{"long option", network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a", strings.Repeat("b", 26)}, Duration: time.Hour}}, "26 characters"},
		{"short poll", network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a", "b"}, Duration: 4 * time.Minute}}, "5 minutes to 7 days"},
		{"long poll", network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a", "b"}, Duration: 8 * 24 * time.Hour}}, "5 minutes to 7 days"},
		{"multiple", network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a", "b"}, Duration: time.Hour, Multiple: true}}, "single choice"},
		{"week poll", network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a", "b", "c", "d"}, Duration: 7 * 24 * time.Hour}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate("publish", &tt.p)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || network.ClassOf(err) != network.Permanent {
				t.Fatalf("validate: %v, want a permanent error containing %q", err, tt.want)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	t.Run("deleted", func(t *testing.T) {
		api := script(t, exchange{Method: "DELETE", Path: "/2/tweets/1880000000000000010", Header: bearer, Resp: `{"data":{"deleted":true}}`})
		a, _ := newTest(t, api, nil)
		if err := a.Delete(t.Context(), network.Ref{ID: "1880000000000000010"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("gone already", func(t *testing.T) {
		api := script(t,
			exchange{Method: "DELETE", Path: "/2/tweets/1880000000000000010", Resp: `{"data":{"deleted":false}}`},
			exchange{Method: "GET", Path: "/2/tweets", Query: url.Values{"ids": {"1880000000000000010"}},
				Resp: `{"errors":[{"value":"1880000000000000010","detail":"Could not find tweet with ids: [1880000000000000010].","title":"Not Found Error","resource_type":"tweet","parameter":"ids","resource_id":"1880000000000000010","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`},
		)
		a, _ := newTest(t, api, nil)
		if err := a.Delete(t.Context(), network.Ref{ID: "1880000000000000010"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("404", func(t *testing.T) {
		api := script(t, exchange{Method: "DELETE", Path: "/2/tweets/1880000000000000010", Status: 404,
			Resp: `{"title":"Not Found Error","detail":"Could not find tweet","type":"https://api.x.com/2/problems/resource-not-found","status":404}`})
		a, _ := newTest(t, api, nil)
		if err := a.Delete(t.Context(), network.Ref{ID: "1880000000000000010"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		api := script(t,
			exchange{Method: "DELETE", Path: "/2/tweets/1880000000000000010", Resp: `{"data":{"deleted":false}}`},
			exchange{Method: "GET", Path: "/2/tweets", Resp: `{"data":[{"id":"1880000000000000010","text":"still here"}]}`},
		)
		a, _ := newTest(t, api, nil)
		if err := a.Delete(t.Context(), network.Ref{ID: "1880000000000000010"}); err == nil {
			t.Fatal("delete of a post that stays: no error")
		}
	})
	t.Run("not an id", func(t *testing.T) {
		a, _ := newTest(t, "http://127.0.0.1:1", nil)
		if err := a.Delete(t.Context(), network.Ref{ID: "../users/me"}); err == nil {
			t.Fatal("no error for a malformed id")
		}
	})
}

func TestEdit(t *testing.T) {
	lookup := url.Values{"ids": {"1880000000000000010"}, "tweet.fields": {"created_at,edit_controls"}}
	t.Run("within the window", func(t *testing.T) {
		api := script(t,
			exchange{Method: "GET", Path: "/2/tweets", Query: lookup, Header: bearer,
				Resp: `{"data":[{"id":"1880000000000000010","text":"v1","created_at":"2026-03-02T09:50:00.000Z","edit_history_tweet_ids":["1880000000000000010"],"edit_controls":{"is_edit_eligible":true,"editable_until":"2026-03-02T10:20:00.000Z","edits_remaining":5}}]}`},
			exchange{Method: "POST", Path: "/2/tweets", Header: jsonHeaders(),
				JSON:   `{"text":"v2","edit_options":{"previous_post_id":"1880000000000000010"}}`,
				Status: 201, Resp: `{"data":{"id":"1880000000000000020","text":"v2","edit_history_tweet_ids":["1880000000000000010","1880000000000000020"]}}`},
		)
		a, _ := newTest(t, api, nil)
		ref, err := a.Edit(t.Context(), network.Ref{ID: "1880000000000000010", Extra: map[string]string{extraCreatedAt: "2026-03-02T09:50:00Z"}}, &network.Post{Text: "v2"})
		if err != nil {
			t.Fatal(err)
		}
		if ref.ID != "1880000000000000020" || ref.Extra[extraEdits] != "1" || ref.Extra[extraOriginalID] != "1880000000000000010" || ref.Extra[extraCreatedAt] != "2026-03-02T09:50:00Z" {
			t.Errorf("ref = %+v", ref)
		}
	})
	refusals := []struct {
		name, resp string
	}{
		{"window passed", `{"data":[{"id":"1880000000000000010","text":"v1","edit_controls":{"is_edit_eligible":true,"editable_until":"2026-03-02T09:59:59.000Z","edits_remaining":5}}]}`},
		{"not eligible", `{"data":[{"id":"1880000000000000010","text":"v1","edit_controls":{"is_edit_eligible":false,"editable_until":"2026-03-02T10:20:00.000Z","edits_remaining":5}}]}`},
		{"no edits left", `{"data":[{"id":"1880000000000000010","text":"v1","edit_controls":{"is_edit_eligible":true,"editable_until":"2026-03-02T10:20:00.000Z","edits_remaining":0}}]}`},
		{"old by created_at", `{"data":[{"id":"1880000000000000010","text":"v1","created_at":"2026-03-02T09:00:00.000Z"}]}`},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			api := script(t, exchange{Method: "GET", Path: "/2/tweets", Query: lookup, Resp: r.resp})
			a, _ := newTest(t, api, nil)
			_, err := a.Edit(t.Context(), network.Ref{ID: "1880000000000000010"}, &network.Post{Text: "v2"})
			if !errors.Is(err, network.ErrUnsupported) || network.ClassOf(err) != network.Permanent {
				t.Fatalf("err = %v, want a permanent error wrapping ErrUnsupported", err)
			}
		})
	}
	t.Run("gone", func(t *testing.T) {
		api := script(t, exchange{Method: "GET", Path: "/2/tweets", Query: lookup,
			Resp: `{"errors":[{"title":"Not Found Error","type":"https://api.twitter.com/2/problems/resource-not-found","detail":"Could not find tweet with ids: [1880000000000000010]."}]}`})
		a, _ := newTest(t, api, nil)
		_, err := a.Edit(t.Context(), network.Ref{ID: "1880000000000000010"}, &network.Post{Text: "v2"})
		if !errors.Is(err, network.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("poll", func(t *testing.T) {
		a, _ := newTest(t, "http://127.0.0.1:1", nil)
		_, err := a.Edit(t.Context(), network.Ref{ID: "1"}, &network.Post{Text: "v2", Poll: &network.Poll{Options: []string{"a", "b"}, Duration: time.Hour}})
		if !errors.Is(err, network.ErrUnsupported) {
			t.Fatalf("err = %v, want ErrUnsupported", err)
		}
	})
}

func TestMetrics(t *testing.T) {
	t.Run("young post, renamed fields", func(t *testing.T) {
		api := script(t, exchange{Method: "GET", Path: "/2/tweets", Header: bearer,
			Query: url.Values{"ids": {"1880000000000000010"}, "tweet.fields": {"public_metrics,non_public_metrics"}},
			Resp:  `{"data":[{"id":"1880000000000000010","text":"t","public_metrics":{"repost_count":3,"reply_count":4,"like_count":5,"quote_count":6,"bookmark_count":7,"impression_count":80},"non_public_metrics":{"impression_count":90,"url_link_clicks":11,"user_profile_clicks":2}}]}`})
		a, _ := newTest(t, api, nil)
		m, err := a.Metrics(t.Context(), network.Ref{ID: "1880000000000000010", Extra: map[string]string{extraCreatedAt: "2026-03-01T10:00:00Z"}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"reposts": 3, "replies": 4, "likes": 5, "quotes": 6, "bookmarks": 7, "impressions": 90, "clicks": 11}
		checkMetrics(t, m, want)
	})
	t.Run("old post, public only", func(t *testing.T) {
		api := script(t, exchange{Method: "GET", Path: "/2/tweets",
			Query: url.Values{"ids": {"1880000000000000010"}, "tweet.fields": {"public_metrics"}},
			Resp:  `{"data":[{"id":"1880000000000000010","text":"t","public_metrics":{"retweet_count":1,"reply_count":2,"like_count":3,"quote_count":4,"bookmark_count":5,"impression_count":6}}]}`})
		a, _ := newTest(t, api, nil)
		m, err := a.Metrics(t.Context(), network.Ref{ID: "1880000000000000010", Extra: map[string]string{extraCreatedAt: "2026-01-01T10:00:00Z"}})
		if err != nil {
			t.Fatal(err)
		}
		checkMetrics(t, m, map[string]int64{"reposts": 1, "replies": 2, "likes": 3, "quotes": 4, "bookmarks": 5, "impressions": 6})
	})
	t.Run("non-public refused", func(t *testing.T) {
		api := script(t,
			exchange{Method: "GET", Path: "/2/tweets", Status: 403,
				Query: url.Values{"ids": {"1880000000000000010"}, "tweet.fields": {"public_metrics,non_public_metrics"}},
				Resp:  `{"title":"Forbidden","type":"about:blank","status":403,"detail":"Sorry, you are not authorized to access 'non_public_metrics'."}`},
			exchange{Method: "GET", Path: "/2/tweets",
				Query: url.Values{"ids": {"1880000000000000010"}, "tweet.fields": {"public_metrics"}},
				Resp:  `{"data":[{"id":"1880000000000000010","text":"t","public_metrics":{"retweet_count":1,"reply_count":0,"like_count":2,"quote_count":0,"bookmark_count":0,"impression_count":9}}]}`},
		)
		a, _ := newTest(t, api, nil)
		m, err := a.Metrics(t.Context(), network.Ref{ID: "1880000000000000010"})
		if err != nil {
			t.Fatal(err)
		}
		checkMetrics(t, m, map[string]int64{"reposts": 1, "replies": 0, "likes": 2, "quotes": 0, "bookmarks": 0, "impressions": 9})
	})
}

// checkMetrics compares the non-nil fields of m with want.
func checkMetrics(t *testing.T, m network.Metrics, want map[string]int64) {
	t.Helper()
	got := map[string]*int64{
		"impressions": m.Impressions, "reach": m.Reach, "likes": m.Likes, "reposts": m.Reposts,
		"replies": m.Replies, "quotes": m.Quotes, "bookmarks": m.Bookmarks, "clicks": m.Clicks,
	}
	for k, p := range got {
		w, ok := want[k]
		switch {
		case ok && p == nil:
			t.Errorf("%s is nil, want %d", k, w)
		case !ok && p != nil:
			t.Errorf("%s = %d, want nil", k, *p)
		case ok && *p != w:
			t.Errorf("%s = %d, want %d", k, *p, w)
		}
	}
}

func TestFollowers(t *testing.T) {
	api := script(t, exchange{Method: "GET", Path: "/2/users/me", Header: bearer, Query: url.Values{"user.fields": {"public_metrics"}},
		Resp: `{"data":{"id":"1600000000000000001","name":"Clairon","username":"clairon_fr","public_metrics":{"followers_count":1234,"following_count":5,"tweet_count":99,"listed_count":1}}}`})
	a, _ := newTest(t, api, nil)
	n, err := a.Followers(t.Context())
	if err != nil || n != 1234 {
		t.Fatalf("Followers = %d, %v; want 1234", n, err)
	}
}

func TestUserIDFetchedOnce(t *testing.T) {
	api := script(t,
		exchange{Method: "GET", Path: "/2/users/me", Query: url.Values{}, Resp: `{"data":{"id":"42","name":"C","username":"someone"}}`},
		exchange{Method: "GET", Path: "/2/users/42/tweets", Resp: `{"meta":{"result_count":0}}`},
		exchange{Method: "GET", Path: "/2/users/42/tweets", Resp: `{"meta":{"result_count":0}}`},
	)
	a, _ := newTest(t, api, map[string]string{"user_id": "", "handle": ""})
	for range 2 {
		if _, res, err := a.Lookup(t.Context(), &network.Post{Text: "x", CreatedAt: testNow}); err != nil || res != network.Absent {
			t.Fatalf("lookup = %v, %v", res, err)
		}
	}
	if got := a.postURL("7"); got != "https://x.com/someone/status/7" {
		t.Errorf("post URL %q, want the username learnt from /2/users/me", got)
	}
}

func TestInteractionsRequests(t *testing.T) {
	t.Run("replies", func(t *testing.T) {
		api := script(t,
			exchange{Method: "GET", Path: "/2/tweets/search/recent", Header: bearer, Query: url.Values{
				"query": {"conversation_id:1880000000000000010"}, "max_results": {"100"}, "start_time": {"2026-02-23T10:01:00Z"},
				"tweet.fields": {"author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets"},
				"expansions":   {"author_id"}, "user.fields": {"username"},
			}, Resp: `{"data":[{"id":"31","text":"moi !","author_id":"7","created_at":"2026-03-01T12:00:00.000Z"},{"id":"32","text":"suite du fil","author_id":"1600000000000000001","created_at":"2026-03-01T12:01:00.000Z"}],"includes":{"users":[{"id":"7","name":"Ana","username":"ana"}]},"meta":{"result_count":2,"next_token":"b26v89c19zqg8o3fpdg"}}`},
			exchange{Method: "GET", Path: "/2/tweets/search/recent", Check: func(t *testing.T, r *http.Request, _ []byte) {
				if got := r.URL.Query().Get("next_token"); got != "b26v89c19zqg8o3fpdg" {
					t.Errorf("next_token = %q", got)
				}
			}, Resp: `{"data":[{"id":"33","text":"et moi","author_id":"8","created_at":"2026-03-01T13:00:00.000Z"}],"meta":{"result_count":1}}`},
		)
		a, _ := newTest(t, api, nil)
		got, err := a.Interactions(t.Context(), network.Ref{ID: "1880000000000000010"}, network.Reply, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Handle != "ana" || got[0].URL != "https://x.com/ana/status/31" || got[1].PostID != "33" || got[1].URL != "https://x.com/i/web/status/33" {
			t.Errorf("replies = %+v", got)
		}
	})
	t.Run("likes", func(t *testing.T) {
		api := script(t,
			exchange{Method: "GET", Path: "/2/tweets/1880000000000000010/liking_users", Query: url.Values{"max_results": {"100"}},
				Resp: `{"data":[{"id":"7","name":"Ana","username":"ana"}],"meta":{"result_count":1,"next_token":"7140dibdnow9c7btw1"}}`},
			exchange{Method: "GET", Path: "/2/tweets/1880000000000000010/liking_users", Query: url.Values{"max_results": {"100"}, "pagination_token": {"7140dibdnow9c7btw1"}},
				Resp: `{"data":[{"id":"8","name":"Bo","username":"bo"}],"meta":{"result_count":1}}`},
		)
		a, _ := newTest(t, api, nil)
		got, err := a.Interactions(t.Context(), network.Ref{ID: "1880000000000000010"}, network.Like, time.Time{})
		if err != nil || len(got) != 2 || got[1].Handle != "bo" || got[1].Kind != network.Like {
			t.Fatalf("likes = %+v, %v", got, err)
		}
	})
}
