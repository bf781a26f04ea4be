package xfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// createBody is the body of POST /2/tweets, strictly decoded.
type createBody struct {
	Text  *string `json:"text"`
	Reply *struct {
		InReplyToTweetID    string   `json:"in_reply_to_tweet_id"`
		ExcludeReplyUserIDs []string `json:"exclude_reply_user_ids"`
	} `json:"reply"`
	Poll *struct {
		Options         []string `json:"options"`
		DurationMinutes int      `json:"duration_minutes"`
		ReplySettings   string   `json:"reply_settings"`
	} `json:"poll"`
	Media *struct {
		MediaIDs      []string `json:"media_ids"`
		TaggedUserIDs []string `json:"tagged_user_ids"`
	} `json:"media"`
	QuoteTweetID string `json:"quote_tweet_id"`
	EditOptions  *struct {
		PreviousPostID string `json:"previous_post_id"`
	} `json:"edit_options"`
	ReplySettings string `json:"reply_settings"`
}

// createPost serves POST /2/tweets: a post, a reply, or an edit.
func (f *Fake) createPost(w http.ResponseWriter, r *http.Request) {
	fault := f.takeFault()
	if f.failBefore(w, fault) {
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		invalid(w, "body", "Content-Type must be application/json")
		return
	}
	var in createBody
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		invalid(w, "body", "The request body is not valid JSON for this endpoint: "+err.Error())
		return
	}
	text := ""
	if in.Text != nil {
		text = *in.Text
	}
	var mediaIDs []string
	if in.Media != nil {
		mediaIDs = in.Media.MediaIDs
	}
	if text == "" && len(mediaIDs) == 0 {
		invalid(w, "text", "You must specify either text or media.")
		return
	}
	var poll []string
	pollMins := 0
	if in.Poll != nil {
		poll, pollMins = in.Poll.Options, in.Poll.DurationMinutes
		if len(mediaIDs) > 0 || in.QuoteTweetID != "" {
			invalid(w, "poll", "poll is mutually exclusive with media, quote_tweet_id and card_uri")
			return
		}
		if len(poll) < 2 || len(poll) > 4 {
			invalid(w, "poll.options", "poll.options must hold 2 to 4 options")
			return
		}
		for _, o := range poll {
			if n := utf8.RuneCountInString(o); n < 1 || n > 25 {
				invalid(w, "poll.options", "each poll option must be 1 to 25 characters")
				return
			}
		}
		if pollMins < 5 || pollMins > 10080 {
			invalid(w, "poll.duration_minutes", "poll.duration_minutes must be between 5 and 10080")
			return
		}
	}

	f.mu.Lock()
	if len(mediaIDs) > 4 || !f.mediaReadyLocked(mediaIDs) {
		f.mu.Unlock()
		invalid(w, "media.media_ids", "Your media IDs are invalid.")
		return
	}
	replyTo := ""
	if in.Reply != nil {
		replyTo = in.Reply.InReplyToTweetID
		if parent := f.byID[replyTo]; parent == nil || !f.visibleLocked(parent) {
			f.mu.Unlock()
			problem(w, http.StatusForbidden, "Forbidden", "You attempted to reply to a Tweet that is deleted or not visible to you.", "about:blank")
			return
		}
	}
	var prev *post
	if in.EditOptions != nil {
		prev = f.byID[in.EditOptions.PreviousPostID]
		if msg := f.editRefusalLocked(prev); msg != "" {
			f.mu.Unlock()
			problem(w, http.StatusForbidden, "Forbidden", msg, "about:blank")
			return
		}
		replyTo = prev.replyTo
	} else if f.duplicateLocked(text) {
		f.mu.Unlock()
		problem(w, http.StatusForbidden, "Forbidden", duplicateDetail, "about:blank")
		return
	}
	p := f.storeLocked(UserID, text, replyTo, in.QuoteTweetID, slices.Clone(mediaIDs), slices.Clone(poll), pollMins)
	if prev != nil {
		chain := append(slices.Clone(prev.chain), p.id)
		for _, id := range chain {
			f.byID[id].chain = chain
		}
		prev.next = p.id
		p.conv = prev.conv
	}
	f.writes++
	resp := map[string]any{"data": map[string]any{"id": p.id, "text": p.rendered.text, "edit_history_tweet_ids": p.chain}}
	f.mu.Unlock()
	f.respondAfter(w, r, fault, http.StatusCreated, resp)
}

