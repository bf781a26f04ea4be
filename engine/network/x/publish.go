package x

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network"
)

// Keys of Ref.Extra.
const (
	extraCreatedAt  = "created_at"  // when the first version was posted, RFC 3339
	extraEdits      = "edits"       // how many edits were made
	extraOriginalID = "original_id" // the id of the first version, once edited
)

// Publish creates one post: a reply when p.ReplyTo is set (the previous part
// of a thread), with a poll or with uploaded media. X has no idempotency key;
// when it refuses the text as a duplicate, the account's recent posts are
// read and a post published by this same request, lost earlier, is returned.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	const op = "publish"
	if err := validate(op, p); err != nil {
		return network.Ref{}, err
	}
	ids, err := a.uploadAll(ctx, p.Media)
	if err != nil {
		return network.Ref{}, err
	}
	req := createRequest{Text: p.Text}
	if p.ReplyTo != nil && p.ReplyTo.ID != "" {
		req.Reply = &replyField{InReplyToTweetID: p.ReplyTo.ID}
	}
	if p.Poll != nil {
		req.Poll = &pollField{Options: p.Poll.Options, DurationMinutes: int(p.Poll.Duration / time.Minute)}
	}
	if len(ids) > 0 {
		req.Media = &mediaField{MediaIDs: ids}
	}
	at := a.now()
	ref, err := a.create(ctx, op, req)
	if err != nil {
		if errors.Is(err, ErrDuplicate) {
			if found, res, lerr := a.Lookup(ctx, p); lerr == nil && res == network.Found {
				return found, nil
			}
		}
		return network.Ref{}, err
	}
	ref.Extra = map[string]string{extraCreatedAt: at.UTC().Format(time.RFC3339)}
	return ref, nil
}

// Edit replaces a post's text and media with p's, which X allows within 30
// minutes of the first version and at most five times. Each edit has a new
// id: the returned Ref names it. Posts with polls cannot be edited. The
// post's edit controls are read first: an edit X would refuse for its age,
// its count or its kind fails with an error wrapping network.ErrUnsupported
// (and one of a post that is gone wraps network.ErrNotFound) before any
// upload.
func (a *Adapter) Edit(ctx context.Context, ref network.Ref, p *network.Post) (network.Ref, error) {
	const op = "edit"
	if !isID(ref.ID) {
		return network.Ref{}, permanent(op, fmt.Sprintf("%q is not a post id", ref.ID))
	}
	if p.Poll != nil {
		return network.Ref{}, unsupported(op, "x cannot edit a post with a poll")
	}
	if err := validate(op, p); err != nil {
		return network.Ref{}, err
	}
	edits, err := a.editable(ctx, ref)
	if err != nil {
		return network.Ref{}, err
	}
	ids, err := a.uploadAll(ctx, p.Media)
	if err != nil {
		return network.Ref{}, err
	}
	req := createRequest{Text: p.Text, EditOptions: &editOptions{PreviousPostID: ref.ID}}
	if len(ids) > 0 {
		req.Media = &mediaField{MediaIDs: ids}
	}
	out, err := a.create(ctx, op, req)
	if err != nil {
		return network.Ref{}, err
	}
	out.Extra = maps.Clone(ref.Extra)
	if out.Extra == nil {
		out.Extra = map[string]string{}
	}
	out.Extra[extraEdits] = strconv.Itoa(edits + 1)
	if out.Extra[extraOriginalID] == "" {
		out.Extra[extraOriginalID] = ref.ID
	}
	return out, nil
}

// editable reads the post's edit controls and returns how many edits it has
// had, or why X would refuse another: gone (wrapping network.ErrNotFound),
// not eligible, past its window or out of edits (wrapping
// network.ErrUnsupported).
func (a *Adapter) editable(ctx context.Context, ref network.Ref) (int, error) {
	const op = "edit"
	t, err := a.readTweet(ctx, op, ref.ID, "created_at,edit_controls")
	if err != nil {
		return 0, err
	}
	edits, _ := strconv.Atoi(ref.Extra[extraEdits])
	if n := max(len(t.EditHistoryTweet), len(t.EditHistoryPost)) - 1; n > edits {
		edits = n
	}
	until := time.Time{}
	if !t.CreatedAt.IsZero() {
		until = t.CreatedAt.Add(editWindow)
	}
	if first, err := time.Parse(time.RFC3339, ref.Extra[extraCreatedAt]); err == nil {
		until = first.Add(editWindow)
	}
	remaining := maxEdits - edits
	if ec := t.EditControls; ec != nil {
		if ec.IsEditEligible != nil && !*ec.IsEditEligible {
			return 0, unsupported(op, "x says this post cannot be edited")
		}
		if !ec.EditableUntil.IsZero() {
			until = ec.EditableUntil
		}
		if ec.EditsRemaining != nil {
			remaining = *ec.EditsRemaining
		}
	}
	if !until.IsZero() && !a.now().Before(until) {
		return 0, unsupported(op, fmt.Sprintf("x allows edits only within %s of posting (until %s)", editWindow, until.UTC().Format(time.RFC3339)))
	}
	if remaining <= 0 {
		return 0, unsupported(op, fmt.Sprintf("x allows at most %d edits of a post", maxEdits))
	}
	return edits, nil
}

