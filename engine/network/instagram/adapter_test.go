package instagram

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/facebook/graph/graphtest"
)

const (
	testUser  = "17841400008460056"
	testToken = "IGQunitUserTokenTq3Wm8Zr1Xv5Cb9Nd2Fh6Jk0Lp4Sy7"
	mediaBase = "https://cdn.example.com/brand/media/"
	container = "17889000000000001"
	mediaID   = "17895000000000001"
	permalink = "https://www.instagram.com/p/DfakeCode/"
)

var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

type exchange = graphtest.Exchange

// newTest builds an adapter talking to a scripted server; its waits between
// container polls are recorded, not slept.
func newTest(t *testing.T, exchanges ...exchange) (*Adapter, *[]time.Duration) {
	t.Helper()
	srv := graphtest.Script(t, testToken, exchanges...)
	return newAdapter(t, srv, mediaBase)
}

func newAdapter(t *testing.T, srv *httptest.Server, base string) (*Adapter, *[]time.Duration) {
	t.Helper()
	a, err := NewAdapter(network.Config{
		Account:  "brand-instagram",
		Network:  Name,
		Settings: map[string]string{SettingUserID: testUser, SettingAPI: srv.URL + "/v25.0", SettingMediaBase: base},
		Secrets:  map[string]string{SecretToken: testToken},
		Now:      func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	a.sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return a, &slept
}

func jpeg(name, alt string) network.Media {
	return network.Media{Name: name, MIME: "image/jpeg", Data: []byte("\xff\xd8" + name), Alt: alt}
}

var (
	quotaQuery  = url.Values{"fields": {"quota_usage,config"}}
	statusQuery = url.Values{"fields": {"status_code,status"}}
	quotaOK     = exchange{Method: "GET", Path: testUser + "/content_publishing_limit", Query: quotaQuery,
		Body: `{"data":[{"quota_usage":3,"config":{"quota_total":50,"quota_duration":86400}}]}`}
)

func status(id, code string) exchange {
	return exchange{Method: "GET", Path: id, Query: statusQuery, Body: `{"status_code":"` + code + `","id":"` + id + `"}`}
}

func publishOK() []exchange {
	return []exchange{
		{Method: "POST", Path: testUser + "/media_publish", Query: url.Values{"creation_id": {container}}, Body: `{"id":"` + mediaID + `"}`},
		{Method: "GET", Path: mediaID, Query: url.Values{"fields": {"permalink"}}, Body: `{"permalink":"` + permalink + `","id":"` + mediaID + `"}`},
	}
}

func TestPublishImage(t *testing.T) {
	caption := "Nouvelle collection 🌷 #printemps @atelier"
	a, slept := newTest(t, append([]exchange{
		quotaOK,
		{Method: "POST", Path: testUser + "/media", Form: url.Values{
			"image_url": {"https://cdn.example.com/brand/media/2026/tulipes%20rouges.jpg"},
			"caption":   {caption}, "alt_text": {"Un bouquet de tulipes rouges"}},
			Body: `{"id":"` + container + `"}`},
		status(container, "IN_PROGRESS"),
		status(container, "IN_PROGRESS"),
		status(container, "FINISHED"),
	}, publishOK()...)...)
	ref, err := a.Publish(t.Context(), &network.Post{Key: strings.Repeat("a", 32), Text: caption,
		Media: []network.Media{jpeg("media/2026/tulipes rouges.jpg", "Un bouquet de tulipes rouges")}})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != mediaID || ref.URL != permalink || ref.Extra["container_id"] != container {
		t.Errorf("ref = %+v", ref)
	}
	if want := defaultPoll[:2]; !slices.Equal(*slept, want) {
		t.Errorf("waited %v, want %v", *slept, want)
	}
}

func TestPublishCarousel(t *testing.T) {
	video := network.Media{Name: "clip.mp4", MIME: "video/mp4", Data: []byte("mp4")}
	a, _ := newTest(t, append([]exchange{
		quotaOK,
		{Method: "POST", Path: testUser + "/media", Form: url.Values{"image_url": {mediaBase + "a.jpg"}, "alt_text": {"Vitrine"}, "is_carousel_item": {"true"}},
			Body: `{"id":"17889000000000011"}`},
		{Method: "POST", Path: testUser + "/media", Form: url.Values{"video_url": {mediaBase + "clip.mp4"}, "media_type": {"VIDEO"}, "is_carousel_item": {"true"}},
			Body: `{"id":"17889000000000012"}`},
		status("17889000000000011", "FINISHED"),
		status("17889000000000012", "IN_PROGRESS"),
		status("17889000000000012", "FINISHED"),
		{Method: "POST", Path: testUser + "/media", Form: url.Values{"media_type": {"CAROUSEL"},
			"children": {"17889000000000011,17889000000000012"}, "caption": {"Deux vues"}}, Body: `{"id":"` + container + `"}`},
		status(container, "FINISHED"),
	}, publishOK()...)...)
	ref, err := a.Publish(t.Context(), &network.Post{Key: strings.Repeat("b", 32), Text: "Deux vues", Media: []network.Media{jpeg("a.jpg", "Vitrine"), video}})
	if err != nil || ref.ID != mediaID {
		t.Fatalf("publish = %+v, %v", ref, err)
	}
}

func TestPublishReelOmitsAltText(t *testing.T) {
	video := network.Media{Name: "clip.mp4", MIME: "video/mp4", Data: []byte("mp4"), Alt: "ignored for Reels"}
	a, _ := newTest(t, append([]exchange{
		quotaOK,
		{Method: "POST", Path: testUser + "/media", Form: url.Values{"video_url": {mediaBase + "clip.mp4"}, "media_type": {"REELS"}, "caption": {"Clip"}},
			Body: `{"id":"` + container + `"}`},
		status(container, "FINISHED"),
	}, publishOK()...)...)
	if _, err := a.Publish(t.Context(), &network.Post{Text: "Clip", Media: []network.Media{video}}); err != nil {
		t.Fatal(err)
	}
}

// TestRetryResumesTheContainer: a publish that stopped while the container
// was still processing resumes it, without a new container or quota check.
func TestRetryResumesTheContainer(t *testing.T) {
	steps := []exchange{
		quotaOK,
		{Method: "POST", Path: testUser + "/media", Form: url.Values{"image_url": {mediaBase + "a.jpg"}, "caption": {"x"}}, Body: `{"id":"` + container + `"}`},
	}
	for range len(defaultPoll) + 1 {
		steps = append(steps, status(container, "IN_PROGRESS"))
	}
	steps = append(steps, status(container, "FINISHED"), status(container, "FINISHED"))
	a, _ := newTest(t, append(steps, publishOK()...)...)
	p := &network.Post{Key: strings.Repeat("c", 32), Text: "x", Media: []network.Media{jpeg("a.jpg", "")}}
	_, err := a.Publish(t.Context(), p)
	if network.ClassOf(err) != network.Retryable || network.MaybeWritten(err) {
		t.Fatalf("first publish: %v, want retryable and not written", err)
	}
	ref, err := a.Publish(t.Context(), p)
	if err != nil || ref.ID != mediaID {
		t.Fatalf("retry = %+v, %v", ref, err)
	}
}

// TestRetryAfterLostPublishFindsTheMedia: media_publish went through but its
// reply was lost; the retry sees the container PUBLISHED and looks the media
// up instead of publishing again.
func TestRetryAfterLostPublishFindsTheMedia(t *testing.T) {
	transient := `{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"T"}}`
	a, _ := newTest(t,
		quotaOK,
		exchange{Method: "POST", Path: testUser + "/media", Form: url.Values{"image_url": {mediaBase + "a.jpg"}, "caption": {"Bonjour"}}, Body: `{"id":"` + container + `"}`},
		status(container, "FINISHED"),
		exchange{Method: "POST", Path: testUser + "/media_publish", Query: url.Values{"creation_id": {container}}, Status: 500, Body: transient},
		status(container, "PUBLISHED"),
		exchange{Method: "GET", Path: testUser + "/media", Query: url.Values{"fields": {"id,caption,timestamp,permalink"}, "limit": {"25"}},
			Body: `{"data":[{"id":"` + mediaID + `","caption":"Bonjour","timestamp":"2026-03-02T09:30:01+0000","permalink":"` + permalink + `"}]}`},
	)
	p := &network.Post{Key: strings.Repeat("d", 32), Text: "Bonjour", Media: []network.Media{jpeg("a.jpg", "")}, CreatedAt: testNow}
	_, err := a.Publish(t.Context(), p)
	if !network.MaybeWritten(err) {
		t.Fatalf("first publish: %v, want maybe written", err)
	}
	ref, err := a.Publish(t.Context(), p)
	if err != nil || ref.ID != mediaID || ref.URL != permalink || ref.Extra["container_id"] != container {
		t.Fatalf("retry = %+v, %v", ref, err)
	}
	// A third call answers from memory, without any request.
	if again, err := a.Publish(t.Context(), p); err != nil || again.ID != mediaID {
		t.Fatalf("third publish = %+v, %v", again, err)
	}
}

func TestFailedContainerStartsOver(t *testing.T) {
	a, _ := newTest(t, append([]exchange{
		quotaOK,
		{Method: "POST", Path: testUser + "/media", Form: url.Values{"image_url": {mediaBase + "a.jpg"}, "caption": {"x"}}, Body: `{"id":"17889000000000099"}`},
		{Method: "GET", Path: "17889000000000099", Query: statusQuery, Body: `{"status_code":"ERROR","status":"Error: Media download has failed. (2207052)"}`},
		quotaOK,
		{Method: "POST", Path: testUser + "/media", Form: url.Values{"image_url": {mediaBase + "a.jpg"}, "caption": {"x"}}, Body: `{"id":"` + container + `"}`},
		status(container, "FINISHED"),
	}, publishOK()...)...)
	p := &network.Post{Key: strings.Repeat("e", 32), Text: "x", Media: []network.Media{jpeg("a.jpg", "")}}
	_, err := a.Publish(t.Context(), p)
	if network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "Media download has failed") {
		t.Fatalf("first publish: %v", err)
	}
	if ref, err := a.Publish(t.Context(), p); err != nil || ref.ID != mediaID {
		t.Fatalf("second publish = %+v, %v", ref, err)
	}
}

func TestQuotaExhausted(t *testing.T) {
	a, _ := newTest(t,
		exchange{Method: "GET", Path: testUser + "/content_publishing_limit", Query: quotaQuery,
			Body: `{"data":[{"quota_usage":50,"config":{"quota_total":50,"quota_duration":86400}}]}`},
		exchange{Method: "GET", Path: testUser + "/media", Query: url.Values{"fields": {"timestamp"}, "limit": {"50"}},
			Body: `{"data":[{"id":"3","timestamp":"2026-03-02T09:00:00+0000"},{"id":"2","timestamp":"2026-03-01T15:00:00+0000"},{"id":"1","timestamp":"2026-02-27T10:00:00+0000"}]}`},
	)
	_, err := a.Publish(t.Context(), &network.Post{Text: "x", Media: []network.Media{jpeg("a.jpg", "")}})
	// The oldest post inside the window (2026-03-01 15:00) leaves it at 15:00 today.
	if network.ClassOf(err) != network.RateLimited || network.RetryAfter(err) != 5*time.Hour+30*time.Minute {
		t.Fatalf("publish: %v (retry after %v), want rate-limited for 5h30m", err, network.RetryAfter(err))
	}
}

func TestPublishRefusesBeforeAnyCall(t *testing.T) {
	tags := func(sigil string, n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(sigil + "tag" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + " ")
		}
		return b.String()
	}
	img := []network.Media{jpeg("a.jpg", "")}
	tests := []struct {
		name string
		post *network.Post
		want string
	}{
		{"no media", &network.Post{Text: "x"}, "at least one image"},
		{"caption", &network.Post{Text: strings.Repeat("é", 2201), Media: img}, "2201 characters"},
		{"hashtags", &network.Post{Text: tags("#", 31), Media: img}, "31 hashtags"},
		{"hashtag entities", &network.Post{Text: "x", Media: img, Entities: slices.Repeat([]network.Entity{{Kind: network.EntityHashtag}}, 31)}, "31 hashtags"},
		{"mentions", &network.Post{Text: tags("@", 21), Media: img}, "21 @mentions"},
		{"type", &network.Post{Text: "x", Media: []network.Media{{Name: "a.png", MIME: "image/png", Data: []byte("p")}}}, `type "image/png"`},
		{"too many", &network.Post{Text: "x", Media: slices.Repeat(img, 11)}, "11 media items"},
		{"too big", &network.Post{Text: "x", Media: []network.Media{{Name: "a.jpg", MIME: "image/jpeg", Data: make([]byte, 8<<20)}}}, "under 8 MiB"},
		{"poll", &network.Post{Text: "x", Media: img, Poll: &network.Poll{Options: []string{"a", "b"}}}, "poll"},
		{"nameless media", &network.Post{Text: "x", Media: []network.Media{{MIME: "image/jpeg", Data: []byte("j")}}}, "no file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := newTest(t)
			_, err := a.Publish(t.Context(), tt.post)
			if network.ClassOf(err) != network.Permanent || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("publish: %v, want a permanent error about %q", err, tt.want)
			}
		})
	}
	t.Run("no media base", func(t *testing.T) {
		a, _ := newAdapter(t, graphtest.Script(t, testToken), "")
		_, err := a.Publish(t.Context(), &network.Post{Text: "x", Media: img})
		if network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "media_base_url is not set") {
			t.Errorf("publish: %v", err)
		}
	})
}

