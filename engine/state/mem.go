package state

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// MemStore is a Store in memory, for tests and dry runs. Like the git store it
// keeps records in their encoded form, so what it returns has been through
// the same codec, and it keeps the commit messages it would have written.
type MemStore struct {
	rand io.Reader

	mu      sync.Mutex
	writes  int
	lineage string
	serial  int64
	records map[Address][]byte
	files   map[string][]byte
	log     []string
}

// NewMemStore returns an empty store. rand gives the lineage (crypto/rand
// when nil).
func NewMemStore(rand io.Reader) *MemStore {
	return &MemStore{rand: rand, records: map[Address][]byte{}, files: map[string][]byte{}}
}

var _ Store = (*MemStore)(nil)

// Read returns a copy of the current state.
func (m *MemStore) Read(ctx context.Context) (*Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := New()
	st.Lineage, st.Serial = m.lineage, m.serial
	for a, b := range m.records {
		r, err := DecodeRecord(b)
		if err != nil {
			return nil, fmt.Errorf("read state: %s: %w", a, err)
		}
		st.Records[a] = r
	}
	for p, b := range m.files {
		st.Files[p] = bytes.Clone(b)
	}
	return &Snapshot{Version: m.version(), State: st}, nil
}

// Write applies cs if the state is still at base.
func (m *MemStore) Write(ctx context.Context, base Version, cs *Changeset) (Head, error) {
	if err := ctx.Err(); err != nil {
		return Head{}, err
	}
	if err := cs.Validate(); err != nil {
		return Head{}, fmt.Errorf("write state: %w", err)
	}
	enc := map[Address][]byte{}
	for _, r := range cs.Records() {
		b, err := EncodeRecord(r)
		if err != nil {
			return Head{}, fmt.Errorf("write state: %w", err)
		}
		enc[r.Address] = b
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.version(); base != cur {
		return Head{}, fmt.Errorf("write state at version %q, now at %q: %w", base, cur, ErrConflict)
	}
	lineage := m.lineage
	if lineage == "" {
		l, err := NewLineage(m.rand)
		if err != nil {
			return Head{}, fmt.Errorf("write state: %w", err)
		}
		lineage = l
	}
	for a, b := range enc {
		m.records[a] = b
	}
	for _, a := range cs.Removed() {
		delete(m.records, a)
	}
	for _, f := range cs.Files() {
		m.files[f.Path] = bytes.Clone(f.Data)
	}
	for _, p := range cs.RemovedFiles() {
		delete(m.files, p)
	}
	m.lineage = lineage
	m.serial++
	m.writes++
	m.log = append(m.log, cs.Message.Text(m.lineage, m.serial))
	return Head{Version: m.version(), Lineage: m.lineage, Serial: m.serial}, nil
}

// Log returns the commit messages of every write, oldest first.
func (m *MemStore) Log() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.log...)
}

func (m *MemStore) version() Version {
	if m.writes == 0 {
		return ""
	}
	return Version("mem-" + strconv.Itoa(m.writes))
}
