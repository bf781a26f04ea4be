package telegram

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

func TestPublishMessage(t *testing.T) {
	text := `<b>Soldes</b> d'hiver : <a href="https://example.com/soldes">-30 %</a> &amp; plus`
	srv := botScript(t, call{method: "sendMessage", params: map[string]any{
		"chat_id": "@" + chatName, "text": text, "parse_mode": "HTML",
		"link_preview_options": map[string]any{"url": "https://example.com/soldes"},
	}, reply: ok(msg(101))})
	ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: text,
		Entities: []network.Entity{{Kind: network.EntityLink, Value: "https://example.com/soldes"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := network.Ref{ID: "101", URL: "https://t.me/" + chatName + "/101",
		Extra: map[string]string{"kind": "text", "chat_id": "-1001234567890", "message_ids": "101"}}
	if ref.ID != want.ID || ref.URL != want.URL || len(ref.Extra) != 3 || ref.Extra["kind"] != "text" ||
		ref.Extra["chat_id"] != want.Extra["chat_id"] || ref.Extra["message_ids"] != "101" {
		t.Errorf("ref = %+v, want %+v", ref, want)
	}
}

func TestPublishOptions(t *testing.T) {
	tests := []struct {
		name     string
		settings []string
		post     *network.Post
		params   map[string]any
		reply    string
		url      string
	}{
		{"numeric private chat", []string{SettingChatID, "-1009876543210"}, &network.Post{Text: "Bonjour"},
			map[string]any{"chat_id": -1009876543210, "text": "Bonjour", "parse_mode": "HTML"},
			`{"message_id":7,"date":1,"chat":{"id":-1009876543210,"type":"supergroup","title":"Privé"}}`, ""},
		{"previews off", []string{SettingLinkPreview, "off"}, &network.Post{Text: "https://example.com",
			Entities: []network.Entity{{Kind: network.EntityLink, Value: "https://example.com"}}},
			map[string]any{"chat_id": "@" + chatName, "text": "https://example.com", "parse_mode": "HTML",
				"link_preview_options": map[string]any{"is_disabled": true}}, msg(8), "https://t.me/" + chatName + "/8"},
		{"previews above", []string{SettingLinkPreview, "above"}, &network.Post{Text: "https://example.com",
			Entities: []network.Entity{{Kind: network.EntityLink, Value: "https://example.com"}}},
			map[string]any{"chat_id": "@" + chatName, "text": "https://example.com", "parse_mode": "HTML",
				"link_preview_options": map[string]any{"url": "https://example.com", "show_above_text": true}}, msg(9), "https://t.me/" + chatName + "/9"},
		{"thread reply", nil, &network.Post{Text: "Suite", ReplyTo: &network.Ref{ID: "100"}},
			map[string]any{"chat_id": "@" + chatName, "text": "Suite", "parse_mode": "HTML", "reply_parameters": map[string]any{"message_id": 100}},
			msg(10), "https://t.me/" + chatName + "/10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := botScript(t, call{method: "sendMessage", params: tt.params, reply: ok(tt.reply)})
			ref, err := newTest(t, srv, tt.settings...).Publish(t.Context(), tt.post)
			if err != nil || ref.URL != tt.url {
				t.Errorf("publish = %+v, %v; want URL %q", ref, err, tt.url)
			}
		})
	}
}

func TestPublishOneMedia(t *testing.T) {
	tests := []struct {
		name   string
		media  network.Media
		method string
		field  string
		extra  map[string]any
	}{
		{"photo", network.Media{Name: "media/hero.jpg", MIME: "image/jpeg", Data: []byte("jpg")}, "sendPhoto", "photo", nil},
		{"video", network.Media{Name: "clip.mp4", MIME: "video/mp4", Data: []byte("mp4")}, "sendVideo", "video", map[string]any{"supports_streaming": true}},
		{"animation", network.Media{Name: "fun.gif", MIME: "image/gif", Data: []byte("gif")}, "sendAnimation", "animation", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := map[string]any{"chat_id": "@" + chatName, "caption": "<i>Nouveau</i>", "parse_mode": "HTML", "has_spoiler": true}
			for k, v := range tt.extra {
				params[k] = v
			}
			name := tt.media.Name[strings.LastIndexByte(tt.media.Name, '/')+1:]
			srv := botScript(t, call{method: tt.method, params: params,
				files: map[string]wantFile{tt.field: {name: name, mime: tt.media.MIME, data: string(tt.media.Data)}}, reply: ok(msg(11))})
			ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "<i>Nouveau</i>", ContentWarning: "spoiler", Media: []network.Media{tt.media}})
			if err != nil || ref.Extra["kind"] != "media" {
				t.Fatalf("publish = %+v, %v", ref, err)
			}
		})
	}
}

