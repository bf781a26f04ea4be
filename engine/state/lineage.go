package state

import (
	"crypto/rand"
	"fmt"
	"io"
)

// NewLineage reads 16 bytes from r (crypto/rand when nil) and formats them as
// a version 4 UUID, the id a state keeps from its birth. Tests pass a
// deterministic reader.
func NewLineage(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("new lineage: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
