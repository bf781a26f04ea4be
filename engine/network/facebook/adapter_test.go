package facebook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/clairon-dev/clairon/engine/network"
)

const (
	postID  = testPage + "_900001"
	postURL = "https://www.facebook.com/" + testPage + "/posts/900001"
)

func TestPublishText(t *testing.T) {
	text := "Le printemps arrive 🌸 https://example.com/printemps"
	srv := script(t, exchange{
		Method: "POST", Path: testPage + "/feed",
		Form: url.Values{"message": {text}, "link": {"https://example.com/printemps"}},
		Body: `{"id":"` + postID + `"}`,
	})
	a := newTest(t, srv)
	ref, err := a.Publish(t.Context(), &network.Post{Key: strings.Repeat("a", 32), Text: text,
		Entities: []network.Entity{{Kind: network.EntityLink, Start: 25, End: 55, Value: "https://example.com/printemps"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != postID || ref.URL != postURL {
		t.Errorf("ref = %+v", ref)
	}
}

func TestPublishOnePhoto(t *testing.T) {
	img := network.Media{Name: "media/2026/hero.jpg", MIME: "image/jpeg", Data: []byte("\xff\xd8jpeg-bytes"), Alt: "Une tulipe rouge"}
	srv := script(t, exchange{
		Method: "POST", Path: testPage + "/photos",
		Form:  url.Values{"published": {"true"}, "message": {"Nouvelle collection"}, "alt_text_custom": {"Une tulipe rouge"}},
		Files: map[string]wantFile{"source": {Name: "hero.jpg", MIME: "image/jpeg", Data: img.Data}},
		Body:  `{"id":"5550001","post_id":"` + postID + `"}`,
	})
	ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "Nouvelle collection", Media: []network.Media{img}})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != postID || ref.URL != postURL || ref.Extra["photo_ids"] != "5550001" {
		t.Errorf("ref = %+v", ref)
	}
}

func twoPhotos() []network.Media {
	return []network.Media{
		{Name: "a.png", MIME: "image/png", Data: []byte("png-a"), Alt: "Vitrine"},
		{Name: "b.png", MIME: "image/png", Data: []byte("png-b")},
	}
}

func photoUploads() []exchange {
	return []exchange{
		{Method: "POST", Path: testPage + "/photos", Form: url.Values{"published": {"false"}, "alt_text_custom": {"Vitrine"}},
			Files: map[string]wantFile{"source": {Name: "a.png", MIME: "image/png", Data: []byte("png-a")}}, Body: `{"id":"5550001"}`},
		{Method: "POST", Path: testPage + "/photos", Form: url.Values{"published": {"false"}},
			Files: map[string]wantFile{"source": {Name: "b.png", MIME: "image/png", Data: []byte("png-b")}}, Body: `{"id":"5550002"}`},
	}
}

var attachForm = url.Values{
	"message":           {"Deux vues"},
	"attached_media[0]": {`{"media_fbid":"5550001"}`},
	"attached_media[1]": {`{"media_fbid":"5550002"}`},
}

func TestPublishPhotos(t *testing.T) {
	srv := script(t, append(photoUploads(), exchange{
		Method: "POST", Path: testPage + "/feed", Form: attachForm, Body: `{"id":"` + postID + `"}`,
	})...)
	ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Key: strings.Repeat("b", 32), Text: "Deux vues", Media: twoPhotos()})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != postID || ref.Extra["photo_ids"] != "5550001,5550002" {
		t.Errorf("ref = %+v", ref)
	}
}

func TestPublishPhotosRetryKeepsUploads(t *testing.T) {
	transient := `{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"T1"}}`
	srv := script(t, append(photoUploads(),
		exchange{Method: "POST", Path: testPage + "/feed", Form: attachForm, Status: 500, Body: transient},
		exchange{Method: "POST", Path: testPage + "/feed", Form: attachForm, Body: `{"id":"` + postID + `"}`},
	)...)
	a := newTest(t, srv)
	p := &network.Post{Key: strings.Repeat("c", 32), Text: "Deux vues", Media: twoPhotos()}
	_, err := a.Publish(t.Context(), p)
	if network.ClassOf(err) != network.Retryable || !network.MaybeWritten(err) {
		t.Fatalf("first publish: %v (maybe written %v), want a retryable error that may have written", err, network.MaybeWritten(err))
	}
	ref, err := a.Publish(t.Context(), p)
	if err != nil || ref.ID != postID {
		t.Fatalf("retry: %+v, %v", ref, err)
	}
}

