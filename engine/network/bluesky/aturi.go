package bluesky

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// atURI is an at://<repo>/<collection>/<rkey> record address.
type atURI struct {
	repo, collection, rkey string
}

func (u atURI) String() string {
	return "at://" + u.repo + "/" + u.collection + "/" + u.rkey
}

// parseATURI splits a record's AT URI.
func parseATURI(s string) (atURI, error) {
	rest, ok := strings.CutPrefix(s, "at://")
	if !ok {
		return atURI{}, fmt.Errorf("%q is not an at:// URI", s)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return atURI{}, fmt.Errorf("%q does not name a record", s)
	}
	return atURI{repo: parts[0], collection: parts[1], rkey: parts[2]}, nil
}

// recordURI returns the AT URI of a message named by a Ref: its ID as an
// at:// URI, or a post's web address (https://bsky.app/profile/<handle or
// DID>/post/<rkey>), whose handle is resolved to a DID.
func (a *Adapter) recordURI(ctx context.Context, id string) (atURI, error) {
	if strings.HasPrefix(id, "at://") {
		return parseATURI(id)
	}
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" {
		return atURI{}, fmt.Errorf("%q is neither an at:// URI nor a post's web address", id)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 4 || parts[0] != "profile" || parts[2] != "post" || parts[1] == "" || parts[3] == "" {
		return atURI{}, fmt.Errorf("%q is not a post's web address", id)
	}
	repo := parts[1]
	if !strings.HasPrefix(repo, "did:") {
		if repo, err = a.resolveHandle(ctx, repo); err != nil {
			return atURI{}, err
		}
	}
	return atURI{repo: repo, collection: postCollection, rkey: parts[3]}, nil
}

// resolveHandle returns the DID of a handle.
func (a *Adapter) resolveHandle(ctx context.Context, handle string) (string, error) {
	var out resolveHandleOutput
	err := a.x.do(ctx, call{
		nsid:  "com.atproto.identity.resolveHandle",
		query: url.Values{"handle": {handle}},
		out:   &out,
	})
	if err != nil {
		return "", a.classify("resolve handle @"+handle, err, false)
	}
	if !strings.HasPrefix(out.DID, "did:") {
		return "", permanent("resolve handle @"+handle, "the server returned no DID")
	}
	return out.DID, nil
}
