package network

import (
	"errors"
	"fmt"
	"time"
)

// Class sorts failures by what the caller should do about them.
type Class int

const (
	// Retryable: a transient failure (5xx, timeout, dropped connection);
	// retry after a backoff.
	Retryable Class = iota
	// RateLimited: the network asked us to wait; Error.RetryAfter says how long.
	RateLimited
	// Permanent: the request is wrong and will fail again (4xx validation).
	Permanent
	// Auth: credentials are missing, wrong or expired; a person must act.
	Auth
)

func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case RateLimited:
		return "rate-limited"
	case Permanent:
		return "permanent"
	case Auth:
		return "auth"
	default:
		return fmt.Sprintf("class(%d)", int(c))
	}
}

// Error is a classed failure of a network call.
type Error struct {
	Class   Class
	Network string
	// Op is the operation, such as "publish" or "upload media".
	Op string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// RetryAfter is how long to wait before retrying, when the network said.
	RetryAfter time.Duration
	// MaybeWritten is true when the request may have taken effect although it
	// failed (a timeout or 5xx after the body was sent). The engine then
	// reconciles, or relies on the idempotency key, before any retry.
	MaybeWritten bool
	// Err is the underlying cause; its text must never contain a secret.
	Err error
}

func (e *Error) Error() string {
	s := e.Network + ": " + e.Op
	if e.Status != 0 {
		s += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Class == RateLimited && e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err: the Class of a wrapped *Error, Retryable
// for anything else (an unknown failure is treated as transient, and its
// outcome as unknown).
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return Retryable
}

// MaybeWritten reports whether a failed call may nevertheless have taken
// effect. Errors that are not *Error are assumed to have maybe written.
func MaybeWritten(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.MaybeWritten
	}
	return err != nil
}

// RetryAfter returns the wait a rate-limited error asked for, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ErrNotFound is returned (wrapped) when a message does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnsupported is returned (wrapped) for an operation the network lacks.
var ErrUnsupported = errors.New("not supported by this network")