func TestPublishAlbum(t *testing.T) {
	srv := botScript(t, call{method: "sendMediaGroup",
		params: map[string]any{"chat_id": "@" + chatName, "reply_parameters": map[string]any{"message_id": 90}, "media": []any{
			map[string]any{"type": "photo", "media": "attach://file0", "caption": "Deux <b>vues</b>", "parse_mode": "HTML"},
			map[string]any{"type": "video", "media": "attach://file1"},
		}},
		files: map[string]wantFile{"file0": {"a.png", "image/png", "png"}, "file1": {"b.mp4", "video/mp4", "mp4"}},
		reply: ok("[" + msg(21) + "," + msg(22) + "]")})
	ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "Deux <b>vues</b>", ReplyTo: &network.Ref{ID: "90"}, Media: []network.Media{
		{Name: "a.png", MIME: "image/png", Data: []byte("png")}, {Name: "b.mp4", MIME: "video/mp4", Data: []byte("mp4")}}})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != "21" || ref.Extra["message_ids"] != "21,22" || ref.Extra["kind"] != "media" {
		t.Errorf("ref = %+v", ref)
	}
}

func poll() *network.Poll {
	return &network.Poll{Options: []string{"Tarte", "Glace", "Crêpe"}, Duration: 24 * time.Hour, Multiple: true}
}

var pollOptions = []any{map[string]any{"text": "Tarte"}, map[string]any{"text": "Glace"}, map[string]any{"text": "Crêpe"}}

func TestPublishPollAlone(t *testing.T) {
	srv := botScript(t, call{method: "sendPoll", params: map[string]any{"chat_id": "@" + chatName,
		"question": "Votre dessert préféré ? Tarte & co", "options": pollOptions, "allows_multiple_answers": true, "open_period": 86400},
		reply: ok(msg(31))})
	ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "<b>Votre dessert préféré ?</b> Tarte &amp; co", Poll: poll()})
	if err != nil || ref.ID != "31" || ref.Extra["kind"] != "poll" || ref.Extra["poll_message_id"] != "" {
		t.Fatalf("publish = %+v, %v", ref, err)
	}
}

func TestPublishMessageThenPoll(t *testing.T) {
	intro := strings.Repeat("Une longue introduction au concours. ", 9)
	text := intro + "\n\n<b>Quel dessert pour la fête ?</b>"
	srv := botScript(t,
		call{method: "sendMessage", params: map[string]any{"chat_id": "@" + chatName, "text": strings.TrimRight(intro, "\n"), "parse_mode": "HTML"}, reply: ok(msg(41))},
		call{method: "sendPoll", params: map[string]any{"chat_id": "@" + chatName, "question": "Quel dessert pour la fête ?", "options": pollOptions,
			"allows_multiple_answers": true, "open_period": 86400, "reply_parameters": map[string]any{"message_id": 41}}, reply: ok(msg(42))},
	)
	ref, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: text, Poll: poll()})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != "41" || ref.Extra["kind"] != "text" || ref.Extra["poll_message_id"] != "42" || ref.Extra["message_ids"] != "41,42" {
		t.Errorf("ref = %+v", ref)
	}
}

