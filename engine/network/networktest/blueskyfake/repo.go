package blueskyfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

// session answers createSession and refreshSession.
type session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
	Active     bool   `json:"active"`
}

// issue creates a token pair for did. Call with s.mu held.
func (s *Server) issue(did string) session {
	s.seq++
	access := fmt.Sprintf("fake-access.%s.%d", strings.TrimPrefix(did, "did:plc:"), s.seq)
	refresh := fmt.Sprintf("fake-refresh.%s.%d", strings.TrimPrefix(did, "did:plc:"), s.seq)
	s.tokens[access] = &token{did: did}
	s.tokens[refresh] = &token{did: did, refresh: true}
	return session{AccessJwt: access, RefreshJwt: refresh, Handle: s.accounts[did].handle, DID: did, Active: true}
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Identifier == "" || in.Password == "" {
		invalidRequest(w, `Input must have the properties "identifier" and "password"`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	did := in.Identifier
	if !strings.HasPrefix(did, "did:") {
		did = s.handles[strings.ToLower(strings.TrimPrefix(in.Identifier, "@"))]
	}
	acct, ok := s.accounts[did]
	if !ok || acct.password != in.Password {
		xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
		return
	}
	writeJSON(w, s.issue(did))
}

func (s *Server) refreshSession(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	did, fail := s.bearer(r, true)
	if fail != nil {
		fail.write(w)
		return
	}
	old := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.tokens[old].revoked = true
	writeJSON(w, s.issue(did))
}

func (s *Server) resolveHandle(w http.ResponseWriter, r *http.Request) {
	handle := strings.ToLower(r.URL.Query().Get("handle"))
	if handle == "" {
		invalidRequest(w, `Params must have the property "handle"`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	did, ok := s.handles[handle]
	if !ok {
		invalidRequest(w, "Unable to resolve handle")
		return
	}
	writeJSON(w, map[string]string{"did": did})
}

// write runs a write request through the fault queue: the fault decides
// whether perform runs and what the client receives afterwards.
func (s *Server) write(w http.ResponseWriter, r *http.Request, perform func(w http.ResponseWriter)) {
	s.mu.Lock()
	f := networktest.NoFault
	if len(s.faults) > 0 {
		f, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	switch f {
	case networktest.Unauthorized:
		xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
		return
	case networktest.FailBefore:
		internalError(w)
		return
	case networktest.RateLimit:
		s.rateLimited(w)
		return
	case networktest.NoFault:
		perform(w)
		return
	}
	rec := httptest.NewRecorder()
	perform(rec)
	switch f {
	case networktest.FailAfter:
		internalError(w)
	case networktest.HangAfter:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case networktest.DropAfter:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
}

// rateLimited answers 429 as a PDS does when a limit is exhausted, with a
// reset RetryAfter from now.
func (s *Server) rateLimited(w http.ResponseWriter) {
	s.mu.Lock()
	reset := s.now().Add(s.retryAfter).Unix()
	s.mu.Unlock()
	h := w.Header()
	h.Set("RateLimit-Remaining", "0")
	h.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
	xrpcError(w, http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	s.write(w, r, func(w http.ResponseWriter) {
		var in struct {
			Repo       string          `json:"repo"`
			Collection string          `json:"collection"`
			Rkey       string          `json:"rkey"`
			Validate   *bool           `json:"validate"`
			Record     json.RawMessage `json:"record"`
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		did, fail := s.bearer(r, false)
		if fail != nil {
			fail.write(w)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Repo == "" || in.Collection == "" || len(in.Record) == 0 {
			invalidRequest(w, `Input must have the properties "repo", "collection" and "record"`)
			return
		}
		if s.repoDID(in.Repo) != did {
			xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
			return
		}
		if in.Collection != postCollection {
			invalidRequest(w, "Invalid collection: the fake stores "+postCollection+" records only")
			return
		}
		rkey := in.Rkey
		if rkey == "" {
			s.seq++
			rkey = tid(s.now(), s.seq)
		} else if !validTID(rkey) {
			invalidRequest(w, fmt.Sprintf("Invalid record key for %s: Invalid TID string (got %q) at $", postCollection, rkey))
			return
		}
		post, msg := s.decodePost(in.Record)
		if msg != "" {
			invalidRequest(w, msg)
			return
		}
		uri := "at://" + did + "/" + postCollection + "/" + rkey
		if _, dup := s.byURI[uri]; dup {
			// The repository's tree refuses a second value at the key, and the
			// PDS reports that as an unexplained 500.
			internalError(w)
			return
		}
		rec := s.store(did, rkey, in.Record, post)
		s.writes++
		s.seq++
		writeJSON(w, map[string]any{
			"uri":              rec.uri,
			"cid":              rec.cid,
			"commit":           map[string]string{"cid": cid(0x71, []byte(rec.uri+"#commit")), "rev": tid(s.now(), s.seq)},
			"validationStatus": "valid",
		})
	})
}

// store keeps a validated post. Call with s.mu held.
func (s *Server) store(did, rkey string, value json.RawMessage, post postValue) *record {
	rec := &record{
		uri:   "at://" + did + "/" + postCollection + "/" + rkey,
		did:   did,
		rkey:  rkey,
		value: append(json.RawMessage(nil), value...),
		post:  post,
		at:    s.now(),
	}
	rec.cid = cid(0x71, rec.value)
	s.records = append(s.records, rec)
	s.byURI[rec.uri] = rec
	return rec
}

// repoDID returns the DID a repo parameter (DID or handle) names, or "".
// Call with s.mu held.
func (s *Server) repoDID(repo string) string {
	if _, ok := s.accounts[repo]; ok {
		return repo
	}
	return s.handles[strings.ToLower(repo)]
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	repo, collection, rkey := q.Get("repo"), q.Get("collection"), q.Get("rkey")
	if repo == "" || collection == "" || rkey == "" {
		invalidRequest(w, `Params must have the properties "repo", "collection" and "rkey"`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	did := s.repoDID(repo)
	if did == "" {
		invalidRequest(w, "Could not locate record")
		return
	}
	uri := "at://" + did + "/" + collection + "/" + rkey
	rec, ok := s.byURI[uri]
	if !ok {
		xrpcError(w, http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
		return
	}
	writeJSON(w, map[string]any{"uri": rec.uri, "cid": rec.cid, "value": rec.value})
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request) {
	s.write(w, r, func(w http.ResponseWriter) {
		var in struct {
			Repo       string `json:"repo"`
			Collection string `json:"collection"`
			Rkey       string `json:"rkey"`
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		did, fail := s.bearer(r, false)
		if fail != nil {
			fail.write(w)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Repo == "" || in.Collection == "" || in.Rkey == "" {
			invalidRequest(w, `Input must have the properties "repo", "collection" and "rkey"`)
			return
		}
		if s.repoDID(in.Repo) != did {
			xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
			return
		}
		uri := "at://" + did + "/" + in.Collection + "/" + in.Rkey
		rec, ok := s.byURI[uri]
		if !ok {
			// Deleting what is not there succeeds with no commit.
			writeJSON(w, map[string]any{})
			return
		}
		rec.deleted = true
		delete(s.byURI, uri)
		s.writes++
		s.seq++
		writeJSON(w, map[string]any{"commit": map[string]string{
			"cid": cid(0x71, []byte(uri+"#delete")), "rev": tid(s.now(), s.seq),
		}})
	})
}

func (s *Server) uploadBlob(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBlobUpload+1))
	if err != nil {
		invalidRequest(w, "could not read the blob")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, fail := s.bearer(r, false); fail != nil {
		fail.write(w)
		return
	}
	mime := r.Header.Get("Content-Type")
	switch {
	case len(data) > maxBlobUpload:
		xrpcError(w, http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
		return
	case len(data) == 0:
		invalidRequest(w, "Request body is empty")
		return
	case mime == "" || !strings.Contains(mime, "/"):
		invalidRequest(w, "Request encoding (Content-Type) required but not provided")
		return
	}
	ref := cid(0x55, data)
	s.blobs[ref] = blob{mime: mime, size: len(data)}
	writeJSON(w, map[string]any{"blob": map[string]any{
		"$type":    "blob",
		"ref":      map[string]string{"$link": ref},
		"mimeType": mime,
		"size":     len(data),
	}})
}
