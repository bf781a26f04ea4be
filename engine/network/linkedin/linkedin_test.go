package linkedin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// restHeaders are the headers of every versioned call with the given
// Rest.li method.
func restHeaders(method string) map[string]string {
	return map[string]string{
		"Authorization":             "Bearer li-tok",
		"LinkedIn-Version":          DefaultVersion,
		"X-Restli-Protocol-Version": "2.0.0",
		"X-RestLi-Method":           method,
	}
}

func withJSON(h map[string]string) map[string]string {
	h["Content-Type"] = "application/json"
	return h
}

const createdShare = "urn:li:share:7141138937766391808"

func TestNewConfig(t *testing.T) {
	ok := map[string]string{"author": "urn:li:person:xv4Kq2Z9aB"}
	tests := []struct {
		name     string
		settings map[string]string
		secrets  map[string]string
		wantErr  string
	}{
		{"member", ok, map[string]string{"token": "t"}, ""},
		{"organization", map[string]string{"author": "urn:li:organization:5515715", "version": "202601.01"}, map[string]string{"token": "t"}, ""},
		{"no author", nil, map[string]string{"token": "t"}, "setting author"},
		{"bad author", map[string]string{"author": "urn:li:company:1"}, map[string]string{"token": "t"}, "setting author"},
		{"bad version", map[string]string{"author": "urn:li:person:a", "version": "2026-05"}, map[string]string{"token": "t"}, "not YYYYMM"},
		{"no token", ok, nil, "secret token"},
		{"api with a path", map[string]string{"author": "urn:li:person:a", "api": "https://api.linkedin.com/rest"}, map[string]string{"token": "t"}, "host URL"},
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
		})
	}
}

