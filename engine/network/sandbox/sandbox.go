// Package sandbox is the offline network adapter: it writes exactly what
// would be sent to a network into a local outbox folder, one JSON file per
// message named by its idempotency key with its media copied beside it, so
// that `clairon apply --sandbox` runs the whole publication loop offline.
//
// Settings:
//
//	outbox   the folder to write to (required; created if missing)
//	emulate  a network whose capabilities to take on ("mastodon", "x", …);
//	         without it the sandbox allows every feature with generous limits
//
// The sandbox is idempotent by key: publishing a key again returns the same
// Ref and never writes a second file. It supports threads, polls, edits,
// deletes and Lookup, within the emulated network's capabilities (it is an
// Editor only when that network can edit). Every write that took effect is
// appended to journal.jsonl. Lines queued in the outbox's "faults" file
// (see Fault) make the next writes fail the way a network does, to rehearse
// crash recovery offline.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network"
)

// Name is the sandbox's network name.
const Name = "sandbox"

// New builds a sandbox adapter, emulating networks from the built-in table
// (see Emulated).
func New(cfg network.Config) (network.Adapter, error) { return NewFactory(Emulated)(cfg) }

// NewFactory returns a factory whose Settings["emulate"] is resolved by
// emulate, so that a caller holding the real adapters' capabilities can
// pass them in.
func NewFactory(emulate func(name string) (network.Capabilities, bool)) network.Factory {
	return func(cfg network.Config) (network.Adapter, error) {
		dir := cfg.Settings["outbox"]
		if dir == "" {
			return nil, errors.New("sandbox: setting outbox is required")
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("sandbox: outbox: %w", err)
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, fmt.Errorf("sandbox: outbox: %w", err)
		}
		caps, label := Generous, Name
		if name := cfg.Settings["emulate"]; name != "" {
			c, ok := emulate(name)
			if !ok {
				return nil, fmt.Errorf("sandbox: cannot emulate unknown network %q", name)
			}
			caps, label = c, name
		}
		caps.Idempotency = network.IdempotencyKey
		a := &Adapter{dir: abs, account: cfg.Account, emulate: label, caps: caps, now: cfg.Clock(), seq: -1}
		if caps.Edit {
			return editor{a}, nil
		}
		return a, nil
	}
}

// Adapter writes to one outbox. It is safe for concurrent use.
type Adapter struct {
	mu      sync.Mutex
	dir     string
	account string
	emulate string
	caps    network.Capabilities
	now     func() time.Time
	// seq is the last journal sequence number, -1 until read.
	seq int
}

// editor is the sandbox when the emulated network can edit.
type editor struct{ *Adapter }

// Edit rewrites a message in place.
func (e editor) Edit(ctx context.Context, ref network.Ref, p *network.Post) (network.Ref, error) {
	return e.edit(ctx, ref, p)
}

// Network returns "sandbox".
func (a *Adapter) Network() string { return Name }

// Capabilities returns the emulated network's capabilities.
func (a *Adapter) Capabilities() network.Capabilities { return a.caps }

// Dir returns the outbox folder.
func (a *Adapter) Dir() string { return a.dir }

func (a *Adapter) fail(class network.Class, op string, err error) *network.Error {
	return &network.Error{Class: class, Network: Name, Op: op, Err: err}
}

func (a *Adapter) ref(key string) network.Ref {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(messagePath(a.dir, key))}
	return network.Ref{ID: key, URL: u.String()}
}

// nextSeq returns the next journal sequence number. a.mu is held.
func (a *Adapter) nextSeq() (int, error) {
	if a.seq < 0 {
		entries, err := ReadJournal(a.dir)
		if err != nil {
			return 0, err
		}
		a.seq = 0
		for _, e := range entries {
			a.seq = max(a.seq, e.Seq)
		}
	}
	a.seq++
	return a.seq, nil
}

// journal records one write that took effect under the next sequence
// number. a.mu is held.
func (a *Adapter) journal(op, key string) error {
	seq, err := a.nextSeq()
	if err != nil {
		return err
	}
	return a.journalAt(seq, op, key)
}

