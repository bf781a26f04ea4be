package githubactions_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/githubactions"
	"github.com/clairon-dev/clairon/engine/githubactions/githubtest"
)

const (
	owner, repo = "brulerie-des-pentes", "contenus"
	fullName    = owner + "/" + repo
	marker      = "<!-- clairon:plan dir=. -->"
)

// newClient starts a fake API and a client of it whose sleeps are recorded.
func newClient(t *testing.T, opts ...githubtest.Option) (*githubtest.Server, *githubactions.Client, *[]time.Duration) {
	t.Helper()
	srv := githubtest.New(opts...)
	t.Cleanup(srv.Close)
	c, err := githubactions.NewClient(srv.URL(), githubtest.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	c.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return srv, c, &slept
}

// seed adds n comments by people to PR 42.
func seed(srv *githubtest.Server, n int) {
	for i := range n {
		srv.Seed(fullName, 42, "lea-martin", fmt.Sprintf("Relu, ok pour moi (%d)", i))
	}
}

// pages lists the page numbers of the list requests, in order.
func pages(srv *githubtest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet {
			out = append(out, r.Query.Get("page")+"/"+r.Query.Get("per_page"))
		}
	}
	return out
}

func noProblems(t *testing.T, srv *githubtest.Server) {
	t.Helper()
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("requests GitHub would reject: %q", p)
	}
}

func TestUpsertCreatesAfterListingEveryPage(t *testing.T) {
	srv, c, _ := newClient(t)
	seed(srv, 250)
	// Another PR's comment with the marker must not be touched.
	srv.Seed(fullName, 7, githubtest.Bot, marker+"\nold plan of PR 7")
	got, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, marker+"\n### clairon plan\n")
	if err != nil {
		t.Fatal(err)
	}
	if got.Action != "created" || got.ID == 0 || !strings.Contains(got.URL, "/pull/42#issuecomment-") {
		t.Errorf("got %+v", got)
	}
	if p := pages(srv); strings.Join(p, " ") != "/100 2/100 3/100" {
		t.Errorf("list requests %q, want all three pages of 100", p)
	}
	cs := srv.Comments(fullName, 42)
	if len(cs) != 251 || cs[250].Body != marker+"\n### clairon plan\n" || cs[250].User != githubtest.Bot {
		t.Errorf("%d comments, last %+v", len(cs), cs[len(cs)-1])
	}
	if b := srv.Comments(fullName, 7); len(b) != 1 || !strings.Contains(b[0].Body, "PR 7") {
		t.Errorf("PR 7 changed: %+v", b)
	}
	noProblems(t, srv)
}

func TestUpsertUpdatesTheCommentOnALaterPage(t *testing.T) {
	srv, c, _ := newClient(t)
	seed(srv, 230)
	id := srv.Seed(fullName, 42, githubtest.Bot, marker+"\nPlan: 1 to publish.")
	seed(srv, 5)
	// A person quoting the plan does not own the marker.
	srv.Seed(fullName, 42, "camille-roux", "> "+marker+"\n> Plan: 1 to publish.\nPourquoi pas LinkedIn ?")

	body := marker + "\nPlan: 2 to publish."
	got, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, body)
	if err != nil {
		t.Fatal(err)
	}
	if got.Action != "updated" || got.ID != id {
		t.Errorf("got %+v, want an update of %d", got, id)
	}
	var writes []string
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet {
			writes = append(writes, r.Method+" "+r.Path)
		}
	}
	if want := fmt.Sprintf("PATCH /repos/%s/issues/comments/%d", fullName, id); len(writes) != 1 || writes[0] != want {
		t.Errorf("writes %q, want [%s]", writes, want)
	}
	for _, cm := range srv.Comments(fullName, 42) {
		if cm.ID == id && cm.Body != body {
			t.Errorf("body %q", cm.Body)
		}
	}
	// Running again with the same body writes nothing.
	again, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, body)
	if err != nil || again.Action != "unchanged" || srv.Writes() != 1 {
		t.Errorf("second run: %+v, %v, %d writes", again, err, srv.Writes())
	}
	noProblems(t, srv)
}

