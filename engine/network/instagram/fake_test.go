package instagram

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/instagramfake"
)

// These tests drive the container state machine of the fake server end to end.

func fakeAdapter(t *testing.T, fake *instagramfake.Server) (*Adapter, *[]time.Duration) {
	t.Helper()
	t.Cleanup(fake.Close)
	a, err := NewAdapter(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	a.sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return a, &slept
}

func TestFakeContainerInProgress(t *testing.T) {
	fake := instagramfake.New(instagramfake.WithInProgress(3))
	a, slept := fakeAdapter(t, fake)
	p := &network.Post{Key: strings.Repeat("1", 32), Text: "Carrousel", Media: []network.Media{
		networktest.Image([]string{"image/jpeg"}, 1, "Premier"), networktest.Image([]string{"image/jpeg"}, 2, "Second")}}
	ref, err := a.Publish(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].ID != ref.ID || !slices.Equal(msgs[0].Media, []string{"Premier", "Second"}) || msgs[0].Text != "Carrousel" {
		t.Fatalf("fake stores %+v", msgs)
	}
	// Each of the two items and the carousel answered IN_PROGRESS three times.
	if len(*slept) != 9 {
		t.Errorf("waited %d times (%v), want 9", len(*slept), *slept)
	}
	if fake.Containers() != 3 || fake.Writes() != 1 {
		t.Errorf("containers %d, writes %d; want 3 and 1", fake.Containers(), fake.Writes())
	}
	c, _ := fake.Container(ref.Extra["container_id"])
	if c.MediaType != "CAROUSEL" || c.MediaID != ref.ID || len(c.Children) != 2 {
		t.Errorf("container %+v", c)
	}
	if !strings.HasPrefix(ref.URL, "https://www.instagram.com/p/") {
		t.Errorf("URL %q", ref.URL)
	}
}

func TestFakeExpiredContainerIsReplaced(t *testing.T) {
	fake := instagramfake.New()
	a, _ := fakeAdapter(t, fake)
	p := &network.Post{Key: strings.Repeat("2", 32), Text: "Expiré", Media: []network.Media{networktest.Image([]string{"image/jpeg"}, 1, "")}}
	fake.Inject(networktest.RateLimit)
	if _, err := a.Publish(t.Context(), p); network.ClassOf(err) != network.RateLimited {
		t.Fatalf("first publish: %v, want rate-limited", err)
	}
	at := a.attemptFor(p.Key)
	fake.Expire(at.container)
	ref, err := a.Publish(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Extra["container_id"] == at.container || fake.Containers() != 2 || fake.Writes() != 1 || len(fake.Messages()) != 1 {
		t.Errorf("ref %+v, containers %d, writes %d", ref, fake.Containers(), fake.Writes())
	}
}

func TestFakeQuota(t *testing.T) {
	clock := networktest.NewClock(time.Time{})
	fake := instagramfake.New(instagramfake.WithQuota(2), instagramfake.WithClock(clock.Now))
	a, _ := fakeAdapter(t, fake)
	for i := range 2 {
		p := &network.Post{Text: "Post " + string(rune('A'+i)), Media: []network.Media{networktest.Image([]string{"image/jpeg"}, i+1, "")}}
		if _, err := a.Publish(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
	}
	_, err := a.Publish(t.Context(), &network.Post{Text: "Post C", Media: []network.Media{networktest.Image([]string{"image/jpeg"}, 3, "")}})
	if network.ClassOf(err) != network.RateLimited || network.RetryAfter(err) != 22*time.Hour {
		t.Fatalf("third publish: %v (retry after %v), want rate-limited for 22h", err, network.RetryAfter(err))
	}
	if fake.Containers() != 2 {
		t.Errorf("%d containers, want 2: no container is made once the quota is used", fake.Containers())
	}
}

func TestFakeRefusesMediaOutsideThePublicBase(t *testing.T) {
	fake := instagramfake.New()
	cfg := fake.Config()
	cfg.Settings["media_base_url"] = "https://elsewhere.example/media"
	a, err := NewAdapter(cfg)
	t.Cleanup(fake.Close)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Publish(t.Context(), &network.Post{Text: "x", Media: []network.Media{networktest.Image([]string{"image/jpeg"}, 1, "")}})
	if network.ClassOf(err) != network.Permanent || !strings.Contains(err.Error(), "2207052") {
		t.Fatalf("publish: %v, want the download failure", err)
	}
}