// editRefusalLocked says why prev cannot be edited, "" when it can.
func (f *Fake) editRefusalLocked(prev *post) string {
	switch {
	case prev == nil || !f.visibleLocked(prev) || prev.author != UserID:
		return "You are not permitted to edit this Post."
	case len(prev.poll) > 0:
		return "Posts with polls cannot be edited."
	case f.clock.Now().Sub(f.byID[prev.chain[0]].created) > 30*time.Minute:
		return "This Post can no longer be edited: the 30-minute edit window has passed."
	case len(prev.chain) > 5:
		return "This Post has reached the maximum number of edits."
	}
	if parent := f.byID[prev.replyTo]; parent != nil && parent.author != UserID {
		return "Replies to other accounts cannot be edited."
	}
	return ""
}

// duplicateLocked reports whether the account has a current post with text.
func (f *Fake) duplicateLocked(text string) bool {
	for _, p := range f.posts {
		if p.author == UserID && f.visibleLocked(p) && p.text == text {
			return true
		}
	}
	return false
}

// deletePost serves DELETE /2/tweets/:id, which deletes the whole edit
// chain. For a post that does not exist (or no longer does) it answers
// "deleted": false, one of the answers a client must accept.
func (f *Fake) deletePost(w http.ResponseWriter, r *http.Request) {
	fault := f.takeFault()
	if f.failBefore(w, fault) {
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	p := f.byID[id]
	if p == nil || p.deleted {
		f.mu.Unlock()
		f.respondAfter(w, r, fault, http.StatusOK, map[string]any{"data": map[string]any{"deleted": false}})
		return
	}
	if p.author != UserID {
		f.mu.Unlock()
		problem(w, http.StatusForbidden, "Forbidden", "You are not allowed to delete this Tweet.", "about:blank")
		return
	}
	for _, v := range p.chain {
		f.byID[v].deleted = true
	}
	f.writes++
	f.mu.Unlock()
	f.respondAfter(w, r, fault, http.StatusOK, map[string]any{"data": map[string]any{"deleted": true}})
}

// lookupPosts serves GET /2/tweets?ids=, answering the current version of
// each post and a partial error for each missing one.
func (f *Fake) lookupPosts(w http.ResponseWriter, r *http.Request) {
	ids := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(ids) == 0 || ids[0] == "" || len(ids) > 100 {
		invalid(w, "ids", "The `ids` query parameter must hold 1 to 100 ids")
		return
	}
	fields := fieldSet(r, "tweet.fields")
	f.mu.Lock()
	defer f.mu.Unlock()
	var data, errs []any
	for _, id := range ids {
		p := f.byID[id]
		if p == nil || p.deleted {
			errs = append(errs, notFoundError("tweet", "ids", id))
			continue
		}
		p = f.latestLocked(p)
		obj, fieldErr := f.postJSONLocked(p, fields)
		data = append(data, obj)
		if fieldErr != nil {
			errs = append(errs, fieldErr)
		}
	}
	out := map[string]any{}
	if data != nil {
		out["data"] = data
	}
	if errs != nil {
		out["errors"] = errs
	}
	writeJSON(w, http.StatusOK, out)
}

// timeline serves GET /2/users/:id/tweets: the user's current posts, newest
// first, between start_time and end_time.
func (f *Fake) timeline(w http.ResponseWriter, r *http.Request) {
	size, off, ok := pageBounds(w, r, "pagination_token", 5, 100, 10)
	if !ok {
		return
	}
	start, ok1 := timeParam(w, r, "start_time")
	end, ok2 := timeParam(w, r, "end_time")
	if !ok1 || !ok2 {
		return
	}
	exclude := fieldSet(r, "exclude")
	fields := fieldSet(r, "tweet.fields")
	uid := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users[uid] == nil {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{notFoundError("user", "id", uid)}})
		return
	}
	var list []*post
	for i := len(f.posts) - 1; i >= 0; i-- {
		p := f.posts[i]
		switch {
		case p.author != uid || !f.visibleLocked(p):
		case !start.IsZero() && p.created.Before(start):
		case !end.IsZero() && !p.created.Before(end):
		case exclude["replies"] && p.replyTo != "":
		default:
			list = append(list, p)
		}
	}
	f.writePageLocked(w, list, off, size, fields, nil)
}

