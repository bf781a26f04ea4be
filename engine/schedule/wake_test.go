package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/plan"
	"github.com/clairon-dev/clairon/engine/state"
)

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func addr(post string) state.Address { return state.Address{Post: post, Account: "brand-mastodon"} }

func TestNextWake(t *testing.T) {
	at := func(m int) time.Time { return now.Add(time.Duration(m) * time.Minute) }
	tests := []struct {
		name    string
		changes []*plan.Change
		records []*state.Record
		want    Wake
	}{
		{"nothing", nil, nil, Wake{}},
		{"scheduled post", []*plan.Change{
			{Address: addr("posts/b"), Action: plan.Create, At: at(90), Scheduled: true},
			{Address: addr("posts/a"), Action: plan.Create, At: at(60), Scheduled: true},
			{Address: addr("posts/c"), Action: plan.NoOp, At: at(30)},
		}, nil, Wake{At: at(60), What: "post posts/a@brand-mastodon"}},
		{"several at once", []*plan.Change{
			{Address: addr("posts/a"), Action: plan.Create, At: at(60), Scheduled: true},
			{Address: addr("posts/b"), Action: plan.Update, At: at(60), Scheduled: true},
		}, nil, Wake{At: at(60), What: "post posts/a@brand-mastodon and 1 more"}},
		{"held until quiet hours end", []*plan.Change{
			{Address: addr("posts/a"), Action: plan.Create, At: at(600), Scheduled: true},
			{Address: addr("posts/q"), Action: plan.Create, Held: "quiet hours 21:30-07:30", HeldUntil: at(45)},
		}, nil, Wake{At: at(45), What: "post posts/q@brand-mastodon, held: quiet hours 21:30-07:30"}},
		{"held for good", []*plan.Change{
			{Address: addr("posts/d"), Action: plan.Create, Held: "draft"},
		}, nil, Wake{}},
		{"scheduled draft waits for nothing", []*plan.Change{
			{Address: addr("posts/d"), Action: plan.Create, At: at(5), Scheduled: true, Held: "draft"},
		}, nil, Wake{}},
		{"claim of another run expires", []*plan.Change{
			{Address: addr("posts/a"), Action: plan.Create, At: at(600), Scheduled: true},
		}, []*state.Record{
			{Address: addr("posts/x"), Status: state.Claimed, Claim: &state.Claim{Run: "r9", Expires: at(15), Op: state.OpPublish, Key: "k"}},
		}, Wake{At: at(15), What: "claim of run r9 on posts/x@brand-mastodon expires"}},
		{"past times are not wake-ups", []*plan.Change{
			{Address: addr("posts/a"), Action: plan.Create, At: at(-5), Scheduled: true},
		}, nil, Wake{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := state.New()
			for _, r := range tc.records {
				st.Records[r.Address] = r
			}
			got := NextWake(&plan.Plan{Changes: tc.changes}, st, now)
			if !got.At.Equal(tc.want.At) || got.What != tc.want.What {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	for attempts, want := range map[int]time.Duration{0: 2 * time.Minute, 1: 2 * time.Minute, 2: 8 * time.Minute, 3: 32 * time.Minute, 4: 2 * time.Hour, 9: 2 * time.Hour} {
		if got := RetryDelay(attempts); got != want {
			t.Errorf("RetryDelay(%d) = %v, want %v", attempts, got, want)
		}
	}
}

func TestHoldRetries(t *testing.T) {
	failedAt := now.Add(-5 * time.Minute)
	st := state.New()
	for _, r := range []*state.Record{
		{Address: addr("posts/fresh-failure"), Status: state.Failed, Attempts: 2, LastError: "HTTP 503", UpdatedAt: failedAt},
		{Address: addr("posts/old-failure"), Status: state.Failed, Attempts: 1, LastError: "HTTP 503", UpdatedAt: failedAt},
		{Address: addr("posts/failed-update"), Status: state.Published, Attempts: 3, LastError: "HTTP 500", UpdatedAt: failedAt, Digest: "d1"},
		{Address: addr("posts/ok"), Status: state.Published, Attempts: 1, UpdatedAt: failedAt, Digest: "d1"},
	} {
		st.Records[r.Address] = r
	}
	p := &plan.Plan{Changes: []*plan.Change{
		{Address: addr("posts/fresh-failure"), Action: plan.Create},
		{Address: addr("posts/old-failure"), Action: plan.Create},
		{Address: addr("posts/failed-update"), Action: plan.Update},
		{Address: addr("posts/ok"), Action: plan.Update},
		{Address: addr("posts/new"), Action: plan.Create},
	}}
	HoldRetries(p, st, now, nil)
	due := map[string]bool{}
	for _, ch := range p.Due() {
		due[ch.Address.Post] = true
	}
	want := map[string]bool{"posts/old-failure": true, "posts/ok": true, "posts/new": true}
	for post := range want {
		if !due[post] {
			t.Errorf("%s held back: %s", post, p.ChangeFor(addr(post)).Held)
		}
	}
	if ch := p.ChangeFor(addr("posts/fresh-failure")); ch.Due() || !ch.HeldUntil.Equal(failedAt.Add(8*time.Minute)) || !strings.Contains(ch.Held, "attempt 2 failed (HTTP 503)") {
		t.Errorf("fresh failure: due=%v held %q until %v", ch.Due(), ch.Held, ch.HeldUntil)
	}
	if ch := p.ChangeFor(addr("posts/failed-update")); ch.Due() || !ch.HeldUntil.Equal(failedAt.Add(32*time.Minute)) {
		t.Errorf("failed update: due=%v until %v", ch.Due(), ch.HeldUntil)
	}
	if w := NextWake(p, st, now); !w.At.Equal(failedAt.Add(8 * time.Minute)) {
		t.Errorf("next wake %+v", w)
	}
}
