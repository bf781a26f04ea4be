package instagramfake

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	ff "github.com/clairon-dev/clairon/engine/network/networktest/facebookfake"
)

// serve routes /v25.0/{id} and /v25.0/{id}/{edge}.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+Version+"/")
	if !ok {
		s.Error(w, http.StatusBadRequest, ff.GraphError{Message: "Unknown path components: " + r.URL.Path, Type: "OAuthException", Code: 2500})
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Error(w, http.StatusBadRequest, ff.InvalidParameter("could not parse the request body"))
		return
	}
	if !s.Authorize(w, r) {
		return
	}
	id, edge, _ := strings.Cut(strings.Trim(rest, "/"), "/")
	switch {
	case id == UserID && edge == "media" && r.Method == http.MethodPost:
		status, body := s.createContainer(r)
		s.reply(w, status, body)
	case id == UserID && edge == "media_publish" && r.Method == http.MethodPost:
		s.Write(w, r, func() (int, any) { return s.publish(r) })
	case id == UserID && edge == "content_publishing_limit" && r.Method == http.MethodGet:
		s.publishingLimit(w, r)
	case id == UserID && edge == "media" && r.Method == http.MethodGet:
		s.listMedia(w, r)
	case id == UserID && edge == "" && r.Method == http.MethodGet:
		s.getUser(w, r)
	case edge == "" && r.Method == http.MethodGet:
		s.getObject(w, r, id)
	case edge == "insights" && r.Method == http.MethodGet:
		s.insights(w, r, id)
	case edge == "comments" && r.Method == http.MethodGet:
		s.listComments(w, r, id)
	default:
		s.Error(w, http.StatusBadRequest, ff.NoObject(strings.Trim(rest, "/"), r.Method))
	}
}

func (s *Server) reply(w http.ResponseWriter, status int, body any) {
	if e, ok := body.(ff.GraphError); ok {
		s.Error(w, status, e)
		return
	}
	ff.WriteJSON(w, status, body)
}

// downloadFailed is what Meta answers when it cannot fetch a media URL.
var downloadFailed = ff.GraphError{Message: "Only photo or video can be accepted as media type.", Type: "OAuthException",
	Code: 9004, Subcode: 2207052, UserTitle: "Media download has failed",
	UserMsg: "Media download has failed. The media URI doesn't meet our requirements."}