// conversationQuery is the one search query the fake understands.
var conversationQuery = regexp.MustCompile(`^conversation_id:([0-9]{1,20})$`)

// search serves GET /2/tweets/search/recent for conversation_id queries:
// the posts of a conversation but its root, from the last seven days.
func (f *Fake) search(w http.ResponseWriter, r *http.Request) {
	m := conversationQuery.FindStringSubmatch(strings.TrimSpace(r.URL.Query().Get("query")))
	if m == nil {
		invalid(w, "query", "this server answers conversation_id:<id> queries only")
		return
	}
	size, off, ok := pageBounds(w, r, "next_token", 10, 100, 10)
	if !ok {
		return
	}
	start, ok := timeParam(w, r, "start_time")
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	floor := f.clock.Now().Add(-searchWindowLimit)
	if !start.IsZero() && start.Before(floor) {
		invalid(w, "start_time", "Invalid 'start_time':'"+start.Format(time.RFC3339)+"'. 'start_time' must be on or after "+floor.Format(time.RFC3339))
		return
	}
	if start.IsZero() {
		start = floor
	}
	var list []*post
	for i := len(f.posts) - 1; i >= 0; i-- {
		p := f.posts[i]
		if p.conv == m[1] && p.id != m[1] && f.visibleLocked(p) && !p.created.Before(start) {
			list = append(list, p)
		}
	}
	f.writePageLocked(w, list, off, size, fieldSet(r, "tweet.fields"), fieldSet(r, "expansions"))
}

