// Package networktest is the conformance suite every network adapter passes,
// and the contract its fake servers implement. Each network's fake server
// lives in a subpackage (networktest/mastodonfake, …): a real HTTP server on
// 127.0.0.1 that follows that network's request and response shapes, error
// bodies and rate-limit headers, counts what was published, and injects
// faults on demand. The apply engine's crash and concurrency tests use the
// same fakes.
package networktest

import (
	"sync"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Fault is a failure a fake injects into the next write request it receives
// (a publish, an edit or a delete; media uploads and reads are not writes).
type Fault int

const (
	// NoFault serves the request normally.
	NoFault Fault = iota
	// FailBefore answers 500 (or the network's own 5xx shape) without
	// performing the write.
	FailBefore
	// FailAfter performs the write, then answers 500: the outcome is lost.
	FailAfter
	// RateLimit answers 429 with the network's own rate-limit headers or body,
	// asking the client to wait Fake.RetryAfter.
	RateLimit
	// HangAfter performs the write, then holds the response until the client
	// gives up (its context or timeout), so the client sees a timeout.
	HangAfter
	// DropAfter performs the write, then closes the connection without a
	// response.
	DropAfter
	// Unauthorized answers the network's 401/403 shape without writing.
	Unauthorized
)

func (f Fault) String() string {
	return [...]string{"none", "fail-before", "fail-after", "rate-limit", "hang-after", "drop-after", "unauthorized"}[f]
}

// Message is one message as the fake stored it.
type Message struct {
	// ID is the fake's identifier, as returned to the adapter in Ref.ID.
	ID string
	// Text is the message text as the network stores it (for Telegram HTML,
	// the HTML that was sent).
	Text string
	// ReplyTo is the ID of the message this one replies to, "" if none.
	ReplyTo string
	// Media holds the alt text of each attachment, in order ("" for none).
	Media []string
	// Poll holds the poll options, nil if none.
	Poll []string
	// Key is the idempotency key or record key the fake saw, "" if none.
	Key string
	// At is when the fake stored the message, by the fake's clock.
	At time.Time
}

// Fake is a network's fake server, as the conformance suite drives it.
type Fake interface {
	// Config returns an adapter configuration pointing at this fake (its URL
	// in Settings["api"], valid test credentials in Secrets).
	Config() network.Config
	// Messages returns the messages currently stored (deleted ones excluded),
	// in creation order.
	Messages() []Message
	// Writes counts every write that took effect, including ones whose
	// response was lost to a fault: the conformance suite uses it to prove
	// that no retry duplicated a message.
	Writes() int
	// Inject makes the next write request fail with f. Faults queue in order.
	Inject(f Fault)
	// RetryAfter is the wait the fake asks for on RateLimit.
	RetryAfter() time.Duration
	// Close stops the server.
	Close()
}

// FaultQueue holds the faults injected into a fake, in order. A fake embeds
// it for Fake.Inject, and takes the fault for each write with Next.
type FaultQueue struct {
	mu     sync.Mutex
	faults []Fault
}

// Inject queues a fault for the next write request.
func (q *FaultQueue) Inject(f Fault) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.faults = append(q.faults, f)
}

// Next pops the next queued fault, NoFault when none is queued.
func (q *FaultQueue) Next() Fault {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.faults) == 0 {
		return NoFault
	}
	f := q.faults[0]
	q.faults = q.faults[1:]
	return f
}