func TestPublishPollFailureAfterMessageIsMaybeWritten(t *testing.T) {
	srv := botScript(t,
		call{method: "sendMessage", params: map[string]any{"chat_id": "@" + chatName, "text": `Lien : <a href="https://example.com">ici</a>`, "parse_mode": "HTML"}, reply: ok(msg(51))},
		call{method: "sendPoll", params: map[string]any{"chat_id": "@" + chatName, "question": "Lien : ici", "options": pollOptions,
			"allows_multiple_answers": true, "open_period": 86400, "reply_parameters": map[string]any{"message_id": 51}},
			status: 400, reply: `{"ok":false,"error_code":400,"description":"Bad Request: poll options length must not exceed 100"}`},
	)
	_, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: `Lien : <a href="https://example.com">ici</a>`, Poll: poll()})
	if !network.MaybeWritten(err) || network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "messages 51 were sent") {
		t.Fatalf("publish: %v (maybe written %v)", err, network.MaybeWritten(err))
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name   string
		status int
		reply  string
		class  network.Class
		retry  time.Duration
		maybe  bool
		text   string
	}{
		{"flood", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`,
			network.RateLimited, 7 * time.Second, false, "Too Many Requests"},
		{"bad token", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, network.Auth, 0, false, "Unauthorized"},
		{"kicked", 403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the channel chat"}`, network.Auth, 0, false, "kicked"},
		{"no such bot", 404, `{"ok":false,"error_code":404,"description":"Not Found"}`, network.Auth, 0, false, "Not Found"},
		{"bad request", 400, `{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0"}`,
			network.Permanent, 0, false, "Unsupported start tag"},
		{"migrated", 400, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001999}}`,
			network.Permanent, 0, false, "set chat_id to it"},
		{"server error", 500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`, network.Retryable, 0, true, "Internal Server Error"},
		{"gateway page", 502, `<html><body>502 Bad Gateway</body></html>`, network.Retryable, 0, true, "502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := botScript(t, call{method: "sendMessage", params: map[string]any{"chat_id": "@" + chatName, "text": "x", "parse_mode": "HTML"},
				status: tt.status, reply: tt.reply})
			_, err := newTest(t, srv).Publish(t.Context(), &network.Post{Text: "x"})
			var ne *network.Error
			if !errors.As(err, &ne) {
				t.Fatalf("error %v is not a *network.Error", err)
			}
			if ne.Class != tt.class || ne.RetryAfter != tt.retry || ne.MaybeWritten != tt.maybe || ne.Status != tt.status {
				t.Errorf("%v: class %v retry %v maybe %v status %d; want %v %v %v %d", err, ne.Class, ne.RetryAfter, ne.MaybeWritten, ne.Status,
					tt.class, tt.retry, tt.maybe, tt.status)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
		})
	}
}

func TestPublishRefusesBeforeAnyCall(t *testing.T) {
	img := network.Media{Name: "a.jpg", MIME: "image/jpeg", Data: []byte("j")}
	gif := network.Media{Name: "a.gif", MIME: "image/gif", Data: []byte("g")}
	tests := []struct {
		name string
		post *network.Post
		want string
	}{
		{"empty", &network.Post{Text: "<b> </b>"}, "message text is empty"},
		{"long text", &network.Post{Text: strings.Repeat("😀", 2049)}, "4098 characters"},
		{"markup is not counted", &network.Post{Text: "<b>" + strings.Repeat("a", 4097) + "</b>"}, "4097 characters"},
		{"long caption", &network.Post{Text: strings.Repeat("a", 1025), Media: []network.Media{img}}, "caption is 1025 characters"},
		{"gif in an album", &network.Post{Text: "x", Media: []network.Media{img, gif}}, "animated GIF"},
		{"type", &network.Post{Text: "x", Media: []network.Media{{Name: "a.webp", MIME: "image/webp", Data: []byte("w")}}}, `type "image/webp"`},
		{"one option", &network.Post{Text: "x", Poll: &network.Poll{Options: []string{"seule"}}}, "2 to 12 options"},
		{"long option", &network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a", strings.Repeat("b", 101)}}}, "1 to 100 characters"},
		{"poll too long", &network.Post{Text: "x", Poll: &network.Poll{Options: []string{"a", "b"}, Duration: 31 * 24 * time.Hour}}, "open between"},
		{"reply to a non-id", &network.Post{Text: "x", ReplyTo: &network.Ref{ID: "at://x"}}, "not a Telegram message id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := botScript(t)
			_, err := newTest(t, srv).Publish(t.Context(), tt.post)
			if network.ClassOf(err) != network.Permanent || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("publish: %v, want a permanent error about %q", err, tt.want)
			}
		})
	}
}

