package bluesky

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// XRPC error names the adapter acts on.
const (
	errExpiredToken   = "ExpiredToken"
	errInvalidToken   = "InvalidToken"
	errRecordNotFound = "RecordNotFound"
	errRateLimited    = "RateLimitExceeded"
)

// authErrors are the XRPC error names that mean the credentials are wrong,
// missing or revoked: a person must act.
var authErrors = map[string]bool{
	errExpiredToken:           true,
	errInvalidToken:           true,
	"AuthMissing":             true,
	"AuthenticationRequired":  true,
	"AuthRequired":            true,
	"AccountTakedown":         true,
	"AccountDeactivated":      true,
	"AuthFactorTokenRequired": true,
	"InvalidScope":            true,
}

// classify turns a failed call into a classed *network.Error. write says the
// call was a write, whose outcome is unknown when no clean answer came back.
func (a *Adapter) classify(op string, err error, write bool) error {
	if err == nil {
		return nil
	}
	var ne *network.Error
	if errors.As(err, &ne) {
		return err
	}
	e := &network.Error{Network: Name, Op: op, Err: err, Class: network.Permanent}
	var xe *xrpcError
	if !errors.As(err, &xe) {
		// Encoding or decoding trouble: for a write whose answer could not be
		// decoded, the outcome is unknown.
		e.MaybeWritten = write
		return e
	}
	e.Status = xe.Status
	switch {
	case xe.Status == 0:
		e.Class = network.Retryable
		e.MaybeWritten = write
	case xe.Status == http.StatusTooManyRequests || xe.Name == errRateLimited:
		e.Class = network.RateLimited
		e.RetryAfter = a.retryAfter(xe)
	case xe.Status == http.StatusUnauthorized || xe.Status == http.StatusForbidden || authErrors[xe.Name]:
		e.Class = network.Auth
	case xe.Status >= 500 || xe.Status == http.StatusRequestTimeout:
		e.Class = network.Retryable
		e.MaybeWritten = write
	}
	return e
}

// retryAfter is how long a rate-limited answer asks to wait: until
// RateLimit-Reset (epoch seconds), rounded up to whole seconds, or the
// Retry-After header when there is no usable reset.
func (a *Adapter) retryAfter(xe *xrpcError) time.Duration {
	if !xe.Reset.IsZero() {
		if d := xe.Reset.Sub(a.now()); d > 0 {
			return ((d + time.Second - 1) / time.Second) * time.Second
		}
	}
	return xe.RetryAfter
}

// permanent is a classed error for a request clairon refuses to send.
func permanent(op string, format string, args ...any) error {
	return &network.Error{Network: Name, Op: op, Class: network.Permanent, Err: fmt.Errorf(format, args...)}
}
