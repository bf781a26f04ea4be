package xfake

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Published OAuth 1.0a test vectors: the example of X's "Creating a
// signature" guide, and the one of RFC 5849 section 1.2.
func TestSignatureVectors(t *testing.T) {
	tests := []struct {
		name                        string
		method, uri                 string
		query, form                 url.Values
		oauth                       map[string]string
		consumerSecret, tokenSecret string
		want                        string
	}{
		{
			name:   "x guide",
			method: "POST", uri: "https://api.twitter.com/1.1/statuses/update.json",
			query: url.Values{"include_entities": {"true"}},
			form:  url.Values{"status": {"Hello Ladies + Gentlemen, a signed OAuth request!"}},
			oauth: map[string]string{
				"oauth_consumer_key":     "xvz1evFS4wEEPTGEFPHBog",
				"oauth_nonce":            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
				"oauth_signature_method": "HMAC-SHA1",
				"oauth_timestamp":        "1318622958",
				"oauth_token":            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
				"oauth_version":          "1.0",
			},
			consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
			tokenSecret:    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
			want:           "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
		},
		{
			name:   "rfc 5849",
			method: "GET", uri: "http://photos.example.net/photos",
			query: url.Values{"file": {"vacation.jpg"}, "size": {"original"}},
			oauth: map[string]string{
				"oauth_consumer_key":     "dpf43f3p2l4k3l03",
				"oauth_token":            "nnch734d00sl2jdk",
				"oauth_signature_method": "HMAC-SHA1",
				"oauth_timestamp":        "137131202",
				"oauth_nonce":            "chapoH",
			},
			consumerSecret: "kd94hf93k423kf44",
			tokenSecret:    "pfkkdhi9sl3r4s00",
			want:           "MdpQcU8iPSUjWoN/UDMsK2sui9I=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := signatureBase(tt.method, tt.uri, tt.query, tt.form, tt.oauth)
			if got := sign(base, tt.consumerSecret, tt.tokenSecret); got != tt.want {
				t.Errorf("signature %q, want %q\nbase string: %s", got, tt.want, base)
			}
		})
	}
}

func TestPercentEncode(t *testing.T) {
	tests := map[string]string{
		"Ladies + Gentlemen": "Ladies%20%2B%20Gentlemen",
		"An encoded string!": "An%20encoded%20string%21",
		"Dogs, Cats & Mice":  "Dogs%2C%20Cats%20%26%20Mice",
		"☃":                  "%E2%98%83",
		"a-b.c_d~e":          "a-b.c_d~e",
	}
	for in, want := range tests {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOAuthParams(t *testing.T) {
	p, err := oauthParams(`OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjz%2BVB", oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjLY%3D", oauth_version="1.0"`)
	if err != nil {
		t.Fatal(err)
	}
	if p["oauth_nonce"] != "kYjz+VB" || p["oauth_signature"] != "tnnArxj06cWHq44gCs1OSKk/jLY=" || len(p) != 4 {
		t.Errorf("params = %v", p)
	}
	for _, bad := range []string{`Bearer abc`, `OAuth oauth_nonce=abc`, `OAuth oauth_nonce="abc`} {
		if _, err := oauthParams(bad); err == nil {
			t.Errorf("oauthParams(%q): no error", bad)
		}
	}
}

// signedRequest builds a request to the fake signed with the given secrets.
func signedRequest(t *testing.T, f *Fake, consumerSecret, nonce string) *http.Request {
	t.Helper()
	r, err := http.NewRequest("GET", f.URL()+"/2/users/me?user.fields=public_metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	oauth := map[string]string{
		"oauth_consumer_key": ConsumerKey, "oauth_token": AccessToken, "oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp": "1772445600", "oauth_nonce": nonce, "oauth_version": "1.0",
	}
	base := signatureBase("GET", strings.ToLower(f.URL())+"/2/users/me", r.URL.Query(), nil, oauth)
	oauth["oauth_signature"] = sign(base, consumerSecret, AccessSecret)
	var parts []string
	for k, v := range oauth {
		parts = append(parts, percentEncode(k)+`="`+percentEncode(v)+`"`)
	}
	r.Header.Set("Authorization", "OAuth "+strings.Join(parts, ", "))
	return r
}

func TestFakeVerifiesOAuth1(t *testing.T) {
	f := New(Options{OAuth1: true})
	defer f.Close()
	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"good", signedRequest(t, f, ConsumerSecret, "n-1"), http.StatusOK},
		{"replayed nonce", signedRequest(t, f, ConsumerSecret, "n-1"), http.StatusUnauthorized},
		{"wrong secret", signedRequest(t, f, "not-the-secret", "n-2"), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	// A tampered query breaks the signature.
	r := signedRequest(t, f, ConsumerSecret, "n-3")
	r.URL.RawQuery = "user.fields=id"
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered query: status %d, want 401", resp.StatusCode)
	}
}
