package linkedin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// APIError is what a LinkedIn error body says.
type APIError struct {
	Status           int
	Code             string // ACCESS_DENIED, INVALID_ACCESS_TOKEN, …
	ServiceErrorCode int
	Message          string
	// InputCodes are the codes of a validation error's input errors, such
	// as DUPLICATE_POST.
	InputCodes []string
	// Details are the input errors' descriptions.
	Details []string
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Code != "" {
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Message)
	}
	for i, d := range e.Details {
		if d == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d)
		if i < len(e.InputCodes) && e.InputCodes[i] != "" {
			b.WriteString(" (" + e.InputCodes[i] + ")")
		}
	}
	if b.Len() == 0 {
		return strings.ToLower(http.StatusText(e.Status))
	}
	return b.String()
}

// duplicate reports whether e is LinkedIn's duplicate-post refusal.
func (e *APIError) duplicate() bool {
	for _, c := range e.InputCodes {
		if c == "DUPLICATE_POST" {
			return true
		}
	}
	return e.Status == http.StatusUnprocessableEntity && strings.Contains(e.Message, "is a duplicate of")
}

// duplicateOf is the URN of the existing post a duplicate refusal names.
var duplicateOf = regexp.MustCompile(`urn:li:(?:share|ugcPost):[0-9]+`)

// existing returns the URN of the post e says the content duplicates, "" if
// it names none.
func (e *APIError) existing() string {
	if m := duplicateOf.FindString(e.Message); m != "" {
		return m
	}
	for _, d := range e.Details {
		if m := duplicateOf.FindString(d); m != "" {
			return m
		}
	}
	return ""
}

// parseError reads an error body.
func parseError(status int, body []byte) *APIError {
	var eb errorBody
	_ = json.Unmarshal(body, &eb)
	e := &APIError{Status: status, Code: eb.Code, ServiceErrorCode: eb.ServiceErrorCode, Message: strings.TrimSpace(eb.Message)}
	if eb.ErrorDetails != nil {
		for _, ie := range eb.ErrorDetails.InputErrors {
			e.InputCodes = append(e.InputCodes, ie.Code)
			e.Details = append(e.Details, ie.Description)
		}
	}
	return e
}

// classify turns a non-2xx answer into a classed error:
//   - 429: RateLimited. LinkedIn's limits are daily and reset at midnight
//     UTC, and it sends no rate-limit headers: the wait is Retry-After when
//     present, else until the next midnight UTC;
//   - 401 and 403: Auth (an expired token, a missing scope or page role);
//   - 404 and 410: Permanent, wrapping network.ErrNotFound;
//   - 422 DUPLICATE_POST: Permanent, wrapping ErrDuplicate;
//   - 408 and 5xx: Retryable, MaybeWritten for writes;
//   - anything else (400, 422, 426 for a sunset LinkedIn-Version…):
//     Permanent.
func classify(op string, resp *httpx.Response, now time.Time, write bool) *network.Error {
	api := parseError(resp.Status, resp.Body)
	e := &network.Error{Network: Name, Op: op, Status: resp.Status, Err: api}
	switch s := resp.Status; {
	case s == http.StatusTooManyRequests:
		e.Class = network.RateLimited
		if d, ok := httpx.RetryAfter(resp.Header, now); ok {
			e.RetryAfter = d
		} else {
			e.RetryAfter = untilMidnightUTC(now)
		}
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		e.Class = network.Auth
	case s == http.StatusNotFound || s == http.StatusGone:
		e.Class = network.Permanent
		e.Err = fmt.Errorf("%w: %w", network.ErrNotFound, api)
	case api.duplicate():
		e.Class = network.Permanent
		e.Err = fmt.Errorf("%w: %w", ErrDuplicate, api)
	case s == http.StatusRequestTimeout || s >= 500:
		e.Class = network.Retryable
		e.MaybeWritten = write
	default:
		e.Class = network.Permanent
	}
	return e
}

// untilMidnightUTC is the wait from now to the next midnight UTC, when
// LinkedIn's daily limits reset.
func untilMidnightUTC(now time.Time) time.Duration {
	u := now.UTC()
	next := time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC)
	return next.Sub(u)
}

// apiError returns the APIError inside err, nil if none.
func apiError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return nil
}
