package blueskyfake

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// writeJSON answers 200 with v.
func writeJSON(w http.ResponseWriter, v any) {
	writeStatus(w, http.StatusOK, v)
}

func writeStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// xrpcError answers an XRPC error body.
func xrpcError(w http.ResponseWriter, status int, name, message string) {
	writeStatus(w, status, map[string]string{"error": name, "message": message})
}

func invalidRequest(w http.ResponseWriter, message string) {
	xrpcError(w, http.StatusBadRequest, "InvalidRequest", message)
}

func internalError(w http.ResponseWriter) {
	// A PDS hides the cause of every 500 behind the same body.
	xrpcError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
}

// authFailure is why a request's credentials were refused.
type authFailure struct {
	status        int
	name, message string
}

func (f *authFailure) write(w http.ResponseWriter) { xrpcError(w, f.status, f.name, f.message) }

// bearer checks the request's bearer token: an access token, or a refresh
// token when refresh is set. It returns the token's DID. Call with s.mu held.
func (s *Server) bearer(r *http.Request, refresh bool) (string, *authFailure) {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if h == "" || !ok || raw == "" {
		return "", &authFailure{http.StatusUnauthorized, "AuthMissing", "Authentication Required"}
	}
	t, ok := s.tokens[raw]
	switch {
	case !ok || t.revoked:
		return "", &authFailure{http.StatusBadRequest, "InvalidToken", "Token could not be verified"}
	case t.refresh != refresh:
		return "", &authFailure{http.StatusBadRequest, "InvalidToken", "Invalid token type"}
	case t.expired:
		return "", &authFailure{http.StatusBadRequest, "ExpiredToken", "Token has expired"}
	}
	return t.did, nil
}

// cid returns a CIDv1 (base32, sha2-256) of data with the given multicodec:
// 0x71 (dag-cbor) for records, 0x55 (raw) for blobs. The fake hashes the
// JSON it stores, not a CBOR encoding, so its CIDs are well formed but not
// the ones a PDS would compute for the same record.
func cid(codec byte, data []byte) string {
	sum := sha256.Sum256(data)
	b := append([]byte{0x01, codec, 0x12, 0x20}, sum[:]...)
	return "b" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// didFor returns a did:plc-shaped identifier derived from a handle.
func didFor(handle string) string {
	sum := sha256.Sum256([]byte(handle))
	return "did:plc:" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:24]
}

const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tid returns a TID for the time t and a sequence number as clock id.
func tid(t time.Time, seq int) string {
	v := uint64(t.UnixMicro())<<10 | uint64(seq&1023)
	v &^= 1 << 63
	var b [13]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

// validTID reports whether s has TID syntax: 13 base32-sortable characters,
// the first one 2–j (the value fits in 64 bits).
func validTID(s string) bool {
	if len(s) != 13 || !strings.ContainsRune("234567abcdefghij", rune(s[0])) {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune(tidAlphabet, c) {
			return false
		}
	}
	return true
}

// datetime formats t as AT Protocol datetimes are written.
func datetime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// validDatetime reports whether s is an RFC 3339 datetime with a time zone,
// as the atproto datetime format requires.
func validDatetime(s string) bool {
	if len(s) < 20 || s[10] != 'T' {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
