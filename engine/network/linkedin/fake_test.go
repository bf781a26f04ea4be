package linkedin

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest/linkedinfake"
)

// fakeAdapter starts a LinkedIn fake and builds an adapter on it.
func fakeAdapter(t *testing.T, opts linkedinfake.Options) (*linkedinfake.Fake, *Adapter) {
	t.Helper()
	f := linkedinfake.New(opts)
	t.Cleanup(f.Close)
	a, err := New(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	return f, a.(*Adapter)
}

func TestDuplicateAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, linkedinfake.Options{})
	ctx := t.Context()
	p := &network.Post{Text: `Portes ouvertes samedi \#Lyon`, CreatedAt: f.Now()}
	first, err := a.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// The same publish again, as after a lost answer: LinkedIn names the
	// existing post and it is returned.
	again, err := a.Publish(ctx, p)
	if err != nil || again.ID != first.ID {
		t.Fatalf("second publish = %q, %v; want %q", again.ID, err, first.ID)
	}
	if n := f.Writes(); n != 1 {
		t.Errorf("%d writes, want 1", n)
	}

	// Deleted, the post still blocks its content for a while.
	if err := a.Delete(ctx, first); err != nil {
		t.Fatal(err)
	}
	_, err = a.Publish(ctx, p)
	if !errors.Is(err, ErrDuplicate) || network.ClassOf(err) != network.Permanent {
		t.Fatalf("publish over a deleted duplicate: %v, want a permanent ErrDuplicate", err)
	}
	f.Advance(49 * time.Hour)
	third, err := a.Publish(ctx, &network.Post{Text: p.Text, CreatedAt: f.Now()})
	if err != nil || third.ID == first.ID {
		t.Fatalf("publish after the duplicate window = %q, %v", third.ID, err)
	}
}

func TestImagesAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, linkedinfake.Options{Author: linkedinfake.Person})
	data := [][]byte{[]byte("\x89PNG one"), []byte("\xff\xd8 two"), []byte("GIF89a three")}
	p := &network.Post{Text: "Trois images", CreatedAt: f.Now(), Media: []network.Media{
		{MIME: "image/png", Data: data[0], Alt: "La façade", Digest: "a"},
		{MIME: "image/jpeg", Data: data[1], Alt: "Le hall", Digest: "b"},
		{MIME: "image/gif", Data: data[2], Digest: "c"},
	}}
	ref, err := a.Publish(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].ID != ref.ID || !slices.Equal(msgs[0].Media, []string{"La façade", "Le hall", ""}) {
		t.Fatalf("messages %+v", msgs)
	}
	var images []string
	for _, r := range f.Requests() {
		if r.Method == http.MethodPost && r.Path == "/rest/posts" {
			for _, part := range strings.Split(string(r.Body), `"id":"`)[1:] {
				images = append(images, part[:strings.Index(part, `"`)])
			}
		}
	}
	if len(images) != 3 {
		t.Fatalf("images in the post body: %v", images)
	}
	for i, urn := range images {
		if got := f.ImageData(urn); !bytes.Equal(got, data[i]) {
			t.Errorf("image %d: the fake holds %q, want %q", i+1, got, data[i])
		}
	}
	// Editing the text keeps the images; LinkedIn cannot change them.
	edited := *p
	edited.Text = "Trois images (corrigé)"
	if _, err := a.Edit(t.Context(), ref, &edited); err != nil {
		t.Fatal(err)
	}
	if msgs := f.Messages(); msgs[0].Text != edited.Text || len(msgs[0].Media) != 3 {
		t.Errorf("after edit: %+v", msgs[0])
	}
}

func TestLookupAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, linkedinfake.Options{})
	ctx := t.Context()
	f.StorePost("Texte ancien", 3*time.Hour)
	p := &network.Post{Text: "Texte ancien", CreatedAt: f.Now()}
	if _, res, err := a.Lookup(ctx, p); err != nil || res != network.Absent {
		t.Fatalf("lookup with only an older identical post = %v, %v; want absent", res, err)
	}
	target := &network.Post{Text: "Le programme de la semaine", CreatedAt: f.Now()}
	ref, err := a.Publish(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 70 {
		f.Advance(time.Second)
		f.StorePost("bruit "+itoa(int64(i)), 0)
	}
	got, res, err := a.Lookup(ctx, target)
	if err != nil || res != network.Found || got.ID != ref.ID {
		t.Fatalf("lookup = %q, %v, %v; want %q found on the second page", got.ID, res, err, ref.ID)
	}
}

func TestInteractionsAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, linkedinfake.Options{})
	ctx := t.Context()
	ref, err := a.Publish(ctx, &network.Post{Text: "Jeu concours : commentez !", CreatedAt: f.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f.Comment(ref.ID, linkedinfake.Organization, "Règlement dans le lien")
	f.Advance(time.Hour)
	f.Comment(ref.ID, "urn:li:person:ana1", "Je participe")
	f.Advance(time.Hour)
	f.Comment(ref.ID, "urn:li:person:bo22", "Moi aussi")
	f.Like(ref.ID, "urn:li:person:ana1")
	f.Like(ref.ID, "urn:li:person:cy333")
	f.SetStatistics(ref.ID, 1000, 700, 42, 3)

	replies, err := a.Interactions(ctx, ref, network.Reply, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 2 || replies[0].UserID != "urn:li:person:ana1" || replies[0].Text != "Je participe" || !strings.HasPrefix(replies[0].PostID, "urn:li:comment:(") {
		t.Errorf("replies %+v", replies)
	}
	recent, err := a.Interactions(ctx, ref, network.Reply, f.Now().Add(-30*time.Minute))
	if err != nil || len(recent) != 1 || recent[0].UserID != "urn:li:person:bo22" {
		t.Errorf("replies of the last 30 minutes: %+v, %v", recent, err)
	}
	likes, err := a.Interactions(ctx, ref, network.Like, time.Time{})
	if err != nil || len(likes) != 2 || likes[1].Handle != "urn:li:person:cy333" {
		t.Errorf("likes %+v, %v", likes, err)
	}
	if _, err := a.Interactions(ctx, ref, network.Repost, time.Time{}); !errors.Is(err, network.ErrUnsupported) {
		t.Errorf("reposts: %v, want ErrUnsupported", err)
	}
	m, err := a.Metrics(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if *m.Likes != 2 || *m.Replies != 3 || *m.Impressions != 1000 || *m.Reach != 700 || *m.Clicks != 42 || *m.Reposts != 3 {
		t.Errorf("metrics likes %d replies %d impressions %d reach %d clicks %d reposts %d",
			*m.Likes, *m.Replies, *m.Impressions, *m.Reach, *m.Clicks, *m.Reposts)
	}
}

func TestSunsetVersionError(t *testing.T) {
	f := linkedinfake.New(linkedinfake.Options{})
	defer f.Close()
	cfg := f.Config()
	cfg.Settings["version"] = "202402"
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Publish(t.Context(), &network.Post{Text: "x"})
	if network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "NONEXISTENT_VERSION") || !strings.Contains(err.Error(), "HTTP 426") {
		t.Fatalf("err = %v, want a permanent error naming the sunset version", err)
	}
}
