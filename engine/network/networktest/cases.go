package networktest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// cases lists the suite's rows; see Run.
func cases() []testCase {
	cs := []testCase{
		{"capabilities", always, testCapabilities},
		{"publish/plain", always, testPlain},
		{"publish/thread", func(s *rig) string {
			return unless(s.caps.Threads, "Capabilities.Threads is false")
		}, testThread},
		{"publish/media", func(s *rig) string {
			return unless(s.caps.MaxMedia > 0, "Capabilities.MaxMedia is 0")
		}, testMedia},
		{"publish/poll", func(s *rig) string {
			return unless(s.caps.Polls, "Capabilities.Polls is false")
		}, testPoll},
		{"delete", func(s *rig) string {
			return unless(s.caps.Delete, "Capabilities.Delete is false")
		}, testDelete},
		{"edit", func(s *rig) string {
			return unless(isA[network.Editor](s.adapter), "the adapter is not an Editor")
		}, testEdit},
	}
	for _, f := range []Fault{FailBefore, FailAfter, HangAfter, DropAfter, RateLimit, Unauthorized} {
		cs = append(cs, testCase{"fault/" + f.String(), always, func(t *testing.T, s *rig) { faultCase(t, s, f) }})
	}
	return append(cs,
		testCase{"errors/secrets", always, testErrorSecrets},
		testCase{"logging", always, testLogging},
		testCase{"dry-run", always, testDryRun},
		testCase{"wrappers", always, testWrappers},
		testCase{"metrics", func(s *rig) string {
			return unless(isA[network.MetricsReader](s.adapter), "the adapter is not a MetricsReader")
		}, testMetrics},
		testCase{"followers", func(s *rig) string {
			return unless(isA[network.FollowerCounter](s.adapter), "the adapter is not a FollowerCounter")
		}, testFollowers},
		testCase{"interactions", func(s *rig) string {
			return unless(isA[network.InteractionLister](s.adapter), "the adapter is not an InteractionLister")
		}, testInteractions},
	)
}

func unless(ok bool, why string) string {
	if ok {
		return ""
	}
	return why
}

func isA[T any](a network.Adapter) bool { _, ok := a.(T); return ok }

func testCapabilities(t *testing.T, s *rig) {
	c := s.caps
	if s.adapter.Network() == "" {
		t.Error("Network() is empty")
	}
	if c.Format == "" || c.TextLimit <= 0 {
		t.Errorf("Format %q, TextLimit %d: both must be set", c.Format, c.TextLimit)
	}
	if c.Edit != isA[network.Editor](s.adapter) {
		t.Errorf("Capabilities.Edit is %v but the adapter implementing Editor is %v", c.Edit, !c.Edit)
	}
	switch c.Idempotency {
	case network.IdempotencyKey, network.IdempotencyRecordKey, network.IdempotencyLookup, network.IdempotencyNone:
	default:
		t.Errorf("Capabilities.Idempotency %q is not one of the defined mechanisms", c.Idempotency)
	}
	if c.Idempotency == network.IdempotencyLookup && !isA[network.Lookup](s.adapter) {
		t.Error("Capabilities.Idempotency is lookup but the adapter is not a Lookup")
	}
	if c.Polls && c.PollMaxOptions < 2 {
		t.Errorf("Polls with PollMaxOptions %d: a poll needs two options", c.PollMaxOptions)
	}
	if c.MaxMedia > 0 && len(c.MediaTypes) == 0 {
		t.Error("MaxMedia > 0 but MediaTypes is empty")
	}
	if c.RequiresMedia && c.MaxMedia == 0 {
		t.Error("RequiresMedia with MaxMedia 0: nothing could be published")
	}
	if (c.Rate.Requests > 0) != (c.Rate.Window > 0) {
		t.Errorf("Rate %+v: Requests and Window go together", c.Rate)
	}
}

func testPlain(t *testing.T, s *rig) {
	p := s.post("plain")
	ref := s.publish(p)
	m := s.one(ref.ID)
	if m.Text != p.Text {
		t.Errorf("stored text %q, want %q", m.Text, p.Text)
	}
	if m.ReplyTo != "" {
		t.Errorf("stored reply_to %q for a message that replies to nothing", m.ReplyTo)
	}
	if n := s.fake.Writes(); n != 1 {
		t.Errorf("fake counted %d writes, want 1", n)
	}
	if l, ok := s.adapter.(network.Lookup); ok {
		got, res, err := l.Lookup(s.ctx, p)
		s.noSecrets("lookup error", err)
		if err != nil || res != network.Found || got.ID != ref.ID {
			t.Errorf("lookup of a published message = %q, %v, %v; want %q, found", got.ID, res, err, ref.ID)
		}
	}
}