func TestMediaURL(t *testing.T) {
	tests := []struct{ base, name, want string }{
		{"https://cdn.example.com/brand/media", "hero.jpg", "https://cdn.example.com/brand/media/hero.jpg"},
		{"https://cdn.example.com/brand/media/", "media/2026/été à Lyon.jpg", "https://cdn.example.com/brand/media/2026/%C3%A9t%C3%A9%20%C3%A0%20Lyon.jpg"},
		{"https://raw.githubusercontent.com/acme/site/main/media", "/a/../b/#1.jpg", "https://raw.githubusercontent.com/acme/site/main/media/b/%231.jpg"},
		{"https://cdn.example.com/m?sig=1", "x y.jpg", "https://cdn.example.com/m/x%20y.jpg?sig=1"},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.base)
		a := &Adapter{mediaBase: u}
		got, err := a.mediaURL(network.Media{Name: tt.name})
		if err != nil || got != tt.want {
			t.Errorf("mediaURL(%q, %q) = %q, %v; want %q", tt.base, tt.name, got, err, tt.want)
		}
	}
}

func TestDeleteIsUnsupported(t *testing.T) {
	a, _ := newTest(t)
	err := a.Delete(t.Context(), network.Ref{ID: mediaID})
	if !errors.Is(err, network.ErrUnsupported) || network.ClassOf(err) != network.Permanent {
		t.Fatalf("delete: %v", err)
	}
	if c := a.Capabilities(); c.Delete || c.Edit || !c.RequiresMedia || c.MaxHashtags != 30 || c.MaxMentions != 20 || c.TextLimit != 2200 || c.MaxMedia != 10 {
		t.Errorf("capabilities %+v", c)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{}, "user_id is required"},
		{map[string]string{SettingUserID: "1/media"}, "not an account id"},
		{map[string]string{SettingUserID: testUser, SettingMediaBase: "cdn.example.com/media"}, "media_base_url"},
	}
	for _, tt := range tests {
		_, err := New(network.Config{Settings: tt.settings, Secrets: map[string]string{SecretToken: testToken}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%v): %v, want %q", tt.settings, err, tt.want)
		}
	}
}
