package mastodonfake

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

type account struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	URL            string `json:"url"`
	FollowersCount int64  `json:"followers_count"`
}

// Status is a status as the API returns it.
type Status struct {
	ID              string        `json:"id"`
	CreatedAt       string        `json:"created_at"`
	InReplyToID     string        `json:"in_reply_to_id,omitempty"`
	Sensitive       bool          `json:"sensitive"`
	SpoilerText     string        `json:"spoiler_text"`
	Visibility      string        `json:"visibility"`
	Language        string        `json:"language,omitempty"`
	URI             string        `json:"uri"`
	URL             string        `json:"url"`
	RepliesCount    int64         `json:"replies_count"`
	ReblogsCount    int64         `json:"reblogs_count"`
	FavouritesCount int64         `json:"favourites_count"`
	QuotesCount     int64         `json:"quotes_count"`
	EditedAt        *string       `json:"edited_at"`
	Content         string        `json:"content"`
	Account         account       `json:"account"`
	Media           []*attachment `json:"media_attachments"`
	Poll            *poll         `json:"poll"`
}

type status struct {
	Status
	text    string
	key     string
	created time.Time
	deleted bool
}

type attachment struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	URL         *string `json:"url"`
	PreviewURL  *string `json:"preview_url"`
	Description string  `json:"description"`
	Meta        struct {
		Focus *struct {
			X float64 `json:"x"`
			Y float64 `json:"y"`
		} `json:"focus,omitempty"`
	} `json:"meta"`
	pending int
}

type poll struct {
	ID        string       `json:"id"`
	ExpiresAt string       `json:"expires_at"`
	Expired   bool         `json:"expired"`
	Multiple  bool         `json:"multiple"`
	Votes     int          `json:"votes_count"`
	Options   []pollOption `json:"options"`
}

type pollOption struct {
	Title string `json:"title"`
	Votes int    `json:"votes_count"`
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", s.verifyCredentials)
	mux.HandleFunc("GET /api/v1/accounts/{id}/statuses", s.accountStatuses)
	mux.HandleFunc("POST /api/v1/statuses", s.write(s.createStatus))
	mux.HandleFunc("GET /api/v1/statuses/{id}", s.getStatus)
	mux.HandleFunc("PUT /api/v1/statuses/{id}", s.write(s.editStatus))
	mux.HandleFunc("DELETE /api/v1/statuses/{id}", s.write(s.deleteStatus))
	mux.HandleFunc("GET /api/v1/statuses/{id}/source", s.source)
	mux.HandleFunc("GET /api/v1/statuses/{id}/context", s.context)
	mux.HandleFunc("GET /api/v1/statuses/{id}/favourited_by", s.accounts(func(id string) []account { return s.favs[id] }))
	mux.HandleFunc("GET /api/v1/statuses/{id}/reblogged_by", s.accounts(func(id string) []account { return s.reblogs[id] }))
	mux.HandleFunc("POST /api/v2/media", s.uploadMedia)
	mux.HandleFunc("GET /api/v1/media/{id}", s.getMedia)
	return s.authenticated(mux)
}

// authenticated records the request, checks the bearer token and sets the
// per-token rate-limit headers (300 per 5 minutes).
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params := readParams(r)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Params: params})
		s.mu.Unlock()
		now := s.clock.Now()
		period := 5 * time.Minute
		reset := s.start.Add((now.Sub(s.start)/period + 1) * period)
		rateHeaders(w, 300, 299, reset)
		if r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
			s.fail(w, http.StatusUnauthorized, "The access token is invalid")
			return
		}
		next.ServeHTTP(w, r.WithContext(withParams(r.Context(), params)))
	})
}

