package statetest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/state"
)

// Epoch is the start of the corpus's timeline and of the suite's clock.
var Epoch = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// Seeded returns a deterministic stream of bytes, for lineages in tests.
func Seeded(seed uint64) io.Reader {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return rand.NewChaCha8(s)
}

var corpusAccounts = []struct{ name, network, host string }{
	{"brand-mastodon", "mastodon", "https://mastodon.social/@brand/"},
	{"brand-bluesky", "bluesky", "https://bsky.app/profile/brand.example/post/"},
	{"brand-linkedin", "linkedin", "https://www.linkedin.com/feed/update/urn:li:share:"},
	{"brand-x", "x", "https://x.com/brand/status/"},
}

// Records returns n realistic records, the same for the same n and seed: a
// year of posts on four accounts, mostly published (some as threads, with
// metrics snapshots), a few failed, unconfirmed, deleted or claimed.
// Benchmarks of state and of its users build their corpus with it.
func Records(n int, seed uint64) []*state.Record {
	rng := rand.New(rand.NewPCG(seed, 0x636c6169726f6e))
	out := make([]*state.Record, 0, n)
	for i := range n {
		acc := corpusAccounts[i%len(corpusAccounts)]
		post := i / len(corpusAccounts)
		day := Epoch.Add(-time.Duration(post%365) * 24 * time.Hour)
		a := state.Address{
			Post:    fmt.Sprintf("posts/%d/%02d/campagne-%d", day.Year(), int(day.Month()), post),
			Account: acc.name,
		}
		at := day.Add(time.Duration(rng.IntN(12*60)) * time.Minute)
		digest := fmt.Sprintf("sha256:%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
		key := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
		r := &state.Record{
			Address:   a,
			Status:    state.Published,
			Digest:    digest,
			Key:       key,
			Path:      a.Post + ".md",
			Attempts:  1,
			ClaimedAt: at.Add(-time.Second),
			UpdatedAt: at,
		}
		parts := 1
		if rng.IntN(5) == 0 {
			parts = 2 + rng.IntN(4)
		}
		for p := range parts {
			id := fmt.Sprintf("%d", 113000000000000000+rng.Int64N(1e15))
			ref := network.Ref{ID: id, URL: acc.host + id}
			if acc.network == "bluesky" {
				ref.Extra = map[string]string{"cid": fmt.Sprintf("bafyrei%016x", rng.Uint64())}
			}
			r.Parts = append(r.Parts, state.Part{
				Index: p, Key: fmt.Sprintf("%s-%d", key, p), Ref: ref,
				PublishedAt: at.Add(time.Duration(p) * time.Second),
			})
		}
		r.Ref, r.PublishedAt = r.Parts[0].Ref, at
		for _, label := range []string{"24h", "7d", "30d"}[:rng.IntN(4)] {
			likes, reposts := rng.Int64N(500), rng.Int64N(80)
			followers := 12000 + rng.Int64N(3000)
			r.Metrics = append(r.Metrics, state.MetricsSnapshot{
				At: at.Add(24 * time.Hour), Label: label,
				Metrics:   network.Metrics{Likes: &likes, Reposts: &reposts},
				Followers: &followers,
			})
		}
		switch k := rng.IntN(100); {
		case k < 2:
			r.Status, r.LastError = state.Failed, "mastodon: publish: HTTP 422: Validation failed: Text character limit of 500 exceeded"
			r.Ref, r.Parts, r.Metrics, r.PublishedAt = network.Ref{}, nil, nil, time.Time{}
		case k < 3:
			r.Status, r.LastError = state.Unconfirmed, "bluesky: publish: timeout after the request was sent"
			r.Metrics = nil
		case k < 4:
			r.Status = state.Deleted
		case k < 5:
			r.Status = state.Claimed
			r.Claim = &state.Claim{
				Run: "2026-11-23T08:59:00Z-" + key[:6], At: Epoch.Add(-time.Minute), Expires: Epoch.Add(9 * time.Minute),
				Op: state.OpUpdate, Digest: digest, Key: key, Path: r.Path, Prior: state.Published,
			}
		}
		out = append(out, r)
	}
	return out
}
