package discordfake

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

const webhookPath = "/api/v10/webhooks/{id}/{token}"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+webhookPath, s.getWebhook)
	mux.HandleFunc("POST "+webhookPath, s.execute)
	mux.HandleFunc("GET "+webhookPath+"/messages/{mid}", s.getMessage)
	mux.HandleFunc("PATCH "+webhookPath+"/messages/{mid}", s.editMessage)
	mux.HandleFunc("DELETE "+webhookPath+"/messages/{mid}", s.deleteMessage)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeError(w, errNotFoundRoute) })
	return mux
}

// admit checks the webhook's id and token and spends from the bucket; it
// answers and returns false when the request goes no further.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, bucketID string) bool {
	if r.PathValue("id") != WebhookID {
		writeError(w, errUnknownHook)
		return false
	}
	if r.PathValue("token") != Token {
		writeError(w, errBadToken)
		return false
	}
	h := w.Header()
	h.Set("X-RateLimit-Bucket", bucketID)
	if s.bucket == nil {
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "4")
		s.setReset(h, 2*time.Second)
		return true
	}
	remaining, after, ok := s.bucket.take(bucketID, s.now())
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.bucket.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	s.setReset(h, after)
	if !ok {
		s.writeRateLimit(w, after)
		return false
	}
	return true
}

func (s *Server) setReset(h http.Header, after time.Duration) {
	reset := float64(s.now().Add(after).UnixMilli()) / 1000
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(reset, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(after.Seconds(), 'f', 3, 64))
}

// writeRateLimit answers 429 the way Discord does for a per-route limit.
func (s *Server) writeRateLimit(w http.ResponseWriter, after time.Duration) {
	h := w.Header()
	h.Set("X-RateLimit-Remaining", "0")
	s.setReset(h, after)
	h.Set("X-RateLimit-Scope", "user")
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(after.Seconds()))))
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": after.Seconds(),
		"global":      false,
	})
}

// preFault answers a fault that fails a write before it happens; it returns
// false when the request goes no further.
func (s *Server) preFault(w http.ResponseWriter, f networktest.Fault) bool {
	switch f {
	case networktest.FailBefore:
		writeError(w, errServer)
	case networktest.RateLimit:
		s.writeRateLimit(w, s.retryAfter)
	case networktest.Unauthorized:
		writeError(w, errBadToken)
	default:
		return true
	}
	return false
}

// postFault answers a fault that strikes after the write happened; it
// returns false when the normal response must not be sent.
func (s *Server) postFault(w http.ResponseWriter, r *http.Request, f networktest.Fault) bool {
	switch f {
	case networktest.FailAfter:
		writeError(w, errServer)
	case networktest.HangAfter:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case networktest.DropAfter:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
	default:
		return true
	}
	return false
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r, "webhook-get") {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"application_id": nil, "avatar": nil, "channel_id": ChannelID, "guild_id": GuildID,
		"id": WebhookID, "name": "clairon", "type": 1, "token": Token,
	})
}

func (s *Server) execute(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r, "webhook-execute") {
		return
	}
	fault := s.Next()
	if !s.preFault(w, fault) {
		return
	}
	req, files, aerr := decode(r)
	if aerr == nil {
		aerr = validate(req, files)
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	hasContent := req.Content != nil && strings.TrimSpace(*req.Content) != ""
	if !hasContent && (req.Embeds == nil || len(*req.Embeds) == 0) && len(files) == 0 && req.Poll == nil {
		writeError(w, errEmpty)
		return
	}
	threadID := r.URL.Query().Get("thread_id")
	switch {
	case threadID != "" && req.ThreadName != "":
		writeError(w, errForumBoth)
		return
	case s.forum && threadID == "" && req.ThreadName == "":
		writeError(w, errForumNeeds)
		return
	case !s.forum && req.ThreadName != "":
		writeError(w, errNotForum)
		return
	}
	attachments, aerr := attach(nil, req.Attachments, files)
	if aerr != nil {
		writeError(w, aerr)
		return
	}

	s.mu.Lock()
	if threadID != "" && !s.threads[threadID] {
		s.mu.Unlock()
		writeError(w, errUnknownChan)
		return
	}
	m := &Stored{
		ID:         s.snowflake(),
		ChannelID:  ChannelID,
		Embeds:     derefEmbeds(req.Embeds),
		Username:   req.Username,
		AvatarURL:  req.AvatarURL,
		ThreadName: req.ThreadName,
		At:         s.now(),
	}
	if req.Content != nil {
		m.Content = *req.Content
	}
	if req.AllowedMentions != nil {
		m.AllowedMentions = append([]string{}, req.AllowedMentions.Parse...)
	}
	for i := range attachments {
		attachments[i].ID = s.snowflake()
	}
	m.Attachments = attachments
	if p := req.Poll; p != nil {
		m.Poll = &Poll{Question: p.Question.Text, Hours: 24, Multiselect: p.AllowMultiselect}
		if p.Duration != nil {
			m.Poll.Hours = *p.Duration
		}
		for _, a := range p.Answers {
			m.Poll.Answers = append(m.Poll.Answers, a.PollMedia.Text)
		}
	}
	switch {
	case threadID != "":
		m.ChannelID = threadID
	case req.ThreadName != "":
		// A forum thread's id is its starter message's id.
		m.ChannelID = m.ID
		s.threads[m.ID] = true
	}
	s.msgs = append(s.msgs, m)
	s.writes++
	obj := m.object()
	s.mu.Unlock()

	if !s.postFault(w, r, fault) {
		return
	}
	if r.URL.Query().Get("wait") != "true" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, obj)
}

