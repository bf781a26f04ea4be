package mastodonfake

import "slices"

// Undoing what other people did, for tests of contests whose entrants
// change their minds. Like Favourite, Reblog and Reply, these act directly
// on the fake's state; they are not requests and count no write.

// Unfavourite removes acct's favourite of status id.
func (s *Server) Unfavourite(id, acct string) {
	s.undo(s.favs, id, acct, func(st *status) { st.FavouritesCount-- })
}

// Unreblog removes acct's boost of status id.
func (s *Server) Unreblog(id, acct string) {
	s.undo(s.reblogs, id, acct, func(st *status) { st.ReblogsCount-- })
}

func (s *Server) undo(m map[string][]account, id, acct string, count func(*status)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	who := other(acct)
	before := len(m[id])
	m[id] = slices.DeleteFunc(m[id], func(a account) bool { return a.ID == who.ID })
	if st := s.statuses[id]; st != nil && len(m[id]) < before {
		count(st)
	}
}

// DeleteReply deletes a status another account wrote (one made with Reply),
// as its author would; it reports whether there was one to delete.
func (s *Server) DeleteReply(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statuses[id]
	if st == nil || st.deleted || st.Account.ID == self.ID {
		return false
	}
	st.deleted = true
	if parent := s.statuses[st.InReplyToID]; parent != nil {
		parent.RepliesCount--
	}
	return true
}
