package linkedinfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// createBody is the body of POST /rest/posts, decoded field by field so
// that unknown and missing fields are refused as LinkedIn does.
type createBody struct {
	Author       *string `json:"author"`
	Commentary   *string `json:"commentary"`
	Visibility   *string `json:"visibility"`
	Distribution *struct {
		FeedDistribution               string   `json:"feedDistribution"`
		TargetEntities                 []any    `json:"targetEntities"`
		ThirdPartyDistributionChannels []string `json:"thirdPartyDistributionChannels"`
	} `json:"distribution"`
	Content *struct {
		Media *struct {
			ID      string `json:"id"`
			AltText string `json:"altText"`
			Title   string `json:"title"`
		} `json:"media"`
		MultiImage *struct {
			Images []struct {
				ID      string `json:"id"`
				AltText string `json:"altText"`
			} `json:"images"`
		} `json:"multiImage"`
	} `json:"content"`
	LifecycleState            *string `json:"lifecycleState"`
	IsReshareDisabledByAuthor *bool   `json:"isReshareDisabledByAuthor"`
}

// createPost serves POST /rest/posts: 201, an empty body, the URN in
// x-restli-id.
func (f *Fake) createPost(w http.ResponseWriter, r *http.Request) {
	fault := f.takeFault()
	if f.failBefore(w, fault) {
		return
	}
	var in createBody
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		if strings.Contains(err.Error(), "unknown field") {
			validation(w, "ERROR :: "+err.Error()+" :: unrecognized field found but not allowed", "", "")
			return
		}
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "Malformed JSON in the request body")
		return
	}
	for _, req := range []struct {
		name string
		ok   bool
	}{
		{"/author", in.Author != nil}, {"/commentary", in.Commentary != nil}, {"/visibility", in.Visibility != nil},
		{"/distribution", in.Distribution != nil}, {"/lifecycleState", in.LifecycleState != nil},
	} {
		if !req.ok {
			validation(w, "ERROR :: "+req.name+" :: field is required but not found and has no default value\n", "", "")
			return
		}
	}
	switch {
	case *in.Visibility != "PUBLIC" && *in.Visibility != "CONNECTIONS" && *in.Visibility != "LOGGED_IN":
		validation(w, "ERROR :: /visibility :: \""+*in.Visibility+"\" is not an enum symbol", "", "")
		return
	case *in.LifecycleState != "PUBLISHED" && *in.LifecycleState != "DRAFT":
		validation(w, "ERROR :: /lifecycleState :: \""+*in.LifecycleState+"\" is not an enum symbol", "", "")
		return
	case in.Distribution.FeedDistribution != "MAIN_FEED" && in.Distribution.FeedDistribution != "NONE":
		validation(w, "ERROR :: /distribution/feedDistribution :: invalid value", "", "")
		return
	case utf8.RuneCountInString(*in.Commentary) > 3000:
		validation(w, "ERROR :: /commentary :: length of commentary exceeds 3000 characters", "", "")
		return
	}
	var images []imageRef
	if c := in.Content; c != nil {
		switch {
		case c.Media != nil && c.MultiImage != nil:
			validation(w, "ERROR :: /content :: only one content type may be set", "", "")
			return
		case c.Media != nil:
			images = []imageRef{{URN: c.Media.ID, Alt: c.Media.AltText}}
		case c.MultiImage != nil:
			if n := len(c.MultiImage.Images); n < 2 || n > 20 {
				validation(w, "ERROR :: /content/multiImage/images :: a multiImage post holds 2 to 20 images", "", "")
				return
			}
			for _, im := range c.MultiImage.Images {
				images = append(images, imageRef{URN: im.ID, Alt: im.AltText})
			}
		}
	}

	f.mu.Lock()
	if *in.Author != f.author {
		f.mu.Unlock()
		apiError(w, http.StatusForbidden, "ACCESS_DENIED", "Not enough permissions to access: partnerApiPostsExternal.CREATE.20260501")
		return
	}
	for _, im := range images {
		if img := f.images[im.URN]; img == nil || img.data == nil || img.owner != f.author {
			f.mu.Unlock()
			validation(w, "ERROR :: /content :: media "+im.URN+" is not available or not owned by the author", "", "")
			return
		}
	}
	if dup := f.duplicateLocked(*in.Commentary, images); dup != nil {
		f.mu.Unlock()
		validation(w, "com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of "+dup.urn,
			"DUPLICATE_POST", "Duplicate post is detected")
		return
	}
	p := f.storeLocked(*in.Commentary, images)
	p.visibility, p.lifecycle = *in.Visibility, *in.LifecycleState
	f.writes++
	urn := p.urn
	f.mu.Unlock()
	f.respondAfter(w, r, fault, func() {
		w.Header().Set("x-restli-id", urn)
		w.Header().Set("X-LinkedIn-Id", urn)
		w.WriteHeader(http.StatusCreated)
	})
}

