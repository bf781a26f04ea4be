package x

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest/xfake"
)

func TestEditWindowAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, xfake.Options{})
	ctx := t.Context()
	ref, err := a.Publish(ctx, &network.Post{Text: "v1", CreatedAt: f.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f.Advance(10 * time.Minute)
	for i := 2; i <= 6; i++ {
		next, err := a.Edit(ctx, ref, &network.Post{Text: "v" + string(rune('0'+i))})
		if err != nil {
			t.Fatalf("edit %d: %v", i-1, err)
		}
		ref = next
	}
	writes := f.Writes()
	if _, err := a.Edit(ctx, ref, &network.Post{Text: "v7"}); !errors.Is(err, network.ErrUnsupported) {
		t.Fatalf("sixth edit: %v, want ErrUnsupported", err)
	}
	if f.Writes() != writes {
		t.Error("a sixth edit reached the server")
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].Text != "v6" || msgs[0].ID != ref.ID {
		t.Errorf("messages %+v, want only v6 as %s", msgs, ref.ID)
	}

	fresh, err := a.Publish(ctx, &network.Post{Text: "autre", CreatedAt: f.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f.Advance(31 * time.Minute)
	writes = f.Writes()
	if _, err := a.Edit(ctx, fresh, &network.Post{Text: "trop tard"}); !errors.Is(err, network.ErrUnsupported) {
		t.Fatalf("edit after 31 minutes: %v, want ErrUnsupported", err)
	}
	if f.Writes() != writes {
		t.Error("a refused edit reached the server")
	}
}

func TestMediaAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, xfake.Options{})
	a.chunk = 1000
	video := bytes.Repeat([]byte("mp4-"), 900)
	ref, err := a.Publish(t.Context(), &network.Post{Text: "vidéo", CreatedAt: f.Now(), Media: []network.Media{
		{Name: "clip.mp4", MIME: "video/mp4", Data: video, Alt: "Un chat saute"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].ID != ref.ID || !slices.Equal(msgs[0].Media, []string{"Un chat saute"}) {
		t.Fatalf("messages %+v", msgs)
	}
	appends := 0
	var mediaID string
	for _, r := range f.Requests() {
		if len(r.Path) > len("/2/media/upload/") && r.Method == "POST" && bytes.HasSuffix([]byte(r.Path), []byte("/append")) {
			appends++
			mediaID = r.Path[len("/2/media/upload/") : len(r.Path)-len("/append")]
		}
	}
	if appends != 4 {
		t.Errorf("%d segments appended, want 4 of 1000 bytes", appends)
	}
	if got := f.MediaData(mediaID); !bytes.Equal(got, video) {
		t.Errorf("the fake assembled %d bytes, want the %d sent", len(got), len(video))
	}
}

func TestMetricsAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, xfake.Options{})
	ctx := t.Context()
	ref, err := a.Publish(ctx, &network.Post{Text: "mesuré", CreatedAt: f.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f.Like(ref.ID, "ana")
	f.Like(ref.ID, "bo")
	f.Repost(ref.ID, "ana")
	f.Reply(ref.ID, "cy", "bravo")
	f.Quote(ref.ID, "dee", "à voir")
	f.SetImpressions(ref.ID, 321)

	m, err := a.Metrics(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, m, map[string]int64{"likes": 2, "reposts": 1, "replies": 1, "quotes": 1, "bookmarks": 0, "impressions": 321, "clicks": 0})

	// After 30 days the non-public figures are gone: with the post's age
	// known, they are not asked for; without it, X's field error is read
	// past.
	f.Advance(31 * 24 * time.Hour)
	for _, r := range []network.Ref{ref, {ID: ref.ID}} {
		m, err := a.Metrics(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		checkMetrics(t, m, map[string]int64{"likes": 2, "reposts": 1, "replies": 1, "quotes": 1, "bookmarks": 0, "impressions": 321})
	}
}

func TestInteractionsAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, xfake.Options{})
	ctx := t.Context()
	root, err := a.Publish(ctx, &network.Post{Text: "Concours : répondez !", CreatedAt: f.Now()})
	if err != nil {
		t.Fatal(err)
	}
	// The account's own thread part is not an entry.
	if _, err := a.Publish(ctx, &network.Post{Text: "Règlement en réponse", ReplyTo: &root, CreatedAt: f.Now()}); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Hour)
	r1 := f.Reply(root.ID, "ana", "Moi !")
	f.Advance(time.Hour)
	r2 := f.Reply(r1, "bo", "Moi aussi")
	f.Quote(root.ID, "cy", "Participez")
	for _, u := range []string{"ana", "bo", "cy"} {
		f.Like(root.ID, u)
	}
	f.Repost(root.ID, "dee")

	replies, err := a.Interactions(ctx, root, network.Reply, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 2 || replies[0].PostID != r2 || replies[0].Handle != "bo" || replies[1].PostID != r1 || replies[1].Text != "Moi !" {
		t.Errorf("replies %+v", replies)
	}
	since, err := a.Interactions(ctx, root, network.Reply, f.Now().Add(-30*time.Minute))
	if err != nil || len(since) != 1 || since[0].PostID != r2 {
		t.Errorf("replies since 30 minutes: %+v, %v", since, err)
	}
	for kind, want := range map[network.InteractionKind][]string{
		network.Quote:  {"cy"},
		network.Like:   {"ana", "bo", "cy"},
		network.Repost: {"dee"},
	} {
		got, err := a.Interactions(ctx, root, kind, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		var handles []string
		for _, it := range got {
			handles = append(handles, it.Handle)
			if it.Kind != kind || it.UserID == "" {
				t.Errorf("%s: %+v", kind, it)
			}
		}
		if !slices.Equal(handles, want) {
			t.Errorf("%s: %v, want %v", kind, handles, want)
		}
	}
}

func TestRateLimitHeadersAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, xfake.Options{})
	ctx := t.Context()
	var err error
	for i := 0; i <= 100 && err == nil; i++ {
		_, err = a.Publish(ctx, &network.Post{Text: "post " + string(rune('A'+i%26)) + string(rune('a'+i/26)), CreatedAt: f.Now()})
		f.Advance(time.Second)
	}
	if network.ClassOf(err) != network.RateLimited {
		t.Fatalf("the 101st post in 15 minutes: %v, want rate-limited", err)
	}
	// The window opened with the first post; the 101st came 100 seconds later.
	if want := 15*time.Minute - 100*time.Second; network.RetryAfter(err) != want {
		t.Errorf("RetryAfter %v, want %v (until x-rate-limit-reset)", network.RetryAfter(err), want)
	}
}