// write wraps a handler of a write request with the queued fault.
func (s *Server) write(h func(w http.ResponseWriter, r *http.Request) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		f := networktest.NoFault
		if len(s.faults) > 0 {
			f, s.faults = s.faults[0], s.faults[1:]
		}
		s.mu.Unlock()
		switch f {
		case networktest.FailBefore:
			s.fail(w, http.StatusInternalServerError, "We're sorry, but something went wrong on our end.")
			return
		case networktest.RateLimit:
			s.rateLimited(w, 300, s.clock.Now().Add(s.opts.RetryAfter))
			return
		case networktest.Unauthorized:
			s.fail(w, http.StatusUnauthorized, "The access token is invalid")
			return
		case networktest.NoFault:
			h(w, r)
			return
		}
		// The write happens; its response is lost.
		if !h(discard{header: http.Header{}}, r) {
			s.fail(w, http.StatusInternalServerError, "We're sorry, but something went wrong on our end.")
			return
		}
		switch f {
		case networktest.FailAfter:
			s.fail(w, http.StatusInternalServerError, "We're sorry, but something went wrong on our end.")
		case networktest.HangAfter:
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
		case networktest.DropAfter:
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
				}
			}
		}
	}
}

// discard is a ResponseWriter that keeps nothing, for writes whose
// response a fault loses.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

func (s *Server) verifyCredentials(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := self
	a.FollowersCount = s.followers
	s.mu.Unlock()
	s.writeJSON(w, http.StatusOK, a)
}

// newStatus stores a status by acct. s.mu is held.
func (s *Server) newStatus(acct account, text string) *status {
	now := s.clock.Now()
	id := s.newID()
	st := &status{text: text, created: now, Status: Status{
		ID: id, CreatedAt: now.UTC().Format("2006-01-02T15:04:05.000Z"), Visibility: "public",
		URI: "https://mastodon.test/users/" + acct.Username + "/statuses/" + id,
		URL: "https://mastodon.test/@" + acct.Username + "/" + id, Account: acct, Media: []*attachment{},
		Content: render(text),
	}}
	s.statuses[id] = st
	s.order = append(s.order, id)
	return st
}

// render turns plain text into the HTML Mastodon stores: paragraphs and
// line breaks, links split into visible and invisible spans, remote
// mentions shown as @user, hashtags linked.
func render(text string) string {
	var paras []string
	for p := range strings.SplitSeq(text, "\n\n") {
		var lines []string
		for line := range strings.SplitSeq(p, "\n") {
			words := strings.Split(line, " ")
			for i, w := range words {
				words[i] = renderWord(w)
			}
			lines = append(lines, strings.Join(words, " "))
		}
		paras = append(paras, "<p>"+strings.Join(lines, "<br />")+"</p>")
	}
	return strings.Join(paras, "")
}

func renderWord(w string) string {
	e := html.EscapeString
	switch {
	case strings.HasPrefix(w, "https://") || strings.HasPrefix(w, "http://"):
		scheme, rest, _ := strings.Cut(w, "://")
		shown, hidden := rest, ""
		if len(rest) > 30 {
			shown, hidden = rest[:30], rest[30:]
		}
		return `<a href="` + e(w) + `" target="_blank" rel="nofollow noopener"><span class="invisible">` + e(scheme) +
			`://</span><span class="ellipsis">` + e(shown) + `</span><span class="invisible">` + e(hidden) + `</span></a>`
	case strings.HasPrefix(w, "@") && strings.Count(w, "@") == 2:
		user, domain, _ := strings.Cut(w[1:], "@")
		return `<span class="h-card"><a href="https://` + e(domain) + `/@` + e(user) + `" class="u-url mention">@<span>` + e(user) + `</span></a></span>`
	case strings.HasPrefix(w, "#") && len(w) > 1:
		return `<a href="https://mastodon.test/tags/` + e(w[1:]) + `" class="mention hashtag" rel="tag">#<span>` + e(w[1:]) + `</span></a>`
	}
	return e(w)
}

// statusInput is what create and edit accept.
type statusInput struct {
	text, spoiler, language, visibility, replyTo string
	sensitive                                    bool
	mediaIDs                                     []string
	descriptions                                 map[string]string
	pollOptions                                  []string
	pollExpires                                  int
	pollMultiple                                 bool
}

