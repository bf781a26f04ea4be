package xfake

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// This file verifies OAuth 1.0a (RFC 5849) HMAC-SHA1 signatures, written
// from the RFC independently of the client's signing library so that each
// checks the other.

// oauthParams parses an "Authorization: OAuth k="v", …" header.
func oauthParams(header string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(header, "OAuth ")
	if !ok {
		return nil, errors.New("not an OAuth authorization")
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("malformed parameter %q", part)
		}
		key, err1 := url.PathUnescape(k)
		val, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("malformed parameter %q", part)
		}
		params[key] = val
	}
	return params, nil
}

// percentEncode encodes s as RFC 5849 section 3.6 says: every byte but the
// unreserved characters A-Z a-z 0-9 - . _ ~ as %XX with uppercase hex.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// signatureBase builds the signature base string (RFC 5849 section 3.4.1):
// the method, the base string URI and the normalized parameters — the
// query's, the form body's and the oauth_* ones but the signature and realm.
func signatureBase(method, baseURI string, query url.Values, form url.Values, oauth map[string]string) string {
	type pair struct{ k, v string }
	var pairs []pair
	add := func(k, v string) { pairs = append(pairs, pair{percentEncode(k), percentEncode(v)}) }
	for k, vs := range query {
		for _, v := range vs {
			add(k, v)
		}
	}
	for k, vs := range form {
		for _, v := range vs {
			add(k, v)
		}
	}
	for k, v := range oauth {
		if k != "oauth_signature" && k != "realm" {
			add(k, v)
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	norm := make([]string, len(pairs))
	for i, p := range pairs {
		norm[i] = p.k + "=" + p.v
	}
	return strings.ToUpper(method) + "&" + percentEncode(baseURI) + "&" + percentEncode(strings.Join(norm, "&"))
}

// sign computes the HMAC-SHA1 signature of base with the two secrets.
func sign(base, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha1.New, []byte(percentEncode(consumerSecret)+"&"+percentEncode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// baseURI is the request's base string URI (RFC 5849 section 3.4.1.2):
// lowercase scheme and host, the port only when not the scheme's default,
// the path as sent, no query.
func baseURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if h, p, ok := strings.Cut(host, ":"); ok && ((scheme == "http" && p == "80") || (scheme == "https" && p == "443")) {
		host = h
	}
	return scheme + "://" + host + r.URL.EscapedPath()
}

// verifyOAuth1 checks r's OAuth 1.0a header: the consumer and token are the
// fake's, the method is HMAC-SHA1, the nonce is new, and the signature is
// the one the secrets give. body is the request body, part of the signature
// when form-encoded.
func (f *Fake) verifyOAuth1(r *http.Request, body []byte) error {
	p, err := oauthParams(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	switch {
	case p["oauth_consumer_key"] != ConsumerKey:
		return errors.New("unknown consumer key")
	case p["oauth_token"] != AccessToken:
		return errors.New("unknown token")
	case p["oauth_signature_method"] != "HMAC-SHA1":
		return fmt.Errorf("signature method %q", p["oauth_signature_method"])
	case p["oauth_version"] != "" && p["oauth_version"] != "1.0":
		return fmt.Errorf("version %q", p["oauth_version"])
	case p["oauth_nonce"] == "" || p["oauth_timestamp"] == "" || strings.Trim(p["oauth_timestamp"], "0123456789") != "":
		return errors.New("missing nonce or timestamp")
	}
	var form url.Values
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if form, err = url.ParseQuery(string(body)); err != nil {
			return fmt.Errorf("form body: %w", err)
		}
	}
	want := sign(signatureBase(r.Method, baseURI(r), r.URL.Query(), form, p), ConsumerSecret, AccessSecret)
	if !hmac.Equal([]byte(want), []byte(p["oauth_signature"])) {
		return errors.New("invalid signature")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := p["oauth_timestamp"] + "/" + p["oauth_nonce"]
	if f.nonces[key] {
		return errors.New("nonce already used")
	}
	f.nonces[key] = true
	return nil
}