// quoteTweets serves GET /2/tweets/:id/quote_tweets.
func (f *Fake) quoteTweets(w http.ResponseWriter, r *http.Request) {
	size, off, ok := pageBounds(w, r, "pagination_token", 10, 100, 10)
	if !ok {
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	var list []*post
	for i := len(f.posts) - 1; i >= 0; i-- {
		if p := f.posts[i]; p.quoteOf == id && f.visibleLocked(p) {
			list = append(list, p)
		}
	}
	f.writePageLocked(w, list, off, size, fieldSet(r, "tweet.fields"), fieldSet(r, "expansions"))
}

// writePageLocked answers one page of posts with X's meta and, when
// author_id is expanded, the authors.
func (f *Fake) writePageLocked(w http.ResponseWriter, list []*post, off, size int, fields, expansions map[string]bool) {
	out := map[string]any{}
	meta := map[string]any{"result_count": 0}
	if off < len(list) {
		page := list[off:min(off+size, len(list))]
		var data []any
		seen := map[string]bool{}
		var users []any
		for _, p := range page {
			obj, _ := f.postJSONLocked(p, fields)
			data = append(data, obj)
			if expansions["author_id"] && !seen[p.author] {
				seen[p.author] = true
				u := f.users[p.author]
				users = append(users, map[string]any{"id": u.id, "name": u.name, "username": u.username})
			}
		}
		out["data"] = data
		if users != nil {
			out["includes"] = map[string]any{"users": users}
		}
		meta = map[string]any{"result_count": len(page), "newest_id": page[0].id, "oldest_id": page[len(page)-1].id}
		if off+size < len(list) {
			meta["next_token"] = pageToken(off + size)
		}
	}
	out["meta"] = meta
	writeJSON(w, http.StatusOK, out)
}

// likingUsers serves GET /2/tweets/:id/liking_users.
func (f *Fake) likingUsers(w http.ResponseWriter, r *http.Request) {
	f.userList(w, r, func(p *post) []string { return p.likes })
}

// retweetedBy serves GET /2/tweets/:id/retweeted_by.
func (f *Fake) retweetedBy(w http.ResponseWriter, r *http.Request) {
	f.userList(w, r, func(p *post) []string { return p.reposts })
}

// userList answers a page of the users pick returns for the post.
func (f *Fake) userList(w http.ResponseWriter, r *http.Request, pick func(*post) []string) {
	size, off, ok := pageBounds(w, r, "pagination_token", 1, 100, 100)
	if !ok {
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byID[id]
	if p == nil || p.deleted {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{notFoundError("tweet", "id", id)}})
		return
	}
	ids := pick(p)
	out := map[string]any{}
	meta := map[string]any{"result_count": 0}
	if off < len(ids) {
		var data []any
		for _, uid := range ids[off:min(off+size, len(ids))] {
			u := f.users[uid]
			data = append(data, map[string]any{"id": u.id, "name": u.name, "username": u.username})
		}
		out["data"] = data
		meta["result_count"] = len(data)
		if off+size < len(ids) {
			meta["next_token"] = pageToken(off + size)
		}
	}
	out["meta"] = meta
	writeJSON(w, http.StatusOK, out)
}

