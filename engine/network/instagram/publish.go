package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/facebook/graph"
)

// Container status codes (GET /{container-id}?fields=status_code,status).
const (
	statusInProgress = "IN_PROGRESS"
	statusFinished   = "FINISHED"
	statusError      = "ERROR"
	statusExpired    = "EXPIRED"
	statusPublished  = "PUBLISHED"
)

// containerTTL is how long Meta keeps an unpublished container.
const containerTTL = 24 * time.Hour

// containerStatus is a container's state.
type containerStatus struct {
	ID         string `json:"id"`
	StatusCode string `json:"status_code"`
	// Status is the detail, such as "Error: Media download has failed".
	Status string `json:"status"`
}

// Publish creates (or resumes) the post's container, waits until it is
// ready, and publishes it. A retry of the same post key in this process
// reuses the container: a container already PUBLISHED is looked up among the
// account's media instead of being published again.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	if err := a.check(p); err != nil {
		return network.Ref{}, err
	}
	at := a.attemptFor(p.Key)
	if at.mediaID != "" {
		return at.ref(), nil
	}
	container := ""
	if at.container != "" {
		st, err := a.status(ctx, at.container)
		if err != nil {
			return network.Ref{}, err
		}
		switch st.StatusCode {
		case statusPublished:
			// The container went out but its reply was lost: find the media.
			ref, res, err := a.findPublished(ctx, p, at)
			if err != nil {
				return network.Ref{}, err
			}
			if res == network.Found {
				return ref, nil
			}
			return network.Ref{}, &network.Error{Class: network.Retryable, Network: Name, Op: "publish", MaybeWritten: true,
				Err: fmt.Errorf("container %s is published but its media is not listed yet", at.container)}
		case statusFinished, statusInProgress:
			container = at.container
		default: // ERROR, EXPIRED: nothing was published; start over
			a.forget(p.Key)
		}
	}
	if container == "" {
		if err := a.checkQuota(ctx); err != nil {
			return network.Ref{}, err
		}
		id, err := a.createContainer(ctx, p)
		if err != nil {
			return network.Ref{}, err
		}
		container = id
		at = a.remember(p.Key, func(at *attempt) { at.container, at.created = id, a.now() })
	}
	if err := a.waitFinished(ctx, container, p.Key); err != nil {
		return network.Ref{}, err
	}
	var out struct {
		ID string `json:"id"`
	}
	call := graph.Call{Op: "publish", Method: "POST", Path: a.user + "/media_publish",
		Query: url.Values{"creation_id": {container}}, Write: true}
	if err := a.client.Do(ctx, call, &out); err != nil {
		return network.Ref{}, err
	}
	if out.ID == "" {
		return network.Ref{}, &network.Error{Class: network.Retryable, Network: Name, Op: "publish", MaybeWritten: true,
			Err: errors.New("media_publish reply carried no id")}
	}
	link := a.permalink(ctx, out.ID)
	at = a.remember(p.Key, func(at *attempt) { at.mediaID, at.permalink = out.ID, link })
	if p.Key == "" {
		return network.Ref{ID: out.ID, URL: link, Extra: map[string]string{"container_id": container}}, nil
	}
	return at.ref(), nil
}

// ref is the reference of a published attempt.
func (at attempt) ref() network.Ref {
	return network.Ref{ID: at.mediaID, URL: at.permalink, Extra: map[string]string{"container_id": at.container}}
}

