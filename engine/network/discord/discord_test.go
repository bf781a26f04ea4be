package discord_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

func TestPublishRequest(t *testing.T) {
	thread := &network.Ref{ID: "1180000000000000001", Extra: map[string]string{"channel_id": "1180000000000000001", "thread_id": "1180000000000000001"}}
	tests := []struct {
		name     string
		settings map[string]string
		post     network.Post
		wantRef  network.Ref
	}{{
		name: "plain",
		post: network.Post{Key: "k1", Text: "Soldes d'hiver : -30 % sur tout le site ! @everyone", CreatedAt: now},
		wantRef: network.Ref{ID: "1180000000000000001", URL: "https://discord.com/channels/" + guildID + "/199737254929760257/1180000000000000001",
			Extra: map[string]string{"channel_id": "199737254929760257"}},
	}, {
		name: "media",
		post: network.Post{Key: "k2", Text: "Deux photos du salon", Media: []network.Media{
			square("media/salon/stand.png", "image/png", "Notre stand, vu de l'allée centrale"),
			square("équipe à Lyon.jpg", "image/jpeg", ""),
		}},
		wantRef: network.Ref{ID: "1180000000000000001", URL: "https://discord.com/channels/" + guildID + "/199737254929760257/1180000000000000001",
			Extra: map[string]string{"channel_id": "199737254929760257"}},
	}, {
		name: "poll",
		post: network.Post{Key: "k3", Title: "Quel parfum pour l'été ?", Text: "Votez !",
			Poll: &network.Poll{Options: []string{"Fraise", "Pistache", "Citron"}, Duration: 36*time.Hour + time.Minute, Multiple: true}},
		wantRef: network.Ref{ID: "1180000000000000001", URL: "https://discord.com/channels/" + guildID + "/199737254929760257/1180000000000000001",
			Extra: map[string]string{"channel_id": "199737254929760257", "poll": "0b7b3a4c0d07c6ccb1ec5b2d"}},
	}, {
		name:     "forum-root",
		settings: map[string]string{"forum": "true"},
		post:     network.Post{Key: "k4", Text: "## Lancement de la gamme bio\n\nTout est là.", CreatedAt: now},
		wantRef: network.Ref{ID: "1180000000000000001", URL: "https://discord.com/channels/" + guildID + "/199737254929760257/1180000000000000001",
			Extra: map[string]string{"channel_id": "199737254929760257", "thread_id": "199737254929760257"}},
	}, {
		name:     "forum-part",
		settings: map[string]string{"forum": "true"},
		post:     network.Post{Key: "k5", Text: "Deuxième partie", ReplyTo: thread, Root: thread},
		wantRef: network.Ref{ID: "1180000000000000001", URL: "https://discord.com/channels/" + guildID + "/199737254929760257/1180000000000000001",
			Extra: map[string]string{"channel_id": "199737254929760257", "thread_id": "199737254929760257"}},
	}, {
		name:     "thread-setting",
		settings: map[string]string{"thread_id": "1190000000000000009"},
		post:     network.Post{Key: "k6", Text: "Dans le fil des annonces"},
		wantRef: network.Ref{ID: "1180000000000000001", URL: "https://discord.com/channels/" + guildID + "/199737254929760257/1180000000000000001",
			Extra: map[string]string{"channel_id": "199737254929760257", "thread_id": "199737254929760257"}},
	}, {
		name:     "embed",
		settings: map[string]string{"style": "embed", "username": "Maison Clairon", "avatar_url": "https://example.com/logo.png", "allowed_mentions": "users, roles"},
		post:     network.Post{Key: "k7", Title: "Nouveautés de mars", Text: "**Trois** nouveautés ce mois-ci.", CreatedAt: now},
		wantRef: network.Ref{ID: "1180000000000000001", URL: "https://discord.com/channels/" + guildID + "/199737254929760257/1180000000000000001",
			Extra: map[string]string{"channel_id": "199737254929760257"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) {
				respondJSON(w, http.StatusOK, messageJSON(t))
			})
			a := newAdapter(t, rec.config(tt.settings))
			ref, err := a.Publish(context.Background(), &tt.post)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			c := reqs[0]
			if want := "/api/v10/webhooks/" + hookID + "/" + token; c.Path != want {
				t.Errorf("path %q, want %q", c.Path, want)
			}
			if ua := c.Header.Get("User-Agent"); !strings.HasPrefix(ua, "clairon") {
				t.Errorf("User-Agent %q", ua)
			}
			if c.Header.Get("Authorization") != "" {
				t.Error("a webhook request carries an Authorization header")
			}
			checkGolden(t, "publish-"+tt.name, render(t, c))
			if tt.name == "poll" {
				// The digest is opaque; check it is stable rather than its value.
				tt.wantRef.Extra["poll"] = ref.Extra["poll"]
				if len(ref.Extra["poll"]) != 24 {
					t.Errorf("poll digest %q", ref.Extra["poll"])
				}
			}
			if !refEqual(ref, tt.wantRef) {
				t.Errorf("ref %+v, want %+v", ref, tt.wantRef)
			}
		})
	}
}

