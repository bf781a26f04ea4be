package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/clairon-dev/clairon/engine/network"
)

// send performs one step: sendMessage, sendPhoto/sendVideo/sendAnimation,
// sendMediaGroup or sendPoll.
func (a *Adapter) send(ctx context.Context, p *network.Post, st step, replyTo int64) (sent, error) {
	params := map[string]any{"chat_id": a.chat}
	if replyTo != 0 {
		params["reply_parameters"] = replyParameters{MessageID: replyTo}
	}
	switch st.kind {
	case "text":
		params["text"] = st.text
		params["parse_mode"] = "HTML"
		if lp := a.linkPreview(p); lp != nil {
			params["link_preview_options"] = lp
		}
		var m message
		if err := a.call(ctx, "publish", "sendMessage", params, nil, true, &m); err != nil {
			return sent{}, err
		}
		return one("text", m), nil
	case "poll":
		opts := make([]inputPollOption, len(p.Poll.Options))
		for i, o := range p.Poll.Options {
			opts[i] = inputPollOption{Text: strings.TrimSpace(o)}
		}
		params["question"] = st.text
		params["options"] = opts
		if p.Poll.Multiple {
			params["allows_multiple_answers"] = true
		}
		if p.Poll.Duration > 0 {
			params["open_period"] = int64(p.Poll.Duration.Seconds())
		}
		var m message
		if err := a.call(ctx, "publish poll", "sendPoll", params, nil, true, &m); err != nil {
			return sent{}, err
		}
		return one("poll", m), nil
	}
	if len(p.Media) == 1 {
		return a.sendOne(ctx, p, st.text, params)
	}
	return a.sendAlbum(ctx, p, st.text, params)
}

// sendOne sends one photo, video or animation with its caption.
func (a *Adapter) sendOne(ctx context.Context, p *network.Post, caption string, params map[string]any) (sent, error) {
	m := p.Media[0]
	kind := mediaTypes[m.MIME]
	if strings.TrimSpace(caption) != "" {
		params["caption"] = caption
		params["parse_mode"] = "HTML"
	}
	if p.ContentWarning != "" {
		params["has_spoiler"] = true
	}
	if kind == "video" {
		params["supports_streaming"] = true
	}
	method := map[string]string{"photo": "sendPhoto", "video": "sendVideo", "animation": "sendAnimation"}[kind]
	var out message
	files := []file{{field: kind, name: fileName(m, 0), mime: m.MIME, data: m.Data}}
	if err := a.call(ctx, "publish", method, params, files, true, &out); err != nil {
		return sent{}, err
	}
	return one("media", out), nil
}

// sendAlbum sends 2 to 10 photos and videos as one album, the caption on
// the first item.
func (a *Adapter) sendAlbum(ctx context.Context, p *network.Post, caption string, params map[string]any) (sent, error) {
	media := make([]inputMedia, len(p.Media))
	files := make([]file, len(p.Media))
	for i, m := range p.Media {
		field := "file" + strconv.Itoa(i)
		media[i] = inputMedia{Type: mediaTypes[m.MIME], Media: "attach://" + field, HasSpoiler: p.ContentWarning != ""}
		files[i] = file{field: field, name: fileName(m, i), mime: m.MIME, data: m.Data}
	}
	if strings.TrimSpace(caption) != "" {
		media[0].Caption, media[0].ParseMode = caption, "HTML"
	}
	params["media"] = media
	var out []message
	if err := a.call(ctx, "publish", "sendMediaGroup", params, files, true, &out); err != nil {
		return sent{}, err
	}
	if len(out) == 0 {
		return sent{}, &network.Error{Class: network.Retryable, Network: Name, Op: "publish", MaybeWritten: true,
			Err: errors.New("sendMediaGroup returned no message")}
	}
	s := one("media", out[0])
	for _, m := range out[1:] {
		s.ids = append(s.ids, m.MessageID)
	}
	return s, nil
}