func input(p map[string][]string) statusInput {
	first := func(k string) string {
		if v := p[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	in := statusInput{
		text: first("status"), spoiler: first("spoiler_text"), language: first("language"),
		visibility: first("visibility"), replyTo: first("in_reply_to_id"), sensitive: first("sensitive") == "true",
		mediaIDs: p["media_ids[]"], pollOptions: p["poll[options][]"], pollMultiple: first("poll[multiple]") == "true",
		descriptions: map[string]string{},
	}
	in.pollExpires, _ = strconv.Atoi(first("poll[expires_in]"))
	descs := p["media_attributes[][description]"]
	for i, id := range p["media_attributes[][id]"] {
		if i < len(descs) {
			in.descriptions[id] = descs[i]
		}
	}
	return in
}

// validate checks an input as Mastodon does. s.mu is held.
func (s *Server) validate(in statusInput) (code int, msg string) {
	switch {
	case strings.TrimSpace(in.text) == "" && len(in.mediaIDs) == 0:
		return 422, "Validation failed: Text can't be blank"
	case utf8.RuneCountInString(in.text)+utf8.RuneCountInString(in.spoiler) > s.opts.MaxChars:
		return 422, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.opts.MaxChars)
	case len(in.mediaIDs) > 4:
		return 422, "Validation failed: Media attachments are limited to 4"
	case len(in.pollOptions) > 0 && len(in.mediaIDs) > 0:
		return 422, "Validation failed: Cannot attach both media and a poll"
	case len(in.pollOptions) == 1 || len(in.pollOptions) > 4:
		return 422, "Validation failed: Poll options must have between 2 and 4 items"
	case len(in.pollOptions) > 0 && (in.pollExpires < 300 || in.pollExpires > 2629746):
		return 422, "Validation failed: Poll expiration time is out of range"
	}
	for _, id := range in.mediaIDs {
		m, ok := s.media[id]
		if !ok {
			return 422, "Validation failed: Media attachments are invalid"
		}
		if m.pending > 0 {
			return 422, "Cannot attach files that have not finished processing. Try again in a moment!"
		}
	}
	if in.replyTo != "" {
		if p, ok := s.statuses[in.replyTo]; !ok || p.deleted {
			return 404, "The post you are trying to reply to does not appear to exist."
		}
	}
	return 0, ""
}

// apply sets a status's content from an input. s.mu is held.
func (s *Server) apply(st *status, in statusInput) {
	st.text, st.Content = in.text, render(in.text)
	st.SpoilerText, st.Sensitive, st.Language = in.spoiler, in.sensitive || in.spoiler != "", in.language
	if in.visibility != "" {
		st.Visibility = in.visibility
	}
	st.Media = []*attachment{}
	for _, id := range in.mediaIDs {
		m := s.media[id]
		if d, ok := in.descriptions[id]; ok {
			m.Description = d
		}
		st.Media = append(st.Media, m)
	}
	st.Poll = nil
	if len(in.pollOptions) > 0 {
		p := &poll{ID: s.newID(), Multiple: in.pollMultiple,
			ExpiresAt: s.clock.Now().Add(time.Duration(in.pollExpires) * time.Second).UTC().Format(time.RFC3339)}
		for _, o := range in.pollOptions {
			p.Options = append(p.Options, pollOption{Title: o})
		}
		st.Poll = p
	}
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) bool {
	in := input(paramsOf(r.Context()))
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if key != "" && !s.opts.IgnoreIdempotency {
		if k, ok := s.keys[key]; ok && now.Sub(k.at) < idempotencyWindow {
			if st := s.statuses[k.id]; st != nil && !st.deleted {
				s.writeJSON(w, http.StatusOK, st.Status)
				return true
			}
		}
	}
	if code, msg := s.validate(in); code != 0 {
		s.fail(w, code, msg)
		return false
	}
	if s.opts.StatusLimit > 0 {
		win := s.opts.StatusWindow
		start := s.start.Add(now.Sub(s.start) / win * win)
		if !start.Equal(s.window.start) {
			s.window.start, s.window.count = start, 0
		}
		if s.window.count >= s.opts.StatusLimit {
			s.rateLimited(w, s.opts.StatusLimit, start.Add(win))
			return false
		}
		s.window.count++
	}
	st := s.newStatus(self, in.text)
	s.apply(st, in)
	st.InReplyToID = in.replyTo
	if parent := s.statuses[in.replyTo]; parent != nil {
		parent.RepliesCount++
	}
	if !s.opts.IgnoreIdempotency {
		st.key = key
		if key != "" {
			s.keys[key] = keyEntry{id: st.ID, at: now}
		}
	}
	s.writes++
	s.writeJSON(w, http.StatusOK, st.Status)
	return true
}

// own returns the caller's live status named in the path, or answers 404.
// s.mu is held.
func (s *Server) own(w http.ResponseWriter, r *http.Request) *status {
	st, ok := s.statuses[r.PathValue("id")]
	if !ok || st.deleted {
		s.fail(w, http.StatusNotFound, "Record not found")
		return nil
	}
	return st
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.own(w, r); st != nil {
		s.writeJSON(w, http.StatusOK, st.Status)
	}
}

func (s *Server) editStatus(w http.ResponseWriter, r *http.Request) bool {
	in := input(paramsOf(r.Context()))
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.own(w, r)
	if st == nil {
		return false
	}
	in.replyTo = ""
	if code, msg := s.validate(in); code != 0 {
		s.fail(w, code, msg)
		return false
	}
	s.apply(st, in)
	edited := s.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	st.EditedAt = &edited
	s.writes++
	s.writeJSON(w, http.StatusOK, st.Status)
	return true
}

func (s *Server) deleteStatus(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.own(w, r)
	if st == nil {
		return false
	}
	st.deleted = true
	s.writes++
	out := struct {
		Status
		Text string `json:"text"`
	}{st.Status, st.text}
	s.writeJSON(w, http.StatusOK, out)
	return true
}

func (s *Server) source(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.own(w, r); st != nil {
		s.writeJSON(w, http.StatusOK, map[string]string{"id": st.ID, "text": st.text, "spoiler_text": st.SpoilerText})
	}
}

func (s *Server) context(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.own(w, r)
	if st == nil {
		return
	}
	out := struct {
		Ancestors   []Status `json:"ancestors"`
		Descendants []Status `json:"descendants"`
	}{[]Status{}, []Status{}}
	for p := st.InReplyToID; p != ""; {
		parent := s.statuses[p]
		if parent == nil || parent.deleted {
			break
		}
		out.Ancestors = append([]Status{parent.Status}, out.Ancestors...)
		p = parent.InReplyToID
	}
	ids := map[string]bool{st.ID: true}
	for _, id := range s.order { // creation order: parents before children
		c := s.statuses[id]
		if !c.deleted && ids[c.InReplyToID] {
			ids[c.ID] = true
			out.Descendants = append(out.Descendants, c.Status)
		}
	}
	s.writeJSON(w, http.StatusOK, out)
}

// limitParam reads ?limit= within [1, most], default def.
func limitParam(r *http.Request, def, most int) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, most)
}

