package mastodon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/mastodonfake"
)

func start(t *testing.T, opts mastodonfake.Options) (*mastodonfake.Server, *Adapter) {
	t.Helper()
	fake := mastodonfake.New(opts)
	t.Cleanup(fake.Close)
	a, err := newAdapter(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	return fake, a
}

func key(n int) string { return fmt.Sprintf("%032x", n) }

// requests returns the recorded requests matching method and path prefix.
func requests(fake *mastodonfake.Server, method, prefix string) []mastodonfake.Request {
	var out []mastodonfake.Request
	for _, r := range fake.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func TestPublishRequest(t *testing.T) {
	fake, a := start(t, mastodonfake.Options{})
	ctx := context.Background()
	first, err := a.Publish(ctx, &network.Post{Key: key(1), Text: "Part one"})
	if err != nil {
		t.Fatal(err)
	}
	p := &network.Post{Key: key(2), Text: "Which day?", Language: "fr", ContentWarning: "survey",
		ReplyTo: &first, Root: &first, Poll: &network.Poll{Options: []string{"Monday", "Friday"}, Duration: 36 * time.Hour, Multiple: true}}
	ref, err := a.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	posts := requests(fake, "POST", "/api/v1/statuses")
	if len(posts) != 2 {
		t.Fatalf("%d status requests, want 2", len(posts))
	}
	r := posts[1]
	checks := map[string]string{
		"Authorization":   "Bearer " + mastodonfake.DefaultToken,
		"Idempotency-Key": key(2),
		"Content-Type":    "application/x-www-form-urlencoded",
	}
	for h, want := range checks {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	params := map[string][]string{
		"status": {"Which day?"}, "language": {"fr"}, "spoiler_text": {"survey"}, "visibility": {"public"},
		"in_reply_to_id": {first.ID}, "poll[options][]": {"Monday", "Friday"}, "poll[expires_in]": {"129600"},
		"poll[multiple]": {"true"},
	}
	for k, want := range params {
		if got := r.Params[k]; !slices.Equal(got, want) {
			t.Errorf("param %s = %q, want %q", k, got, want)
		}
	}
	st, ok := fake.Status(ref.ID)
	if !ok || st.InReplyToID != first.ID || st.SpoilerText != "survey" || st.Language != "fr" || st.Poll == nil {
		t.Errorf("stored status %+v", st)
	}
	if ref.URL != st.URL {
		t.Errorf("ref URL %q, want %q", ref.URL, st.URL)
	}
}

func TestMediaProcessingIsPolled(t *testing.T) {
	fake, a := start(t, mastodonfake.Options{MediaPolls: 2})
	var slept []time.Duration
	a.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	img := networktest.Image([]string{"image/png"}, 1, "A green square")
	img.Focus = &[2]float64{0.5, -0.25}
	ref, err := a.Publish(context.Background(), &network.Post{Key: key(1), Text: "With media", Media: []network.Media{img}})
	if err != nil {
		t.Fatal(err)
	}
	up := requests(fake, "POST", "/api/v2/media")
	if len(up) != 1 || !strings.HasPrefix(up[0].Header.Get("Content-Type"), "multipart/form-data") {
		t.Fatalf("uploads %+v", up)
	}
	if got := up[0].Params; got["description"][0] != "A green square" || got["focus"][0] != "0.50,-0.25" {
		t.Errorf("upload fields %v", got)
	}
	if polls := requests(fake, "GET", "/api/v1/media/"); len(polls) != 3 {
		t.Errorf("%d processing checks, want 3 (206, 206, 200)", len(polls))
	}
	if !slices.Equal(slept, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}) {
		t.Errorf("waits %v", slept)
	}
	st, _ := fake.Status(ref.ID)
	if len(st.Media) != 1 || st.Media[0].Description != "A green square" {
		t.Errorf("attached media %+v", st.Media)
	}

	// Processing that never ends is bounded.
	never, b := start(t, mastodonfake.Options{MediaPolls: 1000})
	b.sleep = func(context.Context, time.Duration) error { return nil }
	_, err = b.Publish(context.Background(), &network.Post{Key: key(2), Text: "x", Media: []network.Media{img}})
	if network.ClassOf(err) != network.Retryable || len(requests(never, "GET", "/api/v1/media/")) != mediaPolls {
		t.Errorf("err %v after %d checks, want a retryable error after %d", err, len(requests(never, "GET", "/api/v1/media/")), mediaPolls)
	}
	if len(requests(never, "POST", "/api/v1/statuses")) != 0 {
		t.Error("a status was posted with unprocessed media")
	}
}

func TestEditKeepsUnchangedMedia(t *testing.T) {
	fake, a := start(t, mastodonfake.Options{})
	ctx := context.Background()
	one, two := networktest.Image(nil, 1, "first"), networktest.Image(nil, 2, "second")
	ref, err := a.Publish(ctx, &network.Post{Key: key(1), Text: "v1", Media: []network.Media{one, two}})
	if err != nil {
		t.Fatal(err)
	}
	one.Alt = "first, described better"
	three := networktest.Image(nil, 3, "third")
	ref2, err := a.Edit(ctx, ref, &network.Post{Key: key(1), Text: "v2", Media: []network.Media{one, three}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(requests(fake, "POST", "/api/v2/media")); n != 3 {
		t.Errorf("%d uploads, want 3: the unchanged image is kept", n)
	}
	put := requests(fake, "PUT", "/api/v1/statuses/")
	if len(put) != 1 || put[0].Path != "/api/v1/statuses/"+ref.ID {
		t.Fatalf("edits %+v", put)
	}
	st, _ := fake.Status(ref.ID)
	var alts []string
	for _, m := range st.Media {
		alts = append(alts, m.Description)
	}
	if st.EditedAt == nil || !slices.Equal(alts, []string{"first, described better", "third"}) {
		t.Errorf("after edit: edited_at %v, alts %q", st.EditedAt, alts)
	}
	if ref2.ID != ref.ID || ref2.Extra[extraMediaIDs] == ref.Extra[extraMediaIDs] {
		t.Errorf("edit ref %+v (was %+v)", ref2, ref)
	}
	_, err = a.Edit(ctx, network.Ref{ID: "42"}, &network.Post{Text: "x"})
	if !errors.Is(err, network.ErrNotFound) || network.ClassOf(err) != network.Permanent {
		t.Errorf("edit of a missing status: %v", err)
	}
}

func TestLookup(t *testing.T) {
	fake, a := start(t, mastodonfake.Options{IgnoreIdempotency: true})
	ctx := context.Background()
	clock := fake.Clock()
	publish := func(n int, text string) network.Ref {
		t.Helper()
		clock.Advance(time.Minute)
		ref, err := a.Publish(ctx, &network.Post{Key: key(n), Text: text, CreatedAt: clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return ref
	}
	for i := range 60 {
		publish(i, fmt.Sprintf("Old status %d", i))
	}
	target := &network.Post{Key: key(100), Text: "Launch day! See https://example.com/a/b #launch @alice@example.social", CreatedAt: clock.Now()}
	clock.Advance(time.Minute)
	if _, err := a.Publish(ctx, target); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		publish(200+i, fmt.Sprintf("Newer status %d", i))
	}
	lookups := func() int { return len(requests(fake, "GET", "/api/v1/accounts/"+"109000000000000001/statuses")) }

	before := lookups()
	ref, res, err := a.Lookup(ctx, target)
	if err != nil || res != network.Found {
		t.Fatalf("lookup = %v, %v; want found", res, err)
	}
	if m := fake.Messages(); m[60].ID != ref.ID {
		t.Errorf("found %s, want %s", ref.ID, m[60].ID)
	}
	if n := lookups() - before; n != 2 {
		t.Errorf("read %d pages, want 2 (the match is on the second)", n)
	}

	// Same letters, other punctuation: the source text tells them apart.
	near := *target
	near.Text = "Launch day? See https://example.com/a/b #launch @alice@example.social"
	if _, res, err := a.Lookup(ctx, &near); err != nil || res != network.Absent {
		t.Errorf("lookup of a near text = %v, %v; want absent", res, err)
	}
	// A post published now that never arrived: the first page already
	// reaches statuses older than it, which proves absence.
	before = lookups()
	missing := &network.Post{Key: key(999), Text: "Never sent", CreatedAt: clock.Now().Add(30 * time.Minute)}
	if _, res, err := a.Lookup(ctx, missing); err != nil || res != network.Absent || lookups()-before != 1 {
		t.Errorf("lookup of a missing post = %v, %v after %d pages; want absent after 1", res, err, lookups()-before)
	}
	// Without a time, only the end of the list proves absence: 111
	// statuses fit in the page cap.
	missing.CreatedAt = time.Time{}
	if _, res, err := a.Lookup(ctx, missing); err != nil || res != network.Absent {
		t.Errorf("lookup without a time = %v, %v; want absent at the end of the list", res, err)
	}
	for i := range lookupPages * 40 {
		publish(1000+i, fmt.Sprintf("Filler %d", i))
	}
	if _, res, err := a.Lookup(ctx, missing); err != nil || res != network.Unknown {
		t.Errorf("lookup past the page cap = %v, %v; want unknown", res, err)
	}
}

// TestNeverTwiceWhenKeysAreIgnored drives a server that ignores
// Idempotency-Key through the retry and rate-limit wrappers: a publish
// whose response is lost is reconciled by Lookup, never sent again.
func TestNeverTwiceWhenKeysAreIgnored(t *testing.T) {
	for _, f := range []networktest.Fault{networktest.FailAfter, networktest.DropAfter, networktest.HangAfter} {
		t.Run(f.String(), func(t *testing.T) {
			fake := mastodonfake.New(mastodonfake.Options{IgnoreIdempotency: true})
			defer fake.Close()
			cfg := fake.Config()
			client := *cfg.HTTPClient
			client.Timeout = 500 * time.Millisecond
			cfg.HTTPClient = &client
			inner, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			clock := fake.Clock()
			a := network.WithRetry(network.WithRateLimit(inner, network.RateLimitOptions{Now: clock.Now, Sleep: clock.Sleep}),
				network.RetryOptions{Now: clock.Now, Sleep: clock.Sleep})
			p := &network.Post{Key: key(1), Text: "Only once", CreatedAt: clock.Now()}
			fake.Inject(f)
			ref, err := a.Publish(context.Background(), p)
			if err != nil {
				t.Fatalf("publish: %v", err)
			}
			msgs := fake.Messages()
			if len(msgs) != 1 || msgs[0].ID != ref.ID || fake.Writes() != 1 {
				t.Fatalf("stored %+v after %d writes, want exactly %s", msgs, fake.Writes(), ref.ID)
			}
			if n := len(requests(fake, "POST", "/api/v1/statuses")); n != 1 {
				t.Errorf("%d status creations sent, want 1", n)
			}
			if n := len(requests(fake, "GET", "/api/v1/statuses/"+ref.ID+"/source")); n != 1 {
				t.Errorf("%d source reads, want 1 (the confirmation)", n)
			}
		})
	}
}

func TestRateLimitedPublishing(t *testing.T) {
	fake, a := start(t, mastodonfake.Options{StatusLimit: 30, StatusWindow: time.Hour})
	clock := fake.Clock()
	fake.Inject(networktest.RateLimit)
	_, err := a.Publish(context.Background(), &network.Post{Key: key(0), Text: "x"})
	if network.ClassOf(err) != network.RateLimited || network.RetryAfter(err) != fake.RetryAfter() {
		t.Fatalf("err %v, want rate-limited for %v", err, fake.RetryAfter())
	}
	paced := network.WithRateLimit(a, network.RateLimitOptions{Now: clock.Now, Sleep: clock.Sleep, MaxWait: 2 * time.Hour})
	startAt := clock.Now()
	limited := 0
	for n := 1; len(fake.Messages()) < 300; n++ {
		_, err := paced.Publish(context.Background(), &network.Post{Key: key(n), Text: fmt.Sprintf("Status %d", n)})
		if network.ClassOf(err) == network.RateLimited {
			limited++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	hours := clock.Now().Sub(startAt).Hours()
	if hours > 10 || limited > 1 {
		t.Errorf("300 statuses at 30 per hour took %.1fh with %d 429s; want at most 10h and one 429", hours, limited)
	}
}

func TestInteractions(t *testing.T) {
	fake, a := start(t, mastodonfake.Options{})
	ctx := context.Background()
	ref, err := a.Publish(ctx, &network.Post{Key: key(1), Text: "Contest! Reply to enter"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		fake.Favourite(ref.ID, fmt.Sprintf("fan%d@example.social", i))
	}
	fake.Reblog(ref.ID, "booster@example.social")
	early := fake.Reply(ref.ID, "early@example.social", "too early")
	fake.Clock().Advance(time.Hour)
	since := fake.Clock().Now()
	entry := fake.Reply(ref.ID, "alice@example.social", "I'm in & happy")
	fake.Reply(entry, "bob", "me too")
	if _, err := a.Publish(ctx, &network.Post{Key: key(2), Text: "Good luck!", ReplyTo: &ref}); err != nil {
		t.Fatal(err)
	}

	likes, err := a.Interactions(ctx, ref, network.Like, time.Time{})
	if err != nil || len(likes) != 100 || likes[99].Handle != "@fan99@example.social" {
		t.Fatalf("likes: %d, %v", len(likes), err)
	}
	if n := len(requests(fake, "GET", "/api/v1/statuses/"+ref.ID+"/favourited_by")); n != 2 {
		t.Errorf("%d pages of favourites, want 2", n)
	}
	reposts, err := a.Interactions(ctx, ref, network.Repost, time.Time{})
	if err != nil || len(reposts) != 1 || reposts[0].Kind != network.Repost {
		t.Errorf("reposts %+v, %v", reposts, err)
	}
	replies, err := a.Interactions(ctx, ref, network.Reply, since)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range replies {
		got = append(got, r.Handle+": "+r.Text)
		if r.PostID == early {
			t.Error("a reply before since is listed")
		}
	}
	if want := []string{"@alice@example.social: I'm in & happy", "@bob: me too"}; !slices.Equal(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
	if _, err := a.Interactions(ctx, ref, network.Quote, since); !errors.Is(err, network.ErrUnsupported) {
		t.Errorf("quotes: %v, want unsupported", err)
	}
	m, err := a.Metrics(ctx, ref)
	if err != nil || *m.Likes != 100 || *m.Reposts != 1 || *m.Replies != 3 || m.Impressions != nil {
		t.Errorf("metrics %+v, %v", m, err)
	}
	fake.SetFollowers(4321)
	if n, err := a.Followers(ctx); n != 4321 || err != nil {
		t.Errorf("followers %d, %v", n, err)
	}
}

func TestSettings(t *testing.T) {
	base := network.Config{Settings: map[string]string{"server": "social.example"}, Secrets: map[string]string{"token": "t0k3n-value"}}
	with := func(k, v string) network.Config {
		c := base
		c.Settings = map[string]string{"server": "social.example", k: v}
		return c
	}
	a, err := newAdapter(with("limit", "5000"))
	if err != nil || a.base != "https://social.example" || a.Capabilities().TextLimit != 5000 {
		t.Errorf("limit 5000: %v, %+v", err, a)
	}
	if a, _ := newAdapter(base); a.Capabilities().TextLimit != DefaultLimit || a.visibility != "public" {
		t.Errorf("defaults: %+v", a)
	}
	for _, bad := range []network.Config{
		with("limit", "-1"), with("visibility", "friends"),
		{Settings: map[string]string{}, Secrets: base.Secrets},
		{Settings: base.Settings},
	} {
		if _, err := newAdapter(bad); err == nil {
			t.Errorf("config %+v accepted", bad.Settings)
		} else if strings.Contains(err.Error(), "t0k3n-value") {
			t.Errorf("error %v reveals the token", err)
		}
	}
}

func TestValidationErrorsAreClassed(t *testing.T) {
	_, a := start(t, mastodonfake.Options{MaxChars: 20})
	_, err := a.Publish(context.Background(), &network.Post{Key: key(1), Text: strings.Repeat("a", 21)})
	var e *network.Error
	if !errors.As(err, &e) || e.Class != network.Permanent || e.Status != 422 || e.MaybeWritten ||
		!strings.Contains(err.Error(), "Text character limit of 20 exceeded") {
		t.Errorf("err %v (%+v), want a permanent 422 quoting the server", err, e)
	}
	_, err = a.Publish(context.Background(), &network.Post{Key: key(2), Text: "reply", ReplyTo: &network.Ref{ID: "1"}})
	if !errors.Is(err, network.ErrNotFound) {
		t.Errorf("reply to a missing status: %v", err)
	}
}