func testThread(t *testing.T, s *rig) {
	var root, prev *network.Ref
	var ids []string
	for i := range 3 {
		p := s.post("thread-part")
		p.ReplyTo, p.Root = prev, root
		ref := s.publish(p)
		m := s.one(ref.ID)
		want := ""
		if prev != nil {
			want = prev.ID
		}
		if m.ReplyTo != want {
			t.Errorf("part %d replies to %q, want %q", i+1, m.ReplyTo, want)
		}
		if root == nil {
			root = &ref
		}
		prev = &ref
		ids = append(ids, ref.ID)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 3 {
		t.Errorf("thread parts share ids: %v", ids)
	}
}

func testMedia(t *testing.T, s *rig) {
	p := s.post("media")
	n := min(s.caps.MaxMedia, 2)
	alts := []string{"A green square on white", "A second square, a little bluer"}[:n]
	p.Media = nil
	for i, alt := range alts {
		p.Media = append(p.Media, Image(s.caps.MediaTypes, i+1, alt))
	}
	ref := s.publish(p)
	m := s.one(ref.ID)
	if len(m.Media) != n {
		t.Fatalf("stored %d attachments, want %d", len(m.Media), n)
	}
	if s.caps.AltText && !slices.Equal(m.Media, alts) {
		t.Errorf("stored alt texts %q, want %q", m.Media, alts)
	}
}

func testPoll(t *testing.T, s *rig) {
	p := s.post("poll")
	p.Media = nil
	opts := []string{"Yes", "No", "Maybe"}[:min(3, s.caps.PollMaxOptions)]
	p.Poll = &network.Poll{Options: opts, Duration: 24 * time.Hour}
	ref := s.publish(p)
	if m := s.one(ref.ID); !slices.Equal(m.Poll, opts) {
		t.Errorf("stored poll %q, want %q", m.Poll, opts)
	}
}

func testDelete(t *testing.T, s *rig) {
	p := s.post("delete")
	ref := s.publish(p)
	if err := s.adapter.Delete(s.ctx, ref); err != nil {
		s.noSecrets("delete error", err)
		t.Fatalf("delete: %v", err)
	}
	if got := s.stored(p.Text); len(got) != 0 {
		t.Fatalf("after delete the fake still stores %+v", got)
	}
	if err := s.adapter.Delete(s.ctx, ref); err != nil {
		t.Errorf("deleting an already deleted message: %v, want nil", err)
	}
	if l, ok := s.adapter.(network.Lookup); ok {
		if _, res, err := l.Lookup(s.ctx, p); err == nil && res == network.Found {
			t.Error("lookup finds a deleted message")
		}
	}
}

func testEdit(t *testing.T, s *rig) {
	p := s.post("edit")
	ref := s.publish(p)
	edited := *p
	edited.Text = p.Text + " edited"
	out, err := s.adapter.(network.Editor).Edit(s.ctx, ref, &edited)
	s.noSecrets("edit error", err)
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	if out.IsZero() {
		t.Fatal("edit returned an empty Ref")
	}
	if m := s.one(out.ID); m.Text != edited.Text {
		t.Errorf("after edit the text is %q, want %q", m.Text, edited.Text)
	}
	if n := len(s.fake.Messages()); n != 1 {
		t.Errorf("after edit the fake stores %d messages, want 1", n)
	}
}

// faultCase injects f on a publish and checks the never-twice, never-lost
// property through WithRetry and, where the adapter has it, Lookup:
//   - at most one message is ever stored for the post, and the fake counts
//     at most one write;
//   - a returned Ref names the stored message;
//   - an error after a fault that performed the write (FailAfter, HangAfter,
//     DropAfter) is MaybeWritten, and Lookup then finds the message by ID;
//   - after FailBefore with an error, Lookup proves Absent, and publishing
//     again (what the engine does on Absent) stores exactly one message;
//   - RateLimit maps to RateLimited with the fake's RetryAfter (±1s) and no
//     write; WithRetry waits that long and then succeeds;
//   - Unauthorized maps to Auth, writes nothing, and is not retried.
func faultCase(t *testing.T, s *rig, f Fault) {
	p := s.post("fault-" + f.String())
	switch f {
	case RateLimit:
		faultRateLimit(t, s, p)
		return
	case Unauthorized:
		s.fake.Inject(Unauthorized)
		_, err := s.retried(s.adapter).Publish(s.ctx, p)
		s.noSecrets("publish error", err)
		if c := network.ClassOf(err); err == nil || c != network.Auth {
			t.Fatalf("publish after Unauthorized: %v (class %v), want an auth error", err, c)
		}
		if n := s.fake.Writes(); n != 0 {
			t.Errorf("fake counted %d writes after Unauthorized, want 0", n)
		}
		if w := s.clock.Slept(); len(w) != 0 {
			t.Errorf("an auth error was retried (waits %v)", w)
		}
		return
	}
	s.fake.Inject(f)
	ref, err := s.retried(s.adapter).Publish(s.ctx, p)
	s.noSecrets("publish error", err)
	got := s.stored(p.Text)
	if len(got) > 1 || s.fake.Writes() > 1 {
		t.Fatalf("after %v: %d messages stored, %d writes: published twice", f, len(got), s.fake.Writes())
	}
	written := f != FailBefore
	if written && len(got) != 1 {
		t.Fatalf("after %v the fake stores %d messages; the fault performed the write, want 1", f, len(got))
	}
	if err == nil {
		if len(got) != 1 || got[0].ID != ref.ID {
			t.Fatalf("publish returned %q but the fake stores %+v", ref.ID, got)
		}
		return
	}
	if written && !network.MaybeWritten(err) {
		t.Errorf("after %v the error %v is not MaybeWritten although the write took effect", f, err)
	}
	l, ok := s.adapter.(network.Lookup)
	if !ok {
		return // the engine marks the record unconfirmed: lost to no one
	}
	found, res, lerr := l.Lookup(s.ctx, p)
	s.noSecrets("lookup error", lerr)
	if len(got) == 1 {
		if lerr != nil || res != network.Found || found.ID != got[0].ID {
			t.Fatalf("publish failed (%v) after the write; lookup = %q, %v, %v; want %q, found", err, found.ID, res, lerr, got[0].ID)
		}
		return
	}
	if lerr != nil || res != network.Absent {
		t.Fatalf("publish failed (%v) before the write; lookup = %v, %v; want absent", err, res, lerr)
	}
	again := s.publish(p)
	if got := s.stored(p.Text); len(got) != 1 || got[0].ID != again.ID {
		t.Fatalf("publishing again after absent: the fake stores %+v, want exactly %q", got, again.ID)
	}
}

func faultRateLimit(t *testing.T, s *rig, p *network.Post) {
	want := s.fake.RetryAfter()
	s.fake.Inject(RateLimit)
	_, err := s.adapter.Publish(s.ctx, p)
	s.noSecrets("publish error", err)
	if c := network.ClassOf(err); err == nil || c != network.RateLimited {
		t.Fatalf("publish after RateLimit: %v (class %v), want rate-limited", err, c)
	}
	if d := network.RetryAfter(err) - want; d < -time.Second || d > time.Second {
		t.Errorf("RetryAfter %v, want the fake's %v", network.RetryAfter(err), want)
	}
	if n := s.fake.Writes(); n != 0 {
		t.Errorf("fake counted %d writes after a rate limit, want 0", n)
	}
	s.fake.Inject(RateLimit)
	ref, err := s.retried(s.adapter).Publish(s.ctx, p)
	if err != nil {
		t.Fatalf("publish through WithRetry after a rate limit: %v", err)
	}
	if got := s.stored(p.Text); len(got) != 1 || got[0].ID != ref.ID {
		t.Fatalf("the fake stores %+v, want exactly %q", got, ref.ID)
	}
	waits := s.clock.Slept()
	if len(waits) == 0 || waits[0]-want < -time.Second || waits[0]-want > time.Second {
		t.Errorf("WithRetry waited %v, want first %v", waits, want)
	}
}

// testErrorSecrets provokes the errors a network can return (auth, rate
// limit, not found, server failure) and checks none carries a secret.
func testErrorSecrets(t *testing.T, s *rig) {
	for _, f := range []Fault{Unauthorized, RateLimit, FailBefore} {
		s.fake.Inject(f)
		_, err := s.adapter.Publish(s.ctx, s.post("secret-"+f.String()))
		if err == nil {
			t.Errorf("publish after %v succeeded", f)
		}
		s.noSecrets("publish error after "+f.String(), err)
	}
	bogus := network.Ref{ID: "999999999999999999", URL: "https://example.invalid/999"}
	s.noSecrets("delete error", s.adapter.Delete(s.ctx, bogus))
	if m, ok := s.adapter.(network.MetricsReader); ok {
		_, err := m.Metrics(s.ctx, bogus)
		if err == nil {
			t.Error("metrics of a message that does not exist: no error")
		}
		s.noSecrets("metrics error", err)
	}
	if e, ok := s.adapter.(network.Editor); ok {
		_, err := e.Edit(s.ctx, bogus, s.post("secret-edit"))
		if err == nil {
			t.Error("edit of a message that does not exist: no error")
		}
		if err != nil && !errors.Is(err, network.ErrNotFound) {
			t.Errorf("edit of a message that does not exist: %v, want one wrapping network.ErrNotFound", err)
		}
		s.noSecrets("edit error", err)
	}
}
