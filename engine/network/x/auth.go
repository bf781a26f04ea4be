package x

import (
	"context"
	"net/http"

	"github.com/dghubble/oauth1"
)

// oauth1Client returns a copy of base whose transport signs every request
// with OAuth 1.0a user context (HMAC-SHA1, RFC 5849) before passing it on to
// base's transport. Query parameters are part of the signature; JSON and
// multipart bodies are not, as the protocol says.
func oauth1Client(base *http.Client, secrets map[string]string) *http.Client {
	cfg := oauth1.NewConfig(secrets["consumer_key"], secrets["consumer_secret"])
	token := oauth1.NewToken(secrets["access_token"], secrets["access_secret"])
	// The library takes the base transport from the context it is given.
	ctx := context.WithValue(context.Background(), oauth1.HTTPClient, base)
	signed := cfg.Client(ctx, token)
	c := *base
	c.Transport = signed.Transport
	return &c
}
