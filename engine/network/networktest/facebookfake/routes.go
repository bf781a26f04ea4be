package facebookfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serve routes /v25.0/{id} and /v25.0/{id}/{edge}.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+Version+"/")
	if !ok {
		s.Error(w, http.StatusBadRequest, GraphError{Message: "Unknown path components: " + r.URL.Path, Type: "OAuthException", Code: 2500})
		return
	}
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		err = r.ParseMultipartForm(32 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		s.Error(w, http.StatusBadRequest, InvalidParameter("could not parse the request body"))
		return
	}
	if !s.Authorize(w, r) {
		return
	}
	id, edge, _ := strings.Cut(strings.Trim(rest, "/"), "/")
	switch {
	case edge == "" && r.Method == http.MethodGet:
		s.getObject(w, r, id)
	case edge == "" && r.Method == http.MethodPost:
		s.Write(w, r, func() (int, any) { return s.edit(id, r) })
	case edge == "" && r.Method == http.MethodDelete:
		s.Write(w, r, func() (int, any) { return s.delete(id) })
	case edge == "feed" && r.Method == http.MethodPost:
		s.Write(w, r, func() (int, any) { return s.publishFeed(id, r) })
	case edge == "photos" && r.Method == http.MethodPost:
		if r.FormValue("published") == "false" {
			status, body := s.upload(id, r, false)
			s.reply(w, status, body)
			return
		}
		s.Write(w, r, func() (int, any) { return s.upload(id, r, true) })
	case edge == "comments" && r.Method == http.MethodPost:
		s.Write(w, r, func() (int, any) { return s.comment(id, r) })
	case edge == "posts" && r.Method == http.MethodGet:
		s.listPosts(w, r, id)
	case edge == "comments" && r.Method == http.MethodGet:
		s.listComments(w, r, id)
	case edge == "reactions" && r.Method == http.MethodGet:
		s.listReactions(w, r, id)
	case edge == "insights" && r.Method == http.MethodGet:
		s.insights(w, r, id)
	default:
		s.Error(w, http.StatusBadRequest, NoObject(id+"/"+edge, r.Method))
	}
}

// reply sends a body that may be a GraphError.
func (s *Server) reply(w http.ResponseWriter, status int, body any) {
	if e, ok := body.(GraphError); ok {
		s.Error(w, status, e)
		return
	}
	WriteJSON(w, status, body)
}

// publishFeed is POST /{page-id}/feed: message, link, attached_media[n].
func (s *Server) publishFeed(page string, r *http.Request) (int, any) {
	if page != PageID {
		return http.StatusBadRequest, NoObject(page+"/feed", r.Method)
	}
	message, link := r.FormValue("message"), r.FormValue("link")
	var photos []string
	for i := 0; ; i++ {
		raw := r.FormValue("attached_media[" + itoa(i) + "]")
		if raw == "" {
			break
		}
		var am struct {
			MediaFBID string `json:"media_fbid"`
		}
		if err := json.Unmarshal([]byte(raw), &am); err != nil || am.MediaFBID == "" {
			return http.StatusBadRequest, InvalidParameter("param attached_media[" + itoa(i) + "] must be a JSON object with media_fbid")
		}
		photos = append(photos, am.MediaFBID)
	}
	if strings.TrimSpace(message) == "" && link == "" && len(photos) == 0 {
		return http.StatusBadRequest, InvalidParameter("Missing message or attachment")
	}
	if link != "" && !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "https://") {
		return http.StatusBadRequest, InvalidParameter("The parameter link must be a valid URL")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pid := range photos {
		p := s.live(pid)
		if p == nil || p.Kind != "photo" || p.Published || p.Attached {
			return http.StatusBadRequest, InvalidParameter("Invalid media_fbid " + pid + ": an unpublished photo of this Page is required")
		}
	}
	if s.duplicates && message != "" {
		for _, o := range s.order {
			if o.Kind == "post" && !o.Deleted && o.Message == message && s.Now().Sub(o.Created) < time.Hour {
				return http.StatusBadRequest, GraphError{Message: "(#506) Duplicate status message", Type: "OAuthException", Code: 506}
			}
		}
	}
	for _, pid := range photos {
		s.objects[pid].Attached = true
	}
	o := s.newPost(message, link, photos)
	return http.StatusOK, map[string]string{"id": o.ID}
}

