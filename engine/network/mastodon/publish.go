package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// Media processing is polled with a growing wait, a bounded number of times.
const (
	mediaPollFirst = 500 * time.Millisecond
	mediaPollMax   = 5 * time.Second
	mediaPolls     = 30
)

// defaultPollDuration is a poll's life when the post does not say.
const defaultPollDuration = 24 * time.Hour

// Extra keys of a Ref: the attachments' ids and digests, so that an edit
// keeps unchanged media instead of uploading it again.
const (
	extraMediaIDs     = "media_ids"
	extraMediaDigests = "media_digests"
)

// Publish uploads the media, then creates the status with the post's key as
// Idempotency-Key.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	ids, err := a.uploadAll(ctx, p.Media, nil)
	if err != nil {
		return network.Ref{}, err
	}
	form := a.statusForm(p, ids, nil)
	if p.ReplyTo != nil && p.ReplyTo.ID != "" {
		form.Set("in_reply_to_id", p.ReplyTo.ID)
	}
	form.Set("visibility", a.visibility)
	resp, err := a.do(ctx, request{op: "publish", method: http.MethodPost, path: "/api/v1/statuses", form: form, write: true, key: p.Key})
	if err != nil {
		return network.Ref{}, err
	}
	var st status
	if err := decode("publish", resp, &st); err != nil {
		// The status exists but its id is unreadable: the outcome is lost.
		err.(*network.Error).MaybeWritten = true
		return network.Ref{}, err
	}
	return ref(st, p.Media, ids), nil
}

func ref(st status, media []network.Media, ids []string) network.Ref {
	r := network.Ref{ID: st.ID, URL: st.link()}
	if len(ids) > 0 {
		digests := make([]string, len(media))
		for i, m := range media {
			digests[i] = m.Digest
		}
		r.Extra = map[string]string{extraMediaIDs: strings.Join(ids, ","), extraMediaDigests: strings.Join(digests, ",")}
	}
	return r
}

// statusForm holds the fields create and edit share. kept lists the media
// already attached whose description and focus must be set again.
func (a *Adapter) statusForm(p *network.Post, ids []string, kept map[string]network.Media) url.Values {
	form := url.Values{}
	form.Set("status", p.Text)
	if p.ContentWarning != "" {
		form.Set("spoiler_text", p.ContentWarning)
	}
	if p.Language != "" {
		form.Set("language", p.Language)
	}
	for _, id := range ids {
		form.Add("media_ids[]", id)
		if m, ok := kept[id]; ok {
			form.Add("media_attributes[][id]", id)
			form.Add("media_attributes[][description]", m.Alt)
			if m.Focus != nil {
				form.Add("media_attributes[][focus]", focus(m.Focus))
			}
		}
	}
	if p.Poll != nil {
		for _, o := range p.Poll.Options {
			form.Add("poll[options][]", o)
		}
		d := p.Poll.Duration
		if d <= 0 {
			d = defaultPollDuration
		}
		form.Set("poll[expires_in]", strconv.FormatInt(int64(d/time.Second), 10))
		if p.Poll.Multiple {
			form.Set("poll[multiple]", "true")
		}
	}
	return form
}

func focus(f *[2]float64) string {
	return strconv.FormatFloat(f[0], 'f', 2, 64) + "," + strconv.FormatFloat(f[1], 'f', 2, 64)
}

// uploadAll uploads each attachment, reusing those of reuse (digest → id)
// whose content is unchanged, and returns the ids in order.
func (a *Adapter) uploadAll(ctx context.Context, media []network.Media, reuse map[string][]string) ([]string, error) {
	var ids []string
	for i, m := range media {
		if free := reuse[m.Digest]; m.Digest != "" && len(free) > 0 {
			ids = append(ids, free[0])
			reuse[m.Digest] = free[1:]
			continue
		}
		id, err := a.upload(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("attachment %d (%s): %w", i+1, m.Name, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// upload sends one file to POST /api/v2/media and, when the server is
// still processing it (202, or a null url), polls GET /api/v1/media/:id
// until it has a url.
func (a *Adapter) upload(ctx context.Context, m network.Media) (string, error) {
	mp := httpx.NewMultipart()
	mp.File("file", m.Name, m.MIME, m.Data)
	if m.Alt != "" {
		mp.Field("description", m.Alt)
	}
	if m.Focus != nil {
		mp.Field("focus", focus(m.Focus))
	}
	body, ct, err := mp.Finish()
	if err != nil {
		return "", &network.Error{Class: network.Permanent, Network: Name, Op: "upload media", Err: err}
	}
	resp, err := a.do(ctx, request{op: "upload media", method: http.MethodPost, path: "/api/v2/media", body: body, contentType: ct})
	if err != nil {
		return "", err
	}
	var att attachment
	if err := decode("upload media", resp, &att); err != nil {
		return "", err
	}
	wait := mediaPollFirst
	for n := 0; resp.Status == http.StatusAccepted || resp.Status == http.StatusPartialContent || att.URL == nil; n++ {
		if n == mediaPolls {
			return "", &network.Error{Class: network.Retryable, Network: Name, Op: "upload media",
				Err: fmt.Errorf("media %s still processing after %d checks", att.ID, mediaPolls)}
		}
		if err := a.sleep(ctx, wait); err != nil {
			return "", &network.Error{Class: network.Retryable, Network: Name, Op: "upload media", Err: err}
		}
		wait = min(2*wait, mediaPollMax)
		if resp, err = a.getJSON(ctx, "upload media", "/api/v1/media/"+url.PathEscape(att.ID), &att); err != nil {
			return "", err
		}
	}
	return att.ID, nil
}

// Edit replaces a status's text, content warning, language, media and
// poll (PUT /api/v1/statuses/:id). Attachments whose content is unchanged
// are kept, with their description and focus updated.
func (a *Adapter) Edit(ctx context.Context, r network.Ref, p *network.Post) (network.Ref, error) {
	reuse := map[string][]string{}
	ids := strings.Split(r.Extra[extraMediaIDs], ",")
	for i, d := range strings.Split(r.Extra[extraMediaDigests], ",") {
		if d != "" && i < len(ids) && ids[i] != "" {
			reuse[d] = append(reuse[d], ids[i])
		}
	}
	newIDs, err := a.uploadAll(ctx, p.Media, reuse)
	if err != nil {
		return network.Ref{}, err
	}
	kept := map[string]network.Media{}
	for i, id := range newIDs {
		for _, old := range ids {
			if old == id {
				kept[id] = p.Media[i]
			}
		}
	}
	resp, err := a.do(ctx, request{op: "edit", method: http.MethodPut, path: "/api/v1/statuses/" + url.PathEscape(r.ID),
		form: a.statusForm(p, newIDs, kept), write: true})
	if err != nil {
		return network.Ref{}, err
	}
	var st status
	if err := decode("edit", resp, &st); err != nil {
		return network.Ref{}, err
	}
	return ref(st, p.Media, newIDs), nil
}

// Delete deletes a status; one already gone is not an error.
func (a *Adapter) Delete(ctx context.Context, r network.Ref) error {
	_, err := a.do(ctx, request{op: "delete", method: http.MethodDelete, path: "/api/v1/statuses/" + url.PathEscape(r.ID), write: true})
	if errors.Is(err, network.ErrNotFound) {
		return nil
	}
	return err
}