func (a *Adapter) journalAt(seq int, op, key string) error {
	return appendJournal(a.dir, Entry{Seq: seq, Op: op, Key: key, ID: key, At: a.now()})
}

// check refuses what the emulated network would refuse.
func (a *Adapter) check(op string, p *network.Post) error {
	c := a.caps
	var problems []string
	if !validKey.MatchString(p.Key) {
		problems = append(problems, fmt.Sprintf("key %q is not 1 to 128 letters, digits, - or _", p.Key))
	}
	if c.RequiresMedia && len(p.Media) == 0 {
		problems = append(problems, "a message needs media")
	}
	if len(p.Media) > c.MaxMedia {
		problems = append(problems, fmt.Sprintf("%d attachments, at most %d", len(p.Media), c.MaxMedia))
	}
	for _, m := range p.Media {
		if len(c.MediaTypes) > 0 && !slices.Contains(c.MediaTypes, m.MIME) {
			problems = append(problems, fmt.Sprintf("media %s: type %q not accepted", m.Name, m.MIME))
		}
		if c.MaxImageBytes > 0 && strings.HasPrefix(m.MIME, "image/") && int64(len(m.Data)) > c.MaxImageBytes {
			problems = append(problems, fmt.Sprintf("media %s: %d bytes, at most %d", m.Name, len(m.Data), c.MaxImageBytes))
		}
		if c.AltText && c.AltTextLimit > 0 && utf8.RuneCountInString(m.Alt) > c.AltTextLimit {
			problems = append(problems, fmt.Sprintf("media %s: alt text over %d characters", m.Name, c.AltTextLimit))
		}
	}
	if p.Poll != nil {
		switch {
		case !c.Polls:
			problems = append(problems, "polls are not supported")
		case len(p.Poll.Options) < 2 || len(p.Poll.Options) > c.PollMaxOptions:
			problems = append(problems, fmt.Sprintf("a poll has 2 to %d options, not %d", c.PollMaxOptions, len(p.Poll.Options)))
		}
	}
	if p.ReplyTo != nil && !c.Threads {
		problems = append(problems, "replies are not supported")
	}
	if len(problems) > 0 {
		return a.fail(network.Permanent, op, errors.New(strings.Join(problems, "; ")))
	}
	return nil
}

// message builds the record of p as it would be sent.
func (a *Adapter) message(p *network.Post, media []MediaFile) *Message {
	if !a.caps.AltText {
		for i := range media {
			media[i].Alt = ""
		}
	}
	ref := a.ref(p.Key)
	return &Message{
		Network: a.emulate, Account: a.account, ID: ref.ID, URL: ref.URL, Key: p.Key,
		Address: p.Address, Title: p.Title, Text: p.Text, Markdown: p.Markdown, Entities: p.Entities,
		Language: p.Language, ContentWarning: p.ContentWarning, Media: media, Poll: p.Poll,
		ReplyTo: p.ReplyTo, Root: p.Root, CreatedAt: p.CreatedAt,
	}
}

// Publish writes p to <outbox>/<key>.json, or returns the Ref of the
// message already written with that key.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	if err := a.check("publish", p); err != nil {
		return network.Ref{}, err
	}
	f, err := a.takeFault("publish")
	if err != nil {
		return network.Ref{}, err
	}
	if err := f.before(); err != nil {
		return network.Ref{}, err
	}
	ref, err := a.publish(p)
	if err != nil {
		return network.Ref{}, err
	}
	if err := f.after(ctx); err != nil {
		return network.Ref{}, err
	}
	return ref, nil
}

func (a *Adapter) publish(p *network.Post) (network.Ref, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	path := messagePath(a.dir, p.Key)
	if _, err := os.Stat(path); err == nil {
		return a.ref(p.Key), nil
	}
	if p.ReplyTo != nil {
		if _, err := os.Stat(messagePath(a.dir, p.ReplyTo.ID)); err != nil {
			return network.Ref{}, a.fail(network.Permanent, "publish", fmt.Errorf("reply to %s: %w", p.ReplyTo.ID, network.ErrNotFound))
		}
	}
	media, err := writeMedia(a.dir, p.Key, p.Media)
	if err != nil {
		return network.Ref{}, a.fail(network.Retryable, "publish", err)
	}
	m := a.message(p, media)
	m.PublishedAt = a.now()
	if m.Seq, err = a.nextSeq(); err != nil {
		return network.Ref{}, a.fail(network.Retryable, "publish", err)
	}
	if err := writeMessage(a.dir, m); err != nil {
		return network.Ref{}, a.fail(network.Retryable, "publish", err)
	}
	if err := a.journalAt(m.Seq, "publish", p.Key); err != nil {
		return network.Ref{}, a.fail(network.Retryable, "publish", err)
	}
	return a.ref(p.Key), nil
}

