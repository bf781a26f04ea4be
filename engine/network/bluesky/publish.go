package bluesky

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/clairon-dev/clairon/engine/network"
)

// Publish creates the post as an app.bsky.feed.post record whose record key
// is RecordKey(p.Key). When the create fails in any way (a duplicate key
// answers 500, a lost answer looks like a timeout), the record is looked up
// by that key: if it exists, the post is published and its reference is
// returned; if the server proves it absent after answering, the error is
// returned with MaybeWritten false.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	const op = "publish"
	if p == nil || p.Key == "" {
		return network.Ref{}, permanent(op, "the post has no idempotency key")
	}
	if p.Poll != nil {
		return network.Ref{}, permanent(op, "polls are %w", network.ErrUnsupported)
	}
	if len(p.Media) > 4 {
		return network.Ref{}, permanent(op, "%d images attached, at most 4 allowed", len(p.Media))
	}
	for _, m := range p.Media {
		if !strings.HasPrefix(m.MIME, "image/") {
			return network.Ref{}, permanent(op, "media %s (%s): %w", m.Name, m.MIME, network.ErrUnsupported)
		}
		if len(m.Data) == 0 {
			return network.Ref{}, permanent(op, "media %s has no data", m.Name)
		}
	}
	s, err := a.current(ctx)
	if err != nil {
		return network.Ref{}, err
	}
	rec := postRecord{Type: postCollection, Text: p.Text, CreatedAt: a.createdAt(p)}
	if p.Language != "" {
		rec.Langs = []string{p.Language}
	}
	if rec.Facets, err = a.facets(ctx, p.Text, p.Entities); err != nil {
		return network.Ref{}, err
	}
	if rec.Reply, err = a.replyRef(ctx, p); err != nil {
		return network.Ref{}, err
	}
	if rec.Embed, err = a.images(ctx, p.Media); err != nil {
		return network.Ref{}, err
	}
	rkey := RecordKey(p.Key)
	var out createRecordOutput
	s, err = a.authed(ctx, call{
		post: true,
		nsid: "com.atproto.repo.createRecord",
		in:   createRecordInput{Repo: s.did, Collection: postCollection, Rkey: rkey, Record: rec},
		out:  &out,
	})
	if err == nil {
		return a.ref(s, out.URI, out.CID), nil
	}
	return a.reconcile(ctx, rkey, a.classify(op, err, true))
}

