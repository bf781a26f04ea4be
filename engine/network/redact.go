package network

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Redacted replaces a secret wherever one is scrubbed.
const Redacted = "[redacted]"

// Redactor scrubs secrets from text, URLs and headers before they are logged
// or put in an error. It knows the account's secret values (in every form
// they may travel in: raw, URL-escaped, JSON-escaped, base64) and the places
// networks put credentials: bearer headers, cookies, token query parameters
// (Facebook's access_token), Telegram's /bot<token>/ path, Discord's and
// Slack's webhook paths. A nil *Redactor scrubs only by position.
type Redactor struct {
	replacer *strings.Replacer
}

// NewRedactor returns a redactor for the given secret values (typically the
// values of Config.Secrets).
func NewRedactor(secrets map[string]string) *Redactor {
	var forms []string
	for _, s := range secrets {
		forms = append(forms, SecretForms(s)...)
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	forms = slices.Compact(forms)
	if len(forms) == 0 {
		return &Redactor{}
	}
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	return &Redactor{replacer: strings.NewReplacer(pairs...)}
}

// minSecret is the shortest value treated as a secret: shorter ones would
// scrub ordinary words and still protect nothing.
const minSecret = 4

// SecretForms lists the forms in which secret may appear in a URL, a header,
// a JSON body or a log line: the value itself, URL-escaped for a query and
// for a path, JSON-escaped, base64 in both alphabets, and, for a secret that
// is a URL (a webhook), its last path segment and its password.
func SecretForms(secret string) []string {
	if len(secret) < minSecret {
		return nil
	}
	forms := []string{
		secret,
		url.QueryEscape(secret),
		url.PathEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)),
		base64.RawStdEncoding.EncodeToString([]byte(secret)),
		base64.URLEncoding.EncodeToString([]byte(secret)),
		base64.RawURLEncoding.EncodeToString([]byte(secret)),
	}
	if j, err := json.Marshal(secret); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	if u, err := url.Parse(secret); err == nil && u.Scheme != "" && u.Host != "" {
		segs := strings.Split(strings.Trim(u.Path, "/"), "/")
		if last := segs[len(segs)-1]; len(last) >= 8 {
			forms = append(forms, last, url.PathEscape(last))
		}
		if pw, ok := u.User.Password(); ok && len(pw) >= minSecret {
			forms = append(forms, pw, url.QueryEscape(pw))
		}
	}
	return slices.DeleteFunc(forms, func(f string) bool { return len(f) < minSecret })
}

// String scrubs every known secret from s.
func (r *Redactor) String(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

var (
	// Telegram: https://api.telegram.org/bot<id>:<token>/<method>.
	telegramPath = regexp.MustCompile(`/bot[0-9]+:[^/?#]+`)
	// Discord: /webhooks/{id}/{token}; the id may be logged, the token not.
	discordPath = regexp.MustCompile(`(/webhooks/[0-9]+/)[^/?#]+`)
	// Slack: /services/T…/B…/<secret>.
	slackPath = regexp.MustCompile(`(/services/[A-Z0-9]+/[A-Z0-9]+/)[^/?#]+`)
	// An opaque query value long enough to be a signature or a token.
	opaqueValue = regexp.MustCompile(`^[A-Za-z0-9_\-.~+/=]{32,}$`)
)

// sensitiveParams are query parameter names whose value is a credential.
var sensitiveParams = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "token": true,
	"client_secret": true, "appsecret_proof": true, "secret": true, "password": true,
	"api_key": true, "apikey": true, "key": true, "signature": true, "sig": true,
	"code": true, "code_verifier": true, "oauth_token": true, "oauth_signature": true,
	"hub.verify_token": true,
}

// URL returns u as text with credentials scrubbed: the user's password,
// sensitive and opaque query values, token path segments, then every known
// secret.
func (r *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
		if _, ok := u.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), "REDACTED")
		}
	}
	c.Path = redactPath(c.Path)
	c.RawPath = ""
	if c.RawQuery != "" {
		q := c.Query()
		for name, values := range q {
			for i, v := range values {
				if sensitiveParams[strings.ToLower(name)] || opaqueValue.MatchString(v) {
					values[i] = Redacted
				}
			}
		}
		c.RawQuery = encodeQuery(q)
	}
	c.Fragment, c.RawFragment = "", ""
	out := strings.ReplaceAll(c.String(), url.PathEscape(Redacted), Redacted)
	out = strings.Replace(out, ":REDACTED@", ":"+Redacted+"@", 1)
	return r.String(out)
}

func redactPath(p string) string {
	p = telegramPath.ReplaceAllString(p, "/bot"+Redacted)
	p = discordPath.ReplaceAllString(p, "${1}"+Redacted)
	return slackPath.ReplaceAllString(p, "${1}"+Redacted)
}

// encodeQuery is url.Values.Encode, leaving the redaction marker readable.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), url.QueryEscape(Redacted), Redacted)
}

// RedactURLString parses and scrubs a URL given as text; text that is not a
// URL is scrubbed as text.
func (r *Redactor) RedactURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return r.String(s)
	}
	return r.URL(u)
}

// Header returns a header's value fit for a log: credentials (Authorization,
// cookies, any *token*, *secret*, *key*, *signature*, *session*, *password*
// header) are replaced whole, others scrubbed of known secrets.
func (r *Redactor) Header(name, value string) string {
	if SensitiveHeader(name) {
		return Redacted
	}
	return r.String(value)
}

// SensitiveHeader reports whether a header carries a credential.
func SensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "dpop":
		return true
	case "idempotency-key":
		return false
	}
	for _, word := range []string{"token", "secret", "key", "signature", "session", "password", "auth"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}
