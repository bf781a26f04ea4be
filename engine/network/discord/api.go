package discord

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// Routes, as Discord groups requests into rate-limit buckets (the method is
// added by exchange).
const (
	routeWebhook = "/webhooks/{id}/{token}"
	routeMessage = "/webhooks/{id}/{token}/messages/{message.id}"
)

// Discord's JSON error codes that change how a failure is classed.
const (
	codeUnknownWebhook = 10015
	codeUnknownMessage = 10008
)

// payload is the JSON body of Execute Webhook and Edit Webhook Message, or
// the payload_json part when files are attached.
type payload struct {
	Content         *string         `json:"content,omitempty"`
	Username        string          `json:"username,omitempty"`
	AvatarURL       string          `json:"avatar_url,omitempty"`
	Embeds          []embed         `json:"embeds,omitzero"`
	AllowedMentions allowedMentions `json:"allowed_mentions"`
	Attachments     []attachment    `json:"attachments,omitzero"`
	ThreadName      string          `json:"thread_name,omitempty"`
	Poll            *poll           `json:"poll,omitempty"`
}

type allowedMentions struct {
	Parse []string `json:"parse"`
}

// attachment describes files[ID]; Description is the alt text.
type attachment struct {
	ID          int    `json:"id"`
	Filename    string `json:"filename"`
	Description string `json:"description,omitempty"`
}

type embed struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Timestamp   string `json:"timestamp,omitempty"`
}

// poll is Discord's poll create request object.
type poll struct {
	Question         pollMedia    `json:"question"`
	Answers          []pollAnswer `json:"answers"`
	Duration         int          `json:"duration"`
	AllowMultiselect bool         `json:"allow_multiselect"`
	LayoutType       int          `json:"layout_type"`
}

type pollMedia struct {
	Text string `json:"text"`
}

type pollAnswer struct {
	PollMedia pollMedia `json:"poll_media"`
}

// message is the part of Discord's message object the adapter keeps.
type message struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
}

// apiError is Discord's error body, and its 429 body.
type apiError struct {
	Code       int             `json:"code"`
	Message    string          `json:"message"`
	Errors     json.RawMessage `json:"errors,omitempty"`
	RetryAfter float64         `json:"retry_after,omitempty"`
	Global     bool            `json:"global,omitempty"`
}

func (e *apiError) Error() string {
	s := "discord error " + strconv.Itoa(e.Code) + ": " + e.Message
	if fields := fieldErrors(e.Errors, ""); len(fields) > 0 {
		if len(fields) > 5 {
			fields = append(fields[:5], "…")
		}
		s += " (" + strings.Join(fields, "; ") + ")"
	}
	if e.Global {
		s += " (global limit)"
	}
	return s
}

// fieldErrors flattens Discord's nested {"field": {"_errors": [...]}} tree
// into "field.sub: message" lines, sorted.
func fieldErrors(raw json.RawMessage, prefix string) []string {
	var tree map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &tree) != nil {
		return nil
	}
	var out []string
	for k, v := range tree {
		if k == "_errors" {
			var list []struct{ Message string }
			if json.Unmarshal(v, &list) == nil {
				for _, e := range list {
					out = append(out, strings.TrimPrefix(prefix, ".")+": "+e.Message)
				}
			}
			continue
		}
		out = append(out, fieldErrors(v, prefix+"."+k)...)
	}
	sort.Strings(out)
	return out
}

// payload builds the body shared by publish and edit: text or embed,
// mentions, and the attachment list matching files[n].
func (a *Adapter) payload(p *network.Post) payload {
	pl := payload{AllowedMentions: allowedMentions{Parse: a.mentions}}
	switch {
	case a.embed && (p.Title != "" || p.Text != ""):
		e := embed{Title: truncate(p.Title, 256), Description: p.Text}
		if !p.CreatedAt.IsZero() {
			e.Timestamp = p.CreatedAt.UTC().Format(time.RFC3339)
		}
		pl.Embeds = []embed{e}
	case !a.embed && p.Text != "":
		text := p.Text
		pl.Content = &text
	}
	for i, m := range p.Media {
		pl.Attachments = append(pl.Attachments, attachment{ID: i, Filename: fileName(i, m), Description: m.Alt})
	}
	return pl
}