// createdAt is the record's createdAt: the post's time, or the clock's, in
// UTC with milliseconds.
func (a *Adapter) createdAt(p *network.Post) string {
	t := p.CreatedAt
	if t.IsZero() {
		t = a.now()
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// reconcile settles a failed create by reading the record back.
func (a *Adapter) reconcile(ctx context.Context, rkey string, failure error) (network.Ref, error) {
	if ctx.Err() != nil {
		return network.Ref{}, failure
	}
	ref, res, err := a.lookupKey(ctx, rkey)
	switch {
	case err != nil:
		return network.Ref{}, failure
	case res == network.Found:
		return ref, nil
	}
	var ne *network.Error
	if errors.As(failure, &ne) && ne.Status != 0 && ne.MaybeWritten {
		// The server answered and the record is not there: nothing was written.
		cp := *ne
		cp.MaybeWritten = false
		return network.Ref{}, &cp
	}
	return network.Ref{}, failure
}

// Lookup reads back the record a publish of p creates. A clean
// RecordNotFound proves it absent.
func (a *Adapter) Lookup(ctx context.Context, p *network.Post) (network.Ref, network.LookupResult, error) {
	if p == nil || p.Key == "" {
		return network.Ref{}, network.Unknown, permanent("lookup", "the post has no idempotency key")
	}
	return a.lookupKey(ctx, RecordKey(p.Key))
}

// lookupKey reads the account's post with record key rkey.
func (a *Adapter) lookupKey(ctx context.Context, rkey string) (network.Ref, network.LookupResult, error) {
	s, err := a.current(ctx)
	if err != nil {
		return network.Ref{}, network.Unknown, err
	}
	u := atURI{repo: s.did, collection: postCollection, rkey: rkey}
	out, err := a.getRecord(ctx, u)
	switch {
	case err == nil:
		return a.ref(s, out.URI, out.CID), network.Found, nil
	case errorName(err) == errRecordNotFound:
		return network.Ref{}, network.Absent, nil
	}
	return network.Ref{}, network.Unknown, a.classify("lookup", err, false)
}

// getRecord reads one record. It needs no session.
func (a *Adapter) getRecord(ctx context.Context, u atURI) (*getRecordOutput, error) {
	var out getRecordOutput
	err := a.x.do(ctx, call{
		nsid:  "com.atproto.repo.getRecord",
		query: url.Values{"repo": {u.repo}, "collection": {u.collection}, "rkey": {u.rkey}},
		out:   &out,
	})
	if err != nil {
		return nil, err
	}
	if out.URI == "" {
		out.URI = u.String()
	}
	return &out, nil
}

// ref builds the reference of a post of this account.
func (a *Adapter) ref(s *session, uri, cid string) network.Ref {
	r := network.Ref{ID: uri}
	if u, err := parseATURI(uri); err == nil {
		handle := s.handle
		if handle == "" {
			handle = s.did
		}
		r.URL = postURL(handle, u.rkey)
	}
	if cid != "" {
		r.Extra = map[string]string{"cid": cid}
	}
	return r
}

// Delete removes a post. A post that is already gone is not an error.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	const op = "delete"
	u, err := a.recordURI(ctx, ref.ID)
	if err != nil {
		return asPermanent(op, err)
	}
	_, err = a.authed(ctx, call{
		post: true,
		nsid: "com.atproto.repo.deleteRecord",
		in:   deleteRecordInput{Repo: u.repo, Collection: u.collection, Rkey: u.rkey},
	})
	if err == nil || errorName(err) == errRecordNotFound {
		return nil
	}
	return a.classify(op, err, true)
}

// replyRef builds the reply {root, parent} of a thread part or reply.
// Records' CIDs come from Ref.Extra["cid"], or are read back when missing;
// without a Root, the parent's own root is used, or the parent itself.
func (a *Adapter) replyRef(ctx context.Context, p *network.Post) (*replyRef, error) {
	parentRef, rootRef := p.ReplyTo, p.Root
	if parentRef == nil {
		parentRef = rootRef
	}
	if parentRef == nil {
		return nil, nil
	}
	parent, parentRoot, err := a.strongRef(ctx, *parentRef)
	if err != nil {
		return nil, err
	}
	root := parent
	switch {
	case rootRef != nil && rootRef.ID != parentRef.ID:
		if root, _, err = a.strongRef(ctx, *rootRef); err != nil {
			return nil, err
		}
	case rootRef == nil && parentRoot != nil:
		root = *parentRoot
	}
	return &replyRef{Root: root, Parent: parent}, nil
}

// strongRef returns the strong reference of the message ref names, and the
// root of its own thread when it had to be read back and is a reply.
func (a *Adapter) strongRef(ctx context.Context, ref network.Ref) (strongRef, *strongRef, error) {
	const op = "reply"
	u, err := a.recordURI(ctx, ref.ID)
	if err != nil {
		return strongRef{}, nil, asPermanent(op, err)
	}
	if cid := ref.Extra["cid"]; cid != "" && strings.HasPrefix(ref.ID, "at://") {
		return strongRef{URI: ref.ID, CID: cid}, nil, nil
	}
	out, err := a.getRecord(ctx, u)
	if err != nil {
		if errorName(err) == errRecordNotFound {
			return strongRef{}, nil, permanent(op, "the post replied to, %s, does not exist", u)
		}
		return strongRef{}, nil, a.classify(op, err, false)
	}
	var root *strongRef
	if out.Value.Reply != nil {
		root = &out.Value.Reply.Root
	}
	return strongRef{URI: u.String(), CID: out.CID}, root, nil
}

// images uploads the media as blobs and builds the images embed.
func (a *Adapter) images(ctx context.Context, media []network.Media) (*imagesEmbed, error) {
	if len(media) == 0 {
		return nil, nil
	}
	e := &imagesEmbed{Type: "app.bsky.embed.images"}
	for _, m := range media {
		var out uploadBlobOutput
		_, err := a.authed(ctx, call{
			post:    true,
			nsid:    "com.atproto.repo.uploadBlob",
			raw:     m.Data,
			rawType: m.MIME,
			out:     &out,
		})
		if err != nil {
			return nil, a.classify("upload media "+m.Name, err, false)
		}
		if len(out.Blob) == 0 {
			return nil, permanent("upload media "+m.Name, "the server returned no blob")
		}
		img := embedImage{Image: out.Blob, Alt: m.Alt}
		if m.Width > 0 && m.Height > 0 {
			img.AspectRatio = &aspectRatio{Width: m.Width, Height: m.Height}
		}
		e.Images = append(e.Images, img)
	}
	return e, nil
}