func TestUpsertRemovesDuplicates(t *testing.T) {
	srv, c, _ := newClient(t)
	first := srv.Seed(fullName, 42, githubtest.Bot, marker+"\nA")
	seed(srv, 3)
	srv.Seed(fullName, 42, githubtest.Bot, marker+"\nB")
	srv.Seed(fullName, 42, githubtest.Bot, "\n"+marker+"\nC")
	got, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, marker+"\nD")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != first || got.Removed != 2 {
		t.Errorf("got %+v", got)
	}
	n := 0
	for _, cm := range srv.Comments(fullName, 42) {
		if strings.Contains(cm.Body, marker) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d comments carry the marker", n)
	}
	// Another directory's comment has another marker and stays.
	other := "<!-- clairon:plan dir=content -->"
	srv.Seed(fullName, 42, githubtest.Bot, other+"\nX")
	if _, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, marker+"\nE"); err != nil {
		t.Fatal(err)
	}
	if cs := srv.Comments(fullName, 42); !strings.HasPrefix(cs[len(cs)-1].Body, other) {
		t.Errorf("the other directory's comment was touched: %+v", cs[len(cs)-1])
	}
	noProblems(t, srv)
}

func TestUpsertPermissions(t *testing.T) {
	t.Run("read-only token", func(t *testing.T) {
		srv, c, _ := newClient(t, githubtest.ReadOnly())
		_, err := c.UpsertComment(context.Background(), owner, repo, 43, marker, marker+"\nplan")
		if !githubactions.IsPermission(err) || !strings.Contains(err.Error(), "Resource not accessible by integration") {
			t.Errorf("err = %v", err)
		}
		if len(srv.Comments(fullName, 43)) != 0 {
			t.Error("a comment was written")
		}
	})
	t.Run("bad credentials", func(t *testing.T) {
		srv := githubtest.New(githubtest.WithToken("another"))
		defer srv.Close()
		c, _ := githubactions.NewClient(srv.URL(), githubtest.Token, nil)
		_, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, marker+"\nplan")
		if !githubactions.IsPermission(err) || !strings.Contains(err.Error(), "401") {
			t.Errorf("err = %v", err)
		}
		if strings.Contains(err.Error(), githubtest.Token) {
			t.Error("the token leaked into the error")
		}
	})
	if _, err := githubactions.NewClient("http://127.0.0.1:1", "", nil); err == nil {
		t.Error("a client without a token")
	}
}

func TestUpsertRetries(t *testing.T) {
	t.Run("secondary rate limit waits as asked", func(t *testing.T) {
		srv, c, slept := newClient(t)
		srv.Inject(githubtest.Fault{SecondaryRateLimit: true, RetryAfter: 7 * time.Second})
		got, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, marker+"\nplan")
		if err != nil || got.Action != "created" {
			t.Fatalf("%+v %v", got, err)
		}
		if len(*slept) != 1 || (*slept)[0] != 7*time.Second {
			t.Errorf("slept %v", *slept)
		}
	})
	t.Run("bad gateway twice", func(t *testing.T) {
		srv, c, slept := newClient(t)
		srv.Inject(githubtest.Fault{Status: 502})
		srv.Inject(githubtest.Fault{Status: 503})
		if _, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, marker+"\nplan"); err != nil {
			t.Fatal(err)
		}
		if len(*slept) != 2 {
			t.Errorf("slept %v", *slept)
		}
	})
	t.Run("gives up", func(t *testing.T) {
		srv, c, _ := newClient(t)
		for range 3 {
			srv.Inject(githubtest.Fault{Status: 504})
		}
		_, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, marker+"\nplan")
		if err == nil || githubactions.IsPermission(err) || !strings.Contains(err.Error(), "504") {
			t.Errorf("err = %v", err)
		}
		if srv.Writes() != 0 {
			t.Error("wrote after failing to list")
		}
	})
	t.Run("validation failure is not retried", func(t *testing.T) {
		srv, c, slept := newClient(t)
		srv.Inject(githubtest.Fault{Status: 422})
		_, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, marker+"\nplan")
		if err == nil || len(*slept) != 0 {
			t.Errorf("err %v, slept %v", err, *slept)
		}
		_ = srv
	})
}

func TestUpsertRefusesBadBodies(t *testing.T) {
	srv, c, _ := newClient(t)
	for _, body := range []string{"no marker", marker + strings.Repeat("é", githubactions.CommentLimit)} {
		if _, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, body); err == nil {
			t.Errorf("body of %d bytes accepted", len(body))
		}
	}
	if len(srv.Requests()) != 0 {
		t.Error("requests were sent")
	}
	// At the limit exactly, in characters (not bytes), GitHub accepts it.
	body := marker + strings.Repeat("é", githubactions.CommentLimit-len(marker))
	if _, err := c.UpsertComment(context.Background(), owner, repo, 42, marker, body); err != nil {
		t.Errorf("body of %d characters: %v", githubactions.CommentLimit, err)
	}
	noProblems(t, srv)
}