// Delete removes a post (and, X says, its whole edit chain). A post that is
// already gone is not an error.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	const op = "delete"
	if !isID(ref.ID) {
		return permanent(op, fmt.Sprintf("%q is not a post id", ref.ID))
	}
	var out deleteResponse
	err := a.do(ctx, call{op: op, method: http.MethodDelete, path: "/2/tweets/" + ref.ID, write: true}, &out)
	if errors.Is(err, network.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if out.Data != nil && out.Data.Deleted {
		return nil
	}
	// "deleted": false — gone already, or refused: look.
	exists, err := a.exists(ctx, op, ref.ID)
	if err != nil {
		return err
	}
	if exists {
		return permanent(op, "x answered deleted: false and the post still exists"+problemSuffix(out.Errors))
	}
	return nil
}

// create sends POST /2/tweets and returns the new post's reference.
func (a *Adapter) create(ctx context.Context, op string, req createRequest) (network.Ref, error) {
	var out createResponse
	if err := a.do(ctx, call{op: op, method: http.MethodPost, path: "/2/tweets", json: req, write: true}, &out); err != nil {
		return network.Ref{}, err
	}
	if out.Data == nil || out.Data.ID == "" {
		// A success without an id: the post may well exist.
		return network.Ref{}, &network.Error{
			Class: network.Retryable, Network: Name, Op: op, MaybeWritten: true,
			Err: errors.New("the response holds no post id" + problemSuffix(out.Errors)),
		}
	}
	return network.Ref{ID: out.Data.ID, URL: a.postURL(out.Data.ID)}, nil
}

// exists reports whether post id can be read.
func (a *Adapter) exists(ctx context.Context, op, id string) (bool, error) {
	var out tweetsResponse
	q := url.Values{"ids": {id}}
	if err := a.do(ctx, call{op: op, method: http.MethodGet, path: "/2/tweets", query: q}, &out); err != nil {
		if errors.Is(err, network.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	for _, t := range out.Data {
		if t.ID == id {
			return true, nil
		}
	}
	return false, nil
}

// validate checks what X would refuse, so that a bad post fails before any
// upload.
func validate(op string, p *network.Post) error {
	if strings.TrimSpace(p.Text) == "" && len(p.Media) == 0 {
		return permanent(op, "a post needs text or media")
	}
	if n := len(p.Media); n > maxImages {
		return permanent(op, fmt.Sprintf("%d attachments, x allows at most %d", n, maxImages))
	}
	for i, m := range p.Media {
		k := kindOf(m.MIME)
		if k == kindUnknown {
			return permanent(op, fmt.Sprintf("attachment %d: x does not accept %q", i+1, m.MIME))
		}
		if (k == kindGIF || k == kindVideo) && len(p.Media) > 1 {
			return permanent(op, "a GIF or a video must be the post's only attachment")
		}
		if k == kindImage && len(m.Data) > maxImageBytes {
			return permanent(op, fmt.Sprintf("attachment %d: %d bytes, x takes images up to %d", i+1, len(m.Data), maxImageBytes))
		}
		if k == kindGIF && len(m.Data) > maxGIFBytes {
			return permanent(op, fmt.Sprintf("attachment %d: %d bytes, x takes GIFs up to %d", i+1, len(m.Data), maxGIFBytes))
		}
		if n := utf8.RuneCountInString(m.Alt); n > altTextLimit {
			return permanent(op, fmt.Sprintf("attachment %d: alt text of %d characters, x allows %d", i+1, n, altTextLimit))
		}
	}
	if p.Poll == nil {
		return nil
	}
	if len(p.Media) > 0 {
		return permanent(op, "x does not allow a poll and media in one post")
	}
	if p.Poll.Multiple {
		return unsupported(op, "x polls take a single choice")
	}
	if n := len(p.Poll.Options); n < pollMinOptions || n > pollMaxOptions {
		return permanent(op, fmt.Sprintf("a poll of %d options, x takes %d to %d", n, pollMinOptions, pollMaxOptions))
	}
	for i, o := range p.Poll.Options {
		if n := utf8.RuneCountInString(o); n < 1 || n > pollOptionMax {
			return permanent(op, fmt.Sprintf("poll option %d has %d characters, x takes 1 to %d", i+1, n, pollOptionMax))
		}
	}
	if m := int(p.Poll.Duration / time.Minute); m < pollMinMinutes || m > pollMaxMinutes {
		return permanent(op, fmt.Sprintf("a poll lasting %s, x takes 5 minutes to 7 days", p.Poll.Duration))
	}
	return nil
}

// isID reports whether s looks like an X id: decimal digits.
func isID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// problemSuffix renders partial errors after a message, or nothing.
func problemSuffix(probs []problem) string {
	if len(probs) == 0 {
		return ""
	}
	return " (" + describe(probs, 0) + ")"
}