func refEqual(a, b network.Ref) bool {
	if a.ID != b.ID || a.URL != b.URL || len(a.Extra) != len(b.Extra) {
		return false
	}
	for k, v := range a.Extra {
		if b.Extra[k] != v {
			return false
		}
	}
	return true
}

func TestPublishMediaParts(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) { respondJSON(w, http.StatusOK, messageJSON(t)) })
	a := newAdapter(t, rec.config(nil))
	media := []network.Media{square("a.png", "image/png", "first"), square("b.gif", "image/gif", "second")}
	if _, err := a.Publish(context.Background(), &network.Post{Key: "k", Text: "x", Media: media}); err != nil {
		t.Fatal(err)
	}
	c := rec.requests()[0]
	_, params, _ := mime.ParseMediaType(c.Header.Get("Content-Type"))
	mr := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
	var names []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(part)
		names = append(names, part.FormName())
		if i := len(names) - 2; i >= 0 {
			if !bytes.Equal(data, media[i].Data) || part.FileName() != media[i].Name || part.Header.Get("Content-Type") != media[i].MIME {
				t.Errorf("part %s: %q %q, %d bytes; want the bytes, name and type of %s", part.FormName(), part.FileName(), part.Header.Get("Content-Type"), len(data), media[i].Name)
			}
		}
	}
	if want := []string{"payload_json", "files[0]", "files[1]"}; strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("parts %v, want %v", names, want)
	}
}