// pageLink writes a Link header with rel="next" to the same path.
func (s *Server) pageLink(w http.ResponseWriter, r *http.Request, limit int, maxID string) {
	q := url.Values{"limit": {strconv.Itoa(limit)}, "max_id": {maxID}}
	w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, s.srv.URL, r.URL.Path, q.Encode()))
}

func (s *Server) accountStatuses(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	limit := limitParam(r, 20, 40)
	maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
	page := []Status{}
	for i := len(s.order) - 1; i >= 0 && len(page) < limit; i-- {
		st := s.statuses[s.order[i]]
		id, _ := strconv.ParseInt(st.ID, 10, 64)
		if st.deleted || st.Account.ID != r.PathValue("id") || (maxID != 0 && id >= maxID) {
			continue
		}
		if q.Get("exclude_replies") == "true" && st.InReplyToID != "" {
			continue
		}
		page = append(page, st.Status)
	}
	if len(page) == limit {
		s.pageLink(w, r, limit, page[len(page)-1].ID)
	}
	s.writeJSON(w, http.StatusOK, page)
}

// accounts lists the accounts list returns for a status, paginated by
// position with max_id.
func (s *Server) accounts(list func(id string) []account) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.own(w, r) == nil {
			return
		}
		all := list(r.PathValue("id"))
		limit := limitParam(r, 40, 80)
		from := 0
		if v := r.URL.Query().Get("max_id"); v != "" {
			from, _ = strconv.Atoi(v)
		}
		to := min(from+limit, len(all))
		page := append([]account{}, all[min(from, to):to]...)
		if to < len(all) {
			s.pageLink(w, r, limit, strconv.Itoa(to))
		}
		s.writeJSON(w, http.StatusOK, page)
	}
}

