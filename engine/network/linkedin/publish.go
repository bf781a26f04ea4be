package linkedin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network"
)

// extraMedia is the Ref.Extra key holding the digests of a post's images,
// comma-separated: LinkedIn edits only the commentary, so an edit checks the
// images did not change.
const extraMedia = "media"

// Publish creates one post (POST /rest/posts) as the account's author,
// PUBLIC, in the main feed, with its images uploaded first. LinkedIn answers
// 201 with an empty body and the new post's URN in the x-restli-id header.
//
// LinkedIn has no idempotency key but refuses content the author published
// recently (422 DUPLICATE_POST), naming the existing post: Publish then
// reads that post and returns it, so that a publish retried after a lost
// answer finds its first attempt. A duplicate of a post since deleted (the
// refusal outlives the post for a day or two) is a Permanent error wrapping
// ErrDuplicate.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	const op = "publish"
	if err := validate(op, p); err != nil {
		return network.Ref{}, err
	}
	body := postBody{
		Author:     a.author,
		Commentary: p.Text,
		Visibility: "PUBLIC",
		Distribution: distribution{
			FeedDistribution:               "MAIN_FEED",
			TargetEntities:                 []string{},
			ThirdPartyDistributionChannels: []string{},
		},
		LifecycleState: "PUBLISHED",
	}
	var images []imageRef
	for i := range p.Media {
		urn, err := a.uploadImage(ctx, &p.Media[i])
		if err != nil {
			return network.Ref{}, err
		}
		images = append(images, imageRef{ID: urn, AltText: p.Media[i].Alt})
	}
	switch len(images) {
	case 0:
	case 1:
		body.Content = &content{Media: &images[0]}
	default:
		body.Content = &content{MultiImage: &multiImage{Images: images}}
	}
	resp, err := a.do(ctx, call{op: op, method: http.MethodPost, path: "/posts", restli: "CREATE", json: body, write: true}, nil)
	if errors.Is(err, ErrDuplicate) {
		return a.recoverDuplicate(ctx, p, err)
	}
	if err != nil {
		return network.Ref{}, err
	}
	urn := createdID(resp.Header)
	if !postURNPattern.MatchString(urn) {
		// Created, but we cannot tell which post it is.
		return network.Ref{}, &network.Error{
			Class: network.Retryable, Network: Name, Op: op, Status: resp.Status, MaybeWritten: true,
			Err: fmt.Errorf("the response names no post (x-restli-id %q)", urn),
		}
	}
	return a.ref(urn, p), nil
}

// createdID reads the created entity's id from the x-restli-id header
// (percent-decoded, should LinkedIn encode it).
func createdID(h http.Header) string {
	id := strings.TrimSpace(h.Get("x-restli-id"))
	if strings.Contains(id, "%") {
		if dec, err := url.PathUnescape(id); err == nil {
			id = dec
		}
	}
	return id
}

// ref is the reference of post urn, published from p.
func (a *Adapter) ref(urn string, p *network.Post) network.Ref {
	r := network.Ref{ID: urn, URL: postURL(urn)}
	if d := digests(p.Media); d != "" {
		r.Extra = map[string]string{extraMedia: d}
	}
	return r
}

// recoverDuplicate handles a DUPLICATE_POST refusal: the post it names is
// read, and returned when it still exists.
func (a *Adapter) recoverDuplicate(ctx context.Context, p *network.Post, dupErr error) (network.Ref, error) {
	const op = "publish"
	urn := ""
	if api := apiError(dupErr); api != nil {
		urn = api.existing()
	}
	if urn == "" {
		// No URN named: look among the author's recent posts.
		if ref, res, err := a.Lookup(ctx, p); err == nil && res == network.Found {
			return ref, nil
		}
		return network.Ref{}, dupErr
	}
	existing, err := a.getPost(ctx, op, urn)
	if errors.Is(err, network.ErrNotFound) {
		return network.Ref{}, &network.Error{
			Class: network.Permanent, Network: Name, Op: op, Status: http.StatusUnprocessableEntity,
			Err: fmt.Errorf("%w: linkedin refuses this content as a duplicate of %s, which no longer exists; it accepts it again once its duplicate window (a day or two) has passed", ErrDuplicate, urn),
		}
	}
	if err != nil {
		return network.Ref{}, err
	}
	if existing.Author != "" && existing.Author != a.author {
		return network.Ref{}, dupErr
	}
	return a.ref(urn, p), nil
}

