package xfake

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// media is an uploaded file.
type media struct {
	id, key  string
	mime     string
	category string
	total    int
	segments map[int][]byte
	data     []byte
	// state is "" (ready, no processing), pending, in_progress or succeeded.
	state string
	alt   string
}

// Media size caps per category.
var mediaCaps = map[string]int{
	"tweet_image":   5 << 20,
	"tweet_gif":     15 << 20,
	"tweet_video":   512 << 20,
	"amplify_video": 512 << 20,
}

// keyPrefix is the media key prefix X uses per category.
var keyPrefix = map[string]string{"tweet_image": "3_", "tweet_gif": "16_", "tweet_video": "7_", "amplify_video": "13_"}

// mediaReadyLocked reports whether every id names uploaded media ready to
// attach.
func (f *Fake) mediaReadyLocked(ids []string) bool {
	for _, id := range ids {
		m := f.media[id]
		if m == nil || m.data == nil || (m.state != "" && m.state != "succeeded") {
			return false
		}
	}
	return true
}

// MediaData returns the bytes uploaded as media id, nil if none.
func (f *Fake) MediaData(id string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m := f.media[id]; m != nil {
		return bytes.Clone(m.data)
	}
	return nil
}

// parts reads a multipart/form-data body: its fields and its "media" file.
func parts(r *http.Request) (map[string]string, []byte, bool) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, nil, false
	}
	rd := multipart.NewReader(r.Body, params["boundary"])
	fields := map[string]string{}
	var file []byte
	for {
		p, err := rd.NextPart()
		if err == io.EOF {
			return fields, file, true
		}
		if err != nil {
			return nil, nil, false
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, false
		}
		if p.FormName() == "media" && p.FileName() != "" {
			file = b
		} else {
			fields[p.FormName()] = string(b)
		}
	}
}

// uploadOneShot serves POST /2/media/upload, the simple upload of images.
func (f *Fake) uploadOneShot(w http.ResponseWriter, r *http.Request) {
	fields, file, ok := parts(r)
	if !ok {
		invalid(w, "media", "the body must be multipart/form-data")
		return
	}
	if fields["command"] != "" {
		invalid(w, "command", "command is not accepted here: use /2/media/upload/initialize, /append and /finalize")
		return
	}
	cat := fields["media_category"]
	if cat != "tweet_image" && cat != "dm_image" && cat != "subtitles" {
		invalid(w, "media_category", "media_category must be tweet_image, dm_image or subtitles")
		return
	}
	if len(file) == 0 {
		invalid(w, "media", "media is required")
		return
	}
	if len(file) > mediaCaps["tweet_image"] {
		invalid(w, "media", "File size exceeds 5242880 bytes.")
		return
	}
	f.mu.Lock()
	id := f.newIDLocked()
	m := &media{id: id, key: "3_" + id, mime: fields["media_type"], category: cat, data: file, total: len(file)}
	f.media[id] = m
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"id": id, "media_key": m.key, "size": len(file), "expires_after_secs": 86400,
	}})
}

// uploadInitialize serves POST /2/media/upload/initialize.
func (f *Fake) uploadInitialize(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MediaType     string `json:"media_type"`
		TotalBytes    int    `json:"total_bytes"`
		MediaCategory string `json:"media_category"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&in) != nil {
		invalid(w, "body", "the body must be JSON with media_type, total_bytes and media_category")
		return
	}
	limit, known := mediaCaps[in.MediaCategory]
	switch {
	case !known:
		invalid(w, "media_category", "unknown media_category "+strconv.Quote(in.MediaCategory))
		return
	case in.MediaType == "":
		invalid(w, "media_type", "media_type is required")
		return
	case in.TotalBytes <= 0 || in.TotalBytes > limit:
		invalid(w, "total_bytes", "total_bytes must be between 1 and "+strconv.Itoa(limit))
		return
	}
	f.mu.Lock()
	id := f.newIDLocked()
	m := &media{id: id, key: keyPrefix[in.MediaCategory] + id, mime: in.MediaType, category: in.MediaCategory, total: in.TotalBytes, segments: map[int][]byte{}}
	f.media[id] = m
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": id, "media_key": m.key, "expires_after_secs": 86399}})
}

// uploadAppend serves POST /2/media/upload/:id/append.
func (f *Fake) uploadAppend(w http.ResponseWriter, r *http.Request) {
	fields, file, ok := parts(r)
	if !ok {
		invalid(w, "media", "the body must be multipart/form-data")
		return
	}
	seg, err := strconv.Atoi(fields["segment_index"])
	if err != nil || seg < 0 || seg > 999 {
		invalid(w, "segment_index", "segment_index must be between 0 and 999")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.media[r.PathValue("id")]
	if m == nil || m.segments == nil || m.data != nil {
		invalid(w, "id", "no upload session with this id")
		return
	}
	m.segments[seg] = file
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"expires_at": f.clock.Now().Unix() + 86399}})
}

// uploadFinalize serves POST /2/media/upload/:id/finalize. GIFs and videos
// then need processing, reported by the STATUS command.
func (f *Fake) uploadFinalize(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.media[r.PathValue("id")]
	if m == nil || m.segments == nil || m.data != nil {
		invalid(w, "id", "no upload session with this id")
		return
	}
	var all []byte
	for i := 0; i < len(m.segments); i++ {
		seg, ok := m.segments[i]
		if !ok {
			invalid(w, "id", "segment "+strconv.Itoa(i)+" is missing")
			return
		}
		all = append(all, seg...)
	}
	if len(all) != m.total {
		invalid(w, "id", "Segments do not add up to provided total file size.")
		return
	}
	m.data = all
	data := map[string]any{"id": m.id, "media_key": m.key, "size": len(all), "expires_after_secs": 86400}
	if m.category != "tweet_image" {
		m.state = "pending"
		data["processing_info"] = map[string]any{"state": "pending", "check_after_secs": 1}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// uploadStatus serves GET /2/media/upload?command=STATUS&media_id=. Each
// check moves processing one step: pending, in_progress, succeeded.
func (f *Fake) uploadStatus(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("command") != "STATUS" {
		invalid(w, "command", "command must be STATUS")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.media[q.Get("media_id")]
	if m == nil || m.data == nil {
		invalid(w, "media_id", "no finalized media with this id")
		return
	}
	data := map[string]any{"id": m.id, "media_key": m.key}
	switch m.state {
	case "pending":
		m.state = "in_progress"
		data["processing_info"] = map[string]any{"state": "in_progress", "check_after_secs": 2, "progress_percent": 50}
	case "in_progress", "succeeded":
		m.state = "succeeded"
		data["processing_info"] = map[string]any{"state": "succeeded", "progress_percent": 100}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// mediaMetadata serves POST /2/media/metadata, which sets alt text.
func (f *Fake) mediaMetadata(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText *struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&in) != nil {
		invalid(w, "body", "the body must be JSON with id and metadata")
		return
	}
	if in.Metadata.AltText == nil || utf8.RuneCountInString(in.Metadata.AltText.Text) > 1000 {
		invalid(w, "metadata.alt_text.text", "alt_text.text is required and at most 1000 characters")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.media[in.ID]
	if m == nil {
		invalid(w, "id", "no media with this id")
		return
	}
	m.alt = in.Metadata.AltText.Text
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"id": m.id, "associated_metadata": map[string]any{"alt_text": map[string]any{"text": m.alt}},
	}})
}
