package network

import (
	"context"
	"fmt"
	"time"
)

// Wrappers and optional interfaces
//
// Every wrapper in this package (WithRetry, WithRateLimit, WithDryRun,
// WithLogging) returns an Adapter that implements exactly the optional
// interfaces (Editor, Lookup, MetricsReader, FollowerCounter,
// InteractionLister) that the adapter it wraps implements, so callers keep
// using plain type assertions on a wrapped adapter:
//
//	a = network.WithRetry(network.WithRateLimit(a, rl), r)
//	if ed, ok := a.(network.Editor); ok { … } // true exactly when the network adapter is an Editor
//
// The wrapper's own type implements every method; expose (generated in
// expose_gen.go) narrows it to the inner adapter's set by returning one of
// 32 small structs that embed only the matching interfaces. Every wrapped
// adapter also has Unwrap() Adapter, returning the adapter it wraps.

// Wrapper is an Adapter that wraps another; Unwrap returns the wrapped one.
type Wrapper interface {
	Adapter
	Unwrap() Adapter
}

// Unwrap returns the innermost adapter under any number of wrappers.
func Unwrap(a Adapter) Adapter {
	for {
		w, ok := a.(Wrapper)
		if !ok {
			return a
		}
		a = w.Unwrap()
	}
}

// full is what a wrapper's own type implements: every method, optional or
// not. expose narrows it to the wrapped adapter's optional interfaces.
type full interface {
	Wrapper
	Editor
	Lookup
	MetricsReader
	FollowerCounter
	InteractionLister
}

// base forwards every method to next. Wrappers embed it and override the
// methods they change. Calls to an optional method next lacks return
// ErrUnsupported; expose makes them unreachable through the interfaces.
type base struct{ next Adapter }

func (b base) Network() string            { return b.next.Network() }
func (b base) Capabilities() Capabilities { return b.next.Capabilities() }
func (b base) Unwrap() Adapter            { return b.next }

func (b base) Publish(ctx context.Context, p *Post) (Ref, error) { return b.next.Publish(ctx, p) }
func (b base) Delete(ctx context.Context, ref Ref) error         { return b.next.Delete(ctx, ref) }

func (b base) Edit(ctx context.Context, ref Ref, p *Post) (Ref, error) {
	e, ok := b.next.(Editor)
	if !ok {
		return Ref{}, b.unsupported("edit")
	}
	return e.Edit(ctx, ref, p)
}

func (b base) Lookup(ctx context.Context, p *Post) (Ref, LookupResult, error) {
	l, ok := b.next.(Lookup)
	if !ok {
		return Ref{}, Unknown, b.unsupported("lookup")
	}
	return l.Lookup(ctx, p)
}

func (b base) Metrics(ctx context.Context, ref Ref) (Metrics, error) {
	m, ok := b.next.(MetricsReader)
	if !ok {
		return Metrics{}, b.unsupported("metrics")
	}
	return m.Metrics(ctx, ref)
}

func (b base) Followers(ctx context.Context) (int64, error) {
	f, ok := b.next.(FollowerCounter)
	if !ok {
		return 0, b.unsupported("followers")
	}
	return f.Followers(ctx)
}

func (b base) Interactions(ctx context.Context, ref Ref, kind InteractionKind, since time.Time) ([]Interaction, error) {
	l, ok := b.next.(InteractionLister)
	if !ok {
		return nil, b.unsupported("interactions")
	}
	return l.Interactions(ctx, ref, kind, since)
}

func (b base) unsupported(op string) error {
	return &Error{Class: Permanent, Network: b.next.Network(), Op: op, Err: fmt.Errorf("%w", ErrUnsupported)}
}

// The optional interfaces under names of their own: an embedded field named
// Lookup would hide the method Lookup it promotes.
type (
	editorPart       interface{ Editor }
	lookupPart       interface{ Lookup }
	metricsPart      interface{ MetricsReader }
	followersPart    interface{ FollowerCounter }
	interactionsPart interface{ InteractionLister }
)

// Optional interface bits, in the order expose_gen.go uses.
const (
	hasEditor = 1 << iota
	hasLookup
	hasMetrics
	hasFollowers
	hasInteractions
)

// optionalSet returns the bit set of optional interfaces a implements.
func optionalSet(a Adapter) int {
	set := 0
	if _, ok := a.(Editor); ok {
		set |= hasEditor
	}
	if _, ok := a.(Lookup); ok {
		set |= hasLookup
	}
	if _, ok := a.(MetricsReader); ok {
		set |= hasMetrics
	}
	if _, ok := a.(FollowerCounter); ok {
		set |= hasFollowers
	}
	if _, ok := a.(InteractionLister); ok {
		set |= hasInteractions
	}
	return set
}