func TestGuildIsReadOnce(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Method == http.MethodGet {
			respondJSON(w, http.StatusOK, `{"type":1,"id":"`+hookID+`","name":"clairon","avatar":null,"channel_id":"199737254929760257","guild_id":"42","application_id":null,"token":"`+token+`"}`)
			return
		}
		respondJSON(w, http.StatusOK, messageJSON(t))
	})
	a := newAdapter(t, rec.config(map[string]string{"guild_id": ""}))
	for range 2 {
		ref, err := a.Publish(context.Background(), &network.Post{Key: "k", Text: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if want := "https://discord.com/channels/42/199737254929760257/1180000000000000001"; ref.URL != want {
			t.Errorf("URL %q, want %q", ref.URL, want)
		}
	}
	var got []string
	for _, c := range rec.requests() {
		got = append(got, c.Method+" "+strings.Replace(c.Path, token, "{token}", 1)+"?"+c.Query)
	}
	want := []string{
		"GET /api/v10/webhooks/" + hookID + "/{token}?",
		"POST /api/v10/webhooks/" + hookID + "/{token}?wait=true",
		"POST /api/v10/webhooks/" + hookID + "/{token}?wait=true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEditRequest(t *testing.T) {
	inThread := network.Ref{ID: "1180000000000000001", Extra: map[string]string{"channel_id": "777", "thread_id": "777"}}
	plain := network.Ref{ID: "1180000000000000001", URL: "https://discord.com/channels/1/2/1180000000000000001", Extra: map[string]string{"channel_id": "2"}}
	tests := []struct {
		name     string
		settings map[string]string
		ref      network.Ref
		post     network.Post
	}{
		{"text", nil, plain, network.Post{Key: "k", Text: "Texte corrigé @here"}},
		{"thread", nil, inThread, network.Post{Key: "k", Text: "Dans le fil"}},
		{"media", nil, plain, network.Post{Key: "k", Text: "Nouvelle photo", Media: []network.Media{square("new.png", "image/png", "Le nouveau visuel")}}},
		{"embed", map[string]string{"style": "embed"}, plain, network.Post{Key: "k", Title: "Titre", Text: "Corps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) { respondJSON(w, http.StatusOK, messageJSON(t)) })
			a := newAdapter(t, rec.config(tt.settings))
			out, err := a.Edit(context.Background(), tt.ref, &tt.post)
			if err != nil {
				t.Fatalf("Edit: %v", err)
			}
			if out.ID != tt.ref.ID || out.URL != tt.ref.URL || out.Extra["thread_id"] != tt.ref.Extra["thread_id"] {
				t.Errorf("ref %+v, want the edited message %+v", out, tt.ref)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			checkGolden(t, "edit-"+tt.name, render(t, reqs[0]))
		})
	}
}

func TestEditRefusesPollChange(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) { respondJSON(w, http.StatusOK, messageJSON(t)) })
	a := newAdapter(t, rec.config(nil))
	poll := &network.Poll{Options: []string{"Oui", "Non"}, Duration: 24 * time.Hour}
	ref, err := a.Publish(context.Background(), &network.Post{Key: "k", Text: "Sondage", Poll: poll})
	if err != nil {
		t.Fatal(err)
	}
	// The same poll with new text is an edit of the text only.
	if _, err := a.Edit(context.Background(), ref, &network.Post{Key: "k2", Text: "Sondage corrigé", Poll: poll}); err != nil {
		t.Fatalf("edit keeping the poll: %v", err)
	}
	for name, p := range map[string]*network.Poll{
		"changed": {Options: []string{"Oui", "Non", "Peut-être"}, Duration: 24 * time.Hour},
		"removed": nil,
	} {
		before := len(rec.requests())
		_, err := a.Edit(context.Background(), ref, &network.Post{Key: "k3", Text: "Sondage", Poll: p})
		if !errors.Is(err, network.ErrUnsupported) || network.ClassOf(err) != network.Permanent {
			t.Errorf("poll %s: %v, want a permanent error wrapping ErrUnsupported", name, err)
		}
		if n := len(rec.requests()); n != before {
			t.Errorf("poll %s: the refused edit sent a request", name)
		}
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name      string
		ref       network.Ref
		status    int
		body      string
		wantQuery string
		wantClass network.Class // checked when wantErr
		wantErr   bool
	}{
		{"deleted", network.Ref{ID: "1180000000000000001"}, http.StatusNoContent, "", "", 0, false},
		{"in a thread", network.Ref{ID: "1180000000000000001", Extra: map[string]string{"thread_id": "777"}}, http.StatusNoContent, "", "thread_id=777", 0, false},
		{"already gone", network.Ref{ID: "1180000000000000001"}, http.StatusNotFound, `{"message": "Unknown Message", "code": 10008}`, "", 0, false},
		{"webhook deleted", network.Ref{ID: "1180000000000000001"}, http.StatusNotFound, `{"message": "Unknown Webhook", "code": 10015}`, "", network.Auth, true},
		{"server error", network.Ref{ID: "1180000000000000001"}, http.StatusBadGateway, "<html>bad gateway</html>", "", network.Retryable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) { respondJSON(w, tt.status, tt.body) })
			a := newAdapter(t, rec.config(nil))
			err := a.Delete(context.Background(), tt.ref)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Delete: %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr && network.ClassOf(err) != tt.wantClass {
				t.Errorf("class %v, want %v", network.ClassOf(err), tt.wantClass)
			}
			c := rec.requests()[0]
			if want := "/api/v10/webhooks/" + hookID + "/" + token + "/messages/" + tt.ref.ID; c.Method != http.MethodDelete || c.Path != want || c.Query != tt.wantQuery {
				t.Errorf("request %s %s?%s, want DELETE %s?%s", c.Method, c.Path, c.Query, want, tt.wantQuery)
			}
			if len(c.Body) != 0 {
				t.Errorf("DELETE has a body: %q", c.Body)
			}
		})
	}
}

func TestRejectsBadIDsWithoutRequest(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, n int) { t.Error("unexpected request") })
	a := newAdapter(t, rec.config(nil))
	bad := network.Ref{ID: "../../messages/1"}
	if err := a.Delete(context.Background(), bad); network.ClassOf(err) != network.Permanent {
		t.Errorf("delete %q: %v, want a permanent error", bad.ID, err)
	}
	if _, err := a.Edit(context.Background(), bad, &network.Post{Key: "k", Text: "x"}); network.ClassOf(err) != network.Permanent {
		t.Errorf("edit %q: %v, want a permanent error", bad.ID, err)
	}
}
