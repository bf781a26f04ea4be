package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage"

	"github.com/clairon-dev/clairon/engine/state"
)

// remote is the shared copy of the state branch.
type remote struct {
	name    string
	url     string
	display string // url without credentials, for messages
	secret  string // password to keep out of messages
	auth    transport.AuthMethod
	git     *git.Remote
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
	r.git = git.NewRemote(st, &config.RemoteConfig{Name: name, URLs: []string{u}})
	return r, nil
}

// tracking is the local ref that mirrors the remote's state branch.
func (r *remote) tracking(branch plumbing.ReferenceName) plumbing.ReferenceName {
	return plumbing.ReferenceName("refs/remotes/" + r.name + "/" + branch.Short())
}

// fetch updates the tracking ref and its objects from the remote. A remote
// without the state branch leaves no tracking ref; a branch that vanished
// from the remote after it was seen there is an error, so that a state is
// never started over by accident.
func (r *remote) fetch(ctx context.Context, st storage.Storer, branch plumbing.ReferenceName) error {
	spec := config.RefSpec("+" + branch.String() + ":" + r.tracking(branch).String())
	err := r.git.FetchContext(ctx, &git.FetchOptions{
		RemoteName: r.name,
		RemoteURL:  r.url,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       r.auth,
		Tags:       git.NoTags,
	})
	var noRef git.NoMatchingRefSpecError
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		return nil
	case errors.As(err, &noRef), errors.Is(err, transport.ErrEmptyRemoteRepository):
		if _, err := st.Reference(r.tracking(branch)); err == nil {
			return fmt.Errorf("branch %s was on %s and is gone: restore it, or delete %s to start a new state",
				branch.Short(), r.display, r.tracking(branch))
		}
		return nil
	default:
		return r.fail(ctx, "fetch "+branch.Short(), err)
	}
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
		return r.settled(st, branch, next)
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
		return r.settled(st, branch, next)
	case now != base:
		return fmt.Errorf("%s on %s moved to %s: %w", branch.Short(), r.display, short(now), state.ErrConflict)
	default:
		return r.fail(ctx, "push "+branch.Short(), cause)
	}
}

// settled records a successful push in the tracking ref.
func (r *remote) settled(st storage.Storer, branch plumbing.ReferenceName, next plumbing.Hash) error {
	if err := st.SetReference(plumbing.NewHashReference(r.tracking(branch), next)); err != nil {
		return fmt.Errorf("pushed, but could not update %s: %w", r.tracking(branch), err)
	}
	return nil
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
