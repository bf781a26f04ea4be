package x

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// duplicateDetail is the detail X gives when it refuses a duplicate post.
const duplicateDetail = "duplicate content"

// Problem types (under https://api.x.com/2/problems/, or the older
// https://api.twitter.com/2/problems/) that mean the credentials or the app's
// access level must change.
var authProblems = []string{"client-forbidden", "unsupported-authentication", "oauth1-permissions"}

// Legacy error codes: authentication failures, and "status is a duplicate".
var (
	authCodes      = map[int]bool{32: true, 89: true, 99: true, 135: true, 215: true, 220: true, 261: true, 326: true}
	duplicateCodes = map[int]bool{187: true}
	rateCodes      = map[int]bool{88: true, 185: true}
)

// classify turns a non-2xx answer into a classed error. now is the clock's
// time, for turning reset times into waits; write marks requests whose
// failure may hide a success.
func classify(op string, status int, h http.Header, body []byte, now time.Time, write bool) *network.Error {
	var eb errorBody
	_ = json.Unmarshal(body, &eb)
	probs := eb.Errors
	if eb.Title != "" || eb.Detail != "" || eb.Type != "" {
		probs = append([]problem{eb.problem}, probs...)
	}
	msg := describe(probs, status)
	e := &network.Error{Network: Name, Op: op, Status: status}
	switch {
	case isUsageCapped(probs) || status == http.StatusTooManyRequests || hasCode(probs, rateCodes):
		e.Class = network.RateLimited
		e.RetryAfter = retryAfter(h, now)
		e.Err = errors.New(msg)
	case isDuplicate(probs):
		e.Class = network.Permanent
		e.Err = fmt.Errorf("%w: %s", ErrDuplicate, msg)
	case status == http.StatusUnauthorized || hasCode(probs, authCodes):
		e.Class = network.Auth
		e.Err = errors.New(msg)
	case status == http.StatusForbidden && (len(probs) == 0 || hasType(probs, authProblems)):
		e.Class = network.Auth
		e.Err = errors.New(msg)
	case status == http.StatusNotFound || hasType(probs, []string{"resource-not-found"}):
		e.Class = network.Permanent
		e.Err = fmt.Errorf("%w: %s", network.ErrNotFound, msg)
	case status == http.StatusRequestTimeout || status >= 500:
		e.Class = network.Retryable
		e.MaybeWritten = write
		e.Err = errors.New(msg)
	default:
		e.Class = network.Permanent
		e.Err = errors.New(msg)
	}
	return e
}

// describe renders the problems of an error body, or the status text.
func describe(probs []problem, status int) string {
	var parts []string
	for _, p := range probs {
		var s string
		switch {
		case p.Title != "" && p.Detail != "" && !strings.EqualFold(p.Title, p.Detail):
			s = p.Title + ": " + p.Detail
		case p.Detail != "":
			s = p.Detail
		case p.Title != "":
			s = p.Title
		case p.Message != "":
			s = p.Message
		}
		if p.Code != 0 {
			s += fmt.Sprintf(" (code %d)", p.Code)
		}
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return strings.ToLower(http.StatusText(status))
	}
	return strings.Join(parts, "; ")
}

func isDuplicate(probs []problem) bool {
	for _, p := range probs {
		if duplicateCodes[p.Code] || strings.Contains(strings.ToLower(p.Detail+" "+p.Message), duplicateDetail) {
			return true
		}
	}
	return false
}

func isUsageCapped(probs []problem) bool {
	return hasType(probs, []string{"usage-capped", "rate-limit-exceeded"})
}

// hasType reports whether a problem's type ends with one of names.
func hasType(probs []problem, names []string) bool {
	for _, p := range probs {
		for _, n := range names {
			if strings.HasSuffix(p.Type, "/problems/"+n) {
				return true
			}
		}
	}
	return false
}

func hasCode(probs []problem, codes map[int]bool) bool {
	for _, p := range probs {
		if codes[p.Code] {
			return true
		}
	}
	return false
}

// retryAfter reads how long X asks to wait. Every exhausted window counts
// (the 15-minute endpoint window, the user's and the app's 24-hour caps) and
// the latest reset wins; without an exhausted one, x-rate-limit-reset, then
// Retry-After. Resets are Unix epoch seconds.
func retryAfter(h http.Header, now time.Time) time.Duration {
	var reset int64
	for _, w := range []string{"x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"} {
		if strings.TrimSpace(h.Get(w+"-remaining")) != "0" {
			continue
		}
		if r, err := strconv.ParseInt(strings.TrimSpace(h.Get(w+"-reset")), 10, 64); err == nil && r > reset {
			reset = r
		}
	}
	if reset == 0 {
		if r, err := strconv.ParseInt(strings.TrimSpace(h.Get("x-rate-limit-reset")), 10, 64); err == nil {
			reset = r
		}
	}
	if reset > 0 {
		d := time.Unix(reset, 0).Sub(now)
		if d < time.Second {
			// The window has already reset by our clock: a short pause.
			d = time.Second
		}
		return d
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	return 0
}
