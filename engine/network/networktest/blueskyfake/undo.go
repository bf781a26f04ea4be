package blueskyfake

import (
	"fmt"
	"slices"
	"strings"
)

// Undoing what other people did, for tests of contests whose entrants
// change their minds. Like the seeding methods, these act directly on the
// fake's state; they are not requests and count no write.

// Unlike removes the like of the account handle on the post at uri.
func (s *Server) Unlike(uri, handle string) error { return s.undo(s.likes, uri, handle) }

// Unrepost removes the repost of the account handle of the post at uri.
func (s *Server) Unrepost(uri, handle string) error { return s.undo(s.reposts, uri, handle) }

func (s *Server) undo(m map[string][]interaction, uri, handle string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	did, ok := s.handles[strings.ToLower(handle)]
	if !ok {
		return fmt.Errorf("blueskyfake: unknown handle %q", handle)
	}
	m[uri] = slices.DeleteFunc(m[uri], func(it interaction) bool { return it.did == did })
	return nil
}

// DeleteSeeded deletes a reply or quote made with Reply or Quote, as its
// author would.
func (s *Server) DeleteSeeded(uri string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.byURI[uri]
	if !ok {
		return fmt.Errorf("blueskyfake: no post %s", uri)
	}
	if strings.HasPrefix(uri, "at://"+s.main+"/") {
		return fmt.Errorf("blueskyfake: %s is the account's own post, not a seeded one", uri)
	}
	rec.deleted = true
	delete(s.byURI, uri)
	return nil
}