func TestPublishComment(t *testing.T) {
	srv := script(t, exchange{
		Method: "POST", Path: postID + "/comments", Form: url.Values{"message": {"Premier commentaire"}},
		Body: `{"id":"900001_700001"}`,
	})
	ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "Premier commentaire",
		ReplyTo: &network.Ref{ID: postID, URL: postURL}})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != "900001_700001" || ref.URL != postURL+"?comment_id=700001" || ref.Extra["parent"] != postID {
		t.Errorf("ref = %+v", ref)
	}
}

var postsQuery = url.Values{"fields": {"id,message,created_time,permalink_url"}, "limit": {"25"}}

func TestPublishDuplicateFindsTheLostPost(t *testing.T) {
	srv := script(t,
		exchange{Method: "POST", Path: testPage + "/feed", Form: url.Values{"message": {"Bonjour"}}, Status: 400,
			Body: `{"error":{"message":"(#506) Duplicate status message","type":"OAuthException","code":506,"fbtrace_id":"D"}}`},
		exchange{Method: "GET", Path: testPage + "/posts", Query: postsQuery,
			Body: `{"data":[{"id":"` + postID + `","message":"Bonjour","created_time":"2026-03-02T09:29:40+0000","permalink_url":"` + postURL + `"}]}`},
	)
	ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "Bonjour", CreatedAt: testNow})
	if err != nil || ref.ID != postID {
		t.Fatalf("publish = %+v, %v; want the earlier post", ref, err)
	}
}

func TestPublishDuplicateOfAnOldPostFails(t *testing.T) {
	srv := script(t,
		exchange{Method: "POST", Path: testPage + "/feed", Form: url.Values{"message": {"Bonjour"}}, Status: 400,
			Body: `{"error":{"message":"(#506) Duplicate status message","type":"OAuthException","code":506,"fbtrace_id":"D"}}`},
		exchange{Method: "GET", Path: testPage + "/posts", Query: postsQuery,
			Body: `{"data":[{"id":"` + postID + `","message":"Bonjour","created_time":"2026-02-27T09:00:00+0000"}]}`},
	)
	_, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "Bonjour", CreatedAt: testNow})
	if network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "506") {
		t.Fatalf("publish: %v, want the permanent duplicate error", err)
	}
}

func TestPublishRefusesBeforeAnyCall(t *testing.T) {
	gif := network.Media{Name: "x.webp", MIME: "image/webp", Data: []byte("x")}
	tests := []struct {
		name string
		post *network.Post
		want string
	}{
		{"empty", &network.Post{Text: "  "}, "empty message"},
		{"poll", &network.Post{Text: "Vote", Poll: &network.Poll{Options: []string{"a", "b"}}}, "poll"},
		{"media type", &network.Post{Text: "x", Media: []network.Media{gif}}, `type "image/webp"`},
		{"too many photos", &network.Post{Text: "x", Media: make([]network.Media, 11)}, "11 photos"},
		{"too long", &network.Post{Text: strings.Repeat("é", maxMessageLength+1)}, "63207 characters"},
		{"photo too big", &network.Post{Text: "x", Media: []network.Media{{Name: "big.jpg", MIME: "image/jpeg", Data: make([]byte, maxPhotoBytes)}}}, "under 10000000"},
		{"comment with two photos", &network.Post{Text: "x", Media: twoPhotos(), ReplyTo: &network.Ref{ID: postID}}, "at most one photo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := script(t)
			_, err := newTest(t, srv).Publish(t.Context(), tt.post)
			if network.ClassOf(err) != network.Permanent || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("publish: %v, want a permanent error about %q", err, tt.want)
			}
		})
	}
	srv := script(t)
	_, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "Vote", Poll: &network.Poll{Options: []string{"a", "b"}}})
	if !errors.Is(err, network.ErrUnsupported) {
		t.Errorf("poll: %v does not wrap ErrUnsupported", err)
	}
}

