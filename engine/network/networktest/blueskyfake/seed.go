package blueskyfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Seeding: other people's accounts and what they do with the account's
// posts, for tests of metrics and interactions. These act directly on the
// fake's state; they are not requests and count no write.

// AddAccount creates an account and returns its DID. An account that
// exists already keeps its DID and takes the new password.
func (s *Server) AddAccount(handle, password string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	handle = strings.ToLower(handle)
	did := didFor(handle)
	s.accounts[did] = &account{did: did, handle: handle, password: password}
	s.handles[handle] = did
	return did
}

// Like records that the account handle liked the post at uri, at the time at
// (the fake's now when zero).
func (s *Server) Like(uri, handle string, at time.Time) error {
	return s.interact(s.likes, uri, handle, at)
}

// Repost records that the account handle reposted the post at uri.
func (s *Server) Repost(uri, handle string, at time.Time) error {
	return s.interact(s.reposts, uri, handle, at)
}

func (s *Server) interact(m map[string][]interaction, uri, handle string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	did, ok := s.handles[strings.ToLower(handle)]
	if !ok {
		return fmt.Errorf("blueskyfake: unknown handle %q", handle)
	}
	if _, ok := s.byURI[uri]; !ok {
		return fmt.Errorf("blueskyfake: no post %s", uri)
	}
	m[uri] = append(m[uri], interaction{did: did, at: s.interactionAt(at)})
	return nil
}

// Reply publishes, as the account handle, a reply to the post at uri and
// returns the reply's AT URI.
func (s *Server) Reply(uri, handle, text string, at time.Time) (string, error) {
	return s.seedPost(uri, handle, text, at, false)
}

// Quote publishes, as the account handle, a post quoting the post at uri and
// returns its AT URI.
func (s *Server) Quote(uri, handle, text string, at time.Time) (string, error) {
	return s.seedPost(uri, handle, text, at, true)
}

func (s *Server) seedPost(uri, handle, text string, at time.Time, quote bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	did, ok := s.handles[strings.ToLower(handle)]
	if !ok {
		return "", fmt.Errorf("blueskyfake: unknown handle %q", handle)
	}
	target, ok := s.byURI[uri]
	if !ok {
		return "", fmt.Errorf("blueskyfake: no post %s", uri)
	}
	at = s.interactionAt(at)
	ref := strongRefValue{URI: target.uri, CID: target.cid}
	p := postValue{Type: postCollection, Text: text, CreatedAt: datetime(at), hasText: true, hasCreatedAt: true}
	if quote {
		p.Embed = &embedValue{Type: "app.bsky.embed.record", Record: &ref}
	} else {
		root := ref
		if target.post.Reply != nil {
			root = target.post.Reply.Root
		}
		p.Reply = &replyValue{Root: root, Parent: ref}
	}
	if msg := s.checkPost(&p); msg != "" {
		return "", fmt.Errorf("blueskyfake: %s", msg)
	}
	value, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("blueskyfake: encode post: %w", err)
	}
	s.seq++
	rec := s.store(did, tid(at, s.seq), value, p)
	rec.at = at
	return rec.uri, nil
}