// newPoll maps a clairon poll; the question is the post's headline, since a
// clairon poll has none of its own.
func newPoll(p *network.Post) *poll {
	out := &poll{
		Question:         pollMedia{Text: truncate(headline(p), pollQuestionMax)},
		Duration:         pollHours(p.Poll.Duration),
		AllowMultiselect: p.Poll.Multiple,
		LayoutType:       1,
	}
	for _, o := range p.Poll.Options {
		out.Answers = append(out.Answers, pollAnswer{PollMedia: pollMedia{Text: o}})
	}
	return out
}

// pollHours rounds a duration up to whole hours within Discord's range.
func pollHours(d time.Duration) int {
	if d <= 0 {
		return defaultPollHours
	}
	h := int((d + time.Hour - 1) / time.Hour)
	return min(max(h, 1), maxPollHours)
}

// pollDigest identifies what Discord stores of a poll: its answers, duration
// and mode. It is kept in Ref.Extra so an edit can tell whether it would
// change the poll.
func pollDigest(p *network.Poll) string {
	h := sha256.New()
	for _, o := range p.Options {
		h.Write([]byte(o))
		h.Write([]byte{0})
	}
	fmt.Fprintf(h, "%d/%t", pollHours(p.Duration), p.Multiple)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// headline is the post's title, or else its first line of text without
// Markdown heading or list marks.
func headline(p *network.Post) string {
	if t := strings.TrimSpace(p.Title); t != "" {
		return t
	}
	for line := range strings.SplitSeq(p.Text, "\n") {
		if line = strings.TrimSpace(strings.TrimLeft(line, "#>*-_ \t")); line != "" {
			return line
		}
	}
	return "untitled"
}

// truncate cuts s to at most n characters, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
	"video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov",
}

