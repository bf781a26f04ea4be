// Package facebook publishes to a Facebook Page through the Graph API: text
// and link posts on the Page feed, single and multi-photo posts, comments as
// the Page (first comments and replies), edits, deletes, reconciliation by
// the Page's recent posts, engagement figures, follower counts and the
// comments and reactions a contest counts.
package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/facebook/graph"
)

// Name is the network's name in clairon.yaml.
const Name = "facebook"

// Settings and secrets the adapter reads.
const (
	SettingPageID    = "page_id"    // the Page's numeric id
	SettingAPI       = "api"        // versioned API base, graph.DefaultBase when unset
	SecretToken      = "token"      // a Page access token
	SecretAppSecret  = "app_secret" // optional: adds appsecret_proof to every call
	maxPhotoBytes    = 10_000_000   // "static images must be under 10 MB"
	maxMessageLength = 63206        // the longest Page post message Facebook accepts
)

// Adapter publishes to one Facebook Page.
type Adapter struct {
	page   string
	client *graph.Client
	now    func() time.Time

	mu      sync.Mutex
	uploads map[string][]string // post key -> unpublished photo ids already uploaded
}

// New builds an adapter from an account's configuration.
func New(cfg network.Config) (network.Adapter, error) { return NewAdapter(cfg) }

// NewAdapter is New with the concrete type, for tests and callers that need it.
func NewAdapter(cfg network.Config) (*Adapter, error) {
	page := strings.TrimSpace(cfg.Settings[SettingPageID])
	if page == "" {
		return nil, errors.New("facebook: setting page_id is required (the Page's numeric id)")
	}
	if strings.ContainsAny(page, "/?#") {
		return nil, fmt.Errorf("facebook: setting page_id %q is not a Page id", page)
	}
	c, err := graph.New(graph.Options{
		Network:   Name,
		Base:      cfg.Settings[SettingAPI],
		Token:     cfg.Secrets[SecretToken],
		AppSecret: cfg.Secrets[SecretAppSecret],
		HTTP:      cfg.Client(),
		Now:       cfg.Clock(),
	})
	if err != nil {
		return nil, fmt.Errorf("facebook: %w", err)
	}
	return &Adapter{page: page, client: c, now: cfg.Clock(), uploads: map[string][]string{}}, nil
}

// Network returns "facebook".
func (a *Adapter) Network() string { return Name }

// Capabilities describes Page posts.
func (a *Adapter) Capabilities() network.Capabilities {
	return network.Capabilities{
		Format:        network.FormatPlain,
		TextLimit:     maxMessageLength,
		MaxMedia:      10,
		MediaTypes:    slices.Clone(photoTypes),
		MaxImageBytes: maxPhotoBytes,
		AltText:       true,
		// Page posts have no threads: a reply is a comment as the Page.
		Threads: false,
		// A reply is published as a comment by the Page: first comments work.
		Comments: true,
		Polls:    false,
		Edit:     true,
		Delete:   true,
		// No idempotency key: a lost outcome is found again among the Page's
		// recent posts (Lookup).
		Idempotency: network.IdempotencyLookup,
	}
}

// photoTypes are the image types the photos edge accepts.
var photoTypes = []string{"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}

// Publish posts p on the Page feed, or as a comment when p.ReplyTo is set.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	if err := a.check(p); err != nil {
		return network.Ref{}, err
	}
	if p.ReplyTo != nil && !p.ReplyTo.IsZero() {
		return a.comment(ctx, p)
	}
	var (
		ref network.Ref
		err error
	)
	switch len(p.Media) {
	case 0:
		ref, err = a.feedPost(ctx, p, nil)
	case 1:
		ref, err = a.photoPost(ctx, p)
	default:
		ref, err = a.multiPhotoPost(ctx, p)
	}
	if err != nil && graph.IsDuplicate(err) {
		// Facebook refuses a repeat of a recent post. When the repeat is of
		// our own earlier attempt whose reply was lost, that post is ours.
		if found, res, lerr := a.Lookup(ctx, p); lerr == nil && res == network.Found {
			return found, nil
		}
	}
	return ref, err
}

// check refuses what Facebook would refuse, before any call.
func (a *Adapter) check(p *network.Post) error {
	fail := func(format string, args ...any) error {
		return &network.Error{Class: network.Permanent, Network: Name, Op: "publish", Err: fmt.Errorf(format, args...)}
	}
	if p == nil {
		return fail("no post")
	}
	if strings.TrimSpace(p.Text) == "" && len(p.Media) == 0 {
		return fail("empty message")
	}
	if n := len([]rune(p.Text)); n > maxMessageLength {
		return fail("message is %d characters, more than %d", n, maxMessageLength)
	}
	if p.Poll != nil {
		return fail("page posts cannot carry a poll: %w", network.ErrUnsupported)
	}
	if len(p.Media) > 10 {
		return fail("%d photos, more than 10", len(p.Media))
	}
	for _, m := range p.Media {
		if !slices.Contains(photoTypes, m.MIME) {
			return fail("media %s: type %q is not a photo Facebook accepts", m.Name, m.MIME)
		}
		if len(m.Data) == 0 {
			return fail("media %s: no data", m.Name)
		}
		if len(m.Data) >= maxPhotoBytes {
			return fail("media %s: %d bytes, photos must be under %d", m.Name, len(m.Data), maxPhotoBytes)
		}
	}
	if p.ReplyTo != nil && len(p.Media) > 1 {
		return fail("a comment carries at most one photo")
	}
	return nil
}