func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		s.fail(w, 422, "Validation failed: File can't be blank")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.fail(w, 422, "Validation failed: File can't be blank")
		return
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if len(data) == 0 || !strings.HasPrefix(hdr.Header.Get("Content-Type"), "image/") && !strings.HasPrefix(hdr.Header.Get("Content-Type"), "video/") {
		s.fail(w, 422, "Validation failed: File content type is invalid")
		return
	}
	desc := r.FormValue("description")
	if utf8.RuneCountInString(desc) > 1500 {
		s.fail(w, 422, "Validation failed: Description is too long (maximum is 1500 characters)")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &attachment{ID: s.newID(), Type: "image", Description: desc, pending: s.opts.MediaPolls}
	if strings.HasPrefix(hdr.Header.Get("Content-Type"), "video/") {
		a.Type = "video"
	}
	if v := r.FormValue("focus"); v != "" {
		xs, ys, ok := strings.Cut(v, ",")
		x, errX := strconv.ParseFloat(xs, 64)
		y, errY := strconv.ParseFloat(ys, 64)
		if !ok || errX != nil || errY != nil || x < -1 || x > 1 || y < -1 || y > 1 {
			s.fail(w, 422, "Validation failed: Focus is invalid")
			return
		}
		a.Meta.Focus = &struct {
			X float64 `json:"x"`
			Y float64 `json:"y"`
		}{x, y}
	}
	s.media[a.ID] = a
	if a.pending > 0 {
		s.writeJSON(w, http.StatusAccepted, a)
		return
	}
	s.ready(a)
	s.writeJSON(w, http.StatusOK, a)
}

// ready gives a processed attachment its URLs. s.mu is held.
func (s *Server) ready(a *attachment) {
	u := "https://files.mastodon.test/media/" + a.ID + ".png"
	a.URL, a.PreviewURL = &u, &u
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.media[r.PathValue("id")]
	if !ok {
		s.fail(w, http.StatusNotFound, "Record not found")
		return
	}
	if a.pending > 0 {
		a.pending--
		s.writeJSON(w, http.StatusPartialContent, a)
		return
	}
	s.ready(a)
	s.writeJSON(w, http.StatusOK, a)
}

// readParams decodes a write's form (urlencoded or multipart fields) or
// JSON body into form-style names ("poll[options][]").
func readParams(r *http.Request) map[string][]string {
	if r.Method == http.MethodGet {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &body) != nil {
			return nil
		}
		out := map[string][]string{}
		flatten(out, "", body)
		return out
	case "multipart/form-data":
		if r.ParseMultipartForm(32<<20) != nil {
			return nil
		}
		return r.MultipartForm.Value
	default:
		if r.ParseForm() != nil {
			return nil
		}
		return r.PostForm
	}
}

// flatten writes JSON values under Rails-style form names.
func flatten(out map[string][]string, prefix string, v any) {
	name := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "[" + k + "]"
	}
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			flatten(out, name(k), c)
		}
	case []any:
		for _, c := range t {
			if m, ok := c.(map[string]any); ok {
				for k, cv := range m {
					flatten(out, prefix+"[]["+k+"]", cv)
				}
				continue
			}
			out[prefix+"[]"] = append(out[prefix+"[]"], fmt.Sprint(c))
		}
	case float64:
		out[prefix] = append(out[prefix], strconv.FormatFloat(t, 'f', -1, 64))
	case nil:
	default:
		out[prefix] = append(out[prefix], fmt.Sprint(t))
	}
}