// linkPreview returns the link_preview_options of a text message: disabled
// by the account's setting, or pointed at the post's first link.
func (a *Adapter) linkPreview(p *network.Post) *linkPreviewOptions {
	if a.preview == "off" {
		return &linkPreviewOptions{IsDisabled: true}
	}
	for _, e := range p.Entities {
		if e.Kind == network.EntityLink && e.Value != "" {
			return &linkPreviewOptions{URL: e.Value, ShowAboveText: a.preview == "above"}
		}
	}
	if a.preview == "above" {
		return &linkPreviewOptions{ShowAboveText: true}
	}
	return nil
}

func one(kind string, m message) sent {
	return sent{kind: kind, ids: []int64{m.MessageID}, chatID: m.Chat.ID, username: m.Chat.Username}
}

func fileName(m network.Media, i int) string {
	name := m.Name
	if j := strings.LastIndexByte(name, '/'); j >= 0 {
		name = name[j+1:]
	}
	if name == "" {
		name = "media" + strconv.Itoa(i)
	}
	return name
}

// chatOf returns the chat a reference was published in: the numeric id
// kept in Extra, else the configured chat.
func (a *Adapter) chatOf(ref network.Ref) any {
	if s := ref.Extra["chat_id"]; s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id != 0 {
			return id
		}
	}
	return a.chat
}

// Edit replaces the text of a text message (editMessageText) or the caption
// of a photo, video or album (editMessageCaption). Media cannot be swapped
// here, and a poll's question cannot be edited at all. A post published as
// a message and a poll has its message edited.
func (a *Adapter) Edit(ctx context.Context, ref network.Ref, p *network.Post) (network.Ref, error) {
	fail := func(err error) (network.Ref, error) {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: "edit", Err: err}
	}
	if p == nil {
		return fail(errors.New("no post"))
	}
	id, err := strconv.ParseInt(ref.ID, 10, 64)
	if err != nil {
		return fail(fmt.Errorf("%q is not a Telegram message id", ref.ID))
	}
	kind := ref.Extra["kind"]
	if kind == "" {
		kind = "text"
	}
	if kind == "poll" {
		return fail(fmt.Errorf("a poll's question cannot be edited: %w", network.ErrUnsupported))
	}
	steps, err := plan(p)
	if err != nil {
		return fail(err)
	}
	if steps[0].kind != kind {
		return fail(fmt.Errorf("the message is a %s message and the new post needs a %s message: %w", kind, steps[0].kind, network.ErrUnsupported))
	}
	params := map[string]any{"chat_id": a.chatOf(ref), "message_id": id, "parse_mode": "HTML"}
	method := "editMessageText"
	if kind == "media" {
		method = "editMessageCaption"
		params["caption"] = steps[0].text
	} else {
		params["text"] = steps[0].text
		if lp := a.linkPreview(p); lp != nil {
			params["link_preview_options"] = lp
		}
	}
	err = a.call(ctx, "edit", method, params, nil, true, nil)
	switch {
	case err == nil, describes(err, "message is not modified"):
		return ref, nil
	case describes(err, "message to edit not found"), describes(err, "MESSAGE_ID_INVALID"):
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: "edit",
			Err: fmt.Errorf("message %s: %w (%v)", ref.ID, network.ErrNotFound, err)}
	}
	return network.Ref{}, err
}

// Delete removes every message of a publication (the album's items, the
// poll after its message). Messages already gone are not an error.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	ids := strings.Split(ref.Extra["message_ids"], ",")
	if ref.Extra["message_ids"] == "" {
		ids = []string{ref.ID}
	}
	chat := a.chatOf(ref)
	for _, s := range ids {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return &network.Error{Class: network.Permanent, Network: Name, Op: "delete", Err: fmt.Errorf("%q is not a Telegram message id", s)}
		}
		err = a.call(ctx, "delete", "deleteMessage", map[string]any{"chat_id": chat, "message_id": id}, nil, true, nil)
		if err != nil && !describes(err, "message to delete not found") && !describes(err, "MESSAGE_ID_INVALID") {
			return err
		}
	}
	return nil
}

// describes reports whether err is a Bot API error whose description
// contains s.
func describes(err error, s string) bool {
	var e *APIError
	return errors.As(err, &e) && strings.Contains(e.Description, s)
}