func TestEdit(t *testing.T) {
	ref := network.Ref{ID: postID, URL: postURL}
	t.Run("ok", func(t *testing.T) {
		srv := script(t, exchange{Method: "POST", Path: postID, Form: url.Values{"message": {"Texte corrigé"}}, Body: `{"success":true}`})
		got, err := newTest(t, srv).Edit(t.Context(), ref, &network.Post{Text: "Texte corrigé"})
		if err != nil || got.ID != ref.ID || got.URL != ref.URL {
			t.Fatalf("edit = %+v, %v", got, err)
		}
	})
	t.Run("gone", func(t *testing.T) {
		srv := script(t, exchange{Method: "POST", Path: postID, Form: url.Values{"message": {"x"}}, Status: 400,
			Body: `{"error":{"message":"Unsupported post request. Object with ID '` + postID + `' does not exist","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"G"}}`})
		_, err := newTest(t, srv).Edit(t.Context(), ref, &network.Post{Text: "x"})
		if !errors.Is(err, network.ErrNotFound) || network.ClassOf(err) != network.Permanent {
			t.Fatalf("edit of a deleted post: %v", err)
		}
	})
	t.Run("not confirmed", func(t *testing.T) {
		srv := script(t, exchange{Method: "POST", Path: postID, Form: url.Values{"message": {"x"}}, Body: `{"success":false}`})
		_, err := newTest(t, srv).Edit(t.Context(), ref, &network.Post{Text: "x"})
		if err == nil || !network.MaybeWritten(err) {
			t.Fatalf("edit answered success:false: %v", err)
		}
	})
}

func TestDelete(t *testing.T) {
	ref := network.Ref{ID: postID}
	tests := []struct {
		name   string
		status int
		body   string
		class  network.Class
		ok     bool
	}{
		{"deleted", 200, `{"success":true}`, 0, true},
		{"already gone", 400, `{"error":{"message":"Unsupported delete request.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"G"}}`, 0, true},
		{"token revoked", 400, `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"G"}}`, network.Auth, false},
		{"not confirmed", 200, `{"success":false}`, network.Retryable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := script(t, exchange{Method: "DELETE", Path: postID, Status: tt.status, Body: tt.body})
			err := newTest(t, srv).Delete(t.Context(), ref)
			if tt.ok != (err == nil) || (!tt.ok && network.ClassOf(err) != tt.class) {
				t.Errorf("delete: %v, want ok=%v class %v", err, tt.ok, tt.class)
			}
		})
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		secrets  map[string]string
		want     string
	}{
		{"no page", map[string]string{}, map[string]string{SecretToken: testToken}, "page_id is required"},
		{"bad page", map[string]string{SettingPageID: "12/feed"}, map[string]string{SecretToken: testToken}, "not a Page id"},
		{"no token", map[string]string{SettingPageID: testPage}, map[string]string{}, "token is not set"},
		{"bad api", map[string]string{SettingPageID: testPage, SettingAPI: "graph.facebook.com"}, map[string]string{SecretToken: testToken}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(network.Config{Settings: tt.settings, Secrets: tt.secrets})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Error("the error shows the token")
			}
		})
	}
}

// TestSecretsNeverInErrors: the token travels in a header and never in a
// URL, but the appsecret_proof does; a failed request's *url.Error must show
// neither, nor the app secret.
func TestSecretsNeverInErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + ln.Addr().String() + "/v25.0"
	ln.Close()
	const appSecret = "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f"
	a, err := NewAdapter(network.Config{Settings: map[string]string{SettingPageID: testPage, SettingAPI: api},
		Secrets: map[string]string{SecretToken: testToken, SecretAppSecret: appSecret}})
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write([]byte(testToken))
	proof := hex.EncodeToString(mac.Sum(nil))
	_, perr := a.Publish(t.Context(), &network.Post{Text: "x"})
	_, merr := a.Metrics(t.Context(), network.Ref{ID: postID})
	for _, err := range []error{perr, merr, a.Delete(t.Context(), network.Ref{ID: postID})} {
		if err == nil {
			t.Fatal("no error from a closed port")
		}
		for e := err; e != nil; e = errors.Unwrap(e) {
			for _, s := range []string{testToken, appSecret, proof} {
				if strings.Contains(e.Error(), s) {
					t.Errorf("%T in the chain of %q shows a secret", e, err)
				}
			}
		}
	}
}
