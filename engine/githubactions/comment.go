package githubactions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v92/github"
)

// CommentLimit is the longest comment body GitHub accepts, in characters.
const CommentLimit = 65536

// Client talks to the GitHub REST API for one token.
type Client struct {
	gh *github.Client
	// Sleep waits before a retry; it returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// Retries is how many times a request is retried after a secondary rate
	// limit or a 502, 503 or 504.
	Retries int
}

// NewClient returns a client of the REST API at apiURL (GITHUB_API_URL)
// authenticated with token. httpClient may be nil.
func NewClient(apiURL, token string, httpClient *http.Client) (*Client, error) {
	if token == "" {
		return nil, errors.New("github: no token")
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	gh, err := github.NewClient(
		github.WithHTTPClient(httpClient),
		github.WithAuthToken(token),
		github.WithURLs(&apiURL, nil),
		github.WithUserAgent("clairon"),
		// The client waits out rate limits itself (see do), with a clock
		// tests control, instead of go-github's wall-clock bookkeeping.
		github.WithDisableRateLimitCheck(),
	)
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	return &Client{gh: gh, Sleep: sleep, Retries: 2}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PermissionError says the token may not do what was asked: a pull request
// from a fork, or a workflow whose permissions lack pull-requests: write.
type PermissionError struct {
	Op      string
	Status  int
	Message string
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s: %d %s", e.Op, e.Status, e.Message)
}

// IsPermission reports whether err is a PermissionError.
func IsPermission(err error) bool {
	var pe *PermissionError
	return errors.As(err, &pe)
}

// classify wraps err with the operation, turning 401 and 403 answers that
// are not rate limits into a PermissionError.
func classify(op string, err error) error {
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Errorf("%s: rate limit exhausted until %s", op, rl.Rate.Reset.UTC().Format(time.RFC3339))
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return &PermissionError{Op: op, Status: er.Response.StatusCode, Message: er.Message}
		}
		return fmt.Errorf("%s: %d %s", op, er.Response.StatusCode, er.Message)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// do runs call, retrying after secondary rate limits (waiting as long as
// GitHub asks, at most a minute) and after 502, 503 and 504 answers.
func (c *Client) do(ctx context.Context, op string, call func() (*github.Response, error)) error {
	for attempt := 0; ; attempt++ {
		resp, err := call()
		if err == nil {
			return nil
		}
		wait := time.Duration(0)
		var ab *github.AbuseRateLimitError
		switch {
		case errors.As(err, &ab):
			wait = 30 * time.Second
			if ab.RetryAfter != nil {
				wait = min(*ab.RetryAfter, time.Minute)
			}
		case resp != nil && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout):
			wait = time.Duration(attempt+1) * 2 * time.Second
		default:
			return classify(op, err)
		}
		if attempt >= c.Retries {
			return classify(op, err)
		}
		if err := c.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
}

// Comment is the sticky comment as UpsertComment left it.
type Comment struct {
	ID  int64
	URL string
	// Action is "created", "updated" or "unchanged".
	Action string
	// Removed counts duplicates deleted (left by runs that raced).
	Removed int
}

// UpsertComment keeps one comment on a pull request for marker: it lists
// every comment (all pages), updates the oldest whose body starts with the
// marker, deletes any later duplicate, or creates the comment when there is
// none. body must start with marker.
func (c *Client) UpsertComment(ctx context.Context, owner, repo string, number int, marker, body string) (Comment, error) {
	if marker == "" || !strings.HasPrefix(body, marker) {
		return Comment{}, errors.New("sticky comment: the body must start with its marker")
	}
	if n := utf8.RuneCountInString(body); n > CommentLimit {
		return Comment{}, fmt.Errorf("sticky comment: %d characters, more than GitHub's %d", n, CommentLimit)
	}
	var mine []*github.IssueComment
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		var page []*github.IssueComment
		var resp *github.Response
		err := c.do(ctx, "list the pull request's comments", func() (*github.Response, error) {
			var err error
			page, resp, err = c.gh.Issues.ListComments(ctx, owner, repo, number, opts)
			return resp, err
		})
		if err != nil {
			return Comment{}, err
		}
		for _, cm := range page {
			if strings.HasPrefix(strings.TrimLeft(cm.GetBody(), " \t\r\n"), marker) {
				mine = append(mine, cm)
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}

	var out Comment
	req := github.IssueCommentRequest{Body: body}
	switch {
	case len(mine) == 0:
		var cm *github.IssueComment
		err := c.do(ctx, "create the plan comment", func() (*github.Response, error) {
			var resp *github.Response
			var err error
			cm, resp, err = c.gh.Issues.CreateComment(ctx, owner, repo, number, req)
			return resp, err
		})
		if err != nil {
			return Comment{}, err
		}
		return Comment{ID: cm.GetID(), URL: cm.GetHTMLURL(), Action: "created"}, nil
	case mine[0].GetBody() == body:
		out = Comment{ID: mine[0].GetID(), URL: mine[0].GetHTMLURL(), Action: "unchanged"}
	default:
		var cm *github.IssueComment
		err := c.do(ctx, "update the plan comment", func() (*github.Response, error) {
			var resp *github.Response
			var err error
			cm, resp, err = c.gh.Issues.UpdateComment(ctx, owner, repo, mine[0].GetID(), req)
			return resp, err
		})
		if err != nil {
			return Comment{}, err
		}
		out = Comment{ID: cm.GetID(), URL: cm.GetHTMLURL(), Action: "updated"}
	}
	for _, dup := range mine[1:] {
		err := c.do(ctx, "delete a duplicate plan comment", func() (*github.Response, error) {
			return c.gh.Issues.DeleteComment(ctx, owner, repo, dup.GetID())
		})
		if err != nil {
			return out, err
		}
		out.Removed++
	}
	return out, nil
}