// getPost reads one post (GET /rest/posts/{urn}).
func (a *Adapter) getPost(ctx context.Context, op, urn string) (*post, error) {
	var out post
	if _, err := a.do(ctx, call{op: op, method: http.MethodGet, path: "/posts/" + encode(urn), restli: "GET"}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// uploadImage registers an image with the Images API
// (POST /rest/images?action=initializeUpload, owned by the author), PUTs
// its bytes to the upload URL, and returns its urn:li:image URN.
func (a *Adapter) uploadImage(ctx context.Context, m *network.Media) (string, error) {
	const op = "upload image"
	var req initializeUpload
	req.InitializeUploadRequest.Owner = a.author
	var out initializeUploadResponse
	if _, err := a.do(ctx, call{op: op, method: http.MethodPost, path: "/images", query: "action=initializeUpload", restli: "ACTION", json: req}, &out); err != nil {
		return "", err
	}
	if !strings.HasPrefix(out.Value.Image, "urn:li:image:") || out.Value.UploadURL == "" {
		return "", &network.Error{Class: network.Retryable, Network: Name, Op: op, Err: errors.New("initializeUpload returned no image URN or upload URL")}
	}
	if err := a.upload(ctx, out.Value.UploadURL, m.Data); err != nil {
		return "", err
	}
	return out.Value.Image, nil
}

// Edit replaces a post's commentary (POST /rest/posts/{urn} as a
// PARTIAL_UPDATE of commentary). LinkedIn cannot change a post's images: an
// edit whose images differ from the published ones fails with an error
// wrapping network.ErrUnsupported. The Ref stays the same.
func (a *Adapter) Edit(ctx context.Context, ref network.Ref, p *network.Post) (network.Ref, error) {
	const op = "edit"
	if err := checkPostURN(op, ref.ID); err != nil {
		return network.Ref{}, err
	}
	if err := validate(op, p); err != nil {
		return network.Ref{}, err
	}
	if was, ok := ref.Extra[extraMedia]; ok || len(p.Media) > 0 {
		if was != digests(p.Media) {
			return network.Ref{}, unsupported(op, "linkedin edits only a post's text, and this edit changes its images")
		}
	}
	var body patchBody
	body.Patch.Set = map[string]any{"commentary": p.Text}
	if _, err := a.do(ctx, call{op: op, method: http.MethodPost, path: "/posts/" + encode(ref.ID), restli: "PARTIAL_UPDATE", json: body, write: true}, nil); err != nil {
		return network.Ref{}, err
	}
	return ref, nil
}

// Delete removes a post (DELETE /rest/posts/{urn}). LinkedIn answers 204
// for a post already deleted; a 404 is not an error either.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	const op = "delete"
	if err := checkPostURN(op, ref.ID); err != nil {
		return err
	}
	_, err := a.do(ctx, call{op: op, method: http.MethodDelete, path: "/posts/" + encode(ref.ID), restli: "DELETE", write: true}, nil)
	if errors.Is(err, network.ErrNotFound) {
		return nil
	}
	return err
}

// validate checks what this adapter or LinkedIn would refuse.
func validate(op string, p *network.Post) error {
	switch {
	case p.ReplyTo != nil:
		return unsupported(op, "linkedin posts cannot reply to posts (no threads)")
	case p.Poll != nil:
		return unsupported(op, "linkedin polls are not published by this adapter")
	case strings.TrimSpace(p.Text) == "" && len(p.Media) == 0:
		return permanent(op, "a post needs text or images")
	case len(p.Media) > maxImages:
		return permanent(op, fmt.Sprintf("%d images, linkedin takes at most %d", len(p.Media), maxImages))
	}
	for i, m := range p.Media {
		switch strings.ToLower(m.MIME) {
		case "image/jpeg", "image/png", "image/gif":
		default:
			return permanent(op, fmt.Sprintf("attachment %d: linkedin posts take JPEG, PNG or GIF images, not %q", i+1, m.MIME))
		}
		if n := utf8.RuneCountInString(m.Alt); n > altTextLimit {
			return permanent(op, fmt.Sprintf("attachment %d: alt text of %d characters, linkedin allows %d", i+1, n, altTextLimit))
		}
	}
	return nil
}

// digests joins the media digests, in order.
func digests(media []network.Media) string {
	d := make([]string, len(media))
	for i, m := range media {
		d[i] = m.Digest
	}
	return strings.Join(d, ",")
}