func TestEdit(t *testing.T) {
	textRef := network.Ref{ID: "101", Extra: map[string]string{"kind": "text", "chat_id": "-1001234567890", "message_ids": "101"}}
	editText := map[string]any{"chat_id": chatID, "message_id": 101, "text": "Corrigé", "parse_mode": "HTML"}
	t.Run("text", func(t *testing.T) {
		srv := botScript(t, call{method: "editMessageText", params: editText, reply: ok(msg(101))})
		ref, err := newTest(t, srv).Edit(t.Context(), textRef, &network.Post{Text: "Corrigé"})
		if err != nil || ref.ID != "101" {
			t.Fatalf("edit = %+v, %v", ref, err)
		}
	})
	t.Run("unchanged", func(t *testing.T) {
		srv := botScript(t, call{method: "editMessageText", params: editText, status: 400,
			reply: `{"ok":false,"error_code":400,"description":"Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"}`})
		if _, err := newTest(t, srv).Edit(t.Context(), textRef, &network.Post{Text: "Corrigé"}); err != nil {
			t.Fatalf("edit: %v", err)
		}
	})
	t.Run("gone", func(t *testing.T) {
		srv := botScript(t, call{method: "editMessageText", params: editText, status: 400,
			reply: `{"ok":false,"error_code":400,"description":"Bad Request: message to edit not found"}`})
		_, err := newTest(t, srv).Edit(t.Context(), textRef, &network.Post{Text: "Corrigé"})
		if !errors.Is(err, network.ErrNotFound) || network.ClassOf(err) != network.Permanent {
			t.Fatalf("edit: %v", err)
		}
	})
	t.Run("caption", func(t *testing.T) {
		ref := network.Ref{ID: "21", Extra: map[string]string{"kind": "media", "chat_id": "-1001234567890", "message_ids": "21,22"}}
		srv := botScript(t, call{method: "editMessageCaption", params: map[string]any{"chat_id": chatID, "message_id": 21, "caption": "Légende", "parse_mode": "HTML"}, reply: ok(msg(21))})
		img := network.Media{Name: "a.jpg", MIME: "image/jpeg", Data: []byte("j")}
		if _, err := newTest(t, srv).Edit(t.Context(), ref, &network.Post{Text: "Légende", Media: []network.Media{img, img}}); err != nil {
			t.Fatalf("edit: %v", err)
		}
	})
	t.Run("poll", func(t *testing.T) {
		srv := botScript(t)
		_, err := newTest(t, srv).Edit(t.Context(), network.Ref{ID: "31", Extra: map[string]string{"kind": "poll"}}, &network.Post{Text: "x", Poll: poll()})
		if !errors.Is(err, network.ErrUnsupported) {
			t.Fatalf("edit of a poll: %v", err)
		}
	})
	t.Run("media added", func(t *testing.T) {
		srv := botScript(t)
		img := network.Media{Name: "a.jpg", MIME: "image/jpeg", Data: []byte("j")}
		_, err := newTest(t, srv).Edit(t.Context(), textRef, &network.Post{Text: "x", Media: []network.Media{img}})
		if !errors.Is(err, network.ErrUnsupported) {
			t.Fatalf("edit adding media: %v", err)
		}
	})
}

func TestDelete(t *testing.T) {
	ref := network.Ref{ID: "41", Extra: map[string]string{"kind": "text", "chat_id": "-1001234567890", "message_ids": "41,42"}}
	t.Run("every message, gone ones included", func(t *testing.T) {
		srv := botScript(t,
			call{method: "deleteMessage", params: map[string]any{"chat_id": chatID, "message_id": 41}, reply: ok("true")},
			call{method: "deleteMessage", params: map[string]any{"chat_id": chatID, "message_id": 42}, status: 400,
				reply: `{"ok":false,"error_code":400,"description":"Bad Request: message to delete not found"}`})
		if err := newTest(t, srv).Delete(t.Context(), ref); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("too old", func(t *testing.T) {
		srv := botScript(t, call{method: "deleteMessage", params: map[string]any{"chat_id": "@" + chatName, "message_id": 7}, status: 400,
			reply: `{"ok":false,"error_code":400,"description":"Bad Request: message can't be deleted"}`})
		err := newTest(t, srv).Delete(t.Context(), network.Ref{ID: "7"})
		if network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "can't be deleted") {
			t.Fatalf("delete: %v", err)
		}
	})
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		token    string
		want     string
	}{
		{"no token", map[string]string{SettingChatID: "@c"}, "", "token is not set"},
		{"not a bot token", map[string]string{SettingChatID: "@c"}, "s3cr3t-value-without-colon", "not a bot token"},
		{"no chat", map[string]string{}, testToken, "chat_id is required"},
		{"bad chat", map[string]string{SettingChatID: "canal"}, testToken, "neither a numeric id"},
		{"bad preview", map[string]string{SettingChatID: "@c", SettingLinkPreview: "big"}, testToken, "link_preview"},
		{"bad api", map[string]string{SettingChatID: "@c", SettingAPI: "api.telegram.org"}, testToken, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(network.Config{Settings: tt.settings, Secrets: map[string]string{SecretToken: tt.token}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Error("the error shows the token")
			}
		})
	}
}