// createContainer is POST /{ig-user-id}/media.
func (s *Server) createContainer(r *http.Request) (int, any) {
	mediaType := strings.ToUpper(r.FormValue("media_type"))
	imageURL, videoURL := r.FormValue("image_url"), r.FormValue("video_url")
	caption, alt := r.FormValue("caption"), r.FormValue("alt_text")
	item := r.FormValue("is_carousel_item") == "true"
	c := &Container{Caption: caption, Alt: alt, Item: item, Status: "IN_PROGRESS", readsLeft: s.inProgress}
	switch mediaType {
	case "", "IMAGE":
		if imageURL == "" {
			return http.StatusBadRequest, ff.InvalidParameter("The parameter image_url is required.")
		}
		c.MediaType, c.URL = "IMAGE", imageURL
	case "REELS", "VIDEO":
		if videoURL == "" {
			return http.StatusBadRequest, ff.InvalidParameter("The parameter video_url is required.")
		}
		if mediaType == "VIDEO" && !item {
			return http.StatusBadRequest, ff.InvalidParameter("The VIDEO media type is only for carousel items; use REELS.")
		}
		if mediaType == "REELS" && item {
			return http.StatusBadRequest, ff.InvalidParameter("A carousel item video uses media_type VIDEO.")
		}
		c.MediaType, c.URL = mediaType, videoURL
	case "CAROUSEL":
		c.MediaType = "CAROUSEL"
		c.Children = splitIDs(r.FormValue("children"))
	default:
		return http.StatusBadRequest, ff.InvalidParameter("The parameter media_type must be one of CAROUSEL, REELS, STORIES, VIDEO.")
	}
	if alt != "" && c.MediaType != "IMAGE" {
		return http.StatusBadRequest, ff.InvalidParameter("alt_text is only supported for image media.")
	}
	if n := utf8.RuneCountInString(caption); n > 2200 {
		return http.StatusBadRequest, ff.InvalidParameter("The caption exceeds the maximum length of 2200 characters.")
	}
	if countTags(caption, '#') > 30 {
		return http.StatusBadRequest, ff.InvalidParameter("The caption contains more than 30 hashtags.")
	}
	if countTags(caption, '@') > 20 {
		return http.StatusBadRequest, ff.InvalidParameter("The caption mentions more than 20 accounts.")
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, s.MediaBase()+"/") {
		return http.StatusBadRequest, downloadFailed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.MediaType == "CAROUSEL" {
		if len(c.Children) < 2 || len(c.Children) > 10 {
			return http.StatusBadRequest, ff.InvalidParameter("A carousel takes between 2 and 10 children.")
		}
		for _, id := range c.Children {
			ch := s.containers[id]
			if ch == nil || !ch.Item || s.status(ch, false) != "FINISHED" {
				return http.StatusBadRequest, ff.InvalidParameter("The children must be finished carousel item containers: " + id)
			}
		}
	}
	c.ID, c.Created = s.nextID(), s.Now()
	s.containers[c.ID] = c
	return http.StatusOK, map[string]string{"id": c.ID}
}

// publish is POST /{ig-user-id}/media_publish?creation_id=….
func (s *Server) publish(r *http.Request) (int, any) {
	id := r.FormValue("creation_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.containers[id]
	if c == nil {
		return http.StatusBadRequest, ff.GraphError{Message: "Media builder with creation id " + id + " does not exist.",
			Type: "OAuthException", Code: 24, Subcode: 2207008}
	}
	if c.Item {
		return http.StatusBadRequest, ff.InvalidParameter("A carousel item cannot be published on its own.")
	}
	switch s.status(c, false) {
	case "IN_PROGRESS":
		return http.StatusBadRequest, ff.GraphError{Message: "Media ID is not available", Type: "OAuthException",
			Code: 9007, Subcode: 2207027, UserMsg: "The media is not ready for publishing, please wait for a moment"}
	case "EXPIRED":
		return http.StatusBadRequest, ff.GraphError{Message: "The media you are trying to access has expired. Please try to upload again.",
			Type: "OAuthException", Code: -2, Subcode: 2207020}
	case "ERROR":
		return http.StatusBadRequest, downloadFailed
	case "PUBLISHED":
		return http.StatusBadRequest, ff.InvalidParameter("The media has already been published.")
	}
	if s.usedQuota() >= s.quota {
		return http.StatusBadRequest, ff.GraphError{Message: "Application request limit reached", Type: "OAuthException",
			Code: 9, Subcode: 2207042, IsTransient: false,
			UserMsg: "You reached maximum number of posts that is allowed to be published by Content Publishing API."}
	}
	var alts []string
	if c.MediaType == "CAROUSEL" {
		for _, ch := range c.Children {
			alts = append(alts, s.containers[ch].Alt)
		}
	} else {
		alts = []string{c.Alt}
	}
	mediaType := c.MediaType
	if mediaType == "CAROUSEL" {
		mediaType = "CAROUSEL_ALBUM"
	} else if mediaType == "REELS" {
		mediaType = "VIDEO"
	}
	m := s.newMedia(c.ID, mediaType, c.Caption, alts, true)
	c.MediaID = m.ID
	return http.StatusOK, map[string]string{"id": m.ID}
}

// publishingLimit is GET /{ig-user-id}/content_publishing_limit.
func (s *Server) publishingLimit(w http.ResponseWriter, r *http.Request) {
	fields := ff.Fields(r.FormValue("fields"))
	s.mu.Lock()
	entry := map[string]any{"quota_usage": s.usedQuota()}
	s.mu.Unlock()
	if fields["config"] {
		entry["config"] = map[string]int{"quota_total": s.quota, "quota_duration": 86400}
	}
	ff.WriteJSON(w, http.StatusOK, map[string]any{"data": []any{entry}})
}

// listMedia is GET /{ig-user-id}/media, newest first.
func (s *Server) listMedia(w http.ResponseWriter, r *http.Request) {
	fields := ff.Fields(r.FormValue("fields"))
	s.mu.Lock()
	media := slices.Clone(s.media)
	slices.Reverse(media)
	slices.SortStableFunc(media, func(a, b *Media) int { return b.Timestamp.Compare(a.Timestamp) })
	items := make([]map[string]any, 0, len(media))
	for _, m := range media {
		items = append(items, describe(m, fields))
	}
	s.mu.Unlock()
	ff.WriteJSON(w, http.StatusOK, ff.Paginate(r, items, 25))
}

// describe renders a media's requested fields.
func describe(m *Media, fields map[string]bool) map[string]any {
	out := map[string]any{"id": m.ID}
	if fields["caption"] && m.Caption != "" {
		out["caption"] = m.Caption
	}
	if fields["timestamp"] {
		out["timestamp"] = ff.FormatTime(m.Timestamp)
	}
	if fields["permalink"] {
		out["permalink"] = m.Permalink
	}
	if fields["media_type"] {
		out["media_type"] = m.MediaType
	}
	if fields["like_count"] {
		out["like_count"] = m.Likes
	}
	if fields["comments_count"] {
		out["comments_count"] = len(m.Comments)
	}
	if fields["username"] {
		out["username"] = Username
	}
	return out
}

// getUser is GET /{ig-user-id}.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	fields := ff.Fields(r.FormValue("fields"))
	out := map[string]any{"id": UserID}
	s.mu.Lock()
	if fields["followers_count"] {
		out["followers_count"] = s.followers
	}
	if fields["media_count"] {
		out["media_count"] = len(s.media)
	}
	s.mu.Unlock()
	if fields["username"] {
		out["username"] = Username
	}
	ff.WriteJSON(w, http.StatusOK, out)
}

// getObject is GET /{id} for a container or a media.
func (s *Server) getObject(w http.ResponseWriter, r *http.Request, id string) {
	fields := ff.Fields(r.FormValue("fields"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.containers[id]; c != nil {
		out := map[string]any{"id": c.ID}
		st := s.status(c, fields["status_code"] || fields["status"])
		if fields["status_code"] {
			out["status_code"] = st
		}
		if fields["status"] {
			switch st {
			case "ERROR":
				out["status"] = "Error: Media download has failed. (2207052)"
			case "EXPIRED":
				out["status"] = "Expired: the container was not published within 24 hours."
			default:
				out["status"] = statusText[st]
			}
		}
		ff.WriteJSON(w, http.StatusOK, out)
		return
	}
	if m := s.find(id); m != nil {
		ff.WriteJSON(w, http.StatusOK, describe(m, fields))
		return
	}
	s.Error(w, http.StatusBadRequest, ff.NoObject(id, r.Method))
}

// statusText is the human status beside a status_code.
var statusText = map[string]string{"IN_PROGRESS": "In Progress", "FINISHED": "Finished", "PUBLISHED": "Published"}

// mediaMetrics are the media insights the fake knows; impressions, plays and
// video_views were retired in v22.
var mediaMetrics = []string{"views", "reach", "likes", "comments", "shares", "saved", "total_interactions", "follows", "profile_visits"}

// insights is GET /{ig-media-id}/insights?metric=….
func (s *Server) insights(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(id)
	if m == nil {
		s.Error(w, http.StatusBadRequest, ff.NoObject(id+"/insights", r.Method))
		return
	}
	var data []map[string]any
	for i, name := range strings.Split(r.FormValue("metric"), ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(mediaMetrics, name) {
			s.Error(w, http.StatusBadRequest, ff.InvalidParameter("metric["+strconv.Itoa(i)+"] must be one of the following values: "+strings.Join(mediaMetrics, ", ")))
			return
		}
		v, set := m.Insights[name]
		switch {
		case set:
		case name == "likes":
			v = m.Likes
		case name == "comments":
			v = int64(len(m.Comments))
		}
		data = append(data, map[string]any{
			"name": name, "period": "lifetime", "values": []map[string]int64{{"value": v}},
			"title": name, "description": "Lifetime " + name, "id": m.ID + "/insights/" + name + "/lifetime",
		})
	}
	if m.NoInsights {
		s.Error(w, http.StatusBadRequest, ff.GraphError{Message: "(#10) Not enough viewers for the media to show insights",
			Type: "OAuthException", Code: 10, Subcode: 2108006})
		return
	}
	ff.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}

// listComments is GET /{ig-media-id}/comments, newest first.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request, id string) {
	fields := ff.Fields(r.FormValue("fields"))
	s.mu.Lock()
	m := s.find(id)
	if m == nil {
		s.mu.Unlock()
		s.Error(w, http.StatusBadRequest, ff.NoObject(id+"/comments", r.Method))
		return
	}
	items := make([]map[string]any, 0, len(m.Comments))
	for _, c := range slices.Backward(m.Comments) {
		it := map[string]any{"id": c.ID}
		if fields["text"] {
			it["text"] = c.Text
		}
		if fields["timestamp"] {
			it["timestamp"] = ff.FormatTime(c.Timestamp)
		}
		if fields["username"] {
			it["username"] = c.Username
		}
		if fields["from"] {
			it["from"] = map[string]string{"id": c.UserID, "username": c.Username}
		}
		items = append(items, it)
	}
	s.mu.Unlock()
	ff.WriteJSON(w, http.StatusOK, ff.Paginate(r, items, 25))
}

// splitIDs splits a children parameter ("1,2,3").
func splitIDs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// countTags counts #hashtags or @mentions in a caption.
func countTags(s string, sigil rune) int {
	n := 0
	rs := []rune(s)
	for i, r := range rs {
		if r != sigil || i+1 >= len(rs) {
			continue
		}
		if i > 0 && (unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1])) {
			continue
		}
		if next := rs[i+1]; unicode.IsLetter(next) || unicode.IsDigit(next) || next == '_' {
			n++
		}
	}
	return n
}