// created is the reply of the feed and comments edges.
type created struct {
	ID     string `json:"id"`
	PostID string `json:"post_id"`
}

// feedPost creates a Page post: POST /{page-id}/feed with message, link and
// attached_media[i]={"media_fbid":"…"} for photos uploaded beforehand.
func (a *Adapter) feedPost(ctx context.Context, p *network.Post, photos []string) (network.Ref, error) {
	form := url.Values{}
	if p.Text != "" {
		form.Set("message", p.Text)
	}
	if len(photos) == 0 {
		if link := firstLink(p); link != "" {
			form.Set("link", link)
		}
	}
	for i, id := range photos {
		b, _ := json.Marshal(map[string]string{"media_fbid": id})
		form.Set(fmt.Sprintf("attached_media[%d]", i), string(b))
	}
	var out created
	if err := a.client.Do(ctx, graph.Call{Op: "publish", Method: "POST", Path: a.page + "/feed", Form: form, Write: true}, &out); err != nil {
		return network.Ref{}, err
	}
	if out.ID == "" {
		return network.Ref{}, a.noID("publish")
	}
	ref := network.Ref{ID: out.ID, URL: a.postURL(out.ID)}
	if len(photos) > 0 {
		ref.Extra = map[string]string{"photo_ids": strings.Join(photos, ",")}
	}
	return ref, nil
}

// photoPost publishes one photo with its caption: POST /{page-id}/photos,
// published=true. The reply names the photo and the feed post it made.
func (a *Adapter) photoPost(ctx context.Context, p *network.Post) (network.Ref, error) {
	m := p.Media[0]
	form := url.Values{"published": {"true"}}
	if p.Text != "" {
		form.Set("message", p.Text)
	}
	if m.Alt != "" {
		form.Set("alt_text_custom", m.Alt)
	}
	var out created
	call := graph.Call{Op: "publish", Method: "POST", Path: a.page + "/photos", Form: form, Write: true,
		File: &graph.File{Field: "source", Name: fileName(m), MIME: m.MIME, Data: m.Data}}
	if err := a.client.Do(ctx, call, &out); err != nil {
		return network.Ref{}, err
	}
	if out.ID == "" {
		return network.Ref{}, a.noID("publish")
	}
	id := out.PostID
	if id == "" {
		id = a.page + "_" + out.ID
	}
	return network.Ref{ID: id, URL: a.postURL(id), Extra: map[string]string{"photo_ids": out.ID}}, nil
}

// multiPhotoPost uploads each photo unpublished, then attaches them all to
// one feed post. Uploads are remembered by post key, so a retried publish
// does not upload them again.
func (a *Adapter) multiPhotoPost(ctx context.Context, p *network.Post) (network.Ref, error) {
	a.mu.Lock()
	ids := slices.Clone(a.uploads[p.Key])
	a.mu.Unlock()
	for i := len(ids); i < len(p.Media); i++ {
		m := p.Media[i]
		form := url.Values{"published": {"false"}}
		if m.Alt != "" {
			form.Set("alt_text_custom", m.Alt)
		}
		var out created
		call := graph.Call{Op: "upload photo", Method: "POST", Path: a.page + "/photos", Form: form,
			File: &graph.File{Field: "source", Name: fileName(m), MIME: m.MIME, Data: m.Data}}
		if err := a.client.Do(ctx, call, &out); err != nil {
			return network.Ref{}, err
		}
		if out.ID == "" {
			return network.Ref{}, a.noID("upload photo")
		}
		ids = append(ids, out.ID)
		if p.Key != "" {
			a.mu.Lock()
			a.uploads[p.Key] = slices.Clone(ids)
			a.mu.Unlock()
		}
	}
	ref, err := a.feedPost(ctx, p, ids)
	if err == nil && p.Key != "" {
		a.mu.Lock()
		delete(a.uploads, p.Key)
		a.mu.Unlock()
	}
	return ref, err
}

