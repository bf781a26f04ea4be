package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage"

	"github.com/clairon-dev/clairon/engine/gitref"
	"github.com/clairon-dev/clairon/engine/state"
)

// remote is the shared copy of the state branch.
type remote struct {
	name    string
	url     string
	display string // url without credentials, for messages
	secret  string // password to keep out of messages
	auth    transport.AuthMethod
}

func newRemote(repo *git.Repository, st storage.Storer, opts Options) (*remote, error) {
	name, u := opts.Remote, opts.URL
	if u == "" {
		r, err := repo.Remote(name)
		if err != nil {
			return nil, fmt.Errorf("remote %q: %w", name, err)
		}
		if urls := r.Config().URLs; len(urls) > 0 {
			u = urls[0]
		}
		if u == "" {
			return nil, fmt.Errorf("remote %q has no URL", name)
		}
	}
	if name == "" {
		name = "clairon"
	}
	ep, err := transport.NewEndpoint(u)
	if err != nil {
		return nil, fmt.Errorf("remote URL: %w", err)
	}
	if ep.Protocol == "file" && !filepath.IsAbs(ep.Path) {
		abs, err := filepath.Abs(ep.Path)
		if err != nil {
			return nil, fmt.Errorf("remote path: %w", err)
		}
		u = abs
	}
	if err := plumbing.ReferenceName("refs/remotes/" + name + "/x").Validate(); err != nil {
		return nil, fmt.Errorf("remote name %q: %w", name, err)
	}
	r := &remote{name: name, url: u, display: displayURL(u)}
	if ep.Password != "" {
		r.secret = ep.Password
	}
	if opts.Auth != nil {
		r.auth = &githttp.BasicAuth{Username: opts.Auth.Username, Password: opts.Auth.Password}
		if opts.Auth.Password != "" {
			r.secret = opts.Auth.Password
		}
	}
	return r, nil
}

// tracking is the local ref that mirrors the remote's state branch.
func (r *remote) tracking(branch plumbing.ReferenceName) plumbing.ReferenceName {
	return plumbing.ReferenceName("refs/remotes/" + r.name + "/" + branch.Short())
}

// fetch brings the remote's state branch and its objects into st, records
// where it is in the tracking ref, and returns it (zero when the remote has
// no state branch yet). A branch that vanished from the remote after it was
// seen there is an error, so that a state is never started over by accident.
//
// It speaks upload-pack itself rather than through go-git's Fetch, which
// truncates and rewrites ref files in place (a process killed at that moment
// leaves an empty ref that breaks every later run) and reads every ref of the
// repository to negotiate. Here the only ref written is the tracking ref, by
// an atomic rename, and the only haves are the state commits already known.
func (r *remote) fetch(ctx context.Context, st storage.Storer, branch plumbing.ReferenceName) (plumbing.Hash, error) {
	op := "fetch " + branch.Short()
	sess, ar, err := r.uploadPack(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return plumbing.ZeroHash, r.absent(st, branch)
	}
	if err != nil {
		return plumbing.ZeroHash, r.fail(ctx, op, err)
	}
	defer sess.Close()
	head, err := advertised(ar, branch)
	if err != nil {
		return plumbing.ZeroHash, r.fail(ctx, op, err)
	}
	if head.IsZero() {
		return plumbing.ZeroHash, r.absent(st, branch)
	}
	if st.HasEncodedObject(head) != nil {
		req := packp.NewUploadPackRequestFromCapabilities(ar.Capabilities)
		req.Wants = []plumbing.Hash{head}
		req.Haves = r.haves(st, branch)
		resp, err := sess.UploadPack(ctx, req)
		if err != nil {
			return plumbing.ZeroHash, r.fail(ctx, op, err)
		}
		err = packfile.UpdateObjectStorage(st, demux(req.Capabilities, resp))
		if cerr := resp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return plumbing.ZeroHash, r.fail(ctx, op, err)
		}
		if err := st.HasEncodedObject(head); err != nil {
			return plumbing.ZeroHash, r.fail(ctx, op, fmt.Errorf("commit %s was not sent: %w", short(head), err))
		}
	}
	if err := r.track(st, branch, head); err != nil {
		return plumbing.ZeroHash, err
	}
	return head, nil
}

// absent handles a remote without the state branch: fine for a new state,
// an error when this repository has seen the branch there before.
func (r *remote) absent(st storage.Storer, branch plumbing.ReferenceName) error {
	_, err := st.Reference(r.tracking(branch))
	seen := err == nil
	if gitDir, ok := gitref.GitDir(st); ok && !seen {
		// A ref file left empty by a crash is no ref to go-git, but was one.
		_, err := os.Stat(filepath.Join(gitDir, filepath.FromSlash(r.tracking(branch).String())))
		seen = err == nil
	}
	if seen {
		return fmt.Errorf("branch %s was on %s and is gone: restore it, or delete %s to start a new state",
			branch.Short(), r.display, r.tracking(branch))
	}
	return nil
}

// haves lists the state commits this repository already holds, so that the
// server sends only what is new. The tracking ref is read leniently: an
// unreadable one (left empty by an older version killed while writing it)
// only costs a bigger transfer.
func (r *remote) haves(st storage.Storer, branch plumbing.ReferenceName) []plumbing.Hash {
	var out []plumbing.Hash
	for _, name := range []plumbing.ReferenceName{r.tracking(branch), branch} {
		ref, err := st.Reference(name)
		if err != nil || ref.Type() != plumbing.HashReference || slices.Contains(out, ref.Hash()) {
			continue
		}
		if st.HasEncodedObject(ref.Hash()) == nil {
			out = append(out, ref.Hash())
		}
	}
	return out
}