// find returns the live message id, checking thread_id the way Discord
// does: a message in a thread is unknown unless its thread is named.
// Callers hold s.mu.
func (s *Server) find(r *http.Request) (*Stored, *apiError) {
	id, thread := r.PathValue("mid"), r.URL.Query().Get("thread_id")
	for _, m := range s.msgs {
		if m.ID != id || m.Deleted {
			continue
		}
		want := ChannelID
		if thread != "" {
			want = thread
		}
		if m.ChannelID != want {
			return nil, errUnknownMsg
		}
		return m, nil
	}
	return nil, errUnknownMsg
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r, "webhook-message") {
		return
	}
	s.mu.Lock()
	m, aerr := s.find(r)
	var obj map[string]any
	if m != nil {
		obj = m.object()
	}
	s.mu.Unlock()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, obj)
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r, "webhook-message") {
		return
	}
	fault := s.Next()
	if !s.preFault(w, fault) {
		return
	}
	req, files, aerr := decode(r)
	if aerr == nil {
		aerr = validate(req, files)
	}
	if aerr == nil && req.Poll != nil {
		aerr = errPollEdit
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.mu.Lock()
	m, aerr := s.find(r)
	if aerr != nil {
		s.mu.Unlock()
		writeError(w, aerr)
		return
	}
	attachments, aerr := attach(m.Attachments, req.Attachments, files)
	if aerr != nil {
		s.mu.Unlock()
		writeError(w, aerr)
		return
	}
	next := m.clone()
	if req.Content != nil {
		next.Content = *req.Content
	}
	if req.Embeds != nil {
		next.Embeds = derefEmbeds(req.Embeds)
	}
	if req.AllowedMentions != nil {
		next.AllowedMentions = append([]string{}, req.AllowedMentions.Parse...)
	} else {
		next.AllowedMentions = nil
	}
	for i := range attachments {
		if attachments[i].ID == "" {
			attachments[i].ID = s.snowflake()
		}
	}
	next.Attachments = attachments
	if strings.TrimSpace(next.Content) == "" && len(next.Embeds) == 0 && len(next.Attachments) == 0 && next.Poll == nil {
		s.mu.Unlock()
		writeError(w, errEmpty)
		return
	}
	next.Edited = s.now()
	*m = next
	s.writes++
	obj := m.object()
	s.mu.Unlock()

	if !s.postFault(w, r, fault) {
		return
	}
	writeJSON(w, http.StatusOK, obj)
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r, "webhook-message") {
		return
	}
	fault := s.Next()
	if !s.preFault(w, fault) {
		return
	}
	s.mu.Lock()
	m, aerr := s.find(r)
	if aerr != nil {
		s.mu.Unlock()
		writeError(w, aerr)
		return
	}
	m.Deleted = true
	s.writes++
	s.mu.Unlock()
	if !s.postFault(w, r, fault) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// attach builds a message's attachment list. With no list (attachments