// comment answers p.ReplyTo as the Page: POST /{object-id}/comments.
func (a *Adapter) comment(ctx context.Context, p *network.Post) (network.Ref, error) {
	form := url.Values{}
	if p.Text != "" {
		form.Set("message", p.Text)
	}
	call := graph.Call{Op: "publish comment", Method: "POST", Path: p.ReplyTo.ID + "/comments", Form: form, Write: true}
	if len(p.Media) == 1 {
		m := p.Media[0]
		call.File = &graph.File{Field: "source", Name: fileName(m), MIME: m.MIME, Data: m.Data}
	}
	var out created
	if err := a.client.Do(ctx, call, &out); err != nil {
		return network.Ref{}, err
	}
	if out.ID == "" {
		return network.Ref{}, a.noID("publish comment")
	}
	return network.Ref{ID: out.ID, URL: commentURL(p.ReplyTo, out.ID), Extra: map[string]string{"parent": p.ReplyTo.ID}}, nil
}

// Edit replaces the message of a post or comment: POST /{id} with message.
// Photos cannot be changed in place; the message is.
func (a *Adapter) Edit(ctx context.Context, ref network.Ref, p *network.Post) (network.Ref, error) {
	if ref.IsZero() {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: "edit", Err: errors.New("empty reference")}
	}
	if p == nil || strings.TrimSpace(p.Text) == "" {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: "edit", Err: errors.New("empty message")}
	}
	if n := len([]rune(p.Text)); n > maxMessageLength {
		return network.Ref{}, &network.Error{Class: network.Permanent, Network: Name, Op: "edit",
			Err: fmt.Errorf("message is %d characters, more than %d", n, maxMessageLength)}
	}
	var out struct {
		Success bool `json:"success"`
	}
	call := graph.Call{Op: "edit", Method: "POST", Path: ref.ID, Form: url.Values{"message": {p.Text}}, Write: true}
	if err := a.client.Do(ctx, call, &out); err != nil {
		if graph.IsNotFound(err) {
			return network.Ref{}, a.notFound("edit", ref, err)
		}
		return network.Ref{}, err
	}
	if !out.Success {
		return network.Ref{}, &network.Error{Class: network.Retryable, Network: Name, Op: "edit", MaybeWritten: true,
			Err: errors.New(`reply did not say "success": true`)}
	}
	return ref, nil
}

// Delete removes a post or comment: DELETE /{id}. One already gone is not an error.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	if ref.IsZero() {
		return &network.Error{Class: network.Permanent, Network: Name, Op: "delete", Err: errors.New("empty reference")}
	}
	var out struct {
		Success bool `json:"success"`
	}
	err := a.client.Do(ctx, graph.Call{Op: "delete", Method: "DELETE", Path: ref.ID, Write: true}, &out)
	switch {
	case graph.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case !out.Success:
		return &network.Error{Class: network.Retryable, Network: Name, Op: "delete", MaybeWritten: true,
			Err: errors.New(`reply did not say "success": true`)}
	}
	return nil
}

// postURL is the public address of a "<page-id>_<post-id>" post.
func (a *Adapter) postURL(id string) string {
	page, post, ok := strings.Cut(id, "_")
	if !ok {
		return "https://www.facebook.com/" + url.PathEscape(id)
	}
	return "https://www.facebook.com/" + url.PathEscape(page) + "/posts/" + url.PathEscape(post)
}

// commentURL is the public address of a comment under its parent.
func commentURL(parent *network.Ref, id string) string {
	if parent.URL == "" {
		return ""
	}
	_, c, ok := strings.Cut(id, "_")
	if !ok {
		c = id
	}
	sep := "?"
	if strings.Contains(parent.URL, "?") {
		sep = "&"
	}
	return parent.URL + sep + "comment_id=" + url.QueryEscape(c)
}

// firstLink returns the first link entity of p, for the link preview.
func firstLink(p *network.Post) string {
	for _, e := range p.Entities {
		if e.Kind == network.EntityLink && e.Value != "" {
			return e.Value
		}
	}
	return ""
}

// fileName is the multipart file name of a media item.
func fileName(m network.Media) string {
	if m.Name == "" {
		return "photo"
	}
	if i := strings.LastIndexByte(m.Name, '/'); i >= 0 {
		return m.Name[i+1:]
	}
	return m.Name
}

func (a *Adapter) noID(op string) error {
	return &network.Error{Class: network.Retryable, Network: Name, Op: op, MaybeWritten: true,
		Err: errors.New("reply carried no id")}
}

func (a *Adapter) notFound(op string, ref network.Ref, err error) error {
	return &network.Error{Class: network.Permanent, Network: Name, Op: op,
		Err: fmt.Errorf("object %s: %w (%v)", ref.ID, network.ErrNotFound, err)}
}

// itoa formats a count for query strings.
func itoa(n int) string { return strconv.Itoa(n) }

var (
	_ network.Adapter           = (*Adapter)(nil)
	_ network.Editor            = (*Adapter)(nil)
	_ network.Lookup            = (*Adapter)(nil)
	_ network.MetricsReader     = (*Adapter)(nil)
	_ network.FollowerCounter   = (*Adapter)(nil)
	_ network.InteractionLister = (*Adapter)(nil)
	_ network.Factory           = New
)
