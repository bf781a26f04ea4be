package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// postEvent is the body of post.published and post.updated. Every field is
// always present (null or empty when unset), so receivers in typed
// languages can decode it into one structure.
type postEvent struct {
	Event string `json:"event"`
	// ID and URL name the message an update applies to.
	ID             string           `json:"id,omitempty"`
	URL            string           `json:"url,omitempty"`
	Address        string           `json:"address"`
	Key            string           `json:"key"`
	Title          string           `json:"title"`
	Text           string           `json:"text"`
	Markdown       string           `json:"markdown"`
	Language       string           `json:"language"`
	ContentWarning string           `json:"content_warning"`
	Entities       []network.Entity `json:"entities"`
	Media          []media          `json:"media"`
	Poll           *poll            `json:"poll"`
	ReplyTo        *ref             `json:"reply_to"`
	Root           *ref             `json:"root"`
	CreatedAt      string           `json:"created_at"`
}

// deleteEvent is the body of post.deleted.
type deleteEvent struct {
	Event     string `json:"event"`
	ID        string `json:"id"`
	URL       string `json:"url,omitempty"`
	Key       string `json:"key,omitempty"`
	DeletedAt string `json:"deleted_at"`
}

type media struct {
	Name   string `json:"name"`
	MIME   string `json:"mime"`
	Digest string `json:"digest"`
	Alt    string `json:"alt"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	// DataBase64 is the file, standard base64, unless media is "reference".
	DataBase64 string `json:"data_base64,omitempty"`
}

type poll struct {
	Options         []string `json:"options"`
	DurationSeconds int64    `json:"duration_seconds"`
	Multiple        bool     `json:"multiple"`
}

type ref struct {
	ID  string `json:"id"`
	URL string `json:"url,omitempty"`
}

// event builds the body of a published or updated post.
func (a *Adapter) event(name string, p *network.Post) *postEvent {
	ev := &postEvent{
		Event:          name,
		Address:        p.Address,
		Key:            p.Key,
		Title:          p.Title,
		Text:           p.Text,
		Markdown:       p.Markdown,
		Language:       p.Language,
		ContentWarning: p.ContentWarning,
		Entities:       p.Entities,
		Media:          []media{},
		ReplyTo:        toRef(p.ReplyTo),
		Root:           toRef(p.Root),
		CreatedAt:      p.CreatedAt.UTC().Format(time.RFC3339),
	}
	if ev.Entities == nil {
		ev.Entities = []network.Entity{}
	}
	if p.CreatedAt.IsZero() {
		ev.CreatedAt = a.now().UTC().Format(time.RFC3339)
	}
	for _, m := range p.Media {
		out := media{Name: m.Name, MIME: m.MIME, Digest: m.Digest, Alt: m.Alt, Width: m.Width, Height: m.Height}
		if out.Digest == "" {
			sum := sha256.Sum256(m.Data)
			out.Digest = hex.EncodeToString(sum[:])
		}
		if a.inline {
			out.DataBase64 = base64.StdEncoding.EncodeToString(m.Data)
		}
		ev.Media = append(ev.Media, out)
	}
	if p.Poll != nil {
		ev.Poll = &poll{Options: p.Poll.Options, DurationSeconds: int64(p.Poll.Duration / time.Second), Multiple: p.Poll.Multiple}
		if ev.Poll.Options == nil {
			ev.Poll.Options = []string{}
		}
	}
	return ev
}

func toRef(r *network.Ref) *ref {
	if r == nil || r.ID == "" {
		return nil
	}
	return &ref{ID: r.ID, URL: r.URL}
}

// Sign returns the X-Clairon-Signature value for a delivery:
// "sha256=" and the hex HMAC-SHA256, keyed by secret, of the timestamp
// (decimal Unix seconds, as sent in X-Clairon-Timestamp), a dot, and the
// body's exact bytes.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verification errors.
var (
	ErrBadSignature = errors.New("webhook: signature does not match")
	ErrStale        = errors.New("webhook: timestamp outside the tolerance window")
)

// Verify checks a delivery the way a receiver written in Go should: the
// timestamp must be within tolerance of now (either side), and signature
// must equal Sign(secret, timestamp, body), compared in constant time.
func Verify(secret []byte, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrStale
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	want := Sign(secret, timestamp, body)
	if !hmac.Equal([]byte(signature), []byte(want)) {
		return ErrBadSignature
	}
	return nil
}