// attemptFor returns a copy of what this process did for key (zero if nothing).
func (a *Adapter) attemptFor(key string) attempt {
	if key == "" {
		return attempt{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if at, ok := a.pending[key]; ok {
		return *at
	}
	return attempt{}
}

// remember updates the attempt of key and returns a copy. Attempts older than
// a container's lifetime are dropped on the way, so a long-running process
// keeps only the last day's.
func (a *Adapter) remember(key string, f func(*attempt)) attempt {
	if key == "" {
		var at attempt
		f(&at)
		return at
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for k, at := range a.pending {
		// Past a container's lifetime the memory helps no retry: the
		// container has expired, and a published post is found by Lookup.
		if now.Sub(at.created) > containerTTL {
			delete(a.pending, k)
		}
	}
	at, ok := a.pending[key]
	if !ok {
		at = &attempt{}
		a.pending[key] = at
	}
	f(at)
	return *at
}

// forget drops the attempt of key.
func (a *Adapter) forget(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.pending, key)
}

// createContainer creates the post's container: one image or Reel, or a
// carousel of item containers (each ready before the carousel is made).
func (a *Adapter) createContainer(ctx context.Context, p *network.Post) (string, error) {
	if len(p.Media) == 1 {
		form, err := a.itemForm(p.Media[0], false)
		if err != nil {
			return "", err
		}
		if p.Text != "" {
			form.Set("caption", p.Text)
		}
		return a.create(ctx, "create container", form)
	}
	children := make([]string, 0, len(p.Media))
	for _, m := range p.Media {
		form, err := a.itemForm(m, true)
		if err != nil {
			return "", err
		}
		id, err := a.create(ctx, "create carousel item", form)
		if err != nil {
			return "", err
		}
		children = append(children, id)
	}
	for _, id := range children {
		if err := a.waitFinished(ctx, id, ""); err != nil {
			return "", err
		}
	}
	form := url.Values{"media_type": {"CAROUSEL"}, "children": {strings.Join(children, ",")}}
	if p.Text != "" {
		form.Set("caption", p.Text)
	}
	return a.create(ctx, "create carousel", form)
}

// itemForm is the container form of one media item.
func (a *Adapter) itemForm(m network.Media, carouselItem bool) (url.Values, error) {
	u, err := a.mediaURL(m)
	if err != nil {
		return nil, &network.Error{Class: network.Permanent, Network: Name, Op: "create container", Err: err}
	}
	form := url.Values{}
	if slices.Contains(videoTypes, m.MIME) {
		form.Set("video_url", u)
		if carouselItem {
			form.Set("media_type", "VIDEO")
		} else {
			form.Set("media_type", "REELS")
		}
	} else {
		form.Set("image_url", u)
		if m.Alt != "" {
			form.Set("alt_text", m.Alt)
		}
	}
	if carouselItem {
		form.Set("is_carousel_item", "true")
	}
	return form, nil
}

// create is POST /{ig-user-id}/media, which answers the container id.
func (a *Adapter) create(ctx context.Context, op string, form url.Values) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := a.client.Do(ctx, graph.Call{Op: op, Method: "POST", Path: a.user + "/media", Form: form}, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &network.Error{Class: network.Retryable, Network: Name, Op: op, Err: errors.New("reply carried no container id")}
	}
	return out.ID, nil
}

// status reads a container's status.
func (a *Adapter) status(ctx context.Context, id string) (containerStatus, error) {
	var st containerStatus
	q := url.Values{"fields": {"status_code,status"}}
	err := a.client.Do(ctx, graph.Call{Op: "read container status", Method: "GET", Path: id, Query: q}, &st)
	return st, err
}

// waitFinished polls a container until it is FINISHED, within the poll
// schedule. ERROR and EXPIRED end the attempt of key, so that a retry
// creates a new container.
func (a *Adapter) waitFinished(ctx context.Context, id, key string) error {
	for i := 0; ; i++ {
		st, err := a.status(ctx, id)
		if err != nil {
			return err
		}
		switch st.StatusCode {
		case statusFinished:
			return nil
		case statusInProgress:
			if i >= len(a.poll) {
				return &network.Error{Class: network.Retryable, Network: Name, Op: "wait for container",
					Err: fmt.Errorf("container %s is still in progress after %s", id, sum(a.poll))}
			}
			if err := a.sleep(ctx, a.poll[i]); err != nil {
				return &network.Error{Class: network.Retryable, Network: Name, Op: "wait for container", Err: err}
			}
		case statusError:
			a.forget(key)
			return &network.Error{Class: network.Permanent, Network: Name, Op: "wait for container",
				Err: fmt.Errorf("container %s failed: %s (check that every media URL is public)", id, orUnknown(st.Status))}
		case statusExpired:
			a.forget(key)
			return &network.Error{Class: network.Retryable, Network: Name, Op: "wait for container",
				Err: fmt.Errorf("container %s expired before it was published; a retry creates a new one", id)}
		case statusPublished:
			return &network.Error{Class: network.Permanent, Network: Name, Op: "wait for container",
				Err: fmt.Errorf("container %s is already published", id)}
		default:
			return &network.Error{Class: network.Retryable, Network: Name, Op: "wait for container",
				Err: fmt.Errorf("container %s has unknown status %q", id, st.StatusCode)}
		}
	}
}

// checkQuota refuses to create a container when the account has used its
// publishing quota for the rolling 24 hours, and estimates when a slot frees.
func (a *Adapter) checkQuota(ctx context.Context) error {
	var out graph.List[struct {
		QuotaUsage int `json:"quota_usage"`
		Config     struct {
			QuotaTotal    int `json:"quota_total"`
			QuotaDuration int `json:"quota_duration"`
		} `json:"config"`
	}]
	q := url.Values{"fields": {"quota_usage,config"}}
	if err := a.client.Do(ctx, graph.Call{Op: "read publishing limit", Method: "GET", Path: a.user + "/content_publishing_limit", Query: q}, &out); err != nil {
		return err
	}
	if len(out.Data) == 0 {
		return nil
	}
	d := out.Data[0]
	total, window := d.Config.QuotaTotal, time.Duration(d.Config.QuotaDuration)*time.Second
	if total <= 0 {
		total = publishCap
	}
	if window <= 0 {
		window = 24 * time.Hour
	}
	if d.QuotaUsage < total {
		return nil
	}
	return &network.Error{Class: network.RateLimited, Network: Name, Op: "publish", RetryAfter: a.quotaFrees(ctx, total, window),
		Err: fmt.Errorf("publishing quota used: %d of %d posts in %s", d.QuotaUsage, total, window)}
}

// quotaFrees estimates when the oldest post of the window leaves it, from the
// timestamps of the account's latest posts; 0 when it cannot tell.
func (a *Adapter) quotaFrees(ctx context.Context, total int, window time.Duration) time.Duration {
	var out graph.List[struct {
		Timestamp graph.Time `json:"timestamp"`
	}]
	q := url.Values{"fields": {"timestamp"}, "limit": {strconv.Itoa(min(total, 100))}}
	if err := a.client.Do(ctx, graph.Call{Op: "list media", Method: "GET", Path: a.user + "/media", Query: q}, &out); err != nil {
		return 0
	}
	now := a.now()
	oldest := time.Time{}
	for _, m := range out.Data {
		if now.Sub(m.Timestamp.Time) < window && (oldest.IsZero() || m.Timestamp.Before(oldest)) {
			oldest = m.Timestamp.Time
		}
	}
	if oldest.IsZero() {
		return 0
	}
	return max(oldest.Add(window).Sub(now), time.Minute)
}

// permalink reads the public address of a published media. It is best
// effort: the post exists whether or not its address could be read.
func (a *Adapter) permalink(ctx context.Context, id string) string {
	var out struct {
		Permalink string `json:"permalink"`
	}
	q := url.Values{"fields": {"permalink"}}
	if err := a.client.Do(ctx, graph.Call{Op: "read permalink", Method: "GET", Path: id, Query: q}, &out); err != nil {
		return ""
	}
	return out.Permalink
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

func orUnknown(s string) string {
	if s == "" {
		return "no detail given"
	}
	return s
}
