package network

import (
	"fmt"
	"slices"
	"sort"
)

// Registry maps network names to adapter factories. It is built explicitly
// (see engine/network/all), never through init side effects.
type Registry struct {
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Register adds a factory; a duplicate or empty name is a programming error.
func (r *Registry) Register(network string, f Factory) {
	if network == "" || f == nil {
		panic("network: Register with empty name or nil factory")
	}
	if _, dup := r.factories[network]; dup {
		panic("network: duplicate registration of " + network)
	}
	r.factories[network] = f
}

// New builds the adapter for cfg.Network.
func (r *Registry) New(cfg Config) (Adapter, error) {
	f, ok := r.factories[cfg.Network]
	if !ok {
		return nil, fmt.Errorf("unknown network %q (known: %v)", cfg.Network, r.Names())
	}
	a, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", cfg.Account, err)
	}
	return a, nil
}

// Names lists the registered networks in order.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Clip(names)
}