// demux removes the side-band framing the server was asked to use.
func demux(caps *capability.List, rd io.Reader) io.Reader {
	switch {
	case caps.Supports(capability.Sideband64k):
		return sideband.NewDemuxer(sideband.Sideband64k, rd)
	case caps.Supports(capability.Sideband):
		return sideband.NewDemuxer(sideband.Sideband, rd)
	}
	return rd
}

// track records in the tracking ref where the remote's branch is.
func (r *remote) track(st storage.Storer, branch plumbing.ReferenceName, h plumbing.Hash) error {
	if err := gitref.SetHash(st, r.tracking(branch), h); err != nil {
		return fmt.Errorf("update %s: %w", r.tracking(branch), err)
	}
	return nil
}

// push moves the remote's branch from base to next, sending objects. The
// server applies the update only if the branch is still at base (git's
// receive-pack checks the old value under the ref's lock), so this is a
// compare-and-swap; a rejection because the branch moved is ErrConflict.
func (r *remote) push(ctx context.Context, st storage.Storer, branch plumbing.ReferenceName, base, next plumbing.Hash, objects []plumbing.Hash) error {
	sess, ar, err := r.receivePack(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()
	cur, err := advertised(ar, branch)
	if err != nil {
		return r.fail(ctx, "push "+branch.Short(), err)
	}
	if cur != base {
		return fmt.Errorf("%s on %s moved to %s: %w", branch.Short(), r.display, short(cur), state.ErrConflict)
	}
	if !ar.Capabilities.Supports(capability.ReportStatus) {
		return fmt.Errorf("push to %s: the server does not report the outcome of a push", r.display)
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(ar.Capabilities)
	req.Commands = []*packp.Command{{Name: branch, Old: base, New: next}}
	rd, wr := io.Pipe()
	req.Packfile = rd
	done := make(chan error, 1)
	go func() {
		_, err := packfile.NewEncoder(wr, st, !ar.Capabilities.Supports(capability.OFSDelta)).Encode(objects, 0)
		_ = wr.CloseWithError(err)
		done <- err
	}()
	report, err := sess.ReceivePack(ctx, req)
	_ = rd.Close()
	packErr := <-done
	if err == nil && packErr == nil && report != nil && report.Error() == nil {
		return r.track(st, branch, next)
	}
	cause := errors.Join(err, packErr)
	if cause == nil && report != nil {
		cause = report.Error()
	}
	if cause == nil {
		cause = errors.New("no report from the server")
	}
	// The outcome is unclear (a rejection, or a transport failure after the
	// request was sent): ask the remote where the branch is now.
	sess2, ar2, lerr := r.receivePack(ctx)
	if lerr != nil {
		return r.fail(ctx, "push "+branch.Short(), cause)
	}
	_ = sess2.Close()
	now, lerr := advertised(ar2, branch)
	switch {
	case lerr != nil:
		return r.fail(ctx, "push "+branch.Short(), cause)
	case now == next:
		return r.track(st, branch, next)
	case now != base:
		return fmt.Errorf("%s on %s moved to %s: %w", branch.Short(), r.display, short(now), state.ErrConflict)
	default:
		return r.fail(ctx, "push "+branch.Short(), cause)
	}
}

func (r *remote) uploadPack(ctx context.Context) (transport.UploadPackSession, *packp.AdvRefs, error) {
	ep, err := transport.NewEndpoint(r.url)
	if err != nil {
		return nil, nil, err
	}
	c, err := client.NewClient(ep)
	if err != nil {
		return nil, nil, err
	}
	sess, err := c.NewUploadPackSession(ep, r.auth)
	if err != nil {
		return nil, nil, err
	}
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		_ = sess.Close()
		return nil, nil, err
	}
	return sess, ar, nil
}

func (r *remote) receivePack(ctx context.Context) (transport.ReceivePackSession, *packp.AdvRefs, error) {
	ep, err := transport.NewEndpoint(r.url)
	if err != nil {
		return nil, nil, r.fail(ctx, "push", err)
	}
	c, err := client.NewClient(ep)
	if err != nil {
		return nil, nil, r.fail(ctx, "push", err)
	}
	sess, err := c.NewReceivePackSession(ep, r.auth)
	if err != nil {
		return nil, nil, r.fail(ctx, "push", err)
	}
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		_ = sess.Close()
		return nil, nil, r.fail(ctx, "push", err)
	}
	return sess, ar, nil
}

// advertised returns where the server says branch is (zero when absent).
func advertised(ar *packp.AdvRefs, branch plumbing.ReferenceName) (plumbing.Hash, error) {
	refs, err := ar.AllReferences()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	ref, err := refs.Reference(branch)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return ref.Hash(), nil
}

// fail wraps a transport error without letting a credential through: the
// text is cleaned, and the cause is not kept (except the context's own).
func (r *remote) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s on %s: %w", op, r.display, cerr)
	}
	msg := err.Error()
	if r.secret != "" {
		msg = strings.ReplaceAll(msg, r.secret, "***")
		msg = strings.ReplaceAll(msg, url.QueryEscape(r.secret), "***")
		msg = strings.ReplaceAll(msg, url.PathEscape(r.secret), "***")
	}
	msg = strings.ReplaceAll(msg, r.url, r.display)
	return fmt.Errorf("%s on %s: %s", op, r.display, msg)
}

// displayURL removes a password from a URL.
func displayURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	if _, ok := p.User.Password(); ok {
		p.User = url.UserPassword(p.User.Username(), "***")
	}
	return p.String()
}