// usersMe serves GET /2/users/me.
func (f *Fake) usersMe(w http.ResponseWriter, r *http.Request) {
	fields := fieldSet(r, "user.fields")
	f.mu.Lock()
	defer f.mu.Unlock()
	u := map[string]any{"id": UserID, "name": "Clairon", "username": Username}
	if fields["public_metrics"] {
		n := 0
		for _, p := range f.posts {
			if p.author == UserID && f.visibleLocked(p) {
				n++
			}
		}
		u["public_metrics"] = map[string]any{"followers_count": f.follower, "following_count": 12, "tweet_count": n, "listed_count": 0, "like_count": 0}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": u})
}

// postJSONLocked renders p with the requested tweet.fields, and the field
// error X gives for non-public metrics of a post older than 30 days.
func (f *Fake) postJSONLocked(p *post, fields map[string]bool) (map[string]any, map[string]any) {
	obj := map[string]any{"id": p.id, "text": p.rendered.text, "edit_history_tweet_ids": p.chain}
	if fields["created_at"] {
		obj["created_at"] = p.created.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if fields["author_id"] {
		obj["author_id"] = p.author
	}
	if fields["conversation_id"] {
		obj["conversation_id"] = p.conv
	}
	if fields["in_reply_to_user_id"] && p.replyTo != "" {
		if parent := f.byID[p.replyTo]; parent != nil {
			obj["in_reply_to_user_id"] = parent.author
		}
	}
	if fields["referenced_tweets"] {
		var refs []any
		if p.replyTo != "" {
			refs = append(refs, map[string]any{"type": "replied_to", "id": p.replyTo})
		}
		if p.quoteOf != "" {
			refs = append(refs, map[string]any{"type": "quoted", "id": p.quoteOf})
		}
		if refs != nil {
			obj["referenced_tweets"] = refs
		}
	}
	if fields["edit_controls"] {
		eligible := len(p.poll) == 0
		if parent := f.byID[p.replyTo]; parent != nil && parent.author != p.author {
			eligible = false
		}
		obj["edit_controls"] = map[string]any{
			"is_edit_eligible": eligible,
			"editable_until":   f.byID[p.chain[0]].created.Add(30 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"),
			"edits_remaining":  max(0, 6-len(p.chain)),
		}
	}
	if fields["entities"] && len(p.rendered.urls) > 0 {
		obj["entities"] = map[string]any{"urls": p.rendered.urls}
	}
	if fields["public_metrics"] {
		replies, quotes := 0, 0
		for _, q := range f.posts {
			if !f.visibleLocked(q) {
				continue
			}
			if q.replyTo == p.id {
				replies++
			}
			if q.quoteOf == p.id {
				quotes++
			}
		}
		obj["public_metrics"] = map[string]any{
			"retweet_count": len(p.reposts), "reply_count": replies, "like_count": len(p.likes),
			"quote_count": quotes, "bookmark_count": 0, "impression_count": p.impress,
		}
	}
	if fields["non_public_metrics"] {
		if f.clock.Now().Sub(p.created) >= 30*24*time.Hour {
			return obj, map[string]any{
				"value": p.id, "detail": "Sorry, you are not authorized to access 'non_public_metrics' on the Tweet with ids " + p.id + ".",
				"title": "Field Authorization Error", "resource_type": "tweet", "parameter": "non_public_metrics",
				"resource_id": p.id, "section": "data", "field": "non_public_metrics", "type": typeFieldAuth,
			}
		}
		obj["non_public_metrics"] = map[string]any{"impression_count": p.impress, "url_link_clicks": 0, "user_profile_clicks": 0}
	}
	return obj, nil
}

// rendered is a post's text as X shows it: HTML-escaped, every link replaced
// by a t.co link, attachments announced by one more t.co link at the end.
type rendered struct {
	text string
	urls []map[string]any
}

// linkInText finds the links X wraps (those with a scheme, in this fake).
var linkInText = regexp.MustCompile(`(?i)\bhttps?://[^\s]+`)

// render rewrites text as X does. Entity offsets count code points.
func render(text, mediaKey, id string) rendered {
	var out rendered
	var b bytes.Buffer
	pos := 0 // code points written
	write := func(s string) {
		b.WriteString(s)
		pos += utf8.RuneCountInString(s)
	}
	escape := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	last := 0
	for i, m := range linkInText.FindAllStringIndex(text, -1) {
		write(escape.Replace(text[last:m[0]]))
		short := "https://t.co/" + shortCode(id, i)
		expanded := text[m[0]:m[1]]
		out.urls = append(out.urls, map[string]any{
			"start": pos, "end": pos + utf8.RuneCountInString(short), "url": short,
			"expanded_url": expanded, "display_url": displayURL(expanded),
		})
		write(short)
		last = m[1]
	}
	write(escape.Replace(text[last:]))
	if mediaKey != "" {
		if b.Len() > 0 {
			write(" ")
		}
		short := "https://t.co/" + shortCode(id, 99)
		out.urls = append(out.urls, map[string]any{
			"start": pos, "end": pos + utf8.RuneCountInString(short), "url": short,
			"expanded_url": "https://x.com/" + Username + "/status/" + id + "/photo/1",
			"display_url":  "pic.x.com/" + shortCode(id, 98), "media_key": mediaKey,
		})
		write(short)
	}
	out.text = b.String()
	return out
}

// shortCode derives a stable ten-character t.co code.
func shortCode(id string, i int) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	h := uint64(1469598103934665603)
	for _, c := range id {
		h = (h ^ uint64(c)) * 1099511628211
	}
	h = (h ^ uint64(i+1)) * 1099511628211
	code := make([]byte, 10)
	for k := range code {
		code[k] = alphabet[h%62]
		h /= 62
		if h == 0 {
			h = uint64(k+7) * 2654435761
		}
	}
	return string(code)
}

// displayURL is a link without its scheme, as X displays it.
func displayURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if utf8.RuneCountInString(u) > 26 {
		r := []rune(u)
		return string(r[:25]) + "…"
	}
	return u
}