func TestPublishText(t *testing.T) {
	api := script(t, exchange{
		Method: "POST", Path: "/rest/posts", Header: withJSON(restHeaders("CREATE")),
		JSON:       `{"author":"urn:li:organization:5515715","commentary":"Nouveau \\(beau\\) produit \\#lancement","visibility":"PUBLIC","distribution":{"feedDistribution":"MAIN_FEED","targetEntities":[],"thirdPartyDistributionChannels":[]},"lifecycleState":"PUBLISHED","isReshareDisabledByAuthor":false}`,
		Status:     201,
		RespHeader: map[string]string{"x-restli-id": createdShare},
	})
	a := newTest(t, api, nil)
	ref, err := a.Publish(t.Context(), &network.Post{Text: `Nouveau \(beau\) produit \#lancement`, CreatedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != createdShare || ref.URL != "https://www.linkedin.com/feed/update/urn:li:share:7141138937766391808/" {
		t.Errorf("ref = %+v", ref)
	}
}

func TestCreatedID(t *testing.T) {
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{"urn:li:share:7141138937766391808", "urn:li:share:7141138937766391808", true},
		{"urn:li:ugcPost:7141138937766391809", "urn:li:ugcPost:7141138937766391809", true},
		{"urn%3Ali%3Ashare%3A42", "urn:li:share:42", true},
		{" urn:li:share:42 ", "urn:li:share:42", true},
		{"", "", false},
		{"urn:li:image:C4D00", "urn:li:image:C4D00", false},
	}
	for _, tt := range tests {
		api := script(t, exchange{Method: "POST", Path: "/rest/posts", Status: 201, RespHeader: map[string]string{"x-restli-id": tt.header}})
		a := newTest(t, api, nil)
		ref, err := a.Publish(t.Context(), &network.Post{Text: "x"})
		if got := createdID(http.Header{"X-Restli-Id": {tt.header}}); got != tt.want {
			t.Errorf("createdID(%q) = %q, want %q", tt.header, got, tt.want)
		}
		if tt.ok {
			if err != nil || ref.ID != tt.want {
				t.Errorf("x-restli-id %q: ref %q, %v", tt.header, ref.ID, err)
			}
			continue
		}
		if network.ClassOf(err) != network.Retryable || !network.MaybeWritten(err) {
			t.Errorf("x-restli-id %q: %v, want a retryable error that may have written", tt.header, err)
		}
	}
}

func TestPublishImages(t *testing.T) {
	init := func(id string) exchange {
		return exchange{
			Method: "POST", Path: "/rest/images", Query: url.Values{"action": {"initializeUpload"}}, Header: withJSON(restHeaders("ACTION")),
			JSON: `{"initializeUploadRequest":{"owner":"urn:li:organization:5515715"}}`,
			Resp: `{"value":{"uploadUrlExpiresAt":1772532000000,"uploadUrl":"{{host}}/dms-uploads/sp/` + id + `","image":"urn:li:image:` + id + `"}}`,
		}
	}
	put := func(id, data string) exchange {
		return exchange{Method: "PUT", Path: "/dms-uploads/sp/" + id, Status: 201,
			Header: map[string]string{"Authorization": "Bearer li-tok", "Content-Type": "application/octet-stream"},
			Check: func(t *testing.T, r *http.Request, body []byte) {
				if string(body) != data {
					t.Errorf("uploaded %q, want %q", body, data)
				}
				if r.Header.Get("LinkedIn-Version") != "" {
					t.Error("the upload carries API headers")
				}
			}}
	}
	t.Run("two images", func(t *testing.T) {
		api := script(t, init("C4E1"), put("C4E1", "PNG1"), init("C4E2"), put("C4E2", "JPG2"),
			exchange{Method: "POST", Path: "/rest/posts", Header: withJSON(restHeaders("CREATE")),
				JSON:   `{"author":"urn:li:organization:5515715","commentary":"Galerie","visibility":"PUBLIC","distribution":{"feedDistribution":"MAIN_FEED","targetEntities":[],"thirdPartyDistributionChannels":[]},"content":{"multiImage":{"images":[{"id":"urn:li:image:C4E1","altText":"Premier"},{"id":"urn:li:image:C4E2"}]}},"lifecycleState":"PUBLISHED","isReshareDisabledByAuthor":false}`,
				Status: 201, RespHeader: map[string]string{"x-restli-id": createdShare}},
		)
		a := newTest(t, api, nil)
		ref, err := a.Publish(t.Context(), &network.Post{Text: "Galerie", Media: []network.Media{
			{MIME: "image/png", Data: []byte("PNG1"), Alt: "Premier", Digest: "d1"},
			{MIME: "image/jpeg", Data: []byte("JPG2"), Digest: "d2"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if ref.Extra[extraMedia] != "d1,d2" {
			t.Errorf("extra %v", ref.Extra)
		}
	})
	t.Run("one image", func(t *testing.T) {
		api := script(t, init("C4E3"), put("C4E3", "GIF3"),
			exchange{Method: "POST", Path: "/rest/posts", Check: func(t *testing.T, _ *http.Request, body []byte) {
				if !strings.Contains(string(body), `"content":{"media":{"id":"urn:li:image:C4E3","altText":"Anim"}}`) {
					t.Errorf("body %s lacks content.media", body)
				}
			}, Status: 201, RespHeader: map[string]string{"x-restli-id": createdShare}},
		)
		a := newTest(t, api, nil)
		if _, err := a.Publish(t.Context(), &network.Post{Text: "Une", Media: []network.Media{{MIME: "image/gif", Data: []byte("GIF3"), Alt: "Anim"}}}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("foreign upload host gets no token", func(t *testing.T) {
		upload := script(t, exchange{Method: "PUT", Path: "/up/1", Status: 201, Check: func(t *testing.T, r *http.Request, _ []byte) {
			if r.Header.Get("Authorization") != "" {
				t.Error("the access token went to a host that is not LinkedIn's")
			}
		}})
		api := script(t,
			exchange{Method: "POST", Path: "/rest/images", Resp: `{"value":{"uploadUrl":"` + strings.Replace(upload, "127.0.0.1", "localhost", 1) + `/up/1","image":"urn:li:image:X1"}}`},
			exchange{Method: "POST", Path: "/rest/posts", Status: 201, RespHeader: map[string]string{"x-restli-id": createdShare}},
		)
		a := newTest(t, api, nil)
		if _, err := a.Publish(t.Context(), &network.Post{Text: "x", Media: []network.Media{{MIME: "image/png", Data: []byte("P")}}}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("upload failure hides the URL", func(t *testing.T) {
		api := script(t,
			exchange{Method: "POST", Path: "/rest/images", Resp: `{"value":{"uploadUrl":"http://127.0.0.1:1/dms-uploads/sp/SECRET-SIGNATURE","image":"urn:li:image:X2"}}`},
		)
		a := newTest(t, api, nil)
		_, err := a.Publish(t.Context(), &network.Post{Text: "x", Media: []network.Media{{MIME: "image/png", Data: []byte("P")}}})
		if err == nil || strings.Contains(err.Error(), "SECRET-SIGNATURE") {
			t.Fatalf("err = %v, want an error without the upload URL", err)
		}
	})
}

// duplicateBody is the 422 LinkedIn gives for a duplicate post.
const duplicateBody = `{"errorDetailType":"com.linkedin.common.error.BadRequest","message":"com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of urn:li:share:7141138937766391808","errorDetails":{"inputErrors":[{"description":"Duplicate post is detected","input":{},"code":"DUPLICATE_POST"}]},"status":422}`

func TestDuplicatePost(t *testing.T) {
	getExisting := func(status int, resp string) exchange {
		return exchange{Method: "GET", Path: "/rest/posts/urn%3Ali%3Ashare%3A7141138937766391808", Header: restHeaders("GET"), Status: status, Resp: resp}
	}
	t.Run("existing post returned", func(t *testing.T) {
		api := script(t,
			exchange{Method: "POST", Path: "/rest/posts", Status: 422, Resp: duplicateBody},
			getExisting(200, `{"id":"urn:li:share:7141138937766391808","author":"urn:li:organization:5515715","commentary":"Bonjour","lifecycleState":"PUBLISHED","createdAt":1772445000000}`),
		)
		a := newTest(t, api, nil)
		ref, err := a.Publish(t.Context(), &network.Post{Text: "Bonjour", CreatedAt: testNow})
		if err != nil || ref.ID != createdShare {
			t.Fatalf("publish = %+v, %v; want the existing %s", ref, err, createdShare)
		}
	})
	t.Run("deleted since", func(t *testing.T) {
		api := script(t,
			exchange{Method: "POST", Path: "/rest/posts", Status: 422, Resp: duplicateBody},
			getExisting(404, `{"status":404,"code":"NOT_FOUND","message":"Not Found"}`),
		)
		a := newTest(t, api, nil)
		_, err := a.Publish(t.Context(), &network.Post{Text: "Bonjour", CreatedAt: testNow})
		if !errors.Is(err, ErrDuplicate) || network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "no longer exists") {
			t.Fatalf("err = %v, want a permanent ErrDuplicate naming a deleted post", err)
		}
	})
	t.Run("no URN named", func(t *testing.T) {
		api := script(t,
			exchange{Method: "POST", Path: "/rest/posts", Status: 422, Resp: `{"errorDetailType":"com.linkedin.common.error.BadRequest","message":"Duplicate","errorDetails":{"inputErrors":[{"description":"Duplicate post is detected","input":{},"code":"DUPLICATE_POST"}]},"status":422}`},
			exchange{Method: "GET", Path: "/rest/posts", Header: restHeaders("FINDER"),
				Resp: `{"paging":{"start":0,"count":50},"elements":[{"id":"urn:li:share:9","author":"urn:li:organization:5515715","commentary":"Bonjour","createdAt":1772445500000,"lastModifiedAt":1772445500000}]}`},
		)
		a := newTest(t, api, nil)
		ref, err := a.Publish(t.Context(), &network.Post{Text: "Bonjour", CreatedAt: testNow})
		if err != nil || ref.ID != "urn:li:share:9" {
			t.Fatalf("publish = %+v, %v; want the post found by lookup", ref, err)
		}
	})
}

func TestEdit(t *testing.T) {
	api := script(t, exchange{
		Method: "POST", Path: "/rest/posts/urn%3Ali%3Ashare%3A7141138937766391808", Header: withJSON(restHeaders("PARTIAL_UPDATE")),
		JSON: `{"patch":{"$set":{"commentary":"Texte corrigé"}}}`, Status: 204,
	})
	a := newTest(t, api, nil)
	ref := network.Ref{ID: createdShare, Extra: map[string]string{extraMedia: "d1"}}
	out, err := a.Edit(t.Context(), ref, &network.Post{Text: "Texte corrigé", Media: []network.Media{{MIME: "image/png", Digest: "d1"}}})
	if err != nil || out.ID != createdShare {
		t.Fatalf("edit = %+v, %v", out, err)
	}
	for name, media := range map[string][]network.Media{
		"other image": {{MIME: "image/png", Digest: "d2"}},
		"image added": {{MIME: "image/png", Digest: "d1"}, {MIME: "image/png", Digest: "d3"}},
		"image gone":  nil,
	} {
		if _, err := a.Edit(t.Context(), ref, &network.Post{Text: "x", Media: media}); !errors.Is(err, network.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
	if _, err := a.Edit(t.Context(), network.Ref{ID: "999999999999999999"}, &network.Post{Text: "x"}); !errors.Is(err, network.ErrNotFound) {
		t.Errorf("edit of a malformed id: %v, want ErrNotFound", err)
	}
}

func TestDelete(t *testing.T) {
	for _, status := range []int{204, 404} {
		api := script(t, exchange{Method: "DELETE", Path: "/rest/posts/urn%3Ali%3AugcPost%3A77", Header: restHeaders("DELETE"), Status: status,
			Resp: map[int]string{404: `{"status":404,"code":"NOT_FOUND","message":"Not Found"}`}[status]})
		a := newTest(t, api, nil)
		if err := a.Delete(t.Context(), network.Ref{ID: "urn:li:ugcPost:77"}); err != nil {
			t.Errorf("delete answered %d: %v", status, err)
		}
	}
	api := script(t, exchange{Method: "DELETE", Path: "/rest/posts/urn%3Ali%3Ashare%3A1", Status: 403,
		Resp: `{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: partnerApiPostsExternal.DELETE.20260501"}`})
	a := newTest(t, api, nil)
	if err := a.Delete(t.Context(), network.Ref{ID: "urn:li:share:1"}); network.ClassOf(err) != network.Auth {
		t.Errorf("delete refused: %v, want an auth error", err)
	}
}

func TestLookupPaging(t *testing.T) {
	since := testNow.Add(-lookupSkew).UnixMilli()
	finder := func(start string) url.Values {
		return url.Values{"author": {"urn:li:organization:5515715"}, "count": {"50"}, "q": {"author"}, "sortBy": {"LAST_MODIFIED"}, "start": {start}}
	}
	el := func(id, text string, at int64, images string) string {
		return `{"id":"urn:li:share:` + id + `","author":"urn:li:organization:5515715","commentary":"` + text + `","createdAt":` + itoa(at) + `,"lastModifiedAt":` + itoa(at) + images + `}`
	}
	full := func(prefix string) string {
		var els []string
		for i := range 50 {
			els = append(els, el(prefix+itoa(int64(i)), "autre", since+1000, ""))
		}
		return `{"paging":{"start":0,"count":50},"elements":[` + strings.Join(els, ",") + `]}`
	}
	t.Run("found on page two", func(t *testing.T) {
		api := script(t,
			exchange{Method: "GET", Path: "/rest/posts", Query: finder("0"), Header: restHeaders("FINDER"), Resp: full("1"),
				Check: func(t *testing.T, r *http.Request, _ []byte) {
					if !strings.Contains(r.URL.RawQuery, "author=urn%3Ali%3Aorganization%3A5515715") {
						t.Errorf("author not encoded in %q", r.URL.RawQuery)
					}
				}},
			exchange{Method: "GET", Path: "/rest/posts", Query: finder("50"),
				Resp: `{"paging":{"start":50,"count":50},"elements":[` + el("77", `Texte \\#tag`, since+5, `,"content":{"media":{"id":"urn:li:image:A"}}`) + `]}`},
		)
		a := newTest(t, api, nil)
		ref, res, err := a.Lookup(t.Context(), &network.Post{Text: `Texte \#tag`, CreatedAt: testNow, Media: []network.Media{{Digest: "d"}}})
		if err != nil || res != network.Found || ref.ID != "urn:li:share:77" || ref.Extra[extraMedia] != "d" {
			t.Fatalf("lookup = %+v, %v, %v", ref, res, err)
		}
	})
	t.Run("absent: an older post ends the window", func(t *testing.T) {
		api := script(t, exchange{Method: "GET", Path: "/rest/posts", Query: finder("0"),
			Resp: `{"paging":{"start":0,"count":50},"elements":[` + el("1", "autre", since+10, "") + `,` + el("2", "Texte", since-10, "") + `]}`})
		a := newTest(t, api, nil)
		if _, res, err := a.Lookup(t.Context(), &network.Post{Text: "Texte", CreatedAt: testNow}); err != nil || res != network.Absent {
			t.Fatalf("lookup = %v, %v; want absent (the matching post is older than the window)", res, err)
		}
	})
	t.Run("image count differs", func(t *testing.T) {
		api := script(t, exchange{Method: "GET", Path: "/rest/posts", Query: finder("0"),
			Resp: `{"paging":{"start":0,"count":50},"elements":[` + el("1", "Texte", since+10, "") + `]}`})
		a := newTest(t, api, nil)
		if _, res, err := a.Lookup(t.Context(), &network.Post{Text: "Texte", CreatedAt: testNow, Media: []network.Media{{}}}); err != nil || res != network.Absent {
			t.Fatalf("lookup = %v, %v; want absent", res, err)
		}
	})
	t.Run("failed read", func(t *testing.T) {
		api := script(t, exchange{Method: "GET", Path: "/rest/posts", Status: 500, Resp: `{"message":"Internal Server Error","status":500}`})
		a := newTest(t, api, nil)
		if _, res, err := a.Lookup(t.Context(), &network.Post{Text: "Texte", CreatedAt: testNow}); err == nil || res != network.Unknown {
			t.Fatalf("lookup = %v, %v; want unknown with an error", res, err)
		}
	})
}

func TestMetricsRequests(t *testing.T) {
	social := exchange{Method: "GET", Path: "/rest/socialActions/urn%3Ali%3Ashare%3A1", Header: restHeaders("GET"),
		Resp: `{"commentsSummary":{"selectedComments":[],"aggregatedTotalComments":4,"totalFirstLevelComments":3},"$URN":"urn:li:socialActions:urn:li:share:1","likesSummary":{"selectedLikes":[],"likedByCurrentUser":false,"totalLikes":12,"aggregatedTotalLikes":12},"target":"urn:li:share:1"}`}
	t.Run("organization", func(t *testing.T) {
		api := script(t, social, exchange{Method: "GET", Path: "/rest/organizationalEntityShareStatistics", Header: restHeaders("FINDER"),
			Check: func(t *testing.T, r *http.Request, _ []byte) {
				want := "organizationalEntity=urn%3Ali%3Aorganization%3A5515715&q=organizationalEntity&shares=List(urn%3Ali%3Ashare%3A1)"
				if r.URL.RawQuery != want {
					t.Errorf("query %q, want %q", r.URL.RawQuery, want)
				}
			},
			Resp: `{"paging":{"start":0,"count":10,"links":[]},"elements":[{"totalShareStatistics":{"uniqueImpressionsCount":80,"shareCount":2,"engagement":0.2,"clickCount":9,"likeCount":12,"impressionCount":100,"commentCount":4},"share":"urn:li:share:1","organizationalEntity":"urn:li:organization:5515715"}]}`})
		a := newTest(t, api, nil)
		m, err := a.Metrics(t.Context(), network.Ref{ID: "urn:li:share:1"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"likes": 12, "replies": 4, "impressions": 100, "reach": 80, "clicks": 9, "reposts": 2}
		got := map[string]*int64{"likes": m.Likes, "replies": m.Replies, "impressions": m.Impressions, "reach": m.Reach, "clicks": m.Clicks, "reposts": m.Reposts}
		for k, w := range want {
			if got[k] == nil || *got[k] != w {
				t.Errorf("%s = %v, want %d", k, got[k], w)
			}
		}
		if m.Quotes != nil || m.Bookmarks != nil {
			t.Errorf("quotes or bookmarks set: %+v", m)
		}
	})
	t.Run("ugcPost", func(t *testing.T) {
		api := script(t,
			exchange{Method: "GET", Path: "/rest/socialActions/urn%3Ali%3AugcPost%3A5", Resp: `{}`},
			exchange{Method: "GET", Path: "/rest/organizationalEntityShareStatistics", Check: func(t *testing.T, r *http.Request, _ []byte) {
				if !strings.HasSuffix(r.URL.RawQuery, "&ugcPosts=List(urn%3Ali%3AugcPost%3A5)") {
					t.Errorf("query %q", r.URL.RawQuery)
				}
			}, Resp: `{"elements":[]}`},
		)
		a := newTest(t, api, nil)
		if _, err := a.Metrics(t.Context(), network.Ref{ID: "urn:li:ugcPost:5"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("member", func(t *testing.T) {
		api := script(t, social)
		a := newTest(t, api, map[string]string{"author": "urn:li:person:xv4Kq2Z9aB"})
		m, err := a.Metrics(t.Context(), network.Ref{ID: "urn:li:share:1"})
		if err != nil || m.Likes == nil || *m.Likes != 12 || m.Impressions != nil {
			t.Fatalf("metrics = %+v, %v", m, err)
		}
	})
}

func TestVersionHeader(t *testing.T) {
	api := script(t, exchange{Method: "DELETE", Path: "/rest/posts/urn%3Ali%3Ashare%3A1", Status: 204,
		Header: map[string]string{"LinkedIn-Version": "202601"}})
	a := newTest(t, api, map[string]string{"version": "202601"})
	if err := a.Delete(t.Context(), network.Ref{ID: "urn:li:share:1"}); err != nil {
		t.Fatal(err)
	}
}

func TestCapabilities(t *testing.T) {
	a := newTest(t, "http://127.0.0.1:1", nil)
	c := a.Capabilities()
	if c.Format != network.FormatLittleText || c.TextLimit != 3000 || c.Threads || c.Polls || !c.Edit || c.Idempotency != network.IdempotencyLookup {
		t.Errorf("capabilities %+v", c)
	}
	for _, p := range []network.Post{
		{Text: "x", ReplyTo: &network.Ref{ID: "urn:li:share:1"}},
		{Text: "x", Poll: &network.Poll{Options: []string{"a", "b"}, Duration: 24 * time.Hour}},
	} {
		if _, err := a.Publish(t.Context(), &p); !errors.Is(err, network.ErrUnsupported) {
			t.Errorf("publish %+v: %v, want ErrUnsupported without a request", p, err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
