package x

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/networktest/xfake"
)

func TestFingerprintMatches(t *testing.T) {
	link := func(start, end int, v string) network.Entity {
		return network.Entity{Kind: network.EntityLink, Start: start, End: end, Value: v}
	}
	urls := func(pairs ...string) *entities {
		e := &entities{}
		for i := 0; i+1 < len(pairs); i += 2 {
			e.URLs = append(e.URLs, urlEntity{URL: pairs[i], ExpandedURL: pairs[i+1]})
		}
		return e
	}
	tests := []struct {
		name string
		p    network.Post
		t    tweet
		want bool
	}{
		{"same text", network.Post{Text: "Bonjour Lyon"}, tweet{Text: "Bonjour Lyon"}, true},
		{"other text", network.Post{Text: "Bonjour Lyon"}, tweet{Text: "Bonjour Paris"}, false},
		{"html escapes", network.Post{Text: "Tom & Jerry <3"}, tweet{Text: "Tom &amp; Jerry &lt;3"}, true},
		{
			"t.co link",
			network.Post{Text: "Lire https://example.com/a?b=1 ici"},
			tweet{Text: "Lire https://t.co/AbCdEf1234 ici", Entities: urls("https://t.co/AbCdEf1234", "https://example.com/a?b=1")},
			true,
		},
		{
			"t.co link to elsewhere",
			network.Post{Text: "Lire https://example.com/a ici"},
			tweet{Text: "Lire https://t.co/AbCdEf1234 ici", Entities: urls("https://t.co/AbCdEf1234", "https://example.org/a")},
			false,
		},
		{
			"schemeless link entity",
			network.Post{Text: "Voir example.com maintenant", Entities: []network.Entity{link(5, 16, "http://example.com")}},
			tweet{Text: "Voir https://t.co/q1w2e3r4t5 maintenant", Entities: urls("https://t.co/q1w2e3r4t5", "http://example.com/")},
			true,
		},
		{
			"attachment link",
			network.Post{Text: "Photo du jour", Media: []network.Media{{MIME: "image/png"}}},
			tweet{Text: "Photo du jour https://t.co/m3d1a", Entities: &entities{URLs: []urlEntity{{URL: "https://t.co/m3d1a", ExpandedURL: "https://x.com/c/status/1/photo/1", MediaKey: "3_1"}}}},
			true,
		},
		{"NFC", network.Post{Text: "e\u0301te\u0301 ensoleille\u0301"}, tweet{Text: "été ensoleillé"}, true},
		{"spacing", network.Post{Text: "deux  espaces\n"}, tweet{Text: "deux espaces"}, true},
		{
			"same reply",
			network.Post{Text: "suite", ReplyTo: &network.Ref{ID: "10"}},
			tweet{Text: "suite", ReferencedTweets: []referenced{{Type: "replied_to", ID: "10"}}},
			true,
		},
		{
			"reply under the new name",
			network.Post{Text: "suite", ReplyTo: &network.Ref{ID: "10"}},
			tweet{Text: "suite", ReferencedPosts: []referenced{{Type: "replied_to", ID: "10"}}},
			true,
		},
		{
			"other parent",
			network.Post{Text: "suite", ReplyTo: &network.Ref{ID: "10"}},
			tweet{Text: "suite", ReferencedTweets: []referenced{{Type: "replied_to", ID: "11"}}},
			false,
		},
		{"a reply for a root", network.Post{Text: "suite"}, tweet{Text: "suite", ReferencedTweets: []referenced{{Type: "replied_to", ID: "11"}}}, false},
		{
			"quote is not a reply",
			network.Post{Text: "vu"},
			tweet{Text: "vu", ReferencedTweets: []referenced{{Type: "quoted", ID: "11"}}},
			true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fingerprintOf(&tt.p).matches(&tt.t); got != tt.want {
				t.Errorf("matches = %v, want %v (fingerprint %+v)", got, tt.want, fingerprintOf(&tt.p))
			}
		})
	}
}

