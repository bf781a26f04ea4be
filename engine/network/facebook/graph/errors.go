package graph

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/clairon-dev/clairon/engine/network"
)

// APIError is the Graph API error object:
//
//	{"error":{"message":"…","type":"OAuthException","code":190,"error_subcode":463,
//	 "error_user_title":"…","error_user_msg":"…","is_transient":false,"fbtrace_id":"…"}}
type APIError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	UserTitle   string `json:"error_user_title"`
	UserMsg     string `json:"error_user_msg"`
	IsTransient bool   `json:"is_transient"`
	TraceID     string `json:"fbtrace_id"`
}

type errorEnvelope struct {
	Error *APIError `json:"error"`
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("graph error %d", e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf("/%d", e.Subcode)
	}
	if e.Type != "" {
		s += " (" + e.Type + ")"
	}
	s += ": " + e.Message
	if e.UserMsg != "" && e.UserMsg != e.Message {
		s += ": " + e.UserMsg
	}
	if e.TraceID != "" {
		s += " [fbtrace_id " + e.TraceID + "]"
	}
	return s
}

// Graph error codes clairon acts on. Meta documents them in the Graph API
// error-handling guide, the rate-limiting guide and the Instagram error table.
const (
	CodeUnknown          = 1       // "An unknown error occurred": transient
	CodeService          = 2       // "Service temporarily unavailable": transient
	CodeCapability       = 3       // the app lacks the capability for this call
	CodeAppRateLimit     = 4       // application request limit reached
	CodeIGPublishLimit   = 9       // Instagram: content publishing limit (subcode 2207042)
	CodePermission       = 10      // permission denied (also "(#10) Not enough viewers" on insights)
	CodeUserRateLimit    = 17      // user request limit reached
	CodeIGMediaNotFound  = 24      // Instagram: media builder not found (subcode 2207008)
	CodePageRateLimit    = 32      // page request limit reached
	CodeInvalidParameter = 100     // invalid parameter; subcode 33 means the object does not exist
	CodeSession          = 102     // session key invalid
	CodeToken            = 190     // access token invalid or expired
	CodeBlocked          = 368     // temporarily blocked for policy reasons, or a repeated post
	CodeDuplicate        = 506     // duplicate status message
	CodeCallRateLimit    = 613     // calls to this API exceeded the rate limit
	CodeIGNotReady       = 9007    // Instagram: the media is not ready to be published
	CodeBUCFirst         = 80000   // first Business Use Case rate-limit code
	CodeBUCLast          = 80014   // last Business Use Case rate-limit code
	SubcodeNoObject      = 33      // with code 100: the object does not exist or cannot be loaded
	SubcodeIGSpam        = 2207051 // with code 4: Instagram suspects spam; not a rate limit
	SubcodeIGPublishCap  = 2207042 // with code 9: the daily publishing cap is reached
)

// Classify returns the class of a Graph error reply and whether the write it
// answered may nevertheless have taken effect. Graph errors are classed by
// their code, not by the HTTP status, which is 400 for most of them; the
// status decides only when the body is not a Graph error.
func Classify(status int, e *APIError, write bool) (network.Class, bool) {
	if e != nil {
		switch {
		case e.Code == CodeAppRateLimit && e.Subcode == SubcodeIGSpam:
			return network.Permanent, false
		case e.Code == CodeAppRateLimit, e.Code == CodeUserRateLimit, e.Code == CodePageRateLimit,
			e.Code == CodeCallRateLimit, e.Code >= CodeBUCFirst && e.Code <= CodeBUCLast,
			e.Code == CodeIGPublishLimit && e.Subcode == SubcodeIGPublishCap:
			return network.RateLimited, false
		case e.Code == CodeToken, e.Code == CodeSession:
			return network.Auth, false
		case e.Code == CodeCapability, e.Code == CodePermission, e.Code >= 200 && e.Code <= 299:
			return network.Auth, false
		case e.Code == CodeUnknown, e.Code == CodeService, e.Code == -1, e.Code == -2:
			// Meta's own advice is to retry; a post may nevertheless exist.
			return network.Retryable, write
		case e.Code == CodeIGNotReady:
			return network.Retryable, false
		case e.IsTransient:
			return network.Retryable, write
		case e.Code != 0 && status < 500:
			return network.Permanent, false
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		return network.RateLimited, false
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return network.Auth, false
	case status >= 500:
		return network.Retryable, write
	default:
		return network.Permanent, false
	}
}

// AsAPIError returns the Graph error object inside err, if any.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err says the object does not exist: code 100
// with subcode 33, or an HTTP 404.
func IsNotFound(err error) bool {
	if e, ok := AsAPIError(err); ok {
		return e.Code == CodeInvalidParameter && e.Subcode == SubcodeNoObject
	}
	var ne *network.Error
	return errors.As(err, &ne) && ne.Status == http.StatusNotFound
}

// IsDuplicate reports whether err is Facebook refusing a post it considers a
// repeat of a recent one (code 506, or 368 "You've already posted this").
func IsDuplicate(err error) bool {
	e, ok := AsAPIError(err)
	return ok && (e.Code == CodeDuplicate || e.Code == CodeBlocked && e.Subcode == 0 && strings.Contains(strings.ToLower(e.Message), "already posted"))
}