func (a *Adapter) edit(ctx context.Context, ref network.Ref, p *network.Post) (network.Ref, error) {
	edited := *p
	edited.Key = ref.ID
	if err := a.check("edit", &edited); err != nil {
		return network.Ref{}, err
	}
	f, err := a.takeFault("edit")
	if err != nil {
		return network.Ref{}, err
	}
	if err := f.before(); err != nil {
		return network.Ref{}, err
	}
	if err := a.rewrite(&edited); err != nil {
		return network.Ref{}, err
	}
	if err := f.after(ctx); err != nil {
		return network.Ref{}, err
	}
	return a.ref(ref.ID), nil
}

func (a *Adapter) rewrite(p *network.Post) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	old, err := readMessage(messagePath(a.dir, p.Key))
	if errors.Is(err, fs.ErrNotExist) {
		return a.fail(network.Permanent, "edit", fmt.Errorf("message %s: %w", p.Key, network.ErrNotFound))
	}
	if err != nil {
		return a.fail(network.Retryable, "edit", err)
	}
	media, err := writeMedia(a.dir, p.Key, p.Media)
	if err != nil {
		return a.fail(network.Retryable, "edit", err)
	}
	m := a.message(p, media)
	m.Seq, m.PublishedAt, m.CreatedAt = old.Seq, old.PublishedAt, old.CreatedAt
	m.ReplyTo, m.Root = old.ReplyTo, old.Root
	now := a.now()
	m.EditedAt = &now
	if err := writeMessage(a.dir, m); err != nil {
		return a.fail(network.Retryable, "edit", err)
	}
	removeMedia(a.dir, old.Media, media)
	if err := a.journal("edit", p.Key); err != nil {
		return a.fail(network.Retryable, "edit", err)
	}
	return nil
}

// Delete removes a message and its media; a message already gone is not
// an error.
func (a *Adapter) Delete(ctx context.Context, ref network.Ref) error {
	if !a.caps.Delete {
		return a.fail(network.Permanent, "delete", fmt.Errorf("%s: %w", a.emulate, network.ErrUnsupported))
	}
	if !validKey.MatchString(ref.ID) {
		return nil // no file can have this name: nothing to delete
	}
	f, err := a.takeFault("delete")
	if err != nil {
		return err
	}
	if err := f.before(); err != nil {
		return err
	}
	if err := a.remove(ref.ID); err != nil {
		return err
	}
	return f.after(ctx)
}

func (a *Adapter) remove(key string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	path := messagePath(a.dir, key)
	old, err := readMessage(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return a.fail(network.Retryable, "delete", err)
	}
	if err := os.Remove(path); err != nil {
		return a.fail(network.Retryable, "delete", err)
	}
	removeMedia(a.dir, old.Media, nil)
	if err := a.journal("delete", key); err != nil {
		return a.fail(network.Retryable, "delete", err)
	}
	return nil
}

// Lookup finds the message written with p.Key. The outbox is the whole
// truth, so a missing file proves absence.
func (a *Adapter) Lookup(ctx context.Context, p *network.Post) (network.Ref, network.LookupResult, error) {
	if !validKey.MatchString(p.Key) {
		return network.Ref{}, network.Absent, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := os.Stat(messagePath(a.dir, p.Key))
	switch {
	case err == nil:
		return a.ref(p.Key), network.Found, nil
	case errors.Is(err, fs.ErrNotExist):
		return network.Ref{}, network.Absent, nil
	default:
		return network.Ref{}, network.Unknown, a.fail(network.Retryable, "lookup", err)
	}
}