// duplicateLocked returns the author's post of the last 48 hours with the
// same commentary and images — deleted or not — or nil.
func (f *Fake) duplicateLocked(commentary string, images []imageRef) *post {
	for i := len(f.posts) - 1; i >= 0; i-- {
		p := f.posts[i]
		if p.author != f.author || f.clock.Now().Sub(p.created) > duplicateWindow || p.commentary != commentary || len(p.images) != len(images) {
			continue
		}
		same := true
		for k := range images {
			same = same && p.images[k].URN == images[k].URN
		}
		if same {
			return p
		}
	}
	return nil
}

// postJSONLocked renders a post as GET /rest/posts does.
func (f *Fake) postJSONLocked(p *post) map[string]any {
	obj := map[string]any{
		"id":                        p.urn,
		"author":                    p.author,
		"commentary":                p.commentary,
		"visibility":                p.visibility,
		"lifecycleState":            p.lifecycle,
		"createdAt":                 p.created.UnixMilli(),
		"publishedAt":               p.created.UnixMilli(),
		"lastModifiedAt":            p.modified.UnixMilli(),
		"isReshareDisabledByAuthor": false,
		"distribution":              map[string]any{"feedDistribution": "MAIN_FEED", "targetEntities": []any{}, "thirdPartyDistributionChannels": []any{}},
		"lifecycleStateInfo":        map[string]any{"isEditedByAuthor": p.edited},
	}
	switch len(p.images) {
	case 0:
	case 1:
		obj["content"] = map[string]any{"media": map[string]any{"id": p.images[0].URN, "altText": p.images[0].Alt}}
	default:
		var ims []any
		for _, im := range p.images {
			ims = append(ims, map[string]any{"id": im.URN, "altText": im.Alt})
		}
		obj["content"] = map[string]any{"multiImage": map[string]any{"images": ims}}
	}
	return obj
}

// getPost serves GET /rest/posts/{urn}.
func (f *Fake) getPost(w http.ResponseWriter, r *http.Request) {
	urn := r.PathValue("urn")
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byURN[urn]
	if p == nil || p.deleted {
		notFound(w, urn)
		return
	}
	writeJSON(w, http.StatusOK, f.postJSONLocked(p))
}

// findPosts serves GET /rest/posts?q=author: the author's posts, newest
// first by last modification (or by creation with sortBy=CREATED).
func (f *Fake) findPosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("q") != "author" {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "unsupported finder "+strconv.Quote(q.Get("q")))
		return
	}
	if !strings.Contains(r.URL.RawQuery, "author=urn%3Ali%3A") {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "the author parameter must be an encoded URN")
		return
	}
	start, count, ok := pageParams(w, q.Get("start"), q.Get("count"), 10, 100)
	if !ok {
		return
	}
	byCreated := false
	switch q.Get("sortBy") {
	case "", "LAST_MODIFIED":
	case "CREATED":
		byCreated = true
	default:
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "sortBy must be LAST_MODIFIED or CREATED")
		return
	}
	author := q.Get("author")
	f.mu.Lock()
	defer f.mu.Unlock()
	var list []*post
	for _, p := range f.posts {
		if p.author == author && !p.deleted {
			list = append(list, p)
		}
	}
	key := func(p *post) int64 {
		if byCreated {
			return p.created.UnixNano()
		}
		return p.modified.UnixNano()
	}
	// Newest first; among equal times, the later stored first.
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && key(list[j]) >= key(list[j-1]); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
	elements := []any{}
	for i := start; i < len(list) && i < start+count; i++ {
		elements = append(elements, f.postJSONLocked(list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"paging":   map[string]any{"start": start, "count": count, "links": []any{}, "total": len(list)},
		"elements": elements,
	})
}

