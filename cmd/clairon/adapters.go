package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/all"
)

// adapterSet builds each account's adapter once, with its secrets from the
// environment and the shared wrappers: logging (secrets redacted), rate
// limiting and retries.
type adapterSet struct {
	a        *app
	cfg      *content.Config
	sandbox  bool
	dryRun   bool
	outbox   string
	log      *slog.Logger
	registry *network.Registry

	mu       sync.Mutex
	built    map[string]network.Adapter
	redactor *network.Redactor
	secrets  map[string]string
}

func (a *app) adapters(cfg *content.Config, sandbox, dryRun bool, outbox string) *adapterSet {
	s := &adapterSet{a: a, cfg: cfg, sandbox: sandbox, dryRun: dryRun, outbox: outbox, log: a.logger(),
		registry: all.Registry(), built: map[string]network.Adapter{}, secrets: map[string]string{}}
	// Every secret any account references, so that none reaches a log or
	// an error text, whichever account's error carries it.
	for _, acc := range cfg.Accounts {
		for k, v := range acc.Settings {
			if name, ok := strings.CutPrefix(v, "env:"); ok && content.IsSecretKey(k) {
				if val := a.getenv(name); val != "" {
					s.secrets[name] = val
				}
			}
		}
	}
	s.redactor = network.NewRedactor(s.secrets)
	return s
}

// redact removes every known secret from a text.
func (s *adapterSet) redact(t string) string { return s.redactor.String(t) }

// config resolves an account's settings and secrets.
func (s *adapterSet) config(account string) (network.Config, error) {
	acc := s.cfg.Accounts[account]
	if acc == nil {
		return network.Config{}, fmt.Errorf("unknown account %q", account)
	}
	cfg := network.Config{Account: account, Network: acc.Network, Settings: map[string]string{}, Secrets: map[string]string{}, Now: s.a.now}
	var missing []string
	for k, v := range acc.Settings {
		name, isRef := strings.CutPrefix(v, "env:")
		if !isRef || !content.IsSecretKey(k) {
			cfg.Settings[k] = v
			continue
		}
		val := s.a.getenv(name)
		if val == "" {
			missing = append(missing, name)
			continue
		}
		cfg.Secrets[k] = val
	}
	if s.sandbox {
		// Emulate the real network; no secret is needed or sent anywhere.
		emulate := acc.Network
		if acc.Network == "sandbox" {
			emulate = acc.Settings["emulate"]
		}
		outbox := s.outbox
		if o := acc.Settings["outbox"]; acc.Network == "sandbox" && o != "" {
			outbox = filepath.Join(s.a.dir, o)
		}
		return network.Config{Account: account, Network: "sandbox", Now: s.a.now,
			Settings: map[string]string{"emulate": emulate, "outbox": filepath.Join(outbox, account)}}, nil
	}
	if len(missing) > 0 {
		return network.Config{}, fmt.Errorf("account %s: environment variable %s is not set", account, strings.Join(missing, ", "))
	}
	return cfg, nil
}

// get returns the wrapped adapter of an account, building it once.
func (s *adapterSet) get(account string) (network.Adapter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.built[account]; ok {
		return a, nil
	}
	cfg, err := s.config(account)
	if err != nil {
		return nil, err
	}
	cfg = network.LogHTTP(cfg, s.log)
	a, err := s.registry.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s", s.redact(err.Error()))
	}
	if s.dryRun {
		a = network.WithDryRun(a, s.log)
	}
	a = network.WithLogging(a, s.log, s.redactor)
	a = network.WithRateLimit(a, network.RateLimitOptions{Now: s.a.now})
	a = network.WithRetry(a, network.RetryOptions{Now: s.a.now})
	s.built[account] = a
	return a, nil
}