// absent) the new files are appended to the kept ones; with a list, exactly
// the listed ones remain: existing ones by id, new ones as files[n].
func attach(existing []Attachment, list *[]attachmentInput, files map[string]upload) ([]Attachment, *apiError) {
	newFile := func(n string, desc string) Attachment {
		f := files[n]
		return Attachment{Filename: f.filename, Description: desc, ContentType: f.contentType, Data: f.data}
	}
	if list == nil {
		out := append([]Attachment(nil), existing...)
		for i := 0; i < len(files); i++ {
			n := strconv.Itoa(i)
			if _, ok := files[n]; !ok {
				return nil, formError(map[string]any{"files": fieldError("BASE_TYPE_REQUIRED", "files must be numbered from 0")})
			}
			out = append(out, newFile(n, ""))
		}
		return out, nil
	}
	out := []Attachment{}
	used := map[string]bool{}
	for i, in := range *list {
		ref := in.ref()
		if _, ok := files[ref]; ok {
			out = append(out, newFile(ref, in.Description))
			used[ref] = true
			continue
		}
		found := false
		for _, e := range existing {
			if e.ID == ref {
				if in.Description != "" {
					e.Description = in.Description
				}
				out = append(out, e)
				found = true
				break
			}
		}
		if !found {
			return nil, formError(map[string]any{"attachments": map[string]any{
				strconv.Itoa(i): fieldError("ATTACHMENT_NOT_FOUND", fmt.Sprintf("Attachment %s not found", ref)),
			}})
		}
	}
	for i := 0; i < len(files); i++ {
		// Discord attaches files the list does not describe, without alt text.
		if n := strconv.Itoa(i); !used[n] {
			if _, ok := files[n]; !ok {
				return nil, formError(map[string]any{"files": fieldError("BASE_TYPE_REQUIRED", "files must be numbered from 0")})
			}
			out = append(out, newFile(n, ""))
		}
	}
	return out, nil
}

func derefEmbeds(e *[]Embed) []Embed {
	if e == nil {
		return nil
	}
	return append([]Embed(nil), (*e)...)
}

// object is the message as Discord returns it.
func (m *Stored) object() map[string]any {
	atts := []map[string]any{}
	for _, a := range m.Attachments {
		at := map[string]any{
			"id": a.ID, "filename": a.Filename, "size": len(a.Data), "content_type": a.ContentType,
			"url":       "https://cdn.discordapp.com/attachments/" + m.ChannelID + "/" + a.ID + "/" + a.Filename,
			"proxy_url": "https://media.discordapp.net/attachments/" + m.ChannelID + "/" + a.ID + "/" + a.Filename,
		}
		if a.Description != "" {
			at["description"] = a.Description
		}
		atts = append(atts, at)
	}
	embeds := []map[string]any{}
	for _, e := range m.Embeds {
		em := map[string]any{"type": "rich"}
		if e.Title != "" {
			em["title"] = e.Title
		}
		if e.Description != "" {
			em["description"] = e.Description
		}
		if e.Timestamp != "" {
			em["timestamp"] = e.Timestamp
		}
		embeds = append(embeds, em)
	}
	name := m.Username
	if name == "" {
		name = "clairon"
	}
	obj := map[string]any{
		"id": m.ID, "type": 0, "content": m.Content, "channel_id": m.ChannelID,
		"author":      map[string]any{"bot": true, "id": WebhookID, "username": name, "avatar": nil, "discriminator": "0000"},
		"attachments": atts, "embeds": embeds, "mentions": []any{}, "mention_roles": []any{},
		"pinned": false, "mention_everyone": false, "tts": false,
		"timestamp":        m.At.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		"edited_timestamp": nil, "flags": 0, "components": []any{}, "webhook_id": WebhookID,
	}
	if !m.Edited.IsZero() {
		obj["edited_timestamp"] = m.Edited.UTC().Format("2006-01-02T15:04:05.000000+00:00")
	}
	if m.Poll != nil {
		answers := []map[string]any{}
		for i, a := range m.Poll.Answers {
			answers = append(answers, map[string]any{"answer_id": i + 1, "poll_media": map[string]any{"text": a}})
		}
		obj["poll"] = map[string]any{
			"question": map[string]any{"text": m.Poll.Question}, "answers": answers,
			"expiry":            m.At.Add(time.Duration(m.Poll.Hours) * time.Hour).UTC().Format(time.RFC3339),
			"allow_multiselect": m.Poll.Multiselect, "layout_type": 1,
		}
	}
	return obj
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
