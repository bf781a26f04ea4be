package telegramfake

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Bot API limits the fake enforces, counted in UTF-16 units after entities
// parsing.
const (
	maxText       = 4096
	maxCaption    = 1024
	maxQuestion   = 300
	maxOption     = 100
	maxOptions    = 12
	maxPhotoBytes = 10 << 20
)

// groupID returns a fresh media_group_id.
func (s *Server) groupID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups++
	return strconv.FormatInt(13900000000000000+s.groups, 10)
}

// checkChat refuses a chat_id other than the fake's channel.
func checkChat(p params) *apiError {
	c, ok := p.str("chat_id")
	switch {
	case !ok || c == "":
		return badRequest("chat_id is empty")
	case c == "@"+ChatUsername, c == strconv.FormatInt(ChatID, 10):
		return nil
	}
	return badRequest("chat not found")
}

// formatted parses a text or caption in the request's parse mode.
func formatted(p params, text string) (string, []Entity, *apiError) {
	mode, _ := p.str("parse_mode")
	switch mode {
	case "":
		return text, nil, nil
	case "HTML":
		plain, ents, err := parseHTML(text)
		if err != nil {
			return "", nil, badRequest("%v", err)
		}
		return plain, ents, nil
	}
	return "", nil, badRequest("unsupported parse_mode %q", mode)
}

// replyTo reads reply_parameters and checks the message exists. Callers hold s.mu.
func (s *Server) replyTo(p params) (int64, *apiError) {
	var rp struct {
		MessageID                int64 `json:"message_id"`
		AllowSendingWithoutReply bool  `json:"allow_sending_without_reply"`
	}
	set, err := p.decode("reply_parameters", &rp)
	if err != nil {
		return 0, badRequest("can't parse reply parameters JSON object")
	}
	if !set {
		return 0, nil
	}
	if m := s.msgs[rp.MessageID]; m == nil || m.Deleted {
		if rp.AllowSendingWithoutReply {
			return 0, nil
		}
		return 0, badRequest("message to be replied not found")
	}
	return rp.MessageID, nil
}

// publish stores the messages of one publication. Callers hold s.mu.
func (s *Server) publish(msgs ...*Msg) {
	ids := make([]int64, len(msgs))
	now := s.now()
	for i, m := range msgs {
		m.ID, m.Date = s.next, now
		s.next++
		s.msgs[m.ID] = m
		ids[i] = m.ID
		s.sends = append(s.sends, now)
	}
	s.pubs = append(s.pubs, ids)
}