// updatePost serves the PARTIAL_UPDATE of a post: POST /rest/posts/{urn}
// with {"patch": {"$set": {…}}}. Only top-level fields can change.
func (f *Fake) updatePost(w http.ResponseWriter, r *http.Request) {
	fault := f.takeFault()
	if f.failBefore(w, fault) {
		return
	}
	if r.Header.Get("X-RestLi-Method") != "PARTIAL_UPDATE" {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "X-RestLi-Method: PARTIAL_UPDATE is required")
		return
	}
	var in struct {
		Patch struct {
			Set map[string]json.RawMessage `json:"$set"`
		} `json:"patch"`
	}
	dec := json.NewDecoder(bytes.NewReader(readAll(r)))
	if err := dec.Decode(&in); err != nil || in.Patch.Set == nil {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "the body must be {\"patch\": {\"$set\": {…}}}")
		return
	}
	var commentary *string
	for k, v := range in.Patch.Set {
		switch k {
		case "commentary":
			var s string
			if json.Unmarshal(v, &s) != nil || utf8.RuneCountInString(s) > 3000 {
				validation(w, "ERROR :: /commentary :: invalid commentary", "", "")
				return
			}
			commentary = &s
		case "contentCallToActionLabel", "contentLandingPage", "lifecycleState", "adContext":
		default:
			validation(w, "ERROR :: /"+k+" :: field cannot be updated", "", "")
			return
		}
	}
	urn := r.PathValue("urn")
	f.mu.Lock()
	p := f.byURN[urn]
	if p == nil || p.deleted {
		f.mu.Unlock()
		notFound(w, urn)
		return
	}
	if commentary != nil {
		p.commentary = *commentary
	}
	p.edited = true
	p.modified = f.clock.Now()
	f.writes++
	f.mu.Unlock()
	f.respondAfter(w, r, fault, func() { w.WriteHeader(http.StatusNoContent) })
}

// deletePost serves DELETE /rest/posts/{urn}: 204, again for a post already
// deleted; 404 for a post that never existed.
func (f *Fake) deletePost(w http.ResponseWriter, r *http.Request) {
	fault := f.takeFault()
	if f.failBefore(w, fault) {
		return
	}
	urn := r.PathValue("urn")
	f.mu.Lock()
	p := f.byURN[urn]
	if p == nil {
		f.mu.Unlock()
		notFound(w, urn)
		return
	}
	if p.author != f.author {
		f.mu.Unlock()
		apiError(w, http.StatusForbidden, "ACCESS_DENIED", "Not enough permissions to access: partnerApiPostsExternal.DELETE.20260501")
		return
	}
	if !p.deleted {
		p.deleted = true
		f.writes++
	}
	f.mu.Unlock()
	f.respondAfter(w, r, fault, func() { w.WriteHeader(http.StatusNoContent) })
}

// pageParams reads Rest.li's start and count.
func pageParams(w http.ResponseWriter, startS, countS string, def, most int) (start, count int, ok bool) {
	count = def
	if startS != "" {
		n, err := strconv.Atoi(startS)
		if err != nil || n < 0 {
			apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "invalid start")
			return 0, 0, false
		}
		start = n
	}
	if countS != "" {
		n, err := strconv.Atoi(countS)
		if err != nil || n < 1 || n > most {
			apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "count must be between 1 and "+strconv.Itoa(most))
			return 0, 0, false
		}
		count = n
	}
	return start, count, true
}

// readAll returns the (already buffered) request body.
func readAll(r *http.Request) []byte {
	var b bytes.Buffer
	_, _ = b.ReadFrom(r.Body)
	return b.Bytes()
}
