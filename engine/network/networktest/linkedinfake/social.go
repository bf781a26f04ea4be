package linkedinfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// initializeUpload serves POST /rest/images?action=initializeUpload.
func (f *Fake) initializeUpload(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("action") != "initializeUpload" {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "unsupported action "+strconv.Quote(r.URL.Query().Get("action")))
		return
	}
	var in struct {
		InitializeUploadRequest *struct {
			Owner string `json:"owner"`
		} `json:"initializeUploadRequest"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.InitializeUploadRequest == nil {
		validation(w, "ERROR :: /initializeUploadRequest :: field is required but not found and has no default value\n", "", "")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.InitializeUploadRequest.Owner != f.author {
		apiError(w, http.StatusForbidden, "ACCESS_DENIED", "Not enough permissions to access: images.ACTION.initializeUpload")
		return
	}
	f.seq++
	n := strconv.FormatInt(f.seq, 36)
	urn := "urn:li:image:D4E10AQH" + n
	token := "AQJbrN86Zm265Q-" + n + "-feedshare-image"
	f.images[urn] = &image{urn: urn, owner: f.author}
	f.uploads[token] = urn
	writeJSON(w, http.StatusOK, map[string]any{"value": map[string]any{
		"uploadUrlExpiresAt": f.clock.Now().Add(24 * time.Hour).UnixMilli(),
		"uploadUrl":          f.srv.URL + "/dms-uploads/sp/" + token,
		"image":              urn,
	}})
}

// receiveUpload serves the PUT of an image's bytes to its upload URL.
func (f *Fake) receiveUpload(w http.ResponseWriter, r *http.Request) {
	body := readAll(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	urn, ok := f.uploads[r.PathValue("token")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if len(body) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.images[urn].data = body
	delete(f.uploads, r.PathValue("token"))
	w.WriteHeader(http.StatusCreated)
}

// socialActions serves GET /rest/socialActions/{urn}.
func (f *Fake) socialActions(w http.ResponseWriter, r *http.Request) {
	urn := r.PathValue("urn")
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byURN[urn]
	if p == nil || p.deleted {
		notFound(w, urn)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"commentsSummary": map[string]any{"selectedComments": []any{}, "aggregatedTotalComments": len(p.comments), "totalFirstLevelComments": len(p.comments)},
		"$URN":            "urn:li:socialActions:" + urn,
		"likesSummary":    map[string]any{"selectedLikes": []any{}, "likedByCurrentUser": false, "totalLikes": len(p.likes), "aggregatedTotalLikes": len(p.likes)},
		"target":          urn,
	})
}

// comments serves GET /rest/socialActions/{urn}/comments.
func (f *Fake) comments(w http.ResponseWriter, r *http.Request) {
	f.socialList(w, r, func(p *post, s social) map[string]any {
		activity := "urn:li:activity:" + strings.TrimPrefix(p.urn, "urn:li:share:")
		commentURN := "urn:li:comment:(" + activity + "," + s.id + ")"
		return map[string]any{
			"actor":        s.actor,
			"commentUrn":   commentURN,
			"$URN":         commentURN,
			"id":           s.id,
			"object":       activity,
			"message":      map[string]any{"text": s.text, "attributes": []any{}},
			"created":      map[string]any{"actor": s.actor, "time": s.at.UnixMilli()},
			"lastModified": map[string]any{"actor": s.actor, "time": s.at.UnixMilli()},
		}
	}, func(p *post) []social { return p.comments })
}

// likes serves GET /rest/socialActions/{urn}/likes.
func (f *Fake) likes(w http.ResponseWriter, r *http.Request) {
	f.socialList(w, r, func(p *post, s social) map[string]any {
		return map[string]any{
			"actor":   s.actor,
			"$URN":    "urn:li:like:(" + s.actor + "," + p.urn + ")",
			"object":  p.urn,
			"created": map[string]any{"actor": s.actor, "time": s.at.UnixMilli()},
		}
	}, func(p *post) []social { return p.likes })
}

// socialList answers a page of a post's comments or likes.
func (f *Fake) socialList(w http.ResponseWriter, r *http.Request, render func(*post, social) map[string]any, pick func(*post) []social) {
	q := r.URL.Query()
	start, count, ok := pageParams(w, q.Get("start"), q.Get("count"), 10, 100)
	if !ok {
		return
	}
	urn := r.PathValue("urn")
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byURN[urn]
	if p == nil || p.deleted {
		notFound(w, urn)
		return
	}
	all := pick(p)
	elements := []any{}
	for i := start; i < len(all) && i < start+count; i++ {
		elements = append(elements, render(p, all[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"paging":   map[string]any{"start": start, "count": count, "links": []any{}, "total": len(all)},
		"elements": elements,
	})
}

// shareStatistics serves GET /rest/organizationalEntityShareStatistics
// ?q=organizationalEntity&organizationalEntity=…&shares=List(…).
func (f *Fake) shareStatistics(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	org := q.Get("organizationalEntity")
	if q.Get("q") != "organizationalEntity" || !strings.HasPrefix(org, "urn:li:organization:") {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "q=organizationalEntity and an organization URN are required")
		return
	}
	if strings.Contains(r.URL.RawQuery, "List(urn:") {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "the URNs inside List() must be URL-encoded")
		return
	}
	var urns []string
	param := ""
	for _, name := range []string{"shares", "ugcPosts"} {
		if v := q.Get(name); v != "" {
			inner, ok := strings.CutPrefix(v, "List(")
			inner, ok2 := strings.CutSuffix(inner, ")")
			if !ok || !ok2 {
				apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", name+" must be List(…)")
				return
			}
			urns, param = strings.Split(inner, ","), name
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if org != f.author {
		apiError(w, http.StatusForbidden, "ACCESS_DENIED", "Not enough permissions to access: organizationalEntityShareStatistics.FINDER-organizationalEntity")
		return
	}
	elements := []any{}
	for _, urn := range urns {
		p := f.byURN[urn]
		if p == nil || p.deleted {
			continue
		}
		s := p.stats
		engagement := 0.0
		if s.impressions > 0 {
			engagement = float64(s.clicks+int64(len(p.likes)+len(p.comments))+s.shares) / float64(s.impressions)
		}
		key := "share"
		if param == "ugcPosts" {
			key = "ugcPost"
		}
		elements = append(elements, map[string]any{
			key:                    urn,
			"organizationalEntity": org,
			"totalShareStatistics": map[string]any{
				"uniqueImpressionsCount": s.unique, "shareCount": s.shares, "engagement": engagement,
				"clickCount": s.clicks, "likeCount": len(p.likes), "impressionCount": s.impressions, "commentCount": len(p.comments),
			},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"paging": map[string]any{"start": 0, "count": 10, "links": []any{}}, "elements": elements})
}