// sendMessage stores a text message.
func (s *Server) sendMessage(p params) (any, *apiError) {
	if e := checkChat(p); e != nil {
		return nil, e
	}
	text, _ := p.str("text")
	plain, ents, e := formatted(p, text)
	if e != nil {
		return nil, e
	}
	switch n := units(strings.TrimSpace(plain)); {
	case n == 0:
		return nil, badRequest("message text is empty")
	case n > maxText:
		return nil, badRequest("message is too long")
	}
	var lp LinkPreview
	hasPreview, err := p.decode("link_preview_options", &lp)
	if err != nil {
		return nil, badRequest("can't parse link preview options JSON object")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reply, e := s.replyTo(p)
	if e != nil {
		return nil, e
	}
	m := &Msg{Kind: "text", HTML: text, Plain: plain, Entities: ents, ReplyTo: reply}
	m.ParseMode, _ = p.str("parse_mode")
	if hasPreview {
		m.Preview = &lp
	}
	s.publish(m)
	return s.render(m), nil
}

// sendFile stores a photo, video or animation sent as a multipart file (or
// an HTTP URL).
func (s *Server) sendFile(p params, kind string) (any, *apiError) {
	if e := checkChat(p); e != nil {
		return nil, e
	}
	m := &Msg{Kind: kind, Spoiler: p.bool("has_spoiler")}
	if fh := p.files[kind]; fh != nil {
		m.FileName, m.MIME, m.Size = fh.Filename, fh.Header.Get("Content-Type"), int(fh.Size)
	} else if u, ok := p.str(kind); ok && (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) {
		m.FileName = u
	} else if ok {
		return nil, badRequest("wrong remote file identifier specified: Wrong string length")
	} else {
		return nil, badRequest("there is no %s in the request", kind)
	}
	if kind == "photo" && m.Size > maxPhotoBytes {
		return nil, badRequest("PHOTO_INVALID_DIMENSIONS")
	}
	caption, _ := p.str("caption")
	plain, ents, e := formatted(p, caption)
	if e != nil {
		return nil, e
	}
	if units(plain) > maxCaption {
		return nil, badRequest("message caption is too long")
	}
	m.HTML, m.Plain, m.Entities = caption, plain, ents
	m.ParseMode, _ = p.str("parse_mode")
	s.mu.Lock()
	defer s.mu.Unlock()
	reply, e := s.replyTo(p)
	if e != nil {
		return nil, e
	}
	m.ReplyTo = reply
	s.publish(m)
	return s.render(m), nil
}

// sendMediaGroup stores an album of 2 to 10 photos and videos.
func (s *Server) sendMediaGroup(p params) (any, *apiError) {
	if e := checkChat(p); e != nil {
		return nil, e
	}
	var media []struct {
		Type       string `json:"type"`
		Media      string `json:"media"`
		Caption    string `json:"caption"`
		ParseMode  string `json:"parse_mode"`
		HasSpoiler bool   `json:"has_spoiler"`
	}
	if set, err := p.decode("media", &media); !set || err != nil {
		return nil, badRequest("can't parse media JSON object")
	}
	if len(media) < 2 || len(media) > 10 {
		return nil, badRequest("wrong number of media items: %d, an album takes 2 to 10", len(media))
	}
	msgs := make([]*Msg, len(media))
	group := s.groupID()
	for i, it := range media {
		if it.Type != "photo" && it.Type != "video" {
			return nil, badRequest("can't use %s media in a media group of photos and videos", it.Type)
		}
		m := &Msg{Kind: it.Type, Spoiler: it.HasSpoiler, HTML: it.Caption, ParseMode: it.ParseMode, Group: group}
		if name, ok := strings.CutPrefix(it.Media, "attach://"); ok {
			fh := p.files[name]
			if fh == nil {
				return nil, badRequest("wrong file identifier/HTTP URL specified")
			}
			m.FileName, m.MIME, m.Size = fh.Filename, fh.Header.Get("Content-Type"), int(fh.Size)
		} else if strings.HasPrefix(it.Media, "https://") || strings.HasPrefix(it.Media, "http://") {
			m.FileName = it.Media
		} else {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
		if m.Kind == "photo" && m.Size > maxPhotoBytes {
			return nil, badRequest("PHOTO_INVALID_DIMENSIONS")
		}
		mode := params{raw: map[string]json.RawMessage{}}
		if it.ParseMode != "" {
			mode.raw["parse_mode"], _ = json.Marshal(it.ParseMode)
		}
		plain, ents, e := formatted(mode, it.Caption)
		if e != nil {
			return nil, e
		}
		if units(plain) > maxCaption {
			return nil, badRequest("message caption is too long")
		}
		m.Plain, m.Entities = plain, ents
		msgs[i] = m
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reply, e := s.replyTo(p)
	if e != nil {
		return nil, e
	}
	msgs[0].ReplyTo = reply
	s.publish(msgs...)
	out := make([]map[string]any, len(msgs))
	for i, m := range msgs {
		out[i] = s.render(m)
	}
	return out, nil
}

// sendPoll stores a poll.
func (s *Server) sendPoll(p params) (any, *apiError) {
	if e := checkChat(p); e != nil {
		return nil, e
	}
	q, _ := p.str("question")
	switch n := units(strings.TrimSpace(q)); {
	case n == 0:
		return nil, badRequest("poll question must be non-empty")
	case n > maxQuestion:
		return nil, badRequest("poll question length must not exceed %d", maxQuestion)
	}
	var objs []struct {
		Text string `json:"text"`
	}
	var texts []string
	if set, err := p.decode("options", &objs); !set {
		return nil, badRequest("poll options must be non-empty")
	} else if err != nil {
		if _, err := p.decode("options", &texts); err != nil {
			return nil, badRequest("can't parse options JSON object")
		}
	} else {
		for _, o := range objs {
			texts = append(texts, o.Text)
		}
	}
	if len(texts) < 1 || len(texts) > maxOptions {
		return nil, badRequest("poll must have 1-%d options", maxOptions)
	}
	for _, t := range texts {
		if n := units(strings.TrimSpace(t)); n == 0 || n > maxOption {
			return nil, badRequest("poll options length must not exceed %d", maxOption)
		}
	}
	anonymous := true
	if v, ok := p.str("is_anonymous"); ok && v == "false" {
		return nil, badRequest("non-anonymous polls can't be sent to channel chats")
	}
	m := &Msg{Kind: "poll", Question: q, Options: texts, Multiple: p.bool("allows_multiple_answers"), Anonymous: anonymous}
	if n, ok := p.int("open_period"); ok {
		if n < 5 || n > 2628000 {
			return nil, badRequest("wrong open period specified")
		}
		m.OpenFor = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reply, e := s.replyTo(p)
	if e != nil {
		return nil, e
	}
	m.ReplyTo = reply
	s.publish(m)
	return s.render(m), nil
}

// edit is editMessageText (field "text") or editMessageCaption ("caption").
func (s *Server) edit(p params, field string) (any, *apiError) {
	if e := checkChat(p); e != nil {
		return nil, e
	}
	id, ok := p.int("message_id")
	if !ok {
		return nil, badRequest("message identifier is not specified")
	}
	text, _ := p.str(field)
	plain, ents, e := formatted(p, text)
	if e != nil {
		return nil, e
	}
	var lp LinkPreview
	hasPreview, _ := p.decode("link_preview_options", &lp)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgs[id]
	if m == nil || m.Deleted {
		return nil, badRequest("message to edit not found")
	}
	switch {
	case field == "text" && m.Kind != "text":
		return nil, badRequest("there is no text in the message to edit")
	case field == "caption" && m.Kind == "text", field == "caption" && m.Kind == "poll":
		return nil, badRequest("there is no caption in the message to edit")
	case field == "text" && units(strings.TrimSpace(plain)) == 0:
		return nil, badRequest("message text is empty")
	case field == "text" && units(plain) > maxText:
		return nil, badRequest("message is too long")
	case field == "caption" && units(plain) > maxCaption:
		return nil, badRequest("message caption is too long")
	}
	samePreview := !hasPreview || (m.Preview != nil && *m.Preview == lp)
	if m.HTML == text && samePreview {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.HTML, m.Plain, m.Entities, m.Edited = text, plain, ents, s.now()
	m.ParseMode, _ = p.str("parse_mode")
	if hasPreview {
		m.Preview = &lp
	}
	return s.render(m), nil
}

// deleteMessage deletes one message.
func (s *Server) deleteMessage(p params) (any, *apiError) {
	if e := checkChat(p); e != nil {
		return nil, e
	}
	id, ok := p.int("message_id")
	if !ok {
		return nil, badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgs[id]
	if m == nil || m.Deleted {
		return nil, badRequest("message to delete not found")
	}
	m.Deleted = true
	return true, nil
}

// render is the Message object of m. Callers hold s.mu.
func (s *Server) render(m *Msg) map[string]any {
	chat := map[string]any{"id": ChatID, "title": ChatTitle, "username": ChatUsername, "type": "channel"}
	out := map[string]any{"message_id": m.ID, "sender_chat": chat, "chat": chat, "date": m.Date.Unix()}
	if !m.Edited.IsZero() {
		out["edit_date"] = m.Edited.Unix()
	}
	if m.ReplyTo != 0 {
		if r := s.msgs[m.ReplyTo]; r != nil {
			out["reply_to_message"] = map[string]any{"message_id": r.ID, "chat": chat, "date": r.Date.Unix()}
		}
	}
	if m.Group != "" {
		out["media_group_id"] = m.Group
	}
	switch m.Kind {
	case "text":
		out["text"] = m.Plain
		if len(m.Entities) > 0 {
			out["entities"] = m.Entities
		}
		if m.Preview != nil {
			out["link_preview_options"] = m.Preview
		}
	case "poll":
		opts := make([]map[string]any, len(m.Options))
		for i, o := range m.Options {
			opts[i] = map[string]any{"text": o, "voter_count": 0}
		}
		poll := map[string]any{"id": "5" + strconv.FormatInt(m.ID, 10), "question": m.Question, "options": opts,
			"total_voter_count": 0, "is_closed": false, "is_anonymous": m.Anonymous, "type": "regular",
			"allows_multiple_answers": m.Multiple}
		if m.OpenFor > 0 {
			poll["open_period"] = m.OpenFor
			poll["close_date"] = m.Date.Add(time.Duration(m.OpenFor) * time.Second).Unix()
		}
		out["poll"] = poll
	default:
		file := map[string]any{"file_id": "AgACAgQAAx0fake" + strconv.FormatInt(m.ID, 10), "file_unique_id": "AQADfake" + strconv.FormatInt(m.ID, 10), "file_size": m.Size}
		switch m.Kind {
		case "photo":
			out["photo"] = []map[string]any{file}
		default:
			out[m.Kind] = file
		}
		if m.Plain != "" {
			out["caption"] = m.Plain
			if len(m.Entities) > 0 {
				out["caption_entities"] = m.Entities
			}
		}
		if m.Spoiler {
			out["has_media_spoiler"] = true
		}
	}
	return out
}