// upload is POST /{page-id}/photos with a multipart source (or a url). A
// published photo makes a post; an unpublished one waits for attached_media.
func (s *Server) upload(page string, r *http.Request, published bool) (int, any) {
	if page != PageID {
		return http.StatusBadRequest, NoObject(page+"/photos", r.Method)
	}
	mime, size := "", 0
	if r.MultipartForm != nil && len(r.MultipartForm.File["source"]) == 1 {
		fh := r.MultipartForm.File["source"][0]
		mime, size = fh.Header.Get("Content-Type"), int(fh.Size)
	} else if u := r.FormValue("url"); strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		mime = "image/jpeg"
	} else {
		return http.StatusBadRequest, GraphError{Message: "(#324) Requires upload file", Type: "OAuthException", Code: 324}
	}
	if size >= 10_000_000 {
		return http.StatusBadRequest, GraphError{Message: "(#1) The photo is too large", Type: "OAuthException", Code: 1}
	}
	message := r.FormValue("message")
	if message == "" {
		message = r.FormValue("caption")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	photo := s.add(&Object{ID: s.nextID(), Kind: "photo", Alt: r.FormValue("alt_text_custom"), MIME: mime, Size: size,
		Published: published, FromID: PageID, FromName: PageName})
	if !published {
		return http.StatusOK, map[string]string{"id": photo.ID}
	}
	post := s.newPost(message, "", []string{photo.ID})
	photo.PostID, photo.Message = post.ID, message
	return http.StatusOK, map[string]string{"id": photo.ID, "post_id": post.ID}
}