// fileName is the attachment's name as Discord shows it: the base name with
// accents dropped ("é" becomes "e") and every run of characters other than
// ASCII letters, digits, dots, dashes and underscores made one underscore.
func fileName(i int, m network.Media) string {
	base := path.Base(strings.ReplaceAll(m.Name, `\`, "/"))
	var b strings.Builder
	under := false
	for _, r := range norm.NFD.String(base) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_'):
			b.WriteRune(r)
			under = false
		case !under:
			b.WriteByte('_')
			under = true
		}
	}
	clean := strings.Trim(b.String(), "_")
	if strings.Trim(clean, "._") == "" {
		return "file" + strconv.Itoa(i) + extensions[m.MIME]
	}
	return clean
}

// encode returns the request body: JSON alone, or multipart/form-data with
// payload_json and one files[n] part per medium.
func encode(pl payload, media []network.Media) ([]byte, string, error) {
	var jsBuf bytes.Buffer
	enc := json.NewEncoder(&jsBuf)
	enc.SetEscapeHTML(false) // Markdown's <url> and & read as written
	if err := enc.Encode(pl); err != nil {
		return nil, "", fmt.Errorf("encode payload: %w", err)
	}
	js := bytes.TrimSuffix(jsBuf.Bytes(), []byte("\n"))
	if len(media) == 0 {
		return js, "application/json", nil
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="payload_json"`)
	h.Set("Content-Type", "application/json")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", fmt.Errorf("encode payload: %w", err)
	}
	part.Write(js)
	for i, m := range media {
		h := textproto.MIMEHeader{}
		// The file name is plain ASCII without quotes (see fileName).
		h.Set("Content-Disposition", `form-data; name="files[`+strconv.Itoa(i)+`]"; filename="`+pl.Attachments[i].Filename+`"`)
		ctype := m.MIME
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h.Set("Content-Type", ctype)
		part, err := w.CreatePart(h)
		if err != nil {
			return nil, "", fmt.Errorf("encode %s: %w", pl.Attachments[i].Filename, err)
		}
		part.Write(m.Data)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("encode payload: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// call sends a message-creating or message-editing request and decodes the
// message Discord returns.
func (a *Adapter) call(ctx context.Context, op, route, method, u string, q url.Values, pl payload, media []network.Media) (message, error) {
	body, ctype, err := encode(pl, media)
	if err != nil {
		return message{}, &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, method, withQuery(u, q), bytes.NewReader(body))
	if err != nil {
		return message{}, a.buildError(op, err)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := a.exchange(ctx, op, route, req, true)
	if err != nil {
		return message{}, err
	}
	var msg message
	if err := httpx.DecodeJSON(resp.Body, &msg); err != nil || msg.ID == "" {
		if err == nil {
			err = errors.New("decode response: no message id")
		}
		// The write happened but its result is unreadable.
		return message{}, &network.Error{Class: network.Retryable, Network: Name, Op: op, Status: resp.Status,
			MaybeWritten: true, Err: err}
	}
	return msg, nil
}

// exchange sends req unless the route's bucket is known to be empty, records
// the bucket's headers and classes any failure.
func (a *Adapter) exchange(ctx context.Context, op, route string, req *http.Request, write bool) (*httpx.Response, error) {
	key := req.Method + " " + route
	if wait := a.limits.wait(key, a.now()); wait > 0 {
		return nil, &network.Error{Class: network.RateLimited, Network: Name, Op: op, RetryAfter: wait,
			Err: errors.New("rate-limit bucket is empty until its reset")}
	}
	resp, err := a.send(ctx, op, req, write)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusTooManyRequests {
		a.limits.update(key, resp.Header, a.now())
	}
	if err := a.classify(op, resp, write); err != nil {
		return nil, err
	}
	return resp, nil
}

// buildError reports a request that could not even be built; its text comes
// through redact because it may quote the URL.
func (a *Adapter) buildError(op string, err error) error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: op, Err: a.redact(err)}
}

// classify turns a non-2xx reply into a classed *network.Error: the
// generic classes of httpx.Class, refined by Discord's JSON error codes.
func (a *Adapter) classify(op string, resp *httpx.Response, write bool) error {
	if resp.OK() {
		return nil
	}
	e := &network.Error{Class: httpx.Class(resp.Status), Network: Name, Op: op, Status: resp.Status}
	var body apiError
	var cause error
	if json.Unmarshal(resp.Body, &body) == nil && (body.Message != "" || body.Code != 0 || body.RetryAfter > 0) {
		cause = &body
	} else if text := http.StatusText(resp.Status); text != "" {
		cause = errors.New(strings.ToLower(text))
	} else {
		cause = errors.New("unexpected status")
	}
	switch {
	case e.Class == network.RateLimited:
		e.RetryAfter = a.retryAfter(resp.Header, body)
	case e.Class == network.Retryable:
		e.MaybeWritten = write
	case resp.Status == http.StatusNotFound && body.Code == codeUnknownWebhook:
		// The webhook was deleted: someone must configure a new one.
		e.Class = network.Auth
	case resp.Status == http.StatusNotFound && body.Code == codeUnknownMessage:
		cause = fmt.Errorf("%w: %w", network.ErrNotFound, cause)
	}
	e.Err = cause
	return e
}

// retryAfter reads the wait of a 429: the body's retry_after (float
// seconds), else the Retry-After header, else X-RateLimit-Reset-After.
func (a *Adapter) retryAfter(h http.Header, body apiError) time.Duration {
	if body.RetryAfter > 0 {
		return seconds(body.RetryAfter)
	}
	if d, ok := httpx.RetryAfter(h, a.now()); ok && d > 0 {
		return d
	}
	if f, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64); err == nil {
		return seconds(f)
	}
	return 0
}

// seconds converts Discord's float seconds, rounding up to the millisecond.
func seconds(f float64) time.Duration {
	if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return time.Duration(math.Ceil(f*1000)) * time.Millisecond
}