// fakeAdapter starts an X fake and builds an adapter on it.
func fakeAdapter(t *testing.T, opts xfake.Options) (*xfake.Fake, *Adapter) {
	t.Helper()
	f := xfake.New(opts)
	t.Cleanup(f.Close)
	a, err := New(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	ad := a.(*Adapter)
	ad.sleep = func(context.Context, time.Duration) error { return nil }
	return f, ad
}

func TestLookupAgainstFake(t *testing.T) {
	f, a := fakeAdapter(t, xfake.Options{})
	ctx := t.Context()

	old := &network.Post{Text: "Même texte https://example.com/promo", CreatedAt: f.Now()}
	if _, err := a.Publish(ctx, old); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Hour)

	// An identical post from before the window is not this one.
	again := &network.Post{Text: old.Text, CreatedAt: f.Now()}
	if _, res, err := a.Lookup(ctx, again); err != nil || res != network.Absent {
		t.Fatalf("lookup of a post published an hour earlier = %v, %v; want absent", res, err)
	}

	// The target is followed by 120 newer posts: it sits on the second page.
	// They are spread over 20 minutes, under X's 100 posts per 15 minutes.
	target := &network.Post{Text: "Le concours commence https://example.com/jeu", CreatedAt: f.Now()}
	ref, err := a.Publish(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 120 {
		f.Advance(10 * time.Second)
		if _, err := a.Publish(ctx, &network.Post{Text: fmt.Sprintf("bruit %d", i), CreatedAt: f.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	got, res, err := a.Lookup(ctx, target)
	if err != nil || res != network.Found || got.ID != ref.ID {
		t.Fatalf("lookup = %q, %v, %v; want %q, found", got.ID, res, err, ref.ID)
	}
	pages := 0
	for _, r := range f.Requests() {
		if r.Path == "/2/users/"+xfake.UserID+"/tweets" {
			pages++
		}
	}
	if pages < 3 {
		t.Errorf("read %d timeline pages, want the two pages of this lookup after the first one", pages)
	}

	// A thread part is found only under its parent.
	part := &network.Post{Text: "partie 2", ReplyTo: &ref, CreatedAt: f.Now()}
	partRef, err := a.Publish(ctx, part)
	if err != nil {
		t.Fatal(err)
	}
	if got, res, _ := a.Lookup(ctx, part); res != network.Found || got.ID != partRef.ID {
		t.Errorf("lookup of a thread part = %q, %v", got.ID, res)
	}
	if _, res, _ := a.Lookup(ctx, &network.Post{Text: "partie 2", CreatedAt: part.CreatedAt}); res != network.Absent {
		t.Errorf("a root post with a thread part's text: %v, want absent", res)
	}
}

func TestDuplicateRecovery(t *testing.T) {
	f, a := fakeAdapter(t, xfake.Options{})
	ctx := t.Context()
	p := &network.Post{Text: "Ouverture samedi", CreatedAt: f.Now()}
	first, err := a.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// The same publish again (its first answer was lost): X refuses the
	// duplicate and the existing post is returned.
	second, err := a.Publish(ctx, p)
	if err != nil || second.ID != first.ID {
		t.Fatalf("second publish = %q, %v; want %q", second.ID, err, first.ID)
	}
	if n := f.Writes(); n != 1 {
		t.Errorf("%d writes, want 1", n)
	}
	// Much later, the same text as a new post: X still refuses it, and the
	// post it duplicates is not this one.
	f.Advance(3 * time.Hour)
	_, err = a.Publish(ctx, &network.Post{Text: "Ouverture samedi", CreatedAt: f.Now()})
	if !errors.Is(err, ErrDuplicate) || network.ClassOf(err) != network.Permanent {
		t.Fatalf("err = %v, want a permanent ErrDuplicate", err)
	}
}

func TestOAuth1SignatureChecked(t *testing.T) {
	f := xfake.New(xfake.Options{OAuth1: true})
	t.Cleanup(f.Close)
	cfg := f.Config()
	good, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := good.Publish(t.Context(), &network.Post{Text: "signé", CreatedAt: f.Now()}); err != nil {
		t.Fatalf("signed publish: %v", err)
	}
	for _, k := range []string{"consumer_secret", "access_secret"} {
		bad := cfg
		bad.Secrets = map[string]string{}
		for kk, v := range cfg.Secrets {
			bad.Secrets[kk] = v
		}
		bad.Secrets[k] = "wrong"
		a, err := New(bad)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Publish(t.Context(), &network.Post{Text: "mal signé " + k, CreatedAt: f.Now()})
		if network.ClassOf(err) != network.Auth {
			t.Errorf("wrong %s: %v, want an auth error", k, err)
		}
	}
	if n := f.Writes(); n != 1 {
		t.Errorf("%d writes, want only the signed one", n)
	}
	for _, r := range f.Requests() {
		if r.Header.Get("Authorization")[:6] != "OAuth " {
			t.Errorf("request %s %s sent %q", r.Method, r.Path, r.Header.Get("Authorization"))
		}
	}
}