// comment is POST /{object-id}/comments as the Page.
func (s *Server) comment(parent string, r *http.Request) (int, any) {
	message := r.FormValue("message")
	hasFile := r.MultipartForm != nil && len(r.MultipartForm.File["source"]) == 1
	if strings.TrimSpace(message) == "" && !hasFile && r.FormValue("attachment_url") == "" {
		return http.StatusBadRequest, InvalidParameter("Missing message or attachment")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.live(parent)
	if p == nil || p.Kind == "photo" && !p.Published {
		return http.StatusBadRequest, NoObject(parent+"/comments", r.Method)
	}
	c := s.newComment(p, message)
	return http.StatusOK, map[string]string{"id": c.ID}
}

// edit is POST /{id} with message.
func (s *Server) edit(id string, r *http.Request) (int, any) {
	message, ok := r.Form["message"]
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.live(id)
	if o == nil || o.Kind == "photo" || id == PageID {
		return http.StatusBadRequest, NoObject(id, r.Method)
	}
	if !ok || strings.TrimSpace(message[0]) == "" {
		return http.StatusBadRequest, InvalidParameter("Missing message")
	}
	if o.FromID != PageID {
		return http.StatusForbidden, GraphError{Message: "(#200) Permissions error", Type: "OAuthException", Code: 200}
	}
	o.Message, o.Updated = message[0], s.Now()
	return http.StatusOK, map[string]bool{"success": true}
}

// delete is DELETE /{id}.
func (s *Server) delete(id string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.live(id)
	if o == nil || id == PageID {
		return http.StatusBadRequest, NoObject(id, http.MethodDelete)
	}
	o.Deleted = true
	for _, pid := range o.Photos {
		if p := s.objects[pid]; p != nil {
			p.Deleted = true
		}
	}
	return http.StatusOK, map[string]bool{"success": true}
}

// getObject is GET /{id}?fields=…, for the Page and for posts and comments.
func (s *Server) getObject(w http.ResponseWriter, r *http.Request, id string) {
	fields := Fields(r.FormValue("fields"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == PageID {
		out := map[string]any{"id": PageID}
		if fields["name"] {
			out["name"] = PageName
		}
		if fields["followers_count"] {
			out["followers_count"] = s.followers
		}
		if fields["fan_count"] {
			out["fan_count"] = s.fans
		}
		WriteJSON(w, http.StatusOK, out)
		return
	}
	o := s.live(id)
	if o == nil {
		s.Error(w, http.StatusBadRequest, NoObject(id, r.Method))
		return
	}
	if len(fields) == 0 {
		fields = map[string]bool{"created_time": true, "message": true}
	}
	out := s.describe(o, fields)
	if fields["reactions"] {
		out["reactions"] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": len(o.Reactions), "viewer_reaction": "NONE"}}
	}
	if fields["comments"] {
		n := 0
		for _, c := range s.order {
			if c.Kind == "comment" && c.Parent == o.ID && !c.Deleted {
				n++
			}
		}
		out["comments"] = map[string]any{"data": []any{}, "summary": map[string]any{"order": "ranked", "total_count": n, "can_comment": true}}
	}
	if fields["shares"] && o.Shares > 0 { // Graph omits shares nobody made
		out["shares"] = map[string]int64{"count": o.Shares}
	}
	WriteJSON(w, http.StatusOK, out)
}

// describe renders the plain fields of an object. Callers hold s.mu.
func (s *Server) describe(o *Object, fields map[string]bool) map[string]any {
	out := map[string]any{"id": o.ID}
	if fields["message"] && o.Message != "" {
		out["message"] = o.Message
	}
	if fields["created_time"] {
		out["created_time"] = FormatTime(o.Created)
	}
	if fields["updated_time"] {
		u := o.Updated
		if u.IsZero() {
			u = o.Created
		}
		out["updated_time"] = FormatTime(u)
	}
	if fields["permalink_url"] {
		out["permalink_url"] = permalink(o)
	}
	if fields["from"] && o.FromID != "" {
		out["from"] = map[string]string{"id": o.FromID, "name": o.FromName}
	}
	return out
}

// listPosts is GET /{page-id}/posts, newest first.
func (s *Server) listPosts(w http.ResponseWriter, r *http.Request, page string) {
	if page != PageID {
		s.Error(w, http.StatusBadRequest, NoObject(page+"/posts", r.Method))
		return
	}
	fields := Fields(r.FormValue("fields"))
	if len(fields) == 0 {
		fields = map[string]bool{"created_time": true, "message": true}
	}
	s.mu.Lock()
	var items []map[string]any
	for _, o := range slices.Backward(s.order) {
		if o.Kind == "post" && !o.Deleted {
			items = append(items, s.describe(o, fields))
		}
	}
	s.mu.Unlock()
	WriteJSON(w, http.StatusOK, Paginate(r, items, 25))
}

// listComments is GET /{id}/comments; order=reverse_chronological gives
// newest first, the default is oldest first.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request, id string) {
	fields := Fields(r.FormValue("fields"))
	if len(fields) == 0 {
		fields = map[string]bool{"created_time": true, "message": true, "from": true}
	}
	s.mu.Lock()
	if s.live(id) == nil {
		s.mu.Unlock()
		s.Error(w, http.StatusBadRequest, NoObject(id+"/comments", r.Method))
		return
	}
	var items []map[string]any
	for _, o := range s.order {
		if o.Kind == "comment" && o.Parent == id && !o.Deleted {
			items = append(items, s.describe(o, fields))
		}
	}
	s.mu.Unlock()
	if r.FormValue("order") == "reverse_chronological" {
		slices.Reverse(items)
	}
	WriteJSON(w, http.StatusOK, Paginate(r, items, 25))
}

// listReactions is GET /{id}/reactions.
func (s *Server) listReactions(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	o := s.live(id)
	if o == nil {
		s.mu.Unlock()
		s.Error(w, http.StatusBadRequest, NoObject(id+"/reactions", r.Method))
		return
	}
	items := make([]map[string]string, 0, len(o.Reactions))
	for _, re := range o.Reactions {
		items = append(items, map[string]string{"id": re.UserID, "name": re.Name, "type": re.Type})
	}
	s.mu.Unlock()
	WriteJSON(w, http.StatusOK, Paginate(r, items, 25))
}

// postMetrics are the lifetime post insights the fake knows.
var postMetrics = []string{"post_impressions", "post_impressions_unique", "post_clicks",
	"post_impressions_organic", "post_impressions_paid", "post_engaged_users", "post_reactions_by_type_total"}

// insights is GET /{post-id}/insights?metric=a,b.
func (s *Server) insights(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.live(id)
	if o == nil {
		s.Error(w, http.StatusBadRequest, NoObject(id+"/insights", r.Method))
		return
	}
	if o.Kind != "post" {
		s.Error(w, http.StatusBadRequest, InvalidParameter("Tried accessing nonexisting field (insights) on node type (Comment)"))
		return
	}
	var data []map[string]any
	for _, m := range strings.Split(r.FormValue("metric"), ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(postMetrics, m) {
			s.Error(w, http.StatusBadRequest, InvalidParameter("The value must be a valid insights metric"))
			return
		}
		data = append(data, map[string]any{
			"name": m, "period": "lifetime", "values": []map[string]int64{{"value": o.Insights[m]}},
			"title": "Lifetime " + m, "description": "Lifetime: " + m, "id": o.ID + "/insights/" + m + "/lifetime",
		})
	}
	WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}

func itoa(i int) string { return strconv.Itoa(i) }
